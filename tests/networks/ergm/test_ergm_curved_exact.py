"""Curved gwdsp / gwdegree (decay estimated) against exact enumeration of all small graphs.

The exact curved MLE is found by Nelder-Mead on the exact log-likelihood of all 2^15 graphs
on 6 nodes (statistics by brute force from adjacency matrices, collapsed to the distinct
statistic vectors with their multiplicities); its SEs come from the exact Fisher information
``J' Cov[g] J`` in the model's own coordinates (weight, decay). The observed graphs were
chosen so that the exact optimum is interior (score 0, information positive definite,
decay well inside the fit's bounds).
"""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
from scipy import optimize

from spatialhealth.networks.ergm import ergm, summary_statistics
from spatialhealth.networks.ergm.curved import DECAY_BOUNDS

N = 6
PAIRS = list(itertools.combinations(range(N), 2))
# (formula, cutoff, observed graph as bits over PAIRS, exact MLE (edges, weight, decay), exact SEs)
CASES = {
    "gwdsp": ("edges + gwdsp(0.5, fixed=FALSE, cutoff=4)", 4, 759,
              [-2.2875, 0.9245, 0.7248], [2.396, 0.9079, 0.8025]),
    "gwdegree": ("edges + gwdegree(0.5, fixed=FALSE, cutoff=5)", 5, 623,
                 [0.5527, -1.8407, 0.1651], [1.2006, 1.1948, 1.0882]),
}


def _graph(code):
    G = nx.Graph()
    G.add_nodes_from(range(N))
    G.add_edges_from(p for b, p in enumerate(PAIRS) if code >> b & 1)
    return G


def _enumerate(kind, K):
    """Distinct (edges, count_1..count_K) over all graphs on N nodes, multiplicities, code -> row."""
    codes = np.arange(2 ** len(PAIRS), dtype=np.int64)
    A = {}
    for b, (i, j) in enumerate(PAIRS):
        A[i, j] = A[j, i] = ((codes >> b) & 1).astype(np.int16)
    edges = sum(A[p] for p in PAIRS)
    if kind == "gwdegree":  # degree counts
        cnt = [sum(A[i, j] for j in range(N) if j != i) for i in range(N)]
    else:  # dyadwise shared partners of every pair
        cnt = [sum(A[i, h] * A[j, h] for h in range(N) if h not in (i, j)) for i, j in PAIRS]
    S = np.column_stack([edges] + [sum((c == k).astype(np.int16) for c in cnt) for k in range(1, K + 1)])
    U, inv, mult = np.unique(S, axis=0, return_inverse=True, return_counts=True)
    return U.astype(float), mult.astype(float), inv.ravel()


def _eta(psi, K):
    k = np.arange(1, K + 1)
    r = 1 - np.exp(-psi[2])
    return np.concatenate([[psi[0]], psi[1] * np.exp(psi[2]) * (1 - r ** k)])


def _jac(psi, K, eps=1e-6):
    return np.column_stack([(_eta(psi + eps * e, K) - _eta(psi - eps * e, K)) / (2 * eps) for e in np.eye(3)])


@pytest.fixture(scope="module", params=sorted(CASES))
def exact(request):
    kind = request.param
    formula, K, code, _, _ = CASES[kind]
    U, mult, inv = _enumerate(kind, K)
    obs = U[inv[code]]
    lm = np.log(mult)

    def nll(psi):
        z = U @ _eta(psi, K) + lm
        mx = z.max()
        return -(obs @ _eta(psi, K) - mx - np.log(np.exp(z - mx).sum()))

    best = min((optimize.minimize(nll, s, method="Nelder-Mead",
                                  options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 20000})
                for s in ([-1, 0.5, 0.7], [-1, -0.5, 1.5], [0, 1, 0.3])), key=lambda r: r.fun)
    psi = best.x
    z = U @ _eta(psi, K) + lm
    w = np.exp(z - z.max())
    w /= w.sum()
    m = w @ U
    C = (U - m).T @ ((U - m) * w[:, None])
    J = _jac(psi, K)
    info = J.T @ C @ J
    return {"kind": kind, "formula": formula, "K": K, "code": code, "U": U, "inv": inv, "obs": obs,
            "psi": psi, "score": J.T @ (obs - m), "info": info, "se": np.sqrt(np.diag(np.linalg.inv(info)))}


def test_enumerated_statistics_are_the_models(exact):
    """The brute-force counts are the engine's curved statistics (several graphs, incl. observed)."""
    for code in (exact["code"], 1, 2 ** 15 - 1, 12345, 30000):
        g = summary_statistics(_graph(code), exact["formula"]).to_numpy()
        np.testing.assert_array_equal(g, exact["U"][exact["inv"][code]])


def test_exact_curved_mle_is_interior(exact):
    _, _, _, psi_ref, se_ref = CASES[exact["kind"]]
    np.testing.assert_allclose(exact["score"], 0, atol=1e-5)
    assert np.linalg.eigvalsh(exact["info"]).min() > 1e-3
    assert DECAY_BOUNDS[0] * 10 < exact["psi"][2] < 3
    np.testing.assert_allclose(exact["psi"], psi_ref, atol=1e-3)
    np.testing.assert_allclose(exact["se"], se_ref, rtol=1e-3)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_curved_mcmcmle_matches_exact_mle_and_se(exact, seed):
    res = ergm(_graph(exact["code"]), exact["formula"], seed=seed, eval_loglik=False)
    assert res.converged, res.messages
    assert res.params.index[2].endswith(".decay")
    est, se = res.params.to_numpy(), res.bse.to_numpy()
    z = np.abs(est - exact["psi"]) / exact["se"]
    assert np.all(z < 0.3), (est.tolist(), exact["psi"].tolist(), exact["se"].tolist())
    # the decay's SE (and the others) from the curved information J' Cov[g] J
    np.testing.assert_allclose(se, exact["se"], rtol=0.3)


# --- a directed form: gwodegree with the decay estimated, all 2^20 digraphs on 5 nodes ---
ND, KD = 5, 4
DPAIRS = list(itertools.permutations(range(ND), 2))
DFORMULA = "edges + gwodegree(0.5, fixed=FALSE, cutoff=4)"
DOBS_EDGES = [(0, 1), (0, 2), (0, 3), (1, 0), (1, 2), (1, 3), (2, 0), (2, 1), (2, 3), (3, 0)]  # out-degrees 3,3,3,1,0


def _digraph(edges):
    G = nx.DiGraph()
    G.add_nodes_from(range(ND))
    G.add_edges_from(edges)
    return G


@pytest.fixture(scope="module")
def exact_directed():
    """Exact curved MLE of the directed model, from the out-degree sequences.

    Edges and out-degree counts depend on the out-degree sequence only: all 5^5 sequences,
    each weighted by the number of digraphs with it (prod C(4, d_i)).
    """
    from math import comb

    rows, mult = [], []
    for seq in itertools.product(range(ND), repeat=ND):
        d = np.array(seq)
        rows.append([d.sum()] + [np.sum(d == k) for k in range(1, KD + 1)])
        mult.append(np.prod([comb(ND - 1, x) for x in seq]))
    U, inv = np.unique(np.array(rows, float), axis=0, return_inverse=True)
    m = np.bincount(inv.ravel(), weights=np.array(mult, float))
    assert m.sum() == 2 ** len(DPAIRS)
    obs = np.array([10.0, 1, 0, 3, 0])
    lm = np.log(m)

    def nll(psi):
        z = U @ _eta(psi, KD) + lm
        mx = z.max()
        return -(obs @ _eta(psi, KD) - mx - np.log(np.exp(z - mx).sum()))

    psi = optimize.minimize(nll, [-1, 0.5, 0.7], method="Nelder-Mead",
                            options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 20000}).x
    z = U @ _eta(psi, KD) + lm
    w = np.exp(z - z.max())
    w /= w.sum()
    mu = w @ U
    J = _jac(psi, KD)
    info = J.T @ ((U - mu).T @ ((U - mu) * w[:, None])) @ J
    return {"obs": obs, "psi": psi, "score": J.T @ (obs - mu), "info": info,
            "se": np.sqrt(np.diag(np.linalg.inv(info)))}


def test_directed_statistics_and_exact_interior_mle(exact_directed):
    g = summary_statistics(_digraph(DOBS_EDGES), DFORMULA).to_numpy()
    np.testing.assert_array_equal(g, exact_directed["obs"])
    rng = np.random.default_rng(0)
    for _ in range(5):  # brute-force out-degree counts of random digraphs
        E = [p for p in DPAIRS if rng.random() < 0.4]
        d = np.bincount([i for i, _ in E], minlength=ND)
        ref = [len(E)] + [np.sum(d == k) for k in range(1, KD + 1)]
        np.testing.assert_array_equal(summary_statistics(_digraph(E), DFORMULA).to_numpy(), ref)
    np.testing.assert_allclose(exact_directed["score"], 0, atol=1e-5)
    assert np.linalg.eigvalsh(exact_directed["info"]).min() > 1e-3
    np.testing.assert_allclose(exact_directed["psi"], [0.6507, -2.4407, 0.2207], atol=1e-3)
    np.testing.assert_allclose(exact_directed["se"], [1.2501, 1.7079, 1.1807], rtol=1e-3)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_directed_curved_mcmcmle_matches_exact(exact_directed, seed):
    res = ergm(_digraph(DOBS_EDGES), DFORMULA, seed=seed, eval_loglik=False)
    assert res.converged, res.messages
    assert list(res.params.index) == ["edges", "gwodeg", "gwodeg.decay"]
    z = np.abs(res.params.to_numpy() - exact_directed["psi"]) / exact_directed["se"]
    assert np.all(z < 0.3), (res.params.tolist(), exact_directed["psi"].tolist())
    np.testing.assert_allclose(res.bse.to_numpy(), exact_directed["se"], rtol=0.3)


@pytest.mark.slow
def test_curved_gwdegree_that_runs_away_stops_with_a_message():
    """A curved gwdegree fit that runs away stops early with a message naming the term.

    A dense network without isolates (70 nodes, 308 ties, from edges + gwdegree(0.7)): the decay heads to 0 with the weight to +inf (the no-isolates limit of the family).
    The fit used to spend all its iterations there (30 iterations, 4 min, p ~ 1e-20 each);
    it now stops after three iterations at the limit with a warning naming the term.
    """
    from spatialhealth.networks.ergm import simulate

    G = simulate(nx.empty_graph(70), formula="edges + gwdegree(0.7, fixed=TRUE)", coef=[-2.0, -1.0],
                 seed=3, burnin=200000)[0]
    assert min(d for _, d in G.degree()) > 0
    with pytest.warns(RuntimeWarning, match="gwdeg ran away"):
        res = ergm(G, "edges + gwdegree(0.7, fixed=FALSE)", seed=1, eval_loglik=False, n_jobs=1)
    assert not res.converged
    assert res.iterations <= 8
    assert "fixed decay" in res.messages[0]
