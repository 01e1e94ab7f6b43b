"""Speed of the fairness–efficiency ideal allocation, against the fairness level alone.

    python benchmarks/bench_ideal.py              # 31 provinces x 4 x 11 years, 2,850 counties x 4
    python benchmarks/bench_ideal.py --quick      # provinces only
    python benchmarks/bench_ideal.py --previous   # also the previous formulation (before/after)

Targets (issue 15): 31 provinces x 4 resources x 11 years under 10 s; 2,850 counties x 4
resources, one year, under 1 minute. The counties' free model (one column) is solved by
the branch and bound over frontier and water levels (``method="boxes"``, proven within
the relative gap 1e-4); the line prints its status, gap and objective (and the bound
when not proven within the 60 s cap). Every figure is a ratio against solving the
fairness level alone on the same data in the same run. Each case runs in a fresh
process (one after the other, never in parallel), which reports its wall time, its CPU
time (all threads, ``time.process_time``) and its peak resident memory.

Data: synthetic, from a seeded generator (``synthetic(n, years, seed)``): log-normal
populations, a demand index = population x log-normal(0, 0.25), a service output =
demand x log-normal(0, 0.1), four resources = population x log-normal(0, 0.4) growing
3% a year. Bounds 0.8-1.25 of the demand share (one pair for all resources: the model
is solved as one column, see the module docstring); efficiency: 30% of the provinces
and 10% of the counties on the frontier (with these bounds at most ~500 counties can
be). ``--mixed`` gives each resource its own upper factor (four columns).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd

RESOURCES = ["doctors", "nurses", "beds", "institutions"]


def synthetic(n: int, years: int, seed: int = 20240601) -> pd.DataFrame:
    """Seeded synthetic panel of ``n`` regions over ``years`` years (see the module docstring)."""
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


def _case(n, years, kw, previous=False, mixed=False, before_water=False):
    """One solve in this (fresh) process: (wall, cpu, peak MB, summary or error)."""
    from spatialhealth.equity import ideal as mod
    from spatialhealth.equity import ideal_allocation

    if previous:  # the formulation before the reductions (one column per resource...)
        mod._GROUP_RESOURCES = mod._FIX_PAIRS = mod._EXACTLY_N = mod._DOMINANCE = False
        mod._MIP_DEFAULTS = {}
    if previous or before_water:  # the free model before the water box and local search
        mod._WATER = mod._HEURISTIC = mod._MCCORMICK = mod._REDUCE_PRECEDENCES = False
        mod._PER_CAPITA_PAIRS = False
        mod._LP_ROUNDS = 0
    df = synthetic(n, years)
    if years == 1:
        df = df.drop(columns="year")
    bounds = ({r: (0.8, 1.25 + 0.05 * k) for k, r in enumerate(RESOURCES)} if mixed
              else (0.8, 1.25))
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        res = ideal_allocation(df, resources=RESOURCES, population="population", demand="demand",
                               output="output", bounds=bounds,
                               period="year" if years > 1 else None, **kw)
        s = res.solver
        out = {"status": res.status, "gap": float(s["mip_gap"].max()),
               "bound": float(s["dual_bound"].sum()),
               "objective": float(s["objective"].sum()), "frontier": int(s["on_frontier"].sum()),
               "method": str(s["method"].iloc[0])}
    except Exception as exc:  # report, do not hide
        out = {"error": f"{type(exc).__name__}: {exc}"[:160]}
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return wall, cpu, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, out


def run(*args, **kw):
    """Run :func:`_case` in a fresh spawned process and return its figures."""
    with ProcessPoolExecutor(1, mp_context=mp.get_context("spawn")) as ex:
        return ex.submit(_case, *args, **kw).result()


def line(label, r, base):
    """One printed line: times, ratios against ``base``, peak memory and the solver's summary."""
    wall, cpu, mb, out = r
    head = (f"  {label:<50} wall {wall:7.2f} s (x{wall / base[0]:5.1f})  cpu {cpu:7.2f} s "
            f"(x{cpu / base[1]:5.1f})  peak {mb:5.0f} MB   ")
    if "error" in out:
        return head + out["error"]
    bound = "" if out["status"] == "optimal" else f", bound {out['bound']:.7f}"
    return head + (f"{out['status']}, gap {out['gap']:.2g}, objective {out['objective']:.7f}"
                   f"{bound}, on frontier {out['frontier']} ({out['method']})")


def main():
    """Run the cases and print the figures."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="provinces only")
    ap.add_argument("--previous", action="store_true",
                    help="also the previous formulation (slow; 30 s per year cap)")
    ap.add_argument("--mixed", action="store_true", help="a different upper factor per resource")
    args = ap.parse_args()
    mixed = args.mixed

    print(f"31 provinces x 4 resources x 11 years (target < 10 s){' (mixed bounds)' * mixed}")
    base = run(31, 11, {}, mixed=mixed)
    print(line("fairness level alone (LP)", base, base))
    print(line("bi-level, frontier='best' (LP)", run(31, 11, {"efficiency": 0.3, "frontier": "best"},
                                                      mixed=mixed), base))
    print(line("bi-level, frontier='free' (default, MILP, exact)",
               run(31, 11, {"efficiency": 0.3}, mixed=mixed), base))
    if args.previous:
        print(line("  previous formulation, free (30 s/year cap)",
                   run(31, 11, {"efficiency": 0.3, "time_limit": 30.0}, previous=True,
                       mixed=mixed), base))

    if args.quick:
        return
    print("\n2,850 counties x 4 resources, one year (target < 60 s)")
    base = run(2850, 1, {}, mixed=mixed)
    print(line("fairness level alone (closed form)", base, base))
    # with bounds 0.8-1.25 at most ~500 of these counties can reach the frontier: ask 10%
    print(line("bi-level 10%, frontier='best' (closed form / cuts)",
               run(2850, 1, {"efficiency": 0.1, "frontier": "best", "time_limit": 60.0},
                   mixed=mixed), base))
    print(line("bi-level 10%, frontier='free' (level boxes, 60 s cap)",
               run(2850, 1, {"efficiency": 0.1, "time_limit": 60.0}, mixed=mixed), base))
    if args.previous:
        print(line("  before the water box and local search (60 s cap)",
                   run(2850, 1, {"efficiency": 0.1, "time_limit": 60.0}, mixed=mixed,
                       before_water=True), base))


if __name__ == "__main__":
    main()
