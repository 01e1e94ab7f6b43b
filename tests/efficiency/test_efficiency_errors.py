"""Bad input gives clear errors that name the units."""

import numpy as np
import pandas as pd
import pytest

from spatialhealth.efficiency import DEAInputError, dea, metafrontier, sbm
from spatialhealth.errors import ColumnError, InputError, InputTypeError

pytestmark = pytest.mark.filterwarnings("ignore:Some frontiers have fewer units")


@pytest.fixture
def df():
    return pd.DataFrame({
        "name": ["Anhui", "Beijing", "Chongqing", "Fujian", "Gansu", "Hebei"],
        "x1": [4.0, 6, 8, 8, 2, 5], "x2": [3.0, 3, 1, 1, 4, 2],
        "y1": [2.0, 2, 6, 6, 1, 3], "y2": [3.0, 3, 2, 1, 4, 2],
        "bad": [1.0, 2, 1, 3, 2, 1],
        "region": ["central", "east", "west", "east", "west", "east"],
        "year": [2020, 2020, 2020, 2021, 2021, 2021],
    })


def test_efficiency_error_zero_input_sbm_names_units(df):
    d = df.assign(x1=[4.0, 0, 8, 8, 2, 0])
    with pytest.raises(DEAInputError, match=r"'x1' must be strictly positive; units Beijing, Hebei have 0"):
        sbm(d, ["x1", "x2"], ["y1", "y2"], unit="name")
    # the radial models allow a zero input
    assert dea(d, ["x1", "x2"], ["y1", "y2"]).frame["efficiency"].between(0, 1).all()


def test_efficiency_error_negative(df):
    d = df.assign(x2=[3.0, -1, 1, 1, 4, 2])
    for fit in (lambda: dea(d, ["x1", "x2"], "y1", unit="name"),
                lambda: sbm(d, ["x1", "x2"], "y1", direction="observed", unit="name")):
        with pytest.raises(DEAInputError, match=r"'x2' must be non-negative; units Beijing have -1"):
            fit()


def test_efficiency_error_all_zero_outputs(df):
    d = df.assign(y1=[2.0, 2, 0, 6, 1, 3], y2=[3.0, 3, 0, 1, 4, 2])
    with pytest.raises(DEAInputError, match=r"Units Chongqing have all desirable outputs"):
        dea(d, ["x1", "x2"], ["y1", "y2"], unit="name")
    with pytest.raises(DEAInputError, match="strictly positive; units Chongqing"):
        sbm(d, ["x1", "x2"], ["y1", "y2"], unit="name")
    d2 = df.assign(x1=[0.0, 6, 8, 8, 2, 5], x2=[0.0, 3, 1, 1, 4, 2])
    with pytest.raises(DEAInputError, match="Units Anhui have all inputs equal to 0"):
        dea(d2, ["x1", "x2"], "y1", unit="name")


def test_efficiency_error_missing_and_non_numeric(df):
    d = df.assign(y2=[3.0, np.nan, 2, 1, 4, np.nan])
    with pytest.raises(DEAInputError, match=r"'y2' has missing values for units Beijing, Hebei"):
        sbm(d, "x1", ["y1", "y2"], unit="name")
    with pytest.raises(DEAInputError, match=r"missing values for units 1, 5"):  # index labels by default
        dea(d, "x1", ["y1", "y2"])
    d = df.assign(x1=["4", "6", "n/a", "8", "2", "5"])
    with pytest.raises(DEAInputError, match=r"'x1' must be numeric; units Chongqing hold n/a"):
        dea(d, "x1", "y1", unit="name")


def test_efficiency_error_columns_and_options(df):
    with pytest.raises(ColumnError, match="no column 'beds'"):
        dea(df, ["beds"], "y1")
    with pytest.raises(InputError, match="given more than once"):
        sbm(df, ["x1", "y1"], "y1")
    with pytest.raises(InputError, match="`model` must be one of 'ccr', 'bcc'; 'sbm' was given"):
        dea(df, "x1", "y1", model="sbm")
    with pytest.raises(InputError, match="`rts` must be one of"):
        sbm(df, "x1", "y1", rts="irs")
    with pytest.raises(InputTypeError):
        dea(df, [1, 2], "y1")
    with pytest.raises(InputTypeError, match="must be a pandas DataFrame"):
        dea(df.to_numpy(), "x1", "y1")


def test_efficiency_error_small_frontiers(df):
    with pytest.raises(DEAInputError, match="needs at least 2 units to build a frontier"):
        dea(df.iloc[:1], "x1", "y1")
    with pytest.raises(DEAInputError, match=r"Each frontier needs at least 2 units; these have one: central: Anhui"):
        sbm(df, "x1", "y1", by="region", unit="name")
    with pytest.warns(UserWarning, match="fewer units than inputs \\+ outputs"):
        sbm(df.iloc[:3], ["x1", "x2"], ["y1", "y2"], "bad")


def test_efficiency_error_group(df):
    d = df.assign(region=["central", "east", "west", "east", "west", "south"])
    with pytest.raises(DEAInputError, match=r"Units Hebei have group values 'south'"):
        metafrontier(d, "x1", "y1", "region", groups=["east", "central", "west"], unit="name")
    d = df.assign(region=["east", "east", None, "west", "west", "east"])
    with pytest.raises(DEAInputError, match=r"missing for units Chongqing"):
        metafrontier(d, "x1", "y1", "region", unit="name")
    with pytest.raises(DEAInputError, match=r"these have one: central: Anhui"):
        metafrontier(df, "x1", "y1", "region", unit="name")
    with pytest.raises(ColumnError, match="no column 'zone'"):
        metafrontier(df, "x1", "y1", "zone")
    with pytest.raises(InputError, match="need model='sbm'"):
        metafrontier(df.assign(region="a"), "x1", "y1", "region", "bad", model="ccr")
    # a contemporaneous group frontier with one unit in some year
    with pytest.raises(DEAInputError, match=r"these have one: central/2020: Anhui"):
        metafrontier(df, "x1", "y1", "region", time="year", unit="name")


def test_efficiency_error_direction(df):
    with pytest.raises(DEAInputError, match="Units Beijing have a direction of all zeros"):
        sbm(df, "x1", "y1", direction=np.array([[1, 1]] + [[0, 0]] + [[1, 1]] * 4), unit="name")
    with pytest.raises(DEAInputError, match="units Anhui have missing or negative"):
        sbm(df, "x1", "y1", direction=np.array([[-1, 1]] + [[1, 1]] * 5), unit="name")
    with pytest.raises(InputError, match="missing: y1"):
        sbm(df, "x1", "y1", direction={"x1": 1.0})
    with pytest.raises(InputTypeError, match="shape"):
        sbm(df, "x1", "y1", direction=np.ones((6, 3)))
    with pytest.raises(InputError, match="`direction` must be one of"):
        sbm(df, "x1", "y1", direction="own")


def test_efficiency_inputs_not_modified(df):
    before = df.copy()
    sbm(df, ["x1", "x2"], ["y1", "y2"], "bad", by="year")
    metafrontier(df.assign(region="a"), "x1", "y1", "region")
    pd.testing.assert_frame_equal(df, before)


def test_efficiency_error_highspy_missing(df, monkeypatch):
    from spatialhealth.efficiency import _lp

    monkeypatch.setattr(_lp, "have_highspy", lambda: False)
    with pytest.raises(InputError, match="needs the optional package highspy"):
        sbm(df, "x1", "y1", method="highspy")
    # "auto" falls back to the scipy block method
    auto = sbm(df, "x1", "y1", method="auto").frame["efficiency"]
    np.testing.assert_allclose(auto, sbm(df, "x1", "y1", method="unit").frame["efficiency"], atol=1e-9)
    with pytest.raises(InputError, match="`method` must be one of"):
        dea(df, "x1", "y1", method="simplex")
