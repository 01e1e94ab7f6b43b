"""The exact reductions behind the speed of the ideal allocation (issue 15, item 4).

Each reduction is compared with the formulation it replaces, solved on the same data:

* identical-bound resources solved as one column (Jensen) against one column per
  resource, together with the fixed-order pairs and the HiGHS settings, i.e. the
  previous formulation (31 provinces, the free frontier MILP, objective to 1e-7);
* the closed-form ``frontier="best"`` model for one column (golden section over the
  frontier level) against its linear programme;
* the O(n log n) water filling against bisection on the level;
* the free model stopped early: it keeps a feasible allocation and certifies its gap.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from spatialhealth.equity import ideal as mod
from spatialhealth.equity import ideal_allocation
from spatialhealth.equity.ideal import gini_of_shares, water_filling

RES = ["doctors", "nurses", "beds", "institutions"]


def _provinces(n=31, seed=20240601):
    """Like benchmarks/bench_ideal.synthetic, one year (kept here: tests do not import benchmarks)."""
    rng = np.random.default_rng(seed)
    pop = rng.lognormal(4, 0.8, n)
    need = pop * rng.lognormal(0, 0.25, n)
    out = need * rng.lognormal(0, 0.1, n)
    return pd.DataFrame({"population": pop, "demand": need, "output": out,
                         **{r: pop * rng.lognormal(0, 0.4, n) for r in RES}},
                        index=[f"P{i:02d}" for i in range(n)])


def _previous_formulation(monkeypatch):
    """One column per resource, every pair a row, HiGHS defaults, Σ e >= N."""
    monkeypatch.setattr(mod, "_GROUP_RESOURCES", False)
    monkeypatch.setattr(mod, "_FIX_PAIRS", False)
    monkeypatch.setattr(mod, "_EXACTLY_N", False)
    monkeypatch.setattr(mod, "_MIP_DEFAULTS", {})
    monkeypatch.setattr(mod, "_DOMINANCE", False)


KW = {"resources": RES, "population": "population", "demand": "demand", "output": "output",
      "bounds": (0.8, 1.25)}


@pytest.mark.parametrize("seed", [20240601, pytest.param(7, marks=pytest.mark.slow)])
def test_new_and_previous_formulation_same_optimum_31_provinces(seed, monkeypatch):
    df = _provinces(31, seed)
    new = ideal_allocation(df, efficiency=0.3, **KW)
    assert new.status == "optimal" and new.mip_gap <= 1e-9
    with monkeypatch.context() as m:
        _previous_formulation(m)
        old = ideal_allocation(df, efficiency=0.3, **KW)
    assert old.status == "optimal"
    assert new.solver["objective"].iloc[0] == pytest.approx(old.solver["objective"].iloc[0], abs=1e-7)
    # both satisfy the model: N on the frontier, totals, bounds
    for res in (new, old):
        assert int(res.efficiency["on_frontier"].sum()) >= 10
        np.testing.assert_allclose(res.ideal_table().sum(), df[RES].sum(), rtol=1e-9)
    # the reduction gives the resources identical shares
    sh = new.ideal_table("ideal_share").to_numpy()
    np.testing.assert_allclose(sh, sh[:, :1].repeat(4, axis=1), atol=1e-12)


def test_mixed_bounds_group_only_equal_columns(monkeypatch):
    """Three resources, two with equal bounds: two columns, same optimum as three."""
    df = _provinces(11, seed=3)
    kw = {**KW, "resources": RES[:3],
          "bounds": {"doctors": (0.8, 1.25), "nurses": (0.8, 1.25), "beds": (0.9, 1.15)}}
    lo, hi, _ = mod._bounds_arrays(kw["bounds"], RES[:3], np.full(11, 1 / 11))
    rep, inv, cnt = mod._resource_groups(lo, hi)
    assert len(rep) == 2 and sorted(cnt.tolist()) == [1.0, 2.0] and inv[0] == inv[1] != inv[2]
    for frontier in ("free", "best"):
        new = ideal_allocation(df, efficiency=4, frontier=frontier, **kw)
        with monkeypatch.context() as m:
            _previous_formulation(m)
            old = ideal_allocation(df, efficiency=4, frontier=frontier, **kw)
        assert new.solver["objective"].iloc[0] == pytest.approx(old.solver["objective"].iloc[0],
                                                                abs=1e-8)
        sh = new.ideal_table("ideal_share")
        np.testing.assert_allclose(sh["doctors"], sh["nurses"], atol=1e-12)


def test_free_equals_enumeration_of_frontier_sets_after_grouping():
    """8 regions, 3 on the frontier: the grouped MILP = the best of all 56 pinned LPs.

    The pinned LPs are solved one column per resource (the previous formulation).
    """
    df = _provinces(8, seed=11)
    res = ideal_allocation(df, efficiency=3, **KW)
    p = (df["population"] / df["population"].sum()).to_numpy()
    d = (df["demand"] / df["demand"].sum()).to_numpy()
    y = (df["output"] / df["output"].sum()).to_numpy()
    lo = np.column_stack([0.8 * d] * 4)
    hi = np.column_stack([np.minimum(1.25 * d, 1)] * 4)
    best = np.inf
    for trio in itertools.combinations(range(8), 3):
        pinned = np.zeros(8, bool)
        pinned[list(trio)] = True
        shares, _info = mod._solve_one(p, y, lo, hi, 3, pinned=pinned)
        if shares is not None:
            best = min(best, sum(gini_of_shares(shares[:, k], p) for k in range(4)))
    assert res.solver["objective"].iloc[0] == pytest.approx(best, abs=1e-8)


@pytest.mark.parametrize("n", [31, 90])
def test_closed_form_best_equals_linear_programme(n, monkeypatch):
    df = _provinces(n, seed=n)
    lp = ideal_allocation(df, efficiency=0.2, frontier="best", method="pairs", **KW)
    closed = ideal_allocation(df, efficiency=0.2, frontier="best", method="closed", **KW)
    assert closed.solver["method"].iloc[0] == "closed form"
    assert closed.solver["objective"].iloc[0] == pytest.approx(lp.solver["objective"].iloc[0], abs=1e-9)
    np.testing.assert_allclose(closed.ideal_table("ideal_share"), lp.ideal_table("ideal_share"), atol=1e-7)
    assert (closed.efficiency["on_frontier"] == lp.efficiency["on_frontier"]).all()
    # "auto" takes the closed form above PAIRS_LIMIT
    monkeypatch.setattr(mod, "PAIRS_LIMIT", n - 1)
    auto = ideal_allocation(df, efficiency=0.2, frontier="best", **KW)
    assert auto.solver["method"].iloc[0] == "closed form"
    # several columns cannot use it
    with pytest.raises(Exception, match=r"same bounds|fairness level alone"):
        ideal_allocation(df, efficiency=0.2, frontier="best", method="closed",
                         **{**KW, "bounds": {r: (0.8, 1.25 + 0.01 * k) for k, r in enumerate(RES)}})


def _bisection(p, lo, hi):
    a, b = 0.0, float(np.max(np.where(np.isinf(hi), lo, hi) / p)) + 1.0 / p.min()
    for _ in range(300):
        t = (a + b) / 2
        a, b = (t, b) if np.clip(t * p, lo, hi).sum() < 1 else (a, t)
    return np.clip((a + b) / 2 * p, lo, hi)


def test_water_filling_pinned_and_open_bounds():
    rng = np.random.default_rng(5)
    for n in (3, 40, 500):
        p = rng.uniform(0.5, 2, n)
        p /= p.sum()
        lo = 0.8 * p * rng.uniform(0.3, 1.0, n)   # Σ lo < 0.8
        hi = lo + p * rng.uniform(0.0, 1.5, n)
        hi[rng.random(n) < 0.2] = np.inf          # open upper bounds
        hi[0] = np.inf
        pin = rng.random(n) < 0.2                  # pinned regions: lo = hi
        pin[0] = False
        hi[pin] = lo[pin]
        assert lo.sum() < 1 < hi.sum()
        got = water_filling(p, lo, hi)
        assert got.sum() == pytest.approx(1.0, abs=1e-12)
        np.testing.assert_allclose(got, _bisection(p, lo, hi), atol=1e-12)
        np.testing.assert_array_equal(got[pin], lo[pin])


def test_free_stopped_early_keeps_a_feasible_allocation_and_certifies_the_gap(monkeypatch):
    df = _provinces(31, seed=20240601)
    best = ideal_allocation(df, efficiency=0.3, frontier="best", **KW)
    fair = ideal_allocation(df, **KW)
    opt = ideal_allocation(df, efficiency=0.3, **KW)
    # a search that stops at once (no node): the frontier="best" allocation is kept
    monkeypatch.setitem(mod._HIGHS_OPTIONS, "mip_max_nodes", 0)
    monkeypatch.setitem(mod._HIGHS_OPTIONS, "mip_max_leaves", 0)
    early = ideal_allocation(df, efficiency=0.3, **KW)
    s = early.solver.iloc[0]
    assert s["status"] != "optimal"
    assert opt.solver["objective"].iloc[0] - 1e-9 <= s["objective"] <= best.solver["objective"].iloc[0] + 1e-12
    assert fair.solver["objective"].iloc[0] - 1e-12 <= s["dual_bound"] <= opt.solver["objective"].iloc[0] + 1e-9
    assert s["mip_gap"] == pytest.approx((s["objective"] - s["dual_bound"]) / s["objective"], rel=1e-6)
    assert int(early.efficiency["on_frontier"].sum()) >= 10


def test_water_filling_without_upper_bounds_gives_population_shares():
    """No upper bound: the level lies beyond every knot (was returned as zeros before)."""
    p = np.array([0.2, 0.3, 0.5])
    np.testing.assert_allclose(water_filling(p, np.zeros(3), np.full(3, np.inf)), p, atol=1e-15)
    got = water_filling(p, np.array([0.0, 0.4, 0.0]), np.full(3, np.inf))
    np.testing.assert_allclose(got, [0.6 / 0.7 * 0.2, 0.4, 0.6 / 0.7 * 0.5], atol=1e-15)
