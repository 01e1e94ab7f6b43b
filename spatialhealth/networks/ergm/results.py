"""The result of an ERGM fit: estimates, standard errors, likelihood, statnet-like table."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats


@dataclass(frozen=True)
class ERGMResults:
    """A fitted ERGM.

    Attributes
    ----------
    params, bse, zvalues, pvalues : pandas.Series indexed by statnet statistic names.
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
    messages : list of plain-words notes (non-convergence, what to try).
    """

    model: object
    params: pd.Series
    cov: pd.DataFrame
    llf: float
    converged: bool
    method: str
    mple_params: pd.Series
    mcmc_share: pd.Series
    sample: np.ndarray | None = None
    llf_se: float = 0.0
    iterations: int = 0
    messages: tuple = ()
    control: dict = field(default_factory=dict)
    info: dict = field(default_factory=dict)

    # ------------------------------------------------------------------------------
    @property
    def names(self):
        return list(self.params.index)

    @property
    def nobs(self) -> int:
        return int(self.model.ndyads)

    @property
    def bse(self) -> pd.Series:
        return pd.Series(np.sqrt(np.clip(np.diag(self.cov.to_numpy()), 0, None)), index=self.params.index,
                         name="bse")

    @property
    def zvalues(self) -> pd.Series:
        return (self.params / self.bse).rename("z")

    @property
    def pvalues(self) -> pd.Series:
        return pd.Series(2 * stats.norm.sf(np.abs(self.zvalues.to_numpy())), index=self.params.index,
                         name="pvalues")

    @property
    def aic(self) -> float:
        return -2 * self.llf + 2 * len(self.params)

    @property
    def bic(self) -> float:
        return -2 * self.llf + len(self.params) * np.log(self.nobs)

    @property
    def null_llf(self) -> float:
        """Log-likelihood of the model with every coefficient 0 (all networks equally likely)."""
        return -self.nobs * np.log(2.0)

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Wald confidence intervals (columns lower, upper)."""
        z = stats.norm.isf(alpha / 2)
        return pd.DataFrame({"lower": self.params - z * self.bse, "upper": self.params + z * self.bse})

    @property
    def frame(self) -> pd.DataFrame:
        """Tidy coefficient table."""
        ci = self.conf_int()
        return pd.DataFrame({
            "term": self.params.index, "estimate": self.params.to_numpy(), "std_error": self.bse.to_numpy(),
            "mcmc_pct": self.mcmc_share.to_numpy(), "z": self.zvalues.to_numpy(),
            "p_value": self.pvalues.to_numpy(), "ci_lower": ci["lower"].to_numpy(),
            "ci_upper": ci["upper"].to_numpy(),
        })

    def summary(self) -> str:
        """statnet-like text summary."""
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
        lines = [f"ERGM: {self.model.formula}", "", head, ""]
        lines.append(" " * w[0] + "  " + "  ".join(h.rjust(w[k + 1]) for k, h in enumerate(
            ["Estimate", "Std. Error", "MCMC %", "z value", "Pr(>|z|)"])))
        for r in rows:
            lines.append(r[0].ljust(w[0]) + "  " + "  ".join(r[k].rjust(w[k]) for k in range(1, 6)) + " " + r[6])
        lines.append("---")
        lines.append("Signif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1")
        lines.append("")
        nd, p = self.nobs, len(self.params)
        lines.append(f"     Null Deviance: {-2 * self.null_llf:.1f}  on {nd} degrees of freedom")
        if np.isfinite(self.llf):
            lines.append(f" Residual Deviance: {-2 * self.llf:.1f}  on {nd - p} degrees of freedom")
            lines.append("")
            lines.append(f"AIC: {self.aic:.1f}  BIC: {self.bic:.1f}  (Smaller is better. MC Std. Err. = "
                         f"{2 * self.llf_se:.4g})")
        else:
            lines.append(" Residual Deviance: not computed (eval_loglik=False), so no AIC or BIC")
        if self.method == "MCMC-MLE":
            lines.append(f"MCMC-MLE iterations: {self.iterations}; converged: {'yes' if self.converged else 'NO'}")
        for msg in self.messages:
            lines.append("Note: " + msg)
        return "\n".join(lines)

    def __str__(self):
        return self.summary()

    def to_file(self, path):
        """Write the coefficient table (CSV) or the text summary (.txt)."""
        from ..._io import write_csv, write_text

        path = str(path)
        if path.endswith(".txt"):
            write_text(path, self.summary())
        else:
            write_csv(self.frame, path)
        return path

    def gof(self, **kw):
        """Goodness of fit by simulation (see :func:`spatialhealth.networks.ergm.gof.gof`)."""
        from .gof import gof

        return gof(self, **kw)

    def mcmc_diagnostics(self, **kw):
        """Trace/density plots and effective sample sizes of the final sample."""
        from .diagnostics import mcmc_diagnostics

        return mcmc_diagnostics(self, **kw)
