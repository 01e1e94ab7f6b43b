"""The runner's newer sections give the numbers the library gives when called directly.

[[getis_ord]], [[local_geary]], [[join_counts]], bivariate [[lisa]], [[regression]],
[[space_time]], [[raster]], [[qap]] and [[equity]] measure = "mismatch": each table the
run writes equals the result of the public function with the same arguments and seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from spatialhealth import datasets, equity
from spatialhealth.app.runner import run_analysis

NEIGHBOURS = __import__("pathlib").Path(__file__).resolve().parents[1] / "data" / "runner" / \
    "province_queen_neighbours.csv"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    d = tmp_path_factory.mktemp("analyses")
    (d / "nb.csv").write_bytes(NEIGHBOURS.read_bytes())
    (d / "a.toml").write_text("""
[run]
seed = 21
[inputs.indicators]
dataset = "province_health"
key = "code"
scheme = "region3"
derive = { b = "beds_10k * 1e7 / population", p = "personnel_10k * 1e7 / population", hi = "where(b > 6.5, 1, 0)" }
[weights]
kind = "table"
neighbours = "nb.csv"
islands = "keep"
[[getis_ord]]
variable = "b"
permutations = 199
[[local_geary]]
variable = "b"
permutations = 199
[[join_counts]]
variable = "hi"
permutations = 199
[[lisa]]
variable = "b"
with = "p"
permutations = 199
[[regression]]
y = "b"
x = ["p"]
model = "error"
[[equity]]
measure = "mismatch"
resources = ["beds_10k", "personnel_10k"]
population = "population"
efficiency = 0.2
group = "group"
""", encoding="utf-8")
    run_analysis(d / "a.toml", out=d / "res")
    return d / "res"


def _table(res, name):
    return pd.read_csv(res / "tables" / f"{name}.csv", encoding="utf-8-sig", dtype={"code": str})


@pytest.fixture(scope="module")
def direct():
    from spatialhealth.layers.weights import build_weights

    df = datasets.load_province_health()
    df["b"] = df.beds_10k * 1e7 / df.population
    df["p"] = df.personnel_10k * 1e7 / df.population
    df["hi"] = np.where(df.b > 6.5, 1, 0)
    w = build_weights(pd.read_csv(NEIGHBOURS, dtype=str), kind="table", islands="keep")
    return df, w


@pytest.mark.slow
def test_local_statistics_equal_the_library(run, direct):
    from spatialhealth.layers import local

    df, w = direct
    g = local.getis_ord(df, value="b", weights=w, permutations=199, seed=21).frame
    got = _table(run, "getis_ord_b")
    np.testing.assert_allclose(got["p_sim"].to_numpy(), g["p_sim"].to_numpy())
    np.testing.assert_allclose(got["G"].to_numpy(), g["G"].to_numpy())
    lg = local.local_geary(df, value="b", weights=w, permutations=199, seed=21).frame
    np.testing.assert_allclose(_table(run, "local_geary_b")["p_sim"].to_numpy(), lg["p_sim"].to_numpy())
    jc = local.join_counts(df, value="hi", weights=w, permutations=199, seed=21).frame
    pd.testing.assert_frame_equal(_table(run, "join_counts_hi"), jc.reset_index(drop=True), check_dtype=False)


@pytest.mark.slow
def test_bivariate_lisa_and_regression_equal_the_library(run, direct):
    from spatialhealth.layers.autocorrelation import lisa_bv
    from spatialhealth.layers.regression import spatial_regression

    df, w = direct
    bv = lisa_bv("b", "p", w, permutations=199, seed=21, data=df).frame
    got = _table(run, "lisa_b_with_p")
    np.testing.assert_allclose(got["Ii"].to_numpy(), bv["Ii"].to_numpy())
    np.testing.assert_allclose(got["p_sim"].to_numpy(), bv["p_sim"].to_numpy())
    reg = spatial_regression(df, y="b", x=["p"], weights=w, model="error", seed=21)
    coef = _table(run, "regression_error_b").set_index("term")
    np.testing.assert_allclose(coef["estimate"].to_numpy(), reg.params.to_numpy(), rtol=1e-10)


@pytest.mark.slow
def test_mismatch_pipeline_equals_its_steps(run, direct):
    df, _ = direct
    df = df.assign(group=equity.resolve_groups(df, "region3") if hasattr(equity, "resolve_groups") else df.region3)
    R = ["beds_10k", "personnel_10k"]
    ew = equity.entropy_weights(df[R].div(df["population"], axis=0), columns=R)
    alloc = equity.ideal_allocation(df, resources=R, population="population", bounds=(0.5, 1.5), efficiency=0.2,
                                    frontier="best")
    hd = equity.health_distance(df, alloc, weights=ew.weights, k=4)
    got = _table(run, "health_distance")
    value_col = next(c for c in ("hd", "value", "health_distance") if c in got.columns)
    np.testing.assert_allclose(np.sort(got[value_col].to_numpy()), np.sort(hd.values.to_numpy()), rtol=1e-9)
    dagum = _table(run, "mismatch_dagum")
    assert len(dagum) > 0


def test_migration_index_layout_runs_as_the_library_aggregates_it(tmp_path):
    from spatialhealth.datasets import mobility_sample
    from spatialhealth.networks.migration import aggregate_migration_index

    (tmp_path / "mi.toml").write_text("""
[inputs.flows]
dataset = "migration_index"
[network]
layout = "migration_index"
city = "城市代码"
partner = "对方城市"
share = "占比"
direction = "方向"
scale = "规模指数"
date = "日期"
how = "mean"
""", encoding="utf-8")
    run_analysis(tmp_path / "mi.toml", out=tmp_path / "res")
    got = _table(tmp_path / "res", "od_edges")
    ref = aggregate_migration_index(mobility_sample("migration_index"), city="城市代码", partner="对方城市",
                                    share="占比", direction="方向", scale="规模指数", date="日期", how="mean").edges
    got = got.astype({"origin": str, "destination": str}).sort_values(["origin", "destination"])
    ref = ref.astype({"origin": str, "destination": str}).sort_values(["origin", "destination"])
    np.testing.assert_allclose(got["flow"].to_numpy(), ref["flow"].to_numpy(), rtol=1e-12)
    report = (tmp_path / "res" / "summaries" / "od_report.txt").read_text(encoding="utf-8")
    assert "top-10 truncation" in report
