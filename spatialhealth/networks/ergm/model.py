"""An ERGM specification bound to a network: terms, names, observed statistics, state."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...errors import InputError, InputTypeError
from . import _kernels as K
from .formula import parse_formula
from .terms import BuildContext, build_terms

# node indices and two-path counts fit in int16 for any network whose dense adjacency
# could be sampled (n < 32,000); see Model.__init__ for the check
IDX = np.int16

#: networks of at least this many nodes are sampled in the compact state (see NetState), unless
#: a term of the model scans whole rows of the adjacency per proposal (COMPACT_DENSE_CODES)
COMPACT_MIN_NODES = 1000
#: term codes whose change statistics scan all n nodes (or need the dense arrays to be fast):
#: models with one of them keep the dense state at any size
COMPACT_DENSE_CODES = frozenset({K.TRIADCLASS, K.CYCLE, K.THREETRAIL, K.GLOBALSTAT, K.SIMMELIANTIES,
                                 K.OPENTRIAD, K.INTRANSITIVE, K.ESP_RTP, K.DSP_RTP, K.NSP_RTP})


@dataclass
class NetState:
    """Mutable compiled network state (see :mod:`._kernels`).

    Attributes
    ----------
    adj, adjT : numpy.ndarray
        Adjacency matrix and its transpose (uint8).
    indeg, outdeg : numpy.ndarray
        Degrees.
    outl, inl, outpos, inpos : numpy.ndarray
        Neighbour lists and positions, for O(1) toggles.
    tp : numpy.ndarray
        Two-path counts (when ``use_tp``).
    use_tp : bool
        Keep two-path counts (terms with shared partners).
    etail, ehead, epos : numpy.ndarray
        Edge list and positions.
    nedges : int
        Number of edges.
    directed : bool
        A directed network.

    Two representations hold the same network (see :mod:`._kernels`): the dense one
    (``adj``/``adjT`` uint8 (n, n), lists of width n with positions ``outpos``/``inpos``)
    and the compact one for large sparse networks (``compact=True``: ``adj``/``adjT``
    uint64 bit rows (n, ceil(n / 64)), lists a little wider than the largest degree and
    widened by :meth:`widen` when a degree reaches their width, (1, 1) dummy positions,
    ``epos[a, q]`` the edge-list position of the tie to ``outl[a, q]``).
    At n = 2,850 the dense state takes ~130 MB, the compact one ~3 MB plus the lists.

    Examples
    --------
    >>> import numpy as np
    >>> s = NetState.from_edges(3, False, np.array([[0, 1], [1, 2]]), False)
    >>> s.nedges, s.indeg.tolist()
    (2, [1, 2, 1])
    >>> c = NetState.from_edges(3, False, np.array([[0, 1], [1, 2]]), False, compact=True)
    >>> c.adj.shape, c.outl.shape, c.dense_adjacency().tolist() == s.adj.tolist()
    ((3, 1), (3, 3), True)
    """

    adj: np.ndarray
    adjT: np.ndarray
    indeg: np.ndarray
    outdeg: np.ndarray
    outl: np.ndarray
    inl: np.ndarray
    outpos: np.ndarray
    inpos: np.ndarray
    tp: np.ndarray
    use_tp: bool
    etail: np.ndarray
    ehead: np.ndarray
    epos: np.ndarray
    nedges: int
    directed: bool

    @classmethod
    def from_edges(cls, n, directed, edges, use_tp, compact=False, width=None):
        """State of the network with ``edges`` (array (m, 2) of node indices).

        ``compact`` builds the compact representation, with neighbour lists of ``width``
        (default: 1.25 x the largest degree + 16, at most n; at least the largest degree + 1).
        """
        adj = np.zeros((n, n), dtype=np.uint8)
        edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
        if not directed and len(edges):
            edges = np.sort(edges, axis=1)
        if len(edges):
            adj[edges[:, 0], edges[:, 1]] = 1
            if not directed:
                adj[edges[:, 1], edges[:, 0]] = 1
        return cls.from_adjacency(adj, directed, use_tp, compact, width)

    @classmethod
    def from_adjacency(cls, adj, directed, use_tp, compact=False, width=None):
        adj = np.ascontiguousarray(adj, dtype=np.uint8)
        n = adj.shape[0]
        if n >= 32000:
            raise InputError(f"The network has {n} nodes; dense ERGM computations here handle up to 32,000.")
        adjT = np.ascontiguousarray(adj.T) if directed else adj
        if directed:
            ti, hi = np.nonzero(adj)
            indeg = adj.sum(axis=0).astype(np.int64)
            outdeg = adj.sum(axis=1).astype(np.int64)
        else:
            ti, hi = np.nonzero(np.triu(adj, 1))
            outdeg = adj.sum(axis=1).astype(np.int64)
            indeg = outdeg.copy()
        nd = n * (n - 1) if directed else n * (n - 1) // 2
        etail = np.zeros(nd, dtype=np.int64)
        ehead = np.zeros(nd, dtype=np.int64)
        m = len(ti)
        etail[:m] = ti
        ehead[:m] = hi
        if compact:
            dmax = int(max(outdeg.max(initial=0), indeg.max(initial=0)))
            width = min(n, int(1.25 * dmax) + 16) if width is None else min(n, max(int(width), dmax + 1))
        else:
            width = n
            epos = np.zeros((n, n), dtype=np.int32)
            epos[ti, hi] = np.arange(1, m + 1)
        outl, outpos, slots = cls._lists(adj, width, compact)  # int16: half the cache footprint of int32
        if directed:
            inl, inpos, _ = cls._lists(adjT, width, compact)
        else:
            inl, inpos = outl, outpos
        if use_tp:
            tp = K.two_paths(adj, adjT, directed, np.zeros((n, n), dtype=IDX))
        else:
            tp = np.zeros((1, 1), dtype=IDX)
        if compact:  # edge positions sit beside the out-lists (edges in np.nonzero's order, as the lists)
            epos = np.zeros((n, width), dtype=np.int32)
            rows, cols, within = slots
            keep = rows < cols if not directed else slice(None)
            epos[rows[keep], within[keep]] = np.arange(1, m + 1)
            adj = K.pack_bits(adj)
            adjT = K.pack_bits(adjT) if directed else adj
        return cls(adj, adjT, indeg, outdeg, outl, inl, outpos, inpos, tp, bool(use_tp), etail, ehead, epos,
                   int(m), bool(directed))

    @staticmethod
    def _lists(adj, width, compact):
        """Neighbour lists of the rows of ``adj``, their positions, and each tie's (row, column, slot)."""
        n = adj.shape[0]
        lst = np.zeros((n, width), dtype=IDX)
        pos = np.zeros((1, 1) if compact else (n, n), dtype=IDX)
        rows, cols = np.nonzero(adj)
        deg = np.bincount(rows, minlength=n)
        start = np.concatenate([[0], np.cumsum(deg)[:-1]])
        within = np.arange(len(rows)) - start[rows]
        lst[rows, within] = cols
        if not compact:
            pos[rows, cols] = within
        return lst, pos, (rows, cols, within)

    @property
    def compact(self) -> bool:
        """True for the compact representation (bit rows, short lists)."""
        return self.adj.dtype == np.uint64

    def widen(self):
        """Double the width of the neighbour lists of a compact state (at most n), in place."""
        n = self.indeg.shape[0]
        w = min(n, 2 * self.outl.shape[1])

        def grown(a):
            out = np.zeros((n, w), dtype=a.dtype)
            out[:, : a.shape[1]] = a
            return out

        self.outl, self.epos = grown(self.outl), grown(self.epos)
        self.inl = grown(self.inl) if self.directed else self.outl

    def dense_adjacency(self) -> np.ndarray:
        """The adjacency matrix as dense uint8 (n, n), whatever the representation."""
        if self.compact:
            return K.unpack_bits(self.adj, self.indeg.shape[0])
        return self.adj

    def arrays(self):
        """The state in the order the kernels take it."""
        return (self.adj, self.adjT, self.indeg, self.outdeg, self.outl, self.inl, self.outpos, self.inpos,
                self.tp, self.use_tp)

    def copy(self):
        adj = self.adj.copy()
        d = self.directed
        adjT = self.adjT.copy() if d else adj
        outl, outpos = self.outl.copy(), self.outpos.copy()
        inl, inpos = (self.inl.copy(), self.inpos.copy()) if d else (outl, outpos)
        return NetState(adj, adjT, self.indeg.copy(), self.outdeg.copy(), outl, inl, outpos, inpos,
                        self.tp.copy(), self.use_tp, self.etail.copy(), self.ehead.copy(), self.epos.copy(),
                        self.nedges, d)

    def edge_array(self):
        return np.column_stack([self.etail[: self.nedges], self.ehead[: self.nedges]])


def _subset_covariates(edge_covariates, G, dropped):
    """Edge covariates restricted to the nodes kept (DataFrames by label; arrays by position)."""
    if not dropped or not edge_covariates:
        return edge_covariates
    out = {}
    for k, x in edge_covariates.items():
        if isinstance(x, pd.DataFrame):
            out[k] = x
        else:
            raise InputError(f"Edge covariate {k!r} is an array in node order; with missing='drop' pass it as a "
                             "DataFrame indexed by node labels so that the dropped nodes can be removed.")
    return out


class Model:
    """An ERGM: a network, its terms and their compiled form.

    Parameters
    ----------
    G : networkx.Graph or networkx.DiGraph
        The observed network; node covariates are node attributes. Node order is
        ``list(G.nodes())``. Self-loops and multigraphs are not allowed.
    formula : str or list
        statnet-style formula, e.g. ``"edges + mutual + nodeicov('HTH')"``, or a list of
        terms (see :func:`~spatialhealth.networks.ergm.formula.parse_formula`).
    edge_covariates : dict, optional
        Named (n, n) arrays or DataFrames (index/columns = node labels) for ``edgecov``.
    missing : {"raise", "drop"}
        Missing node attribute values (None, NA, NaN, 'nan') raise an error naming the
        nodes (statnet stops too); ``"drop"`` leaves those nodes out of the network.

    Examples
    --------
    >>> import networkx as nx
    >>> m = Model(nx.florentine_families_graph(), "edges + triangle")
    >>> m.names, m.observed().tolist()
    (['edges', 'triangle'], [20.0, 3.0])
    """

    def __init__(self, G, formula, edge_covariates=None, missing="raise"):
        import networkx as nx

        from .terms import MissingAttributeError

        if not isinstance(G, nx.Graph):
            raise InputTypeError(f"An ERGM needs a networkx Graph or DiGraph; {type(G).__name__} was given.")
        if G.is_multigraph():
            raise InputError("The graph is a multigraph; ERGMs here need a simple Graph/DiGraph "
                             "(collapse parallel edges, e.g. nx.DiGraph(G)).")
        loops = list(nx.selfloop_edges(G))
        if loops:
            raise InputError(f"The graph has {len(loops)} self-loop(s) such as {loops[:3]!r}; "
                             "remove them (G.remove_edges_from(nx.selfloop_edges(G))).")
        if G.number_of_nodes() < 2:
            raise InputError("The graph needs at least 2 nodes.")
        if missing not in ("raise", "drop"):
            raise InputError(f"`missing` must be 'raise' or 'drop'; {missing!r} was given.")
        self._args = (formula, edge_covariates, missing)
        self.formula = formula if isinstance(formula, str) else repr(formula)
        self.calls = parse_formula(formula)
        self.dropped_nodes = []
        while True:
            ctx = BuildContext(G, _subset_covariates(edge_covariates, G, self.dropped_nodes))
            try:
                self.terms = build_terms(self.calls, ctx)
                break
            except MissingAttributeError as exc:
                if missing != "drop":
                    raise
                self.dropped_nodes.extend(exc.nodes)
                n1 = G.graph.get("bipartite")
                G = G.subgraph([v for v in G.nodes if v not in set(exc.nodes)]).copy()
                if n1 and not isinstance(n1, bool):  # statnet's n1: the mode-1 nodes that remain
                    G.graph["bipartite"] = n1 - sum(1 for v in list(ctx.nodes)[:int(n1)] if v in set(exc.nodes))
                if G.number_of_nodes() < 2:
                    raise InputError("After dropping the nodes with missing attribute values fewer than 2 "
                                     "nodes remain.") from None
        self.graph = G
        self._ctx = ctx
        self.directed = bool(G.is_directed())
        self.nodes = ctx.nodes
        self.n = ctx.n
        self.bipartite = ctx.bipartite  # n1 (first n1 nodes are mode 1) or None; see bipartite.py
        names = [nm for t in self.terms for nm in t.names]
        # statnet keeps repeated names (e.g. two edgecov(x, "a")); ours get a suffix so that
        # every coefficient can be addressed by name: edgecov.a, edgecov.a#2
        seen: dict = {}
        for k, nm in enumerate(names):
            seen[nm] = seen.get(nm, 0) + 1
            if seen[nm] > 1:
                names[k] = f"{nm}#{seen[nm]}"
        self.names = names
        self.curved = any(t.curved for t in self.terms)
        self.p = len(names)
        T = len(self.terms)
        self.codes = np.array([t.code for t in self.terms], dtype=np.int64)
        self.nst = np.array([t.nstats for t in self.terms], dtype=np.int64)
        self.offs = np.concatenate([[0], np.cumsum(self.nst)[:-1]]).astype(np.int64)
        self.ipar = np.array([t.ipar for t in self.terms], dtype=np.int64).reshape(T, 3)
        self.fpar = np.array([t.fpar for t in self.terms], dtype=np.float64).reshape(T, 3)
        n = self.n
        self.ncov = np.ascontiguousarray(np.array(ctx.ncov, dtype=float).reshape(len(ctx.ncov), n)) \
            if ctx.ncov else np.zeros((1, n))
        self.ncat = np.ascontiguousarray(np.array(ctx.ncat, dtype=np.int64).reshape(len(ctx.ncat), n)) \
            if ctx.ncat else np.zeros((1, n), dtype=np.int64)
        self.ecov = np.ascontiguousarray(np.array(ctx.ecov, dtype=float)) if ctx.ecov else np.zeros((1, 1, 1))
        di = [k for k, t in enumerate(self.terms) if t.dyad_independent]
        self.di_terms = np.array(di, dtype=np.int64)
        self.dd_terms = np.array([k for k in range(T) if k not in di], dtype=np.int64)
        self.all_terms = np.arange(T, dtype=np.int64)
        self.dyad_independent = len(self.dd_terms) == 0
        self.needs_tp = any(t.needs_tp for t in self.terms)
        self.di_mask = np.zeros(self.p, dtype=bool)
        for k in di:
            self.di_mask[self.offs[k]: self.offs[k] + self.nst[k]] = True
        self._observed = None

    def __reduce__(self):  # terms hold closures: rebuild from the inputs when unpickled
        return (Model, (self.graph, *self._args))

    @property
    def dropped_message(self) -> str | None:
        if not self.dropped_nodes:
            return None
        shown = ", ".join(repr(v) for v in self.dropped_nodes[:10]) + (" ..." if len(self.dropped_nodes) > 10 else "")
        return (f"{len(self.dropped_nodes)} node(s) with missing attribute values were left out of the network "
                f"(missing='drop'): {shown}.")

    # ------------------------------------------------------------------------------
    @property
    def ndyads(self) -> int:
        if getattr(self, "bipartite", None):  # only the dyads between the modes are random
            return self.bipartite * (self.n - self.bipartite)
        return self.n * (self.n - 1) if self.directed else self.n * (self.n - 1) // 2

    @property
    def fixed_dyads(self):
        """(n, n) +/-inf on dyads the sampler holds as observed, or None (read by ``sampler._eta0``).

        A bipartite network holds every dyad inside a mode empty (-inf); boundary MLEs add the
        dyads their infinite terms decide (:mod:`.boundary`, set through this property).
        """
        extra = self.__dict__.get("_fixed_extra")
        if not getattr(self, "bipartite", None):
            return extra
        from .bipartite import between_mode_mask

        within = np.where(between_mode_mask(self.n, self.bipartite) | np.eye(self.n, dtype=bool), 0.0, -np.inf)
        return within if extra is None else within + np.asarray(extra, dtype=float)

    @fixed_dyads.setter
    def fixed_dyads(self, value):
        self._fixed_extra = value

    def dyad_rows(self) -> np.ndarray:
        """(n, n) boolean: the dyads that are rows of :meth:`dyad_table`, in its row-major order."""
        n = self.n
        rows = ~np.eye(n, dtype=bool) if self.directed else np.triu(np.ones((n, n), dtype=bool), 1)
        if getattr(self, "bipartite", None):
            from .bipartite import between_mode_mask

            rows &= between_mode_mask(n, self.bipartite)
        return rows

    def pack(self):
        """Term arrays in the order the kernels take them."""
        return (self.codes, self.offs, self.nst, self.ipar, self.fpar, self.ncov, self.ncat, self.ecov)

    def observed(self, G=None) -> np.ndarray:
        """Observed statistics (p,) computed from the networkx graph (default: the basis)."""
        if G is None:
            if self._observed is None:
                self._observed = self._observed_of(self._ctx)
            return self._observed.copy()
        ctx = BuildContext(G)
        ctx.nodes, ctx.index, ctx.n = self.nodes, self._ctx.index, self.n
        if set(G.nodes()) != set(self.nodes):
            raise InputError("The graph's nodes differ from the model's nodes.")
        return self._observed_of(ctx)

    def _observed_of(self, ctx):
        vals = []
        for t in self.terms:
            v = np.atleast_1d(np.asarray(t.observed_fn(ctx), dtype=float))
            vals.append(v)
        return np.concatenate(vals)

    def edge_index(self, G=None) -> np.ndarray:
        """Ties of ``G`` (default: the basis graph) as an (m, 2) array of node positions."""
        G = self.graph if G is None else G
        idx = self._ctx.index
        e = np.array([(idx[u], idx[v]) for u, v in G.edges()], dtype=np.int64).reshape(-1, 2)
        return e

    def state(self, G=None, use_tp=None, compact=False) -> NetState:
        """Compiled state of ``G`` (default: the basis graph); ``compact`` as :meth:`NetState.from_edges`."""
        use_tp = self.needs_tp if use_tp is None else use_tp
        return NetState.from_edges(self.n, self.directed, self.edge_index(G), use_tp, compact)

    @property
    def sampler_compact(self) -> bool:
        """True when the MCMC chains use the compact state (large networks, see ``COMPACT_MIN_NODES``)."""
        return self.n >= COMPACT_MIN_NODES and not any(int(c) in COMPACT_DENSE_CODES for c in self.codes)

    @property
    def sampler_tp(self) -> bool:
        """Two-path counts kept by the chains (dense states whose terms need them).

        Compact states count shared partners by popcount of bit rows instead.
        """
        return self.needs_tp and not self.sampler_compact

    def change(self, i, j, state: NetState) -> np.ndarray:
        """Change statistics for adding tie (i, j) (node positions) to ``state``."""
        out = np.zeros(self.p)
        if not self.directed and i > j:  # kernels take undirected dyads as i < j (bipartite: i is mode 1)
            i, j = j, i
        K.change_stats(int(i), int(j), state.directed, *state.arrays(), *self.pack(), self.all_terms, out)
        return out

    def dyad_table(self, state: NetState | None = None, terms=None):
        """Change statistics of every dyad (X, (ndyads, p)) and the ties (y)."""
        st = self.state() if state is None else state
        terms = self.all_terms if terms is None else terms
        X, y = K.dyad_table(st.directed, *st.arrays(), *self.pack(), terms, self.p)
        if getattr(self, "bipartite", None):  # the dyads inside a mode are not random: not rows
            keep = self.dyad_rows()[np.triu_indices(self.n, 1)]
            X, y = np.ascontiguousarray(X[keep]), y[keep]
        return X, y

    def to_graph(self, edges):
        """A copy of the basis graph's nodes (with attributes) carrying ``edges`` (positions)."""
        import networkx as nx

        H = nx.DiGraph() if self.directed else nx.Graph()
        H.add_nodes_from(self.graph.nodes(data=True))
        H.graph.update(self.graph.graph)
        nodes = self.nodes
        H.add_edges_from((nodes[a], nodes[b]) for a, b in np.asarray(edges).reshape(-1, 2))
        return H

    def __repr__(self):
        kind = "directed" if self.directed else "undirected"
        return f"<ERGM Model: {self.formula} on a {kind} network of {self.n} nodes; statistics {self.names}>"


def build_model(G, formula, edge_covariates=None, missing="raise") -> Model:
    """Bind an ERGM formula to a network.

    Parameters
    ----------
    G : networkx.Graph or networkx.DiGraph
    formula : str or list
        e.g. ``"edges + mutual + nodeicov('HTH') + gwesp(0.5, fixed=True)"``.
    edge_covariates : dict, optional
        name -> (n, n) array or DataFrame, used by ``edgecov('name')``.

    Returns
    -------
    Model

    Examples
    --------
    >>> import networkx as nx
    >>> build_model(nx.path_graph(4), "edges + kstar(2)").observed().tolist()
    [3.0, 2.0]
    """
    return Model(G, formula, edge_covariates, missing=missing)


def summary_statistics(G, formula, edge_covariates=None, missing="raise") -> pd.Series:
    """Observed statistics of ``formula`` on ``G`` (statnet's ``summary(y ~ ...)``).

    Parameters
    ----------
    G : networkx.Graph or networkx.DiGraph
        The network.
    formula : str
        statnet-style terms.
    edge_covariates : dict, optional
        ``{name: n x n matrix}`` for ``edgecov`` terms.
    missing : {"raise", ...}
        What to do with missing node attributes (as :func:`build_model`).

    Returns
    -------
    pandas.Series
        One value per statistic, named ``observed``.

    Examples
    --------
    >>> import networkx as nx
    >>> summary_statistics(nx.complete_graph(4), "edges + triangle").to_dict()
    {'edges': 6.0, 'triangle': 4.0}
    """
    m = Model(G, formula, edge_covariates, missing=missing)
    return pd.Series(m.observed(), index=m.names, name="observed")
