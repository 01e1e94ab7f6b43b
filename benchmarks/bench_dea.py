"""DEA speed: linear programs per second on the synthetic 30-province x 13-year panel.

Workload: SBM with undesirable outputs (4 inputs, 3 desirable, 2 undesirable outputs),
meta-frontier by east/central/west with contemporaneous (per-year) frontiers - 390 units
rated against their group-year frontier and against the year's meta-frontier = 780 LPs;
``--full`` adds the pooled frontiers (780 LPs against frontiers of up to 390 units) and
CCR/BCC per year (two phases each).

Compared in the same run:

* ``naive``  - a textbook loop: for every unit, build its LP matrix from scratch with
  Python loops and call ``scipy.optimize.linprog(method="highs")``;
* ``unit``   - our per-unit path: the constraint matrix built once with numpy, only the
  unit's own columns overwritten, one ``linprog`` call per unit;
* ``block``  - our default: chunks of units stacked into one block-diagonal sparse LP, one
  HiGHS call per chunk (chunk sizes 16, 64, 256 are timed).

All methods must give the same scores (max abs difference printed).

Usage: python benchmarks/bench_dea.py [--quick] [--full] [--seed N]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from scipy.optimize import linprog

from spatialhealth.efficiency import _lp, dea, metafrontier, sbm, synthetic_panel
from spatialhealth.efficiency.synthetic import (SYNTHETIC_INPUTS, SYNTHETIC_OUTPUTS,
                                                SYNTHETIC_UNDESIRABLE)

INS, OUTS, BADS = list(SYNTHETIC_INPUTS), list(SYNTHETIC_OUTPUTS), list(SYNTHETIC_UNDESIRABLE)


def naive_sbm(X, Yg, Yb):
    """Tone's SBM (undesirable outputs, CRS) with a matrix rebuilt per unit by Python loops."""
    n, m = X.shape
    s1, s2 = Yg.shape[1], Yb.shape[1]
    s = s1 + s2
    out = np.empty(n)
    for o in range(n):
        nv = 1 + n + m + s  # t, Lam, S-, Sg, Sb
        rows, rhs = [], []
        row = [0.0] * nv
        row[0] = 1.0
        for r in range(s1):
            row[1 + n + m + r] = 1.0 / (s * Yg[o, r])
        for r in range(s2):
            row[1 + n + m + s1 + r] = 1.0 / (s * Yb[o, r])
        rows.append(row)
        rhs.append(1.0)
        for i in range(m):
            row = [0.0] * nv
            row[0] = -X[o, i]
            for j in range(n):
                row[1 + j] = X[j, i]
            row[1 + n + i] = 1.0
            rows.append(row)
            rhs.append(0.0)
        for r in range(s1):
            row = [0.0] * nv
            row[0] = -Yg[o, r]
            for j in range(n):
                row[1 + j] = Yg[j, r]
            row[1 + n + m + r] = -1.0
            rows.append(row)
            rhs.append(0.0)
        for r in range(s2):
            row = [0.0] * nv
            row[0] = -Yb[o, r]
            for j in range(n):
                row[1 + j] = Yb[j, r]
            row[1 + n + m + s1 + r] = 1.0
            rows.append(row)
            rhs.append(0.0)
        c = [0.0] * nv
        c[0] = 1.0
        for i in range(m):
            c[1 + n + i] = -1.0 / (m * X[o, i])
        res = linprog(c, A_eq=np.array(rows), b_eq=rhs, bounds=(0, None), method="highs")
        out[o] = res.fun
    return out


def naive_metafrontier(panel):
    te_g = np.empty(len(panel))
    te_m = np.empty(len(panel))
    n_lps = 0
    for _, part in panel.groupby("year"):
        pos = part.index.to_numpy()
        te_m[pos] = naive_sbm(part[INS].to_numpy(float), part[OUTS].to_numpy(float),
                              part[BADS].to_numpy(float))
        n_lps += len(pos)
        for _, g in part.groupby("region3"):
            gp = g.index.to_numpy()
            te_g[gp] = naive_sbm(g[INS].to_numpy(float), g[OUTS].to_numpy(float),
                                 g[BADS].to_numpy(float))
            n_lps += len(gp)
    return te_m / te_g, n_lps


def timed(fn, repeat):
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="one repetition, fewer chunk sizes")
    ap.add_argument("--full", action="store_true", help="add pooled frontiers and CCR/BCC")
    ap.add_argument("--seed", type=int, default=20201101)
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore", UserWarning)
    panel = synthetic_panel(seed=args.seed)
    repeat = 1 if args.quick else 3
    print(f"panel: {len(panel)} province-years (SYNTHETIC), inputs {len(INS)}, desirable "
          f"{len(OUTS)}, undesirable {len(BADS)}; best of {repeat}")
    print(f"\n== SBM with undesirable outputs, meta-frontier by region3, contemporaneous")
    print(f"{'method':22s}{'LPs':>7s}{'HiGHS calls':>13s}{'seconds':>10s}{'LPs/s':>10s}"
          f"{'speed-up':>10s}{'max|diff|':>12s}")
    t_naive, (tgr_naive, n_naive) = timed(lambda: naive_metafrontier(panel), repeat)
    rows = [("naive (rebuild + linprog)", n_naive, n_naive, t_naive, 0.0)]

    calls = {"n": 0}
    orig = _lp.linprog

    def counting(*a, **k):
        calls["n"] += 1
        return orig(*a, **k)

    _lp.linprog = counting
    try:
        variants = [("unit", _lp.DEFAULT_CHUNK)] + [
            ("block", c) for c in ((64,) if args.quick else (16, 64, 256))]
        if _lp.have_highspy():
            variants.append(("highspy", 0))
        for method, chunk in variants:
            old = _lp.DEFAULT_CHUNK
            _lp.DEFAULT_CHUNK = chunk
            try:
                calls["n"] = 0

                def run():
                    return metafrontier(panel, INS, OUTS, "region3", BADS, time="year",
                                        method=method)

                t, res = timed(run, repeat)
                n_calls = calls["n"] // repeat if method != "highspy" else res.n_lps
            finally:
                _lp.DEFAULT_CHUNK = old
            diff = float(np.max(np.abs(res.tgr.to_numpy() - tgr_naive)))
            label = {"unit": "ours: unit (reuse)", "highspy": "ours: highspy warm"}.get(
                method, f"ours: block, chunk {chunk}")
            rows.append((label, res.n_lps, n_calls, t, diff))
    finally:
        _lp.linprog = orig
    for label, n, c, t, diff in rows:
        print(f"{label:22s}{n:7d}{c:13d}{t:10.3f}{n / t:10.0f}{t_naive / t:9.1f}x{diff:12.1e}")

    if args.full:
        methods = ["block"] + (["highspy"] if _lp.have_highspy() else [])
        print("\n== further workloads (ours)")
        print(f"{'workload':42s}{'LPs':>6s}" + "".join(f"{m + ' s':>11s}{'LPs/s':>8s}" for m in methods)
              + ("   highspy/block" if len(methods) > 1 else ""))
        work = [
            ("SBM-undesirable meta-frontier, pooled", lambda m: metafrontier(
                panel, INS, OUTS, "region3", BADS, time="year", frontier="pooled", method=m)),
            ("SBM-DDF per year", lambda m: sbm(panel, INS, OUTS, BADS, by="year",
                                               direction="observed", method=m)),
            ("CCR input per year (2 phases)", lambda m: dea(panel, INS, OUTS, "ccr", by="year",
                                                            method=m)),
            ("BCC output per year (2 phases)", lambda m: dea(panel, INS, OUTS, "bcc", "output",
                                                             by="year", method=m)),
            ("SBM-undesirable, one pooled frontier", lambda m: sbm(panel, INS, OUTS, BADS,
                                                                   method=m)),
        ]
        for label, fn in work:
            line, times = f"{label:42s}", []
            for m in methods:
                t, res = timed(lambda: fn(m), repeat)
                times.append(t)
                if m == methods[0]:
                    line += f"{res.n_lps:6d}"
                line += f"{t:11.3f}{res.n_lps / t:8.0f}"
            if len(times) > 1:
                line += f"{times[0] / times[1]:14.1f}x"
            print(line)


if __name__ == "__main__":
    main()
