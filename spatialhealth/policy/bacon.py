"""Goodman-Bacon (2021) decomposition of the staggered TWFE DiD coefficient.

With staggered adoption the TWFE coefficient (no controls, balanced panel) is
exactly a weighted average of all 2x2 DiD comparisons between adoption
cohorts:

* **treated vs never treated**: cohort ``k`` against never-treated units, over
  the whole panel;
* **earlier vs later** (later cohort as control): cohort ``k`` against cohort
  ``l`` (``k`` adopts first), over the periods before ``l`` adopts;
* **later vs earlier** (earlier cohort as control): cohort ``l`` against the
  already-treated cohort ``k``, over the periods from ``k``'s adoption on. These
  "forbidden" comparisons are what biases TWFE when effects change over time.

The weights (Goodman-Bacon 2021, eq. 10) depend on cohort sizes and on where
adoption falls in the panel; they are non-negative and sum to one, and
``sum(weight * estimate)`` equals the TWFE coefficient (checked in the tests).
Like Stata's ``bacondecomp``, this needs a balanced panel and no controls.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._compat import positional_deprecated, renamed_kwargs
from .._results import Result
from ..errors import InputError
from ._panel import prepare_panel

__all__ = ["bacon_decomposition", "BaconResult"]

TYPES = ("treated vs never treated", "earlier vs later (later as control)",
         "later vs earlier (earlier as control)")


class BaconResult(Result):
    """The 2x2 comparisons behind a TWFE coefficient.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per comparison: ``type``, ``treated`` and ``control`` (adoption
        times; NaN = never treated), ``estimate`` (2x2 DiD), ``weight``.
    coef : float
        The TWFE coefficient, ``sum(weight * estimate)``.
    """

    _title = "Goodman-Bacon decomposition"

    def __init__(self, *, frame, coef, outcome):
        self._frame = frame
        self.coef = float(coef)
        self.outcome = outcome

    @property
    def frame(self) -> pd.DataFrame:
        return self._frame.copy()

    @property
    def estimate(self) -> float:
        """The TWFE coefficient (also ``coef``)."""
        return self.coef

    def by_type(self) -> pd.DataFrame:
        """Total weight and weighted average estimate of each comparison type."""
        f = self.frame.assign(wb=self.frame.weight * self.frame.estimate)
        g = f.groupby("type", sort=False).agg(weight=("weight", "sum"), wb=("wb", "sum"),
                                              n=("weight", "size"))
        g["estimate"] = g["wb"] / g["weight"]
        return g[["n", "weight", "estimate"]].reindex([t for t in TYPES if t in g.index])

    def summary(self) -> str:
        bt = self.by_type()
        lines = [f"Goodman-Bacon decomposition of the TWFE DiD coefficient ({self.outcome})",
                 f"TWFE coefficient = sum of weight x 2x2 estimate = {self.coef:.6g}", "",
                 f"{'comparison':<40}{'pairs':>6}{'weight':>9}{'avg. estimate':>15}"]
        for t, r in bt.iterrows():
            lines.append(f"{t:<40}{int(r.n):>6}{r.weight:>9.4f}{r.estimate:>15.5g}")
        return "\n".join(lines)

    def plot(self, ax=None, figsize=(6.5, 4.2)):
        """2x2 estimates against their weights, by comparison type (as Stata's bacondecomp)."""
        if ax is None:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots(figsize=figsize)
        markers = {TYPES[0]: ("o", "#1f77b4"), TYPES[1]: ("^", "#2ca02c"), TYPES[2]: ("x", "#d62728")}
        for t, g in self.frame.groupby("type", sort=False):
            m, c = markers[t]
            ax.scatter(g["weight"], g["estimate"], marker=m, color=c, label=t)
        ax.axhline(self.coef, color="0.3", lw=0.9, ls="--", label=f"TWFE = {self.coef:.4g}")
        ax.set_xlabel("weight")
        ax.set_ylabel("2x2 DiD estimate")
        ax.set_title("Goodman-Bacon decomposition")
        ax.legend(frameon=False, fontsize=8)
        return ax


@positional_deprecated("outcome", "treatment", "region", "period")
@renamed_kwargs(unit="region", time="period", first_treated="cohort")
def bacon_decomposition(
    df: pd.DataFrame,
    *,
    outcome: str,
    treatment: str | None = None,
    region: str | None = None,
    period: str | None = None,
    cohort: str | None = None,
) -> BaconResult:
    """Decompose the TWFE DiD coefficient into its 2x2 comparisons (Goodman-Bacon 2021).

    Parameters
    ----------
    df : pandas.DataFrame
        Long, balanced panel, one row per region and period.
    outcome, treatment, region, period, cohort
        As :func:`spatialhealth.policy.twfe_did`.

    Returns
    -------
    BaconResult
        ``.frame`` (one row per 2x2 comparison), ``.by_type()``, ``.coef``,
        ``.summary()``, ``.plot()``.

    Examples
    --------
    >>> from spatialhealth.efficiency.synthetic import synthetic_panel
    >>> df = synthetic_panel(seed=1)
    >>> bd = bacon_decomposition(df, outcome="true_u", treatment="treated", region="code",
    ...                          period="year")
    >>> round(float(bd.frame["weight"].sum()), 12)
    1.0
    """
    panel = prepare_panel(df, outcome, region, period, treatment=treatment, first_treated=cohort,
                          balance="raise")
    d = panel.data
    n_units, T = panel.n_units, panel.n_periods
    Y = np.full((n_units, T), np.nan)
    Y[d["u"].to_numpy(), d["t"].to_numpy()] = d["y"].to_numpy()
    D = np.zeros((n_units, T))
    D[d["u"].to_numpy(), d["t"].to_numpy()] = d["d"].to_numpy()

    g = panel.unit_g
    cohorts = [c for c in np.unique(g) if c >= 0]
    never = g < 0
    if len(cohorts) + int(never.any()) < 2:
        raise InputError("The decomposition needs at least two adoption cohorts, or one cohort and "
                         "never-treated units.")
    share = {c: np.mean(g == c) for c in cohorts}
    n_u = float(np.mean(never))
    dbar = {c: (T - c) / T for c in cohorts}  # share of periods treated
    Dd = D - D.mean(axis=1, keepdims=True) - D.mean(axis=0, keepdims=True) + D.mean()
    VD = float(np.mean(Dd ** 2))

    def mean(rows, t0, t1):
        return float(np.mean(Y[rows][:, t0:t1]))

    def label(c):
        return panel.times[c] if c >= 0 else np.nan

    rows = []
    for k in cohorts:
        rk = g == k
        if never.any():
            b = (mean(rk, k, T) - mean(rk, 0, k)) - (mean(never, k, T) - mean(never, 0, k))
            nk = share[k] / (share[k] + n_u)
            w = (share[k] + n_u) ** 2 * nk * (1 - nk) * dbar[k] * (1 - dbar[k]) / VD
            rows.append((TYPES[0], label(k), np.nan, b, w))
        for ell in cohorts:
            if ell <= k:
                continue
            rl = g == ell
            nkl = share[k] / (share[k] + share[ell])
            dk, dl = dbar[k], dbar[ell]
            # k treated, l (not yet treated) as control, periods before l adopts
            b = (mean(rk, k, ell) - mean(rk, 0, k)) - (mean(rl, k, ell) - mean(rl, 0, k))
            w = (((share[k] + share[ell]) * (1 - dl)) ** 2 * nkl * (1 - nkl)
                 * ((dk - dl) / (1 - dl)) * ((1 - dk) / (1 - dl)) / VD)
            rows.append((TYPES[1], label(k), label(ell), b, w))
            # l treated, k (already treated) as control, periods from k's adoption on
            b = (mean(rl, ell, T) - mean(rl, k, ell)) - (mean(rk, ell, T) - mean(rk, k, ell))
            w = (((share[k] + share[ell]) * dk) ** 2 * nkl * (1 - nkl)
                 * (dl / dk) * ((dk - dl) / dk) / VD)
            rows.append((TYPES[2], label(ell), label(k), b, w))
    frame = pd.DataFrame(rows, columns=["type", "treated", "control", "estimate", "weight"])
    coef = float(np.sum(frame.weight * frame.estimate))
    return BaconResult(frame=frame, coef=coef, outcome=outcome)
