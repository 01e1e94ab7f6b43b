"""Small parsers of command-line option values shared by the ``cli_*`` modules."""

from __future__ import annotations


def split_list(text: str | None) -> list[str]:
    """Split a comma-separated option into a list, dropping blanks.

    Parameters
    ----------
    text : str or None

    Returns
    -------
    list of str

    Examples
    --------
    >>> split_list(" beds, 床位 ,, doctors")
    ['beds', '床位', 'doctors']
    """
    return [c.strip() for c in (text or "").split(",") if c.strip()]
