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


def moran_scatter(result, ax=None, labels: bool = False, title: str | None = None, annotate_slope: bool = True,
                  max_labels: int = 60):
    """Moran scatter plot: standardised values against their spatial lag.

    Draws the points (coloured by LISA cluster when given a LISA result), the
    least-squares line through the origin (its slope is Moran's I for
    row-standardised weights), the axes at zero and the four quadrants labelled
    HH, LH, LL, HL.

    Parameters
    ----------
    result : MoranResult, MoranBVResult or LisaResult
    ax : matplotlib Axes, optional
    labels : bool
        Write each point's region name (or code) beside it (at most ``max_labels``
        points, the most extreme first).
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    z, lag, names, colours, bivariate, var = _scatter_data(result)
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
    for text, (sx, sy) in {"HH": (1, 1), "LH": (-1, 1), "LL": (-1, -1), "HL": (1, -1)}.items():
        ax.text(sx * span * 0.93, sy * span * 0.93, text, ha="right" if sx > 0 else "left",
                va="top" if sy > 0 else "bottom", fontsize=11, fontweight="bold", color="0.35")
    if annotate_slope:
        stat = getattr(result, "I", None)
        ann = f"slope = {slope:.3f}" + (f"  (Moran's I = {stat:.3f})" if stat is not None and not np.isclose(stat, slope) else "")
        ax.text(0.5, 0.98, ann, transform=ax.transAxes, fontsize=8, color="firebrick", va="top", ha="center")
    if labels:
        order = np.argsort(-(z**2 + lag**2))[:max_labels]
        for i in order:
            ax.annotate(str(names[i]), (z[i], lag[i]), xytext=(3, 3), textcoords="offset points", fontsize=7)
    ax.set_xlabel("standardised value" if not bivariate else f"standardised {var[0]}")
    ax.set_ylabel("spatial lag" if not bivariate else f"spatial lag of standardised {var[1]}")
    ax.set_aspect("equal")
    ax.set_title(title if title is not None else f"Moran scatter plot: {var if isinstance(var, str) else var[0]}")
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
