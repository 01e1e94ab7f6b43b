"""The dyad-weighted TNT proposal (large sparse networks) and the fit's use of it.

Checked against: the exact distribution of tiny networks (enumeration), the exact
distribution the alias tables encode (their definition), and the plain TNT chain on the
same network (mixing).
"""

from __future__ import annotations

import gc
import itertools
import weakref

import networkx as nx
import numpy as np
import pytest
from scipy import stats

from spatialhealth.errors import InputError
from spatialhealth.networks.ergm import build_model, ergm
from spatialhealth.networks.ergm import fit as F
from spatialhealth.networks.ergm import sampler as S
from spatialhealth.networks.ergm._proposal import MIX, alias_tables
from spatialhealth.networks.ergm.datasets import load_network
from spatialhealth.networks.ergm.mple import DyadTable
from spatialhealth.networks.ergm.sampler import ChainSet, effective_sample_size


def _alias_distribution(thr, alias):
    """Probability of each index under the alias sampler (its definition, no sampling)."""
    N = len(thr)
    p = thr.astype(float) / N
    np.add.at(p, alias, (1.0 - thr.astype(float)) / N)
    return p


@pytest.mark.parametrize("directed", [True, False])
def test_alias_tables_encode_the_mixture_weights(directed):
    rng = np.random.default_rng(3)
    n = 7
    eta = rng.normal(-1.0, 2.0, size=(n, n)).astype(np.float32)
    eta[1, 2] = np.inf   # a dyad held as a tie (boundary MLE)
    eta[2, 3] = -np.inf  # a dyad held empty
    w, thr, alias = alias_tables(eta, directed, MIX)
    W = w.reshape(n, n).astype(float)
    dyad = ~np.eye(n, dtype=bool) if directed else np.triu(np.ones((n, n), bool), 1)
    pi = 1.0 / (1.0 + np.exp(-eta.astype(float)))
    expect = np.where(dyad, (1 - MIX) * pi / pi[dyad].sum() + MIX / dyad.sum(), 0.0)
    np.testing.assert_allclose(W, expect, rtol=1e-6, atol=1e-12)
    assert W[~dyad].max() == 0.0 and abs(W.sum() - 1.0) < 1e-6
    # the alias sampler draws exactly these weights
    np.testing.assert_allclose(_alias_distribution(thr, alias), w, rtol=1e-5, atol=1e-9)


def _exact(model):
    n = model.n
    dyads = [(i, j) for i in range(n) for j in range(n) if i != j and (model.directed or i < j)]
    rows = [model.observed(model.to_graph([d for d, b in zip(dyads, bits) if b]))
            for bits in itertools.product([0, 1], repeat=len(dyads))]
    return np.array(rows)


@pytest.mark.parametrize("directed,formula,theta", [
    (True, "edges + edgecov('x') + mutual", [-1.0, 1.5, 0.8]),
    (False, "edges + edgecov('x') + triangle", [-1.2, 2.0, 0.4]),
    (True, "edges + edgecov('x') + gwesp(0.5, fixed=TRUE)", [-0.8, 1.0, 0.5]),
])
def test_weighted_chain_matches_exact_distribution(directed, formula, theta):
    n = 4 if directed else 5
    G = nx.DiGraph() if directed else nx.Graph()
    G.add_nodes_from(range(n))
    G.add_edges_from([(0, 1), (1, 2)])
    x = np.random.default_rng(1).uniform(-1.5, 1.5, size=(n, n))
    if not directed:
        x = (x + x.T) / 2
    m = build_model(G, formula, edge_covariates={"x": x})
    Sx = _exact(m)
    logw = Sx @ np.array(theta)
    w = np.exp(logw - logw.max())
    w /= w.sum()
    cs = ChainSet(m, chains=2, seed=7, proposal="weighted")
    draws = cs.run(theta, burnin=2000, interval=25, nsamp=6000)
    flat = draws.reshape(-1, m.p)
    for k in range(2):
        np.testing.assert_allclose(cs.stats[k], m.observed(m.to_graph(cs.states[k].edge_array())), atol=1e-8)
    mean_exact = w @ Sx
    ess = effective_sample_size(draws)
    se = flat.std(axis=0) / np.sqrt(ess)
    assert np.all(np.abs(flat.mean(axis=0) - mean_exact) < 4 * se + 1e-12), (flat.mean(0), mean_exact, se)
    # chi-square on the number of ties
    nd = m.ndyads
    p_exact = np.array([w[Sx[:, 0] == k].sum() for k in range(nd + 1)])
    counts = np.bincount(flat[:, 0].astype(int), minlength=nd + 1)
    scale = ess[0] / len(flat)
    keep = p_exact * ess[0] >= 5
    obs_c = np.append(counts[keep], counts[~keep].sum()) * scale
    exp_c = np.append(p_exact[keep], p_exact[~keep].sum()) * ess[0]
    if exp_c[-1] == 0:
        obs_c, exp_c = obs_c[:-1], exp_c[:-1]
    chi2 = ((obs_c - exp_c) ** 2 / exp_c).sum()
    assert stats.chi2.sf(chi2, len(exp_c) - 1) > 0.001


def _geo_network(n=300, seed=4):
    """Draw a sparse directed network with a heavy-tailed distance covariate (the mobility shape)."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 10, size=(n, 2))
    d = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1)) + np.eye(n)
    geo = 1.0 / np.maximum(d, 0.05)
    np.fill_diagonal(geo, 0.0)
    eta = -5.0 + 1.2 * geo
    y = rng.uniform(size=(n, n)) < 1 / (1 + np.exp(-eta))
    np.fill_diagonal(y, False)
    G = nx.DiGraph()
    G.add_nodes_from(range(n))
    G.add_edges_from(zip(*np.nonzero(y)))
    return G, {"geo": geo}


def test_weighted_proposal_mixes_the_covariate_statistic_faster_than_tnt():
    G, covs = _geo_network()
    m = build_model(G, "edges + edgecov('geo') + mutual", edge_covariates=covs)
    theta = np.array([-5.0, 1.2, 0.0])  # the model the network was drawn from
    ties = G.number_of_edges()
    out = {}
    for prop in ("tnt", "weighted"):
        cs = ChainSet(m, chains=1, n_jobs=1, seed=2, proposal=prop)
        draws = cs.run(theta, 20 * ties, ties, 400)
        out[prop] = effective_sample_size(draws)[1]
    # TNT proposes each of the ~90,000 dyads once per 180,000 proposals: a few hundred
    # ties' worth of proposals decorrelate the geo statistic far less than the weighted draws
    assert out["weighted"] > 3 * out["tnt"], out


def test_choose_proposal_rule_and_errors():
    assert F.choose_proposal(build_model(load_network("flomarriage"), "edges + triangle")) == "tnt"
    G, covs = _geo_network(n=330)  # 108,570 dyads
    big = build_model(G, "edges + edgecov('geo') + mutual", edge_covariates=covs)
    assert big.ndyads >= F.WEIGHTED_MIN_DYADS
    assert F.choose_proposal(big) == "weighted"
    assert F.choose_proposal(build_model(G, "edges + mutual")) == "tnt"  # uniform weights: nothing to gain
    assert F.choose_proposal(big, "tnt") == "tnt"
    with pytest.raises(InputError, match="proposal"):
        F.choose_proposal(big, "gibbs")
    with pytest.raises(InputError, match="proposal"):
        ChainSet(big, proposal="gibbs")


def test_weighted_chains_identical_in_process_and_in_workers():
    G, covs = _geo_network(n=60)
    m = build_model(G, "edges + edgecov('geo') + mutual + gwesp(0.5, fixed=TRUE)", edge_covariates=covs)
    theta = np.array([-4.0, 1.0, 0.5, 0.1])

    def chains(n_jobs, force_pool):
        cs = ChainSet(m, chains=2, n_jobs=n_jobs, seed=5, proposal="weighted")
        old = S.PARALLEL_THRESHOLD
        try:
            if force_pool:
                cs._pool = S.shared_pool(n_jobs)
                S.PARALLEL_THRESHOLD = 0
            return np.concatenate([cs.run(theta, 300, 50, 20) for _ in range(2)], axis=1)
        finally:
            S.PARALLEL_THRESHOLD = old
            cs.close()

    a = chains(1, False)
    np.testing.assert_array_equal(a, chains(1, False))
    np.testing.assert_array_equal(a, chains(2, True))


def test_mple_table_is_freed_before_mcmc(monkeypatch):
    # weak references to the tables this fit builds (not those other tests keep alive)
    made, live = [], []
    run, init = ChainSet.run, DyadTable.__init__

    def track(self, *args, **kw):
        init(self, *args, **kw)
        made.append(weakref.ref(self))

    def spy(self, *args, **kw):
        gc.collect()
        live.append(sum(r() is not None for r in made))
        return run(self, *args, **kw)

    monkeypatch.setattr(DyadTable, "__init__", track)
    monkeypatch.setattr(ChainSet, "run", spy)
    ergm(load_network("samplk3"), "edges + mutual", seed=1, eval_loglik=False, max_iterations=2)
    assert made and live and max(live) == 0, (len(made), live)


@pytest.mark.slow
def test_weighted_start_interval_reaches_the_target_ess():
    """The starting interval ties/2 reaches the target ESS at once on a 400-node network.

    At the MPLE of a mobility-like network the first iteration's sample has an ESS above
    the target (64), and the fit converges near the coefficients the network came from.
    """
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "benchmarks"))
    try:
        from bench_ergm import MOBILITY_DD, synthetic_network
    finally:
        sys.path.pop(0)
    G, covs = synthetic_network(400)
    res = ergm(G, MOBILITY_DD, edge_covariates=covs, seed=1, eval_loglik=False, n_jobs=1)
    h = res.info["history"]
    assert int(h["interval"].iloc[0]) == max(1024, G.number_of_edges() // 2)
    assert float(h["min_ess"].iloc[0]) >= 64  # the smallest per-statistic ESS, below the harmonic mean
    assert res.converged
    truth = {"edgecov.geo_prox": 1.2, "edgecov.same_dialect": 0.7, "mutual": 0.0, "gwesp.OTP.fixed.0.5": 0.0}
    for k, v in truth.items():
        assert abs(res.params[k] - v) < 4 * res.bse[k], (k, res.params[k], res.bse[k])


@pytest.mark.parametrize("collinear", [True, False])
def test_collinear_terms_blockwise_qr_matches_the_whole_svd(monkeypatch, collinear):
    from spatialhealth.networks.ergm import mple as M

    rng = np.random.default_rng(8)
    X = rng.normal(size=(1000, 4))
    X[:, 0] = 1.0
    if collinear:
        X[:, 3] = 2.0 * X[:, 1] - 0.5  # a linear combination of `b` and the intercept
    names = ["a", "b", "c", "d"]
    whole = M.collinear_terms(X, names)  # one block
    monkeypatch.setattr(M, "_QR_BLOCK", 64)  # 16 blocks
    assert M.collinear_terms(X, names) == whole == (["a", "b", "d"] if collinear else [])
