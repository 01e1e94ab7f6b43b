"""Weights that say what they did (issue 14, point 6): units, islands, components, ties, snapping."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Polygon, box

from spatialhealth.errors import InputError
from spatialhealth.layers.weights import build_weights


def cells(nx, ny, x0=0.0, y0=0.0, size=1000.0, crs=3857, prefix="c"):
    geoms, codes = [], []
    for j in range(ny):
        for i in range(nx):
            geoms.append(box(x0 + i * size, y0 + j * size, x0 + (i + 1) * size, y0 + (j + 1) * size))
            codes.append(f"{prefix}{j}{i}")
    return gpd.GeoDataFrame({"code": codes}, geometry=geoms, crs=crs)


def test_threshold_in_crs_units_and_warning_when_most_units_are_islands():
    g = cells(5, 5)
    with pytest.warns(UserWarning, match=r"threshold 0.5 m, 25 of 25 units have no neighbour .*1,000 m"):
        w = build_weights(g, kind="distance_band", threshold=0.5)
    assert "distance band (0.5 m between centroids)" in w.summary()
    assert w.n_components == 1  # islands linked, then components linked until connected
    w = build_weights(g, kind="distance_band", threshold=1000)
    assert w.n_links == 2 * (5 * 4 * 2) and "1,000 m" in w.describe()


def test_nearest_links_every_component_not_only_single_units():
    main = cells(3, 3)
    group = cells(2, 1, x0=10_000, prefix="z")  # two cells cut off: no unit alone, so no island
    far = cells(1, 1, x0=0, y0=20_000, prefix="f")  # a single island
    g = pd.concat([main, group, far], ignore_index=True)
    w = build_weights(g, kind="rook")
    assert w.n_components == 1
    links = w.added_links.set_index("code")
    assert links.loc["f00", "kind"] == "island" and links.loc["f00", "neighbour"] == "c20"
    assert links.loc["f00", "tied_with"] == "c21"  # the corner cell is exactly as near
    comp = w.added_links[w.added_links.kind == "component"].iloc[0]
    assert (comp.code, comp.neighbour, comp["size"]) == ("z00", "c02", 2)
    assert comp.distance_m == pytest.approx(7000)
    assert "components linked" in w.summary() and "2 units cut off" in w.summary()
    kept = build_weights(g, kind="rook", islands="keep")
    assert kept.n_components == 3


def test_equidistant_island_reports_the_tie():
    g = pd.concat([cells(2, 1), gpd.GeoDataFrame({"code": ["x"]}, geometry=[box(500, 3000, 1500, 4000)],
                                                 crs=3857)], ignore_index=True)
    w = build_weights(g, kind="queen")
    row = w.added_links.iloc[0]
    assert row.code == "x" and {row.neighbour, row.tied_with} == {"c00", "c01"}
    assert "equally near" in w.summary()


def test_missing_ids_and_duplicate_geometries_are_our_errors():
    g = cells(3, 1)
    with pytest.raises(InputError, match="no region code in rows 1"):
        build_weights(g.assign(code=["a", None, "c"]))
    with pytest.raises(InputError, match="no code in rows"):
        build_weights(pd.DataFrame({"code": ["a", None], "neighbour": ["b", "a"]}))
    dup = pd.concat([g, g.iloc[[1]].assign(code="copy")], ignore_index=True)
    for kind in ("knn", "queen"):
        with pytest.raises(InputError, match="identical geometries: c01=copy"):
            build_weights(dup, kind=kind, k=2)


def test_geographic_data_projected_to_a_stated_crs():
    g = cells(4, 4, x0=110.0, y0=30.0, size=0.1, crs=4326)
    w = build_weights(g, kind="distance_band", threshold=12_000)
    assert "equidistant conic" in w.describe() and "12,000 m" in w.describe()
    # a 0.1-degree cell is about 11.1 km north-south and 9.6 km east-west at 30°N
    f = w.frame
    assert {("c00", "c10"), ("c00", "c01")} <= set(zip(f.code, f.neighbour))
    assert ("c00", "c11") not in set(zip(f.code, f.neighbour))
    w2 = build_weights(g, kind="knn", k=2, crs="EPSG:32649")
    assert "EPSG:32649" in w2.describe()
    with pytest.raises(InputError, match="projected"):
        build_weights(g, kind="knn", k=2, crs="EPSG:4490")


def test_rook_from_cells_with_rounding_noise_keeps_every_link():
    nx, ny, a = 40, 30, 0.1
    geoms, codes = [], []
    for j in range(ny):
        for i in range(nx):
            x0, y0 = 73.0 + i * a, 18.0 + j * a  # x0 + a: each cell's corners computed on their own
            geoms.append(Polygon([(x0, y0), (x0 + a, y0), (x0 + a, y0 + a), (x0, y0 + a)]))
            codes.append(f"{j:02d}{i:02d}")
    g = gpd.GeoDataFrame({"code": codes}, geometry=geoms, crs=4326)
    expected = 2 * (nx * (ny - 1) + ny * (nx - 1))
    raw = build_weights(g, kind="rook", islands="keep", snap=None)
    assert raw.n_links < expected  # the noise breaks shared vertices without snapping
    for strict in (False, True):
        w = build_weights(g, kind="rook", islands="keep", strict=strict)
        assert w.n_links == expected, strict
    assert build_weights(g, kind="queen", islands="keep").n_links == expected + 4 * (nx - 1) * (ny - 1)
