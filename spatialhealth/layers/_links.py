"""A light link table behind :class:`~spatialhealth.layers.weights.SpatialWeights`.

``libpysal.graph`` imports scikit-learn, ``scipy.stats`` and numba-backed geometry
modules (about 1.5 s in a fresh process), while a LISA needs only the region codes and
a CSR matrix. :class:`Links` holds exactly that, answers the few ``Graph`` questions the
builders ask (``unique_ids``, ``n``, ``isolates``, ``cardinalities``, ``n_edges``,
``n_components``, ``sparse``, ``transform``) with the same definitions as libpysal, and
builds the equivalent ``libpysal.graph.Graph`` only when :meth:`Links.to_graph` is called
(:attr:`SpatialWeights.graph`).

Row standardisation here is ``w_ij / sum_j w_ij``; for weights other than 0/1 the row
sums are left to libpysal (pandas sums with compensation), so that the weights stay
bitwise those of ``Graph.transform("r")``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


class Links:
    """Links ``focal -> neighbor`` with weights over ``ids`` (positions), sorted by (focal, neighbor).

    Units without any link are isolates (libpysal's zero-weight self-loops are implied).

    Parameters
    ----------
    ids : pandas.Index
        Region codes, in weights order.
    focal, neighbor : array of int
        Positions in ``ids``; no duplicate pair.
    weight : array of float
        Link weights (zero weights are kept as links, as in libpysal's adjacency).
    transformation : str
        ``"O"`` (as built), ``"R"`` or ``"B"``.
    base : Links, optional
        The untransformed links this was derived from (for :meth:`to_graph`).
    graph : libpysal.graph.Graph, optional
        The Graph these links came from, returned as is by :meth:`to_graph`.

    Examples
    --------
    >>> import pandas as pd
    >>> lk = Links.from_pairs(pd.Index(["a", "b", "c"]), ["a", "b"], ["b", "a"], [1.0, 1.0])
    >>> lk.n, lk.n_edges, list(lk.isolates)
    (3, 2, ['c'])
    """

    def __init__(self, ids, focal, neighbor, weight, transformation="O", base=None, graph=None, *, sort=True):
        self.unique_ids = pd.Index(ids)
        focal = np.asarray(focal, dtype=np.int64)
        neighbor = np.asarray(neighbor, dtype=np.int64)
        weight = np.asarray(weight, dtype=np.float64)
        if sort and len(focal):
            order = np.lexsort((neighbor, focal))
            focal, neighbor, weight = focal[order], neighbor[order], weight[order]
        self.focal, self.neighbor, self.weight = focal, neighbor, weight
        self.transformation = transformation
        self._base = base
        self._graph = graph
        self._cache: dict = {}

    # --- construction -------------------------------------------------------------------

    @classmethod
    def from_pairs(cls, ids, focal, neighbor, weight) -> Links:
        """Links over ``ids`` from code arrays (codes must be in ``ids``)."""
        ids = pd.Index(ids)
        f = ids.get_indexer(pd.Index(np.asarray(focal, dtype=object)))
        g = ids.get_indexer(pd.Index(np.asarray(neighbor, dtype=object)))
        if len(f) and (f.min() < 0 or g.min() < 0):
            raise KeyError("link codes not in ids")
        return cls(ids, f, g, np.asarray(weight, dtype=float))

    @classmethod
    def from_graph(cls, graph) -> Links:
        """Links of a ``libpysal.graph.Graph`` (isolate self-loops dropped); keeps the Graph."""
        adj = graph.adjacency
        ids = pd.Index(graph.unique_ids)
        f = ids.get_indexer(adj.index.get_level_values(0))
        g = ids.get_indexer(adj.index.get_level_values(1))
        w = adj.to_numpy(dtype=float)
        keep = ~((f == g) & (w == 0))
        return cls(ids, f[keep], g[keep], w[keep], str(graph.transformation).upper(), graph=graph)

    # --- the Graph questions the builders and statistics ask ----------------------------

    @property
    def n(self) -> int:
        return len(self.unique_ids)

    @property
    def sparse(self):
        """CSR array (n x n) of the weights; zero-weight links stored explicitly."""
        if "sparse" not in self._cache:
            from scipy import sparse

            n = self.n
            counts = np.bincount(self.focal, minlength=n)
            indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
            self._cache["sparse"] = sparse.csr_array((self.weight.copy(), self.neighbor.copy(), indptr),
                                                     shape=(n, n))
        return self._cache["sparse"]

    @property
    def cardinalities(self) -> pd.Series:
        card = np.bincount(self.focal[self.weight != 0], minlength=self.n)
        return pd.Series(card, index=self.unique_ids.rename("focal"), name="cardinalities")

    @property
    def isolates(self) -> pd.Index:
        card = self.cardinalities
        return card.index[card.to_numpy() == 0]

    @property
    def n_edges(self) -> int:
        # libpysal: adjacency rows (links + self-loops of units without links) - isolates
        no_link = self.n - len(np.unique(self.focal))
        return int(len(self.focal) + no_link - len(self.isolates))

    @property
    def n_components(self) -> int:
        return int(self.component_labels().max()) + 1 if self.n else 0

    def component_labels(self) -> np.ndarray:
        """Weakly connected component of each unit, numbered by first unit (as scipy's csgraph)."""
        if "components" not in self._cache:
            self._cache["components"] = weak_components(self.n, self.focal, self.neighbor)
        return self._cache["components"]

    def pairs(self) -> pd.DataFrame:
        """Non-zero links as a frame (focal, neighbor, weight) of codes."""
        keep = self.weight != 0
        ids = np.asarray(self.unique_ids, dtype=object)
        return pd.DataFrame({"focal": ids[self.focal[keep]], "neighbor": ids[self.neighbor[keep]],
                             "weight": self.weight[keep]})

    def transform(self, transformation: str) -> Links:
        """``"R"`` row-standardised, ``"B"`` binary or ``"O"``, as ``Graph.transform``."""
        t = transformation.upper()
        base = self._base or self
        if t == self.transformation:
            return self
        if t == "O":
            return base
        if t == "B":
            return Links(base.unique_ids, base.focal, base.neighbor, (base.weight != 0).astype(float), "B",
                         base=base, sort=False)
        if t != "R":
            raise ValueError(f"transformation {transformation!r} is not supported here")
        w = base.weight
        if np.all((w == 0) | (w == 1)):
            rowsum = np.bincount(base.focal, weights=w, minlength=base.n)
            with np.errstate(divide="ignore", invalid="ignore"):
                out = np.nan_to_num(w / rowsum[base.focal])
            return Links(base.unique_ids, base.focal, base.neighbor, out, "R", base=base, sort=False)
        # general weights: libpysal's own arithmetic, bit for bit
        return Links.from_graph(base.to_graph().transform("R"))._with_base(base)

    def _with_base(self, base) -> Links:
        self._base = base
        return self

    def to_graph(self):
        """Return the equivalent ``libpysal.graph.Graph`` (built once)."""
        if self._graph is None:
            if self._base is not None:
                self._graph = self._base.to_graph().transform(self.transformation)
            else:
                self._graph = _graph_from_arrays(self.unique_ids, self.focal, self.neighbor, self.weight)
        return self._graph


def weak_components(n: int, a, b) -> np.ndarray:
    """Labels of the weakly connected components of the links a -> b over n units.

    Components are numbered 0, 1, ... in the order of their lowest unit, the numbering of
    ``scipy.sparse.csgraph.connected_components`` (whose import costs ~0.3 s). Hooking and
    pointer jumping (Shiloach-Vishkin), O((n + links) log n) with numpy.

    Examples
    --------
    >>> weak_components(5, np.array([0, 3]), np.array([2, 4])).tolist()
    [0, 1, 0, 2, 2]
    """
    parent = np.arange(n, dtype=np.int64)
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    while True:
        pa, pb = parent[a], parent[b]
        differ = pa != pb
        if not differ.any():
            break
        pa, pb = pa[differ], pb[differ]
        lo, hi = np.minimum(pa, pb), np.maximum(pa, pb)
        np.minimum.at(parent, hi, lo)  # hook the larger root under the smaller
        while True:  # pointer jumping to the roots
            nxt = parent[parent]
            if np.array_equal(nxt, parent):
                break
            parent = nxt
    # roots are the lowest unit of each component: number them in increasing order
    return np.unique(parent, return_inverse=True)[1].reshape(-1)


def _graph_from_arrays(ids, focal, neighbor, weight):
    """``libpysal.graph.Graph`` (transformation "O") over ``ids``; isolates as zero self-loops."""
    from libpysal.graph import Graph

    ids = pd.Index(ids)
    n = len(ids)
    linked = np.zeros(n, dtype=bool)
    linked[focal] = True
    iso = np.nonzero(~linked)[0]
    f = np.concatenate([focal, iso])
    g = np.concatenate([neighbor, iso])
    w = np.concatenate([weight, np.zeros(len(iso))])
    order = np.lexsort((g, f))
    f, g, w = f[order], g[order], w[order]
    index = pd.MultiIndex(levels=[ids, ids], codes=[f, g], names=["focal", "neighbor"])
    return Graph(pd.Series(w, index=index, name="weight"), transformation="O", is_sorted=True)


def vertex_contiguity(geoms, ids, rook: bool, grid_size: float | None = None) -> Links:
    """Queen (shared vertex) or rook (shared edge) contiguity, as libpysal's vertex-set builder.

    The same definitions as ``libpysal.graph.Graph.build_contiguity(strict=False)``: two
    units are queen neighbours when they have a vertex with exactly equal coordinates, rook
    neighbours when they have an edge (two consecutive vertices of one polygon part, in
    either order) with exactly equal end points. Here the vertices are grouped by sorting
    (numpy) rather than in a Python dictionary. With ``grid_size``, coordinates are first
    rounded to that grid (as ``shapely.set_precision`` does) and edges whose two ends then
    coincide are ignored (``set_precision`` drops such repeated points).

    Parameters
    ----------
    geoms : array of shapely (Multi)Polygons
    ids : pandas.Index
        Codes of ``geoms``, in order.
    rook : bool
    grid_size : float, optional

    Returns
    -------
    Links
        Binary links (weight 1) in both directions.

    Examples
    --------
    >>> import pandas as pd
    >>> from shapely import box
    >>> cells = [box(0, 0, 1, 1), box(1, 0, 2, 1), box(1, 1, 2, 2)]
    >>> p = vertex_contiguity(cells, pd.Index(list("abc")), rook=True).pairs()
    >>> list(zip(p["focal"], p["neighbor"]))
    [('a', 'b'), ('b', 'a'), ('b', 'c'), ('c', 'b')]
    """
    import shapely

    geoms = np.asarray(geoms, dtype=object)
    xy, owner = shapely.get_coordinates(geoms, return_index=True)
    if grid_size:
        xy = np.round(xy / grid_size)
    if rook:
        _, part = shapely.get_coordinates(shapely.get_parts(geoms), return_index=True)
        same = part[:-1] == part[1:]
        a, b = xy[:-1][same], xy[1:][same]
        owner = owner[:-1][same]
        if grid_size:
            keep = ~((a[:, 0] == b[:, 0]) & (a[:, 1] == b[:, 1]))
            a, b, owner = a[keep], b[keep], owner[keep]
        # the edge as (smaller point, larger point), lexicographic on (x, y) like sorted(tuples)
        swap = (b[:, 0] < a[:, 0]) | ((b[:, 0] == a[:, 0]) & (b[:, 1] < a[:, 1]))
        lo = np.where(swap[:, None], b, a)
        hi = np.where(swap[:, None], a, b)
        keys = [lo[:, 0], lo[:, 1], hi[:, 0], hi[:, 1]]
    else:
        keys = [xy[:, 0], xy[:, 1]]
    # sort by (key..., owner); a group is a run of equal keys
    order = np.lexsort((owner, *reversed(keys)))
    k = [c[order] for c in keys]
    o = owner[order]
    m = len(o)
    if m == 0:
        return Links(ids, [], [], [])
    new_key = np.ones(m, dtype=bool)
    if m > 1:
        diff = np.zeros(m - 1, dtype=bool)
        for c in k:
            diff |= c[1:] != c[:-1]
        new_key[1:] = diff
    # drop repeated (key, owner) rows
    keep = new_key.copy()
    keep[1:] |= o[1:] != o[:-1]
    o, new_key = o[keep], new_key[keep]
    group = np.cumsum(new_key) - 1
    src, dst = [], []
    d = 1
    while d < len(o):
        same = group[d:] == group[:-d]
        if not same.any():
            break
        src.append(o[:-d][same])
        dst.append(o[d:][same])
        d += 1
    n = len(ids)
    if src:
        s = np.concatenate(src).astype(np.int64)
        t = np.concatenate(dst).astype(np.int64)
        code = np.unique(np.concatenate([s * n + t, t * n + s]))
        f, g = code // n, code % n
    else:
        f = g = np.zeros(0, dtype=np.int64)
    return Links(ids, f, g, np.ones(len(f)), sort=False)
