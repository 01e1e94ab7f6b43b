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

import numpy as np
import pandas as pd

from .._compat import positional_deprecated, renamed_kwargs
from .._results import COEF_COLUMNS, CoefficientResult, figure_axes
from ..errors import InputError
from . import _pyfixest as fx
from ._panel import Panel, prepare_panel, require_estimable

__all__ = ["twfe_did", "DiDResult"]


class ConfInt(tuple):
    """``(low, high)`` of the headline coefficient that can also be called like statsmodels.

    ``res.conf_int[0]`` is the lower bound at the result's level; ``res.conf_int(alpha)``
    is the table of every coefficient (columns ``ci_lower``, ``ci_upper``).
    """

    def __new__(cls, bounds, result):
        obj = super().__new__(cls, bounds)
        obj._result = result
        return obj

    def __call__(self, alpha: float | None = None) -> pd.DataFrame:
        return CoefficientResult.conf_int(self._result, self._result.alpha if alpha is None else alpha)


class DiDResult(CoefficientResult):
    """A difference-in-differences estimate of the average effect of treatment.

    Attributes
    ----------
    coefficients : pandas.DataFrame
        One row per coefficient (treatment first, then controls), indexed by
        ``term``, with the columns ``estimate, std_error, z_or_t, p_value,
        ci_lower, ci_upper``.
    frame : pandas.DataFrame
        The same table with ``term`` as the first column.
    estimate, std_error, z_or_t, p_value : float
        The treatment row (also under the old names ``coef``, ``se``, ``tstat``,
        ``pvalue``).
    conf_int : tuple of float
        ``(low, high)`` of the treatment coefficient at level ``1 - alpha``; calling
        it, ``conf_int(alpha)``, gives every coefficient's interval.
    nobs, n_units, n_treated_units, n_clusters : int
    estimator : str
        ``"twfe"`` or ``"did2s"``.
    dropped : tuple of str
        Controls dropped because they are collinear with the fixed effects
        (e.g. a unit-specific linear trend).
    vcov_type : str
        How the standard errors were computed (in words).
    clustered : bool
        False when the data had one cluster and HC1 errors are reported instead.
    """

    _title = "Difference-in-differences"

    def __init__(self, *, estimator, outcome, treatment, coefficients, nobs, n_units,
                 n_treated_units, n_clusters, cluster, controls, alpha, vcov_type, fit=None,
                 dropped=(), df_resid=None, clustered=True):
        self.estimator = estimator
        self.outcome = outcome
        self.treatment = treatment
        self.coefficients = coefficients[list(COEF_COLUMNS)]
        self.nobs = int(nobs)
        self.n_units = int(n_units)
        self.n_treated_units = int(n_treated_units)
        self.n_clusters = int(n_clusters)
        self.cluster = cluster
        self.controls = tuple(controls)
        self.alpha = float(alpha)
        self.vcov_type = vcov_type
        self.fit = fit
        self.dropped = tuple(dropped)
        self.df_resid = df_resid
        self.clustered = bool(clustered)

    def _head(self, column):
        return float(self.coefficients[column].iloc[0])

    @property
    def estimate(self) -> float:
        """The treatment coefficient."""
        return self._head("estimate")

    @property
    def std_error(self) -> float:
        return self._head("std_error")

    @property
    def z_or_t(self) -> float:
        return self._head("z_or_t")

    @property
    def p_value(self) -> float:
        return self._head("p_value")

    # the names of earlier releases
    coef = estimate
    se = std_error
    tstat = z_or_t
    pvalue = p_value

    @property
    def conf_int(self) -> ConfInt:
        return ConfInt((self._head("ci_lower"), self._head("ci_upper")), self)

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
        for term, r in self.coefficients.iterrows():
            lines.append(
                f"{str(term):<24}{r.estimate:>12.5g}{r.std_error:>11.4g}{r.z_or_t:>9.3f}"
                f"{r.p_value:>9.4f}   [{r.ci_lower:.4g}, {r.ci_upper:.4g}]"
            )
        if self.dropped:
            lines.append(f"dropped as collinear with the fixed effects: {', '.join(self.dropped)}")
        return "\n".join(lines)

    def plot(self, ax=None):
        """Coefficients with their confidence intervals (a forest plot); returns the Axes."""
        return coefficient_plot(self.coefficients, ax=ax, xlabel=f"effect on {self.outcome}",
                                title=f"{self.estimator.upper()} DiD estimates")


class RowDofMixin:
    """Coefficient tables whose rows come from different fits, each with its own t dof.

    ``self.row_dof`` (a Series aligned with the table; NaN or None for z inference)
    replaces the single ``df_resid`` in :meth:`conf_int`.
    """

    row_dof: pd.Series

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Confidence intervals (``ci_lower``, ``ci_upper``) at level ``1 - alpha``, row by row."""
        from .._results import coef_table

        parts = []
        for name, row in self.coefficients.iterrows():
            dof = self.row_dof.get(name)
            dof = None if dof is None or not np.isfinite(dof) or dof <= 0 else float(dof)
            parts.append(coef_table([row.estimate], [row.std_error], names=[name], df_resid=dof,
                                    alpha=alpha))
        out = pd.concat(parts) if parts else self.coefficients.iloc[:0]
        out.index.name = self.coefficients.index.name
        return out[["ci_lower", "ci_upper"]]


def coefficient_plot(table: pd.DataFrame, ax=None, xlabel: str = "estimate", title: str = ""):
    """Forest plot of a coefficient table (columns of :data:`COEF_COLUMNS`); returns the Axes."""
    _, ax = figure_axes(ax, figsize=(6, max(2.5, 0.45 * len(table) + 1.2)))
    f = table.dropna(subset=["estimate"])
    y = np.arange(len(f))[::-1]
    ax.errorbar(f["estimate"], y, xerr=[f["estimate"] - f["ci_lower"], f["ci_upper"] - f["estimate"]],
                fmt="o", capsize=3, color="#1f77b4")
    ax.axvline(0, color="0.4", lw=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels([str(i) for i in f.index])
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title)
    return ax


def _tidy(fit, names: dict, alpha: float) -> pd.DataFrame:
    """pyfixest coefficient table renamed to user-facing terms."""
    table = fx.coefficients(fit, alpha)
    internal = list(table.index)
    table.index = pd.Index([names.get(t, t) for t in internal], name="term")
    table.attrs["internal_terms"] = internal
    return table


def _feols(formula: str, data: pd.DataFrame, cluster: str = "cl"):
    """``(fit, clustered)`` of a CRV1 fixed-effects regression (HC1 with one cluster)."""
    return fx.feols(formula, data, cluster)


def _control_terms(panel: Panel) -> str:
    return "".join(f" + {c}" for c in panel.control_names)


def _fit_twfe(panel: Panel, alpha: float, treatment_label: str) -> DiDResult:
    require_estimable(panel, "The TWFE regression")
    formula = f"y ~ d{_control_terms(panel)} | u + t"
    fit, clustered = _feols(formula, panel.data)
    if "d" not in fit.coef().index:
        raise InputError(
            f"The treatment {treatment_label!r} is collinear with the unit and time fixed effects"
            + (f" and the controls {list(panel.controls)!r}" if panel.controls else "")
            + " (e.g. every treated unit adopts in the same period and no unit stays untreated); "
            "the effect is not identified."
        )
    names = {"d": treatment_label, **dict(zip(panel.control_names, panel.controls))}
    table = _tidy(fit, names, alpha)
    n_clusters = int(panel.data["cl"].nunique())
    if clustered:
        vcov_type = (f"CRV1 clustered by {panel.cluster}, small-sample factor G/(G-1)*(N-1)/(N-K) "
                     f"(pyfixest/fixest default, K={fx.df_k(fit)}); t({fx.df_t(fit)}) inference")
    else:
        vcov_type = (f"heteroskedasticity-robust (HC1): one cluster ({panel.cluster}), so "
                     f"cluster-robust errors are undefined; t({fx.df_t(fit)}) inference")
    return DiDResult(
        estimator="twfe",
        outcome=panel.outcome,
        treatment=treatment_label,
        coefficients=table,
        nobs=fx.nobs(fit),
        n_units=panel.n_units,
        n_treated_units=panel.n_treated_units,
        n_clusters=n_clusters,
        cluster=panel.cluster,
        controls=panel.controls,
        alpha=alpha,
        vcov_type=vcov_type,
        fit=fit,
        dropped=tuple(c for c, n in zip(panel.controls, panel.control_names)
                      if n not in fit.coef().index),
        df_resid=fx.df_t(fit) or None,
        clustered=clustered,
    )


@positional_deprecated("outcome", "treatment", "region", "period", "cluster", "controls")
@renamed_kwargs(unit="region", time="period", first_treated="cohort")
def twfe_did(
    df: pd.DataFrame,
    *,
    outcome: str,
    treatment: str | None = None,
    region: str | None = None,
    period: str | None = None,
    cluster: str | None = None,
    controls=(),
    cohort: str | None = None,
    alpha: float = 0.05,
    balance: str = "warn",
) -> DiDResult:
    """Static two-way fixed-effects DiD: ``outcome ~ treatment + controls | region + period``.

    Parameters
    ----------
    df : pandas.DataFrame
        Long panel, one row per region (unit) and period.
    outcome : str
        Outcome column.
    treatment : str
        0/1 (or boolean) column, 1 from the unit's adoption period on (absorbing).
        Alternatively pass ``cohort=`` (adoption period per unit, 0 or missing for
        never treated) and leave ``treatment`` as None.
    region, period : str
        Unit identifier (region key) and numeric period (e.g. year) columns
        (formerly ``unit`` and ``time``).
    cluster : str, optional
        Cluster variable of the CRV1 standard errors (default: ``region``). With
        one cluster a warning is given and heteroskedasticity-robust (HC1) errors
        are reported instead.
    controls : sequence of str
        Time-varying control columns.
    cohort : str, optional
        Adoption period column (formerly ``first_treated``).
    alpha : float
        1 - confidence level of ``conf_int``.
    balance : {"warn", "raise", "ignore"}
        What to do with an unbalanced panel (estimation is valid for both).

    Returns
    -------
    DiDResult
        ``.estimate``, ``.std_error``, ``.p_value``, ``.conf_int``, ``.nobs``,
        ``.coefficients``/``.frame`` (``estimate, std_error, z_or_t, p_value,
        ci_lower, ci_upper``), ``.summary()``; the pyfixest fit is in ``.fit``.

    Raises
    ------
    spatialhealth.errors.InputError
        Before pyfixest is called, for panels that cannot identify the effect: fewer
        than 2 units or periods, one adoption date and no never-treated unit, text,
        missing or infinite values (all listed at once, with unit, period and
        spreadsheet row).

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
    >>> res = twfe_did(panel, outcome="true_u", treatment="treated", region="code", period="year")
    >>> list(res.frame.columns)
    ['term', 'estimate', 'std_error', 'z_or_t', 'p_value', 'ci_lower', 'ci_upper']
    >>> res.n_clusters
    30
    """
    panel = prepare_panel(df, outcome, region, period, treatment=treatment, first_treated=cohort,
                          cluster=cluster, controls=controls, balance=balance)
    label = treatment if treatment is not None else f"post({cohort})"
    return _fit_twfe(panel, alpha, label)
