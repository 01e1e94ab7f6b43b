"""mobility_graph, the city table and edge covariates."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from spatialhealth.errors import InputError
from spatialhealth.networks.covariates import (
    align_matrix, edge_covariates, geo_proximity, great_circle_km, same_dialect, same_province,
)
from spatialhealth.networks.graph import edges_from_graph, load_cities, mobility_graph

EDGES = pd.DataFrame({
    "origin": ["110100", "110100", "110100", "310100", "310100", "440100", "440100"],
    "destination": ["310100", "440100", "310100", "110100", "440100", "440100", "110100"],
    "flow": [4.0, 5.0, 6.0, 3.0, 2.0, 99.0, 0.0],
})


def test_networks_graph_basic():
    G = mobility_graph(EDGES)
    assert isinstance(G, nx.DiGraph)
    # duplicates summed, self-loop and zero flow dropped
    assert sorted(G.edges(data="weight")) == [("110100", "310100", 10.0), ("110100", "440100", 5.0),
                                              ("310100", "110100", 3.0), ("310100", "440100", 2.0)]
    assert not G.graph["binarised"] and G.graph["total_flow"] == 20.0


def test_networks_graph_filters():
    G = mobility_graph(EDGES, threshold=3)
    assert sorted(G.edges) == [("110100", "310100"), ("110100", "440100"), ("310100", "110100")]
    G = mobility_graph(EDGES, top_k=1)
    assert sorted(G.edges) == [("110100", "310100"), ("310100", "110100")]
    # flows 10, 5, 3, 2 (total 20): 0.75 is reached exactly by the two largest
    assert mobility_graph(EDGES, share=0.75).number_of_edges() == 2
    assert mobility_graph(EDGES, share=0.76).number_of_edges() == 3
    assert mobility_graph(EDGES, share=1.0).number_of_edges() == 4
    assert mobility_graph(EDGES, self_loops=True).has_edge("440100", "440100")
    with pytest.raises(InputError, match="top_k"):
        mobility_graph(EDGES, top_k=0)
    with pytest.raises(InputError, match="share"):
        mobility_graph(EDGES, share=1.5)


def test_networks_graph_nodes_and_isolates():
    G = mobility_graph(EDGES, nodes=load_cities(), threshold=3)  # the whole table, when given
    assert G.number_of_nodes() == 367 and nx.number_of_isolates(G) == 364
    B = mobility_graph(EDGES, nodes="bundled", threshold=3)  # attributes only, the user's nodes
    assert sorted(B.nodes) == ["110100", "310100", "440100"] and B.graph["unmatched_nodes"] == []
    assert mobility_graph(EDGES, nodes="cities").number_of_nodes() == 3
    gz = G.nodes["440100"]
    assert dict(B.nodes["440100"]) == dict(gz)
    assert gz["name_zh"] == "广州市" and {"lon", "lat", "PCF", "HTH", "GDP", "population"} <= set(gz)
    with pytest.raises(InputError, match="not in the node table"):
        mobility_graph(EDGES, nodes=load_cities().iloc[:5])


def test_networks_graph_bad_flows_and_input_untouched():
    before = EDGES.copy()
    mobility_graph(EDGES, top_k=1)
    pd.testing.assert_frame_equal(EDGES, before)
    with pytest.raises(InputError, match="must be >= 0"):
        mobility_graph(EDGES.assign(flow=[-1.0] + [1.0] * 6))
    with pytest.raises(InputError, match="numeric"):
        mobility_graph(EDGES.assign(flow=["x"] + [1.0] * 6))


def test_networks_edges_roundtrip():
    G = mobility_graph(EDGES)
    e = edges_from_graph(G)
    assert sorted(mobility_graph(e).edges(data="weight")) == sorted(G.edges(data="weight"))


def test_networks_city_table():
    c = load_cities()
    assert len(c) == 367 and c["code"].is_unique
    assert c["code"].str.fullmatch(r"\d{6}").all()
    # centroids inside China's bounding box; Beijing's centroid lies in Beijing
    assert c["lon"].between(73, 136).all() and c["lat"].between(3, 54).all()
    bj = c.set_index("code").loc["110100"]
    assert 115.4 < bj.lon < 117.5 and 39.4 < bj.lat < 41.1
    from spatialhealth import regions

    assert set(c["code"]) == set(regions.cities()["code"])
    assert load_cities(["municipality"])["code"].tolist() == ["110100", "120100", "310100", "500000"]


def test_networks_great_circle_independent():
    pyproj = pytest.importorskip("pyproj")
    geod = pyproj.Geod(a=6371008.8, b=6371008.8)  # the same sphere, another implementation
    c = load_cities().iloc[::40]
    d = geo_proximity(c, unit_km=1.0).to_numpy()
    lon, lat = c["lon"].to_numpy(), c["lat"].to_numpy()
    for i in range(len(c)):
        for j in range(len(c)):
            if i != j:
                _, _, m = geod.inv(lon[i], lat[i], lon[j], lat[j])
                assert 1 / d[i, j] == pytest.approx(m / 1000, rel=1e-9)
    assert np.all(np.diag(d) == 0)
    assert float(great_circle_km(0, 0, 0, 1)) == pytest.approx(111.19508, rel=1e-6)


def test_networks_covariates_groups_and_alignment():
    c = load_cities().set_index("code").loc[["110100", "120100", "310100", "440100", "440300"]].reset_index()
    sp = same_province(c)
    assert sp.loc["440100", "440300"] == 1 and sp.loc["110100", "120100"] == 0 and sp.to_numpy().trace() == 0
    sd = same_dialect(c, mapping={"110100": "A", "120100": "A", "310100": None, "440100": "B", "440300": "B"})
    assert sd.to_numpy().sum() == 4 and sd.loc["310100"].sum() == 0
    with pytest.raises(InputError, match="no entry"):
        same_dialect(c, mapping={"110100": "A"})
    G = mobility_graph(EDGES, nodes=c)
    cov = edge_covariates(G, extra={"ones": np.ones((5, 5))})
    assert set(cov) == {"geo_prox", "same_province", "same_dialect", "ones"}
    assert list(cov["geo_prox"].index) == list(G.nodes)
    m = pd.DataFrame(np.arange(25.0).reshape(5, 5), index=c["code"], columns=c["code"]).iloc[::-1, ::-1]
    a = align_matrix(m, G)
    assert a.loc["110100", "120100"] == 1.0
    with pytest.raises(InputError, match="must be 5 x 5"):
        align_matrix(np.ones((4, 4)), G)
    with pytest.raises(InputError, match="same coordinates"):
        geo_proximity(pd.DataFrame({"code": ["a", "b"], "lon": [1.0, 1.0], "lat": [2.0, 2.0]}))
