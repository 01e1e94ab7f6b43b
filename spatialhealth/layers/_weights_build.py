"""Builders behind :func:`spatialhealth.layers.weights.build_weights`.

Pure functions over validated inputs returning :class:`~spatialhealth.layers._links.Links`
(light link tables; the ``libpysal.graph.Graph`` is built only on demand) with
*untransformed* weights (binary, inverse distance, ...), indexed by region code. Geometry checks, island handling and transformation live in
:mod:`spatialhealth.layers.weights`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputError, InputTypeError, format_rows
from ._links import Links, vertex_contiguity

#: Albers equal-area conic for China (standard parallels 25°N and 47°N, central
#: meridian 105°E), used when polygon distances are needed and the data are in
#: longitude/latitude.
CHINA_ALBERS = "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +datum=WGS84 +units=m +no_defs"

#: Equidistant conic for China (standard parallels 25°N and 47°N, central meridian
#: 105°E; distances true along the meridians), used for knn and distance bands when the
#: data are in longitude/latitude and no ``crs`` is given.
CHINA_EQUIDISTANT = "+proj=eqdc +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +datum=WGS84 +units=m +no_defs"

#: relative tolerance within which two nearest distances count as a tie
TIE_RTOL = 1e-9


def graph_from_pairs(ids, focal, neighbor, weight) -> Links:
    """Links over ``ids`` (in this order) from code arrays; units without links are isolates."""
    return Links.from_pairs(pd.Index(ids), focal, neighbor, weight)


def pairs_of(graph) -> pd.DataFrame:
    """Non-zero links of ``graph`` as a frame (focal, neighbor, weight), self-loops of isolates dropped."""
    if isinstance(graph, Links):
        return graph.pairs()
    adj = graph.adjacency.reset_index()
    keep = adj["weight"].to_numpy() != 0
    return adj.loc[keep].reset_index(drop=True)


def contiguity(geometry, rook: bool, strict: bool, grid_size: float | None = None) -> Links:
    """Queen/rook links: libpysal's vertex-set definition (our sort-based builder), or its predicates."""
    if not strict:
        return vertex_contiguity(np.asarray(geometry.values), pd.Index(geometry.index), rook, grid_size)
    from libpysal.graph import Graph

    if grid_size:
        import shapely

        snapped = shapely.set_precision(geometry.values, grid_size)
        geometry = geometry.copy()
        geometry[:] = snapped
    return Links.from_graph(Graph.build_contiguity(geometry, rook=rook, strict=strict))


def snap_size(geometry, snap) -> float | None:
    """Grid size for snapping coordinates before contiguity: ``"auto"`` is 1e-9 of the extent."""
    if snap is None or snap == 0:
        return None
    if isinstance(snap, str):
        if snap != "auto":
            raise InputError(f"`snap` must be a positive number, 'auto' or None; {snap!r} was given.")
        x0, y0, x1, y1 = geometry.total_bounds
        extent = max(x1 - x0, y1 - y0, abs(x0), abs(y0), abs(x1), abs(y1))
        return float(extent * 1e-9) if extent > 0 else None
    _positive(snap, "snap")
    return float(snap)


def check_duplicate_geometries(geometry):
    """Raise an InputError naming units whose geometries are identical."""
    import shapely

    wkb = pd.Series(shapely.to_wkb(shapely.normalize(geometry.values)), index=geometry.index)
    dup = wkb.duplicated(keep=False)
    if dup.any():
        groups = wkb[dup].groupby(wkb[dup]).groups
        text = ["=".join(map(str, idx)) for idx in groups.values()]
        raise InputError(f"Units have identical geometries: {format_rows(text)}. Each unit needs its own "
                         "geometry (merge or drop the duplicates).")


def projected(geometry, crs=None):
    """``(geometry in a projected CRS, description of the CRS used or None when already projected)``."""
    if geometry.crs.is_projected and crs is None:
        return geometry, None
    target = crs or CHINA_EQUIDISTANT
    from pyproj import CRS

    target_crs = CRS.from_user_input(target)
    if not target_crs.is_projected:
        raise InputError(f"`crs` must be a projected CRS; {target!r} is geographic.")
    name = target_crs.name if target_crs.name and target_crs.name != "unknown" else str(target)
    if target == CHINA_EQUIDISTANT:
        name = "an equidistant conic projection for China (lat 25/47, lon 105)"
    epsg = target_crs.to_epsg()
    if epsg:
        name = f"EPSG:{epsg} ({target_crs.name})"
    return geometry.to_crs(target_crs), name


def crs_units(crs) -> str:
    """Short name of a projected CRS's linear unit (``"m"``, ``"ft"``, ...)."""
    try:
        unit = crs.axis_info[0].unit_name
    except (AttributeError, IndexError):  # pragma: no cover
        return "units"
    return {"metre": "m", "meter": "m", "foot": "ft", "US survey foot": "US ft", "kilometre": "km"}.get(unit, unit)


def component_labels(graph) -> np.ndarray:
    """Connected-component label per unit, 0 for the largest component."""
    if isinstance(graph, Links):
        labels = graph.component_labels()
    else:
        from scipy.sparse.csgraph import connected_components

        _, labels = connected_components(graph.sparse, directed=True, connection="weak")
    sizes = np.bincount(labels)
    order = np.argsort(-sizes, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[labels]


def _nearest_pair(tree_geoms, src_geoms, src_idx, dst_idx):
    """Closest (distance, src position, dst position, ties) between two sets of geometries."""
    import shapely

    tree = shapely.STRtree(tree_geoms)
    hits, dist = tree.query_nearest(src_geoms, return_distance=True, all_matches=True)
    best = dist.min()
    close = dist <= best * (1 + TIE_RTOL) + 1e-12
    src = src_idx[hits[0][close]]
    dst = dst_idx[hits[1][close]]
    return float(best), src, dst


def nearest_component_links(geometry, labels, projected_crs, by="polygon"):
    """For each component but the largest: its closest pair of units to any unit outside it."""
    geom = _distance_geometry(geometry, projected_crs, by)
    values = np.asarray(geom.values)
    codes = np.asarray(geom.index, dtype=object)
    rows = []
    for comp in range(1, labels.max() + 1):
        inside = np.nonzero(labels == comp)[0]
        outside = np.nonzero(labels != comp)[0]
        d, src, dst = _nearest_pair(values[outside], values[inside], inside, outside)
        tied = sorted({str(codes[b]) for b in dst[1:]} - {str(codes[dst[0]])})
        rows.append((codes[src[0]], codes[dst[0]], d, len(inside), ";".join(tied)))
    return pd.DataFrame(rows, columns=["code", "neighbour", "distance_m", "size", "tied_with"])


def point_component_links(xy: pd.DataFrame, labels):
    """As :func:`nearest_component_links` from projected coordinates (index code, columns x, y)."""
    from scipy.spatial import cKDTree

    pts = xy[["x", "y"]].to_numpy(float)
    codes = np.asarray(xy.index, dtype=object)
    rows = []
    for comp in range(1, labels.max() + 1):
        inside = np.nonzero(labels == comp)[0]
        outside = np.nonzero(labels != comp)[0]
        d, j = cKDTree(pts[outside]).query(pts[inside])
        k = int(np.argmin(d))
        close = np.nonzero(d <= d[k] * (1 + TIE_RTOL) + 1e-12)[0]
        tied = sorted({str(codes[outside[j[c]]]) for c in close} - {str(codes[outside[j[k]]])})
        rows.append((codes[inside[k]], codes[outside[j[k]]], float(d[k]), len(inside), ";".join(tied)))
    return pd.DataFrame(rows, columns=["code", "neighbour", "distance_m", "size", "tied_with"])


def _distance_geometry(geometry, projected_crs, by):
    if geometry.crs is None:
        raise InputError(
            "Linking islands to their nearest unit needs a CRS to measure distances, and the "
            "GeoDataFrame has none; set one (gdf.set_crs(...)) or pass islands='keep'."
        )
    geom = geometry if geometry.crs.is_projected else geometry.to_crs(projected_crs or CHINA_ALBERS)
    if by == "centroid":
        geom = geom.centroid
    return geom


def centroids(geometry, projected: bool):
    """Centroids as a GeoSeries: in the layer's projected CRS, or lon/lat for great-circle use."""
    if projected:
        return geometry.centroid
    # a centroid computed in degrees is distorted; take it in an equal-area projection
    pts = geometry.to_crs(CHINA_ALBERS).centroid if geometry.geom_type.iloc[0] != "Point" else geometry.to_crs(CHINA_ALBERS)
    return pts.to_crs(4326)


def knn(geometry, k: int, metric: str):
    from libpysal.graph import Graph

    n = len(geometry)
    if not isinstance(k, (int, np.integer)) or k < 1 or k >= n:
        raise InputError(f"`k` must be an integer between 1 and n - 1 = {n - 1}; {k!r} was given.")
    if metric == "great_circle":
        pts = centroids(geometry, projected=False)
        return Links.from_graph(Graph.build_knn(pts, k=int(k), metric="haversine"))
    return Links.from_graph(Graph.build_knn(centroids(geometry, projected=True), k=int(k)))


def distance_band(geometry, threshold: float):
    from libpysal.graph import Graph

    _positive(threshold, "threshold")
    return Links.from_graph(Graph.build_distance_band(centroids(geometry, projected=True),
                                                      threshold=float(threshold), binary=True))


def inverse_distance(geometry, power: float, cutoff: float | None):
    """w_ij = d_ij^-power for centroid distance d_ij <= cutoff (all pairs when cutoff is None)."""
    from libpysal.graph import Graph

    _positive(power, "power")
    pts = centroids(geometry, projected=True)
    xy = np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])
    if cutoff is None:
        span = np.ptp(xy, axis=0)
        cutoff = float(np.hypot(*span)) * 1.01 + 1.0
    _positive(cutoff, "cutoff")
    d = _pairwise(xy)
    coincident = (d == 0) & ~np.eye(len(xy), dtype=bool)
    if coincident.any():
        i, j = np.nonzero(np.triu(coincident))
        raise InputError(
            "Inverse-distance weights are undefined for units with the same centroid: "
            + format_rows([f"{geometry.index[a]}={geometry.index[b]}" for a, b in zip(i, j)]) + "."
        )
    return Links.from_graph(Graph.build_distance_band(pts, threshold=float(cutoff), binary=False,
                                                      alpha=-float(power)))


def economic(ids, values: np.ndarray, column: str):
    """w_ij = 1 / |x_i - x_j| over all pairs i != j (dense: meant for up to a few thousand units)."""
    n = len(values)
    diff = np.abs(values[:, None] - values[None, :])
    off = ~np.eye(n, dtype=bool)
    tie = (diff == 0) & off
    if tie.any():
        i, j = np.nonzero(np.triu(tie))
        raise InputError(
            f"Economic-distance weights 1/|x_i - x_j| are undefined where column {column!r} has equal "
            f"values: units {format_rows([f'{ids[a]} and {ids[b]}' for a, b in zip(i, j)])}."
        )
    i, j = np.nonzero(off)
    return graph_from_pairs(ids, np.asarray(ids, dtype=object)[i], np.asarray(ids, dtype=object)[j], 1.0 / diff[i, j])


def product(ids, a, b):
    """Element-wise product of two graphs on the same ids (links present in both)."""
    pa, pb = pairs_of(a), pairs_of(b)
    m = pa.merge(pb, on=["focal", "neighbor"], suffixes=("_a", "_b"))
    return graph_from_pairs(ids, m["focal"].astype(object), m["neighbor"].astype(object), m["weight_a"] * m["weight_b"])


def nearest_links(geometry, islands, projected_crs: str | None, by: str = "polygon"):
    """For each island, its nearest other unit by polygon (or centroid) distance in metres.

    Returns a frame (code, neighbour, distance_m). Distances are measured in the
    layer's CRS when it is projected, otherwise in ``projected_crs``.
    """
    if geometry.crs is None:
        raise InputError(
            "Linking islands to their nearest unit needs a CRS to measure distances, and the "
            "GeoDataFrame has none; set one (gdf.set_crs(...)) or pass islands='keep'."
        )
    geom = geometry if geometry.crs.is_projected else geometry.to_crs(projected_crs or CHINA_ALBERS)
    if by == "centroid":
        geom = geom.centroid
    import shapely

    values = geom.values
    tree = shapely.STRtree(np.asarray(values))
    pos = {c: k for k, c in enumerate(geom.index)}
    rows = []
    for code in islands:
        k = pos[code]
        # nearest other unit by exact distance (exclusive: the island's own geometry is skipped)
        hits, dist = tree.query_nearest(values[k], return_distance=True, all_matches=True, exclusive=True)
        cand = [(float(d), int(h)) for h, d in zip(hits, dist) if h != k]
        if not cand:  # every other geometry equals this one: fall back to plain distances
            d_all = geom.distance(geom.iloc[k]).to_numpy()
            d_all[k] = np.inf
            h = int(np.argmin(d_all))
            cand = [(float(d_all[h]), h)]
        d, h = min(cand)
        tied = sorted({str(geom.index[hh]) for dd, hh in cand if dd <= d * (1 + TIE_RTOL) + 1e-12} - {str(geom.index[h])})
        rows.append((code, geom.index[h], float(d), ";".join(tied)))
    return pd.DataFrame(rows, columns=["code", "neighbour", "distance_m", "tied_with"])


def point_nearest_links(xy: pd.DataFrame, islands):
    """Nearest unit of each island from projected coordinates (code index, columns x, y)."""
    rows = []
    for code in islands:
        d = np.hypot(xy["x"] - xy.loc[code, "x"], xy["y"] - xy.loc[code, "y"]).drop(index=code)
        best = d.idxmin()
        tied = sorted(str(c) for c in d.index[d <= d.loc[best] * (1 + TIE_RTOL) + 1e-12] if c != best)
        rows.append((code, best, float(d.loc[best]), ";".join(tied)))
    return pd.DataFrame(rows, columns=["code", "neighbour", "distance_m", "tied_with"])


def from_table(table: pd.DataFrame, id_col: str, neighbour_col: str, weight_col: str | None, ids=None):
    """Graph from a (code, neighbour[, weight]) table; rows with a missing neighbour declare islands."""
    missing = table[id_col].isna().to_numpy()
    if missing.any():
        raise InputError(f"Column {id_col!r} of the neighbour table has no code in rows "
                         f"{format_rows(table.index[missing])}.")
    focal = table[id_col].map(_code)
    nbr = table[neighbour_col].map(lambda v: None if pd.isna(v) else _code(v))
    if weight_col is not None:
        w = pd.to_numeric(table[weight_col], errors="coerce")
        bad = w.isna() & nbr.notna()
        if bad.any():
            raise InputError(f"Column {weight_col!r} must hold numeric weights; rows "
                             f"{format_rows(table.index[bad])} do not.")
        w = w.to_numpy(dtype=float)
    else:
        w = np.ones(len(table))
    self_loop = (focal == nbr).to_numpy()
    if self_loop.any():
        raise InputError(f"The neighbour table links units to themselves in rows "
                         f"{format_rows(table.index[self_loop])}; remove those rows.")
    pairs = pd.DataFrame({"focal": focal, "neighbor": nbr, "weight": w})
    dup = pairs.dropna(subset=["neighbor"]).duplicated(["focal", "neighbor"], keep=False)
    if dup.any():
        d = pairs.dropna(subset=["neighbor"])[dup]
        raise InputError(f"The neighbour table lists these pairs more than once: "
                         f"{format_rows(sorted(set(zip(d['focal'], d['neighbor']))))}.")
    seen = list(dict.fromkeys(list(focal) + [v for v in nbr if pd.notna(v)]))
    if ids is not None:
        ids = [_code(v) for v in ids]
        unknown = sorted(set(seen) - set(ids))
        if unknown:
            raise InputError(f"The neighbour table names codes that are not in `ids`: {format_rows(unknown)}.")
    else:
        ids = seen
    linked = pairs.dropna(subset=["neighbor"])
    return graph_from_pairs(pd.Index(ids, dtype=object), linked["focal"], linked["neighbor"], linked["weight"])


def from_file(path):
    """Graph from a GAL or GWT file, ids as strings."""
    from libpysal.graph import read_gal, read_gwt

    suffix = str(path).lower().rsplit(".", 1)[-1]
    if suffix not in ("gal", "gwt"):
        raise InputError(f"Weights files must end in .gal or .gwt; {str(path)!r} was given.")
    g = read_gal(path) if suffix == "gal" else read_gwt(path)
    adj = g.adjacency.reset_index()
    ids = [_code(v) for v in g.unique_ids]
    keep = adj["weight"].to_numpy() != 0
    adj = adj.loc[keep]
    return graph_from_pairs(pd.Index(ids, dtype=object), adj["focal"].map(_code), adj["neighbor"].map(_code), adj["weight"])


def _code(v) -> str:
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        v = int(v)
    return str(v)


def _positive(value, name):
    if not isinstance(value, (int, float, np.integer, np.floating)) or isinstance(value, bool):
        raise InputTypeError(f"`{name}` must be a number; {type(value).__name__} was given.")
    if not np.isfinite(value) or value <= 0:
        raise InputError(f"`{name}` must be a positive finite number; {value!r} was given.")


def _pairwise(xy: np.ndarray) -> np.ndarray:
    diff = xy[:, None, :] - xy[None, :, :]
    return np.sqrt((diff**2).sum(-1))
