"""Time MRQAP (spatialhealth.networks.qap) against a naive Python permutation loop.

For the 88- and 288-city mobility networks (binary y -> logit; a seeded valued y -> OLS)
with covariates geo_prox and same_dialect, 1,000 permutations with each method
(Dekker semi-partialling and y-permutation), after a warm-up that compiles the kernels.

The baseline, measured in the same run, is the loop a user would write (and what R sna
does): for every permutation, relabel the matrix, vectorise the dyads and refit with a
standard solver (numpy lstsq for OLS, statsmodels Logit for logit). It is timed on a
subset of the permutations and scaled to 1,000 (per-permutation cost is constant);
the printed ratio is baseline / ours.

Then the 288-city binary logit (the slowest case) with the previous permutation-logit
kernel and the current vectorised one, in the same run, same seed (identical p-values).

Run:  PYTHONPATH=. python benchmarks/bench_qap.py [--quick] [--logit-only]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from spatialhealth.networks import qap_regression
from spatialhealth.networks.ergm.datasets import load_edge_covariates, load_network


def _inputs(name):
    G = load_network(name)
    n = G.number_of_nodes()
    cov = load_edge_covariates(name)
    A = np.zeros((n, n))
    idx = {v: i for i, v in enumerate(G.nodes())}
    for u, v in G.edges():
        A[idx[u], idx[v]] = 1.0
    rng = np.random.default_rng(1)
    valued = rng.poisson(np.exp(0.2 + 0.6 * cov["geo_prox"] + 0.3 * cov["same_dialect"]))
    valued = valued.astype(float) + 3 * A
    np.fill_diagonal(valued, 0)
    return A, valued, cov


def _naive(y, X, family, method, perms):
    """sna-style loop: relabel, vectorise, refit; returns the permuted t/z values."""
    import statsmodels.api as sm

    n = y.shape[0]
    r, c = np.nonzero(~np.eye(n, dtype=bool))
    D = np.column_stack([np.ones(r.size)] + [M[r, c] for M in X.values()])
    k = D.shape[1]

    def tvals(yv, Dm):
        if family == "ols":
            beta, *_ = np.linalg.lstsq(Dm, yv, rcond=None)
            res = yv - Dm @ beta
            s2 = res @ res / (Dm.shape[0] - Dm.shape[1])
            return beta / np.sqrt(s2 * np.diag(np.linalg.inv(Dm.T @ Dm)))
        return sm.Logit(yv, Dm).fit(disp=0).tvalues

    if method == "y-permutation":
        return np.array([tvals(y[np.ix_(p, p)][r, c], D) for p in perms])
    out = np.empty((len(perms), k))
    for i in range(k):  # as sna: residualise x_i once, then permute it
        Do = np.delete(D, i, axis=1)
        e = D[:, i] - Do @ np.linalg.lstsq(Do, D[:, i], rcond=None)[0]
        E = np.zeros((n, n))
        E[r, c] = e
        for b, p in enumerate(perms):
            out[b, i] = tvals(y[r, c], np.column_stack([Do, E[np.ix_(p, p)][r, c]]))[-1]
    return out


def main(quick=False):
    perms = 200 if quick else 1000
    print(f"MRQAP, {perms} permutations (numba threads: ", end="")
    import numba

    print(f"{numba.get_num_threads()})")
    # warm-up: compile every kernel once
    A, V, cov = _inputs("mobility88")
    import spatialhealth.networks.qap as Q

    for fast in (False, True):
        Q._FAST_LOGIT = fast
        for y in (A, V):
            for method in ("dekker", "y-permutation"):
                qap_regression(y[:20, :20], {k: v[:20, :20] for k, v in cov.items()},
                               method=method, permutations=5, seed=0)
    print("seconds for all permutations; CPU = process CPU time (all threads), robust to a "
          "loaded machine; naive timed on a subset and scaled")
    print(f"{'network':<12}{'family':<7}{'method':<15}{'ours wall':>10}{'ours CPU':>9}"
          f"{'naive wall':>11}{'naive CPU':>10}{'subset':>7}{'ratio wall':>11}{'ratio CPU':>10}")
    for name in ("mobility88", "mobility288"):
        A, V, cov = _inputs(name)
        for family, y in (("ols", V), ("logit", A)):
            for method in ("dekker", "y-permutation"):
                t0, c0 = time.perf_counter(), time.process_time()
                res = qap_regression(y, cov, method=method, family=family,
                                     permutations=perms, seed=1)
                ours, ours_cpu = time.perf_counter() - t0, time.process_time() - c0
                sub = 20 if family == "logit" else 50
                if name == "mobility288":
                    sub //= 2
                rng = np.random.default_rng(2)
                p_sub = [rng.permutation(y.shape[0]) for _ in range(sub)]
                t0, c0 = time.perf_counter(), time.process_time()
                _naive(y, cov, family, method, p_sub)
                naive = (time.perf_counter() - t0) / sub * perms
                naive_cpu = (time.process_time() - c0) / sub * perms
                print(f"{name:<12}{family:<7}{method:<15}{ours:>10.2f}{ours_cpu:>9.2f}"
                      f"{naive:>11.1f}{naive_cpu:>10.1f}{sub:>7}{naive / ours:>10.0f}x"
                      f"{naive_cpu / ours_cpu:>9.0f}x", flush=True)
                assert res.permutations == perms
    _logit_before_after(perms)
    _versus_sna(perms)


def _logit_before_after(perms):
    """Time the 288-city binary MRQAP logit with the previous and the current kernel.

    The previous permutation-logit kernel (sums in strict order, scalar exp:
    ``qap._FAST_LOGIT = False``) and the current one, in the same run, with the same seed;
    the p-values must be identical.
    """
    import spatialhealth.networks.qap as Q

    A, _, cov = _inputs("mobility288")
    print(f"\n288-city logit, {perms} permutations: previous kernel vs vectorised kernel (same run, same seed)")
    print(f"{'method':<15}{'before wall':>12}{'before CPU':>11}{'after wall':>11}{'after CPU':>10}"
          f"{'ratio wall':>11}{'ratio CPU':>10}  max rel diff of the null distribution, p-values")
    try:
        for method in ("dekker", "y-permutation"):
            out = {}
            for fast in (False, True):
                Q._FAST_LOGIT = fast
                t0, c0 = time.perf_counter(), time.process_time()
                res = qap_regression(A, cov, method=method, family="logit", permutations=perms, seed=1)
                out[fast] = (time.perf_counter() - t0, time.process_time() - c0, res)
            (bw, bc, rb), (aw, ac, ra) = out[False], out[True]
            d0, d1 = rb.null_distribution.to_numpy(), ra.null_distribution.to_numpy()
            rel = float(np.nanmax(np.abs(d1 - d0) / np.abs(d0)))
            same = rb.permutation_pvalues.equals(ra.permutation_pvalues)
            print(f"{method:<15}{bw:>12.2f}{bc:>11.2f}{aw:>11.2f}{ac:>10.2f}{bw / aw:>10.1f}x{bc / ac:>9.1f}x"
                  f"  {rel:.1e}, {'identical' if same else 'DIFFERENT'}", flush=True)
    finally:
        Q._FAST_LOGIT = True


def _versus_sna(perms):
    """The 88-city netlogit case of tests/data/networks (5 coefficients, Dekker): our time
    now beside R sna's time recorded when the reference was made on this machine kind."""
    import json
    from pathlib import Path

    ref_file = Path(__file__).resolve().parents[1] / "tests/data/networks/qap_sna_reference.json"
    if not ref_file.exists():
        return
    full = json.loads(ref_file.read_text())
    ref = full["cases"]["mobility88_netlogit_qapspp"]
    A, _, cov = _inputs("mobility88")
    nodes = load_network("mobility88")
    hth = np.array([d["HTH"] for _, d in nodes.nodes(data=True)], dtype=float)
    gdp = np.array([d["GDP"] for _, d in nodes.nodes(data=True)], dtype=float)
    X = {**cov, "hth_in": np.tile(hth, (len(hth), 1)),
         "gdp_absdiff": np.abs(np.subtract.outer(gdp, gdp))}
    t0 = time.perf_counter()
    qap_regression(A, X, family="logit", permutations=perms, seed=1)
    ours = time.perf_counter() - t0  # wall clock, as sna's recorded elapsed time
    sna = ref["seconds"] * perms / ref["reps"]
    print(f"88-city netlogit qapspp, 5 terms, {perms} permutations: ours {ours:.1f} s, "
          f"R sna {full['sna_version']} {sna:.0f} s (recorded run, scaled) -> {sna / ours:.0f}x")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="200 permutations")
    ap.add_argument("--logit-only", action="store_true", help="only the 288-city logit before/after")
    args = ap.parse_args()
    if args.logit_only:
        A, _, cov = _inputs("mobility88")
        import spatialhealth.networks.qap as Q

        for fast in (False, True):  # compile both kernels first
            Q._FAST_LOGIT = fast
            for method in ("dekker", "y-permutation"):
                qap_regression(A[:20, :20], {k: v[:20, :20] for k, v in cov.items()}, method=method,
                               family="logit", permutations=5, seed=0)
        _logit_before_after(200 if args.quick else 1000)
    else:
        main(args.quick)
