"""Global and local Moran's I (univariate and bivariate), with stated inference conventions.

Conventions
-----------
* Values are standardised as esda does: ``z = (y - mean) / sd`` with the population
  standard deviation (ddof = 0) over all n units, islands included.
* Global Moran's I, E[I], its variance and z/p under normality and under
  randomisation come from ``esda.Moran``; ``p_norm`` and ``p_rand`` are two-sided.
  ``p_sim`` is esda's *folded* permutation pseudo p-value: with ``larger`` the
  number of permuted I at or above the observed one, ``(min(larger, P - larger) + 1)
  / (P + 1)``, i.e. one-sided in the direction of the observed statistic.
* Local Moran: ``Ii = (n - 1) z_i lag_i / sum z^2`` (esda's n - 1 convention; R
  spdep's ``localmoran`` divides by ``sum z^2 / n`` and so differs by the factor
  (n - 1) / n). Analytic moments ``EI``/``VI`` are those of total randomisation
  (Sokal et al. 1998, as in esda). ``p_sim`` is the folded pseudo p-value of
  conditional randomisation: site i is held fixed and its neighbours' values are
  drawn from the other n - 1 sites, with one set of draws reused for every site
  (esda's convention; spdep draws per site, so tool-to-tool comparisons hold only
  within Monte Carlo error). Up to :data:`ESDA_DRAW_MAX_N` units the draws are
  exactly esda's, so for the same integer seed p-values equal
  ``esda.Moran_Local(..., seed=seed).p_sim``; above it they are drawn by our own
  linear-time sampler.
* Ties (``ties="tolerance"``, the default): permuted local statistics within a relative
  1e-10 of the observed one count as equal on both sides of the fold,
  ``p = (min(#{sim >= obs}, #{sim <= obs}) + 1) / (P + 1)``; esda's count
  (``ties="esda"``) lets rounding decide and folds all exact ties onto one side, so a
  triangle of 3 units gets p = 0.001 where exact enumeration gives 1. Without ties
  both give the same p-values.
* Draws (``draws="shared"``, the default, esda's convention) are one set reused for every
  site: neighbouring p-values are correlated and the whole significance map moves with the
  seed (2,025-unit lattice, 5 seeds: significant counts 581-644, sd 28); ``draws="per_site"``
  draws independently for every site at the same linear cost (same lattice: 618-629, sd 4.8).
  Use per-site draws when the count or the map of significant units is the finding.
* A unit without neighbours (an island kept with ``islands="keep"``) has no local
  statistic: ``Ii`` and ``p_sim`` are missing, ``quadrant`` is missing and the cluster
  is ``"ns"`` (esda reports Ii = 0 and the smallest possible p for it).
* Significance is ``p < alpha`` (as esda's cluster labels), after an optional
  Bonferroni or Benjamini–Hochberg (FDR) adjustment over the units that have a
  statistic.

Examples
--------
>>> import pandas as pd
>>> from spatialhealth.layers.weights import build_weights
>>> t = pd.DataFrame({"code": list("abcde"), "neighbour": list("bcdea")})
>>> w = build_weights(pd.concat([t, t.rename(columns={"code": "neighbour", "neighbour": "code"})]))
>>> res = moran(pd.Series([1.0, 2, 3, 2, 1], index=list("abcde")), w, permutations=99, seed=1)
>>> round(res.I, 4)
0.2857
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._compat import renamed_kwargs
from .._random import seed_int
from .._results import Result
from .._validate import numeric_column, one_of, require_columns
from ..errors import InputError, InputTypeError, format_rows
from .weights import SpatialWeights, as_graph, as_links

#: Largest n at which LISA draws its permutations exactly as esda does (cost
#: O(permutations x n)); above it, our O(permutations x k) sampler is used.
ESDA_DRAW_MAX_N = 20_000

QUADRANTS = ("HH", "LH", "LL", "HL")
ADJUSTMENTS = (None, "bonferroni", "fdr")


# --- input alignment -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Aligned:
    y: np.ndarray
    ids: pd.Index
    frame: pd.DataFrame | None  # input rows in weights order (GeoDataFrame kept)
    name: str
    labels: pd.Series | None


def _align(values, graph, column=None, id_col="code", what="values", label_col=None) -> _Aligned:
    ids = pd.Index(graph.unique_ids.astype(str), dtype=object)
    n = len(ids)
    if n < 3:
        raise InputError(f"Moran statistics need at least 3 units; the weights have {n}.")
    frame = None
    labels = None
    if isinstance(values, pd.DataFrame):
        if column is None:
            raise InputError(f"`{what}` is a table: pass `column`, the name of the variable to analyse.")
        require_columns(values, [id_col, column], "table")
        codes = values[id_col].map(lambda v: str(int(v)) if isinstance(v, (float, np.floating)) and float(v).is_integer() else str(v))
        dup = codes.duplicated(keep=False)
        if dup.any():
            raise InputError(f"Column {id_col!r} must be unique; codes {format_rows(sorted(set(codes[dup])))} "
                             f"occur more than once (rows {format_rows(values.index[dup])}).")
        y_all = numeric_column(values, column)
        name = column
        pos = pd.Series(np.arange(len(codes)), index=codes.to_numpy())
        _check_ids(set(codes), ids, id_col)
        order = pos.loc[ids].to_numpy()
        y = y_all[order]
        frame = values.iloc[order].copy()
        frame[id_col] = ids.to_numpy()
        lab = label_col or next((c for c in ("name_en", "name", "name_zh") if c in values.columns), None)
        if lab is not None:
            require_columns(values, [lab], "table")
            labels = pd.Series(values[lab].astype(str).to_numpy()[order], index=ids)
    elif isinstance(values, pd.Series):
        name = str(values.name) if values.name is not None else "value"
        idx = pd.Index([str(v) for v in values.index], dtype=object)
        if idx.duplicated().any():
            raise InputError(f"The index of `{what}` must be unique codes; {format_rows(sorted(set(idx[idx.duplicated()])))} repeat.")
        if set(idx) == set(ids):
            s = pd.Series(values.to_numpy(), index=idx).loc[ids]
        elif len(values) == n and not set(idx) & set(ids):
            raise InputError(f"The index of `{what}` holds no code of the weights (e.g. {idx[0]!r} vs "
                             f"{ids[0]!r}); index the Series by region code.")
        else:
            _check_ids(set(idx), ids, "index")
            s = pd.Series(values.to_numpy(), index=idx).loc[ids]
        y = numeric_column(s.rename(name).to_frame(), name, what=what)
    else:
        arr = np.asarray(values)
        if arr.ndim != 1:
            raise InputTypeError(f"`{what}` must be 1-D (a Series, array or a table with `column`); "
                                 f"an array of shape {arr.shape} was given.")
        if len(arr) != n:
            raise InputError(f"`{what}` has {len(arr)} values but the weights have {n} units.")
        name = "value"
        y = numeric_column(pd.DataFrame({name: arr}, index=ids), name, what=what)
    if np.nanstd(y) == 0 or np.ptp(y) == 0:
        raise InputError(f"{name!r} is constant ({y[0]:g} for every unit): Moran's I is undefined.")
    return _Aligned(y=np.asarray(y, dtype=float), ids=ids, frame=frame, name=name, labels=labels)


def _check_ids(have: set, ids: pd.Index, label: str):
    missing = [c for c in ids if c not in have]
    extra = sorted(have - set(ids))
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"no value for units {format_rows(missing)} of the weights")
        if extra:
            parts.append(f"codes {format_rows(extra)} are not in the weights")
        raise InputError(f"The values do not match the weights ({label}): " + "; ".join(parts) + ".")


@contextlib.contextmanager
def _legacy_seed(seed):
    """Seed numpy's global RNG (esda's global permutations use it), restoring it afterwards."""
    state = np.random.get_state()
    np.random.seed(seed_int(seed) if seed is not None else None)
    try:
        yield
    finally:
        np.random.set_state(state)


def _esda_transformation(graph) -> str:
    t = str(graph.transformation).upper()
    if t not in ("R", "B", "D", "V"):
        raise InputError(
            f"Moran's I here needs row-standardised ('r') or binary ('b') weights; these weights are "
            f"{t!r}. Build them with transform='r' (the default) or 'b'."
        )
    return t.lower()


def _sparse(graph):
    from scipy import sparse

    m = sparse.csr_matrix(graph.sparse, dtype=float)
    m.setdiag(0)
    m.eliminate_zeros()
    m.sort_indices()
    return m


def _standardise(y):
    z = y - y.mean()
    z = z / y.std()
    return z


def _weights_second(*old_positional):
    """Keep the older call ``f(values, weights, <old_positional>...)`` working.

    When the second positional argument is not a column name it is taken as the weights,
    and later positional arguments keep their old meaning (``old_positional`` names them).
    """
    import functools

    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            if len(args) >= 2 and args[1] is not None and not isinstance(args[1], str):
                if "weights" in kwargs:
                    raise InputTypeError(
                        f"{func.__name__}(): the second argument must be the column name (value=...) when "
                        f"`weights` is given; {type(args[1]).__name__} was given.")
                kwargs["weights"] = args[1]
                rest = args[2:]
                if len(rest) > len(old_positional):
                    raise InputTypeError(f"{func.__name__}() got too many positional arguments.")
                for name, v in zip(old_positional, rest):
                    if name in kwargs:
                        raise InputTypeError(f"{func.__name__}() got two values for {name!r}.")
                    kwargs[name] = v
                args = args[:1]
            return func(*args, **kwargs)

        return wrapper

    return decorate


def _value_weights(fname, df, value, weights):
    """Accept ``f(df, "col", weights=w)`` and the older ``f(series_or_df, w)``; clear errors otherwise."""
    if value is not None and not isinstance(value, str):
        if weights is not None:
            raise InputTypeError(
                f"{fname}(): the second argument must be the column name (value=...) when `weights` is given; "
                f"{type(value).__name__} was given.")
        value, weights = None, value
    if weights is None:
        raise InputTypeError(f"{fname}() needs `weights` (from build_weights), e.g. "
                             f"{fname}(df, value='beds', weights=w).")
    if isinstance(weights, (int, float, np.integer, np.floating)) and not isinstance(weights, bool):
        raise InputTypeError(f"{fname}(): `weights` must be spatial weights, not the number {weights!r}; "
                             f"pass permutations={weights!r} by name.")
    if value is not None and not isinstance(df, pd.DataFrame):
        raise InputTypeError(f"{fname}(): value={value!r} names a column, so `df` must be a table; "
                             f"{type(df).__name__} was given.")
    return value, weights


# --- global Moran ----------------------------------------------------------------------------


@dataclass(frozen=True, repr=False, eq=False)
class MoranResult(Result):
    """Global Moran's I with analytic and permutation inference.

    Attributes
    ----------
    I, EI : float
        Moran's I and its expectation under the null, ``-1 / (n - 1)``.
    VI_norm, z_norm, p_norm : float
        Variance, z and two-sided p under normality.
    VI_rand, z_rand, p_rand : float
        Variance, z and two-sided p under randomisation.
    p_sim, EI_sim, z_sim : float
        Folded permutation pseudo p, mean of the permuted I and z against them.
    permutations, n : int
        Permutations drawn and units.
    variable : str
        The variable analysed.
    z, lag : numpy.ndarray
        Standardised values and their spatial lag, in weights order.
    ids : pandas.Index
        Region codes, in weights order.
    labels : pandas.Series, optional
        Region names for plots.

    Examples
    --------
    >>> import pandas as pd
    >>> from spatialhealth.layers.weights import build_weights
    >>> w = build_weights(pd.DataFrame({"code": list("abcd"), "neighbour": list("badc")}))
    >>> res = moran(pd.Series([1.0, 1.5, 5, 6], index=list("abcd")), weights=w, permutations=0)
    >>> round(res.I, 3), res.n
    (0.933, 4)
    """

    I: float  # noqa: E741
    EI: float
    VI_norm: float
    z_norm: float
    p_norm: float
    VI_rand: float
    z_rand: float
    p_rand: float
    p_sim: float
    EI_sim: float
    z_sim: float
    permutations: int
    n: int
    variable: str
    z: np.ndarray = field(repr=False)
    lag: np.ndarray = field(repr=False)
    ids: pd.Index = field(repr=False)
    labels: pd.Series | None = field(default=None, repr=False)

    @property
    def frame(self) -> pd.DataFrame:
        cols = ["I", "EI", "VI_norm", "z_norm", "p_norm", "VI_rand", "z_rand", "p_rand", "p_sim", "permutations", "n"]
        return pd.DataFrame([{"variable": self.variable, **{c: getattr(self, c) for c in cols}}])

    def summary(self) -> str:
        return _moran_summary(self.frame, f"Global Moran's I of {self.variable!r}")

    def plot(self, ax=None, labels: bool = False, **kwargs):
        """Moran scatter plot (see :func:`spatialhealth.layers.plots.moran_scatter`)."""
        from .plots import moran_scatter

        return moran_scatter(self, ax=ax, labels=labels, **kwargs)


def _moran_summary(df: pd.DataFrame, title: str, note: str | None = None) -> str:
    show = df.copy()
    for c in show.columns:
        if c.startswith(("p_",)):
            show[c] = show[c].map(lambda v: f"{v:.4f}")
        elif show[c].dtype.kind == "f":
            show[c] = show[c].map(lambda v: f"{v:.4f}")
    if note is None:
        note = ("p_norm/p_rand: two-sided analytic (normality / randomisation); "
                "p_sim: folded permutation pseudo p (esda convention)")
    return f"{title}\n{show.to_string(index=False)}\n{note}"


@_weights_second("permutations", "seed")
@renamed_kwargs(column="value", w="weights", id_col="region", label_col="label")
def moran(df, value=None, weights=None, permutations: int = 999, seed=None, *, region: str = "code",
          label: str | None = None) -> MoranResult:
    """Global Moran's I (esda) with normality, randomisation and permutation inference.

    Parameters
    ----------
    df : DataFrame with ``region`` and ``value`` columns, Series indexed by code, or 1-D array in weights order
    value : str
        The column analysed (tables only). ``moran(df, "col", weights=w)`` and the older
        ``moran(series, w)`` both work; ``column=``, ``w=``, ``id_col=`` are old spellings.
    weights : SpatialWeights or libpysal Graph (row-standardised or binary)
    permutations : int
        Random permutations for ``p_sim`` (0 to skip).
    seed : int or Generator
        The permutations are esda's (numpy's global RNG, seeded from ``seed`` and
        restored afterwards), so an integer seed gives identical results every run.
    region : str
        Region-code column of a table.
    label : str, optional
        Region-name column for plots.

    Returns
    -------
    MoranResult
        I with normality, randomisation and permutation inference.

    Examples
    --------
    >>> import pandas as pd
    >>> from spatialhealth.layers.weights import build_weights
    >>> t = pd.DataFrame({"code": list("abcd"), "neighbour": list("badc")})
    >>> res = moran(pd.Series([1.0, 1.5, 5, 6], index=list("abcd")), weights=build_weights(t), permutations=0)
    >>> round(res.I, 3)
    0.933
    """
    import esda

    value, weights = _value_weights("moran", df, value, weights)
    _check_permutations(permutations)
    graph = as_graph(weights)
    a = _align(df, graph, value, region, label_col=label)
    with _legacy_seed(seed):
        m = esda.Moran(a.y, graph, transformation=_esda_transformation(graph), permutations=permutations)
    z = _standardise(a.y)
    return MoranResult(
        I=float(m.I), EI=float(m.EI), VI_norm=float(m.VI_norm), z_norm=float(m.z_norm), p_norm=float(m.p_norm),
        VI_rand=float(m.VI_rand), z_rand=float(m.z_rand), p_rand=float(m.p_rand),
        p_sim=float(m.p_sim) if permutations else np.nan,
        EI_sim=float(m.EI_sim) if permutations else np.nan,
        z_sim=float(m.z_sim) if permutations else np.nan,
        permutations=int(permutations), n=int(m.n), variable=a.name, z=z, lag=_sparse(graph) @ z, ids=a.ids,
        labels=_labels(a, weights),
    )


def _labels(a: _Aligned, weights):
    if a.labels is not None:
        return a.labels
    if isinstance(weights, SpatialWeights) and weights.names:
        return pd.Series([weights.names.get(c, c) for c in a.ids], index=a.ids)
    return None


def _check_permutations(permutations):
    if not isinstance(permutations, (int, np.integer)) or isinstance(permutations, bool) or permutations < 0:
        raise InputError(f"`permutations` must be a non-negative integer; {permutations!r} was given.")


@dataclass(frozen=True, repr=False, eq=False, kw_only=True)
class MoranPanelResult(Result):
    """Global Moran's I per year: ``.frame`` has one row per year.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per year: I, its expectation, z and p values as in :class:`MoranResult`.
    variable : str
        The variable analysed.

    Examples
    --------
    >>> import pandas as pd
    >>> from spatialhealth.layers.weights import build_weights
    >>> w = build_weights(pd.DataFrame({"code": list("abcd"), "neighbour": list("badc")}))
    >>> long = pd.DataFrame({"code": list("abcd") * 2, "year": [2020] * 4 + [2021] * 4,
    ...                      "x": [1.0, 1.5, 5, 6, 2, 1, 3, 9]})
    >>> len(moran_panel(long, "x", w, permutations=0).frame)
    2
    """

    frame: pd.DataFrame = None  # a field (the default only shadows Result.frame)
    variable: str

    def summary(self) -> str:
        return _moran_summary(self.frame, f"Global Moran's I of {self.variable!r} by year")

    def plot(self, ax=None):
        """I by year with significance (p_sim < 0.05) marked."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 3.5))
        f = self.frame
        ax.plot(f.iloc[:, 0], f["I"], marker="o", color="0.3")
        sig = f["p_sim"] < 0.05 if f["p_sim"].notna().any() else f["p_rand"] < 0.05
        ax.scatter(f.iloc[:, 0][sig], f["I"][sig], color="firebrick", zorder=3, label="p < 0.05")
        ax.axhline(f["EI"].iloc[0], color="0.6", lw=0.8, ls="--", label="E[I]")
        ax.set_xlabel(f.columns[0])
        ax.set_ylabel("Moran's I")
        ax.legend(frameon=False)
        return ax


@renamed_kwargs(data="df", column="value", w="weights", year_col="period", id_col="region")
def moran_panel(df: pd.DataFrame, value: str | None = None, weights=None, *, period: str = "year",
                region: str = "code", permutations: int = 999, seed=None) -> MoranPanelResult:
    """Global Moran's I for each year of a long table (one row per region and year).

    Every year must cover exactly the units of ``weights``. Each year gets its own
    seed drawn from ``seed``, so results do not depend on which years are present.

    Parameters
    ----------
    df : pandas.DataFrame
        Long table, one row per region and year.
    value : str
        The variable analysed.
    weights : SpatialWeights or libpysal Graph
        Spatial weights.
    period : str
        Year column.
    region : str
        Region-code column.
    permutations : int
        Random permutations per year (0 to skip).
    seed : int or numpy.random.Generator, optional
        Seed of the yearly seeds.

    Returns
    -------
    MoranPanelResult
        One row per year.

    Examples
    --------
    >>> import pandas as pd
    >>> from spatialhealth.layers.weights import build_weights
    >>> w = build_weights(pd.DataFrame({"code": list("abcd"), "neighbour": list("badc")}))
    >>> long = pd.DataFrame({"code": list("abcd") * 2, "year": [2020] * 4 + [2021] * 4,
    ...                      "x": [1.0, 1.5, 5, 6, 2, 1, 3, 9]})
    >>> moran_panel(long, "x", w, permutations=0).frame["year"].tolist()
    [2020, 2021]
    """
    from .._random import as_generator

    if value is None or weights is None:
        raise InputTypeError("moran_panel() needs `value` (the column) and `weights`, e.g. "
                             "moran_panel(df, 'beds', weights=w, period='year').")
    require_columns(df, [region, period, value], "panel table")
    rng = as_generator(seed)
    rows = []
    for year, part in df.groupby(period, sort=True):
        res = moran(part, value, weights=weights, permutations=permutations, seed=int(rng.integers(0, 2**31 - 1)),
                    region=region)
        rows.append({period: year, **res.frame.drop(columns=["variable"]).iloc[0].to_dict()})
    frame = pd.DataFrame(rows)
    frame["permutations"] = frame["permutations"].astype(int)
    frame["n"] = frame["n"].astype(int)
    return MoranPanelResult(frame=frame, variable=value)


@dataclass(frozen=True, repr=False, eq=False)
class MoranBVResult(Result):
    """Bivariate Moran's I of x against the spatial lag of y (esda.Moran_BV).

    Only permutation inference exists for it: ``p_sim`` (folded), ``z_sim``, ``p_z_sim``.

    Attributes
    ----------
    I : float
        Bivariate Moran's I.
    p_sim, EI_sim, z_sim, p_z_sim : float
        Folded permutation pseudo p, mean of the permuted I, z and its p.
    permutations, n : int
        Permutations drawn and units.
    x, y : str
        The variables.
    z, lag : numpy.ndarray
        Standardised x and the spatial lag of standardised y, in weights order.
    ids : pandas.Index
        Region codes, in weights order.
    labels : pandas.Series, optional
        Region names for plots.

    Examples
    --------
    >>> import pandas as pd
    >>> from spatialhealth.layers.weights import build_weights
    >>> w = build_weights(pd.DataFrame({"code": list("abcd"), "neighbour": list("badc")}))
    >>> x = pd.Series([1.0, 1.5, 5, 6], index=list("abcd"))
    >>> y = pd.Series([2.0, 1.0, 7, 5], index=list("abcd"))
    >>> round(moran_bv(x, y, w, permutations=99, seed=1).I, 3)
    0.988
    """

    I: float  # noqa: E741
    p_sim: float
    EI_sim: float
    z_sim: float
    p_z_sim: float
    permutations: int
    n: int
    x: str
    y: str
    z: np.ndarray = field(repr=False)
    lag: np.ndarray = field(repr=False)
    ids: pd.Index = field(repr=False)
    labels: pd.Series | None = field(default=None, repr=False)

    @property
    def variable(self) -> str:
        return f"{self.x} vs lag of {self.y}"

    @property
    def frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"x": self.x, "y": self.y, "I": self.I, "EI_sim": self.EI_sim, "z_sim": self.z_sim,
                              "p_z_sim": self.p_z_sim, "p_sim": self.p_sim, "permutations": self.permutations,
                              "n": self.n}])

    def summary(self) -> str:
        return _moran_summary(self.frame, f"Bivariate Moran's I: {self.x!r} against the spatial lag of {self.y!r}",
                              "p_sim: folded permutation pseudo p (esda convention); z_sim, p_z_sim: from the "
                              "permutation mean and variance (one-sided)")

    def plot(self, ax=None, labels: bool = False, **kwargs):
        from .plots import moran_scatter

        return moran_scatter(self, ax=ax, labels=labels, **kwargs)


def _pair(x, y, data, weights, id_col, label_col, light=False):
    graph = as_links(weights) if light else as_graph(weights)
    if data is not None:
        ax = _align(data, graph, x, id_col, "data", label_col)
        ay = _align(data, graph, y, id_col, "data", label_col)
    else:
        ax = _align(x, graph, None, id_col, "x")
        ay = _align(y, graph, None, id_col, "y")
    return graph, ax, ay


def _df_first(func):
    """Also accept the package's vocabulary for bivariate statistics: ``f(df, x=, y=, weights=, region=)``.

    The older form ``f(x, y, weights, data=df, id_col=)`` keeps working unchanged.
    """
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if args and isinstance(args[0], pd.DataFrame):
            df, rest = args[0], list(args[1:])
            if "data" in kwargs:
                raise InputTypeError(f"{func.__name__}(): give the table once, as `df` or as `data=`.")
            names = ["x", "y", "weights"]
            for name, value in zip(names, rest[:3]):
                if name in kwargs:
                    raise InputTypeError(f"{func.__name__}() got {name!r} twice.")
                kwargs[name] = value
            args = tuple(rest[3:])
            kwargs["data"] = df
            if "region" in kwargs:
                kwargs["id_col"] = kwargs.pop("region")
            return func(kwargs.pop("x"), kwargs.pop("y"), kwargs.pop("weights", None), *args, **kwargs)
        return func(*args, **kwargs)

    return wrapper


@_df_first
def moran_bv(x, y, weights, permutations: int = 999, seed=None, *, data: pd.DataFrame | None = None,
             id_col: str = "code", label_col: str | None = None) -> MoranBVResult:
    """Bivariate Moran's I: x against the spatial lag of y (esda.Moran_BV).

    ``x`` and ``y`` are column names of ``data``, or Series/arrays as in :func:`moran`.

    Parameters
    ----------
    x, y : str, pandas.Series or array_like
        The two variables.
    weights : SpatialWeights or libpysal Graph
        Spatial weights.
    permutations : int
        Random permutations for ``p_sim``.
    seed : int or numpy.random.Generator, optional
        Seed of the permutations.
    data : pandas.DataFrame, optional
        Table holding ``x`` and ``y``.
    id_col : str
        Region-code column of ``data``.
    label_col : str, optional
        Region-name column for plots.

    Returns
    -------
    MoranBVResult
        I with permutation inference.

    Examples
    --------
    >>> import pandas as pd
    >>> from spatialhealth.layers.weights import build_weights
    >>> w = build_weights(pd.DataFrame({"code": list("abcd"), "neighbour": list("badc")}))
    >>> x = pd.Series([1.0, 1.5, 5, 6], index=list("abcd"))
    >>> y = pd.Series([2.0, 1.0, 7, 5], index=list("abcd"))
    >>> round(moran_bv(x, y, w, permutations=99, seed=1).I, 3)
    0.988
    """
    import esda

    _check_permutations(permutations)
    graph, ax, ay = _pair(x, y, data, weights, id_col, label_col)
    with _legacy_seed(seed):
        m = esda.Moran_BV(ax.y, ay.y, graph, transformation=_esda_transformation(graph), permutations=permutations)
    zx, zy = _standardise(ax.y), _standardise(ay.y)
    has = bool(permutations)
    return MoranBVResult(
        I=float(m.I), p_sim=float(m.p_sim) if has else np.nan, EI_sim=float(m.EI_sim) if has else np.nan,
        z_sim=float(m.z_sim) if has else np.nan, p_z_sim=float(m.p_z_sim) if has else np.nan,
        permutations=int(permutations), n=len(ax.y), x=ax.name, y=ay.name, z=zx, lag=_sparse(graph) @ zy,
        ids=ax.ids, labels=_labels(ax, weights),
    )


# --- local Moran ---------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False, eq=False, kw_only=True)
class LisaResult(Result):
    """Local Moran's I (LISA) per unit.

    ``frame`` (a GeoDataFrame when the input had geometries) has one row per unit in
    weights order: ``code``, the analysed value, ``z``, ``lag`` (spatial lag of z, or of
    z_y for bivariate), ``Ii``, ``EI``, ``VI`` (total-randomisation moments), ``EI_sim``,
    ``z_sim``, ``p_sim`` (folded conditional-permutation pseudo p), ``p_adj`` (after
    ``adjust``), ``quadrant`` (HH/LH/LL/HL, first letter the unit's own value), ``significant``
    and ``cluster`` (quadrant if significant, else ``"ns"``), ``map_class`` (as ``cluster``,
    but ``"neighborless"`` for units without neighbours, GeoDa's separate class),
    ``significance`` (GeoDa's significance map: ``"0.001"``, ``"0.01"``, ``"0.05"`` for the
    smallest level the adjusted p falls below, ``"ns"``, ``"neighborless"``), plus the
    input's other columns.

    Attributes
    ----------
    frame : pandas.DataFrame or geopandas.GeoDataFrame
        One row per unit, as above.
    variable : str
        The variable analysed.
    alpha : float
        Significance level.
    adjust : str or None
        Multiple-testing adjustment of ``p_adj``.
    permutations : int
        Conditional permutations drawn.
    engine : str
        The permutation engine used.
    islands : tuple
        Codes of the units without neighbours.
    bivariate : bool
        A bivariate LISA (:func:`lisa_bv`).

    Examples
    --------
    >>> import pandas as pd
    >>> from spatialhealth.layers.weights import build_weights
    >>> w = build_weights(pd.DataFrame({"code": list("abcd"), "neighbour": list("badc")}))
    >>> res = lisa(pd.Series([1.0, 1.5, 5, 6], index=list("abcd")), w, permutations=99, seed=1)
    >>> res.frame["quadrant"].tolist()
    ['LL', 'LL', 'HH', 'HH']
    """

    frame: pd.DataFrame = None  # a field (the default only shadows Result.frame)
    variable: str
    alpha: float
    adjust: str | None
    permutations: int
    engine: str
    islands: tuple
    bivariate: bool = False

    @property
    def Ii(self) -> np.ndarray:  # noqa: N802
        return self.frame["Ii"].to_numpy()

    @property
    def p_sim(self) -> np.ndarray:
        return self.frame["p_sim"].to_numpy()

    @property
    def counts(self) -> pd.Series:
        """Units per cluster label (HH, LH, LL, HL, ns)."""
        return self.frame["cluster"].value_counts().reindex(list(QUADRANTS) + ["ns"], fill_value=0)

    def summary(self) -> str:
        adj = {None: "no adjustment", "bonferroni": "Bonferroni", "fdr": "Benjamini-Hochberg FDR"}[self.adjust]
        lines = [f"Local Moran (LISA) of {self.variable!r}: {len(self.frame)} units, {self.permutations} "
                 f"conditional permutations, p < {self.alpha:g} ({adj})"]
        for label, cnt in self.counts.items():
            lines.append(f"  {label:<3} {cnt:>6}")
        if self.islands:
            lines.append(f"  islands without a local statistic (ns): {format_rows(self.islands)}")
        return "\n".join(lines)

    def plot(self, ax=None, **kwargs):
        """Static cluster map (needs geometries), see :func:`spatialhealth.layers.plots.lisa_cluster_map`."""
        from .plots import lisa_cluster_map

        return lisa_cluster_map(self, ax=ax, **kwargs)

    def to_file(self, path):
        """Write ``.frame`` by suffix: .csv (UTF-8 with BOM), .xlsx, .parquet, or with geometries
        .gpkg (only that layer is replaced), .geojson, .shp.

        Parameters
        ----------
        path : str or pathlib.Path

        Returns
        -------
        pathlib.Path
        """
        from pathlib import Path

        from .._io import atomic_path
        from .._results import TABLE_SUFFIXES, write_table

        path = Path(path)
        suffix = path.suffix.lower()
        if suffix in TABLE_SUFFIXES:
            return write_table(self.frame, path)
        driver = {".geojson": "GeoJSON", ".json": "GeoJSON", ".shp": "ESRI Shapefile"}
        one_of(suffix, tuple(driver) + TABLE_SUFFIXES, "file suffix")
        if "geometry" not in self.frame.columns:
            raise InputError(f"{suffix} needs geometries; the LISA input had none. Use .csv, .xlsx or .parquet.")
        with atomic_path(path) as tmp:
            tmp.unlink()
            kw = {"layer": path.stem} if suffix == ".shp" else {}
            self.frame.to_file(tmp, driver=driver[suffix], **kw)
        return path


def adjust_pvalues(p: np.ndarray, method: str | None) -> np.ndarray:
    """Bonferroni or Benjamini–Hochberg adjusted p-values; NaN entries are left out and kept NaN.

    Parameters
    ----------
    p : numpy.ndarray
        The p-values.
    method : {None, "none", "bonferroni", "fdr"}
        The adjustment (``None``/``"none"``: unchanged).

    Returns
    -------
    numpy.ndarray
        Adjusted p-values, at most 1.

    Examples
    --------
    >>> adjust_pvalues(np.array([0.01, 0.04, 0.03]), "fdr").round(3).tolist()
    [0.03, 0.04, 0.04]
    """
    one_of(method, ADJUSTMENTS, "adjust")
    p = np.asarray(p, dtype=float)
    out = p.copy()
    ok = ~np.isnan(p)
    m = int(ok.sum())
    if method is None or m == 0:
        return out
    q = p[ok]
    if method == "bonferroni":
        out[ok] = np.minimum(q * m, 1.0)
        return out
    order = np.argsort(q, kind="mergesort")
    ranked = q[order] * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    adj = np.empty(m)
    adj[order] = np.minimum(ranked, 1.0)
    out[ok] = adj
    return out


def _local(zx, zy, graph, permutations, seed, engine, draws="shared", ties="tolerance"):
    """Local (bivariate when zy is not zx) Moran statistics and conditional-permutation p."""
    from . import _kernels

    one_of(draws, ("shared", "per_site"), "draws")
    one_of(ties, ("tolerance", "esda"), "ties")

    W = _sparse(graph)
    n = len(zx)
    lag = W @ zy
    den = (zx * zx).sum()
    Ii = (n - 1) * zx * lag / den
    card = np.diff(W.indptr)
    wi = np.asarray(W.sum(axis=1)).ravel()
    wi2 = np.asarray(W.multiply(W).sum(axis=1)).ravel()
    m2 = den / n
    m4 = (zx**4).sum() / n
    b2 = m4 / m2**2
    n1 = n - 1
    EI = -wi / n1
    VI = wi2 * (n - b2) / n1 + (wi**2 - wi2) * (2 * b2 - n) / (n1 * (n - 2)) - (-wi / n1) ** 2
    p = np.full(n, np.nan)
    mean = np.full(n, np.nan)
    sd = np.full(n, np.nan)
    if permutations:
        kmax = int(card.max()) if n else 0
        if kmax > 0:
            s = seed_int(seed) if not isinstance(seed, (int, np.integer)) else int(seed)
            if draws == "per_site" or ties == "tolerance":
                from .local import conditional_p

                absw = np.asarray(abs(W).sum(axis=1)).ravel()
                bound = np.abs(zx) * (n1 / den) * absw * np.abs(zy).max()
                p, mean, sd = conditional_p(0, zx, zy, W, np.zeros(n), n1 / den, Ii, bound,
                                            permutations=permutations, seed=s, draws=draws, ties=ties,
                                            exact_draws=engine == "esda-draws")
            elif engine == "esda-draws":
                perm = _kernels.esda_permutation_set(kmax, n, permutations, s)
                kernel = _kernels.conditional_pseudo_p_blas
            else:
                perm = _kernels.sample_permutation_set(kmax, n, permutations, s)
                kernel = _kernels.conditional_pseudo_p
            if draws == "shared" and ties == "esda":
                p, mean, sd = kernel(
                    np.ascontiguousarray(zx), np.ascontiguousarray(zy), W.indptr.astype(np.int64),
                    W.data.astype(np.float64), perm, float(n1 / den), Ii,
                )
    islands = card == 0
    return lag, Ii, EI, VI, p, mean, sd, islands


def _quadrants(zx, lag, islands):
    q = np.where(zx > 0, np.where(lag > 0, "HH", "HL"), np.where(lag > 0, "LH", "LL")).astype(object)
    q[islands] = None
    return q


def _lisa_frame(a, zx, lag, Ii, EI, VI, p, mean, sd, islands, alpha, adjust, value_cols):
    # stats.norm.sf(x) is ndtr(-x); scipy.stats takes ~0.4 s to import
    from scipy.special import ndtr

    Ii = Ii.astype(float).copy()
    Ii[islands] = np.nan
    p = p.copy()
    p[islands] = np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        z_sim = (Ii - mean) / sd
    p_z_sim = ndtr(-np.abs(z_sim))
    p_adj = adjust_pvalues(p, adjust)
    quadrant = _quadrants(zx, lag, islands)
    significant = np.where(np.isnan(p_adj), False, p_adj < alpha)
    cluster = np.where(significant, quadrant, "ns").astype(object)
    map_class = cluster.copy()
    map_class[islands] = "neighborless"
    significance = np.full(len(p_adj), "ns", dtype=object)
    for level in (0.05, 0.01, 0.001):
        significance[np.where(np.isnan(p_adj), False, p_adj < level)] = f"{level:g}"
    significance[islands] = "neighborless"
    cols = {"code": a.ids.to_numpy(), **value_cols, "z": zx, "lag": lag, "Ii": Ii, "EI": np.where(islands, np.nan, EI),
            "VI": np.where(islands, np.nan, VI), "EI_sim": mean, "z_sim": z_sim, "p_z_sim": p_z_sim, "p_sim": p,
            "p_adj": p_adj, "quadrant": pd.array(quadrant, dtype=object), "significant": significant,
            "cluster": cluster, "map_class": map_class, "significance": significance}
    out = pd.DataFrame(cols)
    if a.labels is not None:
        out.insert(1, "label", a.labels.to_numpy())
    if a.frame is not None:
        extra = a.frame.drop(columns=[c for c in a.frame.columns if c in out.columns], errors="ignore")
        extra = extra.reset_index(drop=True)
        out = pd.concat([out, extra], axis=1)
        geom = getattr(a.frame, "geometry", None) if hasattr(a.frame, "geometry") else None
        if geom is not None and "geometry" in out.columns:
            import geopandas as gpd

            out = gpd.GeoDataFrame(out, geometry="geometry", crs=a.frame.crs)
    return out


def _engine_for(n, engine):
    one_of(engine, ("auto", "esda-draws", "sampled", "esda"), "engine")
    if engine == "auto":
        return "esda-draws" if n <= ESDA_DRAW_MAX_N else "sampled"
    return engine


def _check_alpha(alpha):
    if not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
        raise InputError(f"`alpha` must be a number between 0 and 1; {alpha!r} was given.")


@_weights_second("permutations", "alpha", "adjust", "seed")
@renamed_kwargs(column="value", w="weights", id_col="region", label_col="label")
def lisa(df, value=None, weights=None, permutations: int = 999, alpha: float = 0.05, adjust: str | None = None,
         seed=None, *, region: str = "code", label: str | None = None, engine: str = "auto", draws: str = "shared",
         ties: str = "tolerance") -> LisaResult:
    """Local Moran's I (LISA) with conditional-permutation pseudo p-values and cluster labels.

    Parameters
    ----------
    df : (Geo)DataFrame with ``region`` and ``value``, Series indexed by code, or 1-D array in weights order
        With a GeoDataFrame, ``.frame`` is a GeoDataFrame with its geometry and columns.
    value : str
        Column analysed (``column=`` is the old spelling); ``lisa(series, w)`` also works.
    weights : SpatialWeights or libpysal Graph
        Used as given (row-standardised by :func:`build_weights` by default); esda's
        own default would row-standardise any weights first.
    permutations : int
        Conditional permutations (0: analytic moments only, p_sim missing).
    alpha : float
        Significance level; a unit is significant when its (adjusted) p < alpha.
    adjust : None, "bonferroni" or "fdr"
        Multiple-testing adjustment over the units with a statistic.
    seed : int or Generator
    engine : {"auto", "esda-draws", "sampled", "esda"}
        ``"esda-draws"``: our kernel with esda's exact permutation draws (identical p to
        esda for the same integer seed; O(permutations x n) extra to draw them);
        ``"sampled"``: our kernel with O(permutations x k) draws (any n);
        ``"auto"``: esda-draws up to :data:`ESDA_DRAW_MAX_N` units, sampled above;
        ``"esda"``: call ``esda.Moran_Local`` itself (quadratic time; its numba code is
        compiled anew in every process, which takes tens of seconds).
    draws : {"shared", "per_site"}
        ``"shared"`` (default, esda's): one set of draws for every site, so neighbouring
        p-values are correlated and the whole significance map shifts with the seed;
        ``"per_site"``: independent draws per site at the same linear cost (see
        :mod:`spatialhealth.layers.local`).
    ties : {"tolerance", "esda"}
        ``"tolerance"`` (default): permuted statistics within a relative 1e-10 of the
        observed one count as ties on both sides of the fold, so exact permutation answers
        are recovered (a 3-unit map gives 0.5); ``"esda"``: esda's count, where ties are
        decided by floating-point rounding. Without ties both give the same p-values.

    Returns
    -------
    LisaResult

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from spatialhealth.layers.weights import build_weights
    >>> codes = [f"{i:02d}" for i in range(10)]
    >>> ring = pd.DataFrame({"code": codes + codes, "neighbour": codes[1:] + codes[:1] + codes[-1:] + codes[:-1]})
    >>> res = lisa(pd.Series(np.arange(10.0), index=codes), build_weights(ring), permutations=99, seed=0)
    >>> res.frame["quadrant"].tolist()[:3]
    ['LH', 'LL', 'LL']
    """
    value, weights = _value_weights("lisa", df, value, weights)
    _check_permutations(permutations)
    _check_alpha(alpha)
    one_of(adjust, ADJUSTMENTS, "adjust")
    graph = as_links(weights)  # codes and CSR only: libpysal is not imported for SpatialWeights
    a = _align(df, graph, value, region, label_col=label)
    if a.labels is None and isinstance(weights, SpatialWeights) and weights.names:
        a = _Aligned(a.y, a.ids, a.frame, a.name, _labels(a, weights))
    engine = _engine_for(len(a.y), engine)
    zx = _standardise(a.y)
    if engine == "esda":
        stats_ = _esda_local(a.y, None, as_graph(weights), permutations, seed)
    else:
        stats_ = _local(zx, zx, graph, permutations, seed, engine, draws, ties)
    lag, Ii, EI, VI, p, mean, sd, islands = stats_
    frame = _lisa_frame(a, zx, lag, Ii, EI, VI, p, mean, sd, islands, alpha, adjust, {a.name: a.y})
    return LisaResult(frame=frame, variable=a.name, alpha=alpha, adjust=adjust, permutations=permutations,
                      engine=engine, islands=tuple(a.ids[islands]))


@_df_first
def lisa_bv(x, y, weights, permutations: int = 999, alpha: float = 0.05, adjust: str | None = None, seed=None, *,
            data: pd.DataFrame | None = None, id_col: str = "code", label_col: str | None = None,
            engine: str = "auto", draws: str = "shared", ties: str = "tolerance") -> LisaResult:
    """Bivariate LISA: x at each unit against the spatial lag of y (as ``esda.Moran_Local_BV``).

    ``Ii = (n - 1) zx_i lag(zy)_i / sum zx^2``; the quadrant's first letter is x, the
    second the lag of y; conditional permutation draws y at the other sites. Same
    conventions and options as :func:`lisa`; ``EI``/``VI`` are not defined and are missing.

    Parameters
    ----------
    x, y : str, pandas.Series or array_like
        Column names of ``data``, or values as in :func:`moran`.
    weights : SpatialWeights or libpysal Graph
        Spatial weights.
    permutations, alpha, adjust, seed, engine, draws, ties
        As in :func:`lisa`.
    data : pandas.DataFrame, optional
        Table holding ``x`` and ``y``.
    id_col : str
        Region-code column of ``data``.
    label_col : str, optional
        Region-name column for plots.

    Returns
    -------
    LisaResult
        With ``bivariate=True``.

    Examples
    --------
    >>> import pandas as pd
    >>> from spatialhealth.layers.weights import build_weights
    >>> w = build_weights(pd.DataFrame({"code": list("abcd"), "neighbour": list("badc")}))
    >>> x = pd.Series([1.0, 1.5, 5, 6], index=list("abcd"))
    >>> y = pd.Series([2.0, 1.0, 7, 5], index=list("abcd"))
    >>> lisa_bv(x, y, w, permutations=99, seed=1).frame["quadrant"].tolist()
    ['LL', 'LL', 'HH', 'HH']
    """
    _check_permutations(permutations)
    _check_alpha(alpha)
    one_of(adjust, ADJUSTMENTS, "adjust")
    graph, ax, ay = _pair(x, y, data, weights, id_col, label_col, light=True)
    if ax.labels is None and isinstance(weights, SpatialWeights) and weights.names:
        ax = _Aligned(ax.y, ax.ids, ax.frame, ax.name, _labels(ax, weights))
    engine = _engine_for(len(ax.y), engine)
    zx, zy = _standardise(ax.y), _standardise(ay.y)
    if engine == "esda":
        stats_ = _esda_local(ax.y, ay.y, as_graph(weights), permutations, seed)
    else:
        stats_ = _local(zx, zy, graph, permutations, seed, engine, draws, ties)
    lag, Ii, EI, VI, p, mean, sd, islands = stats_
    nan = np.full(len(Ii), np.nan)
    cols = {ax.name: ax.y} if ax.name == ay.name else {ax.name: ax.y, ay.name: ay.y}
    frame = _lisa_frame(ax, zx, lag, Ii, nan, nan, p, mean, sd, islands, alpha, adjust, cols)
    return LisaResult(frame=frame, variable=f"{ax.name} vs lag of {ay.name}", alpha=alpha, adjust=adjust,
                      permutations=permutations, engine=engine, islands=tuple(ax.ids[islands]), bivariate=True)


def _esda_local(x, y, graph, permutations, seed):
    import esda

    t = _esda_transformation(graph)
    s = None if seed is None else (int(seed) if isinstance(seed, (int, np.integer)) else seed_int(seed))
    if y is None:
        m = esda.Moran_Local(x, graph, transformation=t, permutations=permutations, seed=s, keep_simulations=True)
        EI, VI = np.asarray(m.EI), np.asarray(m.VI)
    else:
        m = esda.Moran_Local_BV(x, y, graph, transformation=t, permutations=permutations, seed=s,
                                keep_simulations=True)
        EI = VI = np.full(len(x), np.nan)
    W = _sparse(graph)
    lag = W @ (m.z if y is None else m.zy)
    islands = np.diff(W.indptr) == 0
    if permutations:
        p, mean, sd = np.asarray(m.p_sim, float), np.asarray(m.EI_sim, float), np.asarray(m.seI_sim, float)
    else:
        p = mean = sd = np.full(len(x), np.nan)
    return lag, np.asarray(m.Is, float), EI, VI, p, mean, sd, islands
