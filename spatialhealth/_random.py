"""Seed handling: every random procedure takes ``seed`` (None, int or Generator)."""

from __future__ import annotations

import numpy as np


def as_generator(seed=None) -> np.random.Generator:
    """Return a :class:`numpy.random.Generator` for ``seed``.

    An int gives the same stream every time; a Generator is used as is.

    >>> bool(as_generator(1).integers(0, 10) == as_generator(1).integers(0, 10))
    True
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, (int, np.integer)):
        return np.random.default_rng(seed)
    from .errors import InputTypeError

    raise InputTypeError(f"`seed` must be None, an int or a numpy Generator; {type(seed).__name__} was given.")


def seed_int(seed=None) -> int:
    """Draw a plain int seed (e.g. for numba kernels or other processes) from ``seed``."""
    return int(as_generator(seed).integers(0, 2**31 - 1))
