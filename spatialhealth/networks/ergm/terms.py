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
``gwodegree`` (D), ``gwdegree`` (U).

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
from .formula import TermCall


@dataclass
class Term:
    """One kernel term: its statistic names and how to compute / change them."""

    name: str
    names: list
    code: int
    ipar: tuple = (0, 0, 0)
    fpar: tuple = (0.0, 0.0, 1.0)
    dyad_independent: bool = True
    needs_tp: bool = False
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
    """Graph data and covariate storage shared by the terms of one model."""

    def __init__(self, G, edge_covariates=None):
        self.G = G
        self.nodes = list(G.nodes())
        self.index = {v: k for k, v in enumerate(self.nodes)}
        self.n = len(self.nodes)
        self.directed = G.is_directed()
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
        if not isinstance(attr, str):
            raise InputTypeError(f"`{term}` needs a node attribute name (a string); {attr!r} was given.")
        vals, missing = [], []
        for v in self.nodes:
            d = self.G.nodes[v]
            if attr not in d or d[attr] is None or (isinstance(d[attr], float) and math.isnan(d[attr])):
                missing.append(v)
            else:
                vals.append(d[attr])
        if missing:
            have = sorted({k for v in self.nodes for k in self.G.nodes[v]})
            shown = ", ".join(repr(m) for m in missing[:10]) + (" ..." if len(missing) > 10 else "")
            raise InputError(
                f"`{term}('{attr}')`: node attribute {attr!r} is missing or NaN for "
                f"{len(missing)} node(s) ({shown}); node attributes present: {have}."
            )
        return vals

    def numeric_node(self, attr, term) -> int:
        vals = self.node_values(attr, term)
        try:
            x = np.asarray(vals, dtype=float)
        except (TypeError, ValueError):
            raise InputError(
                f"`{term}('{attr}')` needs a numeric node attribute; {attr!r} has values such as "
                f"{vals[:3]!r}. Use nodefactor/nodematch for categories."
            ) from None
        self.ncov.append(x)
        return len(self.ncov) - 1

    def add_cat(self, codes) -> int:
        self.ncat.append(np.asarray(codes, dtype=np.int64))
        return len(self.ncat) - 1

    def levels(self, attr, term):
        vals = self.node_values(attr, term)
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
        if isinstance(x, str):
            label = label or x
            if x in self.edge_covariates:
                x = self.edge_covariates[x]
            else:
                m = np.zeros((n, n))
                found = False
                for u, v, d in self.G.edges(data=True):
                    if x in d:
                        found = True
                        a, b = self.index[u], self.index[v]
                        m[a, b] = float(d[x])
                        if not self.directed:
                            m[b, a] = float(d[x])
                if not found:
                    raise InputError(
                        f"`edgecov('{x}')`: {x!r} is neither a key of `edge_covariates` "
                        f"(keys: {sorted(self.edge_covariates)}) nor an edge attribute of the graph."
                    )
                x = m
        if label is None:
            label = "x"
        if isinstance(x, pd.DataFrame):
            missing = [v for v in self.nodes if v not in x.index or v not in x.columns]
            if missing:
                raise InputError(
                    f"`edgecov('{label}')`: the covariate table lacks rows/columns for nodes "
                    f"{missing[:10]!r}; index and columns must be the node labels."
                )
            x = x.loc[self.nodes, self.nodes].to_numpy(dtype=float)
        x = np.asarray(x, dtype=float)
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


def _select_levels(levels, lev, call, default_drop_first):
    """Apply statnet's ``levels`` argument: None/TRUE = all, negative ints drop positions."""
    if levels is None or levels is True:
        keep = list(lev)
        if default_drop_first:
            keep = keep[1:]
        return keep
    if isinstance(levels, (int, np.integer)) and not isinstance(levels, bool):
        levels = [levels]
    if isinstance(levels, (list, tuple)) and levels and all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v < 0 for v in levels):
        drop = {-int(v) - 1 for v in levels}
        bad = [v for v in levels if -int(v) > len(lev)]
        if bad:
            raise InputError(f"`{call}`: levels {bad} drop positions beyond the {len(lev)} levels {lev!r}.")
        return [v for k, v in enumerate(lev) if k not in drop]
    if isinstance(levels, (list, tuple)):
        lk = {_fmt(v): v for v in lev}
        keep = []
        for v in levels:
            if v in lev:
                keep.append(v)
            elif _fmt(v) in lk:
                keep.append(lk[_fmt(v)])
            else:
                raise InputError(f"`{call}`: level {v!r} does not occur; the levels are {lev!r}.")
        return [v for v in lev if v in keep]
    raise InputError(
        f"`{call}`: `levels` must be None/TRUE (all), negative positions such as -1 "
        f"(drop the first, statnet's default) or a list of level values; {levels!r} was given."
    )


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


def _t_mutual(call, ctx):
    _args(call, [])
    _need(ctx, call, True)

    def obs(c):
        return float(sum(1 for u, v in c.G.edges() if c.G.has_edge(v, u) and u != v) // 2)
    return [Term("mutual", ["mutual"], K.MUTUAL, dyad_independent=False, observed_fn=obs)]


def _t_nodecov_like(code, label, direction):
    def build(call, ctx):
        a = _args(call, [("attr", _REQUIRED)])
        if direction is not None:
            _need(ctx, call, True)
        attr = a["attr"]
        r = ctx.numeric_node(attr, call.name)
        x = ctx.ncov[r]

        def obs(c):
            if direction == "in":
                return _sum_edges(c, lambda i, j: x[j])
            if direction == "out":
                return _sum_edges(c, lambda i, j: x[i])
            return _sum_edges(c, lambda i, j: x[i] + x[j])
        return [Term(call.name, [f"{label}.{attr}"], code, (r, 0, 0), observed_fn=obs)]
    return build


def _t_factor_like(code, label, direction):
    def build(call, ctx):
        a = _args(call, [("attr", _REQUIRED), ("base", None), ("levels", -1)])
        if direction is not None:
            _need(ctx, call, True)
        attr = a["attr"]
        vals, lev = ctx.levels(attr, call.name)
        levels = a["levels"]
        if a["base"] is not None:  # statnet's deprecated base= (positions to drop, 1-based)
            b = a["base"] if isinstance(a["base"], list) else [a["base"]]
            levels = [-int(v) for v in b] if any(int(v) != 0 for v in b) else None
        keep = _select_levels(levels, lev, call, default_drop_first=False)
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
    levels = a["levels"]
    if a["keep"] is not None:  # statnet's deprecated keep= (1-based positions to keep)
        kp = a["keep"] if isinstance(a["keep"], list) else [a["keep"]]
        levels = [lev[int(k) - 1] for k in kp]
    keep = _select_levels(levels, lev, call, default_drop_first=False)
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


def _t_triangle(call, ctx):
    _args(call, [])
    name = call.name
    code = {"triangle": K.TRIANGLE, "ttriple": K.TTRIPLE, "ctriple": K.CTRIPLE}[name]

    def obs(c):
        if not c.directed:
            import networkx as nx
            return float(sum(nx.triangles(c.G).values()) // 3)
        tt, ct = _triples(c)
        return {"triangle": tt + ct, "ttriple": tt, "ctriple": ct}[name]
    return [Term(name, [name], code, dyad_independent=False, observed_fn=obs)]


def _t_transitiveties(call, ctx):
    _args(call, [])
    return [Term("transitiveties", ["transitiveties"], K.TRANSITIVETIES, dyad_independent=False,
                 needs_tp=True, observed_fn=lambda c: float(np.sum(_esp_values(c) > 0)))]


def _t_star(kind):
    code = {"istar": K.ISTAR, "ostar": K.OSTAR, "kstar": K.KSTAR}[kind]

    def build(call, ctx):
        a = _args(call, [("k", _REQUIRED), ("attr", None)])
        if a["attr"] is not None:
            raise InputError(f"`{call}`: the attr= form of {kind} is not implemented.")
        _need(ctx, call, kind != "kstar")
        ks = a["k"] if isinstance(a["k"], list) else [a["k"]]
        out = []
        for k in ks:
            if not isinstance(k, (int, np.integer, float)) or int(k) != k or k < 1:
                raise InputError(f"`{call}`: k must be positive integers; {k!r} was given.")
            k = int(k)
            deg = {"istar": "in", "ostar": "out", "kstar": "all"}[kind]

            def obs(c, k=k, deg=deg):
                return float(sum(math.comb(int(d), k) for d in _degrees(c, deg)))
            out.append(Term(kind, [f"{kind}{k}"], code, (0, k, 0), dyad_independent=(k == 1),
                            observed_fn=obs))
        return out
    return build


def _t_isolates(call, ctx):
    _args(call, [])

    def obs(c):
        return float(np.sum(_degrees(c, "all") == 0))
    return [Term("isolates", ["isolates"], K.ISOLATES, dyad_independent=False, observed_fn=obs)]


def _t_gwesp(call, ctx):
    decay, a = _decay_term(call, ctx, [("type", "OTP")])
    if ctx.directed and str(a["type"]).upper() != "OTP":
        raise InputError(f"`{call}`: only type='OTP' (statnet's default) is implemented for directed networks.")
    label = f"gwesp.OTP.fixed.{_fmt(decay)}" if ctx.directed else f"gwesp.fixed.{_fmt(decay)}"
    r = 1.0 - math.exp(-decay)
    return [Term("gwesp", [label], K.GWESP, (0, 0, 0), (r, math.exp(decay), 1.0), dyad_independent=False,
                 needs_tp=True, observed_fn=lambda c: _gw(_esp_values(c), decay))]


def _t_gwdsp(call, ctx):
    decay, a = _decay_term(call, ctx, [("type", "OTP")])
    if ctx.directed and str(a["type"]).upper() != "OTP":
        raise InputError(f"`{call}`: only type='OTP' (statnet's default) is implemented for directed networks.")
    label = f"gwdsp.OTP.fixed.{_fmt(decay)}" if ctx.directed else f"gwdsp.fixed.{_fmt(decay)}"
    r = 1.0 - math.exp(-decay)
    return [Term("gwdsp", [label], K.GWDSP, (0, 0, 0), (r, math.exp(decay), 1.0), dyad_independent=False,
                 needs_tp=True, observed_fn=lambda c: _gw(_dsp_values(c), decay))]


def _t_gwdeg(kind):
    code = {"gwidegree": K.GWIDEGREE, "gwodegree": K.GWODEGREE, "gwdegree": K.GWDEGREE}[kind]
    short = {"gwidegree": "gwideg", "gwodegree": "gwodeg", "gwdegree": "gwdeg"}[kind]
    deg = {"gwidegree": "in", "gwodegree": "out", "gwdegree": "all"}[kind]

    def build(call, ctx):
        decay, _ = _decay_term(call, ctx, [("attr", None), ("levels", None)])
        _need(ctx, call, kind != "gwdegree")
        r = 1.0 - math.exp(-decay)
        return [Term(kind, [f"{short}.fixed.{_fmt(decay)}"], code, (0, 0, 0), (r, math.exp(decay), 1.0),
                     dyad_independent=False, observed_fn=lambda c: _gw(_degrees(c, deg), decay))]
    return build


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
    "triangles": _t_triangle,
    "ttriple": _t_triangle,
    "ctriple": _t_triangle,
    "transitiveties": _t_transitiveties,
    "istar": _t_star("istar"),
    "ostar": _t_star("ostar"),
    "kstar": _t_star("kstar"),
    "isolates": _t_isolates,
    "gwesp": _t_gwesp,
    "gwdsp": _t_gwdsp,
    "gwidegree": _t_gwdeg("gwidegree"),
    "gwodegree": _t_gwdeg("gwodegree"),
    "gwdegree": _t_gwdeg("gwdegree"),
}


def build_terms(calls, ctx) -> list[Term]:
    """Turn parsed :class:`TermCall` objects into kernel terms."""
    out = []
    for call in calls:
        name = call.name
        if name == "triangles":
            call = TermCall("triangle", call.args, call.kwargs)
            name = "triangle"
        if name not in TERMS:
            raise InputError(
                f"Unknown ERGM term {name!r}; available terms: {', '.join(sorted(TERMS))}."
            )
        out.extend(TERMS[name](call, ctx))
    return out
