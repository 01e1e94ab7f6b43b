"""Fit an ERGM: MPLE (the MLE for dyad-independent models) and MCMC-MLE.

MCMC-MLE follows Hummel, Hunter & Handcock (2012): starting from the MPLE, networks
are sampled at the current coefficients; if the observed statistics lie outside the
convex hull of the sampled ones (checked with a linear programme), the target is moved
only part of the way from the sample mean towards them (the largest step keeping it
inside the hull, with a 5% margin), and statnet's "lognormal" approximation of the
log-likelihood is maximised for that target (:func:`lognormal_step`). An iteration whose
sampled mean is more than 2 SE from the observed statistics keeps half its sample. Once
the full step is possible, plain iterations continue until a Hotelling T^2 test (with
autocorrelation taken into account through the effective sample size) finds no
difference between the sample mean and the observed statistics, or the mean is within
statnet's tolerance region, and the mean is within 1 SE; the last step, from the final
sample, is a Geyer-Thompson one (statnet's lognormal one when its importance weights are
too concentrated). Burn-in and the sampling interval adapt to
the effective sample size unless fixed by the user; sample sizes follow statnet's
multivariate effective size (:func:`.sampler.multivariate_ess`).
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd

from ..._random import as_generator
from ...errors import ConvergenceError, InputError
from .mple import mple
from .model import Model
from .results import ERGMResults
from .sampler import ChainSet, default_interval, effective_sample_size, multivariate_ess, weighted_mean_vcov

DEFAULTS = dict(
    estimate="MLE",          # "MLE" or "MPLE"
    chains=2,                # MCMC chains (run in parallel processes when the work is large)
    n_jobs=None,             # worker processes (default: min(chains, CPUs))
    client=None,             # dask.distributed Client or scheduler address
    samplesize=1024,         # draws per MCMC-MLE iteration (all chains together)
    burnin=None,             # proposals before the first draw (default 16 intervals)
    interval=None,           # proposals between draws (default adaptive from min(max(1024, dyads/16),
                             # max(64, dyads/2)), floor max(16, dyads/64); with the weighted proposal
                             # from max(1024, ties/2), floor min(that, ties/8))
    adaptive=True,           # adapt the interval to reach `target_ess`
    target_ess=64,           # effective sample size per iteration, statnet's multivariate ESS
                             # (statnet's MCMLE.effectiveSize; see sampler.multivariate_ess)
    final_ess=512,           # multivariate effective size of the final sample the estimates and SEs come from:
                             # the final sample is extended (up to 4 times) until it is reached
    max_iterations=60,
    min_pvalue=0.5,          # Hotelling test: converged when its p-value exceeds this
    mcmc_precision=0.1,      # statnet's MCMLE.MCMC.precision: converged too once the squared Mahalanobis
                             # distance of the sampled mean is below 2 x this (statnet's tolerance region)
    steplength_margin=0.05,
    final_samplesize=None,   # draws of the fresh final sample (default: `samplesize`, extended to `final_ess`)
    eval_loglik=True,        # bridge-sampling log-likelihood for AIC/BIC
    bridges=16,              # bridge-sampling steps
    bridge_samplesize=128,   # draws per bridge (all chains together)
    progress=None,           # True/False/callable (default: a bar when the fit is long)
    proposal="auto",         # "tnt", "weighted" (dyads drawn by their dyad-independent tie probability,
                             # see _proposal.py) or "auto": weighted from WEIGHTED_MIN_DYADS dyads when
                             # the model has dyad-independent terms besides edges
)

#: squared Mahalanobis distance of the sampled mean from the observed statistics beyond which an
#: MCMC-MLE iteration draws half its sample (its step is then mostly distance, not Monte Carlo error)
FAR_D2 = 4.0

#: "auto" proposal: the dyad-weighted TNT from this many dyads (below it, TNT's interval of
#: about dyads/16 proposals is cheap, and the reference models keep statnet's proposal)
WEIGHTED_MIN_DYADS = 100_000


def choose_proposal(model, proposal="auto") -> str:
    """The MCMC proposal a fit uses: ``"tnt"`` or ``"weighted"`` (see :mod:`._proposal`).

    With uniformly drawn dyads (TNT), a statistic carried by the few dyads that the
    covariates make likely decorrelates only after about ``dyads`` proposals; drawing the
    dyads by their dyad-independent tie probability brings that down to a multiple of the
    number of ties. ``"auto"`` picks the weighted proposal for networks of at least
    ``WEIGHTED_MIN_DYADS`` dyads whose model has dyad-independent terms besides ``edges``.

    Parameters
    ----------
    model : Model
        The model.
    proposal : {"auto", "tnt", "weighted"}
        The user's choice.

    Returns
    -------
    str
        ``"tnt"`` or ``"weighted"``.

    Examples
    --------
    >>> import networkx as nx
    >>> from spatialhealth.networks.ergm.model import build_model
    >>> choose_proposal(build_model(nx.florentine_families_graph(), "edges + triangle"))
    'tnt'
    """
    if proposal not in ("auto", "tnt", "weighted"):
        raise InputError(f"`proposal` must be 'auto', 'tnt' or 'weighted'; {proposal!r} was given.")
    if proposal != "auto":
        return proposal
    covariates = any(t.dyad_independent and t.name != "edges" for t in model.terms)
    return "weighted" if covariates and model.ndyads >= WEIGHTED_MIN_DYADS else "tnt"


def _orthants_covered(pts, x, max_dim=8):
    """True if every closed orthant around ``x`` holds a row of ``pts``: then ``x`` is in their hull.

    (Were it outside, a direction u would separate it: u.(q - x) < 0 for every row q, but
    a row in the orthant of u's signs has u.(q - x) >= 0.) A certificate without the LP,
    which decides the common case, a target well inside the sample, at O(draws x p) cost.
    """
    k = x.shape[0]
    if k > max_dim or pts.shape[0] < 2 ** k:
        return False
    code = ((pts >= x) * (1 << np.arange(k))).sum(axis=1)
    return np.unique(code).size == 2 ** k


def _hull_scale(points, centre, direction):
    """Largest g with ``centre + g direction`` in the convex hull of the rows of ``points`` (one LP).

    statnet's ``shrink_into_CH`` (R/ergm.stepping.R): with the points centred on ``centre``
    (inside their hull), ``x`` lies in the hull iff ``z.x >= -1`` for every ``z`` of the polar
    set ``{z: z.q >= -1 for every point q}``, so ``g = -1 / min(z.direction)`` over that set,
    a linear programme in as many variables as statistics. As statnet, the points are first
    rotated onto their principal components (dropping flat directions, where the direction's
    component is ignored) and scaled to unit variance. ``inf`` when the ray never leaves.
    """
    pts = np.unique(points, axis=0)
    if pts.shape[0] < 2:
        return 0.0
    xc = pts - pts.mean(axis=0)
    val, vec = np.linalg.eigh(xc.T @ xc)
    keep = np.sqrt(np.maximum(val, 0) / val.max()) > 2 * np.sqrt(np.finfo(float).eps)
    Q = vec[:, keep]
    sd = np.maximum((xc @ Q).std(axis=0, ddof=1), np.sqrt(np.finfo(float).eps))
    M = ((pts - centre) @ Q) / sd
    u = (direction @ Q) / sd
    if not np.any(np.abs(u) > 1e-12 * (1 + np.abs(M).max())):
        return np.inf
    from scipy.optimize import linprog  # imported on first use: it costs a fresh process 0.2 s

    res = linprog(u, A_ub=-M, b_ub=np.ones(M.shape[0]), bounds=(None, None), method="highs")
    if res.status == 3:  # unbounded: the centre is on the hull's boundary, no step is possible
        return 0.0
    if res.status != 0 or res.fun >= 0:
        return np.inf if res.status == 0 else 0.0
    return float(-1.0 / res.fun)


def hummel_step(sample, obs, margin=0.05):
    """Largest gamma in [0, 1] with mean + (1+margin) gamma (obs - mean) inside the hull.

    Hummel, Hunter and Handcock's (2012) step length: how far towards the observed
    statistics the next target may move while staying inside the sample's convex hull.
    As statnet's ``.Hummel.steplength``, one linear programme gives it exactly
    (:func:`_hull_scale`); a target whose every surrounding orthant holds a draw is
    certified inside without it.

    Parameters
    ----------
    sample : numpy.ndarray
        Statistics drawn, shape (draws, p).
    obs : numpy.ndarray
        Observed statistics, shape (p,).
    margin : float
        Safety margin.

    Returns
    -------
    float
        gamma (1 when the observed statistics are well inside the hull).

    Examples
    --------
    >>> import numpy as np
    >>> sample = np.random.default_rng(0).standard_normal((500, 2))
    >>> hummel_step(sample, np.array([0.5, 0.5])), round(hummel_step(sample, np.array([10.0, 10.0])), 4)
    (1.0, 0.1831)
    """
    xbar = sample.mean(axis=0)
    d = obs - xbar
    target = xbar + (1 + margin) * d
    const = np.all(sample == sample[0], axis=0)
    if np.any(np.abs(d[const]) > 1e-9 * (1 + np.abs(obs[const]))):
        return 0.0  # a statistic that never varied cannot move towards its observed value
    if not np.any(np.abs(d) > 0) or (np.all(~const) and sample.shape[1] <= 8
                                     and _orthants_covered(np.unique(sample, axis=0), target)):
        return 1.0
    g = _hull_scale(sample[:, ~const], xbar[~const], d[~const])
    return float(min(1.0, g / (1 + margin)))


def _logsumexp(a):
    mx = np.max(a)
    return mx + np.log(np.sum(np.exp(a - mx)))


def geyer_thompson(theta0, sample, target, maxiter=100):
    """Maximise (theta - theta0).target - log mean exp((theta - theta0).sample).

    Returns (theta, weights at theta, converged).

    Parameters
    ----------
    theta0 : numpy.ndarray
        Coefficients the sample was drawn at, shape (p,).
    sample : numpy.ndarray
        Statistics drawn (relative to the observed ones), shape (draws, p).
    target : numpy.ndarray
        Target mean of the statistics, shape (p,).
    maxiter : int
        Most Newton steps.

    Returns
    -------
    theta : numpy.ndarray
        The maximiser.
    weights : numpy.ndarray
        Importance weights of the draws at ``theta``, summing to 1.
    converged : bool
        Newton's method converged.

    Examples
    --------
    >>> import numpy as np
    >>> sample = np.random.default_rng(0).standard_normal((500, 2))
    >>> theta, weights, converged = geyer_thompson(np.zeros(2), sample, np.array([0.1, 0.0]))
    >>> theta.round(3).tolist(), converged
    ([0.197, 0.008], True)
    """
    S = sample
    mu = S.mean(axis=0)
    Sc = S - mu  # centring improves conditioning; the objective changes by a constant
    tc = target - mu
    var = Sc.var(axis=0)
    free = var > 1e-12
    d = np.zeros(S.shape[1])
    conv = False

    def val(dd):
        a = Sc @ dd
        return dd @ tc - (_logsumexp(a) - np.log(len(a))), a

    f, a = val(d)
    for _ in range(maxiter):
        w = np.exp(a - a.max())
        w /= w.sum()
        m = w @ Sc
        g = tc - m
        C = (Sc - m).T @ ((Sc - m) * w[:, None])
        gf = g[free]
        Cf = C[np.ix_(free, free)] + 1e-10 * np.eye(free.sum())
        try:
            step = np.zeros_like(d)
            step[free] = np.linalg.solve(Cf, gf)
        except np.linalg.LinAlgError:
            break
        t = 1.0
        while t > 1e-8:
            nf, na = val(d + t * step)
            if np.isfinite(nf) and nf >= f - 1e-12:
                break
            t /= 2
        d, f, a = d + t * step, nf, na
        if np.max(np.abs(t * step)) < 1e-9:
            conv = True
            break
    w = np.exp(a - a.max())
    w /= w.sum()
    return theta0 + d, w, conv


def lognormal_step(theta0, sample, target):
    """Maximiser of statnet's "lognormal" approximation of the log-likelihood ratio.

    With the statistics drawn at ``theta0`` taken as normal (mean ``mu``, covariance
    ``S``), log E exp((theta - theta0).s) = (theta - theta0).mu + (theta - theta0)' S
    (theta - theta0) / 2, and the approximate log-likelihood ratio is maximised at
    ``theta0 + S^-1 (target - mu)``. statnet's default ``MCMLE.metric="lognormal"``
    (R/control.ergm.R) steps this way in every MCMC-MLE iteration: unlike the
    importance-weighted Geyer-Thompson ratio it stays stable when the draws are
    strongly autocorrelated (few effective draws carry the weights).

    Parameters
    ----------
    theta0 : numpy.ndarray
        Coefficients the sample was drawn at, shape (p,).
    sample : numpy.ndarray
        Statistics drawn, shape (draws, p).
    target : numpy.ndarray
        Target mean of the statistics, shape (p,).

    Returns
    -------
    numpy.ndarray
        The new coefficients (statistics without variation keep theirs).

    Examples
    --------
    >>> import numpy as np
    >>> sample = np.random.default_rng(0).standard_normal((500, 2))
    >>> lognormal_step(np.zeros(2), sample, np.array([0.1, 0.0])).round(3).tolist()
    [0.193, 0.007]
    """
    mu = sample.mean(axis=0)
    S = np.cov(sample, rowvar=False).reshape(sample.shape[1], sample.shape[1])
    free = np.diag(S) > 1e-12
    d = np.zeros(sample.shape[1])
    d[free] = np.linalg.lstsq(S[np.ix_(free, free)], (target - mu)[free], rcond=None)[0]
    return np.asarray(theta0, float) + d


def _mahalanobis2(flat, obs):
    """(mean - obs)' S^-1 (mean - obs) over the varying statistics (inf if a fixed one differs)."""
    d = flat.mean(axis=0) - obs
    S = np.cov(flat, rowvar=False).reshape(flat.shape[1], flat.shape[1])
    free = np.diag(S) > 1e-12
    if np.any(np.abs(d[~free]) > 1e-9):
        return np.inf
    if not np.any(free):
        return 0.0
    return float(d[free] @ np.linalg.lstsq(S[np.ix_(free, free)], d[free], rcond=None)[0])


def hotelling(sample, obs, prev_neff=None):
    """Hotelling T^2 test that the sampled mean equals ``obs`` (ESS-adjusted).

    ``prev_neff``: effective size of the sample the current coefficients were estimated
    from; its Monte Carlo error moves the expected statistics too, so the covariance of
    (mean - obs) is Sigma (1/neff + 1/prev_neff). Returns (T2, p-value, t values, neff).

    Parameters
    ----------
    sample : numpy.ndarray
        Statistics drawn, shape (draws, p) or (chains, draws, p).
    obs : numpy.ndarray
        Observed statistics, shape (p,).
    prev_neff : float, optional
        See above.

    Returns
    -------
    T2 : float
        Hotelling's statistic.
    p_value : float
        Its p-value (F approximation).
    t : numpy.ndarray
        t value of each statistic.
    neff : float
        Effective sample size used.

    Examples
    --------
    >>> import numpy as np
    >>> sample = np.random.default_rng(0).standard_normal((500, 2))
    >>> T2, p, t, neff = hotelling(sample, np.zeros(2))
    >>> round(float(T2), 3), round(float(p), 2)
    (3.334, 0.19)
    """
    flat = sample.reshape(-1, sample.shape[-1])
    ess = effective_sample_size(sample)
    free = flat.var(axis=0) > 1e-12
    d = flat.mean(axis=0) - obs
    if not np.any(free):
        return 0.0, 1.0, np.zeros_like(d), float(len(flat))
    if np.any(np.abs(d[~free]) > 1e-9):
        return np.inf, 0.0, np.where(free, 0, np.inf), 2.0
    neff = max(float(np.min(ess[free])), 2.0)
    S = np.cov(flat[:, free], rowvar=False).reshape(free.sum(), free.sum())
    V = S / neff if prev_neff is None else S * (1.0 / neff + 1.0 / prev_neff)
    tv = np.zeros_like(d)
    tv[free] = d[free] / np.sqrt(np.diag(V))
    try:
        T2 = float(d[free] @ np.linalg.solve(V, d[free]))
    except np.linalg.LinAlgError:
        return np.inf, 0.0, tv, neff
    p = int(free.sum())
    if neff <= p + 1:
        return T2, 0.0, tv, neff
    F = T2 * (neff - p) / (p * (neff - 1))
    from scipy.special import fdtrc  # the F survival function, without loading scipy.stats

    return T2, float(fdtrc(p, neff - p, F)), tv, neff


def burnin_drift(sample) -> float:
    """Largest |z| between the first quarter and the last half of each chain's draws.

    A large value means the chains were still drifting when recording started.

    Parameters
    ----------
    sample : numpy.ndarray
        Statistics drawn, shape (chains, draws, p).

    Returns
    -------
    float
        The largest absolute z over chains and statistics.

    Examples
    --------
    >>> import numpy as np
    >>> sample = np.random.default_rng(0).standard_normal((500, 2))
    >>> round(burnin_drift(sample[None]), 3)
    1.64
    """
    c, n, p = sample.shape
    if n < 8:
        return 0.0
    a, b = sample[:, : n // 4], sample[:, n // 2:]
    ea, eb = effective_sample_size(a), effective_sample_size(b)
    va, vb = a.reshape(-1, p).var(0), b.reshape(-1, p).var(0)
    se = np.sqrt(va / np.maximum(ea, 1.0) + vb / np.maximum(eb, 1.0))
    d = np.abs(a.reshape(-1, p).mean(0) - b.reshape(-1, p).mean(0))
    z = np.where(se > 0, d / np.where(se > 0, se, 1.0), 0.0)
    return float(np.max(z))


def _progress(progress):
    """A bar (``True``), the caller's callback (a callable) or nothing; see :mod:`spatialhealth._progress`."""
    from ..._progress import status_bar

    return status_bar(progress, "ERGM")


def ergm(G, formula, edge_covariates=None, seed=None, missing="raise", **control) -> ERGMResults:
    """Fit an exponential random graph model.

    Parameters
    ----------
    G : networkx.Graph or networkx.DiGraph
        The observed network; node covariates are node attributes.
    formula : str or list
        statnet-style formula, e.g.
        ``"edges + mutual + nodeicov('HTH') + edgecov('geo_prox') + gwesp(0.5, fixed=TRUE)"``.
    edge_covariates : dict, optional
        name -> (n, n) array or DataFrame for ``edgecov('name')``.
    seed : int or numpy Generator, optional
    missing : {"raise", "drop"}
        What to do with nodes whose attributes used by the formula are missing: raise an
        error naming them (default, as statnet) or leave them out of the network.
    **control
        ``estimate`` ("MLE" or "MPLE"), ``chains``, ``n_jobs``, ``client`` (Dask),
        ``samplesize``, ``burnin``, ``interval``, ``adaptive``, ``target_ess``, ``final_ess``,
        ``max_iterations``, ``min_pvalue``, ``mcmc_precision``, ``final_samplesize``, ``eval_loglik``,
        ``bridges``, ``progress``, ``proposal`` (see ``fit.DEFAULTS``).

    Returns
    -------
    ERGMResults
        ``.params``, ``.bse``, ``.pvalues``, ``.llf``, ``.aic``, ``.bic``, ``.converged``,
        ``.summary()``, ``.gof()``, ``.mcmc_diagnostics()``.

    Raises
    ------
    ConvergenceError
        When the estimate is meaningless (degenerate model whose simulated networks never
        come near the observed one; a dyad-dependent statistic at its bound).
        Infinite estimates are returned as +/-inf with a warning, as statnet reports
        them; in an MCMC-MLE the other coefficients are then fitted with the dyads the
        infinite terms decide held as observed (see :mod:`.boundary`). Curved terms (``gwesp(0.5, fixed=FALSE)``) are fitted by
        curved MCMC-MLE (coefficients ``gwesp`` and ``gwesp.decay``).

    Examples
    --------
    >>> from spatialhealth.networks.ergm import ergm
    >>> from spatialhealth.networks.ergm.datasets import load_network
    >>> res = ergm(load_network("flomarriage"), "edges + nodecov('wealth')")
    >>> res.params.round(4).tolist()
    [-2.5949, 0.0105]
    """
    unknown = set(control) - set(DEFAULTS)
    if unknown:
        raise InputError(f"Unknown control option(s) {sorted(unknown)}; the options are {sorted(DEFAULTS)}.")
    ctl = {**DEFAULTS, **control}
    if ctl["estimate"] not in ("MLE", "MPLE"):
        raise InputError(f"`estimate` must be 'MLE' or 'MPLE'; {ctl['estimate']!r} was given.")
    model = G if isinstance(G, Model) else Model(G, formula, edge_covariates, missing=missing)
    if getattr(model, "curved", False):
        nodecay = sorted({t.name for t in model.terms if t.curved and (not t.curve or t.curve[1] is None)})
        if nodecay:
            raise InputError(
                f"The formula has curved terms without a decay ({', '.join(nodecay)}): their statistics can be "
                "summarised; to fit, give a fixed decay (gwesp(0.5, fixed=TRUE)) or a starting decay to be "
                "estimated (gwesp(0.5, fixed=FALSE)).")
        if ctl["estimate"] != "MLE":
            raise InputError("Curved ERGMs (fixed=FALSE) are fitted by MCMC-MLE only; use estimate='MLE'.")
        from .curved import fit_curved

        return fit_curved(model, ctl, seed)
    t0 = time.perf_counter()
    fit, tab = mple(model)
    names = model.names
    mple_params = pd.Series(fit.params, index=names, name="mple")
    infinite_msg = None
    if fit.infinite:
        from .mple import separation_problems

        infinite_msg = ("The MLE does not exist: " + "; ".join(separation_problems(model, fit, tab))
                        + ". The other coefficients are estimated on the remaining dyads.")
    if model.dyad_independent or ctl["estimate"] == "MPLE":
        msgs = [model.dropped_message] if getattr(model, "dropped_message", None) else []
        if infinite_msg:
            msgs.append(infinite_msg)
            warnings.warn(infinite_msg, RuntimeWarning, stacklevel=2)
        if not model.dyad_independent:
            msgs.append("MPLE of a dyad-dependent model: standard errors are not trustworthy; "
                        "use estimate='MLE' for MCMC maximum likelihood.")
        return ERGMResults(
            model=model, params=mple_params.rename("params"), cov=pd.DataFrame(fit.cov, index=names, columns=names),
            llf=fit.llf if model.dyad_independent else np.nan, converged=fit.converged, method="MPLE",
            mple_params=mple_params, mcmc_share=pd.Series(0.0, index=names, name="mcmc_pct"),
            iterations=fit.iterations, messages=tuple(msgs), control=ctl,
            info={"seconds": time.perf_counter() - t0, "dyad_rows": tab.nrows, "ndyads": tab.ndyads})
    from .loglik import bridge_loglik

    del tab  # the dyad table (dyads x statistics floats: 0.5 GB for 8 million dyads) is not needed by MCMC
    if infinite_msg:  # statnet: +/-Inf with a warning, the others by MCMC-MLE with those terms held at their bound
        from .boundary import expand_result, plan_boundary

        plan = plan_boundary(model, fit.infinite)
        if isinstance(plan, str):
            raise ConvergenceError(infinite_msg.replace(" The other coefficients are estimated on the remaining dyads.",
                                                        "") + f" MCMC-MLE cannot go on: {plan}. Drop or merge the "
                                   "terms named, or fit with estimate='MPLE'.")
        infinite_msg = infinite_msg.replace(" The other coefficients are estimated on the remaining dyads.",
                                            " " + plan.message())
        warnings.warn(infinite_msg, RuntimeWarning, stacklevel=2)
        res = _mcmcmle(plan.reduced, fit.params[plan.finite], ctl, seed, t0, mple_params[plan.finite], bridge_loglik)
        return expand_result(plan, res, mple_params, [infinite_msg])
    return _mcmcmle(model, fit.params, ctl, seed, t0, mple_params, bridge_loglik)


def _runaway_message(model, sample, obs):
    flat = sample.reshape(-1, model.p)
    mean, sd = flat.mean(0), flat.std(0)
    z = np.abs(mean - obs) / np.where(sd > 0, sd, 1.0)
    k = int(np.argmax(z))
    name = model.names[k]
    lo, hi = flat[:, k].min(), flat[:, k].max()
    words = (f"the simulated `{name}` stays at {mean[k]:.4g} (range {lo:.4g} to {hi:.4g}) while the observed "
             f"network has {obs[k]:.4g}")
    e = model.names.index("edges") if "edges" in model.names else None
    if e is not None:
        dens = flat[:, e].mean() / model.ndyads
        od = obs[e] / model.ndyads
        if dens > 3 * od and dens > 0.5:
            words += (f"; the simulated networks fill up (density {dens:.2f} vs {od:.3f} observed), the sign "
                      "of a near-degenerate model")
        elif dens < od / 3:
            words += f"; the simulated networks empty out (density {dens:.3g} vs {od:.3g} observed)"
    return words


TRY = ("Try: a smaller gwesp/gwdsp decay or gwesp instead of triangle/kstar terms; adding gwdegree/"
       "gwidegree terms; checking the terms for a statistic fixed by the network; or longer chains "
       "(larger `interval`/`samplesize`).")


def _mcmcmle(model, theta, ctl, seed, t0, mple_params, bridge_loglik):
    rng = as_generator(seed)
    obs = model.observed()
    names = model.names
    p = model.p
    chains = int(ctl["chains"])
    samplesize = int(ctl["samplesize"])
    nper = max(1, int(np.ceil(samplesize / chains)))
    user_interval = ctl["interval"] is not None
    proposal = choose_proposal(model, ctl["proposal"])
    min_interval = max(16, model.ndyads // 64)  # the adaptive interval's floor
    # statnet's 1024 (more for large networks); small networks start thinner (a few
    # sweeps of their dyads), the adaptation below then finds the interval the ESS needs
    interval = int(ctl["interval"]) if user_interval else (
        default_interval(model) if not ctl["adaptive"] else min(default_interval(model), max(model.ndyads // 2, 64)))
    if proposal == "weighted":
        # the dyad-weighted proposal decorrelates in proposals proportional to the ties, not
        # the dyads: measured at the MPLE of mobility-like networks of 600 to 1,200 nodes, the
        # harmonic-mean autocorrelation time is about 5 x ties proposals (10 x ties for the
        # slowest statistic), so ties/2 between draws gives 1,024 draws an ESS near 100
        ties = model.graph.number_of_edges()
        min_interval = max(16, min(min_interval, ties // 8))
        if not user_interval:
            interval = min(interval, max(1024, ties // 2)) if ctl["adaptive"] else interval
    target_ess = float(ctl["target_ess"])
    burnin0 = int(ctl["burnin"]) if ctl["burnin"] is not None else 16 * interval
    progress = ctl["progress"]
    if progress is None:
        progress = model.ndyads > 20000
    prog = _progress(progress)
    messages = [model.dropped_message] if getattr(model, "dropped_message", None) else []
    history = []
    cs = ChainSet(model, chains=chains, n_jobs=ctl["n_jobs"], client=ctl["client"], seed=rng, proposal=proposal)
    converged = False
    theta = np.asarray(theta, float)
    low_gamma = 0
    it = 0
    prev_neff = None  # the MPLE start carries no Monte Carlo error
    burn_mult = 4     # burn-in after the first iteration, in intervals (adaptive)
    tau_burn = 0      # burn-in from the slowest statistic's autocorrelation time, in proposals (adaptive)
    try:
        if prog:
            prog.start()
            task = prog.add_task("MCMC-MLE", total=ctl["max_iterations"])
        for it in range(1, int(ctl["max_iterations"]) + 1):
            burnin = burnin0 if it == 1 else (int(ctl["burnin"]) if ctl["burnin"] is not None
                                              else max(burn_mult * interval, tau_burn))
            # far from the MLE (more than 2 SE, Mahalanobis) the step's Monte Carlo error matters little
            # beside the distance (statnet, too, samples its base size there and boosts it near the
            # MLE, MCMLE.sampsize.boost): half the draws first, and the chains go on to the full
            # sample only if their mean is within that distance of the observed statistics
            half = ctl["adaptive"] and not user_interval and nper >= 40
            n_it = nper // 2 if half else nper
            sample = cs.run(theta, burnin, interval, n_it)
            if half and _mahalanobis2(sample.reshape(-1, p), obs) <= FAR_D2:
                sample = np.concatenate([sample, cs.run(theta, 0, interval, nper - n_it)], axis=1)
                n_it = nper
            theta_sampled = theta
            drift = burnin_drift(sample)
            if ctl["adaptive"] and ctl["burnin"] is None and drift > 4 and burn_mult < 64:
                burn_mult *= 2  # the chains were still moving: burn in longer from now on
            flat = sample.reshape(-1, p)
            ess = effective_sample_size(sample)
            var = flat.var(0)
            stuck = (var == 0) & (flat[0] != obs)
            if np.any(stuck):
                bad = [names[k] for k in range(p) if stuck[k]]
                raise ConvergenceError(
                    f"The sampled {', '.join(bad)} never changed at the current coefficients: "
                    + _runaway_message(model, sample, obs) + ". " + TRY)
            gamma = hummel_step(flat, obs, ctl["steplength_margin"])
            T2, pval, tv, neff_it = hotelling(sample, obs, prev_neff)
            e = multivariate_ess(sample)  # statnet's ESS (see multivariate_ess)
            d2 = _mahalanobis2(flat, obs)
            history.append({"iteration": it, "gamma": gamma, "pvalue": pval, "interval": interval, "draws": n_it * chains,
                            "burnin": burnin, "drift_z": drift,
                            "min_ess": float(ess.min()), "ess": e, "d2": d2, **dict(zip(names, theta))})
            if prog:
                prog.update(task, advance=1, description=f"iteration {it}: step {gamma:.2f}, "
                            f"Hotelling p={pval:.2f}, interval {interval}")
            if ctl["adaptive"]:
                # after the coefficients move, the chains need a few autocorrelation times of
                # the slowest statistic to forget the old ones (statnet discards that transient
                # with its Geweke burn-in search): two, capped at one run's length
                tau = interval * n_it * chains / max(float(ess[var > 0].min(initial=np.inf)), 1.0)
                tau_burn = int(min(2.0 * tau, interval * nper))
            # a passing test on a sample with very few effective draws proves little
            enough = e >= target_ess or not ctl["adaptive"] or user_interval
            # the Hotelling test passes, or the mean is within statnet's tolerance region (its
            # MCMLE.termination="confidence" starts testing, and boosting the sample, at a squared
            # Mahalanobis distance below 2 x MCMLE.MCMC.precision = 0.2: a precise sample can fail
            # Hotelling's test 0.1 SE from the observed statistics), and never more than 1 SE away
            # (the test with the smallest per-statistic ESS passed means 1.6 SE away when one
            # statistic's ESS came out tiny); the final sample then brings the ESS to `final_ess`
            close = d2 < 2.0 * float(ctl["mcmc_precision"])
            if gamma >= 1.0 and (pval > ctl["min_pvalue"] or close) and enough and d2 < 1.0:
                converged = True  # this sample, drawn at `theta`, starts the final sample
                break
            if ctl["adaptive"] and not user_interval:
                ef = e * nper / n_it  # the ESS a full sample would have
                if ef < target_ess:
                    # at most doubling per iteration: ESS estimates from one short run are noisy
                    interval = int(min(interval * min(2.0, target_ess / max(ef, 1.0)), 50 * model.ndyads))
                elif ef > 2.5 * target_ess and interval > min_interval:
                    # thinner than needed (small networks mix in a few hundred proposals):
                    # shrink towards about twice the target, at most fourfold per iteration
                    interval = int(max(min_interval, interval / min(4.0, ef / (2.0 * target_ess))))
            if gamma < 0.01:
                low_gamma += 1
                if low_gamma >= 4:
                    raise ConvergenceError(
                        "MCMC-MLE cannot move towards the observed network: "
                        + _runaway_message(model, sample, obs) + ". " + TRY)
            else:
                low_gamma = 0
            target = flat.mean(0) + gamma * (obs - flat.mean(0))
            new_theta = lognormal_step(theta, flat, target)
            if not np.all(np.isfinite(new_theta)):
                raise ConvergenceError("The Geyer-Thompson step produced non-finite coefficients: "
                                       + _runaway_message(model, sample, obs) + ". " + TRY)
            theta = new_theta
            prev_neff = neff_it
        if not converged:
            worst = names[int(np.argmax(np.abs(tv)))]
            msg = (f"MCMC-MLE did not converge in {it} iterations (last step length {gamma:.2f}, Hotelling "
                   f"p = {pval:.3f}; `{worst}` differs most from its observed value). The estimates may be "
                   "off: refit with larger `max_iterations`, `samplesize` or `interval`.")
            if gamma < 1:
                raise ConvergenceError(msg + " " + _runaway_message(model, sample, obs) + ". " + TRY)
            messages.append(msg)
            warnings.warn(msg, RuntimeWarning, stacklevel=3)
        # a fresh final sample at the last coefficients, extended until its effective size
        # reaches `final_ess` (statnet's adaptive final sample); it gives the final step, the
        # standard errors and the diagnostics that decide `converged`
        fsize = int(ctl["final_samplesize"] or samplesize)
        fper = max(20, int(np.ceil(fsize / chains)))
        final_ess = float(ctl["final_ess"] or 0)
        from .diagnostics import diagnose_sample

        # statnet also estimates from the sample of the iteration that passed the test
        reuse = converged and not ctl["final_samplesize"]
        final = sample if reuse else cs.run(theta, max(burn_mult * interval, tau_burn), interval, fper)
        for attempt in range(3):
            for _ in range(4):
                fe = multivariate_ess(final)
                if fe >= final_ess:
                    break
                more = int(np.ceil(final.shape[1] * min(3.0, final_ess / max(fe, 1.0) - 1.0)))
                final = np.concatenate([final, cs.run(theta, 0, interval, max(more, 20))], axis=1)
            try:
                fdiag = diagnose_sample(final, observed=obs, names=list(names))
                diag_ok = bool(fdiag.ok)
                diag_note = "" if diag_ok else (
                    "the final sample fails the Geweke/R-hat checks (largest |Geweke z| "
                    f"{float(np.nanmax(np.abs(fdiag.frame['geweke_z']))):.1f}, largest R-hat "
                    f"{float(np.nanmax(fdiag.frame['rhat'])):.2f})")
            except InputError:
                diag_ok, diag_note = True, ""
            if diag_ok or not ctl["adaptive"] or user_interval:
                break
            # the chains drift within the final sample: drop its first half as burn-in, thin the
            # rest by two (statnet's doubling of the interval) and extend it from where the chains are
            n_d = final.shape[1]
            if 2 * interval <= 50 * model.ndyads:
                interval *= 2
                final = final[:, (n_d - 1) % 2::2]
            final = final[:, final.shape[1] // 2:]
            burn_mult = min(2 * burn_mult, 64)
        theta_sampled = theta
        if converged and not diag_ok:
            converged = False
            msg = ("MCMC-MLE stopped, but " + diag_note + "; treat the estimates with care and refit with a larger "
                   "`interval` or `samplesize` (see res.mcmc_diagnostics()).")
            messages.append(msg)
            warnings.warn(msg, RuntimeWarning, stacklevel=3)
        _, fp, _, fneff = hotelling(final, obs)
        if converged and not diag_ok:
            converged = False
            msg = ("MCMC-MLE stopped, but " + diag_note + "; treat the estimates with care and refit with a larger "
                   "`interval` or `samplesize` (see res.mcmc_diagnostics()).")
            messages.append(msg)
            warnings.warn(msg, RuntimeWarning, stacklevel=3)
        fflat = final.reshape(-1, p)
        theta = theta_sampled
        theta_hat, w, _ = geyer_thompson(theta, fflat, obs)
        # importance weights too concentrated for a trustworthy Geyer-Thompson step: statnet's
        # default lognormal step from the same sample (staying at `theta` would leave the estimate
        # wherever the convergence test happened to pass)
        ess_w = 1.0 / np.sum(w ** 2)
        final_step = "IS"
        if ess_w < 0.1 * len(w):
            ln = lognormal_step(theta, fflat, obs)
            theta_hat = ln if np.all(np.isfinite(ln)) else theta
            final_step = "lognormal"
            w = np.full(len(fflat), 1.0 / len(fflat))
        m = w @ fflat
        C = (fflat - m).T @ ((fflat - m) * w[:, None])
        free = np.diag(C) > 1e-12
        cov = np.full((p, p), np.nan)
        Cinv = np.linalg.pinv(C[np.ix_(free, free)])
        # Monte Carlo covariance of the estimate as statnet computes it (ergm.MCMCse, R/ergm.MCMCse.R,
        # the importance-sampling metric of this final step): the sandwich H^-1 V H^-1 of the weighted
        # covariance H and V, the covariance of the weighted mean of the final sample from its
        # spectral density at 0 (the autoregression of multivariate_ess, delta method for the weights)
        Vbar = weighted_mean_vcov(final - fflat.mean(axis=0), w.reshape(final.shape[0], final.shape[1]))
        mc = Cinv @ Vbar[np.ix_(free, free)] @ Cinv
        tot = Cinv + mc
        cov[np.ix_(free, free)] = tot
        share = np.zeros(p)
        share[free] = 100 * np.diag(mc) / np.diag(tot)
        llf, llf_se = np.nan, 0.0
        if ctl["eval_loglik"]:
            if prog:
                prog.update(task, description="bridge sampling the log-likelihood")
            llf, llf_se = bridge_loglik(model, theta_hat, cs, nbridges=int(ctl["bridges"]),
                                        samplesize=int(ctl["bridge_samplesize"]),
                                        interval=interval, burnin=interval,
                                        stat_cov=np.cov(fflat, rowvar=False).reshape(p, p))
    finally:
        cs.close()
        if prog:
            prog.stop()
    ctl_out = {**ctl, "interval": interval, "client": None}
    info = {"seconds": time.perf_counter() - t0, "proposals": cs.proposals,
            "sampler_seconds": cs.seconds, "proposals_per_second": cs.proposals / max(cs.seconds, 1e-9),
            "acceptance": cs.accepted / max(cs.proposals, 1), "history": pd.DataFrame(history),
            "hotelling_pvalue": pval, "final_hotelling_pvalue": fp, "final_ess": float(fneff),
            "final_diagnostics_ok": diag_ok, "final_step": final_step}
    return ERGMResults(
        model=model, params=pd.Series(theta_hat, index=names, name="params"),
        cov=pd.DataFrame(cov, index=names, columns=names), llf=float(llf), converged=converged,
        method="MCMC-MLE", mple_params=mple_params, mcmc_share=pd.Series(share, index=names, name="mcmc_pct"),
        sample=final, llf_se=float(llf_se), iterations=it, messages=tuple(messages), control=ctl_out, info=info)
