"""Issue 12, point 8: the DiD estimators refuse what they cannot answer, before pyfixest runs.

Each of these cases used to abort the interpreter (a Rust panic in pyfixest), give se = inf,
a raw LinAlgError or pyfixest's "All variables are collinear".
"""


import numpy as np
import pandas as pd
import pytest

from spatialhealth import policy
from spatialhealth.errors import InputError
from spatialhealth.policy._pyfixest import OneClusterWarning

YEARS = list(range(2010, 2016))


def _panel(n_units=8, adopt=lambda u: 2013 if u < 4 else 0, seed=0, cluster="all"):
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(n_units):
        for t, yr in enumerate(YEARS):
            g = adopt(u)
            d = int(g != 0 and yr >= g)
            rows.append({"unit": f"u{u}", "year": yr, "d": d, "g": g, "c": cluster,
                         "y": rng.normal() + d + 0.3 * u + 0.1 * t})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("call", [
    lambda df: policy.twfe_did(df, outcome="y", treatment="d", region="unit", period="year"),
    lambda df: policy.event_study(df, outcome="y", treatment="d", region="unit", period="year"),
    lambda df: policy.placebo_test(df, outcome="y", treatment="d", region="unit", period="year",
                                   permutations=5, seed=1),
    lambda df: policy.did2s(df, outcome="y", cohort="g", region="unit", period="year"),
], ids=["twfe", "event_study", "placebo", "did2s"])
def test_one_unit_panel_is_an_error_not_a_crash(call):
    df = _panel(n_units=1, adopt=lambda u: 2013)
    with pytest.raises(InputError, match=r"at least 2 units.*has 1: u0"):
        call(df)


def test_one_period_panel_is_an_error():
    df = _panel(adopt=lambda u: 0 if u % 2 else 2012)
    df = df[df.year == 2012].assign(d=lambda x: 0)
    df.loc[df.unit == "u0", "d"] = 1
    with pytest.raises(InputError):  # always treated, or one period: refused by our checks
        policy.twfe_did(df, outcome="y", treatment="d", region="unit", period="year")


@pytest.mark.parametrize("call", [
    lambda df: policy.twfe_did(df, outcome="y", treatment="d", region="unit", period="year"),
    lambda df: policy.event_study(df, outcome="y", treatment="d", region="unit", period="year"),
    lambda df: policy.placebo_test(df, outcome="y", treatment="d", region="unit", period="year",
                                   permutations=5, seed=1),
], ids=["twfe", "event_study", "placebo"])
def test_one_adoption_date_without_never_treated_is_a_clear_error(call):
    df = _panel(adopt=lambda u: 2013)
    with pytest.raises(InputError, match=r"Every unit adopts the treatment in 2013 and no unit "
                                         r"stays untreated.*collinear with the period effects"):
        call(df)


def test_one_cluster_warns_and_reports_hc1_in_twfe():
    df = _panel()
    with pytest.warns(OneClusterWarning, match="heteroskedasticity-robust"):
        res = policy.twfe_did(df, outcome="y", treatment="d", region="unit", period="year", cluster="c")
    assert np.isfinite(res.std_error) and np.isfinite(res.p_value)
    assert not res.clustered and "HC1" in res.vcov_type and "HC1" in res.summary()
    # HC1 by hand: (X'X)^-1 X' diag(e^2) X (X'X)^-1 * N / (N - K), K = slopes + all FE levels
    U = pd.get_dummies(df.unit, dtype=float).to_numpy()
    T = pd.get_dummies(df.year, dtype=float).to_numpy()[:, 1:]
    FE, X, Y = np.hstack([U, T]), df[["d"]].to_numpy(float), df.y.to_numpy()
    full = np.hstack([X, FE])
    e = Y - full @ np.linalg.lstsq(full, Y, rcond=None)[0]
    Xr = X - FE @ np.linalg.lstsq(FE, X, rcond=None)[0]
    bread = np.linalg.inv(Xr.T @ Xr)
    N, K = len(df), full.shape[1]
    se = np.sqrt((bread @ (Xr.T @ (Xr * e[:, None] ** 2)) @ bread)[0, 0] * N / (N - K))
    assert res.std_error == pytest.approx(se, rel=1e-8)
    assert res.df_resid == N - K


def test_one_cluster_event_study_warns_instead_of_linalgerror():
    df = _panel()
    with pytest.warns(OneClusterWarning):
        es = policy.event_study(df, outcome="y", treatment="d", region="unit", period="year",
                                cluster="c", leads=2, lags=2)
    est = es.frame[~es.frame.is_ref]
    assert np.isfinite(est.std_error).all()
    assert not es.clustered


def test_one_cluster_did2s_is_a_clear_error():
    with pytest.raises(InputError, match="one cluster"):
        policy.did2s(_panel(), outcome="y", treatment="d", region="unit", period="year", cluster="c")


def test_text_nan_and_inf_are_listed_at_once_with_spreadsheet_rows():
    df = _panel()
    df["y"] = df["y"].astype(object)
    df.loc[3, "y"] = "n/a"
    df.loc[10, "y"] = np.nan
    df.loc[20, "y"] = np.inf
    with pytest.raises(InputError) as info:
        policy.twfe_did(df, outcome="y", treatment="d", region="unit", period="year")
    msg = str(info.value)
    assert "text where a number is needed for unit (time) u0 (2013) in spreadsheet row 5: 'n/a'" in msg
    assert "missing values for unit (time) u1 (2014) in spreadsheet row 12" in msg
    assert "infinite values for unit (time) u3 (2012) in spreadsheet row 22: inf" in msg


def test_old_spellings_still_work_with_a_deprecation_warning():
    df = _panel()
    new = policy.twfe_did(df, outcome="y", treatment="d", region="unit", period="year")
    with pytest.warns(DeprecationWarning, match="by position is deprecated"):
        old = policy.twfe_did(df, "y", "d", "unit", "year")
    assert old.estimate == new.estimate
    with pytest.warns(DeprecationWarning, match="'unit' is now called 'region'"):
        kw = policy.twfe_did(df, outcome="y", treatment="d", unit="unit", time="year")
    assert kw.coef == new.estimate and kw.se == new.std_error and kw.pvalue == new.p_value
    assert kw.conf_int[0] == new.coefficients["ci_lower"].iloc[0]
    assert list(kw.conf_int(0.1).columns) == ["ci_lower", "ci_upper"]
    with pytest.warns(DeprecationWarning, match="'n' is now called 'permutations'"):
        pl = policy.placebo_test(df, outcome="y", treatment="d", region="unit", period="year", n=7,
                                 seed=1)
    assert pl.permutations == pl.n == 7
    with pytest.warns(DeprecationWarning):
        es = policy.event_study(df, "y", "unit", "year", "g", leads=2, lags=2)
    assert es.ref == -1
    with pytest.raises(TypeError, match="both"):
        policy.twfe_did(df, outcome="y", treatment="d", region="unit", unit="unit", period="year")
