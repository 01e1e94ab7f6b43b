"""The `spatialhealth dea` command, the demo step and the result objects' text and figures."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from spatialhealth.app.cli import main
from spatialhealth.app.demo import DemoContext
from spatialhealth.efficiency import dea, metafrontier, sbm, synthetic_panel
from spatialhealth.efficiency.synthetic import (SYNTHETIC_INPUTS, SYNTHETIC_OUTPUTS,
                                                SYNTHETIC_UNDESIRABLE)

pytestmark = pytest.mark.filterwarnings("ignore:Some frontiers have fewer units")

TONE = pd.DataFrame({"dmu": list("ABCDE"), "x1": [4, 6, 8, 8, 2], "x2": [3, 3, 1, 1, 4],
                     "y1": [2, 2, 6, 6, 1], "y2": [3, 3, 2, 1, 4]})


def test_efficiency_cli_sbm(tmp_path, capsys):
    src = tmp_path / "tone.csv"
    TONE.to_csv(src, index=False)
    out = tmp_path / "res.csv"
    rc = main(["dea", str(src), "-i", "x1,x2", "-y", "y1,y2", "--unit", "dmu", "-o", str(out)])
    assert rc == 0
    assert "SBM (Tone)" in capsys.readouterr().out
    res = pd.read_csv(out)
    np.testing.assert_allclose(res["efficiency"], [0.7979798, 0.5681818, 1, 0.6666667, 1], atol=1e-6)
    assert res["dmu"].tolist() == list("ABCDE")


def test_efficiency_cli_errors(tmp_path, capsys):
    src = tmp_path / "tone.csv"
    TONE.assign(x1=[4, 0, 8, 8, 2]).to_csv(src, index=False)
    rc = main(["dea", str(src), "-i", "x1,x2", "-y", "y1,y2", "--unit", "dmu"])
    assert rc == 2
    assert "units B have 0" in capsys.readouterr().err
    rc = main(["dea", str(src), "-i", "x1,x2", "-y", "y1", "-b", "y2", "--model", "ccr"])
    assert rc == 2
    assert "Undesirable outputs need --model sbm" in capsys.readouterr().err


def test_efficiency_cli_metafrontier(tmp_path, capsys):
    src = tmp_path / "g.csv"
    TONE.assign(g=["a", "a", "b", "b", "b"]).to_csv(src, index=False)
    rc = main(["dea", str(src), "-i", "x1,x2", "-y", "y1,y2", "--group", "g", "--model", "ccr",
               "-o", str(tmp_path / "m.csv")])
    assert rc == 0
    m = pd.read_csv(tmp_path / "m.csv")
    assert {"te_group", "te_meta", "tgr"} <= set(m.columns)
    assert "TGR" in capsys.readouterr().out


def test_efficiency_results_text_and_plots():
    r = dea(TONE, ["x1", "x2"], ["y1", "y2"], unit="dmu")
    assert "CCR" in r.summary() and "theta" in r.summary()
    assert r.plot() is not None
    p = synthetic_panel(seed=4)
    m = metafrontier(p, list(SYNTHETIC_INPUTS), list(SYNTHETIC_OUTPUTS), "region3",
                     list(SYNTHETIC_UNDESIRABLE), time="year", unit="province")
    assert m.plot().get_ylabel() == "mean technology gap ratio"
    assert m.plot(kind="box").get_xlabel() == "region3"
    tab = m.by_group_time()
    assert tab.shape == (3, 13)
    # by construction the east's technology is the meta-frontier: its TGR is the highest
    tgr = m.by_group()["tgr"]
    assert tgr["east"] > tgr["central"] and tgr["east"] > tgr["west"] and tgr["east"] > 0.95


def test_efficiency_demo_step(tmp_path):
    from spatialhealth.app.examples import efficiency as _demo

    ctx = DemoContext(out=tmp_path, seed=11, quick=True)
    paths = _demo.run(ctx)
    names = {p.name for p in paths}
    assert {"efficiency_panel.csv", "summary.txt", "tgr_by_region.png"} <= names
    assert all(p.exists() and p.stat().st_size > 0 for p in paths)
    eff = ctx.shared["efficiency_panel"]
    assert len(eff) == 390 and eff["efficiency"].between(0, 1).all()
    assert (eff["tgr_year"] <= 1).all()
    assert "SYNTHETIC" in (tmp_path / "efficiency" / "summary.txt").read_text()
    # the simulated reform raises SBM efficiency: a crude two-way difference is positive
    d = eff.assign(post=eff["year"] >= 2016, pilot=eff["first_treat"] > 0)
    g = d.groupby(["pilot", "post"])["efficiency"].mean()
    assert (g[True, True] - g[True, False]) - (g[False, True] - g[False, False]) > 0.02


@pytest.mark.parametrize("module", ["", ".synthetic", ".radial", ".sbm", ".metafrontier"])
def test_efficiency_docstring_examples(module):
    import doctest
    import importlib

    mod = importlib.import_module(f"spatialhealth.efficiency{module}")
    res = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert res.attempted > 0 and res.failed == 0


def test_efficiency_plot_by_column():
    r = sbm(TONE.assign(g=list("aabbb")), ["x1", "x2"], ["y1", "y2"])
    ax = r.plot(by=TONE.assign(g=list("aabbb"))["g"])
    assert ax.get_ylabel() == "mean efficiency"


def test_efficiency_cli_ddf(tmp_path, capsys):
    src = tmp_path / "t.csv"
    TONE.to_csv(src, index=False)
    rc = main(["dea", str(src), "-i", "x1", "-y", "y1", "-b", "y2", "--model", "ddf",
               "--ddf-efficiency", "beta", "--rts", "vrs", "-o", str(tmp_path / "d.csv")])
    assert rc == 0
    out = capsys.readouterr().out
    assert "SBM-DDF" in out and "INefficiency" in out
    d = pd.read_csv(tmp_path / "d.csv")
    np.testing.assert_allclose(d["efficiency"], d["beta"])
    direct = sbm(TONE, "x1", "y1", "y2", rts="vrs", direction="observed").frame["beta"]
    np.testing.assert_allclose(d["beta"], direct, atol=1e-9)


@pytest.mark.parametrize("method", ["block", "unit", "auto"])
def test_efficiency_progress_counts_every_lp(method, monkeypatch):
    seen = []  # progress is a callback: called with the number of LPs solved since the last call
    df = TONE.assign(g=[1, 1, 2, 2, 2])
    r = sbm(df, ["x1", "x2"], ["y1", "y2"], by="g", method=method, progress=seen.append)
    assert sum(seen) == r.n_lps == 5
    seen.clear()
    r = dea(df, ["x1", "x2"], ["y1", "y2"], "bcc", method=method, progress=seen.append)
    assert sum(seen) == r.n_lps == 10
    # and the real bar runs
    monkeypatch.undo()
    a = sbm(df, ["x1", "x2"], ["y1", "y2"], progress=True).frame["efficiency"]
    np.testing.assert_allclose(a, [0.7979798, 0.5681818, 1, 0.6666667, 1], atol=1e-6)
