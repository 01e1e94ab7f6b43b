"""The same seed gives bit-identical samples and fits wherever the chains run."""

from __future__ import annotations

import numpy as np
import pytest

from spatialhealth.networks.ergm import build_model, ergm
from spatialhealth.networks.ergm import sampler as S
from spatialhealth.networks.ergm.datasets import load_network


def _chains(model, seed, n_jobs, force_pool):
    cs = S.ChainSet(model, chains=2, n_jobs=n_jobs, seed=seed)
    if force_pool:
        cs._pool = S.shared_pool(n_jobs)
    out = []
    theta = np.array([-2.0, 1.5, 0.2])
    old = S.PARALLEL_THRESHOLD
    try:
        if force_pool:
            S.PARALLEL_THRESHOLD = 0
        for _ in range(3):
            out.append(cs.run(theta, 500, 100, 30))
    finally:
        S.PARALLEL_THRESHOLD = old
        cs.close()
    return np.concatenate(out, axis=1)


def test_chain_seeds_depend_on_seed_chain_and_run_only():
    m = build_model(load_network("samplk3"), "edges + mutual + gwesp(0.5, fixed=TRUE)")
    a = S.ChainSet(m, chains=3, seed=11)
    b = S.ChainSet(m, chains=3, n_jobs=1, seed=11)
    assert [a.chain_seed(k) for k in range(3)] == [b.chain_seed(k) for k in range(3)]
    assert len({a.chain_seed(k) for k in range(3)}) == 3


def test_in_process_equals_reused_state_runs():
    m = build_model(load_network("samplk3"), "edges + mutual + gwesp(0.5, fixed=TRUE)")
    x = _chains(m, 5, 1, False)
    y = _chains(m, 5, 1, False)
    np.testing.assert_array_equal(x, y)


@pytest.mark.slow
def test_worker_pool_equals_in_process():
    m = build_model(load_network("samplk3"), "edges + mutual + gwesp(0.5, fixed=TRUE)")
    x = _chains(m, 5, 1, False)
    y = _chains(m, 5, 2, True)  # spawned worker processes, network shipped as an edge list
    np.testing.assert_array_equal(x, y)


@pytest.mark.slow
def test_fit_identical_for_any_n_jobs():
    G = load_network("samplk3")
    a = ergm(G, "edges + mutual", seed=3, n_jobs=1, eval_loglik=False)
    old = S.PARALLEL_THRESHOLD
    S.PARALLEL_THRESHOLD = 0
    try:
        b = ergm(G, "edges + mutual", seed=3, n_jobs=2, eval_loglik=False)
    finally:
        S.PARALLEL_THRESHOLD = old
    np.testing.assert_array_equal(a.params.to_numpy(), b.params.to_numpy())
    np.testing.assert_array_equal(a.bse.to_numpy(), b.bse.to_numpy())
