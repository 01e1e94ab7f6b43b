"""Figures: event-study coefficients with confidence intervals, placebo distributions."""

from __future__ import annotations

import numpy as np

__all__ = ["plot_event_study", "plot_placebo"]

_LABELS = {"twfe": "TWFE", "did2s": "did2s (Gardner)", "saturated": "Sun-Abraham",
           "lpdid": "LP-DiD"}
_COLOURS = {"twfe": "#1f77b4", "did2s": "#d62728", "saturated": "#2ca02c", "lpdid": "#9467bd"}


def _axes(ax, figsize):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_event_study(results, ax=None, title: str | None = None, figsize=(7.5, 4.2),
                     xlabel: str | None = None, ylabel: str | None = None):
    """Plot one or several :class:`EventStudyResult` side by side.

    Parameters
    ----------
    results : EventStudyResult or list of EventStudyResult
        Drawn side by side (dodged) when several.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).
    title, xlabel, ylabel : str, optional
        Labels (defaults describe the event study).
    figsize : tuple
        Size of a new figure.

    Points are the coefficients, bars their confidence intervals; the reference
    period is drawn as a hollow marker at 0 and labelled; the dashed vertical
    line separates pre- and post-adoption periods; binned end points are
    labelled with "<=" / ">=" on the axis.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from spatialhealth.efficiency.synthetic import synthetic_panel
    >>> from spatialhealth.policy import event_study
    >>> es = event_study(synthetic_panel(seed=1), outcome="true_u", region="code", period="year",
    ...                  cohort="first_treat", leads=3, lags=3)
    >>> type(plot_event_study(es)).__name__
    'Axes'
    """
    if not isinstance(results, (list, tuple)):
        results = [results]
    ax = _axes(ax, figsize)
    m = len(results)
    width = 0.5 if m > 1 else 0.0
    offsets = np.linspace(-width / 2, width / 2, m) if m > 1 else [0.0]
    ref = results[0].ref
    for res, off in zip(results, offsets):
        f = res.frame
        est = f[~f.is_ref]
        colour = _COLOURS.get(res.estimator, None)
        level = f"{100 * (1 - res.alpha):g}% CI"
        x = est["rel_time"].to_numpy(dtype=float) + off
        yerr = np.vstack([est["estimate"] - est["ci_lower"], est["ci_upper"] - est["estimate"]])
        ax.errorbar(x, est["estimate"], yerr=yerr, fmt="o", ms=4.5, capsize=2.5, lw=1.2,
                    color=colour, label=f"{_LABELS.get(res.estimator, res.estimator)} ({level})")
        ax.plot([res.ref + off], [0.0], marker="o", ms=6, mfc="white", mec=colour or "black",
                ls="none")
    ax.axhline(0.0, color="0.4", lw=0.8)
    ax.axvline(-0.5, color="0.4", lw=0.8, ls="--")
    ymin, ymax = ax.get_ylim()
    ax.annotate(f"reference\nk = {ref}", xy=(ref, 0.0), xytext=(ref, ymin + 0.08 * (ymax - ymin)),
                ha="center", fontsize=8, color="0.3",
                arrowprops=dict(arrowstyle="-", color="0.6", lw=0.6))
    f = results[0].frame
    ticks = f["rel_time"].to_numpy()
    labels = []
    for r in f.itertuples(index=False):
        if r.binned:
            labels.append(f"\u2264{r.rel_time}" if r.rel_time < 0 else f"\u2265{r.rel_time}")
        else:
            labels.append(str(r.rel_time))
    ax.set_xticks(ticks)
    ax.set_xticklabels(labels)
    ax.set_xlabel(xlabel or "periods relative to adoption (k)")
    ax.set_ylabel(ylabel or f"effect on {results[0].outcome}")
    ax.set_title(title or "Event study (coefficients relative to the reference period)")
    ax.legend(frameon=False, fontsize=8)
    return ax


def plot_placebo(result, ax=None, bins: int = 40, title: str | None = None, figsize=(6.5, 4.0)):
    """Histogram of placebo estimates with the real estimate as a vertical line.

    Parameters
    ----------
    result : PlaceboResult
    ax : matplotlib.axes.Axes, optional
    bins : int
        Histogram bins.
    title : str, optional
    figsize : tuple
        Size of a new figure.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from spatialhealth.efficiency.synthetic import synthetic_panel
    >>> from spatialhealth.policy import placebo_test
    >>> pl = placebo_test(synthetic_panel(seed=1), outcome="true_u", treatment="treated",
    ...                   region="code", period="year", permutations=50, seed=1)
    >>> type(plot_placebo(pl)).__name__
    'Axes'
    """
    ax = _axes(ax, figsize)
    est = result.estimates[np.isfinite(result.estimates)]
    lo = min(est.min(), result.observed)
    hi = max(est.max(), result.observed)
    pad = 0.05 * (hi - lo or 1.0)
    ax.hist(est, bins=bins, color="0.7", edgecolor="white",
            label=f"placebo estimates (n = {len(est)})")
    ax.set_xlim(lo - pad, hi + pad)
    ax.axvline(result.observed, color="#d62728", lw=1.8,
               label=f"real estimate = {result.observed:.4g}")
    ax.axvline(0.0, color="0.4", lw=0.7, ls=":")
    ax.set_xlabel("TWFE coefficient")
    ax.set_ylabel("draws")
    ax.set_title(title or "Placebo test: treatment reassigned at random")
    ax.text(0.98, 0.82, f"share |placebo| \u2265 |real|: {result.p_two_sided:.3f}\n"
            f"one-sided share: {result.p_one_sided:.3f}", transform=ax.transAxes, va="top",
            ha="right", fontsize=8)
    ax.legend(frameon=False, fontsize=8, loc="upper right")
    return ax
