"""Compiled kernels of the equity subpackage (numba, cached on disk).

Only one hot loop lives here: the dynamic programme of the exactly optimal
one-dimensional k-means (:func:`spatialhealth.equity.kmeans_1d`).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _seg_cost(s1, s2, i, j):
    """Within-cluster sum of squares of sorted values i..j (inclusive)."""
    cnt = j - i + 1
    s = s1[j + 1] - s1[i]
    v = (s2[j + 1] - s2[i]) - s * s / cnt
    return v if v > 0.0 else 0.0


@njit(cache=True)
def _fill_row(m, jlo, jhi, ilo, ihi, s1, s2, cost, start):
    """Fill ``cost[m, jlo..jhi]`` by divide and conquer.

    The leftmost optimal start ``i*(j)`` of the last cluster is non-decreasing in ``j``
    (the SSE cost satisfies the quadrangle inequality), so the middle column's
    optimum bounds the search of the two halves (Wang & Song 2011; Grønlund et al. 2017).
    An explicit stack replaces recursion.
    """
    stack = np.empty((64 + 2 * int(np.log2(jhi - jlo + 2)) + 8, 4), dtype=np.int64)
    top = 0
    stack[0, 0], stack[0, 1], stack[0, 2], stack[0, 3] = jlo, jhi, ilo, ihi
    top = 1
    while top > 0:
        top -= 1
        a, b, lo, hi = stack[top, 0], stack[top, 1], stack[top, 2], stack[top, 3]
        if a > b:
            continue
        j = (a + b) // 2
        best = np.inf
        arg = lo
        upper = hi if hi < j else j
        lower = lo if lo > m else m
        for i in range(lower, upper + 1):
            c = cost[m - 1, i - 1] + _seg_cost(s1, s2, i, j)
            if c < best:
                best = c
                arg = i
        cost[m, j] = best
        start[m, j] = arg
        if top + 2 > stack.shape[0]:  # pragma: no cover - depth is logarithmic
            grown = np.empty((stack.shape[0] * 2, 4), dtype=np.int64)
            grown[:top] = stack[:top]
            stack = grown
        stack[top, 0], stack[top, 1], stack[top, 2], stack[top, 3] = a, j - 1, lo, arg
        top += 1
        stack[top, 0], stack[top, 1], stack[top, 2], stack[top, 3] = j + 1, b, arg, hi
        top += 1


@njit(cache=True)
def kmeans_1d_dp(xs, k):
    """Optimal k-means of sorted values ``xs``; returns (labels 1..k of xs, minimum SSE)."""
    n = xs.shape[0]
    s1 = np.zeros(n + 1)
    s2 = np.zeros(n + 1)
    for i in range(n):
        s1[i + 1] = s1[i] + xs[i]
        s2[i + 1] = s2[i] + xs[i] * xs[i]
    cost = np.full((k, n), np.inf)
    start = np.zeros((k, n), dtype=np.int64)
    for j in range(n):
        cost[0, j] = _seg_cost(s1, s2, 0, j)
    for m in range(1, k):
        _fill_row(m, m, n - 1, m, n - 1, s1, s2, cost, start)
    labels = np.empty(n, dtype=np.int64)
    j = n - 1
    for m in range(k - 1, -1, -1):
        i = start[m, j] if m > 0 else 0
        for t in range(i, j + 1):
            labels[t] = m + 1
        j = i - 1
    return labels, cost[k - 1, n - 1]
