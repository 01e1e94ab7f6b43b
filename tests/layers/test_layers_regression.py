"""Spatial regression: our wrapper gives exactly what spreg gives when called directly."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spatialhealth._results import COEF_COLUMNS, CoefficientResult
from spatialhealth.errors import InputError
from spatialhealth.layers.regression import spatial_regression
from spatialhealth.layers.weights import build_weights

spreg = pytest.importorskip("spreg")
DATA = Path(__file__).parents[1] / "data" / "layers"


@pytest.fixture(scope="module")
def columbus():
    import geopandas as gpd
    import libpysal

    df = gpd.read_file(libpysal.examples.get_path("columbus.shp"))
    df["code"] = df["POLYID"].map(lambda v: f"{v:03d}")
    w = build_weights(df, "queen")
    W = w.graph.to_W()
    W.transform = "r"
    y = df.set_index("code").loc[w.ids, "CRIME"].to_numpy()[:, None]
    X = df.set_index("code").loc[w.ids, ["INC", "HOVAL"]].to_numpy()
    return df, w, W, y, X


def quiet(f, *a, **k):
    with contextlib.redirect_stdout(io.StringIO()):
        return f(*a, **k)


def test_ols_diagnostics_equal_spreg(columbus):
    df, w, W, y, X = columbus
    r = spatial_regression(df, y="CRIME", x=["INC", "HOVAL"], weights=w, model="ols")
    ref = quiet(spreg.OLS, y, X, w=W, spat_diag=True, moran=True)
    assert isinstance(r, CoefficientResult) and tuple(r.coefficients.columns) == COEF_COLUMNS
    np.testing.assert_allclose(r.params.to_numpy(), ref.betas.ravel(), rtol=1e-10)
    np.testing.assert_allclose(r.bse.to_numpy(), ref.std_err, rtol=1e-8)
    np.testing.assert_allclose(r.tvalues.to_numpy(), [t for t, _ in ref.t_stat], rtol=1e-8)
    np.testing.assert_allclose(r.pvalues.to_numpy(), [p for _, p in ref.t_stat], rtol=1e-9)
    d = r.diagnostics.set_index("test")
    assert d.loc["LM error", "statistic"] == pytest.approx(ref.lm_error[0], rel=1e-10)
    assert d.loc["robust LM lag", "p_value"] == pytest.approx(ref.rlm_lag[1], rel=1e-8)
    assert d.loc["LM SARMA", "statistic"] == pytest.approx(ref.lm_sarma[0], rel=1e-10)
    # Anselin (1988) columbus: LM error 5.206, LM lag 8.898 (spreg's own documented values)
    assert round(d.loc["LM error", "statistic"], 3) == 5.206 and round(d.loc["LM lag", "statistic"], 3) == 8.898


def test_ml_lag_error_durbin_equal_spreg(columbus):
    df, w, W, y, X = columbus
    for model, ref in (("lag", quiet(spreg.ML_Lag, y, X, W, spat_impacts="full")),
                       ("error", quiet(spreg.ML_Error, y, X, W)),
                       ("durbin", quiet(spreg.ML_Lag, y, X, W, slx_lags=1, spat_impacts="full"))):
        r = spatial_regression(df, y="CRIME", x=["INC", "HOVAL"], weights=w, model=model, seed=1)
        # spreg's ML optimiser stops at epsilon = 1e-7; inputs equal to the last bit are not guaranteed
        np.testing.assert_allclose(r.params.to_numpy(), ref.betas.ravel(), rtol=1e-7)
        np.testing.assert_allclose(r.bse.to_numpy(), ref.std_err, rtol=1e-6)
        np.testing.assert_allclose(r.tvalues.to_numpy(), [z for z, _ in ref.z_stat], rtol=1e-6)
        assert r.diagnostics.set_index("statistic").loc["log-likelihood", "value"] == pytest.approx(float(ref.logll),
                                                                                                rel=1e-9)
        if model == "error":
            assert r.impacts is None and r.params.index[-1] == "lambda"
            continue
        lines = ref.summary.split("Impacts computed using the 'full' method.")[1].splitlines()[2:4]
        printed = np.array([[float(v) for v in line.split()[1:]] for line in lines])
        imp = r.impacts[["direct", "indirect", "total"]].to_numpy()
        np.testing.assert_allclose(imp[:, 2], printed[:, 2], atol=5e-5)
        if model == "lag":
            np.testing.assert_allclose(imp, printed, atol=5e-5)
    # Durbin direct impacts: n^-1 tr((I - rho W)^-1 (beta I + theta W)) with a dense inverse
    r = spatial_regression(df, y="CRIME", x=["INC", "HOVAL"], weights=w, model="durbin", impact_draws=0)
    Wd = w.graph.sparse.toarray()
    n = len(Wd)
    rho = r.params["rho"]
    A = np.linalg.inv(np.eye(n) - rho * Wd)
    for v in ("INC", "HOVAL"):
        S = A @ (r.params[v] * np.eye(n) + r.params[f"W_{v}"] * Wd)
        assert r.impacts.loc[v, "direct"] == pytest.approx(np.trace(S) / n, rel=1e-10)
        assert r.impacts.loc[v, "total"] == pytest.approx(S.sum() / n, rel=1e-10)


def test_provinces_lag_model_equals_spreg():
    nb = pd.read_csv(DATA / "province_neighbours.csv", dtype=str)
    nb = nb[nb.wtype == "knn4_albers"]
    w = build_weights(pd.DataFrame({"code": nb.focal_adcode.to_numpy(), "neighbour": nb.neighbour_adcode.to_numpy()}))
    h = pd.read_csv(DATA / "province_health_2020.csv", dtype={"adcode": str}).rename(columns={"adcode": "code"})
    r = spatial_regression(h, y="beds_10k", x=["personnel_10k", "health_exp"], weights=w, model="lag", seed=2)
    W = w.graph.to_W()
    W.transform = "r"
    hh = h.set_index("code").loc[w.ids]
    ref = quiet(spreg.ML_Lag, hh[["beds_10k"]].to_numpy(), hh[["personnel_10k", "health_exp"]].to_numpy(), W)
    np.testing.assert_allclose(r.params.to_numpy(), ref.betas.ravel(), rtol=1e-10)
    assert "rho" in r.summary() and "Impacts" in r.summary()


def test_panel_fixed_effects_equal_spreg(columbus):
    df, w, W, _y, _X = columbus
    rng = np.random.default_rng(4)
    rows = []
    for t in range(4):
        f = df[["code", "INC", "HOVAL"]].copy()
        f["year"] = 2018 + t
        f["INC"] = f["INC"] + rng.normal(size=len(f))
        f["CRIME"] = df["CRIME"] + 0.5 * f["INC"] + rng.normal(size=len(f))
        rows.append(f)
    panel = pd.concat(rows, ignore_index=True).sample(frac=1, random_state=1)  # any row order
    stacked = pd.concat(rows).set_index(["year", "code"]).loc[pd.MultiIndex.from_product([range(2018, 2022), w.ids])]
    Y = stacked[["CRIME"]].to_numpy()
    XX = stacked[["INC", "HOVAL"]].to_numpy()
    for model, cls in (("lag", spreg.ML_LagFE), ("error", spreg.ML_ErrorFE)):
        r = spatial_regression(panel, y="CRIME", x=["INC", "HOVAL"], weights=w, model=model, panel="year", seed=1)
        ref = quiet(cls, Y, XX, W)
        np.testing.assert_allclose(r.params.to_numpy(), ref.betas.ravel()[:3], rtol=1e-7)
        np.testing.assert_allclose(r.bse.to_numpy(), np.sqrt(np.diag(ref.vm))[:3], rtol=1e-6)
    with pytest.raises(InputError, match="unbalanced"):
        spatial_regression(panel.iloc[1:], y="CRIME", x=["INC"], weights=w, model="lag", panel="year")
    with pytest.raises(InputError, match="fixed-effects"):
        spatial_regression(panel, y="CRIME", x=["INC"], weights=w, model="durbin", panel="year")
