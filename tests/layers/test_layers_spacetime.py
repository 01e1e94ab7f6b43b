"""Space-time: LISA transitions and spatial Markov equal giddy's; yearly Moran equals moran()."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spatialhealth.errors import InputError
from spatialhealth.layers.autocorrelation import moran
from spatialhealth.layers.spacetime import space_time
from spatialhealth.layers.weights import build_weights

giddy = pytest.importorskip("giddy")
DATA = Path(__file__).parents[1] / "data" / "layers"


@pytest.fixture(scope="module")
def panel():
    nb = pd.read_csv(DATA / "province_neighbours.csv", dtype=str)
    nb = nb[nb.wtype == "knn4_albers"]
    w = build_weights(pd.DataFrame({"code": nb.focal_adcode.to_numpy(), "neighbour": nb.neighbour_adcode.to_numpy()}))
    h = pd.read_csv(DATA / "province_health_2020.csv", dtype={"adcode": str}).rename(columns={"adcode": "code"})
    rng = np.random.default_rng(3)
    base = np.log(h.set_index("code").loc[w.ids, "beds_10k"].to_numpy())
    frames = []
    level = base.copy()
    for year in range(2015, 2021):  # a synthetic panel around the real 2020 values
        level = level + rng.normal(0, 0.15, len(base))
        frames.append(pd.DataFrame({"code": w.ids, "year": year, "beds": np.exp(level)}))
    return pd.concat(frames, ignore_index=True), w


def test_transitions_and_spatial_markov_equal_giddy(panel):
    long, w = panel
    st = space_time(long, value="beds", weights=w, period="year", permutations=99, seed=1, k=4)
    Y = long.pivot(index="code", columns="year", values="beds").loc[w.ids].to_numpy()
    W = w.graph.to_W()
    W.transform = "r"
    lm = giddy.markov.LISA_Markov(Y, W)
    np.testing.assert_array_equal(st.lisa_transitions.to_numpy(), lm.transitions)
    sm = giddy.markov.Spatial_Markov(Y, W, k=4, m=4, fixed=True)
    np.testing.assert_array_equal(st.spatial_markov_counts, sm.T)
    np.testing.assert_allclose(np.stack([p.to_numpy() for p in st.spatial_markov.values()]), sm.P, rtol=1e-15)
    np.testing.assert_allclose(st.markov.to_numpy(), sm.p, rtol=1e-15)
    np.testing.assert_allclose(st.cutoffs[:-1], sm.cutoffs, rtol=1e-15)
    first = long[long.year == 2015]
    assert st.frame.I.iloc[0] == pytest.approx(moran(first, "beds", weights=w, permutations=0).I, rel=1e-14)
    assert len(st.lisa) == 31 * 6 and "LISA quadrant transitions" in st.summary()
    assert (st.frame[["n_HH", "n_LH", "n_LL", "n_HL", "n_ns"]].sum(axis=1) == 31).all()


def test_space_time_rejects_unbalanced_panels(panel):
    long, w = panel
    with pytest.raises(InputError, match="unbalanced"):
        space_time(long.iloc[1:], value="beds", weights=w, permutations=0)
    with pytest.raises(InputError, match="at least 2 periods"):
        space_time(long[long.year == 2015], value="beds", weights=w, permutations=0)
