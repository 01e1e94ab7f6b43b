"""Rasters: zonal statistics over region polygons and rasterising region results (rasterio).

Zonal statistics turn a grid (e.g. a population count raster) into region totals
so that counts can become per-capita indicators. The region polygons are
reprojected to the raster's CRS; the raster itself is never resampled (resampling
a count grid changes its totals). Cells equal to the raster's nodata value (or
masked) are left out.

Which cells belong to a region (``method``):

* ``"centre"`` — cells whose centre lies inside the polygon (GDAL's default
  rasterisation). Each cell goes to at most one of non-overlapping regions, so
  totals are conserved up to edge effects.
* ``"all_touched"`` — every cell the polygon touches. Border cells count for both
  neighbouring regions, so sums over regions exceed the raster total.
* ``"exact"`` — every touched cell weighted by the exact fraction of its area
  inside the polygon (computed with shapely): ``sum`` is the area-weighted sum,
  ``count`` the covered cell area in cells, ``mean`` = sum / count. For a count
  raster this assumes people are spread evenly within each cell.

Examples
--------
>>> import tempfile, numpy as np, geopandas as gpd
>>> from shapely.geometry import box
>>> path = tempfile.mkdtemp() + "/pop.tif"
>>> _ = write_array(path, np.ones((4, 4)), bounds=(0, 0, 4, 4), crs="EPSG:3857")
>>> zones = gpd.GeoDataFrame({"code": ["a"]}, geometry=[box(0, 0, 2, 2)], crs="EPSG:3857")
>>> zonal_stats(path, zones).frame["sum"].tolist()
[4.0]
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .._compat import DeprecatedMapping
from .._results import Result
from .._validate import one_of, require_columns
from ..errors import InputError, InputTypeError, format_rows

METHODS = ("centre", "all_touched", "exact")
STATS = ("sum", "mean", "count", "min", "max")


def _quiet(fn):
    """Silence rasterio's per-call PendingDeprecationWarning about affine ``*`` (one per cell window)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=PendingDeprecationWarning, message=".*matmul.*")
            return fn(*args, **kwargs)

    return wrapper


@dataclass(frozen=True, repr=False)
class ZonalResult(Result):
    """Zonal statistics per region: ``.frame`` with ``code`` and one column per statistic.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per region.
    method : {"centre", "all_touched", "exact"}
        Which cells belonged to a region.
    raster : str
        The raster file.

    Examples
    --------
    >>> import geopandas as gpd, numpy as np
    >>> from shapely.geometry import box
    >>> p = write_array("v.tif", np.array([[1.0, 2, 3, 4], [5, 6, 7, 8]]), (0, 0, 2, 1), "EPSG:3857")
    >>> regions = gpd.GeoDataFrame({"code": ["a", "b"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)],
    ...                            crs="EPSG:3857")
    >>> zonal_stats(p, regions).frame["sum"].tolist()
    [14.0, 22.0]
    """

    frame: pd.DataFrame
    method: str
    raster: str

    def summary(self) -> str:
        return (f"Zonal statistics of {self.raster} ({self.method} cells), {len(self.frame)} regions\n"
                + self.frame.to_string(index=False, max_rows=40))



@_quiet
def write_array(path, array, bounds, crs, nodata=None, dtype=None) -> Path:
    """Write a 2-D array as a single-band GeoTIFF covering ``bounds`` (west, south, east, north).

    Row 0 is the northern edge. Written atomically.

    Parameters
    ----------
    path : path-like
        The GeoTIFF to write.
    array : numpy.ndarray
        2-D values.
    bounds : tuple of float
        ``(west, south, east, north)`` in units of ``crs``.
    crs : str or rasterio.crs.CRS
        E.g. ``"EPSG:4326"``.
    nodata : float, optional
        The nodata value stored in the file.
    dtype : str, optional
        Cell type (default: the array's).

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> import numpy as np
    >>> write_array("g.tif", np.zeros((2, 3)), (0, 0, 3, 2), "EPSG:4326").name
    'g.tif'
    """
    import rasterio
    from rasterio.transform import from_bounds

    from .._io import atomic_path

    array = np.asarray(array)
    if array.ndim != 2:
        raise InputError(f"`array` must be 2-D; shape {array.shape} was given.")
    dtype = dtype or array.dtype
    h, w = array.shape
    transform = from_bounds(*bounds, w, h)
    with atomic_path(path, suffix=".tif") as tmp:
        with rasterio.open(tmp, "w", driver="GTiff", height=h, width=w, count=1, dtype=dtype, crs=crs,
                           transform=transform, nodata=nodata) as dst:
            dst.write(array.astype(dtype), 1)
    return Path(path)


@_quiet
def zonal_stats(raster, regions, stats=("sum", "mean", "count"), method: str = "centre", *, id_col: str = "code",
                band: int = 1) -> ZonalResult:
    """Statistics of raster cells within each region polygon.

    Parameters
    ----------
    raster : path
        A raster file readable by rasterio (GeoTIFF...).
    regions : GeoDataFrame
        Polygons with a region-code column ``id_col`` and a CRS.
    stats : sequence of {"sum", "mean", "count", "min", "max"}
        ``count`` is the number of valid (non-nodata) cells, or their covered area in
        cells under ``method="exact"``; ``min``/``max`` ignore weights.
    method : {"centre", "all_touched", "exact"}
        Which cells belong to a region (see the module docstring).
    band : int

    Returns
    -------
    ZonalResult
        A region with no valid cell gets ``count`` 0, ``sum`` 0 and missing ``mean``/``min``/``max``.

    Examples
    --------
    >>> import geopandas as gpd, numpy as np
    >>> from shapely.geometry import box
    >>> p = write_array("v.tif", np.array([[1.0, 2, 3, 4], [5, 6, 7, 8]]), (0, 0, 2, 1), "EPSG:3857")
    >>> regions = gpd.GeoDataFrame({"code": ["a", "b"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)],
    ...                            crs="EPSG:3857")
    >>> zonal_stats(p, regions).frame["mean"].tolist()
    [3.5, 5.5]
    """
    import geopandas as gpd
    import rasterio
    import shapely
    from rasterio.features import geometry_mask, geometry_window

    one_of(method, METHODS, "method")
    stats = (stats,) if isinstance(stats, str) else tuple(stats)
    for s in stats:
        one_of(s, STATS, "stats")
    if not isinstance(regions, gpd.GeoDataFrame):
        raise InputTypeError(f"`regions` must be a GeoDataFrame of polygons; {type(regions).__name__} was given.")
    require_columns(regions, [id_col], "regions")
    if regions[id_col].duplicated().any():
        dup = regions[id_col][regions[id_col].duplicated(keep=False)]
        raise InputError(f"Column {id_col!r} must be unique; {format_rows(sorted(set(map(str, dup))))} repeat.")
    if regions.crs is None:
        raise InputError("`regions` has no CRS, so it cannot be matched to the raster; set it with gdf.set_crs(...).")
    bad = ~regions.geometry.is_valid | regions.geometry.isna()
    if bad.any():
        raise InputError(f"Invalid or missing geometries for regions {format_rows(regions.loc[bad, id_col])}; "
                         "repair them first (gdf.geometry.make_valid()).")
    path = str(raster)
    if not Path(path).exists():
        raise FileNotFoundError(f"No raster at {path!r}.")
    rows = []
    with rasterio.open(path) as src:
        if src.crs is None:
            raise InputError(f"The raster {path!r} has no CRS; zonal statistics need one to place the regions.")
        if not 1 <= band <= src.count:
            raise InputError(f"`band` must be between 1 and {src.count}; {band!r} was given.")
        geoms = regions.geometry.to_crs(src.crs)
        cell_area = abs(src.transform.a * src.transform.e - src.transform.b * src.transform.d)
        for code, geom in zip(regions[id_col], geoms):
            row = {id_col: code}
            try:
                window = geometry_window(src, [geom])
            except Exception:  # polygon outside the raster
                window = None
            if window is None or window.width == 0 or window.height == 0:
                vals = np.empty(0)
                weights = np.empty(0)
            else:
                data = src.read(band, window=window, masked=True)
                tr = src.window_transform(window)
                touched = ~geometry_mask([geom], out_shape=data.shape, transform=tr, all_touched=method != "centre")
                valid = touched & ~np.ma.getmaskarray(data)
                vals = np.asarray(data.data, dtype=float)[valid]
                if method == "exact":
                    r, c = np.nonzero(valid)
                    x0, y0 = tr.c + tr.a * c + tr.b * r, tr.f + tr.d * c + tr.e * r
                    x1, y1 = x0 + tr.a + tr.b, y0 + tr.d + tr.e
                    boxes = shapely.box(np.minimum(x0, x1), np.minimum(y0, y1), np.maximum(x0, x1), np.maximum(y0, y1))
                    weights = shapely.area(shapely.intersection(boxes, geom)) / cell_area
                else:
                    weights = np.ones(len(vals))
            total = float((vals * weights).sum())
            cnt = float(weights.sum())
            for s in stats:
                if s == "sum":
                    row[s] = total
                elif s == "count":
                    row[s] = cnt if method == "exact" else int(len(vals))
                elif s == "mean":
                    row[s] = total / cnt if cnt > 0 else np.nan
                elif s == "min":
                    row[s] = float(vals.min()) if len(vals) else np.nan
                else:
                    row[s] = float(vals.max()) if len(vals) else np.nan
            rows.append(row)
    return ZonalResult(frame=pd.DataFrame(rows), method=method, raster=path)


def _hex_to_rgba(colour: str):
    from matplotlib.colors import to_rgba

    return tuple(int(round(v * 255)) for v in to_rgba(colour))


@_quiet
def rasterize(regions, column: str, path, resolution: float, *, crs=None, colours: dict | None = None,
              classes: int | None = None, cmap: str = "YlOrRd", id_col: str = "code", all_touched: bool = False):
    """Burn a region-level result into a GeoTIFF, with a colour table for categories.

    Parameters
    ----------
    regions : GeoDataFrame
        Region polygons with ``column`` (e.g. a LISA result frame).
    column : str
        Text/categorical column (e.g. ``cluster``: HH, LH, LL, HL, ns) -> uint8 codes
        1..k with a colour table (LISA colours by default, or ``colours``); 0 is nodata.
        Numeric column -> float32 values (nodata NaN), or with ``classes=k`` uint8
        quantile classes 1..k with a ``cmap`` colour table.
    path : path of the GeoTIFF
    resolution : float
        Cell size in units of ``crs`` (metres for a projected CRS).
    crs : optional
        Output CRS (default: the regions' CRS).

    Returns
    -------
    pathlib.Path
        The code -> category (or class bounds) mapping is stored in the GeoTIFF's tags
        (``category_1`` = ``HH``, ...).

    Examples
    --------
    >>> import geopandas as gpd, rasterio
    >>> from shapely.geometry import box
    >>> regions = gpd.GeoDataFrame({"code": ["a", "b"], "cluster": ["HH", "ns"]},
    ...                            geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs="EPSG:3857")
    >>> path = rasterize(regions, "cluster", "clusters.tif", 0.5)
    >>> with rasterio.open(path) as r:
    ...     r.read(1).tolist(), r.tags()["category_1"]
    ([[1, 1, 2, 2], [1, 1, 2, 2]], 'HH')
    """
    import geopandas as gpd
    import rasterio
    from rasterio.features import rasterize as burn
    from rasterio.transform import from_origin

    from .._io import atomic_path
    from ._palette import LISA_COLOURS

    if not isinstance(regions, gpd.GeoDataFrame):
        raise InputTypeError(f"`regions` must be a GeoDataFrame; {type(regions).__name__} was given.")
    require_columns(regions, [column], "regions")
    if regions.crs is None:
        raise InputError("`regions` has no CRS; set one before rasterising.")
    if not (isinstance(resolution, (int, float)) and resolution > 0):
        raise InputError(f"`resolution` must be a positive number; {resolution!r} was given.")
    gdf = regions.to_crs(crs) if crs is not None else regions
    west, south, east, north = gdf.total_bounds
    width = max(1, int(np.ceil((east - west) / resolution)))
    height = max(1, int(np.ceil((north - south) / resolution)))
    if width * height > 400_000_000:
        raise InputError(f"A {width} x {height} raster is too large; choose a coarser `resolution`.")
    transform = from_origin(west, north, resolution, resolution)
    values = gdf[column]
    tags = {"source_column": column}
    colormap = None
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        v = values.to_numpy(dtype=float)
        if classes is None:
            dtype, nodata = "float32", np.nan
            shapes = [(g, float(x)) for g, x in zip(gdf.geometry, v) if np.isfinite(x)]
        else:
            import matplotlib

            ok = np.isfinite(v)
            edges = np.unique(np.quantile(v[ok], np.linspace(0, 1, int(classes) + 1)))
            cls = np.clip(np.searchsorted(edges, v, side="right"), 1, len(edges) - 1)
            dtype, nodata = "uint8", 0
            shapes = [(g, int(c)) for g, c, o in zip(gdf.geometry, cls, ok) if o]
            ramp = matplotlib.colormaps[cmap].resampled(len(edges) - 1)
            colormap = {0: (0, 0, 0, 0)}
            for k in range(1, len(edges)):
                colormap[k] = tuple(int(round(c * 255)) for c in ramp(k - 1))
                tags[f"class_{k}"] = f"{edges[k - 1]:g} - {edges[k]:g}"
    else:
        labels = values.astype(object).where(values.notna(), None)
        palette = dict(colours) if colours is not None else {}
        cats = [c for c in LISA_COLOURS if c in set(labels.dropna())] if colours is None else list(palette)
        cats += sorted(set(labels.dropna()) - set(cats), key=str)
        if len(cats) > 254:
            raise InputError(f"Column {column!r} has {len(cats)} categories; at most 254 fit a colour table.")
        code_of = {c: k + 1 for k, c in enumerate(cats)}
        dtype, nodata = "uint8", 0
        shapes = [(g, code_of[x]) for g, x in zip(gdf.geometry, labels) if x is not None]
        import matplotlib

        fallback = matplotlib.colormaps["tab20"]
        colormap = {0: (0, 0, 0, 0)}
        for c, k in code_of.items():
            colour = palette.get(c) or LISA_COLOURS.get(c) or fallback((k - 1) % 20)
            colormap[k] = _hex_to_rgba(colour) if isinstance(colour, str) else tuple(int(round(x * 255)) for x in colour)
            tags[f"category_{k}"] = str(c)
    fill = nodata if not (isinstance(nodata, float) and np.isnan(nodata)) else np.nan
    out = burn(shapes, out_shape=(height, width), transform=transform, fill=fill, dtype=dtype, all_touched=all_touched) \
        if shapes else np.full((height, width), fill, dtype=dtype)
    with atomic_path(path, suffix=".tif") as tmp:
        with rasterio.open(tmp, "w", driver="GTiff", height=height, width=width, count=1, dtype=dtype, crs=gdf.crs,
                           transform=transform, nodata=nodata, compress="deflate") as dst:
            dst.write(out, 1)
            if colormap is not None:
                dst.write_colormap(1, colormap)
            dst.update_tags(**tags)
    return Path(path)


# --- Moran, LISA and Getis-Ord directly on a grid -------------------------------------------------

#: class codes of the cluster GeoTIFF written by :meth:`RasterLocalResult.to_file`
RASTER_CLUSTER_CODES = {0: "ns", 1: "HH", 2: "LL", 3: "LH", 4: "HL", 5: "neighborless"}
#: Getis-Ord class codes in the GeoTIFF (ArcGIS Gi_Bin shifted by 4: 1 = cold 99 % ... 7 = hot 99 %)
RASTER_HOTSPOT_CODES = {1: "cold 99%", 2: "cold 95%", 3: "cold 90%", 4: "ns", 5: "hot 90%", 6: "hot 95%",
                        7: "hot 99%", 8: "neighborless"}
#: nodata code of the class GeoTIFFs
RASTER_CLASS_NODATA = 255
#: GeoDa's colours for the cluster codes (HL pink), RGB
RASTER_CLUSTER_COLOURS = {0: (238, 238, 238), 1: (255, 0, 0), 2: (0, 0, 255), 3: (167, 173, 249),
                          4: (244, 173, 168), 5: (153, 153, 153)}
RASTER_HOTSPOT_COLOURS = {1: (44, 123, 182), 2: (107, 174, 214), 3: (198, 219, 239), 4: (238, 238, 238),
                          5: (254, 208, 144), 6: (252, 141, 89), 7: (215, 25, 28), 8: (153, 153, 153)}


def read_band(path, band: int = 1, window_rows: int = 1024):
    """Read one band by windows of ``window_rows`` rows into a single float64 array.

    Returns ``(values, valid, profile)``: nodata cells (the band's nodata value, NaN or
    masked by the file's mask) are ``valid == False``. Only the output array and one
    window are held in memory (never the grid twice).

    Parameters
    ----------
    path : path-like
        A raster file readable by rasterio.
    band : int
        The band.
    window_rows : int
        Rows read at a time.

    Returns
    -------
    values : numpy.ndarray
        float64 grid.
    valid : numpy.ndarray
        Bool grid, False for nodata cells.
    profile : dict
        The file's rasterio profile.

    Examples
    --------
    >>> import numpy as np
    >>> p = write_array("g.tif", np.arange(6.0).reshape(2, 3), (0, 0, 3, 2), "EPSG:4326")
    >>> values, valid, profile = read_band(p)
    >>> values.tolist(), bool(valid.all()), profile["width"]
    ([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]], True, 3)
    """
    import rasterio
    from rasterio.windows import Window

    with rasterio.open(path) as src:
        if band < 1 or band > src.count:
            raise InputError(f"{str(path)!r} has {src.count} band(s); band={band} was asked for.")
        h, w = src.height, src.width
        out = np.empty((h, w), dtype=np.float64)
        valid = np.empty((h, w), dtype=bool)
        nodata = src.nodatavals[band - 1]
        for r0 in range(0, h, window_rows):
            rows = min(window_rows, h - r0)
            win = Window(0, r0, w, rows)
            block = src.read(band, window=win, masked=True)
            data = np.asarray(block.data, dtype=np.float64)
            ok = ~np.ma.getmaskarray(block) & np.isfinite(data)
            if nodata is not None and np.isfinite(nodata):
                ok &= data != nodata
            out[r0:r0 + rows] = data
            valid[r0:r0 + rows] = ok
        profile = src.profile.copy()
    return out, valid, profile


def grid_weights(valid, contiguity: str = "rook"):
    """Row-standardised CSR weights between valid cells of a grid, from its topology alone.

    Cells are numbered row-major over ``valid`` cells; rook links share an edge, queen links
    an edge or a corner. Pixel size and CRS play no part (non-square pixels are fine).
    Returns ``(W, index)``: ``W`` a ``scipy.sparse.csr_matrix`` with sorted indices (no self
    links; rows of cells without valid neighbours are empty) and ``index`` the flat grid
    position of each valid cell.

    Parameters
    ----------
    valid : numpy.ndarray
        Bool grid (rows, columns), True for cells with a value.
    contiguity : {"rook", "queen"}
        Which cells are neighbours.

    Returns
    -------
    W : scipy.sparse.csr_matrix
        Row-standardised weights between valid cells.
    index : numpy.ndarray
        Flat grid position of each valid cell.

    Examples
    --------
    >>> import numpy as np
    >>> W, index = grid_weights(np.array([[True, True], [True, False]]))
    >>> W.toarray().tolist(), index.tolist()
    ([[0.0, 0.5, 0.5], [1.0, 0.0, 0.0], [1.0, 0.0, 0.0]], [0, 1, 2])
    """
    from scipy import sparse

    one_of(contiguity, ("rook", "queen"), "contiguity")
    valid = np.asarray(valid, dtype=bool)
    h, w = valid.shape
    number = np.full(h * w, -1, dtype=np.int64)
    flat = np.flatnonzero(valid.ravel())
    n = len(flat)
    number[flat] = np.arange(n)
    r, c = np.divmod(flat, w)
    rook = [(-1, 0), (0, -1), (0, 1), (1, 0)]
    queen = [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)]
    offsets = rook if contiguity == "rook" else queen
    cols = np.full((n, len(offsets)), -1, dtype=np.int64)
    for k, (dr, dc) in enumerate(offsets):  # offsets in row-major order: neighbour numbers ascend
        rr, cc = r + dr, c + dc
        inside = (rr >= 0) & (rr < h) & (cc >= 0) & (cc < w)
        cols[inside, k] = number[rr[inside] * w + cc[inside]]
    has = cols >= 0
    card = has.sum(axis=1)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(card, out=indptr[1:])
    indices = cols[has]
    del cols
    with np.errstate(divide="ignore"):
        inv = np.where(card > 0, 1.0 / np.maximum(card, 1), 0.0)
    data = np.repeat(inv, card)
    W = sparse.csr_matrix((data, indices, indptr), shape=(n, n))
    W.has_sorted_indices = True
    return W, flat


class RasterLocalResult(Result):
    """Local statistics of a grid: class grid and per-cell values, writable as a GeoTIFF.

    Attributes
    ----------
    classes : numpy.ndarray (uint8, grid shape)
        Codes of :data:`RASTER_CLUSTER_CODES` (LISA) or :data:`RASTER_HOTSPOT_CODES`
        (Getis-Ord); :data:`RASTER_CLASS_NODATA` for nodata cells.
    statistic, p_sim, p_adj : numpy.ndarray (float, grid shape, NaN outside valid cells)
    codes : dict
        Code -> class name (what a QGIS style needs).
    profile : dict
        The input's rasterio profile (CRS and transform).
    n, permutations, draws, alpha, adjust, contiguity
    """

    def __init__(self, **kw):
        self.__dict__.update(kw)

    @property
    def counts(self) -> pd.Series:
        vals, cnt = np.unique(self.classes[self.classes != RASTER_CLASS_NODATA], return_counts=True)
        s = pd.Series(dict(zip(vals.tolist(), cnt.tolist())))
        return pd.Series({name: int(s.get(code, 0)) for code, name in self.codes.items()})

    @property
    def frame(self) -> pd.DataFrame:
        """Class counts as a table (the per-cell values stay arrays: grids can have 10^7 cells)."""
        c = self.counts
        return pd.DataFrame({"class": c.index, "code": list(self.codes), "cells": c.to_numpy()})

    def summary(self) -> str:
        head = (f"{self.name} on a {self.classes.shape[0]} x {self.classes.shape[1]} grid: {self.n} valid cells, "
                f"{self.contiguity} contiguity, {self.permutations} permutations ({self.draws} draws)")
        lines = [head]
        lines += [f"  {k:<13} {v:>10}" for k, v in self.counts.items()]
        return "\n".join(lines)

    def to_file(self, path) -> Path:
        """Write the class grid as a uint8 GeoTIFF with a colour table (nodata 255) for ``.tif``/
        ``.tiff``; any other suffix writes the class counts (:attr:`frame`) as a table.

        Parameters
        ----------
        path : str or pathlib.Path

        Returns
        -------
        pathlib.Path
        """
        import rasterio

        from .._io import atomic_path

        if Path(path).suffix.lower() not in (".tif", ".tiff"):
            return super().to_file(path)

        profile = self.profile.copy()
        profile.update(driver="GTiff", dtype="uint8", count=1, nodata=RASTER_CLASS_NODATA, compress="deflate")
        for key in ("blockxsize", "blockysize", "tiled", "interleave", "photometric"):
            profile.pop(key, None)
        with atomic_path(path, suffix=".tif") as tmp, rasterio.open(tmp, "w", **profile) as dst:
                dst.write(self.classes, 1)
                dst.write_colormap(1, {k: (*rgb, 255) for k, rgb in self.colours.items()})
                dst.update_tags(1, **{f"class_{k}": v for k, v in self.codes.items()})
        return Path(path)


def _grid_input(raster, band, nodata, window_rows):
    if isinstance(raster, (str, Path)):
        values, valid, profile = read_band(raster, band, window_rows)
    else:
        values = np.asarray(raster, dtype=np.float64)
        if values.ndim != 2:
            raise InputError(f"`raster` must be a GeoTIFF path or a 2-D array; shape {values.shape} was given.")
        valid = np.isfinite(values)
        if nodata is not None:
            valid &= values != nodata
        profile = {"height": values.shape[0], "width": values.shape[1], "crs": None, "transform": None}
    if valid.sum() < 3:
        raise InputError(f"The grid has {int(valid.sum())} valid cells; at least 3 are needed.")
    return values, valid, profile


def _scatter(shape, flat, vals, fill=np.nan, dtype=float):
    out = np.full(int(np.prod(shape)), fill, dtype=dtype)
    out[flat] = vals
    return out.reshape(shape)


#: grids with more than this many cells per run of the shared draws (cells / (permutations x k_max))
#: take the sorted-null kernel
SORTED_MIN_CELLS_PER_RUN = 16

_OFFSETS = {"rook": [(-1, 0), (0, -1), (0, 1), (1, 0)],
            "queen": [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)]}


def _grid_lag(values, valid, flat, contiguity, wk):
    """Cardinality and lag of every valid cell straight from the grid (no CSR).

    The lag equals ``grid_weights(valid) @ values`` bitwise when ``wk[k]`` is the weight of
    a k-neighbour cell (see :func:`spatialhealth.layers._kernels.grid_lag`).
    """
    from ._kernels import grid_lag

    grid = np.zeros(valid.size)
    grid[flat] = values
    offsets = np.array(_OFFSETS[contiguity], dtype=np.int64)
    return grid_lag(grid.reshape(valid.shape), np.ascontiguousarray(valid), offsets, wk)


def _grid_p(kind, zi, valid, card, wk, selfw, scaling, observed, bound, contiguity, *, permutations, seed, draws,
            ties):
    """Folded pseudo p-values of a grid statistic.

    Shared draws above :data:`~spatialhealth.layers.autocorrelation.ESDA_DRAW_MAX_N` cells
    go through :func:`spatialhealth.layers._kernels.conditional_sorted` (one sorted null
    per run of cells and cardinality, O(n log permutations)), which gives the p-values of
    the general kernel bit for bit; smaller grids (esda's own draws) and per-site draws
    use :func:`spatialhealth.layers.local.conditional_p` on the CSR weights.
    """
    from . import _kernels
    from .autocorrelation import ESDA_DRAW_MAX_N
    from .local import DRAWS, TIE_RTOL, TIES, _seed, conditional_p

    one_of(draws, DRAWS, "draws")
    one_of(ties, TIES, "ties")
    n = len(zi)
    if not permutations or card.max() == 0:
        return np.full(n, np.nan)
    kmax = int(card.max())
    # the sorted kernel pays once per run of cells (up to permutations x k_max runs): worth it
    # only when runs hold many cells each
    if draws != "shared" or n <= max(ESDA_DRAW_MAX_N, SORTED_MIN_CELLS_PER_RUN * int(permutations) * kmax):
        W, _ = grid_weights(valid, contiguity)
        W.data = wk[np.repeat(card, card)]
        p, _, _ = conditional_p(kind, zi, zi, W, selfw, scaling, observed, bound, permutations=permutations,
                                seed=seed, draws=draws, ties=ties)
        return p
    perm = _kernels.sample_permutation_set(kmax, n, int(permutations), _seed(seed))
    tol = np.ascontiguousarray(TIE_RTOL * np.abs(bound), dtype=np.float64)
    zi = np.ascontiguousarray(zi, dtype=np.float64)
    return _kernels.conditional_sorted(kind, zi, zi, card, np.ascontiguousarray(wk, dtype=np.float64),
                                       np.ascontiguousarray(selfw, dtype=np.float64), perm, int(permutations),
                                       float(scaling), np.ascontiguousarray(observed, dtype=np.float64), tol,
                                       ties == "tolerance")


class RasterMoranResult(DeprecatedMapping, Result):
    """Global Moran's I of a grid with analytic inference (what :func:`raster_moran` returns).

    Attributes
    ----------
    I, EI : float
        Moran's I and its expectation ``-1 / (n - 1)``.
    VI_norm, z_norm, p_norm : float
        Variance, z and two-sided p under normality.
    VI_rand, z_rand, p_rand : float
        Variance, z and two-sided p under randomisation.
    n : int
        Valid cells.
    contiguity : str
        ``"rook"`` or ``"queen"``.

    Notes
    -----
    :func:`raster_moran` used to return a dict; ``res["I"]``, ``res.keys()`` and ``dict(res)``
    still work for one release, with a DeprecationWarning.

    Examples
    --------
    >>> import numpy as np
    >>> res = raster_moran(np.add.outer(np.arange(6.0), np.arange(5.0)))
    >>> round(res.I, 4), res.n
    (0.8689, 30)
    """

    _title = "Moran's I of a grid"
    _mapping_keys = ("I", "EI", "VI_norm", "z_norm", "p_norm", "VI_rand", "z_rand", "p_rand", "n")

    def __init__(self, *, contiguity, **values):
        self.contiguity = contiguity
        for k in self._mapping_keys:
            setattr(self, k, values[k])

    @property
    def frame(self) -> pd.DataFrame:
        """One row: the statistics and the contiguity."""
        row = {k: getattr(self, k) for k in self._mapping_keys}
        row["contiguity"] = self.contiguity
        return pd.DataFrame([row])

    def summary(self) -> str:
        return (f"Moran's I of a grid ({self.n} valid cells, {self.contiguity} contiguity): I = {self.I:.4f} "
                f"(E[I] = {self.EI:.2e})\n"
                f"  normality:     z = {self.z_norm:.3f}, p = {self.p_norm:.4g}\n"
                f"  randomisation: z = {self.z_rand:.3f}, p = {self.p_rand:.4g}")


def raster_moran(raster, *, band: int = 1, contiguity: str = "rook", nodata=None,
                 window_rows: int = 1024) -> RasterMoranResult:
    """Global Moran's I of a grid with analytic inference (normality and randomisation).

    Weights come from the grid topology (:func:`grid_weights`), row-standardised; nodata
    cells are left out. Formulas as ``esda.Moran`` (Cliff & Ord).

    Parameters
    ----------
    raster : path-like or numpy.ndarray
        A GeoTIFF, or a 2-D array (NaN cells are nodata).
    band : int
        Band of a file.
    contiguity : {"rook", "queen"}
        Cells sharing an edge, or an edge or a corner.
    nodata : float, optional
        Cell value treated as missing, besides the file's own nodata and NaN.
    window_rows : int
        Rows read at a time from a file.

    Returns
    -------
    RasterMoranResult
        ``I, EI, VI_norm, z_norm, p_norm, VI_rand, z_rand, p_rand, n`` (p two-sided) as
        attributes and as a one-row ``.frame`` (dict-style access, as before, warns).

    Examples
    --------
    >>> import numpy as np
    >>> round(raster_moran(np.add.outer(np.arange(6.0), np.arange(5.0))).I, 4)
    0.8689
    """
    from scipy import stats

    from ._kernels import grid_moran_sums

    values, valid, _ = _grid_input(raster, band, nodata, window_rows)
    one_of(contiguity, ("rook", "queen"), "contiguity")
    flat = np.flatnonzero(valid.ravel())
    y = values.ravel()[flat]
    del values
    n = len(y)
    z = y - y.mean()
    # straight from the grid, O(n) memory: lag, cardinalities, S0, S1, S2 of row-standardised weights
    wk = np.array([0.0] + [1.0 / k for k in range(1, 9)])
    card, lag = _grid_lag(z, valid, flat, contiguity, wk)
    S0 = float((card > 0).sum())
    S1, colsum = grid_moran_sums(np.ascontiguousarray(valid), np.array(_OFFSETS[contiguity], dtype=np.int64), card,
                                 wk)
    S2 = float((((card > 0).astype(float) + colsum) ** 2).sum())
    I = n / S0 * (z @ lag) / (z @ z)
    EI = -1.0 / (n - 1)
    VI_norm = (n * n * S1 - n * S2 + 3 * S0 * S0) / ((n * n - 1) * S0 * S0) - EI**2
    k = (n * (z**4).sum()) / ((z @ z) ** 2)
    A = n * ((n * n - 3 * n + 3) * S1 - n * S2 + 3 * S0 * S0)
    B = k * ((n * n - n) * S1 - 2 * n * S2 + 6 * S0 * S0)
    VI_rand = (A - B) / ((n - 1) * (n - 2) * (n - 3) * S0 * S0) - EI**2
    z_norm = (I - EI) / np.sqrt(VI_norm)
    z_rand = (I - EI) / np.sqrt(VI_rand)
    return RasterMoranResult(
        I=float(I), EI=EI, VI_norm=float(VI_norm), z_norm=float(z_norm), p_norm=float(2 * stats.norm.sf(abs(z_norm))),
        VI_rand=float(VI_rand), z_rand=float(z_rand), p_rand=float(2 * stats.norm.sf(abs(z_rand))), n=n,
        contiguity=contiguity)


def raster_lisa(raster, *, band: int = 1, contiguity: str = "rook", permutations: int = 999, seed=None,
                alpha: float = 0.05, adjust: str | None = None, draws: str = "shared", ties: str = "tolerance",
                nodata=None, window_rows: int = 1024) -> RasterLocalResult:
    """Local Moran (LISA) of every valid cell of a GeoTIFF (or 2-D array), linear in cells.

    Parameters
    ----------
    raster : str, Path or 2-D array
        GeoTIFF read by windows (:func:`read_band`), or an array (NaN or ``nodata`` = missing).
    band : int
    contiguity : {"rook", "queen"}
        Neighbours from the grid topology (never from cell polygons).
    permutations, seed, alpha, adjust, draws, ties
        As :func:`spatialhealth.layers.autocorrelation.lisa` (same conventions; up to
        20,000 valid cells the shared draws are esda's for an integer seed). On larger
        grids, shared draws are evaluated by
        :func:`~spatialhealth.layers._kernels.conditional_sorted` once cells outnumber
        ``SORTED_MIN_CELLS_PER_RUN x permutations x k_max``: the same p-values as the
        general kernel, in O(n log permutations) (10 million cells, 999 permutations: a
        few seconds). Per-site draws cost O(n x permutations x k).
    nodata : float, optional
        For arrays: the missing-value code.

    Returns
    -------
    RasterLocalResult
        ``classes`` with codes :data:`RASTER_CLUSTER_CODES` (1 HH, 2 LL, 3 LH, 4 HL, 0 not
        significant, 5 no valid neighbour, 255 nodata), ``statistic`` (Ii), ``p_sim``, ``p_adj``.

    Examples
    --------
    >>> import numpy as np
    >>> g = np.add.outer(np.arange(20.0), np.arange(20.0))
    >>> res = raster_lisa(g, permutations=99, seed=1)
    >>> int(res.classes[0, 0]), int(res.classes[19, 19])
    (2, 1)
    """
    from .autocorrelation import _check_alpha, _check_permutations, adjust_pvalues

    _check_permutations(permutations)
    _check_alpha(alpha)
    values, valid, profile = _grid_input(raster, band, nodata, window_rows)
    one_of(contiguity, ("rook", "queen"), "contiguity")
    flat = np.flatnonzero(valid.ravel())
    y = values.ravel()[flat]
    del values
    n = len(y)
    z = (y - y.mean()) / y.std()
    del y
    wk = np.array([0.0] + [1.0 / k for k in range(1, 9)])
    card, lag = _grid_lag(z, valid, flat, contiguity, wk)
    den = z @ z
    Ii = (n - 1) * z * lag / den
    islands = card == 0
    bound = np.abs(z) * ((n - 1) / den) * np.abs(z).max()
    p = _grid_p(0, z, valid, card, wk, np.zeros(n), (n - 1) / den, Ii, bound, contiguity,
                permutations=permutations, seed=seed, draws=draws, ties=ties)
    del bound
    p[islands] = np.nan
    p_adj = adjust_pvalues(p, adjust)
    sig = np.where(np.isnan(p_adj), False, p_adj < alpha)
    code = np.where(z > 0, np.where(lag > 0, 1, 4), np.where(lag > 0, 3, 2)).astype(np.uint8)
    code[~sig] = 0
    code[islands] = 5
    Ii[islands] = np.nan
    shape = valid.shape
    return RasterLocalResult(
        name="Local Moran (LISA)", classes=_scatter(shape, flat, code, RASTER_CLASS_NODATA, np.uint8),
        statistic=_scatter(shape, flat, Ii), p_sim=_scatter(shape, flat, p), p_adj=_scatter(shape, flat, p_adj),
        codes=dict(RASTER_CLUSTER_CODES), colours=dict(RASTER_CLUSTER_COLOURS), profile=profile, n=n,
        permutations=permutations, draws=draws, alpha=alpha, adjust=adjust, contiguity=contiguity)


def raster_getis_ord(raster, *, band: int = 1, contiguity: str = "rook", star: bool = True,
                     permutations: int = 999, seed=None, adjust: str | None = None, draws: str = "shared",
                     ties: str = "tolerance", nodata=None, window_rows: int = 1024) -> RasterLocalResult:
    """Getis-Ord Gi* (or Gi) hot and cold spots of a grid, row-standardised grid weights.

    Same statistic and classes as :func:`spatialhealth.layers.local.getis_ord` (Gi*: each
    cell weighs itself like a neighbour, 1 / (k + 1)); codes :data:`RASTER_HOTSPOT_CODES`.

    Parameters
    ----------
    raster : path-like or numpy.ndarray
        A GeoTIFF, or a 2-D array (NaN cells are nodata).
    band : int
        Band of a file.
    contiguity : {"rook", "queen"}
        Cells sharing an edge, or an edge or a corner.
    star : bool
        Gi* (the cell counts itself) or Gi.
    permutations : int
        Conditional permutations.
    seed : int or numpy.random.Generator, optional
        Seed of the permutations.
    adjust : {None, "bonferroni", "fdr"}
        Multiple-testing adjustment.
    draws, ties
        As in :func:`spatialhealth.layers.local.getis_ord`.
    nodata : float, optional
        Cell value treated as missing, besides the file's own nodata and NaN.
    window_rows : int
        Rows read at a time from a file.

    Returns
    -------
    RasterLocalResult
        Grids of class codes, statistic and pseudo p-values (``.classes``,
        ``.statistic``, ``.p_sim``, ``.p_adj``).

    Examples
    --------
    >>> import numpy as np
    >>> g = np.ones((15, 15)); g[:5, :5] = 9
    >>> int(raster_getis_ord(g, permutations=999, seed=1).classes[2, 2])
    7
    """
    from scipy import stats

    from .autocorrelation import _check_permutations, adjust_pvalues

    _check_permutations(permutations)
    values, valid, profile = _grid_input(raster, band, nodata, window_rows)
    one_of(contiguity, ("rook", "queen"), "contiguity")
    flat = np.flatnonzero(valid.ravel())
    y = values.ravel()[flat]
    del values
    if (y < 0).any():
        raise InputError("Getis-Ord G assumes non-negative values; the grid has negative cells.")
    n = len(y)
    # Gi*: each cell weighs itself like a neighbour, 1 / (k + 1); Gi: row-standardised 1 / k
    wk = np.array([0.0] + [1.0 / (k + 1.0) if star else 1.0 / k for k in range(1, 9)])
    card, lag = _grid_lag(y, valid, flat, contiguity, wk)
    card64 = card.astype(np.int64)
    islands = card == 0
    if star:
        selfw = 1.0 / (card64 + 1.0)
        G = (lag + selfw * y) / y.sum()
        rowsum = np.where(islands, 1.0, 1.0)
        N = n
        ybar, s2 = y.mean(), y.var()
        kind, scaling = 2, y.sum()
    else:
        selfw = np.zeros(n)
        G = lag / (y.sum() - y)
        rowsum = np.where(islands, 0.0, 1.0)
        N = n - 1
        ybar = (y.sum() - y) / N
        s2 = ((y**2).sum() - y**2) / N - ybar**2
        kind, scaling = 1, y.sum()
    del lag, card64
    EG = rowsum / N
    VG = rowsum * (N - rowsum) / (N - 1) / N**2 * s2 / ybar**2
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (G - EG) / np.sqrt(VG)
    bound = (np.abs(y).max() + np.abs(selfw * y)) / abs(scaling) if star else np.abs(y).max() / np.abs(scaling - y)
    p = _grid_p(kind, y, valid, card, wk, selfw, scaling, G, bound, contiguity, permutations=permutations,
                seed=seed, draws=draws, ties=ties)
    p_used = p if permutations else 2 * stats.norm.sf(np.abs(z))
    p_used[islands] = np.nan
    p_adj = adjust_pvalues(p_used, adjust)
    level = np.zeros(n, dtype=int)
    for lv, cut in ((1, 0.10), (2, 0.05), (3, 0.01)):
        level[np.where(np.isnan(p_adj), False, p_adj < cut)] = lv
    code = (4 + np.sign(np.nan_to_num(z)).astype(int) * level).astype(np.uint8)
    code[islands] = 8
    G[islands] = np.nan
    shape = valid.shape
    return RasterLocalResult(
        name="Getis-Ord Gi*" if star else "Getis-Ord Gi", classes=_scatter(shape, flat, code, RASTER_CLASS_NODATA,
                                                                          np.uint8),
        statistic=_scatter(shape, flat, G), p_sim=_scatter(shape, flat, p_used), p_adj=_scatter(shape, flat, p_adj),
        codes=dict(RASTER_HOTSPOT_CODES), colours=dict(RASTER_HOTSPOT_COLOURS), profile=profile, n=n,
        permutations=permutations, draws=draws, alpha=0.05, adjust=adjust, contiguity=contiguity)
