"""The standard ERGM example networks shipped with spatialhealth.

Five networks live in ``spatialhealth/data/ergm/`` (sources in the README there):

``"flomarriage"``
    Padgett's Florentine marriage ties (undirected, 16 families, node attributes
    ``wealth``, ``priorates``, ``totalties``; Pucci is an isolate). Nodes are labelled by
    family name.
``"samplk3"``
    Sampson's monastery, third liking wave (directed, 18 monks, ``group``,
    ``cloisterville`` ...). Nodes are labelled by the monk's name.
``"faux.mesa.high"``
    Simulated school friendship network from the statnet ``ergm`` package (undirected,
    205 students, ``Grade``, ``Race``, ``Sex``). Nodes are labelled 1..205.
``"mobility88"``, ``"mobility288"``
    Synthetic directed city mobility networks generated from a known dyad-independent
    ERGM (``edges + nodeicov(PCF) + nodeicov(HTH) + nodeicov(GDP) + edgecov(geo_prox) +
    edgecov(same_dialect)``). Nodes are labelled 1..N with attributes ``x``, ``y``,
    ``dialect``, ``PCF``, ``HTH``, ``GDP``. The edge covariates ``geo_prox`` (1 / distance,
    distance in units of 100 km) and ``same_dialect`` are recomputed from the node table
    exactly as the generator script did; :func:`load_edge_covariates` returns them and
    :func:`load_truth` the generating coefficients.
"""

from __future__ import annotations

import json
from importlib import resources

import networkx as nx
import numpy as np
import pandas as pd

from ...errors import InputError

#: name -> (directed, column holding node labels or None for the integer id)
NETWORKS: dict[str, tuple[bool, str | None]] = {
    "flomarriage": (False, "vertex.names"),
    "samplk3": (True, "vertex.names"),
    "faux.mesa.high": (False, None),
    "mobility88": (True, None),
    "mobility288": (True, None),
}


def _data_file(filename: str):
    return resources.files("spatialhealth").joinpath("data", "ergm", filename)


def _check_name(name: str) -> str:
    if name not in NETWORKS:
        raise InputError(
            f"Unknown ERGM example network {name!r}; expected one of {sorted(NETWORKS)}."
        )
    return name


def load_nodes(name: str) -> pd.DataFrame:
    """Node table of an example network (one row per node, in node order).

    Parameters
    ----------
    name : str
        An example network, e.g. ``"mobility88"``.

    Returns
    -------
    pandas.DataFrame
        The node ids and attributes.

    Examples
    --------
    >>> load_nodes("mobility88").shape
    (88, 7)
    """
    _check_name(name)
    with _data_file(f"{name}_nodes.csv").open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh)


def load_network(name: str) -> nx.Graph:
    """Load an example network as a networkx graph with node attributes.

    Parameters
    ----------
    name : {"flomarriage", "samplk3", "faux.mesa.high", "mobility88", "mobility288"}

    Returns
    -------
    networkx.Graph or networkx.DiGraph
        Nodes are added in the order of the node table, so ``list(G.nodes())`` is the
        order of the matrices from :func:`load_edge_covariates`. Every column of the
        node table (including ``id``) is a node attribute.

    Examples
    --------
    >>> G = load_network("flomarriage")
    >>> G.number_of_nodes(), G.number_of_edges(), G.nodes["Medici"]["wealth"]
    (16, 20, 103)
    """
    directed, label_col = NETWORKS[_check_name(name)]
    nodes = load_nodes(name)
    with _data_file(f"{name}_edges.csv").open("r", encoding="utf-8") as fh:
        edges = pd.read_csv(fh)
    G = nx.DiGraph(name=name) if directed else nx.Graph(name=name)
    labels = nodes[label_col].tolist() if label_col else nodes["id"].astype(int).tolist()
    id_to_label = dict(zip(nodes["id"].astype(int), labels))
    for label, row in zip(labels, nodes.to_dict("records")):
        attrs = {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
        G.add_node(label, **attrs)
    G.add_edges_from((id_to_label[int(a)], id_to_label[int(b)])
                     for a, b in edges[["from", "to"]].itertuples(index=False))
    return G


def load_edge_covariates(name: str) -> dict[str, np.ndarray]:
    """Edge covariate matrices of an example network, aligned with the node order.

    Only the mobility networks have edge covariates (``geo_prox``, ``same_dialect``);
    the other networks return an empty dict.

    ``geo_prox[i, j] = 1 / dist(i, j)`` with the coordinates ``x, y`` as stored (rounded
    to 1e-4 before distances, as in the generator), diagonal 0; ``same_dialect[i, j] = 1``
    when both cities share a dialect group, diagonal 0. These equal the generator's CSV
    matrices bit for bit (checked in the tests).

    Parameters
    ----------
    name : str
        An example network, e.g. ``"mobility88"``.

    Returns
    -------
    dict of str to numpy.ndarray
        ``n x n`` matrices by covariate name.

    Examples
    --------
    >>> cov = load_edge_covariates("mobility88")
    >>> cov["geo_prox"].shape
    (88, 88)
    """
    _check_name(name)
    if not name.startswith("mobility"):
        return {}
    nodes = load_nodes(name)
    xy = nodes[["x", "y"]].to_numpy(dtype=float)
    n = len(xy)
    d = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
    off = ~np.eye(n, dtype=bool)
    geo_prox = np.zeros((n, n))
    geo_prox[off] = 1.0 / d[off]
    dialect = nodes["dialect"].to_numpy()
    same = (dialect[:, None] == dialect[None, :]).astype(float)
    np.fill_diagonal(same, 0.0)
    return {"geo_prox": geo_prox, "same_dialect": same}


def load_truth(name: str) -> dict:
    """Generating coefficients and settings of a synthetic mobility network.

    Returns the parsed ``*_truth.json``; ``["true_coef"]`` maps statnet statistic names
    to the coefficients the network was drawn from.

    Parameters
    ----------
    name : str
        A synthetic mobility network, e.g. ``"mobility88"``.

    Returns
    -------
    dict
        The parsed JSON.

    Examples
    --------
    >>> load_truth("mobility88")["true_coef"]["edges"]
    -3.7
    """
    _check_name(name)
    if not name.startswith("mobility"):
        raise InputError(
            f"{name!r} is an observed network with no generating coefficients; "
            "expected 'mobility88' or 'mobility288'."
        )
    with _data_file(f"{name}_truth.json").open("r", encoding="utf-8") as fh:
        return json.load(fh)
