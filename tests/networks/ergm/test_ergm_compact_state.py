"""The compact sampler state (bit-row adjacency, short neighbour lists) against the dense one.

Large sparse networks are sampled in the compact state (``model.NetState``, ``compact=True``):
the same chain, seed for seed, must make the same proposals and the same accept decisions as
in the dense state, so the draws are equal bit for bit, for every term, directed and
undirected, with both proposals, when the two-path counts are kept or replaced by popcounts,
and when the neighbour lists fill up and are widened in the middle of a run.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from spatialhealth.networks.ergm import _kernels as K
from spatialhealth.networks.ergm import model as M
from spatialhealth.networks.ergm.model import NetState, build_model
from spatialhealth.networks.ergm.sampler import ChainSet, _eta0, run_chain_job

DIRECTED_MAIN = "edges + nodeicov('x') + nodeocov('x') + edgecov('w') + mutual + gwesp(0.5, fixed=TRUE)"
DIRECTED_MORE = ("edges + mutual + gwesp(0.3, fixed=TRUE) + gwdsp(0.4, fixed=TRUE) + ttriple + ctriple + istar(2) "
                 "+ ostar(2) + gwidegree(0.5, fixed=TRUE) + gwodegree(0.5, fixed=TRUE) + isolates + asymmetric "
                 "+ twopath + transitiveties + cyclicalties + esp(1) + dsp(1) + nsp(1) + idegree(2) "
                 "+ gwesp(0.5, fixed=TRUE, type='ITP') + gwesp(0.5, fixed=TRUE, type='OSP') "
                 "+ gwdsp(0.5, fixed=TRUE, type='ISP') + transitiveties('g') + nodematch('g') "
                 "+ intransitive + triadcensus(c(4, 9)) + cycle(3) + simmelianties")
UNDIRECTED_MAIN = "edges + nodecov('x') + edgecov('w') + gwesp(0.5, fixed=TRUE)"
UNDIRECTED_MORE = ("edges + triangle + kstar(2) + kstar(3) + gwdegree(0.5, fixed=TRUE) + isolates "
                   "+ gwdsp(0.5, fixed=TRUE) + gwnsp(0.5, fixed=TRUE) + esp(2) + degree(1) + concurrent "
                   "+ altkstar(2, fixed=TRUE) + isolatededges + twopath + transitiveties('g') "
                   "+ cycle(4) + opentriad + degree1.5")


def _graph(directed, n=40, p=0.08, seed=5):
    G = nx.gnp_random_graph(n, p, seed=seed, directed=directed)
    rng = np.random.default_rng(seed)
    for v in G.nodes:
        G.nodes[v]["x"] = float(rng.normal())
        G.nodes[v]["g"] = int(rng.integers(3))
    w = rng.uniform(size=(n, n))
    if not directed:
        w = (w + w.T) / 2
    np.fill_diagonal(w, 0.0)
    return G, {"w": w}


def _theta(m, seed):
    # edges near the observed density, the rest small: many toggles and degrees that change
    rng = np.random.default_rng(seed)
    th = rng.normal(0.0, 0.05, m.p)
    th[0] = -1.5
    return th


def _run(m, theta, compact, use_tp, proposal, width=None, seed=7):
    job = {"n": m.n, "directed": m.directed, "use_tp": use_tp, "compact": compact, "pack": m.pack(),
           "dd_terms": m.dd_terms, "di_terms": m.di_terms, "eta0": _eta0(m, theta), "theta": theta,
           "stats": m.observed(), "burnin": 500, "interval": 50, "nsamp": 60, "seed": seed, "proposal": proposal,
           "return_state": True}
    job["state"] = NetState.from_edges(m.n, m.directed, m.state().edge_array(), use_tp, compact, width=width)
    return run_chain_job(job)


@pytest.mark.parametrize("proposal", ["tnt", "weighted"])
@pytest.mark.parametrize("directed,formula", [(True, DIRECTED_MAIN), (True, DIRECTED_MORE),
                                              (False, UNDIRECTED_MAIN), (False, UNDIRECTED_MORE)])
def test_compact_chain_draws_equal_dense(directed, formula, proposal):
    G, ecov = _graph(directed)
    m = build_model(G, formula, edge_covariates=ecov)
    theta = _theta(m, 3)
    ref = _run(m, theta, False, True, proposal)
    assert ref["accepted"] > 300  # the chain moves
    for compact, use_tp, width in [(True, False, None), (True, True, None), (True, False, 1)]:
        r = _run(m, theta, compact, use_tp, proposal, width)
        np.testing.assert_array_equal(r["sample"], ref["sample"])
        assert r["accepted"] == ref["accepted"]
        np.testing.assert_array_equal(r["state"].edge_array(), ref["state"].edge_array())
        np.testing.assert_array_equal(r["state"].dense_adjacency(), ref["state"].adj)
        if width == 1:  # the lists were widened during the run (they started one wider than the largest degree)
            assert r["state"].outl.shape[1] > int(max(m.state().outdeg.max(), m.state().indeg.max())) + 1
    # the sampled statistics are those of the final network (the state and the stats agree)
    np.testing.assert_allclose(ref["stats"], m.observed(m.to_graph(ref["state"].edge_array())), atol=1e-9)


@pytest.mark.parametrize("directed", [True, False])
def test_compact_toggles_keep_state_consistent(directed):
    rng = np.random.default_rng(4)
    G, _ = _graph(directed, n=30, p=0.15)
    m = build_model(G, "edges + gwesp(0.5, fixed=TRUE)")
    st = NetState.from_edges(m.n, directed, m.state().edge_array(), False, compact=True)
    assert st.compact and st.outpos.shape == (1, 1) and st.adj.shape == (30, 1)
    adj = nx.to_numpy_array(G, nodelist=list(G.nodes), dtype=np.int64)
    for _ in range(600):
        i, j = rng.choice(m.n, size=2, replace=False)
        if not directed and i > j:
            i, j = j, i
        if max(st.outdeg.max(), st.indeg.max()) >= st.outl.shape[1] - 1:
            st.widen()
        st.nedges = K.toggle(i, j, directed, *st.arrays(), st.etail, st.ehead, st.epos, st.nedges)
        adj[i, j] ^= 1
        if not directed:
            adj[j, i] ^= 1
    np.testing.assert_array_equal(st.dense_adjacency(), adj)
    np.testing.assert_array_equal(K.unpack_bits(st.adjT, m.n), adj.T)
    np.testing.assert_array_equal(st.outdeg, adj.sum(1))
    np.testing.assert_array_equal(st.indeg, adj.sum(0))
    e = st.edge_array()
    assert len(e) == (adj.sum() if directed else adj.sum() // 2)
    assert all(adj[a, b] for a, b in e)
    for k, (a, b) in enumerate(e):  # edge positions sit beside the out-lists
        q = list(st.outl[a, : st.outdeg[a]]).index(b)
        assert st.epos[a, q] == k + 1
    for v in range(m.n):
        assert sorted(st.outl[v, : st.outdeg[v]]) == list(np.nonzero(adj[v])[0])
        assert sorted(st.inl[v, : st.indeg[v]]) == list(np.nonzero(adj[:, v])[0])
    # shared partners by popcount equal the two-path counts
    tp = K.two_paths(adj.astype(np.uint8), np.ascontiguousarray(adj.T.astype(np.uint8)), directed,
                     np.zeros((m.n, m.n), dtype=np.int16))
    for a in range(m.n):
        for b in range(m.n):
            if a != b:
                assert K._otp(a, b, st.adj, st.adjT, st.tp, False) == tp[a, b]


def test_chainset_uses_compact_state_from_threshold(monkeypatch):
    G, ecov = _graph(True, n=50, p=0.06, seed=9)
    m = build_model(G, DIRECTED_MAIN, edge_covariates=ecov)
    theta = _theta(m, 1)
    out = {}
    for thr in (10**9, 2):
        monkeypatch.setattr(M, "COMPACT_MIN_NODES", thr)
        cs = ChainSet(m, chains=2, n_jobs=1, seed=3)
        assert cs.compact == (thr == 2) and cs.states[0].compact == (thr == 2)
        assert cs.use_tp == (thr != 2)  # compact states count shared partners by popcount
        out[thr] = np.concatenate([cs.run(theta, 200, 40, 30), cs.run(theta, 0, 40, 30)], axis=1)
    np.testing.assert_array_equal(out[2], out[10**9])
    # a term that scans every node per proposal keeps the dense state at any size
    monkeypatch.setattr(M, "COMPACT_MIN_NODES", 2)
    assert not build_model(G, "edges + triadcensus(c(4, 9))").sampler_compact


def test_stale_weighted_chain_cache_is_dropped_when_kernels_change(tmp_path):
    # numba keys _proposal's cache on _proposal.py alone; its chain inlines _kernels.py
    from types import SimpleNamespace

    from spatialhealth.networks.ergm import _proposal

    fake = SimpleNamespace(_cache=SimpleNamespace(_cache_path=str(tmp_path)))
    mine = tmp_path / "notes.txt"
    mine.write_text("not numba's")
    old = tmp_path / "_proposal.weighted_tnt_chain-134.py311.nbi"
    old.write_text("stale index")
    (tmp_path / "_proposal.kernels-stamp").write_text("0 0")  # written for another _kernels.py
    _proposal._drop_stale_cache(fake)
    assert not old.exists() and mine.read_text() == "not numba's"
    st = (Path(_proposal.__file__).with_name("_kernels.py")).stat()
    assert (tmp_path / "_proposal.kernels-stamp").read_text() == f"{st.st_mtime_ns} {st.st_size}"
    kept = tmp_path / "_proposal.alias_tables-39.py311.nbi"
    kept.write_text("current index")
    _proposal._drop_stale_cache(fake)  # same _kernels.py: the cache stays
    assert kept.exists()
