"""Curved ERGMs: gwesp/gwdsp/gwnsp/gwdegree with the decay estimated (``fixed=FALSE``).

A curved term such as ``gwesp(0.5, fixed=FALSE)`` has canonical statistics ``esp#1 ...
esp#K`` (edges with k shared partners, K = ``cutoff``) whose natural parameters are a
curved function of two model parameters, the weight ``theta`` and the decay ``alpha``
(Hunter & Handcock 2006; statnet's ``gwesp`` with ``fixed=FALSE``):

    eta_k(theta, alpha) = theta * exp(alpha) * (1 - (1 - exp(-alpha))^k),  k = 1..K,

which reproduces ``theta * gwesp(alpha)`` when the decay is known. The fit is the
curved-exponential-family MCMC-MLE: it starts, as statnet, from the MPLE with the decays
held at their starting values; networks are sampled at ``eta(psi)``; the lognormal
approximation of the log-likelihood ratio (statnet's default ``MCMLE.metric``) is maximised
over ``psi`` (the other coefficients, ``theta`` and ``alpha``) towards the Hummel target, the
step held in a trust region (length in the information metric, importance-sampling effective
size, decay moves of at most 1 within ``DECAY_BOUNDS``; a term whose decay stays at a bound or
whose weight runs off for three iterations stops the fit with a warning);
convergence is tested on the score ``J' (g - g_obs)``, ``J = d eta / d psi``, and the
covariance is ``(J' Cov[g] J)^-1`` plus the Monte Carlo part. The log-likelihood (AIC,
BIC, :func:`~spatialhealth.networks.ergm.anova`) is statnet's: bridge sampling at the
canonical parameters ``eta(psi_hat)`` (:func:`.loglik.bridge_loglik`); the curved model
counts ``q`` parameters (weight and decay of each curved term).
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd
from scipy import optimize

from ..._random import as_generator
from ...errors import ConvergenceError, InputError
from .sampler import ChainSet, default_interval, effective_sample_size


class CurvedMap:
    """Map between model parameters ``psi`` and the canonical parameters ``eta``.

    Parameters
    ----------
    model : Model
        A model with curved terms (e.g. ``gwesp(0.5, fixed=FALSE)``).

    Examples
    --------
    >>> import networkx as nx
    >>> from spatialhealth.networks.ergm.model import build_model
    >>> cmap = CurvedMap(build_model(nx.florentine_families_graph(), "edges + gwesp(0.5, fixed=FALSE)"))
    >>> cmap.names
    ['edges', 'gwesp', 'gwesp.decay']
    """

    def __init__(self, model):
        self.model = model
        self.p = model.p
        self.blocks = []  # (label, [stat indices], [k], decay0)
        names, self.identity = [], []  # identity: (psi index, stat index)
        groups = {}
        pos = 0
        for t in model.terms:
            for _ in range(t.nstats):
                if t.curved and t.curve:
                    label, decay0, k, grp = t.curve
                    if decay0 is None:
                        raise InputError(f"The curved term {label} needs a starting decay, e.g. {t.name}(0.5, "
                                         "fixed=FALSE).")
                    b = groups.setdefault(grp, len(self.blocks))
                    if b == len(self.blocks):
                        self.blocks.append((label, [], [], decay0))
                    self.blocks[b][1].append(pos)
                    self.blocks[b][2].append(k)
                else:
                    self.identity.append((len(names), pos))
                    names.append(model.names[pos])
                pos += 1
        self.block_psi = []
        for label, _, _, _ in self.blocks:
            self.block_psi.append((len(names), len(names) + 1))
            names += [label, f"{label}.decay"]
        self.names = names
        self.q = len(names)

    @staticmethod
    def weights(alpha, ks):
        ks = np.asarray(ks, dtype=float)
        r = 1.0 - np.exp(-alpha)
        w = np.exp(alpha) * (1.0 - r ** ks)
        dw = np.exp(alpha) * (1.0 - r ** ks) - ks * r ** (ks - 1)
        return w, dw

    def eta(self, psi):
        eta = np.zeros(self.p)
        for a, b in self.identity:
            eta[b] = psi[a]
        for (label, idx, ks, _), (it, ia) in zip(self.blocks, self.block_psi):
            w, _ = self.weights(psi[ia], ks)
            eta[idx] = psi[it] * w
        return eta

    def jacobian(self, psi):
        J = np.zeros((self.p, self.q))
        for a, b in self.identity:
            J[b, a] = 1.0
        for (label, idx, ks, _), (it, ia) in zip(self.blocks, self.block_psi):
            w, dw = self.weights(psi[ia], ks)
            J[idx, it] = w
            J[idx, ia] = psi[it] * dw
        return J

    def start(self, X, y):
        """Pseudo-likelihood start, as statnet: the decays held at their starting values and the
        other coefficients and the weights theta fitted by MPLE (the fixed-decay MPLE).

        The decays are not profiled in the pseudo-likelihood: near decay 0 a gwdegree statistic
        becomes the count of non-isolates, the pseudo-likelihood is often separated there and a
        profiled start ran off to decay 1e-3 with a weight of 5e8, where the MCMC never moves.
        """
        from .mple import DyadTable, compress, logistic_fit

        tab = compress(X, y)
        cols, order = [], []
        for a, b in self.identity:
            cols.append(tab.X[:, b])
            order.append(a)
        for (label, idx, ks, alpha), (it, _ia) in zip(self.blocks, self.block_psi):
            w, _ = self.weights(alpha, ks)
            cols.append(tab.X[:, idx] @ w)
            order.append(it)
        sub = DyadTable(np.ascontiguousarray(np.column_stack(cols)), tab.s, tab.m, tab.ndyads)
        f = logistic_fit(sub)
        psi = np.zeros(self.q)
        params = np.asarray(f.params, dtype=float)
        psi[order] = np.where(np.isfinite(params), params, 0.0)
        for (_, ia), (_, _, _, alpha) in zip(self.block_psi, self.blocks):
            psi[ia] = alpha
        return psi


DECAY_BOUNDS = (1e-3, 20.0)  # the decay's range; an estimate at either end is reported as run away
RUNAWAY_ETA = 30.0  # |weight x decay weights| beyond this: a tie probability within e^-30 of 0 or 1
STEP_RADIUS = 3.0  # largest step of one iteration in the information metric (Mahalanobis)
MIN_IS_SHARE = 0.1  # importance-sampling effective size kept by a step, as a share of the sample
DECAY_STEP = 1.0  # largest change of a decay in one MCMC-MLE iteration (a trust region)


def _gt_curved(cmap, psi0, sample, target, metric="lognormal"):
    """Maximise the approximate log-likelihood ratio l(psi) - l(psi0) towards ``target``.

    ``metric="lognormal"`` (statnet's default ``MCMLE.metric``): the normal approximation
    ``d.(target - mu) - d' Sigma d / 2`` with ``d = eta(psi) - eta(psi0)``; ``"naive"``: the
    Geyer-Thompson ``d.(target - mu) - log mean exp(d.(g - mu))``. The naive form is unbounded
    whenever the target sits on a face of the sample's hull in a direction the curved map
    reaches only in a limit (a gwdegree decay -> 0 with weight -> inf, when the observed
    network has no isolates): the lognormal form is bounded there. Decays move at most
    ``DECAY_STEP`` per call and stay within ``DECAY_BOUNDS``.
    """
    S = sample
    mu = S.mean(axis=0)
    Sc = S - mu
    tc = target - mu
    eta0 = cmap.eta(psi0)
    if metric == "lognormal":
        Sig = Sc.T @ Sc / len(Sc)
        Sig = Sig + 1e-10 * np.eye(len(Sig)) * max(float(np.trace(Sig)), 1e-12)

    def f(psi):
        d = cmap.eta(psi) - eta0
        if metric == "lognormal":
            Sd = Sig @ d
            val = d @ tc - 0.5 * d @ Sd
            grad = cmap.jacobian(psi).T @ (tc - Sd)
            return -val, -grad
        a = Sc @ d
        mx = a.max()
        w = np.exp(a - mx)
        sw = w.sum()
        val = d @ tc - (mx + np.log(sw / len(a)))
        m = (w / sw) @ Sc
        grad = cmap.jacobian(psi).T @ (tc - m)
        return -val, -grad

    bounds = [(None, None)] * cmap.q
    for _, ia in cmap.block_psi:
        bounds[ia] = (max(DECAY_BOUNDS[0], psi0[ia] - DECAY_STEP), min(DECAY_BOUNDS[1], psi0[ia] + DECAY_STEP))
    res = optimize.minimize(f, psi0, jac=True, method="L-BFGS-B", bounds=bounds,
                            options={"maxiter": 500, "gtol": 1e-10})
    step = res.x - psi0
    # trust region in the curved model's own metric: the step's length in the information
    # J' Cov[g] J at psi0 is at most STEP_RADIUS (the sample describes the likelihood only
    # near psi0; along near-null directions of Cov[g] -- gwdegree with a large decay is almost
    # 2 x edges -- the approximation is flat and the step would wander far along the ridge)
    J0 = cmap.jacobian(psi0)
    info = J0.T @ (Sc.T @ Sc / len(Sc)) @ J0
    length = float(np.sqrt(max(step @ info @ step, 0.0)))
    if length > STEP_RADIUS:
        step *= STEP_RADIUS / length
    # and the sample must still describe the new point: halve the step until the importance
    # weights of the sample at eta(psi0 + step) keep an effective size of MIN_IS_SHARE of it
    for _ in range(12):
        a = Sc @ (cmap.eta(psi0 + step) - eta0)
        w = np.exp(a - a.max())
        if w.sum() ** 2 / np.sum(w ** 2) >= MIN_IS_SHARE * len(a):
            break
        step *= 0.5
    return psi0 + step


def _runaway(cmap, psi):
    """Label of the first curved term that ran away (or None): its decay at an end of
    ``DECAY_BOUNDS``, or its canonical parameters beyond ``RUNAWAY_ETA`` (weight -> +-inf).
    """
    for (label, _, ks, _), (it, ia) in zip(cmap.blocks, cmap.block_psi):
        w, _ = cmap.weights(psi[ia], ks)
        if (psi[ia] <= DECAY_BOUNDS[0] * 1.01 or psi[ia] >= DECAY_BOUNDS[1] * 0.99
                or np.max(np.abs(psi[it] * w)) > RUNAWAY_ETA):
            return label
    return None


def fit_curved(model, ctl, seed):
    """Curved-exponential-family MCMC-MLE of ``model`` (see the module docstring).

    Parameters
    ----------
    model : Model
        A model with curved terms.
    ctl : dict
        The MCMC-MLE controls of :func:`~spatialhealth.networks.ergm.ergm`.
    seed : int or numpy.random.Generator
        Seed of the MCMC.

    Returns
    -------
    ERGMResults
        The fit, decay parameters included.

    Examples
    --------
    Called by :func:`~spatialhealth.networks.ergm.ergm` for curved models (minutes of MCMC):

    >>> from spatialhealth.networks.ergm import ergm
    >>> res = ergm(G, "edges + gwesp(0.5, fixed=FALSE)", seed=1)  # doctest: +SKIP
    """
    from .fit import hotelling, hummel_step
    from .results import ERGMResults

    t0 = time.perf_counter()
    cmap = CurvedMap(model)
    X, y = model.dyad_table()
    psi = cmap.start(X, y)
    mple_params = pd.Series(psi.copy(), index=cmap.names, name="mple")
    obs = model.observed()
    rng = as_generator(seed)
    chains = int(ctl["chains"])
    samplesize = int(ctl["samplesize"])
    nper = max(1, int(np.ceil(samplesize / chains)))
    interval = int(ctl["interval"]) if ctl["interval"] is not None else default_interval(model)
    burnin0 = int(ctl["burnin"]) if ctl["burnin"] is not None else 16 * interval
    target_ess = float(ctl["target_ess"])
    cs = ChainSet(model, chains=chains, n_jobs=ctl["n_jobs"], client=ctl["client"], seed=rng)
    converged, messages, history = False, [], []
    pval, gamma, it = 0.0, 0.0, 0
    prev_neff, stuck = None, 0
    try:
        for it in range(1, int(ctl["max_iterations"]) + 1):
            sample = cs.run(cmap.eta(psi), burnin0 if it == 1 else 4 * interval, interval, nper)
            flat = sample.reshape(-1, model.p)
            J = cmap.jacobian(psi)
            score = (sample - obs) @ J  # (chains, draws, q): the curved model's sufficient directions
            # the step length is judged in the curved model's own directions (the canonical
            # statistics often sit at bounds that the curved model does not ask to match)
            gamma = hummel_step(flat @ J, obs @ J, ctl["steplength_margin"])
            _, pval, _, neff = hotelling(score + 0.0, np.zeros(cmap.q), prev_neff)
            history.append({"iteration": it, "gamma": gamma, "pvalue": pval, "interval": interval,
                            **dict(zip(cmap.names, psi))})
            if gamma >= 1.0 and pval > ctl["min_pvalue"] and neff >= target_ess:
                converged = True
                break
            target = flat.mean(0) + gamma * (obs - flat.mean(0))
            psi = _gt_curved(cmap, psi, flat, target)
            ran = _runaway(cmap, psi)
            stuck = stuck + 1 if ran else 0
            if stuck >= 3:  # three iterations in a row at a decay bound: the decay is not identified
                wt, dc = psi[cmap.names.index(ran)], psi[cmap.names.index(ran + '.decay')]
                msg = (f"The curved term {ran} ran away (weight {wt:.3g}, decay {dc:.3g}; decay bounds "
                       f"{DECAY_BOUNDS[0]:g}-{DECAY_BOUNDS[1]:g}) in three iterations in a row: this network does "
                       "not identify its decay (the MLE is at a limit of the curved family); fit the term with a "
                       "fixed decay (fixed=TRUE) or compare fixed decays by AIC.")
                if dc <= DECAY_BOUNDS[0] * 1.01:
                    msg += (" At decay 0 the statistic counts the units whose count is >= 1 (nodes with "
                            "degree >= 1 for gwdegree, edges with a shared partner for gwesp): a fixed decay "
                            "of 0 fits that limit.")
                messages.append(msg)
                warnings.warn(msg, RuntimeWarning, stacklevel=3)
                break
            prev_neff = neff
            ess = effective_sample_size(score)
            e = float(np.min(ess[ess > 0])) if np.any(ess > 0) else float(len(flat))
            if ctl["adaptive"] and ctl["interval"] is None and e < target_ess:
                interval = int(min(interval * min(2.0, target_ess / max(e, 1.0)), 50 * model.ndyads))
        if not converged and not stuck >= 3:
            msg = (f"Curved MCMC-MLE did not converge in {it} iterations (last step length {gamma:.2f}, "
                   f"p = {pval:.3f}); refit with larger `max_iterations`, `samplesize` or `interval`.")
            messages.append(msg)
            warnings.warn(msg, RuntimeWarning, stacklevel=3)
        final = cs.run(cmap.eta(psi), 4 * interval, interval, max(nper, 20))
        fflat = final.reshape(-1, model.p)
        psi_hat = _gt_curved(cmap, psi, fflat, obs)
        d = cmap.eta(psi_hat) - cmap.eta(psi)
        a = (fflat - fflat.mean(0)) @ d
        w = np.exp(a - a.max())
        w /= w.sum()
        if 1.0 / np.sum(w ** 2) < 0.1 * len(w):  # a wild last step: keep the sampled point
            psi_hat, w = psi, np.full(len(fflat), 1.0 / len(fflat))
        J = cmap.jacobian(psi_hat)
        m = w @ fflat
        C = (fflat - m).T @ ((fflat - m) * w[:, None])
        info = J.T @ C @ J
        Iinv = np.linalg.pinv(info)
        U = (final - obs) @ J
        ess_u = effective_sample_size(U)
        neff_f = max(float(np.min(ess_u[ess_u > 0])) if np.any(ess_u > 0) else 2.0, 2.0)
        Uc = np.cov(U.reshape(-1, cmap.q), rowvar=False).reshape(cmap.q, cmap.q)
        mc = Iinv @ (Uc / neff_f) @ Iinv
        cov = Iinv + mc
        share = 100 * np.diag(mc) / np.where(np.diag(cov) > 0, np.diag(cov), 1.0)
        llf, llf_se = np.nan, 0.0
        if ctl["eval_loglik"] and np.all(np.isfinite(psi_hat)):
            # statnet's logLik of a curved fit: bridge sampling on the canonical parameters
            # eta(psi_hat), from the dyad-independent reference model (see loglik.py)
            from .loglik import bridge_loglik

            llf, llf_se = bridge_loglik(model, cmap.eta(psi_hat), cs, nbridges=int(ctl["bridges"]),
                                        samplesize=int(ctl["bridge_samplesize"]), interval=interval,
                                        burnin=interval, stat_cov=np.cov(fflat, rowvar=False).reshape(model.p, model.p))
    finally:
        cs.close()
    if not np.all(np.isfinite(psi_hat)):
        raise ConvergenceError("The curved MCMC-MLE produced non-finite estimates; try another starting decay.")
    names = cmap.names
    res = ERGMResults(
        model=model, params=pd.Series(psi_hat, index=names, name="params"),
        cov=pd.DataFrame(cov, index=names, columns=names), llf=llf, converged=converged, method="MCMC-MLE",
        mple_params=mple_params, mcmc_share=pd.Series(share, index=names, name="mcmc_pct"), sample=final,
        llf_se=llf_se, iterations=it, messages=tuple(messages), control={**ctl, "interval": interval, "client": None},
        info={"seconds": time.perf_counter() - t0, "history": pd.DataFrame(history), "curved": True})
    res.canonical_params = pd.Series(cmap.eta(psi_hat), index=model.names, name="eta")
    return res
