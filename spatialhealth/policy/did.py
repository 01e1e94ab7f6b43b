"""Two-way fixed-effects difference-in-differences with clustered standard errors.

The regression is ``outcome ~ treatment + controls | unit + time`` fitted by
pyfixest's :func:`pyfixest.feols` with cluster-robust (CRV1) standard errors.

Small-sample correction (pyfixest's default, which mimics R fixest): the
cluster-robust variance is multiplied by ``G / (G - 1) * (N - 1) / (N - K)``
where ``G`` is the number of clusters, ``N`` the number of observations and
``K`` the number of slope coefficients plus the fixed-effect levels that are
*not* nested in the clusters (``k_fixef="nonnested"``; a fixed effect nested in
the cluster variable, such as the unit effect when clustering by unit, counts
as one parameter). p-values and confidence intervals use Student's t with
``G - 1`` degrees of freedom.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import InputError
from ._panel import Panel, prepare_panel

__all__ = ["twfe_did", "DiDResult"]


@dataclass(frozen=True)
class DiDResult:
    """A difference-in-differences estimate of the average effect of treatment.

    Attributes
    ----------
    coef, se, tstat, pvalue : float
        The treatment coefficient, its standard error, t statistic and two-sided
        p-value.
    conf_int : tuple of float
        ``(low, high)`` confidence interval at level ``1 - alpha``.
    nobs, n_units, n_treated_units, n_clusters : int
    estimator : str
        ``"twfe"`` or ``"did2s"``.
    frame : pandas.DataFrame
        One row per coefficient (treatment first, then controls): ``term``,
        ``estimate``, ``se``, ``t``, ``pvalue``, ``ci_low``, ``ci_high``.
    dropped : tuple of str
        Controls dropped because they are collinear with the fixed effects
        (e.g. a unit-specific linear trend).
    vcov_type : str
        How the standard errors were computed (in words).
    """

    estimator: str
    outcome: str
    treatment: str
    coef: float
    se: float
    tstat: float
    pvalue: float
    conf_int: tuple
    nobs: int
    n_units: int
    n_treated_units: int
    n_clusters: int
    cluster: str
    controls: tuple
    alpha: float
    vcov_type: str
    frame: pd.DataFrame = field(repr=False)
    fit: object = field(default=None, repr=False, compare=False)
    dropped: tuple = ()

    def summary(self) -> str:
        """Text table of the estimate, ready to paste."""
        title = {"twfe": "Two-way fixed-effects DiD", "did2s": "Gardner two-stage DiD (did2s)"}.get(
            self.estimator, self.estimator)
        level = f"{100 * (1 - self.alpha):g}%"
        lines = [
            title,
            f"outcome: {self.outcome}    treatment: {self.treatment}",
            f"observations: {self.nobs}    units: {self.n_units} ({self.n_treated_units} treated)"
            f"    clusters ({self.cluster}): {self.n_clusters}",
            f"standard errors: {self.vcov_type}",
            "",
            f"{'term':<24}{'estimate':>12}{'std.err':>11}{'t':>9}{'p':>9}   {level} CI",
        ]
        for r in self.frame.itertuples(index=False):
            lines.append(
                f"{str(r.term):<24}{r.estimate:>12.5g}{r.se:>11.4g}{r.t:>9.3f}{r.pvalue:>9.4f}"
                f"   [{r.ci_low:.4g}, {r.ci_high:.4g}]"
            )
        if self.dropped:
            lines.append(f"dropped as collinear with the fixed effects: {', '.join(self.dropped)}")
        return "\n".join(lines)

    def to_file(self, path):
        """Write ``.frame`` as UTF-8 CSV (atomically); return the path."""
        from .._io import write_csv

        return write_csv(self.frame, path)

    def __str__(self) -> str:
        return self.summary()


def _tidy(fit, names: dict, alpha: float) -> pd.DataFrame:
    """pyfixest coefficient table renamed to user-facing terms."""
    coefs = np.asarray(fit.coef(), dtype=float)
    se = np.asarray(fit.se(), dtype=float)
    tstat = np.asarray(fit.tstat(), dtype=float)
    pval = np.asarray(fit.pvalue(), dtype=float)
    ci = fit.confint(alpha=alpha)
    terms = list(fit.coef().index)
    out = pd.DataFrame(
        {
            "term": [names.get(t, t) for t in terms],
            "estimate": coefs,
            "se": se,
            "t": tstat,
            "pvalue": pval,
            "ci_low": ci.iloc[:, 0].to_numpy(dtype=float),
            "ci_high": ci.iloc[:, 1].to_numpy(dtype=float),
        }
    )
    out.attrs["internal_terms"] = terms
    return out


def _feols(formula: str, data: pd.DataFrame, cluster: str = "cl"):
    import warnings

    from ._pyfixest import pyfixest
    pf = pyfixest()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # collinearity notes are checked by the callers
        return pf.feols(formula, data=data, vcov={"CRV1": cluster})


def _control_terms(panel: Panel) -> str:
    return "".join(f" + {c}" for c in panel.control_names)


def _fit_twfe(panel: Panel, alpha: float, treatment_label: str) -> DiDResult:
    formula = f"y ~ d{_control_terms(panel)} | u + t"
    fit = _feols(formula, panel.data)
    if "d" not in fit.coef().index:
        raise InputError(
            f"The treatment {treatment_label!r} is collinear with the unit and time fixed effects"
            + (f" and the controls {list(panel.controls)!r}" if panel.controls else "")
            + " (e.g. every treated unit adopts in the same period and no unit stays untreated); "
            "the effect is not identified."
        )
    names = {"d": treatment_label, **dict(zip(panel.control_names, panel.controls))}
    frame = _tidy(fit, names, alpha)
    row = frame.iloc[0]
    n_clusters = int(panel.data["cl"].nunique())
    return DiDResult(
        estimator="twfe",
        outcome=panel.outcome,
        treatment=treatment_label,
        coef=float(row.estimate),
        se=float(row.se),
        tstat=float(row.t),
        pvalue=float(row.pvalue),
        conf_int=(float(row.ci_low), float(row.ci_high)),
        nobs=int(fit._N),
        n_units=panel.n_units,
        n_treated_units=panel.n_treated_units,
        n_clusters=n_clusters,
        cluster=panel.cluster,
        controls=panel.controls,
        alpha=alpha,
        vcov_type=(f"CRV1 clustered by {panel.cluster}, small-sample factor G/(G-1)*(N-1)/(N-K) "
              f"(pyfixest/fixest default, K={int(fit._df_k)}); t({int(fit._df_t)}) inference"),
        frame=frame,
        fit=fit,
        dropped=tuple(c for c, n in zip(panel.controls, panel.control_names)
                      if n not in fit.coef().index),
    )


def twfe_did(
    df: pd.DataFrame,
    outcome: str,
    treatment: str | None = None,
    unit: str | None = None,
    time: str | None = None,
    cluster: str | None = None,
    controls=(),
    *,
    first_treated: str | None = None,
    alpha: float = 0.05,
    balance: str = "warn",
) -> DiDResult:
    """Static two-way fixed-effects DiD: ``outcome ~ treatment + controls | unit + time``.

    Parameters
    ----------
    df : pandas.DataFrame
        Long panel, one row per unit and period.
    outcome : str
        Outcome column.
    treatment : str
        0/1 (or boolean) column, 1 from the unit's adoption period on (absorbing).
        Alternatively pass ``first_treated=`` (adoption time per unit, 0 or
        missing for never treated) and leave ``treatment`` as None.
    unit, time : str
        Unit identifier and numeric period (e.g. year) columns.
    cluster : str, optional
        Cluster variable of the CRV1 standard errors (default: ``unit``).
    controls : sequence of str
        Time-varying control columns.
    alpha : float
        1 - confidence level of ``conf_int``.
    balance : {"warn", "raise", "ignore"}
        What to do with an unbalanced panel (estimation is valid for both).

    Returns
    -------
    DiDResult
        ``.coef``, ``.se``, ``.pvalue``, ``.conf_int``, ``.nobs``, ``.frame``,
        ``.summary()``; the pyfixest fit is in ``.fit``.

    Notes
    -----
    Under staggered adoption with effects that vary over time or cohorts, the
    TWFE coefficient is a weighted average of comparisons that can include
    already-treated units as controls (Goodman-Bacon 2021); compare it with
    :func:`spatialhealth.policy.did2s` (:func:`compare_estimators`).

    Examples
    --------
    >>> from spatialhealth.efficiency.synthetic import synthetic_panel
    >>> panel = synthetic_panel(seed=1)
    >>> res = twfe_did(panel, "log_outpatient", "pilot", "code", "year")  # doctest: +SKIP
    >>> print(res.summary())  # doctest: +SKIP
    """
    panel = prepare_panel(df, outcome, unit, time, treatment=treatment, first_treated=first_treated,
                          cluster=cluster, controls=controls, balance=balance)
    label = treatment if treatment is not None else f"post({first_treated})"
    return _fit_twfe(panel, alpha, label)
