"""Hand styled layers to QGIS without depending on QGIS.

* :func:`write_geopackage` writes one GeoPackage (version 1.2, read by QGIS
  >= 3.x without warnings) holding several layers, each with a default style
  in the ``layer_styles`` table that QGIS applies when the layer is opened,
  plus a ``.qgz`` project beside it (relative paths, extent, layer order,
  renderers embedded) and, optionally, the same project stored inside the
  GeoPackage (``qgis_projects`` table, QGIS >= 3.8).
* :func:`write_layer` writes one layer to a single-layer format (FlatGeobuf,
  GeoJSON, shapefile) with a sidecar ``.qml`` (shapefile field names are
  laundered to 10 characters first, and the style follows the new name).
* :func:`write_raster_style` writes the sidecar ``.qml`` of a GeoTIFF.

Styles (:func:`lisa_style`, :func:`graduated_style`, :func:`flow_style`,
:func:`categorized_style`) use the colours and classes of the folium maps in
:mod:`spatialhealth.layers.maps`.

Examples
--------
>>> from spatialhealth.layers import qgis
>>> out = qgis.write_geopackage(                                   # doctest: +SKIP
...     [qgis.QgisLayer(cities, "cities", qgis.graduated_style(cities, "pagerank")),
...      qgis.QgisLayer(lisa_gdf, "lisa", qgis.lisa_style())],
...     "out/qgis/spatialhealth.gpkg")
>>> print(out.summary())                                            # doctest: +SKIP
"""

from __future__ import annotations

import io
import json
import os
import re
import sqlite3
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import pandas as pd

from .._io import atomic_path, write_text
from .._validate import numeric_column, require_columns
from ..errors import InputError, InputTypeError
from . import _palette
from ._palette import LISA_COLOURS, classify
from ._qml import (QGIS_VERSION, RasterStyle, Style, StyleClass, raster_qml, renderer_xml,
                   vector_qml)

__all__ = [
    "Style", "StyleClass", "RasterStyle", "QgisLayer", "QgisExport",
    "lisa_style", "significance_style", "hotspot_style", "graduated_style", "categorized_style", "flow_style", "single_style",
    "write_geopackage", "write_layer", "write_raster_style", "raster_style",
    "launder_shapefile_names", "vector_qml", "safe_layer_name",
]


def safe_layer_name(name: str, taken=()) -> str:
    """An ASCII table name (letters, digits, ``_``) for a layer called ``name``.

    ASCII letters, digits and ``_`` are kept; every other run of characters becomes one
    ``_``; a short hash of the original name keeps names that differ only in Chinese apart.
    The original name is kept by :func:`write_geopackage` as the layer title.

    Parameters
    ----------
    name : str
        The layer's name (any script).
    taken : iterable of str
        Names already used in the file; a suffix keeps the new one apart.

    Returns
    -------
    str
        The table name.

    Examples
    --------
    >>> safe_layer_name("lisa_beds")
    'lisa_beds'
    >>> safe_layer_name("lisa_每千人床位")
    'lisa_u5eeeedd'
    """
    import hashlib

    name = str(name)
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) and name not in taken:
        return name
    base = re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_") or "layer"
    if base[0].isdigit():
        base = "l_" + base
    digest = hashlib.sha1(name.encode("utf-8")).hexdigest()
    out = f"{base}_u{digest[:7]}" if base != name else f"{base}_{digest[:7]}"
    i = 7
    while out in taken:
        i += 1
        out = f"{base}_u{digest[:i]}"
    return out


# ----------------------------------------------------------------------------- styles
def lisa_style(column: str = "cluster", title: str | None = None, *, lang: str = "en",
               neighborless: bool = True) -> Style:
    """Categorized style of LISA codes in GeoDa's colours, labels in ``lang``.

    HH red, LL blue, LH light blue, HL pink, ns light grey and (``neighborless=True``) a
    separate grey class for units without neighbours (value ``neighborless``).

    Parameters
    ----------
    column : str
        The field holding the LISA codes.
    title : str, optional
        Legend title.
    lang : {"en", "zh"}
        Language of the labels.
    neighborless : bool
        Add the ``neighborless`` class.

    Returns
    -------
    Style
        A categorized style.

    Examples
    --------
    >>> [c.label for c in lisa_style(lang="zh").classes][:2]
    ['高-高 (HH)', '低-低 (LL)']
    """
    from .._i18n import check_lang, label, labels
    from ._palette import LISA_CLASS_COLOURS

    lang = check_lang(lang)
    names = labels("lisa", lang)
    codes = list(LISA_CLASS_COLOURS) if neighborless else list(LISA_COLOURS)
    classes = tuple(StyleClass(f"{names[c]} ({c})" if c in LISA_COLOURS else names[c],
                               LISA_CLASS_COLOURS[c], value=c) for c in codes)
    title = title or label("title.lisa_cluster", lang)
    return Style("categorized", column, classes, title=title, description=title)


def significance_style(column: str = "p_sim", title: str | None = None, *,
                       lang: str = "en") -> Style:
    """Graduated style of pseudo p-values in GeoDa's significance classes (as the web map).

    Ranges ``[0, 0.0001]``, ``(0.0001, 0.001]``, ``(0.001, 0.01]``, ``(0.01, 0.05]`` and
    ``(0.05, 1]`` (not significant).

    Parameters
    ----------
    column : str
        The p-value field.
    title : str, optional
        Legend title.
    lang : {"en", "zh"}
        Language of the labels.

    Returns
    -------
    Style
        A graduated style with five classes.

    Examples
    --------
    >>> [c.label for c in significance_style(lang="zh").classes][-1]
    '不显著'
    """
    from .._i18n import check_lang, label, labels
    from ._palette import SIGNIFICANCE_COLOURS

    lang = check_lang(lang)
    names = labels("sig", lang)
    bounds = [(0.0, 0.0001, "p0.0001"), (0.0001, 0.001, "p0.001"), (0.001, 0.01, "p0.01"),
              (0.01, 0.05, "p0.05"), (0.05, 1.0, "ns")]
    classes = tuple(StyleClass(names[c], SIGNIFICANCE_COLOURS[c], lower=lo, upper=hi)
                    for lo, hi, c in bounds)
    title = title or label("title.lisa_significance", lang)
    return Style("graduated", column, classes, title=title, description=title)


def hotspot_style(column: str = "gi_class", title: str | None = None, *, lang: str = "en") -> Style:
    """Categorized style of Getis-Ord Gi* classes (``hot99`` ... ``cold99``, ``ns``).

    Compute the class column with :func:`spatialhealth.layers._palette.gi_class` (z, p).

    Parameters
    ----------
    column : str
        The class field.
    title : str, optional
        Legend title.
    lang : {"en", "zh"}
        Language of the labels.

    Returns
    -------
    Style
        A categorized style.

    Examples
    --------
    >>> [c.value for c in hotspot_style().classes][:3]
    ['hot99', 'hot95', 'hot90']
    """
    from .._i18n import check_lang, label, labels
    from ._palette import GI_COLOURS

    lang = check_lang(lang)
    names = labels("gi", lang)
    classes = tuple(StyleClass(names[c], colour, value=c) for c, colour in GI_COLOURS.items())
    title = title or label("title.hotspot", lang)
    return Style("categorized", column, classes, title=title, description=title)


def categorized_style(column: str, colours: dict, labels: dict | None = None,
                      title: str | None = None) -> Style:
    """Categorized style from ``{value: "#rrggbb"}`` (labels default to the values).

    Parameters
    ----------
    column : str
        The field the style reads.
    colours : dict
        ``{value: "#rrggbb"}``, in legend order.
    labels : dict, optional
        ``{value: label}``.
    title : str, optional
        Legend title (default ``column``).

    Returns
    -------
    Style
        One class per value.

    Examples
    --------
    >>> s = categorized_style("grade", {"A": "#ff0000", "B": "#0000ff"}, labels={"A": "good"})
    >>> [(c.value, c.label, c.colour) for c in s.classes]
    [('A', 'good', '#ff0000'), ('B', 'B', '#0000ff')]
    """
    labels = labels or {}
    classes = tuple(StyleClass(str(labels.get(v, v)), c, value=v) for v, c in colours.items())
    return Style("categorized", column, classes, title=title or column)


def single_style(colour: str = "#9e9ac8", title: str = "") -> Style:
    """One symbol for every feature.

    Parameters
    ----------
    colour : str
        ``"#rrggbb"``.
    title : str
        Legend title.

    Returns
    -------
    Style
        A single-symbol style.

    Examples
    --------
    >>> single_style("#ff0000").classes[0].colour
    '#ff0000'
    """
    return Style("single", None, (StyleClass(title, colour),), title=title)


def _values(data, column):
    if isinstance(data, pd.DataFrame):
        return numeric_column(data, column, allow_nan=True, what="layer")
    return np.asarray(data, dtype=float)


def graduated_style(data, column: str, *, scheme: str = "quantiles", k: int = 5, breaks=None,
                    palette: str = "YlOrRd", sized: bool = False, title: str | None = None) -> Style:
    """Graduated colour style with the classes :func:`~spatialhealth.layers.maps.choropleth_map` draws.

    ``data`` is the frame holding ``column`` (or the values themselves).
    ``sized=True`` also grows point markers with the class, as
    :func:`~spatialhealth.layers.maps.centrality_map` does.

    Parameters
    ----------
    data : pandas.DataFrame or array_like
        The frame holding ``column``, or the values themselves.
    column : str
        The field the style classifies.
    scheme : {"quantiles", "natural_breaks", "equal_interval", "user"}
        Classification.
    k : int
        Number of classes.
    breaks : sequence of float, optional
        Class upper bounds for ``scheme="user"``.
    palette : str
        Sequential palette.
    sized : bool
        Grow point markers with the class.
    title : str, optional
        Legend title (default ``column``).

    Returns
    -------
    Style
        A graduated style, one class per range.

    Examples
    --------
    >>> s = graduated_style(range(1, 11), "x", k=2)
    >>> [(c.lower, c.upper) for c in s.classes]
    [(1.0, 5.5), (5.5, 10.0)]
    """
    cl = classify(_values(data, column), column, scheme=scheme, k=k, breaks=breaks, palette=palette)
    radii = _palette.class_radii(cl.k) if sized else [5.0] * cl.k
    classes = tuple(StyleClass(lab, c, lower=lo, upper=hi, size=r)
                    for lab, c, lo, hi, r in zip(cl.labels, cl.colours, cl.lower, cl.upper, radii))
    return Style("graduated", column, classes, title=title or column,
                 description=f"{scheme} classes of {column}")


def flow_style(data, column: str = "flow", *, scheme: str = "quantiles", k: int = 5, breaks=None,
               palette: str = "Purples", arrows: bool = True, title: str | None = None) -> Style:
    """Graduated line style: colour and width by volume class, arrowhead at the destination.

    Same classes, colours and widths as :func:`~spatialhealth.layers.maps.flow_map`.

    Parameters
    ----------
    data : pandas.DataFrame or array_like
        The frame holding ``column``, or the values themselves.
    column : str
        The field the style classifies.
    scheme : {"quantiles", "natural_breaks", "equal_interval", "user"}
        Classification.
    k : int
        Number of classes.
    breaks : sequence of float, optional
        Class upper bounds for ``scheme="user"``.
    palette : str
        Sequential palette.
    arrows : bool
        Draw an arrowhead at the destination end.
    title : str, optional
        Legend title (default ``column``).

    Returns
    -------
    Style
        A graduated line style.

    Examples
    --------
    >>> s = flow_style(range(1, 11), k=2)
    >>> [(c.lower, c.upper) for c in s.classes]
    [(1.0, 5.5), (5.5, 10.0)]
    """
    cl = classify(_values(data, column), column, scheme=scheme, k=k, breaks=breaks, palette=palette)
    widths = _palette.class_widths(cl.k)
    classes = tuple(StyleClass(lab, c, lower=lo, upper=hi, size=w)
                    for lab, c, lo, hi, w in zip(cl.labels, cl.colours, cl.lower, cl.upper, widths))
    return Style("graduated", column, classes, title=title or column, arrows=arrows,
                 description=f"flows by {scheme} class of {column}")


# ----------------------------------------------------------------------------- layers
@dataclass(frozen=True)
class QgisLayer:
    """One layer to export: a GeoDataFrame, its table name and its style.

    Attributes
    ----------
    frame : geopandas.GeoDataFrame
        The features.
    name : str
        Layer name (any script; the table name is made ASCII by :func:`safe_layer_name`).
    style : Style, optional
        Its style.
    title : str, optional
        Title shown in QGIS (default ``name``).
    aliases : dict, optional
        ``{field: display name}``.
    label_field : str, optional
        Field whose value labels the features.
    label_top : int, optional
        Label only this many features, those largest on ``label_rank``.
    label_rank : str, optional
        Field ranking the labelled features.

    Examples
    --------
    >>> QgisLayer(frame=None, name="lisa", style=lisa_style()).style.attr
    'cluster'
    """

    frame: object
    name: str
    style: Style | None = None
    title: str | None = None
    #: field -> display name (QGIS field alias); defaults come from ``lang``
    aliases: dict | None = None
    #: field whose value labels the features (None: no labels)
    label_field: str | None = None
    #: label only the ``label_top`` features with the largest ``label_rank`` (None: all)
    label_top: int | None = None
    label_rank: str | None = None


@dataclass(frozen=True)
class QgisExport:
    """What :func:`write_geopackage` wrote.

    Attributes
    ----------
    gpkg : pathlib.Path
        The GeoPackage.
    project : pathlib.Path or None
        The ``.qgz`` project file, if written.
    project_in_gpkg : str or None
        Name of the project stored inside the GeoPackage, if any.
    frame : pandas.DataFrame
        One row per layer written.
    extent : tuple
        ``(xmin, ymin, xmax, ymax)`` of all layers.

    Examples
    --------
    >>> out = write_geopackage([QgisLayer(gdf, "lisa", lisa_style())], "lisa.gpkg")  # doctest: +SKIP
    >>> out.gpkg.name  # doctest: +SKIP
    'lisa.gpkg'
    """

    gpkg: Path
    project: Path | None
    project_in_gpkg: str | None
    frame: pd.DataFrame = field(repr=False)
    extent: tuple = ()

    def summary(self) -> str:
        lines = [f"GeoPackage: {self.gpkg}"]
        if self.project:
            lines.append(f"QGIS project: {self.project}")
        if self.project_in_gpkg:
            lines.append(f"Project inside the GeoPackage: {self.project_in_gpkg!r} "
                         f"(QGIS: Project > Open From > GeoPackage)")
        lines.append(self.frame.to_string(index=False))
        return "\n".join(lines)


def _geom_kind(gdf) -> tuple[str, str]:
    """(symbol type, QGIS geometry name) of a layer."""
    types = set(gdf.geom_type.dropna())
    if types <= {"Polygon", "MultiPolygon"}:
        return "fill", "Polygon"
    if types <= {"Point", "MultiPoint"}:
        return "marker", "Point"
    if types <= {"LineString", "MultiLineString"}:
        return "line", "Line"
    raise InputError(f"A layer must hold one kind of geometry; found {', '.join(sorted(types))}.")


def _prepare(layer: QgisLayer, crs):
    import geopandas as gpd

    frame = getattr(layer.frame, "frame", layer.frame)
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InputTypeError(f"Layer {layer.name!r}: a GeoDataFrame is needed; "
                             f"{type(frame).__name__} was given.")
    if frame.crs is None:
        raise InputError(f"Layer {layer.name!r} has no CRS; set it with gdf.set_crs(...).")
    gdf = frame.to_crs(crs) if crs is not None and not frame.crs.equals(crs) else frame.copy()
    gdf = gdf.set_crs(named_crs(gdf.crs), allow_override=True)
    for c in gdf.columns:
        if c != gdf.geometry.name and (isinstance(gdf[c].dtype, pd.CategoricalDtype)
                                       or gdf[c].dtype == object):
            gdf[c] = gdf[c].astype("string")
    style = layer.style
    if style is not None and style.attr is not None:
        require_columns(gdf, [style.attr], f"layer {layer.name!r}")
    return gdf


def _umask_mode():
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _srs_xml(crs) -> str:
    # QGIS reads <wkt> first (an <authid> alone is only used together with an internal srsid)
    epsg = crs.to_epsg()
    auth = f"<authid>EPSG:{epsg}</authid>" if epsg else ""
    return f"<spatialrefsys><wkt>{escape(crs.to_wkt())}</wkt>{auth}</spatialrefsys>"


def _authid(crs) -> str:
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else ""


def _layer_id(name: str) -> str:
    # QGIS ignores (and regenerates) layer ids of 10 characters or fewer
    return re.sub(r"\W", "_", name) + "_spatialhealth"


def project_qgs(entries, extent, crs, title: str = "spatialhealth") -> str:
    """A QGIS project document (``.qgs`` text).

    ``entries``: list of dicts with ``id``, ``title``, ``source`` (relative,
    ``./x.gpkg|layername=y``), ``geometry`` (Polygon/Point/Line, or None for a
    raster), ``renderer`` (renderer-v2 XML or raster ``pipe`` XML) and ``crs``;
    the first entry is the top of the legend.
    """
    xmin, ymin, xmax, ymax = extent
    units = "degrees" if crs.is_geographic else "meters"
    tree, maplayers = [], []
    for e in entries:
        checked = "Qt::Checked" if e.get("visible", True) else "Qt::Unchecked"
        tree.append(f'<layer-tree-layer id={quoteattr(e["id"])} name={quoteattr(e["title"])} '
                    f'source={quoteattr(e["source"])} providerKey="{e["provider"]}" '
                    f'checked="{checked}" expanded="1"/>')
        if e["geometry"] is None:
            head = '<maplayer type="raster">'
            tail = f"<pipe>{e['renderer']}</pipe>"
        else:
            lab = ' labelsEnabled="1"' if e.get("labels") else ""
            head = f'<maplayer type="vector" geometry="{e["geometry"]}"{lab}>'
            tail = e["renderer"] + e.get("extra", "")
        maplayers.append(
            f"{head}<id>{escape(e['id'])}</id><datasource>{escape(e['source'])}</datasource>"
            f"<layername>{escape(e['title'])}</layername><srs>{_srs_xml(e['crs'])}</srs>"
            f'<provider encoding="UTF-8">{e["provider"]}</provider>{tail}</maplayer>')
    order = "".join(f'<layer id={quoteattr(e["id"])}/>' for e in entries)
    return (
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
        f'<qgis version="{QGIS_VERSION}" projectname={quoteattr(title)}>\n'
        f"<title>{escape(title)}</title>\n"
        f"<projectCrs>{_srs_xml(crs)}</projectCrs>\n"
        f'<mapcanvas name="theMapCanvas" annotationsVisible="1"><units>{units}</units>'
        f"<extent><xmin>{xmin!r}</xmin><ymin>{ymin!r}</ymin><xmax>{xmax!r}</xmax><ymax>{ymax!r}</ymax>"
        f"</extent><rotation>0</rotation><destinationsrs>{_srs_xml(crs)}</destinationsrs></mapcanvas>\n"
        f'<layer-tree-group>{"".join(tree)}<custom-order enabled="0">{order}</custom-order>'
        "</layer-tree-group>\n"
        f"<projectlayers>{''.join(maplayers)}</projectlayers>\n"
        f"<layerorder>{order}</layerorder>\n"
        '<properties><Paths><Absolute type="bool">false</Absolute></Paths>'
        # QGIS 3.22 reads <projectCrs> only when projections are flagged as enabled
        '<SpatialRefSys><ProjectionsEnabled type="int">1</ProjectionsEnabled>'
        f'<ProjectCrs type="QString">{escape(_authid(crs))}</ProjectCrs></SpatialRefSys>'
        "</properties>\n"
        "</qgis>\n"
    )


def _qgz_bytes(qgs_text: str, stem: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{stem}.qgs", qgs_text)
    return buf.getvalue()


_STYLES_DDL = (
    'CREATE TABLE IF NOT EXISTS "layer_styles" ( "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, '
    '"f_table_catalog" TEXT(256), "f_table_schema" TEXT(256), "f_table_name" TEXT(256), '
    '"f_geometry_column" TEXT(256), "styleName" TEXT(30), "styleQML" TEXT, "styleSLD" TEXT, '
    '"useAsDefault" BOOLEAN, "description" TEXT, "owner" TEXT(30), "ui" TEXT(30), '
    "\"update_time\" DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))"
)


def _now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _write_styles(con, rows):
    """rows: (table, qml, description) — one default style per layer."""
    con.execute(_STYLES_DDL)
    geom_col = dict(con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns"))
    now = _now()
    for table, qml, description in rows:
        con.execute("DELETE FROM layer_styles WHERE f_table_name = ?", (table,))
        con.execute(
            "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
            "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, owner, "
            "update_time) VALUES ('', '', ?, ?, ?, ?, '', 1, ?, '', ?)",
            (table, geom_col[table], table, qml, description, now))
    if not con.execute("SELECT 1 FROM gpkg_contents WHERE table_name='layer_styles'").fetchone():
        con.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, description, "
                    "last_change, srs_id) VALUES ('layer_styles', 'attributes', 'layer_styles', '', ?, 0)",
                    (now,))
    has_ogr = con.execute("SELECT 1 FROM sqlite_master WHERE name='gpkg_ogr_contents'").fetchone()
    if has_ogr:
        n = con.execute("SELECT count(*) FROM layer_styles").fetchone()[0]
        con.execute("DELETE FROM gpkg_ogr_contents WHERE table_name='layer_styles'")
        con.execute("INSERT INTO gpkg_ogr_contents (table_name, feature_count) VALUES ('layer_styles', ?)", (n,))


def _write_gpkg_project(con, name, qgz: bytes):
    con.execute("CREATE TABLE IF NOT EXISTS qgis_projects(name TEXT PRIMARY KEY, metadata BLOB, content BLOB)")
    meta = json.dumps({"last_modified_time": _now().rstrip("Z"), "last_modified_user": "spatialhealth"})
    con.execute("INSERT OR REPLACE INTO qgis_projects (name, metadata, content) VALUES (?, ?, ?)",
                (name, meta, qgz.hex()))


def _is_geopackage(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            if fh.read(16) != b"SQLite format 3\x00":
                return False
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return bool(con.execute("SELECT 1 FROM sqlite_master WHERE name='gpkg_contents'").fetchone())
        finally:
            con.close()
    except (OSError, sqlite3.Error):
        return False


def _refuse_inputs(path: Path, inputs) -> None:
    target = path.resolve()
    for src in inputs or ():
        src = Path(str(src).split("|")[0])
        if src.exists() and src.resolve() == target:
            raise InputError(f"Refusing to write into {str(path)!r}: it is the input being read. "
                             "Write the result to another GeoPackage.")


#: the project's CRS: Asia North Albers Equal Area Conic, an equal-area CRS QGIS knows by name
PROJECT_CRS = "ESRI:102025"
_NAME_FIELDS = {"zh": ("name_zh", "short_zh", "name", "label", "name_en"),
                "en": ("name_en", "name", "label", "pinyin", "name_zh")}


def _default_aliases(gdf, lang):
    from .maps import _alias, _measure_title

    out = {}
    for c in gdf.columns:
        if c == gdf.geometry.name:
            continue
        a = _alias(c, lang)
        if a == str(c):
            a = _measure_title(c, lang)
        if a != str(c):
            out[str(c)] = a
    return out


def _layer_labels(lyr, gdf, geom_name, style, lang):
    """(field, filter expression or None, description) of a layer's labels, or None."""
    from ._qml import labeling_xml

    field_ = lyr.label_field
    if field_ is False or geom_name == "Line":
        return ""
    if field_ is None:
        field_ = next((c for c in _NAME_FIELDS[lang] if c in gdf.columns), None)
        if field_ is None:
            return ""
    require_columns(gdf, [field_], f"layer {lyr.name!r}")
    sym = {"Polygon": "fill", "Point": "marker"}[geom_name]
    top = lyr.label_top if lyr.label_top is not None else (10 if geom_name == "Point" else None)
    rank = lyr.label_rank or (style.attr if style is not None else None)
    if top is None or rank is None or rank not in gdf.columns or len(gdf) <= top:
        return labeling_xml(field_, sym)
    v = pd.to_numeric(gdf[rank], errors="coerce").dropna().sort_values(ascending=False)
    if v.empty:
        return labeling_xml(field_, sym)
    threshold = float(v.iloc[min(int(top), len(v)) - 1])
    expr = f'"{rank}" >= {threshold!r}'
    return labeling_xml(field_, sym, expr, f"top {int(top)} by {rank}")


def write_geopackage(layers, path, *, crs=None, project: bool | str | Path = True,
                     store_project: bool = True, title: str = "spatialhealth",
                     rasters=(), inputs=(), project_crs=PROJECT_CRS, lang: str = "en",
                     visible: int = 1) -> QgisExport:
    """Write styled layers to one GeoPackage (+ a QGIS project) atomically.

    Parameters
    ----------
    layers : list of QgisLayer
        In legend order: the first is drawn on top. Table names must be unique.
    path : path
        The ``.gpkg`` to write. If it exists (and is a GeoPackage), only the named layers
        and their ``layer_styles`` rows are replaced; every other layer is kept. A file
        that is not a GeoPackage is refused, never overwritten.
    crs : CRS-like, optional
        Reproject every layer to this CRS (default: the first layer's CRS),
        which is also the project's CRS.
    project : bool or path
        Write ``<stem>.qgz`` beside the GeoPackage (or at the given path, in the
        same folder so relative paths hold). ``False`` skips it.
    store_project : bool
        Also store the project inside the GeoPackage (table ``qgis_projects``),
        named after the file stem.
    title : str
        Project title.
    rasters : list of (path, title, RasterStyle or None)
        GeoTIFFs (in the same folder or below) added to the project below the
        vector layers; their style is embedded (write a sidecar too with
        :func:`write_raster_style`).
    inputs : iterable of path
        Files the caller is reading; writing into one of them is refused.
    project_crs : CRS-like or None
        CRS of the QGIS project (the map canvas): by default ``ESRI:102025``, Asia North
        Albers Equal Area Conic, so China is not stretched as in EPSG:4326; layers keep
        ``crs`` and QGIS reprojects them on the fly. ``None``: the layers' CRS.
    lang : {"zh", "en"}
        Language of field aliases, LISA labels and of the name field used for labels
        (``name_zh`` for ``"zh"``).
    visible : int
        How many layers (from the top of the legend) are switched on; the others are listed
        but off, so the top analysis layer is not hidden by the ones below.

    Polygon layers are labelled with their name field, point layers with the names of the
    10 features with the largest value of their style's field (``QgisLayer.label_*``).

    Layer names that are not ASCII identifiers (e.g. ``lisa_每千人床位``) get a safe table
    name from :func:`safe_layer_name`; the original name becomes the layer's title.

    Returns
    -------
    QgisExport

    Examples
    --------
    >>> res = write_geopackage([QgisLayer(gdf, "lisa", lisa_style())], "out/qgis/lisa.gpkg")  # doctest: +SKIP
    """
    from pyproj import CRS

    path = Path(path)
    if path.suffix.lower() != ".gpkg":
        raise InputError(f"The GeoPackage path must end in .gpkg; {str(path)!r} was given.")
    layers = list(layers)
    if not layers:
        raise InputError("No layer was given to write.")
    for lyr in layers:
        if not isinstance(lyr, QgisLayer):
            raise InputTypeError(f"layers must be QgisLayer objects; {type(lyr).__name__} was given.")
    names = [str(lyr.name) for lyr in layers]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputError(f"Layer names must be unique; repeated: {', '.join(dup)}.")
    _refuse_inputs(path, inputs)
    if path.exists() and not _is_geopackage(path):
        raise InputError(f"{str(path)!r} exists and is not a GeoPackage; refusing to replace it.")
    safe: list[str] = []
    renamed = []
    for lyr in layers:
        new = safe_layer_name(lyr.name, taken=safe)
        safe.append(new)
        if new != lyr.name:
            from dataclasses import replace as _replace

            lyr = _replace(lyr, name=new, title=lyr.title or str(lyr.name))
        renamed.append(lyr)
    layers = renamed
    first = getattr(layers[0].frame, "frame", layers[0].frame)
    target = CRS.from_user_input(crs) if crs is not None else getattr(first, "crs", None)
    frames = [_prepare(lyr, target) for lyr in layers]
    target = CRS.from_user_input(frames[0].crs)

    from .._i18n import check_lang
    from ._qml import aliases_xml

    lang = check_lang(lang)
    pcrs = CRS.from_user_input(project_crs) if project_crs is not None else target
    entries, style_rows, info = [], [], []
    bounds = np.array([f.total_bounds for f in frames])
    for pos, (lyr, gdf) in enumerate(zip(layers, frames)):
        sym, geom_name = _geom_kind(gdf)
        style = lyr.style or single_style(title=lyr.title or lyr.name)
        rxml = renderer_xml(style, sym)
        ttl = lyr.title or style.title or lyr.name
        aliases = {**_default_aliases(gdf, lang), **(lyr.aliases or {})}
        labeling = _layer_labels(lyr, gdf, geom_name, lyr.style, lang)
        extra = labeling + aliases_xml(aliases)
        style_rows.append((lyr.name, vector_qml(style, sym, extra, labels=bool(labeling)),
                           style.description or ttl))
        entries.append({"id": _layer_id(lyr.name), "title": ttl, "geometry": geom_name,
                        "source": f"./{path.name}|layername={lyr.name}", "provider": "ogr",
                        "renderer": rxml, "crs": target, "extra": extra, "labels": bool(labeling),
                        "visible": pos < visible})
        info.append({"layer": lyr.name, "title": ttl, "geometry": geom_name, "features": len(gdf),
                     "visible": pos < visible, "labels": bool(labeling),
                     "renderer": {"categorized": "categorizedSymbol", "graduated": "graduatedSymbol",
                                  "single": "singleSymbol"}[style.kind],
                     "attribute": style.attr or "", "classes": len(style.classes)})
    proj_dir = (Path(project).parent if isinstance(project, (str, Path)) else path.parent)
    for r_path, r_title, r_style in rasters:
        import rasterio

        r_path = Path(r_path)
        with rasterio.open(r_path) as src:
            r_crs = CRS.from_user_input(src.crs)
        rel = os.path.relpath(r_path.resolve(), proj_dir.resolve())
        rs = r_style or raster_style(r_path)
        from ._qml import raster_renderer_xml

        entries.append({"id": _layer_id(r_path.stem), "title": r_title, "geometry": None,
                        "source": f"./{Path(rel).as_posix()}", "provider": "gdal",
                        "renderer": raster_renderer_xml(rs), "crs": r_crs,
                        "visible": len(entries) < visible})
    xmin, ymin = bounds[:, 0].min(), bounds[:, 1].min()
    xmax, ymax = bounds[:, 2].max(), bounds[:, 3].max()
    if not pcrs.equals(target):
        from pyproj import Transformer

        tr = Transformer.from_crs(target, pcrs, always_xy=True)
        xmin, ymin, xmax, ymax = tr.transform_bounds(xmin, ymin, xmax, ymax, densify_pts=21)
    pad = 0.03 * max(xmax - xmin, ymax - ymin, 1e-6)
    extent = (float(xmin - pad), float(ymin - pad), float(xmax + pad), float(ymax + pad))
    qgs = project_qgs(entries, extent, pcrs, title)

    with atomic_path(path) as tmp:
        if path.exists():
            import shutil

            shutil.copyfile(path, tmp)  # update a copy: other layers are kept as they are
        else:
            tmp.unlink()
        for lyr, gdf in zip(layers, frames):
            gdf.to_file(tmp, layer=lyr.name, driver="GPKG", engine="pyogrio", VERSION="1.2")
        con = sqlite3.connect(tmp)
        try:
            with con:
                _write_styles(con, style_rows)
                if store_project:
                    _write_gpkg_project(con, path.stem, _qgz_bytes(qgs, path.stem))
        finally:
            con.close()
        os.chmod(tmp, _umask_mode())

    project_path = None
    if project:
        project_path = Path(project) if isinstance(project, (str, Path)) else path.with_suffix(".qgz")
        if project_path.resolve().parent != path.resolve().parent:
            raise InputError("The project must be written in the GeoPackage's folder so that its "
                             f"relative paths resolve; got {str(project_path)!r}.")
        with atomic_path(project_path) as tmp:
            tmp.write_bytes(_qgz_bytes(qgs, project_path.stem))
            os.chmod(tmp, _umask_mode())
    return QgisExport(path, project_path, path.stem if store_project else None,
                      pd.DataFrame(info), extent)


# ----------------------------------------------------------------------------- single files
def launder_shapefile_names(columns, geometry: str = "geometry") -> dict:
    """``{old: new}`` field names that fit a shapefile (10 characters, unique).

    Parameters
    ----------
    columns : iterable of str
        The field names.
    geometry : str
        The geometry column, left out.

    Returns
    -------
    dict
        ``{old: new}`` for every field.

    Examples
    --------
    >>> launder_shapefile_names(["beds_per_1k", "beds_per_1m", "code"])
    {'beds_per_1k': 'beds_per_1', 'beds_per_1m': 'beds_per_2', 'code': 'code'}
    """
    out, used = {}, set()
    for c in columns:
        if c == geometry:
            continue
        base = str(c)[:10]
        new, i = base, 1
        while new.lower() in used:
            suffix = str(i)
            new = base[: 10 - len(suffix)] + suffix
            i += 1
        used.add(new.lower())
        out[c] = new
    return out


_DRIVERS = {".fgb": "FlatGeobuf", ".geojson": "GeoJSON", ".json": "GeoJSON",
            ".shp": "ESRI Shapefile", ".gpkg": "GPKG"}


def write_layer(frame, path, style: Style | None = None, *, layer: str | None = None) -> Path:
    """Write one layer (FlatGeobuf, GeoJSON, shapefile or GeoPackage) with its style.

    Single-layer formats get a sidecar ``<basename>.qml`` that QGIS applies on
    opening; a ``.gpkg`` goes through :func:`write_geopackage` (``layer_styles``,
    no sidecar: a sidecar would apply to every layer of the file). Shapefile
    field names are laundered to 10 characters and the style's field follows.
    GeoJSON is written in EPSG:4326 (RFC 7946).

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        The layer.
    path : path-like
        ``.fgb``, ``.geojson``, ``.shp`` or ``.gpkg``.
    style : Style, optional
        Its style (none: QGIS's default).
    layer : str, optional
        Table name in a GeoPackage (default: the file's stem).

    Returns
    -------
    pathlib.Path
        The layer file written.

    Examples
    --------
    >>> write_layer(lisa_gdf, "lisa.shp", lisa_style())   # doctest: +SKIP
    """
    import geopandas as gpd

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _DRIVERS:
        raise InputError(f"Unsupported layer format {suffix!r}; use one of {', '.join(_DRIVERS)}.")
    if suffix == ".gpkg":
        write_geopackage([QgisLayer(frame, layer or path.stem, style)], path, project=False,
                         store_project=False)
        return path
    gdf = _prepare(QgisLayer(frame, path.stem, style), None)
    if suffix in (".geojson", ".json"):
        gdf = gdf.to_crs(4326)
    if suffix == ".shp":
        mapping = launder_shapefile_names(gdf.columns, gdf.geometry.name)
        gdf = gdf.rename(columns=mapping)
        if style is not None and style.attr is not None:
            style = style.with_attr(mapping[style.attr])
    sym, _ = _geom_kind(gdf)
    if suffix == ".shp":
        tmpdir = path.parent / f".{path.stem}.tmp-{os.getpid()}"
        tmpdir.mkdir(parents=True, exist_ok=True)
        try:
            gdf.to_file(tmpdir / path.name, driver="ESRI Shapefile", engine="pyogrio", ENCODING="UTF-8")
            for f in tmpdir.iterdir():
                os.replace(f, path.parent / f.name)
        finally:
            for f in tmpdir.iterdir():
                f.unlink()
            tmpdir.rmdir()
    else:
        with atomic_path(path) as tmp:
            tmp.unlink()
            gdf.to_file(tmp, driver=_DRIVERS[suffix], engine="pyogrio")
    if style is not None:
        write_text(path.with_suffix(".qml"), vector_qml(style, sym))
    return path


# ----------------------------------------------------------------------------- rasters
def _raster_sample(path, band, max_cells=1_000_000):
    import rasterio

    with rasterio.open(path) as src:
        if band < 1 or band > src.count:
            raise InputError(f"{path} has {src.count} band(s); band {band} was asked for.")
        step = max(1, int(np.ceil(np.sqrt(src.width * src.height / max_cells))))
        out_shape = (max(1, src.height // step), max(1, src.width // step))
        arr = src.read(band, out_shape=out_shape, masked=True)
    return np.asarray(arr.compressed(), dtype=float)


def _raster_categories(path, band, lang):
    """Categories of a categorical GeoTIFF (as :func:`spatialhealth.layers.raster.rasterize` writes).

    ``category_<k>`` tags name the class of cell value ``k`` (LISA codes get GeoDa's colours
    and labels in ``lang``); ``class_<k>`` tags hold class bounds (colours from the file's
    colour table). Returns ``{value: (colour, label)}`` or None for a continuous band.
    """
    import rasterio

    from .._i18n import labels
    from ._palette import LISA_CLASS_COLOURS, NEIGHBORLESS_CODES

    with rasterio.open(path) as src:
        tags = src.tags()
        try:
            cmap = src.colormap(band)
        except ValueError:
            cmap = None
    names = labels("lisa", lang)
    cats = {}
    for key, value in tags.items():
        m = re.fullmatch(r"(category|class)_(\d+)", key)
        if not m:
            continue
        k = int(m.group(2))
        code = "neighborless" if str(value).lower() in NEIGHBORLESS_CODES else str(value)
        if m.group(1) == "category" and code in LISA_CLASS_COLOURS:
            lab = f"{names[code]} ({code})" if code in LISA_COLOURS else names[code]
            cats[k] = (LISA_CLASS_COLOURS[code], lab)
        else:
            rgba = (cmap or {}).get(k)
            colour = "#{:02x}{:02x}{:02x}".format(*rgba[:3]) if rgba else _palette.sequential_colours(
                max(k, 1), "tab20" if m.group(1) == "category" else "YlOrRd")[k - 1]
            cats[k] = (colour, _class_label(str(value)))
    return dict(sorted(cats.items())) or None


def _class_label(text: str) -> str:
    """A ``"lo - hi"`` tag re-formatted without e-notation."""
    from ._palette import range_label

    parts = text.split(" - ")
    try:
        nums = [float(x) for x in parts]
    except ValueError:
        return text
    return range_label(nums[0], nums[1]) if len(nums) == 2 else text


def raster_style(path, *, band: int = 1, scheme: str = "quantiles", k: int = 5, breaks=None,
                 palette: str = "YlOrRd", categories: dict | None = None,
                 title: str | None = None, lang: str = "en") -> RasterStyle:
    """Style of a GeoTIFF band: categories (paletted) or discrete classes (pseudocolour).

    ``categories`` maps integer cell values to ``"#rrggbb"`` or to ``(colour, label)``.
    Without it, a band written by :func:`spatialhealth.layers.raster.rasterize` (tags
    ``category_<k>`` / ``class_<k>``) is styled with exactly its categories (LISA rasters:
    HH/LL/LH/HL/ns in GeoDa's colours, labels in ``lang``), never the 256 entries of the
    colour table; any other band is classified like a choropleth (no-data cells excluded).

    Parameters
    ----------
    path : path-like
        The GeoTIFF.
    band : int
        Band to style.
    scheme, k, breaks, palette
        Classification of a continuous band, as in :func:`graduated_style`.
    categories : dict, optional
        ``{cell value: colour or (colour, label)}``.
    title : str, optional
        Legend title.
    lang : {"en", "zh"}
        Language of the LISA labels.

    Returns
    -------
    RasterStyle
        ``paletted`` (categories) or ``pseudocolor`` (classes).

    Examples
    --------
    >>> style = raster_style("lisa_clusters.tif", lang="zh")   # doctest: +SKIP
    >>> [c.label for c in style.classes]                       # doctest: +SKIP
    ['高-高 (HH)', '低-低 (LL)', '不显著 (ns)']
    """
    from .._i18n import check_lang

    lang = check_lang(lang)
    if not categories:
        import rasterio  # noqa: F401  (a clear ImportError before any work)

        categories = _raster_categories(path, band, lang)
    if categories:
        classes = []
        for v, spec in categories.items():
            colour, label = (spec, str(v)) if isinstance(spec, str) else spec
            classes.append(StyleClass(label, colour, value=int(v)))
        return RasterStyle("paletted", tuple(classes), band, title or "")
    values = _raster_sample(path, band)
    cl = classify(values, f"band {band}", scheme=scheme, k=k, breaks=breaks, palette=palette)
    classes = tuple(StyleClass(lab, c, lower=lo, upper=hi)
                    for lab, c, lo, hi in zip(cl.labels, cl.colours, cl.lower, cl.upper))
    return RasterStyle("pseudocolor", classes, band, title or "")


def named_crs(crs):
    """``crs`` with a descriptive name when it has none (QGIS shows an unnamed CRS as "Unknown").

    A CRS with an authority code or a name is returned unchanged; an unnamed one (e.g. from
    a PROJ string such as the China Albers of spatialhealth) gets a name built from its
    projection and parameters; its definition is unchanged.

    Examples
    --------
    >>> named_crs("+proj=aea +lat_1=25 +lat_2=47 +lon_0=105 +datum=WGS84 +units=m").name
    'Albers Equal Area (lon_0=105, lat_1=25, lat_2=47), WGS 84'
    """
    import warnings

    from pyproj import CRS

    crs = CRS.from_user_input(crs)
    if crs.name and crs.name.lower() not in ("unknown", "undefined", "custom"):
        return crs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        params = crs.to_dict()
    proj = crs.coordinate_operation.method_name if crs.coordinate_operation else params.get("proj", "custom")
    keys = [k for k in ("lon_0", "lat_0", "lat_1", "lat_2", "k", "zone") if k in params
            and not (k == "lat_0" and float(params[k]) == 0)]
    detail = ", ".join(f"{k}={params[k]:g}" if isinstance(params[k], float) else f"{k}={params[k]}"
                       for k in keys)
    datum = "WGS 84" if params.get("datum") == "WGS84" or params.get("ellps") == "WGS84" else \
        (crs.datum.name if crs.datum else "")
    name = f"{proj} ({detail})" + (f", {datum}" if datum else "")
    data = crs.to_json_dict()
    data["name"] = name
    base = data.get("base_crs")
    if isinstance(base, dict) and str(base.get("name", "")).lower() in ("unknown", "") and datum:
        base["name"] = datum
    return CRS.from_json_dict(data)


def write_raster_style(path, style: RasterStyle | None = None, **kwargs) -> Path:
    """Write ``<basename>.qml`` beside a GeoTIFF so QGIS opens it styled.

    ``kwargs`` go to :func:`raster_style` when no ``style`` is given.

    Parameters
    ----------
    path : path-like
        The GeoTIFF.
    style : RasterStyle, optional
        The style (default: :func:`raster_style` of the file).
    **kwargs
        Options of :func:`raster_style`.

    Returns
    -------
    pathlib.Path
        The ``.qml`` file written.

    Examples
    --------
    >>> write_raster_style("beds_density.tif", scheme="natural_breaks", k=5)  # doctest: +SKIP
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"Raster {str(path)!r} does not exist.")
    _name_raster_crs(path)
    style = style or raster_style(path, **kwargs)
    return write_text(path.with_suffix(".qml"), raster_qml(style))


def _name_raster_crs(path) -> None:
    """Give an unnamed GeoTIFF CRS a name in place (metadata only), so QGIS shows a known CRS."""
    import rasterio
    from rasterio.crs import CRS as RioCRS

    with rasterio.open(path) as src:
        crs = src.crs
    if crs is None:
        return
    from pyproj import CRS

    original = CRS.from_wkt(crs.to_wkt())
    named = named_crs(original)
    if named.name != original.name:
        with rasterio.open(path, "r+") as dst:
            dst.crs = RioCRS.from_wkt(named.to_wkt("WKT1_GDAL"))
