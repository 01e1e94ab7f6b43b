"""Meta-frontier analysis: group frontiers, the pooled meta-frontier and technology gap ratios.

Each unit is rated twice with the same DEA model: against the frontier of its
own group (e.g. east, central or west provinces) and against the meta-frontier
built from the units of all groups. Because the meta-frontier envelops every
group frontier, ``te_meta <= te_group`` and the technology gap ratio
``TGR = te_meta / te_group`` lies in (0, 1]; 1 means the group's technology is
on the meta-frontier at that unit's input-output mix (O'Donnell, Rao & Battese
2008, DEA version).

With a time column, frontiers are *contemporaneous* (built from the units of
the same year; the default) or *pooled* (one frontier of all years, also
called intertemporal/global).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._compat import positional_deprecated, renamed_kwargs
from .._results import Result, figure_axes, write_table
from .._validate import one_of, require_columns
from ..errors import InputError
from ._data import DEAInputError, format_rows, unit_labels
from .radial import dea
from .sbm import sbm

__all__ = ["metafrontier", "MetafrontierResult"]


class MetafrontierResult(Result):
    """Group and meta-frontier efficiencies and technology gap ratios.

    Attributes
    ----------
    frame : pandas.DataFrame
        Aligned with the input table: the group (and time) column, ``te_group``,
        ``te_meta``, ``tgr`` and ``gap`` (``1 - tgr``).
    group_result, meta_result : DEAResult
        The two underlying DEA fits (slacks, targets, peers).
    group, time : str or None
        Column names used.
    frontier : str
        "contemporaneous" or "pooled" (or "single period" without a time column).
    """

    _title = "Meta-frontier analysis"

    def __init__(self, *, frame, group_result, meta_result, group, time, frontier):
        self._frame = frame
        self.group_result = group_result
        self.meta_result = meta_result
        self.group = group
        self.time = time
        self.period = time
        self.frontier = frontier

    @property
    def frame(self) -> pd.DataFrame:
        """Group and meta efficiencies and TGR per unit, aligned with the input table."""
        return self._frame

    @property
    def tgr(self) -> pd.Series:
        """Technology gap ratio per unit, ``te_meta / te_group``."""
        return self.frame["tgr"]

    @property
    def te_group(self) -> pd.Series:
        """Efficiency against the unit's group frontier."""
        return self.frame["te_group"]

    @property
    def te_meta(self) -> pd.Series:
        """Efficiency against the meta-frontier."""
        return self.frame["te_meta"]

    @property
    def n_lps(self) -> int:
        return self.group_result.n_lps + self.meta_result.n_lps

    def by_group(self) -> pd.DataFrame:
        """Mean te_group, te_meta and TGR (and unit counts) per group."""
        g = self.frame.groupby(self.group, sort=True)
        out = g[["te_group", "te_meta", "tgr"]].mean()
        out.insert(0, "n", g.size())
        return out

    def by_group_time(self) -> pd.DataFrame:
        """Mean TGR per group (rows) and period (columns); needs a time column."""
        if self.time is None:
            raise InputError("This meta-frontier was fitted without a time column.")
        return self.frame.pivot_table(index=self.group, columns=self.time, values="tgr",
                                      aggfunc="mean")

    def summary(self) -> str:
        """Text table: the model, frontiers, and mean efficiencies and TGR by group."""
        tab = self.by_group()
        lines = [
            "Meta-frontier analysis (TGR = te_meta / te_group)",
            f"model: {self.meta_result.model}",
            f"efficiency = {self.meta_result.convention}",
            f"groups: {self.group} ({len(tab)})   frontiers: {self.frontier}"
            + (f" by {self.time}" if self.time and self.frontier == "contemporaneous" else ""),
            f"units: {len(self.frame)}   LPs solved: {self.n_lps}",
            "",
            f"{'group':14s}{'n':>6s}{'te_group':>10s}{'te_meta':>10s}{'TGR':>10s}",
        ]
        for name, row in tab.iterrows():
            lines.append(f"{str(name):14s}{int(row['n']):6d}{row['te_group']:10.4f}"
                         f"{row['te_meta']:10.4f}{row['tgr']:10.4f}")
        f = self.frame
        lines.append(f"{'all':14s}{len(f):6d}{f['te_group'].mean():10.4f}{f['te_meta'].mean():10.4f}"
                     f"{f['tgr'].mean():10.4f}")
        notes = self.group_result.notes + self.meta_result.notes
        lines += [f"note: {n}" for n in notes]
        return "\n".join(lines)

    def plot(self, ax=None, kind=None):
        """TGR by group: box plots (``kind="box"``) or mean TGR over time (``kind="time"``).

        The default is "time" when a time column was given, else "box".
        """
        kind = kind or ("time" if self.time is not None else "box")
        one_of(kind, ("box", "time"), "kind")
        _, ax = figure_axes(ax, figsize=(6.5, 4))
        if kind == "time":
            tab = self.by_group_time()
            for name, row in tab.iterrows():
                ax.plot(tab.columns, row.to_numpy(), marker="o", label=str(name))
            ax.set_xlabel(self.time)
            ax.set_ylabel("mean technology gap ratio")
            ax.legend(title=self.group, frameon=False)
        else:
            groups = sorted(self.frame[self.group].unique(), key=str)
            data = [self.frame.loc[self.frame[self.group] == g, "tgr"].dropna() for g in groups]
            ax.boxplot(data, tick_labels=[str(g) for g in groups])
            ax.set_xlabel(self.group)
            ax.set_ylabel("technology gap ratio")
        ax.set_ylim(top=1.02)
        ax.set_title(f"TGR = meta / group efficiency ({self.frontier} frontiers)", fontsize=9)
        return ax

    def to_file(self, path, **kwargs):
        """Write ``frame`` (with its index) by suffix; return the Path."""
        kwargs.setdefault("index", True)
        return write_table(self.frame, path, **kwargs)


@positional_deprecated("inputs", "outputs", "group", "undesirable")
@renamed_kwargs(time="period", unit="region")
def metafrontier(df, *, inputs, outputs, group, undesirable=(), model="sbm", rts="crs",
                 orientation="input", direction=None, period=None, frontier="contemporaneous",
                 groups=None, region=None, **kwargs) -> MetafrontierResult:
    """Efficiency against group frontiers and the meta-frontier, and the technology gap ratio.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per unit (or unit-period).
    inputs, outputs, undesirable : str or list of str
        Model columns (undesirable outputs need ``model="sbm"``).
    group : str
        Column with each unit's group (e.g. ``"region3"``).
    model : {"sbm", "ccr", "bcc"}
        DEA model used for both frontiers. ``"sbm"`` takes ``rts`` and, for the
        SBM-DDF, ``direction`` (its efficiency convention applies, default
        ``1/(1+beta)``); ``"ccr"``/``"bcc"`` take ``orientation``.
    period : str, optional
        Period column (e.g. ``"year"``; formerly ``time``).
    frontier : {"contemporaneous", "pooled"}
        With ``period``: frontiers per period, or one frontier over all periods.
    groups : list, optional
        The expected group labels; a unit with any other label is an error.
    region : str, optional
        Column naming the units (region key; formerly ``unit``).
    **kwargs
        Passed to :func:`sbm` or :func:`dea` (e.g. ``ddf_weighting``, ``method``).

    Returns
    -------
    MetafrontierResult
        ``.frame`` with ``te_group``, ``te_meta``, ``tgr``; ``.tgr``; ``.by_group()``;
        ``.summary()``; ``.plot()``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"x": [2, 4, 3, 5], "y": [2, 3, 1, 2], "g": ["a", "a", "b", "b"]})
    >>> res = metafrontier(df, inputs="x", outputs="y", group="g", model="ccr")
    >>> res.frame[["te_group", "te_meta", "tgr"]].round(3).to_numpy().tolist()
    [[1.0, 1.0, 1.0], [0.75, 0.75, 1.0], [0.833, 0.333, 0.4], [1.0, 0.4, 0.4]]
    """
    time, unit = period, region
    one_of(model, ("sbm", "ccr", "bcc"), "model")
    one_of(frontier, ("contemporaneous", "pooled"), "frontier")
    if not isinstance(group, str):
        raise InputError(f"`group` must be one column name; {group!r} was given.")
    require_columns(df, [group] + ([time] if time else []), "DEA table")
    labels = unit_labels(df, unit)
    miss = df[group].isna().to_numpy()
    if miss.any():
        raise DEAInputError(f"Group column {group!r} is missing for units {format_rows(labels[miss])}.")
    if groups is not None:
        unknown = ~df[group].isin(list(groups)).to_numpy()
        if unknown.any():
            vals = sorted(set(map(str, df.loc[unknown, group])))
            raise DEAInputError(
                f"Units {format_rows(labels[unknown])} have group values {', '.join(map(repr, vals))} "
                f"in column {group!r}, which are not among the expected groups "
                f"{', '.join(map(repr, groups))}.")
    if model != "sbm" and (undesirable or direction is not None):
        raise InputError(f"Undesirable outputs and directions need model='sbm'; model={model!r} "
                         f"was given.")
    if model == "sbm" and direction is not None and kwargs.get("ddf_efficiency", "1/(1+beta)") != "1/(1+beta)":
        raise InputError("The TGR needs efficiencies in (0, 1]; use ddf_efficiency='1/(1+beta)' "
                         "with the SBM-DDF.")
    per_time = [time] if (time is not None and frontier == "contemporaneous") else []
    if time is not None:
        miss = df[time].isna().to_numpy()
        if miss.any():
            raise DEAInputError(f"Time column {time!r} is missing for units {format_rows(labels[miss])}.")

    def fit(by):
        if model == "sbm":
            return sbm(df, inputs=inputs, outputs=outputs, undesirable=undesirable, rts=rts,
                       direction=direction, by=by or None, region=unit, **kwargs)
        return dea(df, inputs=inputs, outputs=outputs, model=model, orientation=orientation,
                   by=by or None, region=unit, **kwargs)

    g_res = fit([group] + per_time)
    m_res = fit(per_time)
    f = pd.DataFrame(index=df.index)
    if unit is not None:
        f[unit] = df[unit].to_numpy()
    f[group] = df[group].to_numpy()
    if time is not None:
        f[time] = df[time].to_numpy()
    te_g = g_res.frame["efficiency"].to_numpy(dtype=float)
    te_m = m_res.frame["efficiency"].to_numpy(dtype=float)
    f["te_group"] = te_g
    f["te_meta"] = te_m
    # both frontiers solved to tolerance: a ratio a hair above 1 is 1
    ratio = te_m / te_g
    f["tgr"] = np.where((ratio > 1.0) & (ratio < 1.0 + 1e-8), 1.0, ratio)
    f["gap"] = 1.0 - f["tgr"]
    f["frontier_group"] = g_res.frame["frontier"].to_numpy()
    f["frontier_meta"] = m_res.frame["frontier"].to_numpy()
    label = frontier if time is not None else "single period"
    return MetafrontierResult(frame=f, group_result=g_res, meta_result=m_res, group=group,
                              time=time, frontier=label)
