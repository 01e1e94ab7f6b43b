"""Placebo (randomisation) test: reassign treatment at random N times.

What is permuted
----------------
Each unit's *adoption time* (its cohort, "never treated" included) is shuffled
across units: one draw is a random permutation of the vector of adoption times
over units, so every draw has exactly as many units adopting in each period
(and as many never-treated units) as the real design; the placebo treatment of
unit ``i`` is then ``1`` from its drawn adoption period on. With ``strata=`` the
shuffle happens within groups of units (e.g. regions) only. This is the
"randomly assign the pilot to provinces, keeping the batch sizes" test of the
applied literature. The TWFE coefficient of every placebo treatment is
estimated with the same fixed effects and controls as the real one.

How it is computed
------------------
Refitting the regression N times is slow. By Frisch-Waugh-Lovell the TWFE
coefficient is ``b = D' M y / D' M D`` where ``M`` removes unit and time
effects and controls. ``M y`` is computed once. Because a placebo treatment
row depends only on the unit's drawn cohort, ``D' M y`` and ``D' M D`` are sums
over units of per-(unit, cohort) quantities precomputed once (within-unit
demeaning makes this exact for unbalanced panels too); a batch of draws is then a
few matrix products. The result equals refitting pyfixest draw by draw (checked
to 1e-8 in the tests; ``benchmarks/bench_did.py`` times both).

p-values
--------
``p_two_sided`` is the share of placebo estimates at least as far from zero as
the real estimate (``|b_placebo| >= |b|``); ``p_one_sided`` the share at least
as extreme in the direction of the real estimate (``b_placebo >= b`` when
``b >= 0``, else ``b_placebo <= b``). These are the plain shares the papers
report; ``(count + 1) / (n + 1)`` versions are in ``p_two_sided_plus1`` and
``p_one_sided_plus1``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .._compat import positional_deprecated, renamed_kwargs
from .._random import as_generator
from .._results import Result
from .._validate import require_columns
from ..errors import InputError
from ._panel import Panel, prepare_panel
from .did import DiDResult, _fit_twfe

__all__ = ["placebo_test", "placebo_timing", "PlaceboResult", "placebo_estimates"]


class PlaceboResult(Result):
    """Distribution of placebo TWFE estimates and the real estimate.

    Attributes
    ----------
    estimates : numpy.ndarray
        The placebo coefficients, in draw order.
    observed : float
        The real TWFE coefficient (``observed_result`` holds its fit).
    p_two_sided, p_one_sided : float
        Shares of placebo estimates beyond the real one (see module docstring).
    permutations, seed, strata
        Number of draws (also ``n``), the seed given and the strata column (or None).
    """

    _title = "Placebo test"

    def __init__(self, *, estimates, observed, observed_result, p_two_sided, p_one_sided,
                 p_two_sided_plus1, p_one_sided_plus1, permutations, seed, strata, permuted,
                 _draws=None, _units=None, _times=None):
        self.estimates = estimates
        self.observed = observed
        self.observed_result = observed_result
        self.p_two_sided = p_two_sided
        self.p_one_sided = p_one_sided
        self.p_two_sided_plus1 = p_two_sided_plus1
        self.p_one_sided_plus1 = p_one_sided_plus1
        self.permutations = int(permutations)
        self.seed = seed
        self.strata = strata
        self.permuted = permuted
        self._draws = _draws
        self._units = _units
        self._times = _times

    @property
    def n(self) -> int:
        """Number of draws (the old name of :attr:`permutations`)."""
        return self.permutations

    @property
    def frame(self) -> pd.DataFrame:
        """One row per draw: ``draw``, ``estimate``."""
        return pd.DataFrame({"draw": np.arange(self.n), "estimate": self.estimates})

    @property
    def mean(self) -> float:
        return float(np.nanmean(self.estimates))

    @property
    def sd(self) -> float:
        return float(np.nanstd(self.estimates, ddof=1))

    def assignment(self, draw: int) -> pd.Series:
        """Placebo adoption time of every unit in draw ``draw`` (NaN = never treated)."""
        g = self._draws[int(draw)]
        vals = np.where(g >= 0, self._times[np.clip(g, 0, None)], np.nan)
        return pd.Series(vals, index=self._units, name="placebo_first_treated")

    def summary(self) -> str:
        q = np.nanquantile(self.estimates, [0.025, 0.5, 0.975])
        side = ">=" if self.observed >= 0 else "<="
        return "\n".join([
            "Placebo test (random reassignment of treatment)",
            f"permuted: {self.permuted}",
            f"draws: {self.n}    seed: {self.seed}",
            f"real TWFE estimate: {self.observed:.6g} (se {self.observed_result.std_error:.4g})",
            f"placebo estimates: mean {self.mean:.4g}, sd {self.sd:.4g}, "
            f"2.5% {q[0]:.4g}, median {q[1]:.4g}, 97.5% {q[2]:.4g}",
            f"share with |placebo| >= |real| (two-sided): {self.p_two_sided:.4f}",
            f"share with placebo {side} real (one-sided): {self.p_one_sided:.4f}",
        ])

    def plot(self, ax=None, **kwargs):
        """Histogram of placebo estimates with the real estimate marked; returns the Axes."""
        from .plots import plot_placebo

        return plot_placebo(self, ax=ax, **kwargs)


class _FWLPlacebo:
    """Precomputed pieces for exact TWFE coefficients of many cohort reassignments."""

    def __init__(self, panel: Panel):
        data = panel.data
        u = data["u"].to_numpy()
        t = data["t"].to_numpy()
        n_units, n_periods = panel.n_units, panel.n_periods
        counts = np.bincount(u, minlength=n_units).astype(float)

        def demean(a):  # within-unit demeaning of the columns of a (N x k)
            sums = np.zeros((n_units, a.shape[1]))
            np.add.at(sums, u, a)
            return a - (sums / counts[:, None])[u]

        cols = []
        if n_periods > 1:
            dummies = np.zeros((len(t), n_periods - 1))
            rows = np.flatnonzero(t > 0)
            dummies[rows, t[rows] - 1] = 1.0
            cols.append(dummies)
        if panel.controls:
            cols.append(data[panel.control_names].to_numpy(dtype=float))
        W = demean(np.hstack(cols)) if cols else np.zeros((len(t), 0))
        y = demean(data["y"].to_numpy(dtype=float)[:, None])[:, 0]
        # orthonormal basis of the (column-scaled) controls so that badly scaled
        # controls (GDP in yuan next to shares) do not lose precision: with
        # W s = U diag(sv) V', the projection of D is ||diag(1/sv) V' s W'D||^2
        T = np.zeros((0, W.shape[1]))
        e = y
        if W.shape[1]:
            scale = np.sqrt((W ** 2).sum(axis=0))
            scale[scale == 0] = 1.0
            U, sv, Vt = np.linalg.svd(W / scale, full_matrices=False)
            keep = sv > sv.max() * max(W.shape) * np.finfo(float).eps
            U, sv, Vt = U[:, keep], sv[keep], Vt[keep]
            e = y - U @ (U.T @ y)
            T = (Vt / sv[:, None]) / scale[None, :]  # r x q, maps W'D to U'D
        self.cohorts = np.unique(panel.unit_g)  # adoption period index, -1 never
        C = len(self.cohorts)
        S = np.zeros((n_units, C))
        A = np.zeros((n_units, C))
        R = np.zeros((C, n_units, T.shape[0]))
        WT = W @ T.T  # = U: the projection coordinates of each row
        for c, g in enumerate(self.cohorts):
            if g < 0:
                continue
            on = t >= g
            m = np.bincount(u[on], minlength=n_units).astype(float)
            S[:, c] = np.bincount(u[on], weights=e[on], minlength=n_units)
            A[:, c] = m * (1.0 - m / counts)
            if W.shape[1]:
                np.add.at(R[c], u[on], WT[on])
        self.S, self.A, self.R = S, A, R
        self.scale = float(np.max(A)) if A.size else 1.0

    def coefs(self, cohort_index: np.ndarray) -> np.ndarray:
        """TWFE coefficients for a (draws x units) matrix of cohort indices."""
        n_units = cohort_index.shape[1]
        rows = np.arange(n_units)
        num = self.S[rows, cohort_index].sum(axis=1)
        dd = self.A[rows, cohort_index].sum(axis=1)
        if self.R.shape[2]:
            UD = np.zeros((cohort_index.shape[0], self.R.shape[2]))
            for c in range(len(self.cohorts)):
                if self.cohorts[c] < 0:
                    continue
                UD += (cohort_index == c).astype(float) @ self.R[c]
            dd = dd - np.einsum("dr,dr->d", UD, UD)
        with np.errstate(divide="ignore", invalid="ignore"):
            b = num / dd
        b[dd <= 1e-10 * max(self.scale, 1.0)] = np.nan
        return b


def placebo_estimates(panel: Panel, unit_g_draws: np.ndarray, batch: int = 200,
                      progress=None) -> np.ndarray:
    """Exact TWFE coefficients for placebo adoption periods (draws x units, -1 never).

    Parameters
    ----------
    panel : Panel
        The prepared panel (``spatialhealth.policy._panel.prepare_panel``).
    unit_g_draws : numpy.ndarray
        Shape (draws, units): each unit's placebo adoption period, in the coding of
        ``panel.unit_g`` (-1 for never treated).
    batch : int
        Draws solved together.
    progress : callable, optional
        Called with the number of draws of each batch once it is solved.

    Returns
    -------
    numpy.ndarray
        The TWFE coefficient of each draw.

    Examples
    --------
    The observed assignment gives back the observed TWFE coefficient:

    >>> from spatialhealth.efficiency.synthetic import synthetic_panel
    >>> from spatialhealth.policy._panel import prepare_panel
    >>> panel = prepare_panel(synthetic_panel(seed=1), "true_u", "code", "year", treatment="treated")
    >>> placebo_estimates(panel, panel.unit_g[None, :]).round(4).tolist()
    [-0.1196]
    """
    fwl = _FWLPlacebo(panel)
    idx = np.searchsorted(fwl.cohorts, unit_g_draws)  # cohorts are sorted and unique
    if unit_g_draws.size and not np.array_equal(fwl.cohorts[idx], unit_g_draws):
        raise InputError("Placebo adoption periods must be cohorts of the real design.")
    out = np.empty(idx.shape[0])
    for start in range(0, idx.shape[0], batch):
        stop = min(start + batch, idx.shape[0])
        out[start:stop] = fwl.coefs(idx[start:stop])
        if progress is not None:
            progress(stop - start)
    return out


def _draw_assignments(unit_g: np.ndarray, n: int, rng, strata_codes=None) -> np.ndarray:
    draws = np.tile(unit_g, (n, 1))
    if strata_codes is None:
        return rng.permuted(draws, axis=1)
    for s in np.unique(strata_codes):
        cols = np.flatnonzero(strata_codes == s)
        draws[:, cols] = rng.permuted(draws[:, cols], axis=1)
    return draws


@positional_deprecated("outcome", "treatment", "region", "period", "cluster", "controls")
@renamed_kwargs(unit="region", time="period", first_treated="cohort", n="permutations",
                nsim="permutations")
def placebo_test(
    df: pd.DataFrame,
    *,
    outcome: str,
    treatment: str | None = None,
    region: str | None = None,
    period: str | None = None,
    cluster: str | None = None,
    controls=(),
    cohort: str | None = None,
    permutations: int = 1000,
    seed=None,
    strata: str | None = None,
    progress: bool = False,
    balance: str = "warn",
) -> PlaceboResult:
    """Randomisation test of the TWFE DiD estimate.

    Parameters
    ----------
    df : pandas.DataFrame
        Long panel, one row per region and period.
    outcome, treatment, region, period, cluster, controls, cohort, balance
        As :func:`spatialhealth.policy.twfe_did`.
    permutations : int
        Number of random reassignments (default 1,000; formerly ``n``).
    seed : int or numpy.random.Generator, optional
        Same seed, same draws.
    strata : str, optional
        Unit-level column (constant within unit, e.g. ``"region3"``); adoption
        times are shuffled only among units of the same stratum.
    progress : bool or callable
        ``True`` shows a progress bar; a callable is called as ``progress(k)`` after
        every ``k`` draws (see :mod:`spatialhealth._progress`).

    Returns
    -------
    PlaceboResult
        ``.estimates``, ``.observed``, ``.p_two_sided``, ``.p_one_sided``,
        ``.summary()``, ``.plot()``, ``.assignment(draw)``.

    Examples
    --------
    >>> from spatialhealth.efficiency.synthetic import synthetic_panel
    >>> df = synthetic_panel(seed=1)
    >>> pl = placebo_test(df, outcome="true_u", treatment="treated", region="code",
    ...                   period="year", permutations=200, seed=1)
    >>> pl.p_two_sided
    0.0
    """
    unit, time, first_treated = region, period, cohort
    n = int(permutations)
    if n < 1:
        raise InputError(f"`permutations` (number of placebo draws) must be >= 1; {n} was given.")
    panel = prepare_panel(df, outcome, unit, time, treatment=treatment, first_treated=first_treated,
                          cluster=cluster, controls=controls, balance=balance)
    observed_result = _fit_twfe(panel, 0.05, treatment or f"post({first_treated})")
    strata_codes = None
    if strata is not None:
        require_columns(df, [strata], "panel")
        per_unit = pd.Series(df[strata].to_numpy(), index=panel.data["u"].to_numpy())
        varying = per_unit.groupby(level=0).nunique()
        if (varying > 1).any():
            bad = panel.units[varying.index[varying > 1]]
            raise InputError(f"Strata column {strata!r} must be constant within a unit; units "
                             f"{', '.join(map(str, bad[:10]))} have several values.")
        first = per_unit.groupby(level=0).first().reindex(range(panel.n_units))
        strata_codes = pd.factorize(first)[0]
    rng = as_generator(seed)
    draws = _draw_assignments(panel.unit_g, n, rng, strata_codes)

    from .._progress import progress_callback

    with progress_callback(progress, n, "placebo draws") as tick:
        estimates = placebo_estimates(panel, draws, progress=tick if progress else None)

    b = observed_result.coef
    valid = estimates[np.isfinite(estimates)]
    m = len(valid)
    tol = 1e-12 * max(abs(b), 1.0)  # a placebo draw equal to the real design counts as "beyond"
    k2 = int(np.sum(np.abs(valid) >= abs(b) - tol))
    k1 = int(np.sum(valid >= b - tol)) if b >= 0 else int(np.sum(valid <= b + tol))
    permuted = ("adoption times (cohorts, never-treated included) shuffled across units"
                + (f" within strata of {strata!r}" if strata else "")
                + "; cohort sizes kept")
    return PlaceboResult(
        estimates=estimates, observed=b, observed_result=observed_result,
        p_two_sided=k2 / m if m else float("nan"), p_one_sided=k1 / m if m else float("nan"),
        p_two_sided_plus1=(k2 + 1) / (m + 1), p_one_sided_plus1=(k1 + 1) / (m + 1),
        permutations=n, seed=seed if not isinstance(seed, np.random.Generator) else "Generator",
        strata=strata, permuted=permuted, _draws=draws, _units=panel.units, _times=panel.times,
    )


@positional_deprecated("outcome", "treatment", "region", "period", "cluster", "controls")
@renamed_kwargs(unit="region", time="period", first_treated="cohort")
def placebo_timing(
    df: pd.DataFrame,
    *,
    outcome: str,
    treatment: str | None = None,
    region: str | None = None,
    period: str | None = None,
    cluster: str | None = None,
    controls=(),
    cohort: str | None = None,
    shift: int = 2,
    alpha: float = 0.05,
    balance: str = "warn",
) -> DiDResult:
    """In-time placebo: pretend every treated unit adopted ``shift`` periods earlier.

    Observations after the real adoption are dropped (treated units keep only
    their untreated periods; never-treated units keep all), and a placebo
    treatment switching on ``shift`` panel periods before the real adoption is
    estimated by TWFE. Without anticipation or diverging pre-trends its
    coefficient should be close to zero.

    Parameters
    ----------
    df : pandas.DataFrame
        Long panel, one row per region and period.
    outcome, treatment, region, period, cluster, controls, cohort, alpha, balance
        As :func:`spatialhealth.policy.twfe_did`.
    shift : int
        Periods by which adoption is moved earlier (>= 1).

    Returns
    -------
    DiDResult
        The placebo coefficient (``treatment`` names the shift).

    Examples
    --------
    >>> from spatialhealth.efficiency.synthetic import synthetic_panel
    >>> df = synthetic_panel(seed=1)
    >>> res = placebo_timing(df, outcome="true_u", treatment="treated", region="code",
    ...                      period="year", shift=2)
    >>> abs(res.estimate) < 0.05
    True
    """
    unit, time, first_treated = region, period, cohort
    shift = int(shift)
    if shift < 1:
        raise InputError(f"`shift` must be a positive number of periods; {shift} was given.")
    panel = prepare_panel(df, outcome, unit, time, treatment=treatment, first_treated=first_treated,
                          cluster=cluster, controls=controls, balance=balance)
    data = panel.data
    fake_g = np.where(panel.unit_g >= 0, panel.unit_g - shift, -1)
    first_obs = data.groupby("u")["t"].min().reindex(range(panel.n_units)).to_numpy()
    too_early = (panel.unit_g >= 0) & (fake_g <= first_obs)
    if too_early.any():
        raise InputError(
            f"Moving adoption {shift} periods earlier leaves units "
            f"{', '.join(map(str, panel.units[too_early][:10]))} without a period before the "
            "placebo adoption; use a smaller `shift` or drop these units."
        )
    keep = (data["d"] == 0).to_numpy()
    g_obs = fake_g[data["u"].to_numpy()]
    fake = ((g_obs >= 0) & (data["t"].to_numpy() >= g_obs)).astype(float)
    name = "__placebo_treatment__"
    sub = df.loc[keep].assign(**{name: fake[keep]})
    label = f"placebo adoption {shift} period{'s' if shift > 1 else ''} early"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the real design was checked above
        p = prepare_panel(sub, outcome, unit, time, treatment=name, cluster=cluster,
                          controls=controls, balance="ignore")
    return _fit_twfe(p, alpha, label)
