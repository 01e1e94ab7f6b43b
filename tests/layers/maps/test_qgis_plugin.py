"""The QGIS plugin: installed by our CLI, loaded by QGIS's plugin machinery, and one
algorithm run end to end (QGIS's python -> subprocess -> the venv's spatialhealth ->
styled GeoPackage -> opened by QGIS)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from spatialhealth.layers._palette import LISA_COLOURS

pytestmark = pytest.mark.qgis

PROBE = Path(__file__).with_name("plugin_probe.py")
VENV_EXE = Path(sys.executable).with_name("spatialhealth")


def _install(tmp_path):
    from spatialhealth.app.cli import main

    assert VENV_EXE.exists()
    profile = tmp_path / "profile"
    assert main(["qgis-plugin", "install", "--profile-dir", str(profile)]) == 0
    plugin = profile / "python" / "plugins" / "spatialhealth_qgis"
    assert (plugin / "metadata.txt").read_text().count("hasProcessingProvider=yes") == 1
    assert (plugin / "spatialhealth_executable.txt").read_text().strip() == str(VENV_EXE)
    return plugin


def _run_in_qgis(tmp_path, plugin, alg, params, output_uri):
    # QGIS's own environment: system python, no venv on PATH; the executable comes from the
    # SPATIALHEALTH_EXE setting the plugin documents
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env.update(PATH="/usr/bin:/bin", HOME=str(tmp_path / "home"), QT_QPA_PLATFORM="offscreen",
               SPATIALHEALTH_EXE=str(VENV_EXE))
    r = subprocess.run(["/usr/bin/python3", str(PROBE), str(plugin.parent), alg, json.dumps(params),
                        output_uri], capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    res = json.loads(r.stdout.strip().splitlines()[-1])
    assert res["loaded"] and res["started"]
    assert res["algorithms"] == ["spatialhealth:centrality", "spatialhealth:ergm", "spatialhealth:lisa"]
    return res


def test_qgis_plugin_lisa_end_to_end(tmp_path, grid, qgis_probe):
    from spatialhealth.layers.autocorrelation import lisa
    from spatialhealth.layers.weights import build_weights

    plugin = _install(tmp_path)

    src = grid.drop(columns=["cluster", "Ii", "p_sim"])
    src.to_file(tmp_path / "grid.gpkg", layer="grid")
    out = tmp_path / "lisa_from_qgis.gpkg"
    params = {"INPUT": f"{tmp_path / 'grid.gpkg'}|layername=grid", "FIELD": "beds_per_1k",
              "ID_FIELD": "code", "WEIGHTS": 0, "PERMUTATIONS": 199, "SEED": 7, "OUTPUT": str(out)}
    res = _run_in_qgis(tmp_path, plugin, "spatialhealth:lisa", params, f"{out}|layername=lisa")
    assert any(line.startswith(f"CMD {VENV_EXE} map lisa") for line in res["log"])
    assert res["result"]["OUTPUT"] == str(out)
    assert res["valid"] and res["features"] == 25
    assert res["renderer"] == "categorizedSymbol" and res["attr"] == "cluster"
    assert res["categories"] == LISA_COLOURS
    # the clusters QGIS shows are those of the library run in-process with the same settings
    ref = lisa(src, build_weights(src, kind="queen"), permutations=199, seed=7, column="beds_per_1k")
    expected = ref.frame["cluster"].value_counts().to_dict()
    assert res["counts"] == expected
    assert expected.get("HH", 0) > 0 and expected.get("LL", 0) > 0


def test_qgis_plugin_centrality_end_to_end(tmp_path, cities, od, qgis_probe):
    from spatialhealth.networks.centrality import centrality_table
    from spatialhealth.networks.graph import mobility_graph

    plugin = _install(tmp_path)
    cities.to_file(tmp_path / "cities.gpkg", layer="cities")
    od.to_csv(tmp_path / "od.csv", index=False)
    out = tmp_path / "net.gpkg"
    params = {"EDGES": str(tmp_path / "od.csv"), "NODES": f"{tmp_path / 'cities.gpkg'}|layername=cities",
              "CODE": "code", "MEASURE": 1, "TOP": 6, "OUTPUT": str(out)}  # 1 = betweenness
    res = _run_in_qgis(tmp_path, plugin, "spatialhealth:centrality", params, f"{out}|layername=flows")
    assert res["valid"] and res["features"] == 6
    assert res["renderer"] == "graduatedSymbol" and res["attr"] == "flow"
    assert res["ranges"][0][0] <= 260.0 and res["ranges"][-1][1] == 610.0
    assert {"CITIES_LAYER", "FLOWS_LAYER", "OUTPUT"} <= set(res["result"])
    import geopandas as gpd

    got = gpd.read_file(out, layer="cities").set_index("code")["betweenness"]
    ref = centrality_table(mobility_graph(od)).assign(code=lambda d: d["code"].astype(str))
    ref = ref.set_index("code")["betweenness"]
    assert got.loc[ref.index].to_numpy() == pytest.approx(ref.to_numpy())


def test_qgis_plugin_ergm_end_to_end(tmp_path, qgis_probe):
    import math

    import pandas as pd

    plugin = _install(tmp_path)
    ties = [(0, 1), (1, 0), (1, 2), (2, 3), (3, 0), (4, 2), (0, 4)]
    pd.DataFrame({"from": [f"n{a}" for a, _ in ties], "to": [f"n{b}" for _, b in ties]}).to_csv(
        tmp_path / "edges.csv", index=False)
    pd.DataFrame({"id": [f"n{i}" for i in range(5)]}).to_csv(tmp_path / "nodes.csv", index=False)
    out = tmp_path / "ergm_out"
    params = {"EDGES": str(tmp_path / "edges.csv"), "NODES": str(tmp_path / "nodes.csv"),
              "FORMULA": "edges", "OUTPUT": str(out)}
    res = _run_in_qgis(tmp_path, plugin, "spatialhealth:ergm", params, str(out / "ergm_coefficients.csv"))
    assert res["valid"] and res["renderer"] is None and res["features"] == 1
    row = dict(zip(res["fields"], res["rows"][0]))
    # the edges-only ERGM is a Bernoulli graph: its MLE is the log-odds of the density
    density = len(ties) / (5 * 4)
    estimate = float(next(v for k, v in row.items() if k.lower() in ("estimate", "coef", "params")))
    assert estimate == pytest.approx(math.log(density / (1 - density)), abs=1e-6)


def test_qgis_plugin_through_qgis_process(tmp_path, grid, qgis_probe):
    """QGIS's command-line runner; the executable comes from the file written at install."""
    import shutil

    runner = shutil.which("qgis_process.bin", path="/usr/bin")
    if runner is None:
        pytest.skip("qgis_process.bin not installed")
    plugin = _install(tmp_path)
    grid.drop(columns=["cluster", "Ii", "p_sim"]).to_file(tmp_path / "grid.gpkg", layer="grid")
    out = tmp_path / "qp.gpkg"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path / "home"), "QT_QPA_PLATFORM": "offscreen",
           "QGIS_PLUGINPATH": str(plugin.parent)}
    r = subprocess.run([runner, "plugins", "enable", "spatialhealth_qgis"], env=env, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    r = subprocess.run([runner, "run", "spatialhealth:lisa", "--", f"INPUT={tmp_path / 'grid.gpkg'}",
                        "FIELD=beds_per_1k", "PERMUTATIONS=99", f"OUTPUT={out}"], env=env,
                       capture_output=True, text=True, timeout=200)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert f"OUTPUT:\t{out}" in r.stdout
    (info,) = qgis_probe("layers", f"{out}|layername=lisa")
    assert info["renderer"] == "categorizedSymbol" and info["features"] == 25
