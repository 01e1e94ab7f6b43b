"""Benchmark of the ERGM engine: wall time, sampler throughput and peak memory per model.

For every model of issue 5 this runs, each in a fresh worker process (so that peak
memory is the fit's own):

* the whole fit ``ergm(G, formula, ...)`` (wall time; numba kernels are compiled, or
  loaded from the on-disk cache, by a tiny warm-up fit first, as R loads ergm's C code);
* for dyad-dependent models the sampler throughput: proposals per second of a
  ``simulate()`` run at the estimate (single chain);
* the peak resident memory of the worker (``ru_maxrss``) and its baseline before the
  fit;
* for dyad-independent models the floor: a bare ``statsmodels`` ``Logit`` on the same
  dyad table (one row per dyad, no compression), timed in its own worker, and the ratio.

statnet's times on a machine like this one (from the issue) are printed alongside for
comparison; they were not measured here (R is not installed).

Usage::

    python benchmarks/bench_ergm.py            # all models, incl. 288-city dyad-dependent
    python benchmarks/bench_ergm.py --quick    # small models only (about a minute)
    python benchmarks/bench_ergm.py --scale    # also the 2,850-node dyad-independent fit
    python benchmarks/bench_ergm.py --spread   # issue 13: 5 models x 5 seeds, ratio to statnet, fresh process
    python benchmarks/bench_ergm.py --spread --moonshot  # ... and the 2,850-node mutual+gwesp fit
    python benchmarks/bench_ergm.py --moonshot --nodes 1200  # the same fit on a 1,200-node network (scaling)
    python benchmarks/bench_ergm.py --fresh    # only the fresh-process time (Rscript: 1.8 s)
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing as mp
import resource
import sys
import time

import numpy as np

MOBILITY_DI = ("edges + nodeicov('PCF') + nodeicov('HTH') + nodeicov('GDP') + "
               "edgecov('geo_prox') + edgecov('same_dialect')")
MOBILITY_DD = MOBILITY_DI + " + mutual + gwesp(0.5, fixed=True)"

#: (label, network, formula, statnet seconds from the issue or None, quick?)
MODELS = [
    ("flomarriage edges", "flomarriage", "edges", None, True),
    ("flomarriage edges+nodecov(wealth)", "flomarriage", "edges + nodecov('wealth')", None, True),
    ("flomarriage edges+triangle", "flomarriage", "edges + triangle", None, True),
    ("samplk3 edges+mutual", "samplk3", "edges + mutual", None, True),
    ("faux.mesa.high edges+nodematch(Grade)+gwesp(0.25)", "faux.mesa.high",
     "edges + nodematch('Grade') + gwesp(0.25, fixed=True)", 9.0, True),
    ("mobility88 dyad-independent", "mobility88", MOBILITY_DI, None, True),
    ("mobility88 +mutual+gwesp(0.5)", "mobility88", MOBILITY_DD, 30.0, True),
    ("mobility288 dyad-independent", "mobility288", MOBILITY_DI, 12.0, True),
    ("mobility288 +mutual+gwesp(0.5)", "mobility288", MOBILITY_DD, 9.25 * 60, False),
]
#: issue 13's five speed models: (label, network, formula, statnet seconds measured side by side,
#: statnet's seed-to-seed spread in SE units where the issue gives it)
SPEED_MODELS = [
    ("flomarriage edges+triangle", "flomarriage", "edges + triangle", 0.5, None),
    ("samplk3 edges+mutual", "samplk3", "edges + mutual", 0.5, None),
    ("faux.mesa.high gwesp", "faux.mesa.high",
     "edges + nodefactor('Sex') + nodematch('Grade') + nodematch('Race') + gwesp(0.5, fixed=TRUE)", 4.5, None),
    ("mobility88 mutual+gwesp", "mobility88", MOBILITY_DD, 17.9, 0.17),
    ("mobility288 mutual+gwesp", "mobility288", MOBILITY_DD, 306.6, 0.17),
]
STATNET_PROPOSALS_PER_S = {"mobility288 +mutual+gwesp(0.5)": 170_000}


def _peak_mb() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / 1024 if sys.platform != "darwin" else r / 2**20


def _network(name):
    from spatialhealth.networks.ergm.datasets import load_edge_covariates, load_network

    if name.startswith("synthetic"):
        return synthetic_network(int(name[len("synthetic"):]))
    return load_network(name), (load_edge_covariates(name) or None)


def synthetic_network(n: int, seed: int = 20250101):
    """A mobility-like directed network drawn from the dyad-independent model (truth below).

    Same covariate recipe as ``gen_mobility.py`` (coordinates on 30 x 20, 12 dialect
    regions, lognormal GDP, Poisson HTH, lognormal PCF) without the minimum spacing.
    """
    import networkx as nx

    rng = np.random.default_rng(seed)
    xy = rng.uniform([0, 0], [30, 20], size=(n, 2))
    d = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
    np.fill_diagonal(d, np.inf)
    geo = 1.0 / np.maximum(d, 0.05)
    np.fill_diagonal(geo, 0.0)
    del d
    centres = rng.uniform([0, 0], [30, 20], size=(12, 2))
    dialect = ((xy[:, None, :] - centres[None]) ** 2).sum(-1).argmin(1)
    same = (dialect[:, None] == dialect[None, :]).astype(float)
    np.fill_diagonal(same, 0.0)
    gdp = np.maximum(np.round(np.exp(np.log(2.0) + 0.8 * rng.standard_normal(n)), 2), 0.05)
    hth = 1 + rng.poisson(1.5 * gdp ** 0.6)
    pcf = np.maximum(np.round(np.exp(0.4 * rng.standard_normal(n)), 3), 0.05)
    eta = (-5.0 + 0.4 * pcf[None, :] + 0.05 * hth[None, :] + 0.08 * gdp[None, :]
           + 1.2 * geo + 0.7 * same)
    y = rng.uniform(size=(n, n)) < 1 / (1 + np.exp(-eta))
    np.fill_diagonal(y, False)
    del eta
    G = nx.DiGraph()
    for i in range(n):
        G.add_node(i + 1, PCF=float(pcf[i]), HTH=int(hth[i]), GDP=float(gdp[i]))
    ii, jj = np.nonzero(y)
    G.add_edges_from(zip((ii + 1).tolist(), (jj + 1).tolist()))
    return G, {"geo_prox": geo, "same_dialect": same}


def _fit_worker(label, net, formula, control, q):
    try:
        from spatialhealth.networks.ergm import ergm, simulate
        from spatialhealth.networks.ergm.datasets import load_network

        ergm(load_network("flomarriage"), "edges + triangle", seed=1)  # JIT warm-up / cache load
        G, covs = _network(net)
        base = _peak_mb()
        t0 = time.perf_counter()
        res = ergm(G, formula, edge_covariates=covs, seed=1, **control)
        wall = time.perf_counter() - t0
        out = {"label": label, "wall": wall, "method": res.method, "converged": bool(res.converged),
               "peak_mb": _peak_mb(), "base_mb": base, "n": G.number_of_nodes(),
               "params": res.params.round(4).to_dict(), "bse": res.bse.round(4).to_dict()}
        if res.method != "MPLE":
            info = getattr(res, "info", None) or {}
            if "proposals_per_second" in info:
                out["fit_proposals_per_s"] = float(info["proposals_per_second"])
                out["fit_proposals"] = int(info.get("proposals", 0))
            model = res.model
            interval = max(100_000, 20 * model.ndyads)
            simulate(model, coef=res.params, nsim=1, seed=2, output="stats", burnin=0, interval=1000)
            t0 = time.perf_counter()
            simulate(model, coef=res.params, nsim=5, seed=3, output="stats", burnin=0, interval=interval)
            out["proposals_per_s"] = 5 * interval / (time.perf_counter() - t0)
        q.put(out)
    except Exception as exc:  # report, don't hang the parent
        q.put({"label": label, "error": f"{type(exc).__name__}: {exc}"})
    finally:
        _stop_pools()


def _stop_pools():
    """Stop the ERGM worker pool (a multiprocessing child skips the atexit hook that would)."""
    from spatialhealth.networks.ergm.sampler import shutdown_pools

    shutdown_pools()


def _cpu_seconds() -> float:
    """CPU seconds of this process and of its live children (ERGM worker pool) so far."""
    try:
        import psutil

        me = psutil.Process()
        total = sum(me.cpu_times()[:2])
        for ch in me.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += sum(ch.cpu_times()[:2])
        return total
    except ImportError:
        return time.process_time()


def _spread_worker(label, net, formula, seeds, q):
    """Fit one model with several seeds in one warm process: times and estimates."""
    try:
        from spatialhealth.networks.ergm import ergm
        from spatialhealth.networks.ergm.datasets import load_network

        ergm(load_network("flomarriage"), "edges + triangle", seed=1)  # JIT warm-up / cache load
        G, covs = _network(net)
        fits = []
        for sd in seeds:
            t0, c0 = time.perf_counter(), _cpu_seconds()
            res = ergm(G, formula, edge_covariates=covs, seed=sd, eval_loglik=False)
            fits.append({"wall": time.perf_counter() - t0, "cpu": _cpu_seconds() - c0, "params": res.params.to_numpy(),
                         "bse": res.bse.to_numpy(), "converged": bool(res.converged)})
        q.put({"label": label, "fits": fits})
    except Exception as exc:
        q.put({"label": label, "error": f"{type(exc).__name__}: {exc}"})
    finally:
        _stop_pools()


def spread(seeds=(1, 2, 3, 4, 5), only=None):
    """Issue 13's five models, five seeds each: mean time, ratio to statnet, seed spread in SEs."""
    print(f"{'model':28s} {'mean s':>8s} {'cpu s':>7s} {'statnet s':>9s} {'ours/statnet':>12s} {'cpu/statnet':>11s} "
          f"{'spread/SE':>9s} {'statnet':>7s} {'converged':>9s}")
    for label, net, formula, st, st_spread in SPEED_MODELS:
        if only and only not in label:
            continue
        r = _run(_spread_worker, label, net, formula, list(seeds), timeout=3600)
        if "error" in r:
            print(f"{label:28s} ERROR {r['error']}")
            continue
        walls = np.array([f["wall"] for f in r["fits"]])
        cpus = np.array([f["cpu"] for f in r["fits"]])
        P = np.array([f["params"] for f in r["fits"]])
        se = np.mean([f["bse"] for f in r["fits"]], axis=0)
        sd_over_se = float(np.max(P.std(axis=0, ddof=1) / se))
        conv = sum(f["converged"] for f in r["fits"])
        print(f"{label:28s} {walls.mean():8.2f} {cpus.mean():7.2f} {st:9.1f} {walls.mean() / st:12.2f} "
              f"{cpus.mean() / st:11.2f} {sd_over_se:9.2f} "
              f"{st_spread if st_spread else float('nan'):7.2f} {conv:>5d}/{len(seeds)}", flush=True)
    print("spread/SE: largest seed-to-seed standard deviation of a coefficient over its mean SE.")
    print("cpu s: CPU seconds of the fit, worker pool included; on a busy machine wall time overstates "
          "the cost, cpu/statnet is the ratio an idle core would give a single-process fit.")
    print("statnet seconds and spreads are issue 13's side-by-side reference run on this machine kind.")


def _moonshot_worker(label, net, formula, control, q):
    """Fit the 2,850-node directed network with mutual + gwesp once: wall/CPU time and peak memory."""
    try:
        from spatialhealth.networks.ergm import ergm
        from spatialhealth.networks.ergm.datasets import load_network
        from spatialhealth.networks.ergm.fit import choose_proposal

        ergm(load_network("flomarriage"), "edges + triangle", seed=1)  # JIT warm-up / cache load
        t0, c0 = time.perf_counter(), _cpu_seconds()
        G, covs = _network(net)
        build = time.perf_counter() - t0
        t1, c1 = time.perf_counter(), _cpu_seconds()
        res = ergm(G, formula, edge_covariates=covs, seed=1, eval_loglik=False, **control)
        h = res.info["history"]
        q.put({"label": label, "wall": time.perf_counter() - t1, "build": build, "cpu": _cpu_seconds() - c1,
               "cpu_build": c1 - c0, "peak_mb": _peak_mb(), "converged": bool(res.converged),
               "params": res.params.round(4).to_dict(), "bse": res.bse.round(4).to_dict(),
               "n": G.number_of_nodes(), "edges": G.number_of_edges(),
               "info": {k: res.info[k] for k in ("proposals", "sampler_seconds", "final_ess", "final_diagnostics_ok")},
               "proposal": choose_proposal(res.model, control.get("proposal", "auto")),
               "history": h[["iteration", "interval", "min_ess", "pvalue"]].to_dict("list"),
               "final_draws": int(res.sample.shape[0] * res.sample.shape[1]),
               "iterations": int(res.iterations)})
    except Exception as exc:
        q.put({"label": label, "error": f"{type(exc).__name__}: {exc}"})
    finally:
        _stop_pools()


def moonshot(nodes=2850, control=None):
    """Issue 13's moonshot: synthetic 2,850-node directed network, mutual + gwesp, < 10 min and < 4 GB.

    ``nodes`` fits the same recipe on a smaller synthetic network (600, 1200: the scaling).
    """
    net = "synthetic2850" if nodes == 2850 else f"synthetic{nodes}"
    r = _run(_moonshot_worker, f"{net} mutual+gwesp", net, MOBILITY_DD, dict(control or {}), timeout=4 * 3600)
    if "error" in r:
        print(f"moonshot ERROR {r['error']}")
        return r
    inf = r["info"]
    print(f"moonshot: {r['n']} nodes, {r['edges']} ties, fit {r['wall']:.0f} s wall (network build {r['build']:.0f} s), "
          f"{r['cpu']:.0f} CPU-s incl. workers, peak {r['peak_mb']:.0f} MB of the main process "
          f"(targets 600 s, 4096 MB); converged={r['converged']} (final diagnostics ok: "
          f"{inf['final_diagnostics_ok']}), {r['iterations']} iterations, {inf['proposals'] / 1e6:.0f}M proposals "
          f"({r['proposal']} proposal, {inf['proposals'] / max(inf['sampler_seconds'], 1e-9) / 1e6:.2f}M/s over all "
          f"chains), final sample {r['final_draws']} draws with ESS {inf['final_ess']:.0f}")
    h = r["history"]
    print("    iterations: " + "; ".join(f"{it}: interval {iv}, min ESS {e:.0f}, Hotelling p {pv:.2f}"
                                         for it, iv, e, pv in zip(h["iteration"], h["interval"], h["min_ess"],
                                                                  h["pvalue"])))
    print(f"    params {r['params']}")
    print(f"    bse    {r['bse']}")
    return r


def _fresh_process_time(repeat=3):
    """Wall and CPU seconds of ``python -c "import ...ergm; fit flomarriage edges+triangle"`` (Rscript: 1.8 s)."""
    import os
    import subprocess
    import tempfile

    code = ("from spatialhealth.networks.ergm import ergm; "
            "from spatialhealth.networks.ergm.datasets import load_network; "
            "ergm(load_network('flomarriage'), 'edges + triangle', seed=1)")
    out = []
    for _ in range(repeat):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        # from a neutral directory: `python -c` puts the working directory first on sys.path
        subprocess.run([sys.executable, "-c", code], check=True, env=dict(os.environ), cwd=tempfile.gettempdir())
        wall = time.perf_counter() - t0
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        out.append((wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)))
    return out


def fresh():
    """Print the fresh-process time against Rscript's 1.8 s (the first run also fills numba's cache)."""
    runs = _fresh_process_time()
    best = min(runs)
    print(f"fresh process (import + flomarriage edges+triangle): wall {', '.join(f'{w:.2f}' for w, _ in runs)} s, "
          f"CPU {', '.join(f'{c:.2f}' for _, c in runs)} s; best wall {best[0]:.2f} s = "
          f"{best[0] / 1.8:.2f}x Rscript's 1.8 s")
    return runs


def _floor_worker(label, net, formula, q):
    try:
        import statsmodels.api as sm

        from spatialhealth.networks.ergm import build_model

        G, covs = _network(net)
        t0 = time.perf_counter()
        X, y = build_model(G, formula, edge_covariates=covs).dyad_table()  # one row per dyad
        X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
        build = time.perf_counter() - t0
        base = _peak_mb()
        t0 = time.perf_counter()
        fit = sm.Logit(y, X).fit(disp=0, method="newton", tol=1e-10)
        wall = time.perf_counter() - t0
        q.put({"label": label, "floor": wall, "build": build, "floor_peak_mb": _peak_mb(),
               "floor_base_mb": base, "floor_params": np.round(fit.params, 4).tolist()})
    except Exception as exc:
        q.put({"label": label, "error": f"{type(exc).__name__}: {exc}"})


def _run(target, *args, timeout=1200):
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=target, args=(*args, q))
    p.start()
    try:
        out = q.get(timeout=timeout)
    except Exception:
        out = {"label": args[0], "error": f"no result within {timeout} s"}
    p.join(30)
    if p.is_alive():
        p.terminate()
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small models only")
    ap.add_argument("--scale", action="store_true", help="also the 2,850-node dyad-independent fit")
    ap.add_argument("--only", default=None, help="run only models whose label contains this text")
    ap.add_argument("--spread", action="store_true",
                    help="issue 13's five models with 5 seeds each: time ratio to statnet and seed spread")
    ap.add_argument("--moonshot", action="store_true",
                    help="issue 13's moonshot: 2,850-node directed network with mutual+gwesp (slow)")
    ap.add_argument("--nodes", type=int, default=2850,
                    help="--moonshot on a synthetic network of this many nodes (600, 1200: the scaling)")
    ap.add_argument("--proposal", default="auto", help="--moonshot with this MCMC proposal (auto, tnt, weighted)")
    ap.add_argument("--fresh", action="store_true", help="only the fresh-process time")
    args = ap.parse_args(argv)
    if args.fresh:
        return fresh()
    if args.spread:
        spread(only=args.only)
        fresh()
        if args.moonshot:
            moonshot(args.nodes, {"proposal": args.proposal})
        return None
    if args.moonshot:
        return moonshot(args.nodes, {"proposal": args.proposal})

    models = [m for m in MODELS if (m[4] or not args.quick)]
    if args.scale:
        models.append(("synthetic2850 dyad-independent (8.1M dyads)", "synthetic2850", MOBILITY_DI, None, False))
    if args.only:
        models = [m for m in models if args.only in m[0]]
    rows = []
    for label, net, formula, statnet_s, _ in models:
        print(f"... {label}", flush=True)
        r = _run(_fit_worker, label, net, formula, {})
        if "error" not in r and r["method"] == "MPLE":
            fl = _run(_floor_worker, label, net, formula)
            if "error" in fl:
                r["floor_error"] = fl["error"]
            else:
                r.update({k: v for k, v in fl.items() if k != "label"})
        r["statnet_s"] = statnet_s
        rows.append(r)
        _print_row(r)
    print()
    print(f"{'model':52s} {'fit s':>8s} {'floor s':>8s} {'fit/floor':>9s} {'prop/s':>10s} "
          f"{'peak MB':>8s} {'statnet s':>9s} {'statnet/fit':>11s}")
    for r in rows:
        if "error" in r:
            print(f"{r['label']:52s} ERROR {r['error']}")
            continue
        floor = r.get("floor")
        pps = r.get("proposals_per_s")
        st = r.get("statnet_s")
        print(f"{r['label']:52s} {r['wall']:8.3f} {floor if floor else float('nan'):8.3f} "
              f"{(r['wall'] / floor) if floor else float('nan'):9.1f} "
              f"{pps if pps else float('nan'):10.0f} {r['peak_mb']:8.0f} "
              f"{st if st else float('nan'):9.1f} {(st / r['wall']) if st else float('nan'):11.1f}")
    print("\nstatnet sampler on the 288-city model with mutual+gwesp: about "
          f"{STATNET_PROPOSALS_PER_S['mobility288 +mutual+gwesp(0.5)']:,} proposals/s (issue 5).")
    print("statnet times are from issue 5 (same kind of machine), not measured here.")
    return rows


def _print_row(r):
    if "error" in r:
        print(f"    ERROR {r['error']}")
        return
    if "floor" not in r and "floor_error" in r:
        print(f"    floor failed: {r['floor_error']}")
    extra = ""
    if "floor" in r:
        extra = (f", floor (statsmodels Logit on {r['label'].split()[0]} dyad table) {r['floor']:.3f} s "
                 f"(table build {r['build']:.2f} s, peak {r['floor_peak_mb']:.0f} MB), ratio {r['wall'] / r['floor']:.1f}")
    if "proposals_per_s" in r:
        extra += f", sampler {r['proposals_per_s']:,.0f} proposals/s (one chain, simulate())"
    if "fit_proposals_per_s" in r:
        extra += (f"; inside the fit {r['fit_proposals']:,} proposals at "
                  f"{r['fit_proposals_per_s']:,.0f}/s over all chains")
    print(f"    {r['method']} converged={r['converged']} fit {r['wall']:.2f} s, peak {r['peak_mb']:.0f} MB "
          f"(baseline {r['base_mb']:.0f} MB){extra}", flush=True)
    print(f"    params {r['params']}", flush=True)


if __name__ == "__main__":
    main()
