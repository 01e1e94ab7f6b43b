"""Speed of the fairness–efficiency ideal allocation, against the fairness level alone.

    python benchmarks/bench_ideal.py            # 31 provinces x 4 x 11 years, 2,850 counties x 4
    python benchmarks/bench_ideal.py --quick    # provinces only

Targets (issue 15): 31 provinces x 4 resources x 11 years under 10 s; 2,850 counties x 4
resources, one year, under 1 minute. Every figure is a ratio against solving the
fairness level alone on the same data in the same run.

Data: synthetic, from a seeded generator (``synthetic(n, years, seed)``): log-normal
populations, a demand index = population x log-normal(0, 0.25), a service output =
demand x log-normal(0, 0.1), four resources = population x log-normal(0, 0.4) growing
3% a year. Bounds 0.8-1.25 of the demand share; efficiency: 30% of the provinces and
10% of the counties on the frontier (with these bounds at most ~500 counties can be).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from spatialhealth.equity import ideal_allocation

RESOURCES = ["doctors", "nurses", "beds", "institutions"]


def synthetic(n: int, years: int, seed: int = 20240601) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    pop = rng.lognormal(4, 0.8, n)
    frames = []
    for t in range(years):
        need = pop * rng.lognormal(0, 0.25, n)
        out = need * rng.lognormal(0, 0.1, n)
        res = {r: pop * rng.lognormal(0, 0.4, n) * 1.03 ** t for r in RESOURCES}
        frames.append(pd.DataFrame({"year": 2011 + t, "code": np.arange(n), "population": pop,
                                    "demand": need, "output": out, **res}))
    return pd.concat(frames, ignore_index=True)


def run(df, **kw):
    t0 = time.perf_counter()
    try:
        res = ideal_allocation(df, resources=RESOURCES, population="population", demand="demand",
                               output="output", bounds=(0.8, 1.25), **kw)
    except Exception as exc:  # noqa: BLE001 - report, do not hide
        return time.perf_counter() - t0, None, f"{type(exc).__name__}: {exc}"[:160]
    return time.perf_counter() - t0, res, None


def line(label, secs, base, res, err):
    if err:
        return f"  {label:<44} {secs:8.2f} s  x{secs / base:7.1f}   {err}"
    s = res.solver
    return (f"  {label:<44} {secs:8.2f} s  x{secs / base:7.1f}   status {res.status}, "
            f"max gap {s['mip_gap'].max():.2g}, objective (sum) {s['objective'].sum():.4f}, "
            f"on frontier {int(s['on_frontier'].sum())}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()

    print("31 provinces x 4 resources x 11 years (target < 10 s)")
    panel = synthetic(31, 11)
    base, res, err = run(panel, period="year")
    print(line("fairness level alone (LP, pairs)", base, base, res, err))
    secs, res, err = run(panel, period="year", efficiency=0.3, frontier="best")
    print(line("bi-level, frontier='best' (LP)", secs, base, res, err))
    secs, res, err = run(panel, period="year", efficiency=0.3, frontier="free", time_limit=2.0)
    print(line("bi-level, frontier='free' (MILP, 2 s/year cap)", secs, base, res, err))

    if args.quick:
        return
    print("\n2,850 counties x 4 resources, one year (target < 60 s)")
    counties = synthetic(2850, 1)
    base, res, err = run(counties)
    print(line("fairness level alone (closed form)", base, base, res, err))
    # with bounds 0.8-1.25 at most ~500 of these counties can reach the frontier: ask 10%
    secs, res, err = run(counties, efficiency=0.1, frontier="best", time_limit=60.0)
    print(line("bi-level 10%, frontier='best' (cutting planes, 60 s cap)", secs, base, res, err))
    if res is not None:
        print(f"    rounds {int(res.solver['rounds'].iloc[0])}, certified gap "
              f"{res.solver['mip_gap'].iloc[0]:.3g} (true objective vs the cutting-plane bound)")


if __name__ == "__main__":
    main()
