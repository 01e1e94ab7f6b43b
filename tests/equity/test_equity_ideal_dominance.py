"""The dominance lemma of the free frontier model with one column (module docstring).

* the MILP with the dominance fixings and precedence rows equals the best of all
  ``C(n, N)`` frontier sets, each solved as its linear programme (n = 5..9, bounds
  variants, output = demand or not);
* with and without the dominance rows the 31-province MILP has the same optimum;
* the optimal frontier set is not a window of consecutive regions in the order of
  ``a = y / p`` (nor the top ``N``): a counterexample, found by enumeration.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from spatialhealth.equity import ideal as mod
from spatialhealth.equity import ideal_allocation
from spatialhealth.equity.ideal import gini_of_shares


def _instance(n, seed, lo_f, hi_f, same):
    rng = np.random.default_rng(seed)
    pop = rng.lognormal(0, 0.8, n)
    p = pop / pop.sum()
    d = pop * rng.lognormal(0, 0.25, n)
    d /= d.sum()
    y = d if same else d * rng.lognormal(0, 0.1, n)
    y = y / y.sum()
    return p, y, (lo_f * d)[:, None], np.minimum(hi_f * d, 1.0)[:, None]


def _enumerate(p, y, lo, hi, n_req):
    """Best objective and set over all frontier sets of size N (one LP each)."""
    best, best_set = np.inf, None
    for subset in itertools.combinations(range(len(p)), n_req):
        pinned = np.zeros(len(p), bool)
        pinned[list(subset)] = True
        shares, _info = mod._solve_one(p, y, lo, hi, n_req, pinned=pinned, method="pairs")
        if shares is not None:
            g = gini_of_shares(shares[:, 0], p)
            if g < best:
                best, best_set = g, subset
    return best, best_set


CASES = [(n, seed, b, same) for n, seed in [(5, 1), (6, 26), (7, 27), (8, 33), (9, 39), (7, 22)]
         for b, same in [((0.8, 1.25), False), ((0.5, 2.0), True), ((0.0, np.inf), False)]]


@pytest.mark.parametrize(("n", "seed", "bounds", "same"), CASES)
def test_free_with_dominance_equals_enumeration(n, seed, bounds, same):
    n_req = 1 + seed % (n - 1)
    p, y, lo, hi = _instance(n, seed, *bounds, same)
    best, _ = _enumerate(p, y, lo, hi, n_req)
    shares, info = mod._solve_one(p, y, lo, hi, n_req, method="pairs")
    assert info["status"] == "optimal"
    assert gini_of_shares(shares[:, 0], p) == pytest.approx(best, abs=1e-7)


def test_dominance_pairs_are_used_and_swap_never_raises_the_gini():
    """On these instances the lemma gives rows; every dominated pair passes the swap check."""
    rng = np.random.default_rng(0)
    used = 0
    for n, seed, bounds, same in CASES:
        n_req = 1 + seed % (n - 1)
        p, y, lo, hi = _instance(n, seed, *bounds, same)
        fix0, fix1, (ii, jj) = mod._dominance(p, y, lo[:, 0], hi[:, 0], n_req)
        used += len(ii) + fix0.sum() + fix1.sum()
        v_lo = np.sort(lo[:, 0] / y)[n_req - 1]
        v_cap = (hi[:, 0] / y).min()
        for i, j in zip(ii, jj):
            # random feasible configurations: i on the frontier, j above it
            for _ in range(20):
                v = rng.uniform(max(v_lo, lo[i, 0] / y[i]), v_cap)
                s = rng.uniform(0.5, 1.5, n) * p
                s[i] = v * y[i]
                s[j] = rng.uniform(v * y[j], hi[j, 0])
                s2 = s.copy()
                s2[j] = v * y[j]
                s2[i] = v * y[i] + s[j] - v * y[j]
                assert lo[j, 0] <= s2[j] + 1e-15 and s2[i] <= hi[i, 0] + 1e-15
                assert gini_of_shares(s2, p) <= gini_of_shares(s, p) + 1e-12
    assert used > 0


def test_dominance_on_off_same_optimum_provinces(monkeypatch):
    rng = np.random.default_rng(7)
    n = 31
    pop = rng.lognormal(4, 0.8, n)
    need = pop * rng.lognormal(0, 0.25, n)
    df = pd.DataFrame({"population": pop, "demand": need,
                       "output": need * rng.lognormal(0, 0.1, n),
                       "doctors": pop * rng.lognormal(0, 0.4, n)})
    kw = {"resources": ["doctors"], "population": "population", "demand": "demand",
          "output": "output", "efficiency": 0.3}
    for bounds in [(0.8, 1.25), (0.5, 2.0)]:
        on = ideal_allocation(df, bounds=bounds, **kw)
        monkeypatch.setattr(mod, "_DOMINANCE", False)
        off = ideal_allocation(df, bounds=bounds, **kw)
        monkeypatch.setattr(mod, "_DOMINANCE", True)
        assert on.status == off.status == "optimal"
        assert on.solver["objective"].iloc[0] == pytest.approx(off.solver["objective"].iloc[0],
                                                               abs=1e-7)


def test_optimal_frontier_set_is_not_a_window_in_the_efficiency_order():
    """Six regions, two on the frontier: the optimum pins the highest and the lowest a = y/p (a small region)."""
    p, y, lo, hi = _instance(6, 26, 0.8, 1.25, False)
    best, best_set = _enumerate(p, y, lo, hi, 2)
    rank = np.empty(6, int)
    rank[np.argsort(-(y / p))] = np.arange(6)
    assert sorted(rank[list(best_set)]) == [0, 5]
    windows = []
    for start in range(5):
        pinned = np.isin(rank, [start, start + 1])
        shares, _ = mod._solve_one(p, y, lo, hi, 2, pinned=pinned, method="pairs")
        if shares is not None:
            windows.append(gini_of_shares(shares[:, 0], p))
    assert min(windows) > best * 1.5
