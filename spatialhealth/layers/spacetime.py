"""Space-time: Moran's I and LISA for every period of a panel, LISA transitions and spatial Markov.

One call gives what seed studies compare across years: the yearly global Moran's I, the
yearly LISA clusters, the matrix of LISA quadrant transitions between consecutive
periods (Rey 2001, as ``giddy.markov.LISA_Markov``) and the spatial Markov chain of
quantile classes conditioned on the class of the spatial lag (Rey 2001, as
``giddy.markov.Spatial_Markov`` with ``fixed=True``: classes from quantiles of all
periods pooled).

Examples
--------
>>> import numpy as np, pandas as pd
>>> from spatialhealth.layers.weights import build_weights
>>> codes = [f"{i:02d}" for i in range(12)]
>>> ring = pd.DataFrame({"code": codes + codes, "neighbour": codes[1:] + codes[:1] + codes[-1:] + codes[:-1]})
>>> rng = np.random.default_rng(0)
>>> long = pd.DataFrame({"code": codes * 3, "year": np.repeat([2019, 2020, 2021], 12),
...                      "x": rng.normal(size=36)})
>>> st = space_time(long, value="x", weights=build_weights(ring), period="year", permutations=0, k=3)
>>> st.frame["year"].tolist(), int(st.lisa_transitions.to_numpy().sum())
([2019, 2020, 2021], 24)
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from .._random import as_generator
from .._results import Result
from .._validate import numeric_column, require_columns
from ..errors import InputError, format_rows
from .autocorrelation import QUADRANTS, lisa, moran
from .weights import as_graph


class SpaceTimeResult(Result):
    """Yearly Moran/LISA, LISA transitions and spatial Markov over a panel.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per period: Moran's I with its inference and the count of units per
        LISA cluster (HH, LH, LL, HL, ns).
    lisa : pandas.DataFrame
        Long table: period, code, value, Ii, p_sim, quadrant, cluster.
    lisa_transitions : pandas.DataFrame
        Counts of quadrant moves between consecutive periods (rows from, columns to;
        HH, LH, LL, HL), all units with a quadrant, significant or not (as giddy).
    lisa_probabilities : pandas.DataFrame
        The same as row proportions.
    markov : pandas.DataFrame
        Classic Markov transition probabilities between the ``k`` quantile classes.
    spatial_markov : dict
        Lag class -> probability matrix (DataFrame, rows from, columns to) conditional on
        the class of the unit's spatial lag at the start of the transition.
    spatial_markov_counts : numpy.ndarray
        (m, k, k) transition counts.
    cutoffs, lag_cutoffs : numpy.ndarray
        Upper bounds of the value and lag classes (pooled quantiles).
    """

    def __init__(self, **kw):
        self.__dict__.update(kw)

    @property
    def frame(self):
        return self._frame

    def summary(self) -> str:
        lines = [f"Space-time analysis of {self.variable!r} over {len(self._frame)} periods",
                 self._frame.round(4).to_string(index=False), "",
                 "LISA quadrant transitions (counts, rows: from):", self.lisa_transitions.to_string(), "",
                 (f"Spatial Markov ({len(self.spatial_markov)} lag classes x {len(self.markov)} value classes, "
                 "pooled quantiles): probabilities given the lag class")]
        for lag_class, P in self.spatial_markov.items():
            lines += [f"  lag class {lag_class}:", P.round(3).to_string()]
        return "\n".join(lines)

    def plot(self, ax=None):
        """Moran's I by period."""
        from .._results import figure_axes

        _, ax = figure_axes(ax, figsize=(6, 3.5))
        f = self._frame
        ax.plot(f[self.period], f["I"], marker="o", color="0.3")
        ax.set_xlabel(self.period)
        ax.set_ylabel("Moran's I")
        return ax


def _quantile_classes(values, k):
    import mapclassify as mc

    q = mc.Quantiles(values.ravel(), k=k)
    return q.yb.reshape(values.shape), np.asarray(q.bins)


def space_time(df, *, value: str, weights, period: str = "year", region: str = "code", permutations: int = 999,
               alpha: float = 0.05, adjust: str | None = None, seed=None, k: int = 5, m: int | None = None,
               draws: str = "shared") -> SpaceTimeResult:
    """Yearly Moran's I and LISA over a balanced panel, LISA transitions and spatial Markov.

    Parameters
    ----------
    df : DataFrame
        Long table, one row per region and period.
    value : str
        Variable analysed.
    weights : SpatialWeights or libpysal Graph
    period : str
        Period column (e.g. year).
    region : str
        Region-code column.
    permutations, alpha, adjust, draws
        For the yearly Moran and LISA (see :func:`~spatialhealth.layers.autocorrelation.lisa`).
    seed : int or Generator
        Each period gets its own seed drawn from it.
    k, m : int
        Quantile classes of the value and of its spatial lag (``m`` defaults to ``k``).

    Returns
    -------
    SpaceTimeResult
        Yearly Moran's I and LISA (``.frame``, ``.lisa``), LISA transitions and the
        spatial Markov chain.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely.geometry import box
    >>> from spatialhealth.layers.weights import build_weights
    >>> g = gpd.GeoDataFrame({"code": list("abcd")}, geometry=[box(i, 0, i + 1, 1) for i in range(4)])
    >>> long = pd.DataFrame({"code": list("abcd") * 3, "year": [2019] * 4 + [2020] * 4 + [2021] * 4,
    ...                      "x": [1.0, 1.5, 5, 6, 2, 1, 3, 9, 1, 2, 3, 4]})
    >>> st = space_time(long, value="x", weights=build_weights(g, kind="rook"), permutations=99,
    ...                 seed=1, k=2)
    >>> st.frame["year"].tolist(), round(float(st.frame["I"].iloc[0]), 3)
    ([2019, 2020, 2021], 0.537)
    """
    require_columns(df, [region, period, value], "panel table")
    graph = as_graph(weights)
    ids = pd.Index([str(v) for v in graph.unique_ids], dtype=object)
    codes = df[region].map(lambda v: str(int(v)) if isinstance(v, (float, np.floating)) and float(v).is_integer()
                           else str(v))
    y_all = numeric_column(df, value)
    periods = sorted(df[period].unique())
    if len(periods) < 2:
        raise InputError(f"Space-time analysis needs at least 2 periods in {period!r}; found {len(periods)}.")
    key = pd.MultiIndex.from_arrays([df[period].to_numpy(), codes.to_numpy()])
    if key.duplicated().any():
        raise InputError(f"Each (region, {period}) pair must occur once; {format_rows(key[key.duplicated()])} repeat.")
    want = pd.MultiIndex.from_product([periods, ids])
    miss = want.difference(key)
    if len(miss):
        raise InputError(f"The panel is unbalanced: no row for {format_rows(list(miss))} (every period needs every "
                         "unit of the weights).")
    pos = pd.Series(np.arange(len(key)), index=key)
    Y = y_all[pos.loc[want].to_numpy()].reshape(len(periods), len(ids)).T  # (n, t)
    rng = as_generator(seed)
    rows, long = [], []
    for t, p in enumerate(periods):
        s = pd.Series(Y[:, t], index=ids, name=value)
        s1, s2 = (int(rng.integers(0, 2**31 - 1)) for _ in range(2))
        g = moran(s, weights=weights, permutations=permutations, seed=s1)
        loc = lisa(s, weights=weights, permutations=permutations, alpha=alpha, adjust=adjust, seed=s2,
                   draws=draws).frame
        counts = loc["cluster"].value_counts().reindex(list(QUADRANTS) + ["ns"], fill_value=0)
        rows.append({period: p, "I": g.I, "EI": g.EI, "z_rand": g.z_rand, "p_rand": g.p_rand, "p_sim": g.p_sim,
                     **{f"n_{c}": int(v) for c, v in counts.items()}})
        long.append(loc[["code", value, "Ii", "p_sim", "quadrant", "cluster"]].assign(**{period: p}))
    frame = pd.DataFrame(rows)
    lisa_long = pd.concat(long, ignore_index=True)[[period, "code", value, "Ii", "p_sim", "quadrant", "cluster"]]
    # LISA quadrant transitions between consecutive periods
    quad = lisa_long.pivot(index="code", columns=period, values="quadrant").loc[ids]
    T = pd.DataFrame(0, index=pd.Index(QUADRANTS, name="from"), columns=pd.Index(QUADRANTS, name="to"))
    for a, b in itertools.pairwise(periods):
        ok = quad[a].notna() & quad[b].notna()
        for qa, qb in zip(quad.loc[ok, a], quad.loc[ok, b]):
            T.loc[qa, qb] += 1
    probs = T.div(T.sum(axis=1).replace(0, np.nan), axis=0).fillna(0.0)
    # spatial Markov: pooled quantile classes of y and of its lag
    m = k if m is None else m
    cls, cut = _quantile_classes(Y, k)
    lagY = np.asarray(graph.sparse @ Y)
    lcls, lcut = _quantile_classes(lagY, m)
    kk, mm = len(cut), len(lcut)
    counts = np.zeros((mm, kk, kk))
    classic = np.zeros((kk, kk))
    for t in range(Y.shape[1] - 1):
        np.add.at(counts, (lcls[:, t], cls[:, t], cls[:, t + 1]), 1)
        np.add.at(classic, (cls[:, t], cls[:, t + 1]), 1)

    def rowp(mat):
        s = mat.sum(axis=1, keepdims=True)
        return mat / (s + (s == 0))

    labels = [f"Q{i + 1}" for i in range(kk)]
    smarkov = {f"L{j + 1}": pd.DataFrame(rowp(counts[j]), index=pd.Index(labels, name="from"),
                                          columns=pd.Index(labels, name="to")) for j in range(mm)}
    return SpaceTimeResult(_frame=frame, lisa=lisa_long, lisa_transitions=T, lisa_probabilities=probs,
                           markov=pd.DataFrame(rowp(classic), index=pd.Index(labels, name="from"),
                                               columns=pd.Index(labels, name="to")),
                           spatial_markov=smarkov, spatial_markov_counts=counts, cutoffs=cut, lag_cutoffs=lcut,
                           variable=value, period=period)
