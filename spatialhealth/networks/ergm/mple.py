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
    """Grouped dyad table: rows ``X``, ties ``s`` and dyads ``m`` per row."""

    X: np.ndarray
    s: np.ndarray
    m: np.ndarray
    ndyads: int

    @property
    def nrows(self) -> int:
        return self.X.shape[0]


def compress(X, y) -> DyadTable:
    """Merge identical (row, tie) pairs of the dyad table into counts."""
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
    params: np.ndarray
    cov: np.ndarray
    hessian: np.ndarray
    llf: float
    iterations: int
    converged: bool
    infinite: dict = None  # name -> +inf/-inf for coefficients whose estimate is infinite


def logistic_fit(tab: DyadTable, start=None, offset=None, maxiter=100, tol=1e-12, names=None) -> LogitFit:
    """Newton-Raphson with step halving for the grouped logistic regression."""
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

    Returns (sign (p,) of +1/-1 for coefficients that are +/-infinity, 0 otherwise; bool mask
    of the rows decided by the infinite coefficients).
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


def collinear_terms(X, names, rel=1e-9):
    """Names of statistics that are linear combinations of each other on these dyads."""
    if X.shape[0] == 0 or X.shape[1] < 2:
        return []
    scale = np.sqrt(np.mean(X ** 2, axis=0))
    scale[scale == 0] = 1.0
    Xs = X / scale
    sv, V = np.linalg.svd(Xs, full_matrices=False)[1:]
    if sv[-1] > rel * sv[0]:
        return []
    v = V[-1]
    return [nm for nm, x in zip(names, v) if abs(x) > 1e-6]


def separation_problems(model, fit: LogitFit, tab: DyadTable) -> list[str]:
    """Plain-words reasons why some MPLE coefficients are infinite (empty list if none)."""
    msgs = []
    obs = model.observed()
    never = set(getattr(fit, "never_changes", ()) or ())
    inf = [(k, nm) for k, nm in enumerate(model.names) if np.isinf(fit.params[k]) and nm not in never]
    for k, name in enumerate(model.names):
        if name in never:
            msgs.append(f"`{name}` is +Inf: no single tie changes it on this network (observed value "
                        f"{obs[k]:g}), so it is at its bound; statnet reports +Inf too")
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
    """
    X, y = model.dyad_table()
    if terms_mask is not None:
        X = np.ascontiguousarray(X[:, terms_mask])
    names = [nm for nm, k in zip(model.names, terms_mask if terms_mask is not None
                                 else np.ones(model.p, bool)) if k]
    tab = compress(X, y) if compress_rows else DyadTable(X, y.astype(float), np.ones(len(y)), len(y))
    p = tab.X.shape[1]
    # a statistic no single toggle can change is at both of its local bounds; statnet
    # reports its coefficient as +Inf, and so do we (the other terms are fitted without it)
    zero = np.all(tab.X == 0, axis=0) if tab.nrows else np.ones(p, bool)
    if zero.any():
        keep = ~zero
        fit = LogitFit(np.full(p, np.inf), np.full((p, p), np.nan), np.full((p, p), np.nan), 0.0, 0, True)
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
        fit.infinite.update({names[k]: np.inf for k in np.nonzero(zero)[0]})
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
