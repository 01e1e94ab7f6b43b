import json
import re
import shutil
import textwrap

import pandas as pd
import pytest

from spatialhealth.errors import SpatialHealthError
from spatialhealth.app.runner import run_analysis

NEIGHBOURS = "tests/data/runner/province_queen_neighbours.csv"

CONFIG = """
[run]
title = "test run"
seed = 7
quick = true

[inputs.indicators]
dataset = "province_health"
key = "code"
derive = { beds_per_1k = "beds_10k * 1e7 / population" }

[[equity]]
measure = "gini"
resource = "beds_10k"
population = "population"

[[equity]]
measure = "theil"
resource = "beds_10k"
population = "population"
group = "region3"

[weights]
kind = "table"
neighbours = "NEIGHBOURS"
islands = "keep"

[[moran]]
variable = "beds_per_1k"
permutations = 99

[[lisa]]
variable = "beds_per_1k"
permutations = 99
"""


def config(tmp_path, extra="", **replace):
    shutil.copy(NEIGHBOURS, tmp_path / "neighbours.csv")
    text = textwrap.dedent(CONFIG).replace("NEIGHBOURS", "neighbours.csv") + textwrap.dedent(extra)
    for k, v in replace.items():
        text = text.replace(k, v)
    path = tmp_path / "analysis.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_run_writes_tables_figures_report_and_manifest(tmp_path):
    res = run_analysis(config(tmp_path), out=tmp_path / "out")
    files = {str(p) for p in res.paths()}
    assert "report.html" in files and "run.json" in files
    assert "tables/gini_beds_10k.csv" in files and "tables/gini_beds_10k.parquet" in files
    assert any(f.startswith("figures/") and f.endswith(".svg") for f in files)
    gini = pd.read_csv(tmp_path / "out" / "tables" / "gini_beds_10k.csv")
    from spatialhealth import datasets, equity

    ref = equity.gini(datasets.load_province_health(), "beds_10k", "population").value
    assert gini.iloc[0].to_dict()["value"] == pytest.approx(ref)
    lisa = pd.read_csv(tmp_path / "out" / "tables" / "lisa_beds_per_1k.csv", dtype={"code": str})
    # Hainan kept as an island: no local statistic, never significant
    hainan = lisa[lisa.code == "460000"].iloc[0]
    assert pd.isna(hainan.Ii) and hainan.cluster == "ns"
    manifest = json.loads((tmp_path / "out" / "run.json").read_text())
    assert manifest["seed"] == 7
    assert [i["name"] for i in manifest["inputs"]] == ["weights.neighbours"]
    assert len(manifest["inputs"][0]["sha256"]) == 64 and manifest["versions"]["esda"]
    html = (tmp_path / "out" / "report.html").read_text()
    assert "test run" in html and "data:image/png;base64," in html and "sha256" in html.lower()
    assert not re.search(r"""(src|href)=["']https?://""", html)


def test_same_seed_same_numbers(tmp_path):
    a = run_analysis(config(tmp_path), out=tmp_path / "a")
    b = run_analysis(config(tmp_path), out=tmp_path / "b")
    for rel in ("tables/lisa_beds_per_1k.csv", "tables/moran_1.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(a.out / rel), pd.read_csv(b.out / rel))


def test_failed_run_leaves_previous_output_in_place(tmp_path):
    good = run_analysis(config(tmp_path), out=tmp_path / "out")
    before = sorted(map(str, good.paths()))
    bad = config(tmp_path, extra="""
        [[equity]]
        measure = "gini"
        resource = "name_en"
        population = "population"
        """)
    with pytest.raises(SpatialHealthError):
        run_analysis(bad, out=tmp_path / "out")
    assert sorted(map(str, (p.relative_to(tmp_path / "out") for p in (tmp_path / "out").rglob("*") if p.is_file()))) \
        == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]


def test_did_section_recovers_the_synthetic_reform_effect(tmp_path):
    path = tmp_path / "did.toml"
    path.write_text(textwrap.dedent("""
        [run]
        seed = 5
        [inputs.panel]
        dataset = "dea_panel"
        derive = { log_visits = "log(outpatient_visits)" }
        [[did]]
        outcome = "log_visits"
        treatment = "treated"
        unit = "code"
        time = "year"
        cluster = "code"
        estimators = ["twfe", "did2s"]
        placebo = 200
        """), encoding="utf-8")
    res = run_analysis(path, out=tmp_path / "out")
    est = pd.read_csv(res.out / "tables" / "did_log_visits_estimators.csv")
    from spatialhealth.efficiency.synthetic import synthetic_panel

    truth = synthetic_panel(seed=20201101).attrs["true_effect_on_u"]  # the sample's generating effect
    assert set(est.estimator) >= {"twfe", "did2s"}
    for row in est.itertuples():
        assert abs(row.estimate - truth) < 3 * row.std_error, row
    assert (res.out / "figures" / "did_log_visits_event_study.svg").exists()
    placebo = pd.read_csv(res.out / "tables" / "did_log_visits_placebo.csv")
    assert len(placebo) > 0
