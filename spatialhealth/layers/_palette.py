"""Colour and class choices shared by the folium maps and the QGIS styles.

Both ends draw from here so that a LISA map in the browser and the same layer
in QGIS use identical colours, classes and line widths.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError

#: LISA cluster colours, GeoDa's (LISA cluster map): HH red, LL blue, LH light blue,
#: HL pink, not significant light grey.
LISA_COLOURS: dict[str, str] = {
    "HH": "#ff0000",
    "LL": "#0000ff",
    "LH": "#a7adf9",
    "HL": "#f4a3a8",
    "ns": "#eeeeee",
}
LISA_LABELS: dict[str, str] = {
    "HH": "High-High",
    "LL": "Low-Low",
    "LH": "Low-High",
    "HL": "High-Low",
    "ns": "Not significant",
}
#: a unit without neighbours has no local statistic: its own class and grey (GeoDa's
#: "Neighborless"), never mixed with "not significant"
NEIGHBORLESS = "#999999"
#: every LISA class drawn on maps, in legend order
LISA_CLASS_COLOURS: dict[str, str] = {**LISA_COLOURS, "neighborless": NEIGHBORLESS}
#: spellings of the neighbourless class accepted in a cluster column
NEIGHBORLESS_CODES = ("neighborless", "neighbourless", "island", "no_neighbors", "isolate")

#: significance map (GeoDa's greens): p thresholds and colours, not significant first
SIGNIFICANCE_LEVELS = (0.05, 0.01, 0.001, 0.0001)
SIGNIFICANCE_COLOURS: dict[str, str] = {
    "ns": "#eeeeee",
    "p0.05": "#84f576",
    "p0.01": "#53c53c",
    "p0.001": "#348124",
    "p0.0001": "#1b4a12",
    "neighborless": NEIGHBORLESS,
}

#: Getis-Ord Gi* hot and cold spots (ArcGIS Hot Spot Analysis colours)
GI_COLOURS: dict[str, str] = {
    "hot99": "#d62f27",
    "hot95": "#ed7551",
    "hot90": "#fab984",
    "ns": "#f7f7f0",
    "cold90": "#c0ccbe",
    "cold95": "#849eba",
    "cold99": "#4575b5",
    "neighborless": NEIGHBORLESS,
}


def significance_class(p) -> list[str]:
    """Significance-map class of each pseudo p-value (``"p0.05"`` ... ``"ns"``).

    The class is the smallest threshold the p-value does not exceed; NaN is ``"neighborless"``.

    >>> significance_class([0.2, 0.04, 0.0001, float("nan")])
    ['ns', 'p0.05', 'p0.0001', 'neighborless']
    """
    out = []
    for v in np.asarray(p, dtype=float):
        if np.isnan(v):
            out.append("neighborless")
            continue
        cls = "ns"
        for t in SIGNIFICANCE_LEVELS:
            if v <= t:
                cls = f"p{t:g}" if t >= 0.001 else "p0.0001"
        out.append(cls)
    return out


def gi_class(z, p) -> list[str]:
    """Hot/cold spot class from a Gi* z-score and its p-value (90/95/99 % confidence).

    >>> gi_class([2.7, -2.0, 1.7, 0.3], [0.007, 0.045, 0.09, 0.7])
    ['hot99', 'cold95', 'hot90', 'ns']
    """
    out = []
    for zz, pp in zip(np.asarray(z, dtype=float), np.asarray(p, dtype=float)):
        if np.isnan(zz) or np.isnan(pp):
            out.append("neighborless")
            continue
        side = "hot" if zz > 0 else "cold"
        if pp <= 0.01:
            out.append(f"{side}99")
        elif pp <= 0.05:
            out.append(f"{side}95")
        elif pp <= 0.10:
            out.append(f"{side}90")
        else:
            out.append("ns")
    return out
#: colour of features whose value is missing
NO_DATA = "#ffffff"
#: outline of polygons and markers
OUTLINE = "#444444"
#: sequential palettes offered for graduated classes (matplotlib colormap names)
PALETTES = ("YlOrRd", "Blues", "Greens", "Purples", "OrRd", "YlGnBu", "Reds", "viridis", "magma")
#: classification schemes (our name -> mapclassify class)
SCHEMES = {
    "quantiles": "Quantiles",
    "natural_breaks": "FisherJenks",
    "equal_interval": "EqualInterval",
    "user": "UserDefined",
}


def hex_to_rgb(colour: str) -> tuple[int, int, int]:
    """``"#d7191c"`` -> ``(215, 25, 28)``."""
    c = colour.lstrip("#")
    if len(c) != 6:
        raise InputError(f"Colour {colour!r} is not a #rrggbb hex string.")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def qgis_rgba(colour: str, alpha: int = 255) -> str:
    """``"#d7191c"`` -> ``"215,25,28,255"`` as QGIS writes colours."""
    r, g, b = hex_to_rgb(colour)
    return f"{r},{g},{b},{alpha}"


def sequential_colours(k: int, palette: str = "YlOrRd") -> list[str]:
    """``k`` hex colours from light to dark along a sequential palette.

    The palette's first 20 % is skipped so the lowest class stays visible on
    white.

    >>> sequential_colours(3, "Blues")[0]
    '#d0e1f2'
    """
    import matplotlib

    if palette not in PALETTES and palette not in matplotlib.colormaps:
        raise InputError(f"Unknown palette {palette!r}; use one of {', '.join(PALETTES)}.")
    cmap = matplotlib.colormaps[palette]
    positions = np.linspace(0.2, 1.0, k) if k > 1 else np.array([0.6])
    return [matplotlib.colors.to_hex(cmap(p)) for p in positions]


def class_widths(k: int, min_width: float = 1.5, max_width: float = 7.0) -> list[float]:
    """Line widths (pixels on the web, x 0.26 mm in QGIS) for ``k`` flow classes."""
    if k == 1:
        return [float(max_width + min_width) / 2]
    return [round(float(w), 2) for w in np.linspace(min_width, max_width, k)]


def class_radii(k: int, min_radius: float = 4.0, max_radius: float = 14.0) -> list[float]:
    """Marker radii (pixels) for ``k`` classes."""
    if k == 1:
        return [float(max_radius + min_radius) / 2]
    return [round(float(r), 2) for r in np.linspace(min_radius, max_radius, k)]


def _fmt(x: float, sig: int = 4) -> str:
    """A legend number: thousands separators, ``sig`` significant digits, never ``e`` notation.

    >>> _fmt(0.000453), _fmt(12345.6), _fmt(0.1234567)
    ('0.000453', '12,346', '0.1235')
    """
    import math

    x = float(x)
    if x == 0 or not math.isfinite(x):
        return "0" if x == 0 else str(x)
    ax = abs(x)
    if ax >= 10 ** sig:
        return f"{x:,.0f}"
    decimals = max(0, sig - 1 - int(math.floor(math.log10(ax))))
    text = f"{x:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def range_label(lo: float, hi: float) -> str:
    """``"lo - hi"`` with enough digits that both ends differ; one number when they are equal.

    >>> range_label(0, 0), range_label(0.000453, 0.0004531), range_label(1, 2.5)
    ('0', '0.000453 - 0.0004531', '1 - 2.5')
    """
    if lo == hi:
        return _fmt(lo)
    for sig in (4, 5, 6, 8, 10):
        a, b = _fmt(lo, sig), _fmt(hi, sig)
        if a != b:
            return f"{a} - {b}"
    return _fmt(hi, 10)


@dataclass(frozen=True)
class Classes:
    """A classification of one numeric column into coloured classes.

    Class ``i`` holds values ``lower[i] < v <= upper[i]`` (the first class also
    holds ``v == lower[0]``), the convention of mapclassify and of QGIS's
    graduated renderer, so the same value lands in the same class on both ends.

    Attributes
    ----------
    column, scheme : str
    lower, upper : tuple of float
        Class bounds.
    colours : tuple of str
        Hex colour of each class.
    counts : tuple of int
        Number of non-missing values in each class.
    labels : tuple of str
        Legend labels ("0.12 - 0.5").
    """

    column: str
    scheme: str
    lower: tuple
    upper: tuple
    colours: tuple
    counts: tuple
    labels: tuple

    @property
    def k(self) -> int:
        return len(self.upper)

    def assign(self, values) -> np.ndarray:
        """Class index of each value (-1 for missing or out of range)."""
        v = np.asarray(values, dtype=float)
        upper = np.asarray(self.upper)
        idx = np.searchsorted(upper, v, side="left")
        out = np.where(np.isnan(v) | (idx >= len(upper)) | (v < self.lower[0]), -1, idx)
        return out.astype(int)

    def colour_of(self, values) -> list[str]:
        """Hex colour per value (:data:`NO_DATA` for missing)."""
        return [self.colours[i] if i >= 0 else NO_DATA for i in self.assign(values)]


def classify(values, column: str = "value", *, scheme: str = "quantiles", k: int = 5,
             breaks=None, palette: str = "YlOrRd", colours=None) -> Classes:
    """Classify values with mapclassify and attach colours.

    Parameters
    ----------
    values : array-like
        Numbers; NaN are ignored for the classification.
    scheme : {"quantiles", "natural_breaks", "equal_interval", "user"}
        ``natural_breaks`` is Fisher-Jenks (exact, deterministic). ``user``
        needs ``breaks`` (upper bounds; the maximum is appended if larger).
    k : int
        Number of classes (ignored for ``user``).
    breaks : sequence of float, optional
        User class upper bounds; giving them implies ``scheme="user"``.
    palette : str
        Sequential palette (see :data:`PALETTES`); or give ``colours``.

    Examples
    --------
    >>> c = classify([1, 2, 3, 4, 10], scheme="user", breaks=[2, 5])
    >>> c.upper, c.counts
    ((2.0, 5.0, 10.0), (2, 2, 1))
    """
    import mapclassify

    if breaks is not None:
        scheme = "user"
    if scheme not in SCHEMES:
        raise InputError(f"Unknown classification scheme {scheme!r}; use one of "
                         f"{', '.join(SCHEMES)}.")
    v = np.asarray(values, dtype=float)
    y = v[~np.isnan(v)]
    if y.size == 0:
        raise InputError(f"Column {column!r} has no non-missing values to classify.")
    if scheme == "user":
        if breaks is None or len(breaks) == 0:
            raise InputError("scheme='user' needs `breaks`, a list of class upper bounds.")
        b = np.asarray(sorted(float(x) for x in breaks))
        if b[-1] < y.max():
            b = np.append(b, y.max())
        upper = b
    else:
        if not isinstance(k, (int, np.integer)) or k < 1:
            raise InputError(f"k must be a positive integer; {k!r} was given.")
        n_unique = np.unique(y).size
        kk = int(min(k, n_unique))
        if kk == 1:
            upper = np.array([y.max()])
        else:
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cls = getattr(mapclassify, SCHEMES[scheme])(y, k=kk)
            upper = np.unique(np.asarray(cls.bins, dtype=float))
    lower = np.concatenate([[min(y.min(), upper[0])], upper[:-1]])
    k_final = len(upper)
    user_colours = colours is not None
    if colours is None:
        colours = sequential_colours(k_final, palette)
    elif len(colours) != k_final:
        raise InputError(f"{len(colours)} colours were given for {k_final} classes.")
    tmp = Classes(column, scheme, tuple(float(x) for x in lower), tuple(float(x) for x in upper),
                  tuple(colours), (), ())
    idx = tmp.assign(y)
    counts = [int((idx == i).sum()) for i in range(k_final)]
    if scheme != "user" and 0 in counts and k_final > 1:
        # an empty class is never shown: merge it into its upper neighbour and recolour
        keep = [i for i in range(k_final) if counts[i] > 0]
        upper = np.asarray([upper[i] for i in keep])
        lower = np.concatenate([[min(y.min(), upper[0])], upper[:-1]])
        k_final = len(upper)
        colours = ([colours[i] for i in keep] if user_colours
                   else sequential_colours(k_final, palette))
        tmp = Classes(column, scheme, tuple(float(x) for x in lower),
                      tuple(float(x) for x in upper), tuple(colours), (), ())
        idx = tmp.assign(y)
        counts = [int((idx == i).sum()) for i in range(k_final)]
    # the lowest class holds its lower bound: when that is also its upper bound, one number
    labels = tuple(range_label(lo, hi) if not (i == 0 and lo == hi) else _fmt(hi)
                   for i, (lo, hi) in enumerate(zip(tmp.lower, tmp.upper)))
    return Classes(column, scheme, tmp.lower, tmp.upper, tuple(colours), tuple(counts), labels)
