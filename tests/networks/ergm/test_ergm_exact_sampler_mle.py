"""The engine against exact enumeration: sampler frequencies, MPLE and MCMC-MLE.

Tiny sample spaces (5 undirected nodes: 1,024 graphs; 4 directed nodes: 4,096 graphs)
make the ERGM distribution, its expected statistics and its MLE exactly computable
(``tests/networks/ergm/exact_oracle.py``).

Tolerances
----------
* Sampler: ``nsim`` draws taken every ``interval`` proposals. The ESS of the draws is
  checked to be at least half of ``nsim`` (so the draws are close to independent), then
  a chi-square goodness-of-fit test of the frequencies of the statistic vectors against
  the exact probabilities (cells with expected count < 5 pooled) must not reject at
  level 0.001, and every mean statistic must lie within 4 Monte Carlo standard errors
  (sd / sqrt(ESS)) of its exact expectation. A correct sampler fails either check with
  probability ~0.1% per test; a wrong proposal ratio (e.g. a missing q(y|y')/q(y'|y)
  factor of TNT) shifts the edge count by many standard errors at these sample sizes.
* MCMC-MLE: the estimate solves the moment equation with a Monte Carlo sample of
  effective size ESS, so its Monte Carlo error is about SE_exact / sqrt(ESS) per
  coefficient (SE_exact = square root of the diagonal of the exact inverse Fisher
  information). We require |theta_MCMC - theta_exact| < 4 SE_exact / sqrt(ESS) + 0.05
  SE_exact, the last term allowing the stopping tolerance of the convergence test.
  Standard errors must agree within 15% (their own MC error at these sample sizes), and the
  bridge-sampling log-likelihood must equal the exact log-likelihood at the estimate within
  4 of its reported Monte Carlo standard errors (+0.01).
* MPLE of dyad-independent models is the MLE: equal to the exact MLE to 1e-6.
"""

import networkx as nx
import numpy as np
import pytest
from exact_oracle import ExactERGM
from scipy import stats

from spatialhealth.networks.ergm import build_model, simulate
from spatialhealth.networks.ergm.diagnostics import effective_sample_size


def undirected5():
    G = nx.Graph()
    G.add_nodes_from(range(5))
    G.add_edges_from([(0, 1), (1, 2), (0, 2), (2, 3), (3, 4)])
    return G


def directed4():
    G = nx.DiGraph()
    G.add_nodes_from(range(4))
    G.add_edges_from([(0, 1), (1, 0), (1, 2), (2, 3), (3, 1), (0, 2)])
    return G


SAMPLER_CASES = [
    ("undirected", "edges + triangle", [-0.4, 0.5]),
    ("undirected", "edges + gwesp(0.5, fixed=True)", [-0.6, 0.4]),
    ("undirected", "edges + kstar(2) + isolates", [0.3, -0.2, 0.5]),
    ("directed", "edges + mutual", [-0.5, 1.2]),
    ("directed", "edges + mutual + ttriple", [-0.7, 0.8, 0.2]),
    ("directed", "edges + gwesp(0.5, fixed=True) + istar(2)", [-0.3, 0.3, -0.2]),
    ("undirected", "edges + gwdsp(0.5, fixed=True) + gwdegree(0.5, fixed=True)", [0.2, -0.3, 0.6]),
    ("undirected", "edges + transitiveties + nodematch('g') + absdiff('x')", [-0.2, 0.4, 0.7, -0.3]),
    ("directed", "edges + ctriple + transitiveties + gwidegree(0.7, fixed=True)", [-0.4, 0.5, 0.3, 0.8]),
    ("directed", "edges + isolates + ostar(2) + gwodegree(0.3, fixed=True) + nodeicov('x')", [-0.6, 0.8, 0.15, -0.5, 0.2]),
    ("directed", "edges + gwdsp(0.5, fixed=True) + nodematch('g') + edgecov('W')", [-0.3, -0.2, 0.6, 0.9]),
]


def _chisq_p(draws, ex, coef):
    dist = ex.statistic_distribution(coef)
    keys = [tuple(r) for r in np.round(dist[ex.names].to_numpy(), 8)]
    index = {k: i for i, k in enumerate(keys)}
    counts = np.zeros(len(keys))
    for row in np.round(draws, 8):
        counts[index[tuple(row)]] += 1  # KeyError = sampled an impossible statistic
    expected = dist["probability"].to_numpy() * len(draws)
    big = expected >= 5
    obs = np.append(counts[big], counts[~big].sum())
    exp = np.append(expected[big], expected[~big].sum())
    if exp[-1] == 0:
        obs, exp = obs[:-1], exp[:-1]
    return stats.chisquare(obs, exp).pvalue


@pytest.mark.parametrize("kind,formula,coef", SAMPLER_CASES, ids=[f"{k}:{f}" for k, f, _ in SAMPLER_CASES])
def test_sampler_matches_exact_distribution(kind, formula, coef):
    G = undirected5() if kind == "undirected" else directed4()
    for v, (x, g) in zip(G, [(1.0, "a"), (3.0, "b"), (2.0, "a"), (5.0, "b"), (4.0, "a")]):
        G.nodes[v]["x"], G.nodes[v]["g"] = x, g
    W = np.arange(G.number_of_nodes() ** 2, dtype=float).reshape(G.number_of_nodes(), -1) % 3 / 2
    np.fill_diagonal(W, 0)
    ex = ExactERGM(G, formula, edge_covariates={"W": W})
    model = build_model(G, formula, edge_covariates={"W": W})
    nsim = 20_000
    draws = simulate(model, coef=coef, nsim=nsim, seed=7, output="stats", burnin=2_000, interval=40)
    draws = np.asarray(draws, dtype=float)
    assert draws.shape == (nsim, len(ex.names))
    ess = effective_sample_size(draws[:, 0])
    assert ess > 0.5 * nsim, f"draws too autocorrelated for the test (ESS {ess:.0f})"
    p = _chisq_p(draws, ex, coef)
    assert p > 1e-3, f"chi-square p = {p:.2e}"
    mu = ex.expected(coef)
    sd = np.sqrt(np.diag(ex.covariance(coef)))
    mcse = sd / np.sqrt(0.5 * nsim)
    assert np.all(np.abs(draws.mean(0) - mu) < 4 * mcse), (draws.mean(0), mu, mcse)


DYAD_INDEPENDENT_CASES = [
    ("undirected", "edges + nodecov('x') + absdiff('x')"),
    ("directed", "edges + nodeicov('x') + nodeocov('x') + edgecov('W')"),
]


@pytest.mark.parametrize("kind,formula", DYAD_INDEPENDENT_CASES)
def test_mple_of_dyad_independent_model_is_exact_mle(kind, formula):
    G = undirected5() if kind == "undirected" else directed4()
    rng = np.random.default_rng(5)
    for v in G:
        G.nodes[v]["x"] = float(rng.integers(1, 6))
    n = G.number_of_nodes()
    W = rng.uniform(0, 1, (n, n))
    np.fill_diagonal(W, 0)
    ecov = {"W": W}
    from spatialhealth.networks.ergm import ergm

    ex = ExactERGM(G, formula, edge_covariates=ecov)
    exact = ex.mle()
    res = ergm(G, formula, edge_covariates=ecov, seed=1)
    assert res.method == "MPLE"
    assert list(res.params.index) == ex.names
    np.testing.assert_allclose(res.params.to_numpy(), exact.params.to_numpy(), atol=1e-6)
    np.testing.assert_allclose(res.bse.to_numpy(), exact.bse.to_numpy(), atol=1e-6)
    assert res.llf == pytest.approx(exact.llf, abs=1e-6)
    k = len(ex.names)
    assert res.aic == pytest.approx(-2 * exact.llf + 2 * k, abs=1e-5)


MLE_CASES = [
    ("undirected", "edges + triangle"),
    ("directed", "edges + mutual"),
    ("undirected", "edges + gwesp(0.5, fixed=True)"),
    ("directed", "edges + gwesp(0.5, fixed=True)"),
]


@pytest.mark.slow
@pytest.mark.parametrize("kind,formula", MLE_CASES, ids=[f"{k}:{f}" for k, f in MLE_CASES])
def test_mcmc_mle_matches_exact_mle(kind, formula):
    G = undirected5() if kind == "undirected" else directed4()
    from spatialhealth.networks.ergm import ergm

    ex = ExactERGM(G, formula)
    exact = ex.mle()
    res = ergm(G, formula, seed=3)
    assert res.converged
    if res.method == "MPLE":  # an engine may treat e.g. edges + mutual as exactly solvable
        np.testing.assert_allclose(res.params.to_numpy(), exact.params.to_numpy(), atol=1e-6)
        return
    sample = np.asarray(res.sample, dtype=float).reshape(-1, len(ex.names))
    ess = min(effective_sample_size(sample[:, k]) for k in range(sample.shape[1]))
    se = exact.bse.to_numpy()
    tol = 4 * se / np.sqrt(ess) + 0.05 * se
    diff = np.abs(res.params.to_numpy() - exact.params.to_numpy())
    assert np.all(diff < tol), f"MCMC-MLE {res.params.to_dict()} vs exact {exact.params.to_dict()}, tol {tol}"
    np.testing.assert_allclose(res.bse.to_numpy(), se, rtol=0.15)
    # bridge-sampled log-likelihood against the exact log-likelihood at the same estimate,
    # within 4 of its reported Monte Carlo standard errors
    exact_ll = ex.loglik(res.params.to_numpy())
    assert abs(res.llf - exact_ll) < 4 * res.llf_se + 0.01, (res.llf, res.llf_se, exact_ll)
    assert res.aic == pytest.approx(-2 * res.llf + 2 * len(ex.names))
