"""Validation of a unit-period panel for difference-in-differences.

Everything the estimators need about the panel is checked and derived here,
once, with errors that name the units at fault:

* ``unit`` and ``time`` have no missing values and each (unit, time) pair occurs
  once; ``time`` is numeric with whole values (years, or any integer period code
  such as 201501).
* The treatment is *staggered and absorbing*: given as a 0/1 (or boolean)
  ``treatment`` column, it may switch on once and never off; given as a
  ``first_treated`` column (the period of adoption, constant within a unit; 0,
  missing or ``inf`` for never-treated units) it must name a period of the
  panel.
* Every treated unit has at least one untreated period in the panel (units
  treated from their first observed period on, "always treated", have no
  pre-period, so the design cannot use them; they raise an error naming them).
* Unbalanced panels are **allowed** (fixed-effects regressions and the placebo
  test are exact for them) but warned about with an
  :class:`UnbalancedPanelWarning` naming the units with missing periods;
  ``balance="raise"`` turns the warning into an error and ``balance="ignore"``
  silences it.

Periods are counted on the panel's own grid: the ``k``-th distinct value of
``time`` is period ``k``, so *relative time* (event time) is the number of panel
periods since adoption (``0`` = first treated period, ``-1`` = the period
before). For yearly panels this is simply ``year - adoption year``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._compat import external_stacklevel
from .._validate import require_columns, require_frame
from ..errors import InputError, InputTypeError, format_rows

__all__ = ["Panel", "prepare_panel", "UnbalancedPanelWarning"]


class UnbalancedPanelWarning(UserWarning):
    """Some units are not observed in every period of the panel."""


@dataclass(frozen=True)
class Panel:
    """A validated panel in internal, formula-safe column names.

    ``data`` has the columns ``y`` (outcome), ``u`` (unit code 0..n-1), ``t``
    (period index 0..T-1), ``time`` (original time value), ``g`` (adoption
    period index, -1 for never treated), ``d`` (0/1 treatment), ``rel`` (period
    minus adoption period, NaN for never treated), ``cl`` (cluster code) and
    ``x0, x1, ...`` (controls), one row per observation in the order of the
    input rows.
    """

    data: pd.DataFrame
    outcome: str
    unit: str
    time: str
    cluster: str
    controls: tuple[str, ...]
    units: pd.Index  # original unit labels, position = code in data["u"]
    times: np.ndarray  # sorted distinct time values, position = period index
    unit_g: np.ndarray  # adoption period index per unit code (-1 never treated)
    balanced: bool
    missing_periods: dict = field(default_factory=dict, repr=False)

    @property
    def control_names(self) -> list[str]:
        return [f"x{i}" for i in range(len(self.controls))]

    @property
    def n_units(self) -> int:
        return len(self.units)

    @property
    def n_periods(self) -> int:
        return len(self.times)

    @property
    def n_treated_units(self) -> int:
        return int((self.unit_g >= 0).sum())

    def cohorts(self) -> pd.DataFrame:
        """Units per adoption time (``first_treated``; never treated as NaN)."""
        g = pd.Series(self.unit_g)
        first = g.map(lambda k: self.times[k] if k >= 0 else np.nan)
        out = first.value_counts(dropna=False).rename_axis("first_treated").rename("n_units")
        out = out.reset_index().sort_values("first_treated", na_position="last")
        return out.reset_index(drop=True)

    def first_treated_time(self) -> pd.Series:
        """Adoption time of every observation (NaN for never-treated units)."""
        g = self.data["g"].to_numpy()
        vals = np.where(g >= 0, self.times[np.clip(g, 0, None)], np.nan)
        return pd.Series(vals, index=self.data.index, name="first_treated")


def _units_text(labels, limit: int = 10) -> str:
    return format_rows(sorted(map(str, pd.unique(np.asarray(labels, dtype=object)))), limit)


def prepare_panel(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    *,
    treatment: str | None = None,
    first_treated: str | None = None,
    cluster: str | None = None,
    controls=(),
    balance: str = "warn",
    require_treated: bool = True,
) -> Panel:
    """Check ``df`` as a staggered-adoption panel and return a :class:`Panel`.

    Exactly one of ``treatment`` (0/1 column) and ``first_treated`` (adoption
    time column) must be given. See the module docstring for the rules.
    """
    require_frame(df)
    if isinstance(controls, str):
        controls = (controls,)
    controls = tuple(controls)
    if (treatment is None) == (first_treated is None):
        raise InputError(
            "Give exactly one of `treatment` (a 0/1 column that switches on at adoption) and "
            f"`first_treated` (the adoption time of each unit); treatment={treatment!r} and "
            f"first_treated={first_treated!r} were given."
        )
    if balance not in ("warn", "raise", "ignore"):
        raise InputError(f"`balance` must be 'warn', 'raise' or 'ignore'; {balance!r} was given.")
    for name, col in (("outcome", outcome), ("unit", unit), ("time", time)):
        if col is None:
            raise InputError(f"`{name}` is required: give the name of the {name} column.")
        if not np.isscalar(col):
            raise InputTypeError(f"`{name}` must be a column name; {type(col).__name__} was given.")
    treat_col = treatment if treatment is not None else first_treated
    cols = [outcome, unit, time, treat_col, *controls] + ([cluster] if cluster else [])
    require_columns(df, list(dict.fromkeys(cols)), "panel")

    # unit and time: no gaps in the keys themselves
    for col in (unit, time) + ((cluster,) if cluster else ()):
        bad = df[col].isna()
        if bad.any():
            raise InputError(
                f"Column {col!r} has missing values in rows {format_rows(df.index[bad])}; "
                "every observation needs a unit, a time and a cluster."
            )
    time_num = pd.to_numeric(df[time], errors="coerce")
    if time_num.isna().any() or not np.all(np.isfinite(time_num)):
        bad = time_num.isna() | ~np.isfinite(time_num)
        raise InputError(
            f"Column {time!r} must be numeric periods such as years; rows "
            f"{format_rows(df.index[bad])} are not (e.g. {df[time][bad].iloc[0]!r})."
        )
    time_arr = time_num.to_numpy(dtype=float)
    if np.any(time_arr != np.round(time_arr)):
        bad = time_arr != np.round(time_arr)
        raise InputError(
            f"Column {time!r} must hold whole periods (e.g. 2015); rows "
            f"{format_rows(df.index[bad])} do not (e.g. {time_arr[bad][0]!r})."
        )
    dup = pd.DataFrame({"u": df[unit].to_numpy(), "t": time_arr}).duplicated(keep=False).to_numpy()
    if dup.any():
        raise InputError(
            f"Each unit must appear once per period; units {_units_text(df[unit][dup])} "
            f"have repeated {time!r} values (rows {format_rows(df.index[dup])})."
        )

    # numeric columns: text, missing and infinite values, every problem of every column at once
    numeric, problems = {}, []
    for col in dict.fromkeys([outcome, *controls]):
        values = pd.to_numeric(df[col], errors="coerce")
        arr = values.to_numpy(dtype=float, na_value=np.nan)
        notnum = (values.isna() & df[col].notna()).to_numpy()
        miss = np.isnan(arr) & ~notnum
        inf = np.isinf(arr)
        for mask, what in ((notnum, "text where a number is needed"), (miss, "missing values"),
                           (inf, "infinite values")):
            if mask.any():
                problems.append(f"Column {col!r} has {what} for unit (time) "
                                f"{_where(df, unit, time_arr, mask, col)}")
        numeric[col] = arr
    if problems:
        raise InputError(
            "The panel has values the regression cannot use (drop or impute them before "
            "estimating; rows are numbered as a spreadsheet shows them, header = row 1):\n- "
            + "\n- ".join(problems))

    units, ucode = np.unique(df[unit].to_numpy(), return_inverse=True) if _sortable(df[unit]) else _factorize(df[unit])
    units = pd.Index(units, name=unit)
    times, tcode = np.unique(time_arr, return_inverse=True)
    n_units, n_periods = len(units), len(times)
    ucode = np.asarray(ucode).ravel()
    tcode = np.asarray(tcode).ravel()

    # treatment -> adoption period of each unit
    if treatment is not None:
        unit_g = _adoption_from_dummy(df, treatment, unit, ucode, tcode, time_arr, units, n_units)
    else:
        unit_g = _adoption_from_dates(df, first_treated, unit, ucode, times, units, n_units)

    # every treated unit needs an untreated period
    first_obs = np.full(n_units, n_periods, dtype=np.int64)
    np.minimum.at(first_obs, ucode, tcode)
    always = (unit_g >= 0) & (unit_g <= first_obs)
    if always.any():
        lab = units[always]
        raise InputError(
            f"Units {_units_text(lab)} are treated from their first observed period on "
            "(always treated), so the panel has no pre-treatment period for them; drop them "
            "(the comparison cannot use them) or extend the panel backwards."
        )
    if require_treated:
        if not (unit_g >= 0).any():
            raise InputError(f"No unit is ever treated in column {treat_col!r}; there is nothing to estimate.")

    # balance
    counts = np.bincount(ucode, minlength=n_units)
    balanced = bool(np.all(counts == n_periods))
    missing_periods = {}
    if not balanced:
        present = np.zeros((n_units, n_periods), dtype=bool)
        present[ucode, tcode] = True
        for i in np.flatnonzero(counts < n_periods):
            missing_periods[units[i]] = [_as_time(v) for v in times[~present[i]]]
        desc = "; ".join(
            f"{u}: {format_rows(v, 4)}" for u, v in list(missing_periods.items())[:8]
        ) + (f" ... ({len(missing_periods)} units in all)" if len(missing_periods) > 8 else "")
        msg = (f"The panel is unbalanced: {len(missing_periods)} of {n_units} units miss periods "
               f"({desc}).")
        if balance == "raise":
            raise InputError(msg + " Pass balance='warn' to estimate on the unbalanced panel.")
        if balance == "warn":
            warnings.warn(msg + " Estimation uses the observed rows (fixed effects are exact "
                          "for unbalanced panels).", UnbalancedPanelWarning, stacklevel=external_stacklevel())

    g_obs = unit_g[ucode]
    rel = np.where(g_obs >= 0, tcode - g_obs, np.nan)
    data = pd.DataFrame(
        {
            "y": numeric[outcome],
            "u": ucode.astype(np.int64),
            "t": tcode.astype(np.int64),
            "time": time_arr,
            "g": g_obs.astype(np.int64),
            "d": ((g_obs >= 0) & (tcode >= g_obs)).astype(np.float64),
            "rel": rel,
        },
        index=df.index,
    )
    if cluster is None or cluster == unit:
        data["cl"] = data["u"]
        cluster_name = unit
    else:
        data["cl"] = pd.factorize(df[cluster])[0]
        cluster_name = cluster
    for i, c in enumerate(controls):
        data[f"x{i}"] = numeric[c]
    return Panel(
        data=data, outcome=outcome, unit=unit, time=time, cluster=cluster_name,
        controls=controls, units=units, times=times, unit_g=unit_g, balanced=balanced,
        missing_periods=missing_periods,
    )


def _where(df, unit, time_arr, mask, col, limit: int = 10) -> str:
    """``U03 (2016) in spreadsheet row 12: 'n/a'``-style list of the rows in ``mask``."""
    pos = np.flatnonzero(mask)
    items = []
    for i in pos[:limit]:
        items.append(f"{df[unit].iloc[i]} ({_as_time(time_arr[i])}) in spreadsheet row {i + 2}: "
                     f"{df[col].iloc[i]!r}")
    more = f" ... ({len(pos)} rows in all)" if len(pos) > limit else ""
    return "; ".join(items) + more


def require_estimable(panel: Panel, what: str = "The TWFE regression", *, timing: bool = True) -> None:
    """Raise before pyfixest is called when the panel cannot identify the effect.

    * at least 2 units and 2 periods (pyfixest aborts the interpreter on a
      one-unit panel);
    * some variation in adoption timing: with no never-treated unit and one
      adoption date, the treatment dummy is a function of the period alone and is
      collinear with the period effects.
    """
    if panel.n_units < 2:
        raise InputError(
            f"{what} needs at least 2 units (one treated, one to compare with); the panel has "
            f"{panel.n_units}: {_units_text(panel.units)}.")
    if panel.n_periods < 2:
        raise InputError(
            f"{what} needs at least 2 periods (before and after adoption); the panel has "
            f"{panel.n_periods}: {format_rows([_as_time(t) for t in panel.times])}.")
    cohorts = np.unique(panel.unit_g)
    if timing and len(cohorts) == 1 and cohorts[0] >= 0:
        raise InputError(
            f"Every unit adopts the treatment in {_as_time(panel.times[cohorts[0]])} and no unit "
            "stays untreated, so the treatment is collinear with the period effects and its "
            f"effect is not identified. {what} needs never-treated units or units adopting at "
            "different times.")


def _as_time(v):
    return int(v) if float(v).is_integer() else v


def _sortable(s: pd.Series) -> bool:
    try:
        np.unique(s.to_numpy())
        return True
    except TypeError:
        return False


def _factorize(s: pd.Series):
    codes, uniques = pd.factorize(s)
    return np.asarray(uniques, dtype=object), codes


def _adoption_from_dummy(df, treatment, unit, ucode, tcode, time_arr, units, n_units):
    raw = df[treatment]
    if raw.dtype == bool:
        d = raw.to_numpy(dtype=float)
    else:
        d = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    miss = np.isnan(d) & raw.isna().to_numpy()
    if miss.any():
        pairs = [f"{u} ({int(t)})" for u, t in zip(df[unit][miss], time_arr[miss])]
        raise InputError(
            f"Treatment column {treatment!r} has missing values for unit (time) {format_rows(pairs)}."
        )
    bad = ~np.isin(d, (0.0, 1.0))
    if bad.any():
        vals = format_rows(sorted(set(map(str, raw[bad]))), 6)
        raise InputError(
            f"Treatment column {treatment!r} must be binary (0/1 or True/False); units "
            f"{_units_text(df[unit][bad])} have other values ({vals}). For a continuous "
            "intensity use it as a control or dichotomise it first."
        )
    order = np.lexsort((tcode, ucode))
    du, dd = ucode[order], d[order]
    same = du[1:] == du[:-1]
    off = same & (dd[1:] < dd[:-1])
    if off.any():
        idx = order[1:][off]
        pairs = [f"{units[ucode[i]]} (in {_as_time(time_arr[i])})" for i in idx]
        raise InputError(
            f"Treatment {treatment!r} switches off for units {format_rows(pairs)}; staggered "
            "difference-in-differences needs an absorbing treatment (once 1, always 1). Recode "
            "the treatment or drop these units."
        )
    unit_g = np.full(n_units, np.iinfo(np.int64).max, dtype=np.int64)
    treated = d == 1
    np.minimum.at(unit_g, ucode[treated], tcode[treated])
    unit_g[unit_g == np.iinfo(np.int64).max] = -1
    return unit_g


def _adoption_from_dates(df, first_treated, unit, ucode, times, units, n_units):
    raw = pd.to_numeric(df[first_treated], errors="coerce")
    notnum = raw.isna() & df[first_treated].notna()
    if notnum.any():
        raise InputError(
            f"Column {first_treated!r} must hold adoption periods (numbers such as 2015; 0 or "
            f"missing for never treated); units {_units_text(df[unit][notnum])} have "
            f"{format_rows(sorted(set(map(str, df[first_treated][notnum]))), 5)}."
        )
    g = raw.to_numpy(dtype=float, na_value=np.nan)
    never = np.isnan(g) | (g == 0) | np.isinf(g)
    gv = np.where(never, -1.0, g)
    per_unit = pd.Series(gv).groupby(ucode).nunique()
    varying = per_unit.index[per_unit.to_numpy() > 1]
    if len(varying):
        raise InputError(
            f"Column {first_treated!r} must be constant within a unit (one adoption period per "
            f"unit); units {_units_text(units[varying])} have several values."
        )
    unit_val = np.full(n_units, -1.0)
    unit_val[ucode] = gv
    treated = unit_val != -1
    before = treated & (unit_val < times[0])
    after = treated & (unit_val > times[-1])
    off_grid = treated & ~before & ~after & ~np.isin(unit_val, times)
    if before.any():
        raise InputError(
            f"Units {_units_text(units[before])} were treated before the panel starts "
            f"({_as_time(times[0])}): adoption dates {format_rows(sorted(set(unit_val[before])), 5)}. "
            "They have no pre-treatment period; drop them or extend the panel."
        )
    if after.any():
        raise InputError(
            f"Units {_units_text(units[after])} have adoption dates after the panel ends "
            f"({_as_time(times[-1])}): {format_rows(sorted(set(unit_val[after])), 5)}. Within "
            "the panel they are never treated; code them as 0 (never treated)."
        )
    if off_grid.any():
        raise InputError(
            f"Units {_units_text(units[off_grid])} have adoption dates "
            f"{format_rows(sorted(set(unit_val[off_grid])), 5)} that are not periods of the "
            f"panel ({format_rows([_as_time(t) for t in times], 6)})."
        )
    unit_g = np.full(n_units, -1, dtype=np.int64)
    unit_g[treated] = np.searchsorted(times, unit_val[treated])
    return unit_g


def require_untreated_each_period(panel: Panel, what: str = "did2s") -> None:
    """Raise unless every period has an untreated observation (two-stage estimators need it).

    The first stage estimates the time effects from untreated observations, so a
    period in which every observed unit is already treated has no estimable time
    effect (typical without never-treated units once the last cohort adopts).
    """
    d = panel.data
    untreated = np.bincount(d["t"].to_numpy()[d["d"].to_numpy() == 0], minlength=panel.n_periods)
    bad = np.flatnonzero(untreated == 0)
    if bad.size:
        raise InputError(
            f"{what} estimates the time effects from untreated observations, but in "
            f"{format_rows([_as_time(panel.times[k]) for k in bad])} every unit is treated. "
            "Drop these periods (e.g. keep the years before the last cohort adopts) or add "
            "never-treated units."
        )
