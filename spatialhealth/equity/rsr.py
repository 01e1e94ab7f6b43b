"""Rank-sum ratio (RSR) evaluation (Tian Fengtiao's method).

1. Rank matrix: each indicator ranked over the ``n`` units, ties averaged;
   positive indicators rank the smallest value 1, negative indicators the
   largest value 1 (so a high rank is always good). ``method="nonint"`` uses the
   non-integer ranks ``1 + (n-1)(x - min)/(max - min)`` instead.
2. ``RSR_i = Σ_j R_ij / (m n)``; with weights, ``WRSR_i = Σ_j w_j R_ij / n``
   (weights rescaled to sum to 1).
3. Distribution of the *distinct* RSR values: frequency, cumulative frequency,
   mean rank position ``R̄``, ``p = R̄ / n`` (the last one corrected to
   ``1 - 1/(4n)``) and probit ``5 + Φ⁻¹(p)``.
4. Least squares ``RSR = a + b·probit`` on the distinct values (one point per
   distinct RSR, not one per unit) with standard errors, t, R², F.
5. Grading by probit thresholds: 3 levels ``<4 | 4–6 | >=6``, 4 levels
   ``3.5, 5, 6.5``, 5 levels ``3.2, 4.4, 5.6, 6.8`` (lower bound inclusive),
   applied to the fitted RSR ``a + b·probit``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .._compat import positional_deprecated
from .._results import figure_axes
from .._validate import require_frame
from ..errors import InputError
from ._common import Result, as_column_list, need_rows, numeric_matrix, row_names, title_block
from ._panel import panel_aware
from .standardise import _check_negative

#: Probit cut-points of the usual grading table (levels: cut-points).
PROBIT_CUTS = {3: (4.0, 6.0), 4: (3.5, 5.0, 6.5), 5: (3.2, 4.4, 5.6, 6.8)}
LEVEL_LABELS = {
    3: ("low", "medium", "high"),
    4: ("low", "lower-middle", "upper-middle", "high"),
    5: ("low", "lower-middle", "middle", "upper-middle", "high"),
}


def rank_matrix(x: np.ndarray, negative_mask: np.ndarray, method: str = "integer") -> np.ndarray:
    """Rank each column (1 = worst); ties get the average rank.

    Parameters
    ----------
    x : numpy.ndarray
        Rows by indicator columns.
    negative_mask : numpy.ndarray
        Bool per column: smaller is better.
    method : {"integer", "nonint"}
        Integer ranks (RSR), or the non-integer ranks ``1 + (n - 1)(x - min)/(max - min)``
        (constant columns get the middle rank).

    Returns
    -------
    numpy.ndarray
        Ranks, same shape as ``x``.

    Examples
    --------
    >>> rank_matrix(np.array([[1.0, 5], [3, 5], [2, 1]]), np.array([False, True])).tolist()
    [[1.0, 1.5], [3.0, 1.5], [2.0, 3.0]]
    """
    n = x.shape[0]
    if method == "integer":
        signed = np.where(negative_mask, -x, x)
        return np.column_stack([stats.rankdata(signed[:, j], method="average") for j in range(x.shape[1])])
    lo, hi = x.min(axis=0), x.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    frac = (x - lo) / span
    frac = np.where(negative_mask, 1.0 - frac, frac)
    frac[:, hi == lo] = 0.5  # a constant indicator gives everyone the middle rank
    return 1.0 + (n - 1) * frac


def ols(x: np.ndarray, y: np.ndarray) -> dict:
    """Simple linear regression ``y = a + b x`` with the usual statistics.

    Parameters
    ----------
    x, y : numpy.ndarray
        Regressor and response.

    Returns
    -------
    dict
        ``a, b, n_points, df_resid, r_squared, se_a, se_b, t_a, t_b, p_a, p_b,
        adj_r_squared, F, p_F`` (standard errors NaN with fewer than three points).

    Examples
    --------
    >>> fit = ols(np.array([1.0, 2, 3, 4]), np.array([2.0, 4.1, 5.9, 8.0]))
    >>> round(fit["b"], 4), round(fit["r_squared"], 4)
    (1.98, 0.9991)
    """
    k = len(x)
    xm, ym = x.mean(), y.mean()
    sxx = np.sum((x - xm) ** 2)
    b = np.sum((x - xm) * (y - ym)) / sxx
    a = ym - b * xm
    resid = y - a - b * x
    sst = np.sum((y - ym) ** 2)
    sse = np.sum(resid ** 2)
    dof = k - 2
    out = {"a": a, "b": b, "n_points": k, "df_resid": dof,
           "r_squared": 1 - sse / sst if sst > 0 else np.nan}
    if dof > 0:
        s2 = sse / dof
        se_b = np.sqrt(s2 / sxx)
        se_a = np.sqrt(s2 * (1.0 / k + xm * xm / sxx))
        with np.errstate(divide="ignore", invalid="ignore"):
            t_a, t_b = a / se_a, b / se_b
            f = (sst - sse) / s2
        out.update(se_a=se_a, se_b=se_b, t_a=t_a, t_b=t_b,
                   p_a=2 * stats.t.sf(abs(t_a), dof), p_b=2 * stats.t.sf(abs(t_b), dof),
                   adj_r_squared=1 - (1 - out["r_squared"]) * (k - 1) / dof,
                   F=f, p_F=stats.f.sf(f, 1, dof))
    else:
        out.update(se_a=np.nan, se_b=np.nan, t_a=np.nan, t_b=np.nan, p_a=np.nan, p_b=np.nan,
                   adj_r_squared=np.nan, F=np.nan, p_F=np.nan)
    return {k_: float(v) if not isinstance(v, int) else v for k_, v in out.items()}


@dataclass(frozen=True, eq=False, repr=False)
class RSRResult(Result):
    """Rank-sum ratio evaluation.

    Attributes
    ----------
    ranks : DataFrame
        Rank matrix (1 = worst on each indicator).
    scores : Series
        RSR (or WRSR if weighted) of each row.
    distribution : DataFrame
        Distinct RSR values with frequency, cumulative frequency, mean rank,
        ``p`` and probit.
    regression : dict
        ``a``, ``b``, ``se_a``, ``se_b``, ``t``/``p`` values, ``r_squared``, ``F``...
    a, b : float
        Intercept and slope of ``RSR = a + b·probit``.
    fitted : Series
        Fitted RSR of each row.
    levels : Series
        Grade of each row, 1 (worst) .. ``n_levels`` (best).
    probit_cuts, rsr_cuts : tuple
        Thresholds on the probit scale and the corresponding fitted-RSR values.
    """

    ranks: pd.DataFrame
    scores: pd.Series
    probit: pd.Series
    distribution: pd.DataFrame
    regression: dict
    fitted: pd.Series
    levels: pd.Series
    probit_cuts: tuple
    names: pd.Series
    weighted: bool
    weights: pd.Series

    _panel_main = "b"

    @property
    def a(self) -> float:
        return self.regression["a"]

    @property
    def b(self) -> float:
        return self.regression["b"]

    @property
    def rsr_cuts(self) -> tuple:
        return tuple(self.a + self.b * c for c in self.probit_cuts)

    @property
    def n_levels(self) -> int:
        return len(self.probit_cuts) + 1

    @property
    def level_labels(self) -> pd.Series:
        labels = LEVEL_LABELS.get(self.n_levels, tuple(str(i) for i in range(1, self.n_levels + 1)))
        return self.levels.map(lambda v: labels[v - 1]).rename("grade")

    def _panel_row(self) -> dict:
        return {"a": self.a, "b": self.b, "r_squared": self.regression["r_squared"],
                "p_F": self.regression["p_F"]}

    @property
    def frame(self) -> pd.DataFrame:
        """One row per unit: ranks, RSR, probit, fitted RSR, level, sorted best first."""
        out = self.ranks.add_prefix("R_")
        out.insert(0, "name", self.names)
        out["wrsr" if self.weighted else "rsr"] = self.scores
        out["probit"] = self.probit
        out["rsr_fit"] = self.fitted
        out["level"] = self.levels
        out["grade"] = self.level_labels
        out["position"] = self.scores.rank(ascending=False, method="min").astype(int)
        return out.sort_values("position", kind="stable").rename_axis("row").reset_index()

    def summary(self) -> str:
        r = self.regression
        head = title_block("Rank-sum ratio (RSR)", [
            ("score", "weighted RSR" if self.weighted else "RSR (equal weights)"),
            ("rows", len(self.scores)), ("indicators", self.ranks.shape[1]),
            ("regression", f"RSR = {r['a']:.5f} + {r['b']:.5f} * probit"),
            ("se(a), se(b)", f"{r['se_a']:.5f}, {r['se_b']:.5f}"),
            ("R2, F, p(F)", f"{r['r_squared']:.4f}, {r['F']:.3f}, {r['p_F']:.3g}"),
            ("fit points", f"{r['n_points']} distinct RSR values"),
            ("probit cuts", ", ".join(f"{c:g}" for c in self.probit_cuts)),
            ("RSR cuts", ", ".join(f"{c:.4f}" for c in self.rsr_cuts)),
        ])
        fmt = lambda v: f"{v:.4f}"  # noqa: E731
        return (head + "\n\nDistribution of RSR\n" + self.distribution.to_string(index=False, float_format=fmt)
                + "\n\nGrading\n" + self.frame.to_string(index=False, float_format=fmt))

    def plot(self, ax=None):
        """RSR against probit with the regression line and the grade thresholds."""
        _, ax = figure_axes(ax, figsize=(6, 4))
        d = self.distribution
        ax.scatter(d["probit"], d["rsr"], zorder=3, label="distinct RSR values")
        xs = np.linspace(min(d["probit"].min(), min(self.probit_cuts)) - 0.2,
                         max(d["probit"].max(), max(self.probit_cuts)) + 0.2, 50)
        ax.plot(xs, self.a + self.b * xs, color="C1", label=f"RSR = {self.a:.3f} + {self.b:.3f} probit")
        for c in self.probit_cuts:
            ax.axvline(c, color="grey", ls="--", lw=0.8)
        ax.set_xlabel("probit")
        ax.set_ylabel("WRSR" if self.weighted else "RSR")
        ax.set_title("Rank-sum ratio regression")
        ax.legend(fontsize=8)
        return ax


@positional_deprecated("columns", "negative", "levels")
@panel_aware
def rsr(df: pd.DataFrame, *, columns, negative=(), levels: int = 3, weights=None,
        method: str = "integer", cuts=None, by=None) -> RSRResult:
    """Rank-sum ratio evaluation with probit regression and grading.

    Parameters
    ----------
    df : DataFrame
        One row per unit (region).
    columns : list of str
        Indicator columns.
    negative : list of str
        Indicators where smaller is better.
    levels : {3, 4, 5}
        Number of grades (probit cut-points 4/6; 3.5/5/6.5; 3.2/4.4/5.6/6.8).
    weights : mapping or Series, optional
        Indicator weights for the weighted RSR (rescaled to sum to 1).
    method : {"integer", "nonint"}
        Integer ranks with ties averaged, or non-integer (interpolated) ranks.
    cuts : list of float, optional
        Own probit cut-points (overrides ``levels``).
    by : None or str
        ``None``: one result; a column (e.g. ``"year"``): a :class:`PanelResult`.

    Returns
    -------
    RSRResult or PanelResult
        ``.scores``, ``.regression``, ``.levels``, ``.frame`` (one row per unit).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"X1": [10, 20, 15], "X2": [5, 10, 8]}, index=list("ABC"))
    >>> res = rsr(d, columns=["X1", "X2"], weights={"X1": 0.4, "X2": 0.6})
    >>> [round(v, 3) for v in res.scores]
    [0.333, 1.0, 0.667]
    """
    require_frame(df)
    columns = as_column_list(columns)
    negative = _check_negative(columns, negative)
    if method not in ("integer", "nonint"):
        raise InputError(f"`method` must be 'integer' or 'nonint'; {method!r} was given.")
    need_rows(len(df), 3, "The RSR regression")
    if cuts is None:
        if levels not in PROBIT_CUTS:
            raise InputError(f"`levels` must be 3, 4 or 5 (or give probit `cuts`); {levels!r} was given.")
        probit_cuts = PROBIT_CUTS[levels]
    else:
        probit_cuts = tuple(float(c) for c in cuts)
        if len(probit_cuts) == 0 or np.any(np.diff(probit_cuts) <= 0):
            raise InputError(f"`cuts` must be increasing probit values; {cuts!r} was given.")
    x = numeric_matrix(df, columns)
    n, m = x.shape
    ranks = rank_matrix(x, np.array([c in negative for c in columns]), method)
    if weights is None:
        w = np.full(m, 1.0 / m)
    else:
        ws = pd.Series(dict(weights.items()) if hasattr(weights, "items") else
                       dict(zip(columns, np.asarray(weights, dtype=float))), dtype=float)
        missing = [c for c in columns if c not in ws.index]
        if missing or (ws < 0).any() or ws.sum() <= 0:
            raise InputError(f"`weights` must give a non-negative weight to every indicator "
                             f"({', '.join(map(repr, columns))}); got {ws.to_dict()}.")
        w = ws[columns].to_numpy() / ws[columns].sum()
    score = ranks @ w / n

    key = np.round(score, 10)
    distinct, inverse, freq = np.unique(key, return_inverse=True, return_counts=True)
    if len(distinct) < 2:
        raise InputError("Every unit has the same RSR; the probit regression is undefined.")
    cum = np.cumsum(freq)
    mean_rank = cum - (freq - 1) / 2.0
    p = mean_rank / n
    p[-1] = 1.0 - 1.0 / (4.0 * n)
    prob = 5.0 + stats.norm.ppf(p)
    dist_scores = np.array([score[inverse == i][0] for i in range(len(distinct))])
    reg = ols(prob, dist_scores)
    probit_rows = prob[inverse]
    fitted = reg["a"] + reg["b"] * probit_rows
    rsr_cuts = reg["a"] + reg["b"] * np.asarray(probit_cuts)
    if reg["b"] > 0:
        lev = np.searchsorted(rsr_cuts, fitted + 1e-12, side="right") + 1
    else:  # degenerate slope: grade on the probit scale directly
        lev = np.searchsorted(np.asarray(probit_cuts), probit_rows + 1e-12, side="right") + 1
    idx = df.index
    distribution = pd.DataFrame({
        "rsr": dist_scores, "f": freq, "cum_f": cum, "mean_rank": mean_rank,
        "p": p, "probit": prob,
    })
    return RSRResult(
        ranks=pd.DataFrame(ranks, index=idx, columns=columns),
        scores=pd.Series(score, index=idx, name="wrsr" if weights is not None else "rsr"),
        probit=pd.Series(probit_rows, index=idx, name="probit"),
        distribution=distribution,
        regression=reg,
        fitted=pd.Series(fitted, index=idx, name="rsr_fit"),
        levels=pd.Series(lev.astype(int), index=idx, name="level"),
        probit_cuts=probit_cuts,
        names=row_names(df),
        weighted=weights is not None,
        weights=pd.Series(w, index=columns, name="weight"),
    )
