"""What keeps small ERGM fits fast, checked by structure (timings live in benchmarks/bench_ergm.py).

* a fresh ``import spatialhealth.networks.ergm`` (and a small fit) loads neither scipy.stats,
  scipy.optimize, statsmodels nor matplotlib, and a small fit starts no worker pool;
* the Hummel step's hull test is decided without the LP when every orthant around the
  target holds a draw (a certificate checked against scipy's linprog);
* the final sample is sized by statnet's multivariate effective size (recomputed here from
  the determinants, as Vats, Flegal and Jones define it) to ``final_ess``, with an interval adapted below statnet's 1024
  on a 16-node network, and ``converged`` agrees with the final diagnostics.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from spatialhealth.networks.ergm import ergm
from spatialhealth.networks.ergm import sampler as S
from spatialhealth.networks.ergm.datasets import load_network
from spatialhealth.networks.ergm.diagnostics import diagnose_sample
from spatialhealth.networks.ergm.fit import _orthants_covered

HEAVY = ("scipy.stats", "scipy.optimize", "statsmodels", "matplotlib", "duckdb", "spatialhealth.networks.qap",
         "spatialhealth.networks.centrality")


def _modules_after(code: str) -> dict:
    prog = code + f"\nimport sys, json\nprint(json.dumps({{m: m in sys.modules for m in {HEAVY!r}}}))"
    out = subprocess.run([sys.executable, "-c", prog], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_loads_no_heavy_module():
    loaded = _modules_after("import spatialhealth.networks.ergm\nimport spatialhealth.networks.ergm.fit")
    assert not any(loaded.values()), [m for m, v in loaded.items() if v]


def test_small_fit_loads_no_stats_module_and_no_pool():
    loaded = _modules_after(
        "from spatialhealth.networks.ergm import ergm\n"
        "from spatialhealth.networks.ergm.datasets import load_network\n"
        "from spatialhealth.networks.ergm import sampler\n"
        "res = ergm(load_network('flomarriage'), 'edges + triangle', seed=1)\n"
        "assert res.converged and not sampler._POOLS")
    # the Hummel step's hull test is decided by the orthant certificate, without linprog
    assert not any(loaded.values()), [m for m, v in loaded.items() if v]


def _point_in_hull(points, x, tol=1e-9):
    """Tell whether ``x`` lies in the convex hull of the rows of ``points`` (LP feasibility).

    The hull test the fit used before its one-LP step length; kept here as the reference
    the step length is bisected against.
    """
    pts = np.unique(points, axis=0)
    # coordinates without variation must match exactly
    const = np.all(pts == pts[0], axis=0)
    if np.any(np.abs(x[const] - pts[0, const]) > tol * (1 + np.abs(x[const]))):
        return False
    pts = pts[:, ~const]
    xv = x[~const]
    if pts.shape[1] == 0:
        return True
    if _orthants_covered(pts, xv):
        return True
    m = pts.shape[0]
    A_eq = np.vstack([pts.T, np.ones((1, m))])
    b_eq = np.append(xv, 1.0)
    from scipy.optimize import linprog  # imported on first use: it costs a fresh process 0.2 s

    res = linprog(np.zeros(m), A_eq=A_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    return res.status == 0


def test_orthant_certificate_agrees_with_the_lp():
    from scipy.optimize import linprog

    rng = np.random.default_rng(0)
    certified = 0
    for _ in range(400):
        p, m = int(rng.integers(1, 5)), int(rng.integers(5, 200))
        pts = np.round(rng.standard_normal((m, p)) @ rng.standard_normal((p, p)) * 3)
        x = pts.mean(0) + rng.standard_normal(p) * rng.uniform(0, 3) * pts.std(0)
        lp = linprog(np.zeros(m), A_eq=np.vstack([pts.T, np.ones((1, m))]), b_eq=np.append(x, 1.0),
                     bounds=(0, None), method="highs").status == 0
        if _orthants_covered(pts, x):
            certified += 1
            assert lp
        assert _point_in_hull(pts, x) == lp
    assert certified > 50  # the certificate decides a good share of the cases


def test_hummel_step_one_lp_equals_bisection_on_hull_membership():
    # statnet's one-LP step length (shrink_into_CH) against a bisection on the LP membership test
    from spatialhealth.networks.ergm.fit import hummel_step

    def bisect(pts, obs, margin=0.05):
        xbar = pts.mean(0)
        if _point_in_hull(pts, xbar + (1 + margin) * (obs - xbar)):
            return 1.0
        lo, hi = 0.0, 1.0
        while hi - lo > 1e-8:
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if _point_in_hull(pts, xbar + (1 + margin) * mid * (obs - xbar)) else (lo, mid)
        return lo

    rng = np.random.default_rng(5)
    short = 0
    for _ in range(150):
        p, m = int(rng.integers(1, 6)), int(rng.integers(8, 300))
        pts = np.round(rng.standard_normal((m, p)) @ rng.standard_normal((p, p)) * 3)
        obs = pts.mean(0) + rng.standard_normal(p) * rng.uniform(0, 6) * pts.std(0)
        g = hummel_step(pts, obs)
        short += g < 1
        assert g == pytest.approx(bisect(pts, obs), abs=1e-6)
    assert short > 50
    # a constant statistic off its observed value allows no step; a linearly dependent one is ignored
    pts = rng.standard_normal((300, 2))
    obs = np.array([3.0, 3.0])
    g = hummel_step(pts, obs)
    assert 0 < g < 1
    assert hummel_step(np.column_stack([pts, np.ones(300)]), np.append(obs, 2.0)) == 0.0
    assert hummel_step(np.column_stack([pts, np.ones(300)]), np.append(obs, 1.0)) == pytest.approx(g, abs=1e-9)
    dep = np.column_stack([pts, pts @ [1.0, -2.0]])
    assert hummel_step(dep, np.append(obs, obs @ [1.0, -2.0])) == pytest.approx(g, abs=1e-9)


def test_final_sample_reaches_final_ess_with_adapted_interval():
    res = ergm(load_network("flomarriage"), "edges + triangle", seed=3, eval_loglik=False)
    final = res.sample
    assert S.multivariate_ess(final) >= res.control["final_ess"]
    # 120 dyads mix in far fewer than statnet's 1024 proposals per draw
    assert res.control["interval"] < 1024
    assert res.converged == diagnose_sample(final, observed=res.model.observed()).ok
    assert res.converged and res.info["final_diagnostics_ok"]


def test_concentrated_final_weights_fall_back_to_statnets_lognormal_step(monkeypatch):
    # if only one draw carries the final step's importance weights, the estimate is the
    # lognormal step from the final sample (computed here independently), not the sampled point
    from spatialhealth.networks.ergm import fit as F

    def degenerate(theta0, sample, target, maxiter=100):
        w = np.zeros(len(sample))
        w[0] = 1.0
        return np.asarray(theta0) + 1.0, w, True

    monkeypatch.setattr(F, "geyer_thompson", degenerate)
    res = ergm(load_network("flomarriage"), "edges + triangle", seed=3, eval_loglik=False)
    assert res.converged and res.info["final_step"] == "lognormal"
    names = res.model.names
    sampled = res.info["history"][names].iloc[-1].to_numpy()  # the final sample is drawn here
    expected = F.lognormal_step(sampled, res.sample.reshape(-1, len(names)), res.model.observed())
    np.testing.assert_allclose(res.params.to_numpy(), expected, rtol=1e-12)
    assert np.max(np.abs(expected - sampled)) > 1e-4  # a real step, not the sampled point


def test_far_iterations_draw_half_the_sample():
    # faux.mesa.high's MPLE is far from its MLE: those iterations draw half the sample, the ones
    # near it (squared Mahalanobis distance of the sampled mean at most FAR_D2) the full sample
    from spatialhealth.networks.ergm import fit as F

    res = ergm(load_network("faux.mesa.high"), "edges + nodematch('Grade') + gwesp(0.5, fixed=TRUE)",
               seed=2, eval_loglik=False)
    h = res.info["history"]
    full = res.control["samplesize"]
    assert set(h["draws"]) <= {full // 2, full}
    # a half sample is kept only when its mean is far (the full one's d2 is then measured on it)
    assert (h.loc[h["draws"] == full // 2, "d2"] > F.FAR_D2).all()
    assert (h["draws"] == full // 2).any() and h["draws"].iloc[-1] == full
    assert res.converged and h["d2"].iloc[-1] < 1.0


def test_convergence_gate_tolerance_region_and_distance_cap(monkeypatch):
    # Hotelling's test never passing: the fit stops once the mean is within statnet's tolerance
    # region (d2 < 2 x mcmc_precision); always passing: it still waits until the mean is within 1 SE
    from spatialhealth.networks.ergm import fit as F

    G = load_network("faux.mesa.high")
    formula = "edges + nodematch('Grade') + gwesp(0.5, fixed=TRUE)"
    real = F.hotelling
    for p_value in (0.0, 1.0):
        monkeypatch.setattr(F, "hotelling", lambda s, o, prev=None, pv=p_value: (0.0, pv) + real(s, o, prev)[2:])
        res = ergm(G, formula, seed=3, eval_loglik=False)
        h = res.info["history"]
        bound = 2 * F.DEFAULTS["mcmc_precision"] if p_value == 0.0 else 1.0
        assert res.converged and h["d2"].iloc[-1] < bound
        earlier = h.iloc[:-1]
        assert not ((earlier["gamma"] >= 1) & (earlier["d2"] < bound) & (earlier["ess"] >= 64)).any()
