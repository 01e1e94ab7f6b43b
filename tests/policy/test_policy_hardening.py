"""Property-based checks of the DiD estimators: row order never matters, the TWFE estimate of
a noiseless constant effect is exact, and malformed panels raise our own errors."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spatialhealth import policy
from spatialhealth.errors import SpatialHealthError

SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def panels(draw):
    n_units = draw(st.integers(6, 12))
    years = list(range(2010, 2010 + draw(st.integers(5, 8))))
    effect = draw(st.floats(-3, 3))
    rng = np.random.default_rng(draw(st.integers(0, 1000)))
    adopt = {u: rng.choice([0, years[2], years[3]]) for u in range(n_units)}
    adopt[0], adopt[1] = 0, years[2]  # at least one never-treated and one treated unit
    rows = []
    alpha = rng.normal(size=n_units)
    gamma = rng.normal(size=len(years))
    for u in range(n_units):
        for t, year in enumerate(years):
            d = int(adopt[u] != 0 and year >= adopt[u])
            rows.append({"unit": f"p{u}", "year": year, "d": d, "y": alpha[u] + gamma[t] + effect * d})
    return pd.DataFrame(rows), effect, list(draw(st.permutations(range(n_units * len(years)))))


@SETTINGS
@given(panels())
def test_twfe_exact_without_noise_and_order_free(data):
    df, effect, perm = data
    res = policy.twfe_did(df, "y", "d", "unit", "year")
    assert res.coef == pytest.approx(effect, abs=1e-8)
    assert policy.twfe_did(df.iloc[perm], "y", "d", "unit", "year").coef == pytest.approx(res.coef, abs=1e-10)


@SETTINGS
@given(panels(), st.sampled_from(["nan_outcome", "treatment_2", "switch_off", "missing_unit"]))
def test_malformed_panels_raise_our_errors(data, defect):
    df, _, _ = data
    df = df.copy()
    if defect == "nan_outcome":
        df.loc[3, "y"] = np.nan
    elif defect == "treatment_2":
        df.loc[df.d == 1, "d"] = 2
    elif defect == "switch_off":
        treated = df[df.d == 1].unit.iloc[0]
        last = df[df.unit == treated].index[-1]
        df.loc[last, "d"] = 0
    else:
        df.loc[0, "unit"] = None
    with pytest.raises(SpatialHealthError):
        policy.twfe_did(df, "y", "d", "unit", "year")
