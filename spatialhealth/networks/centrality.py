"""Node centralities and network-level summaries of directed mobility graphs.

Definitions (``n`` nodes; self-loops are ignored everywhere):

* ``in_degree`` / ``out_degree``: number of distinct cities sending to / receiving
  from the city (binary ties).
* ``in_degree_std`` / ``out_degree_std``: degree divided by ``n - 1``, the
  standardised (Freeman-normalised) degree mapped in mobility papers.
* ``in_strength`` / ``out_strength``: total weight (flow) in / out.
* ``betweenness``: share of shortest directed paths between other pairs passing
  through the city, normalised by ``(n - 1)(n - 2)`` (binary path lengths, or
  ``1 / weight`` lengths with ``weighted_paths=True``).
* ``in_closeness`` / ``out_closeness``: Wasserman-Faust closeness from the
  distances *to* / *from* the city, ``(r / (n - 1)) * (r / sum of distances)``
  with ``r`` the number of cities that reach it / that it reaches (0 if none).
* ``eigenvector``: leading left eigenvector of the adjacency matrix (in-edges
  count), Euclidean norm 1; missing when the graph is not strongly connected
  (then it is not unique; use PageRank).
* ``pagerank``: weighted PageRank with damping 0.85.
* ``reciprocity``: share of the city's ties that are reciprocated,
  ``2 |in ∩ out| / (in_degree + out_degree)`` (missing for isolates).
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

from .._random import seed_int
from .._results import Result, figure_axes
from ..errors import InputError, InputTypeError

__all__ = ["centrality", "centrality_table", "network_summary", "NetworkSummary", "CentralityResult",
           "CENTRALITY_COLUMNS"]

CENTRALITY_COLUMNS = [
    "code", "in_degree", "out_degree", "in_degree_std", "out_degree_std", "in_strength",
    "out_strength", "betweenness", "in_closeness", "out_closeness", "eigenvector", "pagerank",
    "reciprocity",
]


def _check(G):
    if not isinstance(G, nx.DiGraph):
        raise InputTypeError(f"Expected a networkx DiGraph; {type(G).__name__} was given.")
    H = nx.DiGraph(G)  # a copy without self-loops; the caller's graph is left alone
    H.remove_edges_from(list(nx.selfloop_edges(H)))
    return H


def centrality_table(G: nx.DiGraph, weight: str = "weight", *, weighted_paths: bool = False,
                     attributes=("name_zh", "lon", "lat"), betweenness_k: int | None = None,
                     seed=None) -> pd.DataFrame:
    """Node centralities of a directed graph as one tidy table keyed by ``code``.

    Parameters
    ----------
    G : networkx.DiGraph
        E.g. from :func:`spatialhealth.networks.graph.mobility_graph`.
    weight : str
        Edge attribute holding the flow (missing weights count as 1).
    weighted_paths : bool
        Betweenness and closeness on path lengths ``1 / weight`` (a large flow
        is a short distance) instead of hop counts.
    attributes : iterable of str
        Node attributes copied into the table when present (coordinates for maps).
    betweenness_k : int, optional
        Estimate betweenness from ``k`` sampled source nodes (Brandes-Pich) for
        large graphs, e.g. thousands of counties; exact by default.
    seed : int or Generator, optional
        Seed of that sample.

    Returns
    -------
    pandas.DataFrame
        One row per node, columns :data:`CENTRALITY_COLUMNS` (definitions in the
        module docstring) plus the present ``attributes``; sorted by code.

    Examples
    --------
    >>> G = nx.DiGraph([("a", "b"), ("b", "a"), ("c", "a")])
    >>> centrality_table(G)[["code", "in_degree", "in_degree_std", "reciprocity"]].to_dict("list")
    {'code': ['a', 'b', 'c'], 'in_degree': [2, 1, 0], 'in_degree_std': [1.0, 0.5, 0.0], 'reciprocity': [0.6666666666666666, 1.0, 0.0]}
    """
    H = _check(G)
    nodes = sorted(H.nodes, key=str)
    n = len(nodes)
    ind = dict(H.in_degree())
    outd = dict(H.out_degree())
    ins = dict(H.in_degree(weight=weight))
    outs = dict(H.out_degree(weight=weight))
    dist = None
    if weighted_paths:
        dist = "_length"
        for _, _, d in H.edges(data=True):
            w = float(d.get(weight, 1.0))
            d[dist] = 1.0 / w if w > 0 else np.inf
    if n > 2:
        k = None if betweenness_k is None or betweenness_k >= n else int(betweenness_k)
        btw = nx.betweenness_centrality(H, k=k, normalized=True, weight=dist,
                                        seed=None if k is None else seed_int(seed))
    else:
        btw = dict.fromkeys(nodes, 0.0)
    in_clo = nx.closeness_centrality(H, distance=dist, wf_improved=True)
    out_clo = nx.closeness_centrality(H.reverse(copy=False), distance=dist, wf_improved=True)
    eig = dict.fromkeys(nodes, np.nan)
    if n > 1 and H.number_of_edges() and nx.is_strongly_connected(H):
        try:
            eig = nx.eigenvector_centrality_numpy(H, weight=None)
        except (nx.NetworkXException, ArithmeticError, ValueError):
            pass
    pr = nx.pagerank(H, alpha=0.85, weight=weight) if n else {}
    rows = []
    for v in nodes:
        succ, pred = set(H.successors(v)), set(H.predecessors(v))
        ties = len(succ) + len(pred)
        rows.append({
            "code": v,
            "in_degree": ind[v], "out_degree": outd[v],
            "in_degree_std": ind[v] / (n - 1) if n > 1 else np.nan,
            "out_degree_std": outd[v] / (n - 1) if n > 1 else np.nan,
            "in_strength": float(ins[v]), "out_strength": float(outs[v]),
            "betweenness": float(btw[v]), "in_closeness": float(in_clo[v]),
            "out_closeness": float(out_clo[v]), "eigenvector": float(eig[v]),
            "pagerank": float(pr.get(v, np.nan)),
            "reciprocity": 2 * len(succ & pred) / ties if ties else np.nan,
        })
    table = pd.DataFrame(rows, columns=CENTRALITY_COLUMNS)
    table["in_degree"] = table["in_degree"].astype("int64")
    table["out_degree"] = table["out_degree"].astype("int64")
    for a in attributes or ():
        if n and all(a in G.nodes[v] for v in nodes):
            table[a] = [G.nodes[v][a] for v in nodes]
    return table


@dataclass(frozen=True, repr=False)
class CentralityResult(Result):
    """Node centralities of a graph (:func:`centrality`): one row per node.

    Attributes
    ----------
    table : pandas.DataFrame
        Columns :data:`CENTRALITY_COLUMNS` plus node attributes (see
        :func:`centrality_table`).
    """

    table: pd.DataFrame
    _title = "Centrality"

    @property
    def frame(self) -> pd.DataFrame:
        return self.table

    def top(self, measure: str = "in_strength", n: int = 10) -> pd.DataFrame:
        """The ``n`` nodes ranking highest on ``measure`` (ties by code)."""
        if measure not in self.table.columns:
            raise InputError(f"No centrality {measure!r}; choose one of "
                             f"{', '.join(CENTRALITY_COLUMNS[1:])}.")
        return (self.table.sort_values([measure, "code"], ascending=[False, True])
                .head(int(n)).reset_index(drop=True))

    def summary(self) -> str:
        t = self.table
        lines = [f"Centralities of {len(t):,} nodes"]
        if len(t):
            label = "name_zh" if "name_zh" in t.columns else "code"
            for measure in ("in_strength", "out_strength", "betweenness", "pagerank"):
                top = self.top(measure, 3)
                names = ", ".join(f"{r[label]} ({r[measure]:.4g})" for _, r in top.iterrows())
                lines.append(f"  highest {measure:<13} {names}")
        return "\n".join(lines)

    def plot(self, ax=None, measure: str = "in_strength", n: int = 15):
        """Horizontal bars of the ``n`` highest nodes on ``measure``; returns the Axes."""
        fig, ax = figure_axes(ax, figsize=(6, 0.3 * n + 1))
        top = self.top(measure, n).iloc[::-1]
        label = "name_zh" if "name_zh" in top.columns else "code"
        ax.barh(top[label].astype(str), top[measure])
        ax.set_xlabel(measure)
        return ax


def centrality(G: nx.DiGraph, weight: str = "weight", **kwargs) -> CentralityResult:
    """Compute :func:`centrality_table` and wrap it in a result object.

    The result has ``.frame``, ``.summary()``, ``.plot()`` and ``.to_file()``.

    Parameters
    ----------
    G : networkx.DiGraph
        E.g. from :func:`spatialhealth.networks.graph.mobility_graph`.
    weight : str
        Edge attribute holding the flow (missing weights count as 1).
    **kwargs
        ``weighted_paths``, ``attributes``, ``betweenness_k`` and ``seed`` of
        :func:`centrality_table`.

    Returns
    -------
    CentralityResult
        The centrality table as ``.frame``, one row per node.

    Examples
    --------
    >>> res = centrality(nx.DiGraph([("a", "b"), ("b", "a"), ("c", "a")]))
    >>> len(res.frame), res.top("in_degree", 1)["code"].tolist()
    (3, ['a'])
    """
    return CentralityResult(centrality_table(G, weight, **kwargs))


@dataclass(frozen=True, repr=False)
class NetworkSummary(Result):
    """Network-level description of a directed graph (self-loops ignored).

    ``density`` is ``edges / (n (n - 1))``; ``reciprocity`` the share of edges
    whose reverse edge exists; ``transitivity`` the global clustering
    coefficient (3 x triangles / connected triples) of the undirected graph
    obtained by ignoring direction; ``clustering`` the mean directed clustering
    coefficient (Fagiolo 2007).

    Attributes
    ----------
    nodes, edges : int
        Counts (self-loops ignored).
    density, reciprocity, transitivity, clustering : float
        As defined above.
    weak_components, strong_components : int
        Numbers of weakly and strongly connected components.
    largest_weak_component, largest_strong_component : int
        Nodes in the largest of each.
    isolates : int
        Nodes without any edge.
    mean_degree : float
        Mean total (in + out) degree, ``2 edges / nodes``.
    total_weight : float
        Sum of the edge weights.

    Examples
    --------
    >>> s = network_summary(nx.DiGraph([("a", "b"), ("b", "c")]))
    >>> s.nodes, s.weak_components, s.strong_components
    (3, 1, 3)
    """

    nodes: int
    edges: int
    density: float
    reciprocity: float
    transitivity: float
    clustering: float
    weak_components: int
    strong_components: int
    largest_weak_component: int
    largest_strong_component: int
    isolates: int
    mean_degree: float
    total_weight: float

    @property
    def frame(self) -> pd.DataFrame:
        return pd.DataFrame({"measure": list(self.__dataclass_fields__),
                             "value": [getattr(self, k) for k in self.__dataclass_fields__]},
                            ).astype({"value": object})

    _title = "Network summary"

    def summary(self) -> str:
        lines = ["Directed network summary"]
        for k in self.__dataclass_fields__:
            v = getattr(self, k)
            shown = f"{v:,}" if isinstance(v, (int, np.integer)) else f"{v:.4f}"
            lines.append(f"  {k:<26} {shown:>14}")
        return "\n".join(lines)


def network_summary(G: nx.DiGraph, weight: str = "weight") -> NetworkSummary:
    """Nodes, edges, density, reciprocity, transitivity and components of ``G``.

    Parameters
    ----------
    G : networkx.DiGraph
        The network (self-loops are ignored).
    weight : str
        Edge attribute summed into ``total_weight`` (missing weights count as 1).

    Returns
    -------
    NetworkSummary
        The measures as attributes, ``.frame`` and ``.summary()``.

    Examples
    --------
    >>> s = network_summary(nx.DiGraph([("a", "b"), ("b", "a"), ("b", "c")]))
    >>> s.edges, round(s.density, 4), round(s.reciprocity, 4), s.strong_components
    (3, 0.5, 0.6667, 2)
    """
    H = _check(G)
    n, m = H.number_of_nodes(), H.number_of_edges()
    weak = [len(c) for c in nx.weakly_connected_components(H)]
    strong = [len(c) for c in nx.strongly_connected_components(H)]
    recip = sum(1 for u, v in H.edges if H.has_edge(v, u)) / m if m else float("nan")
    U = H.to_undirected(as_view=False)
    return NetworkSummary(
        nodes=n, edges=m,
        density=m / (n * (n - 1)) if n > 1 else float("nan"),
        reciprocity=recip,
        transitivity=nx.transitivity(nx.Graph(U)) if n else float("nan"),
        clustering=nx.average_clustering(H) if n else float("nan"),
        weak_components=len(weak), strong_components=len(strong),
        largest_weak_component=max(weak, default=0), largest_strong_component=max(strong, default=0),
        isolates=nx.number_of_isolates(H),
        mean_degree=m / n if n else float("nan"),
        total_weight=float(H.size(weight=weight)),
    )
