"""The result of an ERGM fit: estimates, standard errors, likelihood, statnet-like table.

Both :class:`ERGMResults` (binary ERGMs) and
:class:`~spatialhealth.networks.ergm.valued.ValuedERGMResults` derive from
:class:`spatialhealth._results.CoefficientResult`: one coefficient table with the columns
``estimate, std_error, z_or_t, p_value, ci_lower, ci_upper`` from which ``.params``,
``.bse``, ``.pvalues`` and ``.conf_int()`` are read; :class:`LikelihoodMixin` adds
``.aic``/``.bic`` from ``.llf``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..._results import CoefficientResult, Result, coef_table
from ...errors import InputError


class LikelihoodMixin:
    """``aic``/``bic`` from ``llf``, the number of estimated coefficients and ``nobs``."""

    @property
    def df_model(self) -> int:
        """Number of estimated (finite) coefficients."""
        return int(np.sum(np.isfinite(self.params.to_numpy())))

    @property
    def aic(self) -> float:
        return -2 * self.llf + 2 * self.df_model

    @property
    def bic(self) -> float:
        return -2 * self.llf + self.df_model * np.log(self.nobs)


def _se_from_cov(cov: pd.DataFrame) -> np.ndarray:
    d = np.diag(cov.to_numpy(dtype=float))
    return np.sqrt(np.where(np.isnan(d), np.nan, np.clip(d, 0, None)))


class ERGMResults(LikelihoodMixin, CoefficientResult):
    """A fitted ERGM.

    Attributes
    ----------
    coefficients : pandas.DataFrame
        ``estimate, std_error, z_or_t, p_value, ci_lower, ci_upper`` indexed by statnet
        statistic names; ``params``, ``bse``, ``tvalues`` (also ``zvalues``), ``pvalues``
        and ``conf_int()`` read it. An infinite estimate (the MLE does not exist) has NaN
        inference.
    cov : pandas.DataFrame, covariance of the estimates (inverse Fisher information plus
        the Monte Carlo part for MCMC-MLE fits).
    mcmc_share : pandas.Series, percentage of each variance due to Monte Carlo error
        (statnet's "MCMC %"; 0 for MPLE = MLE fits).
    llf : float, log-likelihood (exact for dyad-independent models, bridge sampling
        otherwise); llf_se its Monte Carlo standard error.
    aic, bic : float (BIC uses the number of dyads as the number of observations).
    converged : bool; method : "MPLE" (dyad-independent: the MLE) or "MCMC-MLE".
    mple_params : pandas.Series, the MPLE (the start of the MCMC-MLE).
    sample : numpy.ndarray (chains, draws, p) of statistics sampled at the final
        iterate (None for MPLE fits).
    messages : tuple of plain-words notes (non-convergence, infinite estimates, what to try).
    call : str, the call as statnet prints it (``ergm(formula = G ~ edges + ...)``).

    Examples
    --------
    >>> from spatialhealth.networks.ergm import ergm
    >>> from spatialhealth.networks.ergm.datasets import load_network
    >>> res = ergm(load_network("flomarriage"), "edges")
    >>> list(res.coefficients.columns)
    ['estimate', 'std_error', 'z_or_t', 'p_value', 'ci_lower', 'ci_upper']
    """

    title = "ERGM fit"

    def __init__(self, model, params, cov, llf, converged, method, mple_params, mcmc_share, sample=None,
                 llf_se=0.0, iterations=0, messages=(), control=None, info=None, call=None):
        self.model = model
        self.cov = cov
        self.llf = float(llf)
        self.converged = bool(converged)
        self.method = method
        self.mple_params = mple_params
        self.mcmc_share = mcmc_share
        self.sample = sample
        self.llf_se = float(llf_se)
        self.iterations = int(iterations)
        self.messages = tuple(messages)
        self.control = dict(control or {})
        self.info = dict(info or {})
        self.call = call or f"ergm(formula = {model.formula})"
        self.df_resid = None
        self.coefficients = coef_table(np.asarray(params, dtype=float), _se_from_cov(cov), names=params.index)

    # ------------------------------------------------------------------------------
    @property
    def names(self):
        return list(self.params.index)

    @property
    def nobs(self) -> int:
        return int(self.model.ndyads)

    @property
    def zvalues(self) -> pd.Series:
        return self.tvalues

    @property
    def null_llf(self) -> float:
        """Log-likelihood of the model with every coefficient 0 (all networks equally likely)."""
        return -self.nobs * np.log(2.0)

    @property
    def deviance(self) -> float:
        return -2 * self.llf

    def summary(self) -> str:
        """statnet-like text summary (with the ``Call:`` line)."""
        head = ("Maximum Likelihood Results:" if self.method == "MPLE" and self.model.dyad_independent
                else "Monte Carlo Maximum Likelihood Results:" if self.method == "MCMC-MLE"
                else "Maximum Pseudolikelihood Results:")
        rows = []
        for name, est, se, mc, z, pv in zip(self.params.index, self.params, self.bse, self.mcmc_share,
                                             self.zvalues, self.pvalues):
            if np.isinf(est):  # statnet prints the infinite estimate and no inference
                rows.append((name, "Inf" if est > 0 else "-Inf", "NA", "NA", "NA", "NA", "(MLE at infinity)"))
                continue
            star = "***" if pv < 0.001 else "**" if pv < 0.01 else "*" if pv < 0.05 else "." if pv < 0.1 else ""
            ptxt = "<1e-04" if pv < 1e-4 else f"{pv:.5f}"
            rows.append((name, f"{est:.5f}", f"{se:.5f}", f"{mc:.0f}", f"{z:.3f}", ptxt, star))
        w = [max(len(r[k]) for r in rows + [("", "Estimate", "Std. Error", "MCMC %", "z value",
                                               "Pr(>|z|)", "")]) for k in range(7)]
        lines = ["Call:", self.call, "", head, ""]
        lines.append(" " * w[0] + "  " + "  ".join(h.rjust(w[k + 1]) for k, h in enumerate(
            ["Estimate", "Std. Error", "MCMC %", "z value", "Pr(>|z|)"])))
        for r in rows:
            lines.append(r[0].ljust(w[0]) + "  " + "  ".join(r[k].rjust(w[k]) for k in range(1, 6)) + " " + r[6])
        lines.append("---")
        lines.append("Signif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1")
        lines.append("")
        nd, p = self.nobs, self.df_model
        lines.append(f"     Null Deviance: {-2 * self.null_llf:.1f}  on {nd} degrees of freedom")
        if np.isfinite(self.llf):
            lines.append(f" Residual Deviance: {-2 * self.llf:.1f}  on {nd - p} degrees of freedom")
            lines.append("")
            lines.append(f"AIC: {self.aic:.1f}  BIC: {self.bic:.1f}  (Smaller is better. MC Std. Err. = "
                         f"{2 * self.llf_se:.4g})")
        elif self.method == "MCMC-MLE":
            lines.append(" Residual Deviance: not computed (eval_loglik=False), so no AIC or BIC")
        else:
            lines.append(" Residual Deviance: not computed (the MPLE of a dyad-dependent model has no likelihood)")
        if self.method == "MCMC-MLE":
            lines.append(f"MCMC-MLE iterations: {self.iterations}; converged: {'yes' if self.converged else 'NO'}")
        for msg in self.messages:
            lines.append("Note: " + msg)
        return "\n".join(lines)

    def to_file(self, path):
        """Write the coefficient table (.csv/.xlsx/.parquet) or the text summary (.txt)."""
        from pathlib import Path

        if str(path).endswith(".txt"):
            from ..._io import write_text

            write_text(str(path), self.summary())
            return Path(path)
        return super().to_file(path)

    def plot(self, ax=None):
        """Coefficients with 95% confidence intervals (finite estimates)."""
        from ..._results import figure_axes

        _, ax = figure_axes(ax)
        fin = np.isfinite(self.params.to_numpy())
        names = [n for n, f in zip(self.names, fin) if f]
        ci = self.conf_int()[fin]
        y = np.arange(len(names))
        ax.errorbar(self.params[fin], y, xerr=[self.params[fin] - ci["ci_lower"], ci["ci_upper"] - self.params[fin]],
                    fmt="o", capsize=3)
        ax.axvline(0, color="k", lw=0.6)
        ax.set_yticks(y)
        ax.set_yticklabels(names)
        ax.invert_yaxis()
        return ax

    def gof(self, **kw):
        """Goodness of fit by simulation (see :func:`spatialhealth.networks.ergm.gof.gof`)."""
        from .gof import gof

        return gof(self, **kw)

    def mcmc_diagnostics(self, **kw):
        """Trace/density plots and effective sample sizes of the final sample."""
        from .diagnostics import mcmc_diagnostics

        return mcmc_diagnostics(self, **kw)

    def simulate(self, nsim: int = 1, seed=None, output: str = "network", **kw):
        """Networks (or their statistics) simulated from the fitted model (statnet's
        ``simulate(fit, nsim, seed)``); the same seed gives the same networks.

        Examples
        --------
        >>> from spatialhealth.networks.ergm import ergm
        >>> from spatialhealth.networks.ergm.datasets import load_network
        >>> res = ergm(load_network("flomarriage"), "edges")
        >>> res.simulate(nsim=2, seed=1, output="stats").shape
        (2, 1)
        """
        from .sampler import simulate

        plan = getattr(self, "boundary", None)
        if plan is not None:  # infinite coefficients: their dyads stay as observed (see boundary.py)
            out = simulate(plan.reduced, coef=self.params.to_numpy()[plan.finite], nsim=nsim, seed=seed,
                           output=output, **{"interval": self.control.get("interval"),
                                              **{k: v for k, v in kw.items() if v is not None}})
            if output == "stats":
                full = np.empty((out.shape[0], self.model.p))
                full[:, plan.finite] = out
                full[:, ~plan.finite] = self.model.observed()[~plan.finite]
                return full
            return out
        if not np.all(np.isfinite(self.params.to_numpy())):
            raise InputError("Cannot simulate from a fit with infinite coefficients "
                             f"({[n for n, v in self.params.items() if not np.isfinite(v)]}).")
        return simulate(self, nsim=nsim, seed=seed, output=output, **kw)


def anova(*fits) -> AnovaResult:
    """Analysis of deviance of nested ERGM fits, as statnet's ``anova.ergm`` prints it.

    With one fit the table compares it with the null model (all coefficients 0); with
    several, each model with the previous one (they must be nested and fitted to the same
    network). Chi-square p-values of the deviance differences. Degrees of freedom count
    the estimated coefficients (statnet's ``nparam(offset=FALSE)``): a curved term counts
    its weight and its decay, an infinite (boundary) coefficient is not counted. Curved
    and dyad-dependent fits carry bridge-sampled log-likelihoods (with ``llf_se``).

    Parameters
    ----------
    *fits : ERGMResults
        Fits with a log-likelihood (``eval_loglik=True`` for MCMC-MLE fits).

    Returns
    -------
    AnovaResult
        ``.frame`` (columns ``df, deviance, resid_df, resid_dev, p_value``), ``.summary()``.

    Examples
    --------
    >>> from spatialhealth.networks.ergm import ergm, anova
    >>> from spatialhealth.networks.ergm.datasets import load_network
    >>> G = load_network("flomarriage")
    >>> a = anova(ergm(G, "edges"), ergm(G, "edges + nodecov('wealth')"))
    >>> round(float(a.frame["deviance"].iloc[2]), 3)
    5.026
    """
    if not fits:
        raise InputError("anova() needs at least one ERGM fit.")
    for k, f in enumerate(fits):
        if not isinstance(f, ERGMResults):
            raise InputError(f"anova(): argument {k + 1} is a {type(f).__name__}, not an ERGM fit.")
        if not np.isfinite(f.llf):
            raise InputError(f"anova(): fit {k + 1} ({f.model.formula}) has no log-likelihood; refit with "
                             "eval_loglik=True (MCMC-MLE) or use a dyad-independent model.")
    nd = fits[0].nobs
    if any(f.nobs != nd for f in fits):
        raise InputError("anova(): the fits are to networks of different sizes; nested models need the same network.")
    rows = [{"model": "NULL", "df": np.nan, "deviance": np.nan, "resid_df": float(nd),
             "resid_dev": -2 * fits[0].null_llf, "p_value": np.nan}]
    prev_df, prev_dev = nd, -2 * fits[0].null_llf
    for k, f in enumerate(fits):
        rdf = nd - f.df_model
        dev = -2 * f.llf
        ddf = prev_df - rdf
        ddev = prev_dev - dev
        if ddf < 0:
            raise InputError(f"anova(): model {k + 1} has fewer coefficients than the one before it; list nested "
                             "models from the smallest to the largest.")
        from scipy.special import chdtrc

        pv = float(chdtrc(ddf, ddev)) if ddf > 0 else np.nan
        rows.append({"model": f"Model {k + 1}", "df": float(ddf), "deviance": ddev, "resid_df": float(rdf),
                     "resid_dev": dev, "p_value": pv})
        prev_df, prev_dev = rdf, dev
    return AnovaResult(pd.DataFrame(rows).set_index("model"), [f.call for f in fits],
                       any(f.method == "MCMC-MLE" for f in fits))


class AnovaResult(Result):
    """Analysis-of-deviance table of nested ERGM fits (see :func:`anova`).

    Parameters
    ----------
    table : pandas.DataFrame
        One row for the null model and one per fit.
    calls : list of str
        The formulas.
    mcmc : bool
        Some log-likelihoods are MCMC estimates.

    Examples
    --------
    >>> from spatialhealth.networks.ergm import ergm, anova
    >>> from spatialhealth.networks.ergm.datasets import load_network
    >>> G = load_network("flomarriage")
    >>> a = anova(ergm(G, "edges"), ergm(G, "edges + nodecov('wealth')"))  # doctest: +SKIP
    >>> a.mcmc  # doctest: +SKIP
    False
    """

    title = "Analysis of deviance (ERGM)"

    def __init__(self, table, calls, mcmc):
        self.table = table
        self.calls = calls
        self.mcmc = mcmc

    @property
    def frame(self) -> pd.DataFrame:
        return self.table.reset_index()

    def summary(self) -> str:
        lines = ["Analysis of Deviance Table", ""]
        for k, c in enumerate(self.calls):
            pre = "ergm(formula = "
            inner = c[len(pre):-1] if c.startswith(pre) and c.endswith(")") else c
            lines.append(f"Model {k + 1}: {inner}")
        lines.append("")
        head = ["Df", "Deviance", "Resid. Df", "Resid. Dev", "Pr(>|Chisq|)"]
        rows = []
        # statnet's row names: NULL, then "Model 1:" for one fit or 1, 2, ... for several
        labels = ["NULL"] + (["Model 1:"] if len(self.calls) == 1 else [str(k + 1) for k in range(len(self.calls))])
        for name, (_, r) in zip(labels, self.table.iterrows()):
            pv = r["p_value"]
            star = "" if not np.isfinite(pv) else (
                "***" if pv < 0.001 else "**" if pv < 0.01 else "*" if pv < 0.05 else "." if pv < 0.1 else "")
            rows.append([name,
                         "" if np.isnan(r["df"]) else f"{r['df']:.0f}",
                         "" if np.isnan(r["deviance"]) else f"{r['deviance']:.2f}",
                         f"{r['resid_df']:.0f}", f"{r['resid_dev']:.2f}",
                         "" if not np.isfinite(pv) else ("< 2.2e-16" if pv < 2.2e-16 else f"{pv:.4g}"), star])
        w = [max(len(str(x[k])) for x in rows + [[""] + head + [""]]) for k in range(7)]
        lines.append(" " * w[0] + " " + " ".join(h.rjust(w[k + 1]) for k, h in enumerate(head)))
        for r in rows:
            lines.append(str(r[0]).ljust(w[0]) + " " + " ".join(str(r[k]).rjust(w[k]) for k in range(1, 6))
                         + " " + r[6])
        lines.append("---")
        lines.append("Signif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1")
        if self.mcmc:
            lines.append("Note: MCMC-MLE log-likelihoods are bridge-sampling estimates with Monte Carlo error.")
        return "\n".join(lines)
