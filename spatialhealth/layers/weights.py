"""Spatial weights for region-level analyses, convertible to ``libpysal.graph.Graph``.

One entry point, :func:`build_weights`, builds contiguity (queen, rook),
k-nearest-neighbour, distance-band, inverse-distance, economic-distance and
nested (economic x geographic) weights from a GeoDataFrame keyed by region
code, or reads them from a neighbour table or a GAL/GWT file. Islands (units
without neighbours) are never dropped silently: they are linked to their
nearest unit, kept, or rejected, and the summary says which.

Examples
--------
>>> import pandas as pd
>>> table = pd.DataFrame({"code": ["a", "b", "b", "c"], "neighbour": ["b", "a", "c", "b"]})
>>> w = build_weights(table)
>>> w.n, w.n_links
(3, 4)
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .._validate import numeric_column, one_of, require_columns, unique_column
from ..errors import InputError, InputTypeError, format_rows
from . import _weights_build as _b
from ._links import Links

KINDS = ("queen", "rook", "knn", "distance_band", "inverse_distance", "economic", "nested", "table", "file")
GEO_KINDS = ("queen", "rook", "knn", "distance_band", "inverse_distance")
ISLAND_POLICIES = ("nearest", "keep", "raise")
TRANSFORMS = {"r": "R", "b": "B", "o": "O"}

_DESCRIPTION = {
    "queen": "queen contiguity (shared edge or vertex)",
    "rook": "rook contiguity (shared edge)",
    "knn": "k-nearest neighbours",
    "distance_band": "distance band",
    "inverse_distance": "inverse distance",
    "economic": "economic distance 1/|x_i - x_j|",
    "nested": "nested (economic x geographic)",
    "table": "neighbour table",
    "file": "weights file",
}


class IslandError(InputError):
    """Raised with ``islands="raise"`` when some units have no neighbour."""


@dataclass(frozen=True)
class SpatialWeights:
    """Spatial weights and how they were built.

    Attributes
    ----------
    links : Links
        The weights (transformed as ``transform`` says) as a light link table over the
        region codes in the order of the input (``links.sparse`` is the CSR matrix).
    graph : libpysal.graph.Graph
        The same weights as a libpysal Graph, built on first access (importing libpysal
        takes about a second, which a LISA does not need).
    kind : str
        Builder used (``"queen"``, ``"knn"``, ...).
    transform : str
        ``"r"`` row-standardised, ``"b"`` binary, ``"o"`` as built.
    islands : tuple of str
        Units that had no neighbour under the builder (before any link was added).
    island_policy : str
        ``"nearest"``, ``"keep"`` or ``"raise"``.
    added_links : pandas.DataFrame
        Links added for islands under ``islands="nearest"``: code, neighbour,
        distance_m (polygon or centroid distance in metres, see ``islands``). Each is added
        in both directions.
    options : dict
        Builder options (k, threshold, power, cutoff, column, metric...).
    names : dict
        Code -> display name, when the input had a name column.
    """

    links: object
    kind: str
    transform: str
    islands: tuple
    island_policy: str
    added_links: pd.DataFrame
    options: dict = field(default_factory=dict)
    names: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.links is not None and not isinstance(self.links, Links):  # a libpysal Graph
            object.__setattr__(self, "links", Links.from_graph(self.links))

    @property
    def graph(self):
        """The weights as a ``libpysal.graph.Graph`` (built once, on first access)."""
        return self.links.to_graph()

    @property
    def ids(self) -> pd.Index:
        """Region codes in weights order."""
        return pd.Index(self.links.unique_ids)

    @property
    def n(self) -> int:
        return int(self.links.n)

    @property
    def n_links(self) -> int:
        """Number of directed non-zero links (a symmetric pair counts twice)."""
        return int(self.links.n_edges)

    @property
    def cardinalities(self) -> pd.Series:
        return self.links.cardinalities

    @property
    def n_components(self) -> int:
        return int(self.links.n_components)

    @property
    def remaining_islands(self) -> tuple:
        """Units still without neighbours in :attr:`graph`."""
        return tuple(self.links.isolates)

    @property
    def frame(self) -> pd.DataFrame:
        """Links as a tidy table: code, neighbour, weight (islands have no row)."""
        adj = self.links.pairs()
        return pd.DataFrame({"code": adj["focal"].astype(str).to_numpy(),
                             "neighbour": adj["neighbor"].astype(str).to_numpy(),
                             "weight": adj["weight"].to_numpy()})

    def describe(self) -> str:
        text = _DESCRIPTION.get(self.kind, self.kind)
        o = self.options
        if self.kind == "knn":
            text = f"{o['k']}-nearest neighbours ({o['metric'].replace('_', '-')} distance between centroids"
            text += f" in {o['crs']})" if o.get("crs") else ")"
        elif self.kind == "distance_band":
            units = o.get("units", "m")
            where = f" in {o['crs']}" if o.get("crs") else ""
            text = f"distance band ({o['threshold']:,g} {units} between centroids{where})"
        elif self.kind == "inverse_distance":
            cut = "no cut-off" if o.get("cutoff") is None else f"cut-off {o['cutoff']:,.0f} m"
            text = f"inverse distance d^-{o['power']:g} between centroids ({cut})"
        elif self.kind == "economic":
            text = f"economic distance 1/|x_i - x_j| on {o['column']!r}"
        elif self.kind == "nested":
            text = f"nested: economic distance on {o['column']!r} x {o['geo']}"
        elif self.kind in ("queen", "rook") and o.get("strict"):
            text += ", geometric predicate"
        std = {"r": "row-standardised", "b": "binary", "o": "untransformed"}[self.transform]
        return f"{text}, {std}"

    def summary_frame(self) -> pd.DataFrame:
        """The summary as a two-column table (statistic, value)."""
        card = self.cardinalities.to_numpy()
        rows = [
            ("weights", self.describe()),
            ("units", self.n),
            ("links (directed)", self.n_links),
            ("mean neighbours", round(float(card.mean()), 3)),
            ("min neighbours", int(card.min())),
            ("max neighbours", int(card.max())),
            ("components", self.n_components),
            ("islands", self._island_text()),
        ]
        comp = self.added_links[self.added_links["kind"] == "component"] if "kind" in self.added_links.columns \
            else self.added_links.iloc[:0]
        if len(comp):
            parts = []
            for r in comp.itertuples(index=False):
                tie = f" (equally near: {r.tied_with.replace(';', ', ')})" if r.tied_with else ""
                parts.append(f"{self._label(r.code)} linked to {self._label(r.neighbour)} at "
                             f"{r.distance_m / 1000:,.1f} km ({r.size} units cut off){tie}")
            rows.append(("components linked", f"{len(comp)}: " + "; ".join(parts)))
        return pd.DataFrame(rows, columns=["statistic", "value"])

    def _label(self, code) -> str:
        name = self.names.get(code)
        return f"{code} ({name})" if name else str(code)

    def _island_text(self) -> str:
        if not self.islands:
            return "none"
        if self.island_policy == "nearest" and len(self.added_links):
            parts = []
            links = self.added_links
            isl = links[links["kind"] == "island"] if "kind" in links.columns else links
            for r in isl.itertuples(index=False):
                dist = "" if not np.isfinite(r.distance_m) else f" at {r.distance_m / 1000:,.1f} km"
                tie = getattr(r, "tied_with", "") or ""
                tie = f" (equally near: {', '.join(self._label(c) for c in tie.split(';'))})" if tie else ""
                parts.append(f"{self._label(r.code)} linked to {self._label(r.neighbour)}{dist}{tie}")
            return f"{len(self.islands)} linked to nearest unit (both directions): " + "; ".join(parts)
        return f"{len(self.islands)} kept without neighbours: " + ", ".join(self._label(c) for c in self.islands)

    def summary(self) -> str:
        """Text table: units, links, mean/min/max neighbours, components, islands."""
        df = self.summary_frame()
        width = max(len(s) for s in df["statistic"])
        lines = ["Spatial weights"] + [f"  {s:<{width}}  {v}" for s, v in zip(df["statistic"], df["value"])]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<SpatialWeights {self.describe()}: {self.n} units, {self.n_links} links>"

    def to_file(self, path) -> Path:
        """Write the weights: ``.gal`` (binary links), ``.gwt`` (with weights), ``.csv`` or ``.parquet``.

        Files are written atomically.
        """
        from .._io import atomic_path, write_csv

        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".csv":
            return write_csv(self.frame, path)
        one_of(suffix, (".gal", ".gwt", ".csv", ".parquet"), "file suffix")
        with atomic_path(path) as tmp:
            if suffix == ".gal":
                self.graph.to_gal(str(tmp))
            elif suffix == ".gwt":
                self.graph.to_gwt(str(tmp))
            else:
                self.frame.to_parquet(tmp, index=False)
        return path


def build_weights(
    data,
    kind: str = "queen",
    islands: str = "nearest",
    *,
    id_col: str = "code",
    transform: str = "r",
    k: int = 4,
    metric: str = "projected",
    threshold: float | None = None,
    power: float = 1.0,
    cutoff: float | None = None,
    column: str | None = None,
    geo: str = "inverse_distance",
    strict: bool = False,
    neighbour_col: str = "neighbour",
    weight_col: str | None = None,
    ids=None,
    coordinates: pd.DataFrame | None = None,
    projected_crs: str | None = None,
    name_col: str | None = None,
    crs: str | None = None,
    snap: float | str | None = "auto",
) -> SpatialWeights:
    """Build spatial weights from geometries, a neighbour table or a GAL/GWT file.

    Parameters
    ----------
    data : GeoDataFrame, DataFrame or path
        A GeoDataFrame with a region-code column ``id_col`` (one row per unit); or a
        neighbour table with columns ``id_col`` and ``neighbour_col`` (a row with an empty
        neighbour declares a unit without neighbours); or the path of a ``.gal`` / ``.gwt``
        file. A plain DataFrame with ``id_col`` and ``column`` suffices for
        ``kind="economic"``.
    kind : str
        ``"queen"`` / ``"rook"`` contiguity (libpysal's vertex-based test, or the
        geometric predicate with ``strict=True``); ``"knn"`` (``k`` nearest centroids;
        ``metric="projected"`` Euclidean in the layer's projected CRS or
        ``"great_circle"`` haversine on the centroids); ``"distance_band"`` (binary,
        centroids within ``threshold`` metres); ``"inverse_distance"`` (d^-``power``
        between centroids, metres, zero beyond ``cutoff`` metres, all pairs when
        ``cutoff`` is None); ``"economic"`` (``1/|x_i - x_j|`` on ``column``, all pairs);
        ``"nested"`` (element-wise product of economic weights on ``column`` and the
        geographic weights ``geo``, built with the same options). Ignored for tables and
        files.
    islands : {"nearest", "keep", "raise"}
        What to do with units that get no neighbour. ``"nearest"`` links each island
        symmetrically to the unit at the smallest distance (polygon distance for
        contiguity, centroid distance for distance-based kinds; measured in the
        layer's CRS if projected, else in an Albers projection for China, or from
        ``coordinates`` for tables) and reports the links in ``added_links``; the
        added link has weight 1 before transformation for binary kinds and the kind's
        own weight at that distance otherwise. ``"keep"`` leaves them without
        neighbours (their local statistics are then missing); ``"raise"`` raises
        :class:`IslandError`. No snapping tolerance is used.
    transform : {"r", "b", "o"}
        Row-standardise (default), binary, or keep the built weights.
    coordinates : DataFrame, optional
        For tables and files under ``islands="nearest"``: projected coordinates with
        columns ``id_col``, ``x``, ``y`` (metres).
    crs : str or int, optional
        ``knn`` (``metric="projected"``) and ``distance_band`` on geographic coordinates
        (longitude/latitude) project the centroids first, to this CRS or by default to
        :data:`~spatialhealth.layers._weights_build.CHINA_EQUIDISTANT` (equidistant conic
        for China, metres); the summary states the CRS used. On projected data, distances
        are in the layer's own CRS and its units (the summary names them).
    snap : float, "auto" or None
        Contiguity only: coordinates are snapped to a grid of this size (CRS units) before
        neighbours are found, so that cells built with floating-point noise (``x0 + a`` in
        degrees) still share their vertices. ``"auto"``: 1e-9 of the layer's extent;
        ``None``: no snapping.

    Notes
    -----
    With ``islands="nearest"``, units without neighbours are linked to their nearest unit
    first, then every connected component other than the largest (a group of units cut off
    from the mainland, such as Zhoushan or Hainan with its offshore counties) is linked by
    its closest pair of units to the nearest unit outside it, until the graph is connected.
    Each added link is reported in ``added_links`` (with ``kind`` "island" or "component"
    and, when several units lie at the same smallest distance, ``tied_with``).

    Returns
    -------
    SpatialWeights

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"code": ["a", "b", "b", "c", "d"], "neighbour": ["b", "a", "c", "b", None]})
    >>> xy = pd.DataFrame({"code": list("abcd"), "x": [0, 1, 2, 9], "y": [0, 0, 0, 0]})
    >>> w = build_weights(t, coordinates=xy)
    >>> w.added_links[["code", "neighbour"]].values.tolist()
    [['d', 'c']]
    """
    one_of(islands, ISLAND_POLICIES, "islands")
    one_of(transform, tuple(TRANSFORMS), "transform")
    if isinstance(data, (str, Path)):
        path = Path(data)
        if not path.exists():
            raise FileNotFoundError(f"No weights file at {str(path)!r}.")
        graph = _b.from_file(path)
        return _finish(graph, "file", islands, transform, None, coordinates, id_col, {"path": str(path)}, {},
                       projected_crs)
    if not isinstance(data, pd.DataFrame):
        raise InputTypeError(
            "`data` must be a GeoDataFrame, a neighbour table (DataFrame) or the path of a .gal/.gwt file; "
            f"{type(data).__name__} was given."
        )
    # no GeoDataFrame can exist before geopandas is imported: a neighbour table need not import it
    gpd = sys.modules.get("geopandas")
    is_geo = gpd is not None and isinstance(data, gpd.GeoDataFrame)
    if not is_geo and neighbour_col in data.columns:
        require_columns(data, [id_col, neighbour_col], "neighbour table")
        graph = _b.from_table(data, id_col, neighbour_col, weight_col, ids)
        return _finish(graph, "table", islands, transform, None, coordinates, id_col, {}, {}, projected_crs)

    one_of(kind, tuple(k_ for k_ in KINDS if k_ not in ("table", "file")), "kind")
    require_columns(data, [id_col], "table")
    missing_id = data[id_col].isna().to_numpy()
    if missing_id.any():
        raise InputError(f"Column {id_col!r} has no region code in rows {format_rows(data.index[missing_id])}; "
                         "every unit needs a code.")
    codes = data[id_col].map(_b._code)
    if codes.duplicated().any():
        unique_column(data.assign(**{id_col: codes}), id_col)
    if len(codes) < 3:
        raise InputError(f"Spatial weights need at least 3 units; {len(codes)} were given.")
    names = _names(data, codes, name_col)
    ids_index = pd.Index(codes.to_numpy(), dtype=object)

    if kind == "economic":
        values = numeric_column(data, column, what="table") if column else _need_column(kind)
        graph = _b.economic(ids_index, values, column)
        return _finish(graph, kind, islands, transform, None, None, id_col, {"column": column}, names, projected_crs)
    if not is_geo:
        raise InputTypeError(
            f"kind={kind!r} needs geometries: pass a GeoDataFrame (or a neighbour table with a "
            f"{neighbour_col!r} column, or a .gal/.gwt path)."
        )
    geometry = _checked_geometry(data, ids_index)
    _b.check_duplicate_geometries(geometry)
    options: dict = {}
    geo_kind = geo if kind == "nested" else kind
    if kind == "nested":
        one_of(geo, GEO_KINDS, "geo")
    if geo_kind in ("queen", "rook"):
        if not geometry.geom_type.isin(["Polygon", "MultiPolygon"]).all():
            raise InputError(f"{geo_kind} contiguity needs polygon geometries; got "
                             f"{', '.join(sorted(geometry.geom_type.unique()))}.")
        options["strict"] = bool(strict)
        grid_size = _b.snap_size(geometry, snap)
        if grid_size:
            options["snap"] = grid_size
        graph = _b.contiguity(geometry, rook=geo_kind == "rook", strict=strict, grid_size=grid_size)
    elif geo_kind == "knn":
        one_of(metric, ("projected", "great_circle"), "metric")
        if geometry.crs is None:
            raise InputError("k-nearest neighbours need a CRS to measure distances; the GeoDataFrame has none. "
                             "Set it with gdf.set_crs(...).")
        if metric == "projected":
            geometry, used = _b.projected(geometry, crs)
            options.update(crs=used, units=_b.crs_units(geometry.crs))
        options.update(k=k, metric=metric)
        graph = _b.knn(geometry, k, metric)
    elif geo_kind == "distance_band":
        if threshold is None:
            raise InputError("kind='distance_band' needs `threshold` (distance between centroids in the units "
                             "of the layer's projected CRS, metres for geographic layers).")
        if geometry.crs is None:
            raise InputError("A distance band needs a CRS to measure distances; the GeoDataFrame has no CRS. "
                             "Set it with gdf.set_crs(...).")
        geometry, used = _b.projected(geometry, crs)
        units = _b.crs_units(geometry.crs)
        options.update(threshold=threshold, crs=used, units=units)
        graph = _b.distance_band(geometry, threshold)
        _warn_if_mostly_islands(graph, threshold, units, geometry)
    else:  # inverse_distance
        _require_projected(geometry, "Inverse-distance weights in metres")
        options.update(power=power, cutoff=cutoff)
        graph = _b.inverse_distance(geometry, power, cutoff)
    weight_fn = _weight_function(geo_kind, options)
    by = "polygon" if geo_kind in ("queen", "rook") else "centroid"
    if kind == "nested":
        values = numeric_column(data, column, what="table") if column else _need_column(kind)
        graph, added, island_codes = _islands(graph, islands, geometry, None, projected_crs, names, weight_fn, by)
        graph = _b.product(ids_index, graph, _b.economic(ids_index, values, column))
        options.update(column=column, geo=_DESCRIPTION_OF(geo_kind, options))
        return _make(graph, kind, transform, island_codes, islands, added, options, names)
    graph, added, island_codes = _islands(graph, islands, geometry, None, projected_crs, names, weight_fn, by)
    return _make(graph, kind, transform, island_codes, islands, added, options, names)


def as_graph(weights):
    """Return the ``libpysal.graph.Graph`` of ``weights`` (SpatialWeights, Graph or libpysal W).

    Parameters
    ----------
    weights : SpatialWeights, libpysal.graph.Graph or libpysal.weights.W
        Spatial weights.

    Returns
    -------
    libpysal.graph.Graph
        The same links and weights.

    Examples
    --------
    >>> import pandas as pd
    >>> w = build_weights(pd.DataFrame({"code": list("abcd"), "neighbour": list("badc")}))
    >>> as_graph(w).n
    4
    """
    if isinstance(weights, SpatialWeights):
        return weights.graph
    from libpysal.graph import Graph

    if isinstance(weights, Graph):
        return weights
    try:
        from libpysal.weights import W
    except ImportError:  # pragma: no cover
        W = ()
    if W and isinstance(weights, W):
        return Graph.from_W(weights)
    raise InputTypeError(
        f"`weights` must be SpatialWeights (from build_weights) or a libpysal Graph; {type(weights).__name__} was given."
    )


def as_links(weights) -> Links:
    """The light link table of ``weights`` (no libpysal import for :class:`SpatialWeights`).

    Parameters
    ----------
    weights : SpatialWeights, libpysal.graph.Graph or libpysal.weights.W
        Spatial weights.

    Returns
    -------
    Links
        ``unique_ids``, ``sparse`` (CSR), ``transformation`` and the Graph on demand.

    Examples
    --------
    >>> import pandas as pd
    >>> w = build_weights(pd.DataFrame({"code": list("abcd"), "neighbour": list("badc")}))
    >>> as_links(w).sparse.shape
    (4, 4)
    """
    if isinstance(weights, SpatialWeights):
        return weights.links
    return Links.from_graph(as_graph(weights))


# --- helpers -----------------------------------------------------------------------------


def _DESCRIPTION_OF(kind, options):  # noqa: N802
    probe = SpatialWeights(None, kind, "o", (), "keep", pd.DataFrame(), options)
    return probe.describe().rsplit(",", 1)[0]


def _need_column(kind):
    raise InputError(f"kind={kind!r} needs `column`, the variable whose differences define economic distance.")


def _names(data, codes, name_col):
    col = name_col
    if col is None:
        col = next((c for c in ("name_en", "name", "name_zh") if c in data.columns), None)
    if col is None:
        return {}
    require_columns(data, [col], "table")
    return dict(zip(codes, data[col].astype(str)))


def _checked_geometry(data, ids):
    geom = data.geometry
    missing = geom.isna() | geom.is_empty
    if missing.any():
        raise InputError(f"Geometries are missing or empty for units {format_rows(ids[missing.to_numpy()])}.")
    invalid = ~geom.is_valid
    if invalid.any():
        raise InputError(
            f"Geometries are invalid for units {format_rows(ids[invalid.to_numpy()])}; repair them first, "
            "e.g. gdf.geometry = gdf.geometry.make_valid()."
        )
    out = geom.copy()
    out.index = ids
    return out


def _require_projected(geometry, what, hint=""):
    if geometry.crs is None:
        raise InputError(f"{what} needs a projected CRS; the GeoDataFrame has no CRS. Set it with gdf.set_crs(...).")
    if not geometry.crs.is_projected:
        raise InputError(
            f"{what} needs a projected CRS in metres; the GeoDataFrame is in {geometry.crs.name} "
            f"(geographic, degrees). Reproject first, e.g. gdf.to_crs({_b.CHINA_ALBERS!r}){hint}."
        )


def _weight_function(kind, options):
    """Weight given to a link added for an island, as a function of its distance in metres."""
    if kind == "inverse_distance":
        return lambda d: float(d) ** -float(options["power"]) if d > 0 else 1.0
    return lambda d: 1.0


def _islands(graph, policy, geometry, xy, projected_crs, names, weight_fn, by="polygon"):
    island_codes = tuple(str(c) for c in graph.isolates)
    empty = pd.DataFrame({"code": pd.Series(dtype=object), "neighbour": pd.Series(dtype=object),
                          "distance_m": pd.Series(dtype=float), "kind": pd.Series(dtype=object),
                          "size": pd.Series(dtype=int), "tied_with": pd.Series(dtype=object)})
    if not island_codes:
        if policy == "nearest" and (geometry is not None or xy is not None):
            return _link_components(graph, empty, geometry, xy, projected_crs, weight_fn, by, island_codes)
        return graph, empty, island_codes
    if policy == "raise":
        labels = [f"{c} ({names[c]})" if c in names else c for c in island_codes]
        raise IslandError(
            f"{len(island_codes)} unit(s) have no neighbour under these weights: {format_rows(labels)}. "
            "Pass islands='nearest' to link each to its nearest unit, or islands='keep'."
        )
    if policy == "keep":
        return graph, empty, island_codes
    if geometry is not None:
        added = _b.nearest_links(geometry, island_codes, projected_crs, by=by)
    elif xy is not None:
        added = _b.point_nearest_links(xy, island_codes)
    else:
        raise InputError(
            f"Units {format_rows(island_codes)} have no neighbour, and linking them to their nearest unit "
            "needs geometries or `coordinates` (columns code, x, y in metres); pass one of those, or "
            "islands='keep'."
        )
    added = added.assign(kind="island", size=1)
    if "tied_with" not in added.columns:
        added["tied_with"] = ""
    graph = _add_links(graph, added, weight_fn)
    return _link_components(graph, added, geometry, xy, projected_crs, weight_fn, by, island_codes)


def _add_links(graph, added, weight_fn):
    links = _b.pairs_of(graph)
    extra = []
    for r in added.itertuples(index=False):
        wt = weight_fn(r.distance_m)
        extra.append((r.code, r.neighbour, wt))
        extra.append((r.neighbour, r.code, wt))
    extra = pd.DataFrame(extra, columns=["focal", "neighbor", "weight"]).drop_duplicates(["focal", "neighbor"])
    base = links.assign(focal=links["focal"].astype(object), neighbor=links["neighbor"].astype(object))
    merged = pd.concat([base, extra], ignore_index=True).drop_duplicates(["focal", "neighbor"], keep="first")
    ids = pd.Index(graph.unique_ids.astype(object))
    return _b.graph_from_pairs(ids, merged["focal"], merged["neighbor"], merged["weight"])


def _link_components(graph, added, geometry, xy, projected_crs, weight_fn, by, island_codes):
    """Link every component but the largest to its nearest unit outside it, until connected."""
    while True:
        labels = _b.component_labels(graph)
        if labels.max() == 0:
            break
        if geometry is not None:
            new = _b.nearest_component_links(geometry, labels, projected_crs, by=by)
        else:
            new = _b.point_component_links(xy.loc[list(graph.unique_ids)], labels)
        new = new.assign(kind="component")
        graph = _add_links(graph, new, weight_fn)
        added = pd.concat([added, new], ignore_index=True) if len(added) else new
    return graph, added, island_codes


def _warn_if_mostly_islands(graph, threshold, units, geometry):
    import warnings

    n_isl = len(graph.isolates)
    if n_isl > graph.n / 2:
        pts = geometry.centroid
        xy = np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])
        from scipy.spatial import cKDTree

        d, _ = cKDTree(xy).query(xy, k=2)
        med = float(np.median(d[:, 1]))
        warnings.warn(
            f"distance band: with threshold {threshold:,g} {units}, {n_isl} of {graph.n} units have no neighbour "
            f"(the median distance to the nearest centroid is {med:,.4g} {units}). Is the threshold in the "
            f"layer's units ({units})?", UserWarning, stacklevel=3)


def _finish(graph, kind, islands, transform, geometry, coordinates, id_col, options, names, projected_crs):
    if graph.n < 3:
        raise InputError(f"Spatial weights need at least 3 units; {graph.n} were found.")
    xy = None
    if coordinates is not None:
        require_columns(coordinates, [id_col, "x", "y"], "coordinates table")
        xy = coordinates.assign(**{id_col: coordinates[id_col].map(_b._code)}).set_index(id_col)[["x", "y"]]
        missing = [c for c in graph.unique_ids if c not in xy.index]
        if missing:
            raise InputError(f"`coordinates` has no row for units {format_rows(missing)}.")
    graph, added, island_codes = _islands(graph, islands, geometry, xy, projected_crs, names, lambda d: 1.0)
    return _make(graph, kind, transform, island_codes, islands, added, options, names)


def _make(graph, kind, transform, island_codes, policy, added, options, names):
    graph = graph.transform(TRANSFORMS[transform]) if transform != "o" else graph
    return SpatialWeights(links=graph, kind=kind, transform=transform, islands=island_codes,
                          island_policy=policy, added_links=added.reset_index(drop=True), options=options, names=names)
