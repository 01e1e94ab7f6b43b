"""Result protocol of the network results (issue 11): .frame, .summary(), .to_file() -> Path,
.plot() -> Axes; and the argument vocabulary with deprecated old spellings.
"""

import warnings

import matplotlib
import networkx as nx
import pandas as pd
import pytest

from spatialhealth._results import Result
from spatialhealth.io import read_table
from spatialhealth.networks import (
    CentralityResult,
    NetworkSummary,
    ODReport,
    ODResult,
    aggregate_od,
    centrality,
    mobility_graph,
    network_summary,
    same_group,
)

matplotlib.use("Agg")

RECORDS = pd.DataFrame({"o": ["北京", "上海", "北京", "广州"], "d": ["上海", "北京", "上海", "北京"],
                        "w": [1.0, 2.0, "x", 4.0]})


def test_od_results_follow_the_protocol(tmp_path):
    res = aggregate_od(RECORDS, "o", "d", weight="w")
    assert isinstance(res, ODResult) and isinstance(res, Result) and isinstance(res.report, ODReport)
    edges, report = res
    for suffix in (".csv", ".xlsx", ".parquet"):
        path = res.to_file(tmp_path / f"edges{suffix}")
        assert path == tmp_path / f"edges{suffix}" and path.exists()
        back = read_table(path, **({"dtype": {"origin": str, "destination": str}} if suffix != ".parquet" else {}))
        assert back["origin"].tolist() == edges["origin"].tolist()
    assert (tmp_path / "edges.csv").read_bytes()[:3] == b"\xef\xbb\xbf"
    assert report.to_file(tmp_path / "report.csv").exists()
    assert report.frame.set_index("item").loc["w not a number", "rows"] == 1
    assert "w not a number: 1 row(s): line 3 'x'" in report.summary()
    assert repr(res).startswith("<ODResult: ") and "<strong>" in report._repr_html_()


def test_network_results_follow_the_protocol(tmp_path):
    G = nx.DiGraph([("110100", "310100", {"weight": 3.0}), ("310100", "110100", {"weight": 1.0}),
                    ("440100", "110100", {"weight": 2.0})])
    s = network_summary(G)
    assert isinstance(s, NetworkSummary) and isinstance(s, Result)
    assert s.to_file(tmp_path / "s.csv") == tmp_path / "s.csv"
    c = centrality(G)
    assert isinstance(c, CentralityResult) and len(c.frame) == 3
    assert c.top("in_strength", 1)["code"].tolist() == ["110100"]  # 1 + 2 in
    assert "highest in_strength   110100 (3)" in c.summary()
    ax = c.plot()
    assert ax.__class__.__name__ == "Axes" and len(ax.patches) == 3
    assert c.to_file(tmp_path / "c.xlsx").exists()


def test_region_is_the_key_argument_and_code_is_deprecated():
    e = pd.DataFrame({"origin": ["a"], "destination": ["b"], "flow": [1.0]})
    nodes = pd.DataFrame({"id": ["a", "b"], "g": [1, 1]})
    assert mobility_graph(e, nodes=nodes, region="id").number_of_nodes() == 2
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        G = mobility_graph(e, nodes=nodes, code="id")
        m = same_group(nodes, "g", code="id")
    assert G.number_of_nodes() == 2 and m.to_numpy().tolist() == [[0, 1], [1, 0]]
    assert [x.category for x in w] == [DeprecationWarning, DeprecationWarning]
    with pytest.raises(TypeError, match="both 'code'"):
        mobility_graph(e, nodes=nodes, code="id", region="id")
