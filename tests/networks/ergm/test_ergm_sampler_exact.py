"""TNT sampler vs exact enumeration of tiny networks (5 undirected / 4 directed nodes)."""

import itertools

import networkx as nx
import numpy as np
import pytest
from scipy import stats

from spatialhealth.networks.ergm import build_model, simulate
from spatialhealth.networks.ergm.sampler import ChainSet, effective_sample_size


def _exact(model):
    """Exact distribution of the statistics by enumerating every network (networkx stats)."""
    n = model.n
    dyads = [(i, j) for i in range(n) for j in range(n) if i != j and (model.directed or i < j)]
    rows = []
    for bits in itertools.product([0, 1], repeat=len(dyads)):
        G = model.to_graph([d for d, b in zip(dyads, bits) if b])
        rows.append(model.observed(G))
    return np.array(rows)


@pytest.mark.parametrize("directed,formula,theta", [
    (False, "edges + triangle", [-0.4, 0.5]),
    (True, "edges + mutual", [-0.3, 0.9]),
    (False, "edges + gwesp(0.5, fixed=TRUE)", [-1.0, 0.6]),
])
def test_sampler_matches_exact_distribution(directed, formula, theta):
    n = 4 if directed else 5
    G = nx.DiGraph() if directed else nx.Graph()
    G.add_nodes_from(range(n))
    G.add_edges_from([(0, 1), (1, 2)])
    m = build_model(G, formula)
    S = _exact(m)
    logw = S @ np.array(theta)
    w = np.exp(logw - logw.max())
    w /= w.sum()
    cs = ChainSet(m, chains=2, seed=11)
    draws = cs.run(theta, burnin=2000, interval=25, nsamp=6000)
    flat = draws.reshape(-1, m.p)
    # the statistics stay consistent with the sampled network
    for k in range(2):
        np.testing.assert_allclose(cs.stats[k], m.observed(m.to_graph(cs.states[k].edge_array())), atol=1e-8)
    # chi-square on the distribution of the number of edges (cells with expected >= 5)
    e_obs = flat[:, 0].astype(int)
    nd = m.ndyads
    p_exact = np.array([w[S[:, 0] == k].sum() for k in range(nd + 1)])
    counts = np.bincount(e_obs, minlength=nd + 1)
    ess = effective_sample_size(draws)[0]
    scale = ess / len(e_obs)  # autocorrelated draws: deflate the counts to the ESS
    keep = p_exact * ess >= 5
    obs_c = np.append(counts[keep], counts[~keep].sum()) * scale
    exp_c = np.append(p_exact[keep], p_exact[~keep].sum()) * ess
    if exp_c[-1] == 0:
        obs_c, exp_c = obs_c[:-1], exp_c[:-1]
    chi2 = ((obs_c - exp_c) ** 2 / exp_c).sum()
    pval = stats.chi2.sf(chi2, len(exp_c) - 1)
    assert pval > 0.001, (chi2, pval, obs_c, exp_c)
    # means of every statistic within 4 Monte Carlo standard errors
    mean_exact = w @ S
    se = flat.std(axis=0) / np.sqrt(effective_sample_size(draws))
    assert np.all(np.abs(flat.mean(axis=0) - mean_exact) < 4 * se + 1e-12), (flat.mean(0), mean_exact, se)


def test_simulate_outputs_graphs_with_attributes():
    G = nx.Graph()
    G.add_nodes_from([("a", {"x": 1.0}), ("b", {"x": 2.0}), ("c", {"x": 0.5}), ("d", {"x": 3.0})])
    G.add_edge("a", "b")
    m = build_model(G, "edges + nodecov('x')")
    gs = simulate(m, coef=[-0.5, 0.2], nsim=3, seed=2)
    assert len(gs) == 3 and all(set(g.nodes()) == set(G.nodes()) for g in gs)
    assert gs[0].nodes["d"]["x"] == 3.0
    st = simulate(m, coef=[-0.5, 0.2], nsim=3, seed=2, output="stats")
    np.testing.assert_allclose(st, [m.observed(g) for g in gs])


def test_simulate_empty_and_full_limits():
    G = nx.gnp_random_graph(8, 0.5, seed=1)
    m = build_model(G, "edges")
    assert simulate(m, coef=[-30.0], nsim=1, seed=1, output="stats")[0, 0] == 0
    assert simulate(m, coef=[30.0], nsim=1, seed=1, output="stats")[0, 0] == 28
