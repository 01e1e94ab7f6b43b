"""Curved ERGMs (decay estimated, fixed=FALSE) against exact enumeration on a small graph."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
from scipy import optimize

from spatialhealth.errors import InputError
from spatialhealth.networks.ergm import build_model, ergm, summary_statistics
from spatialhealth.networks.ergm.curved import CurvedMap

N = 6
PAIRS = list(itertools.combinations(range(N), 2))
OBS_CODE = 14110  # ties of the observed graph as bits over PAIRS: esp counts 2, 5, 1, 0
K = 4


def _graph(code):
    G = nx.Graph()
    G.add_nodes_from(range(N))
    G.add_edges_from(p for b, p in enumerate(PAIRS) if code >> b & 1)
    return G


def _all_statistics():
    """Edges and esp(1..4) of all 2^15 graphs on 6 nodes, brute force from adjacency matrices."""
    out = np.zeros((2 ** len(PAIRS), 1 + K))
    for code in range(2 ** len(PAIRS)):
        M = np.zeros((N, N))
        for b, (i, j) in enumerate(PAIRS):
            if code >> b & 1:
                M[i, j] = M[j, i] = 1
        sp = (M @ M)[np.triu(M, 1) > 0]
        out[code] = [M.sum() / 2] + [np.sum(sp == k) for k in range(1, K + 1)]
    return out


def _eta(psi):
    k = np.arange(1, K + 1)
    r = 1 - np.exp(-psi[2])
    return np.concatenate([[psi[0]], psi[1] * np.exp(psi[2]) * (1 - r ** k)])


@pytest.fixture(scope="module")
def exact():
    S = _all_statistics()
    obs = S[OBS_CODE]

    def nll(psi):
        z = S @ _eta(psi)
        mx = z.max()
        return -(obs @ _eta(psi) - mx - np.log(np.exp(z - mx).sum()))
    r = optimize.minimize(nll, [-1, 0.5, 0.7], method="Nelder-Mead",
                          options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 10000})
    return S, obs, r.x


def test_exact_oracle_solves_the_likelihood_equations(exact):
    S, obs, psi = exact
    z = S @ _eta(psi)
    w = np.exp(z - z.max())
    w /= w.sum()
    # score of the curved model: d eta/d psi ' (obs - E g) = 0 at the MLE
    eps = 1e-6
    Jn = np.column_stack([(_eta(psi + eps * e) - _eta(psi - eps * e)) / (2 * eps) for e in np.eye(3)])
    np.testing.assert_allclose(Jn.T @ (obs - w @ S), 0, atol=1e-5)
    np.testing.assert_allclose(psi, [-0.7496, 0.5131, 0.5283], atol=1e-3)


def test_curved_map_matches_the_fixed_statistic():
    G = _graph(OBS_CODE)
    m = build_model(G, "edges + gwesp(0.7, fixed=FALSE, cutoff=4)")
    cm = CurvedMap(m)
    assert cm.names == ["edges", "gwesp", "gwesp.decay"]
    psi = np.array([-0.3, 1.7, 0.7])
    g = m.observed()
    fixed = summary_statistics(G, "edges + gwesp(0.7, fixed=TRUE)").to_numpy()
    assert cm.eta(psi) @ g == pytest.approx(-0.3 * fixed[0] + 1.7 * fixed[1], rel=1e-12)
    eps = 1e-6
    Jn = np.column_stack([(cm.eta(psi + eps * e) - cm.eta(psi - eps * e)) / (2 * eps) for e in np.eye(3)])
    np.testing.assert_allclose(cm.jacobian(psi), Jn, atol=1e-7)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_curved_mcmcmle_matches_exact_mle(exact, seed):
    _, _, psi = exact
    res = ergm(_graph(OBS_CODE), "edges + gwesp(0.5, fixed=FALSE, cutoff=4)", seed=seed, eval_loglik=False)
    assert list(res.params.index) == ["edges", "gwesp", "gwesp.decay"]
    assert res.converged
    z = np.abs(res.params.to_numpy() - psi) / res.bse.to_numpy()
    assert np.all(z < 0.3), (res.params.tolist(), psi, res.bse.tolist())
    sims = res.simulate(nsim=2, seed=1, output="stats")
    assert sims.shape == (2, 1 + K)


def test_curved_term_without_decay_cannot_be_fitted():
    with pytest.raises(InputError, match="starting decay"):
        ergm(_graph(OBS_CODE), "edges + gwesp(cutoff=4)")
    with pytest.raises(InputError, match="fixed=FALSE to estimate the decay"):
        build_model(_graph(OBS_CODE), "edges + gwesp(0.5)")


def _exact_loglik(S, obs, eta):
    z = S @ eta
    mx = z.max()
    return float(obs @ eta - mx - np.log(np.exp(z - mx).sum()))


def test_curved_loglik_and_anova_against_exact_enumeration(exact):
    """Curved log-likelihood (bridge sampling on eta(psi)) equals the exact one.

    statnet's logLik of a curved fit, at the estimate, within Monte Carlo error; AIC,
    BIC and the deviance table follow from it.
    """
    from scipy import stats

    from spatialhealth.networks.ergm import anova

    S, obs, _ = exact
    G = _graph(OBS_CODE)
    res = ergm(G, "edges + gwesp(0.5, fixed=FALSE, cutoff=4)", seed=1)
    psi = res.params.to_numpy()
    ll = _exact_loglik(S, obs, _eta(psi))
    assert 0 < res.llf_se < 0.2
    assert abs(res.llf - ll) < 4 * res.llf_se + 0.02, (res.llf, res.llf_se, ll)
    assert res.df_model == 3
    assert res.aic == pytest.approx(-2 * res.llf + 6)
    assert res.bic == pytest.approx(-2 * res.llf + 3 * np.log(15))
    # the edges-only model's log-likelihood is exact (dyad independent): 15 dyads, 7 ties
    base = ergm(G, "edges")
    p = obs[0] / 15
    assert base.llf == pytest.approx(obs[0] * np.log(p) + (15 - obs[0]) * np.log(1 - p), rel=1e-10)
    t = anova(base, res)
    f = t.frame.set_index("model")
    assert f.loc["Model 2", "df"] == 2 and f.loc["Model 2", "resid_df"] == 12
    dev = 2 * (ll - base.llf)  # exact deviance reduction at the estimate
    assert abs(f.loc["Model 2", "deviance"] - dev) < 2 * (4 * res.llf_se + 0.02)
    assert f.loc["Model 2", "p_value"] == pytest.approx(stats.chi2.sf(f.loc["Model 2", "deviance"], 2))
    text = t.summary()
    assert "Model 2: edges + gwesp(0.5, fixed=FALSE, cutoff=4)" in text
    assert [ln.split()[0] for ln in text.splitlines()[6:9]] == ["NULL", "1", "2"]
    assert "AIC:" in res.summary()
