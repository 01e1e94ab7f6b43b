"""Panel validation: every bad input raises an error that names the units."""

import numpy as np
import pandas as pd
import pytest

from spatialhealth.errors import ColumnError, InputError
from spatialhealth.policy import UnbalancedPanelWarning, event_study, twfe_did
from spatialhealth.policy._panel import prepare_panel


def test_policy_panel_relative_time_and_cohorts(panel_df):
    p = prepare_panel(panel_df, "y", "unit", "year", first_treated="first_treated")
    coh = p.cohorts()
    assert coh["first_treated"].tolist()[:2] == [2014.0, 2016.0]
    assert coh["n_units"].tolist() == [8, 8, 8]
    assert np.isnan(coh["first_treated"].iloc[2])
    d = p.data
    # relative time is year - adoption year on a yearly panel
    treated = panel_df["first_treated"] > 0
    assert np.array_equal(d.loc[treated, "rel"], (panel_df.year - panel_df.first_treated)[treated])
    assert d.loc[~treated, "rel"].isna().all()
    assert np.array_equal(d["d"].to_numpy(), panel_df["treated"].to_numpy(dtype=float))
    # the dummy coding gives the same panel
    q = prepare_panel(panel_df, "y", "unit", "year", treatment="treated")
    assert np.array_equal(q.unit_g, p.unit_g)
    assert p.balanced


def test_policy_panel_unbalanced_warns_naming_units(unbalanced_df):
    with pytest.warns(UnbalancedPanelWarning, match=r"unbalanced.*U\d\d: 20\d\d"):
        prepare_panel(unbalanced_df, "y", "unit", "year", treatment="treated")
    with pytest.raises(InputError, match=r"unbalanced.*U\d\d"):
        prepare_panel(unbalanced_df, "y", "unit", "year", treatment="treated", balance="raise")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        prepare_panel(unbalanced_df, "y", "unit", "year", treatment="treated", balance="ignore")


def test_policy_panel_switching_off_names_units(panel_df):
    df = panel_df.copy()
    df.loc[(df.unit == "U00") & (df.year == 2018), "treated"] = 0
    with pytest.raises(InputError, match=r"switches off for units U00 \(in 2018\)"):
        twfe_did(df, "y", "treated", "unit", "year")


def test_policy_panel_non_binary_treatment(panel_df):
    df = panel_df.copy()
    df.loc[(df.unit == "U03") & (df.year == 2019), "treated"] = 2
    with pytest.raises(InputError, match=r"binary.*U03.*\(2\)"):
        twfe_did(df, "y", "treated", "unit", "year")


def test_policy_panel_missing_values_name_unit_and_year(panel_df):
    df = panel_df.copy()
    df.loc[(df.unit == "U05") & (df.year == 2012), "y"] = np.nan
    with pytest.raises(InputError, match=r"'y' has missing.*U05 \(2012\)"):
        twfe_did(df, "y", "treated", "unit", "year")
    df = panel_df.copy()
    df.loc[(df.unit == "U07") & (df.year == 2013), "treated"] = np.nan
    with pytest.raises(InputError, match=r"missing values for unit \(time\) U07 \(2013\)"):
        twfe_did(df, "y", "treated", "unit", "year")
    df = panel_df.copy()
    df.loc[3, "x1"] = np.nan
    with pytest.raises(InputError, match=r"'x1' has missing.*U00 \(2013\)"):
        twfe_did(df, "y", "treated", "unit", "year", controls=["x1"])


def test_policy_panel_dates_outside_the_panel(panel_df):
    df = panel_df.copy()
    df.loc[df.unit == "U01", "first_treated"] = 2005
    with pytest.raises(InputError, match=r"U01 were treated before the panel starts \(2010\)"):
        event_study(df, "y", "unit", "year", "first_treated")
    df = panel_df.copy()
    df.loc[df.unit == "U02", "first_treated"] = 2030
    with pytest.raises(InputError, match=r"U02 have adoption dates after the panel ends \(2019\)"):
        event_study(df, "y", "unit", "year", "first_treated")
    df = panel_df[panel_df.year != 2014].copy()  # 2014 no longer a period of the panel
    with pytest.raises(InputError, match=r"U00, U02.*not periods of the panel"):
        event_study(df, "y", "unit", "year", "first_treated")


def test_policy_panel_always_treated_and_inconsistent_dates(panel_df):
    df = panel_df.copy()
    df.loc[df.unit == "U04", "treated"] = 1
    with pytest.raises(InputError, match=r"U04 are treated from their first observed period"):
        twfe_did(df, "y", "treated", "unit", "year")
    df = panel_df.copy()
    df.loc[(df.unit == "U06") & (df.year == 2011), "first_treated"] = 2016
    with pytest.raises(InputError, match=r"constant within a unit.*U06"):
        event_study(df, "y", "unit", "year", "first_treated")


def test_policy_panel_duplicates_keys_and_arguments(panel_df):
    df = pd.concat([panel_df, panel_df[panel_df.unit == "U09"].head(1)])
    with pytest.raises(InputError, match=r"once per period; units U09"):
        twfe_did(df, "y", "treated", "unit", "year")
    with pytest.raises(ColumnError, match="'nope'"):
        twfe_did(panel_df, "nope", "treated", "unit", "year")
    with pytest.raises(InputError, match="exactly one of `treatment`"):
        prepare_panel(panel_df, "y", "unit", "year")
    with pytest.raises(InputError, match="No unit is ever treated"):
        twfe_did(panel_df.assign(treated=0), "y", "treated", "unit", "year")
    df = panel_df.copy()
    df["year"] = df["year"] + 0.5
    with pytest.raises(InputError, match="whole periods"):
        twfe_did(df, "y", "treated", "unit", "year")


def test_policy_panel_missing_or_wrong_column_arguments(panel_df):
    from spatialhealth.errors import InputTypeError

    with pytest.raises(InputError, match="`unit` is required"):
        twfe_did(panel_df, "y", "treated")
    with pytest.raises(InputTypeError, match="`unit` must be a column name; list"):
        twfe_did(panel_df, "y", "treated", ["unit"], "year")
