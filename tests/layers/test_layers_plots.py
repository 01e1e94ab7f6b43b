"""Moran scatter plot and static LISA cluster map."""

from __future__ import annotations

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

matplotlib.use("Agg")

from spatialhealth.errors import InputError  # noqa: E402
from spatialhealth.layers._palette import LISA_COLOURS  # noqa: E402
from spatialhealth.layers.autocorrelation import lisa, lisa_bv, moran, moran_bv  # noqa: E402
from spatialhealth.layers.plots import lisa_cluster_map, moran_scatter  # noqa: E402
from spatialhealth.layers.weights import build_weights  # noqa: E402


@pytest.fixture(scope="module")
def gdf():
    cells = [box(i, j, i + 1, j + 1) for j in range(5) for i in range(5)]
    rng = np.random.default_rng(3)
    v = np.add.outer(np.arange(5.0), np.arange(5.0)).ravel() + rng.normal(scale=0.5, size=25)
    return gpd.GeoDataFrame({"code": [f"{k:02d}" for k in range(25)], "name_en": [f"R{k}" for k in range(25)],
                             "v": v, "u": rng.normal(size=25)}, geometry=cells, crs=3857)


def test_moran_scatter_slope_is_I_and_quadrants_labelled(gdf):
    import matplotlib.pyplot as plt

    w = build_weights(gdf, kind="rook")
    res = moran(gdf, w, permutations=0, column="v")
    ax = res.plot(labels=True)
    line = ax.lines[-1]
    x, y = line.get_data()
    assert (y[1] - y[0]) / (x[1] - x[0]) == pytest.approx(res.I, rel=1e-10)
    texts = {t.get_text() for t in ax.texts}
    assert {"HH", "LH", "LL", "HL"} <= texts and "R0" in texts
    offsets = ax.collections[0].get_offsets()
    np.testing.assert_allclose(offsets[:, 0], (gdf.v - gdf.v.mean()) / gdf.v.std(ddof=0))
    plt.close("all")
    bv = moran_bv("v", "u", w, permutations=0, data=gdf)
    ax = moran_scatter(bv)
    assert "u" in ax.get_ylabel()
    plt.close("all")


def test_lisa_scatter_colours_and_cluster_map(gdf, tmp_path):
    import matplotlib.pyplot as plt

    from spatialhealth._io import save_figure

    w = build_weights(gdf, kind="queen")
    res = lisa(gdf, w, permutations=199, seed=1, column="v")
    ax = moran_scatter(res)
    fc = ax.collections[0].get_facecolors()
    want = [matplotlib.colors.to_rgba(LISA_COLOURS[c]) for c in res.frame.cluster]
    np.testing.assert_allclose(fc, want)
    plt.close("all")
    ax = res.plot()
    got = ax.collections[0].get_facecolors()
    np.testing.assert_allclose(got, want)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    counts = res.counts
    assert legend[0] == f"High-High ({counts['HH']})" and legend[-1] == f"Not significant ({counts['ns']})"
    path = save_figure(ax.figure, tmp_path / "map.png")
    assert path.stat().st_size > 5000
    bv = lisa_bv("v", "u", w, permutations=99, seed=1, data=gdf)
    moran_scatter(bv)
    plt.close("all")


def test_cluster_map_needs_geometry():
    from spatialhealth.layers.autocorrelation import lisa as _lisa

    t = pd.DataFrame({"code": list("abcd"), "neighbour": list("bcda")})
    t = pd.concat([t, t.rename(columns={"code": "neighbour", "neighbour": "code"})])
    res = _lisa(pd.Series([1.0, 2, 3, 5], index=list("abcd")), build_weights(t), permutations=9, seed=0)
    with pytest.raises(InputError, match="geometries"):
        lisa_cluster_map(res)


def test_moran_panel_plot_marks_significant_years(gdf):
    import matplotlib.pyplot as plt

    from spatialhealth.layers.autocorrelation import moran_panel

    w = build_weights(gdf, kind="rook")
    rng = np.random.default_rng(0)
    long = pd.concat([pd.DataFrame(gdf.drop(columns="geometry")).assign(year=2020),
                      pd.DataFrame(gdf.drop(columns="geometry")).assign(year=2021, v=rng.normal(size=25))])
    pan = moran_panel(long, "v", w, permutations=99, seed=1)
    ax = pan.plot()
    x, y = ax.lines[0].get_data()
    assert list(x) == [2020, 2021] and np.allclose(y, pan.frame.I)
    sig = ax.collections[0].get_offsets()
    assert len(sig) == int((pan.frame.p_sim < 0.05).sum())
    assert "by year" in pan.summary()
    plt.close("all")
