"""Input checks shared by every subpackage.

Each check raises an error from :mod:`spatialhealth.errors` that names the
column and the offending rows, and never modifies the frame it is given.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

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
