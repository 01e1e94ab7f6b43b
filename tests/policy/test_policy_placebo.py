"""Placebo test: exact fast refits vs pyfixest, reproducibility, permutation structure."""

import warnings

import numpy as np
import pytest

from spatialhealth.errors import InputError
from spatialhealth.policy import placebo_test


def _refit(df, result, draw, controls=()):
    import pyfixest as pf

    ft = df["unit"].map(result.assignment(draw))
    dd = df.assign(placebo=((df["year"] >= ft) & ft.notna()).astype(float))
    rhs = " + ".join(["placebo", *controls])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pf.feols(f"y ~ {rhs} | unit + year", data=dd).coef()["placebo"]


@pytest.mark.parametrize("controls", [(), ("x1", "x2")])
def test_policy_placebo_draws_equal_pyfixest_refits(panel_df, controls):
    res = placebo_test(panel_df, "y", "treated", "unit", "year", controls=controls, n=30, seed=11)
    for draw in (0, 7, 19, 29):
        assert res.estimates[draw] == pytest.approx(_refit(panel_df, res, draw, controls), abs=1e-8)


def test_policy_placebo_exact_on_unbalanced_panel(unbalanced_df):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = placebo_test(unbalanced_df, "y", "treated", "unit", "year", controls=["x2"], n=10,
                           seed=3)
    for draw in range(4):
        assert res.estimates[draw] == pytest.approx(_refit(unbalanced_df, res, draw, ["x2"]),
                                                    abs=1e-8)


def test_policy_placebo_reproducible_and_keeps_cohort_sizes(panel_df):
    a = placebo_test(panel_df, "y", "treated", "unit", "year", n=50, seed=2024)
    b = placebo_test(panel_df, "y", "treated", "unit", "year", n=50, seed=2024)
    c = placebo_test(panel_df, "y", "treated", "unit", "year", n=50, seed=2025)
    assert np.array_equal(a.estimates, b.estimates)
    assert not np.array_equal(a.estimates, c.estimates)
    real = panel_df.groupby("unit")["first_treated"].first().replace(0, np.nan)
    want = real.value_counts(dropna=False).sort_index()
    for draw in range(50):
        got = a.assignment(draw).value_counts(dropna=False).sort_index()
        assert got.to_numpy().tolist() == want.to_numpy().tolist()
    # the draws do reassign: most draws differ from the real design
    changed = [not a.assignment(d).fillna(0).equals(real.fillna(0).astype(float)) for d in range(50)]
    assert sum(changed) >= 45


def test_policy_placebo_strata_keep_each_region_composition(panel_df):
    res = placebo_test(panel_df, "y", "treated", "unit", "year", n=40, seed=5, strata="region")
    region = panel_df.groupby("unit")["region"].first()
    real = panel_df.groupby("unit")["first_treated"].first()
    for draw in range(40):
        a = res.assignment(draw).fillna(0)
        for r in region.unique():
            units = region.index[region == r]
            assert sorted(a[units]) == sorted(real[units].astype(float))
    bad = panel_df.assign(region=np.where(panel_df.year == 2015, "x", panel_df.region))
    with pytest.raises(InputError, match="constant within a unit"):
        placebo_test(bad, "y", "treated", "unit", "year", n=5, strata="region")


def test_policy_placebo_shares_and_real_estimate(panel_df):
    from spatialhealth.policy import twfe_did

    res = placebo_test(panel_df, "y", "treated", "unit", "year", n=200, seed=1)
    real = twfe_did(panel_df, "y", "treated", "unit", "year").coef
    assert res.observed == pytest.approx(real, abs=1e-12)
    e = res.estimates
    assert res.p_two_sided == np.mean(np.abs(e) >= abs(real))
    assert res.p_one_sided == (np.mean(e >= real) if real >= 0 else np.mean(e <= real))
    assert res.p_two_sided_plus1 == (np.sum(np.abs(e) >= abs(real)) + 1) / 201
    # a large simulated effect is far outside the placebo distribution
    assert res.p_two_sided == 0.0 and abs(res.mean) < 0.2 * abs(real)
    # with no effect the real estimate sits inside the distribution
    null = panel_df.assign(y=panel_df.y - panel_df.treated * (1 + 0.3 * (panel_df.year - panel_df.first_treated)
                                                             + 0.2 * (panel_df.first_treated == 2014)))
    res0 = placebo_test(null, "y", "treated", "unit", "year", n=200, seed=1)
    assert 0.05 < res0.p_two_sided <= 1.0
    assert res.frame.shape == (200, 2)
    assert "shuffled across units" in res.summary() and "cohort sizes kept" in res.permuted


def test_policy_placebo_df_het_matches_reference_properties(df_het, m09):
    v = m09["E_placebo_random_reassignment"]
    res = placebo_test(df_het, "dep_var", "treat", "unit", "year", n=200, seed=20240101)
    assert res.observed == pytest.approx(v["b_true"], abs=1e-8)
    assert res.p_two_sided == 0.0
    assert abs(res.mean) < 0.01
    # the placebo sd of the reference run was 0.040; ours from 200 draws agrees within MC error
    assert res.sd == pytest.approx(v["placebo_sd"], rel=0.2)


def test_policy_placebo_plot_and_bad_n(panel_df):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    res = placebo_test(panel_df, "y", "treated", "unit", "year", n=50, seed=1)
    ax = res.plot()
    lines = [ln for ln in ax.get_lines() if ln.get_xdata()[0] == res.observed]
    assert lines, "the real estimate is drawn as a vertical line"
    plt.close(ax.figure)
    with pytest.raises(InputError, match="n"):
        placebo_test(panel_df, "y", "treated", "unit", "year", n=0)


def test_policy_placebo_timing_equals_manual_regression(panel_df):
    from spatialhealth.policy import placebo_timing, twfe_did

    res = placebo_timing(panel_df, "y", "treated", "unit", "year", shift=2, controls=["x1"])
    pre = panel_df[panel_df.treated == 0].copy()
    pre["fake"] = ((pre.first_treated > 0) & (pre.year >= pre.first_treated - 2)).astype(int)
    ref = twfe_did(pre, "y", "fake", "unit", "year", controls=["x1"])
    assert res.coef == pytest.approx(ref.coef, abs=1e-12)
    assert res.se == pytest.approx(ref.se, rel=1e-12)
    assert res.nobs == len(pre) and "2 periods early" in res.treatment
    # the simulation has no anticipation: the placebo effect is small next to the real one
    assert abs(res.coef) < 0.25
    with pytest.raises(InputError, match=r"without a period before the placebo adoption"):
        placebo_timing(panel_df, "y", "treated", "unit", "year", shift=5)
