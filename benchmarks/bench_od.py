#!/usr/bin/env python3
"""Benchmark: aggregating SYNTHETIC individual migrant records to city-pair edges.

Generates N records (default 10 million; ``--big`` for 100 million; ``--quick``
for 1 million) to Parquet with :func:`spatialhealth.networks.synthetic.write_synthetic_records`
(cached in ``--workdir``), then aggregates them, each method in a fresh process
so that its peak memory (max RSS) is its own:

* ``raw duckdb``: one hand-written ``SELECT o, d, count(*) ... GROUP BY ALL`` (the baseline);
* ``aggregate_od duckdb``: our API (reading, checks, name/code matching, report);
* the same two with a survey weight (``sum(weight)``);
* ``pandas``: ``read_parquet`` + ``groupby().size()`` (the whole table in memory);
* ``aggregate_od dask``: our API on a ``distributed.LocalCluster``.

Prints wall time (median of ``--repeat`` runs for the DuckDB methods), peak
memory, the ratio to raw DuckDB, and checks that every method found the same edges.

    python benchmarks/bench_od.py            # 10 million records
    python benchmarks/bench_od.py --quick    # 1 million
    python benchmarks/bench_od.py --big      # 100 million (needs ~1.3 GB of disk)
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

O, D, W = "hukou_city", "current_city", "weight"


def _rss_mb() -> float:
    """Peak resident memory of this process (MB). VmHWM is reset at exec, unlike
    ru_maxrss, which a spawned child inherits from the process that forked it."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _method(name: str, pattern: str, threads: int):
    """Return a callable running ``name`` once and returning (n_edges, total_flow)."""
    if name.startswith("raw duckdb"):
        import duckdb

        con = duckdb.connect(config={"threads": threads})
        agg = "sum(weight)" if "weighted" in name else "count(*)"

        def run():
            df = con.execute(f"SELECT {O}, {D}, {agg} AS flow FROM read_parquet('{pattern}') "
                             "GROUP BY ALL").df()
            return len(df), float(df["flow"].sum())
        return run
    if name.startswith("aggregate_od duckdb"):
        from spatialhealth.networks.od import aggregate_od

        weight = W if "weighted" in name else None

        def run():
            res = aggregate_od(pattern, O, D, weight=weight, self_flows="keep", threads=threads)
            return len(res.edges), float(res.edges["flow"].sum())
        return run
    if name == "pandas":
        import glob

        import pyarrow.parquet as pq

        def run():
            df = pq.read_table(sorted(glob.glob(pattern)), columns=[O, D]).to_pandas()
            g = df.groupby([O, D]).size()
            return len(g), float(g.sum())
        return run
    if name == "aggregate_od dask":
        from distributed import Client, LocalCluster

        from spatialhealth.networks.od import aggregate_od

        cluster = LocalCluster(n_workers=threads, threads_per_worker=1, dashboard_address=None,
                               memory_limit="4GB")
        client = Client(cluster)

        def run():
            res = aggregate_od(pattern, O, D, engine="dask", self_flows="keep", client=client)
            return len(res.edges), float(res.edges["flow"].sum())
        run.close = lambda: (client.close(), cluster.close())
        return run
    raise ValueError(name)


def _child(name, pattern, threads, repeat, queue):
    try:
        base = _rss_mb()
        run = _method(name, pattern, threads)
        times, result = [], None
        for _ in range(repeat):
            t0 = time.perf_counter()
            result = run()
            times.append(time.perf_counter() - t0)
        if hasattr(run, "close"):
            run.close()
        queue.put({"name": name, "times": times, "peak_mb": _rss_mb(), "base_mb": base,
                   "result": result})
    except BaseException:
        import traceback

        queue.put({"name": name, "error": traceback.format_exc()})


def measure(name, pattern, threads, repeat):
    import queue as _queue

    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_child, args=(name, pattern, threads, repeat, q))
    p.start()
    while True:
        try:
            out = q.get(timeout=2)
            break
        except _queue.Empty:
            if not p.is_alive():
                raise RuntimeError(f"{name}: the benchmark process died (exit code {p.exitcode})")
    p.join()
    if "error" in out:
        raise RuntimeError(f"{name} failed:\n{out['error']}")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--big", action="store_true", help="100 million records")
    ap.add_argument("--quick", action="store_true", help="1 million records")
    ap.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "spatialhealth-bench-od"))
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-pandas", action="store_true")
    ap.add_argument("--skip-dask", action="store_true")
    args = ap.parse_args()
    n = 100_000_000 if args.big else 1_000_000 if args.quick else args.rows

    from spatialhealth.networks.synthetic import write_synthetic_records

    folder = Path(args.workdir) / f"records_{n}"
    if not (folder / "_DONE").exists():
        t0 = time.perf_counter()
        print(f"Generating {n:,} SYNTHETIC records to {folder} ...", flush=True)
        write_synthetic_records(folder, n, seed=20201101)
        (folder / "_DONE").write_text("ok")
        print(f"  {time.perf_counter() - t0:.1f} s", flush=True)
    size = sum(p.stat().st_size for p in folder.glob("*.parquet")) / 2**20
    pattern = str(folder / "*.parquet")
    print(f"{n:,} records, {size:,.0f} MB of Parquet, {args.threads} threads\n", flush=True)

    methods = ["raw duckdb", "aggregate_od duckdb", "raw duckdb weighted", "aggregate_od duckdb weighted"]
    if not args.skip_pandas and n <= 20_000_000:
        methods.append("pandas")
    if not args.skip_dask:
        methods.append("aggregate_od dask")
    rows = []
    for name in methods:
        # dask: the first run also warms the workers (imports), so it runs twice
        rep = args.repeat if "duckdb" in name else 2 if "dask" in name else 1
        r = measure(name, pattern, args.threads, rep)
        r["wall"] = statistics.median(r["times"])
        rows.append(r)
        print(f"  {name:<30} {r['wall']:8.2f} s  (runs: {', '.join(f'{t:.2f}' for t in r['times'])})",
              flush=True)

    base = {r["name"]: r["wall"] for r in rows}
    print(f"\n{'method':<30} {'wall s':>8} {'peak MB':>9} {'import MB':>10} {'vs raw':>7} {'edges':>8}")
    for r in rows:
        ref = base["raw duckdb weighted"] if "weighted" in r["name"] else base["raw duckdb"]
        print(f"{r['name']:<30} {r['wall']:8.2f} {r['peak_mb']:9.0f} {r['base_mb']:10.0f} "
              f"{r['wall'] / ref:6.2f}x {r['result'][0]:8,}")
    print("(peak MB is the measuring process's own; for dask the workers' memory is not included)")
    ratio = base["aggregate_od duckdb"] / base["raw duckdb"]
    ratio_w = base["aggregate_od duckdb weighted"] / base["raw duckdb weighted"]
    print(f"\naggregate_od / raw DuckDB: {ratio:.2f}x (count), {ratio_w:.2f}x (weighted); target <= 1.2x")
    counts = {r["result"][0] for r in rows}
    totals = {round(r["result"][1]) for r in rows if "weighted" not in r["name"]}
    print("all methods found the same edges and totals:",
          "yes" if len(counts) == 1 and totals == {n} else f"NO ({counts}, {totals})")


if __name__ == "__main__":
    main()
