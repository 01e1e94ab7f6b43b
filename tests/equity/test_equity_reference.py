"""Equity measures against published worked examples (tests/data/equity/*.json)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spatialhealth.equity import (
    entropy_weights, gini, gini_grade, gm11, gm11_grade, rsr, standardise, theil,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "equity"


def load(name):
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def vector(doc, vid):
    return next(v for v in doc["vectors"] if v["id"] == vid)


# ---------------------------------------------------------------- entropy weights

ENTROPY = load("m01_entropy_weights.json")


@pytest.mark.parametrize("vid", ["A_elsayed2017", "B_xu2004", "C_zavadskas2016"])
def test_entropy_weights_published(vid):
    v = vector(ENTROPY, vid)
    x = pd.DataFrame(v["input"], columns=[f"c{j}" for j in range(len(v["input"][0]))])
    res = entropy_weights(x, list(x.columns), standardise=False)
    # published weights at their printed rounding ...
    np.testing.assert_allclose(res.weights.round(v["rounding"]), v["expected_weights"], atol=1e-12)
    # ... and the unrounded values agreed by three implementations
    np.testing.assert_allclose(res.weights, v["own_weights"], atol=1e-9)
    np.testing.assert_allclose(res.entropy, v["own_entropy"], atol=1e-9)


def test_entropy_weights_after_range_standardisation_with_zeros():
    v = vector(ENTROPY, "D_minmax_then_entropy")
    cols = ["c0", "c1", "c2", "c3"]
    x = pd.DataFrame(v["input"], columns=cols)
    neg = [c for c, t in zip(cols, v["types"]) if t == -1]
    z = standardise(x, cols, negative=neg)
    np.testing.assert_allclose(z, v["standardised"], atol=1e-9)
    assert (z == 0).any().all()  # every column has a zero: the case that needs 0 ln 0 = 0
    res = entropy_weights(x, cols, negative=neg)
    np.testing.assert_allclose(res.entropy, v["own_entropy"], atol=1e-9)
    np.testing.assert_allclose(res.weights, v["own_weights"], atol=1e-9)
    np.testing.assert_allclose(res.scores, z.to_numpy() @ np.asarray(v["own_weights"]), atol=1e-8)
    assert list(res.frame["direction"]) == ["negative", "positive", "negative", "positive"]


# ---------------------------------------------------------------- Gini

GINI = load("m02_gini.json")


def test_gini_pysal_mexico():
    v = vector(GINI, "A_pysal_mexico1940")
    res = gini(pd.DataFrame({"x": v["input_x"]}), "x")
    assert res.value == pytest.approx(v["expected_gini"], abs=1e-12)


def test_gini_grouped_lorenz():
    v = vector(GINI, "B_grouped_trapezoid")
    df = pd.DataFrame({"res": v["resource"], "pop": v["population"]})
    res = gini(df, "res", "pop")
    assert res.value == pytest.approx(v["gini_trapezoid"], abs=1e-12)
    assert res.grade == v["grade"]
    assert list(res.lorenz["row"]) == v["per_capita_sorted_order"]
    np.testing.assert_allclose(res.lorenz["cum_pop_share"], v["cum_pop_share_X"][1:], atol=1e-12)
    np.testing.assert_allclose(res.lorenz["cum_resource_share"], v["cum_res_share_Y"][1:], atol=1e-11)
    assert res.frame.iloc[0].to_dict() == {"measure": "gini", "resource": "res", "population": "pop",
                                           "value": res.value, "grade": v["grade"], "n": 5}
    # the traps listed in the file are not what we compute
    for trap in v["trap_values"].values():
        assert abs(res.value - trap) > 1e-3


@pytest.mark.parametrize("value,label", sorted(vector(GINI, "C_grading")["cases"].items()))
def test_gini_grading_bands(value, label):
    assert gini_grade(float(value)) == label


# ---------------------------------------------------------------- Theil

THEIL = load("m03_theil.json")


@pytest.mark.parametrize("year", range(7))
def test_theil_T_pysal_mexico(year):
    v = vector(THEIL, "A_pysal_mexico")
    x = np.asarray(v["input_matrix"])[:, year]
    df = pd.DataFrame({"y": x, "regime": v["regimes"]})
    res = theil(df, "y", group="regime", kind="T")
    assert res.value == pytest.approx(v["expected_T"][year], abs=1e-8)
    assert res.between == pytest.approx(v["expected_bg"][year], abs=1e-8)
    assert res.within == pytest.approx(v["expected_wg"][year], abs=1e-8)


def test_theil_tiny_case_with_zeros():
    t = vector(THEIL, "A_pysal_mexico")["tiny_case"]
    df = pd.DataFrame({"y": t["y"], "g": t["regions"]})
    res = theil(df, "y", group="g", kind="T")
    assert (res.value, res.between, res.within) == pytest.approx(
        (t["expected"]["T"], t["expected"]["bg"], t["expected"]["wg"]), abs=1e-12)


@pytest.mark.parametrize("kind,key", [("L", "theil_L_paper_formula"), ("T", "theil_T_resource_weighted")])
def test_theil_population_weighted_decomposition(kind, key):
    v = vector(THEIL, "B_weighted_6regions")
    df = pd.DataFrame({"province": v["province"], "res": v["resource"], "pop": v["population"],
                       "region": v["region"]})
    res = theil(df, "res", "pop", group="region", kind=kind)
    e = v[key]
    assert res.kind == kind
    assert res.value == pytest.approx(e["total"], abs=1e-14)
    assert res.between == pytest.approx(e["between"], abs=1e-14)
    assert res.within == pytest.approx(e["within"], abs=1e-14)
    g = res.groups
    assert list(g["group"]) == e["groups"]
    np.testing.assert_allclose(g["theil"], e["group_theil"], atol=1e-14)
    np.testing.assert_allclose(g["weight"], e["group_weight"], atol=1e-14)
    np.testing.assert_allclose(g["within_part"], e["within_parts"], atol=1e-14)
    np.testing.assert_allclose(100 * g["contribution"], e["contrib_within_parts_pct"], atol=1e-9)
    assert 100 * res.between_share == pytest.approx(e["contrib_between_pct"], abs=1e-9)
    assert 100 * res.within_share == pytest.approx(e["contrib_within_pct"], abs=1e-9)
    # cross-checks in the file: R IC2 / dineq
    r = v["R"]
    total = r["ic2_L_total"] if kind == "L" else r["ic2_T_total"]
    assert res.value == pytest.approx(total, abs=1e-14)


def test_theil_trap_values_differ():
    v = vector(THEIL, "B_weighted_6regions")
    df = pd.DataFrame({"res": v["resource"], "pop": v["population"], "region": v["region"]})
    res = theil(df, "res", "pop", group="region")
    for trap in v["trap_values"].values():
        assert abs(res.within - trap) > 1e-6 and abs(res.value - trap) > 1e-6


# ---------------------------------------------------------------- GM(1,1)

GM = load("m05_gm11.json")


def test_gm11_liu_lin_example():
    v = vector(GM, "A_liu_lin_2010_ex7_8_1")
    res = gm11(v["x0"])
    pub, own = v["expected_published"], v["own"]
    assert res.a == pytest.approx(pub["a"], abs=5e-7)
    assert res.b == pytest.approx(pub["b"], abs=5e-3)
    # the book restores x0 from rounded intermediate x1 values: its fitted values are within 1
    np.testing.assert_allclose(res.fitted.to_numpy(), pub["x0_fitted"], atol=1.0)
    np.testing.assert_allclose(res.fitted.to_numpy(), v["own"]["x0_fitted"], rtol=1e-12)
    np.testing.assert_allclose(res.forecast(5).to_numpy(), pub["forecast_k5_to_9"], atol=1.0)
    np.testing.assert_allclose(res.forecast(5).to_numpy(), own["forecast"], rtol=1e-12)
    # published "mean relative error 0.067 %" averages over k = 1..n (e(1) = 0 included)
    assert 100 * res.relative_errors.mean() == pytest.approx(pub["mean_relative_error_pct"], abs=1e-3)
    assert res.C == pytest.approx(own["C"], rel=1e-9)
    assert res.P == own["P"]
    assert res.grade == "superior"
    # R GreyModel forecasts (independent implementation)
    np.testing.assert_allclose(res.forecast(5), v["R_GreyModel"]["fc"], rtol=1e-10)


def test_gm11_classic_sequence():
    v = vector(GM, "B_classic_5pt")
    res = gm11(pd.Series(v["x0"], index=range(2015, 2020)))
    pub = v["expected_published"]
    assert res.a == pytest.approx(pub["a_approx"], abs=5e-5)
    assert res.b == pytest.approx(pub["b_approx"], abs=5e-5)
    own = v["own"]
    np.testing.assert_allclose(res.fitted, own["x0_fitted"], rtol=1e-12)
    fc = res.forecast(2)
    np.testing.assert_allclose(fc, v["R_GreyModel"]["fc"], rtol=1e-12)
    assert list(fc.index) == [2020, 2021]
    assert res.C == pytest.approx(own["C_P_variants"]["use_k1_ddof0"][0], rel=1e-12)
    assert res.mean_relative_error * 100 == pytest.approx(own["mean_relative_error_pct_k2_to_n"], rel=1e-9)
    assert res.time_response() == "x1(k+1) = 85.2665 * exp(0.0372044 k) - 82.3925"


@pytest.mark.parametrize("C,P,grade", [
    (0.35, 0.95, "superior"), (0.36, 0.99, "qualified"), (0.2, 0.9, "qualified"),
    (0.5, 0.8, "qualified"), (0.6, 0.75, "marginal"), (0.65, 0.7, "marginal"),
    (0.66, 1.0, "disqualified"), (0.1, 0.69, "disqualified"),
])
def test_gm11_grades(C, P, grade):
    assert gm11_grade(C, P) == grade


# ---------------------------------------------------------------- RSR

RSR = load("m10_rsr.json")


def rsr_example():
    v = vector(RSR, "A_maternal_care_10_regions")
    df = pd.DataFrame({"x1": v["x1_pos"], "x2": v["x2_neg"], "x3": v["x3_neg"]}, index=v["ID"])
    return v, df, rsr(df, ["x1", "x2", "x3"], negative=["x2", "x3"])


def test_rsr_published_example():
    v, df, res = rsr_example()
    exp = v["expected"]
    for unit, ranks in exp["rank_matrix"].items():
        assert res.ranks.loc[unit].tolist() == ranks
    for unit, value in exp["RSR"].items():
        assert round(res.scores[unit], 3) == pytest.approx(value, abs=1e-12)
        assert round(res.probit[unit], 2) == pytest.approx(exp["Probit"][unit], abs=1e-12)
        assert round(res.fitted[unit], 3) == pytest.approx(exp["RSRfit"][unit], abs=1e-12)
    dist = res.distribution.set_index(res.distribution["rsr"].round(3))
    for unit, p in exp["barR_over_n"].items():
        assert dist.loc[round(exp["RSR"][unit], 3), "p"] == pytest.approx(p, abs=1e-12)
    reg = res.regression
    assert (round(reg["a"], 5), round(reg["b"], 5)) == (exp["regression"]["a"], exp["regression"]["b"])
    assert round(reg["se_a"], 5) == exp["regression"]["se_a"]
    assert round(reg["se_b"], 5) == exp["regression"]["se_b"]
    assert reg["n_points"] == 8  # distinct RSR values, not the 10 units
    trap = v["trap_regression_on_all_objects_with_tied_rows_repeated"]
    assert abs(reg["a"] - trap["a"]) > 1e-3


def test_rsr_three_levels():
    v, _, res = rsr_example()
    g = v["grade_3_levels_probit_4_6"]
    np.testing.assert_allclose(res.rsr_cuts, g["cut_RSRfit"], atol=1e-12)
    assert res.levels.to_dict() == g["level (1 worst..3 best)"]
    assert res.level_labels["J"] == "low" and res.level_labels["H"] == "high"


def test_rsr_reciprocal_equals_negative_indicator():
    # the source replaced x2, x3 by reciprocals and ranked them as positive indicators
    _, df, res = rsr_example()
    recip = df.assign(x2=1 / df["x2"], x3=1 / df["x3"])
    res2 = rsr(recip, ["x1", "x2", "x3"])
    pd.testing.assert_series_equal(res.scores, res2.scores)


def test_rsr_weighted_small_example():
    doc = RSR["mathmodels_doc_small_example"]
    df = pd.DataFrame(doc["data"], index=["A", "B", "C"])
    res = rsr(df, ["X1", "X2"], weights=dict(zip(["X1", "X2"], doc["w"])))
    exp = doc["expected"]
    for unit in "ABC":
        assert round(res.scores[unit], 3) == exp["RSR"][unit]
        assert round(res.probit[unit], 2) == exp["Probit"][unit]
    assert round(res.a, 4) == exp["a"] and round(res.b, 4) == exp["b"]
    assert res.weighted and "wrsr" in res.frame.columns


def test_rsr_levels_4_and_5_cut_table():
    _, df, _ = rsr_example()
    r4 = rsr(df, ["x1", "x2", "x3"], negative=["x2", "x3"], levels=4)
    r5 = rsr(df, ["x1", "x2", "x3"], negative=["x2", "x3"], levels=5)
    assert r4.probit_cuts == (3.5, 5.0, 6.5) and r5.probit_cuts == (3.2, 4.4, 5.6, 6.8)
    # level from the probit directly (b > 0 so the fitted-RSR cut is equivalent)
    expected4 = np.searchsorted([3.5, 5.0, 6.5], r4.probit.to_numpy(), side="right") + 1
    np.testing.assert_array_equal(r4.levels.to_numpy(), expected4)
    assert r5.levels.max() <= 5 and set(r5.level_labels) <= {"low", "lower-middle", "middle", "upper-middle", "high"}
