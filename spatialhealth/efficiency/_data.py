"""Validation of DEA input tables and the unit/frontier bookkeeping shared by the models."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._compat import external_stacklevel
from .._validate import require_columns, require_frame
from ..errors import InputError, InputTypeError, format_rows


class DEAInputError(InputError):
    """A DEA table has values the chosen model cannot use (names the units)."""


def as_names(cols, what: str) -> list[str]:
    """Accept one column name or a sequence of names."""
    if cols is None:
        return []
    if isinstance(cols, str):
        return [cols]
    try:
        names = list(cols)
    except TypeError:
        raise InputTypeError(f"`{what}` must be a column name or a list of column names; "
                             f"{type(cols).__name__} was given.") from None
    for c in names:
        if not isinstance(c, str):
            raise InputTypeError(f"`{what}` must hold column names (str); {c!r} was given.")
    return names


@dataclass
class DEAData:
    """Validated DEA data, each column divided by its mean (DEA scores do not depend on units)."""

    X: np.ndarray  # (n, m) inputs
    Yg: np.ndarray  # (n, s1) desirable outputs
    Yb: np.ndarray  # (n, s2) undesirable outputs
    sx: np.ndarray  # (m,) scale of each input (its mean)
    sg: np.ndarray
    sb: np.ndarray
    inputs: list
    outputs: list
    undesirable: list
    labels: np.ndarray  # unit label per row (for messages and peers)
    index: pd.Index

    @property
    def n(self) -> int:
        return self.X.shape[0]


def unit_labels(df: pd.DataFrame, unit) -> np.ndarray:
    if unit is None:
        return np.array([str(i) for i in df.index], dtype=object)
    require_columns(df, [unit], "DEA table")
    return df[unit].astype(str).to_numpy(dtype=object)


def _column(df, col, labels, what):
    """``(values, problems)``: the column as floats and every problem found in it."""
    raw = df[col]
    vals = pd.to_numeric(raw, errors="coerce")
    bad = (vals.isna() & raw.notna()).to_numpy()
    problems = []
    if bad.any():
        problems.append(f"{what} column {col!r} must be numeric; units "
                        f"{format_rows(labels[bad])} hold "
                        f"{format_rows(raw[bad].astype(str).tolist(), 5)}.")
    arr = vals.to_numpy(dtype=float, na_value=np.nan)
    miss = np.isnan(arr) & ~bad
    if miss.any():
        problems.append(f"{what} column {col!r} has missing values for units "
                        f"{format_rows(labels[miss])}; DEA needs complete data "
                        f"(drop or impute those rows first).")
    if np.isinf(arr).any():
        problems.append(f"{what} column {col!r} has infinite values for units "
                        f"{format_rows(labels[np.isinf(arr)])}.")
    with np.errstate(invalid="ignore"):
        neg = arr < 0
    if neg.any():
        problems.append(f"{what} column {col!r} must be non-negative; units "
                        f"{format_rows(labels[neg])} have "
                        f"{format_rows(arr[neg].tolist(), 5)}.")
    return arr, problems


def _raise_all(problems: list[str]) -> None:
    if len(problems) == 1:
        raise DEAInputError(problems[0])
    if problems:
        raise DEAInputError(f"The DEA table has {len(problems)} problems:\n- " + "\n- ".join(problems))


def prepare(df, inputs, outputs, undesirable=(), *, unit=None, model: str,
            positive_inputs: bool = False, positive_outputs: bool = False) -> DEAData:
    """Validate the columns and return scaled arrays.

    Always: numeric, no missing, no negative values; every unit has some
    positive input and some positive desirable output. ``positive_inputs`` /
    ``positive_outputs``: the model divides by them (SBM), so zeros are refused too.
    """
    require_frame(df)
    ins, outs, bads = (as_names(inputs, "inputs"), as_names(outputs, "outputs"),
                       as_names(undesirable, "undesirable"))
    if not ins:
        raise InputError("`inputs` must name at least one input column; none was given.")
    if not outs:
        raise InputError("`outputs` must name at least one desirable output column; none was given.")
    allcols = ins + outs + bads
    dup = sorted({c for c in allcols if allcols.count(c) > 1})
    if dup:
        raise InputError(f"Columns {', '.join(map(repr, dup))} are given more than once among "
                         f"inputs, outputs and undesirable outputs; each column must play one role.")
    require_columns(df, allcols, "DEA table")
    labels = unit_labels(df, unit)
    if len(df) < 2:
        raise DEAInputError(f"DEA needs at least 2 units to build a frontier; {len(df)} was given "
                            f"({format_rows(labels)}).")

    checked, problems = {}, []
    for cols, what in ((ins, "Input"), (outs, "Output"), (bads, "Undesirable output")):
        for c in cols:
            checked[c], found = _column(df, c, labels, what)
            problems.extend(found)
    _raise_all(problems)

    def block(cols, what, positive):
        if not cols:
            return np.zeros((len(df), 0)), np.zeros(0)
        A = np.column_stack([checked[c] for c in cols])
        if positive:
            for j, c in enumerate(cols):
                z = A[:, j] == 0
                if z.any():
                    raise DEAInputError(
                        f"The {model} model divides by each {what.lower()}, so {what.lower()} "
                        f"column {c!r} must be strictly positive; units {format_rows(labels[z])} "
                        f"have 0. Drop the column or those units, or use a radial model.")
        scale = A.mean(axis=0)
        scale[scale == 0] = 1.0
        return A / scale, scale

    X, sx = block(ins, "Input", positive_inputs)
    Yg, sg = block(outs, "Output", positive_outputs)
    Yb, sb = block(bads, "Undesirable output", positive_outputs)
    no_in = ~(X > 0).any(axis=1)
    if no_in.any():
        raise DEAInputError(f"Units {format_rows(labels[no_in])} have all inputs equal to 0; "
                            f"DEA cannot rate a unit that uses nothing.")
    no_out = ~(Yg > 0).any(axis=1)
    if no_out.any():
        raise DEAInputError(f"Units {format_rows(labels[no_out])} have all desirable outputs "
                            f"({', '.join(outs)}) equal to 0; their efficiency is undefined. "
                            f"Drop them or check the data.")
    return DEAData(X, Yg, Yb, sx, sg, sb, ins, outs, bads, labels, df.index)


def frontier_sets(df: pd.DataFrame, by, labels: np.ndarray, what: str = "frontier"):
    """Split rows into frontiers by the columns ``by``: list of (key, positions).

    ``by=None`` gives one frontier of every row. A frontier needs >= 2 units.
    """
    cols = as_names(by, "by")
    if not cols:
        return [((), np.arange(len(df)))]
    require_columns(df, cols, "DEA table")
    keys = df[cols]
    miss = keys.isna().any(axis=1).to_numpy()
    if miss.any():
        raise DEAInputError(f"Column(s) {', '.join(map(repr, cols))} defining the {what}s are "
                            f"missing for units {format_rows(labels[miss])}.")
    codes = keys.astype(str).agg("\x1f".join, axis=1).to_numpy() if len(cols) > 1 else keys.iloc[:, 0].to_numpy()
    sets = []
    for key in pd.unique(codes):
        pos = np.flatnonzero(codes == key)
        row = keys.iloc[pos[0]]
        sets.append((tuple(row.tolist()), pos))
    small = [(k, p) for k, p in sets if len(p) < 2]
    if small:
        desc = "; ".join(f"{'/'.join(map(str, k))}: {format_rows(labels[p])}" for k, p in small)
        raise DEAInputError(f"Each {what} needs at least 2 units; these have one: {desc}.")
    return sets


def warn_small_frontiers(sets, n_vars, what: str = "frontier") -> list[str]:
    """Notes on frontiers with few units; warn when a frontier has fewer units than variables.

    ``n_vars`` is ``(m*s, m+s)``. Cooper's rule of thumb asks for
    ``n >= max(m*s, 3(m+s))`` units; below ``m+s`` most units score 1.
    """
    m_s, total = n_vars
    need = max(m_s, 3 * total)
    small = [(k, len(p)) for k, p in sets if len(p) < need]
    notes = []
    if small:
        desc = ", ".join(f"{'/'.join(map(str, k)) or 'all'} ({c})" for k, c in small[:12])
        more = f" and {len(small) - 12} more" if len(small) > 12 else ""
        notes.append(f"{len(small)} {what}(s) have fewer units than the rule of thumb "
                     f"max(m*s, 3(m+s)) = {need}: {desc}{more}.")
        if any(c < total for _, c in small):
            warnings.warn(f"Some {what}s have fewer units than inputs + outputs ({total}), so "
                          f"most of their units will score 1. " + notes[-1], UserWarning,
                          stacklevel=external_stacklevel())
    return notes


def snap_one(a, tol: float = 1e-8) -> np.ndarray:
    """Scores within solver tolerance of 1 are 1 (an LP optimum of 1 + 1e-14 is 1)."""
    a = np.asarray(a, dtype=float).copy()
    a[np.abs(a - 1.0) <= tol] = 1.0
    return a


def peers_text(lam: np.ndarray, ref_labels: np.ndarray, tol: float = 1e-7) -> list[str]:
    """'A (0.500), B (0.250)' for each row of intensity weights."""
    out = []
    for row in lam:
        if not np.all(np.isfinite(row)):
            out.append("")
            continue
        j = np.flatnonzero(row > tol)
        j = j[np.argsort(-row[j])]
        out.append(", ".join(f"{ref_labels[i]} ({row[i]:.3f})" for i in j))
    return out
