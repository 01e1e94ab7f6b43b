"""DEA models against published worked examples and deaR (tests/data/efficiency/m08_dea.json)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spatialhealth.efficiency import dea, metafrontier, sbm
from spatialhealth.efficiency.radial import multiplier_scores

DATA = Path(__file__).resolve().parents[1] / "data" / "efficiency" / "m08_dea.json"
VEC = {v["id"]: v for v in json.loads(DATA.read_text())["vectors"]}

pytestmark = pytest.mark.filterwarnings("ignore:Some frontiers have fewer units")


def _frame(inputs, outputs, bad=None):
    x, y = np.asarray(inputs, float), np.asarray(outputs, float)
    df = pd.DataFrame(x, columns=[f"x{i + 1}" for i in range(x.shape[1])])
    for j in range(y.shape[1]):
        df[f"y{j + 1}"] = y[:, j]
    if bad is not None:
        b = np.asarray(bad, float)
        for j in range(b.shape[1]):
            df[f"b{j + 1}"] = b[:, j]
    return df


def _cols(df, p):
    return [c for c in df.columns if c.startswith(p)]


@pytest.fixture(scope="module")
def coelli():
    v = VEC["A_coelli1998_ccr_bcc"]
    return v, _frame(v["inputs"], v["outputs"])


@pytest.mark.parametrize("model,orientation,key", [
    ("ccr", "input", "crs_io"), ("ccr", "output", "crs_oo"),
    ("bcc", "input", "vrs_io"), ("bcc", "output", "vrs_oo")])
@pytest.mark.parametrize("method", ["highspy", "block", "unit"])
def test_efficiency_coelli_ccr_bcc(coelli, model, orientation, key, method):
    if method == "highspy":
        pytest.importorskip("highspy")
    v, df = coelli
    res = dea(df, _cols(df, "x"), _cols(df, "y"), model=model, orientation=orientation,
              method=method)
    np.testing.assert_allclose(res.frame["efficiency"], v["deaR"][key], atol=1e-8)
    # the multiplier (dual) form is an independent implementation: same optimum by LP duality
    np.testing.assert_allclose(multiplier_scores(df, _cols(df, "x"), _cols(df, "y"), model,
                                                 orientation), v["deaR"][key], atol=1e-8)


def test_efficiency_coelli_published_crs(coelli):
    v, df = coelli
    eff = dea(df, ["x1", "x2"], "y1").frame["efficiency"]
    np.testing.assert_array_equal(eff.round(3), v["published_CRS_input_TE"])  # 0.5 1 .833 .714 1
    # firm 1 is radially projected onto firm 2's facet with an x2 slack left (Coelli's table)
    f = dea(df, ["x1", "x2"], "y1").frame
    assert f.loc[0, "slack_x2"] == pytest.approx(0.5, abs=1e-9)
    assert f.loc[0, "target_x1"] == pytest.approx(1.0, abs=1e-9)
    assert f.loc[0, "target_x2"] == pytest.approx(2.0, abs=1e-9)
    assert "1 (0.500)" in f.loc[0, "peers"]
    assert f["efficient"].tolist() == [False, True, False, False, True]


@pytest.mark.parametrize("rts", ["crs", "vrs"])
@pytest.mark.parametrize("method", ["auto", "block"])
def test_efficiency_tone2001_sbm(rts, method):
    v = VEC["B_tone2001_sbm"]
    df = _frame(v["inputs"], v["outputs"])
    res = sbm(df, ["x1", "x2"], ["y1", "y2"], rts=rts, method=method)
    np.testing.assert_allclose(res.frame["efficiency"], v["deaR"][rts], atol=1e-8)
    if rts == "crs":
        np.testing.assert_array_equal(res.frame["efficiency"].round(3), v["published_SBM_CRS_3dp"])
    # Tone's A (rho 0.798): targets from slacks reproduce the score by the SBM formula
    f = res.frame
    for i in range(5):
        num = 1 - np.mean([f.loc[i, f"slack_x{k}"] / df.loc[i, f"x{k}"] for k in (1, 2)])
        den = 1 + np.mean([f.loc[i, f"slack_y{k}"] / df.loc[i, f"y{k}"] for k in (1, 2)])
        assert num / den == pytest.approx(f.loc[i, "efficiency"], abs=1e-9)


@pytest.mark.parametrize("rts", ["crs", "vrs"])
@pytest.mark.parametrize("method", ["auto", "block"])
def test_efficiency_tone2003_sbm_undesirable(rts, method):
    v = VEC["C_tone2003_sbm_undesirable"]
    df = _frame(v["x"], v["y_good"], v["y_bad"])
    res = sbm(df, "x1", "y1", undesirable="b1", rts=rts, method=method)
    np.testing.assert_allclose(res.frame["efficiency"], v["deaR"][rts], atol=1e-8)
    assert "undesirable" in res.model


@pytest.mark.parametrize("weighting,key", [("half", "FW_half"), ("third", "third")])
@pytest.mark.parametrize("rts", ["crs", "vrs"])
def test_efficiency_sbm_ddf(weighting, key, rts):
    v, c = VEC["D_sbm_ddf_fukuyama_weber"], VEC["C_tone2003_sbm_undesirable"]
    df = _frame(c["x"], c["y_good"], c["y_bad"])
    res = sbm(df, "x1", "y1", undesirable="b1", rts=rts, direction="observed",
              ddf_weighting=weighting)
    np.testing.assert_allclose(res.frame["beta"], v["own"][f"{key}_{rts}"], atol=1e-8)
    if weighting == "half":
        np.testing.assert_allclose(res.frame["beta"], v["deaR_weighted_additive"][f"{key}_{rts}"],
                                   atol=1e-8)
    np.testing.assert_allclose(res.frame["efficiency"], 1 / (1 + res.frame["beta"]), rtol=1e-12)
    assert "1/(1+beta)" in res.convention
    # the same direction given as a mapping of direction columns, and as an array
    dmap = sbm(df, "x1", "y1", undesirable="b1", rts=rts, ddf_weighting=weighting,
               direction={"x1": "x1", "y1": "y1", "b1": "b1"})
    darr = sbm(df, "x1", "y1", undesirable="b1", rts=rts, ddf_weighting=weighting,
               direction=df[["x1", "y1", "b1"]].to_numpy())
    np.testing.assert_allclose(dmap.frame["beta"], res.frame["beta"], atol=1e-12)
    np.testing.assert_allclose(darr.frame["beta"], res.frame["beta"], atol=1e-12)


def test_efficiency_sbm_ddf_conventions():
    c = VEC["C_tone2003_sbm_undesirable"]
    df = _frame(c["x"], c["y_good"], c["y_bad"])
    beta = np.array(VEC["D_sbm_ddf_fukuyama_weber"]["own"]["FW_half_crs"])
    one = sbm(df, "x1", "y1", "b1", direction="observed", ddf_efficiency="1-beta")
    raw = sbm(df, "x1", "y1", "b1", direction="observed", ddf_efficiency="beta")
    np.testing.assert_allclose(one.frame["efficiency"], 1 - beta, atol=1e-8)
    np.testing.assert_allclose(raw.frame["efficiency"], beta, atol=1e-8)
    assert "INefficiency" in raw.convention and "1 - beta" in one.convention


def test_efficiency_metafrontier_tgr():
    v = VEC["E_metafrontier_tgr"]
    df = _frame(v["inputs"], v["outputs"])
    df["g"] = v["group"]
    res = metafrontier(df, ["x1", "x2"], "y1", "g", model="ccr")
    for k in ("te_meta", "te_group", "tgr"):
        np.testing.assert_allclose(res.frame[k], v["deaR"][k], atol=1e-8)
    assert (res.tgr <= 1).all() and (res.frame["te_meta"] <= res.frame["te_group"] + 1e-12).all()
    tab = res.by_group()
    assert tab.loc[2, "tgr"] == pytest.approx(1.0)
    assert tab.loc[1, "tgr"] == pytest.approx(np.mean(v["deaR"]["tgr"][:5]), abs=1e-8)
    text = res.summary()
    assert "TGR" in text and "0.9278" in text
