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


@dataclass(frozen=True)
class ZonalResult:
    """Zonal statistics per region: ``.frame`` with ``code`` and one column per statistic."""

    frame: pd.DataFrame
    method: str
    raster: str

    def summary(self) -> str:
        return (f"Zonal statistics of {self.raster} ({self.method} cells), {len(self.frame)} regions\n"
                + self.frame.to_string(index=False, max_rows=40))

    def to_file(self, path):
        from .._io import write_csv

        return write_csv(self.frame, path)


@_quiet
def write_array(path, array, bounds, crs, nodata=None, dtype=None) -> Path:
    """Write a 2-D array as a single-band GeoTIFF covering ``bounds`` (west, south, east, north).

    Row 0 is the northern edge. Written atomically.
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
