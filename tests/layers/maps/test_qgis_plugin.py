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

from spatialhealth.layers._palette import LISA_CLASS_COLOURS

pytestmark = pytest.mark.qgis

PROBE = Path(__file__).with_name("plugin_probe.py")
VENV_EXE = Path(sys.executable).with_name("spatialhealth")


def _install(tmp_path):
    from spatialhealth.app.cli import main

    assert VENV_EXE.exists()
    profile = tmp_path / "profile"
    profile.mkdir()
    assert main(["qgis-plugin", "install", "--profile-dir", str(profile)]) == 0
    plugin = profile / "python" / "plugins" / "spatialhealth_qgis"
    assert (plugin / "metadata.txt").read_text().count("hasProcessingProvider=yes") == 1
    assert (plugin / "spatialhealth_executable.txt").read_text().strip() == str(VENV_EXE)
    return plugin


def _cli_of_this_checkout(tmp_path):
    """The venv's CLI running THIS checkout's package (the editable install may point elsewhere)."""
    import spatialhealth

    root = Path(spatialhealth.__file__).resolve().parents[1]
    exe = tmp_path / "spatialhealth_here"
    exe.write_text(f"#!/bin/sh\nPYTHONPATH={root} exec {sys.executable} -c "
                   "'import sys; from spatialhealth.cli import main; sys.exit(main())' \"$@\"\n",
                   encoding="utf-8")
    exe.chmod(0o755)
    return exe


def _run_in_qgis(tmp_path, plugin, alg, params, output_uri, exe=None, expect_error=False, **extra_env):
    # QGIS's own environment: system python, no venv on PATH; the executable comes from the
    # SPATIALHEALTH_EXE setting the plugin documents
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env.update(PATH="/usr/bin:/bin", HOME=str(tmp_path / "home"), QT_QPA_PLATFORM="offscreen",
               SPATIALHEALTH_EXE=str(exe or _cli_of_this_checkout(tmp_path)), **extra_env)
    r = subprocess.run(["/usr/bin/python3", str(PROBE), str(plugin.parent), alg, json.dumps(params),
                        output_uri], capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    res = json.loads(r.stdout.strip().splitlines()[-1])
    assert res["loaded"] and res["started"]
    assert res["algorithms"] == ["spatialhealth:centrality", "spatialhealth:ergm", "spatialhealth:lisa"]
    # no redundant "spatialhealth > spatialhealth" group; the plugin's own icon
    assert res["groups"] == [""]
    assert res["provider_icon"].endswith("icon.svg") and Path(res["provider_icon"]).exists()
    assert res["alg_icon"] == res["provider_icon"]
    assert ("error" in res) == expect_error, res.get("error")
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
    assert any(line.startswith(f"CMD {tmp_path / 'spatialhealth_here'} map lisa") for line in res["log"])
    assert res["result"]["OUTPUT"] == str(out)
    assert res["valid"] and res["features"] == 25
    assert res["renderer"] == "categorizedSymbol" and res["attr"] == "cluster"
    assert res["categories"] == LISA_CLASS_COLOURS
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


@pytest.mark.slow
def test_qgis_plugin_lisa_blank_code_knn_on_wgs84_k_adjust_unique_name(tmp_path, grid, qgis_probe):
    """Blank region-code field, knn on longitude/latitude input, --k/--adjust, unique layer name."""
    from spatialhealth.layers.autocorrelation import lisa
    from spatialhealth.layers.weights import build_weights

    plugin = _install(tmp_path)
    src = grid.drop(columns=["cluster", "Ii", "p_sim"]).rename(columns={"code": "region"})
    src.to_file(tmp_path / "grid.gpkg", layer="grid")  # EPSG:4326, no `code` field
    out = tmp_path / "knn.gpkg"
    params = {"INPUT": f"{tmp_path / 'grid.gpkg'}|layername=grid", "FIELD": "beds_per_1k",
              "ID_FIELD": "", "WEIGHTS": 2, "K": 5, "ADJUST": 2, "PERMUTATIONS": 99, "SEED": 3,
              "OUTPUT": str(out)}
    res = _run_in_qgis(tmp_path, plugin, "spatialhealth:lisa", params, f"{out}|layername=lisa",
                       PROBE_EXISTING_LAYER="LISA clusters: beds_per_1k")
    cmd = next(line for line in res["log"] if line.startswith("CMD "))
    assert "--id region" in cmd and "--k 5" in cmd and "--adjust fdr" in cmd and "--weights knn" in cmd
    assert any("projecting the regions to ESRI:102025" in line for line in res["log"])
    assert res["valid"] and res["features"] == 25
    assert "LISA clusters: beds_per_1k (2)" in res["loaded_names"]  # the project already has one
    # same clusters as the library with knn(5) in the same projection and FDR
    proj = src.to_crs("ESRI:102025")
    ref = lisa(proj, build_weights(proj, kind="knn", k=5, id_col="region"), permutations=99, seed=3,
               column="beds_per_1k", id_col="region", adjust="fdr")
    assert res["counts"] == ref.frame["cluster"].value_counts().to_dict()


def test_qgis_plugin_lisa_refuses_fid(tmp_path, grid, qgis_probe):
    plugin = _install(tmp_path)
    grid.drop(columns=["cluster"]).to_file(tmp_path / "grid.gpkg", layer="grid")
    params = {"INPUT": f"{tmp_path / 'grid.gpkg'}|layername=grid", "FIELD": "fid",
              "OUTPUT": str(tmp_path / "x.gpkg")}
    res = _run_in_qgis(tmp_path, plugin, "spatialhealth:lisa", params, "", expect_error=True)
    assert "feature id" in res["error"]


def test_qgis_plugin_cancel_stops_the_subprocess(tmp_path, qgis_probe):
    """Cancelling 1 s into a run that prints nothing for 60 s stops it and says "cancelled"."""
    import pandas as pd

    plugin = _install(tmp_path)
    pid_file = tmp_path / "pid"
    slow = tmp_path / "slow_spatialhealth"
    slow.write_text(f"#!/bin/sh\necho $$ > {pid_file}\nsleep 60\n", encoding="utf-8")
    slow.chmod(0o755)
    pd.DataFrame({"from": ["a"], "to": ["b"]}).to_csv(tmp_path / "e.csv", index=False)
    params = {"EDGES": str(tmp_path / "e.csv"), "FORMULA": "edges", "OUTPUT": str(tmp_path / "o")}
    res = _run_in_qgis(tmp_path, plugin, "spatialhealth:ergm", params, "", exe=slow, expect_error=True,
                       PROBE_CANCEL_AFTER="1")
    assert "cancelled" in res["error"] and "exit code" not in res["error"]
    assert res["elapsed"] < 10
    pid = int(pid_file.read_text())
    assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()


def test_qgis_plugin_install_refuses_missing_profile_or_executable(tmp_path):
    from spatialhealth.errors import InputError
    from spatialhealth.layers._qgis_install import install_plugin

    with pytest.raises(InputError, match="profile folder .* does not exist"):
        install_plugin(tmp_path / "no_such_profile", executable=str(VENV_EXE))
    (tmp_path / "p").mkdir()
    with pytest.raises(InputError, match="does not exist"):
        install_plugin(tmp_path / "p", executable=str(tmp_path / "nope" / "spatialhealth"))
    assert not (tmp_path / "p" / "python").exists()
