"""Speed of the equity measures on county-sized data, against baselines run in the same process.

    python benchmarks/bench_equity.py            # n = 2,875 (all counties), a few seconds
    python benchmarks/bench_equity.py --quick    # n = 800

Baselines:
* Dagum Gini: the textbook pairwise computation (explicit n_j x n_h difference
  matrices per group pair) vs ours (sorted values + prefix sums).
* Gini: the pairwise mean-difference formula (n x n) vs ours (grouped Lorenz, sort).
* 1-D k-means: our exact dynamic programme (compiled, divide and conquer, O(k n log n))
  vs the plain O(k n^2) numpy dynamic programme (same optimum) and vs scipy's Lloyd
  k-means (kmeans2, k-means++ start, 10 restarts; time and within-cluster SSE).
* Clustering: the full SPSS-default pipeline (z-scores, squared Euclidean, average
  linkage via scipy) on all rows.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd


def timed(fn, repeat=3):
    best = np.inf
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def dagum_naive(y, g):
    n, mu = len(y), y.mean()
    names = sorted(set(g), key=lambda k: y[g == k].mean())
    total = np.abs(y[:, None] - y[None, :]).sum() / (2 * n * n * mu)
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
            d, p = np.maximum(diff, 0).mean(), np.maximum(-diff, 0).mean()
            D = (d - p) / (d + p)
            gnb += gjh * (pa * sb + pb * sa) * D
            gt += gjh * (pa * sb + pb * sa) * (1 - D)
    return total, gw, gnb, gt


def kmeans_quadratic(x, k):
    """The plain O(k n^2) dynamic programme (numpy inner loop); returns the minimum SSE."""
    xs = np.sort(x)
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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller problem (n = 800)")
    parser.add_argument("--n", type=int, default=None, help="number of regions (default 2875)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    n = args.n or (800 if args.quick else 2875)

    from scipy.cluster.vq import kmeans2

    from spatialhealth.equity import cluster_regions, dagum_gini, gini, kmeans_1d

    rng = np.random.default_rng(args.seed)
    df = pd.DataFrame({
        "beds": rng.gamma(3.0, 200.0, n),
        "pop": rng.integers(5_000, 2_000_000, n).astype(float),
        "zone": rng.choice(["north", "northeast", "east", "south_central", "southwest", "northwest"], n),
        "x2": rng.normal(size=n), "x3": rng.gamma(2.0, 1.0, n),
    })
    df["pc"] = df["beds"] / df["pop"] * 1e3
    print(f"equity benchmarks, n = {n} regions")

    t_ours, res = timed(lambda: dagum_gini(df, "pc", "zone"))
    t_base, ref = timed(lambda: dagum_naive(df["pc"].to_numpy(), df["zone"].to_numpy()), repeat=1)
    agree = np.allclose((res.total, res.within, res.between, res.transvariation), ref, atol=1e-12)
    print(f"Dagum Gini, 6 groups   ours {t_ours * 1e3:8.1f} ms   pairwise baseline {t_base * 1e3:8.1f} ms"
          f"   speed-up x{t_base / t_ours:6.1f}   agree={agree}")

    y, w = df["pc"].to_numpy(), df["pop"].to_numpy()

    def gini_pairwise():
        p = w / w.sum()
        return float(np.sum(np.outer(p, p) * np.abs(y[:, None] - y[None, :])) / (2 * np.sum(p * y)))

    t_ours, res = timed(lambda: gini(df, "beds", "pop"))
    t_base, ref = timed(gini_pairwise, repeat=1)
    print(f"Gini (Lorenz)          ours {t_ours * 1e3:8.1f} ms   pairwise baseline {t_base * 1e3:8.1f} ms"
          f"   speed-up x{t_base / t_ours:6.1f}   |diff|={abs(res.value - ref):.1e}")

    x = df["pc"].to_numpy()
    kmeans_1d(x[:50], 2)  # load the compiled kernel before timing
    t_ours, (labels, centres, sse) = timed(lambda: kmeans_1d(x, 5))
    t_quad, sse_quad = timed(lambda: kmeans_quadratic(x, 5), repeat=1)
    print(f"1-D k-means k=5          ours {t_ours * 1e3:8.1f} ms   O(kn^2) DP baseline {t_quad * 1e3:8.1f} ms"
          f"   speed-up x{t_quad / t_ours:6.1f}   same SSE={abs(sse - sse_quad) <= 1e-9 * max(1, sse)}")

    def lloyd():
        best = np.inf
        for s in range(10):
            _, lab = kmeans2(x.reshape(-1, 1), 5, seed=s, minit="++")
            best = min(best, sum(((x[lab == c] - x[lab == c].mean()) ** 2).sum() for c in set(lab)))
        return best

    t_base, sse_lloyd = timed(lloyd, repeat=1)
    print(f"                         Lloyd x10 {t_base * 1e3:8.1f} ms   ratio x{t_base / t_ours:6.1f}"
          f"   SSE exact {sse:.6g} vs Lloyd best {sse_lloyd:.6g}")

    t_ours, res = timed(lambda: cluster_regions(df, ["pc", "x2", "x3"], 5), repeat=1)
    print(f"clustering (SPSS defaults) {t_ours * 1e3:8.1f} ms for {n} rows, sizes "
          f"{res.labels.value_counts().sort_index().tolist()}")


if __name__ == "__main__":
    main()
