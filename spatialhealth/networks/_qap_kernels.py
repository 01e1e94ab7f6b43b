"""Compiled permutation kernels of QAP / MRQAP (:mod:`spatialhealth.networks.qap`).

Every kernel takes the dyads used by the model as two index arrays ``rows``, ``cols``
(length m), an n x n matrix ``M`` that is permuted, and a block of permutations
``perms`` (B x n). The permuted value of dyad d under permutation p is
``M[p[rows[d]], p[cols[d]]]`` (rows and columns permuted together, as R sna's
``rmperm``: ``m[o, o]``). Nothing is materialised beyond one dyad vector per thread,
so memory stays O(m) whatever B is.

Permutations are drawn in Python from the user's seed and passed in, and each
permutation's statistic depends only on that permutation, so results are identical
for a given seed whatever the number of threads.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True)
def _chol_solve(H, g, out, Hinv_diag):
    """Solve H x = g for a small symmetric positive-definite H (Cholesky).

    Writes x into ``out`` and diag(H^-1) into ``Hinv_diag``; returns False when H is
    not numerically positive definite.
    """
    k = H.shape[0]
    L = np.zeros((k, k))
    for j in range(k):
        s = H[j, j]
        for q in range(j):
            s -= L[j, q] * L[j, q]
        if not s > 1e-300:
            return False
        L[j, j] = np.sqrt(s)
        for i in range(j + 1, k):
            s = H[i, j]
            for q in range(j):
                s -= L[i, q] * L[j, q]
            L[i, j] = s / L[j, j]
    # forward / backward substitution for x
    z = np.zeros(k)
    for i in range(k):
        s = g[i]
        for q in range(i):
            s -= L[i, q] * z[q]
        z[i] = s / L[i, i]
    for i in range(k - 1, -1, -1):
        s = z[i]
        for q in range(i + 1, k):
            s -= L[q, i] * out[q]
        out[i] = s / L[i, i]
    # diag of H^-1 = sum over columns of (L^-1)^2
    Linv = np.zeros((k, k))
    for j in range(k):
        Linv[j, j] = 1.0 / L[j, j]
        for i in range(j + 1, k):
            s = 0.0
            for q in range(j, i):
                s -= L[i, q] * Linv[q, j]
            Linv[i, j] = s / L[i, i]
    for j in range(k):
        s = 0.0
        for i in range(j, k):
            s += Linv[i, j] * Linv[i, j]
        Hinv_diag[j] = s
    return True


#: permutations that share one pass over the weight matrices in :func:`perm_dots`
GROUP = 8


@njit(cache=True, parallel=True)
def perm_dots(M, perms, W, lower, diagonal):
    """``out[b, l] = sum_(i,j) W[l, i, j] * M[p[i], p[j]]`` for every permutation p = perms[b].

    The sum runs over the dyads of the model: j < i (``lower``, undirected networks) or
    every j != i (directed), plus j == i when ``diagonal``. ``W`` stacks L weight
    matrices (columns of an orthonormal design basis, residuals, a centred network),
    so one pass over the permuted matrix gives every inner product a fit needs.
    Permutations are processed in groups of :data:`GROUP` so that each row of ``W`` is
    read once per group (the weights, not the permuted matrix, dominate memory traffic).
    """
    B = perms.shape[0]
    n = M.shape[0]
    L = W.shape[0]
    out = np.zeros((B, L))
    ngroups = (B + GROUP - 1) // GROUP
    for gi in prange(ngroups):
        b0 = gi * GROUP
        g = min(GROUP, B - b0)
        rows = np.empty((GROUP, n))
        acc = np.zeros((GROUP, L))
        for i in range(n):
            jmax = (i + 1 if diagonal else i) if lower else n
            for t in range(g):
                p = perms[b0 + t]
                Mi = M[p[i]]
                rt = rows[t]
                for j in range(jmax):
                    rt[j] = Mi[p[j]]
                if not lower and not diagonal:
                    rt[i] = 0.0
            for l in range(L):
                Wl = W[l, i]
                for t in range(g):
                    rt = rows[t]
                    s = 0.0
                    for j in range(jmax):
                        s += Wl[j] * rt[j]
                    acc[t, l] += s
        for t in range(g):
            for l in range(L):
                out[b0 + t, l] = acc[t, l]
    return out


@njit(cache=True)
def _newton_update(H, g, step, hdiag, beta, tol):
    """One Newton update of ``beta`` by the solution of ``H step = g``.

    Returns 1 when the step is within ``tol`` of ``beta``'s scale (converged), 0 to go on,
    -1 when ``H`` is not positive definite (``hdiag`` is then set to NaN).
    """
    if not _chol_solve(H, g, step, hdiag):
        hdiag[:] = np.nan
        return -1
    big = 0.0
    scale = 1.0
    for j in range(beta.shape[0]):
        beta[j] += step[j]
        big = max(big, abs(step[j]))
        scale = max(scale, abs(beta[j]))
    return 1 if big <= tol * scale else 0


@njit(cache=True)
def _col(Xf, v, j):
    return v if j == Xf.shape[0] else Xf[j]


@njit(cache=True)
def _logit_newton(Xf, v, use_v, y, beta, maxiter, tol, mu0):
    """Newton-Raphson logit of y on the columns of ``Xf`` (k x m, one row per column)
    and, when ``use_v``, the extra column ``v``; ``beta`` is the start, updated in place.

    ``mu0`` (length m, or empty) are the fitted probabilities at the start when they are
    known (the null model, the same for every permutation): the first iteration then
    needs no exponentials. Stops when the largest step is below ``tol`` times max(1, max |beta|). Returns
    (converged, diag of the inverse information at the last step), as R's glm.fit
    whose covariance uses the weights of its last iteration.
    """
    q, m = Xf.shape
    k = q + 1 if use_v else q
    H = np.empty((k, k))
    g = np.empty(k)
    step = np.empty(k)
    hdiag = np.full(k, np.nan)
    eta = np.empty(m)
    w = np.empty(m)
    r = np.empty(m)
    for it in range(maxiter):
        if it == 0 and mu0.shape[0] == m:
            for d in range(m):
                w[d] = mu0[d] * (1.0 - mu0[d])
                r[d] = y[d] - mu0[d]
        else:
            eta[:] = 0.0
            for j in range(k):
                c = _col(Xf, v, j)
                bj = beta[j]
                for d in range(m):
                    eta[d] += c[d] * bj
            for d in range(m):
                mu = 1.0 / (1.0 + np.exp(-eta[d]))
                w[d] = mu * (1.0 - mu)
                r[d] = y[d] - mu
        for a in range(k):
            ca = _col(Xf, v, a)
            s = 0.0
            for d in range(m):
                s += ca[d] * r[d]
            g[a] = s
            for b in range(a + 1):
                cb = _col(Xf, v, b)
                s = 0.0
                for d in range(m):
                    s += w[d] * ca[d] * cb[d]
                H[a, b] = s
                H[b, a] = s
        state = _newton_update(H, g, step, hdiag, beta, tol)
        if state != 0:
            return state == 1, hdiag
    return False, hdiag


_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01  # ln 2 split in two (Cody & Waite): exact k * _LN2_HI
_LN2_LO = 1.90821492927058770002e-10


@njit(cache=True, fastmath={"contract"})  # no reassociation: the reduction x - k ln2 must stay exact
def _logistic(eta, mu, kb, length):
    """Compute mu = 1 / (1 + exp(-eta)) with an exp that the compiler can vectorise.

    exp(x) = 2^k exp(r), k = round(x / ln 2), |r| <= ln 2 / 2, exp(r) by its Taylor
    polynomial of degree 13 (truncation error below 1e-17) and 2^k built from the bits
    of a double; within 2 ulp of the C library's exp (|x| <= 708; beyond, x is clamped:
    probabilities below 1e-307 are not distinguished). ``kb`` is int64 scratch of the
    same length; the first ``length`` entries are computed. About 3 ns per dyad instead
    of 7-10 for the scalar library exp.
    """
    for d in range(length):
        x = min(max(-eta[d], -708.0), 708.0)
        kf = np.floor(x * _LOG2E + 0.5)
        r = x - kf * _LN2_HI
        r = r - kf * _LN2_LO
        p = 1.0 / 6227020800.0
        p = p * r + 1.0 / 479001600.0
        p = p * r + 1.0 / 39916800.0
        p = p * r + 1.0 / 3628800.0
        p = p * r + 1.0 / 362880.0
        p = p * r + 1.0 / 40320.0
        p = p * r + 1.0 / 5040.0
        p = p * r + 1.0 / 720.0
        p = p * r + 1.0 / 120.0
        p = p * r + 1.0 / 24.0
        p = p * r + 1.0 / 6.0
        p = p * r + 0.5
        p = p * r + 1.0
        p = p * r + 1.0
        mu[d] = p
        kb[d] = (np.int64(kf) + 1023) << 52
    scale = kb.view(np.float64)
    for d in range(length):
        mu[d] = 1.0 / (1.0 + mu[d] * scale[d])


@njit(cache=True, fastmath={"reassoc", "nsz", "contract"})
def _logit_newton_fast(Xf, v, use_v, y, beta, maxiter, tol, mu0, scratch, kb):
    """:func:`_logit_newton` with vectorised sums over the dyads and exponential.

    The same Newton iterations, start, stopping rule and last-step information. Only
    the order of the floating-point additions in the sums over the m dyads
    (``reassoc``: SIMD partial sums; ``contract``: fused multiply-adds) and the
    exponential (:func:`_logistic`) differ, so the results agree with
    :func:`_logit_newton` to rounding (about 1e-11 relative), and permutation p-values
    are the same unless a permuted statistic ties the observed one to that precision.
    In :func:`_logit_newton` the gradient ``X'(y - mu)`` and information ``X' W X`` are
    chains of dependent additions (two thirds of the time) and the scalar library exp
    took most of the rest. ``scratch`` (4 x m floats) and ``kb`` (m int64) are work
    space, allocated once per block of permutations by the callers.
    """
    q, m = Xf.shape
    k = q + 1 if use_v else q
    H = np.empty((k, k))
    g = np.empty(k)
    step = np.empty(k)
    hdiag = np.full(k, np.nan)
    eta = scratch[0]
    w = scratch[1]
    r = scratch[2]
    wc = scratch[3]
    for it in range(maxiter):
        if it == 0 and mu0.shape[0] == m:
            for d in range(m):
                w[d] = mu0[d] * (1.0 - mu0[d])
                r[d] = y[d] - mu0[d]
        else:
            c0 = _col(Xf, v, 0)
            b0 = beta[0]
            for d in range(m):
                eta[d] = c0[d] * b0
            for j in range(1, k):
                c = _col(Xf, v, j)
                bj = beta[j]
                for d in range(m):
                    eta[d] += c[d] * bj
            _logistic(eta, wc, kb, m)
            for d in range(m):
                mu = wc[d]
                w[d] = mu * (1.0 - mu)
                r[d] = y[d] - mu
        for a in range(k):
            # one pass: gradient entry, w * x_a for the row of the information, its diagonal
            ca = _col(Xf, v, a)
            s = 0.0
            saa = 0.0
            for d in range(m):
                x = ca[d]
                s += x * r[d]
                t = w[d] * x
                wc[d] = t
                saa += t * x
            g[a] = s
            H[a, a] = saa
            for b in range(a):
                cb = _col(Xf, v, b)
                s = 0.0
                for d in range(m):
                    s += wc[d] * cb[d]
                H[a, b] = s
                H[b, a] = s
        state = _newton_update(H, g, step, hdiag, beta, tol)
        if state != 0:
            return state == 1, hdiag
    return False, hdiag


#: permutations per parallel block of the logit kernels (work space allocated per block)
BLOCK = 8


@njit(cache=True, parallel=True)
def logit_dekker(E, rows, cols, perms, Xf, y, beta0, mu0, maxiter, tol, fast=True):
    """Logit of y on [X_-i, P(e_i)]: coefficient and z value of the permuted residual.

    ``Xf`` (q x m) holds the other columns. Newton iterations start from ``beta0`` (the
    fit of y on X_-i) with 0 for the permuted column, the null model, so few steps are
    needed. ``fast`` selects :func:`_logit_newton_fast` (default) or the strict-order
    :func:`_logit_newton`.
    """
    B = perms.shape[0]
    q, m = Xf.shape
    beta = np.empty(B)
    zval = np.empty(B)
    nblocks = (B + BLOCK - 1) // BLOCK
    for blk in prange(nblocks):
        v = np.empty(m)
        scratch = np.empty((4, m))
        kb = np.empty(m, dtype=np.int64)
        bt = np.zeros(q + 1)
        for b in range(blk * BLOCK, min(B, (blk + 1) * BLOCK)):
            p = perms[b]
            for d in range(m):
                v[d] = E[p[rows[d]], p[cols[d]]]
            for j in range(q):
                bt[j] = beta0[j]
            bt[q] = 0.0
            if fast:
                ok, hdiag = _logit_newton_fast(Xf, v, True, y, bt, maxiter, tol, mu0, scratch, kb)
            else:
                ok, hdiag = _logit_newton(Xf, v, True, y, bt, maxiter, tol, mu0)
            if ok:
                beta[b] = bt[q]
                zval[b] = bt[q] / np.sqrt(hdiag[q])
            else:
                beta[b] = np.nan
                zval[b] = np.nan
    return beta, zval


@njit(cache=True, parallel=True)
def logit_yperm(Y, rows, cols, perms, Xf, beta0, mu0, maxiter, tol, fast=True):
    """Logit of P(y) on the fixed design ``Xf`` (k x m): all coefficients and z values."""
    B = perms.shape[0]
    k, m = Xf.shape
    beta = np.empty((B, k))
    zval = np.empty((B, k))
    dummy = np.empty(0)
    nblocks = (B + BLOCK - 1) // BLOCK
    for blk in prange(nblocks):
        u = np.empty(m)
        scratch = np.empty((4, m))
        kb = np.empty(m, dtype=np.int64)
        for b in range(blk * BLOCK, min(B, (blk + 1) * BLOCK)):
            p = perms[b]
            for d in range(m):
                u[d] = Y[p[rows[d]], p[cols[d]]]
            bt = beta0.copy()
            if fast:
                ok, hdiag = _logit_newton_fast(Xf, dummy, False, u, bt, maxiter, tol, mu0, scratch, kb)
            else:
                ok, hdiag = _logit_newton(Xf, dummy, False, u, bt, maxiter, tol, mu0)
            for j in range(k):
                if ok:
                    beta[b, j] = bt[j]
                    zval[b, j] = bt[j] / np.sqrt(hdiag[j])
                else:
                    beta[b, j] = np.nan
                    zval[b, j] = np.nan
    return beta, zval
