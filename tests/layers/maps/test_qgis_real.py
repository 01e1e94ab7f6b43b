"""The GeoPackage, projects, sidecar styles and raster styles opened by real, headless QGIS.

The probe runs with Debian's /usr/bin/python3 (python3-qgis); each assertion
compares what QGIS reports with the classes and colours our Python side chose.
"""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

from spatialhealth.layers import maps, qgis
from spatialhealth.layers._palette import LISA_CLASS_COLOURS, LISA_COLOURS

pytestmark = pytest.mark.qgis


@pytest.fixture
def export(tmp_path, grid, cities, od):
    lines = maps.flow_lines(od, cities)
    styles = {"flows": qgis.flow_style(lines, "flow", k=3),
              "cities": qgis.graduated_style(cities, "pagerank", k=4, palette="viridis", sized=True),
              "lisa": qgis.lisa_style()}
    res = qgis.write_geopackage(
        [qgis.QgisLayer(lines, "flows", styles["flows"], "OD flows"),
         qgis.QgisLayer(cities, "cities", styles["cities"], "PageRank"),
         qgis.QgisLayer(grid, "lisa", styles["lisa"], "LISA clusters")],
        tmp_path / "handoff.gpkg")
    return res, styles


def _check_graduated(info, style):
    assert info["renderer"] == "graduatedSymbol"
    assert info["attr"] == style.attr
    assert [r[3] for r in info["ranges"]] == [c.colour for c in style.classes]
    assert [r[0] for r in info["ranges"]] == pytest.approx([c.lower for c in style.classes])
    assert [r[1] for r in info["ranges"]] == pytest.approx([c.upper for c in style.classes])


def test_qgis_gpkg_default_styles(export, qgis_probe, grid):
    res, styles = export
    uris = [f"{res.gpkg}|layername={n}" for n in ("lisa", "cities", "flows")]
    lisa, cities, flows = qgis_probe("layers", *uris)
    assert lisa["valid"] and lisa["features"] == 25
    assert lisa["renderer"] == "categorizedSymbol" and lisa["attr"] == "cluster"
    assert {c[0]: c[2] for c in lisa["categories"]} == LISA_CLASS_COLOURS
    _check_graduated(cities, styles["cities"])
    # QGIS puts the features in the same classes as our classification
    assert cities["range_counts"] == [2, 2, 2, 2]
    sizes = [r[4]["size"] for r in cities["ranges"]]
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1]
    _check_graduated(flows, styles["flows"])
    assert all(r[4]["layers"] == ["SimpleLine", "MarkerLine"] for r in flows["ranges"])
    widths = [r[4]["width"] for r in flows["ranges"]]
    assert widths == sorted(widths) and widths[0] < widths[-1]
    assert sum(flows["range_counts"]) == 11  # every edge (self-loop dropped) is drawn
    # control: without the default style QGIS falls back to a single symbol
    plain = qgis_probe("layers-nostyle", *uris)
    assert [p["renderer"] for p in plain] == ["singleSymbol"] * 3


def _check_project(proj, res):
    assert proj["read"] is True
    assert proj["crs"] == "ESRI:102025" and not proj["crs_geographic"]  # equal-area, not 4326
    assert [lyr["visible"] for lyr in proj["layers"]] == [True, False, False]
    assert proj["absolute_paths"] is False
    assert [lyr["name"] for lyr in proj["layers"]] == ["OD flows", "PageRank", "LISA clusters"]
    # cities labelled (top 10 of 8 = all, simple labels), the grid by its names, flows not at all
    assert [lyr["labels"] for lyr in proj["layers"]] == [None, "simple", "simple"]
    assert proj["layers"][2]["aliases"].get("cluster") == "Cluster"
    assert [lyr["renderer"] for lyr in proj["layers"]] == ["graduatedSymbol", "graduatedSymbol",
                                                           "categorizedSymbol"]
    assert all(lyr["valid"] for lyr in proj["layers"])
    assert {c[0]: c[2] for c in proj["layers"][2]["categories"]} == LISA_CLASS_COLOURS
    assert all(str(res.gpkg) in lyr["source"] for lyr in proj["layers"])
    render = proj["render"]
    total = sum(render["colours"].values())
    assert render["non_white"] > 0.45 * total  # the grid (turned by the Albers projection) fills the frame
    for colour in LISA_COLOURS.values():  # each cluster colour is really painted
        assert render["colours"].get(colour, 0) > 200


def test_qgis_project_file_and_project_in_gpkg(export, qgis_probe, tmp_path):
    res, _ = export
    qgs = zipfile.ZipFile(res.project).read("handoff.qgs").decode()
    assert "./handoff.gpkg|layername=lisa" in qgs and "<xmin>" in qgs
    # the whole folder moves: relative paths still resolve
    moved = tmp_path / "moved"
    moved.mkdir()
    for p in (res.gpkg, res.project):
        p.rename(moved / p.name)
    proj = qgis_probe("project", moved / "handoff.qgz", tmp_path / "project.png")
    _check_project(proj, type(res)(moved / "handoff.gpkg", None, None, res.frame))
    proj = qgis_probe("gpkg-project", moved / "handoff.gpkg", "handoff", tmp_path / "inside.png")
    _check_project(proj, type(res)(moved / "handoff.gpkg", None, None, res.frame))


def test_qgis_sidecar_qml_single_layer_formats(tmp_path, grid, qgis_probe):
    style = qgis.graduated_style(grid, "beds_per_1k", scheme="equal_interval", k=5, palette="Blues")
    # one sidecar per basename: give each format its own name
    paths = [qgis.write_layer(grid, tmp_path / f"beds_{ext}.{ext}", style) for ext in ("shp", "fgb", "geojson")]
    assert all(p.with_suffix(".qml").exists() for p in paths)
    infos = qgis_probe("layers", *paths)
    assert [i["attr"] for i in infos] == ["beds_per_1", "beds_per_1k", "beds_per_1k"]
    for info in infos:
        assert info["renderer"] == "graduatedSymbol" and info["features"] == 25
        assert [r[3] for r in info["ranges"]] == [c.colour for c in style.classes]
        assert info["range_counts"] == [5, 5, 5, 5, 5]
    cat = qgis.write_layer(grid, tmp_path / "lisa.fgb", qgis.lisa_style())
    (info,) = qgis_probe("layers", cat)
    assert info["renderer"] == "categorizedSymbol" and info["attr"] == "cluster"


def test_qgis_raster_styles(tmp_path, qgis_probe):
    rasterio = pytest.importorskip("rasterio")
    from affine import Affine

    values = np.arange(400, dtype="float32").reshape(20, 20)
    values[0, 0] = -9999
    prof = dict(driver="GTiff", width=20, height=20, count=1, crs="EPSG:4326",
                transform=Affine(0.025, 0, 116.0, 0, -0.025, 40.0))
    cont = tmp_path / "density.tif"
    with rasterio.open(cont, "w", dtype="float32", nodata=-9999, **prof) as dst:
        dst.write(values, 1)
    cats = tmp_path / "clusters.tif"
    with rasterio.open(cats, "w", dtype="uint8", nodata=0, **prof) as dst:
        dst.write((np.arange(400).reshape(20, 20) % 5 + 1).astype("uint8"), 1)
    qgis.write_raster_style(cont, scheme="quantiles", k=4, palette="YlOrRd")
    style = qgis.raster_style(cont, scheme="quantiles", k=4, palette="YlOrRd")
    assert style.classes[0].lower == 1.0  # no-data cell excluded
    colours = {i + 1: (LISA_COLOURS[c], c) for i, c in enumerate(LISA_COLOURS)}
    qgis.write_raster_style(cats, categories=colours)
    pseudo, paletted = qgis_probe("layers", cont, cats)
    assert pseudo["valid"] and pseudo["renderer"] == "singlebandpseudocolor"
    assert pseudo["ramp_type"] == 1  # QgsColorRampShader.Discrete
    assert [it[0] for it in pseudo["items"]] == pytest.approx([c.upper for c in style.classes])
    assert [it[1] for it in pseudo["items"]] == [c.colour for c in style.classes]
    assert paletted["renderer"] == "paletted"
    assert [(c[0], c[1], c[2]) for c in paletted["classes"]] == [
        (v, col, lab) for v, (col, lab) in colours.items()]


def test_qgis_project_in_custom_albers_crs(tmp_path, grid, qgis_probe):
    """A CRS without an EPSG code (China Albers) travels as WKT and QGIS draws the layer in it."""
    albers = "+proj=aea +lat_1=25 +lat_2=47 +lon_0=105 +datum=WGS84 +units=m +no_defs"
    res = qgis.write_geopackage([qgis.QgisLayer(grid, "lisa", qgis.lisa_style())], tmp_path / "alb.gpkg",
                                crs=albers, project_crs=None)
    assert res.extent[0] > 900_000  # metres east of 105 E
    proj = qgis_probe("project", res.project, tmp_path / "alb.png")
    assert proj["crs_valid"] and not proj["crs_geographic"]
    assert "+proj=aea" in proj["crs_proj"] and "+lon_0=105" in proj["crs_proj"]
    (layer,) = proj["layers"]
    assert layer["valid"] and layer["renderer"] == "categorizedSymbol"
    for colour in LISA_COLOURS.values():
        assert proj["render"]["colours"].get(colour, 0) > 200


def test_qgis_rasterized_lisa_gets_its_categories(tmp_path, grid, qgis_probe):
    """rasterize() output styled without arguments: HH/LL/LH/HL/ns, not 256 classes or one colour."""
    from spatialhealth.layers.raster import rasterize

    albers = "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +datum=WGS84 +units=m +no_defs"
    tif = rasterize(grid, "cluster", tmp_path / "lisa.tif", resolution=2000, crs=albers)
    qgis.write_raster_style(tif, lang="zh")
    style = qgis.raster_style(tif, lang="zh")
    assert [c.label for c in style.classes] == ["高-高 (HH)", "低-低 (LL)", "低-高 (LH)", "高-低 (HL)",
                                                "不显著 (ns)"]
    (info,) = qgis_probe("layers", tif)
    assert info["renderer"] == "paletted"
    assert info["crs_description"].startswith("Albers Equal Area (lon_0=105")  # not "unknown"
    assert [c[1] for c in info["classes"]] == [LISA_COLOURS[c] for c in ("HH", "LL", "LH", "HL", "ns")]
    assert [c[2] for c in info["classes"]] == [c.label for c in style.classes]
    # numeric classes keep their bounds, formatted without e-notation
    g = grid.assign(tiny=grid["beds_per_1k"] * 1e-5)
    tif2 = rasterize(g, "tiny", tmp_path / "tiny.tif", resolution=2000, classes=4, crs=albers)
    labels = [c.label for c in qgis.raster_style(tif2).classes]
    assert len(labels) == 4 and not any("e-" in lab for lab in labels)


def test_qgis_chinese_project_labels_aliases_safe_names(tmp_path, grid, cities, qgis_probe):
    """Chinese variable names: safe table names, original titles, zh aliases, top-N city labels."""
    import geopandas as gpd
    from shapely.geometry import Point

    rng = np.random.default_rng(0)
    pts = gpd.GeoDataFrame({"code": [f"{i:06d}" for i in range(30)],
                            "name_zh": [f"城市{i}" for i in range(30)],
                            "pagerank": rng.random(30)},
                           geometry=[Point(116 + 0.02 * i, 39.6 + 0.01 * i) for i in range(30)], crs=4326)
    g = grid.assign(name_zh=[f"区{i}" for i in range(25)])
    res = qgis.write_geopackage(
        [qgis.QgisLayer(g, "lisa_每千人床位", qgis.lisa_style(lang="zh")),
         qgis.QgisLayer(pts, "城市_pagerank", qgis.graduated_style(pts, "pagerank", k=4))],
        tmp_path / "zh.gpkg", lang="zh")
    proj = qgis_probe("project", res.project, tmp_path / "zh.png")
    lisa, city = proj["layers"]
    assert lisa["name"] == "lisa_每千人床位" and city["name"] == "城市_pagerank"
    assert "layername=lisa_u" in lisa["source"]
    assert [lisa["visible"], city["visible"]] == [True, False]
    assert lisa["aliases"]["cluster"] == "聚类" and lisa["aliases"]["code"] == "代码"
    assert city["aliases"]["pagerank"] == "PageRank"
    assert lisa["labels"] == "simple"
    assert city["labels"] == "rule-based"
    ((expr, field_),) = city["label_rules"]
    threshold = float(expr.split(">=")[1])
    assert field_ == "name_zh" and (pts["pagerank"] >= threshold).sum() == 10
    assert [c[1] for c in lisa["categories"]][:2] == ["高-高 (HH)", "低-低 (LL)"]


def test_qgis_significance_and_hotspot_styles(tmp_path, grid, qgis_probe):
    from spatialhealth.layers._palette import GI_COLOURS, SIGNIFICANCE_COLOURS, gi_class

    rng = np.random.default_rng(4)
    g = grid.assign(p_sim=rng.choice([0.00005, 0.0005, 0.005, 0.03, 0.4], 25),
                    z=rng.normal(0, 2, 25))
    g["gi_class"] = gi_class(g["z"], g["p_sim"])
    res = qgis.write_geopackage([qgis.QgisLayer(g, "sig", qgis.significance_style(lang="zh")),
                                 qgis.QgisLayer(g, "gi", qgis.hotspot_style(lang="en"))],
                                tmp_path / "s.gpkg", project=False)
    sig, gi = qgis_probe("layers", f"{res.gpkg}|layername=sig", f"{res.gpkg}|layername=gi")
    assert sig["renderer"] == "graduatedSymbol" and sig["attr"] == "p_sim"
    assert [r[2] for r in sig["ranges"]] == ["p = 0.0001", "p = 0.001", "p = 0.01", "p = 0.05", "不显著"]
    assert [r[3] for r in sig["ranges"]] == [SIGNIFICANCE_COLOURS[c] for c in
                                             ("p0.0001", "p0.001", "p0.01", "p0.05", "ns")]
    expected = [int(((g.p_sim > lo) | (lo == 0)) .mul(g.p_sim <= hi).sum())
                for lo, hi in [(0, 0.0001), (0.0001, 0.001), (0.001, 0.01), (0.01, 0.05), (0.05, 1)]]
    assert sig["range_counts"] == expected
    assert gi["renderer"] == "categorizedSymbol" and gi["attr"] == "gi_class"
    assert {c[0]: c[2] for c in gi["categories"]} == GI_COLOURS
