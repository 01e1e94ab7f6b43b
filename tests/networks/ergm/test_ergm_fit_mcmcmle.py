"""MCMC-MLE against exact answers: closed-form (edges + mutual) and exact enumeration."""

import itertools
import warnings

import networkx as nx
import numpy as np
import pytest

from spatialhealth.errors import ConvergenceError
from spatialhealth.networks.ergm import build_model, ergm
from spatialhealth.networks.ergm import datasets
from spatialhealth.networks.ergm import sampler as sampler_mod


def _dyad_census(G):
    A = nx.to_numpy_array(G)
    n = len(A)
    M = int((A * A.T).sum() / 2)
    asym = int(A.sum()) - 2 * M
    D2 = n * (n - 1) // 2
    return M, asym, D2 - M - asym, D2


def test_samplk3_edges_mutual_matches_closed_form_mle():
    # edges + mutual makes the dyads independent with three states (null, asymmetric,
    # mutual), so MLE, Fisher information and log-likelihood have closed forms
    G = datasets.load_network("samplk3")
    res = ergm(G, "edges + mutual", seed=3)
    M, A, N, D2 = _dyad_census(G)
    te = np.log(A / (2 * N))
    tm = np.log(M / N) - 2 * te
    exact = np.array([te, tm])  # statnet: -2.1535, 2.2967
    mc_sd = np.sqrt(res.mcmc_share.to_numpy() / 100) * res.bse.to_numpy()
    assert res.method == "MCMC-MLE" and res.converged
    assert np.all(np.abs(res.params.to_numpy() - exact) < 4 * mc_sd + 0.01), (res.params, exact, mc_sd)
    # exact Fisher information: D2 x covariance of (edges, mutual) of one dyad
    pr = np.array([N, A / 2, A / 2, M]) / D2
    s = np.array([[0, 0], [1, 0], [1, 0], [2, 1]], dtype=float)
    mu = pr @ s
    cov = D2 * ((s - mu).T * pr) @ (s - mu)
    se_exact = np.sqrt(np.diag(np.linalg.inv(cov)))
    np.testing.assert_allclose(res.bse.to_numpy(), se_exact, rtol=0.08)
    llf = M * np.log(M / D2) + A * np.log(A / (2 * D2)) + N * np.log(N / D2)
    assert abs(res.llf - llf) < 4 * res.llf_se + 0.05, (res.llf, llf, res.llf_se)
    assert res.sample.shape[0] == 2 and res.sample.shape[2] == 2
    assert "Monte Carlo Maximum Likelihood Results" in res.summary()


def _exact_mle(model):
    n = model.n
    dyads = [(i, j) for i in range(n) for j in range(n) if i != j and (model.directed or i < j)]
    S = np.array([model.observed(model.to_graph([d for d, b in zip(dyads, bits) if b]))
                  for bits in itertools.product([0, 1], repeat=len(dyads))])
    obs = model.observed()
    th = np.zeros(model.p)
    for _ in range(100):
        lw = S @ th
        w = np.exp(lw - lw.max())
        w /= w.sum()
        mu = w @ S
        C = ((S - mu).T * w) @ (S - mu)
        step = np.linalg.solve(C, obs - mu)
        th = th + step
        if np.max(np.abs(step)) < 1e-12:
            break
    lw = S @ th
    llf = th @ obs - (lw.max() + np.log(np.exp(lw - lw.max()).sum()))
    return th, np.sqrt(np.diag(np.linalg.inv(C))), llf


@pytest.mark.parametrize("formula", ["edges + triangle", "edges + gwesp(0.5, fixed=TRUE)"])
def test_tiny_undirected_matches_exact_mle(formula):
    G = nx.Graph()
    G.add_nodes_from(range(5))
    G.add_edges_from([(0, 1), (1, 2), (0, 2), (2, 3), (3, 4)])
    m = build_model(G, formula)
    th, se, llf = _exact_mle(m)
    res = ergm(G, formula, seed=5, samplesize=2048, interval=50)
    assert res.converged
    mc_sd = np.sqrt(res.mcmc_share.to_numpy() / 100) * res.bse.to_numpy()
    assert np.all(np.abs(res.params.to_numpy() - th) < 4 * mc_sd + 0.02), (res.params, th, mc_sd)
    np.testing.assert_allclose(res.bse.to_numpy(), se, rtol=0.1)
    assert abs(res.llf - llf) < 4 * res.llf_se + 0.05


def test_not_converged_is_flagged_with_warning():
    G = datasets.load_network("samplk3")
    with pytest.warns(RuntimeWarning, match="did not converge"):
        # neither Hotelling's test (p > 1.01) nor statnet's tolerance region (precision 0) can pass
        res = ergm(G, "edges + mutual", seed=1, max_iterations=1, min_pvalue=1.01, mcmc_precision=0.0,
                   eval_loglik=False)
    assert not res.converged and res.messages
    assert "NO" in res.summary()


def test_parallel_processes_give_valid_chains(monkeypatch):
    G = datasets.load_network("samplk3")
    monkeypatch.setattr(sampler_mod, "PARALLEL_THRESHOLD", 1)
    m = build_model(G, "edges + mutual + gwesp(0.3, fixed=TRUE)")
    with sampler_mod.ChainSet(m, chains=2, n_jobs=2, seed=1) as cs:
        S = cs.run([-2.0, 2.0, 0.1], 1000, 100, 50)
        assert cs._pool is not None
        for k in range(2):
            np.testing.assert_allclose(cs.stats[k], m.observed(m.to_graph(cs.states[k].edge_array())), atol=1e-8)
    assert S.shape == (2, 50, 3)
    assert not np.array_equal(S[0], S[1])  # independent streams


def test_dask_client_runs_chains():
    distributed = pytest.importorskip("distributed")
    G = datasets.load_network("samplk3")
    m = build_model(G, "edges + mutual")
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None) as c:
        cs = sampler_mod.ChainSet(m, chains=2, client=c, seed=2)
        S = cs.run([-2.1, 2.3], 500, 50, 20)
    assert S.shape == (2, 20, 2)
    for k in range(2):
        np.testing.assert_allclose(cs.stats[k], m.observed(m.to_graph(cs.states[k].edge_array())), atol=1e-8)


def test_degenerate_model_raises_in_plain_words():
    # edges + triangle on faux.mesa.high is statnet's textbook degenerate model: the
    # sampled networks fill up instead of looking like the observed one
    G = datasets.load_network("faux.mesa.high")
    with pytest.raises(ConvergenceError) as exc:
        ergm(G, "edges + triangle", seed=1, progress=False)
    msg = str(exc.value)
    assert "triangle" in msg and "Try:" in msg
    assert "fill up" in msg or "empty out" in msg or "cannot move" in msg


def test_progress_display_and_reuse_of_model(capsys):
    G = datasets.load_network("samplk3")
    m = build_model(G, "edges + mutual")
    res = ergm(m, None, seed=4, progress=True, eval_loglik=False)
    assert res.converged and np.isnan(res.llf)
    assert res.model is m


def test_same_seed_same_fit():
    G = datasets.load_network("samplk3")
    a = ergm(G, "edges + mutual", seed=9, eval_loglik=False)
    b = ergm(G, "edges + mutual", seed=9, eval_loglik=False)
    np.testing.assert_array_equal(a.params.to_numpy(), b.params.to_numpy())
    np.testing.assert_array_equal(a.sample, b.sample)


def test_results_pickle_round_trip():
    import pickle

    G = datasets.load_network("flomarriage")
    res = ergm(G, "edges + nodecov('wealth')")
    back = pickle.loads(pickle.dumps(res))
    np.testing.assert_array_equal(back.params.to_numpy(), res.params.to_numpy())
    np.testing.assert_array_equal(back.model.observed(), res.model.observed())
    assert back.summary() == res.summary()


def test_summary_says_when_the_loglikelihood_was_not_computed():
    G = datasets.load_network("samplk3")
    res = ergm(G, "edges + mutual", seed=3, eval_loglik=False)
    assert np.isnan(res.llf)
    text = res.summary()
    assert "not computed (eval_loglik=False)" in text and "AIC: nan" not in text
