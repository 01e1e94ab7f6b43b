"""Infinite (boundary) MLEs in MCMC-MLE, as statnet reports them.

The term at its bound is +/-Inf with a warning, the others are fitted with the dyads it
decides held as observed.

Checked against (1) exact enumeration: the limit of the likelihood as the coefficient goes
to -Inf is the ERGM conditional on those dyads being empty, whose exact MLE and
log-likelihood are computed over the graphs that keep them empty; (2) a second
implementation: a level of ``nodefactor`` held by an isolated node forces every dyad of
that node empty, so the fit must equal the ordinary MCMC-MLE on the network without it.
"""

from __future__ import annotations

import itertools
import pickle
import sys
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from scipy import optimize
from scipy.special import logsumexp

from spatialhealth.errors import ConvergenceError
from spatialhealth.networks.ergm import ergm
from spatialhealth.networks.ergm.boundary import plan_boundary
from spatialhealth.networks.ergm.datasets import load_network
from spatialhealth.networks.ergm.model import build_model

sys.path.insert(0, str(Path(__file__).parent))
from exact_oracle import ExactERGM

F5 = "edges + nodematch('g', diff=TRUE) + triangle"
PAIRS = list(itertools.combinations(range(5), 2))


def _graph5(code):
    """5 nodes, groups a a b b b, ties as bits over PAIRS (bit 0: the a-a dyad (0, 1))."""
    G = nx.Graph()
    G.add_nodes_from(range(5))
    G.add_edges_from(p for b, p in enumerate(PAIRS) if code >> b & 1)
    nx.set_node_attributes(G, dict(zip(range(5), "aabbb")), "g")
    return G


def _exact_conditional(G, held):
    """Exact MLE, SEs and log-likelihood of (edges, nodematch.g.b, triangle).

    Over the graphs whose a-a dyad is ``held`` (0: the limit nodematch.g.a -> -Inf; 1:
    the limit -> +Inf).
    """
    ex = ExactERGM(G, F5)
    assert ex.names == ["edges", "nodematch.g.a", "nodematch.g.b", "triangle"]
    keep = ex.stats[:, 1] == held
    S = ex.stats[keep][:, [0, 2, 3]]
    obs = ex.observed[[0, 2, 3]]

    def loglik(th):
        return float(obs @ th - logsumexp(S @ th))
    r = optimize.minimize(lambda th: -loglik(th), np.zeros(3), method="BFGS", options={"gtol": 1e-10})
    p = np.exp(S @ r.x - logsumexp(S @ r.x))
    mu = p @ S
    C = ((S - mu) * p[:, None]).T @ (S - mu)
    np.testing.assert_allclose(mu, obs, atol=1e-6)  # the likelihood equations hold
    return r.x, np.sqrt(np.diag(np.linalg.inv(C))), loglik


@pytest.mark.parametrize(("code", "sign"), [(398, "-"), (422, "-"), (185, "+")])
def test_boundary_mcmcmle_equals_exact_conditional_mle(code, sign):
    G = _graph5(code)
    held = code & 1
    assert held == (sign == "+")
    theta, se, loglik = _exact_conditional(G, held)
    with pytest.warns(RuntimeWarning, match=rf"`nodematch.g.a` is \{sign}Inf.*keeps the 1 dyad"):
        res = ergm(G, F5, seed=1)
    assert res.params["nodematch.g.a"] == float(sign + "inf") and np.isnan(res.bse["nodematch.g.a"])
    fin = res.params.drop("nodematch.g.a")
    assert list(fin.index) == ["edges", "nodematch.g.b", "triangle"]
    z = (fin.to_numpy() - theta) / se
    assert np.all(np.abs(z) < 0.15), (fin.tolist(), theta.tolist())
    np.testing.assert_allclose(res.bse.drop("nodematch.g.a"), se, rtol=0.15)
    # the bridge-sampled log-likelihood is the exact conditional one at the estimate
    exact_ll = loglik(fin.to_numpy())
    assert abs(res.llf - exact_ll) < max(4 * res.llf_se, 0.05), (res.llf, res.llf_se, exact_ll)
    assert res.df_model == 3
    text = res.summary()
    assert f"{sign}Inf".lstrip("+") in text and "MLE at infinity" in text and "keeps the 1 dyad(s)" in text
    # simulated networks keep the a-a dyad as observed; the finite statistics vary
    sims = res.simulate(nsim=30, seed=2, output="stats")
    assert np.all(sims[:, 1] == held) and sims[:, 0].std() > 0
    nets = res.simulate(nsim=10, seed=2)
    assert all(H.has_edge(0, 1) == bool(held) for H in nets)
    # a pickled fit keeps the held dyads (workers, caches)
    again = pickle.loads(pickle.dumps(res))
    np.testing.assert_array_equal(again.simulate(nsim=30, seed=2, output="stats"), sims)


def _flomarriage_with_isolate_level():
    G = load_network("flomarriage")
    w = nx.get_node_attributes(G, "wealth")
    med = np.median(list(w.values()))
    grp = {v: ("iso" if G.degree(v) == 0 else "hi" if w[v] > med else "lo") for v in G}
    assert [v for v in G if grp[v] == "iso"] == ["Pucci"]
    nx.set_node_attributes(G, grp, "grp")
    return G


@pytest.mark.parametrize("seed", [1, 2])
def test_boundary_fit_equals_fit_without_the_forced_dyads(seed):
    G = _flomarriage_with_isolate_level()
    F = "edges + nodefactor('grp') + gwesp(0.5, fixed=TRUE)"
    with pytest.warns(RuntimeWarning, match=r"`nodefactor.grp.iso` is -Inf.*keeps the 15 dyad"):
        res = ergm(G, F, seed=seed)
    H = G.subgraph([v for v in G if v != "Pucci"]).copy()
    ref = ergm(H, F, seed=seed)  # the ordinary MCMC-MLE on the 15 other nodes
    assert list(ref.params.index) == ["edges", "nodefactor.grp.lo", "gwesp.fixed.0.5"]
    fin = res.params.drop("nodefactor.grp.iso")
    z = (fin - ref.params) / ref.bse
    assert np.all(np.abs(z) < 0.3), z.tolist()
    np.testing.assert_allclose(res.bse.drop("nodefactor.grp.iso"), ref.bse, rtol=0.15)
    # the same conditional likelihood: the forced-empty dyads add log 1 = 0
    assert abs(res.llf - ref.llf) < 4 * np.hypot(res.llf_se, ref.llf_se) + 0.02
    assert res.info["fixed_dyads"] == 15
    g = res.gof(nsim=10, seed=1, kinds=["degree", "model"])
    f = g.frame
    iso = f[(f["kind"] == "degree") & (f["value"].astype(str) == "0")]
    assert iso["sim_min"].iloc[0] >= 1  # Pucci stays isolated in every simulated network


def test_plan_boundary_reduced_model():
    G = _graph5(398)
    m = build_model(G, F5)
    plan = plan_boundary(m, {"nodematch.g.a": -np.inf})
    assert plan.reduced.names == ["edges", "nodematch.g.b", "triangle"]
    np.testing.assert_array_equal(plan.reduced.observed(), m.observed()[[0, 2, 3]])
    pos = {v: k for k, v in enumerate(G.nodes())}
    a, b = pos[0], pos[1]
    assert plan.fixed_dyads[a, b] == -np.inf and plan.fixed_dyads[b, a] == -np.inf
    assert np.count_nonzero(plan.fixed_dyads) == 2
    # a dyad-dependent statistic at its bound is not handled: the reason is given
    reason = plan_boundary(m, {"triangle": -np.inf})
    assert isinstance(reason, str) and "`triangle`" in reason


def test_dyad_dependent_infinite_statistic_still_raises_with_reason():
    with pytest.raises(ConvergenceError, match="MCMC-MLE cannot go on: the infinite statistic"):
        ergm(nx.empty_graph(8), "edges + triangle", seed=1)


def test_boundary_mcmcmle_directed_equals_exact_conditional_mle():
    """Directed: nobody sends a tie to the z node, so nodeifactor.g.z is -Inf.

    The 3 dyads into it stay empty; the rest equals the exact MLE over the 2^9 graphs
    without them.
    """
    F = "edges + mutual + nodeifactor('g')"
    dyads = [(i, j) for i in range(4) for j in range(4) if i != j]
    G = nx.DiGraph()
    G.add_nodes_from(range(4))
    G.add_edges_from(p for b, p in enumerate(dyads) if 2768 >> b & 1)
    nx.set_node_attributes(G, dict(zip(range(4), ["a", "a", "b", "z"])), "g")
    ex = ExactERGM(G, F)
    assert ex.names == ["edges", "mutual", "nodeifactor.g.b", "nodeifactor.g.z"]
    keep = ex.stats[:, 3] == 0
    S, obs = ex.stats[keep][:, :3], ex.observed[:3]
    r = optimize.minimize(lambda th: -(obs @ th - logsumexp(S @ th)), np.zeros(3), method="BFGS",
                          options={"gtol": 1e-10})
    p = np.exp(S @ r.x - logsumexp(S @ r.x))
    se = np.sqrt(np.diag(np.linalg.inv(((S - p @ S) * p[:, None]).T @ (S - p @ S))))
    with pytest.warns(RuntimeWarning, match=r"`nodeifactor.g.z` is -Inf.*keeps the 3 dyad"):
        res = ergm(G, F, seed=3)
    fin = res.params.to_numpy()[:3]
    assert np.all(np.abs(fin - r.x) / se < 0.15), (fin.tolist(), r.x.tolist())
    ll = float(obs @ fin - logsumexp(S @ fin))
    assert abs(res.llf - ll) < max(4 * res.llf_se, 0.05)
    nets = res.simulate(nsim=10, seed=1)
    assert all(H.in_degree(3) == 0 for H in nets)
