"""Health-distance mismatch degree and its classification into levels.

``HD(p, q) = Σ_j w_j |(p_j - q_j) / q_j|`` measures how far an actual allocation
``p`` (e.g. a region's shares of doctors, nurses and beds) lies from an ideal
allocation ``q`` (e.g. its share of population or of need). A series of HD values
is classified into levels either with user cut-points (e.g. 0.355/0.492/0.631/
0.719) or with the exactly optimal one-dimensional k-means (dynamic programming).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InputError, InputTypeError, format_rows
from ._common import Result, title_block

# ---------------------------------------------------------------------------
# classification


def kmeans_1d(values, k: int):
    """Exactly optimal k-means of one-dimensional data (minimum within-cluster SSE).

    Dynamic programming over the sorted values (Wang & Song 2011, Ckmeans.1d.dp):
    ``D[m, j] = min_i D[m-1, i-1] + SSE(x_i..x_j)``, exact; each row is filled by
    divide and conquer over the monotone optimal split, O(k n log n) time
    (compiled kernel in :mod:`spatialhealth.equity._kernels`).

    Parameters
    ----------
    values : array-like
        Finite numbers.
    k : int
        Number of clusters (``1 <= k <=`` number of distinct values).

    Returns
    -------
    labels : ndarray of int
        Cluster of each value, 1 = lowest centre ... k = highest.
    centres : ndarray
        Cluster means in ascending order.
    sse : float
        Total within-cluster sum of squares (the minimum over all partitions).

    Examples
    --------
    >>> labels, centres, sse = kmeans_1d([1.0, 1.1, 5.0, 5.2, 9.0], 3)
    >>> labels.tolist()
    [1, 1, 2, 2, 3]
    """
    x = np.asarray(values, dtype=float)
    if x.ndim != 1 or np.isnan(x).any() or np.isinf(x).any():
        raise InputError("kmeans_1d needs a one-dimensional array of finite values.")
    k = int(k)
    distinct = len(np.unique(x))
    if not 1 <= k <= distinct:
        raise InputError(f"k must be between 1 and the number of distinct values ({distinct}); "
                         f"{k} was given.")
    from ._kernels import kmeans_1d_dp

    order = np.argsort(x, kind="stable")
    xs = np.ascontiguousarray(x[order])
    n = len(xs)
    labels_sorted, sse = kmeans_1d_dp(xs, k)
    labels = np.empty(n, dtype=int)
    labels[order] = labels_sorted
    centres = np.array([xs[labels_sorted == c].mean() for c in range(1, k + 1)])
    return labels, centres, float(max(sse, 0.0))


def classify_by_cuts(values, cuts: Sequence[float]) -> np.ndarray:
    """Level of each value for ascending cut-points; each level includes its lower bound.

    Level 1 is ``< cuts[0]``, level 2 ``cuts[0] <= v < cuts[1]``, ...,
    level ``len(cuts)+1`` is ``>= cuts[-1]``. A value within 1e-12 (relative) below a
    cut counts as on it, so that e.g. a computed 0.19999999999999998 meets a cut at 0.2.

    Parameters
    ----------
    values : array_like
        The values to classify.
    cuts : sequence of float
        Ascending cut-points.

    Returns
    -------
    numpy.ndarray
        Integer levels from 1 to ``len(cuts) + 1``.

    Examples
    --------
    >>> classify_by_cuts([0.2, 0.355, 0.5, 0.9], [0.355, 0.492, 0.631, 0.719]).tolist()
    [1, 2, 3, 5]
    """
    cuts = np.asarray(cuts, dtype=float)
    if cuts.ndim != 1 or len(cuts) == 0 or np.any(np.diff(cuts) <= 0):
        raise InputError(f"`cuts` must be a strictly increasing list of numbers; {list(cuts)} was given.")
    v = np.asarray(values, dtype=float)
    return np.searchsorted(cuts, v + 1e-12 * np.maximum(1.0, np.abs(v)), side="right") + 1


# ---------------------------------------------------------------------------
# health distance


def _as_frame(actual) -> tuple[pd.DataFrame, bool]:
    if isinstance(actual, pd.DataFrame):
        return actual, False
    if isinstance(actual, pd.Series):
        return actual.to_frame().T.set_axis(["actual"], axis=0), True
    if isinstance(actual, Mapping):
        return pd.DataFrame([dict(actual)], index=["actual"]), True
    arr = np.asarray(actual)
    if arr.ndim == 1:
        return pd.DataFrame([arr], index=["actual"], columns=[f"x{j}" for j in range(len(arr))]), True
    if arr.ndim == 2:
        return pd.DataFrame(arr, columns=[f"x{j}" for j in range(arr.shape[1])]), False
    raise InputTypeError(f"`actual` must be a DataFrame, Series, mapping or 1/2-D array; "
                         f"{type(actual).__name__} was given.")


def _numeric(frame: pd.DataFrame, what: str) -> np.ndarray:
    values = frame.apply(pd.to_numeric, errors="coerce")
    bad = values.isna().to_numpy()
    if bad.any():
        rows, cols = np.nonzero(bad)
        cells = ", ".join(f"({frame.index[r]}, {frame.columns[c]!r})" for r, c in list(zip(rows, cols))[:8])
        raise InputError(f"`{what}` has missing or non-numeric values at (row, column) {cells}"
                         + (" ..." if len(rows) > 8 else "") + ".")
    return values.to_numpy(dtype=float)


def _ideal_matrix(ideal, frame: pd.DataFrame) -> pd.DataFrame:
    if isinstance(ideal, pd.DataFrame):
        if (not set(frame.columns) <= set(ideal.columns) and ideal.shape == frame.shape
                and ideal.index.equals(frame.index)):
            # e.g. actual [doctor_share, bed_share] against ideal [need_doctors, need_beds]
            return ideal.set_axis(frame.columns, axis=1)
        missing_c = [c for c in frame.columns if c not in ideal.columns]
        missing_r = [r for r in frame.index if r not in ideal.index]
        if missing_c or missing_r:
            raise InputError("`ideal` must cover every row and column of `actual`; missing "
                             f"columns {missing_c or 'none'}, rows {format_rows(missing_r) or 'none'}.")
        return ideal.loc[frame.index, list(frame.columns)]
    if isinstance(ideal, Mapping):
        ideal = pd.Series(dict(ideal))
    if isinstance(ideal, pd.Series):
        if set(frame.columns) <= set(ideal.index):  # one ideal profile for every row
            row = ideal[list(frame.columns)]
            return pd.DataFrame([row.to_numpy()] * len(frame), index=frame.index, columns=frame.columns)
        if set(frame.index) <= set(ideal.index):  # one ideal value per row, every resource
            col = ideal.loc[frame.index].to_numpy()
            return pd.DataFrame({c: col for c in frame.columns}, index=frame.index)
        raise InputError("`ideal` as a Series must be indexed by the resource columns of `actual` "
                         f"({', '.join(map(repr, frame.columns))}) or by its rows.")
    arr = np.asarray(ideal, dtype=float)
    if arr.shape == (frame.shape[1],):
        return pd.DataFrame([arr] * len(frame), index=frame.index, columns=frame.columns)
    if arr.shape == frame.shape:
        return pd.DataFrame(arr, index=frame.index, columns=frame.columns)
    raise InputError(f"`ideal` has shape {arr.shape}; `actual` has {frame.shape} "
                     f"(give one ideal per column, or one per cell).")


@dataclass(frozen=True, eq=False, repr=False)
class HealthDistanceResult(Result):
    """Health-distance mismatch degree of each row, optionally classified.

    Attributes
    ----------
    values : Series
        HD of each row of ``actual``.
    value : float or None
        HD when a single allocation was given.
    terms : DataFrame
        ``w_j |(p_j - q_j)/q_j|`` per row and resource.
    weights : Series
        Weight of each resource.
    levels : Series or None
        Level of each row (1 = smallest mismatch) if ``k`` or ``cuts`` was given.
    cuts : tuple or None
        Cut-points used (given, or the midpoints between the k-means clusters).
    """

    values: pd.Series
    terms: pd.DataFrame
    weights: pd.Series
    levels: pd.Series | None
    cuts: tuple | None
    method: str | None
    allocation: object = None  # the IdealAllocationResult when ideal="bilevel"

    _panel_main = "value"

    @property
    def value(self):
        return float(self.values.iloc[0]) if len(self.values) == 1 else None

    def classify(self, k: int | None = None, cuts=None) -> pd.Series:
        """Levels of the HD values: exact 1-D k-means with ``k`` clusters or ``cuts``."""
        return _classify(self.values, k, cuts)[0]

    @property
    def frame(self) -> pd.DataFrame:
        out = self.terms.add_prefix("term_")
        out.insert(0, "hd", self.values)
        if self.levels is not None:
            out.insert(1, "level", self.levels)
        return out.rename_axis("row").reset_index()

    def summary(self) -> str:
        lines = [("formula", "HD = sum_j w_j |(p_j - q_j) / q_j|"), ("rows", len(self.values)),
                 ("weights", ", ".join(f"{c}={w:.4g}" for c, w in self.weights.items())),
                 ("mean HD", float(self.values.mean()))]
        if self.levels is not None:
            lines += [("classification", self.method),
                      ("cut-points", ", ".join(f"{c:.4g}" for c in self.cuts))]
        return title_block("Health-distance mismatch degree", lines) + "\n\n" + \
            self.frame.to_string(index=False, float_format=lambda v: f"{v:.4f}")

    def plot(self, ax=None):
        """Horizontal bars of HD per row, coloured by level when classified."""
        import matplotlib.pyplot as plt

        s = self.values.sort_values()
        if ax is None:
            _, ax = plt.subplots(figsize=(6, max(3, 0.22 * len(s))))
        colours = None
        if self.levels is not None:
            cmap = plt.get_cmap("RdYlGn_r")
            nlev = int(self.levels.max())
            colours = [cmap((lv - 1) / max(nlev - 1, 1)) for lv in self.levels[s.index]]
        ax.barh([str(i) for i in s.index], s.to_numpy(), color=colours)
        for c in self.cuts or ():
            ax.axvline(c, color="grey", ls="--", lw=0.8)
        ax.set_xlabel("health-distance mismatch degree")
        ax.set_title("Health-distance mismatch")
        return ax


def _classify(values: pd.Series, k, cuts):
    if k is not None and cuts is not None:
        raise InputError("Give either `k` (exact 1-D k-means) or `cuts`, not both.")
    if cuts is not None:
        lev = classify_by_cuts(values.to_numpy(), cuts)
        return pd.Series(lev, index=values.index, name="level"), tuple(float(c) for c in cuts), "cut-points"
    labels, _centres, _ = kmeans_1d(values.to_numpy(), k)
    x = values.to_numpy()
    bounds = tuple(float(x[labels == c + 1].min()) for c in range(1, k))
    return pd.Series(labels, index=values.index, name="level"), bounds, f"exact 1-D k-means, k={k}"


_BILEVEL_KEYS = ("resources", "population", "demand", "output", "totals", "bounds", "efficiency",
                 "frontier", "period")


def _reject_negative(values: np.ndarray, frame: pd.DataFrame, what: str) -> None:
    neg = values < 0
    if neg.any():
        rows, cols = np.nonzero(neg)
        cells = ", ".join(f"({frame.index[r]}, {frame.columns[c]!r}) = {values[r, c]:g}"
                          for r, c in list(zip(rows, cols))[:8])
        raise InputError(f"`{what}` has negative values at (row, column) {cells}"
                         + (" ..." if len(rows) > 8 else "") + "; an allocation is >= 0.")


def health_distance(actual, ideal, weights=None, *, k: int | None = None, cuts=None,
                    resources=None, population: str | None = None, demand: str | None = None,
                    output: str | None = None, totals=None, bounds=None, efficiency=None,
                    frontier: str = "free", period: str | None = None) -> HealthDistanceResult:
    """Health-distance mismatch degree ``HD(p, q) = Σ_j w_j |(p_j - q_j) / q_j|``.

    Parameters
    ----------
    actual : DataFrame, Series or mapping
        Actual allocation: one row per unit (region or year), one column per
        resource ``j``; a Series/mapping is a single allocation. Values must be >= 0.
    ideal : DataFrame, Series, mapping, array, "bilevel" or IdealAllocationResult
        Ideal allocation ``q``: a frame like ``actual`` (matched by column name, or
        by position when the names differ and the shapes agree); one value per resource
        (the same ideal for every row); or one value per row (the same ideal for
        every resource, e.g. the region's population share). Must be > 0.
        ``"bilevel"`` computes it with the fairness–efficiency model
        :func:`spatialhealth.equity.ideal_allocation` from the columns of ``actual``
        (pass ``resources``, ``population`` and optionally ``demand``, ``output``,
        ``totals``, ``bounds``, ``efficiency``, ``frontier``, ``period``); a result of
        :func:`~spatialhealth.equity.ideal_allocation` is used as it is.
    weights : mapping or Series, optional
        Weight of each resource; default equal weights ``1/m``. Used as given.
    k : int, optional
        Classify the HD values into ``k`` levels by exactly optimal 1-D k-means.
    cuts : list of float, optional
        Classify by cut-points instead (lower bound inclusive), e.g.
        ``[0.355, 0.492, 0.631, 0.719]``.
    resources, population, demand, output, totals, bounds, efficiency, frontier, period
        Only with ``ideal="bilevel"``: the arguments of
        :func:`~spatialhealth.equity.ideal_allocation`. ``resources`` are the columns
        of ``actual`` compared (default: all numeric columns except the others named).
        With ``period`` the ideal is solved per period and every row is compared with
        the ideal of its own period.

    Returns
    -------
    HealthDistanceResult
        ``.values`` (HD per row), ``.terms``, ``.weights``, ``.levels`` and, with
        ``ideal="bilevel"``, ``.allocation`` (the ideal-allocation result).

    Examples
    --------
    >>> hd = health_distance({"doctors": 0.03, "beds": 0.05}, {"doctors": 0.04, "beds": 0.04})
    >>> round(hd.value, 4)
    0.25
    >>> import pandas as pd
    >>> d = pd.DataFrame({"doctors": [10, 30, 60], "beds": [20, 20, 60], "pop": [20, 30, 50]})
    >>> health_distance(d, "bilevel", resources=["doctors", "beds"], population="pop").values.round(3).tolist()
    [0.25, 0.167, 0.2]
    """
    allocation = None
    given = {key: value for key, value in zip(_BILEVEL_KEYS, (
        resources, population, demand, output, totals, bounds, efficiency, frontier, period))}
    if isinstance(ideal, str):
        if ideal != "bilevel":
            raise InputError(f"`ideal` as text must be 'bilevel'; {ideal!r} was given.")
        if not isinstance(actual, pd.DataFrame):
            raise InputTypeError("`ideal='bilevel'` needs `actual` as a DataFrame with the resource "
                                 "and population columns.")
        if population is None:
            raise InputError("`ideal='bilevel'` needs `population`, the population column of `actual`.")
        from .ideal import ideal_allocation

        if resources is None:
            named = {population, demand, output, period}
            resources = [c for c in actual.columns if c not in named
                         and pd.api.types.is_numeric_dtype(actual[c])]
        resources = [resources] if isinstance(resources, str) else list(resources)
        if not actual.index.is_unique:
            raise InputError("`ideal='bilevel'` needs a table with a unique index (one row per "
                             "region and period); reset the index first.")
        allocation = ideal_allocation(actual, resources=resources, population=population,
                                      demand=demand, output=output, totals=totals, bounds=bounds,
                                      efficiency=efficiency, frontier=frontier, period=period)
        ideal = allocation
    elif any(v is not None for key, v in given.items() if key != "frontier") or frontier != "free":
        named = ", ".join(key for key, v in given.items()
                          if (v is not None and key != "frontier") or (key == "frontier" and v != "free"))
        raise InputError(f"{named} only apply with `ideal='bilevel'`.")
    if allocation is None and type(ideal).__name__ == "IdealAllocationResult":
        allocation = ideal
    if allocation is not None:
        resources = list(allocation.resources)
        if not isinstance(actual, pd.DataFrame):
            raise InputTypeError("With an ideal allocation result `actual` must be its DataFrame.")
        wide = allocation.frame.pivot(index="row", columns="resource", values="ideal")
        missing = [r for r in actual.index if r not in wide.index]
        if missing:
            raise InputError(f"The ideal allocation has no row for {format_rows(missing)} of `actual`.")
        actual = actual[resources]
        ideal = wide.loc[actual.index, resources]
    frame, _ = _as_frame(actual)
    if frame.shape[1] == 0 or frame.shape[0] == 0:
        raise InputError("`actual` is empty.")
    p = _numeric(frame, "actual")
    _reject_negative(p, frame, "actual")
    q_frame = _ideal_matrix(ideal, frame)
    q = _numeric(q_frame, "ideal")
    _reject_negative(q, frame, "ideal")
    zero = q == 0
    if zero.any():
        rows, cols = np.nonzero(zero)
        cells = ", ".join(f"({frame.index[r]}, {frame.columns[c]!r})" for r, c in list(zip(rows, cols))[:8])
        raise InputError(f"The ideal value is 0 at (row, column) {cells}; HD divides by the ideal, "
                         "so every ideal value must be non-zero.")
    cols = list(frame.columns)
    if weights is None:
        w = pd.Series(1.0 / len(cols), index=cols)
    else:
        w = pd.Series(dict(weights.items()) if hasattr(weights, "items") else
                      dict(zip(cols, np.asarray(weights, dtype=float))), dtype=float)
        missing = [c for c in cols if c not in w.index]
        if missing:
            raise InputError(f"`weights` has no weight for {', '.join(map(repr, missing))}.")
        w = w[cols]
        if (w < 0).any() or w.isna().any():
            raise InputError(f"`weights` must be >= 0; got {w.to_dict()}.")
    terms = pd.DataFrame(w.to_numpy() * np.abs((p - q) / q), index=frame.index, columns=cols)
    values = terms.sum(axis=1).rename("hd")
    levels = used_cuts = method = None
    if k is not None or cuts is not None:
        levels, used_cuts, method = _classify(values, k, cuts)
    return HealthDistanceResult(values, terms, w.rename("weight"), levels, used_cuts, method,
                                allocation)
