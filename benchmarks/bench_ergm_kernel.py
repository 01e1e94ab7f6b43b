"""Throughput of the ERGM Metropolis-Hastings kernel (``_kernels.tnt_chain``) on faux.mesa.high.

Proposals per CPU-second of one chain (``time.thread_time``, so other processes on a shared
machine inflate it less than wall time), for the issue-13 model
``edges + nodefactor('Sex') + nodematch('Grade') + nodematch('Race') + gwesp(0.5, fixed=TRUE)``
at statnet's estimate, and for parts of it: ``edges`` only (the loop, random numbers and
toggles), ``edges + gwesp`` (the dyad-dependent term) and the dyad-independent terms.
The best of ``--repeat`` runs is printed with the ratio of each model to ``edges`` only.

``--synthetic 600 1200 2850`` measures instead the issue-13 moonshot model (``MOBILITY_DD`` of
``bench_ergm.py``: covariates + mutual + gwesp(0.5)) on the synthetic directed networks of that many
nodes, with both proposals (``tnt`` and ``weighted``), at the generating coefficients (mutual and
gwesp 0), for each state representation (``dense``: n x n arrays with two-path counts; ``compact``:
bit-packed adjacency, short neighbour lists, shared partners by popcount, see ``model.NetState``;
``compact+tp``: the same keeping the n x n two-path counts).

Usage::

    python benchmarks/bench_ergm_kernel.py [--proposals 2000000] [--repeat 5]
    python benchmarks/bench_ergm_kernel.py --synthetic 600 1200 2850 [--proposals 1000000] [--repeat 2]
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


def _throughput(model, theta, proposals, repeat, seed=1, **extra):
    from spatialhealth.networks.ergm.sampler import _eta0, run_chain_job

    eta0 = _eta0(model, theta)
    st = model.state()
    job = {"n": model.n, "directed": model.directed, "use_tp": model.needs_tp, "pack": model.pack(),
           "dd_terms": model.dd_terms, "di_terms": model.di_terms, "eta0": eta0, "theta": theta,
           "stats": model.observed(), "burnin": 0, "interval": 1000, "nsamp": 10, "seed": seed,
           "edges": st.edge_array().copy(), **extra}
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


#: generating coefficients of bench_ergm.synthetic_network (mutual and gwesp: 0)
SYNTH_THETA = {"edges": -5.0, "nodeicov.PCF": 0.4, "nodeicov.HTH": 0.05, "nodeicov.GDP": 0.08,
               "edgecov.geo_prox": 1.2, "edgecov.same_dialect": 0.7, "mutual": 0.0, "gwesp.OTP.fixed.0.5": 0.0}


def synthetic(sizes, proposals, repeat):
    """Throughput of the moonshot model on synthetic networks of ``sizes`` nodes."""
    import os
    import sys

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from bench_ergm import MOBILITY_DD, synthetic_network

    from spatialhealth.networks.ergm import build_model
    from spatialhealth.networks.ergm.model import COMPACT_MIN_NODES

    print(f"{'network':14s} {'proposal':9s} {'state':8s} {'proposals/CPU-s':>16s} {'ns/proposal':>12s} "
          f"{'acceptance':>10s}")
    for n in sizes:
        G, covs = synthetic_network(n)
        m = build_model(G, MOBILITY_DD, edge_covariates=covs)
        theta = np.array([SYNTH_THETA[nm] for nm in m.names])
        for proposal in ("tnt", "weighted"):
            for rep in ("dense", "compact", "compact+tp"):
                pps, acc = _throughput(m, theta, proposals, repeat, proposal=proposal, compact=rep != "dense",
                                       use_tp=rep != "compact")
                print(f"synthetic{n:<5d} {proposal:9s} {rep:8s} {pps:16,.0f} {1e9 / pps:12.0f} {acc:10.3f}",
                      flush=True)
        del G, covs, m
    print(f"(the sampler picks 'compact' from {COMPACT_MIN_NODES} nodes when no term needs the dense state)")


def main(argv=None):
    """Print the throughput table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--proposals", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=None)
    ap.add_argument("--synthetic", type=int, nargs="*", default=None,
                    help="moonshot model on synthetic networks of these sizes (e.g. 600 1200 2850)")
    args = ap.parse_args(argv)
    if args.synthetic is not None:
        return synthetic(args.synthetic or [600, 1200, 2850], args.proposals or 1_000_000, args.repeat or 2)
    args.proposals = args.proposals or 2_000_000
    args.repeat = args.repeat or 5
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
