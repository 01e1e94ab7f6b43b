"""Pieces shared by the equity measures: result base, grouping, row labels."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .._results import Result as _BaseResult
from .._validate import numeric_column, require_columns
from ..errors import ColumnError, InputError, InputTypeError, RegionError, format_rows

#: Region schemes understood by name when the table has a ``code`` column.
SCHEMES = ("region3", "region4", "zone6")


class Result(_BaseResult):
    """Base of every equity result: :class:`spatialhealth._results.Result` plus panel hooks.

    ``_panel_row`` gives the headline numbers of one period for
    :class:`~spatialhealth.equity.PanelResult`, ``_detail_frame`` its most detailed table.
    """

    _panel_main = "value"

    def _panel_row(self) -> dict:
        return {self._panel_main: getattr(self, self._panel_main)}

    def _detail_frame(self) -> pd.DataFrame:
        """The most detailed tidy table (stacked over periods by ``PanelResult.detail``)."""
        return self.frame


def title_block(title: str, lines: list[tuple[str, object]]) -> str:
    """A small aligned ``key: value`` block under an underlined title."""
    width = max((len(k) for k, _ in lines), default=0)
    out = [title, "=" * len(title)]
    for key, value in lines:
        if isinstance(value, float):
            value = f"{value:.6g}"
        out.append(f"{key.ljust(width)} : {value}")
    return "\n".join(out)


def row_names(df: pd.DataFrame) -> pd.Series:
    """Readable row labels: ``name_en``/``name``/``code`` column if present, else the index."""
    for col in NAME_COLUMNS:
        if col in df.columns:
            return df[col].astype(str)
    return pd.Series(df.index.astype(str), index=df.index)


NAME_COLUMNS = ("name_en", "name", "name_zh", "code", "region", "province")


def numeric(df: pd.DataFrame, column: str, *, min_value: float | None = None,
            positive: bool = False, what: str = "table") -> np.ndarray:
    """:func:`spatialhealth._validate.numeric_column`, with region names added to the error.

    The shared check names the row labels; when the table also has a name or code
    column (``name_en``, ``code``...), the offending regions are named too.
    """
    try:
        arr = numeric_column(df, column, min_value=min_value, what=what)
    except ColumnError:
        raise
    except InputError as exc:
        raise type(exc)(str(exc) + _named(df, column, min_value)) from None
    if positive:
        zero = arr <= 0
        if zero.any():
            raise InputError(
                f"Column {column!r} must be > 0; rows {format_rows(df.index[zero])} are not "
                f"(values {format_rows(arr[zero])})." + _named_mask(df, zero))
    return arr


def _named(df: pd.DataFrame, column: str, min_value) -> str:
    values = pd.to_numeric(df[column], errors="coerce")
    bad = values.isna().to_numpy().copy()
    if min_value is not None:
        bad = bad | (values < min_value).fillna(False).to_numpy(dtype=bool)
    return _named_mask(df, bad)


def _named_mask(df: pd.DataFrame, mask: np.ndarray) -> str:
    col = next((c for c in NAME_COLUMNS if c in df.columns), None)
    if col is None or not mask.any():
        return ""
    return f" In column {col!r} these are: {format_rows(df.loc[mask, col].astype(str))}."


def numeric_columns(df: pd.DataFrame, specs, what: str = "table") -> list[np.ndarray]:
    """Several :func:`numeric` checks whose problems are reported together.

    ``specs`` is a list of ``(column, kwargs)``; every column is checked and one
    :class:`InputError` lists every problem of every column (text, missing,
    infinite, out-of-range values with their rows and region names).
    """
    require_columns(df, [c for c, _ in specs], what)
    arrays, problems = [], []
    for column, kwargs in specs:
        found = _column_problems(df, column, kwargs)
        if found:
            problems.extend(found)
            arrays.append(None)
            continue
        try:
            arrays.append(numeric(df, column, what=what, **kwargs))
        except ColumnError:
            raise
        except InputError as exc:
            problems.append(str(exc))
            arrays.append(None)
    if problems:
        if len(problems) == 1:
            raise InputError(problems[0])
        raise InputError(f"The {what} has {len(problems)} problems:\n- " + "\n- ".join(problems))
    return arrays


def _column_problems(df, column, kwargs) -> list[str]:
    """Every problem of ``column``: text, missing, infinite and out-of-range values."""
    raw = df[column]
    values = pd.to_numeric(raw, errors="coerce")
    text = (values.isna() & raw.notna()).to_numpy()
    arr = values.to_numpy(dtype=float, na_value=np.nan)
    out = []
    checks = [(text, "must be numeric"), (np.isnan(arr) & ~text, "has missing values"),
              (np.isinf(arr), "has infinite values")]
    if kwargs.get("min_value") is not None:
        checks.append(((arr < kwargs["min_value"]), f"must be >= {kwargs['min_value']:g}"))
    for mask, what in checks:
        if mask.any():
            vals = format_rows([repr(v) for v in raw[mask]], 5)
            out.append(f"Column {column!r} {what}; rows {format_rows(df.index[mask])} "
                       f"({vals}).{_named_mask(df, mask)}")
    return out


def numeric_matrix(df: pd.DataFrame, columns, what: str = "table") -> np.ndarray:
    """Columns as a float matrix (n, m), each checked: numeric, no missing values.

    Every problem of every column is reported at once.
    """
    columns = list(columns)
    if not columns:
        raise InputError("At least one indicator column is needed; none was given.")
    return np.column_stack(numeric_columns(df, [(c, {}) for c in columns], what))


def as_column_list(columns, name: str = "columns") -> list[str]:
    if isinstance(columns, str):
        return [columns]
    try:
        return list(columns)
    except TypeError:
        raise InputTypeError(
            f"`{name}` must be a column name or a list of column names; {columns!r} was given."
        ) from None


def resolve_groups(df: pd.DataFrame, group, *, key: str | None = None, min_groups: int = 2) -> pd.Series:
    """Return the group label of every row of ``df`` as a Series aligned with ``df``.

    ``group`` may be

    * the name of a column of ``df``;
    * a region scheme name (``"region3"``, ``"region4"``, ``"zone6"``) when ``df``
      has no such column but has a ``code`` column (looked up with
      :func:`spatialhealth.regions.region_of`);
    * a pandas Series aligned with ``df`` (its index holds every row label of
      ``df``), e.g. the output of ``region_of(df["code"])``;
    * a mapping (dict or Series) from region key to group; the key is the
      ``key`` column (default ``code`` if present, else the index).

    Rows whose key the mapping does not know raise :class:`RegionError` naming them;
    fewer than ``min_groups`` groups raise :class:`InputError`.
    """
    if isinstance(group, str):
        if group in df.columns:
            labels = df[group]
        elif group in SCHEMES and "code" in df.columns:
            from .. import regions

            labels = pd.Series(
                np.asarray(regions.region_of(df["code"], scheme=group)), index=df.index
            )
        else:
            raise InputError(
                f"`group` {group!r} is neither a column of the table (columns: "
                f"{', '.join(map(repr, df.columns))}) nor a region scheme "
                f"({', '.join(SCHEMES)}) usable with a 'code' column."
            )
        name = group
    elif isinstance(group, pd.Series) and group.index.is_unique and df.index.isin(group.index).all():
        # aligned with the table (or with a larger table it was cut from, e.g. one year of a panel)
        labels, name = group.reindex(df.index), group.name or "group"
    elif isinstance(group, (Mapping, pd.Series)):
        mapping = dict(group.items())
        if key is None:
            key = "code" if "code" in df.columns else None
        keys = df[key] if key is not None else pd.Series(df.index, index=df.index)
        def lookup(k):
            for cand in (k, str(k)):
                if cand in mapping:
                    return mapping[cand]
            text = str(k)
            if len(text) == 6 and text.isdigit():  # a province-keyed mapping serves cities/counties
                return mapping.get(text[:2] + "0000")
            return None

        labels = keys.map(lookup)
        unknown = labels.isna()
        if unknown.any():
            raise RegionError(
                f"The grouping does not know {'column ' + repr(key) if key else 'index'} "
                f"values {format_rows(keys[unknown].astype(str))} (rows "
                f"{format_rows(df.index[unknown])}); it covers "
                f"{format_rows(sorted(map(str, mapping)))}."
            )
        name = getattr(group, "name", None) or "group"
    else:
        raise InputTypeError(
            "`group` must be a column name, a region scheme name, a Series aligned with the "
            f"table or a mapping from region code to group; {type(group).__name__} was given."
        )
    missing = labels.isna()
    if missing.any():
        raise InputError(
            f"The group {name!r} is missing in rows {format_rows(df.index[missing])}."
        )
    labels = pd.Series(np.asarray(labels), index=df.index, name=str(name))
    n_groups = labels.nunique()
    if n_groups < min_groups:
        raise InputError(
            f"The grouping {name!r} has {n_groups} group(s) "
            f"({format_rows(labels.unique())}); at least {min_groups} are needed."
        )
    return labels


def need_rows(n: int, minimum: int, what: str) -> None:
    if n < minimum:
        raise InputError(f"{what} needs at least {minimum} rows; {n} were given.")
