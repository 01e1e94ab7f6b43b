"""Careless and hostile inputs to the runner and the command line (issue: safe with anyone's files).

Nothing from an analysis file is executed, no SQL is built from a file name, no output
folder holding someone's files is replaced, usage errors are one paragraph, Ctrl-C and
SIGTERM leave nothing behind, `check` refuses what `run` would fail on, and two runs with
the same seed write the same bytes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from spatialhealth import datasets
from spatialhealth.app.cli import main
from spatialhealth.app.outfolder import OutputFolderError, locked
from spatialhealth.app.runner import ConfigError, load_config, run_analysis

#: queen neighbours of the 31 provinces with Hainan linked to Guangdong (tests/data/runner/README.md)
NEIGHBOURS = Path(__file__).resolve().parents[1] / "data" / "runner" / "province_queen_neighbours.csv"

EQUITY = """
[inputs.indicators]
path = "t.csv"
key = "code"
derive = {{ beds_per_1k = "{expr}" }}
[[equity]]
measure = "gini"
resource = "beds_10k"
population = "population"
"""


@pytest.fixture
def table(tmp_path):
    df = datasets.load_province_health()[["code", "name_zh", "beds_10k", "personnel_10k", "population"]]
    df.to_csv(tmp_path / "t.csv", index=False)
    return tmp_path


@pytest.mark.parametrize("expr", [
    "beds_10k.__class__.__init__.__globals__.get('sys').modules.get('os').system('id > pwned.txt')",
    "beds_10k.to_csv('pwned.txt')",
    "__import__('os').system('id > pwned.txt')",
    "open('pwned.txt', 'w')",
    "(lambda: 1)()",
    "beds_10k[0]",
    "log(beds_10k, base=2)",
])
def test_derive_never_runs_code(table, expr, monkeypatch):
    monkeypatch.chdir(table)
    (table / "a.toml").write_text(EQUITY.format(expr=expr.replace('"', '\\"')), encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(table / "a.toml")
    assert "derive.beds_per_1k" in str(exc.value) and "not allowed" in str(exc.value)
    assert main(["check", str(table / "a.toml")]) == 2
    assert not (table / "pwned.txt").exists()


def test_derive_chinese_and_backquoted_names(tmp_path):
    df = datasets.load_province_health()[["code", "beds_10k", "population"]].rename(
        columns={"beds_10k": "床位数 (万张)", "population": "常住人口"})
    df.to_csv(tmp_path / "t.csv", index=False, encoding="gbk")
    (tmp_path / "a.toml").write_text("""
[inputs.indicators]
path = "t.csv"
key = "code"
derive = { "每千人床位" = "`床位数 (万张)` * 1e7 / 常住人口", "对数" = "log(`床位数 (万张)`)" }
""", encoding="utf-8")
    cfg = load_config(tmp_path / "a.toml")
    got = cfg.tables["indicators"]
    expected = df["床位数 (万张)"] * 1e7 / df["常住人口"]
    pd.testing.assert_series_equal(got["每千人床位"], expected, check_names=False)
    assert got["对数"].iloc[0] == pytest.approx(float(__import__("numpy").log(df["床位数 (万张)"].iloc[0])))


def test_file_names_never_become_sql(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    hostile = tmp_path / "od"
    hostile.mkdir()
    names = ["q\"'], header=true); COPY (SELECT 42) TO $$x.csv$$; --.csv", "a;b--c.csv", "new\nline.csv"]
    for n in names:
        (hostile / n).write_text("origin,destination\n北京市,上海市\n", encoding="utf-8")
    (tmp_path / "a.toml").write_text("""
[inputs.flows]
path = "od/*.csv"
large = true
""", encoding="utf-8")
    cfg = load_config(tmp_path / "a.toml")
    assert list(cfg.tables["flows"].columns) == ["origin", "destination"]
    assert len(cfg.sources["flows"]) == 3
    assert not (tmp_path / "x.csv").exists() and not (hostile / "x.csv").exists()


# ---------------------------------------------------------------- output folders
RUN = """
[run]
seed = 7
[inputs.indicators]
path = "t.csv"
key = "code"
[[equity]]
measure = "gini"
resource = "beds_10k"
population = "population"
"""


@pytest.fixture
def analysis(table):
    (table / "a.toml").write_text(RUN, encoding="utf-8")
    return table / "a.toml"


def test_out_with_someone_elses_files_is_refused_and_kept(analysis, tmp_path):
    thesis = tmp_path / "thesis"
    thesis.mkdir()
    (thesis / "chapter1.docx").write_bytes(b"years of work")
    assert main(["run", str(analysis), "--out", str(thesis)]) == 2
    assert (thesis / "chapter1.docx").read_bytes() == b"years of work"
    assert sorted(p.name for p in thesis.iterdir()) == ["chapter1.docx"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".thesis.")]


def test_out_that_is_a_file_is_refused(analysis, tmp_path):
    f = tmp_path / "results"
    f.write_text("mine")
    with pytest.raises(OutputFolderError, match="existing file"):
        run_analysis(analysis, out=f)
    assert f.read_text() == "mine"


@pytest.mark.parametrize("out", [".", "..", "/", "~"])
def test_out_that_is_cwd_parent_root_or_home_is_refused(analysis, out, monkeypatch):
    monkeypatch.chdir(analysis.parent)
    before = sorted(p.name for p in analysis.parent.iterdir())
    with pytest.raises(OutputFolderError):
        run_analysis(analysis, out=out)
    assert sorted(p.name for p in analysis.parent.iterdir()) == before


def test_out_holding_the_inputs_is_refused(analysis):
    sub = analysis.parent / "res"
    with pytest.raises(OutputFolderError, match="reads"):
        run_analysis(analysis, out=analysis.parent)
    assert not sub.exists()


def test_earlier_run_is_replaced_but_not_when_user_files_were_added(analysis, tmp_path):
    out = tmp_path / "res"
    run_analysis(analysis, out=out)
    first = json.loads((out / "run.json").read_text())
    assert first["generator"] == "spatialhealth" and "report.html" in first["files"]
    run_analysis(analysis, out=out)  # a previous run is replaced
    (out / "my_notes.txt").write_text("do not lose")
    with pytest.raises(OutputFolderError, match="my_notes.txt"):
        run_analysis(analysis, out=out)
    assert (out / "my_notes.txt").read_text() == "do not lose"


def test_a_second_concurrent_run_is_refused(analysis, tmp_path):
    out = tmp_path / "res"
    with locked(out.resolve()):
        with pytest.raises(OutputFolderError, match="Another spatialhealth run"):
            run_analysis(analysis, out=out)
    run_analysis(analysis, out=out)  # the lock is released
    assert (out / "report.html").exists()


def test_leftovers_of_a_killed_run_are_cleaned(analysis, tmp_path):
    out = tmp_path / "res"
    dead = tmp_path / ".res.abc123"
    dead.mkdir()
    (dead / ".spatialhealth-partial").touch()
    (dead / "half.csv").write_text("x")
    foreign = tmp_path / ".res.mine"  # not ours: kept
    foreign.mkdir()
    run_analysis(analysis, out=out)
    assert not dead.exists() and foreign.exists()


def _spawn(args, cwd):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, "-m", "spatialhealth", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupted_run_exits_nonzero_and_leaves_nothing(table, tmp_path, sig, code):
    # LISA with many permutations on every province keeps the run busy long enough to interrupt it
    (table / "slow.toml").write_text(RUN + """
[weights]
kind = "table"
neighbours = "nb.csv"
islands = "keep"
""" + """
[[lisa]]
variable = "beds_10k"
permutations = 1000000
[[lisa]]
variable = "personnel_10k"
permutations = 1000000
""" * 8, encoding="utf-8")
    (table / "nb.csv").write_bytes(NEIGHBOURS.read_bytes())
    out = tmp_path / "res"
    proc = _spawn(["run", str(table / "slow.toml"), "--out", str(out)], cwd=tmp_path)
    deadline = time.time() + 120
    while time.time() < deadline and not list(tmp_path.glob(".res.*")) and proc.poll() is None:
        time.sleep(0.2)
    assert list(tmp_path.glob(".res.*")), f"the run never started writing: {proc.communicate()[1][-2000:]}"
    time.sleep(1.0)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == code, err[-2000:]
    assert "Traceback" not in err
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".res")]


# ---------------------------------------------------------------- command line
@pytest.mark.parametrize("argv", [["foo"], ["equity"], ["equity", "gini", "x.csv", "--bad"], ["run"],
                                  ["network", "aggregate"]])
def test_usage_errors_are_one_paragraph(argv):
    r = subprocess.run([sys.executable, "-m", "spatialhealth", *argv], capture_output=True, text=True)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and "Usage:" in r.stderr and "Error:" in r.stderr
    assert len(r.stderr.strip().splitlines()) <= 6


def test_dash_o_is_out_everywhere():
    from typer.main import get_command

    from spatialhealth.app.cli import app

    def walk(cmd, path=()):
        subs = getattr(cmd, "commands", None)
        if subs:
            for name, sub in subs.items():
                yield from walk(sub, path + (name,))
        else:
            yield path, cmd

    for path, cmd in walk(get_command(app)):
        for param in cmd.params:
            if "-o" in getattr(param, "opts", []):
                assert "--out" in param.opts, f"{' '.join(path)}: -o means {param.opts}"


# ---------------------------------------------------------------- check == run
@pytest.mark.parametrize("snippet, message", [
    ("[run]\nseed = -1", "seed must be >= 0"),
    ("[boundaries]\nlevel = \"province\"\nweb_simplify = -1", "web_simplify must be >= 0"),
    ("[weights]\nkind = \"knn\"\nk = 0", "k must be >= 1"),
    ("[weights]\nkind = \"knn\"\ncrs = \"EPSG:4326\"", "geographic"),
    ("[weights]\nkind = \"knn\"\ncrs = \"not a crs\"", "not a coordinate reference system"),
    ("[[lisa]]\nvariable = \"beds_10k\"\nalpha = 0", "alpha must be > 0"),
])
def test_check_refuses_values_run_would_fail_on(table, snippet, message):
    text = RUN.replace("[run]\nseed = 7\n", "") + "\n" + snippet + "\n"
    with pytest.raises(ConfigError, match=message):
        load_config(text=text.replace('"t.csv"', f'"{(table / "t.csv").as_posix()}"'))


def test_check_lists_duplicates_text_and_missing_cells_at_once(tmp_path):
    df = datasets.load_province_health()[["code", "name_zh", "beds_10k", "population"]].copy()
    df.loc[5, "name_zh"] = "北京"          # Beijing twice, Inner Mongolia missing
    df["beds_10k"] = df["beds_10k"].astype(object)
    df.loc[7, "beds_10k"] = "n.a."
    df.loc[9, "population"] = None
    df.to_csv(tmp_path / "t.csv", index=False, encoding="gbk")
    (tmp_path / "a.toml").write_text(RUN.replace('key = "code"', 'key = "name_zh"'), encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(tmp_path / "a.toml")
    text = str(exc.value)
    assert "same region 110000 北京市" in text and "row 2: '北京市'" in text and "row 7: '北京'" in text
    assert "row 9: 'n.a.'" in text                         # spreadsheet rows: header is row 1
    assert "column 'population': 1 cell is empty (rows 11)" in text
    assert "3 problem(s)" in text


def test_knn_on_geographic_boundaries_projects_itself(table, tmp_path):
    try:
        datasets.load_boundaries("province")
    except Exception as exc:
        pytest.skip(f"boundaries not available: {exc}")
    (table / "k.toml").write_text(RUN + """
[boundaries]
level = "province"
[weights]
kind = "knn"
k = 4
[[moran]]
variable = "beds_10k"
permutations = 99
""", encoding="utf-8")
    run_analysis(table / "k.toml", out=tmp_path / "res")
    text = (tmp_path / "res" / "summaries" / "weights_knn.txt").read_text(encoding="utf-8")
    assert "31" in text
    report = (tmp_path / "res" / "report.html").read_text(encoding="utf-8")
    assert "equidistant conic" in report


# ---------------------------------------------------------------- report and reproducibility
def test_hostile_names_are_text_in_the_report(tmp_path):
    df = datasets.load_province_health()[["code", "beds_10k", "population"]].rename(
        columns={"beds_10k": "<img src=x onerror=alert(1)>"})
    df.to_csv(tmp_path / "t.csv", index=False)
    (tmp_path / "a.toml").write_text("""
[run]
title = "</script><script>alert(1)</script> \\" ; --"
[inputs.indicators]
path = "t.csv"
key = "code"
[[equity]]
measure = "gini"
resource = "<img src=x onerror=alert(1)>"
population = "population"
""", encoding="utf-8")
    run_analysis(tmp_path / "a.toml", out=tmp_path / "res")
    page = (tmp_path / "res" / "report.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "<img src=x" not in page
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes(table, tmp_path):
    (table / "r.toml").write_text(RUN + """
[weights]
kind = "table"
neighbours = "nb.csv"
islands = "keep"
[[moran]]
variable = "beds_10k"
permutations = 99
[[lisa]]
variable = "beds_10k"
permutations = 99
""", encoding="utf-8")
    (table / "nb.csv").write_bytes(NEIGHBOURS.read_bytes())
    run_analysis(table / "r.toml", out=tmp_path / "a")
    run_analysis(table / "r.toml", out=tmp_path / "b")
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert a.keys() == b.keys()
    assert any(k.endswith(".svg") for k in a) and "tables.xlsx" in a
    for name in a:
        if a[name] == b[name]:
            continue
        la, lb = a[name].decode().splitlines(), b[name].decode().splitlines()
        diff = [i for i, (x, y) in enumerate(zip(la, lb)) if x != y]
        assert name in ("run.json", "report.html") and len(diff) == 1 and len(la) == len(lb), name
    for name, content in a.items():  # no output cites the temporary folder the run was written in
        assert f"{tmp_path}/.a.".encode() not in content, name
