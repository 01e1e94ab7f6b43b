"""Infinite (boundary) MLEs in MCMC-MLE, as statnet handles them.

When an observed statistic is at the smallest or largest value any network can give it
(e.g. ``nodematch('g', diff=TRUE)`` for a level with no tie inside it), its MLE is
-Inf/+Inf. statnet reports that coefficient as -Inf/+Inf with a warning and fits the
other coefficients by MCMC-MLE with the term held as an offset at its bound: the sampler
never makes a toggle that moves the statistic off its bound. For a dyad-independent term
that means the dyads whose change statistic is not zero stay as observed (a term at its
lower bound: those dyads are empty; at its upper bound: they are ties).

Here the same is done in two parts:

* the sampler holds those dyads fixed (an infinite entry in the dyad-independent part of
  the acceptance ratio, ``Model.fixed_dyads``, read by ``sampler._eta0``), so they are
  never toggled;
* the MCMC-MLE runs on a reduced model without the infinite statistics: a term that also
  has finite statistics (another level of the same ``nodematch``) is replaced by one
  ``edgecov`` per finite statistic, whose matrix is that statistic's change statistic.
  The reduced model has the same statistics, names and observed values as the finite part
  of the original.

The result is the limit of the MLE as the infinite coefficients go to their bound: the
MLE of the ERGM conditional on the forced dyads (the log-likelihood too, which the
bridge sampler computes on the free dyads, see :func:`.loglik.reference_model`).
Infinite estimates of dyad-dependent statistics (e.g. ``triangle`` of a triangle-free
network) would need the change-statistic constraint inside the sampler and are not
handled (:func:`plan_boundary` returns the reason).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import _kernels as K
from .formula import TermCall
from .model import Model
from .terms import BuildContext, build_terms


def _rebuild_held(graph, formula, edge_covariates, missing, names, fixed_dyads, label):
    m = HeldModel(graph, formula, edge_covariates, missing=missing)
    m.names, m.fixed_dyads, m.formula = list(names), fixed_dyads, label
    return m


class HeldModel(Model):
    """A model whose sampler keeps some dyads as observed (``fixed_dyads``).

    It pickles with its statistic names and held dyads (a plain :class:`Model` is rebuilt
    from its formula alone). Built by :func:`plan_boundary`.

    Attributes
    ----------
    fixed_dyads : numpy.ndarray
        (n, n): -inf on dyads held empty, +inf on dyads held as ties, 0 elsewhere; added
        to the dyad-independent part of the acceptance ratio by the sampler.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.Graph([(0, 2), (1, 2), (2, 3), (3, 4), (2, 4)])
    >>> nx.set_node_attributes(G, dict(zip(range(5), "aabbb")), "g")
    >>> from spatialhealth.networks.ergm.model import build_model
    >>> plan = plan_boundary(build_model(G, "edges + nodematch('g', diff=TRUE) + triangle"),
    ...                      {"nodematch.g.a": -np.inf})
    >>> type(plan.reduced).__name__, int((plan.reduced.fixed_dyads != 0).sum())
    ('HeldModel', 2)
    """

    def __reduce__(self):
        return (_rebuild_held, (self.graph, *self._args, self.names, self.fixed_dyads, self.formula))


@dataclass
class BoundaryPlan:
    """How an MCMC-MLE with infinite coefficients is run.

    Attributes
    ----------
    model : Model
        The full model.
    infinite : dict
        ``{statistic name: +inf or -inf}``.
    reduced : Model
        The model of the finite statistics, with ``fixed_dyads`` set.
    finite : numpy.ndarray
        Bool (p,): the statistics of the full model kept in ``reduced``.
    fixed_dyads : numpy.ndarray
        (n, n): -inf on dyads held empty, +inf on dyads held as ties, 0 elsewhere.
    n_fixed : int
        Number of dyads held fixed.
    """

    model: object
    infinite: dict
    reduced: object
    finite: np.ndarray
    fixed_dyads: np.ndarray
    n_fixed: int
    notes: list = field(default_factory=list)

    def message(self) -> str:
        """Plain-words note on the dyads held fixed."""
        held = sum(1 for v in self.infinite.values() if v < 0)
        kind = ("empty" if held == len(self.infinite) else "as ties" if held == 0
                else "at their observed state")
        return (f"The MCMC-MLE of the other coefficients keeps the {self.n_fixed} dyad(s) these terms decide "
                f"{kind} (statnet fixes the coefficients as offsets at +/-Inf).")


def _change_matrix(model, q):
    """Change statistic ``q`` (a dyad-independent statistic) of every dyad, (n, n)."""
    e = np.zeros(model.p)
    e[q] = 1.0
    E = K.eta_matrix(model.directed, model.n, *model.pack(), model.di_terms, e)
    if not model.directed:
        U = np.triu(E, 1)
        E = U + U.T
    np.fill_diagonal(E, 0.0)
    return E


def _call_stat_ranges(model):
    """[(call, first statistic, number of statistics)] of the model's formula."""
    ec = model._ctx.edge_covariates
    out, pos = [], 0
    for call in model.calls:
        k = sum(t.nstats for t in build_terms([call], BuildContext(model.graph, ec)))
        out.append((call, pos, k))
        pos += k
    if pos != model.p:
        return None
    return out


def plan_boundary(model, infinite: dict):
    """Plan the MCMC-MLE of a model whose MPLE found infinite coefficients.

    Parameters
    ----------
    model : Model
        The full model.
    infinite : dict
        ``{statistic name: +inf or -inf}`` (``LogitFit.infinite`` of the MPLE).

    Returns
    -------
    BoundaryPlan or str
        The plan, or the reason why statnet's rule cannot be applied here (a plain-words
        sentence): an infinite dyad-dependent statistic, or a direction of separation that
        combines several statistics without each being at its own bound.

    Examples
    --------
    >>> import networkx as nx
    >>> from spatialhealth.networks.ergm.model import build_model
    >>> G = nx.Graph([(0, 2), (1, 2), (2, 3), (3, 4), (2, 4)])
    >>> nx.set_node_attributes(G, dict(zip(range(5), "aabbb")), "g")
    >>> plan = plan_boundary(build_model(G, "edges + nodematch('g', diff=TRUE) + triangle"),
    ...                      {"nodematch.g.a": -np.inf})
    >>> plan.reduced.names, plan.n_fixed
    (['edges', 'nodematch.g.b', 'triangle'], 1)
    """
    names = model.names
    idx = {nm: k for k, nm in enumerate(names)}
    inf_k = [idx[nm] for nm in infinite]
    dd = [names[k] for k in inf_k if not model.di_mask[k]]
    if dd:
        return (f"the infinite statistic(s) {', '.join(f'`{d}`' for d in dd)} depend on the rest of the network; "
                "holding them at their bound needs a constraint on every toggle, which this sampler does not have")
    n = model.n
    st = model.state()
    A = np.zeros((n, n), dtype=bool)
    e = st.edge_array()
    if len(e):
        A[e[:, 0], e[:, 1]] = True
        if not model.directed:
            A[e[:, 1], e[:, 0]] = True
    off = ~np.eye(n, dtype=bool)
    fixed = np.zeros((n, n))
    forced = np.zeros((n, n), dtype=bool)
    for k in inf_k:
        s = np.sign(infinite[names[k]])
        X = _change_matrix(model, k) * s
        # at its upper (lower) bound: every dyad that adds to s * statistic is a tie, and
        # every dyad that takes from it is empty
        if np.any((X > 0) & ~A & off) or np.any((X < 0) & A & off):
            return (f"`{names[k]}` is infinite only in combination with other statistics (it is not itself at "
                    "the bound of its range), so no set of dyads can be held fixed for it alone")
        forced |= (X != 0) & off
    if getattr(model, "bipartite", None):  # dyads inside a mode are held empty anyway (Model.fixed_dyads)
        from .bipartite import between_mode_mask

        forced &= between_mode_mask(n, model.bipartite)
    fixed[forced & A] = np.inf
    fixed[forced & ~A] = -np.inf
    finite = np.ones(model.p, bool)
    finite[inf_k] = False
    ranges = _call_stat_ranges(model)
    if ranges is None:
        return "the formula's terms could not be matched to its statistics"
    calls, ecov, rename = [], dict(model._ctx.edge_covariates), {}
    for call, a, k in ranges:
        if finite[a:a + k].all():
            calls.append(call)
            continue
        for q in range(a, a + k):
            if not finite[q]:
                continue
            key = f"__boundary_{q}"
            ecov[key] = _change_matrix(model, q)
            if getattr(model, "bipartite", None):  # statnet's n1 x n2 form of a bipartite dyadic covariate
                ecov[key] = ecov[key][:model.bipartite, model.bipartite:]
            calls.append(TermCall("edgecov", (key,), {}))
            rename[f"edgecov.{key}"] = names[q]
    if not finite.any():
        return "every statistic is infinite"
    reduced = HeldModel(model.graph, calls, edge_covariates=ecov)
    reduced.names = [rename.get(nm, nm) for nm in reduced.names]
    if reduced.names != [nm for nm, f in zip(names, finite) if f]:
        return "the reduced model's statistics do not match the finite statistics"
    if not np.allclose(reduced.observed(), model.observed()[finite], rtol=1e-10, atol=1e-9):
        return "the reduced model's observed statistics differ from the model's"
    reduced.formula = model.formula
    reduced.fixed_dyads = fixed
    nfix = int(forced.sum() if model.directed else np.triu(forced, 1).sum())
    return BoundaryPlan(model, dict(infinite), reduced, finite, fixed, nfix)


def expand_result(plan: BoundaryPlan, res, mple_params, messages):
    """Return the fit of the reduced model as a fit of the full model (infinite coefficients added).

    Parameters
    ----------
    plan : BoundaryPlan
        The plan the fit followed.
    res : ERGMResults
        The MCMC-MLE of ``plan.reduced``.
    mple_params : pandas.Series
        The MPLE of the full model.
    messages : list of str
        Notes to put first (the infinite estimates).

    Returns
    -------
    ERGMResults
        Coefficients of every statistic of the full model, +/-Inf where infinite, with
        ``boundary`` holding the plan (``simulate`` uses it).

    Examples
    --------
    Called by :func:`~spatialhealth.networks.ergm.ergm` (MCMC):

    >>> full = expand_result(plan, reduced_fit, mple_params, [msg])  # doctest: +SKIP
    """
    from .results import ERGMResults

    model = plan.model
    names, fin = model.names, plan.finite
    params = np.array([plan.infinite.get(nm, np.nan) for nm in names], dtype=float)
    params[fin] = res.params.to_numpy()
    cov = np.full((model.p, model.p), np.nan)
    cov[np.ix_(fin, fin)] = res.cov.to_numpy()
    share = np.zeros(model.p)
    share[fin] = res.mcmc_share.to_numpy()
    sample = None
    if res.sample is not None:  # the infinite statistics are constant: their observed values
        s = res.sample
        sample = np.empty(s.shape[:-1] + (model.p,))
        sample[..., fin] = s
        sample[..., ~fin] = model.observed()[~fin]
    out = ERGMResults(
        model=model, params=pd.Series(params, index=names, name="params"),
        cov=pd.DataFrame(cov, index=names, columns=names), llf=res.llf, converged=res.converged,
        method=res.method, mple_params=mple_params, mcmc_share=pd.Series(share, index=names, name="mcmc_pct"),
        sample=sample, llf_se=res.llf_se, iterations=res.iterations,
        messages=tuple(messages) + tuple(res.messages), control=res.control,
        info={**res.info, "fixed_dyads": plan.n_fixed})
    out.boundary = plan
    return out
