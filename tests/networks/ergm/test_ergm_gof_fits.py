"""gof() on fitted models, the `spatialhealth ergm` command and the demo step."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spatialhealth.networks.ergm import ergm
from spatialhealth.networks.ergm.datasets import load_network, load_nodes
from spatialhealth.networks.ergm.gof import gof


def test_gof_of_dyad_independent_fit_is_centred():
    G = load_network("flomarriage")
    res = ergm(G, "edges + nodecov('wealth')", seed=1)
    g = gof(res, nsim=200, seed=4)
    assert g.kinds == ["degree", "espartners", "distance", "model"]
    f = g.frame
    # at the MLE E[g(Y)] = g(y_obs): the simulated model statistics are centred on the
    # observed ones (the mean of 200 draws is within 4 standard errors)
    for name in res.model.names:
        sim = g.simulated["model"][:, res.model.names.index(name)]
        obs = f[(f.kind == "model") & (f.value == name)].observed.iloc[0]
        assert abs(sim.mean() - obs) < 4 * sim.std(ddof=1) / np.sqrt(len(sim))
    # every simulated network has 16 nodes and 120 dyads
    assert np.all(g.simulated["degree"].sum(1) == 16)
    assert np.all(g.simulated["distance"].sum(1) == 120)
    # observed degree distribution: Pucci is the single isolate
    assert f[(f.kind == "degree") & (f.value == "0")].observed.iloc[0] == 1
    # the fit's own delegate gives the same result for the same seed
    g2 = res.gof(nsim=200, seed=4)
    pd.testing.assert_frame_equal(g.frame, g2.frame)


def test_gof_directed_kinds():
    res = ergm(load_network("samplk3"), "edges + mutual", seed=2, estimate="MPLE")
    g = gof(res, nsim=30, seed=1, kinds=["idegree", "odegree", "model"])
    assert g.kinds == ["idegree", "odegree", "model"]
    assert np.all(g.simulated["idegree"].sum(1) == 18)
    assert "out-degree" in g.summary()


def test_cli_ergm_writes_summary_and_coefficients(tmp_path):
    from typer.testing import CliRunner

    from spatialhealth.app.cli import app

    G = load_network("flomarriage")
    nodes = load_nodes("flomarriage")
    ids = dict(zip(nodes["vertex.names"], nodes["id"]))
    pd.DataFrame([(ids[u], ids[v]) for u, v in G.edges()], columns=["from", "to"]).to_csv(tmp_path / "e.csv", index=False)
    nodes.to_csv(tmp_path / "n.csv", index=False)
    # an edge covariate given as a bare matrix in node-table order
    w = nodes["wealth"].to_numpy(float)
    np.savetxt(tmp_path / "wsum.csv", w[:, None] + w[None, :], delimiter=",")
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["ergm", str(tmp_path / "e.csv"), str(tmp_path / "n.csv"), "--undirected",
                                 "--formula", "edges + edgecov('wsum')", "--edgecov", f"wsum={tmp_path / 'wsum.csv'}",
                                 "--out", str(out)])
    assert r.exit_code == 0, r.output
    coef = pd.read_csv(out / "ergm_coefficients.csv").set_index("term")
    # edgecov(w_i + w_j) is nodecov('wealth'): statnet's -2.594929, 0.010546
    assert coef.loc["edges", "estimate"] == pytest.approx(-2.594929, abs=1e-6)
    assert coef.loc["edgecov.wsum", "estimate"] == pytest.approx(0.010546, abs=1e-6)
    assert "Estimate" in (out / "ergm_summary.txt").read_text()


def test_cli_reports_unknown_nodes(tmp_path):
    from spatialhealth.errors import InputError
    from spatialhealth.app.cli_ergm import read_network

    pd.DataFrame({"from": [1, 2], "to": [2, 99]}).to_csv(tmp_path / "e.csv", index=False)
    pd.DataFrame({"id": [1, 2, 3]}).to_csv(tmp_path / "n.csv", index=False)
    with pytest.raises(InputError, match="'99'"):
        read_network(tmp_path / "e.csv", tmp_path / "n.csv")


@pytest.mark.slow
def test_demo_step_quick(tmp_path):
    from spatialhealth.app.demo import DemoContext
    from spatialhealth.app.examples import ergm as _demo

    ctx = DemoContext(out=tmp_path, seed=3, quick=True)
    paths = _demo.run(ctx)
    names = {Path(p).name for p in paths}
    assert {"dyad_independent_summary.txt", "dyad_dependent_coefficients.csv", "dyad_dependent_gof.png",
            "dyad_dependent_mcmc_diagnostics.png"} <= names
    both = pd.read_csv(tmp_path / "ergm" / "coefficients_both_models.csv")
    assert set(both.model) == {"dyad_independent", "dyad_dependent"}
    assert "ergm_results" in ctx.shared
