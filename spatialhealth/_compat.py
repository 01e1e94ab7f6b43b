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
                        DeprecationWarning, stacklevel=external_stacklevel())
                    kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        wrapper.__renamed_kwargs__ = dict(old_to_new)
        return wrapper

    return decorate


def positional_deprecated(*names):
    """Decorator: accept the arguments ``names`` positionally after the first, with a warning.

    For functions whose column arguments became keyword-only (``gini(df, *, resource=...)``):
    an old call ``gini(df, "beds", "pop")`` still works for one release, maps the extra
    positional values onto ``names`` in order and warns with a DeprecationWarning naming
    the keyword spelling. Too many positional values, or a value given both ways, is an
    error naming the argument.

    Examples
    --------
    >>> import warnings
    >>> @positional_deprecated("resource", "population")
    ... def g(df, *, resource=None, population=None):
    ...     return resource, population
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     g(None, "beds", "pop"), w[0].category.__name__
    (('beds', 'pop'), 'DeprecationWarning')
    """

    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            if len(args) > 1:
                extra = args[1:]
                if len(extra) > len(names):
                    raise InputTypeError(
                        f"{func.__name__}() takes the table positionally and "
                        f"{', '.join(names)} as keywords; {len(args)} positional values were "
                        "given.")
                spelled = []
                for name, value in zip(names, extra):
                    if name in kwargs:
                        raise InputTypeError(
                            f"{func.__name__}() got {name!r} both positionally and as a keyword.")
                    kwargs[name] = value
                    spelled.append(f"{name}={value!r}")
                warnings.warn(
                    f"{func.__name__}(): passing {', '.join(names[:len(extra)])} by position is "
                    f"deprecated; write {func.__name__}(df, {', '.join(spelled)}). Positional "
                    "column arguments will stop working in the next release.",
                    DeprecationWarning, stacklevel=external_stacklevel())
                args = args[:1]
            return func(*args, **kwargs)

        wrapper.__positional_deprecated__ = tuple(names)
        return wrapper

    return decorate


def external_stacklevel() -> int:
    """``stacklevel`` that makes a warning point at the first frame outside spatialhealth.

    Call it as the ``stacklevel=`` argument of :func:`warnings.warn`; wrappers such as
    :func:`renamed_kwargs` add frames, so a fixed number would point into the package.

    Returns
    -------
    int

    Examples
    --------
    >>> external_stacklevel() >= 2
    True
    """
    import os
    import sys

    package = os.path.dirname(os.path.abspath(__file__))
    frame, level = sys._getframe(2), 2
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package + os.sep):
        frame, level = frame.f_back, level + 1
    return level


class DeprecatedMapping:
    """Mixin: dict-style access to a result's attributes, with a DeprecationWarning.

    For functions that used to return a dict and now return a result object: ``res["I"]``,
    ``res.keys()``, ``dict(res)`` and ``"I" in res`` keep working for one release and warn,
    pointing at the attribute spelling. The class lists its old keys in ``_mapping_keys``.

    Examples
    --------
    >>> import warnings
    >>> class R(DeprecatedMapping):
    ...     _mapping_keys = ("a",)
    ...     a = 1
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     R()["a"], w[0].category.__name__
    (1, 'DeprecationWarning')
    """

    _mapping_keys: tuple = ()

    def _warn_mapping(self, how: str) -> None:
        name = type(self).__name__
        warnings.warn(
            f"{name} is a result object, no longer a dict: {how} is deprecated and will stop working in the "
            f"next release; use attributes (res.{self._mapping_keys[0] if self._mapping_keys else 'x'}) or "
            "res.frame.", DeprecationWarning, stacklevel=external_stacklevel())

    def __getitem__(self, key):
        self._warn_mapping(f"res[{key!r}]")
        if key not in self._mapping_keys:
            raise KeyError(key)
        return getattr(self, key)

    def keys(self):
        self._warn_mapping("res.keys()")
        return list(self._mapping_keys)

    def values(self):
        self._warn_mapping("res.values()")
        return [getattr(self, k) for k in self._mapping_keys]

    def items(self):
        self._warn_mapping("res.items()")
        return [(k, getattr(self, k)) for k in self._mapping_keys]

    def get(self, key, default=None):
        self._warn_mapping(f"res.get({key!r})")
        return getattr(self, key) if key in self._mapping_keys else default

    def __contains__(self, key):
        self._warn_mapping(f"{key!r} in res")
        return key in self._mapping_keys
