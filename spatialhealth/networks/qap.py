"""QAP and MRQAP: regression and correlation of networks with permutation tests.

What UCINET's MRQAP and R sna's ``netlm`` / ``netlogit`` / ``gcor`` + ``qaptest`` give,
for the dyads of mobility (or any) networks:

* :func:`qap_regression` - OLS (valued ties) or logit (binary ties) of one network on
  several others, with Dekker, Krackhardt and Snijders' (2007) semi-partialling
  double-permutation test (sna ``nullhyp="qapspp"``, the default ``"qap"``) or
  Krackhardt's plain y-permutation (``"qapy"``);
* :func:`qap_correlation` - the graph correlation (sna ``gcor``) with its QAP test.

Conventions (the same as sna)
-----------------------------
* The observations are the dyads: every ordered pair i != j of a directed network, every
  unordered pair of an undirected one; the diagonal only with ``diagonal=True``.
  The coefficients are exactly OLS/logit on these vectorised dyads, with an intercept.
* A permutation relabels the nodes of a matrix, rows and columns together
  (``M[p][:, p]``). Permutations are drawn uniformly from the seed; with
  ``permutations="all"`` (up to 8 nodes) every one of the n! relabellings is used and
  the p-values are exact.
* The permuted statistic is the t value (z for logit) by default, sna's
  ``test.statistic="t-value"``, or the coefficient (``statistic="beta"``).
* Permutation p-values are the proportion of permutation draws at least as extreme as
  the observed statistic: ``p_less`` = Pr(stat <= obs) (sna ``Pr(<=b)``),
  ``p_greater`` = Pr(stat >= obs) (``Pr(>=b)``) and ``p_two_sided`` =
  Pr(|stat| >= |obs|) (``Pr(>=|b|)``). As in sna the observed labelling is not added to
  the draws (so a p-value can be 0: report it as < 1/permutations). Ties are counted as
  at least as extreme up to a relative 1e-9, so that relabellings that reproduce the
  observed network (automorphisms) count whatever the rounding.
* The classical (normal-theory) inference of the same fit is in the coefficient table
  (``std_error, z_or_t, p_value, ci_lower, ci_upper``); the permutation p-values are
  beside it in :attr:`QAPRegressionResult.permutation_pvalues` and in ``.frame``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping

import networkx as nx
import numpy as np
import pandas as pd

from .._results import CoefficientResult, Result, coef_table, figure_axes
from ..errors import ConvergenceError, InputError, InputTypeError, format_rows

__all__ = ["QAPCorrelationResult", "QAPRegressionResult", "qap_correlation", "qap_regression"]

METHODS = {"dekker": "qapspp", "y-permutation": "qapy"}
FAMILIES = ("ols", "logit")
STATISTICS = ("t", "beta")
#: largest network for permutations="all" (8! = 40,320 relabellings)
MAX_EXACT_NODES = 8
_TIE_RTOL = 1e-9
_CHUNK = 100
#: Newton stops when the largest step is below this times max(1, max|beta|)
_NEWTON_TOL = 1e-8
#: permutation logits with vectorised sums (``_qap_kernels._logit_newton_fast``); False
#: gives the previous kernel (same iterations, sums in strict order), for benchmarks
_FAST_LOGIT = True


# ----------------------------------------------------------------------------- inputs
def _graph_matrix(G, what, attr, labels=None):
    if G.is_multigraph():
        raise InputTypeError(f"{what} is a {type(G).__name__}; QAP needs a simple graph "
                             "(aggregate parallel edges first, e.g. sum the flows).")
    nodes = list(G.nodes()) if labels is None else labels
    index = {v: i for i, v in enumerate(nodes)}
    n = len(nodes)
    M = np.zeros((n, n))
    missing, bad = [], []
    for u, v, data in G.edges(data=True):
        if attr is None:
            val = 1.0
        elif attr not in data:
            missing.append((u, v))
            continue
        else:
            try:
                val = float(data[attr])
            except (TypeError, ValueError):
                bad.append((u, v, data[attr]))
                continue
        M[index[u], index[v]] = val
        if not G.is_directed():
            M[index[v], index[u]] = val
    if missing:
        raise InputError(
            f"{what}: the edge attribute {attr!r} is missing on {len(missing)} of "
            f"{G.number_of_edges()} edges ({format_rows(missing, 5)}); every edge needs a "
            "value (non-edges count as 0).")
    if bad:
        raise InputError(f"{what}: the edge attribute {attr!r} must be numeric; "
                         f"{format_rows([f'{u}->{v}: {x!r}' for u, v, x in bad], 5)} given.")
    return M, nodes


def _to_matrix(obj, what, y_graph):
    """(matrix, labels or None) from a graph, DataFrame, array, edge attribute name."""
    if isinstance(obj, str):
        if y_graph is None:
            raise InputTypeError(
                f"{what} is the string {obj!r}; an edge attribute name needs y to be a "
                "networkx graph. Pass a matrix, DataFrame or graph instead.")
        return _graph_matrix(y_graph, what, obj)
    if isinstance(obj, tuple) and len(obj) == 2 and isinstance(obj[0], nx.Graph):
        return _graph_matrix(obj[0], what, obj[1])
    if isinstance(obj, nx.Graph):
        return _graph_matrix(obj, what, None)
    if isinstance(obj, pd.DataFrame):
        if obj.shape[0] != obj.shape[1]:
            raise InputError(
                f"{what} must be a square matrix (nodes x nodes); a DataFrame of shape "
                f"{obj.shape} was given (if the first column holds node names, read it "
                "with index_col=0).")
        idx, cols = list(obj.index), list(obj.columns)
        if len(set(idx)) != len(idx):
            dup = pd.Index(idx)[pd.Index(idx).duplicated()].unique()
            raise InputError(f"{what}: duplicated row labels {format_rows(dup)}.")
        if set(idx) != set(cols):
            only_rows = [v for v in idx if v not in set(cols)]
            only_cols = [v for v in cols if v not in set(idx)]
            raise InputError(
                f"{what}: the row labels and column labels must name the same nodes; rows "
                f"only: {format_rows(only_rows) or '-'}; columns only: "
                f"{format_rows(only_cols) or '-'}.")
        frame = obj.loc[:, idx]
        non_num = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
        if non_num:
            raise InputError(f"{what}: columns {format_rows(non_num)} are not numeric "
                             f"(dtype {frame[non_num[0]].dtype}).")
        return frame.to_numpy(dtype=float), idx
    if hasattr(obj, "toarray"):  # scipy sparse
        obj = obj.toarray()
    try:
        M = np.asarray(obj, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{what} must be a numeric square matrix; converting it to "
                         f"numbers failed: {exc}.") from None
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        raise InputError(f"{what} must be a square matrix (nodes x nodes); an array of "
                         f"shape {M.shape} was given.")
    return M, None


def _align(M, labels, ref_labels, what, ref_what):
    if labels is None or ref_labels is None:
        return M
    if labels == ref_labels:
        return M
    ref_set, own = set(ref_labels), set(labels)
    if ref_set != own:
        raise InputError(
            f"{what} and {ref_what} must have the same nodes; in {ref_what} only: "
            f"{format_rows([v for v in ref_labels if v not in own]) or '-'}; in {what} "
            f"only: {format_rows([v for v in labels if v not in ref_set]) or '-'}.")
    pos = {v: i for i, v in enumerate(labels)}
    order = np.array([pos[v] for v in ref_labels])
    return M[np.ix_(order, order)]


def _cell_names(cells, labels, limit=5):
    lab = labels if labels is not None else None
    out = []
    for i, j in cells[:limit]:
        out.append(f"({lab[i]!r}, {lab[j]!r})" if lab is not None else f"[{i}, {j}]")
    more = f" ... ({len(cells)} in all)" if len(cells) > limit else ""
    return ", ".join(out) + more


def _prepare(y, X, weight, directed, diagonal, *, need_x=True):
    """Validated matrices in one node order and the dyads used."""
    y_graph = y if isinstance(y, nx.Graph) else None
    if y_graph is not None:
        Y, y_labels = _graph_matrix(y_graph, "y", weight)
    else:
        if weight is not None:
            raise InputTypeError("weight= names an edge attribute of y and needs y to be a "
                                 f"networkx graph; y is a {type(y).__name__}.")
        Y, y_labels = _to_matrix(y, "y", None)
    if need_x:
        if not isinstance(X, Mapping):
            raise InputTypeError("X must be a dict mapping covariate names to matrices, "
                                 f"graphs or edge attribute names; a {type(X).__name__} "
                                 "was given.")
        if len(X) == 0:
            raise InputError("X is empty; give at least one covariate network.")
    items = []
    for name, obj in (X.items() if need_x else []):
        name = str(name)
        if name == "(intercept)":
            raise InputError("'(intercept)' is added automatically; rename that covariate.")
        M, labels = _to_matrix(obj, f"X[{name!r}]", y_graph)
        items.append((name, M, labels))
    ref_labels, ref_what = y_labels, "y"
    if ref_labels is None:
        for name, _, labels in items:
            if labels is not None:
                ref_labels, ref_what = labels, f"X[{name!r}]"
                break
    n = Y.shape[0]
    Y = _align(Y, y_labels, ref_labels, "y", ref_what)
    mats = {}
    for name, M, labels in items:
        if M.shape[0] != n:
            raise InputError(f"X[{name!r}] is {M.shape[0]} x {M.shape[1]} but y is "
                             f"{n} x {n}; every matrix needs the same nodes.")
        mats[name] = _align(M, labels, ref_labels, f"X[{name!r}]", ref_what)
    if n < 3:
        raise InputError(f"QAP needs at least 3 nodes; y has {n}.")
    if directed is None:
        if y_graph is not None:
            directed = y_graph.is_directed()
        else:
            off = ~np.eye(n, dtype=bool)
            directed = not all(np.allclose(M[off], M.T[off], rtol=1e-12, atol=0, equal_nan=True)
                               for M in [Y, *mats.values()])
    directed = bool(directed)
    if directed:
        rows, cols = np.nonzero(np.ones((n, n), dtype=bool) if diagonal
                                else ~np.eye(n, dtype=bool))
    else:
        rows, cols = np.tril_indices(n, 0 if diagonal else -1)
    rows = rows.astype(np.int64)
    cols = cols.astype(np.int64)
    for what, M in [("y", Y), *((f"X[{k!r}]", v) for k, v in mats.items())]:
        vals = M[rows, cols]
        bad = ~np.isfinite(vals)
        if not directed:
            bad |= ~np.isfinite(M[cols, rows])
        if bad.any():
            cells = list(zip(rows[bad].tolist(), cols[bad].tolist()))
            raise InputError(f"{what} has missing or infinite values in {int(bad.sum())} "
                             f"cells: {_cell_names(cells, ref_labels)}; QAP needs a value "
                             "for every dyad.")
        if not directed:
            asym = ~np.isclose(M[rows, cols], M[cols, rows], rtol=1e-12, atol=0)
            if asym.any():
                cells = list(zip(rows[asym].tolist(), cols[asym].tolist()))
                raise InputError(
                    f"{what} is not symmetric ({int(asym.sum())} pairs differ, e.g. "
                    f"{_cell_names(cells, ref_labels, 3)}), but the network is undirected "
                    "(directed=False or an undirected graph); pass directed=True.")
    if not directed:  # use one triangle consistently: mirror the lower one
        Y = np.tril(Y) + np.tril(Y, -1).T
        mats = {k: np.tril(M) + np.tril(M, -1).T for k, M in mats.items()}
    return Y, mats, ref_labels, directed, rows, cols


def _check_design(D, names):
    """Raise naming the covariates that are constant or linear combinations of others."""
    norms = np.linalg.norm(D, axis=0)
    for j in range(1, D.shape[1]):
        prev = D[:, :j]
        coef, *_ = np.linalg.lstsq(prev, D[:, j], rcond=None)
        resid = D[:, j] - prev @ coef
        if np.linalg.norm(resid) <= 1e-8 * max(norms[j], 1e-300):
            if j >= 1 and np.ptp(D[:, j]) <= 1e-12 * max(np.abs(D[:, j]).max(), 1e-300):
                raise InputError(
                    f"X[{names[j]!r}] is constant ({D[0, j]:g}) on every dyad, so it is "
                    "collinear with the intercept; drop it.")
            scale = np.abs(coef) * np.linalg.norm(prev, axis=0)
            involved = [names[i] for i in range(j) if scale[i] > 1e-8 * norms[j]]
            raise InputError(
                f"X[{names[j]!r}] is collinear with {', '.join(map(repr, involved))} "
                "(a linear combination of them on every dyad); drop one of them.")


def _draw_permutations(n, permutations, seed):
    """(B x n) int32 permutations drawn from ``seed``, or all n! for ``"all"``."""
    if isinstance(permutations, str):
        if permutations != "all":
            raise InputError(f"permutations must be a positive integer or 'all'; "
                             f"{permutations!r} was given.")
        if n > MAX_EXACT_NODES:
            raise InputError(f"permutations='all' enumerates n! relabellings and is "
                             f"limited to {MAX_EXACT_NODES} nodes; the network has {n} "
                             f"({math.factorial(n):.3g} relabellings). Give a number.")
        return np.array(list(itertools.permutations(range(n))), dtype=np.int32), True
    if isinstance(permutations, bool) or not isinstance(permutations, (int, np.integer)) \
            or permutations < 1:
        raise InputError(f"permutations must be a positive integer or 'all'; "
                         f"{permutations!r} was given.")
    rng = np.random.default_rng(seed)
    base = np.tile(np.arange(n, dtype=np.int32), (int(permutations), 1))
    return rng.permuted(base, axis=1), False


def _perm_pvalues(dist, obs):
    """(p_less, p_greater, p_two_sided, valid draws) with ties within a relative 1e-9."""
    d = dist[np.isfinite(dist)]
    if d.size == 0 or not np.isfinite(obs):
        return np.nan, np.nan, np.nan, int(d.size)
    tol = _TIE_RTOL * max(abs(obs), float(np.abs(d).max()), 1e-300)
    return (float(np.mean(d <= obs + tol)), float(np.mean(d >= obs - tol)),
            float(np.mean(np.abs(d) >= abs(obs) - tol)), int(d.size))


# ------------------------------------------------------------------------- the fits
def _ols(D, y):
    Q, R = np.linalg.qr(D)
    qy = Q.T @ y
    beta = np.linalg.solve(R, qy)
    fitted = D @ beta
    resid = y - fitted
    m, k = D.shape
    df = m - k
    rss = float(resid @ resid)
    Rinv = np.linalg.inv(R)
    cov = (rss / df) * (Rinv @ Rinv.T)
    return beta, np.sqrt(np.diag(cov)), fitted, resid, df, Q, Rinv


def _logit(D, y, names=None, start=None, check=True):
    from ._qap_kernels import _logit_newton

    k = D.shape[1]
    beta = np.zeros(k) if start is None else np.array(start, dtype=float)
    ok, _ = _logit_newton(np.ascontiguousarray(D.T), np.empty(0), False, y, beta, 200, 1e-13,
                          np.empty(0))
    if check:
        sd = D.std(axis=0)
        size = np.abs(beta) * sd
        runaway = [names[j] for j in np.argsort(-size) if sd[j] > 0 and size[j] > 30]
        if runaway or not ok:
            raise ConvergenceError(
                "The logit of y did not converge"
                + (f": the coefficients of {', '.join(map(repr, runaway))} (largest first) run "
                   "off to infinity (a covariate separates ties from non-ties)" if runaway else "")
                + "; the maximum likelihood estimate does not exist. Drop or recode "
                "that covariate, or use family='ols'.")
    # information at the estimate for the standard errors
    eta = D @ beta
    mu = 1.0 / (1.0 + np.exp(-eta))
    info = (D * (mu * (1 - mu))[:, None]).T @ D
    cov = np.linalg.inv(info)
    return beta, np.sqrt(np.diag(cov)), mu, ok


def _loglik(y, mu):
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.sum(np.where(y > 0, np.log(mu), np.log1p(-mu))))


# --------------------------------------------------------------------------- public
def qap_regression(y, X, *, method: str = "dekker", family: str = "auto",
                   permutations=1000, seed=None, directed: bool | None = None,
                   diagonal: bool = False, weight: str | None = None,
                   statistic: str = "t", progress=None) -> QAPRegressionResult:
    """Multiple regression QAP (MRQAP) of one network on others: OLS or logit.

    Parameters
    ----------
    y : networkx.Graph or DiGraph, pandas.DataFrame or array-like (n x n)
        The dependent network. A graph gives its adjacency (1 for a tie) or, with
        ``weight=``, the values of that edge attribute (non-edges 0). A DataFrame is
        aligned by its row/column labels (which must name the same nodes).
    X : dict
        Covariate name -> n x n matrix or DataFrame, a networkx graph (its adjacency),
        a ``(graph, attribute)`` pair, or the name of an edge attribute of ``y``.
        Labelled inputs are aligned to y's node order (to the first labelled covariate
        when y is a plain array); plain arrays must already be in that order.
    method : {"dekker", "y-permutation"}
        ``"dekker"``: Dekker, Krackhardt & Snijders' (2007) semi-partialling
        double-permutation (sna ``nullhyp="qapspp"``/``"qap"``, UCINET MRQAP's
        default): for each coefficient, the covariate's residual on the other covariates
        is permuted. ``"y-permutation"``: Krackhardt's permutation of y (sna ``"qapy"``).
    family : {"auto", "ols", "logit"}
        ``"auto"``: logit when every dyad of y is 0 or 1, OLS otherwise.
    permutations : int or "all"
        Number of random relabellings, or ``"all"`` for exact enumeration (n <= 8).
    seed : int or numpy.random.Generator, optional
        The same seed gives identical results.
    directed : bool, optional
        Directed (ordered dyads, sna ``mode="digraph"``) or undirected (one triangle,
        ``mode="graph"``). Default: the graph's type; for matrices, undirected when y and
        every covariate are symmetric.
    diagonal : bool
        Include the diagonal (self-ties) as dyads (sna ``diag=TRUE``).
    weight : str, optional
        Edge attribute of ``y`` (a graph) holding the tie values.
    statistic : {"t", "beta"}
        The permuted test statistic: t value (z for logit; sna's default) or coefficient.
    progress : callable, optional
        Called as ``progress(done, total)`` after each block of permutation fits.

    Returns
    -------
    QAPRegressionResult
        ``.coefficients`` (estimate, std_error, z_or_t, p_value, ci_lower, ci_upper:
        the classical inference), ``.permutation_pvalues`` (p_less, p_greater,
        p_two_sided), ``.null_distribution``, ``.summary()`` as sna's ``summary.netlm``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> x = rng.normal(size=(20, 20))
    >>> y = 2 * x + rng.normal(size=(20, 20))
    >>> res = qap_regression(y, {"x": x}, permutations=200, seed=1)
    >>> round(float(res.params["x"]), 3), float(res.permutation_pvalues.loc["x", "p_two_sided"])
    (2.082, 0.0)
    """
    if method not in METHODS:
        raise InputError(f"method must be one of {list(METHODS)}; {method!r} was given.")
    if family not in ("auto", *FAMILIES):
        raise InputError(f"family must be 'auto', 'ols' or 'logit'; {family!r} was given.")
    if statistic not in STATISTICS:
        raise InputError(f"statistic must be 't' or 'beta'; {statistic!r} was given.")
    Y, mats, labels, directed, rows, cols = _prepare(y, X, weight, directed, diagonal)
    n = Y.shape[0]
    names = ["(intercept)", *mats]
    yv = Y[rows, cols].copy()
    D = np.column_stack([np.ones(rows.size)] + [M[rows, cols] for M in mats.values()])
    m, k = D.shape
    if np.ptp(yv) == 0:
        raise InputError(f"y is constant ({yv[0]:g}) on every dyad; there is nothing to "
                         "explain.")
    binary = bool(np.all((yv == 0) | (yv == 1)))
    if family == "auto":
        family = "logit" if binary else "ols"
    if family == "logit" and not binary:
        bad = np.unique(yv[(yv != 0) & (yv != 1)])[:5]
        raise InputError(f"family='logit' needs a binary y (0/1 on every dyad); values "
                         f"such as {format_rows(bad.tolist())} were found.")
    if m <= k + 1:
        raise InputError(f"{m} dyads cannot fit {k} coefficients; QAP needs more nodes "
                         f"than the {n} given.")
    _check_design(D, names)
    perms, exact = _draw_permutations(n, permutations, seed)
    B = perms.shape[0]

    if family == "ols":
        beta, se, fitted, resid, df, Q, Rinv = _ols(D, yv)
        table = coef_table(beta, se, names=names, df_resid=df)
        extra = {"fitted": fitted, "residuals": resid, "df_resid": df}
    else:
        beta, se, mu, _ = _logit(D, yv, names)
        table = coef_table(beta, se, names=names)
        extra = {"fitted": mu, "residuals": yv - mu, "df_resid": None}
    observed = (table["z_or_t"] if statistic == "t" else table["estimate"]).to_numpy()

    dist_b = np.full((B, k), np.nan)
    dist_t = np.full((B, k), np.nan)
    total = B * (k if method == "dekker" else 1)
    done = 0

    def tick(step):
        nonlocal done
        done += step
        if progress is not None:
            progress(done, total)

    from . import _qap_kernels as K

    lower = not directed

    def scatter(*vectors):
        W = np.zeros((len(vectors), n, n))
        for l, vec in enumerate(vectors):
            W[l, rows, cols] = vec
        return W

    def run_blocks(fn, store):
        for s in range(0, B, _CHUNK):
            blk = perms[s:s + _CHUNK]
            store(slice(s, s + blk.shape[0]), *fn(blk))
            tick(blk.shape[0])

    if method == "dekker":
        for i in range(k):
            Do = np.delete(D, i, axis=1)
            Qo, _ = np.linalg.qr(Do)
            e = D[:, i] - Qo @ (Qo.T @ D[:, i])
            E = np.zeros((n, n))
            E[rows, cols] = e
            if not directed:
                E[cols, rows] = e
            if family == "ols":
                yres = yv - Qo @ (Qo.T @ yv)
                W = scatter(*Qo.T, yres)
                ee, yy, df = float(e @ e), float(yres @ yres), float(m - k)

                def fn(blk, E=E, W=W, ee=ee, yy=yy, df=df):
                    dots = K.perm_dots(E, blk, W, lower, diagonal)
                    qv, vy = dots[:, :-1], dots[:, -1]
                    vp = ee - (qv ** 2).sum(axis=1)
                    with np.errstate(divide="ignore", invalid="ignore"):
                        b_ = np.where(vp > 1e-12 * ee, vy / vp, np.nan)
                        rss = np.maximum(yy - vy * b_, 0.0)
                        t_ = b_ / np.sqrt(rss / df / vp)
                    return b_, t_
            else:
                try:
                    b0, _, mu0, _ = _logit(Do, yv, check=False)
                except np.linalg.LinAlgError:
                    b0, mu0 = np.zeros(k - 1), np.empty(0)
                Xf = np.ascontiguousarray(Do.T)

                def fn(blk, E=E, Xf=Xf, b0=b0, mu0=mu0):
                    return K.logit_dekker(E, rows, cols, blk, Xf, yv, b0, mu0, 50, _NEWTON_TOL, _FAST_LOGIT)

            def store(sl, b_, t_, i=i):
                dist_b[sl, i] = b_
                dist_t[sl, i] = t_

            run_blocks(fn, store)
    else:
        if family == "ols":
            W = scatter(*Q.T)
            yy, df = float(yv @ yv), float(m - k)
            xtx = (Rinv ** 2).sum(axis=1)

            def fn(blk):
                qu = K.perm_dots(Y, blk, W, lower, diagonal)
                b_ = qu @ Rinv.T
                rss = np.maximum(yy - (qu ** 2).sum(axis=1), 0.0)
                with np.errstate(divide="ignore", invalid="ignore"):
                    t_ = b_ / np.sqrt(np.outer(rss / df, xtx))
                return b_, t_
        else:
            ybar = yv.mean()
            b0 = np.zeros(k)
            b0[0] = np.log(ybar / (1 - ybar))
            Xf = np.ascontiguousarray(D.T)

            mu0 = np.full(m, ybar)

            def fn(blk):
                return K.logit_yperm(Y, rows, cols, blk, Xf, b0, mu0, 50, _NEWTON_TOL, _FAST_LOGIT)

        def store(sl, b_, t_):
            dist_b[sl] = b_
            dist_t[sl] = t_

        run_blocks(fn, store)

    dist = dist_t if statistic == "t" else dist_b
    prows = []
    for j in range(k):
        pl, pg, p2, nv = _perm_pvalues(dist[:, j], observed[j])
        prows.append({"statistic": observed[j], "p_less": pl, "p_greater": pg,
                      "p_two_sided": p2, "valid_permutations": nv})
    ptable = pd.DataFrame(prows, index=pd.Index(names))
    return QAPRegressionResult(
        coefficients=table, permutation_pvalues=ptable,
        null_distribution=pd.DataFrame(dist, columns=names),
        method=method, family=family, statistic=statistic, permutations=B, exact=exact,
        n_nodes=n, n_dyads=m, directed=directed, diagonal=diagonal, y=yv,
        nodes=labels, **extra)


class QAPRegressionResult(CoefficientResult):
    """An MRQAP fit: coefficients, classical and permutation inference.

    Attributes
    ----------
    coefficients : pandas.DataFrame
        ``estimate, std_error, z_or_t, p_value, ci_lower, ci_upper`` (classical: t for
        OLS with ``df_resid`` degrees of freedom, z for logit), one row per term,
        ``"(intercept)"`` first.
    permutation_pvalues : pandas.DataFrame
        Per term: ``statistic`` (the observed value of the permuted statistic),
        ``p_less``, ``p_greater``, ``p_two_sided`` (sna's ``Pr(<=b)``, ``Pr(>=b)``,
        ``Pr(>=|b|)``) and ``valid_permutations`` (draws whose fit succeeded).
    null_distribution : pandas.DataFrame
        The permuted statistic, one row per permutation, one column per term.
    method, family, statistic, permutations, exact, n_nodes, n_dyads, directed, diagonal
        The settings; ``exact`` is True when all n! relabellings were enumerated.
    r_squared, adj_r_squared, sigma, f_statistic, f_pvalue
        OLS only (as sna's ``summary.netlm``).
    null_deviance, deviance, aic, bic, llf, llnull, contingency
        Logit only (as sna's ``summary.netlogit``, except that the null deviance is that
        of the intercept-only model, as statsmodels' ``llnull``; sna fits without an
        automatic intercept, so its "null deviance" is that of p = 1/2 on every dyad).
    """

    _title = "QAP regression"

    def __init__(self, *, coefficients, permutation_pvalues, null_distribution, method,
                 family, statistic, permutations, exact, n_nodes, n_dyads, directed,
                 diagonal, y, fitted, residuals, df_resid, nodes):
        self.coefficients = coefficients
        self.permutation_pvalues = permutation_pvalues
        self.null_distribution = null_distribution
        self.method, self.family, self.statistic = method, family, statistic
        self.permutations, self.exact = permutations, exact
        self.n_nodes, self.n_dyads = n_nodes, n_dyads
        self.directed, self.diagonal = directed, diagonal
        self.fitted_values, self.residuals = fitted, residuals
        self.df_resid = df_resid
        self.nodes = nodes
        k = len(coefficients)
        self.n_params = k
        if family == "ols":
            rss = float(residuals @ residuals)
            mss = float(((fitted - fitted.mean()) ** 2).sum())
            self.rss = rss
            self.r_squared = mss / (mss + rss)
            self.adj_r_squared = 1 - (1 - self.r_squared) * (n_dyads - 1) / df_resid
            self.sigma = math.sqrt(rss / df_resid)
            from scipy import stats

            self.f_statistic = (mss / (k - 1)) / (rss / df_resid)
            self.f_pvalue = float(stats.f.sf(self.f_statistic, k - 1, df_resid))
        else:
            ybar = y.mean()
            ll = _loglik(y, fitted)
            ll0 = float(n_dyads * (ybar * math.log(ybar) + (1 - ybar) * math.log1p(-ybar)))
            self.llf, self.llnull = ll, ll0
            self.deviance, self.null_deviance = -2 * ll, -2 * ll0
            self.aic = self.deviance + 2 * k
            self.bic = self.deviance + k * math.log(n_dyads)
            pred = (fitted >= 0.5).astype(int)
            ct = pd.crosstab(pd.Categorical(pred, [0, 1]), pd.Categorical(y.astype(int), [0, 1]),
                             dropna=False)
            ct.index.name, ct.columns.name = "predicted", "actual"
            self.contingency = ct

    @property
    def method_label(self) -> str:
        """Sna's name of the null hypothesis (``qapspp`` or ``qapy``)."""
        return METHODS[self.method]

    @property
    def frame(self) -> pd.DataFrame:
        """Coefficient table with the permutation p-values beside it, one row per term."""
        out = pd.concat([self.coefficients,
                         self.permutation_pvalues.rename(columns={"statistic": "perm_statistic"})],
                        axis=1)
        out.index.name = "term"
        return out.reset_index()

    def summary(self) -> str:
        """The fit as R sna's ``summary.netlm`` / ``summary.netlogit`` prints it."""
        lines = []
        kind = "OLS Network Model" if self.family == "ols" else "Network Logit Model"
        how = ("Dekker semi-partialling (qapspp)" if self.method == "dekker"
               else "y-permutation (qapy)")
        lines.append(f"{kind} - QAP, {how}, "
                     f"{'all ' if self.exact else ''}{self.permutations} permutations")
        lines.append(f"{self.n_nodes} nodes, {self.n_dyads} dyads "
                     f"({'directed' if self.directed else 'undirected'}"
                     f"{', with diagonal' if self.diagonal else ''})")
        lines.append("")
        if self.family == "ols":
            q = np.quantile(self.residuals, [0, 0.25, 0.5, 0.75, 1])
            lines.append("Residuals:")
            lines.append("  ".join(f"{h:>10}" for h in ("0%", "25%", "50%", "75%", "100%")))
            lines.append("  ".join(f"{v:>10.4g}" for v in q))
            lines.append("")
        c = self.coefficients
        p = self.permutation_pvalues
        tname = "t value" if self.family == "ols" else "z value"
        tab = pd.DataFrame({"Estimate": c["estimate"]})
        if self.family == "logit":
            tab["Exp(b)"] = np.exp(c["estimate"])
        tab["Std.Err"] = c["std_error"]
        tab[tname] = c["z_or_t"]
        tab["Pr(>|t|)" if self.family == "ols" else "Pr(>|z|)"] = c["p_value"]
        tab["Pr(<=b)"] = p["p_less"]
        tab["Pr(>=b)"] = p["p_greater"]
        tab["Pr(>=|b|)"] = p["p_two_sided"]
        lines.append("Coefficients:")
        lines.append(tab.to_string(float_format=lambda v: f"{v:.6g}"))
        lines.append("(Std.Err, t/z and Pr(>|t|) classical; Pr(<=b), Pr(>=b), Pr(>=|b|) "
                     "permutation, as sna)")
        lines.append("")
        if self.family == "ols":
            lines.append(f"Residual standard error: {self.sigma:.4g} on {self.df_resid} "
                         "degrees of freedom")
            lines.append(f"Multiple R-squared: {self.r_squared:.4g} \tAdjusted R-squared: "
                         f"{self.adj_r_squared:.4g}")
            lines.append(f"F-statistic: {self.f_statistic:.4g} on {self.n_params - 1} and "
                         f"{self.df_resid} degrees of freedom, p-value: {self.f_pvalue:.4g}")
        else:
            k = self.n_params
            dn, dr = self.null_deviance, self.deviance
            from scipy import stats

            lines.append("Goodness of Fit Statistics:")
            lines.append(f"Null deviance (intercept only): {dn:.6g} on {self.n_dyads - 1} "
                         "degrees of freedom")
            lines.append(f"Residual deviance: {dr:.6g} on {self.n_dyads - k} degrees of "
                         "freedom")
            lines.append(f"Chi-Squared test of fit improvement:\n\t {dn - dr:.6g} on {k - 1} "
                         f"degrees of freedom, p-value {stats.chi2.sf(dn - dr, k - 1):.4g}")
            lines.append(f"AIC: {self.aic:.6g} \tBIC: {self.bic:.6g}")
            lines.append(f"Pseudo-R^2 Measures:\n\t(Dn-Dr)/(Dn-Dr+dfn): "
                         f"{(dn - dr) / (dn - dr + self.n_dyads):.6g}\n\t(Dn-Dr)/Dn: "
                         f"{1 - dr / dn:.6g}")
            ct = self.contingency.to_numpy()
            lines.append("Contingency Table (predicted (rows) x actual (cols)):")
            lines.append(self.contingency.to_string())
            with np.errstate(divide="ignore", invalid="ignore"):
                lines.append(f"\tTotal Fraction Correct: {(ct[0, 0] + ct[1, 1]) / ct.sum():.6g}")
                lines.append(f"\tFalse Negative Rate: {ct[0, 1] / ct[:, 1].sum():.6g}")
                lines.append(f"\tFalse Positive Rate: {ct[1, 0] / ct[:, 0].sum():.6g}")
        lines.append("")
        lines.append("Test Diagnostics:")
        lines.append(f"\tNull Hypothesis: {self.method_label}")
        lines.append(f"\tReplications: {self.permutations}"
                     + (" (exact enumeration)" if self.exact else ""))
        lines.append(f"\tDistribution Summary ({'t/z values' if self.statistic == 't' else 'coefficients'}):")
        d = self.null_distribution
        desc = pd.DataFrame({"Min": d.min(), "1stQ": d.quantile(0.25), "Median": d.median(),
                             "Mean": d.mean(), "3rdQ": d.quantile(0.75), "Max": d.max()}).T
        lines.append(desc.to_string(float_format=lambda v: f"{v:.4g}"))
        bad = (p["valid_permutations"] < self.permutations)
        if bad.any():
            lines.append(f"Note: the permuted fit failed (separation or singular design) "
                         f"for some draws of {', '.join(p.index[bad])}; their p-values use "
                         "the remaining draws.")
        return "\n".join(lines)

    def plot(self, ax=None):
        """Each term's permutation null distribution (violin) and observed value (red).

        Returns
        -------
        matplotlib.axes.Axes
        """
        _, ax = figure_axes(ax, figsize=(7, 0.9 * self.n_params + 1.2))
        names = list(self.null_distribution.columns)
        data = [self.null_distribution[c].dropna().to_numpy() for c in names]
        pos = np.arange(len(names))[::-1]
        ok = [i for i, d in enumerate(data) if d.size > 1 and np.ptp(d) > 0]
        if ok:
            kw = {"positions": pos[ok], "showextrema": True, "widths": 0.8}
            try:  # matplotlib >= 3.10
                ax.violinplot([data[i] for i in ok], orientation="horizontal", **kw)
            except TypeError:
                ax.violinplot([data[i] for i in ok], vert=False, **kw)
        obs = self.permutation_pvalues["statistic"].to_numpy()
        ax.scatter(obs, pos, color="crimson", marker="D", zorder=3, label="observed")
        for yy, o, p2 in zip(pos, obs, self.permutation_pvalues["p_two_sided"]):
            label = f"p<{1 / self.permutations:.2g}" if p2 == 0 else f"p={p2:.3g}"
            ax.annotate(label, (o, yy), textcoords="offset points", xytext=(6, 6),
                        fontsize=8, color="crimson")
        ax.set_yticks(pos)
        ax.set_yticklabels(names)
        ax.set_xlabel(("t value" if self.family == "ols" else "z value")
                      if self.statistic == "t" else "coefficient")
        ax.set_title(f"QAP null distributions ({self.method}, {self.permutations} permutations)")
        ax.legend(loc="best", fontsize=8)
        return ax


def qap_correlation(a, b, *, permutations=1000, seed=None, directed: bool | None = None,
                    diagonal: bool = False, weight: str | None = None,
                    progress=None) -> QAPCorrelationResult:
    """Graph correlation of two networks and its QAP permutation test (sna ``gcor`` +
    ``qaptest``).

    Parameters
    ----------
    a, b : networkx graph, pandas.DataFrame or array-like (n x n)
        The two networks on the same nodes (labelled inputs are aligned by label).
    permutations : int or "all"
        Number of random relabellings of ``b``, or ``"all"`` (n <= 8) for the exact test.
    seed : int or numpy.random.Generator, optional
    directed, diagonal : see :func:`qap_regression`
    weight : str, optional
        Edge attribute holding tie values when ``a`` is a graph (``b`` as a graph gives its
        adjacency; pass ``(graph, attribute)`` for values).
    progress : callable, optional
        ``progress(done, total)`` after each block of permutations.

    Returns
    -------
    QAPCorrelationResult
        ``.value`` (Pearson correlation over the dyads), ``.p_greater``, ``.p_less``,
        ``.p_two_sided``, ``.null_distribution``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(size=(15, 15))
    >>> res = qap_correlation(a, a + rng.normal(size=(15, 15)), permutations=200, seed=0)
    >>> round(res.value, 3), res.p_greater
    (0.668, 0.0)
    """
    Y, mats, _, directed, rows, cols = _prepare(a, {"b": b}, weight, directed, diagonal)
    B_mat = mats["b"]
    av = Y[rows, cols]
    bv = B_mat[rows, cols]
    for what, v in (("a", av), ("b", bv)):
        if np.ptp(v) == 0:
            raise InputError(f"{what} is constant ({v[0]:g}) on every dyad; its correlation "
                             "is undefined.")
    n = Y.shape[0]
    ac = av - av.mean()
    bc = bv - bv.mean()
    denom = math.sqrt(float(ac @ ac) * float(bc @ bc))
    r = float(ac @ bc) / denom
    perms, exact = _draw_permutations(n, permutations, seed)
    from ._qap_kernels import perm_dots

    W = np.zeros((1, n, n))
    W[0, rows, cols] = ac
    dist = np.empty(perms.shape[0])
    for s in range(0, perms.shape[0], _CHUNK * 10):
        blk = perms[s:s + _CHUNK * 10]
        dist[s:s + blk.shape[0]] = perm_dots(B_mat, blk, W, not directed, diagonal)[:, 0] / denom
        if progress is not None:
            progress(s + blk.shape[0], perms.shape[0])
    pl, pg, p2, _ = _perm_pvalues(dist, r)
    return QAPCorrelationResult(r, pl, pg, p2, dist, exact, n, rows.size, directed)


class QAPCorrelationResult(Result):
    """Graph correlation with its QAP test (as sna's ``summary.qaptest``).

    Attributes
    ----------
    value : float
        Pearson correlation of the two networks over the dyads (sna ``gcor``).
    p_greater, p_less, p_two_sided : float
        ``Pr(r_perm >= r)``, ``Pr(r_perm <= r)``, ``Pr(|r_perm| >= |r|)`` over the permutations.
    null_distribution : numpy.ndarray
    permutations, exact, n_nodes, n_dyads, directed
    """

    _title = "QAP correlation"

    def __init__(self, value, p_less, p_greater, p_two_sided, dist, exact, n_nodes,
                 n_dyads, directed):
        self.value = value
        self.p_less, self.p_greater, self.p_two_sided = p_less, p_greater, p_two_sided
        self.null_distribution = dist
        self.permutations = int(dist.size)
        self.exact = exact
        self.n_nodes, self.n_dyads, self.directed = n_nodes, n_dyads, directed

    @property
    def frame(self) -> pd.DataFrame:
        return pd.DataFrame([{
            "correlation": self.value, "p_greater": self.p_greater, "p_less": self.p_less,
            "p_two_sided": self.p_two_sided, "permutations": self.permutations,
            "n_nodes": self.n_nodes, "n_dyads": self.n_dyads}])

    def summary(self) -> str:
        d = self.null_distribution
        q = np.quantile(d, [0, 0.25, 0.5, 0.75, 1])
        return "\n".join([
            (f"QAP Test Results: graph correlation {self.value:.6g} "
             f"({self.n_nodes} nodes, {self.n_dyads} dyads, "
             f"{'directed' if self.directed else 'undirected'})"),
            "",
            "Estimated p-values:",
            f"\tp(f(perm) >= f(d)): {self.p_greater:.6g}",
            f"\tp(f(perm) <= f(d)): {self.p_less:.6g}",
            f"\tp(|f(perm)| >= |f(d)|): {self.p_two_sided:.6g}",
            "",
            "Test Diagnostics:",
            f"\tTest Value (f(d)): {self.value:.6g}",
            f"\tReplications: {self.permutations}" + (" (exact enumeration)" if self.exact else ""),
            "\tDistribution Summary:",
            f"\t\tMin:\t {q[0]:.6g}", f"\t\t1stQ:\t {q[1]:.6g}", f"\t\tMed:\t {q[2]:.6g}",
            f"\t\tMean:\t {d.mean():.6g}", f"\t\t3rdQ:\t {q[3]:.6g}", f"\t\tMax:\t {q[4]:.6g}",
        ])

    def plot(self, ax=None):
        """Histogram of the permuted correlations with the observed one.

        Returns
        -------
        matplotlib.axes.Axes
        """
        _, ax = figure_axes(ax, figsize=(6, 3.5))
        ax.hist(self.null_distribution, bins=40, color="0.7", edgecolor="white")
        ax.axvline(self.value, color="crimson", lw=2,
                   label=f"observed r = {self.value:.3g} (p = {self.p_two_sided:.3g})")
        ax.set_xlabel("graph correlation under QAP permutations")
        ax.set_ylabel("permutations")
        ax.legend(fontsize=8)
        return ax
