"""Static figures for papers: the Moran scatter plot and the LISA cluster map (matplotlib).

Examples
--------
>>> import pandas as pd
>>> from spatialhealth.layers.weights import build_weights
>>> from spatialhealth.layers.autocorrelation import moran
>>> w = build_weights(pd.DataFrame({"code": list("abcd"), "neighbour": list("badc")}))
>>> ax = moran_scatter(moran(pd.Series([1.0, 1.5, 5, 6], index=list("abcd")), w, permutations=0))
>>> ax.get_xlabel()
'standardised value'
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputError
from ._palette import LISA_COLOURS, LISA_LABELS

CLUSTER_ORDER = ("HH", "LH", "LL", "HL", "ns")


#: cluster names by language (GeoDa's, and the Chinese a report uses)
CLUSTER_NAMES = {
    "en": {"HH": "High-High", "LL": "Low-Low", "LH": "Low-High", "HL": "High-Low", "ns": "Not significant",
           "neighborless": "Neighborless"},
    "zh": {"HH": "高-高", "LL": "低-低", "LH": "低-高", "HL": "高-低", "ns": "不显著", "neighborless": "无邻居"},
}
_AXIS_TEXT = {
    "en": ("standardised value", "spatial lag", "standardised {}", "spatial lag of standardised {}",
           "Moran scatter plot: {}"),
    "zh": ("标准化值", "空间滞后", "标准化 {}", "标准化 {} 的空间滞后", "Moran 散点图：{}"),
}


def moran_scatter(result, ax=None, labels=False, title: str | None = None, annotate_slope: bool = True,
                  max_labels: int = 60, lang: str = "en", legend: bool = True):
    """Moran scatter plot: standardised values against their spatial lag.

    Draws the points (coloured by LISA cluster when given a LISA result), the
    least-squares line through the origin (its slope is Moran's I for
    row-standardised weights), the axes at zero and the four quadrants labelled
    HH, LH, LL, HL.

    Parameters
    ----------
    result : MoranResult, MoranBVResult or LisaResult
    ax : matplotlib Axes, optional
    labels : bool or list of str
        ``True``: write each point's region name (or code) beside it (at most
        ``max_labels`` points, the most extreme first); a list: label only the regions
        named (by name or code), e.g. ``["Beijing", "440000"]``.
    title : str, optional
    lang : {"en", "zh"}
        Language of the key, the quadrant names and the axis labels (Chinese: 高-高,
        低-低, 低-高, 高-低, 不显著, 无邻居; a CJK font is used when one is installed).
    legend : bool
        Key of the cluster colours with the number of units in each (LISA results).

    Returns
    -------
    matplotlib.axes.Axes
        The plot's axes.

    Examples
    --------
    >>> import pandas as pd
    >>> from spatialhealth.layers.autocorrelation import moran
    >>> from spatialhealth.layers.weights import build_weights
    >>> w = build_weights(pd.DataFrame({"code": list("abcd"), "neighbour": list("badc")}))
    >>> ax = moran_scatter(moran(pd.Series([1.0, 1.5, 5, 6], index=list("abcd")), weights=w, permutations=0))
    >>> ax.get_xlabel()
    'standardised value'
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    from .._fonts import ensure_cjk_font
    from .._validate import one_of

    one_of(lang, ("en", "zh"), "lang")
    words = CLUSTER_NAMES[lang]
    text = _AXIS_TEXT[lang]
    cjk = ensure_cjk_font() if lang == "zh" else None
    font = {"family": ["DejaVu Sans", cjk]} if cjk else {}  # Latin from DejaVu, Chinese falls back to cjk
    z, lag, names, colours, bivariate, var = _scatter_data(result)
    codes = None
    if hasattr(result, "frame") and "Ii" in getattr(result, "frame", pd.DataFrame()).columns:
        f = result.frame
        codes = f["code"].astype(str).to_numpy()[f["Ii"].notna().to_numpy()]
    if ax is None:
        _, ax = plt.subplots(figsize=(5.2, 5.0))
    ax.scatter(z, lag, s=22, c=colours, edgecolor="0.25", linewidth=0.4, zorder=3)
    ax.axhline(0, color="0.5", lw=0.8, zorder=1)
    ax.axvline(0, color="0.5", lw=0.8, zorder=1)
    slope = float(z @ lag / (z @ z))
    span = max(np.abs(z).max(), np.abs(lag).max()) * 1.15
    xs = np.array([-span, span])
    ax.plot(xs, slope * xs, color="firebrick", lw=1.3, zorder=2)
    ax.set_xlim(-span, span)
    ax.set_ylim(-span, span)
    for quad, (sx, sy) in {"HH": (1, 1), "LH": (-1, 1), "LL": (-1, -1), "HL": (1, -1)}.items():
        ax.text(sx * span * 0.93, sy * span * 0.93, quad if lang == "en" else words[quad],
                ha="right" if sx > 0 else "left", va="top" if sy > 0 else "bottom", fontsize=11,
                fontweight="bold", color="0.35", **font)
    if annotate_slope:
        stat = getattr(result, "I", None)
        ann = f"slope = {slope:.3f}" + (f"  (Moran's I = {stat:.3f})" if stat is not None and not np.isclose(stat, slope) else "")
        ax.text(0.5, 0.98, ann, transform=ax.transAxes, fontsize=8, color="firebrick", va="top", ha="center")
    if labels is True:
        order = np.argsort(-(z**2 + lag**2))[:max_labels]
    elif labels:
        wanted = {str(v) for v in ([labels] if isinstance(labels, str) else labels)}
        hit = np.array([str(nm) in wanted or (codes is not None and str(codes[i]) in wanted)
                        for i, nm in enumerate(names)], dtype=bool)
        found = {str(names[i]) for i in np.flatnonzero(hit)} | (
            {str(codes[i]) for i in np.flatnonzero(hit)} if codes is not None else set())
        missing = sorted(wanted - found)
        if missing:
            raise InputError(f"labels: no point is named {', '.join(missing)} (names or codes of the units with a "
                             "statistic).")
        order = np.flatnonzero(hit)
    else:
        order = []
    for i in order:
        ax.annotate(str(names[i]), (z[i], lag[i]), xytext=(3, 3), textcoords="offset points", fontsize=7, **font)
    if legend and codes is not None:
        f = result.frame
        cls = f["map_class"] if "map_class" in f.columns else f["cluster"]
        counts = cls.astype(str).value_counts()
        keys = [c for c in ("HH", "LL", "LH", "HL", "ns", "neighborless") if c in counts.index or c != "neighborless"]
        handles = [Patch(facecolor=LISA_COLOURS.get(c, "#9e9e9e"), edgecolor="0.35",
                         label=f"{words[c]} ({int(counts.get(c, 0))})") for c in keys]
        leg = ax.legend(handles=handles, loc="lower right", frameon=False, fontsize=7)
        if font:
            for t in leg.get_texts():
                t.set_fontfamily(font["family"])
    ax.set_xlabel(text[0] if not bivariate else text[2].format(var[0]), **font)
    ax.set_ylabel(text[1] if not bivariate else text[3].format(var[1]), **font)
    ax.set_aspect("equal")
    ax.set_title(title if title is not None else text[4].format(var if isinstance(var, str) else var[0]), **font)
    return ax


def _scatter_data(result):
    from .autocorrelation import LisaResult, MoranBVResult, MoranResult

    if isinstance(result, LisaResult):
        f = result.frame
        ok = f["Ii"].notna().to_numpy()
        z, lag = f["z"].to_numpy(float)[ok], f["lag"].to_numpy(float)[ok]
        names = (f["label"] if "label" in f.columns else f["code"]).astype(str).to_numpy()[ok]
        colours = [LISA_COLOURS.get(c, LISA_COLOURS["ns"]) for c in f["cluster"].to_numpy()[ok]]
        if result.bivariate:
            x, y = result.variable.split(" vs lag of ")
            return z, lag, names, colours, True, (x, y)
        return z, lag, names, colours, False, result.variable
    if isinstance(result, (MoranResult, MoranBVResult)):
        names = (result.labels if result.labels is not None else pd.Series(result.ids, index=result.ids))
        names = names.astype(str).to_numpy()
        colours = ["#4d4d4d"] * len(result.z)
        if isinstance(result, MoranBVResult):
            return result.z, result.lag, names, colours, True, (result.x, result.y)
        return result.z, result.lag, names, colours, False, result.variable
    raise InputError(f"moran_scatter needs a Moran or LISA result; {type(result).__name__} was given.")


def lisa_cluster_map(result, ax=None, title: str | None = None, legend: bool = True, cluster: str = "cluster",
                     edgecolor: str = "0.35", linewidth: float = 0.3):
    """Static LISA cluster map: HH red, LL blue, LH light blue, HL orange, ns grey.

    Parameters
    ----------
    result : LisaResult or GeoDataFrame
        A LISA result computed from a GeoDataFrame (so its frame has geometries), or
        any GeoDataFrame with a ``cluster`` column.
    ax : matplotlib Axes, optional
    title : str, optional
    legend : bool
        Legend with the number of units per cluster.

    Returns
    -------
    matplotlib.axes.Axes
        The map's axes.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> from spatialhealth.layers.autocorrelation import lisa
    >>> from spatialhealth.layers.weights import build_weights
    >>> g = gpd.GeoDataFrame({"code": list("abcd"), "x": [1.0, 1.5, 5, 6]}, crs="EPSG:3857",
    ...                      geometry=[box(i, 0, i + 1, 1) for i in range(4)])
    >>> res = lisa(g, "x", build_weights(g, kind="rook"), permutations=99, seed=1)
    >>> lisa_cluster_map(res).get_legend() is not None
    True
    """
    import geopandas as gpd
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    frame = getattr(result, "frame", result)
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InputError("A cluster map needs geometries: compute the LISA from a GeoDataFrame "
                         "(lisa(gdf, weights, column=...)) or pass a GeoDataFrame with a 'cluster' column.")
    if cluster not in frame.columns:
        raise InputError(f"The frame has no column {cluster!r} with LISA cluster labels.")
    labels = frame[cluster].astype(object).where(frame[cluster].notna(), "ns").astype(str)
    unknown = sorted(set(labels) - set(CLUSTER_ORDER))
    if unknown:
        raise InputError(f"Column {cluster!r} must hold HH, LH, LL, HL or ns; found {', '.join(unknown)}.")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 5.5))
    colours = labels.map(LISA_COLOURS)
    frame.plot(ax=ax, color=colours.to_numpy(), edgecolor=edgecolor, linewidth=linewidth)
    ax.set_axis_off()
    if legend:
        counts = labels.value_counts()
        handles = [Patch(facecolor=LISA_COLOURS[c], edgecolor="0.35", label=f"{LISA_LABELS[c]} ({int(counts.get(c, 0))})")
                   for c in CLUSTER_ORDER]
        ax.legend(handles=handles, loc="lower left", frameon=False, fontsize=8)
    if title is None and hasattr(result, "variable"):
        adj = {None: "", "bonferroni": ", Bonferroni", "fdr": ", FDR"}[result.adjust]
        title = f"LISA clusters: {result.variable} (p < {result.alpha:g}{adj})"
    if title:
        ax.set_title(title)
    return ax


#: colours of the classes of local statistics other than LISA (Getis-Ord as ArcGIS, local
#: Geary and join counts as GeoDa, significance map as GeoDa's greens)
CLASS_COLOURS = {
    "hot 99%": "#d7191c", "hot 95%": "#fc8d59", "hot 90%": "#fed090", "ns": "#eeeeee",
    "cold 90%": "#c6dbef", "cold 95%": "#6baed6", "cold 99%": "#2c7bb6",
    "HH": "#e31a1c", "LL": "#1f78b4", "negative": "#a6cee3", "positive": "#fb9a99", "other positive": "#fb9a99",
    "BB": "#e31a1c", "neighborless": "#9e9e9e",
    "0.05": "#74c476", "0.01": "#31a354", "0.001": "#006d2c",
}


def class_map(result, ax=None, column: str | None = None, title: str | None = None, legend: bool = True,
              edgecolor: str = "0.35", linewidth: float = 0.3):
    """Static map of the classes of a local statistic (hot/cold spots, clusters, significance).

    Parameters
    ----------
    result : LocalResult or GeoDataFrame
        Computed from a GeoDataFrame, so that its frame has geometries.
    column : str, optional
        Column with the classes (default: the result's ``class_column``); use
        ``"significance"`` for the significance map.

    Returns
    -------
    matplotlib.axes.Axes
        The map's axes.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> from spatialhealth.layers.autocorrelation import lisa
    >>> from spatialhealth.layers.weights import build_weights
    >>> g = gpd.GeoDataFrame({"code": list("abcd"), "x": [1.0, 1.5, 5, 6]}, crs="EPSG:3857",
    ...                      geometry=[box(i, 0, i + 1, 1) for i in range(4)])
    >>> res = lisa(g, "x", build_weights(g, kind="rook"), permutations=99, seed=1)
    >>> type(class_map(res, column="significance")).__name__
    'Axes'
    """
    import geopandas as gpd
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    frame = getattr(result, "frame", result)
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InputError("A class map needs geometries: compute the statistic from a GeoDataFrame.")
    column = column or getattr(result, "class_column", None) or "cluster"
    if column not in frame.columns:
        raise InputError(f"The frame has no column {column!r}.")
    labels = frame[column].astype(str)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 5.5))
    frame.plot(ax=ax, color=labels.map(lambda c: CLASS_COLOURS.get(c, "#eeeeee")).to_numpy(), edgecolor=edgecolor,
               linewidth=linewidth)
    ax.set_axis_off()
    if legend:
        counts = labels.value_counts()
        order = [c for c in getattr(result, "classes", ()) if c in counts.index] if column != "significance" else \
            [c for c in ("0.001", "0.01", "0.05", "ns", "neighborless") if c in counts.index]
        order += [c for c in counts.index if c not in order]
        handles = [Patch(facecolor=CLASS_COLOURS.get(c, "#eeeeee"), edgecolor="0.35", label=f"{c} ({int(counts[c])})")
                   for c in order]
        ax.legend(handles=handles, loc="lower left", frameon=False, fontsize=8)
    if title is None and hasattr(result, "statistic"):
        title = f"{result.statistic}: {result.variable}"
    if title:
        ax.set_title(title)
    return ax
