"""Gini coefficient of a resource by population (grouped Lorenz formula)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._compat import positional_deprecated
from .._results import figure_axes, write_table
from .._validate import require_frame
from ..errors import InputError
from ._common import Result, need_rows, numeric_columns, row_names, title_block
from ._panel import panel_aware

#: Grading bands (lower bound inclusive): [0, 0.2), [0.2, 0.3), [0.3, 0.4), [0.4, 1].
GINI_BANDS = (
    (0.2, "absolute fairness"),
    (0.3, "relative balance"),
    (0.4, "basically reasonable"),
    (np.inf, "high inequality (warning line)"),
)


def gini_grade(value: float) -> str:
    """Usual verbal grade of a Gini coefficient; each band includes its lower bound.

    ``< 0.2`` absolute fairness, ``0.2–<0.3`` relative balance, ``0.3–<0.4``
    basically reasonable, ``>= 0.4`` high inequality (the 0.4 "warning line").

    Parameters
    ----------
    value : float
        A Gini coefficient.

    Returns
    -------
    str
        The grade.

    Examples
    --------
    >>> gini_grade(0.3)
    'basically reasonable'
    """
    for upper, label in GINI_BANDS:
        if value < upper:
            return label
    return GINI_BANDS[-1][1]  # pragma: no cover


def lorenz_points(resource: np.ndarray, population: np.ndarray, order: np.ndarray):
    """Cumulative population and resource shares (with the origin) in ``order``.

    Parameters
    ----------
    resource, population : numpy.ndarray
        Values of each row.
    order : numpy.ndarray
        Row positions in curve order (e.g. by per-capita resource).

    Returns
    -------
    x, y : numpy.ndarray
        Cumulative population and resource shares, from 0 to 1.

    Examples
    --------
    >>> x, y = lorenz_points(np.array([10.0, 20, 30]), np.ones(3), np.array([0, 1, 2]))
    >>> y.round(4).tolist()
    [0.0, 0.1667, 0.5, 1.0]
    """
    x = np.concatenate([[0.0], np.cumsum(population[order]) / population.sum()])
    y = np.concatenate([[0.0], np.cumsum(resource[order]) / resource.sum()])
    return x, y


def area_index(x: np.ndarray, y: np.ndarray) -> float:
    """``1 - Σ (X_i - X_{i-1})(Y_i + Y_{i-1})``: one minus twice the area under the curve.

    Parameters
    ----------
    x, y : numpy.ndarray
        Cumulative shares of the curve, origin included.

    Returns
    -------
    float
        The Gini (or concentration) index of the curve.

    Examples
    --------
    >>> x, y = lorenz_points(np.array([10.0, 20, 30]), np.ones(3), np.array([0, 1, 2]))
    >>> round(area_index(x, y), 6)
    0.222222
    """
    return float(1.0 - np.sum(np.diff(x) * (y[1:] + y[:-1])))


def read_resource_population(df, resource, population):
    """Validated (resource >= 0, population > 0) arrays; population None -> ones.

    Parameters
    ----------
    df : pandas.DataFrame
        The table.
    resource : str
        Resource column.
    population : str or None
        Population column (``None``: every row weighs 1).

    Returns
    -------
    resource, population : numpy.ndarray
        float arrays.

    Raises
    ------
    InputError
        If a column is missing or a value is negative, missing or (population) zero.

    Examples
    --------
    >>> import pandas as pd
    >>> r, p = read_resource_population(pd.DataFrame({"beds": [10, 20]}), "beds", None)
    >>> r.tolist(), p.tolist()
    ([10.0, 20.0], [1.0, 1.0])
    """
    specs = [(resource, {"min_value": 0.0})]
    if population is not None:
        specs.append((population, {"min_value": 0.0, "positive": True}))
    arrays = numeric_columns(df, specs)
    res = arrays[0]
    pop = np.ones(len(df)) if population is None else arrays[1]
    if res.sum() <= 0:
        raise InputError(f"Column {resource!r} sums to zero; its shares are undefined.")
    return res, pop


@dataclass(frozen=True, eq=False, repr=False)
class GiniResult(Result):
    """Gini coefficient, its grade, and the Lorenz table.

    Attributes
    ----------
    value : float
        Gini coefficient (population-weighted, grouped Lorenz formula).
    grade : str
        Verbal band, see :func:`gini_grade`.
    lorenz : DataFrame
        Rows sorted by per-capita resource with shares and cumulative shares.
    """

    value: float
    grade: str
    lorenz: pd.DataFrame
    resource: str
    population: str | None

    def _panel_row(self) -> dict:
        return {"value": self.value, "grade": self.grade, "n": len(self.lorenz)}

    @property
    def frame(self) -> pd.DataFrame:
        """One row: measure, resource, population, ``value`` (the Gini), grade, n.

        The Lorenz table is :attr:`lorenz`.
        """
        return pd.DataFrame([{"measure": "gini", "resource": self.resource,
                              "population": self.population or "", **self._panel_row()}])

    def _detail_frame(self) -> pd.DataFrame:
        return self.lorenz

    def to_file(self, path, **kwargs):
        """Write the Lorenz table (with the Gini value and grade on every row); return the Path.

        The format follows the suffix (.csv, .xlsx, .parquet).
        """
        return write_table(self.lorenz.assign(gini=self.value, grade=self.grade), path, **kwargs)

    def summary(self) -> str:
        return title_block(f"Gini coefficient of {self.resource!r}", [
            ("weighted by", self.population or "(each row once)"),
            ("rows", len(self.lorenz)),
            ("Gini", self.value),
            ("grade", self.grade),
            ("formula", "G = 1 - sum (X_i - X_{i-1})(Y_i + Y_{i-1}), rows by per-capita value"),
        ])

    def plot(self, ax=None, label: str | None = None):
        """Lorenz curve with the line of equality."""
        _, ax = figure_axes(ax, figsize=(5, 5))
        x = np.concatenate([[0.0], self.lorenz["cum_pop_share"].to_numpy()])
        y = np.concatenate([[0.0], self.lorenz["cum_resource_share"].to_numpy()])
        first = not any(line.get_label() == "line of equality" for line in ax.get_lines())
        if first:  # several curves may share one Axes
            ax.plot([0, 1], [0, 1], color="grey", lw=1, ls="--", label="line of equality")
        ax.plot(x, y, marker="o", ms=3, label=label or f"{self.resource} (G = {self.value:.3f})")
        if first:
            ax.fill_between(x, y, x, alpha=0.15)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_aspect("equal")
        ax.set_xlabel("cumulative share of population")
        ax.set_ylabel(f"cumulative share of {self.resource}")
        ax.set_title("Lorenz curve")
        ax.legend(loc="upper left", fontsize=8)
        return ax


@positional_deprecated("resource", "population")
@panel_aware
def gini(df: pd.DataFrame, *, resource: str, population: str | None = None, by=None) -> GiniResult:
    """Gini coefficient of ``resource`` distributed over ``population``.

    Rows (regions) are sorted by per-capita resource ``resource / population``;
    with ``X_i`` the cumulative population share and ``Y_i`` the cumulative
    resource share, ``G = 1 - Σ_i (X_i - X_{i-1})(Y_i + Y_{i-1})``. This equals the
    Gini of the individual-level data in which every person of a region holds the
    region's per-capita amount (mean-difference form, ``n²`` denominator).

    Parameters
    ----------
    df : DataFrame
        One row per region.
    resource : str
        Resource total per region (beds, doctors, ...), >= 0.
    population : str or None
        Population per region, > 0. ``None`` counts each row once (then
        ``resource`` is the value whose inequality is measured). Any other
        weight works the same way, e.g. land area for the "Gini by geographic
        area" some papers report next to the Gini by population.
    by : None or str
        ``None``: one result for the table; a column (e.g. ``"year"``): one result
        per value, as a :class:`PanelResult` (see :mod:`spatialhealth.equity._panel`).

    Returns
    -------
    GiniResult or PanelResult
        ``.value``, ``.grade``, ``.frame`` (one row with the value), ``.lorenz``
        (Lorenz table), ``.plot()`` (Lorenz curve); a :class:`PanelResult` exactly
        when ``by`` names a column.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"beds": [12, 10, 9, 30, 4], "pop": [3, 5, 2, 6, 4]})
    >>> round(gini(d, resource="beds", population="pop").value, 6)
    0.270769
    >>> two = pd.concat([d.assign(year=2019), d.assign(year=2020)], ignore_index=True)
    >>> gini(two, resource="beds", population="pop", by="year").frame["value"].round(6).tolist()
    [0.270769, 0.270769]
    """
    require_frame(df)
    need_rows(len(df), 2, "The Gini coefficient")
    res, pop = read_resource_population(df, resource, population)
    pc = res / pop
    order = np.argsort(pc, kind="stable")
    x, y = lorenz_points(res, pop, order)
    value = max(area_index(x, y), 0.0)  # >= 0 when sorted by per-capita value; clip rounding noise
    lorenz = pd.DataFrame({
        "row": df.index[order],
        "name": row_names(df).to_numpy()[order],
        "population": pop[order],
        "resource": res[order],
        "per_capita": pc[order],
        "pop_share": pop[order] / pop.sum(),
        "resource_share": res[order] / res.sum(),
        "cum_pop_share": x[1:],
        "cum_resource_share": y[1:],
    })
    return GiniResult(value=value, grade=gini_grade(value), lorenz=lorenz,
                      resource=resource, population=population)
