"""The pyfixest adapter: the private attributes we read, checked against a regression by hand.

``spatialhealth.policy._pyfixest`` is the only module that touches pyfixest. If a pyfixest
release renames ``_vcov``, ``_df_t``, ``_df_k`` or ``_N`` or changes what they hold, this
file fails before any estimate silently changes.
"""

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spatialhealth.policy import _pyfixest as fx

PACKAGE = Path(__file__).resolve().parents[2] / "spatialhealth"


@pytest.fixture(scope="module")
def small_panel():
    rng = np.random.default_rng(3)
    rows = []
    for u in range(7):
        for t in range(5):
            d = float(u < 3 and t >= 2 + u % 2)
            rows.append({"u": u, "t": t, "cl": u, "d": d, "x0": rng.normal(),
                         "y": 0.5 * u + 0.2 * t + 1.5 * d + rng.normal()})
    return pd.DataFrame(rows)


def _by_hand(df):
    """CRV1 by unit with fixest's small-sample factor (unit FE nested in the clusters)."""
    X = df[["d", "x0"]].to_numpy(float)
    FE = np.hstack([pd.get_dummies(df.u, dtype=float).to_numpy(),
                    pd.get_dummies(df.t, dtype=float).to_numpy()[:, 1:]])
    Y = df.y.to_numpy()
    full = np.hstack([X, FE])
    beta = np.linalg.lstsq(full, Y, rcond=None)[0]
    e = Y - full @ beta
    Xr = X - FE @ np.linalg.lstsq(FE, X, rcond=None)[0]
    bread = np.linalg.inv(Xr.T @ Xr)
    meat = sum(np.outer(s, s) for s in (Xr[df.cl == g].T @ e[df.cl == g] for g in df.cl.unique()))
    N, G = len(df), df.cl.nunique()
    K = X.shape[1] + df.t.nunique()  # slopes + time levels; the unit effect counts as one
    return beta[:2], bread @ meat @ bread * G / (G - 1) * (N - 1) / (N - K), N, G, K


def test_private_attributes_exist_and_mean_what_we_read(small_panel):
    fit, clustered = fx.feols("y ~ d + x0 | u + t", small_panel, "cl")
    assert clustered
    for name in ("_vcov", "_df_t", "_df_k", "_N"):
        assert hasattr(fit, name), f"pyfixest no longer has {name}; update spatialhealth/policy/_pyfixest.py"
    beta, V, N, G, K = _by_hand(small_panel)
    np.testing.assert_allclose(fit.coef().to_numpy(), beta, atol=1e-10)
    np.testing.assert_allclose(fx.vcov(fit), V, rtol=1e-8)
    assert fx.nobs(fit) == N
    assert fx.df_t(fit) == G - 1
    assert fx.df_k(fit) == K
    table = fx.coefficients(fit, alpha=0.1)
    assert list(table.columns) == ["estimate", "std_error", "z_or_t", "p_value", "ci_lower", "ci_upper"]
    from scipy import stats

    se = np.sqrt(np.diag(V))
    np.testing.assert_allclose(table["std_error"], se, rtol=1e-8)
    np.testing.assert_allclose(table["p_value"], 2 * stats.t.sf(np.abs(beta / se), G - 1), rtol=1e-6)
    np.testing.assert_allclose(table["ci_upper"], beta + stats.t.ppf(0.95, G - 1) * se, rtol=1e-8)


def test_one_cluster_falls_back_to_hc1_with_a_warning(small_panel):
    df = small_panel.assign(cl=0)
    with pytest.warns(fx.OneClusterWarning, match="HC1"):
        fit, clustered = fx.feols("y ~ d + x0 | u + t", df, "cl")
    assert not clustered
    X = df[["d", "x0"]].to_numpy(float)
    FE = np.hstack([pd.get_dummies(df.u, dtype=float).to_numpy(),
                    pd.get_dummies(df.t, dtype=float).to_numpy()[:, 1:]])
    full = np.hstack([X, FE])
    e = df.y.to_numpy() - full @ np.linalg.lstsq(full, df.y.to_numpy(), rcond=None)[0]
    Xr = X - FE @ np.linalg.lstsq(FE, X, rcond=None)[0]
    bread = np.linalg.inv(Xr.T @ Xr)
    N, K = len(df), full.shape[1]
    hc1 = bread @ (Xr.T @ (Xr * e[:, None] ** 2)) @ bread * N / (N - K)
    np.testing.assert_allclose(fx.vcov(fit), hc1, rtol=1e-8)


def test_only_the_adapter_imports_pyfixest():
    """No other module of the package imports pyfixest or reads its private attributes."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "_pyfixest.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "pyfixest" for a in node.names):
                offenders.append(f"{path}: import pyfixest")
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "pyfixest":
                offenders.append(f"{path}: from pyfixest")
            elif isinstance(node, ast.Attribute) and node.attr in {"_vcov", "_df_t", "_df_k", "_N"}:
                offenders.append(f"{path}: .{node.attr}")
    assert not offenders, offenders
