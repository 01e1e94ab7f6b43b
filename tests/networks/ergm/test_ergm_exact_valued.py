"""Poisson-reference valued ERGM: exact MLE against statsmodels and a brute-force likelihood."""

import networkx as nx
import numpy as np
import pytest
import statsmodels.api as sm
from scipy.optimize import minimize
from scipy.special import gammaln, logsumexp

from spatialhealth.errors import ConvergenceError, InputError
from spatialhealth.networks.ergm.datasets import load_edge_covariates, load_network
from spatialhealth.networks.ergm.valued import valued_design, valued_ergm


def _count_network(seed, nu=None, beta=(-1.0, 0.3, 0.8), n=40):
    """Counts drawn dyad by dyad from a zero-modified Poisson by brute-force inversion."""
    rng = np.random.default_rng(seed)
    G = nx.DiGraph()
    x = rng.uniform(0, 2, n)
    for i in range(n):
        G.add_node(i, x=float(x[i]))
    W = rng.uniform(0, 1, (n, n))
    np.fill_diagonal(W, 0)
    ks = np.arange(60)
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            eta = beta[0] + beta[1] * x[j] + beta[2] * W[i, j]
            logp = eta * ks - gammaln(ks + 1) + (nu if nu is not None else 0.0) * (ks > 0)
            p = np.exp(logp - logsumexp(logp))
            k = rng.choice(ks, p=p / p.sum())
            if k:
                G.add_edge(i, j, weight=int(k))
    return G, {"W": W}


def test_sum_terms_equal_poisson_regression():
    G, cov = _count_network(1)
    res = valued_ergm(G, "sum + nodeicov('x') + edgecov('W')", edge_covariates=cov)
    d = res.design
    glm = sm.GLM(d.y, d.X, family=sm.families.Poisson()).fit(tol=1e-12)
    np.testing.assert_allclose(res.params.to_numpy(), glm.params, atol=1e-7)
    np.testing.assert_allclose(res.bse.to_numpy(), glm.bse, atol=1e-7)
    assert res.llf == pytest.approx(glm.llf, abs=1e-6)
    assert list(res.params.index) == ["sum", "nodeicov.sum.x", "edgecov.sum.W"]


def test_nonzero_model_equals_brute_force_likelihood():
    G, cov = _count_network(2, nu=-1.2)
    formula = "sum + nonzero + nodeicov('x') + edgecov('W')"
    res = valued_ergm(G, formula, edge_covariates=cov)
    d = valued_design(G, formula, edge_covariates=cov)
    ks = np.arange(80)

    def negll(theta):  # normalising constants by explicit summation over 0..79
        beta = np.delete(theta, 1)
        nu = theta[1]
        eta = d.X @ beta
        logp = eta[:, None] * ks[None, :] - gammaln(ks + 1)[None, :] + nu * (ks > 0)[None, :]
        logZ = logsumexp(logp, axis=1)
        return -np.sum(eta * d.y - gammaln(d.y + 1) + nu * (d.y > 0) - logZ)

    opt = minimize(negll, np.zeros(4), method="BFGS", options={"gtol": 1e-9})
    np.testing.assert_allclose(res.params.to_numpy(), opt.x, atol=2e-4)
    assert res.llf == pytest.approx(-opt.fun, abs=1e-6)
    # and the generating values are recovered within 3 standard errors
    truth = {"sum": -1.0, "nonzero": -1.2, "nodeicov.sum.x": 0.3, "edgecov.sum.W": 0.8}
    for k, v in truth.items():
        assert abs(res.params[k] - v) < 3 * res.bse[k], (k, res.params[k], v)


def test_simulate_reproduces_expected_counts():
    G, cov = _count_network(3, nu=0.7)
    res = valued_ergm(G, "sum + nonzero + nodeicov('x') + edgecov('W')", edge_covariates=cov)
    sims = res.simulate(nsim=200, seed=4)
    tot = np.array([sum(w for *_, w in g.edges(data="weight")) for g in sims])
    nz = np.array([g.number_of_edges() for g in sims])
    exp_tot = res.expected().sum()
    assert abs(tot.mean() - exp_tot) < 4 * tot.std() / np.sqrt(len(tot))
    # at the MLE the expected statistics equal the observed ones
    assert exp_tot == pytest.approx(res.design.y.sum(), rel=1e-6)
    assert abs(nz.mean() - np.count_nonzero(res.design.y)) < 4 * nz.std() / np.sqrt(len(nz))


def test_mobility_weights_and_errors():
    G = load_network("mobility88")
    with pytest.raises(InputError, match="weight"):
        H = G.copy()
        H.add_edge(1, 4, weight=1.5)
        valued_ergm(H, "sum")
    with pytest.raises(InputError, match="mutual"):
        valued_ergm(G, "sum + mutual")
    cov = load_edge_covariates("mobility88")
    # unweighted edges count 1: with `nonzero` the MLE is on the boundary, said in words
    with pytest.raises(ConvergenceError, match="equal 1"):
        valued_ergm(G, "sum + nonzero + edgecov('geo_prox')", edge_covariates=cov)
    # without `nonzero` it is Poisson regression of the 0/1 ties: finite
    res = valued_ergm(G, "sum + edgecov('geo_prox')", edge_covariates=cov)
    assert np.isfinite(res.params).all()
    assert "Poisson reference" in res.summary()


def test_valued_formula_uses_the_engine_parser():
    import networkx as nx

    from spatialhealth.errors import InputError
    from spatialhealth.networks.ergm.valued import _parse

    assert _parse("y ~ sum + nonzero + nodeicov('x')") == [("sum", []), ("nonzero", []), ("nodeicov", ["x"])]
    G = nx.DiGraph()
    G.add_weighted_edges_from([(0, 1, 3), (1, 2, 1), (2, 0, 2)])
    from spatialhealth.networks.ergm.valued import valued_ergm

    with pytest.raises(InputError, match="takes no keyword arguments"):
        valued_ergm(G, "sum + nonzero(x=1)")
