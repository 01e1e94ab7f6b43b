"""Level boxes: the one-column free model by branch and bound over (v, t) (module docstring).

* the box model is a lower model: at the flags of any water-filled allocation whose
  levels lie in the box, its quadratic is at most the Gini and its total rows hold, and
  its cross terms are non-positive (submodular);
* the minimum cut equals the brute-force minimum of the Lagrangian over all flags that
  respect the dominance fixings and precedences;
* the branch and bound equals the enumeration of all frontier sets (n = 5..9, the
  dominance test's instances), its bound never above the optimum;
* through ``ideal_allocation(method="boxes")`` it matches the MILP.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

# the enumeration instances and their brute force are test_equity_ideal_dominance's own
from test_equity_ideal_dominance import CASES, _enumerate, _instance

from spatialhealth.equity import ideal as mod
from spatialhealth.equity import ideal_allocation
from spatialhealth.equity.ideal import gini_of_shares
from spatialhealth.errors import InputError


def _problem(p, y, lo, hi, n_req):
    fix0, fix1, prec = mod._dominance(p, y, lo, hi, n_req)
    return {"p": p, "y": y, "lo": lo, "hi": hi, "a": y / p, "n_req": n_req,
            "fix0": fix0, "fix1": fix1, "prec": prec}


def _random_instance(n, seed, lo_f=0.8, hi_f=1.25):
    p, y, lo, hi = _instance(n, seed, lo_f, hi_f, False)
    return p, y, lo[:, 0], hi[:, 0]


@pytest.mark.parametrize("seed", range(12))
def test_box_model_is_below_the_gini_of_every_water_filled_allocation_in_it(seed):
    rng = np.random.default_rng(seed)
    n = 9
    p, y, lo, hi = _random_instance(n, seed)
    n_req = 1 + seed % 4
    v_lo, v_cap, t_low, t_high = mod._box_range(p, y, lo, hi, n_req)
    no_dominance = {**_problem(p, y, lo, hi, n_req), "fix0": np.zeros(n, bool),
                    "fix1": np.zeros(n, bool), "prec": (np.zeros(0, int), np.zeros(0, int))}
    checked = 0
    for _ in range(40):
        v = rng.uniform(v_lo, v_cap)
        elig = np.nonzero(lo / y <= v)[0]
        if len(elig) < n_req:
            continue
        pinned = np.zeros(n, bool)
        pinned[rng.choice(elig, n_req, replace=False)] = True
        s = mod._fixed_level_shares(p, y, lo, hi, pinned, v)
        if s is None:
            continue
        # a box around v (random widths) spanning the whole water range [t_low, t_high]
        v1 = max(v_lo, v - rng.uniform(0, 0.02) * v)
        v2 = min(v_cap, v + rng.uniform(0, 0.02) * v)
        box = mod._LevelBox(no_dominance, v1, v2, t_low, t_high)
        assert box.feasible
        e = pinned[box.C]
        assert e.sum() == n_req          # every pinned region is a candidate
        f, g = box.piece(e)
        assert f <= gini_of_shares(s, p) + 1e-12
        assert g[0] <= 0 and g[1] <= 1e-12 and g[2] <= 1e-12   # rows hold: N flags, total
        assert np.all(box.Q <= 0)
        checked += 1
    assert checked >= 10


@pytest.mark.parametrize("seed", range(8))
def test_minimum_cut_equals_brute_force_over_allowed_flags(seed):
    rng = np.random.default_rng(100 + seed)
    n = 10
    p, y, lo, hi = _random_instance(n, seed, 0.7, 1.4)
    n_req = 2 + seed % 3
    P = _problem(p, y, lo, hi, n_req)
    v_lo, v_cap, t_low, t_high = mod._box_range(p, y, lo, hi, n_req)
    for _ in range(4):
        v1 = rng.uniform(v_lo, v_cap)
        v2 = rng.uniform(v1, v_cap)
        t1 = rng.uniform(t_low, t_high)
        t2 = rng.uniform(t1, t_high)
        box = mod._LevelBox(P, v1, v2, t1, t2)
        if not box.feasible:
            continue
        c = len(box.C)
        pi, pj = box.prec
        for m in [(0.0, 0.0, 0.0), tuple(rng.uniform(0, [0.05, 2.0, 2.0]))]:
            low, e = box.lagrangian(*m)
            best = np.inf
            for bits in itertools.product([0, 1], repeat=c):
                x = np.array(bits, dtype=bool)
                if np.any(x[pi] & ~x[pj]) or np.any(box.force1 & ~x):
                    continue
                f, g = box.piece(x)
                best = min(best, f + np.dot(m, g))
            f, g = box.piece(e)
            assert low <= best + 1e-12                      # a valid bound
            assert low == pytest.approx(best, abs=1e-9)      # and the minimum
            assert f + np.dot(m, g) == pytest.approx(best, abs=1e-9)


@pytest.mark.parametrize(("n", "seed", "bounds", "same"), CASES)
def test_level_boxes_bound_and_allocation_against_enumeration(n, seed, bounds, same):
    """Check the bound and the allocation of the search on a few regions.

    There the search need not close its gap (the Lagrangian gap of the flag choice
    is wide), but its bound never passes the optimum and its allocation is a
    feasible one, equal to the optimum when certified.
    """
    n_req = 1 + seed % (n - 1)
    p, y, lo, hi = _instance(n, seed, *bounds, same)
    best, _ = _enumerate(p, y, lo, hi, n_req)
    out = mod._free_boxes(p, y, lo[:, 0], hi[:, 0], n_req, rel_gap=1e-7, time_limit=0.5)
    assert out["bound"] <= best + 1e-12                    # a valid bound
    assert out["value"] >= best - 1e-9                     # a feasible allocation
    assert gini_of_shares(out["shares"], p) == pytest.approx(out["value"], abs=1e-12)
    assert out["pinned"].sum() >= n_req
    if out["certified"]:
        assert out["value"] <= best * (1 + 1e-7) + 1e-12


def _table(n, seed):
    rng = np.random.default_rng(seed)
    pop = rng.lognormal(4, 0.8, n)
    need = pop * rng.lognormal(0, 0.25, n)
    return pd.DataFrame({"code": np.arange(n), "pop": pop, "need": need,
                         "out": need * rng.lognormal(0, 0.1, n),
                         "r0": pop * rng.lognormal(0, 0.4, n), "r1": pop * rng.lognormal(0, 0.4, n)})


def _synthetic(n):
    """Return the benchmark's table (benchmarks/bench_ideal.py), one year."""
    rng = np.random.default_rng(20240601)
    pop = rng.lognormal(4, 0.8, n)
    need = pop * rng.lognormal(0, 0.25, n)
    out = need * rng.lognormal(0, 0.1, n)
    res = {r: pop * rng.lognormal(0, 0.4, n) for r in ["r0", "r1", "r2", "r3"]}
    return pd.DataFrame({"code": np.arange(n), "pop": pop, "need": need, "out": out, **res})


KW = {"resources": ["r0", "r1", "r2", "r3"], "population": "pop", "demand": "need",
      "output": "out", "bounds": (0.8, 1.25), "efficiency": 0.1}


@pytest.mark.parametrize("n", [40, pytest.param(100, marks=pytest.mark.slow)])
def test_ideal_allocation_method_boxes_equals_the_milp(n):
    df = _synthetic(n)
    milp = ideal_allocation(df, method="pairs", **KW)
    boxes = ideal_allocation(df, method="boxes", **KW)
    s, ref = boxes.solver.iloc[0], milp.solver.iloc[0]
    assert ref["status"] == "optimal" and s["method"] == "boxes"
    assert s["status"] == "optimal" and s["mip_gap"] <= 1e-4
    assert s["dual_bound"] <= ref["objective"] + 1e-9
    # the same frontier set: the same allocation (the MILP to 1e-9)
    assert s["objective"] == pytest.approx(ref["objective"], rel=1e-9)
    assert int(s["on_frontier"]) >= int(np.ceil(0.1 * n))
    assert "level boxes (min cut), status optimal" in boxes.summary()


def test_method_boxes_refuses_other_models():
    df = _synthetic(20)
    with pytest.raises(InputError, match="boxes"):
        ideal_allocation(df, method="boxes", **{**KW, "bounds": {"r0": (0.8, 1.25), "r1": (0.8, 1.3)}})
    with pytest.raises(InputError, match="boxes"):
        ideal_allocation(df, method="boxes", **{**KW, "frontier": "best"})
    with pytest.raises(InputError, match="boxes"):
        ideal_allocation(df, method="boxes", **{**KW, "efficiency": None})
