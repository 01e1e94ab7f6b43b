"""The shipped example networks: sizes, attributes, and edge covariates equal to the generator's."""

import hashlib
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from spatialhealth.errors import InputError
from spatialhealth.networks.ergm.datasets import (
    NETWORKS,
    load_edge_covariates,
    load_network,
    load_truth,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "ergm"

# (directed, nodes, edges) as in R: network.size / network.edgecount
SIZES = {
    "flomarriage": (False, 16, 20),
    "samplk3": (True, 18, 56),
    "faux.mesa.high": (False, 205, 203),
    "mobility88": (True, 88, 551),
    "mobility288": (True, 288, 5847),
}


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_sizes(name):
    G = load_network(name)
    directed, n, m = SIZES[name]
    assert G.is_directed() == directed
    assert (G.number_of_nodes(), G.number_of_edges()) == (n, m)
    assert nx.number_of_selfloops(G) == 0


def test_flomarriage_attributes():
    G = load_network("flomarriage")
    assert G.degree("Pucci") == 0
    assert G.degree("Medici") == 6
    assert sum(nx.get_node_attributes(G, "wealth").values()) == 10 + 36 + 55 + 44 + 20 + 32 + 8 + 42 + 103 + 48 + 49 + 3 + 27 + 10 + 146 + 48


def test_truth_matches_network():
    for name in ("mobility88", "mobility288"):
        t = load_truth(name)
        G = load_network(name)
        assert t["edges"] == G.number_of_edges()
        mutual = sum(1 for u, v in G.edges() if G.has_edge(v, u)) // 2
        assert t["mutual_dyads"] == mutual
        assert set(t["true_coef"]) == {"edges", "nodeicov.PCF", "nodeicov.HTH", "nodeicov.GDP",
                                       "edgecov.geo_prox", "edgecov.same_dialect"}


def test_edge_covariates_equal_generator_88():
    cov = load_edge_covariates("mobility88")
    geo = np.loadtxt(DATA / "mobility88_geo_prox.csv", delimiter=",")
    same = np.loadtxt(DATA / "mobility88_same_dialect.csv", delimiter=",")
    assert np.array_equal(cov["geo_prox"], geo)
    assert np.array_equal(cov["same_dialect"], same)


def test_edge_covariates_equal_generator_288():
    cov = load_edge_covariates("mobility288")
    digest = {k: hashlib.sha256(np.ascontiguousarray(v, dtype="<f8").tobytes()).hexdigest()
              for k, v in cov.items()}
    assert digest["geo_prox"] == "b6cbe8eae5b35de120f8bcbfcdbcb5456351318c9f4086c37128240efb7f078d"
    assert digest["same_dialect"] == "55704498c635b26300278fe1726778c7d1b5e2ba55df4957d504ca6ab7a3f2a0"


def test_errors_name_the_value():
    with pytest.raises(InputError, match="'karate'"):
        load_network("karate")
    with pytest.raises(InputError, match="flomarriage"):
        load_truth("flomarriage")
    assert load_edge_covariates("samplk3") == {}
