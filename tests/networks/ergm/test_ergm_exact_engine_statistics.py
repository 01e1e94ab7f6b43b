"""The engine's statistics against the independent brute-force implementation.

Random graphs with random node attributes and edge covariates; every term, directed and
undirected. Two implementations written separately from statnet's definitions must agree
to floating-point precision.
"""

import networkx as nx
import numpy as np
import pytest
from exact_oracle import graph_statistics

from spatialhealth.networks.ergm import summary_statistics

UNDIRECTED = ("edges + triangle + kstar(2) + kstar(3) + isolates + transitiveties + "
              "gwesp(0.5, fixed=True) + gwesp(1.3, fixed=True) + gwdsp(0.7, fixed=True) + "
              "gwdegree(0.4, fixed=True) + nodecov('x') + absdiff('x') + nodefactor('g') + "
              "nodematch('g') + nodematch('g', diff=True) + edgecov('W')")
DIRECTED = ("edges + mutual + triangle + ttriple + ctriple + transitiveties + istar(2) + ostar(2) + "
            "isolates + gwesp(0.5, fixed=True) + gwdsp(0.5, fixed=True) + gwidegree(0.6, fixed=True) + "
            "gwodegree(0.6, fixed=True) + nodecov('x') + nodeicov('x') + nodeocov('x') + absdiff('x') + "
            "nodefactor('g') + nodeifactor('g') + nodeofactor('g') + nodematch('g') + "
            "nodematch('g', diff=True) + edgecov('W')")


def _random_graph(rng, n, p, directed):
    G = nx.gnp_random_graph(n, p, seed=int(rng.integers(1 << 30)), directed=directed)
    for v in G:
        G.nodes[v]["x"] = float(np.round(rng.normal(2, 1), 3))
        G.nodes[v]["g"] = str(rng.choice(["a", "b", "c"]))
    W = rng.uniform(0, 2, size=(n, n))
    if not directed:
        W = (W + W.T) / 2
    np.fill_diagonal(W, 0)
    return G, {"W": W}


@pytest.mark.parametrize("directed", [False, True])
def test_engine_equals_brute_force_on_random_graphs(directed):
    rng = np.random.default_rng(11 + directed)
    formula = DIRECTED if directed else UNDIRECTED
    for trial in range(15):
        n = int(rng.integers(6, 16))
        G, ecov = _random_graph(rng, n, rng.uniform(0.05, 0.6), directed)
        brute = graph_statistics(G, formula, edge_covariates=ecov)
        engine = summary_statistics(G, formula, edge_covariates=ecov)
        assert list(engine.index) == list(brute.index), (list(engine.index), list(brute.index))
        np.testing.assert_allclose(engine.to_numpy(dtype=float), brute.to_numpy(), rtol=1e-11, atol=1e-9,
                                   err_msg=f"trial {trial}, n={n}")


@pytest.mark.parametrize("directed", [False, True])
def test_engine_equals_brute_force_on_every_tiny_graph(directed):
    # all 1,024 (4,096) graphs of the enumeration, a few terms, through the engine's own
    # networkx path: guards against boundary cases (empty, complete, isolates)
    from exact_oracle import ExactERGM

    n = 4 if directed else 5
    base = nx.DiGraph() if directed else nx.Graph()
    base.add_nodes_from(range(n))
    formula = ("edges + mutual + ttriple + ctriple + gwesp(0.5, fixed=True) + isolates" if directed
               else "edges + triangle + kstar(2) + gwesp(0.5, fixed=True) + gwdegree(0.5, fixed=True) + isolates")
    ex = ExactERGM(base, formula)
    idx = np.random.default_rng(3).choice(len(ex.graphs), size=300, replace=False)
    for k in idx:
        A = ex.graphs[k]
        G = nx.from_numpy_array(A, create_using=type(base))
        s = summary_statistics(G, formula)
        np.testing.assert_allclose(s.to_numpy(dtype=float), ex.stats[k], rtol=1e-12, atol=1e-12)
