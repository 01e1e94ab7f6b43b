"""Entropy weight method and the weighted composite index."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._compat import positional_deprecated, renamed_kwargs
from .._results import figure_axes
from .._validate import require_columns, require_frame
from ..errors import InputError, format_rows
from ._common import Result, as_column_list, need_rows, numeric_matrix, row_names, title_block
from ._panel import panel_aware
from .standardise import _check_negative, range_standardise


def entropy_of_columns(z: np.ndarray, columns=None) -> np.ndarray:
    """Information entropy ``e_j = -(1/ln n) Σ_i p_ij ln p_ij`` with ``p_ij = z_ij / Σ_i z_ij``.

    Zeros (every range-standardised column has one) contribute ``0·ln 0 = 0``, the
    limit of ``p ln p``; no shift is added.

    Parameters
    ----------
    z : numpy.ndarray
        Range-standardised indicators, rows by columns.
    columns : sequence of str, optional
        Column names, for the error message.

    Returns
    -------
    numpy.ndarray
        ``e_j`` of each column, in [0, 1].

    Raises
    ------
    InputError
        If a column is zero in every row.

    Examples
    --------
    >>> entropy_of_columns(np.array([[0.0, 1], [1, 1], [1, 1]])).round(4).tolist()
    [0.6309, 1.0]
    """
    n = z.shape[0]
    totals = z.sum(axis=0)
    zero = totals <= 0
    if zero.any():
        names = [columns[j] if columns is not None else str(j) for j in np.flatnonzero(zero)]
        raise InputError(f"Indicator(s) {', '.join(map(repr, names))} sum to zero; "
                         "their proportions p_ij are undefined.")
    p = z / totals
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    return -plogp.sum(axis=0) / np.log(n)


@dataclass(frozen=True, eq=False, repr=False)
class EntropyWeightResult(Result):
    """Entropy weights of indicators and the composite index they give.

    Attributes
    ----------
    weights : Series
        Weight of each indicator (sums to 1).
    entropy, divergence : Series
        ``e_j`` and ``d_j = 1 - e_j``.
    standardised : DataFrame
        The matrix the weights were computed on (range-standardised, or the raw
        values if ``standardise=False``).
    scores : Series
        Composite index ``Σ_j w_j z_ij``, aligned with the input rows.
    composite : DataFrame
        The composite score per region as a tidy table keyed by region: ``region``
        (the ``region=`` column, else a ``code`` column, else the row label),
        ``name``, ``score``, ``rank`` (1 = highest score), in table order; join it
        to boundaries on ``region`` to map it.
    """

    weights: pd.Series
    entropy: pd.Series
    divergence: pd.Series
    standardised: pd.DataFrame
    scores: pd.Series
    names: pd.Series
    negative: tuple
    standardise: bool
    regions: pd.Series | None = None

    _panel_main = "weights"

    def _panel_row(self) -> dict:
        return {f"w_{c}": float(w) for c, w in self.weights.items()}

    @property
    def frame(self) -> pd.DataFrame:
        """One row per indicator: direction, entropy, divergence, weight."""
        return pd.DataFrame({
            "indicator": self.weights.index,
            "direction": ["negative" if c in self.negative else "positive" for c in self.weights.index],
            "entropy": self.entropy.to_numpy(),
            "divergence": self.divergence.to_numpy(),
            "weight": self.weights.to_numpy(),
        })

    @property
    def composite(self) -> pd.DataFrame:
        """Composite score per region, keyed by region code (see the class docstring)."""
        keys = self.regions if self.regions is not None else pd.Series(
            self.scores.index, index=self.scores.index)
        out = pd.DataFrame({"region": keys.to_numpy(), "name": self.names.to_numpy(),
                            "score": self.scores.to_numpy()}, index=self.scores.index)
        out["rank"] = out["score"].rank(ascending=False, method="min").astype(int)
        return out.reset_index(drop=True)

    @property
    def ranking(self) -> pd.DataFrame:
        """Rows with their composite score and rank (1 = highest score)."""
        out = pd.DataFrame({"name": self.names, "score": self.scores})
        out["rank"] = out["score"].rank(ascending=False, method="min").astype(int)
        return out.sort_values("rank")

    def summary(self) -> str:
        head = title_block("Entropy weight method", [
            ("standardisation", "range (min-max)" if self.standardise else "none (p = x / sum)"),
            ("rows", len(self.scores)),
            ("indicators", len(self.weights)),
        ])
        return head + "\n\n" + self.frame.to_string(index=False, float_format=lambda v: f"{v:.6f}")

    def plot(self, ax=None):
        """Bar chart of the weights."""
        _, ax = figure_axes(ax, figsize=(6, 3.5))
        ax.bar(self.weights.index.astype(str), self.weights.to_numpy(), color="#4C72B0")
        ax.set_ylabel("entropy weight")
        ax.set_title("Entropy weights")
        ax.tick_params(axis="x", rotation=30)
        return ax


@positional_deprecated("columns", "negative")
@renamed_kwargs(code="region", id_col="region")
@panel_aware
def entropy_weights(df: pd.DataFrame, *, columns, negative=(), region: str | None = None,
                    standardise: bool = True, by=None) -> EntropyWeightResult:
    """Entropy weights of indicator columns and the weighted composite index.

    The indicators are range-standardised (positive: ``(x-min)/(max-min)``,
    negative: ``(max-x)/(max-min)``), turned into proportions
    ``p_ij = z_ij / Σ_i z_ij``, and ``e_j = -(1/ln n) Σ_i p_ij ln p_ij`` with
    ``0·ln 0 = 0``; ``d_j = 1 - e_j`` and ``w_j = d_j / Σ d_j``. The composite index
    is ``Σ_j w_j z_ij``.

    Parameters
    ----------
    df : DataFrame
    columns : list of str
        Indicator columns.
    negative : list of str
        Indicators where smaller is better.
    region : str, optional
        Region key column (e.g. GB/T 2260 ``code``); keys :attr:`~EntropyWeightResult.composite`.
        Default: a ``code`` column if the table has one, else the row labels.
    standardise : bool
        ``False`` computes proportions from the raw (non-negative) values, as in the
        textbook examples without a standardisation step.
    by : None or str
        ``None`` (default): one standardisation and one set of weights over all rows
        (on a long table this pools all region-years: the "global" entropy method used
        for comparisons over time); a column (e.g. ``"year"``): weights period by
        period, as a :class:`PanelResult`.

    Returns
    -------
    EntropyWeightResult or PanelResult
        ``.weights``, ``.frame`` (one row per indicator), ``.scores`` and
        ``.composite`` (score per region, keyed by region code).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"code": ["110000", "120000", "130000", "140000"],
    ...                   "a": [3.0, 2.5, 1.8, 2.2], "b": [100, 80, 50, 70]})
    >>> res = entropy_weights(d, columns=["a", "b"])
    >>> res.weights.round(5).tolist()
    [0.51625, 0.48375]
    >>> res.composite[["region", "score", "rank"]].round(4).values.tolist()
    [['110000', 1.0, 1], ['120000', 0.5914, 2], ['130000', 0.0, 4], ['140000', 0.3656, 3]]
    """
    require_frame(df)
    columns = as_column_list(columns)
    negative = _check_negative(columns, negative)
    need_rows(len(df), 2, "The entropy weight method")
    x = numeric_matrix(df, columns)
    if standardise:
        z = range_standardise(x, np.array([c in negative for c in columns]), columns)
    else:
        if negative:
            raise InputError("`negative` indicators need standardise=True (the raw proportions "
                             "cannot reverse a cost indicator).")
        neg = (x < 0).any(axis=1)
        if neg.any():
            raise InputError("With standardise=False every value must be >= 0; rows "
                             f"{format_rows(df.index[neg])} have negative values.")
        z = x
    e = entropy_of_columns(z, columns)
    d = 1.0 - e
    if d.sum() <= 0:
        raise InputError("Every indicator has maximal entropy (identical proportions); "
                         "the entropy weights are undefined.")
    w = d / d.sum()
    idx = pd.Index(columns, name="indicator")
    if region is not None:
        require_columns(df, [region], "table")
        regions = df[region]
    else:
        regions = df["code"] if "code" in df.columns else None
    return EntropyWeightResult(
        regions=None if regions is None else regions.rename("region"),
        weights=pd.Series(w, index=idx, name="weight"),
        entropy=pd.Series(e, index=idx, name="entropy"),
        divergence=pd.Series(d, index=idx, name="divergence"),
        standardised=pd.DataFrame(z, index=df.index, columns=columns),
        scores=pd.Series(z @ w, index=df.index, name="score"),
        names=row_names(df),
        negative=tuple(negative),
        standardise=standardise,
    )


@positional_deprecated("weights", "negative")
def composite_index(df: pd.DataFrame, *, weights, negative=(), standardise: bool = True) -> pd.Series:
    """Weighted composite index ``Σ_j w_j z_ij`` for given weights.

    Parameters
    ----------
    df : DataFrame
    weights : mapping or Series
        Indicator column -> weight (e.g. ``entropy_weights(...).weights``).
    negative : list of str
        Indicators where smaller is better (reversed by the standardisation).
    standardise : bool
        Range-standardise first (default) or use the raw values.

    Returns
    -------
    pandas.Series
        The composite score of every row (aligned with ``df``).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [3.0, 1.0, 2.0]})
    >>> composite_index(d, weights={"a": 0.5, "b": 0.5}).tolist()
    [0.5, 0.25, 0.75]
    """
    require_frame(df)
    weights = pd.Series(dict(weights.items()) if hasattr(weights, "items") else weights, dtype=float)
    columns = list(weights.index)
    negative = _check_negative(columns, negative)
    x = numeric_matrix(df, columns)
    if standardise:
        x = range_standardise(x, np.array([c in negative for c in columns]), columns)
    return pd.Series(x @ weights.to_numpy(), index=df.index, name="score")
