"""Local statistics GeoDa offers besides LISA: Getis-Ord Gi/Gi*, local Geary (uni- and
multivariate) and join counts (global and local), on the linear conditional-permutation kernel.

Conventions (shared with :func:`spatialhealth.layers.autocorrelation.lisa`)
---------------------------------------------------------------------------
* The statistics are computed as esda computes them (``esda.G_Local``,
  ``esda.Geary_Local``, ``esda.Geary_Local_MV``, ``esda.Join_Counts_Local``), with the
  same weight transformations, so they agree with esda bit for bit.
* ``p_sim`` is the folded pseudo p-value of conditional randomisation: site i is held
  fixed, its neighbours' values are drawn from the other n - 1 sites, and
  ``p = (min(#{sim >= obs}, #{sim <= obs}) + 1) / (permutations + 1)``.
* ``ties="tolerance"`` (default): a permuted statistic within ``1e-10`` (relative to the
  largest value the site's statistic can take) of the observed one counts as equal, on both
  sides. Ties are exact in theory (the drawn neighbours are the real ones, or hold the same
  values) but floating-point sums in another order round differently; esda loses them to
  rounding, so on a 3-unit map it reports 0.001 where exact enumeration gives 0.5.
  ``ties="esda"`` reproduces esda's count (``#{sim >= obs}`` folded with ``P - that``).
* ``draws="shared"`` (default, esda's convention): one set of ``permutations`` draws is
  reused for every site. The p-values of neighbouring sites are then correlated and the
  whole significance map moves with the seed (on 2,000 units the number of significant
  units varied with standard deviation 27 over 5 seeds, against 4.6 with independent
  draws). ``draws="per_site"``: every site draws its own neighbours (same linear cost);
  use it when the count or the map of significant units is the result.
* With ``draws="shared"`` and up to :data:`~spatialhealth.layers.autocorrelation.ESDA_DRAW_MAX_N`
  units, the draws for an integer ``seed`` are exactly those of esda's
  ``crand(..., seed=seed)``, and the permuted statistics are formed as esda forms them, so
  with ``ties="esda"`` p-values equal esda's for the same draws.
* Units without neighbours (islands kept with ``islands="keep"``) have no local statistic
  and no p-value; their class is ``"neighborless"`` (never ``"ns"``).
* ``adjust`` = ``"fdr"`` (Benjamini–Hochberg) or ``"bonferroni"`` over the units that
  have a p-value; significance is ``p_adj < alpha``.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from spatialhealth.layers.weights import build_weights
>>> codes = [f"{i:02d}" for i in range(40)]
>>> ring = pd.DataFrame({"code": codes + codes,
...                      "neighbour": codes[1:] + codes[:1] + codes[-1:] + codes[:-1]})
>>> df = pd.DataFrame({"code": codes, "x": np.r_[np.ones(8) * 9, np.ones(32)] + np.arange(40) / 10})
>>> res = getis_ord(df, value="x", weights=build_weights(ring), permutations=999, seed=1)
>>> res.frame["hotspot"].iloc[3]
'hot 95%'
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._compat import renamed_kwargs
from .._random import seed_int
from .._results import Result
from .._validate import one_of
from ..errors import InputError, format_rows
from .autocorrelation import (
    ADJUSTMENTS,
    ESDA_DRAW_MAX_N,
    _align,
    _check_alpha,
    _check_permutations,
    _labels,
    _legacy_seed,
    adjust_pvalues,
)
from .weights import SpatialWeights, as_graph

DRAWS = ("shared", "per_site")
TIES = ("tolerance", "esda")
#: relative tolerance within which a permuted statistic ties the observed one
TIE_RTOL = 1e-10
#: class of a unit without neighbours, in every local result
NEIGHBORLESS = "neighborless"
#: Getis-Ord classes as ArcGIS reports them (Gi_Bin) and their labels
HOTSPOT_CLASSES = {3: "hot 99%", 2: "hot 95%", 1: "hot 90%", 0: "ns", -1: "cold 90%", -2: "cold 95%",
                   -3: "cold 99%"}
#: local Geary classes (esda's labels 1-4; GeoDa: High-High, Low-Low, Other positive, Negative)
GEARY_CLASSES = ("HH", "LL", "other positive", "negative", "ns", NEIGHBORLESS)
#: significance-map classes (GeoDa's): the smallest threshold the unit's p falls below
SIGNIFICANCE_LEVELS = (0.05, 0.01, 0.001)


# --- the permutation engine -------------------------------------------------------------------


def _seed(seed):
    if seed is None:
        return seed_int(None)
    return int(seed) if isinstance(seed, (int, np.integer)) else seed_int(seed)


def conditional_p(kind, zi, zsrc, W, selfw, scaling, observed, bound, *, permutations, seed, draws="shared",
                  ties="tolerance", exact_draws=None):
    """Folded conditional-permutation p-values, mean and sd of the permuted statistics.

    ``W``: CSR matrix without self weights (sorted indices); ``kind``: see
    :mod:`spatialhealth.layers._kernels`; ``bound``: per site, the largest absolute value
    the statistic can take (scales the tie tolerance). ``exact_draws``: True to draw
    esda's shared set and form statistics by BLAS as esda does; default up to
    :data:`ESDA_DRAW_MAX_N` units.

    Parameters
    ----------
    kind : int
        The local statistic (a code of :mod:`spatialhealth.layers._kernels`).
    zi, zsrc : numpy.ndarray
        The value at each site, and the values the neighbours are drawn from.
    W : scipy.sparse.csr_matrix
        Weights without self weights.
    selfw : numpy.ndarray
        Each site's weight on itself (Gi*), else zeros.
    scaling : float or numpy.ndarray
        Constant turning the weighted sums into the statistic.
    observed : numpy.ndarray
        The observed statistic at each site.
    bound : numpy.ndarray
        Largest absolute value of the statistic at each site.
    permutations : int
        Conditional permutations per site.
    seed : int or numpy.random.Generator
        Seed of the draws.
    draws : {"shared", "per_site"}
        One set of draws for all sites (esda's) or a set per site.
    ties : {"tolerance", "esda"}
        How permuted values equal to the observed one count.
    exact_draws : bool, optional
        See above.

    Returns
    -------
    p : numpy.ndarray
        Folded pseudo p-value per site.
    mean, sd : numpy.ndarray
        Mean and standard deviation of the permuted statistics per site.

    Examples
    --------
    Called by :func:`spatialhealth.layers.autocorrelation.lisa` and the local
    statistics of this module, e.g. for local Moran's I:

    >>> p, mean, sd = conditional_p(0, z, z, W, np.zeros(n), (n - 1) / (z @ z), Ii, bound,
    ...                             permutations=999, seed=1)  # doctest: +SKIP
    """
    from . import _kernels

    one_of(draws, DRAWS, "draws")
    one_of(ties, TIES, "ties")
    n = len(zi)
    nan = np.full(n, np.nan)
    card = np.diff(W.indptr)
    if not permutations or n < 2 or card.max() == 0:
        return nan, nan.copy(), nan.copy()
    s = _seed(seed)
    indptr = W.indptr.astype(np.int64)
    data = np.ascontiguousarray(W.data, dtype=np.float64)
    zi = np.ascontiguousarray(zi, dtype=np.float64)
    zsrc = np.ascontiguousarray(zsrc, dtype=np.float64)
    selfw = np.ascontiguousarray(selfw, dtype=np.float64)
    observed = np.ascontiguousarray(observed, dtype=np.float64)
    tol = np.ascontiguousarray(TIE_RTOL * np.abs(bound), dtype=np.float64)
    exact = ties == "tolerance"
    kmax = int(card.max())
    if draws == "per_site":
        dummy = np.zeros((1, 1), dtype=np.int64)
        return _kernels.conditional_generic(kind, zi, zsrc, indptr, data, selfw, dummy, int(permutations),
                                            float(scaling), observed, tol, exact, True, s)
    if exact_draws is None:
        exact_draws = n <= ESDA_DRAW_MAX_N
    if exact_draws:
        perm = _kernels.esda_permutation_set(kmax, n, int(permutations), s)
        return _kernels.conditional_shared_blas(kind, zi, zsrc, indptr, data, selfw, perm, float(scaling),
                                                observed, tol, exact)
    perm = _kernels.sample_permutation_set(kmax, n, int(permutations), s)
    return _kernels.conditional_generic(kind, zi, zsrc, indptr, data, selfw, perm, int(permutations),
                                        float(scaling), observed, tol, exact, False, s)


def _csr_no_diag(sparse):
    from scipy import sparse as sp

    m = sp.csr_matrix(sparse, dtype=float)
    diag = m.diagonal().copy()
    m.setdiag(0)
    m.eliminate_zeros()
    m.sort_indices()
    return m, diag


def _significance_class(p):
    """GeoDa's significance-map class: "0.001", "0.01", "0.05" or "ns" (missing: neighborless)."""
    out = np.full(len(p), "ns", dtype=object)
    for level in SIGNIFICANCE_LEVELS:
        out[np.where(np.isnan(p), False, p < level)] = f"{level:g}"
    out[np.isnan(p)] = NEIGHBORLESS
    return out


def _check_common(permutations, alpha, adjust, draws, ties):
    _check_permutations(permutations)
    _check_alpha(alpha)
    one_of(adjust, ADJUSTMENTS, "adjust")
    one_of(draws, DRAWS, "draws")
    one_of(ties, TIES, "ties")


def _attach(frame, a):
    """Add the label column and the input's other columns (geometry kept) to a result frame."""
    if a.labels is not None and "label" not in frame.columns:
        frame.insert(1, "label", a.labels.to_numpy())
    if a.frame is not None:
        extra = a.frame.drop(columns=[c for c in a.frame.columns if c in frame.columns], errors="ignore")
        frame = pd.concat([frame, extra.reset_index(drop=True)], axis=1)
        if hasattr(a.frame, "geometry") and "geometry" in frame.columns:
            import geopandas as gpd

            frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=a.frame.crs)
    return frame


def _aligned(df, value, weights, region, label):
    graph = as_graph(weights)
    if isinstance(df, pd.DataFrame) and value is None:
        raise InputError("`df` is a table: pass `value=`, the name of the column to analyse.")
    a = _align(df, graph, value, region, "df", label)
    if a.labels is None and isinstance(weights, SpatialWeights) and weights.names:
        from .autocorrelation import _Aligned

        a = _Aligned(a.y, a.ids, a.frame, a.name, _labels(a, weights))
    return graph, a


class LocalResult(Result):
    """Per-unit local statistics with permutation inference and classes.

    Attributes
    ----------
    frame : pandas.DataFrame or geopandas.GeoDataFrame
        One row per unit in weights order (columns listed by each function).
    statistic : str
        ``"Gi*"``, ``"Gi"``, ``"local Geary"``, ``"local join count"``.
    variable : str
    permutations, alpha, adjust, draws, ties, seed
        The inference settings used.
    class_column : str
        The column holding the map classes (``hotspot``, ``cluster``).
    """

    def __init__(self, frame, *, statistic, variable, permutations, alpha, adjust, draws, ties, seed,
                 class_column, classes, islands=()):
        self._frame = frame
        self.statistic = statistic
        self.variable = variable
        self.permutations = permutations
        self.alpha = alpha
        self.adjust = adjust
        self.draws = draws
        self.ties = ties
        self.seed = seed
        self.class_column = class_column
        self.classes = tuple(classes)
        self.islands = tuple(islands)

    @property
    def frame(self):
        return self._frame

    @property
    def counts(self) -> pd.Series:
        """Units per class, in :attr:`classes` order."""
        return self._frame[self.class_column].value_counts().reindex(list(self.classes), fill_value=0)

    def summary(self) -> str:
        adj = {None: "no adjustment", "bonferroni": "Bonferroni", "fdr": "Benjamini-Hochberg FDR"}[self.adjust]
        head = (f"{self.statistic} of {self.variable!r}: {len(self._frame)} units, {self.permutations} "
                f"conditional permutations ({self.draws} draws), alpha {self.alpha:g} ({adj})")
        lines = [head]
        for label, cnt in self.counts.items():
            lines.append(f"  {label:<16} {cnt:>6}")
        if self.islands:
            lines.append(f"  units without neighbours (no statistic): {format_rows(self.islands)}")
        return "\n".join(lines)

    def plot(self, ax=None, **kwargs):
        """Map of the classes (needs geometries)."""
        from .plots import class_map

        return class_map(self, ax=ax, **kwargs)


# --- Getis-Ord ----------------------------------------------------------------------------------


@renamed_kwargs(column="value", w="weights", id_col="region")
def getis_ord(df, *, value: str | None = None, weights=None, star: bool = True, permutations: int = 999,
              seed=None, adjust: str | None = None, alpha: float = 0.05, draws: str = "shared",
              ties: str = "tolerance", region: str = "code", label: str | None = None) -> LocalResult:
    """Getis-Ord local Gi (``star=False``) or Gi* (``star=True``) hot and cold spots.

    Parameters
    ----------
    df : DataFrame, Series or array
        A (Geo)DataFrame with ``region`` and ``value`` columns, a Series indexed by region
        code, or an array in weights order.
    value : str
        Column analysed (non-negative values such as rates or counts, as Gi assumes).
    weights : SpatialWeights or libpysal Graph
        Row-standardised (``"r"``) or binary (``"b"``); used with that transformation as
        ``esda.G_Local(..., transform=...)``. For Gi* each unit is its own neighbour with
        the largest weight of its row (1 for binary), then rows are standardised again,
        as esda does.
    star : bool
        Include the unit itself (Gi*, ArcGIS's Hot Spot Analysis) or not (Gi).
    permutations : int
        Conditional permutations (0: analytic z only).
    seed : int or Generator
    adjust : {None, "fdr", "bonferroni"}
    alpha : float
        Significance level of ``significant``.
    draws : {"shared", "per_site"}
    ties : {"tolerance", "esda"}
        See the module docstring.

    Returns
    -------
    LocalResult
        ``frame`` columns: ``code``, the value, ``G`` (esda's ``Gs``), ``EG``, ``VG``,
        ``z`` (esda's ``Zs``), ``p_norm`` (two-sided normal p of z; esda's one-sided value
        times 2), ``EG_sim``, ``seG_sim``, ``z_sim``, ``p_sim``, ``p_adj``, ``significant``,
        ``gi_bin`` (ArcGIS's classes +3/+2/+1 hot at 99/95/90 %, -1/-2/-3 cold, 0 not
        significant, from ``p_adj`` and the sign of ``G - EG``; with ``permutations=0`` from
        the two-sided normal p as ArcGIS does), ``hotspot`` (labels of
        :data:`HOTSPOT_CLASSES`, ``"neighborless"`` for islands), ``significance``
        (``"0.001"``, ``"0.01"``, ``"0.05"``, ``"ns"``).

    Examples
    --------
    >>> import pandas as pd
    >>> from spatialhealth.layers.weights import build_weights
    >>> t = pd.DataFrame({"code": list("abc"), "neighbour": list("bcd")})
    >>> w = build_weights(pd.concat([t, t.rename(columns={"code": "neighbour", "neighbour": "code"})]))
    >>> res = getis_ord(pd.Series([1.0, 2, 8, 9], index=list("abcd")), weights=w, permutations=0)
    >>> res.frame["G"].round(3).tolist()
    [0.075, 0.183, 0.317, 0.425]
    """
    from scipy import stats

    _check_common(permutations, alpha, adjust, draws, ties)
    graph, a = _aligned(df, value, weights, region, label)
    t = str(graph.transformation).upper()
    if t not in ("R", "B"):
        raise InputError(f"Getis-Ord needs row-standardised ('r') or binary ('b') weights; these are {t!r}.")
    y = a.y
    if (y < 0).any():
        raise InputError(f"Getis-Ord G assumes non-negative values; {a.name!r} has negative values at units "
                         f"{format_rows(a.ids[y < 0])}.")
    n = len(y)
    # weights exactly as esda.G_Local prepares them
    g = graph
    if star:
        rowmax = np.asarray(graph.sparse.max(axis=1).todense()).ravel() if t == "R" else 1
        g = g.assign_self_weight(rowmax)
    g = g.transform(t).transform(t)
    Wfull = g.sparse
    remove_self = not star
    N = n - remove_self
    statistic = (Wfull @ y) / (y.sum() - y * remove_self)
    empirical_mean = (y.sum() - y * remove_self) / N
    mean_of_squares = ((y**2).sum() - (y**2) * remove_self) / N
    empirical_variance = mean_of_squares - empirical_mean**2
    cardinality = np.asarray(Wfull.sum(axis=1)).squeeze()
    expected_value = cardinality / N
    expected_variance = cardinality * (N - cardinality)
    expected_variance /= N - 1
    expected_variance *= 1 / N**2
    expected_variance *= empirical_variance / (empirical_mean**2)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (statistic - expected_value) / np.sqrt(expected_variance)
    W, selfw = _csr_no_diag(Wfull)
    islands = np.diff(W.indptr) == 0
    absw = np.asarray(abs(W).sum(axis=1)).ravel()
    ymax = np.abs(y).max()
    if star:
        kind, scaling = 2, y.sum()
        bound = (absw * ymax + np.abs(selfw * y)) / abs(scaling)
    else:
        kind, scaling = 1, y.sum()
        with np.errstate(divide="ignore"):
            bound = absw * ymax / np.abs(scaling - y)
    p, mean, sd = conditional_p(kind, y, y, W, selfw, scaling, statistic, bound, permutations=permutations,
                                seed=seed, draws=draws, ties=ties)
    statistic = np.where(islands, np.nan, statistic)
    z = np.where(islands, np.nan, z)
    p_norm = 2 * stats.norm.sf(np.abs(z))
    with np.errstate(divide="ignore", invalid="ignore"):
        z_sim = (statistic - mean) / sd
    p_used = p if permutations else p_norm
    p_adj = adjust_pvalues(p_used, adjust)
    sign = np.sign(np.nan_to_num(z))
    level = np.zeros(n, dtype=int)
    for lv, cut in ((1, 0.10), (2, 0.05), (3, 0.01)):
        level[np.where(np.isnan(p_adj), False, p_adj < cut)] = lv
    gi_bin = (sign * level).astype(int)
    hotspot = np.array([HOTSPOT_CLASSES[b] for b in gi_bin], dtype=object)
    hotspot[islands] = NEIGHBORLESS
    frame = pd.DataFrame({
        "code": a.ids.to_numpy(), a.name: y, "G": statistic, "EG": np.where(islands, np.nan, expected_value),
        "VG": np.where(islands, np.nan, expected_variance), "z": z, "p_norm": p_norm, "EG_sim": mean,
        "seG_sim": sd, "z_sim": z_sim, "p_sim": p, "p_adj": p_adj,
        "significant": np.where(np.isnan(p_adj), False, p_adj < alpha), "gi_bin": gi_bin, "hotspot": hotspot,
        "significance": _significance_class(p_adj),
    })
    frame = _attach(frame, a)
    return LocalResult(frame, statistic="Gi*" if star else "Gi", variable=a.name, permutations=permutations,
                       alpha=alpha, adjust=adjust, draws=draws, ties=ties, seed=seed, class_column="hotspot",
                       classes=list(HOTSPOT_CLASSES.values()) + [NEIGHBORLESS], islands=a.ids[islands])


# --- local Geary ---------------------------------------------------------------------------------


def _groupby_sum(values, focal, ids):
    """Per-focal sums of link values as esda forms them (pandas groupby), in ``ids`` order."""
    s = pd.DataFrame(values).groupby(by=np.asarray(focal)).sum()
    return s.reindex(ids)


@renamed_kwargs(column="value", w="weights", id_col="region")
def local_geary(df, *, value=None, weights=None, permutations: int = 999, seed=None, adjust: str | None = None,
                alpha: float = 0.05, draws: str = "shared", ties: str = "tolerance", region: str = "code",
                label: str | None = None) -> LocalResult:
    """Local Geary's c (Anselin 2019), univariate or multivariate, as esda computes it.

    ``c_i = sum_j w_ij (z_i - z_j)^2`` on standardised values (population sd) and
    row-standardised weights (esda row-standardises whatever it is given); with several
    variables the average over variables (``esda.Geary_Local_MV``). Small values mean
    similar neighbours (positive association), large values dissimilar ones.

    Parameters
    ----------
    df : DataFrame, Series or array
    value : str or list of str
        One column (univariate) or several (multivariate).
    weights, permutations, seed, adjust, alpha, ties, region
        As :func:`getis_ord`.
    draws : {"shared", "per_site", "esda"}
        As :func:`getis_ord`; ``"esda"`` (multivariate) replays the draws of
        ``esda.Geary_Local_MV`` after ``np.random.seed(seed)`` (one shuffle of the other
        units per site, so effectively per-site draws; O(n^2), for checking against esda):
        with ``ties="esda"`` the p-values are esda's. Univariate, ``"esda"`` is
        ``"shared"`` (esda's ``Geary_Local`` draws are the shared set; its seed is what
        esda draws from numpy's global generator).

    Returns
    -------
    LocalResult
        ``frame`` columns: ``code``, the values, ``c`` (the statistic), ``EC_sim``,
        ``seC_sim``, ``z_sim``, ``p_sim``, ``p_adj``, ``significant``, ``cluster`` and
        ``significance``. ``cluster`` (univariate, esda's labels 1-4): ``"HH"`` (c below
        the mean of c and value above its mean, significant), ``"LL"`` (c below, value
        below), ``"negative"`` (c above its mean), ``"ns"``; multivariate:
        ``"positive"`` / ``"negative"`` / ``"ns"``; ``"neighborless"`` for islands. esda
        labels with ``p <= alpha``, here ``p < alpha`` as for LISA.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from spatialhealth.layers.weights import build_weights
    >>> codes = list("abcdef")
    >>> ring = pd.DataFrame({"code": codes + codes, "neighbour": codes[1:] + codes[:1] + codes[-1:] + codes[:-1]})
    >>> df = pd.DataFrame({"code": codes, "x": [1.0, 2, 3, 4, 5, 6]})
    >>> local_geary(df, value="x", weights=build_weights(ring), permutations=0).frame["c"].round(3).tolist()
    [4.457, 0.343, 0.343, 0.343, 0.343, 4.457]
    """
    from scipy import stats

    one_of(draws, (*DRAWS, "esda"), "draws")
    _check_common(permutations, alpha, adjust, "shared" if draws == "esda" else draws, ties)
    values = [value] if isinstance(value, str) or value is None else list(value)
    if not values:
        raise InputError("local_geary needs at least one column in `value`.")
    graph = as_graph(weights)
    aligned = [_aligned(df, v, weights, region, label)[1] for v in values]
    a = aligned[0]
    g = graph.transform("r")
    ids = pd.Index(g.unique_ids)
    adj = g.adjacency.drop(g.isolates).reset_index()
    W, _ = _csr_no_diag(g.sparse)
    islands = np.diff(W.indptr) == 0
    absw = np.asarray(abs(W).sum(axis=1)).ravel()
    n = len(a.y)
    pos = pd.Series(np.arange(n), index=ids)
    fi = pos.loc[adj.focal].to_numpy()
    fj = pos.loc[adj.neighbor].to_numpy()
    if len(values) == 1:
        x = a.y
        z = (x - np.mean(x)) / np.std(x)
        gs = adj.weight.to_numpy() * (z[fi] - z[fj]) ** 2
        c = _groupby_sum(pd.DataFrame({"gs": gs})["gs"], adj.focal, ids)["gs"].to_numpy()
        bound = absw * (np.abs(z) + np.abs(z).max()) ** 2
        p, mean, sd = conditional_p(3, z, z, W, np.zeros(n), 1.0, np.nan_to_num(c), bound,
                                    permutations=permutations, seed=seed,
                                    draws="shared" if draws == "esda" else draws, ties=ties)
    else:
        X = np.vstack([b.y for b in aligned])
        zv = stats.zscore(X, axis=1)
        gs = adj.weight.to_numpy() * (zv[:, fi] - zv[:, fj]) ** 2
        per = pd.DataFrame(gs).T.groupby(by=adj.focal.to_numpy()).sum().reindex(ids)
        c = np.array(per.sum(axis=1, numeric_only=True) / len(values))
        c = np.where(islands, np.nan, c)
        p, mean, sd = _geary_mv_p(zv, W, c, permutations, seed, draws, ties, absw)
    c = np.where(islands, np.nan, c)
    p = np.where(islands, np.nan, p)
    with np.errstate(divide="ignore", invalid="ignore"):
        z_sim = (c - mean) / sd
    p_adj = adjust_pvalues(p, adjust)
    sig = np.where(np.isnan(p_adj), False, p_adj < alpha)
    cmean = np.nanmean(c)
    if len(values) == 1:
        xmean = a.y.mean()
        cluster = np.where(c > cmean, "negative", np.where(a.y > xmean, "HH", "LL")).astype(object)
        classes = ["HH", "LL", "negative", "ns", NEIGHBORLESS]
    else:
        cluster = np.where(c > cmean, "negative", "positive").astype(object)
        classes = ["positive", "negative", "ns", NEIGHBORLESS]
    cluster[~sig] = "ns"
    cluster[islands] = NEIGHBORLESS
    cols = {"code": a.ids.to_numpy()}
    for b in aligned:
        cols[b.name] = b.y
    cols.update({"c": c, "EC_sim": mean, "seC_sim": sd, "z_sim": z_sim, "p_sim": p, "p_adj": p_adj,
                 "significant": sig, "cluster": cluster, "significance": _significance_class(p_adj)})
    frame = _attach(pd.DataFrame(cols), a)
    name = ", ".join(b.name for b in aligned)
    return LocalResult(frame, statistic="local Geary" + (" (multivariate)" if len(values) > 1 else ""),
                       variable=name, permutations=permutations, alpha=alpha, adjust=adjust, draws=draws, ties=ties,
                       seed=seed, class_column="cluster", classes=classes, islands=a.ids[islands])


def _geary_mv_p(zv, W, observed, permutations, seed, draws, ties, absw):
    """Multivariate local Geary: the kernel on each variable's squared differences, summed.

    The average over variables of per-variable sums ``sum_j w_ij (z_vi - z_vj)^2`` under
    the *same* draw of neighbours for every variable (esda draws one set per site too).
    """
    from . import _kernels

    one_of(draws, (*DRAWS, "esda"), "draws")
    n = zv.shape[1]
    nan = np.full(n, np.nan)
    card = np.diff(W.indptr)
    if not permutations or card.max() == 0:
        return nan, nan.copy(), nan.copy()
    s = _seed(seed)
    bound = absw * sum((np.abs(z) + np.abs(z).max()) ** 2 for z in zv) / len(zv)
    if draws == "esda":
        return _geary_mv_esda_draws(zv, W, observed, permutations, s, TIE_RTOL * bound, ties == "tolerance")
    perm = (_kernels.sample_permutation_set(int(card.max()), n, int(permutations), s) if draws == "shared"
            else np.zeros((1, 1), dtype=np.int64))
    return _kernels.conditional_geary_mv(np.ascontiguousarray(zv), W.indptr.astype(np.int64),
                                         np.ascontiguousarray(W.data, dtype=float), perm, int(permutations),
                                         np.ascontiguousarray(np.nan_to_num(observed)),
                                         TIE_RTOL * bound, ties == "tolerance", draws == "per_site", s)


def _geary_mv_esda_draws(zv, W, observed, permutations, seed, tol, exact_ties, block=256):
    """Replay esda's ``Geary_Local_MV`` draws: numpy's legacy Mersenne Twister seeded with ``seed``.

    esda draws ``permutations`` rows of ``permutation(n - 1)[:k_max + 1]`` once, then for
    every site i (in order) shuffles the n - 1 other site numbers and takes, per
    permutation, those at the drawn positions: effectively independent draws per site.
    Replaying the same calls on ``RandomState(seed)`` gives esda's draws after
    ``np.random.seed(seed)``; the statistics are then formed by
    :func:`~spatialhealth.layers._kernels.geary_mv_given_draws`. O(n^2) like esda.
    """
    from . import _kernels

    rs = np.random.RandomState(seed)
    n = zv.shape[1]
    card = np.diff(W.indptr)
    k = int(card.max()) + 1
    rids = np.array([rs.permutation(n - 1)[0:k] for _ in range(permutations)])
    ids = np.arange(n)
    zv = np.ascontiguousarray(zv, dtype=np.float64)
    indptr = W.indptr.astype(np.int64)
    data = np.ascontiguousarray(W.data, dtype=np.float64)
    observed = np.ascontiguousarray(np.nan_to_num(observed), dtype=np.float64)
    tol = np.ascontiguousarray(tol, dtype=np.float64)
    out = [np.empty(n), np.empty(n), np.empty(n)]
    for b0 in range(0, n, block):
        sites = np.arange(b0, min(n, b0 + block))
        picks = np.zeros((len(sites), permutations, k - 1), dtype=np.int64)
        for b, i in enumerate(sites):
            idsi = ids[ids != i]
            rs.shuffle(idsi)
            picks[b, :, :card[i]] = idsi[rids[:, 0:card[i]]]
        res = _kernels.geary_mv_given_draws(zv, indptr, data, sites, picks, observed, tol, exact_ties)
        for o, r in zip(out, res):
            o[sites] = r
    return tuple(out)


# --- join counts ----------------------------------------------------------------------------------


def _binary(a):
    y = a.y
    bad = ~np.isin(y, (0.0, 1.0))
    if bad.any():
        raise InputError(f"Join counts need binary values (0 or 1); {a.name!r} has "
                         f"{format_rows(sorted(set(y[bad].tolist())))} at units {format_rows(a.ids[bad])}.")
    return y


@renamed_kwargs(column="value", w="weights", id_col="region")
def join_counts_local(df, *, value=None, weights=None, permutations: int = 999, seed=None,
                      adjust: str | None = None, alpha: float = 0.05, draws: str = "shared",
                      ties: str = "tolerance", region: str = "code", label: str | None = None) -> LocalResult:
    """Local join counts (Anselin & Li 2019) for binary data, as ``esda.Join_Counts_Local``.

    ``BB_i = x_i sum_j w_ij x_j`` with binary weights: the number of neighbours that are 1
    around a unit that is 1. Only units with ``BB_i > 0`` have a p-value (as esda).

    Parameters
    ----------
    df, value, weights, permutations, seed, adjust, alpha, draws, ties, region
        As :func:`getis_ord`; ``value`` holds 0/1.

    Returns
    -------
    LocalResult
        ``frame`` columns: ``code``, the value, ``BB``, ``EBB_sim``, ``seBB_sim``, ``p_sim``,
        ``p_adj``, ``significant``, ``cluster`` (``"BB"`` significant cluster of ones,
        ``"ns"``, ``"neighborless"``) and ``significance``.

    Examples
    --------
    >>> import pandas as pd
    >>> from spatialhealth.layers.weights import build_weights
    >>> codes = list("abcdef")
    >>> ring = pd.DataFrame({"code": codes + codes, "neighbour": codes[1:] + codes[:1] + codes[-1:] + codes[:-1]})
    >>> df = pd.DataFrame({"code": codes, "hit": [1, 1, 1, 0, 0, 0]})
    >>> join_counts_local(df, value="hit", weights=build_weights(ring), permutations=0).frame["BB"].tolist()
    [1.0, 2.0, 1.0, 0.0, 0.0, 0.0]
    """
    _check_common(permutations, alpha, adjust, draws, ties)
    graph, a = _aligned(df, value, weights, region, label)
    y = _binary(a)
    g = graph.assign_self_weight(0).eliminate_zeros().transform("b")
    ids = pd.Index(g.unique_ids)
    adj = g.adjacency.drop(g.isolates).reset_index()
    pos = pd.Series(y, index=ids)
    focal = pos.loc[adj.focal].to_numpy()
    neighbor = pos.loc[adj.neighbor].to_numpy()
    both = ((focal == 1) & (neighbor == 1)).astype("uint8")
    bb = _groupby_sum(pd.Series(both, name="bb"), adj.focal, ids)["bb"].to_numpy(dtype=float)
    W, selfw = _csr_no_diag(g.sparse)
    islands = np.diff(W.indptr) == 0
    absw = np.asarray(abs(W).sum(axis=1)).ravel()
    p, mean, sd = conditional_p(4, y, y, W, selfw, 1.0, np.nan_to_num(bb), absw, permutations=permutations,
                                seed=seed, draws=draws, ties=ties)
    bb = np.where(islands, np.nan, bb)
    p = np.where(islands | (bb == 0), np.nan, p)
    p_adj = adjust_pvalues(p, adjust)
    sig = np.where(np.isnan(p_adj), False, p_adj < alpha)
    cluster = np.where(sig, "BB", "ns").astype(object)
    cluster[islands] = NEIGHBORLESS
    significance = _significance_class(p_adj)
    significance[~islands & np.isnan(p_adj)] = "ns"
    frame = pd.DataFrame({"code": a.ids.to_numpy(), a.name: y, "BB": bb, "EBB_sim": mean, "seBB_sim": sd,
                          "p_sim": p, "p_adj": p_adj, "significant": sig, "cluster": cluster,
                          "significance": significance})
    frame = _attach(frame, a)
    return LocalResult(frame, statistic="local join count", variable=a.name, permutations=permutations, alpha=alpha,
                       adjust=adjust, draws=draws, ties=ties, seed=seed, class_column="cluster",
                       classes=["BB", "ns", NEIGHBORLESS], islands=a.ids[islands])


class JoinCountsResult(Result):
    """Global join counts for binary data (``esda.Join_Counts``).

    Attributes
    ----------
    bb, ww, bw, J : float
        1-1 joins, 0-0 joins, 1-0 joins and all joins.
    chi2, chi2_p : float
        Contingency test of focal vs neighbour class.
    p_sim_bb, p_sim_bw : float
        One-sided permutation p: share of permutations with at least as many joins.
    mean_bb, mean_bw : float
        Means of the permuted counts.
    permutations : int
        Permutations drawn.
    variable : str
        The variable analysed.

    Examples
    --------
    >>> import pandas as pd
    >>> from spatialhealth.layers.weights import build_weights
    >>> w = build_weights(pd.DataFrame({"code": list("abcd"), "neighbour": list("badc")}))
    >>> j = join_counts(pd.Series([1, 1, 0, 0], index=list("abcd")), weights=w, permutations=99, seed=1)
    >>> j.bb, j.ww, j.bw, j.J
    (1.0, 1.0, 0.0, 2.0)
    """

    def __init__(self, **kw):
        self.__dict__.update(kw)

    @property
    def frame(self):
        keys = ["bb", "ww", "bw", "J", "chi2", "chi2_p", "mean_bb", "p_sim_bb", "mean_bw", "p_sim_bw",
                "permutations"]
        return pd.DataFrame([{"variable": self.variable, **{k: getattr(self, k) for k in keys}}])

    def summary(self) -> str:
        f = self.frame.iloc[0]
        return (f"Join counts of {self.variable!r} ({int(f.J)} joins): BB {f.bb:g}, WW {f.ww:g}, BW {f.bw:g}\n"
                f"  permutation p (at least as many joins, {self.permutations} permutations): "
                f"BB {f.p_sim_bb:.4f}, BW {f.p_sim_bw:.4f}\n"
                f"  chi-square {f.chi2:.3f}, p {f.chi2_p:.4f}")


@renamed_kwargs(column="value", w="weights", id_col="region")
def join_counts(df, *, value=None, weights=None, permutations: int = 999, seed=None,
                region: str = "code", label: str | None = None) -> JoinCountsResult:
    """Global join counts (BB, WW, BW) with permutation inference, as ``esda.Join_Counts``.

    Parameters
    ----------
    df, value, weights, region
        As :func:`getis_ord`; ``value`` holds 0/1. Weights are used as binary.
    permutations : int
        Random permutations of the values (esda's, from numpy's global generator seeded
        with ``seed`` and restored afterwards, so an integer seed reproduces esda run
        after ``numpy.random.seed(seed)``).
    seed : int or Generator

    Returns
    -------
    JoinCountsResult

    Examples
    --------
    >>> import pandas as pd
    >>> from spatialhealth.layers.weights import build_weights
    >>> codes = list("abcdef")
    >>> ring = pd.DataFrame({"code": codes + codes, "neighbour": codes[1:] + codes[:1] + codes[-1:] + codes[:-1]})
    >>> df = pd.DataFrame({"code": codes, "hit": [1, 1, 1, 0, 0, 0]})
    >>> r = join_counts(df, value="hit", weights=build_weights(ring), permutations=0)
    >>> (r.bb, r.ww, r.bw)
    (2.0, 2.0, 2.0)
    """
    import esda

    _check_permutations(permutations)
    graph, a = _aligned(df, value, weights, region, label)
    y = _binary(a)
    with _legacy_seed(seed):
        jc = esda.Join_Counts(y, graph, permutations=permutations)
    has = bool(permutations)
    return JoinCountsResult(
        bb=float(jc.bb), ww=float(jc.ww), bw=float(jc.bw), J=float(jc.J), chi2=float(jc.chi2),
        chi2_p=float(jc.chi2_p), mean_bb=float(jc.mean_bb) if has else np.nan,
        p_sim_bb=float(jc.p_sim_bb) if has else np.nan, mean_bw=float(jc.mean_bw) if has else np.nan,
        p_sim_bw=float(jc.p_sim_bw) if has else np.nan, permutations=int(permutations), variable=a.name)
