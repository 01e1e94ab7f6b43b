"""Range (min–max) standardisation of positive and negative indicators."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._compat import positional_deprecated
from .._validate import require_frame
from ..errors import InputError
from ._common import as_column_list, numeric_matrix


def _check_negative(columns: list[str], negative) -> list[str]:
    negative = as_column_list(negative, "negative") if negative is not None else []
    unknown = [c for c in negative if c not in columns]
    if unknown:
        raise InputError(
            f"`negative` names {', '.join(map(repr, unknown))}, which are not among the "
            f"indicator columns {', '.join(map(repr, columns))}."
        )
    return negative


def range_standardise(matrix: np.ndarray, negative_mask: np.ndarray, columns=None) -> np.ndarray:
    """Min–max scale each column of ``matrix`` to [0, 1] (array version).

    Positive indicators: ``(x - min) / (max - min)``; negative indicators (smaller
    is better): ``(max - x) / (max - min)``. A constant column has no range and
    raises :class:`InputError` naming it.

    Parameters
    ----------
    matrix : numpy.ndarray
        Rows by indicator columns.
    negative_mask : numpy.ndarray
        Bool per column: smaller is better.
    columns : sequence of str, optional
        Column names, for the error message.

    Returns
    -------
    numpy.ndarray
        Values in [0, 1], same shape as ``matrix``.

    Examples
    --------
    >>> range_standardise(np.array([[1.0, 5], [3, 5], [2, 1]]), np.array([False, True])).tolist()
    [[0.0, 0.0], [1.0, 0.0], [0.5, 1.0]]
    """
    lo = matrix.min(axis=0)
    hi = matrix.max(axis=0)
    span = hi - lo
    flat = span == 0
    if flat.any():
        names = [columns[j] if columns is not None else str(j) for j in np.flatnonzero(flat)]
        raise InputError(
            f"Indicator(s) {', '.join(map(repr, names))} take one value in every row, so "
            "range standardisation is undefined (and they carry no information); drop them."
        )
    z = (matrix - lo) / span
    z[:, negative_mask] = 1.0 - z[:, negative_mask]
    return z


@positional_deprecated("columns", "negative")
def standardise(df: pd.DataFrame, *, columns, negative=()) -> pd.DataFrame:
    """Range-standardise indicator columns to [0, 1].

    Parameters
    ----------
    df : DataFrame
        One row per region (or region-year).
    columns : list of str
        Indicator columns.
    negative : list of str
        Columns where a smaller value is better (cost indicators); they are
        reversed so that 1 is always the best value.

    Returns
    -------
    DataFrame
        The standardised columns, same index as ``df``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"beds": [1.0, 2.0, 3.0], "wait": [10.0, 20.0, 30.0]})
    >>> standardise(d, columns=["beds", "wait"], negative=["wait"])["wait"].tolist()
    [1.0, 0.5, 0.0]
    """
    require_frame(df)
    columns = as_column_list(columns)
    negative = _check_negative(columns, negative)
    x = numeric_matrix(df, columns)
    mask = np.array([c in negative for c in columns])
    return pd.DataFrame(range_standardise(x, mask, columns), index=df.index, columns=columns)
