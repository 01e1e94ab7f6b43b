"""Placebo-test speed: exact FWL batches vs refitting pyfixest once per draw.

Both compute the same N placebo TWFE coefficients (same random reassignments of
adoption times across units); the script checks they agree and prints the
times and the ratio, all measured in this run.

Panels: the SYNTHETIC 30-province x 13-year panel (with two controls) and the
did2s ``df_het`` panel (1,500 units x 31 years; from tests/data/policy). On the
large panel the naive loop is timed on a subset of draws and its per-draw time
scaled to N (stated in the output).

Usage: python benchmarks/bench_did.py [--quick] [--n 1000]
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd


def naive(df, res, draws, y, unit, time_col, controls=()):
    import pyfixest as pf

    out = []
    rhs = " + ".join(["placebo", *controls])
    for d in draws:
        ft = df[unit].map(res.assignment(d))
        dd = df.assign(placebo=((df[time_col] >= ft) & ft.notna()).astype(float))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out.append(pf.feols(f"{y} ~ {rhs} | {unit} + {time_col}", data=dd).coef()["placebo"])
    return np.array(out)


def bench(label, df, y, treat, unit, time_col, n, n_naive, controls=()):
    from spatialhealth.policy import placebo_test

    placebo_test(df, y, treat, unit, time_col, controls=controls, n=5, seed=0)  # warm-up
    t0 = time.perf_counter()
    res = placebo_test(df, y, treat, unit, time_col, controls=controls, n=n, seed=1)
    t_fast = time.perf_counter() - t0
    draws = np.arange(min(n_naive, n))
    naive(df, res, draws[:2], y, unit, time_col, controls)  # warm-up
    t0 = time.perf_counter()
    ref = naive(df, res, draws, y, unit, time_col, controls)
    t_naive_part = time.perf_counter() - t0
    t_naive = t_naive_part * n / len(draws)
    diff = float(np.max(np.abs(ref - res.estimates[draws])))
    scaled = "" if len(draws) == n else f" (timed {len(draws)} draws, scaled to {n})"
    print(f"\n{label}: {df[unit].nunique()} units x {df[time_col].nunique()} periods, "
          f"{len(controls)} controls, N = {n} placebo draws")
    print(f"  spatialhealth placebo_test (FWL batches): {t_fast:8.3f} s")
    print(f"  naive loop of pyfixest.feols refits     : {t_naive:8.3f} s{scaled}")
    print(f"  ratio naive / ours                      : {t_naive / t_fast:8.1f} x")
    print(f"  max |difference| of the {len(draws)} compared coefficients: {diff:.2e}")
    return t_naive / t_fast


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="N = 100 and fewer naive refits")
    ap.add_argument("--n", type=int, default=1000, help="placebo draws (default 1000)")
    args = ap.parse_args(argv)
    n = 100 if args.quick else args.n

    from spatialhealth.efficiency.synthetic import synthetic_panel

    syn = synthetic_panel(seed=1)
    syn = syn.assign(log_gdp=np.log(syn["gdp_per_capita"]), efficiency=np.exp(-syn["true_u"]))
    bench("SYNTHETIC province panel", syn, "efficiency", "treated", "code", "year", n,
          n_naive=n if not args.quick else 100, controls=("log_gdp", "aged65"))

    het_path = Path(__file__).resolve().parents[1] / "tests" / "data" / "policy" / "df_het.csv.gz"
    if het_path.exists():
        het = pd.read_csv(het_path)
        bench("did2s df_het panel", het, "dep_var", "treat", "unit", "year", n,
              n_naive=10 if args.quick else 40)


if __name__ == "__main__":
    main()
