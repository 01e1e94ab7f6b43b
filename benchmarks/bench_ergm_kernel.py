"""Throughput of the ERGM Metropolis-Hastings kernel (``_kernels.tnt_chain``) on faux.mesa.high.

Proposals per CPU-second of one chain (``time.thread_time``, so other processes on a shared
machine inflate it less than wall time), for the issue-13 model
``edges + nodefactor('Sex') + nodematch('Grade') + nodematch('Race') + gwesp(0.5, fixed=TRUE)``
at statnet's estimate, and for parts of it: ``edges`` only (the loop, random numbers and
toggles), ``edges + gwesp`` (the dyad-dependent term) and the dyad-independent terms.
The best of ``--repeat`` runs is printed with the ratio of each model to ``edges`` only.

Usage::

    python benchmarks/bench_ergm_kernel.py [--proposals 2000000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

MESA = "edges + nodefactor('Sex') + nodematch('Grade') + nodematch('Race') + gwesp(0.5, fixed=TRUE)"
#: statnet's estimate of the issue-13 model (tests/networks/ergm/test_ergm_reference_fits.py)
THETA = {"edges": -6.18, "nodefactor.Sex.M": -0.13, "nodematch.Grade": 1.97, "nodematch.Race": 0.26,
         "gwesp.fixed.0.5": 1.21}
PARTS = [
    ("edges", "edges"),
    ("edges + di terms", "edges + nodefactor('Sex') + nodematch('Grade') + nodematch('Race')"),
    ("edges + gwesp", "edges + gwesp(0.5, fixed=TRUE)"),
    ("full model", MESA),
]


def _throughput(model, theta, proposals, repeat, seed=1):
    from spatialhealth.networks.ergm.sampler import _eta0, run_chain_job

    eta0 = _eta0(model, theta)
    st = model.state()
    job = {"n": model.n, "directed": model.directed, "use_tp": model.needs_tp, "pack": model.pack(),
           "dd_terms": model.dd_terms, "di_terms": model.di_terms, "eta0": eta0, "theta": theta,
           "stats": model.observed(), "burnin": 0, "interval": 1000, "nsamp": 10, "seed": seed,
           "edges": st.edge_array().copy()}
    run_chain_job(job)  # compile / load the cache
    job["interval"] = proposals // 100
    job["nsamp"] = 100
    best, acc = np.inf, 0.0
    for r in range(repeat):
        job["seed"] = seed + r
        t0 = time.thread_time()
        out = run_chain_job(job)
        best = min(best, time.thread_time() - t0)
        acc = out["accepted"] / out["proposals"]
    return job["interval"] * job["nsamp"] / best, acc


def main(argv=None):
    """Print the throughput table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--proposals", type=int, default=2_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    from spatialhealth.networks.ergm import build_model
    from spatialhealth.networks.ergm.datasets import load_network

    G = load_network("faux.mesa.high")
    rows = []
    for label, formula in PARTS:
        m = build_model(G, formula)
        theta = np.array([THETA[nm] for nm in m.names])
        pps, acc = _throughput(m, theta, args.proposals, args.repeat)
        rows.append((label, pps, acc))
    base = rows[0][1]
    print(f"{'faux.mesa.high model':24s} {'proposals/CPU-s':>16s} {'ns/proposal':>12s} {'acceptance':>10s} "
          f"{'vs edges':>8s}")
    for label, pps, acc in rows:
        print(f"{label:24s} {pps:16,.0f} {1e9 / pps:12.0f} {acc:10.3f} {base / pps:8.2f}")


if __name__ == "__main__":
    main()
