"""The fairness–efficiency ideal allocation (spatialhealth.equity.ideal).

References used here, none of them the solver under test:

* exhaustive search over an integer grid of shares (small instances, exact integer
  arithmetic for the frontier condition);
* the closed-form water-filling allocation ``s_i = clip(t p_i, lo_i, hi_i)``, which is
  Lorenz-maximal under box bounds and a fixed total, hence Gini-minimal (fairness only);
* the package's own :func:`spatialhealth.equity.gini` (grouped Lorenz formula);
* an unrestricted CCR DEA with slacks written directly with scipy's linprog.
"""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from spatialhealth._results import Result
from spatialhealth.equity import (
    IdealAllocationResult,
    InfeasibleAllocationError,
    gini,
    health_distance,
    ideal_allocation,
)
from spatialhealth.equity.ideal import gini_of_shares
from spatialhealth.errors import InputError


def _table(n=6, seed=0, m=2):
    rng = np.random.default_rng(seed)
    pop = rng.integers(5, 60, n).astype(float)
    need = pop * rng.uniform(0.7, 1.4, n)
    out = need * rng.uniform(0.85, 1.15, n)
    cols = {f"r{k}": pop * rng.lognormal(0, 0.5, n) for k in range(m)}
    return pd.DataFrame({**cols, "pop": pop, "need": need, "out": out},
                        index=[f"R{i}" for i in range(n)])


# ---------------------------------------------------------------- Gini identities


def test_gini_of_shares_equals_package_gini():
    rng = np.random.default_rng(3)
    for n in (2, 5, 31):
        d = pd.DataFrame({"x": rng.uniform(0, 10, n), "p": rng.uniform(1, 5, n)})
        assert gini_of_shares(d.x, d.p) == pytest.approx(gini(d, "x", "p", by=None).value, abs=1e-12)
        # the pairwise (mean-absolute-difference) form the LP uses
        s, p = d.x / d.x.sum(), d.p / d.p.sum()
        pairs = sum(abs(p[j] * s[i] - p[i] * s[j]) for i, j in itertools.combinations(range(n), 2))
        assert gini_of_shares(d.x, d.p) == pytest.approx(pairs, abs=1e-12)


@pytest.mark.parametrize("efficiency", [None, 0.5])
def test_result_gini_equals_package_gini_of_solution(efficiency):
    df = _table(8, seed=1)
    res = ideal_allocation(df, resources=["r0", "r1"], population="pop", demand="need",
                           output="out", bounds=(0.8, 1.25), efficiency=efficiency)
    ideal = res.ideal_table().assign(pop=df["pop"].to_numpy())
    for r in ("r0", "r1"):
        g = res.gini.set_index("resource").loc[r]
        assert g["gini_ideal"] == pytest.approx(gini(ideal, r, "pop", by=None).value, abs=1e-9)
        assert g["gini_actual"] == pytest.approx(gini(df, r, "pop", by=None).value, abs=1e-12)
    assert res.solver["objective"].iloc[0] == pytest.approx(res.gini["gini_ideal"].sum(), abs=1e-12)


# ---------------------------------------------------------------- fairness level


def _water_filling(p, lo, hi):
    """Closed-form Gini-minimal shares under box bounds (bisection on the level t)."""
    a, b = 0.0, 1.0 / p.min() + 1.0
    for _ in range(200):
        t = (a + b) / 2
        if np.clip(t * p, lo, hi).sum() < 1:
            a = t
        else:
            b = t
    return np.clip((a + b) / 2 * p, lo, hi)


@pytest.mark.parametrize("seed", range(6))
def test_fairness_only_equals_water_filling(seed):
    df = _table(12 + 3 * seed, seed=seed)
    res = ideal_allocation(df, resources=["r0", "r1"], population="pop", demand="need",
                           bounds={"r0": (0.8, 1.2), "r1": (0.9, 1.3)})
    p = (df["pop"] / df["pop"].sum()).to_numpy()
    d = (df["need"] / df["need"].sum()).to_numpy()
    for r, (lo, hi) in {"r0": (0.8, 1.2), "r1": (0.9, 1.3)}.items():
        ref = _water_filling(p, lo * d, hi * d)
        got = res.ideal_table("ideal_share")[r].to_numpy()
        assert gini_of_shares(got, p) == pytest.approx(gini_of_shares(ref, p), abs=1e-9)
        np.testing.assert_allclose(got, ref, atol=1e-7)
    assert res.status == "optimal" and res.mip_gap == 0


def test_fairness_cutting_planes_equal_pairs():
    df = _table(12, seed=11, m=3)
    kw = {"resources": ["r0", "r1", "r2"], "population": "pop", "demand": "need", "output": "out",
              "bounds": (0.85, 1.2), "efficiency": 0.2}
    a = ideal_allocation(df, method="pairs", **kw)
    b = ideal_allocation(df, method="cuts", **kw)
    assert b.solver["objective"].iloc[0] == pytest.approx(a.solver["objective"].iloc[0], abs=1e-8)
    # (the free search starts with a cut at the local search's allocation, which may
    # already be exact there: one round can suffice)
    assert b.solver["method"].iloc[0] == "cuts" and b.solver["rounds"].iloc[0] >= 1
    p = (df["pop"] / df["pop"].sum()).to_numpy()
    d = (df["need"] / df["need"].sum()).to_numpy()
    y = (df["out"] / df["out"].sum()).to_numpy()
    lo, hi = np.column_stack([0.85 * d] * 3), np.column_stack([1.2 * d] * 3)
    from spatialhealth.equity import ideal as mod
    shares, info = mod._solve_one(p, y, lo, hi, 3, method="cuts")   # no first cut: iterates
    assert info["rounds"] > 1
    assert sum(gini_of_shares(shares[:, k], p) for k in range(3)) == pytest.approx(
        a.solver["objective"].iloc[0], abs=1e-8)


# ---------------------------------------------------------------- optimality certificate


def test_linear_programme_certificate_strong_duality():
    df = _table(10, seed=4)
    res = ideal_allocation(df, resources=["r0", "r1"], population="pop", demand="need",
                           output="out", bounds=(0.8, 1.25), efficiency=0.3, frontier="best")
    cert = res._certificate["certificate"]
    a, y, z, c, x = cert["A"], cert["row_dual"], cert["col_dual"], cert["c"], cert["x"]
    # dual feasibility: reduced costs c - A'y are the column duals
    np.testing.assert_allclose(c - a.T @ y, z, atol=1e-9)
    # a row dual > 0 prices the lower side, < 0 the upper side (minimisation)
    pick = lambda d, lo, hi: np.where(d > 1e-10, lo, np.where(d < -1e-10, hi, 0.0))
    row_side = pick(y, cert["row_lo"], cert["row_hi"])
    col_side = pick(z, cert["lb"], cert["ub"])
    assert np.all(np.isfinite(row_side)) and np.all(np.isfinite(col_side))
    dual_obj = float(y @ row_side + z @ col_side)
    assert dual_obj == pytest.approx(float(c @ x), abs=1e-9)
    assert float(c @ x) == pytest.approx(res.solver["objective"].iloc[0], abs=1e-8)


# ---------------------------------------------------------------- brute force


def _brute(pop, dem, out, lo_f, hi_f, n_req, grid, choose="free", pinned=None):
    """Exhaustive search over shares in units of 1/grid (n = 3, m = 2), exact integers."""
    pop, out = np.asarray(pop), np.asarray(out)
    d = np.asarray(dem) / np.sum(dem)
    lo = np.ceil(lo_f * d * grid - 1e-9).astype(int)
    hi = np.floor(np.minimum(hi_f * d, 1) * grid + 1e-9).astype(int)
    cand = np.array([(a, b, grid - a - b) for a in range(grid + 1) for b in range(grid + 1 - a)])
    ok = np.all((cand >= lo) & (cand <= hi), axis=1)
    cand = cand[ok]
    pairs = [(0, 1), (0, 2), (1, 2)]
    g = sum(np.abs(pop[j] * cand[:, i] - pop[i] * cand[:, j]) for i, j in pairs) / (grid * pop.sum())
    s1, s2 = np.repeat(cand, len(cand), axis=0), np.tile(cand, (len(cand), 1))
    obj = np.repeat(g, len(cand)) + np.tile(g, len(cand))
    if n_req:
        agg = s1 + s2  # Σ_k s_jk in grid units; ratio agg_j / out_j compared exactly
        ratio_num = agg * np.prod(out) / out  # agg_j * Π_{l != j} out_l (integers)
        best = ratio_num.min(axis=1, keepdims=True)
        tight = ratio_num == best
        feasible = tight.sum(axis=1) >= n_req
        if choose == "best":
            feasible &= np.all(tight[:, pinned], axis=1)
        obj = np.where(feasible, obj, np.inf)
    return float(obj.min())


@pytest.mark.parametrize("n_req,frontier", [(0, "free"), (2, "free"), (3, "free"), (2, "best")])
def test_small_instance_equals_brute_force(n_req, frontier):
    # an instance whose optimum lies on the 1/40 grid in all four settings; the
    # objective grows with each constraint added: 0.1273, 0.3591 (2 on the frontier),
    # 0.5091 (all 3)
    pop, need, out = [3, 4, 4], [1, 3, 1], [1, 3, 1]
    df = pd.DataFrame({"a": [10.0, 30.0, 60.0], "b": [30.0, 20.0, 50.0], "pop": pop, "need": need,
                       "out": out})
    res = ideal_allocation(df, resources=["a", "b"], population="pop", demand="need", output="out",
                           bounds=(0.5, 1.5), efficiency=n_req or None, frontier=frontier)
    got = res.solver["objective"].iloc[0]
    pinned = res.efficiency["on_frontier"].to_numpy() if frontier == "best" else None
    brute = _brute(np.array(pop), need, out, 0.5, 1.5, n_req, 40, frontier, pinned)
    assert res.status == "optimal"
    assert got <= brute + 1e-9           # the solver is never beaten by the grid
    assert brute == pytest.approx(got, abs=1e-9)   # and the grid attains it
    assert int(res.efficiency["on_frontier"].sum()) >= n_req
    assert got == pytest.approx({0: 0.127273, 2: 0.359091, 3: 0.509091}[n_req], abs=1e-6)
    if n_req:
        assert res.solver["mip_gap"].iloc[0] <= 1e-6


def test_small_instance_four_regions_free_matches_enumeration_of_frontier_sets():
    """Free MILP = best over all frontier sets solved as LPs (second formulation)."""
    df = _table(5, seed=7)
    kw = {"resources": ["r0", "r1"], "population": "pop", "demand": "need", "output": "out",
              "bounds": (0.8, 1.3)}
    free = ideal_allocation(df, efficiency=2, frontier="free", **kw)
    from spatialhealth.equity import ideal as mod

    p = (df["pop"] / df["pop"].sum()).to_numpy()
    y = (df["out"] / df["out"].sum()).to_numpy()
    d = (df["need"] / df["need"].sum()).to_numpy()
    lo, hi = np.column_stack([0.8 * d] * 2), np.column_stack([np.minimum(1.3 * d, 1)] * 2)
    best = np.inf
    for pair in itertools.combinations(range(5), 2):
        pinned = np.zeros(5, bool)
        pinned[list(pair)] = True
        shares, _info = mod._solve_one(p, y, lo, hi, 2, pinned=pinned)
        if shares is not None:
            best = min(best, sum(gini_of_shares(shares[:, k], p) for k in range(2)))
    assert free.solver["objective"].iloc[0] == pytest.approx(best, abs=1e-8)
    best_rule = ideal_allocation(df, efficiency=2, frontier="best", **kw)
    assert free.solver["objective"].iloc[0] <= best_rule.solver["objective"].iloc[0] + 1e-12


# ---------------------------------------------------------------- each constraint matters


def test_removing_bounds_gives_the_population_shares():
    df = _table(9, seed=2)
    free = ideal_allocation(df, resources=["r0", "r1"], population="pop")
    np.testing.assert_allclose(free.ideal_table("ideal_share")["r0"], df["pop"] / df["pop"].sum(),
                               atol=1e-9)
    assert free.gini["gini_ideal"].max() < 1e-9
    bounded = ideal_allocation(df, resources=["r0", "r1"], population="pop", demand="need",
                               bounds=(0.95, 1.05))
    sh = bounded.frame
    assert (sh.ideal_share >= sh.lower_share - 1e-9).all() and (sh.ideal_share <= sh.upper_share + 1e-9).all()
    assert bounded.gini["gini_ideal"].min() > 0.01  # the bounds force inequality


def test_totals_are_allocated():
    df = _table(7, seed=5)
    res = ideal_allocation(df, resources=["r0", "r1"], population="pop", demand="need",
                           bounds=(0.8, 1.2), totals={"r0": 1000.0, "r1": 250.0})
    sums = res.ideal_table().sum()
    assert sums["r0"] == pytest.approx(1000.0) and sums["r1"] == pytest.approx(250.0)
    default = ideal_allocation(df, resources=["r0", "r1"], population="pop", demand="need",
                               bounds=(0.8, 1.2))
    np.testing.assert_allclose(default.ideal_table().sum(), df[["r0", "r1"]].sum())
    # the totals scale the allocation; the shares (and the Gini) do not depend on them
    np.testing.assert_allclose(default.ideal_table("ideal_share"), res.ideal_table("ideal_share"),
                               atol=1e-9)


def _ccr_strongly_efficient(x, y, o):
    """Unrestricted input-oriented CCR with slacks (two phases) for region o."""
    from scipy.optimize import linprog

    n, m = x.shape
    # phase 1: min theta s.t. Σ λ x_j <= θ x_o, Σ λ y_j >= y_o
    c = np.r_[1.0, np.zeros(n)]
    a_ub = np.vstack([np.c_[-x[o][:, None], x.T], np.r_[0.0, -y][None, :]])
    b_ub = np.r_[np.zeros(m), -y[o]]
    r1 = linprog(c, A_ub=a_ub, b_ub=b_ub, bounds=[(None, None)] + [(0, None)] * n, method="highs")
    theta = r1.fun
    # phase 2: max slacks at theta
    c2 = np.r_[np.zeros(n), -np.ones(m + 1)]
    a_eq = np.vstack([np.c_[x.T, np.eye(m), np.zeros((m, 1))], np.r_[y, np.zeros(m), -1.0][None, :]])
    b_eq = np.r_[theta * x[o], y[o]]
    r2 = linprog(c2, A_eq=a_eq, b_eq=b_eq, bounds=[(0, None)] * (n + m + 1), method="highs")
    return theta, -r2.fun


@pytest.mark.parametrize("frontier", ["best", "free"])
def test_efficiency_requirement_effect_and_dea_check(frontier):
    df = _table(8, seed=9)
    kw = {"resources": ["r0", "r1"], "population": "pop", "demand": "need", "output": "out",
              "bounds": (0.8, 1.3)}
    fair = ideal_allocation(df, **kw)
    eff = ideal_allocation(df, efficiency=0.5, frontier=frontier, **kw)
    assert fair.efficiency["on_frontier"].sum() < 4
    assert eff.efficiency["on_frontier"].sum() >= 4
    assert eff.solver["objective"].iloc[0] > fair.solver["objective"].iloc[0] + 1e-6
    # regions on the frontier are strongly efficient in the unrestricted CCR model with slacks
    x = eff.ideal_table().to_numpy()
    y = df["out"].to_numpy()
    for o in np.nonzero(eff.efficiency["on_frontier"].to_numpy())[0]:
        theta, slack = _ccr_strongly_efficient(x, y, o)
        assert theta == pytest.approx(1.0, abs=1e-7) and slack == pytest.approx(0.0, abs=1e-6)
    # the reported scores are the lower level's optimum (assurance-region CCR)
    agg = eff.ideal_table("ideal_share").sum(axis=1).to_numpy()
    ys = y / y.sum()
    ref = (ys / agg) / (ys / agg).max()
    np.testing.assert_allclose(eff.efficiency["score_ideal"], ref, atol=1e-9)


# ---------------------------------------------------------------- infeasible specifications


def test_infeasible_bounds_name_the_constraint():
    df = _table(6, seed=1)
    with pytest.raises(InfeasibleAllocationError, match=r"'r0'.*lower bounds.*add up to 1[0-9]{2}\.") as e:
        ideal_allocation(df, resources=["r0", "r1"], population="pop", demand="need", bounds=(1.1, 2))
    assert e.value.constraint == "bounds"
    with pytest.raises(InfeasibleAllocationError, match=r"upper bounds.*Raise the upper factor") as e:
        ideal_allocation(df, resources=["r0", "r1"], population="pop", demand="need",
                         bounds={"r0": (0, 2), "r1": (0, 0.9)})
    assert e.value.constraint == "bounds" and "'r1'" in str(e.value)


def test_infeasible_efficiency_says_how_many_can_be_on_the_frontier():
    df = _table(10, seed=2)
    df["out"] = df["need"] * np.linspace(0.5, 2.0, 10)  # outputs far from demand
    with pytest.raises(InfeasibleAllocationError, match=r"efficiency requirement cannot hold: 8 of 10.*at most \d") as e:
        ideal_allocation(df, resources=["r0", "r1"], population="pop", demand="need", output="out",
                         bounds=(0.9, 1.1), efficiency=0.8)
    assert e.value.constraint == "efficiency"
    with pytest.raises(InputError, match="share must lie in"):
        ideal_allocation(df, resources=["r0"], population="pop", efficiency=1.5)
    with pytest.raises(InputError, match="only 10"):
        ideal_allocation(df, resources=["r0"], population="pop", efficiency=11)


def test_bad_inputs_are_named():
    df = _table(4)
    df.loc["R2", "r0"] = -1.0
    with pytest.raises(InputError, match="'r0'"):
        ideal_allocation(df, resources=["r0", "r1"], population="pop")
    with pytest.raises(InputError, match="totals"):
        ideal_allocation(_table(4), resources=["r0", "r1"], population="pop", totals={"r0": 5})
    with pytest.raises(InputError, match="frontier"):
        ideal_allocation(_table(4), resources=["r0"], population="pop", efficiency=1, frontier="x")


def test_duplicated_regions_are_refused_not_allocated_twice():
    # a region listed twice would receive two allocations and weigh twice in the Gini
    df = pd.DataFrame({"code": [110000, 120000, 110000, 130000], "人口": [1.0, 2.0, 1.0, 3.0],
                       "医生": [5.0, 6.0, 5.0, 7.0]})
    with pytest.raises(InputError, match="110000"):
        ideal_allocation(df, resources=["医生"], population="人口")
    with pytest.raises(InputError, match="北京"):
        ideal_allocation(df.drop(columns="code").set_axis(["北京", "天津", "北京", "河北"]),
                         resources=["医生"], population="人口")
    panel = pd.concat([df.iloc[[0, 1, 3]].assign(year=2020), df.assign(year=2021)])
    with pytest.raises(InputError, match=r"year=2021.*110000"):
        ideal_allocation(panel, resources=["医生"], population="人口", period="year")
    # the same code in different periods is a panel, not a duplicate
    ok = ideal_allocation(pd.concat([df.iloc[[0, 1, 3]].assign(year=y) for y in (2020, 2021)]),
                          resources=["医生"], population="人口", period="year")
    assert len(ok.frame) == 6


# ---------------------------------------------------------------- panels, protocol, health distance


def test_period_panel_equals_separate_solves_and_same_type(tmp_path):
    a, b = _table(7, seed=1), _table(7, seed=2)
    panel = pd.concat([a.assign(year=2019), b.assign(year=2020)], ignore_index=True)
    kw = {"resources": ["r0", "r1"], "population": "pop", "demand": "need", "output": "out",
              "bounds": (0.8, 1.25), "efficiency": 0.3}
    res = ideal_allocation(panel, period="year", **kw)
    single = ideal_allocation(b, **kw)
    assert isinstance(res, IdealAllocationResult) and isinstance(single, IdealAllocationResult)
    assert isinstance(res, Result)
    assert list(res.solver["year"]) == [2019, 2020]
    got = res.frame[res.frame.year == 2020]["ideal"].to_numpy()
    np.testing.assert_allclose(got, single.frame["ideal"].to_numpy(), atol=1e-7)
    assert "Gini before and after" in res.summary()
    ax = res.plot()
    assert hasattr(ax, "get_figure")
    path = res.to_file(tmp_path / "ideal.csv")
    assert path.exists() and pd.read_csv(path).shape[0] == len(res.frame)


def test_health_distance_bilevel_matches_explicit_ideal_and_panel():
    a, b = _table(6, seed=1), _table(6, seed=3)
    panel = pd.concat([a.assign(year=2019), b.assign(year=2020)], ignore_index=True)
    hd = health_distance(panel, "bilevel", resources=["r0", "r1"], population="pop", demand="need",
                         bounds=(0.8, 1.25), period="year", k=2)
    alloc = ideal_allocation(b.reset_index(drop=True), resources=["r0", "r1"], population="pop",
                             demand="need", bounds=(0.8, 1.25))
    q = alloc.ideal_table()
    p = b.reset_index(drop=True)[["r0", "r1"]]
    ref = (0.5 * ((p - q.to_numpy()) / q.to_numpy()).abs()).sum(axis=1).to_numpy()
    np.testing.assert_allclose(hd.values[panel.year == 2020].to_numpy(), ref, atol=1e-7)
    assert hd.allocation is not None and hd.levels is not None
    again = health_distance(panel, hd.allocation)
    np.testing.assert_allclose(again.values, hd.values)
    with pytest.raises(InputError, match="only apply with `ideal='bilevel'`"):
        health_distance(panel[["r0", "r1"]], panel[["r0", "r1"]], population="pop")


def test_health_distance_rejects_negative_values():
    actual = pd.DataFrame({"doctors": [0.1, -0.2], "beds": [0.3, 0.1]}, index=["Beijing", "Tibet"])
    ideal = pd.DataFrame({"doctors": [0.1, 0.2], "beds": [0.2, 0.1]}, index=["Beijing", "Tibet"])
    with pytest.raises(InputError, match=r"`actual` has negative values at .*\(Tibet, 'doctors'\) = -0.2"):
        health_distance(actual, ideal)
    with pytest.raises(InputError, match=r"`ideal` has negative values at .*\(Beijing, 'beds'\) = -0.2"):
        health_distance(actual.abs(), ideal.assign(beds=[-0.2, 0.1]))


def test_closed_form_fairness_equals_linear_programme():
    from spatialhealth.equity.ideal import water_filling

    df = _table(40, seed=21, m=2)
    kw = {"resources": ["r0", "r1"], "population": "pop", "demand": "need", "bounds": (0.85, 1.2)}
    lp = ideal_allocation(df, method="pairs", **kw)
    closed = ideal_allocation(df, method="closed", **kw)
    np.testing.assert_allclose(closed.ideal_table(), lp.ideal_table(), rtol=1e-7, atol=1e-7)
    assert closed.solver["method"].iloc[0] == "closed form"
    p = (df["pop"] / df["pop"].sum()).to_numpy()
    d = (df["need"] / df["need"].sum()).to_numpy()
    np.testing.assert_allclose(water_filling(p, 0.85 * d, 1.2 * d), _water_filling(p, 0.85 * d, 1.2 * d),
                               atol=1e-12)
    with pytest.raises(InputError, match="fairness level alone"):
        ideal_allocation(df, method="closed", efficiency=0.5, **kw)


def test_ideal_allocation_after_another_highs_solve_in_the_same_process():
    """HiGHS refuses a per-model thread count once its global scheduler runs (a DEA solved first)."""
    import subprocess
    import sys

    code = (
        "import pandas as pd\n"
        "from spatialhealth.efficiency import sbm\n"
        "from spatialhealth.equity import ideal_allocation\n"
        "sbm(pd.DataFrame({'x': [4, 7, 8.], 'y': [1, 2, 1.]}), inputs=['x'], outputs=['y'])\n"
        "d = pd.DataFrame({'a': [10, 20, 30.], 'b': [5, 9, 20.], 'pop': [1, 2, 3.]})\n"
        "r = ideal_allocation(d, resources=['a', 'b'], population='pop', bounds=(0.9, 1.1))\n"
        "print(r.status)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "optimal"
