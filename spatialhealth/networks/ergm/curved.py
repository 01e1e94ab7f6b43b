"""Curved ERGMs: gwesp/gwdsp/gwnsp/gwdegree with the decay estimated (``fixed=FALSE``).

A curved term such as ``gwesp(0.5, fixed=FALSE)`` has canonical statistics ``esp#1 ...
esp#K`` (edges with k shared partners, K = ``cutoff``) whose natural parameters are a
curved function of two model parameters, the weight ``theta`` and the decay ``alpha``
(Hunter & Handcock 2006; statnet's ``gwesp`` with ``fixed=FALSE``):

    eta_k(theta, alpha) = theta * exp(alpha) * (1 - (1 - exp(-alpha))^k),  k = 1..K,

which reproduces ``theta * gwesp(alpha)`` when the decay is known. The fit is the
curved-exponential-family MCMC-MLE: networks are sampled at ``eta(psi)``; the
Geyer-Thompson approximation of the log-likelihood is maximised over ``psi`` (the other
coefficients, ``theta`` and ``alpha``) with Hummel stepping on the canonical statistics;
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
        """Pseudo-likelihood start: the other coefficients and theta at the starting decays,
        then the decays profiled (MPLE of the curved model).
        """
        from .mple import compress, logistic_fit

        tab = compress(X, y)
        alphas = np.array([b[3] for b in self.blocks], dtype=float)

        def fit_at(al):
            cols, order = [], []
            for a, b in self.identity:
                cols.append(tab.X[:, b])
                order.append(a)
            for (label, idx, ks, _), (it, _ia), alpha in zip(self.blocks, self.block_psi, al):
                w, _ = self.weights(alpha, ks)
                cols.append(tab.X[:, idx] @ w)
                order.append(it)
            from .mple import DyadTable

            sub = DyadTable(np.ascontiguousarray(np.column_stack(cols)), tab.s, tab.m, tab.ndyads)
            f = logistic_fit(sub)
            return f, order

        def negll(al):
            f, _ = fit_at(np.maximum(al, 1e-3))
            return -f.llf if np.isfinite(f.llf) and f.converged else np.inf

        res = optimize.minimize(negll, alphas, method="Nelder-Mead",
                                options={"xatol": 1e-4, "fatol": 1e-9, "maxiter": 200})
        al = np.maximum(res.x, 1e-3) if np.isfinite(res.fun) else alphas
        f, order = fit_at(al)
        psi = np.zeros(self.q)
        psi[order] = f.params
        for (_, ia), alpha in zip(self.block_psi, al):
            psi[ia] = alpha
        return psi


def _gt_curved(cmap, psi0, sample, target):
    """Maximise (eta(psi) - eta0).target - log mean exp((eta(psi) - eta0).sample) over psi."""
    S = sample
    mu = S.mean(axis=0)
    Sc = S - mu
    tc = target - mu
    eta0 = cmap.eta(psi0)

    def f(psi):
        d = cmap.eta(psi) - eta0
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
        bounds[ia] = (1e-3, 20.0)
    res = optimize.minimize(f, psi0, jac=True, method="L-BFGS-B", bounds=bounds,
                            options={"maxiter": 200, "gtol": 1e-9})
    return res.x


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
    prev_neff = None
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
            prev_neff = neff
            ess = effective_sample_size(score)
            e = float(np.min(ess[ess > 0])) if np.any(ess > 0) else float(len(flat))
            if ctl["adaptive"] and ctl["interval"] is None and e < target_ess:
                interval = int(min(interval * min(2.0, target_ess / max(e, 1.0)), 50 * model.ndyads))
        if not converged:
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
