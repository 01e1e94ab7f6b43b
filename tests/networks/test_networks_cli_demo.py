"""The `spatialhealth network` commands and the demo step, end to end."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd

from spatialhealth.app.cli import main
from spatialhealth.app.demo import DemoContext
from spatialhealth.app.examples import networks as _demo
from spatialhealth.networks.od import aggregate_od


def test_networks_cli_roundtrip(tmp_path, capsys):
    rec = tmp_path / "rec.csv"
    assert main(["network", "synthetic", "--n", "3000", "--names", "--encoding", "gbk",
                 "--out", str(rec)]) == 0
    before = rec.read_bytes()
    edges = tmp_path / "edges.csv"
    assert main(["network", "aggregate", str(rec), "--origin", "hukou_city", "-d", "current_city",
                 "--weight", "weight", "--out", str(edges)]) == 0
    assert rec.read_bytes() == before
    e = pd.read_csv(edges, dtype={"origin": str, "destination": str})
    ref = aggregate_od(pd.read_csv(rec, encoding="gbk"), "hukou_city", "current_city", weight="weight")
    pd.testing.assert_frame_equal(e, ref.edges, check_exact=False, rtol=1e-12)
    cent = tmp_path / "cent.csv"
    assert main(["network", "centrality", str(edges), "--threshold", "2", "--out", str(cent)]) == 0
    c = pd.read_csv(cent, dtype={"code": str})
    # the user's network is the user's: exactly the places of the edge file, with bundled names
    places = set(e["origin"]) | set(e["destination"])
    assert len(c) == len(places) and set(c["code"]) == places and c["name_zh"].notna().all()
    assert main(["network", "aggregate", str(rec), "--origin", "nope", "-d", "current_city",
                 "--out", str(tmp_path / "x.csv")]) == 2
    assert "'nope'" in capsys.readouterr().err


def test_networks_demo_step_quick(tmp_path, monkeypatch):
    # the maps are the maps capability's (tested there); their first import compiles numba
    monkeypatch.setattr(_demo, "_maps", lambda ctx, edges, cent: [])
    ctx = DemoContext(out=tmp_path, quick=True)
    paths = _demo.run(ctx)
    assert all(p.exists() for p in paths)
    G = ctx.shared["mobility_graph"]
    assert isinstance(G, nx.DiGraph) and G.number_of_nodes() == 367
    assert all({"PCF", "HTH", "GDP", "lon", "lat"} <= set(G.nodes[v]) for v in G)
    covs = ctx.shared["edge_covariates"]
    n = G.number_of_nodes()
    assert np.shape(covs["geo_prox"]) == (n, n) and np.shape(covs["same_dialect"]) == (n, n)
    assert list(covs["geo_prox"].index) == list(G.nodes)
    cent = ctx.shared["centrality"]
    assert {"code", "lon", "lat", "in_degree_std"} <= set(cent.columns)
    # the centrality table's in-degrees are the graph's
    assert dict(zip(cent.code, cent.in_degree)) == dict(G.in_degree())
    assert (tmp_path / "networks" / "centrality.csv").exists()
