"""Panel support shared by every equity measure.

Design (one rule for all measures): every function that takes a table has a
keyword ``by``, and the type of the result depends on ``by`` only, never on the data.

* ``by=None`` (the default): one result for the whole table. When ``by`` is left
  out and the table has a ``year`` column with two or more values, a warning says
  that all region-years are pooled and how to get one result per year.
* ``by="<column>"`` (e.g. ``by="year"``): one result per distinct value of that
  column, always a :class:`PanelResult` (even if the column holds one value).
* ``by="auto"`` (deprecated; the default of earlier releases): ``year`` if the table
  has such a column with two or more values, else None. It warns with a
  DeprecationWarning because its result type depends on the data.

A :class:`PanelResult` has ``.frame`` (one row per period with the measure's
headline numbers), ``.detail`` (every period's detailed table stacked with the
period column), ``.results`` (period -> result), ``res[2020]`` indexing,
``.summary()`` and ``.plot()`` (headline value over periods). Scalar attributes
of the per-period results are available as Series indexed by period, e.g.
``gini(panel, ...).value``.
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

from .._compat import external_stacklevel
from .._results import Result, figure_axes
from .._validate import require_columns, require_frame
from ..errors import InputError, format_rows

PANEL_COLUMN = "year"


def resolve_by(df: pd.DataFrame, by, *, explicit: bool = True, measure: str = "") -> str | None:
    """Return the column to split on, or None for a single computation."""
    if by is None:
        if not explicit and PANEL_COLUMN in df.columns and df[PANEL_COLUMN].nunique(dropna=True) >= 2:
            warnings.warn(
                f"{measure}(): the table has a {PANEL_COLUMN!r} column with "
                f"{df[PANEL_COLUMN].nunique(dropna=True)} values and `by` was not given, so one "
                f"result pools all {len(df)} rows. Pass by={PANEL_COLUMN!r} for one result per "
                "year (a PanelResult), or by=None to pool without this warning.",
                UserWarning, stacklevel=external_stacklevel())
        return None
    if by == "auto":
        if explicit:
            warnings.warn(
                f"{measure}(): by='auto' is deprecated because its result type depends on the "
                f"data; pass by={PANEL_COLUMN!r} for one result per year or by=None for one "
                "result.", DeprecationWarning, stacklevel=external_stacklevel())
        if PANEL_COLUMN in df.columns and df[PANEL_COLUMN].nunique(dropna=True) >= 2:
            return PANEL_COLUMN
        return None
    if not isinstance(by, str):
        raise InputError(f"`by` must be 'auto', None or a column name; {by!r} was given.")
    require_columns(df, [by], "table")
    return by


def panel_aware(func: Callable) -> Callable:
    """Decorate a measure ``func(df, ..., by=...)`` so it runs per period when asked."""
    sig = inspect.signature(func)
    if "by" not in sig.parameters:  # pragma: no cover - programming error
        raise TypeError(f"{func.__name__} needs a `by` parameter")

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        bound = sig.bind(*args, **kwargs)
        explicit = "by" in bound.arguments
        bound.apply_defaults()
        df = require_frame(bound.arguments[next(iter(sig.parameters))])
        by = resolve_by(df, bound.arguments["by"], explicit=explicit, measure=func.__name__)
        if by is None:
            bound.arguments["by"] = None
            return func(*bound.args, **bound.kwargs)
        missing = df[by].isna()
        if missing.any():
            raise InputError(
                f"Column {by!r} (the period column) is missing in rows "
                f"{format_rows(df.index[missing])}."
            )
        results = {}
        for period, sub in df.groupby(by, sort=True):
            bound.arguments[next(iter(sig.parameters))] = sub
            bound.arguments["by"] = None
            try:
                results[period] = func(*bound.args, **bound.kwargs)
            except InputError as exc:
                raise type(exc)(f"{by}={period}: {exc}") from exc
        return PanelResult(by=by, results=results, index=df.index, measure=func.__name__)

    return wrapper


class PanelResult(Result):
    """Results of one measure computed for every period of a long table.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per period with the headline numbers of each result.
    detail : pandas.DataFrame
        Every period's detailed table stacked, with the period as first column.
    results : dict
        Period -> per-period result; ``res[2020]`` indexes it.
    """

    def __init__(self, by: str, results: dict, index: pd.Index, measure: str):
        self.by = by
        self.results = dict(results)
        self.measure = measure
        self._index = index

    # ---- access -------------------------------------------------------------
    @property
    def periods(self) -> list:
        return list(self.results)

    def __getitem__(self, period):
        return self.results[period]

    def __len__(self) -> int:
        return len(self.results)

    def __getattr__(self, name):
        if name.startswith("_") or name in {"results", "by", "measure"}:
            raise AttributeError(name)
        values = {p: getattr(r, name) for p, r in self.results.items()}
        first = next(iter(values.values()))
        if callable(first) and not isinstance(first, (pd.Series, pd.DataFrame)):
            raise AttributeError(
                f"{name!r} is a method of the per-period results; call it on "
                f"res[period] (periods: {format_rows(self.periods)})."
            )
        if all(np.isscalar(v) or v is None for v in values.values()):
            return pd.Series(values, name=name).rename_axis(self.by)
        if all(isinstance(v, pd.Series) for v in values.values()):
            idx = [v.index for v in values.values()]
            union = idx[0].append(idx[1:]) if len(idx) > 1 else idx[0]
            if union.is_unique and set(union) <= set(self._index):
                # row-aligned output (scores, labels, levels): back in the table's order
                return pd.concat(list(values.values())).reindex(
                    [i for i in self._index if i in set(union)]
                ).rename(name)
            return pd.concat(values, names=[self.by]).rename(name)
        return values

    # ---- tables ---------------------------------------------------------------
    @property
    def frame(self) -> pd.DataFrame:
        """One row per period with the headline numbers of each result."""
        rows = []
        for period, res in self.results.items():
            row = {self.by: period}
            row.update(res._panel_row())
            rows.append(row)
        return pd.DataFrame(rows)

    @property
    def detail(self) -> pd.DataFrame:
        """Every period's detailed table stacked, with the period as first column.

        This is each result's ``.frame``, except for the Gini (its Lorenz table) and
        the concentration index (its curve).
        """
        parts = []
        for period, res in self.results.items():
            part = res._detail_frame().copy()
            part.insert(0, self.by, period)
            parts.append(part)
        return pd.concat(parts, ignore_index=True)

    def summary(self) -> str:
        head = f"{self.measure} by {self.by} ({len(self)} periods)"
        return head + "\n" + "=" * len(head) + "\n" + self.frame.to_string(index=False)

    def __repr__(self) -> str:
        return f"<PanelResult {self.measure} by {self.by}: {format_rows(self.periods)}>"

    def _repr_html_(self) -> str:
        return Result._repr_html_(self)

    def plot(self, ax=None, column: str | None = None):
        """Line plot of the headline value (or ``column`` of ``.frame``) over periods.

        Measures without one headline number (entropy weights) draw every numeric
        column of ``.frame``.
        """
        frame = self.frame
        main = column or next(iter(self.results.values()))._panel_main
        if main in frame.columns:
            columns = [main]
        else:
            columns = [c for c in frame.columns if c != self.by and pd.api.types.is_numeric_dtype(frame[c])]
        _, ax = figure_axes(ax, figsize=(6, 4))
        for c in columns:
            ax.plot(frame[self.by], frame[c], marker="o", label=c)
        ax.set_xlabel(self.by)
        ax.set_ylabel(columns[0] if len(columns) == 1 else "value")
        if len(columns) > 1:
            ax.legend(fontsize=8)
        ax.set_title(f"{self.measure} by {self.by}")
        return ax
