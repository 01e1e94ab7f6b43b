"""MCMC diagnostics of an ERGM fit: traces, densities, effective sample sizes, Geweke.

statnet's ``mcmc.diagnostics()`` shows, for the final MCMC sample of an MCMC-MLE fit, the
sampled statistics as deviations from the observed ones: a well-mixed sample wanders
around zero (the fit's moment equations say E[g(Y)] = g(y_obs) at the MLE), with
bell-shaped densities centred near zero and no drift. This module gives the same pictures
plus numbers:

* **effective sample size** per statistic, by Geyer's (1992) initial monotone sequence
  estimator of the integrated autocorrelation time, computed per chain and summed over
  chains;
* **Monte Carlo standard error** of the mean deviation, ``sd / sqrt(ESS)``;
* **Geweke** (1992) convergence z-score per statistic and chain, comparing the mean of the
  first 10% and of the last 50% of the chain, with the variance and autocorrelation time
  of the two windows pooled as statnet's ``geweke.diag.mv`` does (the same initial
  monotone sequence estimator), and its two-sided p-value;
* **Gelman–Rubin R-hat** (potential scale reduction) when there are several chains.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...errors import InputError, InputTypeError


# --------------------------------------------------------------------------- numerics
def autocovariance(x: np.ndarray) -> np.ndarray:
    """Biased autocovariance ``gamma_k = sum_t (x_t - m)(x_{t+k} - m) / n`` by FFT.

    Parameters
    ----------
    x : numpy.ndarray
        One chain of draws, shape (n,).

    Returns
    -------
    numpy.ndarray
        ``gamma_0 .. gamma_{n-1}``.

    Examples
    --------
    >>> autocovariance(np.array([1.0, 2.0, 3.0, 4.0])).round(4).tolist()
    [1.25, 0.3125, -0.375, -0.5625]
    """
    x = np.asarray(x, dtype=float)
    n = x.size
    dev = x - x.mean()
    m = 1 << int(np.ceil(np.log2(2 * n)))
    f = np.fft.rfft(dev, m)
    return np.fft.irfft(f * np.conj(f), m)[:n] / n


def integrated_time(x: np.ndarray) -> float:
    """Integrated autocorrelation time by Geyer's initial monotone sequence.

    ``tau = -1 + 2 * sum_{m} Gamma_m`` where ``Gamma_m = gamma_{2m} + gamma_{2m+1}``
    (normalised by ``gamma_0``), summed while positive and made non-increasing (Geyer 1992).
    A constant series returns ``nan``.

    Parameters
    ----------
    x : numpy.ndarray
        One chain of draws, shape (n,).

    Returns
    -------
    float
        ``tau`` (1 for independent draws).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> round(integrated_time(rng.standard_normal(10_000)), 1)
    1.0
    """
    return _ips_time(autocovariance(x), np.asarray(x).size)


def _ips_time(g, n):
    """Geyer's initial monotone sequence estimate of tau from autocovariances ``g`` of ``n`` draws."""
    if g[0] <= 0 or not np.isfinite(g[0]):
        return float("nan")
    rho = g / g[0]
    n_pairs = rho.size // 2
    Gamma = rho[0:2 * n_pairs:2] + rho[1:2 * n_pairs:2]
    positive = Gamma > 0
    stop = n_pairs if positive.all() else int(np.argmin(positive))
    Gamma = np.minimum.accumulate(Gamma[:stop])
    tau = -1.0 + 2.0 * Gamma.sum()
    return float(max(tau, 1.0 / np.log10(max(n, 10))))  # Stan's lower guard, tau > 0


def effective_sample_size(x: np.ndarray) -> float:
    """ESS of one chain: ``n / tau`` (Geyer initial monotone sequence).

    Parameters
    ----------
    x : numpy.ndarray
        One chain of draws, shape (n,).

    Returns
    -------
    float
        The effective sample size.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> round(effective_sample_size(rng.standard_normal(10_000)) / 10_000, 1)
    1.0
    """
    x = np.asarray(x, dtype=float)
    tau = integrated_time(x)
    return float(x.size / tau) if np.isfinite(tau) else float("nan")


def geweke_z(x: np.ndarray, first: float = 0.1, last: float = 0.5) -> float:
    """Geweke's z: (mean of the first 10% - mean of the last 50%) / its standard error.

    The two windows share one variance and one autocorrelation, estimated from both, each
    centred on its own mean (statnet's ``geweke.diag.mv`` pools them the same way,
    ``var.equal=TRUE``): the first window alone is often too short to estimate its own
    autocorrelation time, and an underestimate there made stationary chains fail.

    Parameters
    ----------
    x : numpy.ndarray
        One chain of draws, shape (n,).
    first, last : float
        Shares of the chain compared (from its start and from its end).

    Returns
    -------
    float
        The z statistic (the variance of each mean is ``sigma^2 tau / n_window``, with
        ``sigma^2`` and the integrated autocorrelation time ``tau`` of the pooled windows).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> round(float(geweke_z(rng.standard_normal(10_000))), 2)
    -1.83
    """
    x = np.asarray(x, dtype=float)
    n = x.size
    a = x[: max(int(first * n), 2)]
    b = x[n - max(int(last * n), 2):]
    # pooled autocovariance: the lag sums of both windows about their own means, over all draws
    ga, gb = autocovariance(a) * a.size, autocovariance(b) * b.size
    g = gb.copy()
    g[: ga.size] += ga
    g /= a.size + b.size
    if g[0] <= 0:
        return 0.0 if a.mean() == b.mean() else float("inf")
    tau = _ips_time(g, a.size + b.size)
    return float((a.mean() - b.mean()) / np.sqrt(g[0] * tau * (1.0 / a.size + 1.0 / b.size)))


def rhat(chains: np.ndarray) -> float:
    """Gelman–Rubin potential scale reduction of an array (chains, draws).

    Parameters
    ----------
    chains : numpy.ndarray
        Shape (chains, draws).

    Returns
    -------
    float
        R-hat (close to 1 when the chains agree).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> round(float(rhat(rng.standard_normal((4, 1000)))), 2)
    1.0
    """
    chains = np.asarray(chains, dtype=float)
    m, n = chains.shape
    if m < 2:
        return float("nan")
    W = chains.var(axis=1, ddof=1).mean()
    B = n * chains.mean(axis=1).var(ddof=1)
    if W <= 0:
        return float("nan")
    var = (n - 1) / n * W + B / n
    return float(np.sqrt(var / W))


# --------------------------------------------------------------------------- result
@dataclass(frozen=True)
class MCMCDiagnostics:
    """MCMC diagnostics of an ERGM fit's final sample.

    Attributes
    ----------
    frame : DataFrame
        One row per statistic: ``mean_dev`` (mean of sampled minus observed), ``sd``,
        ``ess`` (summed over chains), ``mcse`` (sd / sqrt(ess)), ``t_dev`` (mean_dev / mcse),
        ``geweke_z`` and ``geweke_p`` (the chain with the largest |z|, p Bonferroni-adjusted
        over chains), ``rhat``.
    per_chain : DataFrame
        ESS and Geweke z per statistic and chain.
    deviations : ndarray (chains, draws, p)
        Sampled statistics minus the observed ones.
    names : list of str
    """

    frame: pd.DataFrame
    per_chain: pd.DataFrame
    deviations: np.ndarray
    names: list

    @property
    def ess(self) -> pd.Series:
        return self.frame["ess"]

    @property
    def ok(self) -> bool:
        """No statistic fails Geweke at 1% (after Bonferroni over statistics), R-hat < 1.1."""
        p = self.frame["geweke_p"].to_numpy()
        bad = (p * len(p) < 0.01).any()
        rh = self.frame["rhat"].to_numpy()
        bad |= bool(np.nan_to_num(rh, nan=1.0).max() > 1.1)
        return not bad

    def summary(self) -> str:
        c, d, p = self.deviations.shape
        lines = [
            "Sample statistics summary (sampled minus observed), "
            f"{c} chain(s) x {d} draws",
            "",
            self.frame.to_string(float_format=lambda v: f"{v:.4g}"),
            "",
            "ESS: Geyer initial monotone sequence, summed over chains; mcse = sd/sqrt(ESS).",
            "Geweke: first 10% vs last 50% of each chain; p is two-sided, Bonferroni over chains.",
        ]
        if not self.ok:
            lines.append("WARNING: the sample shows drift (Geweke) or chains disagree (R-hat > 1.1); "
                         "increase burn-in / interval or the sample size and refit.")
        return "\n".join(lines)

    def plot(self, statistics=None, bins: int = 30, lang: str = "en"):
        """Trace (left) and density (right) of each statistic's deviation, one colour per chain.

        ``lang="zh"`` writes the titles and axis labels in Chinese. Returns the matplotlib Figure.
        """
        tx = {"en": ("trace (sampled - observed)", "density", "draw"),
              "zh": ("轨迹图（抽样值 - 观测值）", "密度", "抽样序号")}
        if lang not in tx:
            raise InputError(f"`lang` must be 'zh' or 'en'; {lang!r} was given.")
        t_trace, t_density, t_draw = tx[lang]
        import matplotlib.pyplot as plt

        idx = range(len(self.names)) if statistics is None else [self.names.index(s) for s in statistics]
        idx = list(idx)
        fig, axes = plt.subplots(len(idx), 2, figsize=(9, 1.9 * len(idx) + 0.6), squeeze=False)
        for row, k in enumerate(idx):
            ax_t, ax_d = axes[row]
            for c in range(self.deviations.shape[0]):
                x = self.deviations[c, :, k]
                ax_t.plot(x, lw=0.5, alpha=0.8, color=f"C{c}")
                if np.ptp(x) > 0:
                    try:
                        from scipy.stats import gaussian_kde

                        kde = gaussian_kde(x)
                        grid = np.linspace(x.min(), x.max(), 200)
                        ax_d.plot(grid, kde(grid), color=f"C{c}", lw=1)
                    except np.linalg.LinAlgError:
                        ax_d.hist(x, bins=bins, density=True, color=f"C{c}", alpha=0.4)
                else:
                    ax_d.axvline(x[0], color=f"C{c}")
            for ax in (ax_t, ax_d):
                ax.tick_params(labelsize=7)
            ax_t.axhline(0, color="k", lw=0.6)
            ax_d.axvline(0, color="k", lw=0.6)
            ax_t.set_ylabel(self.names[k], fontsize=8)
        axes[0, 0].set_title(t_trace, fontsize=9)
        axes[0, 1].set_title(t_density, fontsize=9)
        axes[-1, 0].set_xlabel(t_draw, fontsize=8)
        fig.tight_layout()
        return fig


def diagnose_sample(sample, observed=None, names=None) -> MCMCDiagnostics:
    """Diagnostics of any sample of statistics shaped (chains, draws, p) or (draws, p).

    Parameters
    ----------
    sample : array_like
        The draws of the statistics.
    observed : array_like, optional
        The observed statistics (p,); deviations are taken from them (default zeros).
    names : sequence of str, optional
        Statistic names.

    Returns
    -------
    MCMCDiagnostics
        Per statistic: mean deviation, sd, ESS, MCSE, t, Geweke z and p, R-hat.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> d = diagnose_sample(rng.standard_normal((2, 500, 2)), names=["edges", "mutual"])
    >>> d.frame["rhat"].round(2).tolist()
    [1.0, 1.0]
    """
    x = np.asarray(sample, dtype=float)
    if x.ndim == 2:
        x = x[None]
    if x.ndim != 3:
        raise InputError(f"Expected a sample shaped (chains, draws, statistics); got shape {x.shape}.")
    c, d, p = x.shape
    if d < 20:
        raise InputError(f"Need at least 20 draws per chain for diagnostics; got {d}.")
    obs = np.zeros(p) if observed is None else np.asarray(observed, dtype=float)
    names = [f"stat{k}" for k in range(p)] if names is None else list(names)
    dev = x - obs[None, None, :]
    rows, chain_rows = [], []
    for k in range(p):
        ess_c = [effective_sample_size(dev[i, :, k]) for i in range(c)]
        z_c = [geweke_z(dev[i, :, k]) for i in range(c)]
        for i in range(c):
            chain_rows.append({"statistic": names[k], "chain": i, "ess": ess_c[i], "geweke_z": z_c[i]})
        flat = dev[:, :, k].ravel()
        ess = float(np.nansum(ess_c)) if not np.all(np.isnan(ess_c)) else float("nan")
        sd = float(flat.std(ddof=1))
        mcse = sd / np.sqrt(ess) if ess and np.isfinite(ess) and ess > 0 else float("nan")
        zmax = max(z_c, key=lambda z: abs(z) if np.isfinite(z) else -1)
        pval = min(1.0, math.erfc(abs(zmax) / math.sqrt(2.0)) * c) if np.isfinite(zmax) else 0.0
        rows.append({
            "statistic": names[k], "mean_dev": float(flat.mean()), "sd": sd, "ess": ess,
            "mcse": mcse, "t_dev": float(flat.mean()) / mcse if mcse and mcse > 0 else float("nan"),
            "geweke_z": zmax, "geweke_p": pval, "rhat": rhat(dev[:, :, k]),
        })
    frame = pd.DataFrame(rows).set_index("statistic")
    return MCMCDiagnostics(frame=frame, per_chain=pd.DataFrame(chain_rows), deviations=dev, names=names)


def mcmc_diagnostics(res) -> MCMCDiagnostics:
    """MCMC diagnostics of an ERGM fit's final MCMC sample, as statnet's ``mcmc.diagnostics``.

    Parameters
    ----------
    res : ERGM fit result
        Needs ``res.sample`` (chains, draws, p) of sampled statistics (as returned by
        :func:`spatialhealth.networks.ergm.ergm` for MCMC-MLE fits) and ``res.model``.

    Returns
    -------
    MCMCDiagnostics
        ``.frame`` (ESS, MC standard error, Geweke z and p, R-hat per statistic),
        ``.summary()``, ``.plot()`` (trace and density of sampled minus observed).

    Examples
    --------
    >>> from spatialhealth.networks.ergm import ergm
    >>> from spatialhealth.networks.ergm.datasets import load_network
    >>> res = ergm(load_network("flomarriage"), "edges + triangle", seed=1)  # doctest: +SKIP
    >>> diag = mcmc_diagnostics(res)  # doctest: +SKIP
    >>> diag.frame["ess"]  # doctest: +SKIP
    """
    sample = getattr(res, "sample", None)
    if sample is None:
        raise InputTypeError(
            f"This fit ({getattr(res, 'method', 'unknown method')}) has no MCMC sample: "
            "MCMC diagnostics exist only for MCMC-MLE fits (dyad-independent models are fitted "
            "exactly by MPLE)."
        )
    model = res.model
    return diagnose_sample(sample, observed=model.observed(), names=list(model.names))
