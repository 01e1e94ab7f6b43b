"""Input checks shared by every subpackage.

Each check raises an error from :mod:`spatialhealth.errors` that names the
column and the offending rows, and never modifies the frame it is given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import ColumnError, InputError, InputTypeError, format_rows


def require_frame(df, name: str = "df") -> pd.DataFrame:
    """Raise unless ``df`` is a pandas DataFrame (GeoDataFrames included)."""
    if not isinstance(df, pd.DataFrame):
        raise InputTypeError(
            f"`{name}` must be a pandas DataFrame; {type(df).__name__} was given."
        )
    return df


def require_columns(df: pd.DataFrame, columns: Iterable[str], what: str = "table") -> None:
    """Raise :class:`ColumnError` listing every column of ``columns`` missing from ``df``.

    >>> import pandas as pd
    >>> require_columns(pd.DataFrame({"a": [1]}), ["a"])
    """
    require_frame(df)
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ColumnError(
            f"The {what} has no column {', '.join(repr(c) for c in missing)}; "
            f"its columns are {', '.join(repr(c) for c in df.columns)}."
        )


def numeric_column(
    df: pd.DataFrame,
    column: str,
    *,
    allow_nan: bool = False,
    min_value: float | None = None,
    strictly_positive: bool = False,
    what: str = "table",
) -> np.ndarray:
    """Return ``df[column]`` as float64, raising on non-numeric, missing or out-of-range rows.

    The error names the column and the row labels that failed.

    >>> import pandas as pd
    >>> numeric_column(pd.DataFrame({"x": [1, 2]}), "x")
    array([1., 2.])
    """
    require_columns(df, [column], what)
    raw = df[column]
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna() & raw.notna()
    if bad.any():
        examples = ", ".join(f"{i}: {raw[i]!r}" for i in raw.index[bad][:5])
        raise InputError(
            f"Column {column!r} must be numeric; rows {format_rows(raw.index[bad])} "
            f"are not ({examples})."
        )
    arr = values.to_numpy(dtype=float, na_value=np.nan)
    if not allow_nan and np.isnan(arr).any():
        raise InputError(
            f"Column {column!r} has missing values in rows "
            f"{format_rows(raw.index[np.isnan(arr)])}; drop or impute them first."
        )
    if not np.all(np.isfinite(arr[~np.isnan(arr)])):
        raise InputError(f"Column {column!r} has infinite values in rows "
                         f"{format_rows(raw.index[np.isinf(arr)])}.")
    if strictly_positive:
        low = arr <= 0
        if low.any():
            raise InputError(
                f"Column {column!r} must be strictly positive; rows "
                f"{format_rows(raw.index[low])} are not (values "
                f"{format_rows(arr[low])})."
            )
    if min_value is not None:
        low = arr < min_value
        if low.any():
            raise InputError(
                f"Column {column!r} must be >= {min_value}; rows "
                f"{format_rows(raw.index[low])} are not (values {format_rows(arr[low])})."
            )
    return arr


def unique_column(df: pd.DataFrame, column: str, what: str = "table") -> None:
    """Raise if ``column`` holds duplicate values (e.g. region codes)."""
    require_columns(df, [column], what)
    dup = df[column].duplicated(keep=False)
    if dup.any():
        raise InputError(
            f"Column {column!r} must be unique; values "
            f"{format_rows(sorted(set(map(str, df.loc[dup, column]))))} occur more than once "
            f"(rows {format_rows(df.index[dup])})."
        )


def one_of(value, allowed: Sequence, name: str):
    """Raise unless ``value`` is one of ``allowed``; return it."""
    if value not in allowed:
        raise InputError(
            f"`{name}` must be one of {', '.join(repr(a) for a in allowed)}; {value!r} was given."
        )
    return value


# ------------------------------------------------------------------ whole tables
_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
_SHOWN = 10


@dataclass(frozen=True)
class TableProblem:
    """One kind of problem in one column of a table, with every row it occurs in.

    ``rows`` are spreadsheet row numbers (the header is row 1, so the first data row is
    row 2, unless the table was read with rows skipped); ``values`` the offending cells.
    """

    column: str
    kind: str  # duplicate key, missing key, unmatched key, absent region, not numeric, missing, infinite, negative, zero
    rows: tuple
    values: tuple
    message: str

    def __str__(self) -> str:
        return self.message


def _as_list(cols) -> list:
    if cols is None:
        return []
    if isinstance(cols, str):
        return [cols]
    return list(cols)


def _cells(rows, values, limit=_SHOWN) -> str:
    shown = ", ".join(f"row {r}: {v!r}" for r, v in list(zip(rows, values))[:limit])
    return shown + (f" ... ({len(rows)} in all)" if len(rows) > limit else "")


def _parse_cells(raw: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(float values, mask of cells that are present but not numbers) of a column."""
    if pd.api.types.is_bool_dtype(raw):
        return raw.to_numpy(dtype=float), np.zeros(len(raw), dtype=bool)
    if pd.api.types.is_numeric_dtype(raw):
        return raw.to_numpy(dtype=float, na_value=np.nan), np.zeros(len(raw), dtype=bool)
    out = np.full(len(raw), np.nan)
    bad = np.zeros(len(raw), dtype=bool)
    for i, v in enumerate(raw.tolist()):
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            continue
        if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
            out[i] = float(v)
            continue
        text = str(v).strip()
        if _NUMBER.fullmatch(text) or text.lower() in ("inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"):
            out[i] = float(text)
        else:
            bad[i] = True
    return out, bad


def table_problems(
    df: pd.DataFrame,
    *,
    region: str | None = None,
    level: str | None = None,
    expected=None,
    numeric=None,
    allow_missing=None,
    nonnegative=None,
    positive=None,
    first_row: int | None = None,
    what: str = "table",
    period: str | None = None,
) -> list[TableProblem]:
    """Every problem of a table at once: keys, non-numeric cells, NaN/inf/negative/zero.

    Nothing is changed and nothing raises (except for arguments naming absent columns,
    which are reported as problems too); the caller decides (see :func:`validate_table`).

    Parameters
    ----------
    df : pandas.DataFrame
        The table as read (e.g. by :func:`spatialhealth.io.read_table`).
    region : str, optional
        Region key column: empty keys and duplicate keys (after matching names to codes
        when ``level`` is given, so 北京 and 北京市 are one region) are problems.
    level : {"province", "city", "county"}, optional
        Match the key column's names or codes to GB/T 2260 codes; unmatched keys are
        problems.
    expected : iterable or "all", optional
        Regions (codes or names) the table must hold; the absent ones are a problem.
        ``"all"`` with ``level="province"``: the 31 mainland provinces.
    numeric : iterable of str
        Columns that must hold numbers: every cell that is not a number (text such as
        ``n/a``, ``-``, ``1,000``) is listed with its row and value.
    allow_missing : bool or iterable of str
        Numeric columns in which empty cells are allowed (default: none).
    nonnegative, positive : iterable of str
        Numeric columns that must be >= 0 / > 0 (implied numeric). Infinite values are
        never allowed.
    first_row : int, optional
        Spreadsheet row of the first data row; default ``df.attrs["first_row"]`` as set
        by :func:`~spatialhealth.io.read_table`, else 2 (header in row 1).
    what : str
        How the table is named in messages (e.g. ``"[inputs.provinces]"``).
    period : str, optional
        Period column of a panel: each region once per period (duplicates are counted
        within each period; ``expected`` regions are looked for in any period).

    Returns
    -------
    list of TableProblem
        Empty when the table passes.

    Examples
    --------
    >>> df = pd.DataFrame({"省份": ["北京", "北京市", "天津"], "床位": ["12", "n/a", "-3"]})
    >>> for p in table_problems(df, region="省份", level="province", positive=["床位"]):
    ...     print(p)
    table, column '省份': 2 rows have the same region 110000 北京市 (row 2: '北京', row 3: '北京市')
    table, column '床位': 1 cell is not a number (row 3: 'n/a')
    table, column '床位': 1 value is not positive (row 4: -3.0)
    """
    require_frame(df)
    first = int(first_row if first_row is not None else df.attrs.get("first_row", 2))
    problems: list[TableProblem] = []

    def add(column, kind, rows, values, text):
        problems.append(TableProblem(str(column), kind, tuple(int(r) for r in rows), tuple(values),
                                     f"{what}, column {column!r}: {text}"))

    pos_rows = np.arange(len(df)) + first
    numeric_cols = list(dict.fromkeys(_as_list(numeric) + _as_list(nonnegative) + _as_list(positive)))
    wanted = ([region] if region is not None else []) + ([period] if period is not None else []) + numeric_cols
    absent = [c for c in wanted if c not in df.columns]
    for c in absent:
        problems.append(TableProblem(str(c), "absent column", (), (),
                                     f"{what}: no column {c!r}; its columns are "
                                     f"{', '.join(repr(x) for x in df.columns)}"))
    if region is not None and region in df.columns:
        periods = df[period].tolist() if period is not None and period in df.columns else None
        problems += _key_problems(df[region], region, level, expected, pos_rows, add, what, periods)
    if allow_missing is True:
        missing_ok = set(numeric_cols)
    else:
        missing_ok = set(_as_list(allow_missing or None))
    for col in numeric_cols:
        if col in absent:
            continue
        raw = df[col]
        if isinstance(raw, pd.DataFrame):
            add(col, "duplicate column", [], [], "the column name occurs more than once")
            continue
        values, bad = _parse_cells(raw)
        raw_list = raw.tolist()
        if bad.any():
            idx = np.flatnonzero(bad)
            add(col, "not numeric", pos_rows[idx], [raw_list[i] for i in idx],
                f"{len(idx)} cell{'s are' if len(idx) > 1 else ' is'} not a number "
                f"({_cells(pos_rows[idx], [raw_list[i] for i in idx])})")
        miss = np.isnan(values) & ~bad
        if miss.any() and col not in missing_ok:
            idx = np.flatnonzero(miss)
            add(col, "missing", pos_rows[idx], [None] * len(idx),
                f"{len(idx)} cell{'s are' if len(idx) > 1 else ' is'} empty (rows "
                f"{format_rows(pos_rows[idx])}); fill them, or allow missing values for this column")
        inf = np.isinf(values)
        if inf.any():
            idx = np.flatnonzero(inf)
            add(col, "infinite", pos_rows[idx], [raw_list[i] for i in idx],
                f"{len(idx)} value{'s are' if len(idx) > 1 else ' is'} infinite "
                f"({_cells(pos_rows[idx], [raw_list[i] for i in idx])})")
        finite = np.isfinite(values)
        if col in _as_list(positive):
            low = finite & (values <= 0)
            if low.any():
                idx = np.flatnonzero(low)
                add(col, "not positive", pos_rows[idx], values[idx].tolist(),
                    f"{len(idx)} value{'s are' if len(idx) > 1 else ' is'} not positive "
                    f"({_cells(pos_rows[idx], values[idx].tolist())})")
        elif col in _as_list(nonnegative):
            low = finite & (values < 0)
            if low.any():
                idx = np.flatnonzero(low)
                add(col, "negative", pos_rows[idx], values[idx].tolist(),
                    f"{len(idx)} value{'s are' if len(idx) > 1 else ' is'} negative "
                    f"({_cells(pos_rows[idx], values[idx].tolist())})")
    return problems


def _key_problems(keys: pd.Series, column, level, expected, pos_rows, add, what, periods=None):
    from . import regions

    raw = keys.tolist()
    empty = np.array([v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))
                      or (isinstance(v, str) and not v.strip()) for v in raw], dtype=bool)
    if empty.any():
        idx = np.flatnonzero(empty)
        add(column, "missing key", pos_rows[idx], [None] * len(idx),
            f"{len(idx)} row{'s have' if len(idx) > 1 else ' has'} no region key (rows "
            f"{format_rows(pos_rows[idx])})")
    display: dict = {}
    if level is not None:
        codes = regions.match_names(pd.Series(raw), level=level)
        unmatched = codes.isna().to_numpy() & ~empty
        if unmatched.any():
            idx = np.flatnonzero(unmatched)
            add(column, "unmatched key", pos_rows[idx], [raw[i] for i in idx],
                f"{len(idx)} key{'s match' if len(idx) > 1 else ' matches'} no {level} "
                f"({_cells(pos_rows[idx], [raw[i] for i in idx])})")
        norm = codes.tolist()
        display = regions._lookup(level)[1]
    else:
        norm = [None if e else (str(v).strip() if not isinstance(v, float) or not v.is_integer()
                                else str(int(v))) for v, e in zip(raw, empty)]
    groups: dict = {}
    for i, k in enumerate(norm):
        if k is not None:
            groups.setdefault(k if periods is None else (k, periods[i]), []).append(i)
    for key, idx in groups.items():
        if len(idx) > 1:
            k, when = (key, None) if periods is None else key
            name = f"{k} {display[k]}" if k in display else repr(k)
            add(column, "duplicate key", pos_rows[idx], [raw[i] for i in idx],
                f"{len(idx)} rows have the same region {name}{'' if when is None else f' in period {when}'} "
                f"({_cells(pos_rows[idx], [raw[i] for i in idx])})")
    if periods is not None:
        groups = {k: idx for (k, _), idx in groups.items()}
    if expected is not None:
        if isinstance(expected, str):
            if expected != "all" or level != "province":
                raise InputError("`expected` must be a list of regions, or 'all' with level='province'; "
                                 f"{expected!r} was given (level={level!r}).")
            expected = regions.provinces().code.tolist()
        exp = list(expected)
        if level is not None:
            exp = regions.match_names(pd.Series(exp), level=level).fillna(pd.Series(exp).astype(str)).tolist()
        absent = [e for e in exp if e not in groups]
        if absent:
            shown = ", ".join(f"{a} {display[a]}" if a in display else repr(a) for a in absent[:_SHOWN])
            more = f" ... ({len(absent)} in all)" if len(absent) > _SHOWN else ""
            add(column, "absent region", [], absent,
                f"{len(absent)} expected region{'s are' if len(absent) > 1 else ' is'} absent: "
                f"{shown}{more}")
    return []


def validate_table(df: pd.DataFrame, **kwargs) -> None:
    """Raise one :class:`InputError` listing every problem :func:`table_problems` finds.

    Takes the same keyword arguments as :func:`table_problems`.

    Examples
    --------
    >>> validate_table(pd.DataFrame({"code": ["110000"], "x": [1.0]}), region="code", numeric=["x"])
    >>> validate_table(pd.DataFrame({"code": ["110000", "110000"]}), region="code")
    Traceback (most recent call last):
    ...
    spatialhealth.errors.InputError: 1 problem in the table:
      table, column 'code': 2 rows have the same region '110000' (row 2: '110000', row 3: '110000')
    """
    problems = table_problems(df, **kwargs)
    if problems:
        what = kwargs.get("what", "table")
        where = "the table" if what == "table" else what
        raise InputError(f"{len(problems)} problem{'s' if len(problems) > 1 else ''} in {where}:\n"
                         + "\n".join(f"  {p}" for p in problems))
