"""Local Moran (LISA): statistics, conditional-permutation p-values, adjustments, islands."""

from __future__ import annotations

import itertools
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from spatialhealth.errors import InputError
from spatialhealth.layers import _kernels
from spatialhealth.layers.autocorrelation import adjust_pvalues, lisa, lisa_bv
from spatialhealth.layers.weights import build_weights

DATA = Path(__file__).parents[1] / "data" / "layers"


def province_weights(wtype="queen_W", islands="nearest"):
    nb = pd.read_csv(DATA / "province_neighbours.csv", dtype=str)
    nb = nb[nb.wtype == wtype]
    c = pd.read_csv(DATA / "provinces31_centroids.csv", dtype={"adcode": str})
    c = c.rename(columns={"adcode": "code", "x_albers": "x", "y_albers": "y"})
    t = pd.DataFrame({"code": nb.focal_adcode.to_numpy(), "neighbour": nb.neighbour_adcode.to_numpy()})
    return build_weights(t, ids=c.code, coordinates=c, islands=islands)


@pytest.fixture(scope="module")
def health():
    h = pd.read_csv(DATA / "province_health_2020.csv", dtype={"adcode": str})
    return h.rename(columns={"adcode": "code"})


def lattice_weights(nx, ny, prefix="c"):
    codes = [f"{prefix}{j:03d}{i:03d}" for j in range(ny) for i in range(nx)]
    rows = []
    for j in range(ny):
        for i in range(nx):
            for dj, di in ((0, 1), (1, 0), (0, -1), (-1, 0)):
                if 0 <= i + di < nx and 0 <= j + dj < ny:
                    rows.append((codes[j * nx + i], codes[(j + dj) * nx + i + di]))
    return codes, build_weights(pd.DataFrame(rows, columns=["code", "neighbour"]))


def esda_reference_p(z, W, perm, scaling, observed, zsrc=None):
    """esda's conditional randomisation written out in numpy: z without site i, shared draws.

    Returns the p-values and, per site, the number of permuted statistics within
    rounding (1e-12 relative) of the observed one: numpy's matrix product may sum in
    another order than the BLAS call behind esda's (and our) kernel, so only those
    near-ties may compare differently.
    """
    zsrc = z if zsrc is None else zsrc
    p = np.full(len(z), np.nan)
    ties = np.zeros(len(z), dtype=int)
    P = perm.shape[0]
    for i in range(len(z)):
        lo, hi = W.indptr[i], W.indptr[i + 1]
        if hi == lo:
            continue
        z_no_i = np.delete(zsrc, i)
        X = z_no_i[perm[:, : hi - lo]]
        sims = (z[i] * scaling) * (X @ W.data[lo:hi])
        ties[i] = np.isclose(sims, observed[i], rtol=1e-12, atol=0).sum()
        larger = (sims >= observed[i]).sum()
        larger = min(larger, P - larger)
        p[i] = (larger + 1) / (P + 1)
    return p, ties


def assert_same_p(ref, ours, P):
    p, ties = ref
    ok = ~np.isnan(p)
    assert np.array_equal(np.isnan(p), np.isnan(ours))
    assert (np.abs(p[ok] - ours[ok]) <= ties[ok] / (P + 1) + 1e-15).all()
    assert (p[ok] == ours[ok]).mean() > 0.9


@pytest.mark.parametrize("var", ["institutions", "personnel_10k", "beds_10k", "health_exp"])
@pytest.mark.parametrize("wtype", ["queen_W", "knn4_albers"])
def test_lisa_statistics_and_p_equal_reference(health, var, wtype):
    from scipy import sparse

    w = province_weights(wtype)
    res = lisa(health, w, permutations=199, seed=11, column=var, ties="esda")  # esda's tie convention
    f = res.frame
    assert f.code.tolist() == list(w.ids)
    y = health.set_index("code").loc[w.ids, var].to_numpy(float)
    z = (y - y.mean()) / y.std()
    W = sparse.csr_matrix(w.graph.sparse)
    W.sort_indices()
    lag = W @ z
    n = len(y)
    np.testing.assert_allclose(f.Ii, (n - 1) * z * lag / (z @ z), rtol=1e-12)
    quad = np.where(z > 0, np.where(lag > 0, "HH", "HL"), np.where(lag > 0, "LH", "LL"))
    assert f.quadrant.tolist() == quad.tolist()
    perm = _kernels.esda_permutation_set(int(np.diff(W.indptr).max()), n, 199, 11)
    ref = esda_reference_p(z, W, perm, (n - 1) / (z @ z), f.Ii.to_numpy())
    assert_same_p(ref, f.p_sim.to_numpy(), 199)
    # total-randomisation moments (Sokal et al. 1998) for row-standardised weights
    wi, wi2 = np.asarray(W.sum(1)).ravel(), np.asarray(W.multiply(W).sum(1)).ravel()
    b2 = n * (z**4).sum() / (z @ z) ** 2
    VI = wi2 * (n - b2) / (n - 1) + (wi**2 - wi2) * (2 * b2 - n) / ((n - 1) * (n - 2)) - (wi / (n - 1)) ** 2
    np.testing.assert_allclose(f.VI, VI, rtol=1e-12)
    np.testing.assert_allclose(f.EI, -wi / (n - 1), rtol=1e-12)
    sig = f.p_sim < 0.05
    assert (f.cluster[sig] == f.quadrant[sig]).all() and (f.cluster[~sig] == "ns").all()


def test_lisa_agrees_with_esda_without_permutations(health):
    import esda

    w = province_weights()
    res = lisa(health, w, permutations=0, column="beds_10k")
    m = esda.Moran_Local(health.set_index("code").loc[w.ids, "beds_10k"].to_numpy(float), w.graph, permutations=0)
    assert np.array_equal(res.frame.Ii.to_numpy(), m.Is)
    assert np.array_equal(res.frame.EI.to_numpy(), m.EI) and np.array_equal(res.frame.VI.to_numpy(), m.VI)
    q = pd.Series(m.q).map({1: "HH", 2: "LH", 3: "LL", 4: "HL"})
    assert res.frame.quadrant.tolist() == q.tolist()
    assert res.frame.p_sim.isna().all() and (res.frame.cluster == "ns").all()


def test_island_kept_has_no_statistic_and_is_ns(health):
    w = province_weights(islands="keep")
    res = lisa(health, w, permutations=99, seed=1, column="beds_10k")
    row = res.frame.set_index("code").loc["460000"]
    assert np.isnan(row.Ii) and np.isnan(row.p_sim) and pd.isna(row.quadrant) and row.cluster == "ns"
    assert not row.significant
    assert res.islands == ("460000",)
    assert "islands without a local statistic (ns): 460000" in res.summary()
    # the other units still use n = 31 for standardisation (esda's convention)
    others = res.frame[res.frame.code != "460000"]
    assert others.Ii.notna().all()


def test_sampled_engine_within_monte_carlo_error_of_exact_conditional_distribution():
    """On a 4x4 lattice the conditional distribution can be enumerated exactly."""
    codes, w = lattice_weights(4, 4)
    rng = np.random.default_rng(5)
    y = pd.Series(rng.normal(size=16) + np.repeat([0.0, 0.5, 1.0, 1.5], 4), index=codes)
    P = 999
    res = lisa(y, w, permutations=P, seed=2, engine="sampled")
    esdaish = lisa(y, w, permutations=P, seed=2, engine="esda-draws")
    z = res.frame.z.to_numpy()
    from scipy import sparse

    W = sparse.csr_matrix(w.graph.sparse)
    n = 16
    for i in range(n):
        lo, hi = W.indptr[i], W.indptr[i + 1]
        others = np.delete(z, i)
        sims = np.array([z[i] * others[list(t)] @ W.data[lo:hi] for t in itertools.permutations(range(n - 1), int(hi - lo))])
        sims *= (n - 1) / (z @ z)
        f = (sims >= res.frame.Ii.iloc[i] - 1e-12).mean()
        exact = min(f, 1 - f)
        se = np.sqrt(max(exact * (1 - exact), 1 / P) / P)
        for p in (res.frame.p_sim.iloc[i], esdaish.frame.p_sim.iloc[i]):
            assert abs(p - exact) < 4.5 * se + 2 / (P + 1), (i, p, exact)


def test_sampled_permutation_rows_are_distinct_and_uniform():
    perm = _kernels.sample_permutation_set(4, 11, 20000, 3)
    assert perm.min() >= 0 and perm.max() <= 9
    assert all(len(set(r)) == 4 for r in perm[:2000])
    counts = np.bincount(perm[:, 0], minlength=10)
    # each column is a uniform draw over the 10 other sites: chi-square with 9 df
    chi2 = ((counts - 2000) ** 2 / 2000).sum()
    assert chi2 < 27.9  # 0.999 quantile


def test_sampled_and_esda_draws_agree_within_monte_carlo_error_at_moderate_n():
    codes, w = lattice_weights(40, 40)
    rng = np.random.default_rng(1)
    x = np.add.outer(np.linspace(0, 2, 40), np.zeros(40)).ravel() + rng.normal(size=1600)
    y = pd.Series(x, index=codes)
    a = lisa(y, w, permutations=999, seed=1, engine="sampled").frame
    b = lisa(y, w, permutations=999, seed=1, engine="esda-draws").frame
    assert np.array_equal(a.Ii, b.Ii)
    d = np.abs(a.p_sim - b.p_sim)
    se = np.sqrt(np.maximum(b.p_sim * (1 - b.p_sim), 1e-3) / 999)
    assert (d < 5 * np.sqrt(2) * se + 0.003).all()
    # two independent Monte Carlo estimates differ on average by sqrt(2/pi) * sqrt(2) * se
    assert d.mean() < 1.25 * (np.sqrt(2 / np.pi) * np.sqrt(2) * se).mean()
    assert abs((a.p_sim < 0.05).mean() - (b.p_sim < 0.05).mean()) < 0.02


def test_adjustments_equal_statsmodels():
    from statsmodels.stats.multitest import multipletests

    p = np.array([0.001, 0.02, 0.04, 0.3, np.nan, 0.011, 0.5])
    ok = ~np.isnan(p)
    for ours, theirs in (("bonferroni", "bonferroni"), ("fdr", "fdr_bh")):
        adj = adjust_pvalues(p, ours)
        np.testing.assert_allclose(adj[ok], multipletests(p[ok], method=theirs)[1], rtol=1e-12)
        assert np.isnan(adj[4])


def test_lisa_adjust_changes_significance(health):
    w = province_weights()
    base = lisa(health, w, permutations=999, seed=3, column="beds_10k")
    bon = lisa(health, w, permutations=999, seed=3, column="beds_10k", adjust="bonferroni")
    fdr = lisa(health, w, permutations=999, seed=3, column="beds_10k", adjust="fdr")
    assert np.array_equal(base.p_sim, bon.p_sim)
    assert bon.frame.significant.sum() <= fdr.frame.significant.sum() <= base.frame.significant.sum()
    np.testing.assert_allclose(bon.frame.p_adj, np.minimum(base.frame.p_sim * 31, 1))
    assert (bon.frame.significant == (bon.frame.p_adj < 0.05)).all()


def test_bivariate_lisa_matches_formula_and_reference_p(health):
    from scipy import sparse

    w = province_weights("knn4_albers")
    res = lisa_bv("beds_10k", "personnel_10k", w, permutations=199, seed=8, data=health, ties="esda")
    h = health.set_index("code").loc[w.ids]
    zx = ((h.beds_10k - h.beds_10k.mean()) / h.beds_10k.std(ddof=0)).to_numpy()
    zy = ((h.personnel_10k - h.personnel_10k.mean()) / h.personnel_10k.std(ddof=0)).to_numpy()
    W = sparse.csr_matrix(w.graph.sparse)
    W.sort_indices()
    np.testing.assert_allclose(res.frame.Ii, 30 * zx * (W @ zy) / (zx @ zx), rtol=1e-12)
    perm = _kernels.esda_permutation_set(4, 31, 199, 8)
    ref = esda_reference_p(zx, W, perm, 30 / (zx @ zx), res.frame.Ii.to_numpy(), zsrc=zy)
    assert_same_p(ref, res.frame.p_sim.to_numpy(), 199)
    assert res.bivariate and "beds_10k vs lag of personnel_10k" in res.summary()


def test_geodataframe_in_geodataframe_out_and_export(tmp_path):
    cells = [box(i, j, i + 1, j + 1) for j in range(4) for i in range(4)]
    codes = [f"{k:02d}" for k in range(16)]
    gdf = gpd.GeoDataFrame({"code": codes, "name_en": [f"R{k}" for k in range(16)],
                            "v": np.arange(16.0) ** 1.5}, geometry=cells, crs=3857)
    before = gdf.copy()
    w = build_weights(gdf, kind="rook")
    res = lisa(gdf, w, permutations=99, seed=0, column="v")
    f = res.frame
    assert isinstance(f, gpd.GeoDataFrame) and f.crs == gdf.crs
    assert {"code", "Ii", "quadrant", "p_sim", "cluster", "geometry", "label"} <= set(f.columns)
    assert f.geometry.equals(gdf.geometry)
    res.to_file(tmp_path / "lisa.gpkg")
    back = gpd.read_file(tmp_path / "lisa.gpkg")
    assert back.cluster.tolist() == f.cluster.tolist()
    res.to_file(tmp_path / "lisa.csv")
    assert "geometry" not in pd.read_csv(tmp_path / "lisa.csv").columns
    pd.testing.assert_frame_equal(gdf, before)


def test_lisa_bad_inputs(health):
    w = province_weights()
    with pytest.raises(InputError, match="constant"):
        lisa(health.assign(k=2.0), w, column="k")
    with pytest.raises(InputError, match="missing values"):
        lisa(health.assign(k=[np.nan] + list(range(30))), w, column="k")
    with pytest.raises(InputError, match="alpha"):
        lisa(health, w, column="beds_10k", alpha=5)
    with pytest.raises(InputError, match="adjust"):
        lisa(health, w, column="beds_10k", adjust="holm")
    with pytest.raises(InputError, match="permutations"):
        lisa(health, w, column="beds_10k", permutations=-1)
    with pytest.raises(InputError, match="engine"):
        lisa(health, w, column="beds_10k", engine="gpu")


@pytest.mark.slow
def test_lisa_p_values_identical_to_esda_for_same_seed(health):
    """Calls esda itself (its numba code compiles for tens of seconds on first use)."""
    import esda
    from esda.crand import vec_permutations

    assert np.array_equal(vec_permutations(5, 31, 999, 4), _kernels.esda_permutation_set(5, 31, 999, 4))
    for wtype, islands in (("queen_W", "nearest"), ("queen_W", "keep"), ("rook_W", "nearest"), ("knn4_albers", "keep")):
        w = province_weights(wtype, islands)
        for var in ("institutions", "personnel_10k", "beds_10k", "health_exp"):
            y = health.set_index("code").loc[w.ids, var].to_numpy(float)
            for seed in (1, 99):
                res = lisa(health, w, permutations=999, seed=seed, column=var, ties="esda").frame
                m = esda.Moran_Local(y, w.graph, permutations=999, seed=seed)
                ok = res.Ii.notna().to_numpy()
                assert np.array_equal(res.p_sim.to_numpy()[ok], m.p_sim[ok])
                assert np.array_equal(res.Ii.to_numpy()[ok], m.Is[ok])
                x = health.set_index("code").loc[w.ids, "beds_10k"].to_numpy(float)
                bv = lisa_bv(var, "beds_10k", w, permutations=999, seed=seed, data=health, ties="esda").frame
                mb = esda.Moran_Local_BV(y, x, w.graph, permutations=999, seed=seed)
                assert np.array_equal(bv.p_sim.to_numpy()[ok], mb.p_sim[ok])
            if "460000" in w.remaining_islands:  # esda gives the island a pseudo p; we give none
                i = list(w.ids).index("460000")
                assert not np.isnan(m.p_sim[i]) and np.isnan(res.p_sim.iloc[i])


@pytest.mark.slow
def test_sampled_engine_within_monte_carlo_error_of_esda_on_lattice():
    import esda

    codes, w = lattice_weights(60, 50)
    rng = np.random.default_rng(9)
    x = np.add.outer(np.sin(np.linspace(0, 3, 50)), np.cos(np.linspace(0, 4, 60))).ravel() + rng.normal(size=3000)
    ours = lisa(pd.Series(x, index=codes), w, permutations=999, seed=9, engine="sampled", ties="esda").frame
    m = esda.Moran_Local(x, w.graph, permutations=999, seed=9)
    assert np.array_equal(ours.Ii.to_numpy(), m.Is)
    d = np.abs(ours.p_sim.to_numpy() - m.p_sim)
    se = np.sqrt(np.maximum(m.p_sim * (1 - m.p_sim), 1e-3) / 999)
    assert (d < 5 * np.sqrt(2) * se + 0.003).all()
    assert d.mean() < 1.25 * (np.sqrt(2 / np.pi) * np.sqrt(2) * se).mean()


@pytest.mark.slow
def test_engine_esda_delegates_and_matches_default(health):
    w = province_weights()
    ours = lisa(health, w, permutations=199, seed=5, column="beds_10k", ties="esda").frame
    theirs = lisa(health, w, permutations=199, seed=5, column="beds_10k", engine="esda").frame
    assert np.array_equal(ours.p_sim, theirs.p_sim) and np.array_equal(ours.Ii, theirs.Ii)
    assert ours.cluster.tolist() == theirs.cluster.tolist()
