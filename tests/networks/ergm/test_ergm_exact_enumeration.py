"""The brute-force enumeration itself, checked against closed forms and networkx."""

import math

import networkx as nx
import numpy as np
import pytest
import statsmodels.api as sm
from exact_oracle import (
    ExactERGM,
    all_graphs,
    brute_statistics,
    graph_statistics,
)

from spatialhealth.errors import ConvergenceError, InputError


def test_sample_space_sizes():
    assert all_graphs(5, False).shape == (1024, 5, 5)
    assert all_graphs(4, True).shape == (4096, 4, 4)
    A = all_graphs(5, False)
    assert np.array_equal(A, np.swapaxes(A, 1, 2))
    # every graph distinct
    assert len({a.tobytes() for a in A}) == 1024
    with pytest.raises(InputError, match="dyads"):
        all_graphs(7, False)


def test_undirected_statistics_against_networkx():
    rng = np.random.default_rng(1)
    for _ in range(20):
        G = nx.gnp_random_graph(9, rng.uniform(0.2, 0.7), seed=int(rng.integers(1e9)))
        s = graph_statistics(G, "edges + triangle + kstar(2) + kstar(3) + isolates + transitiveties")
        deg = np.array([d for _, d in G.degree()])
        assert s["edges"] == G.number_of_edges()
        assert s["triangle"] == sum(nx.triangles(G).values()) / 3
        assert s["kstar2"] == sum(math.comb(d, 2) for d in deg)
        assert s["kstar3"] == sum(math.comb(d, 3) for d in deg)
        assert s["isolates"] == sum(d == 0 for d in deg)
        tt = sum(1 for u, v in G.edges() if len(list(nx.common_neighbors(G, u, v))) > 0)
        assert s["transitiveties"] == tt


def test_gw_terms_by_definition():
    # gwesp(d) = e^d sum_k (1 - (1 - e^-d)^k) EP_k, EP_k = edges with k shared partners
    rng = np.random.default_rng(2)
    d = 0.7
    for _ in range(10):
        G = nx.gnp_random_graph(10, 0.4, seed=int(rng.integers(1e9)))
        s = graph_statistics(G, f"gwesp({d}, fixed=True) + gwdsp({d}, fixed=True) + gwdegree({d}, fixed=True)")
        w = lambda k: math.exp(d) * (1 - (1 - math.exp(-d)) ** k)
        esp = sum(w(len(list(nx.common_neighbors(G, u, v)))) for u, v in G.edges())
        dsp = sum(w(len(list(nx.common_neighbors(G, u, v)))) for u in G for v in G if u < v)
        gwd = sum(w(k) for _, k in G.degree())
        assert s.index.tolist() == ["gwesp.fixed.0.7", "gwdsp.fixed.0.7", "gwdeg.fixed.0.7"]
        assert s.to_numpy() == pytest.approx([esp, dsp, gwd], rel=1e-12)


def test_directed_statistics_by_definition():
    rng = np.random.default_rng(3)
    for _ in range(10):
        G = nx.gnp_random_graph(8, 0.35, seed=int(rng.integers(1e9)), directed=True)
        s = graph_statistics(G, "edges + mutual + ttriple + ctriple + triangle + istar(2) + ostar(2) + "
                                "transitiveties + gwesp(0.5, fixed=True) + isolates")
        V = list(G)
        tt = sum(1 for i in V for j in V for k in V if len({i, j, k}) == 3
                 and G.has_edge(i, j) and G.has_edge(j, k) and G.has_edge(i, k))
        ct = sum(1 for i in V for j in V for k in V if len({i, j, k}) == 3
                 and G.has_edge(i, j) and G.has_edge(j, k) and G.has_edge(k, i)) / 3
        otp = lambda i, j: sum(1 for k in V if G.has_edge(i, k) and G.has_edge(k, j))
        assert s["mutual"] == sum(1 for u, v in G.edges() if G.has_edge(v, u)) / 2
        assert s["ttriple"] == tt and s["ctriple"] == ct and s["triangle"] == tt + ct
        assert s["istar2"] == sum(math.comb(d, 2) for _, d in G.in_degree())
        assert s["ostar2"] == sum(math.comb(d, 2) for _, d in G.out_degree())
        assert s["transitiveties"] == sum(1 for u, v in G.edges() if otp(u, v) > 0)
        w = lambda k: math.exp(0.5) * (1 - (1 - math.exp(-0.5)) ** k)
        assert s["gwesp.OTP.fixed.0.5"] == pytest.approx(sum(w(otp(u, v)) for u, v in G.edges()))
        assert s["isolates"] == sum(1 for v in V if G.degree(v) == 0)


def test_covariate_terms():
    G = nx.DiGraph()
    G.add_nodes_from([(0, {"x": 1.0, "g": "a"}), (1, {"x": 2.0, "g": "b"}), (2, {"x": 5.0, "g": "a"})])
    G.add_edges_from([(0, 1), (1, 2), (2, 0)])
    M = np.arange(9.0).reshape(3, 3)
    s = graph_statistics(G, "nodecov('x') + nodeicov('x') + nodeocov('x') + absdiff('x') + "
                            "nodematch('g') + nodematch('g', diff=True) + nodefactor('g') + edgecov('M')",
                         edge_covariates={"M": M})
    assert s["nodecov.x"] == 2 * 8
    assert s["nodeicov.x"] == 2 + 5 + 1 and s["nodeocov.x"] == 1 + 2 + 5
    assert s["absdiff.x"] == 1 + 3 + 4
    assert s["nodematch.g"] == 1  # 2 -> 0
    assert s["nodematch.g.a"] == 1 and s["nodematch.g.b"] == 0
    assert s["nodefactor.g.b"] == 2
    assert s["edgecov.M"] == M[0, 1] + M[1, 2] + M[2, 0]


def test_exact_distribution_is_normalised_and_bernoulli_at_edges_only():
    ex = ExactERGM(nx.path_graph(5), "edges")
    theta = -0.4
    p = ex.probabilities([theta])
    assert p.sum() == pytest.approx(1.0, abs=1e-14)
    dist = ex.statistic_distribution([theta])
    q = 1 / (1 + math.exp(-theta))
    binom = [math.comb(10, k) * q**k * (1 - q) ** (10 - k) for k in range(11)]
    assert dist["probability"].to_numpy() == pytest.approx(binom, rel=1e-12)


def test_exact_mle_closed_forms():
    # edges only: logit of the density
    G = nx.Graph([(0, 1), (1, 2), (2, 3)])
    G.add_node(4)
    m = ExactERGM(G, "edges").mle()
    assert m.params["edges"] == pytest.approx(math.log(3 / 7), abs=1e-10)
    assert m.bse["edges"] == pytest.approx(math.sqrt(1 / (10 * 0.3 * 0.7)), abs=1e-10)
    # edges + mutual on 4 directed nodes: dyad-state multinomial
    D = nx.DiGraph([(0, 1), (1, 0), (1, 2), (2, 3), (0, 2)])
    m = ExactERGM(D, "edges + mutual").mle()
    # p(asym one way) = (3/6)/2, p(null) = 2/6, p(mutual) = 1/6
    assert m.params["edges"] == pytest.approx(math.log(0.75), abs=1e-10)
    assert m.params["mutual"] == pytest.approx(math.log(0.5) - 2 * math.log(0.75), abs=1e-10)


def test_exact_mle_equals_logistic_regression_for_dyad_independent_model():
    G = nx.Graph()
    G.add_nodes_from((i, {"w": w}) for i, w in enumerate([1.0, 3.0, 2.0, 5.0, 4.0]))
    G.add_edges_from([(0, 1), (1, 3), (3, 4), (2, 4), (0, 2), (1, 4)])
    ex = ExactERGM(G, "edges + nodecov('w')")
    m = ex.mle()
    rows, y = [], []
    for i in range(5):
        for j in range(i + 1, 5):
            rows.append([1.0, G.nodes[i]["w"] + G.nodes[j]["w"]])
            y.append(float(G.has_edge(i, j)))
    fit = sm.Logit(np.array(y), np.array(rows)).fit(disp=0, tol=1e-12)
    assert m.params.to_numpy() == pytest.approx(fit.params, abs=1e-7)
    assert m.bse.to_numpy() == pytest.approx(fit.bse, abs=1e-6)
    assert m.llf == pytest.approx(fit.llf, abs=1e-9)


def test_mle_nonexistence_is_reported():
    G = nx.complete_graph(5)  # observed at the top of the edge count: no finite MLE
    with pytest.raises(ConvergenceError, match="does not exist"):
        ExactERGM(G, "edges + triangle").mle()


def test_bad_terms_named():
    with pytest.raises(InputError, match="'foo'"):
        graph_statistics(nx.path_graph(3), "edges + foo")
    with pytest.raises(InputError, match="directed"):
        brute_statistics(np.zeros((3, 3)), "mutual", directed=False)
