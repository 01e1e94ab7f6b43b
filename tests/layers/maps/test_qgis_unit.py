"""GeoPackage structure, styles and atomic writes, checked without QGIS."""

from __future__ import annotations

import io
import re
import sqlite3
import zipfile

import pytest

from spatialhealth.errors import ColumnError, InputError
from spatialhealth.layers import maps, qgis

STYLE_COLUMNS = ["id", "f_table_catalog", "f_table_schema", "f_table_name", "f_geometry_column",
                 "styleName", "styleQML", "styleSLD", "useAsDefault", "description", "owner", "ui",
                 "update_time"]


def test_qgis_gpkg_layout(tmp_path, grid, cities):
    res = qgis.write_geopackage([qgis.QgisLayer(cities, "cities", qgis.graduated_style(cities, "pagerank")),
                                 qgis.QgisLayer(grid, "lisa", qgis.lisa_style())], tmp_path / "a.gpkg")
    con = sqlite3.connect(res.gpkg)
    assert con.execute("PRAGMA user_version").fetchone()[0] == 10200  # GeoPackage 1.2
    assert con.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47  # 'GPKG'
    assert [r[1] for r in con.execute("PRAGMA table_info(layer_styles)")] == STYLE_COLUMNS
    rows = con.execute("SELECT f_table_catalog, f_table_schema, f_table_name, f_geometry_column, "
                       "useAsDefault, styleQML FROM layer_styles ORDER BY f_table_name").fetchall()
    assert [r[:5] for r in rows] == [("", "", "cities", "geom", 1), ("", "", "lisa", "geom", 1)]
    assert 'type="graduatedSymbol" attr="pagerank"' in rows[0][5]
    assert 'type="categorizedSymbol" attr="cluster"' in rows[1][5]
    assert con.execute("SELECT data_type FROM gpkg_contents WHERE table_name='layer_styles'").fetchone() == ("attributes",)
    name, content = con.execute("SELECT name, content FROM qgis_projects").fetchone()
    qgs = zipfile.ZipFile(io.BytesIO(bytes.fromhex(content))).read("a.qgs").decode()
    assert name == "a" and "./a.gpkg|layername=cities" in qgs
    assert qgs.index('name="pagerank"') < qgs.index('name="LISA cluster map"')  # legend order kept
    con.close()
    assert res.frame["renderer"].tolist() == ["graduatedSymbol", "categorizedSymbol"]
    from pyproj import Transformer

    tr = Transformer.from_crs(4326, qgis.PROJECT_CRS, always_xy=True)
    assert res.extent[0] < tr.transform(116.0, 39.5)[0] and res.extent[2] > tr.transform(116.5, 40.0)[0]
    assert "a.qgz" in res.summary()


def test_qgis_styles_share_the_web_classes(grid, cities, od):
    m = maps.choropleth_map(grid, "beds_per_1k", scheme="natural_breaks", k=4, palette="Blues")
    st = qgis.graduated_style(grid, "beds_per_1k", scheme="natural_breaks", k=4, palette="Blues")
    assert [c.colour for c in st.classes] == list(m._sh_classes.colours)
    assert [c.upper for c in st.classes] == list(m._sh_classes.upper)
    fm = maps.flow_map(od, cities, top=None, k=3)
    fs = qgis.flow_style(maps.flow_lines(od, cities), k=3)
    assert [c.colour for c in fs.classes] == list(fm._sh_classes.colours)
    widths = [c.size for c in fs.classes]
    assert widths == sorted(widths) and fs.arrows


def test_qgis_failed_write_keeps_previous_file(tmp_path, grid):
    path = tmp_path / "keep.gpkg"
    qgis.write_geopackage([qgis.QgisLayer(grid, "lisa", qgis.lisa_style())], path, project=False)
    before = path.read_bytes()
    with pytest.raises(ColumnError, match="beds_missing"):
        qgis.write_geopackage([qgis.QgisLayer(grid, "lisa", qgis.lisa_style("beds_missing"))], path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.gpkg"]


def test_qgis_input_errors(tmp_path, grid):
    lyr = qgis.QgisLayer(grid, "lisa", qgis.lisa_style())
    with pytest.raises(InputError, match="repeated: lisa"):
        qgis.write_geopackage([lyr, lyr], tmp_path / "x.gpkg")
    res = qgis.write_geopackage([qgis.QgisLayer(grid, "1bad")], tmp_path / "x.gpkg")
    assert res.frame["layer"].str.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*").all()
    with pytest.raises(InputError, match=r"must end in \.gpkg"):
        qgis.write_geopackage([lyr], tmp_path / "x.shp")


def test_qgis_shapefile_names_are_laundered_and_style_follows(tmp_path, grid):
    g = grid.assign(beds_per_1m=grid["beds_per_1k"] * 1000)
    assert qgis.launder_shapefile_names(g.columns) == {
        "code": "code", "name_en": "name_en", "cluster": "cluster", "Ii": "Ii", "p_sim": "p_sim",
        "beds_per_1k": "beds_per_1", "beds_per_1m": "beds_per_2"}
    style = qgis.graduated_style(g, "beds_per_1m", k=3)
    qgis.write_layer(g, tmp_path / "g.shp", style)
    import pyogrio

    assert "beds_per_2" in pyogrio.read_info(tmp_path / "g.shp")["fields"]
    assert 'attr="beds_per_2"' in (tmp_path / "g.qml").read_text()


def test_qgis_non_ascii_layer_names_get_safe_names_and_keep_titles(tmp_path, grid):

    res = qgis.write_geopackage([qgis.QgisLayer(grid, "lisa_每千人床位", qgis.lisa_style()),
                                 qgis.QgisLayer(grid, "lisa_每千人医生", qgis.lisa_style())],
                                tmp_path / "zh.gpkg")
    layers = res.frame["layer"].tolist()
    assert all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", n) for n in layers)
    assert len(set(layers)) == 2 and layers[0].startswith("lisa_")
    assert res.frame["title"].tolist() == ["lisa_每千人床位", "lisa_每千人医生"]
    assert _layer_names(tmp_path / "zh.gpkg") == sorted(layers)


def _layer_names(path):
    import pyogrio

    return sorted(set(pyogrio.list_layers(path)[:, 0]) - {"layer_styles"})


def test_qgis_existing_geopackage_keeps_other_layers(tmp_path, grid, cities):
    import sqlite3

    gpkg = tmp_path / "work.gpkg"
    grid.to_file(gpkg, layer="provinces", engine="pyogrio")
    cities.to_file(gpkg, layer="my_points", engine="pyogrio")
    qgis.write_geopackage([qgis.QgisLayer(grid, "lisa", qgis.lisa_style())], gpkg, project=False)
    assert _layer_names(gpkg) == ["lisa", "my_points", "provinces"]
    import geopandas as gpd

    assert len(gpd.read_file(gpkg, layer="my_points")) == 8
    # a second write replaces only lisa (fewer rows now) and its style row
    qgis.write_geopackage([qgis.QgisLayer(grid.iloc[:5], "lisa", qgis.lisa_style())], gpkg,
                          project=False)
    assert _layer_names(gpkg) == ["lisa", "my_points", "provinces"]
    assert len(gpd.read_file(gpkg, layer="lisa")) == 5
    con = sqlite3.connect(gpkg)
    rows = con.execute("SELECT f_table_name FROM layer_styles").fetchall()
    con.close()
    assert rows == [("lisa",)]


def test_qgis_refuses_input_and_non_geopackage(tmp_path, grid):
    gpkg = tmp_path / "work.gpkg"
    grid.to_file(gpkg, layer="provinces", engine="pyogrio")
    before = gpkg.read_bytes()
    with pytest.raises(InputError, match="input being read"):
        qgis.write_geopackage([qgis.QgisLayer(grid, "lisa", qgis.lisa_style())], gpkg,
                              inputs=[str(gpkg) + "|layername=provinces"])
    assert gpkg.read_bytes() == before
    thesis = tmp_path / "thesis.gpkg"
    thesis.write_text("not a geopackage", encoding="utf-8")
    with pytest.raises(InputError, match="not a GeoPackage"):
        qgis.write_geopackage([qgis.QgisLayer(grid, "lisa")], thesis)
    assert thesis.read_text(encoding="utf-8") == "not a geopackage"
