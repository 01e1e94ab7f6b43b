"""Dagum (1997) Gini coefficient and its three-part decomposition.

Notation (groups ordered by their means, ``μ_1 <= ... <= μ_k``; ``n`` rows,
overall mean ``μ``; ``p_j = n_j / n``, ``s_j = n_j μ_j / (n μ)``):

* overall ``G = Σ_i Σ_r |y_i - y_r| / (2 n² μ)``;
* within a group ``G_jj = Σ |y_ji - y_jr| / (2 n_j² μ_j)``; ``G_w = Σ_j G_jj p_j s_j``;
* between two groups ``G_jh = Σ |y_ji - y_hr| / (n_j n_h (μ_j + μ_h))``;
* for ``μ_j >= μ_h``: ``d_jh`` = mean over all pairs of ``max(y_ji - y_hr, 0)``,
  ``p_jh`` = mean of ``max(y_hr - y_ji, 0)`` (the transvariation), and the relative
  economic affluence ``D_jh = (d_jh - p_jh) / (d_jh + p_jh)``;
* net between-group part ``G_nb = Σ_{j>h} G_jh (p_j s_h + p_h s_j) D_jh``;
* transvariation ``G_t = Σ_{j>h} G_jh (p_j s_h + p_h s_j) (1 - D_jh)``;
* ``G = G_w + G_nb + G_t`` exactly.

Some papers print ``d_jh`` and ``p_jh`` with garbled integrals; the definitions
above (means of the positive and negative parts of the pairwise differences)
are Dagum's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._compat import positional_deprecated
from .._validate import require_frame
from ..errors import InputError
from ._common import Result, numeric, resolve_groups, title_block
from ._panel import panel_aware


def pair_sums(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """``(Σ_i Σ_r max(a_i - b_r, 0), Σ_i Σ_r max(b_r - a_i, 0))`` in O((n+m) log m).

    Uses sorted ``b`` with prefix sums instead of the n·m pairwise matrix.

    Parameters
    ----------
    a, b : numpy.ndarray
        Values of two groups.

    Returns
    -------
    tuple of float
        The sums of positive differences ``a - b`` and ``b - a`` over all pairs.

    Examples
    --------
    >>> pair_sums(np.array([1.0, 4.0]), np.array([2.0, 3.0]))
    (3.0, 3.0)
    """
    bs = np.sort(b)
    prefix = np.concatenate([[0.0], np.cumsum(bs)])
    k = np.searchsorted(bs, a, side="left")
    pos = float(np.sum(k * a - prefix[k]))
    neg = pos - (len(b) * float(a.sum()) - len(a) * float(b.sum()))
    return pos, max(neg, 0.0)  # >= 0 exactly; clip rounding noise


@dataclass(frozen=True, eq=False, repr=False)
class DagumResult(Result):
    """Dagum Gini decomposition.

    Attributes
    ----------
    total : float
        Overall Gini ``G`` (each row counts once).
    within, between, transvariation : float
        ``G_w``, net between-group ``G_nb`` and transvariation ``G_t``; they sum to
        ``total``.
    within_share, between_share, transvariation_share : float
        Contribution rates (fractions of ``total``).
    groups : DataFrame
        Per group (ordered by mean): n, mean, p_j, s_j, within-group Gini ``G_jj``.
    pairs : DataFrame
        Per pair of groups (richer ``j``, poorer ``h``): ``G_jh``, ``d_jh``,
        ``p_jh``, ``D_jh`` and the pair's net and transvariation contributions.
    """

    total: float
    within: float
    between: float
    transvariation: float
    groups: pd.DataFrame
    pairs: pd.DataFrame
    value_name: str
    group_name: str

    _panel_main = "total"

    @property
    def within_share(self) -> float:
        return self.within / self.total if self.total else float("nan")

    @property
    def between_share(self) -> float:
        return self.between / self.total if self.total else float("nan")

    @property
    def transvariation_share(self) -> float:
        return self.transvariation / self.total if self.total else float("nan")

    @property
    def value(self) -> float:
        return self.total

    def _panel_row(self) -> dict:
        return {"total": self.total, "within": self.within, "between": self.between,
                "transvariation": self.transvariation, "within_share": self.within_share,
                "between_share": self.between_share,
                "transvariation_share": self.transvariation_share}

    @property
    def between_matrix(self) -> pd.DataFrame:
        """Square matrix of group Ginis: ``G_jj`` on the diagonal, ``G_jh`` off it."""
        names = list(self.groups["group"])
        m = pd.DataFrame(np.nan, index=pd.Index(names, name="group"), columns=names)
        for _, g in self.groups.iterrows():
            m.loc[g["group"], g["group"]] = g["gini_within"]
        for _, r in self.pairs.iterrows():
            m.loc[r["group_j"], r["group_h"]] = r["gini_between"]
            m.loc[r["group_h"], r["group_j"]] = r["gini_between"]
        return m

    @property
    def frame(self) -> pd.DataFrame:
        """Components with values and contribution rates."""
        return pd.DataFrame({
            "component": ["within", "between (net)", "transvariation", "total"],
            "value": [self.within, self.between, self.transvariation, self.total],
            "share": [self.within_share, self.between_share, self.transvariation_share, 1.0],
        })

    def summary(self) -> str:
        head = title_block(f"Dagum Gini of {self.value_name!r} by {self.group_name!r}", [
            ("total G", self.total),
            ("within G_w", self.within),
            ("between net G_nb", self.between),
            ("transvariation G_t", self.transvariation),
            ("contributions %", f"{100 * self.within_share:.2f} / {100 * self.between_share:.2f} / "
                                f"{100 * self.transvariation_share:.2f} (within / between / trans.)"),
        ])
        fmt = lambda v: f"{v:.6f}"  # noqa: E731
        return (head + "\n\nGroups (ordered by mean)\n" + self.groups.to_string(index=False, float_format=fmt)
                + "\n\nGroup Gini matrix (diagonal G_jj, off-diagonal G_jh)\n"
                + self.between_matrix.to_string(float_format=fmt))

    def plot(self, ax=None):
        """Bar chart of the contribution rates."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(5, 3.5))
        ax.bar(["within", "between (net)", "transvariation"],
               [100 * self.within_share, 100 * self.between_share, 100 * self.transvariation_share],
               color=["#4C72B0", "#DD8452", "#55A868"])
        ax.set_ylabel("contribution to overall Gini (%)")
        ax.set_title(f"Dagum decomposition (G = {self.total:.3f})")
        return ax


@positional_deprecated("value", "group")
@panel_aware
def dagum_gini(df: pd.DataFrame, *, value: str, group, by=None) -> DagumResult:
    """Dagum Gini coefficient decomposed into within, net between and transvariation parts.

    Parameters
    ----------
    df : DataFrame
        One row per region.
    value : str
        The (per-capita) indicator, >= 0 with a positive mean; each row counts once.
    group : str, Series or mapping
        A column, a region scheme name (``"region3"``...), an aligned Series or a
        code -> group mapping; at least two groups.
    by : str, optional
        Period column: one decomposition per period (a panel result). Without it all
        rows are pooled (a table with several years warns); ``by="auto"`` is deprecated.

    Returns
    -------
    DagumResult
        ``total``, ``within``, ``between`` (net) and ``transvariation`` with their
        shares, the within-group Gini of each group and the between-group Gini of each
        pair (``.frame``); a panel result with ``by``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0, 6.0, 8.0], "g": list("aaabbb")})
    >>> res = dagum_gini(d, value="y", group="g")
    >>> round(res.within + res.between + res.transvariation - res.total, 12)
    0.0
    """
    require_frame(df)
    y = numeric(df, value, min_value=0.0)
    labels = resolve_groups(df, group)
    n, mu = len(y), y.mean()
    if mu <= 0:
        raise InputError(f"Column {value!r} sums to zero; the Gini coefficient is undefined.")
    total = pair_sums(y, y)[0] / (n * n * mu)  # Σ|.| = 2 Σ max(.,0)

    parts = []
    for g, idx in labels.groupby(labels, sort=True).groups.items():
        yg = y[df.index.get_indexer(idx)]
        parts.append((g, yg, yg.mean()))
    parts.sort(key=lambda t: t[2])
    rows = []
    g_w = 0.0
    for g, yg, m in parts:
        nj = len(yg)
        gjj = pair_sums(yg, yg)[0] / (nj * nj * m) if m > 0 else 0.0
        pj, sj = nj / n, nj * m / (n * mu)
        g_w += gjj * pj * sj
        rows.append({"group": g, "n": nj, "mean": m, "p": pj, "s": sj, "gini_within": gjj,
                     "within_part": gjj * pj * sj})
    groups = pd.DataFrame(rows)

    pair_rows = []
    g_nb = g_t = 0.0
    for j in range(1, len(parts)):
        for h in range(j):
            gj, yj, mj = parts[j]
            gh, yh, mh = parts[h]
            nj, nh = len(yj), len(yh)
            pos, neg = pair_sums(yj, yh)
            gjh = (pos + neg) / (nj * nh * (mj + mh))
            d_jh, p_jh = pos / (nj * nh), neg / (nj * nh)
            big_d = (d_jh - p_jh) / (d_jh + p_jh) if d_jh + p_jh > 0 else 0.0
            weight = (nj / n) * (nh * mh / (n * mu)) + (nh / n) * (nj * mj / (n * mu))
            net, trans = gjh * weight * big_d, gjh * weight * (1.0 - big_d)
            g_nb += net
            g_t += trans
            pair_rows.append({"group_j": gj, "group_h": gh, "gini_between": gjh, "d_jh": d_jh,
                              "p_jh": p_jh, "D_jh": big_d, "weight": weight,
                              "between_part": net, "transvariation_part": trans})
    pairs = pd.DataFrame(pair_rows)
    return DagumResult(float(total), float(g_w), float(g_nb), float(g_t), groups, pairs,
                       value, labels.name)
