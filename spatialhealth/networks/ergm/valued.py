"""Valued ERGMs for count weights with the Poisson reference measure (Krivitsky 2012).

Flow volumes between cities are counts. A valued ERGM with the Poisson reference puts on
every weighted network ``y`` (``y_ij`` in 0, 1, 2, ...) the probability

    P(Y = y)  proportional to  prod_ij (1 / y_ij!) * exp(theta . g(y)),

statnet's ``ergm(net ~ sum + nonzero + ..., response="w", reference=~Poisson)``. This
module fits models whose statistics are sums over dyads of ``y_ij`` times a dyad covariate
and the ``nonzero`` count:

``sum``
    total weight ``sum_ij y_ij``;
``nonzero``
    number of dyads with positive weight (zero inflation / deflation relative to Poisson);
``nodecov(attr)``, ``nodeicov(attr)``, ``nodeocov(attr)``
    ``sum_ij y_ij (x_i + x_j)``, ``sum_ij y_ij x_j``, ``sum_ij y_ij x_i`` (named
    ``nodecov.sum.attr`` etc.);
``edgecov(name)``
    ``sum_ij y_ij w_ij`` (named ``edgecov.sum.name``);
``nodematch(attr)``
    ``sum_ij y_ij 1[x_i = x_j]`` (``nodematch.sum.attr``).

These terms are dyad independent, so the distribution factorises over dyads: with
``lambda_ij = exp(sum_k theta_k x_ijk)`` (the ``sum``-type terms) and ``nu`` the ``nonzero``
coefficient, ``y_ij`` follows a zero-modified Poisson

    P(y_ij = k) = lambda^k exp(nu 1[k > 0]) / (k! Z_ij),  Z_ij = 1 + e^nu (e^lambda - 1).

The normalising constant is closed-form, so the log-likelihood, its gradient and Hessian are
exact and the MLE is found by Newton's method: no MCMC is needed. Without ``nonzero`` the
model is exactly Poisson regression on the dyads (checked against statsmodels in the
tests). Dyad-dependent valued terms (e.g. ``mutual(form="min")``,
``transitiveweights``) are not implemented.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd
from scipy.special import gammaln

from ..._results import CoefficientResult, coef_table
from ...errors import ConvergenceError, InputError
from .formula import parse_formula
from .results import LikelihoodMixin

_SUM_TERMS = ("sum", "nodecov", "nodeicov", "nodeocov", "edgecov", "nodematch")


def _parse(formula):
    """(term, positional args) of each term; the valued terms take no keyword arguments."""
    out = []
    for call in parse_formula(formula):
        if call.kwargs:
            raise InputError(f"Valued term {call} takes no keyword arguments (in {formula!r}).")
        out.append((call.name, list(call.args)))
    return out


def _log_expm1(lam):
    """log(exp(lam) - 1) for lam > 0, stable for small and large lam."""
    lam = np.asarray(lam, dtype=float)
    return np.where(lam > 30, lam + np.log1p(-np.exp(-np.minimum(lam, 700))), np.log(np.expm1(np.minimum(lam, 30))))


@dataclass(frozen=True)
class ValuedDesign:
    """Dyad table of a valued ERGM: one row per dyad.

    Attributes
    ----------
    names : list of str
        The statistics.
    X : numpy.ndarray
        Per-unit covariates of the sum-type terms, shape (dyads, q).
    y : numpy.ndarray
        Observed counts, shape (dyads,).
    has_nonzero : bool
        The model has the ``nonzero`` term.
    nonzero_index : int
        Position of ``nonzero`` in ``names`` (-1 without it).
    pairs : numpy.ndarray
        Node indices of each dyad, shape (dyads, 2).
    nodes : list
        The nodes, in index order.
    directed : bool
        A directed network.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph()
    >>> G.add_weighted_edges_from([(0, 1, 3), (1, 0, 1), (1, 2, 2)])
    >>> d = valued_design(G, "sum + nonzero")
    >>> d.names, d.y.tolist()
    (['sum', 'nonzero'], [3.0, 0.0, 1.0, 2.0, 0.0, 0.0])
    """

    names: list
    X: np.ndarray          # (dyads, q) per-unit covariates of the sum-type terms
    y: np.ndarray          # (dyads,) observed counts
    has_nonzero: bool
    nonzero_index: int     # position of "nonzero" in names (or -1)
    pairs: np.ndarray      # (dyads, 2) node indices
    nodes: list
    directed: bool


def valued_design(G, formula, weight="weight", edge_covariates=None) -> ValuedDesign:
    """Build the dyad table of a valued ERGM (weights from edge attribute ``weight``).

    Parameters
    ----------
    G : networkx.Graph or networkx.DiGraph
        The valued network.
    formula : str
        Valued terms (``sum``, ``nonzero``, ``nodecov`` ...).
    weight : str
        Edge attribute holding the counts.
    edge_covariates : dict, optional
        ``{name: n x n matrix}`` for ``edgecov`` terms.

    Returns
    -------
    ValuedDesign
        One row per dyad.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph()
    >>> G.add_weighted_edges_from([(0, 1, 3), (1, 0, 1), (1, 2, 2)])
    >>> valued_design(G, "sum").X.shape
    (6, 1)
    """
    if not isinstance(G, nx.Graph):
        raise InputError(f"A valued ERGM needs a networkx Graph or DiGraph; {type(G).__name__} was given.")
    nodes = list(G.nodes())
    n = len(nodes)
    directed = G.is_directed()
    W = nx.to_numpy_array(G, nodelist=nodes, weight=weight, nonedge=0.0)
    bad = (W < 0) | (np.abs(W - np.round(W)) > 1e-9)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise InputError(f"Edge weight {weight!r} must be a non-negative integer count; "
                         f"{nodes[i]!r} -> {nodes[j]!r} has {W[i, j]!r}.")
    if directed:
        ii, jj = np.nonzero(~np.eye(n, dtype=bool))
    else:
        ii, jj = np.triu_indices(n, 1)
    y = np.round(W[ii, jj])
    edge_covariates = edge_covariates or {}
    names, cols = [], []
    nz = -1
    for term, args in _parse(formula):
        if term == "nonzero":
            nz = len(names)
            names.append("nonzero")
            cols.append(None)
            continue
        if term not in _SUM_TERMS:
            raise InputError(f"Valued term {term!r} is not supported; expected one of "
                             f"{list(_SUM_TERMS) + ['nonzero']} (dyad-independent Poisson-reference terms).")
        if term == "sum":
            names.append("sum")
            cols.append(np.ones(len(y)))
            continue
        if not args:
            raise InputError(f"{term} needs an argument, e.g. {term}('HTH').")
        name = args[0]
        if term == "edgecov":
            if name not in edge_covariates:
                raise InputError(f"Edge covariate {name!r} not given; have {sorted(edge_covariates)}.")
            M = np.asarray(edge_covariates[name].reindex(index=nodes, columns=nodes)
                           if isinstance(edge_covariates[name], pd.DataFrame) else edge_covariates[name], dtype=float)
            if M.shape != (n, n):
                raise InputError(f"Edge covariate {name!r} has shape {M.shape}; expected ({n}, {n}).")
            cols.append(M[ii, jj])
        else:
            missing = [v for v in nodes if name not in G.nodes[v]]
            if missing:
                raise InputError(f"Node attribute {name!r} is missing on {len(missing)} node(s), e.g. {missing[:3]}.")
            raw = np.array([G.nodes[v][name] for v in nodes])
            if term == "nodematch":
                cols.append((raw[ii] == raw[jj]).astype(float))
            else:
                x = raw.astype(float)
                cols.append({"nodecov": x[ii] + x[jj], "nodeicov": x[jj], "nodeocov": x[ii]}[term])
        names.append(f"{term}.sum.{name}")
    if not names:
        raise InputError("The valued formula has no terms.")
    if len(set(names)) < len(names):
        raise InputError(f"A term is repeated in {formula!r}.")
    X = np.column_stack([c for c in cols if c is not None]) if any(c is not None for c in cols) else np.zeros((len(y), 0))
    return ValuedDesign(names, X, y, nz >= 0, nz, np.column_stack([ii, jj]), nodes, directed)


def _dyad_moments(eta, nu):
    """log Z, E[y], P(y>0), Var(y), Cov(y, 1[y>0]), Var(1[y>0]) per dyad."""
    lam = np.exp(np.clip(eta, -700, 700))
    if nu is None:
        return (lam, lam, None, lam, None, None)
    a = nu + _log_expm1(np.maximum(lam, 1e-300))      # log(e^nu (e^lam - 1))
    logZ = np.logaddexp(0.0, a)
    p = np.exp(a - logZ)                               # P(y > 0)
    # E[y] = e^nu lam e^lam / Z ; E[y^2] = e^nu (lam^2 + lam) e^lam / Z
    b = nu + lam - logZ                                # log(e^nu e^lam / Z)
    Ey = lam * np.exp(b)
    Ey2 = (lam * lam + lam) * np.exp(b)
    var_y = Ey2 - Ey * Ey
    cov_yi = Ey * (1.0 - p)
    var_i = p * (1.0 - p)
    return logZ, Ey, p, var_y, cov_yi, var_i


def _loglik_parts(theta, d: ValuedDesign):
    beta = np.delete(theta, d.nonzero_index) if d.has_nonzero else theta
    nu = theta[d.nonzero_index] if d.has_nonzero else None
    eta = d.X @ beta
    m = _dyad_moments(eta, nu)
    logZ = m[0]
    ll = float(np.sum(eta * d.y - gammaln(d.y + 1) - logZ))
    if nu is not None:
        ll += float(nu * np.count_nonzero(d.y))
    q = d.X.shape[1]
    p = len(theta)
    grad_b = d.X.T @ (d.y - m[1])
    H_bb = (d.X * m[3][:, None]).T @ d.X
    grad = np.zeros(p)
    H = np.zeros((p, p))
    idx_b = [k for k in range(p) if k != d.nonzero_index] if d.has_nonzero else list(range(p))
    grad[idx_b] = grad_b
    H[np.ix_(idx_b, idx_b)] = H_bb
    if nu is not None:
        k = d.nonzero_index
        grad[k] = np.count_nonzero(d.y) - m[2].sum()
        H[k, k] = m[5].sum()
        hb = d.X.T @ m[4]
        H[k, idx_b] = hb
        H[idx_b, k] = hb
    assert q == len(idx_b)
    return ll, grad, H  # H = Fisher information (negative Hessian of ll)


class ValuedERGMResults(LikelihoodMixin, CoefficientResult):
    """A fitted Poisson-reference valued ERGM (exact MLE).

    The coefficient table (``.coefficients``: estimate, std_error, z_or_t, p_value,
    ci_lower, ci_upper) and the inference accessors come from
    :class:`spatialhealth._results.CoefficientResult`; ``aic``/``bic`` from ``llf``.

    Parameters
    ----------
    params : pandas.Series
        Estimates by statistic name.
    cov : pandas.DataFrame
        Their covariance.
    llf, null_llf : float
        Log-likelihood of the fit and of the null model.
    design : ValuedDesign
        The dyad table fitted.
    iterations : int
        Newton steps taken.
    converged : bool
        The fit converged.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph()
    >>> G.add_weighted_edges_from([(0, 1, 3), (1, 0, 1), (1, 2, 2), (2, 0, 1)])
    >>> res = valued_ergm(G, "sum")
    >>> res.converged, round(float(np.exp(res.params["sum"])), 4)
    (True, 1.1667)
    """

    title = "Valued ERGM fit"

    def __init__(self, params, cov, llf, null_llf, design, iterations=0, converged=True):
        self.cov = cov
        self.llf = float(llf)
        self.null_llf = float(null_llf)
        self.design = design
        self.iterations = int(iterations)
        self.converged = bool(converged)
        self.df_resid = None
        se = np.sqrt(np.clip(np.diag(cov.to_numpy(dtype=float)), 0, None))
        self.coefficients = coef_table(np.asarray(params, dtype=float), se, names=params.index)

    @property
    def nobs(self) -> int:
        return len(self.design.y)

    @property
    def zvalues(self) -> pd.Series:
        return self.tvalues

    def summary(self) -> str:
        df = self.coefficients[["estimate", "std_error", "z_or_t", "p_value"]].copy()
        df.columns = ["Estimate", "Std. Error", "z value", "Pr(>|z|)"]
        return "\n".join([
            "Valued ERGM, Poisson reference (exact maximum likelihood; dyad-independent terms)",
            "",
            df.to_string(float_format=lambda v: f"{v:.5g}"),
            "",
            f"Log-likelihood: {self.llf:.4f}  (all-zero-coefficient model: {self.null_llf:.4f})",
            f"AIC: {self.aic:.2f}  BIC: {self.bic:.2f}  dyads: {len(self.design.y)}",
        ])

    def expected(self) -> np.ndarray:
        """Expected weight of every dyad at the estimate (order of ``design.pairs``)."""
        d = self.design
        theta = self.params.to_numpy()
        beta = np.delete(theta, d.nonzero_index) if d.has_nonzero else theta
        nu = theta[d.nonzero_index] if d.has_nonzero else None
        return _dyad_moments(d.X @ beta, nu)[1]

    def simulate(self, nsim: int = 1, seed=None) -> list:
        """Exact draws of weighted networks from the fitted model (edge attribute ``weight``)."""
        from ..._random import as_generator

        rng = as_generator(seed)
        d = self.design
        theta = self.params.to_numpy()
        beta = np.delete(theta, d.nonzero_index) if d.has_nonzero else theta
        nu = theta[d.nonzero_index] if d.has_nonzero else None
        lam = np.exp(d.X @ beta)
        out = []
        for _ in range(int(nsim)):
            if nu is None:
                y = rng.poisson(lam)
            else:
                m = _dyad_moments(d.X @ beta, nu)
                pos = rng.uniform(size=lam.size) < m[2]
                # zero-truncated Poisson: the first event of a unit-rate Poisson process on
                # [0, lam] given at least one event is at T (truncated exponential), then
                # Poisson(lam - T) more events
                y = np.zeros(lam.size, dtype=np.int64)
                k = np.flatnonzero(pos)
                lk = lam[k]
                T = -np.log1p(-rng.uniform(size=k.size) * -np.expm1(-lk))
                draw = 1 + rng.poisson(np.maximum(lk - T, 0.0))
                y[k] = draw
            G = nx.DiGraph() if d.directed else nx.Graph()
            G.add_nodes_from(d.nodes)
            for (i, j), w in zip(d.pairs[y > 0], y[y > 0]):
                G.add_edge(d.nodes[i], d.nodes[j], weight=int(w))
            out.append(G)
        return out


def valued_ergm(G, formula: str, weight: str = "weight", edge_covariates=None,
                tol: float = 1e-10, max_iter: int = 100) -> ValuedERGMResults:
    """Fit a Poisson-reference valued ERGM by exact maximum likelihood.

    Parameters
    ----------
    G : networkx.Graph or DiGraph
        Edge attribute ``weight`` holds the counts (absent edges are 0).
    formula : str
        Terms ``sum``, ``nonzero``, ``nodecov``, ``nodeicov``, ``nodeocov``, ``edgecov``,
        ``nodematch`` (see the module docstring), e.g.
        ``"sum + nonzero + nodeicov('HTH') + edgecov('geo_prox')"``.
    weight : str
    edge_covariates : dict of name -> (n, n) array or DataFrame, optional

    Returns
    -------
    ValuedERGMResults
        ``.params``, ``.bse``, ``.pvalues``, ``.llf``, ``.aic``, ``.bic``, ``.summary()``,
        ``.simulate()``.

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_weighted_edges_from([(0, 1, 3), (1, 0, 1), (1, 2, 2), (2, 0, 1)])
    >>> res = valued_ergm(G, "sum")
    >>> round(float(np.exp(res.params["sum"])), 4)  # mean count per dyad: 7 / 6
    1.1667
    """
    d = valued_design(G, formula, weight=weight, edge_covariates=edge_covariates)
    p = len(d.names)
    npos = int(np.count_nonzero(d.y))
    if npos == 0:
        raise ConvergenceError("Every dyad has weight 0: the MLE of a valued ERGM does not exist "
                               "(the coefficients run to minus infinity).")
    if d.has_nonzero:
        if npos == len(d.y):
            raise ConvergenceError("Every dyad has a positive weight, so the `nonzero` coefficient runs to "
                                   "+infinity; drop `nonzero`.")
        if d.y.max() <= 1:
            raise ConvergenceError(
                f"All {npos} positive weights equal 1 (a binary network?), so with `nonzero` the count "
                "terms run off to -infinity; fit a binary ERGM with ergm(), or use weights that are counts.")
    theta = np.zeros(p)
    # Poisson-regression start: log of the mean count on the sum term (if any)
    if "sum" in d.names:
        theta[d.names.index("sum")] = np.log(max(d.y.mean(), 1e-3))
    null_ll = _loglik_parts(np.zeros(p), d)[0]
    ll, grad, H = _loglik_parts(theta, d)
    converged = False
    for it in range(1, max_iter + 1):
        try:
            step = np.linalg.solve(H, grad)
        except np.linalg.LinAlgError:
            raise ConvergenceError(f"The information matrix of {d.names} is singular: two statistics "
                                   "are collinear on these data (drop one).") from None
        t = 1.0
        while True:
            cand = theta + t * step
            ll_c, g_c, H_c = _loglik_parts(cand, d)
            if np.isfinite(ll_c) and ll_c >= ll - 1e-10 * (1 + abs(ll)):
                break
            t /= 2
            if t < 1e-10:
                raise ConvergenceError("Newton steps stopped improving the log-likelihood of the valued ERGM.")
        theta, ll, grad, H = cand, ll_c, g_c, H_c
        if np.max(np.abs(t * step)) < tol or np.max(np.abs(grad)) < tol * (1 + np.abs(ll)):
            converged = True
            break
        if np.max(np.abs(theta)) > 100:
            raise ConvergenceError(f"Valued ERGM coefficients diverge ({dict(zip(d.names, theta.round(2)))}): "
                                   "e.g. nonzero runs off when every or no dyad has a positive count.")
    if not converged:
        raise ConvergenceError(f"Newton's method did not converge in {max_iter} iterations.")
    cov = np.linalg.inv(H)
    idx = pd.Index(d.names)
    return ValuedERGMResults(params=pd.Series(theta, index=idx, name="params"),
                             cov=pd.DataFrame(cov, index=idx, columns=idx), llf=ll, null_llf=null_ll,
                             design=d, iterations=it, converged=True)
