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

import warnings
from dataclasses import dataclass, field

import pandas as pd

from ..errors import InputError
from ._panel import prepare_panel, require_untreated_each_period
from .did import DiDResult, _fit_twfe, _tidy
from .event_study import event_study

__all__ = ["did2s", "compare_estimators", "Comparison"]


def did2s(
    df: pd.DataFrame,
    outcome: str,
    treatment: str | None = None,
    unit: str | None = None,
    time: str | None = None,
    cluster: str | None = None,
    controls=(),
    *,
    first_treated: str | None = None,
    fixed_effects: tuple | None = None,
    alpha: float = 0.05,
    balance: str = "warn",
) -> DiDResult:
    """Gardner's two-stage DiD estimate of the average effect on the treated.

    Parameters
    ----------
    df, outcome, treatment, unit, time, cluster, controls, first_treated, alpha, balance
        As :func:`spatialhealth.policy.twfe_did`.
    fixed_effects : tuple of two str, optional
        Fixed effects of the first stage (default ``(unit, time)``). The did2s
        README example uses ``("state", "year")`` for a unit-level panel.

    Returns
    -------
    DiDResult
        With ``estimator="did2s"``.

    Examples
    --------
    >>> from spatialhealth.efficiency.synthetic import synthetic_panel
    >>> df = synthetic_panel(seed=1)
    >>> res = did2s(df, "true_u", "treated", "code", "year")
    >>> round(res.coef, 2)
    -0.12
    """
    from ._pyfixest import pyfixest
    pf = pyfixest()

    panel = prepare_panel(df, outcome, unit, time, treatment=treatment, first_treated=first_treated,
                          cluster=cluster, controls=controls, balance=balance)
    data = panel.data
    fe = "u + t"
    if fixed_effects is None:
        require_untreated_each_period(panel)
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
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = pf.did2s(data, yname="y", first_stage=f"~ 0{controls_fml} | {fe}", second_stage="~ d",
                       treatment="d", cluster="cl")
    label = treatment if treatment is not None else f"post({first_treated})"
    frame = _tidy(fit, {"d": label}, alpha)
    row = frame.iloc[0]
    n_cl = int(data["cl"].nunique())
    return DiDResult(
        estimator="did2s", outcome=outcome, treatment=label, coef=float(row.estimate),
        se=float(row.se), tstat=float(row.t), pvalue=float(row.pvalue),
        conf_int=(float(row.ci_low), float(row.ci_high)), nobs=int(fit._N),
        n_units=panel.n_units, n_treated_units=panel.n_treated_units, n_clusters=n_cl,
        cluster=panel.cluster, controls=panel.controls, alpha=alpha,
        vcov_type=(f"GMM two-stage sandwich clustered by {panel.cluster} (Gardner 2021 / R did2s; "
              "no small-sample factor)"),
        frame=frame, fit=fit,
    )


@dataclass(frozen=True)
class Comparison:
    """TWFE and heterogeneity-robust estimates side by side.

    Attributes
    ----------
    frame : pandas.DataFrame
        Static estimates, one row per estimator: ``estimator``, ``estimate``,
        ``se``, ``pvalue``, ``ci_low``, ``ci_high``, ``nobs``.
    event_frame : pandas.DataFrame
        Event-study coefficients of every estimator (long; ``estimator``
        column), empty when no event study was asked.
    static, event : dict
        The underlying :class:`DiDResult` and :class:`EventStudyResult` objects.
    """

    frame: pd.DataFrame
    event_frame: pd.DataFrame = field(repr=False)
    static: dict = field(repr=False, default_factory=dict)
    event: dict = field(repr=False, default_factory=dict)

    def summary(self) -> str:
        lines = ["Static DiD estimates (average effect of treatment)", "",
                 f"{'estimator':<12}{'estimate':>12}{'std.err':>11}{'p':>9}   CI"]
        for r in self.frame.itertuples(index=False):
            lines.append(f"{r.estimator:<12}{r.estimate:>12.5g}{r.se:>11.4g}{r.pvalue:>9.4f}"
                         f"   [{r.ci_low:.4g}, {r.ci_high:.4g}]")
        if len(self.event_frame):
            wide = self.event_frame.pivot(index="rel_time", columns="estimator", values="estimate")
            ref = next(iter(self.event.values())).ref
            lines += ["", f"Event-study coefficients (reference period k = {ref})", "",
                      wide.to_string(float_format=lambda v: f"{v:.4g}")]
        return "\n".join(lines)

    def to_file(self, path):
        """Write ``.frame`` as UTF-8 CSV (atomically); return the path."""
        from .._io import write_csv

        return write_csv(self.frame, path)

    def __str__(self) -> str:
        return self.summary()

    def plot(self, ax=None, **kwargs):
        """Event-study coefficients of every estimator side by side (dodged)."""
        from .plots import plot_event_study

        if not self.event:
            raise InputError("This comparison has no event study; call compare_estimators(..., "
                             "event=True).")
        return plot_event_study(list(self.event.values()), ax=ax, **kwargs)


def compare_estimators(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    first_treated: str | None = None,
    *,
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
    estimators : sequence of {"twfe", "did2s", "saturated", "lpdid"}
        Static estimates exist for "twfe" and "did2s"; "saturated" (Sun-Abraham)
        and "lpdid" (local projections) contribute event studies only.
    event : bool
        Also estimate event studies with window ``[-leads, lags]`` and ``ref``.
    Other parameters
        As :func:`twfe_did` and :func:`event_study`.

    Examples
    --------
    >>> from spatialhealth.efficiency.synthetic import synthetic_panel
    >>> df = synthetic_panel(seed=1)
    >>> cmp = compare_estimators(df, "true_u", "code", "year", "first_treat", leads=4, lags=5)
    >>> cmp.frame["estimator"].tolist()
    ['twfe', 'did2s']
    """
    for est in estimators:
        if est not in ("twfe", "did2s", "saturated", "lpdid"):
            raise InputError(f"Unknown estimator {est!r}; use 'twfe', 'did2s', 'saturated' or "
                             "'lpdid'.")
    # validated once (an unbalanced panel warns once); the estimators below re-use it
    panel = prepare_panel(df, outcome, unit, time, treatment=treatment, first_treated=first_treated,
                          cluster=cluster, controls=controls, balance=balance)
    static, rows = {}, []
    for est in estimators:
        if est == "twfe":
            res = _fit_twfe(panel, alpha, treatment or f"post({first_treated})")
        elif est == "did2s":
            res = did2s(df, outcome, treatment, unit, time, cluster, controls,
                        first_treated=first_treated, alpha=alpha, balance="ignore")
        else:
            continue
        static[est] = res
        rows.append((est, res.coef, res.se, res.pvalue, res.conf_int[0], res.conf_int[1], res.nobs))
    frame = pd.DataFrame(rows, columns=["estimator", "estimate", "se", "pvalue", "ci_low", "ci_high",
                                        "nobs"])
    events, parts = {}, []
    if event:
        for est in estimators:
            es = event_study(df, outcome, unit, time, first_treated, treatment=treatment,
                             leads=leads, lags=lags, ref=ref, cluster=cluster,
                             controls=controls, estimator=est, alpha=alpha, balance="ignore")
            events[est] = es
            parts.append(es.frame.assign(estimator=est))
    event_frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["rel_time", "estimate", "se", "pvalue", "ci_low", "ci_high", "is_ref", "binned",
                 "n_obs", "estimator"])
    return Comparison(frame=frame, event_frame=event_frame, static=static, event=events)
