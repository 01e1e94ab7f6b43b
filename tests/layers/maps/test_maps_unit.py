"""Map classes, offline pages and inputs, without a browser."""

from __future__ import annotations

import folium
import numpy as np
import pytest

from spatialhealth.errors import InputError, InputTypeError
from spatialhealth.layers import maps
from spatialhealth.layers._offline import external_assets, leaflet_version
from spatialhealth.layers._palette import LISA_COLOURS, classify


def test_maps_quantile_bounds_match_numpy_percentiles():
    y = np.arange(1.0, 26.0)
    c = classify(y, scheme="quantiles", k=5)
    assert c.upper == pytest.approx(np.percentile(y, [20, 40, 60, 80, 100]))
    assert sum(c.counts) == 25


def test_maps_natural_breaks_find_obvious_groups():
    y = [1, 2, 3, 10, 11, 12, 20, 21, 22]
    c = classify(y, scheme="natural_breaks", k=3)
    assert c.upper == (3.0, 12.0, 22.0) and c.counts == (3, 3, 3)


def test_maps_equal_interval_and_user_breaks_boundaries():
    c = classify(np.arange(0.0, 11.0), scheme="equal_interval", k=5)
    assert c.upper == pytest.approx((2, 4, 6, 8, 10))
    u = classify([1, 5, 6, 10, 12], breaks=[5, 10])
    assert u.scheme == "user" and u.upper == (5.0, 10.0, 12.0)
    # a value equal to an upper bound belongs to that class (as in QGIS's graduated renderer)
    assert list(u.assign([1, 5, 5.0001, 10, 12, np.nan])) == [0, 0, 1, 1, 2, -1]
    with pytest.raises(InputError, match="Unknown classification scheme 'jenks'"):
        classify([1, 2], scheme="jenks")


def test_maps_offline_pages_have_no_external_asset(grid, cities, od):
    for m in (maps.lisa_map(grid, offline=True), maps.choropleth_map(grid, "beds_per_1k", offline=True),
              maps.centrality_map(cities, "pagerank", offline=True),
              maps.flow_map(od, cities, offline=True)):
        html = m.get_root().render()
        assert external_assets(html) == []
        assert "tile.openstreetmap" not in html
        assert f'version = "{leaflet_version()}"' in html or leaflet_version() in html
    online = maps.lisa_map(grid).get_root().render()
    assert any("leaflet" in tag for tag in external_assets(online))
    # folium's class-level asset lists are untouched, so other maps keep working
    assert any("leaflet" in url for _, url in folium.Map.default_js)
    assert leaflet_version().startswith("1.9.")


def test_maps_save_refuses_offline_map_with_cdn_plugin(grid, tmp_path):
    from folium.plugins import Fullscreen

    m = maps.lisa_map(grid, offline=True)
    Fullscreen().add_to(m)
    with pytest.raises(InputError, match="external assets"):
        maps.save_map(m, tmp_path / "x.html")
    assert not (tmp_path / "x.html").exists()


def test_maps_flow_lines_filters(od, cities):
    lines = maps.flow_lines(od, cities)
    assert len(lines) == 11 and "999" not in set(lines["flow"].astype(int).astype(str))  # self-loop dropped
    assert list(lines["flow"]) == sorted(lines["flow"])
    top = maps.flow_lines(od, cities, top=3)
    assert sorted(top["flow"]) == [410.0, 500.0, 610.0]
    thr = maps.flow_lines(od, cities, min_flow=100)
    assert (thr["flow"] >= 100).all() and len(thr) == 7
    assert set(top.columns) >= {"origin", "destination", "flow", "origin_name", "destination_name"}
    bad = od.copy()
    bad.loc[0, "origin"] = "999999"
    with pytest.raises(InputError, match="999999"):
        maps.flow_lines(bad, cities)
    with pytest.raises(InputError, match="No edge is left"):
        maps.flow_lines(od, cities, min_flow=1e9)


def test_maps_input_errors(grid):
    g = grid.copy()
    g.loc[3, "cluster"] = "XX"
    with pytest.raises(InputError, match="XX"):
        maps.lisa_map(g)
    with pytest.raises(InputTypeError, match="GeoDataFrame"):
        maps.lisa_map(grid.drop(columns="geometry"))
    with pytest.raises(InputError, match="has no column 'nope'"):
        maps.choropleth_map(grid, "nope")


def test_maps_reprojects_and_composes_layers(grid, cities):
    m = maps.lisa_map(grid.to_crs(3857), offline=True)
    minx, miny, maxx, maxy = m._sh_bounds
    assert (minx, miny, maxx, maxy) == pytest.approx((116.0, 39.5, 116.5, 40.0))
    m = maps.centrality_map(cities, "pagerank", m=m)
    controls = [c for c in m._children.values() if isinstance(c, folium.LayerControl)]
    assert len(controls) == 1 and list(m._children.values())[-1] is controls[0]
    html = m.get_root().render()
    assert html.index("L.control.layers") > html.rindex("L.geoJson(")


def test_maps_centrality_joins_table_to_geometry(cities):
    table = cities.drop(columns="geometry")[["code", "pagerank"]].copy()
    geo = cities.drop(columns="pagerank")
    m = maps.centrality_map(table, "pagerank", geometry=geo)
    direct = maps.centrality_map(cities, "pagerank")
    assert m._sh_classes == direct._sh_classes and sum(m._sh_classes.counts) == 8
    assert m._sh_classes.upper[-1] == 0.30 and m._sh_classes.lower[0] == 0.05
    with pytest.raises(InputError, match="No geometry for 1"):
        maps.centrality_map(table.assign(code=table["code"].replace("120100", "000000")), "pagerank",
                            geometry=geo)
    with pytest.raises(InputTypeError, match="geometry="):
        maps.centrality_map(table, "pagerank")


def test_maps_accept_lon_lat_tables(cities, od):
    table = cities.drop(columns="geometry").assign(lon=cities.geometry.x, lat=cities.geometry.y)
    m = maps.centrality_map(table, "pagerank")
    assert m._sh_classes == maps.centrality_map(cities, "pagerank")._sh_classes
    a = maps.flow_lines(od, table)
    b = maps.flow_lines(od, cities)
    assert a.geometry.geom_equals(b.geometry).all()
    with pytest.raises(InputError, match="'lon' must be numeric"):
        maps.flow_lines(od, table.assign(lon="east"))


def test_maps_missing_values_and_chinese_names(grid):
    import json
    import re

    from spatialhealth.layers._palette import NO_DATA

    g = grid.assign(name_zh=[f"单元{i}" for i in range(25)])
    g.loc[[2, 5], "beds_per_1k"] = np.nan
    m = maps.choropleth_map(g, "beds_per_1k", name="name_zh", k=4)
    assert sum(m._sh_classes.counts) == 23
    html = m.get_root().render()
    assert "No data (2)" in html
    assert "单元7" in html or json.dumps("单元7")[1:-1] in html  # names may be \\u-escaped JSON
    fills = re.findall(r'"_fill": "(#[0-9a-f]{6})"', html)
    assert len(fills) == 25 and fills[2] == NO_DATA and fills[5] == NO_DATA
    assert NO_DATA not in [fills[i] for i in range(25) if i not in (2, 5)]


def test_maps_centrality_on_polygons_is_a_choropleth(grid):
    import re

    m = maps.centrality_map(grid, "beds_per_1k", k=5, palette="Blues")
    html = m.get_root().render()
    assert "sh-region" in html
    fills = re.findall(r'"_fill": "(#[0-9a-f]{6})"', html)
    assert fills == m._sh_classes.colour_of(grid["beds_per_1k"])
    assert "sh-point" not in html
    with pytest.raises(InputError, match="points or polygons"):
        maps.centrality_map(grid.set_geometry(grid.boundary), "beds_per_1k")


def test_maps_geometry_column_with_another_name(grid, cities, od, tmp_path):
    from spatialhealth.layers import qgis

    g = grid.rename_geometry("geom")
    m = maps.lisa_map(g, simplify=0.01, offline=True)
    assert m.get_root().render().count(f'"_fill": "{LISA_COLOURS["HH"]}"') == 4
    lines = maps.flow_lines(od, cities.rename_geometry("pt"))
    assert len(lines) == 11
    res = qgis.write_geopackage([qgis.QgisLayer(g, "lisa", qgis.lisa_style())], tmp_path / "g.gpkg")
    assert res.frame["features"].tolist() == [25]
