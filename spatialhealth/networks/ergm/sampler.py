"""MCMC sampling of networks from an ERGM: chains, parallel processes or Dask, simulate().

The Metropolis-Hastings loop itself is :func:`._kernels.tnt_chain` (tie/no-tie proposal
with exact proposal ratios). This module runs several chains, in this process, in
spawned worker processes (``concurrent.futures``) or on a Dask cluster, keeps each
chain's network between calls so later calls need little burn-in, and measures the
effective sample size that the adaptive burn-in/interval of the fit relies on.
"""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numpy as np

from ..._random import as_generator
from ...errors import InputError, InputTypeError
from . import _kernels as K
from .model import Model, NetState

# proposals per call below which chains run in this process (spawning costs ~1-2 s);
# once workers exist (they are kept for the session), calls of a twentieth of this size
# use them too
PARALLEL_THRESHOLD = 3_000_000


def _eta0(model: Model, theta) -> np.ndarray:
    # float32 halves the cache footprint; its rounding (1e-7 relative) is immaterial
    # in an acceptance ratio
    eta = K.eta_matrix(model.directed, model.n, *model.pack(), model.di_terms, np.asarray(theta, float))
    fixed = getattr(model, "fixed_dyads", None)  # +/-inf: dyads held as observed (boundary MLEs, see boundary.py)
    if fixed is not None:
        eta = eta + fixed
    return eta.astype(np.float32)


def run_chain_job(job: dict) -> dict:
    """Run one chain (a spawn-safe top-level function for worker processes and Dask).

    Parameters
    ----------
    job : dict
        The compiled model, the chain's state, coefficients, seed and numbers of draws,
        as :class:`ChainSet` builds it.

    Returns
    -------
    dict
        The chain's final state, statistics drawn, acceptance counts and seconds.

    Examples
    --------
    Called by :meth:`ChainSet.run` in worker processes:

    >>> out = run_chain_job(job)  # doctest: +SKIP
    """
    t0 = time.perf_counter()
    st = job.get("state")
    compact = bool(job.get("compact", False))
    if st is None:
        st = NetState.from_edges(job["n"], job["directed"], job["edges"], job["use_tp"], compact)
    stats = np.array(job["stats"], dtype=float)
    sample = np.zeros((job["nsamp"], len(stats)))
    total = job["burnin"] + job["interval"] * job["nsamp"]
    prog = np.zeros(3, dtype=np.int64)  # proposals done, accepted, draws recorded
    seed = int(job["seed"])
    weighted = job.get("proposal", "tnt") == "weighted"  # dyads drawn by their tie probability (see _proposal.py)
    eta0, pack = job["eta0"], job["pack"]
    if weighted:
        from . import _proposal as P

        tables = P.alias_tables(eta0, st.directed, P.MIX)
    if compact:
        eta0, pack, tables = _dyad_records(eta0, pack, tables if weighted else None)
    while True:
        if weighted:
            nedges = P.weighted_tnt_chain(st.directed, *st.arrays(), st.etail, st.ehead, st.epos, st.nedges,
                                          *pack, job["dd_terms"], job["di_terms"], eta0,
                                          job["theta"], stats, job["burnin"], job["interval"], job["nsamp"],
                                          seed, sample, prog, *tables)
        else:
            nedges = K.tnt_chain(st.directed, *st.arrays(), st.etail, st.ehead, st.epos, st.nedges, *pack,
                                 job["dd_terms"], job["di_terms"], eta0, job["theta"], stats, job["burnin"],
                                 job["interval"], job["nsamp"], seed, sample, prog)
        st.nedges = int(nedges)
        if prog[0] >= total:
            break
        # a degree reached the width of the compact neighbour lists: widen them and go on in
        # this thread with the random stream where it stopped (seed < 0: no reseeding)
        st.widen()
        seed = -1
    if weighted:
        del tables
    del eta0, pack
    out = {"sample": sample, "stats": stats, "accepted": int(prog[1]), "proposals": total,
           "seconds": time.perf_counter() - t0}
    if job.get("return_state", False):
        out["state"] = st
    else:
        out["edges"] = st.edge_array().copy()
    return out


def _dyad_records(eta0, pack, tables):
    """What a compact chain reads of one dyad, side by side: one cache line instead of up to four.

    On large networks every proposal misses the cache for ``eta0[i, j]`` (and the proposal
    weight ``w[i * n + j]`` of the weighted proposal), every accepted one for the edge
    covariates ``ecov[:, i, j]``. This returns views of one (n, n, k) float64 array holding
    them per dyad, in the shapes the kernels index (float32 values are held exactly, so
    the chain computes the same numbers).
    """
    n = eta0.shape[0]
    ecov = pack[7]
    r = ecov.shape[0] if ecov.shape[1:] == (n, n) else 0
    k = 1 + (tables is not None) + r
    rec = np.empty((n, n, k))
    rec[:, :, 0] = eta0
    c = 1
    if tables is not None:
        w, thr, alias = tables
        rec[:, :, 1] = w.reshape(n, n)
        tables = (rec.reshape(n * n, k)[:, 1], thr, alias)
        c = 2
    if r:
        rec[:, :, c:] = ecov.transpose(1, 2, 0)
        pack = (*pack[:7], rec[:, :, c:].transpose(2, 0, 1))
    return rec[:, :, 0], pack, tables


def _noop(k):
    return k


def spawn_pool(n_jobs) -> ProcessPoolExecutor:
    """A pool of ``n_jobs`` spawned workers that do not re-run the user's main script.

    Workers only need this package, so the main module's file/spec are hidden while
    the workers start: scripts without an ``if __name__ == "__main__"`` guard then work
    too (otherwise every worker would re-run the script and fail).

    Parameters
    ----------
    n_jobs : int
        Number of workers.

    Returns
    -------
    concurrent.futures.ProcessPoolExecutor
        The pool; shut it down when done.

    Examples
    --------
    Starting workers takes seconds:

    >>> with spawn_pool(2) as pool:  # doctest: +SKIP
    ...     print(pool.submit(sum, [1, 2]).result())
    3
    """
    import multiprocessing as mp

    main = sys.modules.get("__main__")
    saved = {}
    for attr in ("__file__", "__spec__"):
        if main is not None and hasattr(main, attr):
            saved[attr] = getattr(main, attr)
    try:
        if main is not None:
            if "__file__" in saved:
                del main.__file__
            if "__spec__" in saved:
                main.__spec__ = None
        pool = ProcessPoolExecutor(max_workers=n_jobs, mp_context=mp.get_context("spawn"))
        list(pool.map(_noop, range(n_jobs)))  # start every worker now
    finally:
        for attr, v in saved.items():
            setattr(main, attr, v)
    return pool


_POOLS: dict = {}
_THREADS: dict = {}


def _thread_pool(n_jobs):
    """A thread pool kept for the session (threads cost nothing to keep)."""
    pool = _THREADS.get(n_jobs)
    if pool is None:
        from concurrent.futures import ThreadPoolExecutor

        pool = _THREADS[n_jobs] = ThreadPoolExecutor(max_workers=n_jobs, thread_name_prefix="ergm-chain")
    return pool


def shared_pool(n_jobs) -> ProcessPoolExecutor:
    """A process pool kept for the whole session, so repeated fits skip worker start-up.

    Parameters
    ----------
    n_jobs : int
        Number of workers.

    Returns
    -------
    concurrent.futures.ProcessPoolExecutor
        The pool (created at the first call for each ``n_jobs``).

    Examples
    --------
    Starting workers takes seconds:

    >>> pool = shared_pool(2)  # doctest: +SKIP
    >>> shutdown_pools()  # doctest: +SKIP
    """
    pool = _POOLS.get(n_jobs)
    if pool is None:
        pool = _POOLS[n_jobs] = spawn_pool(n_jobs)
        if len(_POOLS) == 1:
            import atexit

            atexit.register(shutdown_pools)
    return pool


def shutdown_pools():
    """Stop the worker processes kept by :func:`shared_pool`.

    Examples
    --------
    >>> shutdown_pools()  # nothing to stop when no pool was started
    """
    for key in list(_POOLS):
        pool = _POOLS.pop(key)
        try:
            pool.shutdown(wait=True, cancel_futures=True)
        except Exception:  # a broken pool may fail to shut down cleanly
            pass


def effective_sample_size(x) -> np.ndarray:
    """Effective sample size of each column of ``x`` (draws, p) or (chains, draws, p).

    Geyer's initial monotone positive sequence on the autocorrelations, summed over
    chains. Constant columns get ESS 0.

    Parameters
    ----------
    x : numpy.ndarray
        Draws, shape (draws, p) or (chains, draws, p).

    Returns
    -------
    numpy.ndarray
        ESS of each column, shape (p,).

    Examples
    --------
    >>> ess = effective_sample_size(np.random.default_rng(0).standard_normal((1000, 2)))
    >>> (ess / 1000).round(1).tolist()
    [0.8, 1.0]
    """
    x = np.asarray(x, dtype=float)
    if x.ndim == 2:
        x = x[None]
    c, n, p = x.shape
    out = np.zeros(p)
    if n < 4:
        return np.full(p, float(c * n))
    for ch in range(c):
        y = x[ch] - x[ch].mean(axis=0)
        var = (y ** 2).mean(axis=0)
        f = np.fft.rfft(y, n=2 * n, axis=0)
        acov = np.fft.irfft(f * np.conj(f), axis=0)[:n] / n
        for q in range(p):
            if var[q] <= 0:
                continue
            rho = acov[:, q] / acov[0, q]
            s = 0.0
            prev = np.inf
            for k in range(0, n - 1, 2):
                pair = rho[k] + rho[k + 1]
                if pair <= 0:
                    break
                pair = min(pair, prev)
                s += pair
                prev = pair
            tau = max(2 * s - 1, 1.0)
            out[q] += n / tau
    return out


def multivariate_ess(x, order_max=None) -> float:
    """Multivariate effective sample size of draws (draws, p) or (chains, draws, p), statnet's rule.

    statnet (``ergm_MCMC_sample`` in R/ergm.getMCMCsample.R, ergm 4.x) sizes its adaptive
    samples by ``N / infl`` with ``infl`` from ``statnet.common::spectrum0.mvar``: the
    varying columns are standardised and mapped onto their (whitened) principal
    components, a vector autoregression is fitted by least squares with one intercept
    and the chains stacked (order chosen by AIC up to ``ceil(10 log10 draws)``), and
    ``infl = (det V / det Sigma)^(1/p)`` with ``V`` the VAR's spectral density at
    frequency 0 and ``Sigma`` the covariance: the Vats, Flegal and Jones (2019)
    multivariate ESS. It is the geometric mean of the effective sizes of the
    principal directions of the autocorrelation, where a harmonic mean of the
    per-statistic ESS is dominated by the slowest one.

    Parameters
    ----------
    x : numpy.ndarray
        Draws, shape (draws, p) or (chains, draws, p).
    order_max : int, optional
        Largest VAR order tried (default ``ceil(10 log10 draws)``, as R's ``ar``);
        the order is chosen by AIC.

    Returns
    -------
    float
        The ESS of all chains together (the number of draws when no column varies).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> round(multivariate_ess(rng.standard_normal((4000, 3))) / 4000, 1)
    1.0
    """
    fit = _var_fit(x, order_max)
    if not isinstance(fit, dict):
        return fit
    return _mess_from_var(fit["w"], fit["q"], fit["N"], fit["A"], fit["sigma"])


def spectrum0_mvar(x, order_max=None):
    """Spectral density at frequency 0 of draws (draws, p) or (chains, draws, p), statnet's estimate.

    ``statnet.common``'s ``spectrum0.mvar`` as ergm 4 uses it: the vector autoregression of
    :func:`multivariate_ess` (standardised principal components, one intercept, chains
    stacked, order by AIC) gives ``V = (I - A)^-1 Sigma_e (I - A)^-T`` on the component
    scale, mapped back onto the statistics. ``V / N`` estimates the covariance matrix of
    the mean of the ``N`` draws (autocorrelation included); constant columns get zeros.

    Parameters
    ----------
    x : numpy.ndarray
        Draws, shape (draws, p) or (chains, draws, p).
    order_max : int, optional
        Largest VAR order tried (default ``ceil(10 log10 draws)``).

    Returns
    -------
    V : numpy.ndarray
        Shape (p, p).
    infl : float
        ``N / multivariate_ess(x)``, the variance inflation due to autocorrelation.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> V, infl = spectrum0_mvar(rng.standard_normal((4000, 2)))
    >>> (V.round(1) + 0.0).tolist(), round(infl, 1)
    ([[1.0, 0.0], [0.0, 1.0]], 1.0)
    """
    x = np.asarray(x, dtype=float)
    if x.ndim == 2:
        x = x[None]
    c, n, p = x.shape
    N = c * n
    fit = _var_fit(x, order_max)
    cov = np.cov(x.reshape(-1, p), rowvar=False).reshape(p, p) if N > 1 else np.zeros((p, p))
    if not isinstance(fit, dict):
        if fit == 0.0:  # no positive-definite autoregression: the ESS floor of 2 draws
            return cov * N / 2.0, N / 2.0
        return cov, 1.0  # nothing varies, or too few draws to fit an autoregression
    q = fit["q"]
    M = np.linalg.inv(np.eye(q) - fit["A"])
    Vw = M @ fit["sigma"] @ M.T
    U = fit["unmap"]
    V = np.zeros((p, p))
    keep = fit["keep"]
    V[np.ix_(keep, keep)] = U @ Vw @ U.T
    ess = _mess_from_var(fit["w"], q, N, fit["A"], fit["sigma"])
    return V, (N / ess if ess > 0 else np.inf)


def weighted_mean_vcov(x, weights, order_max=None) -> np.ndarray:
    """Covariance matrix of the importance-weighted mean of autocorrelated draws (statnet's rule).

    ergm 4's ``vcov_wmean_ar`` (R/ergm.MCMCse.R), the Monte Carlo variance of an
    MCMC-MLE estimate: the weighted mean ``sum(w x) / sum(w)`` is a ratio of two means,
    so by the delta method its covariance is ``g' V g / N`` with ``V`` the spectral
    density at 0 (:func:`spectrum0_mvar`) of the columns ``(w x, w)`` and
    ``g = [I; -m] / mean(w)``, ``m`` the weighted mean. With equal weights this is
    ``spectrum0_mvar(x)[0] / N``.

    Parameters
    ----------
    x : numpy.ndarray
        Draws, shape (draws, p) or (chains, draws, p).
    weights : numpy.ndarray
        Positive weights of the draws (any scale), shape (draws,) or (chains, draws).
    order_max : int, optional
        Largest VAR order tried (see :func:`spectrum0_mvar`).

    Returns
    -------
    numpy.ndarray
        Shape (p, p).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((4000, 2))
    >>> v = weighted_mean_vcov(x, np.ones(4000))
    >>> bool(np.allclose(v, spectrum0_mvar(x)[0] / 4000))
    True
    """
    x = np.asarray(x, dtype=float)
    if x.ndim == 2:
        x = x[None]
    c, n, p = x.shape
    w = np.asarray(weights, dtype=float).reshape(c, n)
    xw = x * w[:, :, None]
    V, _ = spectrum0_mvar(np.concatenate([xw, w[:, :, None]], axis=2), order_max)
    mw = w.mean()
    m = xw.reshape(-1, p).mean(axis=0) / mw
    g = np.vstack([np.eye(p), -m[None]]) / mw
    return g.T @ V @ g / (c * n)


def _var_fit(x, order_max):
    """The autoregression of :func:`multivariate_ess`: a dict, or the ESS when none is fitted."""
    x = np.asarray(x, dtype=float)
    if x.ndim == 2:
        x = x[None]
    c, n, p = x.shape
    flat = x.reshape(-1, p)
    N = c * n
    sd = flat.std(axis=0, ddof=1) if N > 1 else np.zeros(p)
    keep = sd > 0
    if sd.max(initial=0.0) > 0:
        keep = sd / sd.max() >= np.sqrt(np.finfo(float).eps)
    if not np.any(keep) or n < 4:
        return float(N)
    z = (flat[:, keep] - flat[:, keep].mean(axis=0)) / sd[keep]
    val, vec = np.linalg.eigh(np.cov(z, rowvar=False).reshape(keep.sum(), keep.sum()))
    good = val > (np.sqrt(np.finfo(float).eps) * 2) ** 2 * val.max()
    w = z @ (vec[:, good] / np.sqrt(val[good]))
    # x - mean = w unmap' on the kept columns (statnet's "unmapper")
    unmap = sd[keep][:, None] * vec[:, good] * np.sqrt(val[good])[None, :]
    q = w.shape[1]
    w = w.reshape(c, n, q)
    L = int(np.ceil(10 * np.log10(n))) if order_max is None else int(order_max)
    L = max(0, min(L, n - 1))
    # least-squares sufficient statistics accumulated over the chains (statnet's
    # fit_var_ols_multi): lagged block (i, j) sums x[t-i] x[t-j]' over t >= max(i, j)
    XtX, XtY, oneZ, YtY = K.var_crossproducts(np.ascontiguousarray(w), L)
    oneY = w.reshape(-1, q).sum(axis=0)
    # the design of order l (intercept first) is the leading 1 + q l block of the largest one,
    # so one Cholesky factor C and W = C^-1 [1'Y; X'Y] give every order's residual sum of
    # squares, Y'Y - W[:k]' W[:k] (one factorisation instead of one solve per order)
    M = np.empty((q * L + 1, q * L + 1))
    M[0, 0] = c * n
    M[0, 1:] = M[1:, 0] = oneZ
    M[1:, 1:] = XtX
    R = np.vstack([oneY[None], XtY])
    C, W, ok = K.cholesky_forward(M, R)
    if not ok:
        best = _var_by_order(c, n, q, L, XtX, XtY, oneZ, oneY, YtY)
        if best is None:
            return 0.0
        return {"w": w, "q": q, "N": N, "A": best[0], "sigma": best[1], "unmap": unmap, "keep": keep}
    best = None
    for lag in range(L + 1):
        nobs = c * (n - lag)
        df = nobs - (q * lag + q)
        if df <= 0:
            break
        if lag == 0:
            sign, logdet = np.linalg.slogdet(YtY / df)
            aic = nobs * logdet
        else:
            k = q * lag + 1
            sign, logdet = np.linalg.slogdet((YtY - W[:k].T @ W[:k]) / df)
            aic = nobs * logdet + 2 * (q * q * lag + q)
        if sign > 0 and (best is None or aic < best[0]):
            best = (aic, lag, df)
    if best is None:
        return 0.0
    _, lag, df = best
    if lag == 0:
        A, sigma = np.zeros((q, q)), YtY / df
    else:
        k = q * lag + 1
        B = K.upper_back(C, W, k)
        sigma = (YtY - W[:k].T @ W[:k]) / df
        A = sum(B[1 + (m - 1) * q:1 + m * q].T for m in range(1, lag + 1))
    return {"w": w, "q": q, "N": N, "A": A, "sigma": sigma, "unmap": unmap, "keep": keep}


def _mess_from_var(w, q, N, A, sigma):
    """N / infl from the VAR's summed coefficients ``A`` and innovation covariance."""
    # det V = det(sigma) / det(I - A)^2: no inverse needed
    sa, lda = np.linalg.slogdet(np.eye(q) - A)
    ss, lds = np.linalg.slogdet(sigma)
    sv, ldv = sa * sa * ss, lds - 2 * lda
    sw, ldw = np.linalg.slogdet(np.cov(w.reshape(-1, q), rowvar=False).reshape(q, q))
    if sv <= 0 or sw <= 0:
        return 0.0
    return float(N / np.exp((ldv - ldw) / q))


def _var_by_order(c, n, q, L, XtX, XtY, oneZ, oneY, YtY):
    """(A, sigma) of the AIC-best order, solving each order's normal equations (singular designs)."""
    best = None
    for lag in range(L + 1):
        nobs = c * (n - lag)
        df = nobs - (q * lag + q)
        if df <= 0:
            break
        if lag == 0:
            A = np.zeros((q, q))
            sigma = YtY / df
            sign, logdet = np.linalg.slogdet(sigma)
            aic = nobs * logdet
        else:
            k = q * lag
            M = np.zeros((k + 1, k + 1))
            M[:k, :k] = XtX[:k, :k]
            M[:k, k] = M[k, :k] = oneZ[:k]
            M[k, k] = c * n
            R = np.vstack([XtY[:k], oneY[None]])
            try:
                B = np.linalg.solve(M, R)
            except np.linalg.LinAlgError:
                continue
            sigma = (YtY - B.T @ R) / df
            sign, logdet = np.linalg.slogdet(sigma)
            aic = nobs * logdet + 2 * (q * q * lag + q)
            A = sum(B[(m - 1) * q:m * q].T for m in range(1, lag + 1))
        if sign > 0 and (best is None or aic < best[0]):
            best = (aic, A, sigma)
    if best is None:
        return None
    return best[1], best[2]


class ChainSet:
    """Several MCMC chains of one model that keep their networks between runs.

    Parameters
    ----------
    model : Model
        The model sampled.
    chains : int
        Number of chains.
    n_jobs : int, optional
        Worker processes (default: one per chain up to the cores).
    client : dask.distributed.Client, optional
        Run the chains on a Dask cluster instead.
    start : networkx graph, optional
        Network the chains start from (default: the observed one).
    seed : int or numpy.random.Generator, optional
        Seed of the chains.
    start_stats : numpy.ndarray, optional
        Statistics of ``start``, if known.
    proposal : {"tnt", "weighted"}
        Tie/no-tie proposal with uniformly drawn dyads, or with dyads drawn by their
        dyad-independent tie probability (see :mod:`._proposal`).

    Examples
    --------
    >>> import networkx as nx
    >>> from spatialhealth.networks.ergm.model import build_model
    >>> model = build_model(nx.florentine_families_graph(), "edges + triangle")
    >>> ChainSet(model, chains=2, seed=1).chains
    2
    """

    def __init__(self, model: Model, chains=2, n_jobs=None, client=None, start=None, seed=None,
                 start_stats=None, proposal="tnt"):
        if chains < 1:
            raise InputError(f"`chains` must be at least 1; {chains} was given.")
        if proposal not in ("tnt", "weighted"):
            raise InputError(f"`proposal` must be 'tnt' or 'weighted'; {proposal!r} was given.")
        self.proposal = proposal
        self.model = model
        self.chains = int(chains)
        self.rng = as_generator(seed)
        self.client = client
        self._own_client = False
        if isinstance(client, str):
            from distributed import Client

            self.client = Client(client)
            self._own_client = True
        self.n_jobs = min(self.chains, os.cpu_count() or 1) if n_jobs is None else max(1, int(n_jobs))
        self._pool = None
        self.compact = model.sampler_compact
        self.use_tp = model.sampler_tp
        st0 = model.state(start, use_tp=self.use_tp, compact=self.compact)
        stats0 = (model.observed(start) if start is not None else model.observed()) if start_stats is None \
            else np.asarray(start_stats, float)
        self.states = [st0.copy() for _ in range(self.chains)]
        self.stats = [stats0.copy() for _ in range(self.chains)]
        # every chain's random stream depends on the seed, the chain index and the run
        # number only, never on where the chain runs (this process, workers, Dask)
        self._entropy = int(self.rng.integers(0, 2**63 - 1))
        self._runs = 0
        self.proposals = 0
        self.seconds = 0.0
        self.accepted = 0

    # ------------------------------------------------------------------------------
    def _job(self, k, eta0, theta, burnin, interval, nsamp, ship_state):
        m = self.model
        job = {"n": m.n, "directed": m.directed, "use_tp": self.use_tp, "compact": self.compact, "pack": m.pack(),
               "dd_terms": m.dd_terms, "di_terms": m.di_terms, "eta0": eta0,
               "theta": np.asarray(theta, float), "stats": self.stats[k], "burnin": int(burnin),
               "interval": int(interval), "nsamp": int(nsamp), "seed": self.chain_seed(k),
               "proposal": self.proposal}
        if ship_state:
            job["edges"] = self.states[k].edge_array().copy()
        else:
            job["state"] = self.states[k]
            job["return_state"] = True
        return job

    def chain_seed(self, k) -> int:
        """Seed of chain ``k`` in the current run (from the seed, ``k`` and the run number)."""
        ss = np.random.SeedSequence([self._entropy, int(k), self._runs])
        return int(ss.generate_state(1, dtype=np.uint32)[0] % (2**31 - 2)) + 1

    def run(self, theta, burnin, interval, nsamp):
        """Run every chain at ``theta``; returns the sample (chains, nsamp, p).

        Each chain starts from its network rebuilt in canonical order (see
        :meth:`NetState.from_edges`), wherever it runs, so the same seed gives
        bit-identical samples in this process, in worker processes and on Dask.
        """
        m = self.model
        theta = np.asarray(theta, float)
        if not np.all(np.isfinite(theta)):
            raise InputError(f"Cannot sample at non-finite coefficients {theta.tolist()}.")
        eta0 = _eta0(m, theta)
        total = (burnin + interval * nsamp) * self.chains
        t0 = time.perf_counter()
        if self.client is not None:
            jobs = [self._job(k, eta0, theta, burnin, interval, nsamp, True) for k in range(self.chains)]
            futs = self.client.map(run_chain_job, jobs, pure=False)
            results = self.client.gather(futs)
        elif self.n_jobs > 1 and self.chains > 1 and (
                total >= PARALLEL_THRESHOLD or (self.n_jobs in _POOLS and total >= PARALLEL_THRESHOLD // 20)):
            jobs = [self._job(k, eta0, theta, burnin, interval, nsamp, True) for k in range(self.chains)]
            try:
                if self._pool is None:
                    self._pool = shared_pool(self.n_jobs)
                results = list(self._pool.map(run_chain_job, jobs))
            except (BrokenProcessPool, OSError) as exc:  # e.g. no process spawning allowed here
                import warnings

                warnings.warn(f"ERGM worker processes failed ({exc!r}); running the chains in this process.",
                              RuntimeWarning, stacklevel=2)
                _POOLS.pop(self.n_jobs, None)
                self._pool = None
                self.n_jobs = 1
                results = [run_chain_job(job) for job in jobs]
        elif self.n_jobs > 1 and self.chains > 1:
            # small runs: the chains in threads of this process (the kernel releases the GIL),
            # without the seconds a worker pool takes to start
            jobs = [self._job(k, eta0, theta, burnin, interval, nsamp, True) for k in range(self.chains)]
            results = list(_thread_pool(self.n_jobs).map(run_chain_job, jobs))
        else:
            results = [run_chain_job(self._job(k, eta0, theta, burnin, interval, nsamp, True))
                       for k in range(self.chains)]
        for k, r in enumerate(results):
            if "state" in r:
                self.states[k] = r["state"]
            else:
                self.states[k] = NetState.from_edges(m.n, m.directed, r["edges"], self.use_tp, self.compact)
            self.stats[k] = r["stats"]
            self.accepted += r["accepted"]
        self._runs += 1
        self.proposals += total
        self.seconds += time.perf_counter() - t0
        return np.stack([r["sample"] for r in results])

    def close(self):
        self._pool = None  # the worker pool is shared by the session (see shared_pool)
        if self._own_client and self.client is not None:
            self.client.close()
            self.client = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def default_interval(model: Model) -> int:
    """Proposals between draws: statnet's 1024, more for larger networks.

    Parameters
    ----------
    model : Model
        The model.

    Returns
    -------
    int
        ``max(1024, dyads / 16)``.

    Examples
    --------
    >>> import networkx as nx
    >>> from spatialhealth.networks.ergm.model import build_model
    >>> model = build_model(nx.florentine_families_graph(), "edges + triangle")
    >>> default_interval(model)
    1024
    """
    return int(max(1024, model.ndyads // 16))


def simulate(model_or_result, coef=None, nsim=1, seed=None, output="network", burnin=None,
             interval=None, start=None, chains=1, edge_covariates=None, formula=None):
    """Simulate networks (or their statistics) from an ERGM.

    Parameters
    ----------
    model_or_result : Model, ERGMResults or networkx graph
        A model (from :func:`build_model`), a fitted result (its coefficients are the
        default ``coef``) or a basis graph together with ``formula``.
    coef : array-like or pandas.Series, optional
        Coefficients in the order of ``model.names`` (a Series is aligned by name).
    nsim : int
        Number of networks.
    seed : int or numpy Generator, optional
    output : {"network", "stats"}
        ``"network"``: list of networkx graphs with the basis graph's nodes and node
        attributes; ``"stats"``: array (nsim, p) of the model statistics.
    burnin, interval : int, optional
        MCMC proposals before the first draw and between draws (defaults: 16 intervals;
        max(1024, dyads/16)).
    start : networkx graph, optional
        Network to start the chain from (default: the observed network).
    chains : int
        Draws are split over this many chains.
    edge_covariates : dict, optional
        ``{name: n x n matrix}`` when ``model_or_result`` is a graph.
    formula : str, optional
        The model terms when ``model_or_result`` is a graph.

    Returns
    -------
    list of networkx graphs or numpy.ndarray
        As ``output`` says.

    Examples
    --------
    >>> import networkx as nx
    >>> from spatialhealth.networks.ergm import build_model, simulate
    >>> m = build_model(nx.empty_graph(10), "edges")
    >>> simulate(m, coef=[0.0], nsim=3, seed=1, output="stats").shape
    (3, 1)
    """
    from .results import ERGMResults

    if isinstance(model_or_result, ERGMResults):
        res = model_or_result
        model = res.model
        if coef is None:  # a curved fit samples at its canonical parameters
            coef = getattr(res, "canonical_params", None)
            coef = res.params if coef is None else coef
        if interval is None:
            interval = res.control.get("interval")
    elif isinstance(model_or_result, Model):
        model = model_or_result
    else:
        import networkx as nx

        if isinstance(model_or_result, nx.Graph) and formula is not None:
            model = Model(model_or_result, formula, edge_covariates)
        else:
            raise InputTypeError("simulate() needs a Model, a fitted ERGM result, or a graph with formula=.")
    if coef is None:
        raise InputError("simulate() needs `coef` (one coefficient per statistic) for a bare model.")
    if hasattr(coef, "reindex"):
        missing = [nm for nm in model.names if nm not in coef.index]
        if missing:
            raise InputError(f"`coef` lacks the statistic(s) {missing}; the model's statistics are {model.names}.")
        coef = coef.reindex(model.names).to_numpy(dtype=float)
    coef = np.asarray(coef, dtype=float).ravel()
    if coef.shape[0] != model.p:
        raise InputError(f"`coef` has {coef.shape[0]} values; the model has {model.p} statistics {model.names}.")
    if output not in ("network", "stats"):
        raise InputError(f"`output` must be 'network' or 'stats'; {output!r} was given.")
    nsim = int(nsim)
    if nsim < 1:
        raise InputError(f"`nsim` must be at least 1; {nsim} was given.")
    interval = int(interval) if interval else default_interval(model)
    burnin = int(burnin) if burnin is not None else 16 * interval
    chains = max(1, min(int(chains), nsim))
    per = [nsim // chains + (1 if k < nsim % chains else 0) for k in range(chains)]
    cs = ChainSet(model, chains=chains, n_jobs=1, seed=seed, start=start)
    eta0 = _eta0(model, coef)
    stats_out, graphs = [], []
    for k in range(chains):
        st = cs.states[k]
        stats = cs.stats[k]
        for d in range(per[k]):
            job = cs._job(k, eta0, coef, burnin if d == 0 else 0, interval, 1, False)
            cs._runs += 1
            r = run_chain_job(job)
            cs.states[k], cs.stats[k] = r["state"], r["stats"]
            st, stats = cs.states[k], cs.stats[k]
            stats_out.append(stats.copy())
            if output == "network":
                graphs.append(model.to_graph(st.edge_array()))
    if output == "stats":
        return np.array(stats_out)
    return graphs
