"""Numba kernels of :mod:`spatialhealth.layers` (compiled once, cached on disk).

Conditional permutation inference for local Moran statistics, linear in n.

esda's conditional randomisation draws one set of ``permutations`` x ``k_max``
indices into the n - 1 *other* sites and reuses it for every site i, and for
each i copies z without z_i (an n-length copy per site, hence quadratic time).
Here the copy is never made: index r of the shared set refers to site
``r`` if ``r < i`` else ``r + 1``, which is exactly the element esda reads from
its copy. Since the shared set is small (``permutations x k_max``), its z values
are gathered once into two tables (for ``r`` and ``r + 1``), so the inner loop
touches only cache-resident memory: time O(n x permutations x k), memory O(n).

Two ways of drawing the shared set:

* :func:`esda_permutation_set` reproduces esda's own draw (numba's Mersenne
  Twister seeded with ``seed``, ``np.random.choice(n - 1, k_max,
  replace=False)`` per permutation). With :func:`conditional_pseudo_p_blas`,
  which forms each site's lag by the same BLAS product as esda, p-values are
  bitwise equal to esda's for the same seed. Drawing costs O(permutations x n),
  so this pair is used at small n only.
* :func:`sample_permutation_set` draws each row by Floyd's algorithm in
  O(k_max), for any n.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True)
def esda_permutation_set(max_card, n, permutations, seed):  # pragma: no cover - compiled
    np.random.seed(seed)
    out = np.empty((permutations, max_card), dtype=np.int64)
    for r in range(permutations):
        out[r] = np.random.choice(n - 1, size=max_card, replace=False)
    return out


@njit(cache=True)
def sample_permutation_set(max_card, n, permutations, seed):  # pragma: no cover - compiled
    """Rows of ``max_card`` distinct integers from [0, n - 1), Floyd's algorithm, random order."""
    np.random.seed(seed)
    m = n - 1
    out = np.empty((permutations, max_card), dtype=np.int64)
    for r in range(permutations):
        count = 0
        for j in range(m - max_card, m):
            t = np.random.randint(0, j + 1)
            dup = False
            for q in range(count):
                if out[r, q] == t:
                    dup = True
                    break
            out[r, count] = j if dup else t
            count += 1
        # Floyd's sample is a set; shuffle so that position j is a uniform draw
        for q in range(max_card - 1, 0, -1):
            s = np.random.randint(0, q + 1)
            tmp = out[r, q]
            out[r, q] = out[r, s]
            out[r, s] = tmp
    return out


@njit(cache=True, parallel=True)
def conditional_pseudo_p(zi, zsrc, indptr, weights, permuted, scaling, observed):  # pragma: no cover
    """Folded pseudo p-values of local statistics ``zi[i] * sum_j w_ij zsrc[j] * scaling``.

    Parameters
    ----------
    zi : (n,) values multiplying the lag at each site (z of x)
    zsrc : (n,) values whose lag is taken (z of x, or of y for bivariate)
    indptr, weights : CSR row pointers and non-zero weights (no self weights)
    permuted : (permutations, k_max) indices into the n - 1 other sites
    scaling : float
    observed : (n,) observed statistics

    Returns
    -------
    p : (n,) folded pseudo p-value ``(min(larger, P - larger) + 1) / (P + 1)`` where
        ``larger`` counts permuted statistics >= observed (esda's convention); NaN
        for sites without neighbours.
    mean, sd : (n,) mean and standard deviation of the permuted statistics.
    """
    n = zi.shape[0]
    perms, kmax = permuted.shape
    lo = np.empty((perms, kmax))
    hi = np.empty((perms, kmax))
    for r in range(perms):
        for j in range(kmax):
            idx = permuted[r, j]
            lo[r, j] = zsrc[idx]
            hi[r, j] = zsrc[idx + 1]
    p = np.empty(n)
    mean = np.empty(n)
    sd = np.empty(n)
    for i in prange(n):
        start = indptr[i]
        card = indptr[i + 1] - start
        if card == 0:
            p[i] = np.nan
            mean[i] = np.nan
            sd[i] = np.nan
            continue
        larger = 0
        s1 = 0.0
        s2 = 0.0
        obs = observed[i]
        # (z_i * scaling) * lag, in this order: it is how esda's compiled kernel rounds,
        # and permuted statistics tying with the observed one (common when k is small)
        # must compare the same way for p-values to match esda's exactly
        zc = zi[i] * scaling
        for r in range(perms):
            acc = 0.0
            for j in range(card):
                v = lo[r, j] if permuted[r, j] < i else hi[r, j]
                acc += v * weights[start + j]
            stat = zc * acc
            if stat >= obs:
                larger += 1
            s1 += stat
            s2 += stat * stat
        if perms - larger < larger:
            larger = perms - larger
        p[i] = (larger + 1.0) / (perms + 1.0)
        m = s1 / perms
        mean[i] = m
        var = s2 / perms - m * m
        sd[i] = np.sqrt(var) if var > 0 else 0.0
    return p, mean, sd


@njit(cache=True)
def conditional_pseudo_p_blas(zi, zsrc, indptr, weights, permuted, scaling, observed):  # pragma: no cover
    """As :func:`conditional_pseudo_p`, but each site's lag is a BLAS matrix-vector product.

    esda forms, for each site, the (permutations x k) matrix of drawn values and
    multiplies it by the site's weights through BLAS; a BLAS dot product may sum in a
    different order than a plain loop, and when a permuted statistic ties the observed
    one to within rounding the comparison can flip. Doing the same product here makes
    the p-values bitwise equal to esda's. It is slower than the loop (one small matrix
    per site), which is why it is used at small n only.
    """
    n = zi.shape[0]
    perms = permuted.shape[0]
    p = np.empty(n)
    mean = np.empty(n)
    sd = np.empty(n)
    for i in range(n):
        start = indptr[i]
        card = indptr[i + 1] - start
        if card == 0:
            p[i] = np.nan
            mean[i] = np.nan
            sd[i] = np.nan
            continue
        X = np.empty((perms, card))
        for r in range(perms):
            for j in range(card):
                idx = permuted[r, j]
                X[r, j] = zsrc[idx] if idx < i else zsrc[idx + 1]
        w = weights[start:start + card].copy()
        stats = (zi[i] * scaling) * (X @ w)
        larger = 0
        for r in range(perms):
            if stats[r] >= observed[i]:
                larger += 1
        if perms - larger < larger:
            larger = perms - larger
        p[i] = (larger + 1.0) / (perms + 1.0)
        mean[i] = stats.mean()
        sd[i] = stats.std()
    return p, mean, sd


# --- generic local statistics (Getis-Ord, local Geary, local join counts, Moran) ---------------
#
# kind codes: 0 Moran   stat = (zi * scaling) * lag
#             1 Gi      stat = lag / (scaling - zi)        (zi: the site's raw value)
#             2 Gi*     stat = (lag + selfw * zi) / scaling
#             3 Geary   stat = sum_j w_j (zi - z_j)^2
#             4 joins   stat = zi * lag                    (binary values)
# where lag = sum_j w_j z_j over the drawn neighbours.

KIND_MORAN, KIND_G, KIND_GSTAR, KIND_GEARY, KIND_JOIN = 0, 1, 2, 3, 4


@njit(cache=True, fastmath=True)
def _stat_blas(kind, X, w, zi, selfw, scaling):  # pragma: no cover - compiled
    # each form is written as esda writes its statistic function, so that rounding agrees
    if kind == 0:
        return scaling * zi * (X @ w)
    if kind == 1:
        return (X @ w) / (scaling - zi)
    if kind == 2:
        return (X @ w + selfw * zi) / scaling
    if kind == 3:
        return (zi - X) ** 2 @ w
    return zi * (X @ w)


@njit(cache=True)
def _stat_scalar(kind, acc, zi, selfw, scaling):  # pragma: no cover - compiled
    if kind == 0:
        return (zi * scaling) * acc
    if kind == 1:
        return acc / (scaling - zi)
    if kind == 2:
        return (acc + selfw * zi) / scaling
    return zi * acc  # kinds 3 (acc already holds the squared differences) and 4 handled by caller


@njit(cache=True)
def _fold(stats, obs, tol, exact_ties):  # pragma: no cover - compiled
    perms = stats.shape[0]
    ge = 0
    le = 0
    for r in range(perms):
        s = stats[r]
        if exact_ties:
            if s >= obs - tol:
                ge += 1
            if s <= obs + tol:
                le += 1
        elif s >= obs:
            ge += 1
    if not exact_ties:
        le = perms - ge
    return (min(ge, le) + 1.0) / (perms + 1.0)


@njit(cache=True)
def conditional_shared_blas(kind, zi, zsrc, indptr, weights, selfw, permuted, scaling, observed,
                            tol, exact_ties):  # pragma: no cover - compiled
    """Shared draws (esda's), each site's statistics formed exactly as esda forms them.

    Returns p (folded pseudo p, ties as ``exact_ties`` says), mean and sd of the permuted
    statistics; NaN for sites without neighbours.
    """
    n = zi.shape[0]
    perms = permuted.shape[0]
    p = np.empty(n)
    mean = np.empty(n)
    sd = np.empty(n)
    for i in range(n):
        start = indptr[i]
        card = indptr[i + 1] - start
        if card == 0:
            p[i] = np.nan
            mean[i] = np.nan
            sd[i] = np.nan
            continue
        X = np.empty((perms, card))
        for r in range(perms):
            for j in range(card):
                idx = permuted[r, j]
                X[r, j] = zsrc[idx] if idx < i else zsrc[idx + 1]
        w = weights[start:start + card].copy()
        stats = _stat_blas(kind, X, w, zi[i], selfw[i], scaling)
        p[i] = _fold(stats, observed[i], tol[i], exact_ties)
        mean[i] = stats.mean()
        sd[i] = stats.std()
    return p, mean, sd


@njit(cache=True)
def _splitmix(state):  # pragma: no cover - compiled
    state = (state + np.uint64(0x9E3779B97F4A7C15))
    z = state
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return state, z ^ (z >> np.uint64(31))


@njit(cache=True)
def _randbelow(state, m):  # pragma: no cover - compiled
    state, r = _splitmix(state)
    u = (r >> np.uint64(11)) * (1.0 / 9007199254740992.0)
    v = np.int64(u * m)
    if v >= m:
        v = m - 1
    return state, v


@njit(cache=True, parallel=True)
def conditional_generic(kind, zi, zsrc, indptr, weights, selfw, permuted, perms, scaling, observed, tol,
                        exact_ties, per_site, seed):  # pragma: no cover - compiled
    """Conditional permutation for any statistic kind, linear in n.

    With ``per_site`` False the shared set ``permuted`` (indices into the n - 1 other
    sites) is reused for every site, as esda does. With ``per_site`` True each site
    draws its own neighbours for every permutation (Floyd's algorithm on a counter-based
    SplitMix64 stream keyed by ``seed`` and the site, so results do not depend on the
    number of threads); ``permuted`` is then ignored. Cost O(n x permutations x k) either way.
    """
    n = zi.shape[0]
    p = np.empty(n)
    mean = np.empty(n)
    sd = np.empty(n)
    # shared draws: gather their values once (cache-resident tables, as conditional_pseudo_p does)
    kmax = permuted.shape[1]
    lo = np.empty((perms if not per_site else 1, kmax))
    hi = np.empty((perms if not per_site else 1, kmax))
    if not per_site:
        for r in range(perms):
            for j in range(kmax):
                idx = permuted[r, j]
                lo[r, j] = zsrc[idx]
                hi[r, j] = zsrc[idx + 1] if idx + 1 < n else 0.0
    for i in prange(n):
        start = indptr[i]
        card = indptr[i + 1] - start
        if card == 0:
            p[i] = np.nan
            mean[i] = np.nan
            sd[i] = np.nan
            continue
        stats = np.empty(perms)
        picks = np.empty(card, dtype=np.int64)
        state = np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(i) * np.uint64(0xD1B54A32D192ED03)
        m = n - 1
        z_i = zi[i]
        equal_w = True
        for j in range(1, card):
            if weights[start + j] != weights[start]:
                equal_w = False
        if not per_site:
            selfw_i = selfw[i]
            obs_i = observed[i]
            for r in range(perms):
                acc = 0.0
                for j in range(card):
                    v = lo[r, j] if permuted[r, j] < i else hi[r, j]
                    if kind == 3:
                        d = z_i - v
                        acc += d * d * weights[start + j]
                    else:
                        acc += v * weights[start + j]
                stats[r] = acc if kind == 3 else _stat_scalar(kind, acc, z_i, selfw_i, scaling)
            p[i] = _fold(stats, obs_i, tol[i], exact_ties)
            mean[i] = stats.mean()
            sd[i] = stats.std()
            continue
        for r in range(perms):
            if per_site:
                cnt = 0
                for jj in range(m - card, m):
                    state, t = _randbelow(state, jj + 1)
                    dup = False
                    for q in range(cnt):
                        if picks[q] == t:
                            dup = True
                            break
                    picks[cnt] = jj if dup else t
                    cnt += 1
                if not equal_w:  # a uniform order: weights differ by position
                    for q in range(card - 1, 0, -1):
                        state, s = _randbelow(state, q + 1)
                        tmp = picks[q]
                        picks[q] = picks[s]
                        picks[s] = tmp
            else:
                for j in range(card):
                    picks[j] = permuted[r, j]
            acc = 0.0
            for j in range(card):
                idx = picks[j]
                v = zsrc[idx] if idx < i else zsrc[idx + 1]
                if kind == 3:
                    d = z_i - v
                    acc += d * d * weights[start + j]
                else:
                    acc += v * weights[start + j]
            stats[r] = acc if kind == 3 else _stat_scalar(kind, acc, z_i, selfw[i], scaling)
        p[i] = _fold(stats, observed[i], tol[i], exact_ties)
        mu = stats.mean()
        mean[i] = mu
        sd[i] = stats.std()
    return p, mean, sd


@njit(cache=True, parallel=True)
def conditional_geary_mv(zv, indptr, weights, permuted, perms, observed, tol, exact_ties, per_site,
                         seed):  # pragma: no cover - compiled
    """Multivariate local Geary ``mean_v sum_j w_j (z_vi - z_vj)^2`` under conditional permutation.

    ``zv`` is (variables, n); the same drawn neighbours serve every variable.
    """
    nv, n = zv.shape
    p = np.empty(n)
    mean = np.empty(n)
    sd = np.empty(n)
    for i in prange(n):
        start = indptr[i]
        card = indptr[i + 1] - start
        if card == 0:
            p[i] = np.nan
            mean[i] = np.nan
            sd[i] = np.nan
            continue
        stats = np.empty(perms)
        picks = np.empty(card, dtype=np.int64)
        state = np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(i) * np.uint64(0xD1B54A32D192ED03)
        m = n - 1
        for r in range(perms):
            if per_site:
                cnt = 0
                for jj in range(m - card, m):
                    state, t = _randbelow(state, jj + 1)
                    dup = False
                    for q in range(cnt):
                        if picks[q] == t:
                            dup = True
                            break
                    picks[cnt] = jj if dup else t
                    cnt += 1
                for q in range(card - 1, 0, -1):
                    state, s = _randbelow(state, q + 1)
                    tmp = picks[q]
                    picks[q] = picks[s]
                    picks[s] = tmp
            else:
                for j in range(card):
                    picks[j] = permuted[r, j]
            total = 0.0
            for v in range(nv):
                acc = 0.0
                zvi = zv[v, i]
                for j in range(card):
                    idx = picks[j]
                    d = zvi - (zv[v, idx] if idx < i else zv[v, idx + 1])
                    acc += d * d * weights[start + j]
                total += acc / nv
            stats[r] = total
        p[i] = _fold(stats, observed[i], tol[i], exact_ties)
        mean[i] = stats.mean()
        sd[i] = stats.std()
    return p, mean, sd


# --- shared draws on a grid: one sorted null per (segment, cardinality) --------------------------
#
# With shared draws, site i's permuted lag in permutation r is sum_j w_k v_rj(i), where k is the
# site's cardinality, w_k its (equal, row-standardised) weight and v_rj(i) = z[idx] if idx < i
# else z[idx + 1] for idx = permuted[r, j] (self-exclusion as in conditional_generic). v_rj(i)
# changes with i only where i crosses idx + 1, so the sites split into at most
# permutations x k_max + 1 runs of consecutive sites over which the set of permuted lags of each
# cardinality is fixed. Per run and cardinality the permutations' lags are summed exactly as
# conditional_generic sums them (same order, same weights) and sorted once; each site then counts
# the permuted statistics beyond its observed one by binary search. The statistic is a monotone
# function of the lag (floating-point rounding is monotone), so the counts -- and the p-values --
# are those of conditional_generic, bit for bit, at O(n log permutations) instead of
# O(n x permutations x k).


@njit(cache=True)
def _count_ge(acc, inc, kind, z, sw, scaling, thr):  # pragma: no cover - compiled
    """Count r with stat(acc[r]) >= thr (acc sorted ascending, stat monotone: ``inc``)."""
    perms = acc.shape[0]
    lo = 0
    hi = perms
    while lo < hi:
        mid = (lo + hi) // 2
        ok = _stat_scalar(kind, acc[mid], z, sw, scaling) >= thr
        if ok == inc:
            hi = mid
        else:
            lo = mid + 1
    return perms - lo if inc else lo


@njit(cache=True)
def _count_le(acc, inc, kind, z, sw, scaling, thr):  # pragma: no cover - compiled
    """Count r with stat(acc[r]) <= thr (acc sorted ascending, stat monotone: ``inc``)."""
    perms = acc.shape[0]
    lo = 0
    hi = perms
    while lo < hi:
        mid = (lo + hi) // 2
        ok = _stat_scalar(kind, acc[mid], z, sw, scaling) <= thr
        if ok != inc:
            hi = mid
        else:
            lo = mid + 1
    return lo if inc else perms - lo


@njit(cache=True, parallel=True)
def conditional_sorted(kind, zi, zsrc, card, wk, selfw, permuted, perms, scaling, observed, tol,
                       exact_ties):  # pragma: no cover - compiled
    """Folded pseudo p-values under shared draws when a site's weights depend on its cardinality only.

    ``card`` (n,) cardinalities, ``wk`` (k_max + 1,) the weight of each neighbour of a site
    with k neighbours (e.g. 1 / k); kinds 0, 1, 2 and 4 (statistics monotone in the lag).
    Equal to ``conditional_generic(..., per_site=False)`` with CSR weights ``wk[card]``.
    """
    n = zi.shape[0]
    kmax = permuted.shape[1]
    nb = perms * kmax
    br = np.empty(nb + 1, dtype=np.int64)
    br[0] = 0
    for r in range(perms):
        for j in range(kmax):
            br[1 + r * kmax + j] = permuted[r, j] + 1
    br = np.unique(br)
    nseg = br.shape[0]
    p = np.empty(n)
    for t in prange(nseg):
        s0 = br[t]
        s1 = br[t + 1] if t + 1 < nseg else n
        if s0 >= n:
            continue
        sums = np.empty((kmax + 1, perms))
        for k in range(1, kmax + 1):
            w = wk[k]
            for r in range(perms):
                acc = 0.0
                for j in range(k):
                    idx = permuted[r, j]
                    v = zsrc[idx] if idx < s0 else zsrc[idx + 1]
                    acc += v * w
                sums[k, r] = acc
            sums[k].sort()
        for i in range(s0, s1):
            k = card[i]
            if k == 0:
                p[i] = np.nan
                continue
            acc = sums[k]
            z = zi[i]
            sw = selfw[i]
            inc = _stat_scalar(kind, acc[perms - 1], z, sw, scaling) >= _stat_scalar(kind, acc[0], z, sw, scaling)
            obs = observed[i]
            if exact_ties:
                ge = _count_ge(acc, inc, kind, z, sw, scaling, obs - tol[i])
                le = _count_le(acc, inc, kind, z, sw, scaling, obs + tol[i])
            else:
                ge = _count_ge(acc, inc, kind, z, sw, scaling, obs)
                le = perms - ge
            p[i] = (min(ge, le) + 1.0) / (perms + 1.0)
    return p


@njit(cache=True, parallel=True)
def grid_lag(zgrid, valid, offsets, wk):  # pragma: no cover - compiled
    """Cardinality and weighted lag of every valid cell of a grid, row-major order.

    ``zgrid`` (h, w) values (anything at invalid cells), ``offsets`` (m, 2) neighbour
    offsets in row-major order, ``wk[k]`` the weight of each neighbour of a k-neighbour
    cell. The lag is summed as scipy's CSR product ``W @ z`` sums it (same order), so it is
    bitwise equal to the lag from :func:`spatialhealth.layers.raster.grid_weights`.
    Returns ``(card, lag)`` over valid cells (uint8, float64).
    """
    h, w = valid.shape
    m = offsets.shape[0]
    # first valid-cell number of each row
    start = np.zeros(h + 1, dtype=np.int64)
    for r in range(h):
        c = 0
        for q in range(w):
            if valid[r, q]:
                c += 1
        start[r + 1] = c
    for r in range(h):
        start[r + 1] += start[r]
    n = start[h]
    card = np.empty(n, dtype=np.uint8)
    lag = np.empty(n)
    for r in prange(h):
        pos = start[r]
        for q in range(w):
            if not valid[r, q]:
                continue
            k = 0
            for o in range(m):
                rr = r + offsets[o, 0]
                cc = q + offsets[o, 1]
                if rr >= 0 and rr < h and cc >= 0 and cc < w and valid[rr, cc]:
                    k += 1
            wt = wk[k]
            acc = 0.0
            for o in range(m):
                rr = r + offsets[o, 0]
                cc = q + offsets[o, 1]
                if rr >= 0 and rr < h and cc >= 0 and cc < w and valid[rr, cc]:
                    acc += wt * zgrid[rr, cc]
            card[pos] = k
            lag[pos] = acc
            pos += 1
    return card, lag


@njit(cache=True, parallel=True)
def geary_mv_given_draws(zv, indptr, weights, sites, picks, observed, tol, exact_ties):  # pragma: no cover
    """Multivariate local Geary of ``sites`` under explicitly given draws.

    ``picks`` (len(sites), permutations, k) holds, for each site and permutation, the
    site numbers drawn as its neighbours (the first ``card`` columns are used). Sums as
    :func:`conditional_geary_mv` (and esda's ``Geary_Local_MV._crand``) form them.
    Returns p, mean, sd for ``sites``.
    """
    nv = zv.shape[0]
    m, perms, _ = picks.shape
    p = np.empty(m)
    mean = np.empty(m)
    sd = np.empty(m)
    for b in prange(m):
        i = sites[b]
        start = indptr[i]
        card = indptr[i + 1] - start
        if card == 0:
            p[b] = np.nan
            mean[b] = np.nan
            sd[b] = np.nan
            continue
        stats = np.empty(perms)
        for r in range(perms):
            total = 0.0
            for v in range(nv):
                acc = 0.0
                zvi = zv[v, i]
                for j in range(card):
                    d = zvi - zv[v, picks[b, r, j]]
                    acc += d * d * weights[start + j]
                total += acc / nv
            stats[r] = total
        p[b] = _fold(stats, observed[i], tol[i], exact_ties)
        mean[b] = stats.mean()
        sd[b] = stats.std()
    return p, mean, sd


@njit(cache=True)
def grid_moran_sums(valid, offsets, card, wk):  # pragma: no cover - compiled
    """S1 and the column sums of row-standardised grid weights, for Moran's variance.

    ``card`` holds the valid cells' cardinalities in row-major order (from :func:`grid_lag`),
    ``wk[k]`` a k-neighbour cell's weight. Grid contiguity is symmetric, so
    ``S1 = 1/2 sum_i sum_{j in N(i)} (w_i + w_j)^2`` and the column sum of cell i is
    ``sum_{j in N(i)} w_j``. Returns ``(S1, colsum)``.
    """
    h, w = valid.shape
    m = offsets.shape[0]
    number = np.full((h, w), -1, dtype=np.int64)
    c = 0
    for r in range(h):
        for q in range(w):
            if valid[r, q]:
                number[r, q] = c
                c += 1
    colsum = np.zeros(c)
    s1 = 0.0
    for r in range(h):
        for q in range(w):
            i = number[r, q]
            if i < 0:
                continue
            wi = wk[card[i]]
            for o in range(m):
                rr = r + offsets[o, 0]
                cc = q + offsets[o, 1]
                if rr >= 0 and rr < h and cc >= 0 and cc < w and number[rr, cc] >= 0:
                    wj = wk[card[number[rr, cc]]]
                    colsum[i] += wj
                    s1 += (wi + wj) * (wi + wj)
    return 0.5 * s1, colsum
