"""Zonal statistics and rasterisation on small rasters written by the tests."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from shapely.geometry import Polygon, box

from spatialhealth.errors import InputError
from spatialhealth.layers.raster import rasterize, write_array, zonal_stats

CRS = "EPSG:3857"


@pytest.fixture()
def grid_raster(tmp_path):
    # 6 x 6 cells of 100 m; value = 10 * row + col (row 0 north); one nodata cell
    arr = np.add.outer(10 * np.arange(6), np.arange(6)).astype("float32")
    arr[0, 0] = -9999
    path = write_array(tmp_path / "g.tif", arr, bounds=(0, 0, 600, 600), crs=CRS, nodata=-9999)
    return path, arr


def cell_value(arr, x, y):
    """Value of the cell containing map point (x, y) (cells of 100 m, north-up)."""
    return arr[5 - int(y // 100), int(x // 100)]


def test_aligned_zones_give_exact_sums_for_every_method(grid_raster):
    path, arr = grid_raster
    zones = gpd.GeoDataFrame({"code": ["sw", "ne"]}, geometry=[box(0, 0, 300, 300), box(300, 300, 600, 600)], crs=CRS)
    sw = arr[3:, :3].sum()
    ne = arr[:3, 3:].sum()
    for method in ("centre", "exact"):
        f = zonal_stats(path, zones, method=method).frame.set_index("code")
        assert f.loc["sw", "sum"] == pytest.approx(sw) and f.loc["ne", "sum"] == pytest.approx(ne)
        assert f.loc["sw", "count"] == pytest.approx(9)
        assert f.loc["ne", "mean"] == pytest.approx(ne / 9)
    touched = zonal_stats(path, zones, method="all_touched").frame.set_index("code")
    assert touched.loc["sw", "count"] >= 9  # border cells touched too


def test_nodata_cells_are_left_out(grid_raster):
    path, arr = grid_raster
    nw = gpd.GeoDataFrame({"code": ["nw"]}, geometry=[box(0, 400, 200, 600)], crs=CRS)
    f = zonal_stats(path, nw, stats=("sum", "count", "mean", "min")).frame.iloc[0]
    expect = [arr[0, 1], arr[1, 0], arr[1, 1]]
    assert f["count"] == 3 and f["sum"] == pytest.approx(sum(expect)) and f["min"] == pytest.approx(min(expect))


def test_exact_fractions_match_hand_computation(grid_raster):
    path, arr = grid_raster
    # half-cell offsets: x 150..350, y 150..250
    zone = gpd.GeoDataFrame({"code": ["z"]}, geometry=[box(150, 150, 350, 250)], crs=CRS)
    f = zonal_stats(path, zone, method="exact").frame.iloc[0]
    expect = 0.0
    for x0 in range(100, 400, 100):
        for y0 in range(100, 300, 100):
            frac = box(x0, y0, x0 + 100, y0 + 100).intersection(box(150, 150, 350, 250)).area / 1e4
            expect += frac * cell_value(arr, x0 + 1, y0 + 1)
    assert f["sum"] == pytest.approx(expect) and f["count"] == pytest.approx(2.0)
    centre = zonal_stats(path, zone, method="centre").frame.iloc[0]
    # centres at x=250 (150..350 holds 250 only... and 350 is excluded), y=150 and 250 are on edges
    assert centre["count"] < zonal_stats(path, zone, method="all_touched").frame.iloc[0]["count"]


def test_triangle_exact_area(tmp_path):
    path = write_array(tmp_path / "ones.tif", np.ones((10, 10)), bounds=(0, 0, 10, 10), crs=CRS)
    tri = gpd.GeoDataFrame({"code": ["t"]}, geometry=[Polygon([(0, 0), (10, 0), (0, 10)])], crs=CRS)
    f = zonal_stats(path, tri, method="exact").frame.iloc[0]
    assert f["sum"] == pytest.approx(50.0) and f["count"] == pytest.approx(50.0)
    # 45 centres lie strictly inside, 10 on the hypotenuse; GDAL counts those on the edge
    assert zonal_stats(path, tri, method="centre").frame.iloc[0]["sum"] == 55
    assert zonal_stats(path, tri, method="all_touched").frame.iloc[0]["sum"] >= 55


def test_regions_are_reprojected_to_the_raster(grid_raster):
    path, arr = grid_raster
    zones = gpd.GeoDataFrame({"code": ["sw"]}, geometry=[box(0, 0, 300, 300)], crs=CRS)
    direct = zonal_stats(path, zones).frame.iloc[0]
    wgs = zonal_stats(path, zones.to_crs(4326)).frame.iloc[0]
    assert wgs["sum"] == pytest.approx(direct["sum"]) and wgs["count"] == direct["count"]


def test_zonal_bad_inputs(grid_raster, tmp_path):
    path, _ = grid_raster
    zones = gpd.GeoDataFrame({"code": ["a", "a"]}, geometry=[box(0, 0, 1, 1), box(1, 1, 2, 2)], crs=CRS)
    with pytest.raises(InputError, match="unique"):
        zonal_stats(path, zones)
    with pytest.raises(InputError, match="no CRS"):
        zonal_stats(path, zones.iloc[:1].set_crs(None, allow_override=True))
    with pytest.raises(InputError, match="method"):
        zonal_stats(path, zones.iloc[:1], method="nearest")
    with pytest.raises(FileNotFoundError):
        zonal_stats(tmp_path / "none.tif", zones.iloc[:1])
    bow = gpd.GeoDataFrame({"code": ["b"]}, geometry=[Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])], crs=CRS)
    with pytest.raises(InputError, match="Invalid"):
        zonal_stats(path, bow)
    outside = gpd.GeoDataFrame({"code": ["o"]}, geometry=[box(5000, 5000, 5100, 5100)], crs=CRS)
    row = zonal_stats(path, outside).frame.iloc[0]
    assert row["count"] == 0 and row["sum"] == 0 and np.isnan(row["mean"])


def test_rasterize_clusters_with_colour_table(tmp_path):
    from spatialhealth.layers._palette import LISA_COLOURS

    cells = [box(0, 0, 100, 100), box(100, 0, 200, 100), box(0, 100, 100, 200), box(100, 100, 200, 200)]
    gdf = gpd.GeoDataFrame({"code": list("abcd"), "cluster": ["HH", "ns", "LL", "HH"]}, geometry=cells, crs=CRS)
    out = rasterize(gdf, "cluster", tmp_path / "lisa.tif", resolution=10)
    with rasterio.open(out) as src:
        band = src.read(1)
        cmap = src.colormap(1)
        tags = src.tags()
        assert src.crs.to_string() == CRS and src.res == (10.0, 10.0)
    codes = {v: int(k.split("_")[1]) for k, v in tags.items() if k.startswith("category_")}
    assert set(codes) == {"HH", "LL", "ns"}
    assert band[15, 5] == codes["HH"] and band[15, 15] == codes["ns"] and band[5, 5] == codes["LL"]
    for cat, k in codes.items():
        hexed = "#%02x%02x%02x" % cmap[k][:3]
        assert hexed == LISA_COLOURS[cat]


def test_rasterize_numeric_values_and_classes(tmp_path):
    cells = [box(i * 100, 0, (i + 1) * 100, 100) for i in range(4)]
    gdf = gpd.GeoDataFrame({"code": list("abcd"), "v": [1.0, 2.0, np.nan, 4.0]}, geometry=cells, crs=CRS)
    out = rasterize(gdf, "v", tmp_path / "v.tif", resolution=50)
    with rasterio.open(out) as src:
        band = src.read(1)
    assert band[0, 0] == 1.0 and band[0, 3] == 2.0 and np.isnan(band[0, 5]) and band[0, 7] == 4.0
    out = rasterize(gdf, "v", tmp_path / "c.tif", resolution=50, classes=3)
    with rasterio.open(out) as src:
        band = src.read(1)
        assert len(src.colormap(1)) >= 4 and "class_1" in src.tags()
    assert band[0, 0] == 1 and band[0, 7] == 3 and band[0, 5] == 0
    with pytest.raises(InputError, match="resolution"):
        rasterize(gdf, "v", tmp_path / "x.tif", resolution=0)
