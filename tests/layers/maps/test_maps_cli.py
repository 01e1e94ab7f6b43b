"""`spatialhealth map ...` commands, run in-process through the CLI entry point."""

from __future__ import annotations

import sqlite3

import geopandas as gpd
import numpy as np
import pytest

from spatialhealth.app.cli import main
from spatialhealth.layers._offline import external_assets


def test_maps_cli_lisa_writes_styled_gpkg_and_offline_html(tmp_path, grid):
    from spatialhealth.layers.autocorrelation import lisa
    from spatialhealth.layers.weights import build_weights

    src = grid.drop(columns=["cluster", "Ii", "p_sim"])
    src.to_file(tmp_path / "in.gpkg", layer="grid")
    out, html = tmp_path / "lisa.gpkg", tmp_path / "lisa.html"
    assert main(["map", "lisa", str(tmp_path / "in.gpkg"), str(out), "--column", "beds_per_1k",
                 "--permutations", "99", "--seed", "3", "--html", str(html)]) == 0
    got = gpd.read_file(out, layer="lisa")
    ref = lisa(src, build_weights(src, kind="queen"), permutations=99, seed=3, column="beds_per_1k")
    assert got["cluster"].tolist() == ref.frame["cluster"].tolist()
    assert np.allclose(got["Ii"], ref.frame["Ii"])
    con = sqlite3.connect(out)
    assert con.execute("SELECT f_table_name FROM layer_styles").fetchall() == [("lisa",)]
    con.close()
    assert out.with_suffix(".qgz").exists()
    assert external_assets(html.read_text()) == []


def test_maps_cli_centrality_matches_network_table(tmp_path, cities, od):
    from spatialhealth.networks.centrality import centrality_table
    from spatialhealth.networks.graph import mobility_graph

    cities.to_file(tmp_path / "cities.gpkg")
    od.to_csv(tmp_path / "od.csv", index=False)
    out = tmp_path / "net.gpkg"
    assert main(["map", "centrality", str(tmp_path / "od.csv"), str(tmp_path / "cities.gpkg"), str(out),
                 "--measure", "pagerank", "--top", "5", "--no-project"]) == 0
    got = gpd.read_file(out, layer="cities").set_index("code")
    ref = centrality_table(mobility_graph(od.assign(origin=od.origin.astype(str),
                                                    destination=od.destination.astype(str))))
    ref = ref.assign(code=ref["code"].astype(str)).set_index("code")
    assert np.allclose(got.loc[ref.index, "pagerank"], ref["pagerank"])
    flows = gpd.read_file(out, layer="flows")
    assert sorted(flows["flow"]) == [260.0, 320.0, 410.0, 500.0, 610.0]
    assert not out.with_suffix(".qgz").exists()


def test_maps_cli_export_html_and_raster_style(tmp_path, grid):
    rasterio = pytest.importorskip("rasterio")
    from affine import Affine

    grid.to_file(tmp_path / "g.gpkg")
    assert main(["map", "export", str(tmp_path / "g.gpkg"), str(tmp_path / "g.shp"),
                 "--column", "beds_per_1k", "--scheme", "equal_interval", "--k", "5"]) == 0
    assert 'attr="beds_per_1"' in (tmp_path / "g.qml").read_text()
    assert main(["map", "html", str(tmp_path / "g.gpkg"), str(tmp_path / "g.html"), "--column",
                 "beds_per_1k", "--breaks", "5,10,20"]) == 0
    text = (tmp_path / "g.html").read_text()
    assert external_assets(text) == [] and "20 - 25 (5)" in text
    with rasterio.open(tmp_path / "r.tif", "w", driver="GTiff", width=4, height=4, count=1,
                       dtype="float32", crs="EPSG:4326", transform=Affine(1, 0, 0, 0, -1, 4)) as dst:
        dst.write(np.arange(16, dtype="float32").reshape(4, 4), 1)
    assert main(["map", "raster-style", str(tmp_path / "r.tif"), "--k", "4"]) == 0
    qml = (tmp_path / "r.qml").read_text()
    assert 'type="singlebandpseudocolor"' in qml and qml.count("<item ") == 4
    assert main(["map", "html", str(tmp_path / "g.gpkg"), str(tmp_path / "x.html"), "--column",
                 "beds_per_1k", "--kind", "bogus"]) == 2
