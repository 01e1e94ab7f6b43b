"""Change statistics (numba) == difference of networkx-computed statistics, every term."""

import networkx as nx
import numpy as np
import pytest

from spatialhealth.errors import InputError
from spatialhealth.networks.ergm import build_model, summary_statistics
from spatialhealth.networks.ergm import _kernels as K

DIRECTED = (
    "edges + mutual + nodecov('x') + nodeicov('x') + nodeocov('y') + nodefactor('c') "
    "+ nodeifactor('c', levels=None) + nodeofactor('c') + nodematch('c') "
    "+ nodematch('c', diff=TRUE) + absdiff('x') + edgecov('w') + edgecov('flow') + triangle "
    "+ ttriple + ctriple + transitiveties + istar(c(2, 3)) + ostar(2) + isolates "
    "+ gwesp(0.5, fixed=TRUE) + gwdsp(0.7, fixed=TRUE) + gwidegree(0.3, fixed=TRUE) "
    "+ gwodegree(0.4, fixed=TRUE)"
)
UNDIRECTED = (
    "edges + nodecov('x') + nodefactor('c') + nodematch('c') + nodematch('c', diff=TRUE, levels=['a', 'b']) "
    "+ absdiff('x', pow=2) + edgecov('w') + triangle + ttriple + transitiveties "
    "+ kstar(c(2, 3)) + isolates + gwesp(0.25, fixed=TRUE) + gwdsp(0.5, fixed=TRUE) "
    "+ gwdegree(0.8, fixed=TRUE)"
)


def _random_graph(rng, n, p, directed):
    G = nx.gnp_random_graph(n, p, seed=int(rng.integers(1 << 30)), directed=directed)
    G = nx.relabel_nodes(G, {k: f"v{k}" for k in G.nodes()})  # labels are not positions
    for k, v in enumerate(G.nodes()):
        G.nodes[v]["c"] = "abc"[k % 3]  # every level occurs
        G.nodes[v]["x"] = float(rng.normal())
        G.nodes[v]["y"] = float(rng.integers(0, 5))
    for u, v in G.edges():
        G.edges[u, v]["flow"] = float(rng.integers(1, 9))
    w = rng.normal(size=(n, n))
    if not directed:
        w = (w + w.T) / 2
    return G, w


def _check(G, w, formula, rng, ntoggles, use_tp):
    m = build_model(G, formula, edge_covariates={"w": w})
    nodes = m.nodes
    for _ in range(ntoggles):
        i, j = rng.choice(m.n, size=2, replace=False)
        if not m.directed and i > j:
            i, j = j, i
        st = m.state(G, use_tp=use_tp)
        before = m.observed(G)
        delta = m.change(i, j, st)
        H = G.copy()
        u, v = nodes[i], nodes[j]
        if H.has_edge(u, v):
            H.remove_edge(u, v)
            sign = -1.0
        else:
            H.add_edge(u, v, flow=3.0)
            sign = 1.0
        after = m.observed(H)
        np.testing.assert_allclose(after - before, sign * delta, rtol=1e-9, atol=1e-9,
                                   err_msg=f"toggle {u}-{v}: {dict(zip(m.names, after - before - sign * delta))}")
        G = H
    return G


@pytest.mark.parametrize("directed", [True, False])
@pytest.mark.parametrize("use_tp", [True, False])
def test_change_equals_difference(directed, use_tp):
    rng = np.random.default_rng(7 + directed + 2 * use_tp)
    for n, p in [(9, 0.35), (14, 0.15), (6, 0.8)]:
        G, w = _random_graph(rng, n, p, directed)
        _check(G, w, DIRECTED if directed else UNDIRECTED, rng, 25, use_tp)


@pytest.mark.parametrize("directed", [True, False])
def test_toggle_keeps_state_consistent(directed):
    rng = np.random.default_rng(3)
    G, w = _random_graph(rng, 12, 0.3, directed)
    m = build_model(G, "edges + gwesp(0.5, fixed=TRUE)")
    st = m.state()
    adj = st.adj.astype(np.int64).copy()
    for _ in range(300):
        i, j = rng.choice(m.n, size=2, replace=False)
        if not directed and i > j:
            i, j = j, i
        st.nedges = K.toggle(i, j, st.directed, *st.arrays(), st.etail, st.ehead, st.epos, st.nedges)
        adj[i, j] ^= 1
        if not directed:
            adj[j, i] ^= 1
    np.testing.assert_array_equal(st.adj, adj)
    np.testing.assert_array_equal(st.adjT, adj.T)
    np.testing.assert_array_equal(st.tp, K.two_paths(st.adj, st.adjT, directed, np.zeros((m.n, m.n), dtype=st.tp.dtype)))
    np.testing.assert_array_equal(st.outdeg, adj.sum(1))
    np.testing.assert_array_equal(st.indeg, adj.sum(0))
    e = st.edge_array()
    assert len(e) == (adj.sum() if directed else adj.sum() // 2)
    assert all(adj[a, b] for a, b in e)
    assert all(st.epos[a, b] == k + 1 for k, (a, b) in enumerate(e))
    for v in range(m.n):  # neighbour lists match the adjacency
        assert sorted(st.outl[v, : st.outdeg[v]]) == list(np.nonzero(adj[v])[0])
        assert sorted(st.inl[v, : st.indeg[v]]) == list(np.nonzero(adj[:, v])[0])
        assert all(st.outpos[v, k] == q for q, k in enumerate(st.outl[v, : st.outdeg[v]]))


def test_florentine_known_statistics():
    # statnet: summary(flomarriage ~ edges + triangle + kstar(2) + isolates) = 20, 3, 47, 1
    from spatialhealth.networks.ergm import datasets

    G = datasets.load_network("flomarriage")
    s = summary_statistics(G, "edges + triangle + kstar(2) + isolates + nodecov('wealth')")
    assert s.tolist()[:4] == [20, 3, 47, 1]
    wealth = nx.get_node_attributes(G, "wealth")
    assert s["nodecov.wealth"] == sum(wealth[u] + wealth[v] for u, v in G.edges())


def test_names_follow_statnet():
    rng = np.random.default_rng(1)
    G, w = _random_graph(rng, 8, 0.3, True)
    m = build_model(G, DIRECTED, edge_covariates={"w": w})
    assert m.names[:5] == ["edges", "mutual", "nodecov.x", "nodeicov.x", "nodeocov.y"]
    assert "nodefactor.c.a" not in m.names and "nodefactor.c.b" in m.names  # first level dropped
    assert "nodeifactor.c.a" in m.names  # levels=None keeps all
    assert {"nodematch.c", "nodematch.c.a", "edgecov.w", "edgecov.flow", "istar2", "istar3",
            "gwesp.OTP.fixed.0.5", "gwdsp.OTP.fixed.0.7", "gwideg.fixed.0.3", "gwodeg.fixed.0.4"} <= set(m.names)
    Gu, wu = _random_graph(rng, 8, 0.3, False)
    mu = build_model(Gu, "edges + gwesp(0.25, fixed=TRUE) + gwdegree(1, fixed=TRUE)")
    assert mu.names == ["edges", "gwesp.fixed.0.25", "gwdeg.fixed.1"]
    # list-of-terms form gives the same model
    ml = build_model(Gu, ["edges", ("gwesp", 0.25, {"fixed": True}), "gwdegree(1, fixed=TRUE)"])
    assert ml.names == mu.names
    np.testing.assert_array_equal(ml.observed(), mu.observed())


def test_dyad_independence_flags():
    G = nx.gnp_random_graph(6, 0.4, seed=1, directed=True)
    nx.set_node_attributes(G, 1.0, "x")
    assert build_model(G, "edges + nodeicov('x')").dyad_independent
    assert not build_model(G, "edges + mutual").dyad_independent


@pytest.mark.parametrize("formula,msg", [
    ("edges + mutual", "directed networks only"),
    ("edges + gwesp(0.5)", "fixed=TRUE"),
    ("edges + nodecov('nope')", "missing"),
    ("edges + foo", "Unknown ERGM term"),
    ("edges + edgecov('zz')", "neither a key"),
    ("edges +", "not a sum of terms"),
])
def test_errors_name_the_problem(formula, msg):
    G = nx.gnp_random_graph(6, 0.4, seed=1)
    with pytest.raises(InputError, match=msg):
        build_model(G, formula)


def test_r_formula_syntax():
    from spatialhealth.networks.ergm.formula import parse_formula

    calls = parse_formula("net ~ edges + kstar(2:3) + nodefactor(\"c\", levels=-(1:2)) + edgecov('1:2') "
                          "+ nodematch('c', diff=T, keep=c(1, 3)) + gwesp(0.5, fixed=TRUE)")
    assert [c.name for c in calls] == ["edges", "kstar", "nodefactor", "edgecov", "nodematch", "gwesp"]
    assert calls[1].args == ([2, 3],) and calls[2].kwargs == {"levels": [-1, -2]}
    assert calls[3].args == ("1:2",) and calls[4].kwargs == {"diff": True, "keep": [1, 3]}
    G = nx.gnp_random_graph(9, 0.4, seed=2)
    for k, v in enumerate(G.nodes()):
        G.nodes[v]["c"] = "abc"[k % 3]
    m = build_model(G, "edges + nodefactor('c', levels=-(1:2)) + nodematch('c', diff=T, keep=c(1, 3))")
    assert m.names == ["edges", "nodefactor.c.c", "nodematch.c.a", "nodematch.c.c"]


# the statnet term forms added for issue 13: attribute forms, types, degree counts
NEW_DIRECTED = (
    "edges + mutual(same='c') + mutual(same='c', diff=TRUE) + mutual(by='c', levels=-1) "
    "+ ttriple('c') + ctriple('c', diff=TRUE) + triangle('c', levels=c(1, 3)) + transitiveties('c') "
    "+ cyclicalties + cyclicalties('c') + istar(2, 'c') + ostar(c(2, 3), 'c') "
    "+ idegree(0:2) + odegree(1:2, by='c') + idegree(1:2, 'c', TRUE) "
    "+ gwidegree(0.3, TRUE, 'c') + gwodegree(0.5, fixed=TRUE, attr='c', levels=2:3) "
    "+ gwesp(0.4, fixed=TRUE, type='ITP') + gwesp(0.4, fixed=TRUE, type='OSP') + gwesp(0.4, fixed=TRUE, type='ISP') "
    "+ gwdsp(0.6, fixed=TRUE, type='ITP') + gwdsp(0.6, fixed=TRUE, type='OSP') + gwdsp(0.6, fixed=TRUE, type='ISP') "
    "+ gwnsp(0.2, fixed=TRUE) + gwnsp(0.2, fixed=TRUE, type='OSP') + gwnsp(0.2, fixed=TRUE, type='ISP') "
    "+ gwnsp(0.2, fixed=TRUE, type='ITP') + esp(0:2, type='ISP') + dsp(1:2, type='OSP') + nsp(1, type='ITP') "
    "+ gwesp(0, fixed=TRUE)"
)
NEW_UNDIRECTED = (
    "edges + triangle('c') + triangle('c', diff=TRUE, levels=-2) + transitiveties('c') + cyclicalties "
    "+ kstar(c(2, 3), 'c') + degree(0:3) + degree(1:2, by='c') + degree(1:2, 'c', TRUE) "
    "+ gwdegree(0.4, fixed=TRUE, attr='c') + gwnsp(0.3, fixed=TRUE) + esp(0:2) + dsp(c(1, 3)) + nsp(1:2) "
    "+ nodefactor('c', levels=LARGEST) + nodematch('c', levels=I('b')) + nodecov(~x^2) "
    "+ nodecov(x/3 + y)"
)


@pytest.mark.parametrize("directed", [True, False])
@pytest.mark.parametrize("use_tp", [True, False])
def test_change_equals_difference_new_terms(directed, use_tp):
    rng = np.random.default_rng(70 + directed + 2 * use_tp)
    for n, p in [(9, 0.35), (13, 0.2), (6, 0.8)]:
        G, w = _random_graph(rng, n, p, directed)
        _check(G, w, NEW_DIRECTED if directed else NEW_UNDIRECTED, rng, 25, use_tp)


# the statnet terms of the second batch (test-term-*.R cases that were unsupported)
MORE_DIRECTED = (
    "edges + sender + receiver(nodes=-(2:3)) + nodemix('c') + nodemix('c', levels2=c(2, 5, 9)) "
    "+ absdiffcat('y') + absdiffcat('y', levels=-1) + density + meandeg + diff('x') + diff('x', dir='h-t', pow=3) "
    "+ diff('y', sign.action='abs') + diff('x', sign.action='pos') + diff('x', sign.action='neg') "
    "+ smalldiff('x', 0.5) + dyadcov('w') + asymmetric + asymmetric('c') + asymmetric('c', diff=TRUE, levels=-2) "
    "+ idegrange(1:3) + odegrange(c(0, 2), to=c(2, 4)) + idegrange(1:2, by='c', homophily=TRUE) "
    "+ odegrange(2, by='c') + idegree1.5 + odegree1.5 + m2star + twopath + transitive + intransitive "
    "+ triadcensus + triadcensus(c(0, 15)) + balance + simmelian + nearsimmelian + simmelianties "
    "+ cycle(2:5) + cycle(3:5, semi=TRUE) + threetrail + threetrail(levels=c(2, 4)) "
    "+ nodeicov(~poly(x, 2, raw=TRUE)) + nodeocov(~poly(y, 3, raw=TRUE)) + gwesp(0.3, fixed=TRUE, type='RTP') "
    "+ gwdsp(0.4, fixed=TRUE, type='RTP') + gwnsp(0.2, fixed=TRUE, type='RTP') + esp(0:2, type='RTP') "
    "+ dsp(1:2, type='RTP') + nsp(1, type='RTP')"
)
MORE_UNDIRECTED = (
    "edges + sociality + sociality(nodes=c(1, 3)) + nodemix('c') + nodemix('c', base=1:2) + absdiffcat('y') "
    "+ density + meandeg + diff('x') + smalldiff('y', 1) + dyadcov('w') + degrange(1:3) "
    "+ degrange(0:1, to=3) + degrange(1:2, by='c') + degrange(1, by='c', homophily=TRUE) + concurrent "
    "+ concurrent(by='c') + concurrentties + concurrentties(by='c', levels=2:3) + degree1.5 + twopath "
    "+ altkstar(0.5, fixed=TRUE) + altkstar(2, fixed=TRUE) + triadcensus + triadcensus(0:3) + balance "
    "+ opentriad + cycle(3:6) + threetrail + degcrossprod + tripercent + tripercent('c') + isolatededges "
    "+ nodecov(~poly(y, 2, raw=TRUE))"
)


@pytest.mark.parametrize("directed", [True, False])
@pytest.mark.parametrize("use_tp", [True, False])
def test_change_equals_difference_more_terms(directed, use_tp):
    rng = np.random.default_rng(170 + directed + 2 * use_tp)
    for n, p in [(9, 0.35), (12, 0.2), (6, 0.8)]:
        G, w = _random_graph(rng, n, p, directed)
        _check(G, w, MORE_DIRECTED if directed else MORE_UNDIRECTED, rng, 25, use_tp)


@pytest.mark.parametrize("directed", [True, False])
def test_more_terms_dyad_independence(directed):
    rng = np.random.default_rng(5)
    G, w = _random_graph(rng, 8, 0.3, directed)
    di = ("edges + nodemix('c') + absdiffcat('y') + density + meandeg + diff('x') + smalldiff('x', 1) "
          + ("+ sender + receiver" if directed else "+ sociality + dyadcov('w')"))
    assert build_model(G, di, edge_covariates={"w": w}).dyad_independent
    dd = "edges + dyadcov('w')" if directed else "edges + concurrent"
    assert not build_model(G, dd, edge_covariates={"w": w}).dyad_independent


def test_degcor_change_is_statnets():
    # statnet's degcor: summary = degree correlation over ties (s_degcor); change statistic =
    # change of sum over ties of d_u d_v, divided by (variance of tie-end degrees * ties) of the
    # observed network (d_degcor); so the two are not a difference of summaries
    rng = np.random.default_rng(11)
    G, _ = _random_graph(rng, 10, 0.3, False)
    m = build_model(G, "degcor")
    A = nx.to_numpy_array(G, nodelist=m.nodes)
    d = A.sum(1)
    r, c = np.nonzero(np.triu(A, 1))
    ends = np.concatenate([d[r], d[c]])
    const = (np.mean(ends ** 2) - np.mean(ends) ** 2) * len(r)
    assert m.observed()[0] == pytest.approx(np.corrcoef(ends, np.concatenate([d[c], d[r]]))[0, 1])

    def cross(M):
        dd = M.sum(1)
        return np.sum(np.triu(M, 1) * np.outer(dd, dd))
    st = m.state()
    for i, j in [(0, 1), (2, 7), (3, 9), (4, 5)]:
        B = A.copy()
        B[i, j] = B[j, i] = 1 - A[i, j]
        sign = 1 if B[i, j] else -1
        assert sign * m.change(i, j, st)[0] == pytest.approx((cross(B) - cross(A)) / const)
