import numpy as np
import pandas as pd
import pytest

from spatialhealth.efficiency import synthetic_panel
from spatialhealth.efficiency.synthetic import (SYNTHETIC_INPUTS, SYNTHETIC_OUTPUTS,
                                                SYNTHETIC_UNDESIRABLE)
from spatialhealth.errors import InputError


def test_efficiency_synthetic_shape_and_labels():
    df = synthetic_panel(seed=3)
    assert df.shape[0] == 390
    assert df.groupby("code").size().eq(13).all()
    assert df["region3"].value_counts().to_dict() == {"east": 143, "west": 143, "central": 104}
    assert df.attrs["synthetic"] is True and df["synthetic"].all()
    cols = [*SYNTHETIC_INPUTS, *SYNTHETIC_OUTPUTS, *SYNTHETIC_UNDESIRABLE]
    assert (df[cols] > 0).all().all()
    # two pilot batches: 4 provinces in 2015, 7 in 2016
    batches = df.drop_duplicates("code")["first_treat"].value_counts().to_dict()
    assert batches == {0: 19, 2015: 4, 2016: 7}
    # treated is exactly year >= pilot year
    expect = (df["first_treat"] > 0) & (df["year"] >= df["first_treat"])
    assert (df["treated"] == expect.astype(int)).all()
    assert df.loc[df.first_treat == 0, "pilot_year"].isna().all()


def test_efficiency_synthetic_seeded_and_effect():
    a, b = synthetic_panel(seed=5), synthetic_panel(seed=5)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["beds"], synthetic_panel(seed=6)["beds"])
    # the reform lowers the generating inefficiency by `effect` (before clipping at 0)
    base = synthetic_panel(seed=5, effect=0.0)
    treated = a["treated"] == 1
    diff = base.loc[treated, "true_u"] - a.loc[treated, "true_u"]
    assert np.all(diff <= 0.12 + 1e-12) and np.median(diff) == pytest.approx(0.12)
    assert np.allclose(base.loc[~treated, "true_u"], a.loc[~treated, "true_u"])


def test_efficiency_synthetic_years_must_cover_pilots():
    with pytest.raises(InputError, match="2015 and 2016"):
        synthetic_panel(start_year=2015, n_years=5)


def test_efficiency_synthetic_provinces_match_regions():
    """The panel's codes, names and east/central/west agree with spatialhealth.regions."""
    from spatialhealth import regions

    prov = regions.provinces().set_index("code")
    df = synthetic_panel(seed=1).drop_duplicates("code").set_index("code")
    assert "540000" not in df.index  # Tibet left out, as in most studies
    assert set(df.index) == set(prov.index) - {"540000"}
    assert (df["province"] == prov.loc[df.index, "name_en"]).all()
    assert (df["region3"] == prov.loc[df.index, "region3"]).all()
