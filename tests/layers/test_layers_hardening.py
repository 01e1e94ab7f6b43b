"""Property-based checks of Moran/LISA: the order of the values does not matter (they are
matched to the weights by code), results are reproducible for a seed, quadrants and p-values
stay in range, and bad values raise our own errors."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spatialhealth import datasets
from spatialhealth.errors import SpatialHealthError
from spatialhealth.layers.autocorrelation import lisa, moran
from spatialhealth.layers.weights import build_weights

SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
W = build_weights(datasets.load_province_neighbours("knn4"), kind="table")
CODES = sorted(datasets.load_province_centroids().code)


@st.composite
def values(draw):
    x = draw(st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=31, max_size=31).filter(
        lambda v: np.ptp(v) > 1e-6))
    perm = draw(st.permutations(range(31)))
    return pd.Series(x, index=CODES), list(perm)


@SETTINGS
@given(values(), st.integers(0, 2**31 - 1))
def test_moran_order_free_and_seeded(data, seed):
    s, perm = data
    a = moran(s, W, permutations=49, seed=seed)
    b = moran(s.iloc[perm], W, permutations=49, seed=seed)
    assert a.I == pytest.approx(b.I, abs=1e-12) and a.p_sim == b.p_sim
    assert -1.5 < a.I < 1.5 and 0 < a.p_norm <= 1 and 0 < a.p_sim <= 1


@SETTINGS
@given(values(), st.integers(0, 2**31 - 1))
def test_lisa_order_free_and_in_range(data, seed):
    s, perm = data
    a = lisa(s, W, permutations=49, seed=seed).frame.set_index("code").sort_index()
    b = lisa(s.iloc[perm], W, permutations=49, seed=seed).frame.set_index("code").sort_index()
    np.testing.assert_allclose(a.Ii.to_numpy(), b.Ii.to_numpy(), atol=1e-10)
    assert (a.quadrant == b.quadrant).all()
    assert a.p_sim.between(0, 1).all() and set(a.cluster) <= {"HH", "LH", "LL", "HL", "ns"}
    assert ((a.cluster == "ns") | (a.cluster == a.quadrant)).all()


@SETTINGS
@given(values(), st.sampled_from([np.nan, "x", None]), st.integers(0, 30))
def test_bad_values_raise_our_errors(data, bad, i):
    s, _ = data
    s = s.astype(object)
    s.iloc[i] = bad
    with pytest.raises(SpatialHealthError):
        moran(s, W, permutations=0)
    with pytest.raises(SpatialHealthError):
        lisa(s, W, permutations=0)


def test_constant_and_unknown_codes():
    with pytest.raises(SpatialHealthError):
        moran(pd.Series(1.0, index=CODES), W, permutations=0)
    with pytest.raises(SpatialHealthError):
        lisa(pd.Series(np.arange(31.0), index=["x" + c for c in CODES]), W, permutations=0)
