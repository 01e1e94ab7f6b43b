"""Heterogeneous treatment effects by groups of units.

Groups are either the values of a unit-level column (``group="region3"``) or the
two halves of a numeric variable (``median_of="gdp_per_capita"``): a unit is
"above median" when its *baseline* value (its value in its first observed
period, or with ``baseline="mean"`` its mean over the panel) is strictly above
the median of the units' baseline values, else "at or below median". Using
the baseline keeps the grouping from being moved by the treatment itself.

Two ways to estimate, as in the applied literature:

``method="split"`` (default)
    The DiD (``estimator="twfe"`` or ``"did2s"``) is run separately on each
    group's units, each with its own fixed effects and comparison units. The
    equality test is a Wald test of equal coefficients treating the groups as
    independent samples (valid when clusters do not span groups, e.g.
    clustering by unit).
``method="interaction"``
    One TWFE regression with one treatment dummy per group,
    ``y ~ d:group + controls | unit + time`` (common time effects), CRV1
    standard errors; the equality test is the Wald F test of equal group
    coefficients from that regression's covariance.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from .._compat import positional_deprecated, renamed_kwargs
from .._results import COEF_COLUMNS, CoefficientResult
from .._validate import require_columns
from ..errors import InputError
from . import _pyfixest as fx
from ._panel import prepare_panel
from .did import RowDofMixin, _control_terms, _feols, coefficient_plot, twfe_did
from .robust import did2s

#: the columns of :attr:`HeterogeneityResult.frame`
HETEROGENEITY_COLUMNS = ("group", "n_units", "n_treated_units", "nobs", *COEF_COLUMNS, "note")

__all__ = ["heterogeneity", "HeterogeneityResult"]


class HeterogeneityResult(RowDofMixin, CoefficientResult):
    """Group-specific DiD estimates.

    Attributes
    ----------
    frame : pandas.DataFrame
        ``group``, ``n_units``, ``n_treated_units``, ``nobs``, ``estimate``,
        ``std_error``, ``z_or_t``, ``p_value``, ``ci_lower``, ``ci_upper`` (NaN where
        a group has no treated or no comparison units), ``note``.
    coefficients : pandas.DataFrame
        The coefficient columns indexed by group.
    equal_stat, equal_df, equal_pvalue
        Test that all group effects are equal (see module docstring).
    """

    _title = "Treatment effect by group"

    def __init__(self, *, frame, grouping, method, estimator, outcome, equal_stat, equal_df,
                 equal_pvalue, equal_test, row_dof=None):
        self._frame = frame[list(HETEROGENEITY_COLUMNS)].reset_index(drop=True)
        self.row_dof = pd.Series(row_dof or {}, dtype=float)
        self.grouping = grouping
        self.method = method
        self.estimator = estimator
        self.outcome = outcome
        self.equal_stat = equal_stat
        self.equal_df = equal_df
        self.equal_pvalue = equal_pvalue
        self.equal_test = equal_test

    @property
    def frame(self) -> pd.DataFrame:
        return self._frame.copy()

    @property
    def coefficients(self) -> pd.DataFrame:
        return self._frame.set_index("group")[list(COEF_COLUMNS)]

    def summary(self) -> str:
        lines = [f"Treatment effect by {self.grouping} ({self.method}, {self.estimator})",
                 f"outcome: {self.outcome}", "",
                 f"{'group':<32}{'units':>6}{'treated':>8}{'estimate':>12}{'std.err':>11}{'p':>9}"]
        for r in self._frame.itertuples(index=False):
            lines.append(f"{str(r.group):<32}{r.n_units:>6}{r.n_treated_units:>8}{r.estimate:>12.5g}"
                         f"{r.std_error:>11.4g}{r.p_value:>9.4f}" + (f"  {r.note}" if r.note else ""))
        if np.isfinite(self.equal_pvalue):
            lines += ["", f"equal effects across groups: {self.equal_test} = {self.equal_stat:.3f}, "
                      f"p = {self.equal_pvalue:.4f}"]
        return "\n".join(lines)

    def plot(self, ax=None, figsize=(6, 3.5)):
        """Group estimates with confidence intervals (a forest plot); returns the Axes."""
        if ax is None:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots(figsize=figsize)
        return coefficient_plot(self.coefficients, ax=ax, xlabel=f"effect on {self.outcome}",
                                title=f"Effect by {self.grouping}")


def _unit_groups(df, panel, by, median_of, baseline, unit):
    u = panel.data["u"].to_numpy()
    if by is not None:
        require_columns(df, [by], "panel")
        if df[by].isna().any():
            bad = df.loc[df[by].isna(), unit]
            raise InputError(f"Group column {by!r} is missing for units {', '.join(map(str, pd.unique(bad)[:10]))}.")
        s = pd.Series(df[by].to_numpy(), index=u)
        varying = s.groupby(level=0).nunique()
        if (varying > 1).any():
            bad = panel.units[varying.index[varying > 1]]
            raise InputError(f"Group column {by!r} must be constant within a unit; units "
                             f"{', '.join(map(str, bad[:10]))} change group over time.")
        return s.groupby(level=0).first().reindex(range(panel.n_units)).to_numpy(), by
    require_columns(df, [median_of], "panel")
    vals = pd.to_numeric(df[median_of], errors="coerce").to_numpy(dtype=float)
    if np.isnan(vals).any():
        bad = df.loc[np.isnan(vals), unit]
        raise InputError(f"Column {median_of!r} must be numeric without missing values; units "
                         f"{', '.join(map(str, pd.unique(bad)[:10]))} have missing or non-numeric values.")
    frame = pd.DataFrame({"u": u, "t": panel.data["t"].to_numpy(), "v": vals})
    if baseline == "first":
        per_unit = frame.sort_values(["u", "t"]).groupby("u")["v"].first()
    elif baseline == "mean":
        per_unit = frame.groupby("u")["v"].mean()
    else:
        raise InputError(f"`baseline` must be 'first' or 'mean'; {baseline!r} was given.")
    med = float(np.median(per_unit.to_numpy()))
    groups = np.where(per_unit.reindex(range(panel.n_units)).to_numpy() > med,
                      f"above median {median_of}", f"at/below median {median_of}")
    return groups, f"median of {median_of} ({'baseline' if baseline == 'first' else 'mean'} "\
                   f"value, median {med:.4g})"


@positional_deprecated("outcome", "treatment", "region", "period", "group")
@renamed_kwargs(unit="region", time="period", first_treated="cohort", by="group")
def heterogeneity(
    df: pd.DataFrame,
    *,
    outcome: str,
    treatment: str | None = None,
    region: str | None = None,
    period: str | None = None,
    group: str | None = None,
    median_of: str | None = None,
    baseline: str = "first",
    cohort: str | None = None,
    cluster: str | None = None,
    controls=(),
    method: str = "split",
    estimator: str = "twfe",
    alpha: float = 0.05,
    balance: str = "warn",
) -> HeterogeneityResult:
    """DiD effects by group of units (a region column, or above/below a median).

    Parameters
    ----------
    df : pandas.DataFrame
        Long panel, one row per region and period.
    outcome, treatment, region, period, cohort, cluster, controls, alpha, balance
        As :func:`spatialhealth.policy.twfe_did`.
    group : str, optional
        Unit-level grouping column (e.g. ``"region3"``; formerly ``by``).
    median_of : str, optional
        Numeric column; units are split at the median of their baseline values.
    baseline : {"first", "mean"}
        Which value of ``median_of`` represents a unit.
    method : {"split", "interaction"}
        Separate regressions per group, or one regression with group-specific
        treatment dummies (TWFE only).
    estimator : {"twfe", "did2s"}
        Estimator of the split regressions.

    Returns
    -------
    HeterogeneityResult
        ``.frame`` (one row per group), ``.coefficients``, the equality test
        (``.equal_stat``, ``.equal_pvalue``), ``.summary()``, ``.plot()``.

    Examples
    --------
    >>> from spatialhealth.efficiency.synthetic import synthetic_panel
    >>> df = synthetic_panel(seed=1)
    >>> het = heterogeneity(df, outcome="true_u", treatment="treated", region="code",
    ...                     period="year", group="region3")
    >>> het.frame["group"].tolist()
    ['central', 'east', 'west']
    """
    unit, time, first_treated, by = region, period, cohort, group
    if (by is None) == (median_of is None):
        raise InputError("Give exactly one of `group` (a group column) and `median_of` (a numeric "
                         f"column to split at its median); group={by!r}, median_of={median_of!r}.")
    if method not in ("split", "interaction"):
        raise InputError(f"`method` must be 'split' or 'interaction'; {method!r} was given.")
    if estimator not in ("twfe", "did2s"):
        raise InputError(f"`estimator` must be 'twfe' or 'did2s'; {estimator!r} was given.")
    if method == "interaction" and estimator != "twfe":
        raise InputError("method='interaction' is a single TWFE regression; use estimator='twfe'.")
    panel = prepare_panel(df, outcome, unit, time, treatment=treatment, first_treated=first_treated,
                          cluster=cluster, controls=controls, balance=balance)
    unit_groups, grouping = _unit_groups(df, panel, by, median_of, baseline, unit)
    labels = sorted(pd.unique(unit_groups), key=str)
    obs_group = unit_groups[panel.data["u"].to_numpy()]
    treated_unit = panel.unit_g >= 0

    rows, row_dof = [], {}
    if method == "split":
        fitter = twfe_did if estimator == "twfe" else did2s
        for g in labels:
            mask = obs_group == g
            in_g = unit_groups == g
            n_u, n_t = int(in_g.sum()), int((in_g & treated_unit).sum())
            note = ""
            if n_t == 0:
                note = "no treated units"
            elif n_t == n_u and estimator == "twfe" and _same_timing(panel.unit_g[in_g]):
                note = "no comparison units"
            if note:
                rows.append((g, n_u, n_t, int(mask.sum()), *[np.nan] * 6, note))
                continue
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    res = fitter(df.loc[mask], outcome=outcome, treatment=treatment, region=unit,
                                 period=time, cluster=cluster, controls=controls,
                                 cohort=first_treated, alpha=alpha, balance="ignore")
            except InputError as exc:  # not identified within this group: say why, go on
                rows.append((g, n_u, n_t, int(mask.sum()), *[np.nan] * 6, f"not estimated: {exc}"))
                continue
            rows.append((g, n_u, n_t, res.nobs, *res.coefficients.iloc[0].astype(float), ""))
            row_dof[g] = res.df_resid if res.df_resid is not None else np.nan
        frame = _frame(rows)
        ok = frame.dropna(subset=["estimate"])
        stat, dfs, p, test = float("nan"), (0,), float("nan"), ""
        if len(ok) >= 2:
            w = 1.0 / ok["std_error"].to_numpy() ** 2
            b = ok["estimate"].to_numpy()
            pooled = np.sum(w * b) / np.sum(w)
            stat = float(np.sum(w * (b - pooled) ** 2))
            dfs = (len(ok) - 1,)
            p = float(stats.chi2.sf(stat, dfs[0]))
            test = f"chi2({dfs[0]}) (independent groups)"
    else:
        data = panel.data.copy()
        names = []
        for i, g in enumerate(labels):
            name = f"dg{i}"
            data[name] = data["d"] * (obs_group == g)
            names.append(name)
        fit, _ = _feols(f"y ~ {' + '.join(names)}{_control_terms(panel)} | u + t", data)
        table = fx.coefficients(fit, alpha)
        coef = fit.coef()
        for g, name in zip(labels, names):
            in_g = unit_groups == g
            n_u, n_t = int(in_g.sum()), int((in_g & treated_unit).sum())
            nobs = int((obs_group == g).sum())
            if name in table.index and n_t > 0:
                rows.append((g, n_u, n_t, nobs, *table.loc[name, list(COEF_COLUMNS)].astype(float), ""))
                row_dof[g] = fx.df_t(fit) or np.nan
            else:
                rows.append((g, n_u, n_t, nobs, *[np.nan] * 6, "no treated units"))
        frame = _frame(rows)
        present = [n for n, g in zip(names, labels) if n in coef.index
                   and frame.loc[frame.group == g, "estimate"].notna().all()]
        stat, dfs, p, test = float("nan"), (0,), float("nan"), ""
        if len(present) >= 2:
            idx = [list(coef.index).index(n) for n in present]
            b = coef.to_numpy()[idx]
            V = fx.vcov(fit)[np.ix_(idx, idx)]
            R = np.zeros((len(idx) - 1, len(idx)))
            R[:, 0] = 1.0
            R[np.arange(len(idx) - 1), np.arange(1, len(idx))] = -1.0
            r = R @ b
            q = len(r)
            stat = float(r @ np.linalg.solve(R @ V @ R.T, r) / q)
            dfs = (q, fx.df_t(fit))
            p = float(stats.f.sf(stat, q, dfs[1]))
            test = f"F({q}, {dfs[1]})"
    return HeterogeneityResult(frame=frame, grouping=grouping, method=method, estimator=estimator,
                               outcome=outcome, equal_stat=stat, equal_df=dfs, equal_pvalue=p,
                               equal_test=test, row_dof=row_dof)


def _same_timing(g):
    return len(np.unique(g)) == 1


def _frame(rows):
    return pd.DataFrame(rows, columns=list(HETEROGENEITY_COLUMNS))
