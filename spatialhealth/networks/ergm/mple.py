"""Maximum pseudo-likelihood: logistic regression of ties on their change statistics.

For dyad-independent models the pseudo-likelihood is the likelihood, so the MPLE is the
MLE and its inverse-Hessian standard errors are exact. Identical rows of the dyad table
(common with categorical covariates) are merged into binomial counts first, which
changes nothing in the estimates but makes the fit much faster.
"""

from __future__ import annotations

from dataclasses import dataclass, field  # noqa: F401

import numpy as np

from ...errors import ConvergenceError, InputError
from . import _kernels as K


@dataclass
class DyadTable:
    """Grouped dyad table: rows ``X``, ties ``s`` and dyads ``m`` per row.

    Attributes
    ----------
    X : numpy.ndarray
        Change statistics, one row per distinct (row, tie) group, shape (rows, p).
    s : numpy.ndarray
        Ties in each group.
    m : numpy.ndarray
        Dyads in each group.
    ndyads : int
        Dyads in all (the sum of ``m``).

    Examples
    --------
    >>> import numpy as np
    >>> tab = compress(np.array([[1.0, 0.0], [1.0, 0.0], [1.0, 1.0]]), np.array([1, 1, 0]))
    >>> tab.m.tolist(), tab.ndyads
    ([1.0, 2.0], 3)
    """

    X: np.ndarray
    s: np.ndarray
    m: np.ndarray
    ndyads: int

    @property
    def nrows(self) -> int:
        return self.X.shape[0]


def compress(X, y) -> DyadTable:
    """Merge identical (row, tie) pairs of the dyad table into counts.

    Parameters
    ----------
    X : numpy.ndarray
        Change statistics, one row per dyad, shape (n, p).
    y : array_like
        1 where the dyad is a tie, else 0.

    Returns
    -------
    DyadTable
        One row per distinct (row of ``X``, tie) pair.

    Examples
    --------
    >>> import numpy as np
    >>> tab = compress(np.array([[1.0, 0.0], [1.0, 0.0], [1.0, 1.0]]), np.array([1, 1, 0]))
    >>> tab.X.tolist(), tab.s.tolist(), tab.m.tolist()
    ([[1.0, 1.0], [1.0, 0.0]], [0.0, 2.0], [1.0, 2.0])
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.uint8)
    nd = X.shape[0]
    if nd == 0:
        return DyadTable(X, y.astype(float), np.ones(0), 0)
    X += 0.0  # in place: -0.0 becomes 0.0 so equal rows hash alike
    Xz = X
    h = K.row_hash(Xz.view(np.uint64), y)
    _, rep, inverse, counts = np.unique(h, return_index=True, return_inverse=True, return_counts=True)
    if len(rep) > 0.7 * nd or not K.rows_equal_rep(Xz, y, inverse.astype(np.int64), rep.astype(np.int64)):
        return DyadTable(X, y.astype(float), np.ones(nd), nd)
    Xc = X[rep]
    yc = y[rep].astype(float)
    m = counts.astype(float)
    return DyadTable(np.ascontiguousarray(Xc), yc * m, m, nd)


@dataclass
class LogitFit:
    """A grouped logistic regression fitted by :func:`logistic_fit`.

    Attributes
    ----------
    params : numpy.ndarray
        Coefficients.
    cov : numpy.ndarray
        Their covariance (inverse of the negative Hessian).
    hessian : numpy.ndarray
        Hessian of the log-likelihood at ``params``.
    llf : float
        Log-(pseudo-)likelihood.
    iterations : int
        Newton steps taken.
    converged : bool
        The step fell below the tolerance.
    infinite : dict, optional
        ``{name: inf or -inf}`` for coefficients whose estimate is infinite.

    Examples
    --------
    >>> import numpy as np
    >>> fit = logistic_fit(compress(np.ones((4, 1)), np.array([1, 0, 0, 0])))
    >>> round(float(fit.params[0]), 4), fit.converged  # log(1/3)
    (-1.0986, True)
    """

    params: np.ndarray
    cov: np.ndarray
    hessian: np.ndarray
    llf: float
    iterations: int
    converged: bool
    infinite: dict = None  # name -> +inf/-inf for coefficients whose estimate is infinite


def logistic_fit(tab: DyadTable, start=None, offset=None, maxiter=100, tol=1e-12, names=None) -> LogitFit:
    """Fit the grouped logistic regression by Newton-Raphson with step halving.

    Parameters
    ----------
    tab : DyadTable
        The grouped dyad table.
    start : array_like, optional
        Starting coefficients (default zeros).
    offset : array_like, optional
        Fixed offset added to the linear predictor of each row.
    maxiter : int
        Most Newton steps.
    tol : float
        Convergence tolerance on the step.
    names : sequence of str, optional
        Statistic names, for messages.

    Returns
    -------
    LogitFit
        Coefficients, covariance, log-likelihood and convergence.

    Examples
    --------
    >>> import numpy as np
    >>> fit = logistic_fit(compress(np.ones((4, 1)), np.array([1, 1, 1, 0])))
    >>> round(float(fit.params[0]), 4)  # log(3)
    1.0986
    """
    p = tab.X.shape[1]
    beta = np.zeros(p) if start is None else np.asarray(start, dtype=float).copy()
    off = np.zeros(tab.nrows) if offset is None else np.asarray(offset, dtype=float)
    ll, g, H = K.logistic_ghl(tab.X, tab.s, tab.m, off, beta)
    converged = False
    it = 0
    for it in range(1, maxiter + 1):
        try:
            step = np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(H, g, rcond=None)[0]
        t = 1.0
        while True:
            nb = beta + t * step
            nll, ng, nH = K.logistic_ghl(tab.X, tab.s, tab.m, off, nb)
            if np.isfinite(nll) and nll >= ll - 1e-12 * max(1.0, abs(ll)):
                break
            t /= 2
            if t < 1e-10:
                break
        small = np.max(np.abs(t * step)) < 1e-10 * (1 + np.max(np.abs(beta)))
        beta, ll_old, ll, g, H = nb, ll, nll, ng, nH
        if small or abs(ll - ll_old) <= tol * (1 + abs(ll)) and np.max(np.abs(g)) < 1e-8 * (1 + tab.m.sum()):
            converged = True
            break
    # one polishing Newton step (quadratic convergence: brings beta to machine precision)
    if converged:
        try:
            nb = beta + np.linalg.solve(H, g)
            nll, ng, nH = K.logistic_ghl(tab.X, tab.s, tab.m, off, nb)
            if nll >= ll - 1e-12 * max(1.0, abs(ll)):
                beta, ll, g, H = nb, nll, ng, nH
        except np.linalg.LinAlgError:
            pass
    try:
        cov = np.linalg.inv(H)
    except np.linalg.LinAlgError:
        cov = np.full((p, p), np.nan)
    return LogitFit(beta, cov, H, float(ll), it, converged)


def find_separation(tab: DyadTable, tol: float = 1e-7):
    """Directions in which the (pseudo-)likelihood keeps increasing to infinity.

    A linear programme (as in Konis 2007, ``safeBinaryRegression``) looks for a direction
    ``d`` with ``X d >= 0`` on rows whose dyads are all ties, ``<= 0`` on rows with no tie
    and ``= 0`` on mixed rows, not zero on some row. Such a ``d`` means the estimate is
    infinite; the rows it decides are set aside and the search repeats on the others.

    Parameters
    ----------
    tab : DyadTable
        The grouped dyad table.
    tol : float
        Tolerance of the linear programme.

    Returns
    -------
    sign : numpy.ndarray
        Shape (p,): +1 or -1 for coefficients that are +/-infinity, 0 otherwise.
    decided : numpy.ndarray
        Bool mask of the rows decided by the infinite coefficients.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 0.0], [1.0, 0.0], [1.0, 1.0], [1.0, 1.0]])
    >>> sign, decided = find_separation(compress(X, np.array([1, 0, 1, 1])))
    >>> sign.tolist(), decided.tolist()
    ([0.0, 1.0], [False, False, True, True])
    """
    from scipy.optimize import linprog

    X = tab.X
    nr, p = X.shape
    scale = np.max(np.abs(X), axis=0) if nr else np.ones(p)
    scale[scale == 0] = 1.0
    Xs = X / scale
    full_all = tab.s >= tab.m - 1e-9
    empty_all = tab.s <= 1e-9
    active = np.ones(nr, dtype=bool)
    sign = np.zeros(p)
    for _ in range(p + 1):
        A = Xs[active]
        if len(A) == 0:
            break
        full, empty = full_all[active], empty_all[active]
        mixed = ~full & ~empty
        if not np.any(full | empty):
            break
        c = -(A[full].sum(axis=0) - A[empty].sum(axis=0))
        A_ub = np.vstack([-A[full], A[empty]])
        kw = {}
        if mixed.any():
            kw = {"A_eq": A[mixed], "b_eq": np.zeros(int(mixed.sum()))}
        res = linprog(c, A_ub=A_ub, b_ub=np.zeros(len(A_ub)), bounds=[(-1, 1)] * p, method="highs", **kw)
        if res.status != 0 or -res.fun <= tol:
            break
        d = np.where(np.abs(res.x) > 1e-9, res.x, 0.0)
        Xd = A @ d
        decided = np.abs(Xd) > 1e-9
        if not decided.any():
            break
        new = (d != 0) & (sign == 0)
        sign[new] = np.sign(d[new])
        idx = np.nonzero(active)[0]
        active[idx[decided]] = False
    return sign, ~active


_QR_BLOCK = 1 << 16  # rows per block of collinear_terms' QR


def collinear_terms(X, names, rel=1e-9):
    """Name the statistics that are linear combinations of each other on these dyads.

    Parameters
    ----------
    X : array_like
        Change statistics, one row per dyad (or group of dyads), shape (n, p).
    names : sequence of str
        The ``p`` statistic names.
    rel : float
        Relative tolerance on the singular values.

    Returns
    -------
    list of str
        The statistics involved in a linear dependence (empty when there is none).

    Examples
    --------
    >>> import numpy as np
    >>> collinear_terms(np.array([[1.0, 2, 2], [1, 3, 3], [1, 0, 0]]), ["a", "b", "c"])
    ['b', 'c']
    """
    if X.shape[0] == 0 or X.shape[1] < 2:
        return []
    scale = np.sqrt(np.einsum("ij,ij->j", X, X) / X.shape[0])
    scale[scale == 0] = 1.0
    # the singular values and right vectors of X / scale are those of its R factor, built
    # block by block (R of [R; next block]): a large table (8 million dyads: 0.5 GB) is
    # neither copied nor decomposed whole
    R = np.zeros((0, X.shape[1]))
    for s in range(0, X.shape[0], _QR_BLOCK):
        R = np.linalg.qr(np.vstack([R, X[s:s + _QR_BLOCK] / scale]), mode="r")
    sv, V = np.linalg.svd(R, full_matrices=False)[1:]
    if sv[-1] > rel * sv[0]:
        return []
    v = V[-1]
    return [nm for nm, x in zip(names, v) if abs(x) > 1e-6]


def separation_problems(model, fit: LogitFit, tab: DyadTable) -> list[str]:
    """Explain in plain words why some MPLE coefficients are infinite (empty list if none).

    Parameters
    ----------
    model : Model
        The model fitted.
    fit : LogitFit
        Its MPLE (``fit.infinite`` names the infinite coefficients).
    tab : DyadTable
        The dyad table of the fit.

    Returns
    -------
    list of str
        One message per group of infinite coefficients.

    Examples
    --------
    >>> import networkx as nx
    >>> from spatialhealth.networks.ergm.model import build_model
    >>> model = build_model(nx.DiGraph([(0, 1), (1, 2), (2, 0)]), "edges + mutual")
    >>> fit, tab = mple(model)
    >>> fit.infinite
    {'edges': inf, 'mutual': -inf}
    >>> len(separation_problems(model, fit, tab))
    1
    """
    msgs = []
    obs = model.observed()
    never = set(getattr(fit, "never_changes", ()) or ())
    inf = [(k, nm) for k, nm in enumerate(model.names) if np.isinf(fit.params[k]) and nm not in never]
    for k, name in enumerate(model.names):
        if name in never:
            sgn = "-" if obs[k] == 0 else "+"
            msgs.append(f"`{name}` is {sgn}Inf: no single tie changes it on this network (observed value "
                        f"{obs[k]:g}), so it is at its bound; statnet reports {sgn}Inf too")
    if len(inf) == 1:
        k, name = inf[0]
        v = fit.params[k]
        msgs.append(f"`{name}` is {'+' if v > 0 else '-'}Inf: its observed value {obs[k]:g} is the "
                    f"{'largest' if v > 0 else 'smallest'} possible given the other terms (every dyad where it "
                    f"{'adds' if v > 0 else 'would add'} to the statistic {'is a tie' if v > 0 else 'has no tie'})")
    elif inf:
        msgs.append(", ".join(f"`{nm}` is {'+' if fit.params[k] > 0 else '-'}Inf" for k, nm in inf)
                    + ": some dyads are perfectly predicted by these terms (all of them ties, or none), so the "
                    "likelihood keeps increasing as these coefficients grow in that direction")
    return msgs


def _logistic_subset(tab, rows, cols, start=None):
    sub = DyadTable(np.ascontiguousarray(tab.X[np.ix_(rows, cols)]), tab.s[rows], tab.m[rows], int(tab.m[rows].sum()))
    return logistic_fit(sub, start=start)


def mple(model, terms_mask=None, compress_rows=True, check=True):
    """MPLE of ``model``: returns (LogitFit, DyadTable).

    ``terms_mask`` (bool (p,)) restricts the fit to some statistics (the others get 0).
    Coefficients whose estimate is infinite (the observed statistic at its bound) are
    returned as +/-inf with NaN standard errors and ``fit.infinite`` naming them; the
    others are estimated on the dyads those do not decide. Collinear statistics raise
    :class:`~spatialhealth.errors.InputError` naming them.

    Parameters
    ----------
    model : Model
        From :func:`~spatialhealth.networks.ergm.model.build_model`.
    terms_mask : numpy.ndarray, optional
        Bool (p,): fit these statistics only.
    compress_rows : bool
        Group identical dyads before fitting (same estimate, faster).
    check : bool
        Look for collinear statistics and infinite estimates first.

    Returns
    -------
    fit : LogitFit
        The maximum pseudo-likelihood estimate.
    tab : DyadTable
        The dyad table it was fitted on.

    Raises
    ------
    InputError
        If some statistics are collinear.

    Examples
    --------
    >>> import networkx as nx
    >>> from spatialhealth.networks.ergm.model import build_model
    >>> fit, tab = mple(build_model(nx.florentine_families_graph(), "edges + triangle"))
    >>> [round(float(v), 3) for v in fit.params]
    [-1.451, 0.009]
    """
    X, y = model.dyad_table()
    if terms_mask is not None:
        X = np.ascontiguousarray(X[:, terms_mask])
    names = [nm for nm, k in zip(model.names, terms_mask if terms_mask is not None
                                 else np.ones(model.p, bool)) if k]
    tab = compress(X, y) if compress_rows else DyadTable(X, y.astype(float), np.ones(len(y)), len(y))
    p = tab.X.shape[1]
    # a statistic no single toggle can change is at both of its local bounds; statnet
    # reports its coefficient as -Inf when the observed value is its minimum (0 for the
    # counts: e.g. idegrange(8) with no node near in-degree 8) and +Inf otherwise
    zero = np.all(tab.X == 0, axis=0) if tab.nrows else np.ones(p, bool)
    if zero.any():
        keep = ~zero
        obs = model.observed()
        if terms_mask is not None:
            obs = obs[terms_mask]
        fit = LogitFit(np.where(obs == 0, -np.inf, np.inf), np.full((p, p), np.nan), np.full((p, p), np.nan), 0.0,
                       0, True)
        if keep.any():
            sub = DyadTable(np.ascontiguousarray(tab.X[:, keep]), tab.s, tab.m, tab.ndyads)

            subfit, _ = _mple_table(sub, [nm for nm, k in zip(names, keep) if k], check)
            fit.params[keep] = subfit.params
            fit.cov[np.ix_(keep, keep)] = subfit.cov
            fit.hessian[np.ix_(keep, keep)] = subfit.hessian
            fit.llf, fit.iterations, fit.converged = subfit.llf, subfit.iterations, subfit.converged
            fit.infinite = dict(subfit.infinite or {})
        else:
            fit.infinite = {}
        fit.infinite.update({names[k]: float(fit.params[k]) for k in np.nonzero(zero)[0]})
        fit.never_changes = [names[k] for k in np.nonzero(zero)[0]]
        return fit, tab
    return _mple_table(tab, names, check)


def _mple_table(tab, names, check):
    p = tab.X.shape[1]
    col = collinear_terms(tab.X, names)
    if col:
        raise InputError(
            f"The statistics {', '.join(f'`{c}`' for c in col)} are collinear: on this network one is a linear "
            "combination of the others (e.g. a covariate that is a linear transform of another with `edges`), "
            "so their coefficients cannot be told apart; drop one of them.")
    fit = logistic_fit(tab)
    fit.infinite = {}
    se = np.sqrt(np.abs(np.diag(fit.cov))) if np.all(np.isfinite(fit.cov)) else np.full(p, np.inf)
    suspicious = (not fit.converged or not np.all(np.isfinite(fit.params)) or np.any(np.abs(fit.params) > 10)
                  or np.any(se > 50))
    if suspicious:
        sign, decided = find_separation(tab)
        if np.any(sign != 0):
            finite = sign == 0
            rows = ~decided
            params = np.where(sign > 0, np.inf, -np.inf)
            cov = np.full((p, p), np.nan)
            llf = 0.0
            hess = np.full((p, p), np.nan)
            it, conv = 0, True
            if finite.any() and rows.any():
                sub = _logistic_subset(tab, rows, finite)
                params[finite] = sub.params
                cov[np.ix_(finite, finite)] = sub.cov
                hess[np.ix_(finite, finite)] = sub.hessian
                llf, it, conv = sub.llf, sub.iterations, sub.converged
            fit = LogitFit(params, cov, hess, float(llf), it, conv)
            fit.infinite = {names[k]: float(params[k]) for k in np.nonzero(sign)[0]}
    if check and not fit.converged:
        raise ConvergenceError("The maximum pseudo-likelihood fit did not converge (Newton iterations); the model "
                               "may be degenerate.")
    return fit, tab
