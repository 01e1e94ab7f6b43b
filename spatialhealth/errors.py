"""Errors raised by spatialhealth.

Every error names what was given and what was expected, so a user can fix the
input without reading our source. All subclass ``ValueError`` or ``TypeError``
so generic handlers keep working.
"""

from __future__ import annotations

from collections.abc import Iterable


class SpatialHealthError(Exception):
    """Base class of every error raised on purpose by spatialhealth."""


class InputError(SpatialHealthError, ValueError):
    """A value, column or row of the user's input is not what a method needs."""


class ColumnError(InputError, KeyError):
    """A column that was asked for is missing from a table."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class InputTypeError(SpatialHealthError, TypeError):
    """An argument has the wrong type."""


class RegionError(InputError):
    """A region name or code could not be matched."""


class EncodingError(InputError):
    """A text file could not be decoded with the encodings tried."""


class ConvergenceError(SpatialHealthError, RuntimeError):
    """An iterative fit failed in a way that makes its estimate meaningless."""


def format_rows(index: Iterable, limit: int = 10) -> str:
    """Render row labels for an error message, shortening long lists.

    Parameters
    ----------
    index : iterable
        Row labels (index values, row numbers or region codes).
    limit : int, default 10
        How many labels to show before cutting the list short.

    Returns
    -------
    str
        The labels joined by ``", "``; past ``limit`` labels, the first ``limit``
        followed by ``" ... (N in all)"``.

    Examples
    --------
    >>> format_rows([3, 7, 9])
    '3, 7, 9'
    >>> format_rows(range(12), limit=3)
    '0, 1, 2 ... (12 in all)'
    """
    items = [str(i) for i in index]
    if len(items) > limit:
        return ", ".join(items[:limit]) + f" ... ({len(items)} in all)"
    return ", ".join(items)
