"""QGIS style documents (QML) for vector renderers and raster renderers.

Stdlib only. The XML follows what QGIS 3.22 reads (``<Option type="Map">``
symbol-layer properties, ``renderer-v2`` categorized/graduated/single
renderers, ``pipe/rasterrenderer`` for rasters); later QGIS releases read the
same document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import quoteattr

from ._palette import OUTLINE, qgis_rgba

QGIS_VERSION = "3.22.0"
#: millimetres per CSS pixel (96 dpi), to turn web sizes into QGIS sizes
MM_PER_PX = 25.4 / 96


@dataclass(frozen=True)
class StyleClass:
    """One legend entry: a category value or a [lower, upper] range.

    Attributes
    ----------
    label : str
        Legend text.
    colour : str
        ``"#rrggbb"``.
    value : object, optional
        The category value.
    lower, upper : float, optional
        The range of a graduated class.
    size : float, optional
        Marker radius or line width, in pixels.

    Examples
    --------
    >>> StyleClass("high", "#ff0000", lower=5.0, upper=10.0).upper
    10.0
    """

    label: str
    colour: str
    value: object = None
    lower: float | None = None
    upper: float | None = None
    size: float | None = None  # px: marker radius or line width


@dataclass(frozen=True)
class Style:
    """A vector layer style that renders the same way in folium and QGIS.

    Parameters
    ----------
    kind : {"categorized", "graduated", "single"}
    attr : str or None
        The field the renderer reads (after any renaming by the format).
    classes : tuple of StyleClass
    title : str
        Name shown in the QGIS legend.
    arrows : bool
        Lines: draw an arrowhead at the last vertex (flow direction).
    """

    kind: str
    attr: str | None
    classes: tuple = ()
    title: str = ""
    arrows: bool = False
    description: str = ""
    extra: dict = field(default_factory=dict)

    def with_attr(self, attr: str) -> "Style":
        from dataclasses import replace

        return replace(self, attr=attr)


def _opt(name, value):
    return f'<Option name={quoteattr(name)} value={quoteattr(str(value))} type="QString"/>'


def _symbol_layer(geom: str, colour: str, size_px: float | None, *, offset_mm: float = 0.0) -> str:
    if geom == "fill":
        opts = [_opt("color", qgis_rgba(colour)), _opt("outline_color", qgis_rgba(OUTLINE)),
                _opt("outline_style", "solid"), _opt("outline_width", "0.2"),
                _opt("outline_width_unit", "MM"), _opt("style", "solid")]
        cls = "SimpleFill"
    elif geom == "marker":
        # half the web radius: circles of at most ~3.7 mm keep eastern China readable
        diameter = (size_px or 5.0) * MM_PER_PX
        opts = [_opt("color", qgis_rgba(colour)), _opt("name", "circle"),
                _opt("outline_color", qgis_rgba(OUTLINE)), _opt("outline_style", "solid"),
                _opt("outline_width", "0.2"), _opt("outline_width_unit", "MM"),
                _opt("size", f"{diameter:.3f}"), _opt("size_unit", "MM")]
        cls = "SimpleMarker"
    else:
        width = (size_px or 1.5) * MM_PER_PX
        opts = [_opt("line_color", qgis_rgba(colour, 217)), _opt("line_style", "solid"),
                _opt("line_width", f"{width:.3f}"), _opt("line_width_unit", "MM"),
                _opt("capstyle", "flat"), _opt("joinstyle", "round"),
                _opt("offset", f"{offset_mm:.3f}"), _opt("offset_unit", "MM")]
        cls = "SimpleLine"
    return (f'<layer class="{cls}" enabled="1" locked="0" pass="0"><Option type="Map">'
            + "".join(opts) + "</Option></layer>")


def _arrow_layer(colour: str, size_px: float | None, name: str, offset_mm: float) -> str:
    head_mm = 1.6 + 1.2 * (size_px or 1.5) * MM_PER_PX
    opts = [_opt("placement", "lastvertex"), _opt("placements", "LastVertex"), _opt("rotate", "1"),
            _opt("offset", f"{offset_mm:.3f}"), _opt("offset_unit", "MM"),
            _opt("offset_along_line", f"{head_mm / 2:.3f}"), _opt("offset_along_line_unit", "MM")]
    marker = [_opt("color", qgis_rgba(colour)), _opt("name", "filled_arrowhead"),
              _opt("outline_color", qgis_rgba(colour)), _opt("outline_width", "0"),
              _opt("size", f"{head_mm:.3f}"), _opt("size_unit", "MM"), _opt("angle", "0"),
              _opt("offset", f"{-head_mm / 2:.3f},0"), _opt("offset_unit", "MM")]
    return ('<layer class="MarkerLine" enabled="1" locked="0" pass="0"><Option type="Map">'
            + "".join(opts) + "</Option>"
            f'<symbol type="marker" name="@{name}@1" alpha="1" clip_to_extent="1" force_rhr="0">'
            '<layer class="SimpleMarker" enabled="1" locked="0" pass="0"><Option type="Map">'
            + "".join(marker) + "</Option></layer></symbol></layer>")


def symbol_xml(name: str, geom: str, colour: str, size_px: float | None = None,
               arrows: bool = False) -> str:
    """One ``<symbol>`` element of type fill, marker or line."""
    offset = 0.0
    if geom == "line" and arrows:
        # offset to one side so that A->B and B->A stay apart (as on the web map)
        offset = (size_px or 1.5) * MM_PER_PX / 2 + 0.3
    body = _symbol_layer(geom, colour, size_px, offset_mm=offset)
    if geom == "line" and arrows:
        body += _arrow_layer(colour, size_px, name, offset)
    return (f'<symbol type="{geom}" name={quoteattr(name)} alpha="1" clip_to_extent="1" '
            f'force_rhr="0">{body}</symbol>')


def _num(x: float) -> str:
    return repr(float(x))


def renderer_xml(style: Style, geom: str) -> str:
    """The ``<renderer-v2>`` element for ``style`` drawn as ``geom`` (fill/marker/line)."""
    head = 'forceraster="0" symbollevels="0" enableorderby="0"'
    if style.kind == "single":
        c = style.classes[0] if style.classes else StyleClass("", "#9e9ac8")
        return (f'<renderer-v2 type="singleSymbol" {head}><symbols>'
                + symbol_xml("0", geom, c.colour, c.size, style.arrows)
                + "</symbols></renderer-v2>")
    symbols = "".join(symbol_xml(str(i), geom, c.colour, c.size, style.arrows)
                      for i, c in enumerate(style.classes))
    if style.kind == "categorized":
        cats = "".join(f'<category symbol="{i}" value={quoteattr(str(c.value))} '
                       f'label={quoteattr(c.label)} render="true"/>' for i, c in enumerate(style.classes))
        return (f'<renderer-v2 type="categorizedSymbol" attr={quoteattr(style.attr)} {head}>'
                f"<categories>{cats}</categories><symbols>{symbols}</symbols></renderer-v2>")
    if style.kind == "graduated":
        method = "GraduatedSize" if style.extra.get("sized") else "GraduatedColor"
        ranges = "".join(f'<range symbol="{i}" lower="{_num(c.lower)}" upper="{_num(c.upper)}" '
                         f'label={quoteattr(c.label)} render="true"/>'
                         for i, c in enumerate(style.classes))
        return (f'<renderer-v2 type="graduatedSymbol" attr={quoteattr(style.attr)} '
                f'graduatedMethod="{method}" {head}><ranges>{ranges}</ranges>'
                f"<symbols>{symbols}</symbols></renderer-v2>")
    raise ValueError(f"unknown style kind {style.kind!r}")


def qml_document(body: str, labels: bool = False) -> str:
    enabled = ' labelsEnabled="1"' if labels else ""
    return ("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
            f'<qgis version="{QGIS_VERSION}" styleCategories="AllStyleCategories"{enabled}>\n'
            f"{body}\n</qgis>\n")


#: font of map labels: Noto Sans CJK SC where installed; Qt falls back per glyph otherwise
LABEL_FONT = "Noto Sans CJK SC"


def _label_settings(field: str, geom: str) -> str:
    # placement: 1 = over the polygon's centroid; 6 = cartographic positions around a point;
    # 2 = along a line
    placement = {"fill": 1, "marker": 6, "line": 2}[geom]
    return (
        '<settings calloutType="simple">'
        f'<text-style fieldName={quoteattr(field)} isExpression="0" fontFamily="{LABEL_FONT}" '
        'namedStyle="Regular" fontSize="8" fontSizeUnit="Point" textColor="20,20,20,255" '
        'textOpacity="1" fontWeight="50" fontItalic="0" allowHtml="0" multilineHeight="1" '
        'capitalization="0" blendMode="0" fontKerning="1">'
        '<text-buffer bufferDraw="1" bufferSize="0.7" bufferSizeUnits="MM" '
        'bufferColor="255,255,255,255" bufferOpacity="0.9" bufferNoFill="1" bufferJoinStyle="128" '
        'bufferBlendMode="0"/></text-style>'
        '<text-format wrapChar="" autoWrapLength="0" multilineAlign="3" placeDirectionSymbol="0" '
        'formatNumbers="0" decimals="3" plussign="0"/>'
        f'<placement placement="{placement}" dist="1" distUnits="MM" priority="5" '
        'placementFlags="10" centroidWhole="0" centroidInside="1" fitInPolygonOnly="0" '
        'overrunDistance="0" overrunDistanceUnit="MM"/>'
        '<rendering obstacle="1" drawLabels="1" scaleVisibility="0" upsidedownLabels="0" '
        'limitNumLabels="0" displayAll="0" mergeLines="0" labelPerPart="0" minFeatureSize="0" '
        'fontLimitPixelSize="0" obstacleType="1" zIndex="0"/>'
        "</settings>"
    )


def labeling_xml(field: str, geom: str, filter_expr: str | None = None, description: str = "") -> str:
    """``<labeling>`` element: simple labels of ``field``, or rule-based with ``filter_expr``."""
    if filter_expr is None:
        return f'<labeling type="simple">{_label_settings(field, geom)}</labeling>'
    return ('<labeling type="rule-based"><rules key="{spatialhealth-root}">'
            f'<rule key="{{spatialhealth-top}}" filter={quoteattr(filter_expr)} '
            f"description={quoteattr(description)}>{_label_settings(field, geom)}</rule>"
            "</rules></labeling>")


def aliases_xml(aliases: dict) -> str:
    """``<aliases>`` element: field display names."""
    if not aliases:
        return ""
    items = "".join(f"<alias field={quoteattr(str(k))} index=\"{i}\" name={quoteattr(str(v))}/>"
                    for i, (k, v) in enumerate(aliases.items()))
    return f"<aliases>{items}</aliases>"


def vector_qml(style: Style, geom: str, extra: str = "", labels: bool = False) -> str:
    """Full QML document for a vector layer (``extra``: labeling/aliases elements).

    Parameters
    ----------
    style : Style
        The style.
    geom : {"point", "line", "polygon"}
        Geometry type of the layer.
    extra : str
        XML elements inserted as they are (labeling, field aliases).
    labels : bool
        Turn labels on.

    Returns
    -------
    str
        The ``.qml`` document.

    Examples
    --------
    >>> from spatialhealth.layers.qgis import single_style
    >>> vector_qml(single_style(), "polygon").startswith("<!DOCTYPE qgis")
    True
    """
    return qml_document(renderer_xml(style, geom) + extra, labels=labels)


# ----------------------------------------------------------------------------- rasters
@dataclass(frozen=True)
class RasterStyle:
    """Raster renderer: ``paletted`` (categories) or ``pseudocolor`` (classes, discrete).

    Attributes
    ----------
    kind : {"paletted", "pseudocolor"}
        The QGIS renderer.
    classes : tuple of StyleClass
        Categories (``value``) or classes (``lower``/``upper``).
    band : int
        The styled band.
    title : str
        Legend title.

    Examples
    --------
    >>> RasterStyle("paletted", (StyleClass("HH", "#ff0000", value=1),)).band
    1
    """

    kind: str
    classes: tuple
    band: int = 1
    title: str = ""


def raster_renderer_xml(style: RasterStyle) -> str:
    if style.kind == "paletted":
        entries = "".join(
            f'<paletteEntry value="{int(c.value)}" color="{c.colour}" alpha="255" '
            f"label={quoteattr(c.label)}/>" for c in style.classes)
        return (f'<rasterrenderer type="paletted" band="{style.band}" opacity="1" alphaBand="-1" '
                f'nodataColor=""><rasterTransparency/><colorPalette>{entries}</colorPalette>'
                "</rasterrenderer>")
    lo = style.classes[0].lower
    hi = style.classes[-1].upper
    items = "".join(f'<item value="{_num(c.upper)}" label={quoteattr(c.label)} color="{c.colour}" '
                    'alpha="255"/>' for c in style.classes)
    return (f'<rasterrenderer type="singlebandpseudocolor" band="{style.band}" opacity="1" '
            f'alphaBand="-1" classificationMin="{_num(lo)}" classificationMax="{_num(hi)}" '
            'nodataColor=""><rasterTransparency/><minMaxOrigin><limits>None</limits>'
            '<extent>WholeRaster</extent><statAccuracy>Estimated</statAccuracy>'
            '<cumulativeCutLower>0.02</cumulativeCutLower><cumulativeCutUpper>0.98</cumulativeCutUpper>'
            '<stdDevFactor>2</stdDevFactor></minMaxOrigin>'
            f'<rastershader><colorrampshader colorRampType="DISCRETE" classificationMode="1" clip="0" '
            f'minimumValue="{_num(lo)}" maximumValue="{_num(hi)}">{items}</colorrampshader>'
            "</rastershader></rasterrenderer>")


def raster_qml(style: RasterStyle) -> str:
    return qml_document(
        "<pipe>" + raster_renderer_xml(style)
        + '<brightnesscontrast brightness="0" contrast="0" gamma="1"/>'
        '<huesaturation saturation="0" grayscaleMode="0" colorizeOn="0" colorizeRed="255" '
        'colorizeGreen="128" colorizeBlue="128" colorizeStrength="100"/>'
        '<rasterresampler maxOversampling="2"/></pipe><blendMode>0</blendMode>'
    )
