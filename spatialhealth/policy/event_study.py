"""Event-study (dynamic) difference-in-differences: leads and lags of adoption.

Relative time (event time) ``k`` is the number of panel periods since the unit's
adoption (``0`` = first treated period). For a window of ``leads`` periods
before and ``lags`` periods after adoption, one dummy per ``k`` in
``[-leads, lags]`` except the reference period ``ref`` (default ``-1``, the
period just before adoption) enters the regression; periods beyond the window
are **binned** into the end points (``k < -leads`` counts as ``-leads``,
``k > lags`` as ``lags``), and never-treated units have all dummies zero. Every
coefficient is the difference from the reference period, whose estimate is 0 by
construction and is listed in ``.frame`` with ``is_ref=True``.

Estimators (``estimator=``):

``"twfe"``
    ``y ~ dummies + controls | unit + time`` with pyfixest, CRV1 standard
    errors (the conventional dynamic TWFE; its coefficients can be contaminated
    by effects of other periods under staggered adoption with heterogeneous
    effects, Sun & Abraham 2021).
``"did2s"``
    Gardner's (2021) two-stage estimator (pyfixest :func:`pyfixest.did2s`):
    unit and time effects (and controls) are estimated on untreated
    observations only, removed from the outcome, and the residual is regressed
    on the same dummies; GMM standard errors clustered as asked (no
    small-sample factor, as in R did2s). Robust to heterogeneous effects.
``"saturated"``
    Sun & Abraham's (2021) interacted estimator, via pyfixest's
    ``event_study(estimator="saturated")`` (beta in pyfixest 0.60): cohort x
    relative-time interactions against never-treated units, aggregated per
    relative period with cohort-share weights. It needs never-treated units,
    uses ``ref=-1``, does not bin end points (periods outside the window are
    estimated but not reported) and takes no controls.
``"lpdid"``
    Local-projections DiD (Dube, Girardi, Jorda & Taylor 2023) via
    :func:`pyfixest.lpdid`: for each horizon ``k`` a regression of
    ``y[t+k] - y[t-1]`` on the adoption indicator with time effects, on newly
    treated units and "clean" controls not yet treated at ``t+k``; CRV1
    standard errors. It needs a balanced panel, uses ``ref=-1``, does not bin
    end points and takes no controls.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .._compat import external_stacklevel, positional_deprecated, renamed_kwargs
from .._results import COEF_COLUMNS, CoefficientResult
from ..errors import InputError
from . import _pyfixest as fx
from ._panel import Panel, prepare_panel, require_estimable, require_untreated_each_period
from .did import _control_terms, _feols

__all__ = ["event_study", "EventStudyResult", "ESTIMATORS", "EVENT_COLUMNS"]

ESTIMATORS = ("twfe", "did2s", "saturated", "lpdid")

#: the columns of :attr:`EventStudyResult.frame`
EVENT_COLUMNS = ("rel_time", *COEF_COLUMNS, "is_ref", "binned", "n_obs")


class EventStudyResult(CoefficientResult):
    """Event-study coefficients per relative period.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per relative period in the window: ``rel_time``, ``estimate``,
        ``std_error``, ``z_or_t``, ``p_value``, ``ci_lower``, ``ci_upper``, ``is_ref`` (the reference
        period: estimate 0 by normalisation, no standard error or CI),
        ``binned`` (an end point that also holds the periods beyond it),
        ``n_obs`` (treated-unit observations in the bin).
    ref : int
        Reference relative period (estimates are differences from it).
    estimator : str
    pretrend_F, pretrend_pvalue : float
        Wald test that all lead coefficients (k < 0 except ``ref``) are zero:
        F(q, G - 1) for TWFE (CRV1), F(q, N - k) for did2s (the degrees of
        freedom pyfixest reports for it); NaN when there are no leads (and for
        "saturated").
    coefficients : pandas.DataFrame
        The coefficient columns of ``frame`` indexed by ``rel_time``.
    """

    _title = "Event study"

    def __init__(self, *, estimator, outcome, ref, leads, lags, alpha, nobs, n_units, cluster,
                 frame, pretrend_F=float("nan"), pretrend_df=(0, 0),
                 pretrend_pvalue=float("nan"), fit=None, df_resid=None, clustered=True):
        self.estimator = estimator
        self.outcome = outcome
        self.ref = int(ref)
        self.leads = int(leads)
        self.lags = int(lags)
        self.alpha = float(alpha)
        self.nobs = int(nobs)
        self.n_units = int(n_units)
        self.cluster = cluster
        self._frame = frame[list(EVENT_COLUMNS)].reset_index(drop=True)
        self.pretrend_F = pretrend_F
        self.pretrend_df = pretrend_df
        self.pretrend_pvalue = pretrend_pvalue
        self.fit = fit
        self.df_resid = df_resid
        self.clustered = bool(clustered)

    @property
    def frame(self) -> pd.DataFrame:
        return self._frame.copy()

    @property
    def coefficients(self) -> pd.DataFrame:
        return self._frame.set_index("rel_time")[list(COEF_COLUMNS)]

    @property
    def reference_period(self) -> int:
        return self.ref

    def summary(self) -> str:
        level = f"{100 * (1 - self.alpha):g}%"
        names = {"twfe": "TWFE event study", "did2s": "Gardner two-stage (did2s) event study",
                 "saturated": "Sun-Abraham saturated event study",
                 "lpdid": "Local-projections DiD (LP-DiD) event study"}
        lines = [
            names.get(self.estimator, self.estimator),
            f"outcome: {self.outcome}    observations: {self.nobs}    units: {self.n_units}"
            f"    clustered by {self.cluster}",
            f"reference period: k = {self.ref} (coefficients are differences from it); "
            f"window [-{self.leads}, {self.lags}]"
            + (", end points binned" if self.estimator in ("twfe", "did2s") else ""),
            "",
            f"{'k':>5}{'estimate':>12}{'std.err':>11}{'p':>9}   {level} CI",
        ]
        for r in self.frame.itertuples(index=False):
            if r.is_ref:
                lines.append(f"{int(r.rel_time):>5}{0.0:>12.5g}{'(ref)':>11}")
                continue
            if not np.isfinite(r.estimate):
                lines.append(f"{int(r.rel_time):>5}{'dropped (collinear with the fixed effects)':>44}")
                continue
            flag = " (binned)" if r.binned else ""
            lines.append(f"{int(r.rel_time):>5}{r.estimate:>12.5g}{r.std_error:>11.4g}"
                         f"{r.p_value:>9.4f}   [{r.ci_lower:.4g}, {r.ci_upper:.4g}]{flag}")
        if np.isfinite(self.pretrend_pvalue):
            lines += ["", f"pre-trend test (all leads = 0): F({self.pretrend_df[0]}, "
                      f"{self.pretrend_df[1]}) = {self.pretrend_F:.3f}, p = {self.pretrend_pvalue:.4f}"]
        if not self.clustered:
            lines += ["", "standard errors: heteroskedasticity-robust (HC1); one cluster, so "
                      "cluster-robust errors are undefined"]
        return "\n".join(lines)

    def plot(self, ax=None, **kwargs):
        """Coefficients with confidence intervals; the reference period is marked."""
        from .plots import plot_event_study

        return plot_event_study(self, ax=ax, **kwargs)


def _dummy_name(k: int) -> str:
    return f"ev_m{-k}" if k < 0 else f"ev_p{k}"


def _window(panel: Panel, leads, lags, ref):
    rel = panel.data["rel"].to_numpy()
    treated_rel = rel[~np.isnan(rel)]
    max_lead = int(-treated_rel.min()) if treated_rel.size else 0
    max_lag = int(treated_rel.max()) if treated_rel.size else 0
    leads = max_lead if leads is None else int(leads)
    lags = max_lag if lags is None else int(lags)
    if leads < 0 or lags < 0:
        raise InputError(f"`leads` and `lags` must be >= 0; {leads} and {lags} were given.")
    if not (-leads <= ref <= lags):
        raise InputError(f"The reference period ref={ref} lies outside the window [-{leads}, {lags}].")
    if leads > max_lead or lags > max_lag:
        raise InputError(
            f"The panel has relative periods from -{max_lead} to {max_lag}; a window of "
            f"{leads} leads and {lags} lags cannot be estimated. Use smaller `leads`/`lags`."
        )
    return leads, lags


def _add_dummies(panel: Panel, leads: int, lags: int, ref: int):
    data = panel.data.copy()
    rel = data["rel"].to_numpy()
    clipped = np.clip(rel, -leads, lags)
    ks = [k for k in range(-leads, lags + 1) if k != ref]
    names = []
    for k in ks:
        name = _dummy_name(k)
        data[name] = (clipped == k).astype(np.float64)  # NaN (never treated) -> 0
        names.append(name)
    counts = {k: int(np.sum(clipped == k)) for k in range(-leads, lags + 1)}
    binned = set()
    if np.any(rel < -leads):
        binned.add(-leads)
    if np.any(rel > lags):
        binned.add(lags)
    counts["binned"] = binned
    return data, ks, names, counts


def _wald(coefs, vcov, df_denom):
    from scipy import stats

    q = len(coefs)
    if q == 0 or not np.all(np.isfinite(coefs)):
        return float("nan"), (0, 0), float("nan")
    F = float(coefs @ np.linalg.solve(vcov, coefs) / q)
    df_denom = int(df_denom)
    p = float(stats.f.sf(F, q, df_denom)) if df_denom > 0 else float(stats.chi2.sf(F * q, q))
    return F, (q, df_denom), p


@positional_deprecated("outcome", "region", "period", "cohort")
@renamed_kwargs(unit="region", time="period", first_treated="cohort")
def event_study(
    df: pd.DataFrame,
    *,
    outcome: str,
    region: str,
    period: str,
    cohort: str | None = None,
    treatment: str | None = None,
    leads: int | None = None,
    lags: int | None = None,
    ref: int = -1,
    cluster: str | None = None,
    controls=(),
    estimator: str = "twfe",
    alpha: float = 0.05,
    balance: str = "warn",
) -> EventStudyResult:
    """Estimate leads and lags of a staggered treatment.

    Parameters
    ----------
    df : pandas.DataFrame
        Long panel, one row per unit and period.
    outcome, region, period : str
        Outcome, unit (region key) and period columns (formerly ``unit``, ``time``).
    cohort : str, optional
        Adoption period of each unit (0 or missing for never treated; formerly
        ``first_treated``).
    treatment : str, optional
        Alternatively a 0/1 absorbing treatment column (give one of the two).
    leads, lags : int, optional
        Window ``[-leads, lags]`` of relative periods; periods beyond are binned
        into the end points. Default: every relative period of the panel.
    ref : int
        Reference relative period (default -1).
    cluster : str, optional
        Cluster variable (default ``unit``).
    controls : sequence of str
        Time-varying controls (not with ``estimator="saturated"``).
    estimator : {"twfe", "did2s", "saturated", "lpdid"}
        See the module docstring.
    alpha : float
        1 - confidence level.
    balance : {"warn", "raise", "ignore"}
        What to do with an unbalanced panel.

    Returns
    -------
    EventStudyResult
        ``.frame`` (one row per relative period, reference included), ``.ref``,
        ``.pretrend_pvalue``, ``.summary()``, ``.plot()``.

    Examples
    --------
    >>> from spatialhealth.efficiency.synthetic import synthetic_panel
    >>> df = synthetic_panel(seed=1)
    >>> es = event_study(df, outcome="true_u", region="code", period="year",
    ...                  cohort="first_treat", leads=4, lags=5)
    >>> es.frame.loc[es.frame.is_ref, "rel_time"].tolist()
    [-1]
    """
    if estimator not in ESTIMATORS:
        raise InputError(f"`estimator` must be one of {', '.join(map(repr, ESTIMATORS))}; "
                         f"{estimator!r} was given.")
    panel = prepare_panel(df, outcome, region, period, treatment=treatment, first_treated=cohort,
                          cluster=cluster, controls=controls, balance=balance)
    require_estimable(panel, "The event study")
    ref = int(ref)
    leads, lags = _window(panel, leads, lags, ref)
    if estimator == "saturated":
        return _saturated(panel, leads, lags, ref, alpha)
    if estimator == "lpdid":
        return _lpdid(panel, leads, lags, ref, alpha)
    data, ks, names, counts = _add_dummies(panel, leads, lags, ref)
    empty = [k for k in ks if counts[k] == 0]
    if empty:
        raise InputError(f"No treated observation falls in relative periods {_format_list(empty)}; "
                         "narrow the window (`leads`/`lags`).")
    rhs = " + ".join(names)
    clustered = True
    if estimator == "twfe":
        fit, clustered = _feols(f"y ~ {rhs}{_control_terms(panel)} | u + t", data)
    else:
        require_untreated_each_period(panel, "estimator='did2s'")
        _need_clusters(panel, estimator)
        fit = fx.did2s(data, first_stage=f"~ 0{_control_terms(panel)} | u + t",
                       second_stage=f"~ {rhs}")
    frame = _frame_from_fit(fit, ks, names, ref, leads, lags, counts, alpha)
    dropped = frame.loc[~frame.is_ref & frame.estimate.isna(), "rel_time"].tolist()
    if dropped:
        warnings.warn(
            f"Relative periods {_format_list(dropped)} were dropped as collinear with the unit and "
            "time effects" + ("" if (panel.unit_g < 0).any() else
                              " (the panel has no never-treated units, so a fully dynamic "
                              "specification needs a second excluded period: bin or narrow the "
                              "window with `leads`/`lags`)") + ".", UserWarning, stacklevel=external_stacklevel())
    lead_names = [n for k, n in zip(ks, names) if k < 0]
    F, dfs, p = _lead_test(fit, lead_names)
    return EventStudyResult(
        estimator=estimator, outcome=outcome, ref=ref, leads=leads, lags=lags, alpha=alpha,
        nobs=fx.nobs(fit), n_units=panel.n_units, cluster=panel.cluster, frame=frame,
        pretrend_F=F, pretrend_df=dfs, pretrend_pvalue=p, fit=fit,
        df_resid=(fx.df_t(fit) or None) if estimator == "twfe" else None, clustered=clustered,
    )


def _need_clusters(panel: Panel, estimator: str) -> None:
    if fx.n_clusters(panel.data, "cl") < 2:
        raise InputError(
            f"estimator={estimator!r} clusters its standard errors and the data have one cluster "
            f"({panel.cluster}); cluster by region (the default) or use estimator='twfe', which "
            "reports heteroskedasticity-robust errors with one cluster.")


def _format_list(values) -> str:
    return ", ".join(str(v) for v in values)


def _lead_test(fit, lead_names):
    coef = fit.coef()
    present = [n for n in lead_names if n in coef.index]
    if not present:
        return float("nan"), (0, 0), float("nan")
    idx = [list(coef.index).index(n) for n in present]
    b = coef.to_numpy()[idx]
    V = fx.vcov(fit)[np.ix_(idx, idx)]
    return _wald(b, V, fx.df_t(fit))


_NAN_ROW = (np.nan,) * 6


def _frame_from_fit(fit, ks, names, ref, leads, lags, counts, alpha):
    table = fx.coefficients(fit, alpha)
    rows = []
    for k in range(-leads, lags + 1):
        binned = k in counts["binned"]
        if k == ref:
            rows.append((k, 0.0, *_NAN_ROW[1:], True, False, counts[k]))
            continue
        name = names[ks.index(k)]
        if name in table.index:
            rows.append((k, *table.loc[name, list(COEF_COLUMNS)].astype(float), False, binned,
                         counts[k]))
        else:  # dropped as collinear
            rows.append((k, *_NAN_ROW, False, binned, counts[k]))
    return pd.DataFrame(rows, columns=list(EVENT_COLUMNS))


def _rows_from_table(table, panel, leads, lags, ref, dof, alpha):
    """Event-study rows from an ``estimate, std_error`` table indexed by relative period."""
    inference = fx.table_with_t(table, dof, alpha) if len(table) else table
    rel = panel.data["rel"].to_numpy()
    rows = []
    for k in range(-leads, lags + 1):
        n = int(np.sum(rel == k))
        if k == ref:
            rows.append((k, 0.0, *_NAN_ROW[1:], True, False, n))
        elif k in inference.index:
            rows.append((k, *inference.loc[k, list(COEF_COLUMNS)].astype(float), False, False, n))
        else:
            rows.append((k, *_NAN_ROW, False, False, n))
    return pd.DataFrame(rows, columns=list(EVENT_COLUMNS))


def _saturated(panel: Panel, leads, lags, ref, alpha) -> EventStudyResult:
    if ref != -1:
        raise InputError(f"estimator='saturated' uses ref=-1 (pyfixest); ref={ref} was given.")
    if panel.controls:
        raise InputError("estimator='saturated' takes no controls (pyfixest's saturated event "
                         f"study ignores them); controls={list(panel.controls)!r} were given.")
    if not (panel.unit_g < 0).any():
        raise InputError("estimator='saturated' compares cohorts with never-treated units and the "
                         "panel has none; use estimator='did2s'.")
    _need_clusters(panel, "saturated")
    data = panel.data.copy()
    data["t1"] = data["t"] + 1  # pyfixest codes never treated as cohort 0
    data["g1"] = np.where(data["g"] >= 0, data["g"] + 1, 0)
    fit, table = fx.saturated_event_study(data)
    table.index = table.index.astype(int)
    frame = _rows_from_table(table, panel, leads, lags, ref, fx.df_t(fit), alpha)
    return EventStudyResult(
        estimator="saturated", outcome=panel.outcome, ref=ref, leads=leads, lags=lags, alpha=alpha,
        nobs=fx.nobs(fit), n_units=panel.n_units, cluster=panel.cluster, frame=frame, fit=fit,
        df_resid=fx.df_t(fit) or None,
    )


def _lpdid(panel: Panel, leads, lags, ref, alpha) -> EventStudyResult:
    if ref != -1:
        raise InputError(f"estimator='lpdid' uses ref=-1 (pyfixest); ref={ref} was given.")
    if panel.controls:
        raise InputError("estimator='lpdid' takes no controls (pyfixest 0.60 does not support "
                         f"them); controls={list(panel.controls)!r} were given.")
    if not panel.balanced:
        units = ", ".join(map(str, list(panel.missing_periods)[:10]))
        raise InputError("estimator='lpdid' differences each unit's outcome across periods and "
                         f"needs a balanced panel; units {units} miss periods.")
    _need_clusters(panel, "lpdid")
    data = panel.data.sort_values(["u", "t"]).copy()
    data["t1"] = data["t"] + 1
    data["g1"] = np.where(data["g"] >= 0, data["g"] + 1, 0)
    fit, table, nobs = fx.lpdid(data, pre_window=-leads, post_window=lags)
    G = int(panel.data["cl"].nunique())
    frame = _rows_from_table(table, panel, leads, lags, ref, G - 1, alpha)
    return EventStudyResult(
        estimator="lpdid", outcome=panel.outcome, ref=ref, leads=leads, lags=lags, alpha=alpha,
        nobs=nobs, n_units=panel.n_units, cluster=panel.cluster, frame=frame, fit=fit,
        df_resid=G - 1,
    )
