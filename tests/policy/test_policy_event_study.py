"""Event studies against the m09 reference vector and dense-dummy / two-stage reimplementations."""

import numpy as np
import pandas as pd
import pytest

from spatialhealth.errors import InputError
from spatialhealth.policy import event_study

from policy_sim import simulate_panel


def _event_dummies(df, leads, lags, ref):
    rel = np.where(df.first_treated > 0, df.year - df.first_treated, np.nan)
    rel = np.clip(rel, -leads, lags)
    ks = [k for k in range(-leads, lags + 1) if k != ref]
    return ks, np.column_stack([(rel == k).astype(float) for k in ks])


def _fe(df):
    U = pd.get_dummies(df["unit"].astype(str)).to_numpy(float)
    T = pd.get_dummies(df["year"].astype(str), drop_first=True).to_numpy(float)
    return np.hstack([U, T])


def test_policy_event_study_reproduces_m09_vector_d(df_het, m09):
    v = m09["D_event_study"]
    es = event_study(df_het, "dep_var", "unit", "year", "g", leads=6, lags=6, ref=-1, cluster="state")
    got = {(f"ev_m{-k}" if k < 0 else f"ev_p{k}"): e
           for k, e in zip(es.frame.rel_time, es.frame.estimate) if k != -1}
    for name, expected in v["pyfixest"].items():
        assert got[name] == pytest.approx(expected, abs=1e-8)
        assert got[name] == pytest.approx(v["linearmodels"][name], abs=1e-8)
    f = es.frame
    assert f.loc[f.is_ref, "rel_time"].tolist() == [-1] and f.loc[f.is_ref, "estimate"].tolist() == [0]
    assert f.loc[f.binned, "rel_time"].tolist() == [-6, 6]


@pytest.mark.parametrize("controls", [(), ("x1", "x2")])
def test_policy_event_study_twfe_equals_dummy_regression(panel_df, controls):
    leads, lags, ref = 3, 4, -1
    es = event_study(panel_df, "y", "unit", "year", "first_treated", leads=leads, lags=lags, ref=ref,
                     controls=controls)
    ks, D = _event_dummies(panel_df, leads, lags, ref)
    X = np.hstack([D, panel_df[list(controls)].to_numpy(float)]) if controls else D
    FE = _fe(panel_df)
    full = np.hstack([X, FE])
    beta = np.linalg.lstsq(full, panel_df.y.to_numpy(), rcond=None)[0][: X.shape[1]]
    f = es.frame.set_index("rel_time")
    for k, b in zip(ks, beta):
        assert f.loc[k, "estimate"] == pytest.approx(b, abs=1e-8)
    # CRV1 SE by unit with fixest's K (unit FE nested: slopes + n_years)
    Y = panel_df.y.to_numpy()
    e = Y - full @ np.linalg.lstsq(full, Y, rcond=None)[0]
    Xr = X - FE @ np.linalg.lstsq(FE, X, rcond=None)[0]
    bread = np.linalg.inv(Xr.T @ Xr)
    meat = sum(np.outer(s, s) for s in (Xr[panel_df.unit == u].T @ e[panel_df.unit == u]
                                        for u in panel_df.unit.unique()))
    N, G, K = len(panel_df), panel_df.unit.nunique(), X.shape[1] + panel_df.year.nunique()
    se = np.sqrt(np.diag(bread @ meat @ bread) * G / (G - 1) * (N - 1) / (N - K))
    for k, s in zip(ks, se):
        assert f.loc[k, "std_error"] == pytest.approx(s, rel=1e-8)
    # pre-trend Wald test of the leads
    lead_idx = [i for i, k in enumerate(ks) if k < 0]
    V = (bread @ meat @ bread * G / (G - 1) * (N - 1) / (N - K))[np.ix_(lead_idx, lead_idx)]
    b = beta[lead_idx]
    assert es.pretrend_F == pytest.approx(b @ np.linalg.solve(V, b) / len(b), rel=1e-7)
    assert es.pretrend_df == (len(b), G - 1)


def test_policy_event_study_did2s_equals_manual_two_stage(panel_df):
    leads, lags, ref = 3, 3, -1
    es = event_study(panel_df, "y", "unit", "year", "first_treated", leads=leads, lags=lags,
                     ref=ref, estimator="did2s")
    FE = _fe(panel_df)
    untreated = panel_df.treated.to_numpy() == 0
    gamma = np.linalg.lstsq(FE[untreated], panel_df.y.to_numpy()[untreated], rcond=None)[0]
    resid = panel_df.y.to_numpy() - FE @ gamma
    ks, D = _event_dummies(panel_df, leads, lags, ref)
    beta = np.linalg.lstsq(D, resid, rcond=None)[0]
    f = es.frame.set_index("rel_time")
    for k, b in zip(ks, beta):
        assert f.loc[k, "estimate"] == pytest.approx(b, abs=1e-8)
    # effects were simulated as 1 + 0.3 k (+0.2 for the first cohort): the robust lags recover them
    assert f.loc[0, "estimate"] == pytest.approx(1.1, abs=0.2)
    assert f.loc[2, "estimate"] == pytest.approx(1.7, abs=0.25)


def test_policy_event_study_saturated_single_cohort_equals_twfe():
    # with one adoption cohort and never-treated units, Sun-Abraham = dynamic TWFE
    df = simulate_panel(cohorts=(2015,), seed=4)
    sat = event_study(df, "y", "unit", "year", "first_treated", estimator="saturated")
    tw = event_study(df, "y", "unit", "year", "first_treated", estimator="twfe")
    assert sat.frame.estimate.to_numpy() == pytest.approx(tw.frame.estimate.to_numpy(), abs=1e-8)
    assert sat.frame.std_error.to_numpy()[~sat.frame.is_ref] == pytest.approx(
        tw.frame.std_error.to_numpy()[~tw.frame.is_ref], rel=1e-6)


def test_policy_event_study_saturated_restrictions(panel_df):
    with pytest.raises(InputError, match="no controls"):
        event_study(panel_df, "y", "unit", "year", "first_treated", estimator="saturated",
                    controls=["x1"])
    with pytest.raises(InputError, match="ref=-1"):
        event_study(panel_df, "y", "unit", "year", "first_treated", estimator="saturated", ref=-2)
    no_never = simulate_panel(never=0, n_units=16)
    with pytest.raises(InputError, match="never-treated"):
        event_study(no_never, "y", "unit", "year", "first_treated", estimator="saturated")


def test_policy_event_study_window_errors_and_other_reference(panel_df):
    with pytest.raises(InputError, match=r"relative periods from -6 to 5"):
        event_study(panel_df, "y", "unit", "year", "first_treated", leads=8)
    with pytest.raises(InputError, match="outside the window"):
        event_study(panel_df, "y", "unit", "year", "first_treated", leads=2, lags=2, ref=-3)
    with pytest.raises(InputError, match="estimator"):
        event_study(panel_df, "y", "unit", "year", "first_treated", estimator="cs")
    es = event_study(panel_df, "y", "unit", "year", treatment="treated", leads=4, lags=3, ref=-4)
    assert es.ref == -4 and es.frame.loc[es.frame.is_ref, "rel_time"].item() == -4
    assert "reference period: k = -4" in es.summary()


def test_policy_event_study_plot_marks_reference(panel_df):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    es = event_study(panel_df, "y", "unit", "year", "first_treated", leads=3, lags=3)
    ax = es.plot()
    texts = [t.get_text() for t in ax.texts]
    assert any("reference" in t and "k = -1" in t for t in texts)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[0] == "\u2264-3" and labels[-1] == "\u22653"
    assert "95% CI" in ax.get_legend().get_texts()[0].get_text()
    plt.close(ax.figure)


def test_policy_event_study_without_never_treated_units():
    df = simulate_panel(never=0, n_units=16)
    with pytest.warns(UserWarning, match=r"Relative periods 4, 5 were dropped.*no never-treated"):
        es = event_study(df, "y", "unit", "year", "first_treated")
    assert es.frame.set_index("rel_time").loc[[4, 5], "estimate"].isna().all()
    assert "dropped (collinear" in es.summary()
    with pytest.raises(InputError, match=r"in 2016, 2017, 2018, 2019 every unit is treated"):
        event_study(df, "y", "unit", "year", "first_treated", estimator="did2s", leads=3, lags=2)


def _lpdid_manual(df, leads, lags):
    """LP-DiD by hand: for each horizon, y[t+h] - y[t-1] on the adoption dummy + time dummies,
    newly treated units and controls not yet treated at t+h (Dube et al. 2023)."""
    df = df.sort_values(["unit", "year"]).reset_index(drop=True)
    years = np.sort(df.year.unique())
    Y = df.pivot(index="unit", columns="year", values="y").to_numpy()
    D = df.pivot(index="unit", columns="year", values="treated").to_numpy()
    n, T = Y.shape
    out = {}
    for h in [*range(-leads, -1), *range(0, lags + 1)]:
        rows_y, rows_d, rows_t = [], [], []
        for i in range(n):
            for t in range(1, T):
                if not (0 <= t + h < T):
                    continue
                new = D[i, t] == 1 and D[i, t - 1] == 0
                clean = D[i, t + h] == 0 if h >= 0 else D[i, t] == 0
                if new or clean:
                    rows_y.append(Y[i, t + h] - Y[i, t - 1])
                    rows_d.append(float(new))
                    rows_t.append(t)
        Td = (np.array(rows_t)[:, None] == np.arange(T)[None, :]).astype(float)
        Td = Td[:, Td.sum(axis=0) > 0]
        X = np.hstack([np.array(rows_d)[:, None], Td])
        out[h] = np.linalg.lstsq(X, np.array(rows_y), rcond=None)[0][0]
    return out


def test_policy_event_study_lpdid_equals_manual_local_projections(panel_df):
    es = event_study(panel_df, "y", "unit", "year", "first_treated", estimator="lpdid", leads=4,
                     lags=3)
    manual = _lpdid_manual(panel_df, 4, 3)
    f = es.frame.set_index("rel_time")
    for k, b in manual.items():
        assert f.loc[k, "estimate"] == pytest.approx(b, abs=1e-8)
    assert f.loc[-1, "is_ref"] and f.loc[-1, "estimate"] == 0


def test_policy_event_study_lpdid_needs_balanced_panel(unbalanced_df):
    with pytest.warns(UserWarning), pytest.raises(InputError, match=r"balanced panel; units U\d\d"):
        event_study(unbalanced_df, "y", "unit", "year", "first_treated", estimator="lpdid",
                    leads=2, lags=2)
