"""The dyad-weighted tie/no-tie proposal for large sparse networks with dyadic covariates.

The plain TNT proposal (:func:`._kernels.tnt_chain`) toggles a uniformly chosen dyad half
of the time. A dyad that the covariates make likely (a close pair of cities, say) is then
proposed only once every ``2 * dyads`` proposals, so statistics such as
``edgecov('geo_prox')``, whose variance comes from a few thousand such dyads, decorrelate
only after about ``dyads`` proposals, whatever the number of ties: on a 2,850-node directed
network that is 8 million proposals per effective draw.

This proposal draws the dyad of the "no-tie" half from weights ``w`` that follow the
dyad-independent tie probabilities ``pi = logistic(eta0)`` at the current coefficients,
mixed with the uniform distribution so every dyad keeps a positive probability::

    w[i, j] = (1 - MIX) * pi[i, j] / sum(pi) + MIX / dyads

The other half still removes a uniformly chosen tie. The Metropolis-Hastings ratio uses
the exact proposal probabilities of both moves (TNT's ``1 / dyads`` replaced by
``w[i, j]``), so the chain has the same stationary distribution; only its mixing changes:
a dyad with tie probability ``pi`` is proposed about every ``2 * ties / pi`` proposals,
and the covariate statistics decorrelate after a number of proposals that scales with
the number of ties instead of the number of dyads.

Weights are sampled in O(1) by Walker's alias method (Vose's construction); the tables
(float32 weights, float32 thresholds, int32 aliases: 12 bytes per dyad) are rebuilt from
``eta0`` for every run, in O(dyads).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._kernels import _a, _change_stats, change_stats, toggle

#: share of the uniform distribution in the proposal weights
MIX = 0.25


@njit(cache=True)
def alias_tables(eta0, directed, mix):
    """Proposal weights of every dyad and their alias tables.

    Parameters
    ----------
    eta0 : numpy.ndarray
        (n, n) log-odds of the dyad-independent terms (+/-inf for dyads held fixed).
    directed : bool
        Ordered dyads (i != j) when True, else i < j.
    mix : float
        Share of the uniform distribution.

    Returns
    -------
    w : numpy.ndarray
        float32 (n * n,) probability of proposing dyad ``i * n + j`` (0 off the dyads);
        sums to 1.
    thr : numpy.ndarray
        float32 (n * n,) alias thresholds.
    alias : numpy.ndarray
        int32 (n * n,) alias targets.

    Examples
    --------
    >>> import numpy as np
    >>> w, thr, alias = alias_tables(np.zeros((3, 3), np.float32), True, 0.25)
    >>> [round(float(x), 4) for x in w.reshape(3, 3)[0]]
    [0.0, 0.1667, 0.1667]
    """
    n = eta0.shape[0]
    N = n * n
    pi = np.zeros(N)
    tot = 0.0
    nd = 0
    for i in range(n):
        for j in range(n):
            if i == j or (not directed and j < i):
                continue
            e = np.float64(eta0[i, j])
            if e >= 0.0:
                p = 1.0 / (1.0 + np.exp(-e))
            else:
                z = np.exp(e)
                p = z / (1.0 + z)
            pi[i * n + j] = p
            tot += p
            nd += 1
    a = (1.0 - mix) / tot if tot > 0.0 else 0.0
    b = mix / nd if tot > 0.0 else 1.0 / nd
    w = np.zeros(N, dtype=np.float32)
    tot = 0.0
    for i in range(n):
        for j in range(n):
            if i == j or (not directed and j < i):
                continue
            k = i * n + j
            w[k] = np.float32(a * pi[k] + b)
            tot += np.float64(w[k])
    # Vose's alias method on the float32 weights (their own total), so the draws follow w exactly
    scaled = pi  # reuse the buffer
    small = np.empty(N, dtype=np.int32)
    large = np.empty(N, dtype=np.int32)
    ns = 0
    nl = 0
    for k in range(N):
        scaled[k] = np.float64(w[k]) * N / tot
        if scaled[k] < 1.0:
            small[ns] = k
            ns += 1
        else:
            large[nl] = k
            nl += 1
    thr = np.ones(N, dtype=np.float32)
    alias = np.arange(N).astype(np.int32)
    while ns > 0 and nl > 0:
        ns -= 1
        s = small[ns]
        nl -= 1
        g = large[nl]
        thr[s] = np.float32(scaled[s])
        alias[s] = g
        scaled[g] = (scaled[g] + scaled[s]) - 1.0
        if scaled[g] < 1.0:
            small[ns] = g
            ns += 1
        else:
            large[nl] = g
            nl += 1
    for k in range(N):  # normalise w to sum to 1 in float64 terms of the acceptance ratio
        w[k] = np.float32(np.float64(w[k]) / tot)
    return w, thr, alias


@njit(cache=True)
def weighted_tnt_chain(directed, adj, adjT, indeg, outdeg, outl, inl, outpos, inpos, tp, use_tp, etail, ehead, epos,
                       nedges, codes, offs, nst, ipar, fpar, ncov, ncat, ecov, dd_terms, di_terms,
                       eta0, theta, stats, burnin, interval, nsamp, seed, sample, prog, w, thr, alias):
    """:func:`._kernels.tnt_chain` with the no-tie half drawing dyads from the weights ``w``.

    Arguments as :func:`._kernels.tnt_chain`, plus the tables of :func:`alias_tables`.
    Returns the number of edges; ``prog`` and ``seed < 0`` resume a call stopped to widen
    the neighbour lists, as there.
    """
    if seed >= 0:
        np.random.seed(seed)
    n = adj.shape[0]
    N = n * n
    p = stats.shape[0]
    out = np.zeros(p)
    total = burnin + interval * nsamp
    width = outl.shape[1]
    accepted = prog[1]
    s_i = prog[2]
    rec_next = burnin + interval * (s_i + 1)
    full = False
    step = prog[0]
    while step < total:
        if nedges > 0 and np.random.random() < 0.5:
            e = min(int(np.random.random() * nedges), nedges - 1)
            i = etail[e]
            j = ehead[e]
        else:
            k = min(int(np.random.random() * N), N - 1)
            if np.random.random() >= thr[k]:
                k = alias[k]
            i = k // n
            j = k - i * n
        wij = np.float64(w[i * n + j])
        if _a(adj, i, j):
            sgn = -1.0
            q_fwd = 0.5 / nedges + 0.5 * wij
            q_bwd = (0.5 if nedges > 1 else 1.0) * wij
        else:
            sgn = 1.0
            q_fwd = (0.5 if nedges > 0 else 1.0) * wij
            q_bwd = 0.5 / (nedges + 1) + 0.5 * wij
        _change_stats(i, j, directed, adj, adjT, indeg, outdeg, outl, inl, outpos, inpos, tp, use_tp,
                      codes, offs, nst, ipar, fpar, ncov, ncat, ecov, dd_terms, out)
        lr = eta0[i, j]
        for t in dd_terms:
            for q in range(offs[t], offs[t] + nst[t]):
                lr += theta[q] * out[q]
        ratio = np.exp(sgn * lr) * (q_bwd / q_fwd)
        if ratio >= 1.0 or np.random.random() < ratio:
            change_stats(i, j, directed, adj, adjT, indeg, outdeg, outl, inl, outpos, inpos, tp, use_tp,
                         codes, offs, nst, ipar, fpar, ncov, ncat, ecov, di_terms, out)
            for q in range(p):
                stats[q] += sgn * out[q]
            nedges = toggle(i, j, directed, adj, adjT, indeg, outdeg, outl, inl, outpos, inpos, tp, use_tp,
                            etail, ehead, epos, nedges)
            accepted += 1
            full = outdeg[i] >= width or outdeg[j] >= width or indeg[j] >= width
        step += 1
        if step == rec_next and s_i < nsamp:
            for q in range(p):
                sample[s_i, q] = stats[q]
            s_i += 1
            rec_next += interval
        if full:
            break
    prog[0] = step
    prog[1] = accepted
    prog[2] = s_i
    return nedges


def _drop_stale_cache(dispatcher) -> None:
    """Delete this module's numba cache when ``_kernels.py`` changed since it was written.

    numba keys a cached function on the stamp (mtime, size) of its own source file only,
    but ``weighted_tnt_chain`` inlines the change statistics and toggles of
    ``_kernels.py``: after an edit or a ``git pull`` that touches ``_kernels.py`` alone,
    the stale machine code was loaded and crashed ("double free"). A stamp of
    ``_kernels.py`` kept beside the cache decides; only numba's own files of this
    module (``_proposal.*.nbi`` / ``.nbc``) are removed.
    """
    import contextlib
    import os
    from pathlib import Path

    cache = getattr(getattr(dispatcher, "_cache", None), "_cache_path", None)
    if not cache:
        return
    cache = Path(cache)
    try:
        st = Path(__file__).with_name("_kernels.py").stat()
    except OSError:
        return
    stamp = f"{st.st_mtime_ns} {st.st_size}"
    mark = cache / "_proposal.kernels-stamp"
    try:
        if mark.read_text() == stamp:
            return
    except OSError:
        pass
    for f in list(cache.glob("_proposal.*.nbi")) + list(cache.glob("_proposal.*.nbc")):
        with contextlib.suppress(OSError):  # another process removed it, or a read-only install
            f.unlink()
    try:
        tmp = cache / f"_proposal.kernels-stamp.{os.getpid()}"
        tmp.write_text(stamp)
        os.replace(tmp, mark)
    except OSError:
        pass


_drop_stale_cache(weighted_tnt_chain)
