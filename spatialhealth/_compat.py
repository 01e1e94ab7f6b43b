"""Old argument spellings that keep working for one release, with a DeprecationWarning.

Examples
--------
>>> import warnings
>>> @renamed_kwargs(id_col="region")
... def f(df=None, *, region=None):
...     return region
>>> with warnings.catch_warnings(record=True) as w:
...     warnings.simplefilter("always")
...     f(id_col="code"), w[0].category.__name__
('code', 'DeprecationWarning')
"""

from __future__ import annotations

import functools
import warnings

from .errors import InputTypeError


def renamed_kwargs(**old_to_new):
    """Decorator: accept ``old=value`` for ``new=value`` with a DeprecationWarning.

    Passing both spellings is an error naming both.
    """

    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            for old, new in old_to_new.items():
                if old in kwargs:
                    if new in kwargs:
                        raise InputTypeError(
                            f"{func.__name__}() got both {old!r} (the old spelling) and {new!r}; "
                            f"pass only {new!r}.")
                    warnings.warn(
                        f"{func.__name__}(): the argument {old!r} is now called {new!r}; "
                        f"{old!r} will stop working in the next release.",
                        DeprecationWarning, stacklevel=2)
                    kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        wrapper.__renamed_kwargs__ = dict(old_to_new)
        return wrapper

    return decorate
