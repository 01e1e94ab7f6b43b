"""The water-level box and the local search of the one-column free frontier model.

* the water-level lemma (module docstring): for every level ``v`` and frontier set
  ``S`` the water-filled shares lie in ``[m_j, hi'_j]`` (``m_j`` off ``S``), checked on
  random levels and sets;
* the MILP with the box (and the dominance rows) equals the best of all ``C(n, N)``
  frontier sets, each solved as its linear programme, on random instances with mixed
  per-region bounds, tight bounds, ties in ``a = y / p`` and equal populations;
* the local search returns a feasible set whose value is the exact optimum of that
  set, never below the enumerated optimum (and equal to it on most instances);
* box and local search on/off: same optimum on 31 provinces.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from spatialhealth.equity import ideal as mod
from spatialhealth.equity import ideal_allocation
from spatialhealth.equity.ideal import gini_of_shares


def _instance(n, seed, kind):
    """One-column shares: (p, y, lo, hi) of a random instance of the given kind."""
    rng = np.random.default_rng(seed)
    pop = np.ones(n) if kind == "equal_pop" else rng.lognormal(0, 0.8, n)
    p = pop / pop.sum()
    d = pop * rng.lognormal(0, 0.25, n)
    d /= d.sum()
    y = d * rng.lognormal(0, 0.1, n)
    if kind == "ties":  # several regions with the same a = y / p
        y[1:4] = p[1:4] * (y[0] / p[0])
    y = y / y.sum()
    lo_f, hi_f = {"tight": (0.95, 1.05), "wide": (0.5, 2.0)}.get(kind, (0.8, 1.25))
    if kind == "mixed":  # a different band per region, some open above
        lo_f = rng.uniform(0.0, 0.9, n)
        hi_f = np.where(rng.random(n) < 0.3, np.inf, rng.uniform(1.1, 1.6, n))
    lo = lo_f * d
    hi = np.minimum(hi_f * d, 1.0)
    return p, y, lo, hi


def _enumerate(p, y, lo, hi, n_req):
    """Best objective over all frontier sets of size N (one pairwise LP each)."""
    best = np.inf
    for subset in itertools.combinations(range(len(p)), n_req):
        pinned = np.zeros(len(p), bool)
        pinned[list(subset)] = True
        shares, _info = mod._solve_one(p, y, lo[:, None], hi[:, None], n_req, pinned=pinned,
                                       method="pairs")
        if shares is not None:
            best = min(best, gini_of_shares(shares[:, 0], p))
    return best


KINDS = ["plain", "mixed", "tight", "wide", "ties", "equal_pop"]
CASES = [(n, seed, kind) for kind in KINDS for n, seed in [(6, 3), (7, 8), (8, 13), (9, 21)]]


def _feasible(p, y, lo, hi, n_req):
    v_cap = (hi / y).min()
    return (np.sort(lo / y)[n_req - 1] <= v_cap) and lo.sum() <= 1 <= hi.sum()


@pytest.mark.parametrize(("n", "seed", "kind"), CASES)
def test_free_with_water_box_equals_enumeration(n, seed, kind):
    p, y, lo, hi = _instance(n, seed, kind)
    n_req = 1 + seed % (n - 2)
    if not _feasible(p, y, lo, hi, n_req):
        pytest.skip("no region set can be on the frontier")
    best = _enumerate(p, y, lo, hi, n_req)
    shares, info = mod._solve_one(p, y, lo[:, None], hi[:, None], n_req, method="pairs")
    if not np.isfinite(best):  # no frontier set works: the MILP says so too
        assert shares is None and info["status"] == "infeasible"
        return
    assert info["status"] == "optimal"
    assert gini_of_shares(shares[:, 0], p) == pytest.approx(best, abs=1e-7)


def test_local_search_is_feasible_and_never_below_the_optimum():
    equal = 0
    for n, seed, kind in CASES:
        p, y, lo, hi = _instance(n, seed, kind)
        n_req = 1 + seed % (n - 2)
        if not _feasible(p, y, lo, hi, n_req):
            continue
        best = _enumerate(p, y, lo, hi, n_req)
        found = mod._free_heuristic(p, y, lo, hi, n_req)
        if found is None:
            assert not np.isfinite(best)
            continue
        pinned, _v, g = found
        assert pinned.sum() == n_req
        shares, v2, _ = mod._pinned_one_column(p, y, lo[:, None], hi[:, None], 1.0, pinned)
        s = shares[:, 0]
        # feasible: total, bounds, every region on or above the level, the set on it
        assert s.sum() == pytest.approx(1.0, abs=1e-12)
        assert np.all(s >= lo - 1e-12) and np.all(s <= hi + 1e-12)
        assert np.all(s >= v2 * y * (1 - 1e-9)) and np.allclose(s[pinned], v2 * y[pinned], rtol=1e-9)
        assert g == pytest.approx(gini_of_shares(s, p), abs=1e-12)
        assert g >= best - 1e-9
        equal += g <= best + 1e-9
    assert equal >= 0.8 * len(CASES) - 4  # the search finds the optimum on most of them


@pytest.mark.parametrize("kind", KINDS)
def test_water_box_holds_for_every_level_and_set(kind):
    """The lemma itself: random v in [v_lo, v_cap], random S of N eligible regions."""
    rng = np.random.default_rng(11)
    checked = 0
    for seed in range(6):
        n = 40
        p, y, lo, hi = _instance(n, seed, kind)
        n_req = 4
        if not _feasible(p, y, lo, hi, n_req):
            continue
        hi2, floor, _t_low, _t_high = mod._water_box(p, y, lo, hi, n_req)
        assert np.all(hi2 <= hi) and np.all(floor >= lo)
        v_lo, v_cap = np.sort(lo / y)[n_req - 1], (hi / y).min()
        for _ in range(30):
            v = rng.uniform(v_lo, v_cap)
            elig = np.nonzero(lo / y <= v)[0]
            if len(elig) < n_req:
                continue
            pinned = np.zeros(n, bool)
            pinned[rng.choice(elig, n_req, replace=False)] = True
            s = mod._fixed_level_shares(p, y, lo, hi, pinned, v)
            if s is None:
                continue
            checked += 1
            assert np.all(s <= hi2 * (1 + 1e-9) + 1e-15)
            assert np.all(s[~pinned] >= floor[~pinned] * (1 - 1e-9) - 1e-15)
    assert checked > 20


def _provinces(n=31, seed=20240601):
    rng = np.random.default_rng(seed)
    pop = rng.lognormal(4, 0.8, n)
    need = pop * rng.lognormal(0, 0.25, n)
    return pd.DataFrame({"population": pop, "demand": need,
                         "output": need * rng.lognormal(0, 0.1, n),
                         "doctors": pop * rng.lognormal(0, 0.4, n),
                         "beds": pop * rng.lognormal(0, 0.4, n)})


@pytest.mark.parametrize("bounds", [(0.8, 1.25), (0.85, 1.2)])
def test_water_box_and_local_search_on_off_same_optimum(bounds, monkeypatch):
    df = _provinces()
    kw = {"resources": ["doctors", "beds"], "population": "population", "demand": "demand",
          "output": "output", "efficiency": 0.3, "bounds": bounds}
    on = ideal_allocation(df, **kw)
    monkeypatch.setattr(mod, "_WATER", False)
    monkeypatch.setattr(mod, "_HEURISTIC", False)
    off = ideal_allocation(df, **kw)
    assert on.status == off.status == "optimal"
    assert on.solver["objective"].iloc[0] == pytest.approx(off.solver["objective"].iloc[0], abs=1e-7)


def test_large_free_stopped_keeps_the_local_search_and_certifies_the_gap():
    """600 regions, a short limit: at most the frontier='best' value, a certified gap.

    The gap is measured against a bound at least the fairness-only optimum.
    """
    rng = np.random.default_rng(4)
    n = 600
    pop = rng.lognormal(4, 0.8, n)
    need = pop * rng.lognormal(0, 0.25, n)
    df = pd.DataFrame({"population": pop, "demand": need,
                       "output": need * rng.lognormal(0, 0.1, n),
                       "doctors": pop * rng.lognormal(0, 0.4, n)})
    kw = {"resources": ["doctors"], "population": "population", "demand": "demand",
          "output": "output", "bounds": (0.8, 1.25)}
    fair = ideal_allocation(df, **kw).solver["objective"].iloc[0]
    best = ideal_allocation(df, efficiency=0.1, frontier="best", **kw).solver["objective"].iloc[0]
    res = ideal_allocation(df, efficiency=0.1, time_limit=3.0, **kw)
    s = res.solver.iloc[0]
    assert s["objective"] <= best + 1e-12
    assert fair - 1e-12 <= s["dual_bound"] <= s["objective"] + 1e-12
    if s["status"] != "optimal":
        assert s["mip_gap"] == pytest.approx((s["objective"] - s["dual_bound"]) / s["objective"],
                                             rel=1e-6)
    assert int(res.efficiency["on_frontier"].sum()) >= 60


def test_progress_ticks_once_per_period_and_bar_runs():
    df = pd.concat([_provinces(12, seed).assign(year=2020 + k) for k, seed in enumerate((1, 2))],
                   ignore_index=True)
    kw = {"resources": ["doctors", "beds"], "population": "population", "demand": "demand",
          "output": "output", "efficiency": 0.3, "bounds": (0.8, 1.25), "period": "year"}
    ticks = []
    res = ideal_allocation(df, progress=ticks.append, **kw)
    assert ticks == [1, 1]
    bar = ideal_allocation(df, progress=True, **kw)
    pd.testing.assert_frame_equal(res.solver.drop(columns="seconds"),
                                  bar.solver.drop(columns="seconds"))


def test_mip_progress_report_receives_bound_and_gap():
    """The branch-and-bound callback reports incumbent, bound and gap as text."""
    p, y, lo, hi = _instance(60, 5, "plain")
    texts = []
    _shares, info = mod._solve_one(p, y, lo[:, None], hi[:, None], 8, method="pairs",
                                  report=texts.append)
    assert info["status"] == "optimal"
    assert texts and all("gap" in t and "bound" in t for t in texts)


@pytest.mark.slow
def test_pair_rows_in_per_capita_units_make_the_model_objective_the_gini(monkeypatch):
    """100 regions: the MILP's objective equals the Gini of its shares.

    In share units (rows of size p_i s_j ~ 1e-4 against the absolute tolerance 1e-7)
    it did not.
    """
    rng = np.random.default_rng(20240601)
    n = 100
    pop = rng.lognormal(4, 0.8, n)
    need = pop * rng.lognormal(0, 0.25, n)
    out = need * rng.lognormal(0, 0.1, n)
    p, d, y = pop / pop.sum(), need / need.sum(), out / out.sum()
    lo, hi = (0.8 * d)[:, None], np.minimum(1.25 * d, 1)[:, None]
    gaps = {}
    for flag in (True, False):
        monkeypatch.setattr(mod, "_PER_CAPITA_PAIRS", flag)
        shares, info = mod._solve_one(p, y, lo, hi, 10, method="pairs")
        assert info["status"] == "optimal"
        gaps[flag] = abs(gini_of_shares(shares[:, 0], p) - info["dual_bound"])
    assert gaps[True] < 1e-9 < 1e-6 < gaps[False]


def test_mixed_bounds_start_from_the_average_column_same_optimum(monkeypatch):
    """Bounds differing by resource: the average column's local search only starts the search.

    The optimum is the same without it, and no worse than the rule's.
    """
    df = _provinces(14, seed=9)
    kw = {"resources": ["doctors", "beds"], "population": "population", "demand": "demand",
          "output": "output", "efficiency": 4,
          "bounds": {"doctors": (0.8, 1.25), "beds": (0.85, 1.4)}}
    on = ideal_allocation(df, **kw)
    best = ideal_allocation(df, frontier="best", **kw)
    monkeypatch.setattr(mod, "_HEURISTIC", False)
    off = ideal_allocation(df, **kw)
    assert on.status == off.status == "optimal"
    assert on.solver["objective"].iloc[0] == pytest.approx(off.solver["objective"].iloc[0], abs=1e-8)
    assert on.solver["objective"].iloc[0] <= best.solver["objective"].iloc[0] + 1e-12
