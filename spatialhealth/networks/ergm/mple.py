"""Maximum pseudo-likelihood: logistic regression of ties on their change statistics.

For dyad-independent models the pseudo-likelihood is the likelihood, so the MPLE is the
MLE and its inverse-Hessian standard errors are exact. Identical rows of the dyad table
(common with categorical covariates) are merged into binomial counts first, which
changes nothing in the estimates but makes the fit much faster.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...errors import ConvergenceError
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


def separation_problems(model, fit: LogitFit, tab: DyadTable) -> list[str]:
    """Plain-words reasons why some MPLE coefficients are infinite (empty list if none)."""
    msgs = []
    obs = model.observed()
    X = tab.X
    se = np.sqrt(np.abs(np.diag(fit.cov))) if np.all(np.isfinite(fit.cov)) else np.full(len(obs), np.inf)
    const_seen = False
    for k, name in enumerate(model.names):
        col = X[:, k]
        is_const = bool(np.all(col == col[0])) and col[0] != 0
        if is_const and const_seen:
            msgs.append(f"`{name}` changes by the same amount ({col[0]:g}) for every dyad, so it "
                        f"cannot be told apart from the other terms (collinear); drop it.")
        const_seen = const_seen or is_const
        if is_const:
            continue
        if np.all(col == 0):
            msgs.append(f"`{name}` never changes on this network (its change statistic is 0 for every dyad); drop it.")
        elif abs(fit.params[k]) > 25 or se[k] > 1e3 or not np.isfinite(fit.params[k]):
            msgs.append(f"`{name}` runs off to {'+' if fit.params[k] > 0 else '-'}infinity (observed value "
                        f"{obs[k]:g} is the {'largest' if fit.params[k] > 0 else 'smallest'} possible given the "
                        f"other terms, e.g. every tie or no tie has it); drop the term or merge sparse categories.")
    return msgs


def mple(model, terms_mask=None, compress_rows=True, check=True):
    """MPLE of ``model``: returns (LogitFit, DyadTable).

    ``terms_mask`` (bool (p,)) restricts the fit to some statistics (the others get 0).
    Raises :class:`ConvergenceError` in plain words when an estimate is infinite.
    """
    X, y = model.dyad_table()
    if terms_mask is not None:
        X = np.ascontiguousarray(X[:, terms_mask])
    tab = compress(X, y) if compress_rows else DyadTable(X, y.astype(float), np.ones(len(y)), len(y))
    fit = logistic_fit(tab)
    if check:
        class _M:  # the sub-model view for messages
            names = [nm for nm, k in zip(model.names, terms_mask if terms_mask is not None
                                          else np.ones(model.p, bool)) if k]

            @staticmethod
            def observed():
                o = model.observed()
                return o if terms_mask is None else o[terms_mask]
        problems = separation_problems(_M, fit, tab)
        if problems or not fit.converged:
            raise ConvergenceError(
                "The maximum pseudo-likelihood fit has no finite solution: " + " ".join(problems or [
                    "Newton iterations did not converge; the model may be degenerate."]))
    return fit, tab
