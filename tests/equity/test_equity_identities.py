"""Identities and second implementations for the equity measures."""

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from spatialhealth.equity import (
    cluster_regions, concentration_index, dagum_gini, gini, health_distance, kmeans_1d, theil,
)
from spatialhealth.equity.dagum import pair_sums


def random_table(seed, n=25, groups=3):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "res": rng.gamma(2.0, 50.0, n),
        "pop": rng.integers(1, 60, n).astype(float),
        "gdp": rng.normal(size=n),
        "g": rng.integers(0, groups, n).astype(str),
    })


# ---------------------------------------------------------------- Gini


def gini_mean_difference(per_capita, weights):
    """Second implementation: Σ_i Σ_j w_i w_j |y_i - y_j| / (2 μ), w = population shares."""
    w = weights / weights.sum()
    mu = np.sum(w * per_capita)
    return float(np.sum(np.outer(w, w) * np.abs(per_capita[:, None] - per_capita[None, :])) / (2 * mu))


@pytest.mark.parametrize("seed", range(5))
def test_gini_lorenz_equals_mean_difference(seed):
    df = random_table(seed)
    res = gini(df, "res", "pop")
    assert res.value == pytest.approx(gini_mean_difference((df["res"] / df["pop"]).to_numpy(), df["pop"].to_numpy()), abs=1e-12)


def test_gini_grouped_equals_expanded_individuals():
    df = random_table(7, n=12)
    per = (df["res"] / df["pop"]).to_numpy()
    expanded = np.repeat(per, df["pop"].astype(int))
    ind = pd.DataFrame({"y": expanded})
    assert gini(df, "res", "pop").value == pytest.approx(gini(ind, "y").value, abs=1e-12)


def test_gini_extremes():
    eq = pd.DataFrame({"r": [2.0, 4.0, 6.0], "p": [1.0, 2.0, 3.0]})
    assert gini(eq, "r", "p").value == pytest.approx(0.0, abs=1e-15)
    one = pd.DataFrame({"r": [0.0, 0.0, 0.0, 10.0], "p": [1.0, 1.0, 1.0, 1.0]})
    assert gini(one, "r", "p").value == pytest.approx(0.75)  # (n-1)/n for one holder


# ---------------------------------------------------------------- concentration index


@pytest.mark.parametrize("seed", range(5))
def test_concentration_ranked_by_itself_is_gini(seed):
    df = random_table(seed)
    df["pc"] = df["res"] / df["pop"]
    ci = concentration_index(df, "res", "pop", rank_by="pc")
    assert ci.value == pytest.approx(gini(df, "res", "pop").value, abs=1e-12)
    assert ci.covariance == pytest.approx(ci.value, abs=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_concentration_geometric_equals_covariance_with_ties(seed):
    df = random_table(seed)
    df["rank_var"] = np.round(df["gdp"], 0)  # many ties
    ci = concentration_index(df, "res", "pop", rank_by="rank_var")
    assert ci.value == pytest.approx(ci.covariance, abs=1e-12)
    # ranking by the reverse variable flips the sign
    df["neg"] = -df["rank_var"]
    assert concentration_index(df, "res", "pop", "neg").value == pytest.approx(-ci.value, abs=1e-12)
    assert abs(ci.value) <= gini(df, "res", "pop").value + 1e-12


def test_concentration_weighted_regression_form():
    # Kakwani et al. (1997): 2 var(R) h_i / mu = alpha + beta R_i gives beta = CI (weighted LS)
    df = random_table(3, n=40)
    ci = concentration_index(df, "res", "pop", "gdp")
    order = np.argsort(df["gdp"].to_numpy())
    p = (df["pop"] / df["pop"].sum()).to_numpy()[order]
    h = (df["res"] / df["pop"]).to_numpy()[order]
    r = np.cumsum(p) - p / 2
    mu = np.sum(p * h)
    var_r = np.sum(p * (r - np.sum(p * r)) ** 2)
    y = 2 * var_r * h / mu
    X = np.column_stack([np.ones_like(r), r])
    W = np.diag(p)
    beta = np.linalg.solve(X.T @ W @ X, X.T @ W @ y)[1]
    assert ci.value == pytest.approx(beta, abs=1e-12)


# ---------------------------------------------------------------- Theil


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 5), st.sampled_from(["L", "T"]))
def test_theil_decomposition_sums(seed, groups, kind):
    df = random_table(seed, n=20, groups=groups)
    assume(df["g"].nunique() >= 2)  # a draw with one group says nothing about the decomposition
    res = theil(df, "res", "pop", group="g", kind=kind)
    assert res.between + res.within == pytest.approx(res.value, abs=1e-13)
    assert res.groups["contribution"].sum() + res.between_share == pytest.approx(1.0, abs=1e-9)
    assert res.value >= 0 and res.between >= -1e-15


def test_theil_L_equals_mean_log_deviation_of_expanded_data():
    df = random_table(11, n=10)
    res = theil(df, "res", "pop")
    per = np.repeat((df["res"] / df["pop"]).to_numpy(), df["pop"].astype(int))
    mld = np.mean(np.log(per.mean() / per))
    t = np.mean(per / per.mean() * np.log(per / per.mean()))
    assert res.value == pytest.approx(mld, abs=1e-12)
    assert theil(df, "res", "pop", kind="T").value == pytest.approx(t, abs=1e-12)


# ---------------------------------------------------------------- Dagum


def dagum_naive(y, g):
    """Second implementation with explicit pairwise matrices."""
    y, g = np.asarray(y, float), np.asarray(g)
    n, mu = len(y), y.mean()
    total = np.abs(y[:, None] - y[None, :]).sum() / (2 * n * n * mu)
    names = sorted(set(g), key=lambda k: y[g == k].mean())
    gw = gnb = gt = 0.0
    for j, a in enumerate(names):
        ya = y[g == a]
        pa, sa = len(ya) / n, len(ya) * ya.mean() / (n * mu)
        gw += np.abs(ya[:, None] - ya[None, :]).sum() / (2 * len(ya) ** 2 * ya.mean()) * pa * sa
        for b in names[:j]:
            yb = y[g == b]
            pb, sb = len(yb) / n, len(yb) * yb.mean() / (n * mu)
            diff = ya[:, None] - yb[None, :]
            gjh = np.abs(diff).sum() / (len(ya) * len(yb) * (ya.mean() + yb.mean()))
            d = np.maximum(diff, 0).mean()
            p = np.maximum(-diff, 0).mean()
            D = (d - p) / (d + p)
            gnb += gjh * (pa * sb + pb * sa) * D
            gt += gjh * (pa * sb + pb * sa) * (1 - D)
    return total, gw, gnb, gt


@pytest.mark.parametrize("seed", range(6))
def test_dagum_matches_naive_and_sums(seed):
    df = random_table(seed, n=30, groups=4)
    df["pc"] = df["res"] / df["pop"]
    res = dagum_gini(df, "pc", "g")
    total, gw, gnb, gt = dagum_naive(df["pc"], df["g"])
    assert (res.total, res.within, res.between, res.transvariation) == pytest.approx(
        (total, gw, gnb, gt), abs=1e-12)
    assert res.within + res.between + res.transvariation == pytest.approx(res.total, abs=1e-13)
    assert res.within_share + res.between_share + res.transvariation_share == pytest.approx(1.0)
    # the overall Dagum Gini is the unweighted Gini of the values
    assert res.total == pytest.approx(gini(df, "pc").value, abs=1e-12)
    # groups ordered by mean; D_jh in [0, 1] because j is the richer group
    assert res.groups["mean"].is_monotonic_increasing
    assert ((res.pairs["D_jh"] >= 0) & (res.pairs["D_jh"] <= 1)).all()
    m = res.between_matrix
    assert np.allclose(m.to_numpy(), m.to_numpy().T)


def test_dagum_separated_groups_have_no_transvariation():
    df = pd.DataFrame({"y": [1.0, 2.0, 3.0, 10.0, 11.0, 12.0], "g": list("aaabbb")})
    res = dagum_gini(df, "y", "g")
    assert res.transvariation == pytest.approx(0.0, abs=1e-15)
    assert res.pairs["D_jh"].iloc[0] == pytest.approx(1.0)
    assert res.pairs["p_jh"].iloc[0] == 0.0
    assert res.pairs["d_jh"].iloc[0] == pytest.approx(9.0)  # mean of b - a over 9 pairs


def test_pair_sums_against_broadcast():
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=17), rng.normal(size=23)
    a[3] = b[4]  # a tie
    pos, neg = pair_sums(a, b)
    diff = a[:, None] - b[None, :]
    assert pos == pytest.approx(np.maximum(diff, 0).sum(), abs=1e-12)
    assert neg == pytest.approx(np.maximum(-diff, 0).sum(), abs=1e-12)


# ---------------------------------------------------------------- exact 1-D k-means


def brute_force_kmeans(x, k):
    """Minimum SSE over every partition of the sorted values into k contiguous blocks,
    and over every assignment of values to k clusters (small n)."""
    best = np.inf
    for assign in itertools.product(range(k), repeat=len(x)):
        assign = np.array(assign)
        if len(set(assign)) != k:
            continue
        sse = sum(((x[assign == c] - x[assign == c].mean()) ** 2).sum() for c in range(k))
        best = min(best, sse)
    return best


@pytest.mark.parametrize("seed,n,k", [(0, 7, 2), (1, 7, 3), (2, 8, 3), (3, 6, 4), (4, 8, 2), (5, 7, 4)])
def test_kmeans_1d_is_optimal(seed, n, k):
    x = np.round(np.random.default_rng(seed).gamma(2.0, 1.0, n), 2)
    labels, centres, sse = kmeans_1d(x, k)
    assert sse == pytest.approx(brute_force_kmeans(x, k), abs=1e-10)
    own = sum(((x[labels == c] - x[labels == c].mean()) ** 2).sum() for c in range(1, k + 1))
    assert own == pytest.approx(sse, abs=1e-10)
    assert np.all(np.diff(centres) > 0) and set(labels) == set(range(1, k + 1))


def test_kmeans_1d_beats_or_equals_lloyd():
    from scipy.cluster.vq import kmeans2

    x = np.random.default_rng(9).normal(size=200)
    _, _, sse = kmeans_1d(x, 5)
    for seed in range(5):
        c, lab = kmeans2(x.reshape(-1, 1), 5, seed=seed, minit="++")
        lloyd = sum(((x[lab == i] - x[lab == i].mean()) ** 2).sum() for i in set(lab))
        assert sse <= lloyd + 1e-9


def test_health_distance_formula_and_classification():
    actual = pd.DataFrame({"doctors": [0.02, 0.05, 0.04], "beds": [0.03, 0.02, 0.05]},
                          index=["a", "b", "c"])
    ideal = pd.Series({"a": 0.025, "b": 0.04, "c": 0.05})  # one ideal share per row
    res = health_distance(actual, ideal, weights={"doctors": 0.6, "beds": 0.4})
    expected = [0.6 * 0.005 / 0.025 + 0.4 * 0.005 / 0.025,
                0.6 * 0.01 / 0.04 + 0.4 * 0.02 / 0.04,
                0.6 * 0.01 / 0.05 + 0.0]
    np.testing.assert_allclose(res.values, expected, rtol=1e-12)
    lev = res.classify(cuts=[0.2, 0.3])
    assert lev.tolist() == [2, 3, 1]
    assert res.classify(k=2).tolist() == [1, 2, 1]


# ---------------------------------------------------------------- clustering


def naive_average_linkage(d, k):
    """Second implementation: agglomerate by mean cross-pair distance until k clusters."""
    clusters = [[i] for i in range(len(d))]
    while len(clusters) > k:
        best = None
        for a in range(len(clusters)):
            for b in range(a + 1, len(clusters)):
                dist = d[np.ix_(clusters[a], clusters[b])].mean()
                if best is None or dist < best[0]:
                    best = (dist, a, b)
        _, a, b = best
        clusters[a] = clusters[a] + clusters[b]
        del clusters[b]
    labels = np.empty(len(d), dtype=int)
    for c, members in enumerate(clusters):
        labels[members] = c
    return labels


def same_partition(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return all((a[i] == a[j]) == (b[i] == b[j]) for i in range(len(a)) for j in range(len(a)))


@pytest.mark.parametrize("seed,k", [(0, 2), (1, 3), (2, 4), (3, 5)])
def test_clustering_matches_direct_average_linkage(seed, k):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(rng.normal(size=(20, 3)) * [1, 10, 100] + [0, 5, 50], columns=list("xyz"))
    res = cluster_regions(df, ["x", "y", "z"], k)
    z = (df - df.mean()) / df.std(ddof=1)
    d = ((z.to_numpy()[:, None, :] - z.to_numpy()[None, :, :]) ** 2).sum(-1)
    assert same_partition(res.labels, naive_average_linkage(d, k))
    assert res.labels.iloc[0] == 1 and res.labels.max() == k  # SPSS numbering
    # merge heights are average squared Euclidean distances of z-scores
    assert res.linkage[0, 2] == pytest.approx(d[np.triu_indices(20, 1)].min())


def test_perfect_equality_is_exactly_zero_not_negative():
    # per-capita values all equal: rounding used to give -2.2e-16
    df = pd.DataFrame({"res": [2.0, 0.5, 55.0, 1.0, 313184.0, 23660.0, 174.0],
                       "pop": [2.0, 0.5, 55.0, 1.0, 313184.0, 23660.0, 174.0],
                       "g": list("aaaabbb")})
    assert gini(df, "res", "pop").value == 0.0
    for kind in ("L", "T"):
        t = theil(df, "res", "pop", group="g", kind=kind)
        assert t.value >= 0 and t.between >= 0 and t.within >= 0


def kmeans_1d_quadratic(x, k):
    """Second implementation: the plain O(k n^2) dynamic programme (no monotonicity shortcut)."""
    xs = np.sort(np.asarray(x, float))
    n = len(xs)
    s1 = np.concatenate([[0.0], np.cumsum(xs)])
    s2 = np.concatenate([[0.0], np.cumsum(xs * xs)])

    def cost(i, j):
        s = s1[j + 1] - s1[i]
        return (s2[j + 1] - s2[i]) - s * s / (j - i + 1)

    D = np.full((k, n), np.inf)
    D[0] = cost(np.zeros(n, int), np.arange(n))
    for m in range(1, k):
        for j in range(m, n):
            i = np.arange(m, j + 1)
            D[m, j] = np.min(D[m - 1, i - 1] + cost(i, j))
    return D[k - 1, n - 1]


@pytest.mark.parametrize("seed,n,k", [(0, 300, 2), (1, 300, 5), (2, 250, 8), (3, 120, 12), (4, 60, 30)])
def test_kmeans_1d_divide_and_conquer_equals_quadratic_dp(seed, n, k):
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.normal(c, 0.3, n // 4) for c in (0, 2, 3, 7)])
    x = np.round(x, 1)  # many ties
    _, _, sse = kmeans_1d(x, k)
    assert sse == pytest.approx(kmeans_1d_quadratic(x, k), rel=1e-9, abs=1e-9)
