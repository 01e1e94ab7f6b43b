"""Log-likelihood of a dyad-dependent ERGM by bridge sampling.

log L(theta) = theta . g(y_obs) - log kappa(theta). The normalising constant is known
exactly for the dyad-independent reference model theta_0 (the MLE of the model's
dyad-independent terms, zero for the others): log kappa(theta_0) = sum over dyads of
log(1 + exp(theta_0 . delta_ij)). The path theta(u) = theta_0 + u (theta - theta_0) is
cut into ``nbridges`` segments; for each, networks sampled at the segment's midpoint
estimate log kappa(end) - log kappa(start) by importance sampling, and the pieces sum to
log kappa(theta) - log kappa(theta_0).
"""

from __future__ import annotations

import numpy as np

from .mple import compress, logistic_fit
from .sampler import effective_sample_size


def _logmeanexp(a):
    mx = np.max(a)
    return mx + np.log(np.mean(np.exp(a - mx)))


def reference_model(model):
    """theta_0 (p,) and log kappa(theta_0) of the dyad-independent reference."""
    X, y = model.dyad_table()
    mask = model.di_mask
    theta0 = np.zeros(model.p)
    if mask.any():
        tab = compress(np.ascontiguousarray(X[:, mask]), y)
        fit = logistic_fit(tab)
        if fit.converged and np.all(np.isfinite(fit.params)):
            theta0[mask] = fit.params
    eta = X @ theta0
    logk = float(np.sum(np.logaddexp(0.0, eta)))
    return theta0, logk


def bridge_loglik(model, theta, chainset, nbridges=16, samplesize=256, interval=1024, burnin=None):
    """(log-likelihood at ``theta``, its Monte Carlo standard error).

    ``chainset`` is a :class:`~spatialhealth.networks.ergm.sampler.ChainSet` whose
    chains are reused (they start near ``theta``, so the path is walked backwards).
    """
    theta = np.asarray(theta, float)
    obs = model.observed()
    theta0, logk0 = reference_model(model)
    if model.dyad_independent:
        return float(theta0 @ obs - logk0), 0.0
    nper = max(4, int(np.ceil(samplesize / chainset.chains)))
    burnin = 2 * interval if burnin is None else burnin
    us = np.linspace(0.0, 1.0, nbridges + 1)
    total, var = 0.0, 0.0
    for k in reversed(range(nbridges)):
        a, b = us[k], us[k + 1]
        tm = theta0 + 0.5 * (a + b) * (theta - theta0)
        ta = theta0 + a * (theta - theta0)
        tb = theta0 + b * (theta - theta0)
        S = chainset.run(tm, burnin, interval, nper)
        flat = S.reshape(-1, model.p)
        la = flat @ (ta - tm)
        lb = flat @ (tb - tm)
        total += _logmeanexp(lb) - _logmeanexp(la)
        # delta method; the effective sample size is that of the sampled statistics
        # (the weights of a short run look more independent than the network draws are)
        wa = np.exp(la - la.max())
        wb = np.exp(lb - lb.max())
        ess = effective_sample_size(S)
        free = flat.var(axis=0) > 0
        neff = max(float(np.min(ess[free])) if np.any(free) else float(len(flat)), 1.0)
        var += (np.var(wb) / wb.mean() ** 2 + np.var(wa) / wa.mean() ** 2) / neff
    logk = logk0 + total
    return float(theta @ obs - logk), float(np.sqrt(var))
