"""Moran, LISA and Gi* on grids: checked against esda with libpysal lattice weights on a crop."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from spatialhealth.layers.local import getis_ord
from spatialhealth.layers.raster import (
    RASTER_CLASS_NODATA,
    grid_weights,
    raster_getis_ord,
    raster_lisa,
    raster_moran,
    read_band,
    write_array,
)


def field(h=30, w=40, seed=0):
    rng = np.random.default_rng(seed)
    base = np.add.outer(np.sin(np.linspace(0, 3, h)), np.cos(np.linspace(0, 4, w))) + 3
    g = base + rng.normal(scale=0.5, size=(h, w))
    g[3:6, 10:14] = np.nan  # a nodata hole
    g[0, 0] = np.nan
    return g


def lattice_w(valid, rook=True):
    """Libpysal's lattice weights (the builder behind its raster weights) with nodata cells removed."""
    from libpysal.weights import lat2W, w_subset

    h, w = valid.shape
    full = lat2W(h, w, rook=rook)
    keep = [i for i in full.id_order if valid.ravel()[i]]
    sub = w_subset(full, keep, silence_warnings=True)
    sub.transform = "r"
    return sub


@pytest.mark.parametrize("contiguity", ["rook", "queen"])
def test_grid_weights_equal_libpysal_lattice(contiguity):
    g = field()
    valid = np.isfinite(g)
    W, flat = grid_weights(valid, contiguity)
    ref = lattice_w(valid, rook=contiguity == "rook")
    R = ref.sparse.tocsr()
    R.sort_indices()
    assert (W != R).nnz == 0 and len(flat) == valid.sum()


@pytest.mark.slow
def test_raster_moran_and_lisa_equal_esda_on_a_crop(tmp_path):
    """Calls esda's Moran_Local (its numba code compiles for a minute on first use)."""
    import esda

    g = field()
    valid = np.isfinite(g)
    path = write_array(tmp_path / "g.tif", np.where(valid, g, -9999.0), bounds=(100, 20, 104, 23), crs="EPSG:4326",
                       nodata=-9999.0)  # non-square pixels (0.1 x 0.1 degrees here, 0.1 x 0.1 after crop)
    values, ok, _ = read_band(path, window_rows=7)  # several windows
    assert np.array_equal(ok, valid) and np.array_equal(values[ok], g[valid])
    W = lattice_w(valid)
    y = g[valid]
    m = esda.Moran(y, W, permutations=0)
    mine = raster_moran(path)
    for key in ("I", "EI", "VI_norm", "VI_rand", "z_rand"):
        assert getattr(mine, key) == pytest.approx(getattr(m, key), rel=1e-12), key
    assert mine.p_rand == pytest.approx(m.p_rand, rel=1e-9)
    lm = esda.Moran_Local(y, W, permutations=999, seed=7)
    res = raster_lisa(path, permutations=999, seed=7, ties="esda")
    np.testing.assert_allclose(res.statistic[valid], lm.Is, rtol=1e-12)
    assert np.array_equal(res.p_sim[valid], lm.p_sim)  # same draws, same p
    sig = lm.p_sim < 0.05
    codes = {1: 1, 2: 3, 3: 2, 4: 4}  # esda q: 1 HH, 2 LH, 3 LL, 4 HL -> ours 1 HH, 3 LH, 2 LL, 4 HL
    expect = np.where(sig, [codes[q] for q in lm.q], 0)
    assert np.array_equal(res.classes[valid], expect)
    assert (res.classes[~valid] == RASTER_CLASS_NODATA).all()
    out = res.to_file(tmp_path / "clusters.tif")
    import rasterio

    with rasterio.open(out) as src:
        assert src.read(1).tolist() == res.classes.tolist() and src.nodata == 255
        assert src.colormap(1)[4][:3] == (244, 173, 168)  # HL pink, as GeoDa
        assert src.crs.to_epsg() == 4326


def test_raster_getis_ord_equals_vector_getis_ord():
    g = field(12, 15, seed=3)
    valid = np.isfinite(g)
    res = raster_getis_ord(g, permutations=199, seed=4, ties="esda")
    W, flat = grid_weights(valid)
    codes = [f"{i:04d}" for i in flat]
    rows = [(codes[i], codes[j]) for i in range(len(flat)) for j in W.indices[W.indptr[i]:W.indptr[i + 1]]]
    from spatialhealth.layers.weights import build_weights

    w = build_weights(pd.DataFrame(rows, columns=["code", "neighbour"]))
    vec = getis_ord(pd.Series(g[valid], index=codes), weights=w, permutations=199, seed=4, ties="esda").frame
    np.testing.assert_allclose(res.statistic[valid], vec.G, rtol=1e-12)
    np.testing.assert_array_equal(res.p_sim[valid], vec.p_sim)
    assert np.array_equal(res.classes[valid].astype(int) - 4, vec.gi_bin)


def test_per_site_draws_on_a_grid_are_reproducible():
    g = field(20, 20, seed=5)
    a = raster_lisa(g, permutations=199, seed=1, draws="per_site")
    b = raster_lisa(g, permutations=199, seed=1, draws="per_site")
    assert np.array_equal(a.p_sim, b.p_sim, equal_nan=True) and "HH" in a.summary()
