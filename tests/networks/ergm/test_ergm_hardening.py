"""Property-based checks of ERGM statistics and formulas: relabelling nodes never changes the
statistics, counts agree with networkx, and malformed formulas raise our own errors."""

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spatialhealth.errors import SpatialHealthError
from spatialhealth.networks.ergm import summary_statistics

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DIRECTED = "edges + mutual + nodeicov('x') + nodeocov('x') + ttriple + istar(2) + gwesp(0.5, fixed=True)"
UNDIRECTED = "edges + triangle + kstar(2) + nodecov('x') + gwesp(0.25, fixed=True) + isolates"


@st.composite
def graphs(draw, directed):
    n = draw(st.integers(3, 12))
    p = draw(st.floats(0.05, 0.7))
    seed = draw(st.integers(0, 10_000))
    G = nx.gnp_random_graph(n, p, seed=seed, directed=directed)
    rng = np.random.default_rng(seed)
    nx.set_node_attributes(G, {v: float(rng.normal()) for v in G}, "x")
    perm = draw(st.permutations(list(G.nodes)))
    return G, dict(zip(G.nodes, [f"c{i}" for i in perm]))


@SETTINGS
@given(graphs(directed=True))
def test_directed_statistics_ignore_labels(data):
    G, mapping = data
    a = summary_statistics(G, DIRECTED)
    b = summary_statistics(nx.relabel_nodes(G, mapping), DIRECTED)
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), atol=1e-9)
    assert a["edges"] == G.number_of_edges()
    assert a["mutual"] == sum(1 for u, v in G.edges if G.has_edge(v, u)) / 2


@SETTINGS
@given(graphs(directed=False))
def test_undirected_statistics_ignore_labels(data):
    G, mapping = data
    a = summary_statistics(G, UNDIRECTED)
    b = summary_statistics(nx.relabel_nodes(G, mapping), UNDIRECTED)
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), atol=1e-9)
    assert a["triangle"] == sum(nx.triangles(G).values()) / 3
    assert a["isolates"] == sum(1 for v in G if G.degree(v) == 0)


@SETTINGS
@given(graphs(directed=True), st.sampled_from([
    "edges + nodeicov('nope')", "edges +", "edgez", "edges + gwesp(decay=)", "edges + istar(-1)",
    "edges + edgecov('missing')", "", "edges + triangle(", "import os",
]))
def test_malformed_formulas_raise_our_errors(data, formula):
    G, _ = data
    with pytest.raises(SpatialHealthError):
        summary_statistics(G, formula)
