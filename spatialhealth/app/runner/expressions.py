"""``derive`` expressions of an analysis file: data, never code.

An expression is parsed with :mod:`ast` and checked against a whitelist; it is then
computed by walking the tree with numpy/pandas operations. Nothing is passed to
``eval``, ``DataFrame.eval`` or ``exec``, so an analysis file cannot reach Python
objects, attributes or the file system.

Allowed:

* numbers, and strings in comparisons (``region == "east"``);
* column names; a name that is not a Python identifier is written in backquotes
  (```beds (10k)` * 1e4``); Chinese names such as ``每千人床位`` need none;
* ``+ - * / // ** %``, unary ``-``/``+``, comparisons ``< <= > >= == !=``, ``&``, ``|``, ``~``
  and parentheses;
* the functions in :data:`FUNCTIONS` (``log``, ``log10``, ``log2``, ``log1p``, ``exp``,
  ``sqrt``, ``abs``, ``round``, ``floor``, ``ceil``, ``where``, ``clip``, ``rank``,
  ``sum``, ``mean``, ``min``, ``max``, ``std``), called with positional arguments.

Everything else (attributes, subscripts, keyword arguments, lambdas, other names or
calls) is refused with a message naming the expression and the offending part.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"beds": [10.0, 20.0], "pop": [1e3, 4e3], "每千人口": [1.0, 2.0]})
>>> evaluate("beds * 1e3 / pop", df).tolist()
[10.0, 5.0]
>>> evaluate("log(每千人口) + where(beds > 15, 1, 0)", df).round(3).tolist()
[0.0, 1.693]
>>> check("beds.__class__", ["beds"])
Traceback (most recent call last):
...
spatialhealth.errors.InputError: 'beds.__class__': attribute access ('beds.__class__') is not allowed; an expression may use column names, numbers, arithmetic, comparisons and the functions log, log10, log2, log1p, exp, sqrt, abs, round, floor, ceil, where, clip, rank, sum, mean, min, max, std.
"""

from __future__ import annotations

import ast
import operator
import re

import numpy as np
import pandas as pd

from spatialhealth.errors import InputError

__all__ = ["FUNCTIONS", "check", "evaluate", "referenced_columns"]


def _rank(x):
    return pd.Series(x).rank(method="average").to_numpy()


def _where(cond, a, b):
    return np.where(np.asarray(cond, dtype=bool), a, b)


#: name -> (function, number of positional arguments allowed (min, max))
FUNCTIONS = {
    "log": (np.log, (1, 1)), "log10": (np.log10, (1, 1)), "log2": (np.log2, (1, 1)),
    "log1p": (np.log1p, (1, 1)), "exp": (np.exp, (1, 1)), "sqrt": (np.sqrt, (1, 1)),
    "abs": (np.abs, (1, 1)), "round": (np.round, (1, 2)), "floor": (np.floor, (1, 1)),
    "ceil": (np.ceil, (1, 1)), "where": (_where, (3, 3)), "clip": (np.clip, (3, 3)),
    "rank": (_rank, (1, 1)), "sum": (np.nansum, (1, 1)), "mean": (np.nanmean, (1, 1)),
    "min": (np.nanmin, (1, 1)), "max": (np.nanmax, (1, 1)), "std": (np.nanstd, (1, 1)),
}

_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.FloorDiv: operator.floordiv, ast.Pow: operator.pow, ast.Mod: operator.mod,
           ast.BitAnd: operator.and_, ast.BitOr: operator.or_}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Invert: operator.invert}
_COMPARE = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
            ast.Eq: operator.eq, ast.NotEq: operator.ne}
_ALLOWED = ("column names, numbers, arithmetic, comparisons and the functions "
            + ", ".join(FUNCTIONS) + ".")
_BACKQUOTED = re.compile(r"`([^`]*)`")


def _prepare(expr: str) -> tuple[ast.Expression, dict[str, str]]:
    """Replace backquoted names by placeholders and parse; return the tree and the placeholders."""
    if not isinstance(expr, str):
        raise InputError(f"{expr!r}: an expression must be a string.")
    names: dict[str, str] = {}

    def sub(m):
        key = f"__col{len(names)}__"
        names[key] = m.group(1)
        return key

    text = _BACKQUOTED.sub(sub, expr)
    if "`" in text:
        raise InputError(f"{expr!r}: a backquote is not closed.")
    if len(text) > 2000:
        raise InputError(f"{expr[:40]!r}...: an expression may be at most 2,000 characters long.")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise InputError(f"{expr!r} is not a valid expression: {exc.msg}.") from None
    return tree, names


def _segment(expr_text: str, node, names) -> str:
    part = ast.get_source_segment(expr_text, node) or type(node).__name__
    for key, name in names.items():
        part = part.replace(key, f"`{name}`")
    return part


def _validate(tree, text: str, names: dict, columns, expr: str) -> set[str]:
    """Walk the tree; raise on anything outside the whitelist; return the columns used."""
    used: set[str] = set()
    columns = set(map(str, columns))

    def refuse(node, what):
        raise InputError(f"{expr!r}: {what} ({_segment(text, node, names)!r}) is not allowed; "
                         f"an expression may use {_ALLOWED}")

    def visit(node):
        if isinstance(node, ast.Expression):
            return visit(node.body)
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float, str)):
                refuse(node, "this constant")
            return
        if isinstance(node, ast.Name):
            name = names.get(node.id, node.id)
            if name not in columns:
                import difflib

                close = difflib.get_close_matches(name, sorted(columns), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                if name in FUNCTIONS:
                    raise InputError(f"{expr!r}: {name!r} is a function; call it as {name}(...).")
                raise InputError(f"{expr!r}: {name!r} is not a column of the table{hint}; columns: "
                                 f"{', '.join(map(repr, sorted(columns)))}.")
            used.add(name)
            return
        if isinstance(node, ast.BinOp):
            if type(node.op) not in _BINOPS:
                refuse(node, "this operator")
            visit(node.left)
            visit(node.right)
            return
        if isinstance(node, ast.UnaryOp):
            if type(node.op) not in _UNARY:
                refuse(node, "this operator")
            visit(node.operand)
            return
        if isinstance(node, ast.Compare):
            if any(type(op) not in _COMPARE for op in node.ops):
                refuse(node, "this comparison")
            visit(node.left)
            for c in node.comparators:
                visit(c)
            return
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute):
                refuse(node.func, "attribute access")
            if not isinstance(node.func, ast.Name) or node.func.id in names or node.func.id not in FUNCTIONS:
                refuse(node.func, "calling this")
            if node.keywords:
                refuse(node, "a keyword argument")
            lo, hi = FUNCTIONS[node.func.id][1]
            if not lo <= len(node.args) <= hi or any(isinstance(a, ast.Starred) for a in node.args):
                want = f"{lo}" if lo == hi else f"{lo} to {hi}"
                raise InputError(f"{expr!r}: {node.func.id}() takes {want} argument(s); "
                                 f"{len(node.args)} given.")
            for a in node.args:
                visit(a)
            return
        if isinstance(node, ast.Attribute):
            refuse(node, "attribute access")
        if isinstance(node, ast.Subscript):
            refuse(node, "indexing")
        refuse(node, type(node).__name__.lower())

    visit(tree)
    return used


def check(expr: str, columns) -> set[str]:
    """Parse and check an expression against the table's columns; return the columns it uses.

    Parameters
    ----------
    expr : str
        The expression.
    columns : iterable of str
        Column names the expression may use.

    Returns
    -------
    set of str
        The columns referenced.

    Examples
    --------
    >>> sorted(check("`beds (10k)` * 1e4 / pop", ["beds (10k)", "pop"]))
    ['beds (10k)', 'pop']
    """
    tree, names = _prepare(expr)
    return _validate(tree, _text(expr, names), names, columns, expr)


def _text(expr: str, names: dict) -> str:
    it = iter(names)
    return _BACKQUOTED.sub(lambda m: next(it), expr).strip()


def referenced_columns(expr: str, columns) -> set[str]:
    """Alias of :func:`check` (the columns an expression reads).

    Parameters
    ----------
    expr : str
    columns : iterable of str

    Returns
    -------
    set of str

    Examples
    --------
    >>> referenced_columns("a + 1", ["a", "b"])
    {'a'}
    """
    return check(expr, columns)


def evaluate(expr: str, df: pd.DataFrame) -> pd.Series:
    """Compute a checked expression over ``df`` without ``eval``.

    Columns used in arithmetic must be numeric: text in them is an error naming the
    column, the rows (as a spreadsheet numbers them, header = row 1) and the values.

    Parameters
    ----------
    expr : str
        The expression (see the module docstring for what is allowed).
    df : pandas.DataFrame
        The table.

    Returns
    -------
    pandas.Series
        Aligned with ``df``.

    Examples
    --------
    >>> evaluate("a / sum(a)", pd.DataFrame({"a": [1.0, 3.0]})).tolist()
    [0.25, 0.75]
    """
    tree, names = _prepare(expr)
    text = _text(expr, names)
    used = _validate(tree, text, names, df.columns, expr)
    numeric = {}
    for col in used:
        s = df[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            conv = pd.to_numeric(s, errors="coerce")
            bad = conv.isna() & s.notna()
            if bad.any():
                pos = np.flatnonzero(bad.to_numpy())
                rows = ", ".join(f"row {p + 2} ({s.iloc[p]!r})" for p in pos[:10])
                more = f" ... ({len(pos)} in all)" if len(pos) > 10 else ""
                # strings are fine in comparisons only; we cannot tell here, so keep text columns as text
                numeric[col] = s if not conv.notna().any() else _TextInNumbers(col, rows + more, s)
                continue
            numeric[col] = conv
        else:
            numeric[col] = s

    def ev(node):
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            value = numeric[names.get(node.id, node.id)]
            if isinstance(value, _TextInNumbers):
                raise value.error(expr)
            return value
        if isinstance(node, ast.BinOp):
            return _BINOPS[type(node.op)](_num(ev(node.left), expr), _num(ev(node.right), expr))
        if isinstance(node, ast.UnaryOp):
            return _UNARY[type(node.op)](_num(ev(node.operand), expr))
        if isinstance(node, ast.Compare):
            left, result = ev(node.left), None
            for op, comp in zip(node.ops, node.comparators):
                right = ev(comp)
                part = _COMPARE[type(op)](left, right)
                result = part if result is None else (result & part)
                left = right
            return result
        if isinstance(node, ast.Call):
            func = FUNCTIONS[node.func.id][0]
            args = [_num(ev(a), expr) if node.func.id != "where" or i else ev(a) for i, a in enumerate(node.args)]
            return func(*args)
        raise AssertionError(type(node))  # _validate refused everything else

    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        value = ev(tree)
    if np.ndim(value) == 0:
        value = np.full(len(df), value)
    return pd.Series(np.asarray(value), index=df.index)


class _TextInNumbers:
    def __init__(self, column, rows, series):
        self.column, self.rows, self.series = column, rows, series

    def error(self, expr):
        return InputError(f"{expr!r}: column {self.column!r} holds text where numbers are expected: "
                          f"{self.rows}.")


def _num(value, expr):
    if isinstance(value, str):
        raise InputError(f"{expr!r}: the text {value!r} cannot be used in arithmetic.")
    if isinstance(value, pd.Series) and (value.dtype == object or pd.api.types.is_string_dtype(value)):
        raise InputError(f"{expr!r}: column {value.name!r} holds text, not numbers.")
    return value
