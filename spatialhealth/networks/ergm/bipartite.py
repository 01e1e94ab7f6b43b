"""Bipartite (two-mode) networks in the ERGM engine, as statnet has them.

A bipartite network has two node sets: the first ``n1`` nodes are mode 1 (statnet's
"actors", ``b1``), the others mode 2 ("events", ``b2``); it is undirected and ties join a
mode-1 node to a mode-2 node only. Mark a :class:`networkx.Graph` as bipartite in either
of two ways:

* ``G.graph["bipartite"] = n1`` (statnet's ``bipartite=`` network attribute): the first
  ``n1`` nodes of ``list(G.nodes())`` are mode 1;
* the node attribute ``bipartite`` (0 for mode 1, 1 for mode 2) on every node, the
  convention of :mod:`networkx.algorithms.bipartite` (``nx.complete_bipartite_graph``,
  ``nx.bipartite.from_biadjacency_matrix`` set it), with the mode-1 nodes first in node
  order.

A tie inside a mode, a directed graph, an ``n1`` outside ``1..n-1`` or mode-2 nodes
before mode-1 nodes is an error naming the problem. (statnet's ``as.edgelist`` silently
drops ties inside a mode; here they are refused.)

Only the ``n1 * n2`` dyads between the modes are random: the maximum pseudo-likelihood
uses those dyads only (:meth:`.model.Model.dyad_table`), the sampler holds every dyad
inside a mode empty (``Model.fixed_dyads``, read by ``sampler._eta0``, so a proposal
inside a mode is never accepted), and the bridge log-likelihood's reference model counts
the free dyads only.

Terms: the statnet terms of this module (``b1factor``/``b2factor``, ``b1cov``/``b2cov``,
``b1degree``/``b2degree``, ``b1star``/``b2star``, ``gwb1degree``/``gwb2degree``,
``b1concurrent``/``b2concurrent``), statnet's bipartite forms of ``nodemix``
(``b1levels``/``b2levels``, level pairs mode-1 level x mode-2 level), ``edgecov`` (an
``n1 x n2`` matrix, rows the mode-1 nodes) and ``density`` (ties / ``n1 * n2``), and the
undirected terms listed in :data:`GENERIC_TERMS`. Other terms raise an error on a bipartite
network. The kernels of ``b1star``/``b2star`` are the ``ostar``/``istar`` change
statistics (as in statnet, whose ``b1star`` calls ``ostar``): on an undirected network the
kernels receive every dyad as (i, j) with i < j, so i is the mode-1 node.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import pandas as pd

from ...errors import InputError
from . import _kernels as K
from .terms import (
    _DEFAULT,
    _REQUIRED,
    Term,
    _args,
    _as_numeric,
    _base_levels,
    _decay_value,
    _fmt,
    _gw,
    _int_like,
    _mix_term,
    select_levels,
)

# undirected terms whose statnet definition carries over to bipartite networks unchanged
GENERIC_TERMS = frozenset({
    "edges", "nodecov", "nodefactor", "nodematch", "absdiff", "absdiffcat", "smalldiff", "edgecov", "dyadcov",
    "nodemix", "degree", "degrange", "kstar", "gwdegree", "isolates", "isolatededges", "concurrent",
    "concurrentties", "density", "meandeg", "degree1.5", "gwesp", "gwdsp", "gwnsp", "esp", "dsp", "nsp",
    "triangle", "cycle", "twopath", "altkstar",
})


def bipartite_size(G) -> int | None:
    """Return the number of mode-1 nodes of a bipartite network, ``None`` for a one-mode network.

    Parameters
    ----------
    G : networkx.Graph or networkx.DiGraph
        The network; bipartite when ``G.graph["bipartite"]`` is a number of nodes or its
        nodes carry the attribute ``bipartite`` (0/1).

    Returns
    -------
    int or None
        ``n1``: the first ``n1`` nodes of ``list(G.nodes())`` are mode 1.

    Raises
    ------
    InputError
        A directed bipartite graph, a bad ``n1``, a partial or inconsistent ``bipartite``
        node attribute, mode-2 nodes before mode-1 nodes, or ties inside a mode.

    Examples
    --------
    >>> import networkx as nx
    >>> bipartite_size(nx.complete_bipartite_graph(2, 3))
    2
    >>> G = nx.Graph(bipartite=2)  # nodes 0, 1 are mode 1: add the nodes in order first
    >>> G.add_nodes_from(range(3))
    >>> G.add_edges_from([(0, 2), (1, 2)])
    >>> bipartite_size(G), bipartite_size(nx.path_graph(3))
    (2, None)
    """
    n1 = G.graph.get("bipartite", None)
    if n1 is False:
        n1 = None
    modes = [d.get("bipartite") for _, d in G.nodes(data=True)]
    has_attr = any(m is not None for m in modes)
    if n1 is None and not has_attr:
        return None
    nodes = list(G.nodes())
    n = len(nodes)
    if G.is_directed():
        raise InputError("A bipartite network is undirected here (as in statnet): use an nx.Graph, not a DiGraph, "
                         "with ties from mode-1 to mode-2 nodes.")
    if has_attr:
        lacking = [v for v, m in zip(nodes, modes) if m is None]
        if lacking:
            raise InputError(f"The node attribute 'bipartite' (0 = mode 1, 1 = mode 2) is missing for {len(lacking)} "
                             f"node(s) such as {lacking[:5]!r}; give it to every node or to none.")
        bad = [(v, m) for v, m in zip(nodes, modes) if isinstance(m, str) or m not in (0, 1)]
        if bad:
            raise InputError(f"The node attribute 'bipartite' must be 0 (mode 1) or 1 (mode 2); nodes such as "
                             f"{bad[:5]!r} have other values.")
        k = sum(1 for m in modes if m == 0)
        if any(m != (0 if q < k else 1) for q, m in enumerate(modes)):
            first = next(v for q, (v, m) in enumerate(zip(nodes, modes)) if m != (0 if q < k else 1))
            raise InputError(
                "The mode-1 nodes (bipartite=0) must come first in node order, as statnet's first `bipartite` "
                f"nodes; node {first!r} is out of place. Add the mode-1 nodes to the graph first, e.g. "
                "H = nx.Graph(); H.add_nodes_from(top, bipartite=0); H.add_nodes_from(bottom, bipartite=1); "
                "H.add_edges_from(G.edges()).")
        if n1 is not None and not (_int_like(n1) and int(n1) == k):
            raise InputError(f"G.graph['bipartite'] = {n1!r} disagrees with the node attribute 'bipartite' "
                             f"({k} node(s) have bipartite=0).")
        n1 = k
    if isinstance(n1, (bool, np.bool_)) or not isinstance(n1, numbers.Real) or not _int_like(n1) \
            or not 1 <= int(n1) <= n - 1:
        raise InputError(f"G.graph['bipartite'] must be the number of mode-1 nodes, a whole number from 1 to "
                         f"{n - 1} (the first n1 nodes are mode 1); {n1!r} was given.")
    n1 = int(n1)
    pos = {v: q for q, v in enumerate(nodes)}
    within = [(u, v) for u, v in G.edges() if (pos[u] < n1) == (pos[v] < n1)]
    if within:
        raise InputError(
            f"The bipartite network (n1 = {n1} mode-1 nodes, {n - n1} mode-2 nodes) has {len(within)} tie(s) inside "
            f"a mode, such as {within[:5]!r}; ties join a mode-1 node (one of the first {n1}) to a mode-2 node. "
            "Remove them (statnet drops them) or fix the node order / n1.")
    return n1


def between_mode_mask(n, n1) -> np.ndarray:
    """(n, n) boolean: True where one end is mode 1 and the other mode 2.

    Parameters
    ----------
    n : int
        Nodes.
    n1 : int
        Mode-1 nodes (the first ``n1``).

    Returns
    -------
    numpy.ndarray
        The free dyads of a bipartite network.

    Examples
    --------
    >>> between_mode_mask(3, 1).astype(int).tolist()
    [[0, 1, 1], [1, 0, 0], [1, 0, 0]]
    """
    m = np.arange(n) < n1
    return m[:, None] != m[None, :]


def dyad_matrix(ctx, x, label):
    """Expand statnet's bipartite dyadic covariate (``n1 x n2``, rows mode 1) to an (n, n) matrix.

    Parameters
    ----------
    ctx : BuildContext
        A bipartite network's context.
    x : array_like or pandas.DataFrame
        ``n1 x n2`` numbers; a DataFrame has the mode-1 node labels as index and the
        mode-2 node labels as columns.
    label : str
        The covariate's name, for messages.

    Returns
    -------
    numpy.ndarray
        (n, n), symmetric, zero inside the modes.

    Examples
    --------
    >>> import networkx as nx
    >>> from spatialhealth.networks.ergm.terms import BuildContext
    >>> ctx = BuildContext(nx.complete_bipartite_graph(1, 2))
    >>> dyad_matrix(ctx, [[2.0, 3.0]], "x").tolist()
    [[0.0, 2.0, 3.0], [2.0, 0.0, 0.0], [3.0, 0.0, 0.0]]
    """
    n, n1 = ctx.n, ctx.bipartite
    n2 = n - n1
    if isinstance(x, pd.DataFrame):
        rows, cols = ctx.nodes[:n1], ctx.nodes[n1:]
        missing = [v for v in rows if v not in x.index] + [v for v in cols if v not in x.columns]
        if missing:
            raise InputError(f"`edgecov('{label}')`: the covariate table of a bipartite network has the mode-1 "
                             f"nodes as index and the mode-2 nodes as columns; it lacks {missing[:10]!r}.")
        x = x.loc[rows, cols]
    raw = np.asarray(x, dtype=object) if isinstance(x, pd.DataFrame) else np.asarray(x)
    if raw.ndim != 2 or raw.shape != (n1, n2):
        shape = "x".join(str(s) for s in raw.shape) if raw.ndim else "scalar"
        raise InputError(
            f"`edgecov('{label}')`: Dyadic covariate matrix has dimension {shape}, {n1}x{n2} expected (a bipartite "
            f"network: one row per mode-1 node, one column per mode-2 node, in node order).")
    if raw.dtype == object or raw.dtype.kind in "OUSb":
        bad = [v for v in raw.ravel() if isinstance(v, (str, bytes)) or v is None or v is pd.NA]
        if bad:
            raise InputError(f"`edgecov('{label}')`: the covariate matrix must hold numbers; it has entries such "
                             f"as {bad[:3]!r}.")
    B = np.asarray(raw, dtype=float)
    M = np.zeros((n, n))
    M[:n1, n1:] = B
    M[n1:, :n1] = B.T
    return M


# ---------------------------------------------------------------------------------------
# term builders
def _need_bipartite(call, ctx):
    if not ctx.bipartite:
        raise InputError(
            f"`{call.name}` is a term of bipartite networks; this network is not bipartite. Mark it with "
            "G.graph['bipartite'] = n1 (the first n1 nodes are mode 1) or the node attribute 'bipartite' "
            "(0/1, networkx's convention), or use the one-mode terms.")


def _side(call):
    name = call.name[2:] if call.name.startswith("gw") else call.name
    return 0 if name.startswith("b1") else 1


def _side_nodes(ctx, side):
    n1 = ctx.bipartite
    return range(n1) if side == 0 else range(n1, ctx.n)


def _side_values(ctx, attr, side, term):
    """Return the attribute's values at the nodes of one mode (statnet's ``ergm_get_vattr(bip=)``)."""
    import copy

    sub = copy.copy(ctx)
    sub.nodes = [ctx.nodes[k] for k in _side_nodes(ctx, side)]
    sub.n = len(sub.nodes)
    vals = sub.node_values(attr, term)
    return [v.item() if isinstance(v, np.generic) else v for v in vals]


def _side_levels(ctx, attr, side, term):
    vals = _side_values(ctx, attr, side, term)
    try:
        lev = sorted(set(vals))
    except TypeError:
        lev = sorted(set(vals), key=str)
    return vals, lev


def _side_cat(ctx, side, codes=None):
    """Add a category row: ``codes`` (default 0) at the nodes of one mode, -1 at the others."""
    cat = np.full(ctx.n, -1, dtype=np.int64)
    idx = np.asarray(list(_side_nodes(ctx, side)), dtype=np.int64)
    cat[idx] = 0 if codes is None else np.asarray(codes, dtype=np.int64)
    return ctx.add_cat(cat)


def _side_level_cat(ctx, side, vals, keep):
    """Category row of the kept levels (their positions in ``keep``, -1 for the others) at one mode."""
    pos = {v: k for k, v in enumerate(keep)}
    r = _side_cat(ctx, side, [pos.get(v, -1) for v in vals])
    return r, np.asarray(ctx.ncat[r])


def _side_degrees(c, cat):
    d = np.array([c.G.degree(v) for v in c.nodes], dtype=float)
    return d, np.asarray(cat)


def _label(attr):
    return str(attr)


def _t_bfactor(call, ctx):
    a = _args(call, [("attr", _REQUIRED), ("base", None), ("levels", _DEFAULT)])
    _need_bipartite(call, ctx)
    side = _side(call)
    attr = a["attr"]
    vals, lev = _side_levels(ctx, attr, side, call.name)
    levels = _base_levels(call, a["levels"], a["base"])
    keep = select_levels(levels, lev, vals, call, default=-1)
    if not keep:
        raise InputError(f"`{call}` keeps no level of {attr!r} among the mode-{side + 1} nodes (levels {lev!r}).")
    r, cat = _side_level_cat(ctx, side, vals, keep)
    nk = len(keep)

    def obs(c):
        s = np.zeros(nk)
        for i, j in c.edges_idx():
            for v in (i, j):
                if cat[v] >= 0:
                    s[cat[v]] += 1
        return s
    prefix = "b1factor" if side == 0 else "b2factor"
    # the other mode's nodes are -1 (not counted), so nodefactor's change statistic is b1factor's
    return [Term(call.name, [f"{prefix}.{_label(attr)}.{_fmt(v)}" for v in keep], K.NODEFACTOR, (r, 0, 0),
                 observed_fn=obs)]


def _t_bcov(call, ctx):
    a = _args(call, [("attr", _REQUIRED)])
    _need_bipartite(call, ctx)
    side = _side(call)
    attr = a["attr"]
    vals = _side_values(ctx, attr, side, call.name)
    x = _as_numeric(vals)
    if x is None:
        raise InputError(f"`{call}` needs a numeric node attribute; {attr!r} has values such as {vals[:3]!r} "
                         f"at the mode-{side + 1} nodes. Use b{side + 1}factor for categories.")
    if not np.all(np.isfinite(x)):
        raise InputError(f"`{call}`: node attribute {attr!r} is infinite at some mode-{side + 1} nodes; ERGM "
                         "covariates must be finite numbers.")
    full = np.zeros(ctx.n)
    full[list(_side_nodes(ctx, side))] = x
    ctx.ncov.append(full)
    r = len(ctx.ncov) - 1
    # zero at the other mode: nodecov's change statistic x_i + x_j is b1cov's
    return [Term(call.name, [f"b{side + 1}cov.{_label(attr)}"], K.NODECOV, (r, 0, 0),
                 observed_fn=lambda c: float(sum(full[i] + full[j] for i, j in c.edges_idx())))]


def _degree_list(call, d, what="d"):
    ds = d if isinstance(d, list) else [d]
    if not all(_int_like(v) and int(v) >= 0 for v in ds):
        raise InputError(f"`{call}`: {what} must be whole numbers >= 0; {d!r} was given.")
    return [int(v) for v in ds]


def _t_bdegree(call, ctx):
    a = _args(call, [("d", _REQUIRED), ("by", None), ("levels", None)])
    _need_bipartite(call, ctx)
    side = _side(call)
    ds = _degree_list(call, a["d"])
    short = f"b{side + 1}deg"
    if a["by"] is None:
        r = _side_cat(ctx, side)
        cat = np.asarray(ctx.ncat[r])
        return [Term(call.name, [f"{short}{d}"], K.DEGREE, (r, d, 0), (0.0, 0.0, 0.0), dyad_independent=False,
                     observed_fn=lambda c, d=d: float(np.sum((_side_degrees(c, cat)[0] == d) & (cat == 0))))
                for d in ds]
    attr = a["by"]
    vals, lev = _side_levels(ctx, attr, side, call.name)
    kept = select_levels(a["levels"], lev, vals, call)
    r, cat = _side_level_cat(ctx, side, vals, kept)
    return [Term(call.name, [f"{short}{d}.{_label(attr)}{_fmt(v)}"], K.DEGREE, (r, d, 0), (0.0, float(k), 0.0),
                 dyad_independent=False,
                 observed_fn=lambda c, d=d, k=k: float(np.sum((_side_degrees(c, cat)[0] == d) & (cat == k))))
            for k, v in enumerate(kept) for d in ds]


def _t_bstar(call, ctx):
    a = _args(call, [("k", _REQUIRED), ("attr", None), ("levels", None)])
    _need_bipartite(call, ctx)
    side = _side(call)
    ks = _degree_list(call, a["k"], "k")
    if any(k < 1 for k in ks):
        raise InputError(f"`{call}`: k must be whole numbers >= 1.")
    # statnet's b1star is its ostar change statistic (tail = the mode-1 node), b2star its istar
    code = K.OSTAR if side == 0 else K.ISTAR
    center = np.arange(ctx.n) < ctx.bipartite if side == 0 else np.arange(ctx.n) >= ctx.bipartite
    if a["attr"] is None:
        def obs(c, k):
            d = _side_degrees(c, [0])[0][center]
            return float(sum(math.comb(int(v), k) for v in d))
        return [Term(call.name, [f"b{side + 1}star{k}"], code, (-1, k, 0), dyad_independent=False,
                     observed_fn=lambda c, k=k: obs(c, k)) for k in ks]
    attr = a["attr"]
    vals, lev = ctx.levels(attr, call.name)  # statnet: the attribute of every node (centre and leaves)
    kept = select_levels(a["levels"], lev, vals, call)
    pos = {v: q for q, v in enumerate(kept)}
    r = ctx.add_cat([pos.get(v, -1) for v in vals])
    cat = np.asarray(ctx.ncat[r])

    def obs_attr(c, k):
        tot = 0
        for v in np.nonzero(center)[0]:
            if cat[v] < 0:
                continue
            same = sum(1 for u in c.G.neighbors(c.nodes[v]) if cat[c.index[u]] == cat[v])
            tot += math.comb(same, k)
        return float(tot)
    return [Term(call.name, [f"b{side + 1}star{k}.{_label(attr)}"], code, (r, k, 0), dyad_independent=False,
                 observed_fn=lambda c, k=k: obs_attr(c, k)) for k in ks]


def _t_gwbdegree(call, ctx):
    a = _args(call, [("decay", None), ("fixed", False), ("attr", None), ("cutoff", 30), ("levels", None)])
    _need_bipartite(call, ctx)
    side = _side(call)
    short = f"gwb{side + 1}deg"
    explicit_curved = a["decay"] is not None and "fixed" in call.kwargs and not a["fixed"]
    if not a["fixed"] and a["decay"] is not None and not explicit_curved:
        raise InputError(f"`{call}`: give fixed=TRUE for a fixed decay, e.g. {call.name}({a['decay']}, fixed=TRUE), "
                         "or fixed=FALSE to estimate the decay (a curved ERGM).")
    if not a["fixed"]:  # curved: canonical statistics are the mode's degree counts 1..cutoff
        if a["attr"] is not None:
            raise InputError(f"`{call}`: the attr= form needs a fixed decay, e.g. {call.name}(0.5, fixed=TRUE, "
                             f"attr={a['attr']!r}).")
        cutoff = int(a["cutoff"])
        r = _side_cat(ctx, side)
        cat = np.asarray(ctx.ncat[r])

        def counts(c, d):
            deg = _side_degrees(c, cat)[0][cat == 0]
            if d == 1 and deg.max(initial=0) > cutoff:
                raise InputError(f"Term `{call.name}` has encountered a network for which the degree of some "
                                 f"mode-{side + 1} node exceeded the cut-off setting of {cutoff}. Increase the "
                                 "term argument `cutoff`.")
            return float(np.sum(deg == d))
        decay0 = _decay_value(call, a["decay"]) if a["decay"] is not None else None
        return [Term(call.name, [f"{call.name}#{d}"], K.DEGREE, (r, d, 0), (0.0, 0.0, 0.0), dyad_independent=False,
                     curved=True, curve=(short, decay0, d), observed_fn=lambda c, d=d: counts(c, d))
                for d in range(1, cutoff + 1)]
    decay = _decay_value(call, a["decay"])
    rr = 1.0 - math.exp(-decay)
    if a["attr"] is None:
        r = _side_cat(ctx, side)
        cat = np.asarray(ctx.ncat[r])
        return [Term(call.name, [f"{short}.fixed.{_fmt(decay)}"], K.DEGREE, (r, 0, 8), (rr, 0.0, 0.0),
                     dyad_independent=False,
                     observed_fn=lambda c: _gw(_side_degrees(c, cat)[0][cat == 0], decay))]
    attr = a["attr"]
    vals, lev = _side_levels(ctx, attr, side, call.name)
    kept = select_levels(a["levels"], lev, vals, call)
    r, cat = _side_level_cat(ctx, side, vals, kept)
    # statnet's label of the attr= form: gwb1deg<decay>.<attr><level> (no ".fixed.")
    return [Term(call.name, [f"{short}{_fmt(decay)}.{_label(attr)}{_fmt(v)}"], K.DEGREE, (r, 0, 8),
                 (rr, float(k), 0.0), dyad_independent=False,
                 observed_fn=lambda c, k=k: _gw(_side_degrees(c, cat)[0][cat == k], decay))
            for k, v in enumerate(kept)]


def _t_bconcurrent(call, ctx):
    a = _args(call, [("by", None), ("levels", None)])
    _need_bipartite(call, ctx)
    side = _side(call)
    big = float(ctx.n + 1)
    name = f"b{side + 1}concurrent"
    if a["by"] is None:
        r = _side_cat(ctx, side)
        cat = np.asarray(ctx.ncat[r])
        kept, labels = [None], [name]
    else:
        attr = a["by"]
        vals, lev = _side_levels(ctx, attr, side, call.name)
        kept = select_levels(a["levels"], lev, vals, call)
        r, cat = _side_level_cat(ctx, side, vals, kept)
        labels = [f"{name}.{_label(attr)}{_fmt(v)}" for v in kept]
    return [Term(call.name, [lab], K.DEGRANGE, (r, 2, 0), (big, float(k), 0.0), dyad_independent=False,
                 observed_fn=lambda c, k=k: float(np.sum((_side_degrees(c, cat)[0] >= 2) & (cat == k))))
            for k, lab in enumerate(labels)]


def t_nodemix(call, ctx):
    """Build statnet's bipartite ``nodemix``: one statistic per (mode-1 level, mode-2 level) pair.

    Parameters
    ----------
    call : TermCall
        ``nodemix(attr, base=, levels=, levels2=, b1levels=, b2levels=)``; ``b1levels``/
        ``b2levels`` select the levels of each mode (``levels`` serves both when they are
        absent), ``levels2`` the pairs by position in the grid (mode-1 level varying fastest;
        default -1 drops the first pair), ``base`` is the deprecated form of ``levels2``.
    ctx : BuildContext
        A bipartite network's context.

    Returns
    -------
    list of Term
        One ``nodemix`` term; statistics ``mix.<attr>.<b1 level>.<b2 level>``.

    Examples
    --------
    >>> import networkx as nx
    >>> from spatialhealth.networks.ergm import summary_statistics
    >>> G = nx.complete_bipartite_graph(2, 2)
    >>> nx.set_node_attributes(G, dict(zip(range(4), "abab")), "g")
    >>> summary_statistics(G, "nodemix('g', levels2=TRUE)").to_dict()
    {'mix.g.a.a': 1.0, 'mix.g.b.a': 1.0, 'mix.g.a.b': 1.0, 'mix.g.b.b': 1.0}
    """
    a = _args(call, [("attr", _REQUIRED), ("base", None), ("levels", None), ("levels2", _DEFAULT),
                     ("b1levels", None), ("b2levels", None)])
    attr = a["attr"]
    n1 = ctx.bipartite
    v1, l1 = _side_levels(ctx, attr, 0, call.name)
    v2, l2 = _side_levels(ctx, attr, 1, call.name)
    u1 = select_levels(a["b1levels"] if a["b1levels"] is not None else a["levels"], l1, v1, call)
    u2 = select_levels(a["b2levels"] if a["b2levels"] is not None else a["levels"], l2, v2, call)
    pairs = [(r_, c_) for c_ in range(len(u2)) for r_ in range(len(u1))]  # R's expand.grid(row=b1, col=b2)
    positions = list(range(1, len(pairs) + 1))
    levels2 = _base_levels(call, a["levels2"], a["base"], "positions of level pairs such as 1 or c(2, 3)")
    keep = select_levels(levels2, positions, positions, call, default=-1)
    if not keep:
        raise InputError(f"`{call}` keeps no pair of levels of {attr!r}.")
    index = {pairs[p - 1]: k for k, p in enumerate(keep)}
    c1 = {v: k for k, v in enumerate(u1)}
    c2 = {v: k for k, v in enumerate(u2)}
    n = ctx.n
    M = np.full((n, n), -1.0)
    for i in range(n1):
        ci = c1.get(v1[i], -1)
        if ci < 0:
            continue
        for j in range(n1, n):
            cj = c2.get(v2[j - n1], -1)
            if cj >= 0:
                M[i, j] = M[j, i] = index.get((ci, cj), -1)
    names = [f"mix.{_label(attr)}.{_fmt(u1[pairs[p - 1][0]])}.{_fmt(u2[pairs[p - 1][1]])}" for p in keep]
    return _mix_term(ctx, M, names)


BIPARTITE_TERMS = {
    "b1factor": _t_bfactor, "b2factor": _t_bfactor,
    "b1cov": _t_bcov, "b2cov": _t_bcov,
    "b1degree": _t_bdegree, "b2degree": _t_bdegree,
    "b1star": _t_bstar, "b2star": _t_bstar,
    "gwb1degree": _t_gwbdegree, "gwb2degree": _t_gwbdegree,
    "b1concurrent": _t_bconcurrent, "b2concurrent": _t_bconcurrent,
}


def check_term(name, ctx):
    """Raise a clear error for a one-mode-only term on a bipartite network.

    Parameters
    ----------
    name : str
        The term's name (aliases resolved).
    ctx : BuildContext
        The network's context.

    Raises
    ------
    InputError
        ``name`` is not defined for bipartite networks here.

    Examples
    --------
    >>> import networkx as nx
    >>> from spatialhealth.networks.ergm.terms import BuildContext
    >>> check_term("edges", BuildContext(nx.complete_bipartite_graph(2, 2)))
    """
    if ctx.bipartite and name not in GENERIC_TERMS and name not in BIPARTITE_TERMS:
        raise InputError(
            f"`{name}` is not defined for bipartite networks here; terms for a bipartite network: "
            f"{', '.join(sorted(BIPARTITE_TERMS))} and {', '.join(sorted(GENERIC_TERMS))}.")
