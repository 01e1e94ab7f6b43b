"""The `spatialhealth did` command and the demo step."""

import pandas as pd
import pytest

from spatialhealth.app.cli import main
from spatialhealth.policy import twfe_did


def test_policy_cli_did_writes_tables_and_figures(panel_df, tmp_path, capsys):
    src = tmp_path / "panel.csv"
    panel_df.to_csv(src, index=False)
    out = tmp_path / "out"
    rc = main(["did", str(src), "--outcome", "y", "--treatment", "treated", "--unit", "unit",
               "--time", "year", "--controls", "x1", "--event-study", "--leads", "3", "--lags", "3",
               "--ref", "-2", "--placebo", "30", "--seed", "1", "--placebo-shift", "2", "--bacon", "--by", "region", "--out", str(out)])
    assert rc == 0
    text = capsys.readouterr().out
    assert "Two-way fixed-effects DiD" in text and "reference period k = -2" in text
    assert "placebo adoption 2 periods early" in text and "Goodman-Bacon" in text
    est = pd.read_csv(out / "did_estimates.csv")
    ref = twfe_did(panel_df, "y", "treated", "unit", "year", controls=["x1"])
    assert est.loc[est.estimator == "twfe", "estimate"].item() == pytest.approx(ref.coef, rel=1e-9)
    for name in ("event_study.png", "placebo.png", "placebo_draws.csv", "heterogeneity.csv",
                 "did_summary.txt", "bacon_decomposition.csv"):
        assert (out / name).stat().st_size > 0
    assert len(pd.read_csv(out / "placebo_draws.csv")) == 30


def test_policy_cli_did_bad_input_is_one_readable_error(panel_df, tmp_path, capsys):
    df = panel_df.copy()
    df.loc[(df.unit == "U00") & (df.year == 2018), "treated"] = 0
    src = tmp_path / "bad.csv"
    df.to_csv(src, index=False)
    rc = main(["did", str(src), "-y", "y", "-d", "treated", "-u", "unit", "-t", "year"])
    assert rc == 2
    assert "switches off for units U00" in capsys.readouterr().err


def test_policy_demo_step_quick(tmp_path):
    from spatialhealth.app.demo import DemoContext
    from spatialhealth.efficiency.synthetic import synthetic_panel
    from spatialhealth.app.examples import policy as _demo

    # hand the step an efficiency panel as the DEA step would (here the generating exp(-u))
    import numpy as np

    panel = synthetic_panel(seed=7)
    panel = panel.assign(efficiency=np.exp(-panel["true_u"]))
    ctx = DemoContext(out=tmp_path, seed=7, quick=True,
                      shared={"efficiency_panel": panel, "efficiency_outcome": "efficiency"})
    paths = _demo.run(ctx)
    names = {p.name for p in paths}
    assert {"event_study.png", "placebo.png", "summary.txt", "did_estimates.csv",
            "heterogeneity_region3.csv", "bacon_decomposition.png"} <= names
    assert all(p.parent == tmp_path / "policy" for p in paths)
    est = pd.read_csv(tmp_path / "policy" / "did_estimates.csv").set_index("estimator")
    # exp(-u) rises by about exp(-u)(e^0.12 - 1) ~ 0.1 where the pilot cuts u by 0.12
    assert 0.05 < est.loc["did2s", "estimate"] < 0.15
    assert len(pd.read_csv(tmp_path / "policy" / "placebo_draws.csv")) == 200
    summary = (tmp_path / "policy" / "summary.txt").read_text()
    assert "SYNTHETIC" in summary and "In-time placebo" in summary
