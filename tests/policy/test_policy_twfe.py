"""TWFE DiD against independent implementations (dense dummies, statsmodels)."""

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from spatialhealth.policy import did2s, twfe_did


def _dense_crv1(df, y, regs, unit, time, cluster):
    """OLS with explicit unit and time dummies; CRV1 with fixest's small-sample factor.

    fixest/pyfixest (ssc k_fixef="nonnested") multiply the sandwich by
    G/(G-1) * (N-1)/(N-K), K = slopes + fixed-effect parameters, where a fixed
    effect nested in the cluster variable counts as a single parameter.
    """
    N = len(df)
    U = pd.get_dummies(df[unit].astype(str)).to_numpy(float)
    T = pd.get_dummies(df[time].astype(str), drop_first=True).to_numpy(float)
    FE = np.hstack([U, T])
    X = df[regs].to_numpy(float)
    Y = df[y].to_numpy(float)
    full = np.hstack([X, FE])
    beta = np.linalg.lstsq(full, Y, rcond=None)[0]
    e = Y - full @ beta
    Xr = X - FE @ np.linalg.lstsq(FE, X, rcond=None)[0]  # FWL: regressors net of the FE
    bread = np.linalg.inv(Xr.T @ Xr)
    cl = df[cluster].to_numpy()
    meat = np.zeros((X.shape[1], X.shape[1]))
    for g in np.unique(cl):
        s = Xr[cl == g].T @ e[cl == g]
        meat += np.outer(s, s)
    G = len(np.unique(cl))
    n_u, n_t = df[unit].nunique(), df[time].nunique()
    k_fe = n_u + n_t - 1
    if df.groupby(unit)[cluster].nunique().max() == 1:  # unit FE nested in clusters
        k_fe -= n_u - 1
    elif df.groupby(time)[cluster].nunique().max() == 1:
        k_fe -= n_t - 1
    K = X.shape[1] + k_fe
    V = bread @ meat @ bread * G / (G - 1) * (N - 1) / (N - K)
    return beta[: X.shape[1]], np.sqrt(np.diag(V)), G, K


@pytest.mark.parametrize("cluster", [None, "region", "year"])
@pytest.mark.parametrize("controls", [(), ("x1", "x2")])
def test_policy_twfe_matches_dense_dummy_regression(panel_df, cluster, controls):
    res = twfe_did(panel_df, "y", "treated", "unit", "year", cluster=cluster, controls=controls)
    b, se, G, K = _dense_crv1(panel_df, "y", ["treated", *controls], "unit", "year", cluster or "unit")
    assert res.coef == pytest.approx(b[0], abs=1e-8)
    assert res.se == pytest.approx(se[0], rel=1e-8)
    assert res.frame["estimate"].to_numpy() == pytest.approx(b, abs=1e-8, rel=1e-8)
    assert res.n_clusters == G
    # t(G - 1) inference
    t = b[0] / se[0]
    assert res.pvalue == pytest.approx(2 * stats.t.sf(abs(t), G - 1), rel=1e-7, abs=1e-12)
    crit = stats.t.ppf(0.975, G - 1)
    assert res.conf_int[0] == pytest.approx(b[0] - crit * se[0], abs=1e-8)
    assert res.nobs == len(panel_df)
    assert f"K={K}" in res.vcov_type


def test_policy_twfe_unbalanced_matches_dense(unbalanced_df):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = twfe_did(unbalanced_df, "y", "treated", "unit", "year", controls=["x1"])
    b, se, _, _ = _dense_crv1(unbalanced_df, "y", ["treated", "x1"], "unit", "year", "unit")
    assert res.coef == pytest.approx(b[0], abs=1e-8)
    assert res.se == pytest.approx(se[0], rel=1e-8)


def test_policy_twfe_matches_statsmodels(panel_df):
    sm = pytest.importorskip("statsmodels.formula.api")
    res = twfe_did(panel_df, "y", "treated", "unit", "year", cluster="region", controls=["x1"])
    fit = sm.ols("y ~ treated + x1 + C(unit) + C(year)", data=panel_df).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(panel_df["region"])[0]})
    assert res.coef == pytest.approx(fit.params["treated"], abs=1e-8)
    # statsmodels' CRV1 uses K = all dummy columns; rescale to fixest's K (nested unit FE)
    N, K_sm = len(panel_df), fit.df_model + 1
    K_fixest = 2 + panel_df["year"].nunique()
    se = fit.bse["treated"] * np.sqrt((N - K_sm) / (N - K_fixest))
    assert res.se == pytest.approx(se, rel=1e-8)


def test_policy_twfe_first_treated_coding_is_the_same(panel_df):
    a = twfe_did(panel_df, "y", "treated", "unit", "year")
    b = twfe_did(panel_df, "y", unit="unit", time="year", first_treated="first_treated")
    assert a.coef == pytest.approx(b.coef, abs=1e-12)
    assert a.se == pytest.approx(b.se, rel=1e-12)
    text = a.summary()
    assert "treated" in text and "CRV1 clustered by unit" in text
    assert a.frame.columns.tolist() == ["term", "estimate", "std_error", "z_or_t", "p_value", "ci_lower", "ci_upper"]


def test_policy_twfe_reproduces_m09_unit_year(df_het, m09):
    """m09 vector B: dep_var ~ treat | unit + year, CRV1 by state (pyfixest 0.60 values)."""
    v = m09["B_twfe_unit_year"]
    res = twfe_did(df_het, "dep_var", "treat", "unit", "year", cluster="state")
    assert res.coef == pytest.approx(v["closed_form_two_way_demeaning"], abs=1e-8)
    assert res.coef == pytest.approx(v["linearmodels_PanelOLS"]["b"], abs=1e-8)
    assert res.se == pytest.approx(v["pyfixest"]["se_CRV1_state"], rel=1e-8)
    assert res.n_clusters == 40 and res.nobs == 46500


def test_policy_did2s_reproduces_published_readme_value(df_het, m09):
    """did2s R README: treat = TRUE 2.152 (0.0476), first stage ~ 0 | state + year, cluster state."""
    v = m09["C_did2s_static"]
    res = did2s(df_het, "dep_var", "treat", "unit", "year", cluster="state",
                fixed_effects=("state", "year"))
    assert round(res.coef, 3) == v["expected"]["b"] == 2.152
    assert round(res.se, 4) == v["expected"]["se"] == 0.0476
    assert res.coef == pytest.approx(v["pyfixest_did2s"]["b"], abs=1e-10)
    assert res.se == pytest.approx(v["pyfixest_did2s"]["se"], rel=1e-8)
    assert res.nobs == 46500
