"""statnet's sample sizing and step: multivariate ESS, lognormal step, chains in threads.

* ``multivariate_ess`` (statnet's ``N / infl`` of ``spectrum0.mvar``, Vats-Flegal-Jones) is
  checked against the exact ESS of long VAR(1) series, where
  ``ESS / N = (det Sigma / det V)^(1/p)`` is known in closed form, and against a second
  implementation: statsmodels' VAR fit (same AIC-chosen order) and its long-run covariance;
* ``lognormal_step`` against the closed form ``theta0 + S^-1 (target - mean)``, and the exact
  MLE of a dyad-independent model reached by iterating it on exact draws;
* chains run in threads give the draws of chains run one after the other, bit for bit.
"""

from __future__ import annotations

import numpy as np
import pytest

from spatialhealth.networks.ergm import build_model
from spatialhealth.networks.ergm import sampler as S
from spatialhealth.networks.ergm.datasets import load_network
from spatialhealth.networks.ergm.fit import lognormal_step
from spatialhealth.networks.ergm.sampler import multivariate_ess


def _var1(rng, n, A, L, chains=1):
    p = A.shape[0]
    # start from the stationary law: burn in 500 steps
    x = np.zeros((chains, n + 500, p))
    e = rng.standard_normal((chains, n + 500, p)) @ L.T
    for t in range(1, n + 500):
        x[:, t] = x[:, t - 1] @ A.T + e[:, t]
    return x[:, 500:]


def _exact_ess_fraction(A, L):
    """(det Sigma / det V)^(1/p) of the VAR(1) x_t = A x_{t-1} + L e_t."""
    p = A.shape[0]
    Q = L @ L.T
    # stationary covariance: Sigma = A Sigma A' + Q
    Sigma = np.linalg.solve(np.eye(p * p) - np.kron(A, A), Q.ravel()).reshape(p, p)
    M = np.linalg.inv(np.eye(p) - A)
    V = M @ Q @ M.T  # spectral density at 0 (times 2 pi)
    return (np.linalg.det(Sigma) / np.linalg.det(V)) ** (1 / p)


@pytest.mark.parametrize("A", [np.diag([0.5, 0.9]), np.array([[0.7, 0.2], [-0.1, 0.5]]),
                               np.diag([0.0, 0.0, 0.95])])
def test_multivariate_ess_of_var1_matches_theory(A):
    rng = np.random.default_rng(7)
    p = A.shape[0]
    L = np.eye(p) + 0.4 * np.tril(np.ones((p, p)), -1)
    x = _var1(rng, 20_000, A, L, chains=2)
    exact = _exact_ess_fraction(A, L) * x.shape[0] * x.shape[1]
    # sd of the estimate is a few percent at this length
    assert multivariate_ess(x) == pytest.approx(exact, rel=0.08)


def test_multivariate_ess_agrees_with_statsmodels_var():
    from statsmodels.tsa.api import VAR

    rng = np.random.default_rng(3)
    A = np.array([[0.6, 0.25, 0.0], [-0.1, 0.4, 0.1], [0.0, 0.3, 0.8]])
    x = _var1(rng, 4000, A, np.eye(3))[0]
    fit = VAR(x).fit(maxlags=int(np.ceil(10 * np.log10(len(x)))), ic="aic", trend="c")
    M = np.linalg.inv(np.eye(3) - fit.coefs.sum(axis=0))
    V = M @ fit.sigma_u @ M.T
    ref = len(x) / np.exp((np.linalg.slogdet(V)[1] - np.linalg.slogdet(np.cov(x, rowvar=False))[1]) / 3)
    # same order (AIC), same least squares; only the degrees-of-freedom conventions differ
    assert multivariate_ess(x, order_max=fit.k_ar) == pytest.approx(ref, rel=0.01)
    assert multivariate_ess(x) == pytest.approx(ref, rel=0.02)


def test_multivariate_ess_edge_cases():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3000, 2))
    const = np.column_stack([x, np.full(3000, 5.0)])  # a constant column is left out
    assert multivariate_ess(const) == pytest.approx(multivariate_ess(x), rel=1e-9)
    assert multivariate_ess(np.ones((100, 3))) == 100.0
    # a linear combination of the others is dropped, as statnet's principal components do
    dep = np.column_stack([x, x[:, 0] - 2 * x[:, 1]])
    assert multivariate_ess(dep) == pytest.approx(multivariate_ess(x), rel=0.05)


def test_lognormal_step_closed_form_and_fixed_point():
    rng = np.random.default_rng(1)
    s = rng.standard_normal((800, 3)) @ np.array([[1.0, 0.3, 0.0], [0.0, 1.0, 0.5], [0.0, 0.0, 2.0]])
    target = s.mean(0) + np.array([0.2, -0.1, 0.3])
    step = lognormal_step(np.ones(3), s, target)
    np.testing.assert_allclose(step, 1 + np.linalg.solve(np.cov(s, rowvar=False), target - s.mean(0)), rtol=1e-10)
    # a statistic without variation keeps its coefficient
    s2 = np.column_stack([s, np.zeros(800)])
    out = lognormal_step(np.ones(4), s2, np.append(target, 0.0))
    np.testing.assert_allclose(out[:3], step, rtol=1e-10)
    assert out[3] == 1.0


def test_lognormal_steps_reach_the_exact_mle_of_a_bernoulli_graph():
    # edges only: the statistic is Binomial(D, p(theta)); iterate the step on exact draws
    D, k = 120, 25
    theta = 0.0
    rng = np.random.default_rng(4)
    for _ in range(8):
        pr = 1 / (1 + np.exp(-theta))
        draws = rng.binomial(D, pr, size=(20_000, 1)).astype(float)
        theta = float(lognormal_step(np.array([theta]), draws, np.array([float(k)]))[0])
    assert theta == pytest.approx(np.log(k / (D - k)), abs=0.01)


def test_threaded_chains_equal_serial_chains():
    m = build_model(load_network("faux.mesa.high"),
                    "edges + nodematch('Grade') + gwesp(0.5, fixed=TRUE)")
    theta = np.array([-6.0, 2.0, 1.0])
    runs = []
    for n_jobs in (1, 2):
        cs = S.ChainSet(m, chains=2, n_jobs=n_jobs, seed=9)
        runs.append(np.concatenate([cs.run(theta, 2000, 500, 40) for _ in range(3)], axis=1))
        cs.close()
    assert S._THREADS  # the second set ran in the thread pool
    np.testing.assert_array_equal(runs[0], runs[1])


@pytest.mark.parametrize("directed", [False, True])
def test_written_out_gwesp_equals_general_change_statistic(directed):
    # the kernel's written-out gwesp (two-path counts maintained) gives, bit for bit, what the
    # general routine gives from the same counts and from row scans, on every dyad, both ways
    import networkx as nx

    from spatialhealth.networks.ergm import _kernels as K

    rng = np.random.default_rng(11)
    for n, pr in [(12, 0.3), (20, 0.12), (8, 0.7)]:
        G = nx.gnp_random_graph(n, pr, seed=int(rng.integers(1 << 30)), directed=directed)
        m = build_model(G, "edges + gwesp(0.5, fixed=TRUE) + gwesp(1.3, fixed=TRUE)")
        fast, scan = m.state(G, use_tp=True), m.state(G, use_tp=False)
        _, _, _, ipar, fpar, _, ncat, _ = m.pack()
        assert fast.use_tp and not scan.use_tp
        for i in range(n):
            for j in range(n):
                if i == j or (not directed and i > j):
                    continue
                a, b = m.change(i, j, fast), m.change(i, j, scan)
                np.testing.assert_array_equal(a, b)
                for t in (1, 2):  # the general routine, called directly with the counts
                    g = K._esp_change(i, j, directed, ipar[t, 0], K.SP_GW, fpar[t, 0], fpar[t, 1], ipar[t, 1], -1,
                                      np.int64(fast.adj[i, j]), *fast.arrays()[:6], fast.tp, True, ncat)
                    assert a[t] == g


# --- statnet's Monte Carlo variance of the estimate (spectrum0.mvar, vcov_wmean_ar) ---------------

def test_spectrum0_mvar_of_var1_matches_theory_and_statsmodels():
    from statsmodels.tsa.api import VAR

    rng = np.random.default_rng(12)
    A = np.array([[0.7, 0.2], [-0.1, 0.5]])
    L = np.array([[3.0, 0.0], [0.2, 0.5]])
    x = _var1(rng, 40_000, A, L, chains=2)
    V, infl = S.spectrum0_mvar(x)
    M = np.linalg.inv(np.eye(2) - A)
    exact = M @ L @ L.T @ M.T  # spectral density at 0 (times 2 pi) of the VAR(1)
    # within 10% of the scale of each entry (sd of the estimate: a few percent at this length)
    assert np.all(np.abs(V - exact) <= 0.1 * np.sqrt(np.outer(np.diag(exact), np.diag(exact))))
    assert infl == pytest.approx(x.shape[0] * x.shape[1] / multivariate_ess(x), rel=1e-12)
    # a second implementation: statsmodels' VAR of the same order on one chain, its long-run covariance
    y = x[0, :5000]
    fit = VAR(y).fit(maxlags=int(np.ceil(10 * np.log10(len(y)))), ic="aic", trend="c")
    Mf = np.linalg.inv(np.eye(2) - fit.coefs.sum(axis=0))
    ref = Mf @ fit.sigma_u @ Mf.T
    k = 1 + 2 * fit.k_ar  # statsmodels divides by nobs - k, statnet by nobs - 2 (k_ar + 1): the dfs differ
    ref *= (len(y) - fit.k_ar - k) / (len(y) - fit.k_ar - 2 * (fit.k_ar + 1))
    np.testing.assert_allclose(S.spectrum0_mvar(y, order_max=fit.k_ar)[0], ref, rtol=0.01)
    # a constant column gets zeros, the rest is unchanged
    Vc, _ = S.spectrum0_mvar(np.concatenate([x, np.full(x.shape[:2] + (1,), 4.0)], axis=2))
    np.testing.assert_allclose(Vc[:2, :2], V, rtol=1e-9)
    assert np.all(Vc[2] == 0) and np.all(Vc[:, 2] == 0)


def test_weighted_mean_vcov_matches_replicated_chains():
    # the variance of the importance-weighted mean, measured over 300 independent autocorrelated
    # chains, against the delta-method formula (statnet's vcov_wmean_ar) averaged over them
    rng = np.random.default_rng(21)
    A = np.array([[0.8, 0.1], [0.0, 0.6]])
    L = np.array([[1.0, 0.0], [0.5, 1.0]])
    reps, n = 300, 600
    x = _var1(rng, n, A, L, chains=reps)
    a = np.array([0.4, -0.3])
    w = np.exp(x @ a)
    wmeans = np.einsum("rn,rnp->rp", w, x) / w.sum(axis=1)[:, None]
    empirical = np.cov(wmeans, rowvar=False)
    formula = np.mean([S.weighted_mean_vcov(x[r], w[r]) for r in range(reps)], axis=0)
    np.testing.assert_allclose(np.diag(formula), np.diag(empirical), rtol=0.2)
    assert formula[0, 1] == pytest.approx(empirical[0, 1], abs=0.2 * np.sqrt(empirical[0, 0] * empirical[1, 1]))
    # equal weights: the spectral covariance of the plain mean
    np.testing.assert_allclose(S.weighted_mean_vcov(x[0], np.full(n, 3.0)), S.spectrum0_mvar(x[0])[0] / n,
                               rtol=1e-9)
