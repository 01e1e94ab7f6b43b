"""The public, NaN-safe ``classify_by_cuts`` (the cut rule itself lives in health_distance)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import InputError, format_rows
from .health_distance import classify_by_cuts as _levels


def classify_by_cuts(values, cuts: Sequence[float]) -> np.ndarray:
    """Level of each value for ascending cut-points; each level includes its lower bound.

    Level 1 is ``< cuts[0]``, level 2 ``cuts[0] <= v < cuts[1]``, ...,
    level ``len(cuts)+1`` is ``>= cuts[-1]``. A value within 1e-12 (relative) below a
    cut counts as on it, so that e.g. a computed 0.19999999999999998 meets a cut at 0.2.

    A missing (NaN), infinite or non-numeric value is never classified: it is an
    :class:`~spatialhealth.errors.InputError` naming every such position (or label, for
    a Series) and its value. Drop or impute those values first.

    Parameters
    ----------
    values : array-like or pandas.Series
        The values to classify.
    cuts : sequence of float
        Strictly increasing cut-points.

    Returns
    -------
    numpy.ndarray
        Integer levels ``1 .. len(cuts) + 1``.

    Examples
    --------
    >>> classify_by_cuts([0.2, 0.355, 0.5, 0.9], [0.355, 0.492, 0.631, 0.719]).tolist()
    [1, 2, 3, 5]
    >>> classify_by_cuts([0.2, float("nan")], [0.355])
    Traceback (most recent call last):
    ...
    spatialhealth.errors.InputError: classify_by_cuts cannot classify missing, infinite or non-numeric values; positions 1 hold nan. Drop or impute them first.
    """
    s = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values, dtype=object).ravel())
    num = pd.to_numeric(s, errors="coerce").astype(float)
    bad = ~np.isfinite(num.to_numpy())
    if bad.any():
        where = "labels" if isinstance(values, pd.Series) else "positions"
        raise InputError(
            f"classify_by_cuts cannot classify missing, infinite or non-numeric values; {where} "
            f"{format_rows(s.index[bad])} hold {format_rows([str(v) for v in s[bad]], 5)}. "
            "Drop or impute them first.")
    return _levels(num.to_numpy(), cuts)
