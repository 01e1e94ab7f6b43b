"""The sorted-null kernel of large grids (shared draws) against the general permutation kernel.

On a grid the shared-draw null of a cell depends only on its value, its cardinality and
which drawn indices lie before it, so :func:`spatialhealth.layers._kernels.conditional_sorted`
sorts one null per run of cells and cardinality and binary-searches it. Its p-values must be
those of :func:`spatialhealth.layers.local.conditional_p` (general kernel, same draws) bit for
bit, ties included; the thresholds that keep small grids on the general path are lowered here
so that small grids take the sorted path.
"""

from __future__ import annotations

import numpy as np
import pytest

import spatialhealth.layers.autocorrelation as autocorrelation
import spatialhealth.layers.raster as raster
from spatialhealth.layers.local import conditional_p
from spatialhealth.layers.raster import grid_weights, raster_getis_ord, raster_lisa, raster_moran


def grid(h=45, w=52, seed=3, integers=False):
    rng = np.random.default_rng(seed)
    g = np.add.outer(np.sin(np.linspace(0, 4, h)), np.cos(np.linspace(0, 3, w))) * 2 + 3
    g = g + rng.normal(scale=0.7, size=(h, w))
    if integers:  # many exact ties between permuted and observed statistics
        g = np.round(g)
    g[rng.random((h, w)) < 0.04] = np.nan
    g[10:14, 20:23] = np.nan  # a hole
    g[30, 30] = 5.0
    g[29:32, 29] = g[29:32, 31] = np.nan
    g[29, 30] = g[31, 30] = np.nan  # (30, 30): an island under rook and queen
    return np.abs(g)


@pytest.fixture
def sorted_path(monkeypatch):
    monkeypatch.setattr(raster, "SORTED_MIN_CELLS_PER_RUN", 0)
    monkeypatch.setattr(autocorrelation, "ESDA_DRAW_MAX_N", 0)


def general_lisa_p(g, contiguity, permutations, seed, ties):
    valid = np.isfinite(g)
    W, flat = grid_weights(valid, contiguity)
    y = g.ravel()[flat]
    n = len(y)
    z = (y - y.mean()) / y.std()
    lag = W @ z
    den = z @ z
    Ii = (n - 1) * z * lag / den
    bound = np.abs(z) * ((n - 1) / den) * np.abs(z).max()
    p, _, _ = conditional_p(0, z, z, W, np.zeros(n), (n - 1) / den, Ii, bound, permutations=permutations,
                            seed=seed, ties=ties, exact_draws=False)
    p[np.diff(W.indptr) == 0] = np.nan
    return flat, Ii, p


@pytest.mark.parametrize("contiguity", ["rook", "queen"])
@pytest.mark.parametrize("ties", ["tolerance", "esda"])
@pytest.mark.parametrize("integers", [False, True])
def test_sorted_lisa_equals_general_kernel_bitwise(sorted_path, contiguity, ties, integers):
    g = grid(integers=integers)
    flat, Ii, p = general_lisa_p(g, contiguity, 199, 11, ties)
    res = raster_lisa(g, contiguity=contiguity, permutations=199, seed=11, ties=ties)
    got_p = res.p_sim.ravel()[flat]
    got_I = res.statistic.ravel()[flat]
    assert np.array_equal(got_I, np.where(np.isnan(p), np.nan, Ii), equal_nan=True)
    assert np.array_equal(got_p, p, equal_nan=True)
    assert np.isnan(got_p).sum() == 1  # the island
    # and the p-values are not degenerate: a real spread of values, some significant
    assert 0.005 <= np.nanmin(got_p) < 0.05 and np.nanmax(got_p) > 0.4


@pytest.mark.parametrize("star", [True, False])
@pytest.mark.parametrize("contiguity", ["rook", "queen"])
def test_sorted_getis_ord_equals_general_path(monkeypatch, star, contiguity):
    g = grid(integers=True)
    ref = raster_getis_ord(g, contiguity=contiguity, star=star, permutations=199, seed=5)  # general kernel
    monkeypatch.setattr(raster, "SORTED_MIN_CELLS_PER_RUN", 0)
    monkeypatch.setattr(autocorrelation, "ESDA_DRAW_MAX_N", 0)
    got = raster_getis_ord(g, contiguity=contiguity, star=star, permutations=199, seed=5)
    # the general path here uses esda's draw set (n <= ESDA_DRAW_MAX_N), so compare the statistic
    # bitwise and the p-values against the general kernel on the sampled set
    assert np.array_equal(got.statistic, ref.statistic, equal_nan=True)
    valid = np.isfinite(g)
    W, flat = grid_weights(valid, contiguity)
    y = g.ravel()[flat]
    card = np.diff(W.indptr)
    if star:
        selfw = 1.0 / (card + 1.0)
        W.data = np.repeat(selfw, card)
        kind, bound = 2, (np.abs(y).max() + np.abs(selfw * y)) / y.sum()
    else:
        selfw = np.zeros(len(y))
        kind, bound = 1, np.abs(y).max() / np.abs(y.sum() - y)
    G = got.statistic.ravel()[flat]
    p, _, _ = conditional_p(kind, y, y, W, selfw, y.sum(), G, bound, permutations=199, seed=5, exact_draws=False)
    p[card == 0] = np.nan
    assert np.array_equal(got.p_sim.ravel()[flat], p, equal_nan=True)


def test_sorted_kernel_against_direct_count():
    """The kernel on hand-made inputs: counts of permuted statistics by brute force."""
    from spatialhealth.layers import _kernels

    rng = np.random.default_rng(0)
    n, perms = 40, 30
    z = np.round(rng.normal(size=n), 1)  # ties
    card = rng.integers(0, 4, size=n).astype(np.uint8)
    kmax = int(card.max())
    wk = np.array([0.0] + [1.0 / k for k in range(1, kmax + 1)])
    permuted = _kernels.sample_permutation_set(kmax, n, perms, 9)
    scaling = 1.3
    observed = z * scaling * np.round(rng.normal(size=n), 1)
    tol = np.full(n, 1e-9)
    for exact in (True, False):
        p = _kernels.conditional_sorted(0, z, z, card, wk, np.zeros(n), permuted, perms, scaling, observed, tol,
                                        exact)
        for i in range(n):
            k = card[i]
            if k == 0:
                assert np.isnan(p[i])
                continue
            stats = []
            for r in range(perms):
                acc = 0.0
                for j in range(k):
                    idx = permuted[r, j]
                    acc += (z[idx] if idx < i else z[idx + 1]) * wk[k]
                stats.append((z[i] * scaling) * acc)
            stats = np.array(stats)
            if exact:
                ge, le = (stats >= observed[i] - tol[i]).sum(), (stats <= observed[i] + tol[i]).sum()
            else:
                ge = (stats >= observed[i]).sum()
                le = perms - ge
            assert p[i] == (min(ge, le) + 1) / (perms + 1)


def test_small_grids_keep_esda_draws():
    """Below the thresholds the general path (esda's draws) is used: same p as the vector LISA."""
    assert raster.SORTED_MIN_CELLS_PER_RUN * 999 * 4 > autocorrelation.ESDA_DRAW_MAX_N
    g = grid(35, 36)
    res = raster_lisa(g, permutations=99, seed=2)
    flat, Ii, _ = general_lisa_p(g, "rook", 99, 2, "tolerance")
    valid = np.isfinite(g)
    W, _ = grid_weights(valid)
    y = g.ravel()[flat]
    z = (y - y.mean()) / y.std()
    n = len(z)
    den = z @ z
    p, _, _ = conditional_p(0, z, z, W, np.zeros(n), (n - 1) / den, Ii, np.abs(z) * ((n - 1) / den) * np.abs(z).max(),
                            permutations=99, seed=2, exact_draws=True)
    p[np.diff(W.indptr) == 0] = np.nan
    assert np.array_equal(res.p_sim.ravel()[flat], p, equal_nan=True)


def test_raster_moran_is_a_result_with_deprecated_dict_access():
    """raster_moran returns a Result; old dict access warns and gives the same numbers."""
    import warnings

    import pandas as pd

    from spatialhealth._results import Result
    from spatialhealth.layers.raster import RasterMoranResult

    g = np.add.outer(np.sin(np.linspace(0, 3, 20)), np.arange(25.0) / 10) + np.random.default_rng(1).normal(size=(20, 25))
    g[:, 20:] = np.nan  # last 5 columns nodata
    res = raster_moran(g, contiguity="queen")
    assert isinstance(res, RasterMoranResult) and isinstance(res, Result)
    # independent check of I: dense weights from the definition of queen contiguity
    valid = np.isfinite(g)
    rr, cc = np.nonzero(valid)
    y = g[valid]
    adj = (np.abs(rr[:, None] - rr[None, :]) <= 1) & (np.abs(cc[:, None] - cc[None, :]) <= 1)
    np.fill_diagonal(adj, False)
    Wd = adj / adj.sum(axis=1, keepdims=True)
    z = y - y.mean()
    got_I = res.I
    assert got_I == pytest.approx(len(y) / Wd.sum() * (z @ Wd @ z) / (z @ z), rel=1e-12)
    assert res.n == 400 and valid.sum() == 400 and res.contiguity == "queen"
    assert list(res.frame.columns[:3]) == ["I", "EI", "VI_norm"] and res.frame["I"].iloc[0] == res.I
    assert "randomisation" in res.summary()
    with pytest.warns(DeprecationWarning, match="no longer a dict"):
        assert res["I"] == res.I
    with pytest.warns(DeprecationWarning, match="res.keys"):
        old = dict(res)
    assert old["p_rand"] == res.p_rand and set(old) == set(RasterMoranResult._mapping_keys)
    with pytest.warns(DeprecationWarning, match="no longer a dict"):
        assert pd.DataFrame([dict(res)])["n"].iloc[0] == 400
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _ = res.I, res.frame, res.summary()  # attribute access does not warn
    with pytest.raises(KeyError), pytest.warns(DeprecationWarning, match="nope"):
        res["nope"]


@pytest.mark.parametrize("contiguity", ["rook", "queen"])
def test_raster_moran_variances_equal_dense_cliff_ord(contiguity):
    """Moran's I and both variances from a dense weights matrix built from the definition."""
    rng = np.random.default_rng(4)
    g = rng.normal(size=(18, 21)) + np.add.outer(np.arange(18.0), np.arange(21.0)) / 8
    g[rng.random(g.shape) < 0.08] = np.nan
    g[9, 9] = 2.0
    g[8:11, 8] = g[8:11, 10] = np.nan
    g[8, 9] = g[10, 9] = np.nan  # an island under both contiguities
    res = raster_moran(g, contiguity=contiguity)
    valid = np.isfinite(g)
    rr, cc = np.nonzero(valid)
    y = g[valid]
    n = len(y)
    dr, dc = np.abs(rr[:, None] - rr[None, :]), np.abs(cc[:, None] - cc[None, :])
    adj = (dr + dc == 1) if contiguity == "rook" else ((dr <= 1) & (dc <= 1))
    np.fill_diagonal(adj, False)
    k = adj.sum(axis=1, keepdims=True)
    assert (k == 0).sum() >= 1
    W = np.where(k > 0, adj / np.maximum(k, 1), 0.0)
    z = y - y.mean()
    S0, S1 = W.sum(), 0.5 * ((W + W.T) ** 2).sum()
    S2 = ((W.sum(axis=1) + W.sum(axis=0)) ** 2).sum()
    EI = -1 / (n - 1)
    VI_norm = (n * n * S1 - n * S2 + 3 * S0**2) / ((n * n - 1) * S0**2) - EI**2
    b2 = n * (z**4).sum() / (z @ z) ** 2
    VI_rand = (n * ((n * n - 3 * n + 3) * S1 - n * S2 + 3 * S0**2) - b2 * ((n * n - n) * S1 - 2 * n * S2 + 6 * S0**2)) \
        / ((n - 1) * (n - 2) * (n - 3) * S0**2) - EI**2
    got_I = res.I
    assert got_I == pytest.approx(n / S0 * (z @ W @ z) / (z @ z), rel=1e-12)
    assert res.VI_norm == pytest.approx(VI_norm, rel=1e-12)
    assert res.VI_rand == pytest.approx(VI_rand, rel=1e-12)
    assert res.n == n
