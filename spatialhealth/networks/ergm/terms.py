"""ERGM terms: statnet names and arguments, observed statistics from networkx.

Each term knows its statnet statistic names, whether it is dyad independent, how to
compute its observed value directly from the networkx graph (independently of the
compiled change statistics in :mod:`._kernels`), and the kernel code/arguments that
:mod:`.model` packs for the sampler.

Supported terms (D = directed only, U = undirected only):
``edges``, ``mutual`` (D), ``nodecov``, ``nodeicov`` (D), ``nodeocov`` (D),
``nodefactor``, ``nodeifactor`` (D), ``nodeofactor`` (D), ``nodematch`` (uniform or
``diff=True``), ``absdiff``, ``edgecov``, ``triangle``, ``ttriple``, ``ctriple``,
``transitiveties``, ``istar(k)`` (D), ``ostar(k)`` (D), ``kstar(k)`` (U), ``isolates``,
``gwesp(decay, fixed=True)``, ``gwdsp(decay, fixed=True)``, ``gwidegree`` (D),
``gwodegree`` (D), ``gwdegree`` (U), ``degree``/``idegree``/``odegree``, ``esp``/``dsp``/``nsp`` and
``gwnsp`` (types OTP, ITP, OSP, ISP, RTP), ``cyclicalties``; and statnet's ``sender``/``receiver`` (D),
``sociality`` (U), ``nodemix``, ``absdiffcat``, ``density``, ``meandeg``, ``diff``, ``smalldiff``,
``dyadcov``, ``asymmetric`` (D), ``degrange``/``idegrange``/``odegrange``, ``concurrent``,
``concurrentties`` (U), ``degree1.5``/``idegree1.5``/``odegree1.5``, ``twopath``, ``m2star`` (D),
``altkstar`` (U, fixed lambda), ``triadcensus``, ``balance``, ``simmelian``/``nearsimmelian``/
``simmelianties`` (D), ``transitive``/``intransitive`` (D), ``opentriad`` (U), ``cycle`` (``semi=``),
``threetrail``, ``degcrossprod``/``degcor``/``tripercent``/``isolatededges`` (U). Covariates accept ``poly(x, k, raw=TRUE)``
and categories ``COLLAPSE_SMALLEST``. Bipartite networks (``G.graph["bipartite"] = n1`` or
networkx's ``bipartite`` node attribute; see :mod:`.bipartite`): ``b1factor``/``b2factor``,
``b1cov``/``b2cov``, ``b1degree``/``b2degree``, ``b1star``/``b2star``, ``gwb1degree``/``gwb2degree``,
``b1concurrent``/``b2concurrent``, statnet's bipartite ``nodemix``, ``edgecov`` (``n1 x n2``) and
``density``, and the undirected terms of :data:`.bipartite.GENERIC_TERMS`.

Directed ``triangle`` is ``ttriple + ctriple`` as in statnet; on undirected networks
``ttriple`` and ``ctriple`` count triangles. Directed ``gwesp``/``gwdsp`` use outgoing
two-paths (statnet's default ``type="OTP"``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ...errors import InputError, InputTypeError
from . import _kernels as K
from .formula import AttrCollapse, AttrExpr, AttrPoly, LevelRank, LevelValues, TermCall


class MissingAttributeError(InputError):
    """A node attribute a term needs is missing (absent, None, NA or NaN) for some nodes.

    Parameters
    ----------
    message : str
        The term, the attribute and the nodes.
    nodes : iterable
        The nodes lacking it, kept as ``.nodes``.

    Examples
    --------
    >>> MissingAttributeError("nodecov('wealth'): missing for 2 nodes", ["a", "b"]).nodes
    ['a', 'b']
    """

    def __init__(self, message, nodes=()):
        super().__init__(message)
        self.nodes = list(nodes)


_MISSING_STRINGS = {"nan", "NaN", "NAN", "<NA>"}


def _is_missing(v) -> bool:
    """None, pd.NA, NaT, float NaN or the text 'nan' (how NaN reads back from a CSV)."""
    if v is None:
        return True
    if isinstance(v, str):
        return v in _MISSING_STRINGS
    try:
        r = pd.isna(v)
    except (TypeError, ValueError):
        return False
    return bool(r) if np.ndim(r) == 0 else False


@dataclass
class Term:
    """One kernel term: its statistic names and how to compute / change them.

    Attributes
    ----------
    name : str
        The term as written.
    names : list of str
        Its statistics.
    code : int
        Kernel code of the change statistic.
    ipar, fpar : tuple
        Integer and float parameters of the kernel.
    dyad_independent : bool
        The change statistics do not depend on the rest of the network.
    needs_tp : bool
        The kernel needs two-path counts.
    curved : bool
        A curved term (decay estimated).
    curve : tuple
        Curved terms: label of the parameter pair, starting decay, k.
    observed_fn : callable, optional
        Computes the observed statistics directly.

    Examples
    --------
    >>> import networkx as nx
    >>> from spatialhealth.networks.ergm.formula import parse_formula
    >>> terms = build_terms(parse_formula("edges + triangle"), BuildContext(nx.florentine_families_graph()))
    >>> [(t.name, t.dyad_independent) for t in terms]
    [('edges', True), ('triangle', False)]
    """

    name: str
    names: list
    code: int
    ipar: tuple = (0, 0, 0)
    fpar: tuple = (0.0, 0.0, 1.0)
    dyad_independent: bool = True
    needs_tp: bool = False
    curved: bool = False
    curve: tuple = ()  # curved terms: (label of the curved parameter pair, starting decay, k)
    observed_fn: object = field(default=None, repr=False)

    @property
    def nstats(self) -> int:
        return len(self.names)


def _fmt(v) -> str:
    """Format a level or number the way R's paste() does (7, 0.5, 'Hisp')."""
    if isinstance(v, (bool, np.bool_)):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return str(int(v)) if float(v).is_integer() else format(float(v), ".15g")
    return str(v)


class BuildContext:
    """Graph data and covariate storage shared by the terms of one model.

    Parameters
    ----------
    G : networkx.Graph or networkx.DiGraph
        The network.
    edge_covariates : dict, optional
        ``{name: n x n matrix}`` for ``edgecov`` terms.

    Examples
    --------
    >>> import networkx as nx
    >>> ctx = BuildContext(nx.florentine_families_graph())
    >>> ctx.n, ctx.directed
    (15, False)
    """

    def __init__(self, G, edge_covariates=None):
        self.G = G
        self.nodes = list(G.nodes())
        self.index = {v: k for k, v in enumerate(self.nodes)}
        self.n = len(self.nodes)
        self.directed = G.is_directed()
        self.bipartite = _bip.bipartite_size(G)  # n1 (the first n1 nodes are mode 1) or None; see bipartite.py
        self.edge_covariates = dict(edge_covariates or {})
        self.ncov: list[np.ndarray] = []
        self.ncat: list[np.ndarray] = []
        self.ecov: list[np.ndarray] = []
        self._adj = None

    # --- graph views used by the observed statistics --------------------------------
    @property
    def adj(self) -> np.ndarray:
        if self._adj is None:
            a = np.zeros((self.n, self.n), dtype=np.int64)
            idx = self.index
            for u, v in self.G.edges():
                a[idx[u], idx[v]] = 1
                if not self.directed:
                    a[idx[v], idx[u]] = 1
            self._adj = a
        return self._adj

    def edges_idx(self):
        idx = self.index
        for u, v in self.G.edges():
            a, b = idx[u], idx[v]
            if not self.directed and a > b:
                a, b = b, a
            yield a, b

    # --- covariates ------------------------------------------------------------------
    def node_values(self, attr, term):
        if isinstance(attr, AttrExpr):
            return self._expr_values(attr, term)
        if isinstance(attr, AttrCollapse):  # statnet's COLLAPSE_SMALLEST(n, into)
            vals = [v.item() if isinstance(v, np.generic) else v for v in self.node_values(attr.base, term)]
            try:
                lev = sorted(set(vals))
            except TypeError:
                lev = sorted(set(vals), key=str)
            merged = set(select_levels(LevelRank("SMALLEST", attr.n), lev, vals, TermCall(term)))
            return [attr.into if v in merged else v for v in vals]
        if not isinstance(attr, str):
            raise InputTypeError(f"`{term}` needs a node attribute name (a string); {attr!r} was given.")
        vals, missing, absent = [], [], []
        for v in self.nodes:
            d = self.G.nodes[v]
            if attr not in d:
                absent.append(v)
            elif _is_missing(d[attr]):
                missing.append(v)
            else:
                vals.append(d[attr])
        if absent or missing:
            have = sorted({k for v in self.nodes for k in self.G.nodes[v]})
            bad = absent + missing
            shown = ", ".join(repr(m) for m in bad[:10]) + (" ..." if len(bad) > 10 else "")
            what = "has missing data (NA/NaN)" if not absent else "is missing"
            raise MissingAttributeError(
                f"`{term}('{attr}')`: node attribute {attr!r} {what} for {len(bad)} node(s) ({shown}); "
                f"node attributes present: {have}. Fill the values in, or pass missing='drop' to leave "
                "those nodes out of the network.", nodes=bad)
        return vals

    def _expr_values(self, expr, term):
        cols = {}

        def lookup(name):
            if name not in cols:
                vals = self.node_values(name, term)
                try:
                    cols[name] = np.asarray(vals, dtype=float)
                except (TypeError, ValueError):
                    raise InputError(f"`{term}({expr})`: attribute {name!r} is not numeric "
                                     f"(values such as {vals[:3]!r}).") from None
            return cols[name]
        with np.errstate(all="ignore"):
            x = np.broadcast_to(np.asarray(expr.evaluate(lookup), dtype=float), (self.n,))
        bad = [self.nodes[k] for k in np.nonzero(~np.isfinite(x))[0]]
        if bad:
            raise InputError(f"`{term}({expr})` is not finite (NaN or infinite) for node(s) "
                             f"{bad[:10]!r}; check the expression.")
        return list(x)

    def numeric_node(self, attr, term) -> int:
        vals = self.node_values(attr, term)
        x = _as_numeric(vals)
        if x is None:
            raise InputError(
                f"`{term}('{attr}')` needs a numeric node attribute; {attr!r} has values such as "
                f"{vals[:3]!r}. Use nodefactor/nodematch for categories."
            )
        bad = [self.nodes[k] for k in np.nonzero(~np.isfinite(x))[0]]
        if bad:
            raise InputError(f"`{term}('{attr}')`: node attribute {attr!r} is infinite for node(s) {bad[:10]!r}; "
                             "ERGM covariates must be finite numbers.")
        self.ncov.append(x)
        return len(self.ncov) - 1

    def add_cat(self, codes) -> int:
        self.ncat.append(np.asarray(codes, dtype=np.int64))
        return len(self.ncat) - 1

    def levels(self, attr, term):
        vals = self.node_values(attr, term)
        vals = [v.item() if isinstance(v, np.generic) else v for v in vals]
        uniq = set(vals)
        try:
            lev = sorted(uniq)
        except TypeError:
            lev = sorted(uniq, key=str)
        return vals, lev

    def edge_matrix(self, x, term, name=None):
        """Return (row index, label) of an edge covariate given by name or matrix."""
        n = self.n
        label = name
        from_graph = False
        if isinstance(x, str):
            label = label or x
            if x in self.edge_covariates:
                x = self.edge_covariates[x]
            else:
                from_graph = True
                m = np.zeros((n, n))
                found, lacking, bad = False, [], []
                for u, v, d in self.G.edges(data=True):
                    if x in d and not _is_missing(d[x]):
                        found = True
                        try:
                            val = float(d[x])
                        except (TypeError, ValueError):
                            bad.append((u, v, d[x]))
                            continue
                        a, b = self.index[u], self.index[v]
                        m[a, b] = val
                        if not self.directed:
                            m[b, a] = val
                    else:
                        lacking.append((u, v))
                if found and lacking:
                    raise InputError(
                        f"`edgecov('{x}')`: the edge attribute {x!r} is missing on {len(lacking)} of "
                        f"{self.G.number_of_edges()} edges (e.g. {lacking[:5]!r}); give every edge a value "
                        "(0 where that is meant) or pass the covariate as a matrix.")
                if bad:
                    raise InputError(f"`edgecov('{x}')`: the edge attribute {x!r} must be numeric; edges such as "
                                     f"{bad[:3]!r} have non-numeric values.")
                if not found:
                    raise InputError(
                        f"`edgecov('{x}')`: {x!r} is neither a key of `edge_covariates` "
                        f"(keys: {sorted(self.edge_covariates)}) nor an edge attribute of the graph."
                    )
                x = m
        if label is None:
            label = "x"
        if self.bipartite and not from_graph:  # statnet's n1 x n2 form
            x = _bip.dyad_matrix(self, x, label)
        if isinstance(x, pd.DataFrame):
            missing = [v for v in self.nodes if v not in x.index or v not in x.columns]
            if missing:
                raise InputError(
                    f"`edgecov('{label}')`: the covariate table lacks rows/columns for nodes "
                    f"{missing[:10]!r}; index and columns must be the node labels."
                )
            x = x.loc[self.nodes, self.nodes]
        raw = np.asarray(x, dtype=object) if isinstance(x, pd.DataFrame) else np.asarray(x)
        if raw.dtype.kind in "OUSb" or raw.dtype == object:
            flat = raw.ravel()
            nonnum = [v for v in flat if isinstance(v, (str, bytes)) or v is None or v is pd.NA]
            if nonnum:
                raise InputError(
                    f"`edgecov('{label}')`: the covariate matrix must hold numbers; it has entries such as "
                    f"{nonnum[:3]!r}. Convert it first, e.g. pd.to_numeric on each column.")
        try:
            x = np.asarray(raw, dtype=float)
        except (TypeError, ValueError):
            raise InputError(f"`edgecov('{label}')`: the covariate matrix must hold numbers.") from None
        if x.shape != (n, n):
            raise InputError(
                f"`edgecov('{label}')`: the covariate matrix has shape {x.shape}; expected "
                f"({n}, {n}) in the node order of the graph (list(G.nodes()))."
            )
        if not np.all(np.isfinite(x[~np.eye(n, dtype=bool)])):
            raise InputError(f"`edgecov('{label}')`: the covariate matrix has NaN or infinite entries off the diagonal.")
        self.ecov.append(np.ascontiguousarray(x))
        return len(self.ecov) - 1, label


# ---------------------------------------------------------------------------------------
# argument helpers
def _args(call: TermCall, spec: list[tuple[str, object]]):
    """Bind positional/keyword arguments of ``call`` to ``spec`` [(name, default)]."""
    names = [s[0] for s in spec]
    if len(call.args) > len(spec):
        raise InputError(f"`{call}` has too many arguments; `{call.name}` takes {names}.")
    out = {k: d for k, d in spec}
    for k, v in zip(names, call.args):
        out[k] = v
    for k, v in call.kwargs.items():
        if k not in out:
            raise InputError(f"`{call}`: unknown argument {k!r}; `{call.name}` takes {names}.")
        out[k] = v
    for k, v in out.items():
        if v is _REQUIRED:
            raise InputError(f"`{call}`: argument {k!r} is required, e.g. {call.name}('wealth').")
    return out


_REQUIRED = object()


def _need(ctx, call, directed):
    if directed is True and not ctx.directed:
        raise InputError(f"`{call.name}` is defined for directed networks only; the graph is undirected.")
    if directed is False and ctx.directed:
        alt = {"kstar": "istar(k)/ostar(k)", "gwdegree": "gwidegree/gwodegree"}.get(call.name, "another term")
        raise InputError(f"`{call.name}` is defined for undirected networks only; the graph is directed (use {alt}).")


def _decay_term(call, ctx, spec_extra=()):
    a = _args(call, [("decay", _REQUIRED), ("fixed", False), ("cutoff", 30), *spec_extra])
    if not a["fixed"]:
        raise InputError(
            f"`{call}`: only the fixed-decay form is implemented; write "
            f"{call.name}({a['decay']}, fixed=TRUE)."
        )
    try:
        decay = float(a["decay"])
    except (TypeError, ValueError):
        raise InputError(f"`{call}`: decay must be a number, e.g. {call.name}(0.5, fixed=TRUE).") from None
    return decay, a


def _as_numeric(vals):
    """Node values as a float array, or None when one is text or not a number.

    Parameters
    ----------
    vals : list
        Attribute values of the nodes.

    Returns
    -------
    numpy.ndarray or None
        The values as floats (NaN and inf kept for the caller to report).

    Examples
    --------
    >>> _as_numeric([1, 2.5]).tolist(), _as_numeric([1, "2"])
    ([1.0, 2.5], None)
    """
    if any(isinstance(v, (str, bytes)) for v in vals):
        return None
    try:
        return np.asarray(vals, dtype=float)
    except (TypeError, ValueError):
        return None


def _int_like(v):
    return (isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))) or (
        isinstance(v, float) and v.is_integer())


def _base_levels(call, levels, base, what="level positions such as 1 or c(2, 3) (0 keeps all)"):
    """The deprecated ``base=`` of statnet (level positions to drop) as a ``levels=`` selection.

    ``levels`` is returned unchanged when no ``base`` is given or ``levels`` was set.
    """
    if base is None or levels is not _DEFAULT:
        return levels
    b = base if isinstance(base, list) else [base]
    if not all(_int_like(v) for v in b):
        raise InputError(f"`{call}`: `base` must be {what}.")
    return [-int(v) for v in b if int(v) != 0] or None


def select_levels(levels, lev, vals, call, default=None):
    """Statnet's level selection (``?nodal_attributes``): the kept levels, in sorted order.

    ``None``/``TRUE`` keep all, ``FALSE`` none; numbers are positions (1-based) in the
    sorted unique values, negative numbers drop positions; ``I(...)`` and strings give
    values; a logical vector is a mask; ``SMALLEST``/``LARGEST`` (``(n)``, negated with
    ``-``) pick the least/most frequent levels, ties in sorted order with a warning.

    Parameters
    ----------
    levels : object
        The term's ``levels`` argument.
    lev : list
        The sorted unique values of the attribute.
    vals : sequence
        The attribute's value at each node (for frequencies).
    call : TermCall
        The term, for messages.
    default : object, optional
        What an absent ``levels`` means (e.g. -1: drop the first level).

    Returns
    -------
    list
        The kept levels, sorted.

    Examples
    --------
    >>> from spatialhealth.networks.ergm.formula import parse_formula
    >>> call = parse_formula("nodefactor('g')")[0]
    >>> select_levels(None, [1, 2, 3], [1, 1, 2, 3], call), select_levels(-1, [1, 2, 3], [1, 1, 2, 3], call)
    ([1, 2, 3], [2, 3])
    """
    if levels is _DEFAULT:
        levels = default
    if levels is None or levels is True:
        return list(lev)
    if levels is False:
        return []
    if isinstance(levels, LevelRank):
        freq = dict.fromkeys(lev, 0)
        for v in vals:
            freq[v] += 1
        order = sorted(range(len(lev)), key=lambda k: freq[lev[k]])  # stable: ties in sorted order
        nsel = min(levels.n, len(lev))
        chosen = order[:nsel] if levels.kind == "SMALLEST" else order[len(lev) - nsel:]
        cut = nsel if levels.kind == "SMALLEST" else len(lev) - nsel
        if 0 < cut < len(lev) and freq[lev[order[cut - 1]]] == freq[lev[order[cut]]]:
            import warnings

            tied = [lev[k] for k in order if freq[lev[k]] == freq[lev[order[cut]]]]
            warnings.warn(f"In term '{call.name}': Levels {' and '.join(repr(_fmt(t)) for t in tied)} are tied. "
                          "Using the order given.", UserWarning, stacklevel=4)
        chosen = set(chosen)
        keep = [k for k in range(len(lev)) if (k in chosen) != levels.negate]
        return [lev[k] for k in keep]
    if isinstance(levels, LevelValues):
        wanted = list(levels.values)
    else:
        wanted = levels if isinstance(levels, list) else [levels]
        if wanted and all(isinstance(v, (bool, np.bool_)) for v in wanted):
            if len(wanted) != len(lev):
                raise InputError(f"`{call}`: a logical `levels` needs one entry per level ({len(lev)}: {lev!r}).")
            return [v for v, k in zip(lev, wanted) if k]
        if wanted and all(_int_like(v) for v in wanted):
            pos = [int(v) for v in wanted]
            if all(v < 0 for v in pos):  # as R's x[-k]: positions beyond the levels drop nothing
                drop = {-v - 1 for v in pos}
                return [v for k, v in enumerate(lev) if k not in drop]
            if all(v > 0 for v in pos):
                bad = [v for v in pos if v > len(lev)]
                if bad:
                    raise InputError(
                        f"`{call}`: levels {bad} are positions beyond the {len(lev)} sorted levels {lev!r} "
                        "(statnet reads numbers as positions; use I(...) for values, e.g. levels=I(c(7, 8))).")
                keep = {v - 1 for v in pos}
                return [v for k, v in enumerate(lev) if k in keep]
            raise InputError(f"`{call}`: `levels` mixes positive and negative positions {pos}; use one kind.")
        if not all(isinstance(v, str) for v in wanted):
            raise InputError(
                f"`{call}`: `levels` must be TRUE/NULL (all), positions such as 2 or -1, I(values), "
                f"strings, SMALLEST/LARGEST or a logical vector; {levels!r} was given.")
    lk = {_fmt(v): v for v in lev}
    keep = []
    for v in wanted:
        if v in lev:
            keep.append(v)
        elif _fmt(v) in lk:
            keep.append(lk[_fmt(v)])
        else:
            raise InputError(f"`{call}`: level {v!r} does not occur; the levels are {lev!r}.")
    return [v for v in lev if v in keep]


_DEFAULT = object()


def _level_codes(ctx, vals, keep):
    """A category row: the position of each node's value in ``keep`` (-1 = not kept)."""
    pos = {v: k for k, v in enumerate(keep)}
    return ctx.add_cat([pos.get(v, -1) for v in vals])


# ---------------------------------------------------------------------------------------
# observed statistics (networkx / numpy, independent of the kernels)
def _sum_edges(ctx, f):
    return float(sum(f(a, b) for a, b in ctx.edges_idx()))


def _ncommon(ctx):
    """Sparse two-path counts: directed [a, b] = #a->k->b; undirected common neighbours."""
    from scipy import sparse

    if getattr(ctx, "_two_paths", None) is None:
        rows, cols = [], []
        for a, b in ctx.edges_idx():
            rows.append(a)
            cols.append(b)
            if not ctx.directed:
                rows.append(b)
                cols.append(a)
        A = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(ctx.n, ctx.n))
        P = (A @ A).tocsr()
        P.setdiag(0)
        P.eliminate_zeros()
        ctx._two_paths = P
    return ctx._two_paths


def _esp_values(ctx):
    """Shared partners of every tie (OTP for directed)."""
    P = _ncommon(ctx)
    e = list(ctx.edges_idx())
    if not e:
        return np.zeros(0)
    a, b = np.array(e).T
    return np.asarray(P[a, b]).ravel().astype(float)


def _dsp_values(ctx):
    """Shared partners of every dyad with at least one (pairs with none add 0 to gw terms)."""
    P = _ncommon(ctx)
    if ctx.directed:
        return P.data.astype(float)
    from scipy import sparse

    return sparse.triu(P, 1).data.astype(float)


def _degrees(ctx, kind):
    G, nodes = ctx.G, ctx.nodes
    if kind == "in":
        return np.array([G.in_degree(v) for v in nodes], dtype=float)
    if kind == "out":
        return np.array([G.out_degree(v) for v in nodes], dtype=float)
    return np.array([G.degree(v) for v in nodes], dtype=float)


def _gw(values, decay):
    r = 1.0 - math.exp(-decay)
    return float(math.exp(decay) * np.sum(1.0 - r ** np.asarray(values, dtype=float)))


def _triples(ctx):
    """Directed transitive and cyclic triple counts from the graph."""
    G = ctx.G
    tt = 0
    ct = 0
    for u, w in G.edges():
        su = set(G.successors(u)) - {u, w}
        tt += len(su & set(G.predecessors(w)))
        ct += len((set(G.successors(w)) - {u, w}) & set(G.predecessors(u)))
    return float(tt), float(ct // 3)


# ---------------------------------------------------------------------------------------
# term builders: each returns a list of Term
def _t_edges(call, ctx):
    _args(call, [])
    return [Term("edges", ["edges"], K.EDGES, observed_fn=lambda c: float(c.G.number_of_edges()))]


def _t_nodecov_like(code, label, direction):
    def build(call, ctx):
        a = _args(call, [("attr", _REQUIRED)])
        if direction is not None:
            _need(ctx, call, True)
        attr = a["attr"]
        if isinstance(attr, AttrPoly):
            if not attr.raw:
                raise InputError(f"`{call}`: R's orthogonal polynomials (poly(..., raw=FALSE)) are not implemented; "
                                 f"write poly({attr.base}, {attr.degree}, raw=TRUE) for raw powers.")
            base = np.asarray(ctx.node_values(attr.base, call.name), dtype=float) \
                if isinstance(attr.base, AttrExpr) else ctx.ncov[ctx.numeric_node(attr.base, call.name)]
            cols = []
            for k in range(1, attr.degree + 1):
                ctx.ncov.append(base ** k)
                cols.append((len(ctx.ncov) - 1, f"{label}.{attr}{k}"))
        else:
            cols = [(ctx.numeric_node(attr, call.name), f"{label}.{attr}")]

        def make(x):
            def obs(c):
                if direction == "in":
                    return _sum_edges(c, lambda i, j: x[j])
                if direction == "out":
                    return _sum_edges(c, lambda i, j: x[i])
                return _sum_edges(c, lambda i, j: x[i] + x[j])
            return obs
        return [Term(call.name, [nm], code, (r, 0, 0), observed_fn=make(ctx.ncov[r])) for r, nm in cols]
    return build


def _t_factor_like(code, label, direction):
    def build(call, ctx):
        a = _args(call, [("attr", _REQUIRED), ("base", None), ("levels", _DEFAULT)])
        if direction is not None:
            _need(ctx, call, True)
        attr = a["attr"]
        vals, lev = ctx.levels(attr, call.name)
        levels = _base_levels(call, a["levels"], a["base"])
        keep = select_levels(levels, lev, vals, call, default=-1)
        if not keep:
            raise InputError(f"`{call}` keeps no level of {attr!r} (levels {lev!r}).")
        pos = {v: k for k, v in enumerate(keep)}
        codes = [pos.get(v, -1) for v in vals]
        r = ctx.add_cat(codes)
        cat = ctx.ncat[r]
        nk = len(keep)

        def obs(c):
            s = np.zeros(nk)
            for i, j in c.edges_idx():
                if direction != "in" and cat[i] >= 0:
                    s[cat[i]] += 1
                if direction != "out" and cat[j] >= 0:
                    s[cat[j]] += 1
            return s
        return [Term(call.name, [f"{label}.{attr}.{_fmt(v)}" for v in keep], code, (r, 0, 0),
                     observed_fn=obs)]
    return build


def _t_nodematch(call, ctx):
    a = _args(call, [("attr", _REQUIRED), ("diff", False), ("keep", None), ("levels", None)])
    attr = a["attr"]
    vals, lev = ctx.levels(attr, call.name)
    keep = _levels_or_keep(a, lev, vals, call)
    raw = {v: k for k, v in enumerate(lev)}
    kept = set(keep)
    rawcodes = [raw[v] if v in kept else -1 for v in vals]
    r = ctx.add_cat(rawcodes)
    rc = ctx.ncat[r]
    if not a["diff"]:
        def obs(c):
            return _sum_edges(c, lambda i, j: 1.0 if rc[i] >= 0 and rc[i] == rc[j] else 0.0)
        return [Term("nodematch", [f"nodematch.{attr}"], K.NODEMATCH, (r, 0, 0), observed_fn=obs)]
    pos = {v: k for k, v in enumerate(keep)}
    r2 = ctx.add_cat([pos.get(v, -1) for v in vals])
    sc = ctx.ncat[r2]
    nk = len(keep)

    def obsd(c):
        s = np.zeros(nk)
        for i, j in c.edges_idx():
            if rc[i] >= 0 and rc[i] == rc[j]:
                s[sc[i]] += 1
        return s
    return [Term("nodematch", [f"nodematch.{attr}.{_fmt(v)}" for v in keep], K.NODEMATCH_DIFF,
                 (r, r2, 0), observed_fn=obsd)]


def _t_absdiff(call, ctx):
    a = _args(call, [("attr", _REQUIRED), ("pow", 1.0)])
    attr = a["attr"]
    pw = float(a["pow"])
    r = ctx.numeric_node(attr, call.name)
    x = ctx.ncov[r]
    label = f"absdiff.{attr}" if pw == 1 else f"absdiff{_fmt(pw)}.{attr}"

    def obs(c):
        return _sum_edges(c, lambda i, j: abs(x[i] - x[j]) ** pw)
    return [Term("absdiff", [label], K.ABSDIFF, (r, 0, 0), (0.0, 0.0, pw), observed_fn=obs)]


def _t_edgecov(call, ctx):
    a = _args(call, [("x", _REQUIRED), ("attrname", None), ("name", None)])
    r, label = ctx.edge_matrix(a["x"], call.name, name=a["name"])
    M = ctx.ecov[r]
    return [Term("edgecov", [f"edgecov.{label}"], K.EDGECOV, (r, 0, 0),
                 observed_fn=lambda c: _sum_edges(c, lambda i, j: M[i, j]))]


def _levels_or_keep(a, lev, vals, call):
    """``levels=`` or statnet's deprecated ``keep=`` (positions to keep)."""
    if a.get("keep") is not None:
        kp = a["keep"] if isinstance(a["keep"], list) else [a["keep"]]
        if not all(_int_like(v) and 0 < int(v) <= len(lev) for v in kp):
            raise InputError(f"`{call}`: `keep` must be positions 1..{len(lev)} of the levels {lev!r}.")
        return [lev[int(k) - 1] for k in sorted({int(k) for k in kp})]
    return select_levels(a.get("levels"), lev, vals, call)


def _same_matrix(ctx, cat, level=None):
    """S[i, j] = 1 when i and j share a kept category (optionally this one)."""
    c = np.asarray(cat)
    S = (c[:, None] == c[None, :]) & (c[:, None] >= 0)
    if level is not None:
        S &= c[:, None] == level
    return S.astype(float)


def _adj_dense(c):
    return c.adj.astype(float)


def _attr_cats(call, ctx, attr, levels=None, diff=False, keep=None):
    """(uniform category row, [(level value, level code)]) of an attribute for triangle-type terms."""
    vals, lev = ctx.levels(attr, call.name)
    kept = _levels_or_keep({"levels": levels, "keep": keep}, lev, vals, call)
    r = _level_codes(ctx, vals, kept)
    return r, kept


def _t_triangle(call, ctx):
    a = _args(call, [("attr", None), ("diff", False), ("levels", None)])
    name = call.name
    code = {"triangle": K.TRIANGLE, "ttriple": K.TTRIPLE, "ctriple": K.CTRIPLE}[name]

    def count(A, kind):
        if not ctx.directed:
            return float(np.trace(A @ A @ A) / 6)
        tt = float(np.sum(A * (A @ A)))
        ct = float(np.trace(A @ A @ A) / 3)
        return {"triangle": tt + ct, "ttriple": tt, "ctriple": ct}[kind]

    if a["attr"] is None:
        def obs(c):
            if not c.directed:
                import networkx as nx
                return float(sum(nx.triangles(c.G).values()) // 3)
            tt, ct = _triples(c)
            return {"triangle": tt + ct, "ttriple": tt, "ctriple": ct}[name]
        return [Term(name, [name], code, (-1, -1, 0), dyad_independent=False, observed_fn=obs)]
    attr = a["attr"]
    r, kept = _attr_cats(call, ctx, attr, a["levels"])
    cat = ctx.ncat[r]
    if not a["diff"]:
        return [Term(name, [f"{name}.{attr}"], code, (r, -1, 0), dyad_independent=False,
                     observed_fn=lambda c: count(_adj_dense(c) * _same_matrix(c, cat), name))]
    return [Term(name, [f"{name}.{attr}.{_fmt(v)}"], code, (r, k, 0), dyad_independent=False,
                 observed_fn=lambda c, k=k: count(_adj_dense(c) * _same_matrix(c, cat, k), name))
            for k, v in enumerate(kept)]


def _sp_counts(A, typ, directed):
    """Shared-partner count matrix of type ``typ`` (entry [a, b] for the ordered pair)."""
    if not directed:
        return A @ A
    if typ == K.RTP:
        M = A * A.T
        return M @ M
    return {K.OTP: A @ A, K.ITP: (A @ A).T, K.OSP: A @ A.T, K.ISP: A.T @ A}[typ]


def _sp_observed(kind, typ, mode, decay, d, cat=None):
    """Observed edgewise / dyadwise / non-edge shared-partner statistic (dense, independent)."""
    def weight(s):
        if mode == K.SP_GW:
            return np.exp(decay) * (1.0 - (1.0 - np.exp(-decay)) ** s)
        if mode == K.SP_COUNT:
            return (s == d).astype(float)
        return (s > 0).astype(float)

    def obs(c):
        A = _adj_dense(c)
        if cat is not None:
            A = A * _same_matrix(c, cat)
        n = A.shape[0]
        P = _sp_counts(A, typ, c.directed)
        if kind == "esp":
            mask = A > 0
        else:
            mask = ~np.eye(n, dtype=bool)
            if kind == "nsp":
                mask &= A == 0
        if not c.directed:
            mask &= np.triu(np.ones((n, n), dtype=bool), 1)
        return float(np.sum(weight(P[mask])))
    return obs


_SP_TYPES = {"OTP": K.OTP, "ITP": K.ITP, "OSP": K.OSP, "ISP": K.ISP, "RTP": K.RTP}
_SP_CODE = {"esp": K.GWESP, "dsp": K.GWDSP, "nsp": K.GWNSP}
_SP_RTP_CODE = {"esp": K.ESP_RTP, "dsp": K.DSP_RTP, "nsp": K.NSP_RTP}


def _sp_type(call, ctx, typ):
    t = str(typ).upper()
    if t not in _SP_TYPES:
        raise InputError(f"`{call}`: type must be one of OTP, ITP, OSP, ISP, RTP; {typ!r} was given.")
    return _SP_TYPES[t] if ctx.directed else K.OTP, t


def _decay_value(call, v):
    try:
        decay = float(v)
    except (TypeError, ValueError):
        raise InputError(f"`{call}`: decay must be a number, e.g. {call.name}(0.5, fixed=TRUE).") from None
    if not np.isfinite(decay) or decay < 0:
        raise InputError(f"`{call}`: the decay must be a finite number >= 0; {v!r} was given.")
    return decay


def _t_sp(kind, weighted):
    """gwesp/gwdsp/gwnsp (weighted) and esp/dsp/nsp(d) (counts)."""
    def build(call, ctx):
        if weighted:
            a = _args(call, [("decay", None), ("fixed", False), ("cutoff", 30), ("type", "OTP"), ("alpha", None)])
            if a["alpha"] is not None and a["decay"] is None:
                a["decay"] = a["alpha"]
        else:
            a = _args(call, [("d", _REQUIRED), ("type", "OTP")])
        typ, tname = _sp_type(call, ctx, a["type"])
        pre = f"{kind}.{tname}" if ctx.directed else kind
        code = _SP_CODE[kind] if typ != K.RTP else _SP_RTP_CODE[kind]
        explicit_curved = weighted and a["decay"] is not None and "fixed" in call.kwargs and not a["fixed"]
        if weighted and (a["fixed"] or a["decay"] is not None) and not explicit_curved:
            if not a["fixed"]:
                raise InputError(
                    f"`{call}`: give fixed=TRUE for a fixed decay, e.g. {call.name}({a['decay']}, fixed=TRUE), or "
                    f"fixed=FALSE to estimate the decay (a curved ERGM).")
            decay = _decay_value(call, a["decay"] if a["decay"] is not None else 0.0)
            r = 1.0 - math.exp(-decay)
            label = f"gw{pre}.fixed.{_fmt(decay)}"
            return [Term(call.name, [label], code, (typ, 0, -1), (r, math.exp(decay), K.SP_GW),
                         dyad_independent=False, needs_tp=True,
                         observed_fn=_sp_observed(kind, typ, K.SP_GW, decay, 0))]
        if weighted:  # the curved term's canonical statistics: counts 1..cutoff
            cutoff = int(a["cutoff"])
            ds, names, curved = range(1, cutoff + 1), [f"{pre}#{d}" for d in range(1, cutoff + 1)], True
            decay0 = _decay_value(call, a["decay"]) if a["decay"] is not None else None
        else:
            dv = a["d"] if isinstance(a["d"], list) else [a["d"]]
            if not all(_int_like(d) and int(d) >= 0 for d in dv):
                raise InputError(f"`{call}`: d must be whole numbers >= 0; {a['d']!r} was given.")
            ds, names, curved = [int(d) for d in dv], [f"{pre}{int(d)}" for d in dv], False
        out = [Term(call.name, [nm], code, (typ, d, -1), (0.0, 0.0, K.SP_COUNT), dyad_independent=False,
                    needs_tp=True, curved=curved, observed_fn=_sp_observed(kind, typ, K.SP_COUNT, 0.0, d))
               for d, nm in zip(ds, names)]
        if curved:
            out[0].observed_fn = _cutoff_check(out[0].observed_fn, call, ctx, kind, typ, int(a["cutoff"]))
            for t, d in zip(out, ds):
                t.curve = (f"gw{pre}", decay0, d)
        return out
    return build


def _cutoff_check(fn, call, ctx, kind, typ, cutoff):
    def obs(c):
        A = _adj_dense(c)
        P = _sp_counts(A, typ, c.directed)
        mask = (A > 0) if kind == "esp" else ~np.eye(A.shape[0], dtype=bool)
        if kind == "nsp":
            mask &= A == 0
        mx = int(P[mask].max()) if mask.any() else 0
        if mx > cutoff:
            raise InputError(f"Term `{call.name}` has encountered a network for which the number of shared "
                             f"partners on a {'tie' if kind == 'esp' else 'dyad'} ({mx}) exceeded the cut-off "
                             f"setting of {cutoff}; increase `cutoff`.")
        return fn(c)
    return obs


def _t_transitiveties(call, ctx):
    a = _args(call, [("attr", None), ("diff", False), ("levels", None)])
    name = call.name
    if name == "cyclicalties":
        typ, code = (K.ITP if ctx.directed else K.OTP), K.CYCLICALTIES
    else:
        typ, code = K.OTP, K.TRANSITIVETIES
    if a["diff"]:
        raise InputError(f"`{call}`: diff=TRUE is not implemented for {name}; use attr= alone.")
    if a["attr"] is None:
        return [Term(name, [name], code, (typ, 0, -1), (0.0, 0.0, K.SP_ANY), dyad_independent=False,
                     needs_tp=True, observed_fn=_sp_observed("esp", typ, K.SP_ANY, 0.0, 0))]
    attr = a["attr"]
    r, _ = _attr_cats(call, ctx, attr, a["levels"])
    cat = ctx.ncat[r]
    return [Term(name, [f"{name}.{attr}"], code, (typ, 0, r), (0.0, 0.0, K.SP_ANY), dyad_independent=False,
                 needs_tp=True, observed_fn=_sp_observed("esp", typ, K.SP_ANY, 0.0, 0, cat))]


def _same_degrees(c, cat, kind):
    A = _adj_dense(c) * _same_matrix(c, cat)
    return {"in": A.sum(axis=0), "out": A.sum(axis=1), "all": A.sum(axis=1)}[kind]


def _t_star(kind):
    code = {"istar": K.ISTAR, "ostar": K.OSTAR, "kstar": K.KSTAR}[kind]
    deg = {"istar": "in", "ostar": "out", "kstar": "all"}[kind]

    def build(call, ctx):
        a = _args(call, [("k", _REQUIRED), ("attr", None), ("levels", None)])
        _need(ctx, call, kind != "kstar")
        ks = a["k"] if isinstance(a["k"], list) else [a["k"]]
        r, cat, suffix = -1, None, ""
        if a["attr"] is not None:
            r, _ = _attr_cats(call, ctx, a["attr"], a["levels"])
            cat, suffix = ctx.ncat[r], f".{a['attr']}"
        out = []
        for k in ks:
            if not _int_like(k) or k < 1:
                raise InputError(f"`{call}`: k must be positive integers; {k!r} was given.")
            k = int(k)

            def obs(c, k=k):
                d = _degrees(c, deg) if cat is None else _same_degrees(c, cat, deg)
                return float(sum(math.comb(int(x), k) for x in d))
            out.append(Term(kind, [f"{kind}{k}{suffix}"], code, (r, k, 0), dyad_independent=(k == 1 and r < 0),
                            observed_fn=obs))
        return out
    return build


def _t_isolates(call, ctx):
    _args(call, [])

    def obs(c):
        return float(np.sum(_degrees(c, "all") == 0))
    return [Term("isolates", ["isolates"], K.ISOLATES, dyad_independent=False, observed_fn=obs)]


def _t_mutual(call, ctx):
    a = _args(call, [("same", None), ("by", None), ("diff", False), ("keep", None), ("levels", None)])
    _need(ctx, call, True)

    def pairs(c):
        A = _adj_dense(c)
        return np.triu(A * A.T, 1)

    if a["same"] is None and a["by"] is None:
        return [Term("mutual", ["mutual"], K.MUTUAL, (-1, 0, 0), dyad_independent=False,
                     observed_fn=lambda c: float(pairs(c).sum()))]
    if a["same"] is not None and a["by"] is not None:
        raise InputError(f"`{call}`: give `same=` or `by=`, not both.")
    attr = a["same"] if a["same"] is not None else a["by"]
    vals, lev = ctx.levels(attr, call.name)
    kept = _levels_or_keep(a, lev, vals, call)
    r = _level_codes(ctx, vals, kept)
    cat = np.asarray(ctx.ncat[r])
    if a["same"] is not None and not a["diff"]:
        return [Term("mutual", [f"mutual.same.{attr}"], K.MUTUAL, (r, 1, 0), dyad_independent=False,
                     observed_fn=lambda c: float((pairs(c) * _same_matrix(c, cat)).sum()))]
    out = []
    for k, v in enumerate(kept):
        if a["same"] is not None:
            out.append(Term("mutual", [f"mutual.same.{attr}.{_fmt(v)}"], K.MUTUAL, (r, 2, k),
                            dyad_independent=False,
                            observed_fn=lambda c, k=k: float((pairs(c) * _same_matrix(c, cat, k)).sum())))
        else:
            def obs(c, k=k):
                P = pairs(c)
                hit = (cat == k).astype(float)
                return float((P * (hit[:, None] + hit[None, :])).sum())
            out.append(Term("mutual", [f"mutual.by.{attr}.{_fmt(v)}"], K.MUTUAL, (r, 3, k), dyad_independent=False,
                            observed_fn=obs))
    return out


def _t_degree(kind):
    """degree/idegree/odegree(d, by=, homophily=, levels=)."""
    flag = {"degree": 0, "idegree": 1, "odegree": 2}[kind]
    deg = {"degree": "all", "idegree": "in", "odegree": "out"}[kind]
    short = {"degree": "deg", "idegree": "ideg", "odegree": "odeg"}[kind]

    def build(call, ctx):
        a = _args(call, [("d", _REQUIRED), ("by", None), ("homophily", False), ("levels", None)])
        _need(ctx, call, None if kind == "degree" else True)
        if kind == "degree" and ctx.directed:
            raise InputError("`degree` is defined for undirected networks; use idegree/odegree on a directed one.")
        ds = a["d"] if isinstance(a["d"], list) else [a["d"]]
        if not all(_int_like(d) and int(d) >= 0 for d in ds):
            raise InputError(f"`{call}`: d must be whole numbers >= 0; {a['d']!r} was given.")
        ds = [int(d) for d in ds]
        if a["by"] is None:
            return [Term(kind, [f"{kind}{d}"], K.DEGREE, (-1, d, flag), (0.0, -1.0, 0.0), dyad_independent=False,
                         observed_fn=lambda c, d=d: float(np.sum(_degrees(c, deg) == d))) for d in ds]
        attr = a["by"]
        vals, lev = ctx.levels(attr, call.name)
        if a["homophily"]:
            r = _level_codes(ctx, vals, lev)
            cat = ctx.ncat[r]
            return [Term(kind, [f"{short}{d}.homophily.{attr}"], K.DEGREE, (r, d, flag | 4), (0.0, -1.0, 0.0),
                         dyad_independent=False,
                         observed_fn=lambda c, d=d: float(np.sum(_same_degrees(c, cat, deg) == d))) for d in ds]
        kept = select_levels(a["levels"], lev, vals, call)
        r = _level_codes(ctx, vals, kept)
        cat = np.asarray(ctx.ncat[r])
        return [Term(kind, [f"{short}{d}.{attr}{_fmt(v)}"], K.DEGREE, (r, d, flag), (0.0, float(k), 0.0),
                     dyad_independent=False,
                     observed_fn=lambda c, d=d, k=k: float(np.sum((_degrees(c, deg) == d) & (cat == k))))
                for k, v in enumerate(kept) for d in ds]
    return build


def _t_gwdeg(kind):
    code = {"gwidegree": K.GWIDEGREE, "gwodegree": K.GWODEGREE, "gwdegree": K.GWDEGREE}[kind]
    short = {"gwidegree": "gwideg", "gwodegree": "gwodeg", "gwdegree": "gwdeg"}[kind]
    deg = {"gwidegree": "in", "gwodegree": "out", "gwdegree": "all"}[kind]
    flag = {"gwidegree": 1, "gwodegree": 2, "gwdegree": 0}[kind]
    what = {"gwidegree": "in-degree", "gwodegree": "out-degree", "gwdegree": "degree"}[kind]

    def build(call, ctx):
        a = _args(call, [("decay", None), ("fixed", False), ("attr", None), ("cutoff", 30), ("levels", None)])
        _need(ctx, call, kind != "gwdegree")
        explicit_curved = a["decay"] is not None and "fixed" in call.kwargs and not a["fixed"]
        if not a["fixed"] and a["decay"] is not None and not explicit_curved:
            raise InputError(
                f"`{call}`: give fixed=TRUE for a fixed decay, e.g. {call.name}({a['decay']}, fixed=TRUE), or "
                f"fixed=FALSE to estimate the decay (a curved ERGM).")
        cat, kept, r = None, None, -1
        if a["attr"] is not None:
            vals, lev = ctx.levels(a["attr"], call.name)
            kept = select_levels(a["levels"], lev, vals, call)
            r = _level_codes(ctx, vals, kept)
            cat = np.asarray(ctx.ncat[r])
        if not a["fixed"]:  # the curved term's canonical statistics: degree counts 1..cutoff
            cutoff = int(a["cutoff"])
            if a["attr"] is not None:
                raise InputError(f"`{call}`: the attr= form needs a fixed decay, e.g. {call.name}(0.5, fixed=TRUE, "
                                 f"attr={a['attr']!r}).")

            def first(c, d=1):
                x = _degrees(c, deg)
                if x.max(initial=0) > cutoff:
                    raise InputError(
                        f"Term `{kind}` has encountered a network for which {what} of some node exceeded the "
                        f"cut-off setting of {cutoff}. Increase the term argument `cutoff`.")
                return float(np.sum(x == d))
            decay0 = _decay_value(call, a["decay"]) if a["decay"] is not None else None
            return [Term(kind, [f"{kind}#{d}"], K.DEGREE, (-1, d, flag), (0.0, -1.0, 0.0), dyad_independent=False,
                         curved=True, curve=(short, decay0, d),
                         observed_fn=(first if d == 1 else (lambda c, d=d: float(np.sum(_degrees(c, deg) == d)))))
                    for d in range(1, cutoff + 1)]
        decay = _decay_value(call, a["decay"])
        rr = 1.0 - math.exp(-decay)
        if cat is None:
            return [Term(kind, [f"{short}.fixed.{_fmt(decay)}"], code, (0, 0, 0), (rr, math.exp(decay), 1.0),
                         dyad_independent=False, observed_fn=lambda c: _gw(_degrees(c, deg), decay))]
        return [Term(kind, [f"{short}.fixed.{_fmt(decay)}.{a['attr']}{_fmt(v)}"], K.DEGREE, (r, 0, flag | 8),
                     (rr, float(k), 0.0), dyad_independent=False,
                     observed_fn=lambda c, k=k: _gw(_degrees(c, deg)[cat == k], decay))
                for k, v in enumerate(kept)]
    return build


# ---------------------------------------------------------------------------------------
# statnet terms added for issue 13: node effects, mixing, differences, degree ranges,
# triad classes, cycles and trails
def _node_positions(call, ctx, nodes, base):
    """Statnet's ``nodes=`` (level selection over node positions 1..n, default -1) or ``base=``."""
    pos = list(range(1, ctx.n + 1))
    if base is not None and nodes is _DEFAULT:
        b = base if isinstance(base, list) else [base]
        if not all(_int_like(v) for v in b):
            raise InputError(f"`{call}`: `base` must be node positions such as 1 or c(2, 3) (0 keeps all).")
        nodes = [-int(v) for v in b if int(v) != 0] or None
    keep = select_levels(nodes, pos, pos, call, default=-1)
    if not keep:
        raise InputError(f"`{call}` keeps no node.")
    return keep


def _t_sender_like(kind):
    code = {"sender": K.NODEOFACTOR, "receiver": K.NODEIFACTOR, "sociality": K.NODEFACTOR}[kind]
    side = {"sender": "out", "receiver": "in", "sociality": None}[kind]

    def build(call, ctx):
        a = _args(call, [("base", None), ("nodes", _DEFAULT), ("attr", None), ("levels", None)])
        _need(ctx, call, kind != "sociality")
        if kind == "sociality" and ctx.directed:
            raise InputError("`sociality` is defined for undirected networks; use sender/receiver on a directed one.")
        if a["attr"] is not None or a["levels"] is not None:
            raise InputError(f"`{call}`: the attr=/levels= form of {kind} is not implemented; use nodes= alone.")
        keep = _node_positions(call, ctx, a["nodes"], a["base"])
        where = {v: k for k, v in enumerate(keep)}
        r = ctx.add_cat([where.get(p, -1) for p in range(1, ctx.n + 1)])
        cat = ctx.ncat[r]
        nk = len(keep)

        def obs(c):
            d = _degrees(c, side or "all")
            s = np.zeros(nk)
            for v in range(c.n):
                if cat[v] >= 0:
                    s[cat[v]] += d[v]
            return s
        return [Term(kind, [f"{kind}{p}" for p in keep], code, (r, 0, 0), observed_fn=obs)]
    return build


def _t_nodemix(call, ctx):
    if ctx.bipartite:
        return _bip.t_nodemix(call, ctx)
    a = _args(call, [("attr", _REQUIRED), ("base", None), ("levels", None), ("levels2", _DEFAULT)])
    attr = a["attr"]
    vals, lev = ctx.levels(attr, call.name)
    u = select_levels(a["levels"], lev, vals, call)
    L = len(u)
    if ctx.directed:  # R's as.vector(outer(u, u)): column-major, row = tail level
        pairs = [(r_, c_) for c_ in range(L) for r_ in range(L)]
    else:
        pairs = [(r_, c_) for c_ in range(L) for r_ in range(c_ + 1)]
    positions = list(range(1, len(pairs) + 1))
    levels2 = _base_levels(call, a["levels2"], a["base"], "positions of level pairs such as 1 or c(2, 3)")
    keep = select_levels(levels2, positions, positions, call, default=-1)
    if not keep:
        raise InputError(f"`{call}` keeps no pair of levels of {attr!r}.")
    index = {pairs[p - 1]: k for k, p in enumerate(keep)}
    code = {v: k for k, v in enumerate(u)}
    cv = np.array([code.get(v, -1) for v in vals], dtype=np.int64)
    n = ctx.n
    M = np.full((n, n), -1.0)
    for i in range(n):
        if cv[i] < 0:
            continue
        for j in range(n):
            if i == j or cv[j] < 0:
                continue
            key = (cv[i], cv[j]) if ctx.directed else (min(cv[i], cv[j]), max(cv[i], cv[j]))
            M[i, j] = index.get(key, -1)
    names = [f"mix.{attr}.{_fmt(u[pairs[p - 1][0]])}.{_fmt(u[pairs[p - 1][1]])}" for p in keep]
    return _mix_term(ctx, M, names)


def _mix_term(ctx, M, names):
    """The `nodemix` term counting ties by ``M[i, j]`` (a statistic's index, -1 for none)."""
    ctx.ecov.append(M)
    r = len(ctx.ecov) - 1
    nk = len(names)

    def obs(c):
        s = np.zeros(nk)
        for i, j in c.edges_idx():
            k = int(M[i, j])
            if k >= 0:
                s[k] += 1
        return s
    return [Term("nodemix", names, K.NODEMIX, (r, 0, 0), observed_fn=obs)]


def _t_absdiffcat(call, ctx):
    a = _args(call, [("attr", _REQUIRED), ("base", None), ("levels", _DEFAULT)])
    attr = a["attr"]
    r = ctx.numeric_node(attr, call.name)
    x = ctx.ncov[r]
    u = sorted({float(v) for v in np.abs(x[:, None] - x[None, :]).ravel() if v > 0})
    levels = _base_levels(call, a["levels"], a["base"])
    keep = select_levels(None if levels is _DEFAULT else levels, u, u, call)
    if not keep:
        raise InputError(f"`{call}`: no difference of {attr!r} is kept (differences {u!r}).")
    return [Term("absdiffcat", [f"absdiff.{attr}.{_fmt(v)}"], K.ABSDIFFCAT, (r, 0, 0), (float(v), 0.0, 1.0),
                 observed_fn=lambda c, v=v: _sum_edges(c, lambda i, j: float(abs(x[i] - x[j]) == v)))
            for v in keep]


def _t_density_like(kind):
    def build(call, ctx):
        _args(call, [])
        n = ctx.n
        if kind == "density":
            scale = 1.0 / (n * (n - 1) if ctx.directed else n * (n - 1) / 2)
            if ctx.bipartite:  # statnet: the dyads between the modes
                scale = 1.0 / (ctx.bipartite * (n - ctx.bipartite))
        else:  # meandeg: mean degree (out-degree when directed)
            scale = (1.0 if ctx.directed else 2.0) / n
        return [Term(kind, [kind], K.SCALED_EDGES, (0, 0, 0), (scale, 0.0, 0.0),
                     observed_fn=lambda c: c.G.number_of_edges() * scale)]
    return build


_DIRS = {"t-h": 0, "tail-head": 0, "h-t": 1, "head-tail": 1}
_SIGN_ACTIONS = ["identity", "abs", "posonly", "negonly"]


def _t_diff(call, ctx):
    a = _args(call, [("attr", _REQUIRED), ("pow", 1.0), ("dir", "t-h"), ("sign.action", "identity")])
    attr = a["attr"]
    d = str(a["dir"]).lower()
    if d not in _DIRS:
        raise InputError(f"`{call}`: dir must be 't-h' or 'h-t' (tail-head/head-tail); {a['dir']!r} was given.")
    act = [s for s in _SIGN_ACTIONS if s.startswith(str(a["sign.action"]).lower())]
    if len(act) != 1:
        raise InputError(f"`{call}`: sign.action must be one of {_SIGN_ACTIONS}; {a['sign.action']!r} was given.")
    act = act[0]
    pw = float(a["pow"])
    r = ctx.numeric_node(attr, call.name)
    x = ctx.ncov[r]
    ai = _SIGN_ACTIONS.index(act)
    dname = "t-h" if _DIRS[d] == 0 else "h-t"
    label = (f"diff{_fmt(pw) if pw != 1 else ''}{'.' + act if act != 'identity' else ''}"
             f"{'.' + dname if act != 'abs' else ''}.{attr}")

    def f(i, j):
        v = x[i] - x[j] if _DIRS[d] == 0 else x[j] - x[i]
        v = {0: v, 1: abs(v), 2: max(v, 0.0), 3: min(v, 0.0)}[ai]
        return v ** pw
    return [Term("diff", [label], K.DIFF, (r, _DIRS[d], ai), (0.0, 0.0, pw),
                 observed_fn=lambda c: _sum_edges(c, f))]


def _t_smalldiff(call, ctx):
    a = _args(call, [("attr", _REQUIRED), ("cutoff", _REQUIRED)])
    attr = a["attr"]
    cut = float(a["cutoff"])
    r = ctx.numeric_node(attr, call.name)
    x = ctx.ncov[r]
    return [Term("smalldiff", [f"smalldiff.{attr}.{_fmt(cut)}"], K.SMALLDIFF, (r, 0, 0), (cut, 0.0, 0.0),
                 observed_fn=lambda c: _sum_edges(c, lambda i, j: float(abs(x[i] - x[j]) <= cut)))]


def _t_dyadcov(call, ctx):
    a = _args(call, [("x", _REQUIRED), ("attrname", None)])
    x = a["attrname"] if a["attrname"] is not None else a["x"]
    r, label = ctx.edge_matrix(x, call.name)
    M = ctx.ecov[r]
    n = ctx.n
    iu = np.triu_indices(n, 1)
    S = np.zeros((n, n))
    S[iu] = M[iu]  # statnet reads the covariate of the dyad {i, j} at [min, max]
    ctx.ecov[r] = np.ascontiguousarray(S + S.T)
    M = ctx.ecov[r]
    if not ctx.directed:
        return [Term("dyadcov", [f"dyadcov.{label}"], K.DYADCOV, (r, 0, 0),
                     observed_fn=lambda c: _sum_edges(c, lambda i, j: M[i, j]))]

    def obs(c):
        A = _adj_dense(c)
        up = np.triu(np.ones((n, n), dtype=bool), 1)
        mut = (A * A.T)[up]
        asym = A * (1 - A.T)
        # statnet's order (checked against its test): mutual, ties with tail > head, tail < head
        return np.array([np.sum(mut * M[up]), np.sum((asym * M)[up.T]), np.sum((asym * M)[up])])
    return [Term("dyadcov", [f"dyadcov.mutual.{label}", f"dyadcov.utri.{label}", f"dyadcov.ltri.{label}"],
                 K.DYADCOV, (r, 0, 0), dyad_independent=False, observed_fn=obs)]


def _t_asymmetric(call, ctx):
    a = _args(call, [("attr", None), ("diff", False), ("keep", None), ("levels", None)])
    _need(ctx, call, True)

    def asym(c, S=None):
        A = _adj_dense(c)
        B = np.triu(A * (1 - A.T) + A.T * (1 - A), 1)
        return float((B if S is None else B * S).sum())
    if a["attr"] is None:
        return [Term("asymmetric", ["asymmetric"], K.ASYMMETRIC, (-1, 0, 0), dyad_independent=False,
                     observed_fn=lambda c: asym(c))]
    attr = a["attr"]
    vals, lev = ctx.levels(attr, call.name)
    kept = _levels_or_keep(a, lev, vals, call)
    r = _level_codes(ctx, vals, kept)
    cat = np.asarray(ctx.ncat[r])
    if not a["diff"]:
        return [Term("asymmetric", [f"asymmetric.{attr}"], K.ASYMMETRIC, (r, 1, 0), dyad_independent=False,
                     observed_fn=lambda c: asym(c, _same_matrix(c, cat)))]
    return [Term("asymmetric", [f"asymmetric.{attr}.{_fmt(v)}"], K.ASYMMETRIC, (r, 2, k), dyad_independent=False,
                 observed_fn=lambda c, k=k: asym(c, _same_matrix(c, cat, k)))
            for k, v in enumerate(kept)]


def _t_degrange(kind):
    flag = {"degrange": 0, "idegrange": 1, "odegrange": 2}[kind]
    deg = {"degrange": "all", "idegrange": "in", "odegrange": "out"}[kind]
    short = {"degrange": "deg", "idegrange": "ideg", "odegrange": "odeg"}[kind]

    def build(call, ctx):
        a = _args(call, [("from", _REQUIRED), ("to", float("inf")), ("by", None), ("homophily", False),
                         ("levels", None)])
        _need(ctx, call, None if kind == "degrange" else True)
        if kind == "degrange" and ctx.directed:
            raise InputError("`degrange` is defined for undirected networks; use idegrange/odegrange on a directed one.")
        fr = a["from"] if isinstance(a["from"], list) else [a["from"]]
        to = a["to"] if isinstance(a["to"], list) else [a["to"]]
        if len(to) == 1 and len(fr) > 1:
            to = to * len(fr)
        elif len(fr) == 1 and len(to) > 1:
            fr = fr * len(to)
        elif len(fr) != len(to):
            raise InputError(f"`{call}`: from and to must have the same length, or one of them length 1.")
        big = ctx.n + 1
        to = [big if float(t) >= big else t for t in to]
        if not all(_int_like(f) and f >= 0 for f in fr) or not all(_int_like(t) for t in to):
            raise InputError(f"`{call}`: from and to must be whole numbers >= 0 (to may be Inf).")
        if any(f >= t for f, t in zip(fr, to)):
            raise InputError(f"`{call}`: every `from` must be below its `to`.")
        rng = [(int(f), int(t)) for f, t in zip(fr, to)]
        lab = [f"{short}{f}+" if t >= big else f"{short}{f}to{t}" for f, t in rng]

        def count(d, f, t):
            return float(np.sum((d >= f) & (d < t)))
        if a["by"] is None:
            return [Term(kind, [nm], K.DEGRANGE, (-1, f, flag), (float(t), -1.0, 0.0), dyad_independent=False,
                         observed_fn=lambda c, f=f, t=t: count(_degrees(c, deg), f, t))
                    for (f, t), nm in zip(rng, lab)]
        attr = a["by"]
        vals, lev = ctx.levels(attr, call.name)
        if a["homophily"]:
            r = _level_codes(ctx, vals, lev)
            cat = ctx.ncat[r]
            return [Term(kind, [f"{nm}.homophily.{attr}"], K.DEGRANGE, (r, f, flag | 4), (float(t), -1.0, 0.0),
                         dyad_independent=False,
                         observed_fn=lambda c, f=f, t=t: count(_same_degrees(c, cat, deg), f, t))
                    for (f, t), nm in zip(rng, lab)]
        kept = select_levels(a["levels"], lev, vals, call)
        r = _level_codes(ctx, vals, kept)
        cat = np.asarray(ctx.ncat[r])
        return [Term(kind, [f"{nm}.{attr}{_fmt(v)}"], K.DEGRANGE, (r, f, flag), (float(t), float(k), 0.0),
                     dyad_independent=False,
                     observed_fn=lambda c, f=f, t=t, k=k: count(_degrees(c, deg)[cat == k], f, t))
                for k, v in enumerate(kept) for (f, t), nm in zip(rng, lab)]
    return build


def _t_concurrent(call, ctx):
    a = _args(call, [("by", None), ("levels", None)])
    _need(ctx, call, False)
    name = call.name
    big = ctx.n + 1
    if a["by"] is None:
        cat, kept, r = None, [None], -1
    else:
        vals, lev = ctx.levels(a["by"], name)
        kept = select_levels(a["levels"], lev, vals, call)
        r = _level_codes(ctx, vals, kept)
        cat = np.asarray(ctx.ncat[r])
    out = []
    for k, v in enumerate(kept):
        label = name if cat is None else f"{name}.{a['by']}{_fmt(v)}"

        def obs(c, k=k):
            d = _degrees(c, "all")
            if cat is not None:
                d = d[cat == k]
            return float(np.sum(d >= 2)) if name == "concurrent" else float(np.sum(np.maximum(d - 1, 0)))
        if name == "concurrent":
            out.append(Term(name, [label], K.DEGRANGE, (r, 2, 0), (float(big), float(k if cat is not None else -1), 0.0),
                            dyad_independent=False, observed_fn=obs))
        else:
            out.append(Term(name, [label], K.CONCURRENTTIES, (r, k, 0), dyad_independent=False, observed_fn=obs))
    return out


def _t_deg15(kind):
    flag = {"degree1.5": 0, "idegree1.5": 1, "odegree1.5": 2}[kind]
    deg = {"degree1.5": "all", "idegree1.5": "in", "odegree1.5": "out"}[kind]

    def build(call, ctx):
        _args(call, [])
        _need(ctx, call, None if kind == "degree1.5" else True)
        if kind == "degree1.5" and ctx.directed:
            raise InputError("`degree1.5` is defined for undirected networks; use idegree1.5/odegree1.5.")
        return [Term(kind, [kind], K.DEG15, (flag, 0, 0), dyad_independent=False,
                     observed_fn=lambda c: float(np.sum(_degrees(c, deg) ** 1.5)))]
    return build


def _t_twopath(call, ctx):
    _args(call, [])
    name = call.name
    if name == "m2star":
        _need(ctx, call, True)

    def obs(c):
        A = _adj_dense(c)
        if not c.directed:
            d = A.sum(axis=1)
            return float(np.sum(d * (d - 1) / 2))
        return float(np.sum(A.sum(axis=0) * A.sum(axis=1)) - 2 * np.sum(np.triu(A * A.T, 1)))
    return [Term(name, [name], K.TWOPATH, dyad_independent=False, observed_fn=obs)]


def _t_altkstar(call, ctx):
    a = _args(call, [("lambda", 1.0), ("fixed", False)])
    _need(ctx, call, False)
    lam = float(a["lambda"])
    if not a["fixed"]:
        if "lambda" in call.kwargs or call.args:
            raise InputError(f"`{call}`: the curved form (lambda estimated) is not implemented; write "
                             f"altkstar({_fmt(lam)}, fixed=TRUE).")
        # statnet's curved altkstar: its canonical statistics are the degree counts 1..n-1
        return [Term("altkstar", [f"altkstar#{d}"], K.DEGREE, (-1, d, 0), (0.0, -1.0, 0.0), dyad_independent=False,
                     curved=True, curve=("altkstar", None, d),
                     observed_fn=lambda c, d=d: float(np.sum(_degrees(c, "all") == d)))
                for d in range(1, ctx.n)]
    if not lam > 0:
        raise InputError(f"`{call}`: lambda must be positive; {a['lambda']!r} was given.")

    def obs(c):
        d = _degrees(c, "all")
        q = 1.0 - 1.0 / lam
        return float(lam * lam * np.sum(q ** d - 1.0) + lam * np.sum(d))
    return [Term("altkstar", [f"altkstar.{_fmt(lam)}"], K.ALTKSTAR, (0, 0, 0), (lam, 0.0, 0.0),
                 dyad_independent=False, observed_fn=obs)]


_TRIAD_NAMES = ["003", "012", "102", "021D", "021U", "021C", "111D", "111U", "030T", "030C", "201", "120D", "120U",
                "120C", "210", "300"]


def _triad_types(c):
    """Counts of the 16 (directed, networkx's triadic census) or 4 (undirected: 0-3 ties) triad types."""
    n = c.n
    if not c.directed:
        A = _adj_dense(c)
        d = A.sum(axis=1)
        t3 = float(np.trace(A @ A @ A) / 6)
        t2 = float(np.sum(d * (d - 1) / 2)) - 3 * t3
        t1 = float(A.sum() / 2) * (n - 2) - 2 * t2 - 3 * t3
        return np.array([math.comb(n, 3) - t1 - t2 - t3, t1, t2, t3])
    import networkx as nx

    H = nx.DiGraph()
    H.add_nodes_from(range(n))
    H.add_edges_from(c.edges_idx())
    census = nx.triadic_census(H)
    return np.array([float(census[t]) for t in _TRIAD_NAMES])


def _t_triadclass(call, ctx):
    name = call.name
    if name == "triadcensus":
        a = _args(call, [("levels", None)])
        names = _TRIAD_NAMES if ctx.directed else ["0", "1", "2", "3"]
        lv = a["levels"]
        types = list(range(1, len(names))) if lv is None else (lv if isinstance(lv, list) else [lv])
        if not all(_int_like(t) and 0 <= t < len(names) for t in types):
            raise InputError(f"`{call}`: the triad types are 0..{len(names) - 1} ({', '.join(names)}); "
                             f"{lv!r} was given.")
        types = sorted({int(t) for t in types})
        mask = sum(1 << t for t in types)
        return [Term(name, [f"triadcensus.{names[t]}" for t in types], K.TRIADCLASS, (mask, 1, 0),
                     dyad_independent=False, observed_fn=lambda c: _triad_types(c)[types])]
    _args(call, [])
    if name in ("simmelian", "nearsimmelian"):
        _need(ctx, call, True)
        types = [15] if name == "simmelian" else [14]
    else:  # balance: 102 and 300 (directed); 1 or 3 ties (undirected)
        types = [2, 15] if ctx.directed else [1, 3]
    mask = sum(1 << t for t in types)
    return [Term(name, [name], K.TRIADCLASS, (mask, 0, 0), dyad_independent=False,
                 observed_fn=lambda c: float(_triad_types(c)[types].sum()))]


def _t_transitive(call, ctx):
    _args(call, [])
    _need(ctx, call, True)
    if call.name == "transitive":  # statnet's transitive counts transitive triples (as ttriple)
        return [Term("transitive", ["transitive"], K.TTRIPLE, (-1, -1, 0), dyad_independent=False,
                     observed_fn=lambda c: _triples(c)[0])]

    def obs(c):
        A = _adj_dense(c)
        P = A @ A
        np.fill_diagonal(P, 0)
        return float(np.sum(P * (1 - A)))
    return [Term("intransitive", ["intransitive"], K.INTRANSITIVE, dyad_independent=False, observed_fn=obs)]


def _t_simmelianties(call, ctx):
    _args(call, [])
    _need(ctx, call, True)

    def obs(c):
        A = _adj_dense(c)
        M = A * A.T
        P = M @ M
        return float(np.sum((M > 0) & (P > 0)))
    return [Term("simmelianties", ["simmelianties"], K.SIMMELIANTIES, dyad_independent=False, observed_fn=obs)]


def _t_opentriad(call, ctx):
    _args(call, [])
    _need(ctx, call, False)

    def obs(c):
        A = _adj_dense(c)
        d = A.sum(axis=1)
        return float(np.sum(d * (d - 1) / 2) - np.trace(A @ A @ A) / 2)
    return [Term("opentriad", ["opentriad"], K.OPENTRIAD, dyad_independent=False, observed_fn=obs)]


def _simple_cycles(c, k, semi):
    """Number of cycles of length k (directed; semicycles: direction ignored) by enumeration."""
    A = _adj_dense(c) > 0
    if c.directed and semi:
        A = A | A.T
    n = A.shape[0]
    nbr = [np.nonzero(A[v])[0] for v in range(n)]
    directed = c.directed and not semi
    total = 0

    def dfs(start, v, depth, onpath):
        nonlocal total
        for w in nbr[v]:
            if w == start and depth == k:
                total += 1
            elif w > start and not onpath[w] and depth < k:
                onpath[w] = True
                dfs(start, w, depth + 1, onpath)
                onpath[w] = False
    for s in range(n):
        onpath = np.zeros(n, dtype=bool)
        onpath[s] = True
        dfs(s, s, 1, onpath)
    # each cycle is found from its smallest node in both directions when undirected
    return float(total if directed else total / 2)


def _t_cycle(call, ctx):
    a = _args(call, [("k", _REQUIRED), ("semi", False)])
    ks = a["k"] if isinstance(a["k"], list) else [a["k"]]
    semi = bool(a["semi"]) and ctx.directed
    lo = 2 if (ctx.directed and not semi) else 3
    if not all(_int_like(k) and lo <= k <= max(ctx.n, lo) for k in ks):
        raise InputError(f"`{call}`: k must be whole numbers from {lo} to the number of nodes; {a['k']!r} was given.")
    pre = "semicycle" if semi else "cycle"
    return [Term("cycle", [f"{pre}{int(k)}"], K.CYCLE, (int(k), int(semi), 0), dyad_independent=False,
                 observed_fn=lambda c, k=int(k): _simple_cycles(c, k, semi)) for k in ks]


_TRAILS = ["RRR", "RRL", "LRR", "LRL"]


def _t_threetrail(call, ctx):
    a = _args(call, [("keep", None), ("levels", None)])
    if not ctx.directed:
        if a["keep"] is not None or a["levels"] is not None:
            raise InputError(f"`{call}`: keep=/levels= select the directed trail types; the graph is undirected.")

        def obs_u(c):
            A = _adj_dense(c)
            d = A.sum(axis=1)
            return float(np.sum(np.triu(A, 1) * np.outer(d - 1, d - 1)))
        return [Term("threetrail", ["threetrail"], K.THREETRAIL, (-1, 0, 0), dyad_independent=False,
                     observed_fn=obs_u)]
    kept = _levels_or_keep(a, _TRAILS, _TRAILS, call)

    def obs(c, typ):
        A = _adj_dense(c)
        i_, o_ = A.sum(axis=0), A.sum(axis=1)
        if typ == 0:
            W = np.outer(i_, o_) - A.T
        elif typ == 1:
            W = np.outer(i_, i_ - 1)
        elif typ == 2:
            W = np.outer(o_ - 1, o_)
        else:
            W = np.outer(o_ - 1, i_ - 1)
        return float(np.sum(A * W))
    idx = [_TRAILS.index(t) for t in kept]
    return [Term("threetrail", [f"threetrail.{_TRAILS[k]}"], K.THREETRAIL, (k, 0, 0), dyad_independent=False,
                 observed_fn=lambda c, k=k: obs(c, k)) for k in idx]


def _t_degcrossprod(call, ctx):
    _args(call, [])
    _need(ctx, call, False)
    e_obs = ctx.G.number_of_edges()
    if e_obs == 0:
        raise InputError("`degcrossprod` needs a network with ties (statnet divides by the observed number of ties).")

    def obs(c):
        A = _adj_dense(c)
        d = A.sum(axis=1)
        return float(np.sum(np.triu(A, 1) * np.outer(d, d)) / (2 * e_obs))
    # statnet's input is 2 * (observed ties): the statistic is sum over ties of d_i d_j / (2 E_obs)
    return [Term("degcrossprod", ["degcrossprod"], K.GLOBALSTAT, (0, -1, 0), (2.0 * e_obs, 0.0, 0.0),
                 dyad_independent=False, observed_fn=obs)]



def _t_degcor(call, ctx):
    """Statnet's degcor: summary and change statistic as statnet defines them.

    The statistic is the degree correlation over ties (statnet's s_degcor), while its change
    statistic is the change of the sum over ties of d_u d_v divided by (sigma2 E) of the
    observed network (its d_degcor), so the MPLE is statnet's.
    """
    _args(call, [])
    _need(ctx, call, False)
    A = ctx.adj.astype(float)
    e_obs = A.sum() / 2
    d = A.sum(axis=1)
    iu = np.nonzero(np.triu(A, 1))
    alld = np.concatenate([d[iu[0]], d[iu[1]]])
    sigma2 = float(np.mean(alld ** 2) - np.mean(alld) ** 2) if e_obs else 0.0
    if not sigma2 > 0:
        raise InputError("`degcor` needs a network whose tied nodes differ in degree (statnet divides by the "
                         "variance of the degrees at the ends of the ties).")

    def obs(c):
        B = _adj_dense(c)
        dd = B.sum(axis=1)
        r, cc = np.nonzero(np.triu(B, 1))
        x = np.concatenate([dd[r], dd[cc]])
        y = np.concatenate([dd[cc], dd[r]])
        s2 = np.mean(x ** 2) - np.mean(x) ** 2
        return float((np.mean(x * y) - np.mean(x) ** 2) / s2) if s2 > 0 else 0.0
    return [Term("degcor", ["degcor"], K.GLOBALSTAT, (0, -1, 0), (sigma2 * e_obs, 0.0, 0.0), dyad_independent=False,
                 observed_fn=obs)]


def _t_tripercent(call, ctx):
    a = _args(call, [("attr", None), ("diff", False), ("levels", None)])
    _need(ctx, call, False)
    if a["diff"]:
        raise InputError(f"`{call}`: diff=TRUE is not implemented for tripercent; use attr= alone.")
    r, cat, label = -1, None, "tripercent"
    if a["attr"] is not None:
        vals, lev = ctx.levels(a["attr"], call.name)
        kept = select_levels(a["levels"], lev, vals, call)
        r = _level_codes(ctx, vals, kept)
        cat = np.asarray(ctx.ncat[r])
        label = f"tripercent.{a['attr']}"

    def obs(c):
        A = _adj_dense(c)
        if cat is not None:
            A = A * _same_matrix(c, cat)
        t = np.trace(A @ A @ A) / 6
        d = A.sum(axis=1)
        s2 = np.sum(d * (d - 1) / 2)
        return float(100.0 * t / (s2 - 2 * t)) if t > 0 else 0.0
    return [Term("tripercent", [label], K.GLOBALSTAT, (2, r, 0), dyad_independent=False, observed_fn=obs)]



def _t_isolatededges(call, ctx):
    _args(call, [])
    _need(ctx, call, False)

    def obs(c):
        d = _degrees(c, "all")
        return float(sum(1 for a, b in c.edges_idx() if d[a] == 1 and d[b] == 1))
    return [Term("isolatededges", ["isolatededges"], K.ISOLATEDEDGES, dyad_independent=False, observed_fn=obs)]


TERMS = {
    "edges": _t_edges,
    "mutual": _t_mutual,
    "nodecov": _t_nodecov_like(K.NODECOV, "nodecov", None),
    "nodeicov": _t_nodecov_like(K.NODEICOV, "nodeicov", "in"),
    "nodeocov": _t_nodecov_like(K.NODEOCOV, "nodeocov", "out"),
    "nodefactor": _t_factor_like(K.NODEFACTOR, "nodefactor", None),
    "nodeifactor": _t_factor_like(K.NODEIFACTOR, "nodeifactor", "in"),
    "nodeofactor": _t_factor_like(K.NODEOFACTOR, "nodeofactor", "out"),
    "nodematch": _t_nodematch,
    "absdiff": _t_absdiff,
    "edgecov": _t_edgecov,
    "triangle": _t_triangle,
    "ttriple": _t_triangle,
    "ctriple": _t_triangle,
    "transitiveties": _t_transitiveties,
    "cyclicalties": _t_transitiveties,
    "istar": _t_star("istar"),
    "ostar": _t_star("ostar"),
    "kstar": _t_star("kstar"),
    "isolates": _t_isolates,
    "degree": _t_degree("degree"),
    "idegree": _t_degree("idegree"),
    "odegree": _t_degree("odegree"),
    "gwesp": _t_sp("esp", True),
    "gwdsp": _t_sp("dsp", True),
    "gwnsp": _t_sp("nsp", True),
    "esp": _t_sp("esp", False),
    "dsp": _t_sp("dsp", False),
    "nsp": _t_sp("nsp", False),
    "gwidegree": _t_gwdeg("gwidegree"),
    "gwodegree": _t_gwdeg("gwodegree"),
    "gwdegree": _t_gwdeg("gwdegree"),
    "sender": _t_sender_like("sender"),
    "receiver": _t_sender_like("receiver"),
    "sociality": _t_sender_like("sociality"),
    "nodemix": _t_nodemix,
    "absdiffcat": _t_absdiffcat,
    "density": _t_density_like("density"),
    "meandeg": _t_density_like("meandeg"),
    "diff": _t_diff,
    "smalldiff": _t_smalldiff,
    "dyadcov": _t_dyadcov,
    "asymmetric": _t_asymmetric,
    "degrange": _t_degrange("degrange"),
    "idegrange": _t_degrange("idegrange"),
    "odegrange": _t_degrange("odegrange"),
    "concurrent": _t_concurrent,
    "concurrentties": _t_concurrent,
    "degree1.5": _t_deg15("degree1.5"),
    "idegree1.5": _t_deg15("idegree1.5"),
    "odegree1.5": _t_deg15("odegree1.5"),
    "twopath": _t_twopath,
    "m2star": _t_twopath,
    "altkstar": _t_altkstar,
    "triadcensus": _t_triadclass,
    "balance": _t_triadclass,
    "simmelian": _t_triadclass,
    "nearsimmelian": _t_triadclass,
    "transitive": _t_transitive,
    "intransitive": _t_transitive,
    "simmelianties": _t_simmelianties,
    "opentriad": _t_opentriad,
    "cycle": _t_cycle,
    "threetrail": _t_threetrail,
    "degcrossprod": _t_degcrossprod,
    "degcor": _t_degcor,
    "tripercent": _t_tripercent,
    "isolatededges": _t_isolatededges,
}

from . import bipartite as _bip  # noqa: E402  (bipartite networks: b1/b2 terms, statnet's bipartite forms)

TERMS.update(_bip.BIPARTITE_TERMS)

# statnet's alternative spellings of the same terms
ALIASES = {"triangles": "triangle", "ttriad": "ttriple", "ctriad": "ctriple", "dgwesp": "gwesp", "dgwdsp": "gwdsp",
           "dgwnsp": "gwnsp", "desp": "esp", "ddsp": "dsp", "dnsp": "nsp"}


def build_terms(calls, ctx) -> list[Term]:
    """Turn parsed :class:`TermCall` objects into kernel terms.

    Parameters
    ----------
    calls : list of TermCall
        From :func:`~spatialhealth.networks.ergm.formula.parse_formula`.
    ctx : BuildContext
        The network and covariates.

    Returns
    -------
    list of Term
        One per call.

    Raises
    ------
    InputError
        For an unknown term or bad arguments.

    Examples
    --------
    >>> import networkx as nx
    >>> from spatialhealth.networks.ergm.formula import parse_formula
    >>> terms = build_terms(parse_formula("edges + triangle"), BuildContext(nx.florentine_families_graph()))
    >>> [t.names for t in terms]
    [['edges'], ['triangle']]
    """
    out = []
    for ci, call in enumerate(calls):
        name = call.name
        if name in ALIASES:
            name = ALIASES[name]
            call = TermCall(name, call.args, call.kwargs)
        if name in TERMS:
            _bip.check_term(name, ctx)
        elif name.startswith(("b1", "b2", "gwb1", "gwb2")):
            raise InputError(
                f"`{name}` is a statnet term for bipartite networks that is not implemented here; the bipartite "
                f"terms are {', '.join(sorted(_bip.BIPARTITE_TERMS))} (see spatialhealth.networks.ergm.bipartite).")
        if name not in TERMS:
            raise InputError(
                f"Unknown ERGM term {name!r}; available terms: {', '.join(sorted(TERMS))}."
            )
        built = TERMS[name](call, ctx)
        for t in built:
            if t.curved and t.curve:
                t.curve = (*t.curve, ci)  # (label, decay0, k, formula position)
        out.extend(built)
    return out
