"""Bipartite networks: statistics, change statistics, dyad space, sampler and MLE against references.

References: a brute-force computation of statnet's bipartite term definitions from the
``n1 x n2`` biadjacency matrix (written here from ``ergm``'s help pages, sharing no code
with the engine), and exact enumeration of every bipartite graph on tiny mode sets (2 x 3:
64 graphs; 3 x 3: 512 graphs). Tolerances of the sampler and MCMC-MLE checks are those of
test_ergm_exact_sampler_mle.py (4 Monte Carlo standard errors; chi-square p > 0.001).
"""

import itertools
import math

import networkx as nx
import numpy as np
import pytest
from scipy import optimize, stats
from scipy.special import logsumexp

from spatialhealth.errors import InputError
from spatialhealth.networks.ergm import build_model, ergm, simulate, summary_statistics
from spatialhealth.networks.ergm.diagnostics import effective_sample_size


def bipartite_graph(B, attrs=None, how="graph"):
    """Graph of the biadjacency matrix B (n1 x n2): nodes a0.. (mode 1) then e0.. (mode 2)."""
    n1, n2 = B.shape
    G = nx.Graph()
    top, bottom = [f"a{k}" for k in range(n1)], [f"e{k}" for k in range(n2)]
    if how == "graph":
        G.add_nodes_from(top + bottom)
        G.graph["bipartite"] = n1
    else:  # networkx's node attribute convention
        G.add_nodes_from(top, bipartite=0)
        G.add_nodes_from(bottom, bipartite=1)
    G.add_edges_from((top[r], bottom[c]) for r, c in zip(*np.nonzero(B)))
    for name, vals in (attrs or {}).items():
        for v, x in zip(top + bottom, vals):
            G.nodes[v][name] = x
    return G


def _gw(deg, decay):
    return math.exp(decay) * np.sum(1 - (1 - math.exp(-decay)) ** np.asarray(deg, float))


def brute(B, g, x, W):
    """Compute statnet's statistics of FORMULA below from the biadjacency matrix alone."""
    n1, n2 = B.shape
    g1, g2 = np.asarray(g[:n1]), np.asarray(g[n1:])
    x1, x2 = np.asarray(x[:n1], float), np.asarray(x[n1:], float)
    r, c = B.sum(1), B.sum(0)
    out = [B.sum()]
    out += [r[g1 == L].sum() for L in sorted(set(g1))[1:]]               # b1factor('g') (levels=-1)
    out += [c[g2 == L].sum() for L in sorted(set(g2))]                   # b2factor('g', levels=TRUE)
    out += [np.sum(x1 * r), np.sum(x2 * c)]                               # b1cov, b2cov
    out += [np.sum(r == d) for d in (0, 1, 2)]                            # b1degree(0:2)
    out += [np.sum((c == 1) & (g2 == L)) for L in sorted(set(g2))]        # b2degree(1, by='g')
    out += [sum(math.comb(int(k), 2) for k in r), sum(math.comb(int(k), 3) for k in c)]  # b1star(2), b2star(3)
    out += [sum(math.comb(int(np.sum(B[i] * (g2 == g1[i]))), 2) for i in range(n1))]      # b1star(2, 'g')
    out += [_gw(r, 0.5), _gw(c, 0.3)]                                     # gwb1degree, gwb2degree
    out += [_gw(c[g2 == L], 0.7) for L in sorted(set(g2))]                # gwb2degree(0.7, TRUE, 'g')
    out += [np.sum(r >= 2), np.sum(c >= 2)]                               # b1concurrent, b2concurrent
    out += [np.sum((r >= 2) & (g1 == L)) for L in sorted(set(g1))]        # b1concurrent(by='g')
    out += [sum(B[i, j] for i in range(n1) for j in range(n2) if (g1[i], g2[j]) == (L1, L2))
            for L2 in sorted(set(g2)) for L1 in sorted(set(g1))]          # nodemix('g', levels2=TRUE)
    out += [B.sum() / (n1 * n2), np.sum(B * W)]                           # density, edgecov(W)
    out += [sum(1 for i, j in zip(*np.nonzero(B)) if r[i] == 1 and c[j] == 1)]  # isolatededges
    out += [np.sum(c == d) for d in range(1, 13)]                         # gwb2degree(fixed=FALSE, cutoff=12)
    return np.array(out, dtype=float)


FORMULA = ("edges + b1factor('g') + b2factor('g', levels=TRUE) + b1cov('x') + b2cov('x') + b1degree(0:2) "
           "+ b2degree(1, by='g') + b1star(2) + b2star(3) + b1star(2, 'g') + gwb1degree(0.5, fixed=TRUE) "
           "+ gwb2degree(0.3, fixed=TRUE) + gwb2degree(0.7, TRUE, 'g') + b1concurrent + b2concurrent "
           "+ b1concurrent(by='g') + nodemix('g', levels2=TRUE) + density + edgecov('W') + isolatededges "
           "+ gwb2degree(0.5, fixed=FALSE, cutoff=12)")


def _random_case(rng, n1, n2, p):
    B = (rng.random((n1, n2)) < p).astype(int)
    g = ["ab"[k % 2] if k < n1 else "abc"[k % 3] for k in range(n1 + n2)]
    x = rng.integers(0, 5, n1 + n2).astype(float)
    W = rng.normal(size=(n1, n2))
    return B, g, x, W


@pytest.mark.parametrize("how", ["graph", "node attribute"])
@pytest.mark.parametrize("use_tp", [False, True])
def test_statistics_and_every_between_mode_toggle(how, use_tp):
    rng = np.random.default_rng(11 + use_tp)
    for n1, n2, p in [(4, 7, 0.35), (6, 5, 0.6), (3, 9, 0.2)]:
        B, g, x, W = _random_case(rng, n1, n2, p)
        G = bipartite_graph(B, {"g": g, "x": x}, how)
        m = build_model(G, FORMULA, edge_covariates={"W": W})
        assert len(m.names) == len(brute(B, g, x, W))
        np.testing.assert_allclose(m.observed(), brute(B, g, x, W), atol=1e-9)
        dyads = [(i, j) for i in range(n1) for j in range(n2)]
        for q in rng.permutation(len(dyads)):  # toggle every dyad between the modes, in random order
            i, j = dyads[q]
            st = m.state(G, use_tp=use_tp)
            delta = m.change(i, n1 + j, st)
            B2 = B.copy()
            B2[i, j] = 1 - B2[i, j]
            G2 = bipartite_graph(B2, {"g": g, "x": x}, how)
            sign = 1.0 if B2[i, j] else -1.0
            np.testing.assert_allclose(brute(B2, g, x, W) - brute(B, g, x, W), sign * delta, atol=1e-9,
                                       err_msg=f"toggle a{i}-e{j}")
            np.testing.assert_allclose(m.observed(G2), brute(B2, g, x, W), atol=1e-9)
            B, G = B2, G2


def test_dyad_table_has_the_between_mode_dyads_only():
    rng = np.random.default_rng(3)
    B, g, x, _ = _random_case(rng, 4, 6, 0.4)
    G = bipartite_graph(B, {"g": g, "x": x})
    m = build_model(G, "edges + b1star(2) + b2cov('x')")
    X, y = m.dyad_table()
    assert X.shape == (24, 3) and m.ndyads == 24
    assert y.tolist() == B.ravel().tolist()  # rows: (a_i, e_j) in row-major order
    st = m.state()
    rows = [m.change(i, 4 + j, st) for i in range(4) for j in range(6)]
    np.testing.assert_array_equal(X, rows)
    F = m.fixed_dyads
    assert np.all(np.isneginf(F[:4, :4][~np.eye(4, dtype=bool)])) and np.all(F[:4, 4:] == 0)


# ------------------------------------------------------------------ exact enumeration
def all_biadjacency(n1, n2):
    return np.array([np.reshape(bits, (n1, n2)) for bits in itertools.product([0, 1], repeat=n1 * n2)])


def exact_stats(Bs, formula_fn):
    return np.array([formula_fn(B) for B in Bs], dtype=float)


def _b1star_model(B):
    r = B.sum(1)
    return [B.sum(), sum(math.comb(int(k), 2) for k in r)]


def _sampler_model(B):
    r, c = B.sum(1), B.sum(0)
    return [B.sum(), sum(math.comb(int(k), 2) for k in r), _gw(c, 0.5)]


def _exact_mle(S, obs):
    def nll(th):
        return -(th @ obs - logsumexp(S @ th))

    def grad(th):
        w = np.exp(S @ th - logsumexp(S @ th))
        return -(obs - w @ S)
    res = optimize.minimize(nll, np.zeros(S.shape[1]), jac=grad, method="BFGS", options={"gtol": 1e-10})
    w = np.exp(S @ res.x - logsumexp(S @ res.x))
    mu = w @ S
    cov = (S - mu).T @ ((S - mu) * w[:, None])
    return res.x, np.sqrt(np.diag(np.linalg.inv(cov))), -res.fun


def test_sampler_matches_exact_bipartite_distribution():
    n1, n2 = 2, 3
    B0 = np.array([[1, 0, 1], [1, 1, 0]])
    G = bipartite_graph(B0)
    coef = [-0.4, 0.6, 0.5]
    model = build_model(G, "edges + b1star(2) + gwb2degree(0.5, fixed=TRUE)")
    Bs = all_biadjacency(n1, n2)
    S = exact_stats(Bs, _sampler_model)
    w = np.exp(S @ coef - logsumexp(S @ coef))
    nsim = 20_000
    draws = np.asarray(simulate(model, coef=coef, nsim=nsim, seed=5, output="stats", burnin=2_000, interval=40),
                       dtype=float)
    ess = effective_sample_size(draws[:, 0])
    assert ess > 0.5 * nsim
    keys = {}
    for k, row in enumerate(np.round(S, 8)):
        keys.setdefault(tuple(row), []).append(k)
    cells = list(keys)
    prob = np.array([w[keys[c]].sum() for c in cells])
    counts = np.zeros(len(cells))
    index = {c: q for q, c in enumerate(cells)}
    for row in np.round(draws, 8):
        counts[index[tuple(row)]] += 1  # KeyError: a statistic no bipartite graph has (a tie inside a mode)
    expected = prob * nsim
    big = expected >= 5
    obs, exp = np.append(counts[big], counts[~big].sum()), np.append(expected[big], expected[~big].sum())
    if exp[-1] == 0:
        obs, exp = obs[:-1], exp[:-1]
    p = stats.chisquare(obs, exp).pvalue
    assert p > 1e-3, p
    mu = w @ S
    sd = np.sqrt(w @ (S - mu) ** 2)
    assert np.all(np.abs(draws.mean(0) - mu) < 4 * sd / np.sqrt(0.5 * nsim)), (draws.mean(0), mu)
    nets = simulate(model, coef=coef, nsim=50, seed=6, burnin=2_000, interval=40)
    for H in nets:  # the sampler never puts a tie inside a mode
        assert H.graph["bipartite"] == 2
        assert all((u[0] == "a") != (v[0] == "a") for u, v in H.edges())


def test_mple_of_dyad_independent_bipartite_model_is_exact_mle():
    n1, n2 = 3, 3
    x = [1.0, 3.0, 2.0, 0.5, 2.5, 1.5]
    g = ["a", "b", "b", "a", "b", "a"]
    B0 = np.array([[1, 0, 1], [0, 1, 1], [1, 1, 0]])
    G = bipartite_graph(B0, {"x": x, "g": g})
    res = ergm(G, "edges + b1factor('g') + b2cov('x')")
    assert res.method == "MPLE"

    def st(B):
        return [B.sum(), B.sum(1)[np.array(g[:3]) == "b"].sum(), np.sum(np.array(x[3:]) * B.sum(0))]
    S = exact_stats(all_biadjacency(n1, n2), st)
    theta, se, ll = _exact_mle(S, np.array(st(B0), float))
    np.testing.assert_allclose(res.params.to_numpy(), theta, atol=1e-6)
    np.testing.assert_allclose(res.bse.to_numpy(), se, atol=1e-6)
    assert res.llf == pytest.approx(ll, abs=1e-6)


def test_mcmc_mle_matches_exact_bipartite_mle():
    # a dyad-dependent bipartite term (b1star) fitted by MCMC-MLE on the 512 graphs of 3 x 3 modes
    B0 = np.array([[1, 1, 1], [1, 1, 0], [0, 0, 0]])  # exact MLE (-1.674, 1.781)
    G = bipartite_graph(B0)
    Bs = all_biadjacency(3, 3)
    S = exact_stats(Bs, _b1star_model)
    theta, se, _ = _exact_mle(S, np.array(_b1star_model(B0), float))
    res = ergm(G, "edges + b1star(2)", seed=3)
    assert res.method != "MPLE" and res.converged
    sample = np.asarray(res.sample, dtype=float).reshape(-1, 2)
    ess = min(effective_sample_size(sample[:, k]) for k in range(2))
    tol = 4 * se / np.sqrt(ess) + 0.05 * se
    assert np.all(np.abs(res.params.to_numpy() - theta) < tol), (res.params.to_dict(), theta, tol)
    np.testing.assert_allclose(res.bse.to_numpy(), se, rtol=0.15)
    th = res.params.to_numpy()
    exact_ll = float(th @ np.array(_b1star_model(B0), float) - logsumexp(S @ th))
    assert abs(res.llf - exact_ll) < 4 * res.llf_se + 0.01, (res.llf, res.llf_se, exact_ll)


# ------------------------------------------------------------------ errors
def test_errors():
    B = np.array([[1, 0, 1], [0, 1, 1]])
    G = bipartite_graph(B)
    H = G.copy()
    H.add_edge("a0", "a1")
    with pytest.raises(InputError, match=r"1 tie\(s\) inside a mode, such as \[\('a0', 'a1'\)\]"):
        summary_statistics(H, "edges")
    for bad in (0, 5, 2.5, True, "2"):
        K = G.copy()
        K.graph["bipartite"] = bad
        with pytest.raises(InputError, match="must be the number of mode-1 nodes"):
            summary_statistics(K, "edges")
    D = nx.DiGraph(G)
    with pytest.raises(InputError, match="undirected"):
        summary_statistics(D, "edges")
    with pytest.raises(InputError, match="`b1star` is a term of bipartite networks; this network is not"):
        summary_statistics(nx.path_graph(4), "b1star(2)")
    with pytest.raises(InputError, match="`triadcensus` is not defined for bipartite networks"):
        summary_statistics(G, "triadcensus")
    with pytest.raises(InputError, match="Dyadic covariate matrix has dimension 5x5, 2x3 expected"):
        summary_statistics(G, [("edgecov", np.zeros((5, 5)))])
    M = nx.Graph()
    M.add_nodes_from(["e0"], bipartite=1)
    M.add_nodes_from(["a0", "a1"], bipartite=0)
    M.add_edges_from([("a0", "e0")])
    with pytest.raises(InputError, match="must come first in node order"):
        summary_statistics(M, "edges")
    M = nx.complete_bipartite_graph(2, 2)
    M.graph["bipartite"] = 3
    with pytest.raises(InputError, match="disagrees with the node attribute"):
        summary_statistics(M, "edges")
    M = nx.complete_bipartite_graph(2, 2)
    del M.nodes[3]["bipartite"]
    with pytest.raises(InputError, match="missing for 1 node"):
        summary_statistics(M, "edges")
    with pytest.raises(InputError, match="keeps no level"):
        summary_statistics(bipartite_graph(B, {"g": list("aaabb")}), "b1factor('g')")


def test_networkx_bipartite_generators_are_read():
    G = nx.complete_bipartite_graph(3, 4)
    s = summary_statistics(G, "edges + b1star(2) + b2star(3) + density")
    assert s.to_dict() == {"edges": 12.0, "b1star2": 18.0, "b2star3": 4.0, "density": 1.0}


def test_boundary_mle_on_bipartite_network():
    # a mode-2 level without ties: its b2factor coefficient is -Inf; the MCMC-MLE of the others holds the
    # n1 x 4 dyads of those nodes empty (the within-mode dyads stay empty as always). Reference: the fit of
    # the network without those nodes, the same conditional model (their dyads carry no other statistic)
    rng = np.random.default_rng(4)
    n1, n2 = 10, 12
    B = (rng.random((n1, n2)) < 0.3).astype(int)
    g = ["a"] * n1 + ["abc"[k % 3] for k in range(n2)]
    B[:, np.array(g[n1:]) == "c"] = 0
    G = bipartite_graph(B, {"g": g})
    formula = "edges + b2factor('g') + gwb1degree(0.5, fixed=TRUE)"
    with pytest.warns(RuntimeWarning, match=r"`b2factor.g.c` is -Inf"):
        res = ergm(G, formula, seed=2, n_jobs=1)
    assert res.params["b2factor.g.c"] == -np.inf and res.info["fixed_dyads"] == n1 * 4
    H = G.subgraph([v for v in G if v.startswith("a") or G.nodes[v]["g"] != "c"]).copy()
    H.graph["bipartite"] = n1
    ref = ergm(H, formula, seed=2, n_jobs=1)
    fin = ref.params.index
    np.testing.assert_array_less(np.abs(res.params[fin] - ref.params[fin]), 0.25 * ref.bse[fin])
    for S in simulate(res, nsim=20, seed=3):
        assert all(u[0] != v[0] and G.nodes[max(u, v)]["g"] != "c" for u, v in S.edges())


def test_missing_drop_keeps_the_modes():
    B = np.array([[1, 0, 1, 1], [0, 1, 1, 0], [1, 1, 0, 0]])
    G = bipartite_graph(B, {"x": [1.0, None, 2.0, 0.5, 1.5, 2.5, 3.0]})
    s = summary_statistics(G, "edges + b1cov('x') + b2star(2)", missing="drop")
    # node a1 is left out: mode 1 is a0, a2; its ties (a1-e1, a1-e2) go with it
    H = bipartite_graph(B[[0, 2]])
    assert s.to_dict() == {"edges": 5.0, "b1cov.x": 1.0 * 3 + 2.0 * 2, "b2star2": 1.0}
    assert summary_statistics(H, "edges").iloc[0] == 5.0


@pytest.mark.parametrize("side", [1, 2])
def test_curved_gwbdegree_reproduces_the_fixed_decay_statistic(side):
    # eta(theta, alpha) . (degree counts) == theta * gwb<side>degree(alpha, fixed=TRUE) on any network
    from spatialhealth.networks.ergm.curved import CurvedMap

    rng = np.random.default_rng(side)
    B = (rng.random((6, 9)) < 0.4).astype(int)
    G = bipartite_graph(B)
    m = build_model(G, f"edges + gwb{side}degree(0.7, fixed=FALSE)")
    cmap = CurvedMap(m)
    assert cmap.names == ["edges", f"gwb{side}deg", f"gwb{side}deg.decay"]
    for theta, alpha in [(-0.8, 0.7), (1.3, 0.25)]:
        fixed = summary_statistics(G, f"edges + gwb{side}degree({alpha}, fixed=TRUE)").to_numpy()
        assert m.observed() @ cmap.eta(np.array([0.4, theta, alpha])) == pytest.approx(
            0.4 * fixed[0] + theta * fixed[1], rel=1e-12)
