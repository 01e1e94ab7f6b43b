"""Property-based checks of DEA: random positive data never crashes, scores stay in (0, 1],
some unit is on the frontier, row order and units of measurement do not matter."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spatialhealth import efficiency
from spatialhealth.errors import SpatialHealthError

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def units(draw):
    n = draw(st.integers(5, 14))
    seed = draw(st.integers(0, 10_000))
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "x1": rng.uniform(1, 100, n), "x2": rng.uniform(1, 100, n),
        "y1": rng.uniform(1, 100, n), "y2": rng.uniform(1, 100, n), "b1": rng.uniform(1, 50, n),
    }, index=[f"u{i}" for i in range(n)])
    return df, list(draw(st.permutations(range(n)))), draw(st.floats(0.001, 1000))


@SETTINGS
@given(units())
def test_scores_in_range_frontier_and_invariances(data):
    df, perm, scale = data
    before = df.copy()
    for res in (efficiency.dea(df, ["x1", "x2"], ["y1", "y2"], model="ccr"),
                efficiency.dea(df, ["x1", "x2"], ["y1", "y2"], model="bcc"),
                efficiency.sbm(df, ["x1", "x2"], ["y1", "y2"], undesirable=["b1"])):
        eff = res.frame["efficiency"].to_numpy()
        assert np.all(eff > 0) and np.all(eff <= 1 + 1e-9)
        assert np.isclose(eff.max(), 1.0, atol=1e-7)
    ccr = efficiency.dea(df, ["x1", "x2"], ["y1", "y2"], model="ccr").frame["efficiency"]
    bcc = efficiency.dea(df, ["x1", "x2"], ["y1", "y2"], model="bcc").frame["efficiency"]
    sbm = efficiency.sbm(df, ["x1", "x2"], ["y1", "y2"]).frame["efficiency"]
    assert np.all(bcc.to_numpy() >= ccr.to_numpy() - 1e-7)  # VRS envelops CRS
    assert np.all(sbm.to_numpy() <= ccr.to_numpy() + 1e-7)  # SBM <= CCR (Tone 2001)
    shuffled = efficiency.dea(df.iloc[perm], ["x1", "x2"], ["y1", "y2"]).frame["efficiency"]
    np.testing.assert_allclose(shuffled.to_numpy(), ccr.to_numpy()[perm], atol=1e-7)
    rescaled = efficiency.sbm(df.assign(x1=df.x1 * scale), ["x1", "x2"], ["y1", "y2"]).frame["efficiency"]
    np.testing.assert_allclose(rescaled.to_numpy(), sbm.to_numpy(), atol=1e-6)
    pd.testing.assert_frame_equal(df, before)


@SETTINGS
@given(units(), st.sampled_from([0.0, -1.0, np.nan, "x"]), st.integers(0, 4))
def test_invalid_inputs_raise_our_errors(data, bad, row):
    df, _, _ = data
    df = df.astype({"x1": object})
    df.iloc[row, 0] = bad
    with pytest.raises(SpatialHealthError):
        efficiency.sbm(df, ["x1", "x2"], ["y1", "y2"])
