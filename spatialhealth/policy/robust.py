"""Heterogeneity-robust DiD (Gardner's two-stage did2s) and TWFE side by side.

With staggered adoption, the TWFE coefficient averages comparisons in which
already-treated units serve as controls; when effects grow over time or differ
between cohorts, those comparisons carry negative weights and the average can
be far from any true effect (Goodman-Bacon 2021; de Chaisemartin &
D'Haultfoeuille 2020). Gardner's (2021) two-stage estimator avoids this: the
unit and time effects are estimated on untreated observations only (never
treated units and the pre-adoption periods of later-treated units), removed
from the outcome, and the treatment coefficient is the mean of the residual
outcome over treated observations (the ATT). pyfixest's :func:`pyfixest.did2s`
does the estimation and its GMM standard errors (clustered, no small-sample
factor, as R did2s).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._compat import positional_deprecated, renamed_kwargs
from .._results import COEF_COLUMNS, CoefficientResult, coef_table
from ..errors import InputError
from . import _pyfixest as fx
from ._panel import prepare_panel, require_estimable, require_untreated_each_period
from .did import DiDResult, RowDofMixin, _fit_twfe, _tidy, coefficient_plot
from .event_study import EVENT_COLUMNS, event_study

__all__ = ["did2s", "compare_estimators", "Comparison"]


@positional_deprecated("outcome", "treatment", "region", "period", "cluster", "controls")
@renamed_kwargs(unit="region", time="period", first_treated="cohort")
def did2s(
    df: pd.DataFrame,
    *,
    outcome: str,
    treatment: str | None = None,
    region: str | None = None,
    period: str | None = None,
    cluster: str | None = None,
    controls=(),
    cohort: str | None = None,
    fixed_effects: tuple | None = None,
    alpha: float = 0.05,
    balance: str = "warn",
) -> DiDResult:
    """Gardner's two-stage DiD estimate of the average effect on the treated.

    Parameters
    ----------
    df : pandas.DataFrame
        Long panel, one row per region and period.
    outcome, treatment, region, period, cluster, controls, cohort, alpha, balance
        As :func:`spatialhealth.policy.twfe_did`.
    fixed_effects : tuple of two str, optional
        Fixed effects of the first stage (default ``(region, period)``). The did2s
        README example uses ``("state", "year")`` for a unit-level panel.

    Returns
    -------
    DiDResult
        With ``estimator="did2s"``.

    Examples
    --------
    >>> from spatialhealth.efficiency.synthetic import synthetic_panel
    >>> df = synthetic_panel(seed=1)
    >>> res = did2s(df, outcome="true_u", treatment="treated", region="code", period="year")
    >>> round(res.estimate, 2)
    -0.12
    """
    unit, time, first_treated = region, period, cohort
    panel = prepare_panel(df, outcome, unit, time, treatment=treatment, first_treated=first_treated,
                          cluster=cluster, controls=controls, balance=balance)
    require_estimable(panel, "did2s", timing=False)
    if fixed_effects is None:
        require_untreated_each_period(panel)
    require_estimable(panel, "did2s")
    if fx.n_clusters(panel.data, "cl") < 2:
        raise InputError(
            f"did2s clusters its two-stage (GMM) standard errors and the data have one cluster "
            f"({panel.cluster}); cluster by region (the default) or use twfe_did, which reports "
            "heteroskedasticity-robust errors with one cluster.")
    data = panel.data
    fe = "u + t"
    if fixed_effects is not None:
        fixed_effects = tuple(fixed_effects)
        from .._validate import require_columns

        require_columns(df, fixed_effects, "panel")
        data = data.copy()
        fe_names = []
        for i, col in enumerate(fixed_effects):
            if col == unit:
                fe_names.append("u")
            elif col == time:
                fe_names.append("t")
            else:
                data[f"fe{i}"] = pd.factorize(df[col])[0]
                fe_names.append(f"fe{i}")
        fe = " + ".join(fe_names)
    controls_fml = "".join(f" + {c}" for c in panel.control_names)
    fit = fx.did2s(data, first_stage=f"~ 0{controls_fml} | {fe}", second_stage="~ d")
    label = treatment if treatment is not None else f"post({first_treated})"
    table = _tidy(fit, {"d": label}, alpha)
    n_cl = int(data["cl"].nunique())
    return DiDResult(
        estimator="did2s", outcome=outcome, treatment=label, coefficients=table,
        nobs=fx.nobs(fit), n_units=panel.n_units, n_treated_units=panel.n_treated_units,
        n_clusters=n_cl, cluster=panel.cluster, controls=panel.controls, alpha=alpha,
        vcov_type=(f"GMM two-stage sandwich clustered by {panel.cluster} (Gardner 2021 / R did2s; "
                   "no small-sample factor)"),
        fit=fit, df_resid=None,  # pyfixest's did2s intervals are normal (z) intervals
    )


class Comparison(RowDofMixin, CoefficientResult):
    """TWFE and heterogeneity-robust estimates side by side.

    Attributes
    ----------
    coefficients : pandas.DataFrame
        Static estimates indexed by ``estimator`` with the columns ``estimate,
        std_error, z_or_t, p_value, ci_lower, ci_upper``.
    frame : pandas.DataFrame
        The same with ``estimator`` as first column and ``nobs`` last.
    event_frame : pandas.DataFrame
        Event-study coefficients of every estimator (long; ``estimator``
        column), empty when no event study was asked.
    static, event : dict
        The underlying :class:`DiDResult` and :class:`EventStudyResult` objects.
    """

    _title = "DiD estimators compared"

    def __init__(self, *, coefficients, nobs, event_frame, static=None, event=None):
        self.coefficients = coefficients[list(COEF_COLUMNS)]
        self.nobs = pd.Series(nobs, index=self.coefficients.index, name="nobs")
        self.event_frame = event_frame
        self.static = dict(static or {})
        self.event = dict(event or {})
        self.row_dof = pd.Series({k: (r.df_resid if r.df_resid is not None else np.nan)
                                  for k, r in self.static.items()}, dtype=float)

    @property
    def frame(self) -> pd.DataFrame:
        out = self.coefficients.assign(nobs=self.nobs)
        out.index.name = "estimator"
        return out.reset_index()

    def summary(self) -> str:
        lines = ["Static DiD estimates (average effect of treatment)", "",
                 f"{'estimator':<12}{'estimate':>12}{'std.err':>11}{'p':>9}   CI"]
        for name, r in self.coefficients.iterrows():
            lines.append(f"{name:<12}{r.estimate:>12.5g}{r.std_error:>11.4g}{r.p_value:>9.4f}"
                         f"   [{r.ci_lower:.4g}, {r.ci_upper:.4g}]")
        if len(self.event_frame):
            wide = self.event_frame.pivot(index="rel_time", columns="estimator", values="estimate")
            ref = next(iter(self.event.values())).ref
            lines += ["", f"Event-study coefficients (reference period k = {ref})", "",
                      wide.to_string(float_format=lambda v: f"{v:.4g}")]
        return "\n".join(lines)

    def plot(self, ax=None, **kwargs):
        """Event-study coefficients of every estimator side by side (dodged); without event
        studies, the static estimates with their intervals. Returns the Axes.
        """
        from .plots import plot_event_study

        if not self.event:
            return coefficient_plot(self.coefficients, ax=ax, title="Static DiD estimates")
        return plot_event_study(list(self.event.values()), ax=ax, **kwargs)


@positional_deprecated("outcome", "region", "period", "cohort")
@renamed_kwargs(unit="region", time="period", first_treated="cohort")
def compare_estimators(
    df: pd.DataFrame,
    *,
    outcome: str,
    region: str,
    period: str,
    cohort: str | None = None,
    treatment: str | None = None,
    cluster: str | None = None,
    controls=(),
    estimators=("twfe", "did2s"),
    event: bool = True,
    leads: int | None = None,
    lags: int | None = None,
    ref: int = -1,
    alpha: float = 0.05,
    balance: str = "warn",
) -> Comparison:
    """Estimate the same design with TWFE and robust estimators, side by side.

    Parameters
    ----------
    df : pandas.DataFrame
        Long panel, one row per region and period.
    outcome, region, period, cohort, treatment, cluster, controls, alpha, balance
        As :func:`twfe_did`.
    estimators : sequence of {"twfe", "did2s", "saturated", "lpdid"}
        Static estimates exist for "twfe" and "did2s"; "saturated" (Sun-Abraham)
        and "lpdid" (local projections) contribute event studies only.
    event : bool
        Also estimate event studies with window ``[-leads, lags]`` and ``ref``.
    leads, lags, ref
        As :func:`event_study`.

    Returns
    -------
    Comparison
        ``.frame`` (one row per static estimator), ``.event_frame``, ``.summary()``,
        ``.plot()``.

    Examples
    --------
    >>> from spatialhealth.efficiency.synthetic import synthetic_panel
    >>> df = synthetic_panel(seed=1)
    >>> cmp = compare_estimators(df, outcome="true_u", region="code", period="year",
    ...                          cohort="first_treat", leads=4, lags=5)
    >>> cmp.frame["estimator"].tolist()
    ['twfe', 'did2s']
    """
    for est in estimators:
        if est not in ("twfe", "did2s", "saturated", "lpdid"):
            raise InputError(f"Unknown estimator {est!r}; use 'twfe', 'did2s', 'saturated' or "
                             "'lpdid'.")
    unit, time, first_treated = region, period, cohort
    # validated once (an unbalanced panel warns once); the estimators below re-use it
    panel = prepare_panel(df, outcome, unit, time, treatment=treatment, first_treated=first_treated,
                          cluster=cluster, controls=controls, balance=balance)
    static, tables, nobs = {}, [], []
    for est in estimators:
        if est == "twfe":
            res = _fit_twfe(panel, alpha, treatment or f"post({first_treated})")
        elif est == "did2s":
            res = did2s(df, outcome=outcome, treatment=treatment, region=unit, period=time,
                        cluster=cluster, controls=controls, cohort=first_treated, alpha=alpha,
                        balance="ignore")
        else:
            continue
        static[est] = res
        tables.append(res.coefficients.iloc[[0]].set_axis([est]))
        nobs.append(res.nobs)
    table = (pd.concat(tables) if tables else
             coef_table(np.zeros(0), np.zeros(0), names=[]))
    table.index.name = "estimator"
    events, parts = {}, []
    if event:
        for est in estimators:
            es = event_study(df, outcome=outcome, region=unit, period=time, cohort=first_treated,
                             treatment=treatment, leads=leads, lags=lags, ref=ref, cluster=cluster,
                             controls=controls, estimator=est, alpha=alpha, balance="ignore")
            events[est] = es
            parts.append(es.frame.assign(estimator=est))
    event_frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=[*EVENT_COLUMNS, "estimator"])
    return Comparison(coefficients=table, nobs=nobs, event_frame=event_frame, static=static,
                      event=events)
