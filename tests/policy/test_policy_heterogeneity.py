"""Heterogeneity by groups and the TWFE / robust comparison."""

import numpy as np
import pandas as pd
import pytest

from spatialhealth.errors import InputError
from spatialhealth.policy import compare_estimators, did2s, heterogeneity, twfe_did


def test_policy_heterogeneity_split_equals_subset_regressions(panel_df):
    het = heterogeneity(panel_df, "y", "treated", "unit", "year", by="region", controls=["x1"])
    assert het.frame.group.tolist() == ["central", "east", "west"]
    for r in het.frame.itertuples():
        sub = panel_df[panel_df.region == r.group]
        ref = twfe_did(sub, "y", "treated", "unit", "year", controls=["x1"])
        assert r.estimate == pytest.approx(ref.coef, abs=1e-12)
        assert r.std_error == pytest.approx(ref.se, rel=1e-12)
        assert r.n_units == sub.unit.nunique()
    b, s = het.frame.estimate.to_numpy(), het.frame.std_error.to_numpy()
    w = 1 / s ** 2
    assert het.equal_stat == pytest.approx(np.sum(w * (b - np.sum(w * b) / w.sum()) ** 2))
    assert het.equal_df == (2,)


def test_policy_heterogeneity_interaction_equals_dense_regression(panel_df):
    het = heterogeneity(panel_df, "y", "treated", "unit", "year", by="region", method="interaction")
    groups = sorted(panel_df.region.unique())
    D = np.column_stack([panel_df.treated * (panel_df.region == g) for g in groups]).astype(float)
    U = pd.get_dummies(panel_df.unit).to_numpy(float)
    T = pd.get_dummies(panel_df.year, drop_first=True).to_numpy(float)
    beta = np.linalg.lstsq(np.hstack([D, U, T]), panel_df.y.to_numpy(), rcond=None)[0][:3]
    assert het.frame.estimate.to_numpy() == pytest.approx(beta, abs=1e-8)
    assert het.equal_df[0] == 2 and 0 <= het.equal_pvalue <= 1


def test_policy_heterogeneity_median_split_uses_baseline(panel_df):
    het = heterogeneity(panel_df, "y", "treated", "unit", "year", median_of="x2", estimator="did2s")
    base = panel_df.sort_values("year").groupby("unit")["x2"].first()
    above = base > base.median()
    f = het.frame.set_index("group")
    assert f.loc["above median x2", "n_units"] == above.sum()
    assert f.loc["at/below median x2", "n_units"] == (~above).sum()
    sub = panel_df[panel_df.unit.isin(above.index[above])]
    ref = did2s(sub, "y", "treated", "unit", "year")
    assert f.loc["above median x2", "estimate"] == pytest.approx(ref.coef, abs=1e-12)
    assert "median of x2" in het.grouping


def test_policy_heterogeneity_group_without_treated_units(panel_df):
    df = panel_df.assign(grp=np.where(panel_df.first_treated == 0, "never", "pilot"))
    df.loc[df.unit.isin(["U20", "U21", "U22", "U23"]), "grp"] = "pilot"
    het = heterogeneity(df, "y", "treated", "unit", "year", by="grp")
    never = het.frame.set_index("group").loc["never"]
    assert np.isnan(never.estimate) and never.note == "no treated units"


def test_policy_heterogeneity_bad_arguments(panel_df):
    with pytest.raises(InputError, match="exactly one of `group`"):
        heterogeneity(panel_df, "y", "treated", "unit", "year")
    bad = panel_df.assign(region=np.where(panel_df.year > 2015, "east", panel_df.region))
    with pytest.raises(InputError, match="constant within a unit"):
        heterogeneity(bad, "y", "treated", "unit", "year", by="region")
    with pytest.raises(InputError, match="interaction"):
        heterogeneity(panel_df, "y", "treated", "unit", "year", by="region", method="interaction",
                      estimator="did2s")


def test_policy_compare_estimators_side_by_side(panel_df):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cmp = compare_estimators(panel_df, "y", "unit", "year", "first_treated", leads=3, lags=3,
                             controls=["x1"])
    f = cmp.frame.set_index("estimator")
    assert f.loc["twfe", "estimate"] == pytest.approx(
        twfe_did(panel_df, "y", unit="unit", time="year", first_treated="first_treated",
                 controls=["x1"]).coef, abs=1e-12)
    assert f.loc["did2s", "estimate"] == pytest.approx(
        did2s(panel_df, "y", "treated", "unit", "year", controls=["x1"]).coef, abs=1e-12)
    # growing effects: TWFE (forbidden comparisons) is pulled below the robust ATT,
    # and did2s is close to the simulated mean effect on treated observations
    t = panel_df[panel_df.treated == 1]
    att = np.mean(1 + 0.3 * (t.year - t.first_treated) + 0.2 * (t.first_treated == 2014))
    assert abs(f.loc["did2s", "estimate"] - att) < abs(f.loc["twfe", "estimate"] - att)
    assert set(cmp.event_frame.estimator) == {"twfe", "did2s"}
    assert "reference period k = -1" in cmp.summary()
    ax = cmp.plot()
    assert len(ax.get_legend().get_texts()) == 2
    plt.close(ax.figure)


def test_policy_heterogeneity_group_not_identified_is_reported_not_fatal(panel_df):
    df = panel_df.assign(grp=panel_df.region)
    df.loc[df.first_treated == 2016, "grp"] = "late"  # every unit of the group adopts in 2016
    het = heterogeneity(df, "y", "treated", "unit", "year", by="grp", estimator="did2s")
    late = het.frame.set_index("group").loc["late"]
    assert np.isnan(late.estimate) and "every unit is treated" in late.note
    assert het.frame.estimate.notna().sum() == 3
