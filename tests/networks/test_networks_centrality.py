"""Centralities and network summary against values computed by hand."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from spatialhealth.errors import InputTypeError
from spatialhealth.networks.centrality import CENTRALITY_COLUMNS, centrality_table, network_summary


@pytest.fixture
def G():
    g = nx.DiGraph()
    g.add_nodes_from("abcde")
    g.add_weighted_edges_from([("a", "b", 2.0), ("b", "a", 1.0), ("b", "c", 3.0),
                               ("c", "d", 1.0), ("d", "b", 4.0)])
    for v, (x, y) in zip("abcde", [(110, 30), (111, 31), (112, 32), (113, 33), (114, 34)]):
        g.nodes[v].update(lon=x, lat=y)
    return g


def test_networks_centrality_by_hand(G):
    t = centrality_table(G).set_index("code")
    assert list(t.reset_index().columns[: len(CENTRALITY_COLUMNS)]) == CENTRALITY_COLUMNS
    assert t["in_degree"].tolist() == [1, 2, 1, 1, 0]
    assert t["out_degree"].tolist() == [1, 2, 1, 1, 0]
    assert t["in_degree_std"].tolist() == [0.25, 0.5, 0.25, 0.25, 0.0]
    assert t["in_strength"].tolist() == [1.0, 6.0, 3.0, 1.0, 0.0]
    assert t["out_strength"].tolist() == [2.0, 4.0, 1.0, 4.0, 0.0]
    # unique shortest paths: b lies on a->c, a->d, c->a, d->a, d->c; c on a->d, b->d;
    # d on c->b, c->a; normalised by (n-1)(n-2) = 12
    assert t["betweenness"].tolist() == pytest.approx([0, 5 / 12, 2 / 12, 2 / 12, 0])
    # Wasserman-Faust: (r/(n-1)) * (r/sum of distances)
    assert t["in_closeness"].tolist() == pytest.approx([0.375, 0.5625, 0.45, 0.375, 0])
    assert t["out_closeness"].tolist() == pytest.approx([0.375, 0.5625, 0.375, 0.45, 0])
    assert t["reciprocity"].iloc[:4].tolist() == [1.0, 0.5, 0.0, 0.0]
    assert np.isnan(t.loc["e", "reciprocity"])
    assert t["eigenvector"].isna().all()  # not strongly connected
    assert t["lon"].tolist() == [110, 111, 112, 113, 114]


def _pagerank(G, alpha=0.85, iters=500):
    nodes = sorted(G)
    n = len(nodes)
    idx = {v: i for i, v in enumerate(nodes)}
    W = np.zeros((n, n))
    for u, v, w in G.edges(data="weight"):
        W[idx[u], idx[v]] = w
    out = W.sum(1)
    pr = np.full(n, 1 / n)
    for _ in range(iters):
        dangling = pr[out == 0].sum()
        flow = (pr[out > 0] / out[out > 0]) @ W[out > 0]
        pr = (1 - alpha) / n + alpha * (flow + dangling / n)
    return pr


def test_networks_pagerank_and_eigenvector_independent(G):
    t = centrality_table(G)
    assert t["pagerank"].to_numpy() == pytest.approx(_pagerank(G), abs=1e-5)
    H = G.subgraph("abcd").copy()
    A = nx.to_numpy_array(H, nodelist=sorted(H), weight=None)
    vals, vecs = np.linalg.eig(A.T)
    v = np.abs(np.real(vecs[:, np.argmax(np.real(vals))]))
    v /= np.linalg.norm(v)
    assert centrality_table(H)["eigenvector"].to_numpy() == pytest.approx(v, abs=1e-8)


def test_networks_selfloops_ignored_and_graph_untouched(G):
    G2 = G.copy()
    G2.add_edge("a", "a", weight=100.0)
    t1, t2 = centrality_table(G), centrality_table(G2)
    pd.testing.assert_frame_equal(t1, t2)
    assert G2.has_edge("a", "a")


def test_networks_summary_by_hand(G):
    s = network_summary(G)
    assert (s.nodes, s.edges) == (5, 5)
    assert s.density == 0.25
    assert s.reciprocity == 0.4
    # undirected: one triangle b-c-d, 5 connected triples (degrees 1, 3, 2, 2)
    assert s.transitivity == pytest.approx(0.6)
    assert (s.weak_components, s.strong_components) == (2, 2)
    assert (s.largest_weak_component, s.largest_strong_component, s.isolates) == (4, 4, 1)
    assert s.total_weight == 11.0
    assert "density" in s.summary() and len(s.frame) == 13


def test_networks_centrality_rejects_non_digraph():
    with pytest.raises(InputTypeError, match="DiGraph"):
        centrality_table(nx.Graph())


def test_networks_sampled_betweenness():
    g = nx.gnp_random_graph(60, 0.08, seed=3, directed=True)
    exact = centrality_table(g)["betweenness"].to_numpy()
    assert centrality_table(g, betweenness_k=60)["betweenness"].to_numpy() == pytest.approx(exact)
    a = centrality_table(g, betweenness_k=30, seed=1)["betweenness"].to_numpy()
    b = centrality_table(g, betweenness_k=30, seed=1)["betweenness"].to_numpy()
    assert (a == b).all()
    # a half sample is an unbiased estimate: close to the exact values on average
    assert np.corrcoef(a, exact)[0, 1] > 0.8
