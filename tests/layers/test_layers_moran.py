"""Global Moran's I: esda agreement and an independent Cliff–Ord implementation."""

from __future__ import annotations

from pathlib import Path

import esda
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from spatialhealth.errors import InputError
from spatialhealth.layers.autocorrelation import moran, moran_bv, moran_panel
from spatialhealth.layers.weights import build_weights

DATA = Path(__file__).parents[1] / "data" / "layers"
VARS = ["institutions", "personnel_10k", "beds_10k", "health_exp"]


@pytest.fixture(scope="module")
def health():
    h = pd.read_csv(DATA / "province_health_2020.csv", dtype={"adcode": str})
    return h.rename(columns={"adcode": "code"})


@pytest.fixture(scope="module", params=["queen_W", "knn4_albers"])
def weights(request):
    nb = pd.read_csv(DATA / "province_neighbours.csv", dtype=str)
    nb = nb[nb.wtype == request.param]
    c = pd.read_csv(DATA / "provinces31_centroids.csv", dtype={"adcode": str})
    c = c.rename(columns={"adcode": "code", "x_albers": "x", "y_albers": "y"})
    t = pd.DataFrame({"code": nb.focal_adcode.to_numpy(), "neighbour": nb.neighbour_adcode.to_numpy()})
    return build_weights(t, ids=c.code, coordinates=c)


def cliff_ord(y, W):
    """Moran's I and its moments under normality and randomisation (Cliff & Ord 1981)."""
    n = len(y)
    z = y - y.mean()
    S0 = W.sum()
    S1 = 0.5 * ((W + W.T) ** 2).sum()
    S2 = ((W.sum(1) + W.sum(0)) ** 2).sum()
    I = n / S0 * (z @ W @ z) / (z @ z)  # noqa: E741
    EI = -1 / (n - 1)
    v_norm = (n**2 * S1 - n * S2 + 3 * S0**2) / (S0**2 * (n**2 - 1)) - EI**2
    b2 = n * (z**4).sum() / (z @ z) ** 2
    v_rand = (n * ((n**2 - 3 * n + 3) * S1 - n * S2 + 3 * S0**2) - b2 * ((n**2 - n) * S1 - 2 * n * S2 + 6 * S0**2)) / (
        (n - 1) * (n - 2) * (n - 3) * S0**2) - EI**2
    zn = (I - EI) / np.sqrt(v_norm)
    zr = (I - EI) / np.sqrt(v_rand)
    return dict(I=I, EI=EI, VI_norm=v_norm, VI_rand=v_rand, z_norm=zn, z_rand=zr,
                p_norm=2 * stats.norm.sf(abs(zn)), p_rand=2 * stats.norm.sf(abs(zr)))


@pytest.mark.parametrize("var", VARS)
def test_moran_equals_esda_and_cliff_ord(health, weights, var):
    y = health.set_index("code")[var].astype(float)
    res = moran(health, weights, permutations=99, seed=3, column=var)
    yy = y.loc[weights.ids].to_numpy()
    from spatialhealth._random import seed_int

    np.random.seed(seed_int(3))
    ref = esda.Moran(yy, weights.graph, permutations=99)
    for a in ("I", "EI", "VI_norm", "z_norm", "p_norm", "VI_rand", "z_rand", "p_rand", "p_sim", "z_sim"):
        assert getattr(res, a) == getattr(ref, a), a
    co = cliff_ord(yy, weights.graph.sparse.toarray())
    for a, v in co.items():
        assert getattr(res, a) == pytest.approx(v, rel=1e-10, abs=1e-14), a


def test_moran_known_sign_and_folded_p(weights):
    ids = weights.ids
    # a north-south gradient of latitude is strongly autocorrelated
    c = pd.read_csv(DATA / "provinces31_centroids.csv", dtype={"adcode": str}).set_index("adcode")
    res = moran(c.lat.rename("lat"), weights, permutations=999, seed=1)
    assert res.I > 0.5 and res.p_sim == pytest.approx(0.001) and res.p_norm < 1e-6
    # the folded pseudo p is one-sided toward the observed tail: never above 0.5
    rng = np.random.default_rng(0)
    for _ in range(5):
        r = moran(pd.Series(rng.normal(size=31), index=ids), weights, permutations=199, seed=int(rng.integers(1e6)))
        assert 0 < r.p_sim <= 0.5 + 1 / 200
    # same seed, same answer; global RNG state restored
    state = np.random.get_state()[1].copy()
    a = moran(c.lon.rename("lon"), weights, seed=5)
    b = moran(c.lon.rename("lon"), weights, seed=5)
    assert a.p_sim == b.p_sim
    assert np.array_equal(np.random.get_state()[1], state)
    assert "folded permutation pseudo p" in a.summary()


def test_moran_panel_one_row_per_year(health, weights):
    long = pd.concat([health.assign(year=2020), health.assign(year=2021, beds_10k=health.beds_10k[::-1].to_numpy())])
    pan = moran_panel(long, "beds_10k", weights, permutations=0)
    assert pan.frame.year.tolist() == [2020, 2021]
    assert pan.frame.I.iloc[0] == pytest.approx(moran(health, weights, permutations=0, column="beds_10k").I)
    rev = health.assign(beds_10k=health.beds_10k[::-1].to_numpy())
    assert pan.frame.I.iloc[1] == pytest.approx(moran(rev, weights, permutations=0, column="beds_10k").I)
    with pytest.raises(InputError, match="no value for units"):
        moran_panel(long[long.code != "110000"], "beds_10k", weights, permutations=0)


def test_moran_bv_equals_esda_and_formula(health, weights):
    from spatialhealth._random import seed_int

    h = health.set_index("code").loc[weights.ids]
    res = moran_bv("beds_10k", "personnel_10k", weights, permutations=99, seed=4, data=health)
    np.random.seed(seed_int(4))
    ref = esda.Moran_BV(h.beds_10k.to_numpy(float), h.personnel_10k.to_numpy(float), weights.graph, permutations=99)
    assert res.I == ref.I and res.p_sim == ref.p_sim and res.z_sim == ref.z_sim
    zx = (h.beds_10k - h.beds_10k.mean()) / h.beds_10k.std(ddof=0)
    zy = (h.personnel_10k - h.personnel_10k.mean()) / h.personnel_10k.std(ddof=0)
    W = weights.graph.sparse.toarray()
    assert res.I == pytest.approx(zx.to_numpy() @ W @ zy.to_numpy() / len(zx), rel=1e-12)


def test_moran_bad_inputs(health, weights):
    h = health.copy()
    before = h.copy()
    with pytest.raises(InputError, match="constant"):
        moran(h.assign(k=1.0), weights, column="k")
    with pytest.raises(InputError, match="missing values"):
        moran(h.assign(k=[np.nan] + [1.0] * 30), weights, column="k")
    with pytest.raises(InputError, match="must be numeric"):
        moran(h.assign(k=["x"] + [1.0] * 30), weights, column="k")
    with pytest.raises(InputError, match="must be unique"):
        moran(pd.concat([h, h.iloc[:1]]), weights, column="beds_10k")
    with pytest.raises(InputError, match="31 units"):
        moran(np.arange(30.0), weights)
    with pytest.raises(InputError, match="pass `column`"):
        moran(h, weights)
    with pytest.raises(InputError, match="not in the weights"):
        moran(pd.concat([h, h.iloc[:1].assign(code="999999")]), weights, column="beds_10k")
    pd.testing.assert_frame_equal(h, before)
