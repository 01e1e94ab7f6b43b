"""Concentration index of a resource over regions ranked by another variable."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._compat import positional_deprecated
from .._results import figure_axes, write_table
from .._validate import require_frame
from ._common import Result, need_rows, numeric_columns, row_names, title_block
from ._panel import panel_aware
from .gini import area_index, read_resource_population


def concentration_geometric(res: np.ndarray, pop: np.ndarray, rank: np.ndarray):
    """Geometric (area) concentration index; rows tied on ``rank`` are merged first.

    Returns ``(ci, x, y)`` with the concentration curve points (origin included)
    over the merged rank groups.

    Parameters
    ----------
    res : numpy.ndarray
        Resource of each row.
    pop : numpy.ndarray
        Population of each row.
    rank : numpy.ndarray
        The ranking variable (e.g. GDP per capita), lowest first.

    Returns
    -------
    ci : float
        The concentration index.
    x, y : numpy.ndarray
        Cumulative population and resource shares.

    Examples
    --------
    >>> ci, x, y = concentration_geometric(np.array([10.0, 20, 30]), np.ones(3), np.array([1.0, 2, 3]))
    >>> round(ci, 6), y.round(4).tolist()
    (0.222222, [0.0, 0.1667, 0.5, 1.0])
    """
    ranks, inverse = np.unique(rank, return_inverse=True)
    pop_g = np.bincount(inverse, weights=pop, minlength=len(ranks))
    res_g = np.bincount(inverse, weights=res, minlength=len(ranks))
    x = np.concatenate([[0.0], np.cumsum(pop_g) / pop_g.sum()])
    y = np.concatenate([[0.0], np.cumsum(res_g) / res_g.sum()])
    return area_index(x, y), x, y


def fractional_rank(rank: np.ndarray, pop: np.ndarray) -> np.ndarray:
    """Population-weighted fractional rank ``R_i = Σ_{j ranked below i} P_j + P_i / 2``.

    Rows tied on ``rank`` share the mid-point of their combined population span.

    Parameters
    ----------
    rank : numpy.ndarray
        The ranking variable.
    pop : numpy.ndarray
        Population of each row.

    Returns
    -------
    numpy.ndarray
        ``R_i`` in (0, 1), as a share of the total population.

    Examples
    --------
    >>> fractional_rank(np.array([1.0, 2, 3]), np.array([1.0, 2, 1])).tolist()
    [0.125, 0.5, 0.875]
    >>> fractional_rank(np.array([1.0, 1, 2]), np.array([1.0, 1, 2])).tolist()
    [0.25, 0.25, 0.75]
    """
    p = pop / pop.sum()
    ranks, inverse = np.unique(rank, return_inverse=True)
    pg = np.bincount(inverse, weights=p, minlength=len(ranks))
    mid = np.cumsum(pg) - pg / 2.0
    return mid[inverse]


def concentration_covariance(res: np.ndarray, pop: np.ndarray, rank: np.ndarray) -> float:
    """Covariance form ``CI = 2 cov_w(h, R) / μ`` with ``h`` per-capita, weights = population.

    Parameters
    ----------
    res : numpy.ndarray
        Resource of each row.
    pop : numpy.ndarray
        Population of each row.
    rank : numpy.ndarray
        The ranking variable (e.g. GDP per capita), lowest first.

    Returns
    -------
    float
        The concentration index (positive: concentrated among the better-off).

    Examples
    --------
    >>> ci = concentration_covariance(np.array([10.0, 20, 30]), np.ones(3), np.array([1.0, 2, 3]))
    >>> round(ci, 6)
    0.222222
    """
    p = pop / pop.sum()
    h = res / pop
    mu = np.sum(p * h)
    r = fractional_rank(rank, pop)
    return float(2.0 * np.sum(p * (h - mu) * (r - np.sum(p * r))) / mu)


@dataclass(frozen=True, eq=False, repr=False)
class ConcentrationResult(Result):
    """Concentration index (geometric and covariance methods) and curve.

    Attributes
    ----------
    value : float
        Geometric concentration index (area between the line of equality and the
        concentration curve, times two). Positive: the resource concentrates in
        regions ranked high on ``rank_by``.
    covariance : float
        The same index by the covariance method ``2 cov(h, R) / μ``, with ``h`` the
        per-capita resource, ``R`` the population-weighted fractional rank and ``μ``
        the population-weighted mean of ``h``. Equal to ``value`` up to rounding
        (kept as an independent check).
    curve : DataFrame
        Cumulative population and resource shares in rank order.
    """

    value: float
    covariance: float
    curve: pd.DataFrame
    resource: str
    population: str | None
    rank_by: str

    def _panel_row(self) -> dict:
        return {"value": self.value, "covariance": self.covariance, "n": len(self.curve)}

    @property
    def frame(self) -> pd.DataFrame:
        """One row: measure, resource, population, rank_by, ``value`` (geometric CI),
        ``covariance`` (covariance-method CI), n. The curve is :attr:`curve`."""
        return pd.DataFrame([{"measure": "concentration_index", "resource": self.resource,
                              "population": self.population or "", "rank_by": self.rank_by,
                              **self._panel_row()}])

    def _detail_frame(self) -> pd.DataFrame:
        return self.curve

    def to_file(self, path, **kwargs):
        """Write the concentration-curve table (with the index on every row); return the Path."""
        return write_table(self.curve.assign(ci=self.value), path, **kwargs)

    def summary(self) -> str:
        return title_block(f"Concentration index of {self.resource!r} ranked by {self.rank_by!r}", [
            ("weighted by", self.population or "(each row once)"),
            ("rows", len(self.curve)),
            ("CI (geometric)", self.value),
            ("CI (covariance)", self.covariance),
            ("reading", "resource concentrated among regions ranked "
                        + ("high" if self.value > 0 else "low") + f" on {self.rank_by}"),
        ])

    def plot(self, ax=None, label: str | None = None):
        """Concentration curve with the line of equality."""
        _, ax = figure_axes(ax, figsize=(5, 5))
        x = np.concatenate([[0.0], self.curve["cum_pop_share"].to_numpy()])
        y = np.concatenate([[0.0], self.curve["cum_resource_share"].to_numpy()])
        first = not any(line.get_label() == "line of equality" for line in ax.get_lines())
        if first:  # several curves may share one Axes
            ax.plot([0, 1], [0, 1], color="grey", lw=1, ls="--", label="line of equality")
        ax.plot(x, y, marker="o", ms=3, label=label or f"{self.resource} (CI = {self.value:.3f})")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_aspect("equal")
        ax.set_xlabel(f"cumulative share of population, ranked by {self.rank_by}")
        ax.set_ylabel(f"cumulative share of {self.resource}")
        ax.set_title("Concentration curve")
        ax.legend(loc="upper left", fontsize=8)
        return ax


@positional_deprecated("resource", "population", "rank_by")
@panel_aware
def concentration_index(df: pd.DataFrame, *, resource: str, population: str | None = None,
                        rank_by: str, by=None) -> ConcentrationResult:
    """Concentration index of ``resource`` with regions ranked by ``rank_by``.

    Regions are ordered by ``rank_by`` (e.g. GDP per capita, ascending); with the
    cumulative population share ``X`` and resource share ``Y`` in that order,
    ``CI = 1 - Σ (X_i - X_{i-1})(Y_i + Y_{i-1})`` (geometric method). Rows tied
    on ``rank_by`` are merged into one point (their order is arbitrary otherwise).
    The covariance method is reported alongside. Ranked by the per-capita
    resource itself the index equals the Gini coefficient.

    Parameters
    ----------
    df : DataFrame
    resource : str
        Resource total per region (>= 0).
    population : str or None
        Population per region (> 0); None counts each row once.
    rank_by : str
        Socio-economic ranking variable (higher = better off).
    by : None or str
        ``None``: one result; a column (e.g. ``"year"``): a :class:`PanelResult`.

    Returns
    -------
    ConcentrationResult or PanelResult
        ``.value`` (geometric), ``.covariance``, ``.curve``, ``.plot()``; a
        :class:`PanelResult` exactly when ``by`` names a column.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"beds": [2.0, 4.0, 6.0], "pop": [1, 1, 1], "gdp": [1, 2, 3]})
    >>> round(concentration_index(d, resource="beds", population="pop", rank_by="gdp").value, 6)
    0.222222
    """
    require_frame(df)
    need_rows(len(df), 2, "The concentration index")
    res, pop = read_resource_population(df, resource, population)
    rank = numeric_columns(df, [(rank_by, {})])[0]
    ci, _, _ = concentration_geometric(res, pop, rank)
    cov = concentration_covariance(res, pop, rank)
    order = np.lexsort((np.arange(len(rank)), rank))
    curve = pd.DataFrame({
        "row": df.index[order],
        "name": row_names(df).to_numpy()[order],
        "rank_value": rank[order],
        "fractional_rank": fractional_rank(rank, pop)[order],
        "population": pop[order],
        "resource": res[order],
        "per_capita": (res / pop)[order],
        "cum_pop_share": np.cumsum(pop[order]) / pop.sum(),
        "cum_resource_share": np.cumsum(res[order]) / res.sum(),
    })
    return ConcentrationResult(ci, cov, curve, resource, population, rank_by)
