"""Parse statnet-style ERGM formulas into term calls.

Both R spelling and Python spelling are accepted, so models move over from statnet
unchanged::

    "edges + mutual + nodeicov('HTH') + gwesp(0.5, fixed=TRUE)"
    "y ~ edges + nodematch(\\"Grade\\", diff=T) + nodefactor('Race', levels=-1)"
    "edges + istar(c(2, 3))"

The list-of-terms form takes strings, ``(name, arg, ..., {kwargs})`` tuples or
:class:`TermCall` objects, e.g. ``["edges", ("gwesp", 0.5, {"fixed": True})]``;
non-literal arguments (such as an edge-covariate matrix) can be passed this way.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from ...errors import InputError, InputTypeError

_R_CONSTANTS = {"TRUE": True, "T": True, "FALSE": False, "F": False, "NULL": None,
                "True": True, "False": False, "None": None, "Inf": float("inf")}


@dataclass(frozen=True)
class AttrExpr:
    """A node attribute given as an R expression: ``~wealth``, ``wealth/3000``, ``~Grade^2``.

    ``text`` is the expression as written (R's ``^`` is a power), evaluated over the
    node attributes with numbers, ``+ - * / ^ **`` and ``log``, ``exp``, ``sqrt``, ``abs``.

    Attributes
    ----------
    text : str
        The expression as written.
    tree : ast.AST
        Its parsed form.

    Examples
    --------
    >>> term = parse_formula("nodecov(~wealth/1000)")[0]
    >>> term.args[0].names(), float(term.args[0].evaluate(lambda name: 5000.0))
    (['wealth'], 5.0)
    """

    text: str
    tree: object = field(repr=False, compare=False, hash=False, default=None)

    def __str__(self) -> str:
        return self.text

    def names(self) -> list[str]:
        return sorted({n.id for n in ast.walk(self.tree) if isinstance(n, ast.Name)} - set(_FUNCS))

    def evaluate(self, lookup):
        """Evaluate with ``lookup(name) -> numpy array``."""
        import numpy as np

        def ev(node):
            if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
                return float(node.value)
            if isinstance(node, ast.Name):
                return np.asarray(lookup(node.id), dtype=float)
            if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd, ast.Invert)):
                v = ev(node.operand)
                return -v if isinstance(node.op, ast.USub) else v
            if isinstance(node, ast.BinOp):
                a, b = ev(node.left), ev(node.right)
                op = node.op
                if isinstance(op, ast.Add):
                    return a + b
                if isinstance(op, ast.Sub):
                    return a - b
                if isinstance(op, ast.Mult):
                    return a * b
                if isinstance(op, ast.Div):
                    return a / b
                if isinstance(op, (ast.Pow, ast.BitXor)):
                    return a ** b
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCS \
                    and len(node.args) == 1 and not node.keywords:
                return getattr(np, _FUNCS[node.func.id])(ev(node.args[0]))
            raise InputError(f"Cannot evaluate {ast.unparse(node)!r} in the attribute expression {self.text!r}; "
                             "use attribute names, numbers, + - * / ^ and log/exp/sqrt/abs.")
        return ev(self.tree)


_FUNCS = {"log": "log", "exp": "exp", "sqrt": "sqrt", "abs": "abs"}


@dataclass(frozen=True)
class AttrPoly:
    """R's ``poly(attr, degree, raw=TRUE)`` in a covariate term: one statistic per power.

    Attributes
    ----------
    base : str or AttrExpr
        The attribute (or expression) raised to the powers.
    degree : int
        Highest power.
    raw : bool
        Raw powers (R's orthogonal polynomials, ``raw=FALSE``, are not implemented).

    Examples
    --------
    >>> parse_formula("nodecov(~poly(age, 2, raw=TRUE))")[0].args[0]
    AttrPoly(base='age', degree=2, raw=True)
    """

    base: object
    degree: int
    raw: bool = False

    def __str__(self) -> str:
        return f"poly({self.base},{self.degree}{',raw=TRUE' if self.raw else ''})"


@dataclass(frozen=True)
class AttrCollapse:
    """Statnet's ``"a" %>% COLLAPSE_SMALLEST(n, into)``: n least frequent values merged.

    The n least frequent values of a node attribute take the value ``into`` (ties in
    sorted order, with a warning).

    Attributes
    ----------
    base : str or AttrExpr
        The attribute.
    n : int
        How many of the smallest categories to merge.
    into : object
        The value they take.

    Examples
    --------
    >>> parse_formula("nodefactor('x' %>% COLLAPSE_SMALLEST(2, 5))")[0].args[0]
    AttrCollapse(base='x', n=2, into=5)
    """

    base: object
    n: int
    into: object

    def __str__(self) -> str:
        return str(self.base)


@dataclass(frozen=True)
class LevelValues:
    """statnet's ``I(...)``: levels given by their values rather than positions.

    Attributes
    ----------
    values : tuple
        The level values.

    Examples
    --------
    >>> parse_formula("nodefactor('g', levels=I(c(1, 2)))")[0].kwargs["levels"]
    LevelValues(values=(1, 2))
    """

    values: tuple

    def __str__(self) -> str:
        return f"I({list(self.values)!r})"


@dataclass(frozen=True)
class LevelRank:
    """statnet's ``SMALLEST``/``LARGEST`` (optionally ``(n)``, negated with ``-``).

    Attributes
    ----------
    kind : {"SMALLEST", "LARGEST"}
        Which end of the sorted levels.
    n : int
        How many levels.
    negate : bool
        All levels but these.

    Examples
    --------
    >>> parse_formula("nodefactor('g', levels=-SMALLEST)")[0].kwargs["levels"]
    LevelRank(kind='SMALLEST', n=1, negate=True)
    """

    kind: str  # "SMALLEST" or "LARGEST"
    n: int = 1
    negate: bool = False

    def __neg__(self):
        return LevelRank(self.kind, self.n, not self.negate)

    def __str__(self) -> str:
        return f"{'-' if self.negate else ''}{self.kind}({self.n})"


@dataclass(frozen=True)
class TermCall:
    """One term of a formula: its name, positional and keyword arguments.

    Attributes
    ----------
    name : str
        The statnet term name, e.g. ``"gwesp"``.
    args : tuple
        Positional arguments.
    kwargs : dict
        Keyword arguments.

    Examples
    --------
    >>> str(TermCall("gwesp", (0.5,), {"fixed": True}))
    'gwesp(0.5, fixed=True)'
    """

    name: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)

    def __str__(self) -> str:
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"{self.name}({', '.join(parts)})" if parts else self.name


def _rrange(a, b):
    return range(a, b + 1) if a <= b else range(a, b - 1, -1)


def _is_attr_expr(node):
    """An arithmetic expression over bare names (``wealth/3000``, ``Grade^2``)."""
    calls = [n for n in ast.walk(node) if isinstance(n, ast.Call)]
    if any(not (isinstance(c.func, ast.Name) and c.func.id in _FUNCS) for c in calls):
        return False
    funcs = {id(c.func) for c in calls}
    names = [n for n in ast.walk(node) if isinstance(n, ast.Name) and id(n) not in funcs]
    if not any(n.id not in _R_CONSTANTS and n.id not in ("SMALLEST", "LARGEST") for n in names):
        return False
    for n in ast.walk(node):
        if isinstance(n, ast.Constant) and not isinstance(n.value, (int, float)):
            return False
        if not isinstance(n, (ast.Constant, ast.Name, ast.BinOp, ast.UnaryOp, ast.Call, ast.operator,
                              ast.unaryop, ast.Load)):
            return False
    return isinstance(node, (ast.BinOp, ast.Call)) or isinstance(node, ast.UnaryOp)


def _attr_expr(node, text):
    seg = ast.get_source_segment(text, node) or ast.unparse(node)
    # R's ^ is a power; the text keeps the user's spelling
    return AttrExpr(seg.strip().lstrip("~").replace("**", "^"), node)


def _poly(node, text):
    """R's poly(x, degree, raw=) inside a one-sided formula."""
    args = list(node.args)
    kw = {k.arg: _literal(k.value, text) for k in node.keywords}
    if not args:
        raise InputError("`poly(...)` needs an attribute, e.g. ~poly(age, 2, raw=TRUE).")
    base = _literal(args[0], text) if not _is_attr_expr(args[0]) else _attr_expr(args[0], text)
    degree = _literal(args[1], text) if len(args) > 1 else kw.get("degree", 1)
    raw = _literal(args[2], text) if len(args) > 2 else kw.get("raw", False)
    if not isinstance(degree, int) or isinstance(degree, bool) or degree < 1:
        raise InputError(f"`poly(...)`: the degree must be a positive whole number; {degree!r} was given.")
    return AttrPoly(base, degree, bool(raw))


def _literal(node, text):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "COLLAPSE_SMALLEST":
        if len(node.args) != 3 or node.keywords:
            raise InputError("`COLLAPSE_SMALLEST` takes the attribute, how many levels and the new value, e.g. "
                             "'x' %>% COLLAPSE_SMALLEST(2, 5).")
        base, k, into = (_literal(a, text) for a in node.args)
        if not isinstance(k, int) or isinstance(k, bool) or k < 1:
            raise InputError(f"`COLLAPSE_SMALLEST`: the number of levels must be a positive integer; {k!r} was given.")
        return AttrCollapse(base, k, into)
    if isinstance(node, ast.Name):
        if node.id in _R_CONSTANTS:
            return _R_CONSTANTS[node.id]
        if node.id in ("SMALLEST", "LARGEST"):
            return LevelRank(node.id)
        # a bare word is taken as a name (R users write nodecov(wealth) rarely, but allow it)
        return node.id
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Invert):
        # R's one-sided formula ~attr (or ~expression of attributes)
        inner = node.operand
        if isinstance(inner, ast.Name) and inner.id not in _R_CONSTANTS:
            return inner.id
        if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name) and inner.func.id == "poly":
            return _poly(inner, text)
        if _is_attr_expr(inner):
            return _attr_expr(inner, text)
        raise InputError(f"Cannot read {ast.get_source_segment(text, node)!r} in the ERGM formula {text!r}: "
                         "after ~ give a node attribute name or an arithmetic expression of attributes.")
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("SMALLEST", "LARGEST"):
        if len(node.args) != 1 or node.keywords:
            raise InputError(f"`{node.func.id}` takes one number, e.g. {node.func.id}(2).")
        k = _literal(node.args[0], text)
        if not isinstance(k, int) or isinstance(k, bool) or k < 1:
            raise InputError(f"`{node.func.id}({k!r})`: the number of levels must be a positive integer.")
        return LevelRank(node.func.id, k)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "I":
        if len(node.args) != 1 or node.keywords:
            raise InputError("`I(...)` takes one value or c(...) of values, e.g. levels=I(c('F', 'M')).")
        v = _literal(node.args[0], text)
        return LevelValues(tuple(v) if isinstance(v, list) else (v,))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        v0 = _literal(node.operand, text) if not _is_attr_expr(node.operand) else None
        if isinstance(v0, LevelRank):
            return -v0
    if _is_attr_expr(node):
        return _attr_expr(node, text)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        v = _literal(node.operand, text)
        sign = -1 if isinstance(node.op, ast.USub) else 1
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return sign * v
        if isinstance(v, list) and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v):
            return [sign * x for x in v]  # R's -c(1, 2)
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_literal(e, text) for e in node.elts]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "c":
        return [_literal(e, text) for e in node.args]
    raise InputError(
        f"Cannot read the argument {ast.get_source_segment(text, node)!r} in the ERGM formula "
        f"{text!r}: arguments must be numbers, quoted names, TRUE/FALSE or c(...)/[...] lists."
    )


def _term_from_node(node, text) -> TermCall:
    if isinstance(node, ast.Name):
        return TermCall(_undot(node.id))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        args = tuple(_literal(a, text) for a in node.args)
        kwargs = {}
        for kw in node.keywords:
            if kw.arg is None:
                raise InputError(f"`**` arguments are not allowed in the ERGM formula {text!r}.")
            kwargs[_undot(kw.arg)] = _literal(kw.value, text)
        return TermCall(_undot(node.func.id), args, kwargs)
    raise InputError(
        f"Cannot read the term {ast.get_source_segment(text, node)!r} in the ERGM formula "
        f"{text!r}; terms look like `edges` or `nodecov('wealth')`, joined by `+`."
    )


# statnet names with a dot (R identifiers) that are not Python identifiers
_DOTTED = re.compile(r"(?<![\w.])(degree1|idegree1|odegree1|sign)\.(5|action)(?![\w.])")


def _undot(name: str) -> str:
    return name.replace("_DOT_", ".")


def _split_sum(node, text, out):
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        _split_sum(node.left, text, out)
        _split_sum(node.right, text, out)
    else:
        out.append(_term_from_node(node, text))


def parse_formula(formula) -> list[TermCall]:
    """Return the terms of ``formula`` (a string or a list of terms) as :class:`TermCall`.

    Parameters
    ----------
    formula : str or list
        statnet syntax, e.g. ``"y ~ edges + mutual"`` (the left side is ignored), or a
        list of term strings or :class:`TermCall`.

    Returns
    -------
    list of TermCall
        The terms, in order.

    Raises
    ------
    InputError
        If the formula cannot be parsed.

    Examples
    --------
    >>> [str(t) for t in parse_formula("y ~ edges + gwesp(0.5, fixed=TRUE)")]
    ['edges', 'gwesp(0.5, fixed=True)']
    """
    if isinstance(formula, TermCall):
        return [formula]
    if isinstance(formula, str):
        text = formula.strip()
        depth = 0
        for pos, ch in enumerate(text):  # a left-hand side "y ~" only at the top level
            if ch in "([":
                depth += 1
            elif ch in ")]":
                depth -= 1
            if ch == "~" and depth == 0:
                text = text[pos + 1:].strip()
                break
        if not text:
            raise InputError(f"The ERGM formula {formula!r} has no terms; write e.g. 'edges + mutual'.")
        # statnet's attribute functions: function(x) x %v% "a" and ~(. %v% "a")^2 read the
        # vertex attribute a, as ~a and ~a^2 do
        text = re.sub(r"""(?<![\w.])(?:\w+|\.)\s*%v%\s*(["'])([^"']+)\1""", r"\2", text)
        text = re.sub(r"function\s*\(\s*\w+\s*\)\s*", "~", text)
        # a %>% COLLAPSE_SMALLEST(n, v) is COLLAPSE_SMALLEST(a, n, v)
        text = re.sub(r"""("[^"]*"|'[^']*'|~?[\w.]+)\s*%>%\s*COLLAPSE_SMALLEST\s*\(""", r"COLLAPSE_SMALLEST(\1, ", text)
        # R integer ranges such as kstar(1:3) or levels=-(1:2) become c(1, 2, 3)
        parts = re.split(r"""("[^"]*"|'[^']*')""", text)  # leave quoted names alone
        text = "".join(p if k % 2 else re.sub(
            r"(?<![\w.])(\d+)\s*:\s*(\d+)(?![\w.])",
            lambda m: "c(" + ", ".join(str(v) for v in _rrange(int(m[1]), int(m[2]))) + ")", p)
            for k, p in enumerate(parts))
        parts = re.split(r"""("[^"]*"|'[^']*')""", text)  # degree1.5, sign.action= as Python names
        text = "".join(p if k % 2 else _DOTTED.sub(r"\1_DOT_\2", p) for k, p in enumerate(parts))
        parts = re.split(r"""("[^"]*"|'[^']*')""", text)  # R's power operator ^ is Python's **
        text = "".join(p if k % 2 else p.replace("^", "**") for k, p in enumerate(parts))
        try:
            tree = ast.parse(text, mode="eval")
        except SyntaxError as exc:
            raise InputError(
                f"The ERGM formula {formula!r} is not a sum of terms ({exc.msg}); "
                "write e.g. \"edges + nodecov('wealth') + gwesp(0.5, fixed=TRUE)\"."
            ) from None
        out: list[TermCall] = []
        _split_sum(tree.body, text, out)
        return out
    if isinstance(formula, (list, tuple)):
        out = []
        for item in formula:
            if isinstance(item, (str, TermCall)):
                out.extend(parse_formula(item))
            elif isinstance(item, tuple) and item and isinstance(item[0], str):
                rest = list(item[1:])
                kwargs = rest.pop() if rest and isinstance(rest[-1], dict) else {}
                out.append(TermCall(item[0], tuple(rest), dict(kwargs)))
            else:
                raise InputTypeError(
                    f"An item of the list of ERGM terms is {item!r}; expected a string such as "
                    "'edges', a tuple such as ('gwesp', 0.5, {'fixed': True}) or a TermCall."
                )
        if not out:
            raise InputError("The list of ERGM terms is empty; give at least 'edges'.")
        return out
    raise InputTypeError(
        f"`formula` must be a string or a list of terms; {type(formula).__name__} was given."
    )
