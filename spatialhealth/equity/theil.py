"""Theil indices (population-weighted) and their between/within decomposition.

Two indices, both population-weighted over regions with population share ``P_i``
and resource share ``Y_i``:

* ``kind="L"`` (default) — **the formula of the health-resource papers**,
  ``T = Σ P_i ln(P_i / Y_i)``. This is the *mean log deviation* (Theil L,
  generalised entropy GE(0)) of per-capita resource with population weights.
  Decomposed with population weights: ``T = Σ_g P_g T_g + Σ_g P_g ln(P_g/Y_g)``.
* ``kind="T"`` — *Theil T* (GE(1)), ``T = Σ Y_i ln(Y_i / P_i)``, decomposed with
  resource weights: ``T = Σ_g Y_g T_g + Σ_g Y_g ln(Y_g/P_g)``.

Both are 0 under perfect equality and have an exact additive decomposition.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._compat import positional_deprecated, renamed_kwargs
from .._results import figure_axes
from .._validate import require_frame
from ..errors import InputError, format_rows
from ._common import Result, need_rows, resolve_groups, row_names, title_block
from ._panel import panel_aware
from .gini import read_resource_population

KINDS = {
    "L": "Theil L = mean log deviation, sum P_i ln(P_i/Y_i) (the papers' formula)",
    "T": "Theil T, sum Y_i ln(Y_i/P_i)",
}


def _xlogxy(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a ln(a/b)`` with ``0 ln 0 = 0``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(a > 0, a * np.log(np.where(a > 0, a, 1.0) / b), 0.0)


def theil_value(p: np.ndarray, y: np.ndarray, kind: str) -> float:
    """Theil index of shares ``p`` (population) and ``y`` (resource), each summing to 1.

    Parameters
    ----------
    p, y : numpy.ndarray
        Population and resource shares.
    kind : {"L", "T"}
        ``"L"``: ``Σ p ln(p/y)`` (the papers' index); ``"T"``: ``Σ y ln(y/p)``.

    Returns
    -------
    float
        The index, at least 0.

    Examples
    --------
    >>> p, y = np.array([0.5, 0.5]), np.array([0.25, 0.75])
    >>> round(theil_value(p, y, "L"), 6), round(theil_value(p, y, "T"), 6)
    (0.143841, 0.130812)
    """
    value = np.sum(_xlogxy(p, y)) if kind == "L" else np.sum(_xlogxy(y, p))
    return max(float(value), 0.0)  # >= 0 (Jensen); clip rounding noise such as -2e-17


@dataclass(frozen=True, eq=False, repr=False)
class TheilResult(Result):
    """Theil index with its between/within decomposition.

    Attributes
    ----------
    kind : str
        ``"L"`` (mean log deviation, the papers' ``Σ P ln(P/Y)``) or ``"T"``.
    value : float
        The index.
    between, within : float or None
        Between-group and within-group parts (None without a grouping);
        ``between + within == value``.
    between_share, within_share : float or None
        Contribution rates (fractions of ``value``).
    groups : DataFrame or None
        One row per group: rows, population share, resource share, the group's own
        index, its weight, its within-part and contribution share.
    terms : Series
        Each row's term of the sum (``P_i ln(P_i/Y_i)`` or ``Y_i ln(Y_i/P_i)``),
        labelled by region name; they sum to ``value``.
    """

    kind: str
    value: float
    between: float | None
    within: float | None
    groups: pd.DataFrame | None
    resource: str
    population: str | None
    group_name: str | None
    terms: pd.Series | None = None

    @property
    def between_share(self):
        return None if self.between is None or self.value == 0 else self.between / self.value

    @property
    def within_share(self):
        return None if self.within is None or self.value == 0 else self.within / self.value

    def _panel_row(self) -> dict:
        row = {"theil": self.value}
        if self.between is not None:
            row.update(between=self.between, within=self.within,
                       between_share=self.between_share, within_share=self.within_share)
        return row

    _panel_main = "theil"

    @property
    def frame(self) -> pd.DataFrame:
        """Tidy decomposition: one row per group's within part, then between, then total."""
        rows = []
        if self.groups is not None:
            for _, g in self.groups.iterrows():
                rows.append({"component": "within", "group": g["group"], "value": g["within_part"],
                             "share": g["contribution"]})
            rows.append({"component": "within", "group": "(all)", "value": self.within,
                         "share": self.within_share})
            rows.append({"component": "between", "group": "(all)", "value": self.between,
                         "share": self.between_share})
        rows.append({"component": "total", "group": "(all)", "value": self.value, "share": 1.0})
        out = pd.DataFrame(rows)
        out.insert(0, "index", self.kind)
        return out

    def summary(self) -> str:
        lines = [("index", KINDS[self.kind]), ("resource", self.resource),
                 ("population", self.population or "(each row once)"), ("total", self.value)]
        if self.between is not None:
            lines += [("grouping", self.group_name), ("between", self.between),
                      ("within", self.within),
                      ("between share %", 100 * self.between_share if self.value else float("nan")),
                      ("within share %", 100 * self.within_share if self.value else float("nan"))]
        text = title_block(f"Theil index ({self.kind})", lines)
        if self.groups is not None:
            text += "\n\n" + self.groups.to_string(index=False, float_format=lambda v: f"{v:.6f}")
        return text

    def plot(self, ax=None):
        """Stacked bar of the decomposition (between and each group's within part);
        without a grouping, each region's term of the sum."""
        import matplotlib.pyplot as plt

        if self.groups is None:
            terms = self.terms.sort_values()
            _, ax = figure_axes(ax, figsize=(6, max(3, 0.22 * len(terms))))
            ax.barh([str(i) for i in terms.index], terms.to_numpy(), color="#4C72B0")
            ax.axvline(0, color="grey", lw=0.8)
            ax.set_xlabel(f"term of Theil {self.kind}")
            ax.set_title(f"Theil {self.kind} = {self.value:.4f}: terms by region")
            return ax
        _, ax = figure_axes(ax, figsize=(5, 4))
        ax.bar(["Theil"], [self.between], label="between", color="0.45")
        bottom = self.between
        colours = plt.get_cmap("tab10")
        for i, (_, g) in enumerate(self.groups.iterrows()):
            ax.bar(["Theil"], [g["within_part"]], bottom=bottom, label=f"within {g['group']}",
                   color=colours(i % 10))
            bottom += g["within_part"]
        ax.set_ylabel(f"Theil {self.kind}")
        ax.set_title(f"Theil {self.kind} decomposition by {self.group_name}")
        ax.legend(fontsize=8)
        return ax


@positional_deprecated("resource", "population", "group")
@renamed_kwargs(groups="group")
@panel_aware
def theil(df: pd.DataFrame, *, resource: str, population: str | None = None, group=None,
          kind: str = "L", by=None) -> TheilResult:
    """Population-weighted Theil index, decomposed over a grouping.

    Parameters
    ----------
    df : DataFrame
        One row per region.
    resource : str
        Resource total per region (>= 0; > 0 for ``kind="L"``).
    population : str or None
        Population per region (> 0); ``None`` weights each row equally (then the
        index is that of the values in ``resource``).
    group : str, Series or mapping, optional
        Grouping for the decomposition: a column, a region scheme name
        (``"region3"``...), an aligned Series or a code -> group mapping.
    kind : {"L", "T"}
        ``"L"``: ``Σ P_i ln(P_i/Y_i)``, the papers' formula (mean log deviation).
        ``"T"``: Theil T, ``Σ Y_i ln(Y_i/P_i)``.
    by : None or str
        ``None``: one result; a column (e.g. ``"year"``): a :class:`PanelResult`.

    Returns
    -------
    TheilResult or PanelResult
        ``.value``, ``.between``, ``.within``, ``.groups``, ``.frame``; a
        :class:`PanelResult` exactly when ``by`` names a column.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"r": [0, 0, 0, 10, 10, 10], "g": [0, 0, 0, 1, 1, 1]})
    >>> res = theil(d, resource="r", group="g", kind="T")
    >>> round(res.value, 6), round(res.between, 6), round(res.within, 6)
    (0.693147, 0.693147, 0.0)
    """
    require_frame(df)
    if kind not in KINDS:
        raise InputError(f"`kind` must be 'L' (mean log deviation) or 'T'; {kind!r} was given.")
    need_rows(len(df), 2, "The Theil index")
    res, pop = read_resource_population(df, resource, population)
    if kind == "L" and (res == 0).any():
        raise InputError(
            f"Theil L (sum P ln(P/Y)) is infinite when a region has no resource; column "
            f"{resource!r} is 0 in rows {format_rows(df.index[res == 0])}. Use kind='T' or "
            "drop those rows."
        )
    p = pop / pop.sum()
    y = res / res.sum()
    value = theil_value(p, y, kind)
    terms = pd.Series(_xlogxy(p, y) if kind == "L" else _xlogxy(y, p),
                      index=row_names(df).to_numpy(), name="term")
    if group is None:
        return TheilResult(kind, value, None, None, None, resource, population, None, terms)

    labels = resolve_groups(df, group)
    rows = []
    between = 0.0
    for g, idx in labels.groupby(labels, sort=True).groups.items():
        pos = df.index.get_indexer(idx)
        pg, yg = p[pos].sum(), y[pos].sum()
        if kind == "L":
            t_g = theil_value(p[pos] / pg, y[pos] / yg, kind)
            weight = pg
            between += float(_xlogxy(np.array([pg]), np.array([yg]))[0])  # may be < 0 per group
        else:
            t_g = theil_value(p[pos] / pg, y[pos] / yg, kind) if yg > 0 else 0.0
            weight = yg
            between += float(_xlogxy(np.array([yg]), np.array([pg]))[0])
        rows.append({"group": g, "n": len(pos), "pop_share": pg, "resource_share": yg,
                     "theil": t_g, "weight": weight, "within_part": weight * t_g})
    groups = pd.DataFrame(rows)
    between = max(between, 0.0)  # >= 0 (Jensen) in total; clip rounding noise
    within = float(groups["within_part"].sum())
    groups["contribution"] = groups["within_part"] / value if value else np.nan
    return TheilResult(kind, value, between, within, groups, resource, population,
                       labels.name, terms)
