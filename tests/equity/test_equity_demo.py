"""The equity demo step writes its tables, summaries and figures."""

import pandas as pd
import pytest

from spatialhealth.app.demo import DemoContext


def test_equity_demo_step(tmp_path):
    from spatialhealth.app.examples import equity as _demo
    from spatialhealth.equity import gini

    ctx = DemoContext(out=tmp_path, quick=True)
    written = _demo.run(ctx)
    out = tmp_path / "equity"
    assert all(p.exists() and p.stat().st_size > 0 for p in written)
    names = {p.name for p in written}
    for expected in ("gini.csv", "lorenz.png", "theil_region3.csv", "concentration_curve.png",
                     "dagum_region3.csv", "entropy_weights.csv", "rsr.csv", "health_distance.csv",
                     "dendrogram.png", "clusters.csv", "gini.txt"):
        assert expected in names
    assert not list(out.glob(".*"))  # no temporary files left behind

    df = _demo.province_table()
    table = pd.read_csv(out / "gini.csv").set_index("resource")
    assert table.loc["beds", "gini"] == pytest.approx(gini(df, "beds", "population").value)
    assert 0 < table.loc["beds", "gini"] < table.loc["institutions", "gini"] < 0.4

    dagum = pd.read_csv(out / "dagum_region3.csv")
    for _, part in dagum.groupby("indicator"):
        parts = part.set_index("component")["value"]
        assert parts[["within", "between (net)", "transvariation"]].sum() == pytest.approx(parts["total"])

    theil = pd.read_csv(out / "theil_region3.csv")
    for _, part in theil.groupby(["index", "resource"]):
        total = part.loc[part.component == "total", "value"].item()
        both = part.loc[part.group == "(all)"].set_index("component")["value"]
        assert both["between"] + both["within"] == pytest.approx(total)

    clusters = pd.read_csv(out / "clusters.csv", dtype={"code": str})
    assert len(clusters) == 31 and clusters["cluster"].nunique() == 4
    rsr = pd.read_csv(out / "rsr.csv")
    assert set(rsr["level"]) <= {1, 2, 3} and len(rsr) == 31
    regions = ctx.shared["equity_regions"]
    assert len(regions) == 31 and regions["code"].is_unique
    saved = pd.read_csv(out / "equity_by_province.csv", dtype={"code": str})
    pd.testing.assert_series_equal(saved["composite"], regions["composite"], check_names=False)
    assert set(saved["rsr_grade"]) <= {"low", "medium", "high"}
