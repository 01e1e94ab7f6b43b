"""Loaders and helpers for the port of statnet ergm's own term tests (tests/testthat).

The networks are R's, exported to ``tests/data/ergm/statnet/`` (see the README there).
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

DATA = Path(__file__).resolve().parents[2] / "data" / "ergm" / "statnet"


def load(name: str, directed: bool, edges: str | None = None) -> nx.Graph:
    """Network ``name`` (vertex ids 1..n in order, R's vertex attributes and edge attributes)."""
    nodes = pd.read_csv(DATA / f"{name}_nodes.csv", keep_default_na=False, na_values=[])
    G = nx.DiGraph() if directed else nx.Graph()
    for rec in nodes.to_dict("records"):
        G.add_node(int(rec.pop("id")), **rec)
    for rec in pd.read_csv(DATA / f"{edges or name}_edges.csv").to_dict("records"):
        u, v = int(rec.pop("from")), int(rec.pop("to"))
        G.add_edge(u, v, **rec)
    return G


def adjacency(G) -> np.ndarray:
    return nx.to_numpy_array(G, nodelist=sorted(G.nodes()), weight=None)


def r_all_equal(actual, expected, tolerance=1e-3) -> bool:
    """R's ``all.equal(target=expected, current=actual, tolerance)``: mean relative difference.

    Infinite entries must agree exactly (sign included); NA in ``expected`` is skipped.
    """
    a = np.atleast_1d(np.asarray(actual, dtype=float))
    e = np.atleast_1d(np.asarray(expected, dtype=float))
    if a.shape != e.shape:
        return False
    keep = ~np.isnan(e)
    a, e = a[keep], e[keep]
    inf = np.isinf(e) | np.isinf(a)
    if np.any(a[inf] != e[inf]):
        return False
    a, e = a[~inf], e[~inf]
    if e.size == 0:
        return True
    scale = np.mean(np.abs(e))
    diff = np.mean(np.abs(a - e))
    return bool(diff / scale < tolerance) if scale > 0 else bool(diff < tolerance)
