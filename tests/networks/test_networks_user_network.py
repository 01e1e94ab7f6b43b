"""A user's network is the user's: a 14-city edge file gives a 14-node graph and 14 centralities,
whatever the node option; edge-covariate matrices are read with the table reader (GBK, Excel).
"""

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from spatialhealth.errors import InputError
from spatialhealth.io import read_table
from spatialhealth.networks.centrality import centrality_table, network_summary
from spatialhealth.networks.covariates import (
    align_matrix,
    edge_covariates,
    geo_proximity,
    read_matrix,
)
from spatialhealth.networks.graph import load_cities, mobility_graph

CODES = ["110000", "120100", "310100", "500000", "440100", "440300", "510100", "420100",
         "430100", "610100", "320100", "330100", "370100", "410100"]  # Beijing coded 110000


@pytest.fixture
def edge_file(tmp_path):
    rng = np.random.default_rng(7)
    rows = [(o, d, int(rng.integers(1, 50))) for i, o in enumerate(CODES) for d in CODES[i + 1:i + 4]]
    rows += [(d, o, f) for o, d, f in rows[::2]]
    path = tmp_path / "边.csv"
    pd.DataFrame(rows, columns=["出发", "到达", "流量"]).to_csv(path, index=False, encoding="gbk")
    return path


@pytest.mark.parametrize("nodes", [None, "bundled", "cities"])
def test_fourteen_city_file_gives_fourteen_nodes(edge_file, nodes):
    e = read_table(edge_file, dtype={"出发": str, "到达": str})
    G = mobility_graph(e, nodes=nodes, origin="出发", destination="到达", flow="流量")
    assert G.number_of_nodes() == 14 and set(G.nodes) == set(CODES)
    table = centrality_table(G)
    assert len(table) == 14 and table["code"].tolist() == sorted(CODES)
    s = network_summary(G)
    assert s.nodes == 14 and s.isolates == 0
    assert s.density == pytest.approx(G.number_of_edges() / (14 * 13))
    if nodes is not None:  # names and coordinates joined, 110000 found as Beijing
        assert G.nodes["110000"]["name_zh"] == "北京市" and G.nodes["110000"]["gb_code"] == "110100"
        assert "lon" in table.columns and table["lon"].notna().all()


def test_user_node_table_is_exact(edge_file):
    e = read_table(edge_file, dtype={"出发": str, "到达": str})
    nodes = pd.DataFrame({"code": CODES + ["999999"], "规模": range(15)})
    G = mobility_graph(e, nodes=nodes, origin="出发", destination="到达", flow="流量")
    assert G.number_of_nodes() == 15 and nx.number_of_isolates(G) == 1 and G.nodes["999999"]["规模"] == 14
    with pytest.raises(InputError, match="not in the node table"):
        mobility_graph(e, nodes=nodes.iloc[:10], origin="出发", destination="到达", flow="流量")


def test_unknown_places_with_bundled_are_listed():
    e = pd.DataFrame({"origin": ["A1", "110100"], "destination": ["110100", "A1"], "flow": [1.0, 2.0]})
    G = mobility_graph(e, nodes="bundled")
    assert sorted(G.nodes) == ["110100", "A1"] and G.graph["unmatched_nodes"] == ["A1"]


def _matrix(codes, values):
    return pd.DataFrame(values, index=pd.Index(codes, name="code"), columns=codes)


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_gbk_matrix_reads_and_aligns(tmp_path, encoding):
    c = load_cities().set_index("code").loc[["110100", "120100", "310100"]].reset_index()
    prox = geo_proximity(c)
    m = prox.copy()
    m.index.name = "城市"
    path = tmp_path / "邻近.csv"
    m.iloc[::-1, ::-1].to_csv(path, encoding=encoding)  # another order than the graph's
    got = read_matrix(path)
    G = nx.DiGraph()
    G.add_nodes_from(["110100", "120100", "310100"])
    aligned = align_matrix(path, G, "geo_prox")
    np.testing.assert_allclose(aligned.to_numpy(), prox.to_numpy())
    assert list(got.index) == ["310100", "120100", "110100"]


def test_matrix_errors_are_clear(tmp_path):
    p = tmp_path / "m.csv"
    _matrix(["a", "b"], [[0, 1], [1, 0]]).iloc[:, :1].to_csv(p)
    with pytest.raises(InputError, match="must be square"):
        read_matrix(p)
    _matrix(["a", "b"], [[0, "x"], [1, 0]]).to_csv(p)
    with pytest.raises(InputError, match=r"row 2: 'x'"):
        read_matrix(p)
    m = _matrix(["a", "b"], [[0, 1], [1, 0]])
    m.columns = ["a", "c"]
    m.to_csv(p)
    with pytest.raises(InputError, match="row labels and column labels differ"):
        read_matrix(p)
    _matrix(["a", "a"], [[0, 1], [1, 0]]).to_csv(p)
    with pytest.raises(InputError, match="occur more than once"):
        read_matrix(p)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"a,b\n\xff\xfe\xff,1\n")
    with pytest.raises(InputError, match="neither UTF-8 nor GBK"):
        read_matrix(bad)


def test_edge_covariates_builds_exactly_what_is_asked(tmp_path):
    G = mobility_graph(pd.DataFrame({"origin": ["110100", "310100"], "destination": ["310100", "120100"],
                                     "flow": [1.0, 2.0]}), nodes="bundled")
    for v in G:
        G.nodes[v].pop("dialect", None)  # no dialect attribute: same_dialect must not be built
    covs = edge_covariates(G, only=["geo_prox"])
    assert list(covs) == ["geo_prox"]
    m = pd.DataFrame(np.arange(9.0).reshape(3, 3), index=list(G.nodes), columns=list(G.nodes))
    m.index.name = "代码"
    path = tmp_path / "我的矩阵.csv"
    m.to_csv(path, encoding="gbk")
    covs = edge_covariates(G, only=["mine", "same_province"], extra={"mine": path})
    assert list(covs) == ["mine", "same_province"]
    np.testing.assert_allclose(covs["mine"].to_numpy(), m.to_numpy())
    with pytest.raises(InputError, match="Unknown edge covariate.*'same_dialct'.*available: geo_prox"):
        edge_covariates(G, only=["same_dialct"])
