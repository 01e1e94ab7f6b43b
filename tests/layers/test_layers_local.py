"""Getis-Ord, local Geary, join counts, tie handling and per-site draws (spatialhealth.layers.local)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from spatialhealth.errors import InputError
from spatialhealth.layers.autocorrelation import lisa
from spatialhealth.layers.local import (
    getis_ord,
    join_counts,
    join_counts_local,
    local_geary,
)
from spatialhealth.layers.weights import build_weights


def _sym(pairs):
    t = pd.DataFrame(pairs, columns=["code", "neighbour"])
    return pd.concat([t, t.rename(columns={"code": "neighbour", "neighbour": "code"})], ignore_index=True)


@pytest.fixture(scope="module")
def columbus():
    import geopandas as gpd
    import libpysal

    df = gpd.read_file(libpysal.examples.get_path("columbus.shp"))
    # zero-padded codes: esda's local Geary / join counts order a Graph's results by sorted id
    df["code"] = df["POLYID"].map(lambda v: f"{v:03d}")
    return df, build_weights(df, "queen")


def exact_folded_p(stat_fn, z, W, i):
    """Exact conditional-permutation p of site i: every ordered draw of its k neighbours."""
    lo, hi = W.indptr[i], W.indptr[i + 1]
    w = W.data[lo:hi]
    others = [j for j in range(len(z)) if j != i]
    sims = np.array([stat_fn(i, z[list(d)], w) for d in itertools.permutations(others, int(hi - lo))])
    obs = stat_fn(i, z[W.indices[lo:hi]], w)
    close = np.isclose(sims, obs, rtol=1e-9, atol=1e-12)
    ge = ((sims >= obs) | close).mean()
    le = ((sims <= obs) | close).mean()
    return min(ge, le)


def test_three_unit_map_gives_exact_permutation_answer():
    w = build_weights(_sym([("a", "b"), ("b", "c")]))
    s = pd.Series([1.0, 2.0, 3.0], index=list("abc"))
    from scipy import sparse

    W = sparse.csr_matrix(w.graph.sparse)
    z = (s.to_numpy() - 2) / s.std(ddof=0)
    moran_i = lambda i, zz, ww: 2 * z[i] * (zz @ ww) / (z @ z)
    exact = [exact_folded_p(moran_i, z, W, i) for i in range(3)]
    assert exact == [0.5, 1.0, 0.5]
    for draws in ("shared", "per_site"):
        p = lisa(s, weights=w, permutations=999, seed=3, draws=draws).frame.p_sim.to_numpy()
        assert np.all(np.abs(p - exact) <= 4 * np.sqrt(0.25 / 999) + 1e-3)
    # a triangle: the only possible draw is the real neighbours, so every permuted statistic ties
    tri = build_weights(_sym([("a", "b"), ("b", "c"), ("c", "a")]))
    W = sparse.csr_matrix(tri.graph.sparse)
    assert [exact_folded_p(moran_i, z, W, i) for i in range(3)] == [1.0, 1.0, 1.0]
    for draws in ("shared", "per_site"):
        assert lisa(s, weights=tri, permutations=999, seed=3, draws=draws).frame.p_sim.tolist() == [1.0] * 3
    # esda's fold min(#>=, P - #>=) puts every tie on one side: 0.001, "significant"
    assert lisa(s, weights=tri, permutations=999, seed=3, ties="esda").frame.p_sim.tolist() == [0.001] * 3


def test_per_site_draws_match_exact_enumeration_and_are_reproducible():
    rng = np.random.default_rng(1)
    codes = [f"u{i}" for i in range(7)]
    w = build_weights(_sym([(codes[i], codes[(i + 1) % 7]) for i in range(7)] + [("u0", "u3")]))
    s = pd.Series(rng.integers(0, 4, 7).astype(float), index=codes)  # integers: many exact ties
    from scipy import sparse

    W = sparse.csr_matrix(w.graph.sparse)
    W.sort_indices()
    y = s.loc[w.ids].to_numpy()
    z = (y - y.mean()) / y.std()
    moran_i = lambda i, zz, ww: 6 * z[i] * (zz @ ww) / (z @ z)
    exact = np.array([exact_folded_p(moran_i, z, W, i) for i in range(7)])
    a = lisa(s, weights=w, permutations=4999, seed=11, draws="per_site").frame.p_sim.to_numpy()
    b = lisa(s, weights=w, permutations=4999, seed=11, draws="per_site").frame.p_sim.to_numpy()
    c = lisa(s, weights=w, permutations=4999, seed=12, draws="per_site").frame.p_sim.to_numpy()
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    se = np.sqrt(np.maximum(exact * (1 - exact), 0.01) / 4999)
    assert np.all(np.abs(a - exact) < 5 * se + 1 / 5000)


def test_getis_ord_formulas_and_classes():
    codes = [f"{i:02d}" for i in range(12)]
    w = build_weights(_sym([(codes[i], codes[(i + 1) % 12]) for i in range(12)]), transform="b")
    y = np.r_[np.full(6, 9.0), np.ones(6)] + np.arange(12) / 10
    df = pd.DataFrame({"code": codes, "x": y, "name": [f"R{i}" for i in range(12)]})
    r = getis_ord(df, value="x", weights=w, star=True, permutations=999, seed=2).frame
    # Gi* with binary weights: (y_i + y_{i-1} + y_{i+1}) / sum(y), Ord & Getis (1995)
    ring = y + np.roll(y, 1) + np.roll(y, -1)
    np.testing.assert_allclose(r.G, ring / y.sum(), rtol=1e-14)
    n = 12
    mean, var = y.mean(), y.var()
    ez = 3 / n
    vg = 3 * (n - 3) / (n - 1) / n**2 * var / mean**2
    np.testing.assert_allclose(r.EG, ez, rtol=1e-14)
    np.testing.assert_allclose(r.z, (ring / y.sum() - ez) / np.sqrt(vg), rtol=1e-12)
    gi = getis_ord(df, value="x", weights=w, star=False, permutations=0).frame
    np.testing.assert_allclose(gi.G, (np.roll(y, 1) + np.roll(y, -1)) / (y.sum() - y), rtol=1e-14)
    # classes: hot where G is high and p small, sign follows z
    assert set(r.hotspot) <= {"hot 99%", "hot 95%", "hot 90%", "ns", "cold 90%", "cold 95%", "cold 99%"}
    assert (r.gi_bin[r.hotspot.str.startswith("hot")] > 0).all() and (r.z[r.gi_bin > 0] > 0).all()
    assert (r.gi_bin[r.hotspot.str.startswith("cold")] < 0).all()
    lvl = np.select([r.p_sim < 0.01, r.p_sim < 0.05, r.p_sim < 0.1], [3, 2, 1], 0)
    assert np.array_equal(np.abs(r.gi_bin), lvl)
    a0 = getis_ord(df, value="x", weights=w, permutations=0).frame
    p2 = a0.p_norm
    lvl = np.select([p2 < 0.01, p2 < 0.05, p2 < 0.1], [3, 2, 1], 0)
    assert np.array_equal(np.abs(a0.gi_bin), lvl)  # ArcGIS: two-sided normal p without permutations
    bon = getis_ord(df, value="x", weights=w, permutations=999, seed=2, adjust="bonferroni").frame
    np.testing.assert_allclose(bon.p_adj, np.minimum(r.p_sim * 12, 1))
    assert "label" in r.columns and r.label.iloc[0] == "R0"


def test_local_geary_and_join_counts_formulas():
    codes = list("abcdef")
    w = build_weights(_sym([(codes[i], codes[(i + 1) % 6]) for i in range(6)]))
    x = np.array([1.0, 2, 3, 4, 5, 6])
    df = pd.DataFrame({"code": codes, "x": x, "u": x[::-1] ** 2, "hit": [1, 1, 1, 0, 0, 1]})
    z = (x - x.mean()) / x.std()
    c = local_geary(df, value="x", weights=w, permutations=99, seed=1).frame
    np.testing.assert_allclose(c.c, 0.5 * ((z - np.roll(z, 1)) ** 2 + (z - np.roll(z, -1)) ** 2), rtol=1e-14)
    zu = (df.u - df.u.mean()) / df.u.std(ddof=0)
    mv = local_geary(df, value=["x", "u"], weights=w, permutations=99, seed=1).frame
    cu = 0.5 * ((zu - np.roll(zu, 1)) ** 2 + (zu - np.roll(zu, -1)) ** 2)
    np.testing.assert_allclose(mv.c, (c.c + cu) / 2, rtol=1e-13)
    lj = join_counts_local(df, value="hit", weights=w, permutations=99, seed=1).frame
    assert lj.BB.tolist() == [2.0, 2.0, 1.0, 0.0, 0.0, 1.0]
    assert lj.p_sim[lj.BB == 0].isna().all()
    g = join_counts(df, value="hit", weights=w, permutations=0)
    assert (g.bb, g.ww, g.bw, g.J) == (3.0, 1.0, 2.0, 6.0)
    with pytest.raises(InputError, match="binary"):
        join_counts_local(df, value="x", weights=w)
    with pytest.raises(InputError, match="draws"):
        local_geary(df, value="x", weights=w, draws="independent")
    with pytest.raises(InputError, match="negative"):
        getis_ord(df.assign(x=x - 3), value="x", weights=w)


def test_kept_island_is_neighborless_everywhere():
    t = pd.concat([_sym([("a", "b"), ("b", "c"), ("c", "d"), ("d", "a")]),
                   pd.DataFrame({"code": ["e"], "neighbour": [None]})])
    w = build_weights(t, islands="keep")
    df = pd.DataFrame({"code": list("abcde"), "x": [1.0, 2, 5, 3, 9], "b": [1, 1, 0, 0, 1]})
    assert getis_ord(df, value="x", weights=w, permutations=99, seed=1).frame.set_index("code").loc["e", "hotspot"] \
        == "neighborless"
    assert local_geary(df, value="x", weights=w, permutations=99, seed=1).frame.cluster.iloc[-1] == "neighborless"
    assert join_counts_local(df, value="b", weights=w, permutations=99, seed=1).frame.cluster.iloc[-1] == "neighborless"
    f = lisa(df, "x", weights=w, permutations=99, seed=1).frame
    assert f.cluster.iloc[-1] == "ns" and f.map_class.iloc[-1] == "neighborless"
    assert f.significance.iloc[-1] == "neighborless"


@pytest.mark.slow
def test_local_statistics_equal_esda_on_columbus(columbus):
    """Statistics bitwise; p-values equal esda's for the same draws (esda stores them as float32)."""
    import esda

    df, w = columbus
    g = w.graph
    y = df.set_index("code").loc[w.ids, "CRIME"].to_numpy(float)
    for star in (True, False):
        m = esda.G_Local(y, g, transform="R", star=star, permutations=999, seed=5)
        r = getis_ord(df, value="CRIME", weights=w, star=star, permutations=999, seed=5, ties="esda").frame
        assert np.array_equal(r.G, m.Gs) and np.array_equal(r.z, m.Zs) and np.array_equal(r.VG, m.VGs)
        np.testing.assert_allclose(r.p_norm, 2 * m.p_norm, rtol=1e-15)
        assert np.array_equal(r.p_sim.astype(np.float32), m.p_sim)
    # esda's local Geary and join counts draw their crand seed from numpy's global generator
    np.random.seed(3)
    s = np.random.randint(12345, 12345000)
    np.random.seed(3)
    lg = esda.Geary_Local(connectivity=g, permutations=999).fit(y)
    r = local_geary(df, value="CRIME", weights=w, permutations=999, seed=s, ties="esda").frame
    assert np.array_equal(r.c, lg.localG) and np.array_equal(r.p_sim.astype(np.float32), lg.p_sim)
    b = (y > np.median(y)).astype(float)
    df2 = df.assign(hi=(np.median(y) < df.CRIME).astype(int))
    np.random.seed(4)
    s = np.random.randint(12345, 12345000)
    np.random.seed(4)
    lj = esda.Join_Counts_Local(connectivity=g, permutations=999).fit(b)
    r = join_counts_local(df2, value="hi", weights=w, permutations=999, seed=s, ties="esda").frame
    assert np.array_equal(r.BB, lj.LJC)
    assert np.array_equal(r.p_sim.fillna(-1).astype(np.float32), np.nan_to_num(lj.p_sim, nan=-1))
    np.random.seed(7)
    jc = esda.Join_Counts(b, g, permutations=99)
    r = join_counts(df2, value="hi", weights=w, permutations=99, seed=7)
    assert (r.bb, r.bw, r.ww, r.p_sim_bb, r.p_sim_bw) == (jc.bb, jc.bw, jc.ww, jc.p_sim_bb, jc.p_sim_bw)
    x2 = df.set_index("code").loc[w.ids, "INC"].to_numpy(float)
    mv = esda.Geary_Local_MV(connectivity=g, permutations=0).fit([y, x2])
    r = local_geary(df, value=["CRIME", "INC"], weights=w, permutations=0).frame
    assert np.array_equal(r.c, mv.localG)
    # tolerance ties differ from esda only by ties: never by more than a few draws here
    t = getis_ord(df, value="CRIME", weights=w, permutations=999, seed=5).frame
    e = getis_ord(df, value="CRIME", weights=w, permutations=999, seed=5, ties="esda").frame
    assert (np.abs(t.p_sim - e.p_sim) <= 3 / 1000 + 1e-12).all()
