"""Goodman-Bacon decomposition: weights sum to one and reproduce the TWFE coefficient."""

import warnings

import pytest
from policy_sim import simulate_panel

from spatialhealth.errors import InputError
from spatialhealth.policy import bacon_decomposition, twfe_did


@pytest.mark.parametrize("kw", [
    dict(),
    dict(cohorts=(2012, 2015, 2017), never=0, n_units=18),
    dict(cohorts=(2013, 2016, 2018), never=5, n_units=20, seed=3),
])
def test_policy_bacon_weights_reproduce_twfe(kw):
    df = simulate_panel(**kw)
    bd = bacon_decomposition(df, "y", "treated", "unit", "year")
    assert bd.frame.weight.sum() == pytest.approx(1.0, abs=1e-12)
    assert (bd.frame.weight > 0).all()
    assert bd.coef == pytest.approx(twfe_did(df, "y", "treated", "unit", "year").coef, abs=1e-10)
    n_c = len(kw.get("cohorts", (2014, 2016)))
    n_pairs = n_c * (n_c - 1) + (n_c if kw.get("never", 8) else 0)
    assert len(bd.frame) == n_pairs


def test_policy_bacon_df_het_and_a_2x2_by_hand(df_het, m09):
    bd = bacon_decomposition(df_het, "dep_var", "treat", "unit", "year")
    assert bd.coef == pytest.approx(m09["B_twfe_unit_year"]["closed_form_two_way_demeaning"],
                                    abs=1e-10)
    # the forbidden comparison: 2010 cohort vs the 2000 cohort (already treated) from 2000 on
    row = bd.frame[(bd.frame.treated == 2010) & (bd.frame.control == 2000)].iloc[0]
    d = df_het[df_het.year >= 2000]
    m = d.groupby(["g", d.year >= 2010])["dep_var"].mean()
    assert row.estimate == pytest.approx((m[2010, True] - m[2010, False])
                                         - (m[2000, True] - m[2000, False]), abs=1e-10)
    bt = bd.by_type()
    assert bt.weight.sum() == pytest.approx(1.0)
    assert "later vs earlier" in bd.summary()


def test_policy_bacon_needs_balanced_panel(unbalanced_df):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(InputError, match=r"unbalanced.*U\d\d"):
            bacon_decomposition(unbalanced_df, "y", "treated", "unit", "year")


def test_policy_bacon_plot(panel_df):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = bacon_decomposition(panel_df, "y", "treated", "unit", "year").plot()
    assert len(ax.collections) == 3
    plt.close(ax.figure)
