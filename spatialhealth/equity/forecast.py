"""Grey forecasting model GM(1,1).

Model and conventions (Liu & Lin 2010, *Grey Systems*, ch. 7):

* ``x1`` is the accumulated series ``x1(k) = Σ_{i<=k} x0(i)``, ``z1(k)`` the mean
  ``(x1(k) + x1(k-1)) / 2``.
* Grey differential equation ``x0(k) + a z1(k) = b``, ``k = 2..n``; ``(a, b)`` by
  least squares. **Sign convention**: ``a`` is the *development coefficient* as
  written in this equation, so ``a < 0`` means a growing series (growth rate about
  ``-a`` per period) and ``a > 0`` a declining one. ``b`` is the grey input.
* Time response ``x1^(k+1) = (x0(1) - b/a) e^{-a k} + b/a``; restored values
  ``x0^(k+1) = x1^(k+1) - x1^(k)``, with ``x0^(1) = x0(1)``.
* Posterior-variance check over ``k = 1..n`` (including ``e(1) = 0``), population
  standard deviations (ddof 0): ``C = S2 / S1`` with ``S1 = sd(x0)``,
  ``S2 = sd(e)``; small-error probability ``P = Pr(|e(k) - ē| < 0.6745 S1)``.
* Grade: superior ``C <= 0.35`` and ``P >= 0.95``; qualified ``C <= 0.50`` and
  ``P >= 0.80``; marginal ``C <= 0.65`` and ``P >= 0.70``; else disqualified.

Constant series. For ``x0(k) = c`` least squares gives ``a = 0`` up to rounding
(e.g. ``-2e-17``) and ``b = c``. Whenever ``|a| <`` :data:`A_TOL` the model is
treated as its limit ``a -> 0``: ``x1^(k+1) = x0(1) + b k``, so every restored value
and forecast is ``b`` (the constant). The time response is evaluated in the
numerically stable form ``x0(1) e^{-ak} - b expm1(-ak)/a`` for every other ``a``.
The posterior-variance check of a series without variance (``S1 = 0``) is
``C = 0, P = 1`` when the fit is exact (all residuals 0 up to rounding), and
``C = inf, P = 0`` otherwise, instead of 0/0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._compat import positional_deprecated, renamed_kwargs
from .._results import figure_axes
from ..errors import InputError, InputTypeError, format_rows
from ._common import Result, title_block

GRADES = ((0.35, 0.95, "superior"), (0.50, 0.80, "qualified"), (0.65, 0.70, "marginal"))

#: |a| below this is the limit a -> 0 (a constant or linear accumulated series)
A_TOL = 1e-10


def gm11_grade(C: float, P: float) -> str:
    """Accuracy grade from the posterior variance ratio ``C`` and small-error probability ``P``.

    Parameters
    ----------
    C : float
        Posterior variance ratio ``S2 / S1``.
    P : float
        Small-error probability.

    Returns
    -------
    str
        ``"superior"``, ``"qualified"``, ``"marginal"`` or ``"disqualified"``.

    Examples
    --------
    >>> gm11_grade(0.2, 1.0), gm11_grade(0.4, 0.99), gm11_grade(0.7, 1.0)
    ('superior', 'qualified', 'disqualified')
    """
    for c_max, p_min, label in GRADES:
        if C <= c_max and P >= p_min:
            return label
    return "disqualified"


@dataclass(frozen=True, eq=False, repr=False)
class GM11Result(Result):
    """A fitted GM(1,1) model.

    Attributes
    ----------
    a : float
        Development coefficient (``a < 0``: growth; see module docstring).
    b : float
        Grey input.
    observed, fitted, residuals : Series
        ``x0``, restored fitted values ``x0^`` and ``x0 - x0^``.
    relative_errors : Series
        ``|e(k)| / x0(k)``.
    C, P : float
        Posterior variance ratio and small-error probability.
    grade : str
        superior, qualified, marginal or disqualified.
    ratio_ok : bool
        Whether every class ratio ``x0(k-1)/x0(k)`` lies in ``(e^{-2/(n+1)}, e^{2/(n+1)})``,
        the usual admissibility check for GM(1,1).
    """

    a: float
    b: float
    observed: pd.Series
    fitted: pd.Series
    C: float
    P: float
    ratio_ok: bool

    _panel_main = "C"

    @property
    def grade(self) -> str:
        return gm11_grade(self.C, self.P)

    @property
    def residuals(self) -> pd.Series:
        return (self.observed - self.fitted).rename("residual")

    @property
    def relative_errors(self) -> pd.Series:
        return (self.residuals.abs() / self.observed.abs()).rename("relative_error")

    @property
    def mean_relative_error(self) -> float:
        """Mean relative error over ``k = 2..n`` (``e(1) = 0`` by construction is left out)."""
        return float(self.relative_errors.iloc[1:].mean())

    def _x1(self, k: np.ndarray) -> np.ndarray:
        x01 = float(self.observed.iloc[0])
        if abs(self.a) < A_TOL:  # the limit a -> 0 (constant series): x1 grows by b per period
            return x01 + self.b * k
        # (x01 - b/a) e^{-ak} + b/a, written without the cancellation of b/a for small a
        return x01 * np.exp(-self.a * k) - self.b * np.expm1(-self.a * k) / self.a

    def predict(self, k) -> np.ndarray:
        """Restored values ``x0^(k+1)`` for 0-based positions ``k`` (``k=0`` is ``x0(1)``)."""
        k = np.asarray(k, dtype=float)
        out = self._x1(k) - self._x1(k - 1)
        return np.where(k == 0, float(self.observed.iloc[0]), out)

    def forecast(self, steps: int = 1) -> pd.Series:
        """Forecasts for the next ``steps`` periods after the observed series.

        The index continues an integer index (e.g. years); otherwise it counts
        ``n+1, n+2, ...``.
        """
        steps = int(steps)
        if steps < 1:
            raise InputError(f"`steps` must be >= 1; {steps} was given.")
        n = len(self.observed)
        values = self.predict(np.arange(n, n + steps))
        idx = self.observed.index
        if pd.api.types.is_integer_dtype(idx) and len(idx) >= 2:
            step = idx[-1] - idx[-2]
            new_index = pd.Index([idx[-1] + step * (i + 1) for i in range(steps)], name=idx.name)
        else:
            new_index = pd.RangeIndex(n + 1, n + steps + 1)
        return pd.Series(values, index=new_index, name="forecast")

    def time_response(self) -> str:
        """The time response function as text."""
        if abs(self.a) < A_TOL:
            return f"x1(k+1) = {float(self.observed.iloc[0]):.6g} + {self.b:.6g} k  (a = 0)"
        c = float(self.observed.iloc[0]) - self.b / self.a
        d = self.b / self.a
        return f"x1(k+1) = {c:.6g} * exp({-self.a:.6g} k) {'-' if d < 0 else '+'} {abs(d):.6g}"

    def _panel_row(self) -> dict:  # pragma: no cover - gm11 takes a series, not a panel
        return {"a": self.a, "b": self.b, "C": self.C, "P": self.P}

    @property
    def frame(self) -> pd.DataFrame:
        """Observed, fitted, residual and relative error per period."""
        return pd.DataFrame({
            "period": self.observed.index, "observed": self.observed.to_numpy(),
            "fitted": self.fitted.to_numpy(), "residual": self.residuals.to_numpy(),
            "relative_error": self.relative_errors.to_numpy(),
        })

    def summary(self) -> str:
        return title_block("GM(1,1) grey model", [
            ("equation", "x0(k) + a z1(k) = b  (a < 0: growth)"),
            ("a (development coefficient)", self.a),
            ("b (grey input)", self.b),
            ("time response", self.time_response()),
            ("posterior variance ratio C", self.C),
            ("small-error probability P", self.P),
            ("grade", self.grade),
            ("mean relative error % (k>=2)", 100 * self.mean_relative_error),
            ("class ratio check", "passed" if self.ratio_ok else "failed (GM(1,1) may be unsuitable)"),
        ]) + "\n\n" + self.frame.to_string(index=False, float_format=lambda v: f"{v:.6g}")

    def plot(self, ax=None, steps: int = 3):
        """Observed series, fitted values and ``steps`` forecasts."""
        _, ax = figure_axes(ax, figsize=(6, 4))
        obs = self.observed
        ax.plot(list(obs.index), obs.to_numpy(), "o", label="observed")
        ax.plot(list(obs.index), self.fitted.to_numpy(), "-", label="GM(1,1) fitted")
        if steps:
            fc = self.forecast(steps)
            ax.plot([obs.index[-1]] + list(fc.index), [self.fitted.iloc[-1]] + list(fc.to_numpy()),
                    "--", label="forecast")
        ax.set_title(f"GM(1,1): a = {self.a:.4g}, C = {self.C:.3f}, P = {self.P:.2f} ({self.grade})")
        ax.legend(fontsize=8)
        return ax


def gm11(values) -> GM11Result:
    """Fit a GM(1,1) grey model to a short positive series.

    Parameters
    ----------
    values : Series, array-like
        At least 4 positive observations in time order (a Series indexed by year
        gives forecasts indexed by the following years).

    Returns
    -------
    GM11Result
        ``.a``, ``.b``, ``.C``, ``.P``, ``.grade``, ``.fitted``, ``.forecast(steps)``.

    Notes
    -----
    A constant series is fitted exactly and forecasts the constant (``a`` is 0 up to
    rounding; see the module docstring), graded superior (``C = 0``, ``P = 1``).

    Examples
    --------
    >>> res = gm11([27260, 29547, 32411, 35388])
    >>> round(res.a, 6), res.grade
    (-0.089995, 'superior')
    >>> res.forecast(2).round().tolist()
    [38713.0, 42359.0]
    >>> flat = gm11([5.0] * 6)
    >>> flat.forecast(2).tolist(), flat.grade
    ([5.0, 5.0], 'superior')
    """
    if isinstance(values, pd.DataFrame):
        raise InputTypeError("gm11 takes one series (a Series or list); a DataFrame was given.")
    s = values.copy() if isinstance(values, pd.Series) else pd.Series(np.asarray(values))
    num = pd.to_numeric(s, errors="coerce")
    bad = num.isna()
    if bad.any():
        raise InputError(f"gm11 needs numeric values without gaps; positions "
                         f"{format_rows(s.index[bad])} are missing or not numeric.")
    x0 = num.to_numpy(dtype=float)
    if len(x0) < 4:
        raise InputError(f"GM(1,1) needs at least 4 observations; {len(x0)} were given.")
    neg = x0 <= 0
    if neg.any():
        raise InputError(f"GM(1,1) needs positive values; positions {format_rows(s.index[neg])} "
                         f"are <= 0.")
    x1 = np.cumsum(x0)
    z1 = 0.5 * (x1[1:] + x1[:-1])
    B = np.column_stack([-z1, np.ones_like(z1)])
    (a, b), *_ = np.linalg.lstsq(B, x0[1:], rcond=None)
    n = len(x0)
    ratio = x0[:-1] / x0[1:]
    bound = np.exp(2.0 / (n + 1))
    ratio_ok = bool(np.all((ratio > 1 / bound) & (ratio < bound)))
    observed = pd.Series(x0, index=s.index, name="observed")
    tmp = GM11Result(float(a), float(b), observed, observed, 0.0, 0.0, ratio_ok)
    fitted = pd.Series(tmp.predict(np.arange(n)), index=s.index, name="fitted")
    e = x0 - fitted.to_numpy()
    s1, s2 = x0.std(), e.std()
    scale = float(np.abs(x0).max())
    if s1 > 1e-12 * scale:
        C = float(s2 / s1)
        P = float(np.mean(np.abs(e - e.mean()) < 0.6745 * s1))
    elif np.all(np.abs(e) <= 1e-9 * scale):  # a constant series fitted exactly
        C, P = 0.0, 1.0
    else:  # pragma: no cover - a constant series is always fitted exactly
        C, P = float("inf"), 0.0
    return GM11Result(float(a), float(b), observed, fitted, C, P, ratio_ok)


class GM11Table(Result):
    """GM(1,1) models fitted to one series per group of a long table.

    Attributes
    ----------
    results : dict
        Group -> :class:`GM11Result`.
    frame : DataFrame
        One row per group: ``a``, ``b``, ``C``, ``P``, grade, mean relative error.
    forecasts : DataFrame
        Tidy ``group, <year>, forecast`` for the requested steps.
    """

    def __init__(self, results: dict, steps: int, group: str | None, year: str):
        self.results = results
        self.steps = steps
        self.group = group or "series"
        self.year = year
        self.period = year

    def __getitem__(self, key) -> GM11Result:
        return self.results[key]

    @property
    def frame(self) -> pd.DataFrame:
        return pd.DataFrame([
            {self.group: g, "n": len(r.observed), "a": r.a, "b": r.b, "C": r.C, "P": r.P,
             "grade": r.grade, "mean_relative_error": r.mean_relative_error, "ratio_ok": r.ratio_ok}
            for g, r in self.results.items()
        ])

    @property
    def forecasts(self) -> pd.DataFrame:
        parts = []
        for g, r in self.results.items():
            fc = r.forecast(self.steps)
            parts.append(pd.DataFrame({self.group: g, self.year: fc.index, "forecast": fc.to_numpy()}))
        return pd.concat(parts, ignore_index=True)

    def summary(self) -> str:
        return (title_block("GM(1,1) by group", [("groups", len(self.results)),
                                                  ("equation", "x0(k) + a z1(k) = b  (a < 0: growth)"),
                                                  ("forecast steps", self.steps)])
                + "\n\n" + self.frame.to_string(index=False, float_format=lambda v: f"{v:.6g}")
                + "\n\nForecasts\n" + self.forecasts.to_string(index=False, float_format=lambda v: f"{v:.6g}"))

    def plot(self, ax=None):
        """Observed series and forecasts of every group on one Axes."""
        _, ax = figure_axes(ax, figsize=(7, 4.5))
        for g, r in self.results.items():
            line, = ax.plot(list(r.observed.index), r.observed.to_numpy(), "o", ms=3)
            fc = r.forecast(self.steps)
            ax.plot(list(r.observed.index) + list(fc.index),
                    list(r.fitted.to_numpy()) + list(fc.to_numpy()), "-", color=line.get_color(),
                    label=str(g))
        ax.set_xlabel(self.year)
        ax.set_title("GM(1,1) fits and forecasts")
        if len(self.results) <= 12:
            ax.legend(fontsize=7)
        return ax


@positional_deprecated("value", "group")
@renamed_kwargs(year="period")
def gm11_by(df: pd.DataFrame, *, value: str, group: str | None = None, period: str = "year",
            steps: int = 3) -> GM11Table:
    """Fit GM(1,1) to the ``value`` series of every group in a long table.

    Parameters
    ----------
    df : DataFrame
        Long table: one row per group and year.
    value : str
        The series to model (positive).
    group : str, optional
        Column identifying the series (e.g. ``code``); None for a single series.
    period : str
        Time column (formerly ``year``); within a group the periods must be unique
        and equally spaced (GM(1,1) assumes equal intervals).
    steps : int
        Number of forecasts in ``.forecasts``.

    Returns
    -------
    GM11Table
        ``.frame`` (one row per series), ``.forecasts``, ``res[group]``.

    Examples
    --------
    >>> d = pd.DataFrame({"year": [2016, 2017, 2018, 2019] * 2, "p": list("aaaabbbb"),
    ...                   "beds": [10, 11, 12.2, 13.1, 20, 20.5, 21.4, 22]})
    >>> gm11_by(d, value="beds", group="p", steps=2).forecasts.shape
    (4, 3)
    """
    year = period
    from .._validate import require_columns, require_frame

    require_frame(df)
    require_columns(df, [value, year] + ([group] if group else []), "table")
    keys = df[group] if group else pd.Series("series", index=df.index)
    results = {}
    for g, sub in df.groupby(keys, sort=True):
        sub = sub.sort_values(year)
        years = pd.to_numeric(sub[year], errors="coerce")
        if years.isna().any():
            raise InputError(f"Column {year!r} must be numeric years; rows "
                             f"{format_rows(sub.index[years.isna()])} are not.")
        dup = years.duplicated(keep=False)
        if dup.any():
            raise InputError(f"Group {g!r} has year(s) {format_rows(sorted(set(years[dup])))} more than "
                             f"once (rows {format_rows(sub.index[dup])}).")
        gaps = np.diff(years.to_numpy())
        if len(gaps) and not np.all(gaps == gaps[0]):
            raise InputError(f"Group {g!r}: GM(1,1) needs equally spaced years; got "
                             f"{format_rows(years.astype(int).tolist())}.")
        series = pd.Series(sub[value].to_numpy(), index=pd.Index(years.astype(int).to_numpy(), name=year))
        try:
            results[g] = gm11(series)
        except InputError as exc:
            raise InputError(f"Group {g!r}: {exc}") from exc
    return GM11Table(results, int(steps), group, year)
