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
    """theta_0 (p,) and log kappa(theta_0) of the dyad-independent reference.

    The dyad-independent terms get their MLE (a logistic regression), the others 0;
    at theta_0 the normalising constant kappa is exact, which anchors the bridge path.

    Parameters
    ----------
    model : Model
        From :func:`~spatialhealth.networks.ergm.model.build_model`.

    Returns
    -------
    theta0 : numpy.ndarray
        Reference coefficients, shape (p,).
    log_kappa : float
        Log normalising constant at ``theta0``.

    Examples
    --------
    >>> import networkx as nx
    >>> from spatialhealth.networks.ergm.model import build_model
    >>> model = build_model(nx.florentine_families_graph(), "edges + triangle")
    >>> theta0, log_kappa = reference_model(model)
    >>> theta0.round(4).tolist(), round(log_kappa, 3)
    ([-1.4469, 0.0], 22.187)
    """
    X, y = model.dyad_table()
    mask = model.di_mask
    theta0 = np.zeros(model.p)
    # dyads held at their observed state (boundary MLEs, see boundary.py) are not random:
    # a dyad held empty adds nothing to kappa, one held as a tie adds its eta
    held = _held_dyads(model)
    free = held == 0
    if mask.any() and free.any():
        tab = compress(np.ascontiguousarray(X[free][:, mask]), y[free])
        fit = logistic_fit(tab)
        if fit.converged and np.all(np.isfinite(fit.params)):
            theta0[mask] = fit.params
    eta = X @ theta0
    logk = float(np.sum(np.logaddexp(0.0, eta[free])) + np.sum(eta[held > 0]))
    return theta0, logk


def _held_dyads(model):
    """Per row of ``model.dyad_table()``: +1 held as a tie, -1 held empty, 0 free."""
    fixed = getattr(model, "fixed_dyads", None)
    n = model.n
    rows = ~np.eye(n, dtype=bool) if model.directed else np.triu(np.ones((n, n), dtype=bool), 1)
    if getattr(model, "bipartite", None):  # the rows of model.dyad_table(): between the modes
        rows = model.dyad_rows()
    if fixed is None:
        return np.zeros(int(rows.sum()))
    return np.sign(np.nan_to_num(np.asarray(fixed)[rows], posinf=1.0, neginf=-1.0))


def bridge_loglik(model, theta, chainset, nbridges=16, samplesize=256, interval=1024, burnin=None,
                  stat_cov=None):
    """(log-likelihood at ``theta``, its Monte Carlo standard error).

    ``chainset`` is a :class:`~spatialhealth.networks.ergm.sampler.ChainSet` whose
    chains are reused (they start near ``theta``, so the path is walked backwards).
    ``nbridges`` is the maximum number of steps; with ``stat_cov`` (covariance of the
    statistics near ``theta``) short paths use fewer, keeping the squared half-step
    distance d' Cov d of each bridge below 0.1.

    Parameters
    ----------
    model : Model
        The model.
    theta : numpy.ndarray
        Coefficients, shape (p,).
    chainset : ChainSet
        Chains to reuse.
    nbridges : int
        Most bridge steps.
    samplesize, interval, burnin : int
        Draws per bridge, proposals between draws and before the first.
    stat_cov : numpy.ndarray, optional
        Covariance of the statistics near ``theta``.

    Returns
    -------
    loglik : float
        Log-likelihood at ``theta``.
    mcse : float
        Its Monte Carlo standard error.

    Examples
    --------
    MCMC: seconds to minutes, so not run here.

    >>> from spatialhealth.networks.ergm.sampler import ChainSet
    >>> ll, se = bridge_loglik(model, theta, ChainSet(model, seed=1))  # doctest: +SKIP
    """
    theta = np.asarray(theta, float)
    obs = model.observed()
    theta0, logk0 = reference_model(model)
    if model.dyad_independent:
        return float(theta0 @ obs - logk0), 0.0
    if stat_cov is not None:
        d = theta - theta0
        D = float(d @ np.nan_to_num(np.asarray(stat_cov, float)) @ d)
        nbridges = int(min(nbridges, max(2, np.ceil(np.sqrt(max(D, 0.0) / 0.4)))))
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
        # delta method on the difference of the two normalised weights (they are
        # strongly negatively correlated, so their variances must not simply be added)
        wa = np.exp(la - la.max())
        wb = np.exp(lb - lb.max())
        v = wb / wb.mean() - wa / wa.mean()
        ess_v = float(effective_sample_size(v.reshape(S.shape[0], S.shape[1], 1))[0])
        ess_s = effective_sample_size(S)
        free = flat.var(axis=0) > 0
        neff = min(ess_v, float(np.min(ess_s[free]))) if np.any(free) else ess_v
        var += np.var(v) / max(neff, 1.0)
    logk = logk0 + total
    return float(theta @ obs - logk), float(np.sqrt(var))
