"""gof summaries against networkx, and the Monte Carlo p-value."""

import networkx as nx
import numpy as np
import pytest

from spatialhealth.errors import InputError
from spatialhealth.networks.ergm.gof import (
    _adjacency,
    distance_counts,
    esp_counts,
    gof_from_networks,
    mc_pvalue,
)


def _graphs(directed, seed, k=5):
    rng = np.random.default_rng(seed)
    return [nx.gnp_random_graph(15, 0.15, seed=int(rng.integers(1e9)), directed=directed) for _ in range(k)]


@pytest.mark.parametrize("directed", [False, True])
def test_summaries_against_networkx(directed):
    for G in _graphs(directed, 1):
        nodes = list(G)
        A = _adjacency(G, nodes)
        n = len(nodes)
        # geodesics
        lengths = dict(nx.all_pairs_shortest_path_length(G))
        dc = distance_counts(A)
        expect = np.zeros(n, dtype=int)
        for u in nodes:
            for v in nodes:
                if u == v or (not directed and u > v):
                    continue
                d = lengths[u].get(v)
                expect[n - 1 if d is None else d - 1] += 1
        assert np.array_equal(dc, expect)
        assert dc.sum() == (n * (n - 1) if directed else n * (n - 1) // 2)
        # edgewise shared partners
        esp = esp_counts(A)
        exp_esp = np.zeros(n - 1, dtype=int)
        for u, v in G.edges():
            if directed:
                k = sum(1 for w in nodes if G.has_edge(u, w) and G.has_edge(w, v))
            else:
                k = len(list(nx.common_neighbors(G, u, v)))
            exp_esp[k] += 1
        assert np.array_equal(esp, exp_esp)


def test_gof_from_networks_frame_and_pvalues():
    obs, *sims = _graphs(True, 2, k=41)
    g = gof_from_networks(obs, sims)
    assert g.kinds == ["idegree", "odegree", "espartners", "distance"]  # no model given
    assert g.nsim == 40
    row = g.frame[(g.frame.kind == "idegree") & (g.frame.value == "2")].iloc[0]
    sim = g.simulated["idegree"][:, 2]
    assert row.observed == sum(1 for _, d in obs.in_degree() if d == 2)
    assert row.sim_mean == pytest.approx(sim.mean())
    assert row.p_value == pytest.approx(min(1, 2 * min(np.mean(sim <= row.observed), np.mean(sim >= row.observed))))
    assert "in-degree" in g.summary()
    fig = g.plot()
    assert sum(ax.get_visible() for ax in fig.axes) == 4
    with pytest.raises(InputError, match="degree"):
        gof_from_networks(obs, sims, kinds=["degree"])


def test_mc_pvalue():
    sim = np.arange(100)
    assert mc_pvalue(-1, sim) == 0.0
    assert mc_pvalue(49.5, sim) == 1.0
    assert mc_pvalue(4, sim) == pytest.approx(0.10)
