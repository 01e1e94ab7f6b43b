"""The ideal allocation behind the mismatch degree: a fairness–efficiency bi-level model.

The primary-care mismatch studies compute the ideal allocation ``q`` of the health
distance ``HD(p, q)`` with a bi-level programme, solved there by hand with a
"master–slave interactive algorithm". This module writes that programme down in a
reproducible form and solves it exactly with HiGHS (through :mod:`scipy.optimize`).

Notation: regions ``i = 1..n``, resources ``k = 1..m``, population shares ``p_i``,
demand shares ``d_i`` (demand index; the population when none is given), output
shares ``y_i`` of the efficiency model, national totals ``T_k``. The decision
variables are the shares ``s_ik = x_ik / T_k`` of each resource given to each region
(the ideal allocation is ``x_ik = s_ik T_k``).

Upper level (fairness)
    minimise ``Σ_k G_k(s_·k)`` where ``G_k`` is the population-weighted Gini of
    resource ``k`` (the grouped-Lorenz Gini of :func:`spatialhealth.equity.gini`),
    subject to ``Σ_i s_ik = 1`` (the national total is allocated) and
    ``lo · d_i <= s_ik <= hi · d_i`` (each region's share within bounds of its
    demand share). The Gini is linear in absolute values,
    ``G_k = Σ_{i<j} |p_j s_ik - p_i s_jk|`` (mean-absolute-difference form), so the
    level is a linear programme.

Lower level (efficiency)
    a CCR (constant returns) DEA of each region with the allocated resources as
    inputs and the output ``y`` as output. Each region's score is
    ``E_o = max u y_o / v·x_o`` subject to ``u y_j <= v·x_j`` for every region ``j``.
    The input weights are fixed by an assurance region ``v_k = 1 / T_k`` (every
    resource counted by its national share, the unit in which the upper level
    measures it), so that ``v·x_j = Σ_k s_jk``. The requirement is that at least
    ``N`` of the ``n`` regions lie on the frontier (``E_o = 1``).

Single-level reformulation
    The lower level's optimality conditions are ``u <= Σ_k s_jk / y_j`` for every
    ``j`` (dual feasibility) with equality for the regions on the frontier
    (complementary slackness). With a binary ``e_j`` (region ``j`` on the frontier)
    and the constant ``M_j = Σ_k hi_jk - u_min y_j`` (``u_min`` the N-th smallest
    ``Σ_k lo_jk / y_j``) this is ``0 <= Σ_k s_jk - u y_j <= M_j (1 - e_j)``,
    ``Σ_j e_j = N`` (further regions may sit on the frontier unflagged): a
    mixed-integer linear programme solved by HiGHS branch and bound to a proven
    relative gap of 1e-9. The allocation returned is then re-solved as the linear
    programme (or closed form) of the frontier set found, free of the MIP tolerances.
    Regions on this frontier lie on a supporting hyperplane with strictly positive
    weights, so they are also strongly efficient (score 1, zero slacks) in the
    unrestricted CCR model with slacks.

Choices where the published description is ambiguous (stated once here, repeated in
notebook 06):

1. *Gini against what*: the Gini of each resource is weighted by ``population``;
   the demand index enters through the bounds (and, by default, as the DEA output).
   Pass the demand column as ``population`` to weigh the Gini by demand instead.
2. *Bounds*: "within bounds of its demand index" is read as a band of factors
   around the demand share, ``lo · d_i <= s_ik <= hi · d_i``; the factors may differ
   by resource. Without ``bounds`` only ``s_ik >= 0`` holds.
3. *Lower-level DEA*: input-oriented CCR with one output and input weights fixed at
   the reciprocals of the national totals (see above). Free input weights make the
   single-level problem bilinear (non-convex, not solvable exactly at scale); with
   one output and fixed input weights every region's own DEA LP has the same
   optimal output weight, so the common-weight frontier *is* the DEA frontier of
   each region, and "a share N/n of regions on the frontier" has one meaning.
4. *Output*: the DEA output defaults to the demand index (the population when no
   demand is given); ``output=`` names another column (service volume...).
5. *N/n*: ``efficiency`` is the share (``N = ceil(share · n)``) or, as an int >= 1,
   the number of regions required on the frontier.
6. *Totals*: the national totals default to the sums of the actual allocation.
7. *Which regions are on the frontier*: the literal model lets the optimiser choose
   them (``frontier="free"``, the default: a MILP, proven optimal by branch and
   bound, exponential in the worst case). ``frontier="best"`` fixes them to the ``N``
   regions most efficient under the fairness-only allocation (among those the bounds
   allow on the frontier): a linear programme with duals (well under a second for
   31 provinces), whose optimum is an upper bound of the free one.

Reductions (all exact):

* Resources whose bounds are equal in every region (one ``bounds`` pair for all) are
  solved as one column counted by their number: averaging their columns keeps every
  constraint and, the Gini being convex, does not raise the objective (Jensen), so
  an optimum gives them the same shares. With one ``bounds`` pair the model has one
  column whatever the number of resources.
* Pairs whose order of per-capita values the bounds fix contribute a linear term
  instead of a row.
* With one column and a fixed frontier set (``frontier="best"``), the optimum for a
  given frontier level ``u`` is the water-filling allocation with the frontier
  regions pinned at ``u y_j`` and the others held at or above it, and the optimum
  is convex in ``u``: a golden-section search over ``u`` solves the model without a
  linear programme (used above ``PAIRS_LIMIT`` regions or with ``method="closed"``;
  equal to the linear programme, tested).

Dominance (one column, ``frontier="free"``; exact). Write ``v = u / w`` for the
frontier level in share units, so that ``s_j >= v y_j`` for every region and
``s_j = v y_j`` on the frontier set ``S``; valid bounds are ``v_lo <= v <= v_cap``
(``v_lo`` the N-th smallest ``lo_j / y_j``, ``v_cap = min_j hi_j / y_j``). Region
``j`` *dominates* ``i`` when ``a_j >= a_i`` and ``p_j <= p_i`` (``a = y / p``, ties
broken by index), ``lo_j / y_j <= max(v_lo, lo_i / y_i)`` and
``hi_j - hi_i <= v (y_j - y_i)`` for every ``v`` in ``[v_lo, v_cap]``. Lemma: if
``i ∈ S`` and ``j ∉ S``, swapping them (``s'_j = v y_j``,
``s'_i = v y_i + s_j - v y_j``, same ``v``, every other share unchanged) keeps every
constraint and does not raise the Gini. Proof: the total is kept; ``s'_j`` is
within ``j``'s bounds (the ``lo`` condition, ``s_j >= v y_j``), and
``v y_i <= s'_i <= v y_i + hi_j - v y_j <= hi_i`` (the ``hi`` condition). In
per-capita values ``A = v a_i <= D = v a_j <= B = s_j / p_j`` the two regions' people
go from ``p_i`` at ``A`` and ``p_j`` at ``B`` to ``p_i`` at
``C = A + p_j (B - D) / p_i`` and ``p_j`` at ``D``, with ``A <= C <= B`` (as
``p_j <= p_i``) and the same total: a distribution on ``[A, B]`` with the mean of the
two-point one on ``{A, B}``, hence smaller in the convex order; mixed with the
unchanged regions the whole distribution is smaller in the convex order, and the
Gini ``½ E|X - X'|`` does not increase (``E|X - c|`` is convex in ``X``). Each
swap moves ``S`` up a total order, so from any optimum the swaps end at an optimum
whose ``S`` (``|S| = N``) is an up-set of the dominance: ``e_i <= e_j`` whenever ``j``
dominates ``i``; a region with ``N`` or more (eligible) dominators is off the set,
and a region ``j`` with fewer than ``N`` candidates outside ``{j}`` and the regions
it dominates is on it. These fixings and precedence rows are added to the MILP
(verified against enumeration of all frontier sets, and on/off on provinces: same
optimum, about half the CPU time). The optimal ``S`` is in general *not* a window
of consecutive regions in the order of ``a`` (nor the top ``N``, nor the ``N``
smallest "deficits" ``p_i (t - v a_i)``): counterexamples are in the tests.

Water level (one column, ``frontier="free"``; exact). For a level ``v`` and a set ``S``
the optimum is the water filling: ``s_j = v y_j`` on ``S``, ``s_j = clip(t p_j, f_j,
hi_j)`` off it (``f_j = max(lo_j, v y_j)``), ``t`` the smallest level with
``T(t) = Σ_j s_j(t) >= 1``. Lemma: ``t_low <= t <= t_high`` for every ``v`` in
``[v_lo, v_cap]`` and every ``S`` of ``N`` eligible regions, where ``t_high`` (resp.
``t_low``) is the smallest level at which ``Σ_j clip(t p_j, max(lo_j, v_lo y_j), hi_j)``
minus the ``N`` largest releases ``clip(...) - v_lo y_j`` of eligible regions (resp.
with ``v_cap`` and the ``N`` smallest releases) reaches 1. Proof: term by term, a
region of ``S`` gives ``v y_j >= v_lo y_j`` and a region off it ``clip(t p_j, f_j,
hi_j) >= clip(t p_j, max(lo_j, v_lo y_j), hi_j)``, so ``T(t)`` is at least the first
sum minus the releases of ``S``, hence at least that sum minus the ``N`` largest
releases; ``T`` reaches 1 no later than that lower function does. The upper side is
the same with every inequality reversed. Both functions are non-decreasing in ``t``
(a minimum, resp. maximum, over sets of non-decreasing sums), so bisection finds the
levels (lower end of the bracket for ``t_low``, upper end for ``t_high``). Hence the
water-filled optimum (one exists for every optimal ``(v, S)``) satisfies
``s_j <= hi'_j = min(hi_j, max(t_high p_j, lo_j, v_cap y_j))`` for every region and
``s_j >= m_j = max(lo_j, min(t_low p_j, hi_j))`` off ``S``; the MILP gets these
bounds (a smaller big-M, more pairs of fixed order) and the rows
``s_j + (m_j - g_j) e_j >= m_j`` (``g_j = max(lo_j, v_lo y_j)``). Since the swaps of the
dominance lemma end at an optimum that can then be water-filled without changing
``S``, both reductions hold together. *Bulk regions* (``lo_j <= t_low p_j``,
``hi_j >= t_high p_j``, ``v_cap y_j <= t_low p_j``) sit exactly at ``t p_j`` off the
frontier, so with ``t`` a variable in ``[t_low, t_high]``: ``s_j = t p_j`` if ``j`` cannot
be on the frontier, else ``s_j = (y_j / w) ω_j + p_j (t - τ_j)`` with McCormick rows for
``τ_j = e_j t`` and ``ω_j = e_j u`` (exact for a binary ``e_j``, the convex hull of the two
states for a fractional one). On the 2,850-county benchmark these rows raise the
relaxation's bound from 0.0486 to 0.0516 per column (heuristic allocation 0.0522).

Local search (one column, ``frontier="free"``; an incumbent, not a proof). The best
level found tends to sit where a region just becomes eligible (``v = lo_j / y_j``) or
at ``v_cap``; :func:`_free_heuristic` tries every such breakpoint and a grid of levels,
builds a set greedily from first-order Gini changes (``∫ F (1 - F)`` form, with the
released resource handed to the water level), improves the five best by exact swaps
and alternates with the exact optimum over ``v`` for the set. It finds the enumerated
optimum on most small test instances and on 100 regions, is never below it (tested),
and starts the branch and bound (and, with cutting planes, gives its first cut). With
bounds that differ by resource it runs on the weighted average column and its set,
solved as the linear programme of the real columns, starts the search when it beats
the rule's (31 provinces x 11 years, mixed bounds: 97 -> 46 s of CPU).

Level boxes (one column, ``frontier="free"``, above ``PAIRS_LIMIT`` regions or
``method="boxes"``; proven to a relative gap of 1e-4, HiGHS's default ``mip_rel_gap``).
Write ``x_j = s_j / p_j`` (per-capita values), ``H_j = hi_j / p_j``. By the two lemmas
above some optimum is water-filled with levels ``(v, t)`` in ``[v_lo, v_cap] x
[t_low, t_high]`` (also ``t <= max_j H_j``: beyond it the total stops growing) and a
flag set ``S`` (``|S| = N``) that is an up-set of the dominance: ``x_j = v a_j`` on ``S``,
``x_j = clip(t, max(lo_j / p_j, v a_j), H_j)`` off it. On a box ``[v1, v2] x [t1, t2]``
of levels each value lies in an interval, ``I¹_j = [max(v1 a_j, lo_j / p_j), min(v2 a_j,
H_j)]`` if flagged (only if ``lo_j / y_j <= v2``), ``I⁰_j = [clip(t1, max(lo_j / p_j,
v1 a_j), H_j), clip(t2, max(lo_j / p_j, v2 a_j), H_j)]`` if not (both ends are
non-decreasing in ``v`` and ``t``). As ``|x_i - x_j| >= dist(I_i, I_j)``, the Gini
``Σ_{i<j} p_i p_j |x_i - x_j|`` is at least ``F(e) = Σ_{i<j} θ_ij(e_i, e_j)``,
``θ_ij(a, b) = p_i p_j dist(I^a_i, I^b_j)``, a quadratic ``K + w·e + ½ eᵀQe`` of the
flags, and the allocation satisfies ``Σ e_j >= N`` and ``Σ_j p_j lo(I_j) <= 1 <=
Σ_j p_j hi(I_j)`` (linear in ``e``). Lemma (submodularity): ``Q_ij = θ(1,1) + θ(0,0) -
θ(1,0) - θ(0,1) <= 0``. Proof: both ends of ``I¹_j`` are at most those of ``I⁰_j``
(``v a_j <= H_j`` as ``v <= v_cap``, and ``clip(t, f, H) >= f`` for ``f <= H``). For
intervals ``dist(A, B) = (A_lo - B_hi)⁺ + (B_lo - A_hi)⁺`` (at most one term is
positive). In the first term put ``g_a = A_lo`` for state ``a`` of ``i`` and ``h_b =
B_hi`` for state ``b`` of ``j``, both non-increasing in the flag: the four arguments
``α = g_1 - h_0 <= β = g_1 - h_1, γ = g_0 - h_0 <= δ = g_0 - h_1`` have
``β + γ = α + δ`` with ``α`` the least and ``δ`` the largest, so by convexity of
``(·)⁺`` ``θ(1,1) + θ(0,0) = (β)⁺ + (γ)⁺ <= (α)⁺ + (δ)⁺ = θ(1,0) + θ(0,1)``; the
second term likewise. Hence for multipliers ``λ, μ1, μ2 >= 0`` the Lagrangian
``min_e F(e) + λ(N - Σe) + μ1 (Σ p lo - 1) + μ2 (1 - Σ p hi)`` over the flags that keep
the dominance fixings and precedences is a minimum s-t cut (``Q_ij e_i e_j =
½Q_ij (e_i + e_j) - ½Q_ij (e_i (1 - e_j) + e_j (1 - e_i))``, precedences as uncuttable
edges), and by weak duality it is a lower bound of the Gini of every allocation whose
levels lie in the box. :func:`_free_boxes` bounds boxes best first (the multipliers
by trust-region cutting planes, warm-started from the parent box), splits them in
halves, drops those whose bound reaches ``(1 - 1e-4)`` times the best allocation found,
and solves each cut's flag set exactly (:func:`_pinned_one_column`) as a candidate; the
answer is within 1e-4 of the optimum when the search ends (status "optimal", gap
and bound in ``.solver`` as for HiGHS). As a box shrinks to a point the model tends
to the exact Gini there; what can remain is the Lagrangian gap of the flag choice at a
point, which splitting the levels does not close: on a few regions it is wide (then,
without a time limit, the MILP takes over), on hundreds of regions it is small (40,
100 and 200 synthetic regions: the same optimum as the pairwise MILP, tested). On the
2,850-county benchmark (N = 285 of 512 eligible) about 160 boxes prove the allocation
(0.0521865 per column; the local search's 0.0521888 was not optimal) in about 20 s of
CPU, without the local search (the cuts' sets find the incumbent).

Numerics: the pair rows are written in per-capita units, ``s_i / p_i - s_j / p_j =
d⁺ - d⁻`` with costs ``p_i p_j``. In share units (rows of size ``p_i s_j``, 1e-4 for 100
regions) HiGHS's absolute feasibility tolerance 1e-7 let the model's Gini drift by
about 1e-4, and a "proven" optimum at 200 regions was 0.1 % above a known allocation;
the per-capita rows are exact to 1e-12 and cost about 1.5x the branch-and-bound time.

Sizes: the pairwise form has ``n(n-1)/2`` rows per column. Above ``PAIRS_LIMIT`` regions
the fairness level alone uses the closed form :func:`water_filling` (exact: the
water-filling allocation Lorenz-dominates every allocation with the same bounds and
total), and the bi-level model with several columns uses cutting planes: each round
adds, per resource, a lower model of the Gini that is exact at the current solution
(linear across groups of equal per-capita value, a Hoover-type deviation inside each
group); the loop stops when every Gini equals its model to 1e-9, which proves
optimality. It can need many rounds when the efficiency rows split the regions into
many distinct per-capita values. ``frontier="free"`` above ``PAIRS_LIMIT`` regions with
one column is solved by the level boxes (above). With several columns (bounds that
differ by resource) it adds one binary per region to the cutting planes and is not
solved to optimality in a minute: with ``time_limit`` the search runs the local
search, a few linear-relaxation cut rounds (each optimum a valid bound), then
branch-and-bound rounds until the deadline, and returns the best true allocation met
with the certified relative gap against the largest bound (at least the
fairness-only optimum). That relaxation is weak for a structural reason: the Gini is
concave in the flags (``∫ F(1 - F)`` with ``F`` linear in them; the non-positive cross
terms of the submodularity lemma), so a fractional flag that puts a region part-way
between the water level and the frontier lowers it (one column, counties: 1 % below
the optimum after three cut rounds, which the level boxes avoid by never relaxing a
flag inside one allocation).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._results import Result, figure_axes
from .._validate import require_columns, require_frame
from ..errors import InputError, InputTypeError, SpatialHealthError, format_rows
from ._common import as_column_list, numeric, row_names

__all__ = [
    "IdealAllocationResult",
    "InfeasibleAllocationError",
    "gini_of_shares",
    "ideal_allocation",
    "water_filling",
]

#: regions above which the Gini is handled by cutting planes instead of pairwise rows
PAIRS_LIMIT = 400


class InfeasibleAllocationError(InputError):
    """The constraints of the ideal-allocation model cannot hold together.

    ``constraint`` names the constraint that fails (``"bounds"``, ``"efficiency"``).

    Parameters
    ----------
    message : str
        What cannot hold and why.
    constraint : {"bounds", "efficiency"}
        The failing constraint, also kept as ``.constraint``.

    Examples
    --------
    >>> InfeasibleAllocationError("lower bounds sum to more than 1", "bounds").constraint
    'bounds'
    """

    def __init__(self, message: str, constraint: str):
        super().__init__(message)
        self.constraint = constraint


# ---------------------------------------------------------------------------
# Gini of shares


def gini_of_shares(shares, population) -> float:
    """Population-weighted Gini of an allocation, ``Σ_{i<j} |p_j s_i - p_i s_j|``.

    ``shares`` are the regions' amounts (any scale), ``population`` their weights;
    equal to :func:`spatialhealth.equity.gini` of the same columns, in O(n log n).

    Parameters
    ----------
    shares : array_like
        Amount of each region.
    population : array_like
        Population of each region.

    Returns
    -------
    float
        The Gini coefficient.

    Examples
    --------
    >>> round(gini_of_shares([12, 10, 9, 30, 4], [3, 5, 2, 6, 4]), 6)
    0.270769
    """
    s = np.asarray(shares, dtype=float)
    p = np.asarray(population, dtype=float)
    s, p = s / s.sum(), p / p.sum()
    order = np.argsort(s / p, kind="stable")
    x = np.concatenate([[0.0], np.cumsum(p[order])])
    return float(max(np.sum(s[order] * (x[:-1] + x[1:])) - 1.0, 0.0))


def water_filling(p, lo, hi) -> np.ndarray:
    """Gini-minimal shares under box bounds and a unit total: ``s_i = clip(t p_i, lo_i, hi_i)``.

    The level ``t`` solves ``Σ_i clip(t p_i, lo_i, hi_i) = 1`` exactly (the sum is
    piecewise linear in ``t``; the segment is found among the sorted breakpoints).
    Raising every region towards a common per-capita level as far as its bounds allow
    gives an allocation that Lorenz-dominates every other one with the same bounds and
    total, so it minimises the Gini (and every other Schur-convex inequality measure).
    This is the fairness level alone, one resource at a time; the LP gives the same
    value (tested).

    Parameters
    ----------
    p : numpy.ndarray
        Population shares (summing to 1).
    lo, hi : numpy.ndarray
        Lower and upper bounds of each share.

    Returns
    -------
    numpy.ndarray
        The shares, summing to 1.

    Examples
    --------
    >>> water_filling(np.array([0.2, 0.3, 0.5]), np.array([0.27, 0.27, 0.36]),
    ...               np.array([0.33, 0.33, 0.44])).round(4).tolist()
    [0.27, 0.29, 0.44]
    """
    p, lo, hi = (np.asarray(v, dtype=float) for v in (p, lo, hi))
    if lo.sum() > 1 + 1e-12 or hi.sum() < 1 - 1e-12:
        raise InputError("The bounds cannot allocate a unit total.")
    # f(t) = Σ_i clip(t p_i, lo_i, hi_i) at every breakpoint, from sorted cumulative sums
    # (O(n log n)): regions with lo_i/p_i > t give lo_i, with hi_i/p_i < t give hi_i
    a, b = lo / p, hi / p
    oa, ob = np.argsort(a, kind="stable"), np.argsort(b, kind="stable")
    a_s, b_s = a[oa], b[ob]
    cum_lo, cum_pa = np.r_[0.0, np.cumsum(lo[oa])], np.r_[0.0, np.cumsum(p[oa])]
    cum_hi, cum_pb = np.r_[0.0, np.cumsum(np.where(np.isinf(hi[ob]), 0.0, hi[ob]))], \
        np.r_[0.0, np.cumsum(p[ob])]
    knots = np.unique(np.concatenate([[0.0], a, b]))
    knots = knots[np.isfinite(knots)]

    def level_sum(t):
        ia = np.searchsorted(a_s, t, side="right")   # lo_i/p_i <= t
        ib = np.searchsorted(b_s, t, side="left")    # hi_i/p_i < t
        return cum_lo[-1] - cum_lo[ia] + cum_hi[ib] + t * (cum_pa[ia] - cum_pb[ib])

    total = level_sum(knots)
    r = int(np.searchsorted(total, 1.0, side="left"))
    if r == 0:
        return np.clip(knots[0] * p, lo, hi)
    if r >= len(knots):  # beyond the last knot only the open upper bounds still take more
        if not np.isinf(hi).any():  # Σ hi = 1 up to rounding: every region at its upper bound
            return np.clip(knots[-1] * p, lo, hi)
        t = knots[-1] + (1.0 - total[-1]) / p[np.isinf(hi)].sum()
        return np.clip(t * p, lo, hi)
    a0, b0 = knots[r - 1], knots[r]
    fa, fb = total[r - 1], total[r]
    t = a0 if fb == fa else a0 + (1.0 - fa) * (b0 - a0) / (fb - fa)
    return np.clip(t * p, lo, hi)


def _pinned_one_column(p, y, lo, hi, weight, pinned):
    """The model with one column and a fixed frontier set, exactly, without an LP.

    With ``v = u / weight`` the constraints are ``s_j >= v y_j`` for every region and
    ``s_j = v y_j`` on the frontier set ``F``: box bounds ``[max(lo_j, v y_j), hi_j]``
    off ``F`` and ``[v y_j, v y_j]`` on it. For each ``v`` the water-filling allocation
    is optimal (it Lorenz-dominates every allocation in the box), and the optimum as a
    function of ``v`` is convex (partial minimum of a jointly convex programme), so a
    golden-section search over the feasible interval of ``v`` finds it (to 1e-14 in
    ``v``). Returns (shares (n, 1) or None if infeasible, v, evaluations).
    """
    lo, hi = lo[:, 0], hi[:, 0]
    on = np.asarray(pinned, dtype=bool)
    v_lo = float((lo[on] / y[on]).max())
    v_hi = float((hi / y).min())
    # Σ hi'(v) >= 1: Σ_F v y_j + Σ_{j∉F} hi_j >= 1
    rest_hi = hi[~on].sum()
    if rest_hi < 1:
        v_lo = max(v_lo, (1.0 - rest_hi) / y[on].sum())

    def sum_lo(v):
        return v * y[on].sum() + np.maximum(lo[~on], v * y[~on]).sum()

    if v_lo > v_hi * (1 + 1e-12) or sum_lo(v_lo) > 1 + 1e-12:
        return None, np.nan, 0
    if sum_lo(v_hi) > 1:  # Σ lo'(v) <= 1 caps v (non-decreasing in v)
        a, b = v_lo, v_hi
        for _ in range(200):
            mid = 0.5 * (a + b)
            a, b = (mid, b) if sum_lo(mid) <= 1 else (a, mid)
            if b - a <= 1e-16 * b:
                break
        v_hi = a

    def alloc(v):
        lo_v = np.where(on, v * y, np.maximum(lo, v * y))
        hi_v = np.where(on, v * y, hi)
        return water_filling(p, np.minimum(lo_v, hi_v), hi_v)

    cache = {}

    def value(v):
        if v not in cache:
            cache[v] = gini_of_shares(alloc(v), p)
        return cache[v]

    g = (math.sqrt(5) - 1) / 2
    a, b = v_lo, v_hi
    c1, c2 = b - g * (b - a), a + g * (b - a)
    while b - a > 1e-14 * max(b, 1e-300):
        if value(c1) <= value(c2):
            b, c2 = c2, c1
            c1 = b - g * (b - a)
        else:
            a, c1 = c1, c2
            c2 = a + g * (b - a)
    value(v_lo)
    value(v_hi)
    best = min(cache, key=cache.get)
    return alloc(best)[:, None], best, len(cache)


def _fixed_level_shares(p, y, lo, hi, pinned, v):
    """Water-filled shares for a frontier level ``v`` and set ``pinned`` (None if infeasible)."""
    lo_v = np.where(pinned, v * y, np.maximum(lo, v * y))
    hi_v = np.where(pinned, v * y, hi)
    if np.any(lo_v > hi_v * (1 + 1e-12)) or lo_v.sum() > 1 + 1e-12 or hi_v.sum() < 1 - 1e-12:
        return None
    return water_filling(p, np.minimum(lo_v, hi_v), hi_v)


def _marginals(p, y, lo, hi, pinned, v, s):
    """First-order change of the Gini for pinning / unpinning each region at level ``v``.

    The Gini is ``∫ F(1 - F) dx`` over the per-capita values (``F`` their population
    CDF). Pinning ``j`` moves its mass ``p_j`` from ``z_j`` down to ``v a_j`` (adding
    ``∫ p_j (1 - 2F - p_j)``) and hands ``p_j (z_j - v a_j)`` to the water level, whose
    marginal effect ``μ`` is that of moving the water group up; unpinning is the
    reverse. Used only to rank moves; every move is then evaluated exactly.
    """
    z = s / p
    floor = np.maximum(lo, v * y) / p
    cap = hi / p
    inside = ~pinned & (z > floor * (1 + 1e-12)) & (z < cap * (1 - 1e-12))
    if inside.any():
        t = float(np.median(z[inside]))
        pw = p[inside].sum()
        fb = p[z < t * (1 - 1e-12)].sum()
        mu = (fb * (1 - fb) - (fb + pw) * (1 - fb - pw)) / pw
    else:
        t, mu = float(np.dot(p, z)), 0.0
    order = np.argsort(z, kind="stable")
    knots, cum = z[order], np.cumsum(p[order])
    area = np.r_[0.0, np.cumsum((1 - 2 * cum[:-1]) * np.diff(knots))]

    def integral(x):  # ∫_{knots[0]}^{x} (1 - 2F)
        k = np.clip(np.searchsorted(knots, x, side="right") - 1, 0, len(knots) - 1)
        return area[k] + (1 - 2 * cum[k]) * (x - knots[k])

    pos = v * y / p
    back = np.clip(t, floor, cap)
    pin = p * (integral(z) - integral(pos) - p * (z - pos)) - mu * p * (z - pos)
    unpin = -p * (integral(back) - integral(pos) + p * (back - pos)) + mu * p * (back - pos)
    return pin, unpin


def _fixed_level_search(p, y, lo, hi, n_req, v, start=None, swaps=0):
    """A good frontier set for a fixed level ``v``: greedy by marginals, then exact swaps.

    Returns (pinned, Gini) or (None, inf). Swaps exchange one pinned and one eligible
    unpinned region (the best-ranked pairs by their marginals) while the exact Gini of
    the water-filled shares drops.
    """
    n = len(p)
    elig = lo / y <= v * (1 + 1e-12)
    if elig.sum() < n_req:
        return None, math.inf
    pinned = np.zeros(n, dtype=bool) if start is None else start & elig
    s = _fixed_level_shares(p, y, lo, hi, pinned, v)
    if s is None:
        return None, math.inf
    if start is None:  # regions already on the frontier cost nothing
        on = np.nonzero(elig & (np.abs(s - v * y) <= 1e-12 * v * y))[0]
        pinned[on[:n_req]] = True
    while pinned.sum() < n_req:
        pin, _ = _marginals(p, y, lo, hi, pinned, v, s)
        cand = np.nonzero(elig & ~pinned)[0]
        need = n_req - int(pinned.sum())
        pinned[cand[np.argsort(pin[cand], kind="stable")[:max(1, min(need, need // 4 + 1))]]] = True
        s = _fixed_level_shares(p, y, lo, hi, pinned, v)
        if s is None:
            return None, math.inf
    g = gini_of_shares(s, p)
    for _ in range(swaps):
        pin, unpin = _marginals(p, y, lo, hi, pinned, v, s)
        cin, cout = np.nonzero(elig & ~pinned)[0], np.nonzero(pinned)[0]
        jj = cin[np.argsort(pin[cin], kind="stable")[:6]]
        ii = cout[np.argsort(unpin[cout], kind="stable")[:6]]
        moves = sorted((pin[j] + unpin[i], i, j) for i in ii for j in jj)[:10]
        for _est, i, j in moves:
            trial = pinned.copy()
            trial[i], trial[j] = False, True
            s2 = _fixed_level_shares(p, y, lo, hi, trial, v)
            if s2 is not None and (g2 := gini_of_shares(s2, p)) < g - 1e-14:
                pinned, s, g = trial, s2, g2
                break
        else:
            break
    return pinned, g


def _free_heuristic(p, y, lo, hi, n_req, tick=None):
    """A good frontier set for the one-column free model (an upper bound, not a proof).

    The optimal level tends to sit where a region just becomes eligible
    (``v = lo_j / y_j``), so the candidates are those breakpoints and a grid of the
    feasible levels; each gets a greedy set, the five best get exact swaps, alternated
    with the exact optimum over ``v`` for the set (:func:`_pinned_one_column`).
    Returns (pinned, v, Gini) or None.
    """
    r = lo / y
    v_lo, v_cap = float(np.sort(r)[n_req - 1]), float((hi / y).min())
    v_max = v_cap
    if np.maximum(lo, v_cap * y).sum() > 1:  # floors alone exceed the total above this
        a, b = v_lo, v_cap
        for _ in range(100):
            mid = 0.5 * (a + b)
            a, b = (mid, b) if np.maximum(lo, mid * y).sum() <= 1 else (a, mid)
        v_max = a
    if v_max < v_lo:
        return None
    levels = np.unique(np.r_[np.linspace(v_lo, v_max, 16), r[(r >= v_lo) & (r <= v_max)]])
    found = []
    for v in levels:
        pinned, g = _fixed_level_search(p, y, lo, hi, n_req, v)
        if pinned is not None:
            found.append((g, float(v), pinned))
        if tick is not None:
            tick(1)
    found.sort(key=lambda item: item[0])
    best = None
    for g, v, pinned in found[:5]:
        pinned, g = _fixed_level_search(p, y, lo, hi, n_req, v, start=pinned, swaps=200)
        for _ in range(5):
            shares, v2, _evals = _pinned_one_column(p, y, lo[:, None], hi[:, None], 1.0, pinned)
            if shares is None:
                break
            g2 = gini_of_shares(shares[:, 0], p)
            p3, g3 = _fixed_level_search(p, y, lo, hi, n_req, v2, start=pinned, swaps=200)
            if p3 is None or g3 >= g2 - 1e-14:
                g, v = g2, v2
                break
            pinned, g, v = p3, g3, v2
        if best is None or g < best[2]:
            best = (pinned.copy(), v, g)
    return best


# ---------------------------------------------------------------------------
# result


@dataclass(frozen=True, eq=False, repr=False)
class IdealAllocationResult(Result):
    """The ideal allocation of the fairness–efficiency model, beside the actual one.

    Attributes
    ----------
    frame : DataFrame
        One row per (period,) region and resource: ``actual``, ``ideal``, their shares,
        the demand share, the bounds and whether the region is on the frontier.
    gini : DataFrame
        Per (period and) resource: ``gini_actual``, ``gini_ideal``.
    efficiency : DataFrame
        Per (period and) region: DEA scores of the actual and the ideal allocation
        (``score_actual``, ``score_ideal``) and ``on_frontier``.
    solver : DataFrame
        Per period: status, objective, MIP gap, dual bound, number of regions on the
        frontier, cutting-plane rounds and seconds.
    """

    _frame: pd.DataFrame
    gini: pd.DataFrame
    efficiency: pd.DataFrame
    solver: pd.DataFrame
    resources: tuple
    period: str | None
    region: str
    settings: dict = field(default_factory=dict)

    _title = "Ideal allocation (fairness–efficiency bi-level model)"

    @property
    def frame(self) -> pd.DataFrame:
        return self._frame

    @property
    def status(self) -> str:
        """``"optimal"`` if every period was solved to optimality, else the first other status."""
        bad = [s for s in self.solver["status"] if s != "optimal"]
        return bad[0] if bad else "optimal"

    @property
    def mip_gap(self) -> float:
        """Largest relative MIP gap over periods (0 for linear programmes)."""
        return float(self.solver["mip_gap"].max())

    def ideal_table(self, what: str = "ideal") -> pd.DataFrame:
        """Wide table: one row per (period,) region, one column per resource.

        ``what`` is ``"ideal"``, ``"actual"``, ``"ideal_share"`` or ``"actual_share"``.
        The index is the region (with the period first for panels), in input order.
        """
        if what not in ("ideal", "actual", "ideal_share", "actual_share"):
            raise InputError(f"`what` must be 'ideal', 'actual', 'ideal_share' or 'actual_share'; "
                             f"{what!r} was given.")
        keys = ([self.period] if self.period else []) + ["row"]
        wide = self._frame.pivot_table(index=keys, columns="resource", values=what, sort=False)
        return wide[list(self.resources)].rename_axis(columns=None)

    def summary(self) -> str:
        g = self.gini.copy()
        s = self.solver
        lines = [self._title, "=" * len(self._title),
                 f"regions {self.settings.get('n')} · resources {', '.join(self.resources)}"
                 + (f" · periods {len(s)}" if self.period else ""),
                 f"efficiency requirement : {self.settings.get('efficiency_text')}",
                 f"bounds (x demand share): {self.settings.get('bounds_text')}",
                 (f"solver                 : "
                  f"{'level boxes (min cut)' if set(s['method']) == {'boxes'} else 'HiGHS'}, "
                  f"status {self.status}, max MIP gap "
                 f"{self.mip_gap:.2g}, {s['seconds'].sum():.2f} s"), "",
                 "Gini before and after"]
        lines.append(g.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
        front = self.efficiency.groupby(self.period, sort=False)["on_frontier"].sum() \
            if self.period else pd.Series({"": int(self.efficiency["on_frontier"].sum())})
        lines += ["", "Regions on the frontier: " + ", ".join(
            (f"{k}: " if self.period else "") + str(int(v)) for k, v in front.items())]
        return "\n".join(lines)

    def plot(self, ax=None, resource: str | None = None):
        """Actual against ideal share of one resource per region (first period of a panel)."""
        resource = resource or self.resources[0]
        if resource not in self.resources:
            raise InputError(f"`resource` must be one of {', '.join(map(repr, self.resources))}; "
                             f"{resource!r} was given.")
        _fig, ax = figure_axes(ax, figsize=(5.5, 5))
        f = self._frame[self._frame["resource"] == resource]
        if self.period:
            first = f[self.period].iloc[0]
            f = f[f[self.period] == first]
        on = f["on_frontier"].to_numpy(dtype=bool)
        ax.scatter(f["actual_share"][~on], f["ideal_share"][~on], s=18, label="off the frontier")
        ax.scatter(f["actual_share"][on], f["ideal_share"][on], s=22, marker="^",
                   label="on the frontier")
        hi = float(max(f["actual_share"].max(), f["ideal_share"].max())) * 1.05
        ax.plot([0, hi], [0, hi], color="grey", lw=0.8, ls="--")
        ax.set_xlabel(f"actual share of {resource}")
        ax.set_ylabel(f"ideal share of {resource}")
        g = self.gini[self.gini["resource"] == resource].iloc[0]
        ax.set_title(f"{resource}: Gini {g['gini_actual']:.3f} → {g['gini_ideal']:.3f}")
        ax.legend(fontsize=8)
        return ax


# ---------------------------------------------------------------------------
# input handling


def _status_bar(progress):
    from .._progress import status_bar

    return status_bar(progress, "ideal allocation")


def _bounds_arrays(bounds, resources, d):
    """(lo, hi) share matrices (n, m) from the ``bounds`` argument."""
    n, m = len(d), len(resources)

    def pair(b, what):
        if b is None:
            return 0.0, math.inf
        if isinstance(b, (str, bytes)) or not hasattr(b, "__len__") or len(b) != 2:
            raise InputTypeError(f"{what} must be a pair (lower, upper) of factors of the demand "
                                 f"share; {b!r} was given.")
        lo = 0.0 if b[0] is None else float(b[0])
        hi = math.inf if b[1] is None else float(b[1])
        if not (lo >= 0 and hi > 0 and lo <= hi) or math.isnan(lo) or math.isnan(hi):
            raise InputError(f"{what} must satisfy 0 <= lower <= upper, upper > 0; {b!r} was given.")
        return lo, hi

    if isinstance(bounds, Mapping):
        unknown = [r for r in bounds if r not in resources]
        if unknown:
            raise InputError(f"`bounds` names {', '.join(map(repr, unknown))}, which are not among "
                             f"the resources {', '.join(map(repr, resources))}.")
        pairs = [pair(bounds.get(r), f"`bounds[{r!r}]`") for r in resources]
    else:
        pairs = [pair(bounds, "`bounds`")] * m
    lo = np.column_stack([np.full(n, a) * d for a, _ in pairs])
    hi = np.column_stack([np.minimum(np.full(n, b) * d, 1.0) for _, b in pairs])
    return lo, hi, pairs


def _required(efficiency, n: int) -> int:
    if efficiency is None:
        return 0
    if isinstance(efficiency, bool):
        raise InputTypeError("`efficiency` must be None, a share in (0, 1] or a number of regions.")
    if isinstance(efficiency, (int, np.integer)) and efficiency >= 1:
        if efficiency > n:
            raise InputError(f"`efficiency` asks for {efficiency} regions on the frontier; "
                             f"there are only {n}.")
        return int(efficiency)
    try:
        share = float(efficiency)
    except (TypeError, ValueError):
        raise InputTypeError(f"`efficiency` must be None, a share in (0, 1] or a number of "
                             f"regions; {efficiency!r} was given.") from None
    if not 0 < share <= 1:
        raise InputError(f"`efficiency` as a share must lie in (0, 1]; {efficiency!r} was given.")
    return max(1, math.ceil(share * n - 1e-9))


# ---------------------------------------------------------------------------
# the model


def _ar_scores(agg: np.ndarray, y: np.ndarray) -> np.ndarray:
    """CCR scores with input weights 1/T_k: ``(y_o/agg_o) / max_j (y_j/agg_j)``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        prod = np.where(agg > 0, y / np.where(agg > 0, agg, 1.0), np.inf)
    best = prod.max()
    if not np.isfinite(best):
        return np.where(np.isinf(prod), 1.0, 0.0)
    return prod / best


_STATUS = {"Optimal": "optimal", "Infeasible": "infeasible", "Time limit reached": "time limit",
           "Unbounded": "unbounded", "Primal infeasible or unbounded": "infeasible"}

#: HiGHS MIP options: the sub-MIP heuristics (RINS, RENS) and the root heuristics
#: cost more than they save here (the search starts from the frontier="best" optimum)
_MIP_DEFAULTS = {"mip_heuristic_run_rins": False, "mip_heuristic_run_rens": False,
                 "mip_heuristic_run_root_reduced_cost": False,
                 "mip_heuristic_run_feasibility_jump": False}

#: extra HiGHS options applied to every solve (for experiments)
_HIGHS_OPTIONS: dict = {}
_BANNER_SHOWN = False


def _new_highs():
    """A silent ``highspy.Highs`` (its one-time banner goes to the C-level stdout)."""
    import os
    import sys

    import highspy

    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        return highspy.Highs()
    _BANNER_SHOWN = True
    try:
        sys.stdout.flush()
        fd = os.dup(1)
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
    except (OSError, ValueError, AttributeError):  # no usable file descriptor 1
        return highspy.Highs()
    try:
        return highspy.Highs()
    finally:
        os.dup2(fd, 1)
        os.close(fd)
        os.close(null)


def _run_highs(c, a, row_lo, row_hi, lb, ub, integrality, *, mip_gap=1e-9, time_limit=None,
               start=None, options=None, report=None):
    """Solve ``min c·x, row_lo <= A x <= row_hi, lb <= x <= ub`` with HiGHS (highspy).

    Returns a dict: status, x (None when no solution), objective, mip_gap, dual_bound,
    row_dual and col_dual (linear programmes only). ``report(text)``, if given, receives
    the branch and bound's incumbent, bound and gap about once a second.
    """
    import highspy

    a = a.tocsc()
    h = _new_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", float(mip_gap))
    h.setOptionValue("mip_abs_gap", float(mip_gap) * 1e-2)
    for key, value in _MIP_DEFAULTS.items():
        h.setOptionValue(key, value)
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    for key, value in {**_HIGHS_OPTIONS, **(options or {})}.items():
        h.setOptionValue(key, value)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = a.shape[1], a.shape[0]
    inf = highspy.kHighsInf
    lp.col_cost_ = np.asarray(c, dtype=float)
    lp.col_lower_ = np.where(np.isinf(lb), -inf, lb)
    lp.col_upper_ = np.where(np.isinf(ub), inf, ub)
    lp.row_lower_ = np.where(np.isinf(row_lo), -inf, row_lo)
    lp.row_upper_ = np.where(np.isinf(row_hi), inf, row_hi)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr
    lp.a_matrix_.index_ = a.indices
    lp.a_matrix_.value_ = a.data
    mip = integrality is not None and np.any(integrality)
    if mip:
        lp.integrality_ = [highspy.HighsVarType.kInteger if v else highspy.HighsVarType.kContinuous
                           for v in integrality]
    h.passModel(lp)
    if mip and start is not None:
        sol0 = highspy.HighsSolution()
        sol0.col_value = list(start)
        sol0.value_valid = True
        h.setSolution(sol0)
    if mip and report is not None:
        last = [-1.0]

        def on_interrupt(event):
            d = event.data_out
            if d.running_time - last[0] >= 1.0:
                last[0] = d.running_time
                report(f"branch and bound {d.running_time:.0f} s: best {d.mip_primal_bound:.6g}, "
                       f"bound {d.mip_dual_bound:.6g}, gap {100 * d.mip_gap:.2f}%")

        h.cbMipInterrupt.subscribe(on_interrupt)
    h.run()
    status_text = h.modelStatusToString(h.getModelStatus())
    status = _STATUS.get(status_text, status_text.lower())
    info = h.getInfo()
    sol = h.getSolution()
    has_x = info.primal_solution_status == 2 or (mip and np.isfinite(info.objective_function_value)
                                                and info.mip_node_count >= 0 and status != "infeasible"
                                                and len(sol.col_value) == len(c)
                                                and info.primal_solution_status > 0)
    out = {"status": status, "x": np.array(sol.col_value) if has_x else None,
           "objective": float(info.objective_function_value)}
    if mip:
        out["mip_gap"] = float(info.mip_gap) if has_x else np.nan
        out["dual_bound"] = float(info.mip_dual_bound)
        out["row_dual"] = out["col_dual"] = None
    else:
        out["mip_gap"] = 0.0
        out["dual_bound"] = out["objective"]
        out["row_dual"] = np.array(sol.row_dual)
        out["col_dual"] = np.array(sol.col_dual)
    return out


def _solve_one(p, y, lo, hi, n_req, *, pinned=None, method="auto", mip_gap=1e-9,
               time_limit=None, start=None, weight=None, cut_at=(), level=None, report=None):
    """Solve one period; returns (shares (n, m) or None, info dict).

    ``n_req = 0``: fairness only (LP). ``pinned`` (bool array): these regions are on
    the frontier, every region on or above it (LP). Otherwise ``n_req`` regions chosen
    by the model (MILP). ``weight`` (m,): column ``k`` stands for ``weight[k]``
    identical resources (its Gini counts that many times, its share enters the DEA
    input that many times); default ones.
    """
    import scipy.sparse as sp

    n, m = lo.shape
    w = np.ones(m) if weight is None else np.asarray(weight, dtype=float)
    if method == "auto":
        method = "pairs" if n <= PAIRS_LIMIT else "cuts"
    if method not in ("pairs", "cuts"):
        raise InputError(f"`method` must be 'auto', 'pairs', 'cuts', 'closed' or 'boxes'; "
                         f"{method!r} was given.")
    ns = n * m
    t0 = time.perf_counter()
    lower_level = bool(n_req)
    free = lower_level and pinned is None
    water_floor, hi_orig = None, hi
    if free and m == 1 and _WATER:
        # the water-filled optimum lies in a tighter box (see _water_box): smaller big-M,
        # more pairs of fixed order, and unflagged regions held up near the water level
        hi, water_floor, t_low, t_high = _water_box(p, y, lo[:, 0], hi[:, 0], n_req, level)
        hi = hi[:, None]
        bulk_e = bulk_i = np.zeros(0, dtype=int)
        if _MCCORMICK and np.isfinite(t_high) and t_low > 0:
            # regions whose unflagged water-filled share is exactly t p_j for every level
            # t in [t_low, t_high]: lo_j <= t_low p_j, t_high p_j <= hi_j, v_cap y_j <= t_low p_j
            v_cap0 = _level_range(lo[:, 0], hi_orig[:, 0], y, n_req, level)[1]
            bulk = ((lo[:, 0] <= t_low * p) & (hi_orig[:, 0] >= t_high * p)
                    & (v_cap0 * y <= t_low * p))
            elig0 = lo[:, 0] / y <= v_cap0 * (1 + 1e-12)
            bulk_e, bulk_i = np.nonzero(bulk & elig0)[0], np.nonzero(bulk & ~elig0)[0]

    # variables: s (k-major: k*n + i), the Gini part, then u and (free) the binaries e
    if method == "pairs":
        # pairs whose order of per-capita values the bounds fix contribute a linear term
        # (|p_j s_i - p_i s_j| = ±(p_j s_i - p_i s_j)); the others get d+ - d- rows
        zlo, zhi = lo / p[:, None], hi / p[:, None]
        if lower_level and m == 1:  # w s_j >= u y_j >= u_min y_j
            zlo = np.maximum(zlo, (_u_min(lo, w, y, n_req) * y / w[0] / p)[:, None])
        ii_all, jj_all = np.triu_indices(n, 1)
        linear = np.zeros(ns)
        pair_sets = []
        for k in range(m):
            if _FIX_PAIRS:
                below = zhi[ii_all, k] <= zlo[jj_all, k]   # z_i <= z_j always
                above = zhi[jj_all, k] <= zlo[ii_all, k]   # z_i >= z_j always
            else:
                below = above = np.zeros(len(ii_all), dtype=bool)
            sgn = np.where(above, 1.0, -1.0)[below | above]
            bi, bj = ii_all[below | above], jj_all[below | above]
            np.add.at(linear, k * n + bi, w[k] * sgn * p[bj])
            np.add.at(linear, k * n + bj, -w[k] * sgn * p[bi])
            keep = ~(below | above)
            pair_sets.append((ii_all[keep], jj_all[keep]))
        nd = 2 * sum(len(a) for a, _ in pair_sets)  # d+ and d-: p_j s_i - p_i s_j = d+ - d-
    else:
        nd = m  # one epigraph variable per resource
    off_u = ns + nd
    nvar = off_u + (1 if lower_level else 0) + (n if free else 0)
    off_t = nvar  # with the water level: t, then e_j t and e_j u of the bulk candidates
    if water_floor is not None and len(bulk_e) + len(bulk_i):
        nvar += 1 + 2 * len(bulk_e)
    c = np.zeros(nvar)
    if method == "pairs":
        c[:ns] = linear
        # pair rows in per-capita units (values near 1, so the solver's absolute
        # feasibility tolerance is small against them): z_i - z_j = d+ - d-, each d
        # costing w_k p_i p_j
        if _PER_CAPITA_PAIRS:
            c[ns:ns + nd] = np.concatenate([np.tile(w[k] * p[a] * p[b], 2) for k, (a, b) in
                                            enumerate(pair_sets)] or [np.zeros(0)])
        else:
            c[ns:ns + nd] = np.repeat(w, [2 * len(a) for a, _ in pair_sets])
    else:
        c[ns:ns + nd] = w
    lb = np.zeros(nvar)
    ub = np.full(nvar, np.inf)
    lb[:ns] = lo.T.ravel()
    ub[:ns] = hi.T.ravel()
    integrality = np.zeros(nvar)

    blocks = [sp.csr_matrix((np.ones(ns), (np.repeat(np.arange(m), n), np.arange(ns))), shape=(m, nvar))]
    blo, bhi = [np.ones(m)], [np.ones(m)]  # Σ_i s_ik = 1

    def add(block, low, high):
        blocks.append(block)
        blo.append(np.broadcast_to(np.asarray(low, dtype=float), block.shape[0]))
        bhi.append(np.broadcast_to(np.asarray(high, dtype=float), block.shape[0]))

    if method == "pairs":
        off = ns
        for k, (ii, jj) in enumerate(pair_sets):
            npair = len(ii)
            if not npair:
                continue
            r = np.arange(npair)
            si, sj = k * n + ii, k * n + jj
            dp = off + r
            off += 2 * npair
            # s_i / p_i - s_j / p_j - d+ + d- = 0
            if _PER_CAPITA_PAIRS:
                data = np.concatenate([1 / p[ii], -1 / p[jj], -np.ones(npair), np.ones(npair)])
            else:  # p_j s_i - p_i s_j - d+ + d- = 0
                data = np.concatenate([p[jj], -p[ii], -np.ones(npair), np.ones(npair)])
            add(sp.csr_matrix((data, (np.tile(r, 4), np.concatenate([si, sj, dp, dp + npair]))),
                              shape=(npair, nvar)), 0.0, 0.0)
    if lower_level:
        j = np.arange(n)
        s_cols = (np.arange(m)[None, :] * n + j[:, None]).ravel()
        s_rows = np.repeat(j, m)
        # Σ_k w_k s_jk - u y_j >= 0 (every region on or above the frontier; = 0 when pinned)
        slack = sp.csr_matrix((np.concatenate([np.tile(w, n), -y]),
                               (np.concatenate([s_rows, j]), np.concatenate([s_cols, np.full(n, off_u)]))),
                              shape=(n, nvar))
        # valid bounds on u: at most min_j H_j / y_j (every region on or above the
        # frontier), at least the N-th smallest L_j / y_j (N regions reach it)
        low_ratio = lo @ w / y
        cap = float((hi @ w / y).min())
        ub[off_u] = cap
        lb[off_u] = _u_min(lo, w, y, n_req)
        if level is not None and m == 1:  # a sub-range of frontier levels (share units)
            lb[off_u] = max(lb[off_u], level[0] * w[0])
            ub[off_u] = min(ub[off_u], level[1] * w[0])
            cap = ub[off_u]
            if lb[off_u] > ub[off_u]:
                return None, {"method": method, "rounds": 0, "status": "infeasible",
                              "seconds": time.perf_counter() - t0}
        if free:
            add(slack, 0.0, np.inf)
            integrality[off_u + 1:off_u + 1 + n] = 1
            ub[off_u + 1:off_u + 1 + n] = np.where(low_ratio <= cap * (1 + 1e-12), 1.0, 0.0)
            if m == 1 and _DOMINANCE:
                fix0, fix1, (pi, pj) = _dominance(p, y, lo[:, 0], hi_orig[:, 0], n_req, level)
                ub[off_u + 1:off_u + 1 + n][fix0] = 0.0
                lb[off_u + 1:off_u + 1 + n][fix1] = 1.0
                if len(pi):  # e_i - e_j <= 0: j dominates i
                    r = np.arange(len(pi))
                    add(sp.csr_matrix((np.r_[np.ones(len(pi)), -np.ones(len(pi))],
                                       (np.r_[r, r], np.r_[off_u + 1 + pi, off_u + 1 + pj])),
                                      shape=(len(pi), nvar)), -np.inf, 0.0)
                info_dom = {"fixed_out": int(fix0.sum()), "fixed_in": int(fix1.sum()),
                            "precedences": len(pi)}
            if water_floor is not None:
                # unflagged regions are at least at min(t_low p_j, hi_j):
                # s_j + (m_j - g_j) e_j >= m_j, g_j = max(lo_j, v_lo y_j) when flagged
                g_j = np.maximum(lo[:, 0], lb[off_u] / w[0] * y)
                gap_j = np.maximum(water_floor - g_j, 0.0)
                rows = np.nonzero((water_floor > lo[:, 0] * (1 + 1e-12))
                                  & (ub[off_u + 1:off_u + 1 + n] > 0.5))[0]
                never = np.nonzero((water_floor > lb[:n]) & (ub[off_u + 1:off_u + 1 + n] < 0.5))[0]
                lb[never] = np.minimum(water_floor[never], ub[never])
                r = np.arange(len(rows))
                add(sp.csr_matrix((np.r_[np.ones(len(rows)), gap_j[rows]],
                                   (np.r_[r, r], np.r_[rows, off_u + 1 + rows])),
                                  shape=(len(rows), nvar)), water_floor[rows], np.inf)
                water_info = {"water_rows": len(rows)}
                if nvar > off_t:
                    _water_level_rows(add, nvar, off_t, off_u, bulk_e, bulk_i, p, y / w[0],
                                      t_low, t_high, lb, ub)
                    water_info["water_level_regions"] = len(bulk_e) + len(bulk_i)
            top = hi @ w  # largest DEA input of each region
            big_m = np.maximum(top - lb[off_u] * y, 0.0)
            # Σ_k s_jk - u y_j + M_j e_j <= M_j
            add(slack + sp.csr_matrix((big_m, (j, off_u + 1 + j)), shape=(n, nvar)), -np.inf, big_m)
            # Σ_j e_j = N: a region beyond the N-th may sit on the frontier unflagged
            add(sp.csr_matrix((np.ones(n), (np.zeros(n, int), off_u + 1 + j)), shape=(1, nvar)),
                float(n_req), float(n_req) if _EXACTLY_N else np.inf)
        else:
            pinned = np.asarray(pinned, dtype=bool)
            add(slack, 0.0, np.where(pinned, 0.0, np.inf))

    info = {"method": method, "rounds": 1}
    if free and m == 1 and _DOMINANCE:
        info.update(info_dom)
    if water_floor is not None:
        info.update(water_info)
    cuts = []  # (rows over [model vars | this cut's vars], row_lo, row_hi, number of new vars)
    if method == "cuts":  # first model at the water-filling-like start clip(p, lo, hi)
        for k in range(m):
            cuts.append(_block_cut(np.clip(p, lo[:, k], hi[:, k]), p, k, n, ns))
            for point in cut_at:  # more first cuts, e.g. at a known good allocation
                cuts.append(_block_cut(point[:, k], p, k, n, ns))
    if start is not None and len(start) < len(c) and nvar > off_t:
        # complete a start without the water-level variables: t from the bulk shares
        start = np.asarray(start, dtype=float)
        flags = start[off_u + 1:off_u + 1 + n]
        ratio = start[:n] / p
        off = [j for j in bulk_i] + [j for j in bulk_e if flags[j] < 0.5]
        t_s = float(np.clip(np.median(ratio[off]) if off else lb[off_t], lb[off_t], ub[off_t]))
        fe = flags[bulk_e]
        start = np.r_[start, t_s, fe * t_s, fe * start[off_u]]
    rounds = 0
    deadline = None if time_limit is None else t0 + time_limit
    # free model with cutting planes and a time limit: rounds until the deadline, each
    # adding cuts at its incumbent; every round's dual bound is a valid bound (its Gini
    # model is below the Gini), the answer is the best true allocation met
    staged = free and method == "cuts" and time_limit is not None
    best, best_bound = None, -np.inf
    while True:
        rounds += 1
        a, row_lo, row_hi, cc, cl, cu, ci = _assemble(blocks, blo, bhi, cuts, c, lb, ub, integrality)
        limit = None if deadline is None else max(deadline - time.perf_counter(), 0.05)
        relaxed = staged and rounds <= _LP_ROUNDS
        sol = _run_highs(cc, a, row_lo, row_hi, cl, cu, ci if free and not relaxed else None,
                         mip_gap=mip_gap, time_limit=limit, start=None if relaxed else start,
                         report=report)
        status = sol["status"]
        if relaxed and sol["x"] is not None and status == "optimal":
            # the linear relaxation first: its optimum bounds the MILP's; cut at its point
            best_bound = max(best_bound, sol["objective"])
            sh_r = np.clip(sol["x"][:ns].reshape(m, n).T, lo, hi)
            for k in range(m):
                cuts.append(_block_cut(sh_r[:, k], p, k, n, ns))
            continue
        if sol["x"] is None:
            if best is None:
                return None, {**info, "status": status, "seconds": time.perf_counter() - t0,
                              **({"dual_bound": best_bound} if staged else {})}
            status = "time limit"
            break
        x, gap, bound = sol["x"], sol["mip_gap"], sol["dual_bound"]
        shares = np.clip(x[:ns].reshape(m, n).T, lo, hi)
        if method == "pairs":
            break
        ginis = np.array([gini_of_shares(np.maximum(shares[:, k], 0), p) for k in range(m)])
        viol = ginis - x[ns:ns + m]
        # the model's optimum is a lower bound of the true one: a certified relative gap
        # (the binaries' own gap, if any, comes on top)
        if not free:
            bound = float(x[ns:ns + m].sum())
            gap = float(max(ginis.sum() - bound, 0.0) / max(ginis.sum(), 1e-12))
        elif staged:
            best_bound = max(best_bound, bound)
            if best is None or float(w @ ginis) < best[0]:
                best = (float(w @ ginis), x, shares)
        if np.all(viol <= 1e-9) and status == "optimal":
            break
        if status != "optimal" and not staged:
            break
        if rounds >= 200:
            status = "cutting planes did not converge"
            break
        if deadline is not None and time.perf_counter() > deadline:
            status = "time limit"
            break
        for k in np.nonzero(viol > 1e-9)[0]:
            cuts.append(_block_cut(shares[:, k], p, k, n, ns))
    if staged and not (status == "optimal" and np.all(viol <= 1e-9)):
        _true, x, shares = best
        bound = best_bound
        gap = max(_true - bound, 0.0) / max(_true, 1e-300)
    x = x[:len(c)]
    info.update(status=status, mip_gap=gap, dual_bound=bound, rounds=rounds,
                seconds=time.perf_counter() - t0, x=x,
                certificate=None if free else {"row_dual": sol["row_dual"], "col_dual": sol["col_dual"],
                                                "A": a, "row_lo": row_lo, "row_hi": row_hi,
                                                "lb": cl, "ub": cu, "c": cc, "x": sol["x"]})
    if lower_level:
        info["u"] = float(x[off_u])
        info["on_frontier"] = x[off_u + 1:off_u + 1 + n] > 0.5 if free else pinned
    return shares, info


#: single column, frontier="free": fix and order the binaries by the dominance lemma (exact)
_DOMINANCE = True


def _level_range(lo, hi, y, n_req, level=None):
    """Frontier levels ``[v_lo, v_cap]`` (share units), cut to ``level`` when given."""
    v_lo = float(np.sort(lo / y)[n_req - 1])
    v_cap = float((hi / y).min())
    if level is not None:
        v_lo, v_cap = max(v_lo, float(level[0])), min(v_cap, float(level[1]))
    return v_lo, v_cap


def _dominance(p, y, lo, hi, n_req, level=None):
    """Binaries fixed and precedences implied by the dominance lemma (one column).

    Region ``j`` dominates ``i`` when ``j`` can replace ``i`` on the frontier without
    raising the Gini (see the module docstring). Returns (fixed at 0, fixed at 1,
    (i, j) pairs of the precedence rows ``e_i <= e_j``), all as arrays over regions.
    """
    n = len(p)
    v_lo, v_cap = _level_range(lo, hi, y, n_req, level)
    elig = np.nonzero(lo / y <= v_cap * (1 + 1e-12))[0]
    pe, ye, le, he = p[elig], y[elig], lo[elig], hi[elig]
    a = ye / pe
    ne = len(elig)
    idx = np.arange(ne)
    # dom[j, i]: j dominates i
    dom = (a[:, None] >= a[None, :]) & (pe[:, None] <= pe[None, :])
    dom &= (a[:, None] > a[None, :]) | (pe[:, None] < pe[None, :]) | (idx[:, None] < idx[None, :])
    dom &= (le / ye)[:, None] <= np.maximum(v_lo, le / ye)[None, :]
    dy = ye[:, None] - ye[None, :]
    dom &= he[:, None] - he[None, :] <= np.where(dy >= 0, v_lo * dy, v_cap * dy)
    np.fill_diagonal(dom, False)
    fix0 = np.zeros(n, dtype=bool)
    fix1 = np.zeros(n, dtype=bool)
    out = dom.sum(axis=0) >= n_req          # N dominators: all would be on with it
    fix0[elig[out]] = True
    keep = ~out
    dk = dom[np.ix_(keep, keep)]
    # off the set: every region it dominates is off too; fewer than N others left -> on
    fix1[elig[keep][(keep.sum() - 1 - dk.sum(axis=1)) < n_req]] = True
    if _REDUCE_PRECEDENCES and dk.any():
        # drop a row e_i <= e_j when a chain i -> k -> j implies it (the relation has no
        # cycle, so every implication survives through the rows kept)
        d = dk.astype(np.float32)
        dk = dk & ~((d @ d) > 0)
    jj, ii = np.nonzero(dk)
    ek = elig[keep]
    return fix0, fix1, (ek[ii], ek[jj])


#: pair rows in per-capita units (exact to the solver's tolerance; False: share units,
#: whose rows of size p_i s_j let the absolute tolerance 1e-7 shift the Gini by ~1e-4)
_PER_CAPITA_PAIRS = True

#: free model with cutting planes and a time limit: linear-relaxation rounds first
_LP_ROUNDS = 3

#: keep only the precedence rows no chain of others implies (exact)
_REDUCE_PRECEDENCES = True


def _water_level_rows(add, nvar, off_t, off_u, bulk_e, bulk_i, p, y_w, t_low, t_high, lb, ub):
    """Rows tying the bulk regions to the water level ``t`` (one column, free model).

    A bulk region's water-filled share is ``t p_j`` off the frontier and ``u y_j / w``
    on it: ``s_j = (y_j / w) e_j u + p_j (t - e_j t)``, linear in ``τ_j = e_j t`` and
    ``ω_j = e_j u``, which the McCormick rows make exact for a binary ``e_j`` (and the
    convex hull of the two states for a fractional one). Regions that cannot be on
    the frontier get ``s_j = t p_j``.
    """
    import scipy.sparse as sp

    lb[off_t], ub[off_t] = t_low, t_high
    u_lo, u_hi = lb[off_u], ub[off_u]
    ne = len(bulk_e)
    tau, om = off_t + 1 + np.arange(ne), off_t + 1 + ne + np.arange(ne)
    lb[tau], ub[tau] = 0.0, t_high
    lb[om], ub[om] = 0.0, u_hi
    e = off_u + 1 + bulk_e
    r = np.arange(ne)
    ones = np.ones(ne)

    def rows(cols_vals, low, high):
        cols = np.concatenate([c for c, _ in cols_vals])
        vals = np.concatenate([np.broadcast_to(v, ne) for _, v in cols_vals])
        add(sp.csr_matrix((vals, (np.tile(r, len(cols_vals)), cols)), shape=(ne, nvar)), low, high)

    if ne:
        t_col = np.full(ne, off_t)
        u_col = np.full(ne, off_u)
        rows([(bulk_e, ones), (om, -y_w[bulk_e]), (t_col, -p[bulk_e]), (tau, p[bulk_e])], 0.0, 0.0)
        for var, col, a, b in ((tau, t_col, t_low, t_high), (om, u_col, u_lo, u_hi)):
            rows([(var, ones), (e, -a * ones)], 0.0, np.inf)             # τ >= a e
            rows([(var, ones), (col, -ones), (e, -b * ones)], -b, np.inf)  # τ >= t - b (1 - e)
            rows([(var, ones), (e, -b * ones)], -np.inf, 0.0)            # τ <= b e
            rows([(var, ones), (col, -ones), (e, -a * ones)], -np.inf, -a)  # τ <= t - a (1 - e)
    if len(bulk_i):
        k = np.arange(len(bulk_i))
        add(sp.csr_matrix((np.r_[np.ones(len(k)), -p[bulk_i]],
                           (np.r_[k, k], np.r_[bulk_i, np.full(len(k), off_t)])),
                          shape=(len(k), nvar)), 0.0, 0.0)


#: one column, frontier="free": the bulk regions' shares tied to the water level (exact)
_MCCORMICK = True

#: one column, frontier="free": start from the local search's frontier set
_HEURISTIC = True

#: one column, frontier="free": bound the shares by the water level's range (exact)
_WATER = True


def _level_of(total):
    """Bracket ``(a, b)`` of the smallest ``t >= 0`` with ``total(t) >= 1``.

    ``total`` is non-decreasing; ``(inf, inf)`` when it stays below 1. Bisection to a
    relative width 1e-13: ``a`` is a lower and ``b`` an upper bound of the level.
    """
    if total(0.0) >= 1:
        return 0.0, 0.0
    b = 1.0
    while total(b) < 1:
        b *= 2.0
        if b > 1e300:
            return math.inf, math.inf
    a = 0.0
    for _ in range(400):
        mid = 0.5 * (a + b)
        if total(mid) >= 1:
            b = mid
        else:
            a = mid
        if b - a <= 1e-13 * b:
            break
    return a, b


def _water_box(p, y, lo, hi, n_req, level=None):
    """Bounds of the water-filled optimum of the one-column free model: (hi', m).

    For a frontier level ``v`` in ``[v_lo, v_cap]`` and a frontier set ``S`` the optimal
    shares are ``v y_j`` on ``S`` and ``clip(t p_j, f_j, hi_j)`` off it
    (``f_j = max(lo_j, v y_j)``), with ``t`` the smallest level allocating the total.
    The total at a given ``t`` is at least the one of the instance with every eligible
    region pinned at ``v_lo y_j`` and floors ``max(lo_j, v_lo y_j)`` (each term is
    smaller there), and at most the one with no region pinned and floors
    ``max(lo_j, v_cap y_j)``; so ``t_low <= t <= t_high``, the levels of those two
    instances. Hence every share is at most ``hi'_j = min(hi_j, max(t_high p_j, lo_j,
    v_cap y_j))``, and every region off ``S`` at least ``m_j = max(lo_j, min(t_low p_j,
    hi_j))``. Some optimum (the water-filled one) satisfies both, so the MILP keeps its
    optimum.
    """
    v_lo, v_cap = _level_range(lo, hi, y, n_req, level)
    elig = lo / y <= v_cap * (1 + 1e-12)
    f_lo, f_cap = np.maximum(lo, v_lo * y), np.minimum(np.maximum(lo, v_cap * y), hi)

    def smallest_total(t):  # N eligible regions pinned at v_lo y_j, the largest releases
        c = np.clip(t * p, f_lo, hi)
        rel = np.sort(c[elig] - v_lo * y[elig])
        return c.sum() - rel[-n_req:].sum()

    def largest_total(t):  # N eligible regions pinned at v_cap y_j, the smallest releases
        c = np.clip(t * p, f_cap, hi)
        rel = np.sort(c[elig] - v_cap * y[elig])
        return c.sum() - rel[:n_req].sum()

    t_high = _level_of(smallest_total)[1]
    t_low = _level_of(largest_total)[0]
    hi2 = np.minimum(hi, np.maximum.reduce([t_high * p, lo, v_cap * y])) \
        if np.isfinite(t_high) else hi.copy()
    floor = np.maximum(lo, np.minimum(t_low * p, hi)) if np.isfinite(t_low) else lo.copy()
    return hi2, floor, t_low, t_high


# ---------------------------------------------------------------------------
# one column, frontier="free": branch and bound over boxes of levels (v, t)


def _sum_above(p_b, hi_b, lo_a):
    """``Σ_b p_b (lo_a - hi_b)^+`` for each ``a`` (sorted cumulative sums)."""
    o = np.argsort(hi_b, kind="stable")
    hs, ps = hi_b[o], p_b[o]
    cp, cph = np.r_[0.0, np.cumsum(ps)], np.r_[0.0, np.cumsum(ps * hs)]
    k = np.searchsorted(hs, lo_a, side="left")
    return np.maximum(lo_a * cp[k] - cph[k], 0.0)


def _sum_below(p_b, lo_b, hi_a):
    """``Σ_b p_b (lo_b - hi_a)^+`` for each ``a``."""
    o = np.argsort(lo_b, kind="stable")
    ls, ps = lo_b[o], p_b[o]
    cp, cpl = np.r_[0.0, np.cumsum(ps)], np.r_[0.0, np.cumsum(ps * ls)]
    k = np.searchsorted(ls, hi_a, side="right")
    return np.maximum((cpl[-1] - cpl[k]) - hi_a * (cp[-1] - cp[k]), 0.0)


class _LevelBox:
    """Lower model of the one-column free model on a box ``[v1, v2] x [t1, t2]`` of levels.

    Every region's per-capita value lies in an interval: ``[v1 a_j, v2 a_j]`` (cut to
    its bounds) if flagged on the frontier, ``[clip(t1, max(lo_j/p_j, v1 a_j), H_j),
    clip(t2, max(lo_j/p_j, v2 a_j), H_j)]`` otherwise; the Gini is at least
    ``Σ_{i<j} p_i p_j dist(I_i, I_j)``, a quadratic function ``K + w·e + ½ eᵀQe`` of the
    flags with ``Q <= 0`` (see the module docstring). Rows: at least ``N`` flags, the
    total ``Σ p_j lo(I_j) <= 1 <= Σ p_j hi(I_j)``, the dominance fixings and
    precedences. :meth:`lagrangian` bounds it for given multipliers by a minimum cut.
    """

    def __init__(self, P, v1, v2, t1, t2):
        p, y, lo, hi, a = P["p"], P["y"], P["lo"], P["hi"], P["a"]
        lp, H = lo / p, hi / p
        ulo = np.clip(t1, np.maximum(lp, v1 * a), H)
        uhi = np.clip(t2, np.maximum(lp, v2 * a), H)
        cand = (lo / y <= v2 * (1 + 1e-12)) & ~P["fix0"]
        pi, pj = P["prec"]
        while True:  # a region whose dominator cannot be flagged cannot be either
            bad = cand[pi] & ~cand[pj]
            if not bad.any():
                break
            cand[pi[bad]] = False
        C = np.nonzero(cand)[0]
        self.C, self.n_req = C, P["n_req"]
        self.feasible = len(C) >= self.n_req and not (P["fix1"] & ~cand).any()
        if not self.feasible:
            return
        plo, phi = np.maximum(v1 * a[C], lp[C]), np.minimum(v2 * a[C], H[C])
        rest = ~cand
        pr, rlo, rhi = p[rest], ulo[rest], uhi[rest]
        pc, lo0, hi0 = p[C], ulo[C], uhi[C]
        # pairs of regions that are not candidates: a constant
        K = float(np.dot(pr, _sum_above(pr, rhi, rlo)))
        u0 = pc * (_sum_above(pr, rhi, lo0) + _sum_below(pr, rlo, hi0))
        u1 = pc * (_sum_above(pr, rhi, plo) + _sum_below(pr, rlo, phi))
        pp = pc[:, None] * pc[None, :]

        def dist(alo, ahi, blo, bhi):
            out = pp * (np.maximum(alo[:, None] - bhi[None, :], 0.0)
                        + np.maximum(blo[None, :] - ahi[:, None], 0.0))
            np.fill_diagonal(out, 0.0)
            return out

        d00, d10, d11 = dist(lo0, hi0, lo0, hi0), dist(plo, phi, lo0, hi0), dist(plo, phi, plo, phi)
        q = np.minimum(d11 - d10 - d10.T + d00, 0.0)  # <= 0 exactly; clipping only lowers it
        np.fill_diagonal(q, 0.0)
        self.K = K + u0.sum() + 0.5 * d00.sum()
        self.w = u1 - u0 + (d10 - d00).sum(axis=1)
        self.Q = q
        self.blo0, self.bhi0 = float(np.dot(p, ulo)), float(np.dot(p, uhi))
        self.dblo, self.dbhi = pc * (plo - lo0), pc * (phi - hi0)
        idx = np.full(len(p), -1)
        idx[C] = np.arange(len(C))
        keep = cand[pi] & cand[pj]
        self.prec = (idx[pi[keep]], idx[pj[keep]])
        self.force1 = P["fix1"][C]
        # the total cannot be allocated whatever the flags (precedences left out)
        d = np.sort(self.dblo)
        if self.blo0 + d[:max(self.n_req, int((d < 0).sum()))].sum() > 1 + 1e-12:
            self.feasible = False
        d = np.sort(self.dbhi)[::-1]
        if self.bhi0 + d[:max(self.n_req, int((d > 0).sum()))].sum() < 1 - 1e-12:
            self.feasible = False
        self._graph = None

    def _template(self):
        n = len(self.C)
        caps = -0.5 * self.Q
        pi, pj = self.prec
        caps[pi, pj] = np.inf                    # e_i <= e_j: an edge no cut may cross
        ii, jj = np.nonzero(caps > 0)
        rows = np.r_[ii, np.full(n, n), np.arange(n)]
        cols = np.r_[jj, np.arange(n), np.full(n, n + 1)]
        order = np.lexsort((cols, rows))
        indptr = np.r_[0, np.cumsum(np.bincount(rows, minlength=n + 2))].astype(np.int32)
        self._graph = (caps[ii, jj], 0.5 * self.Q.sum(axis=1), order,
                       cols[order].astype(np.int32), indptr)

    def lagrangian(self, lam, mu1, mu2):
        """Lower bound of the Lagrangian by a minimum cut: ``(bound, flags)``.

        The Lagrangian is ``min_e f(e) + λ(N - Σe) + μ1 (Blo(e) - 1) + μ2 (1 - Bhi(e))``
        over the flags allowed by the fixings and precedences; ``flags`` minimise it.
        ``Q_ij e_i e_j = ½Q_ij (e_i + e_j) - ½Q_ij (e_i(1 - e_j) + e_j(1 - e_i))``: edges
        ``i -> j`` of capacity ``-½Q_ij`` (cut when ``e_i = 1, e_j = 0``), a negative
        unary term as an edge from the source, a positive one to the sink. Capacities
        are scaled to integers (the solver's type) and rounded down, and the edges that
        stand for a fixing or precedence get the largest integer rather than infinity:
        both only lower the minimum cut, so the bound stays valid.
        """
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import breadth_first_order, maximum_flow

        if self._graph is None:
            self._template()
        pair, qrow, order, indices, indptr = self._graph
        n = len(self.C)
        w = self.w - lam + mu1 * self.dblo - mu2 * self.dbhi + qrow
        const = self.K + lam * self.n_req + mu1 * (self.blo0 - 1) + mu2 * (1 - self.bhi0)
        src, snk = np.maximum(-w, 0.0), np.maximum(w, 0.0)
        finite = pair[np.isfinite(pair)]
        top = max(src.max(), snk.max(), finite.max() if len(finite) else 0.0)
        if top <= 0:
            return const + np.minimum(w, 0.0).sum(), w < 0
        # each capacity scaled to at most 2^30 (the solver's int32; its flow total is
        # int64); the "infinite" edges get 2^31 - 1: a cut through one is a relaxation
        scale = 2.0 ** 30 / top
        big = float(2 ** 31 - 1)
        fs = np.floor(src * scale)
        fs[self.force1] = big
        vals = np.r_[np.minimum(np.floor(pair * scale), big), fs, np.floor(snk * scale)]
        graph = csr_matrix((vals[order].astype(np.int32), indices, indptr), shape=(n + 2, n + 2))
        flow = maximum_flow(graph, n, n + 1, method="dinic")
        resid = graph - flow.flow
        resid.data = (resid.data > 0).astype(np.int8)
        resid.eliminate_zeros()
        reach = breadth_first_order(resid, n, directed=True, return_predecessors=False)
        e = np.zeros(n, dtype=bool)
        e[reach[reach < n]] = True
        return const + np.minimum(w, 0.0).sum() + flow.flow_value / scale, e

    def piece(self, e):
        """The Lagrangian of flags ``e`` as an affine function of the multipliers: (f, g)."""
        e = e.astype(float)
        f = self.K + self.w @ e + 0.5 * e @ self.Q @ e
        return f, np.array([self.n_req - e.sum(), self.blo0 + self.dblo @ e - 1,
                            1 - self.bhi0 - self.dbhi @ e])


def _box_dual(box, target, m0=None, iters=30, delta=(1e-4, 2.0, 2.0)):
    """Best Lagrangian bound found by trust-region cutting planes on (λ, μ1, μ2).

    Every value returned is a minimum cut's bound at some multipliers (valid whatever
    the multipliers); the search stops at ``target``. Returns (bound, multipliers, flags
    of each cut).
    """
    from scipy.optimize import linprog

    center = np.zeros(3) if m0 is None else np.asarray(m0, dtype=float)
    delta = np.array(delta, dtype=float)
    best, e = box.lagrangian(*center)
    pieces, sets = [box.piece(e)], [e]
    for _ in range(iters):
        if best >= target:
            break
        a = np.array([[1.0, *(-g)] for _f, g in pieces])
        b = np.array([f for f, _g in pieces])
        bnds = [(None, None)] + [(max(0.0, center[k] - delta[k]), center[k] + delta[k])
                                 for k in range(3)]
        res = linprog([-1.0, 0.0, 0.0, 0.0], A_ub=a, b_ub=b, bounds=bnds, method="highs")
        if res.status != 0:
            break
        pred = -res.fun - best
        if pred <= 1e-10 * max(abs(best), 1e-12):
            break
        m = res.x[1:]
        low, e = box.lagrangian(*m)
        sets.append(e)
        pieces.append(box.piece(e))
        if low >= best + 0.1 * pred:
            best, center = low, m.copy()
            delta *= 2.0
        else:
            delta *= 0.3
    return best, center, sets


#: one column, frontier="free", above PAIRS_LIMIT regions: branch and bound over level boxes
_BOXES = True

#: relative width of a box taken as a point, and the most boxes before the search gives up
_BOX_POINT = 1e-9
_BOX_MAX = 20000

#: relative gap at which the level boxes stop (HiGHS's default mip_rel_gap); a
#: smaller ``mip_gap`` does not go below it
_BOX_GAP = 1e-4

#: multiplier search per box: cutting-plane iterations and trust region (warm start)
_BOX_ITERS = 10
_BOX_DELTA = (3e-5, 1.0, 1.0)


def _box_range(p, y, lo, hi, n_req):
    """``(v_lo, v_cap, t_low, t_high)``: the levels of the water-filled optima.

    The water level is also at most ``max_j hi_j / p_j``: beyond it every region off
    the frontier sits at its upper bound, so the total no longer grows.
    """
    v_lo, v_cap = _level_range(lo, hi, y, n_req)
    _h, _f, t_low, t_high = _water_box(p, y, lo, hi, n_req)
    return v_lo, v_cap, t_low, min(t_high, float((hi / p).max()))


def _free_boxes(p, y, lo, hi, n_req, *, rel_gap=1e-4, time_limit=None, incumbent=None,
                report=None):
    """The one-column free model by branch and bound over boxes of levels ``(v, t)``.

    Boxes of ``[v_lo, v_cap] x [t_low, t_high]`` (the water box) are bounded by
    :class:`_LevelBox` and its Lagrangian (best first), split in halves along the
    wider side (``t`` against ``v`` times the median ``a``), and dropped when their
    bound reaches ``(1 - rel_gap)`` times the best allocation found; every minimum
    cut's frontier set is solved exactly (:func:`_pinned_one_column`) as a candidate.
    Returns a dict: pinned, shares, v, value, bound (the smallest bound of the boxes
    not dropped, at least that of the dropped ones), gap, certified, boxes, seconds.
    """
    import heapq

    t0 = time.perf_counter()
    v_lo, v_cap, t_low, t_high = _box_range(p, y, lo, hi, n_req)
    if not (np.isfinite(t_low) and v_lo <= v_cap and t_low <= t_high):
        return None
    fix0, fix1, prec = _dominance(p, y, lo, hi, n_req)
    P = {"p": p, "y": y, "lo": lo, "hi": hi, "a": y / p, "n_req": n_req,
         "fix0": fix0, "fix1": fix1, "prec": prec}
    best = {"value": math.inf, "pinned": None, "shares": None, "v": np.nan}
    seen = set()

    def consider(pinned):
        key = np.packbits(pinned).tobytes()
        if key in seen:
            return
        seen.add(key)
        shares, v, _ = _pinned_one_column(p, y, lo[:, None], hi[:, None], 1.0, pinned)
        if shares is not None:
            g = gini_of_shares(shares[:, 0], p)
            if g < best["value"]:
                best.update(value=g, pinned=pinned.copy(), shares=shares[:, 0], v=v)

    if incumbent is not None:
        consider(np.asarray(incumbent, dtype=bool))
    heap = [(-math.inf, 0, (v_lo, v_cap, t_low, t_high), None)]
    dropped = math.inf   # smallest bound of the boxes dropped (their bound >= the target then)
    count, boxes, last, stuck = 1, 0, t0, False
    while heap:
        if heap[0][0] >= best["value"] * (1 - rel_gap):
            break
        if time_limit is not None and time.perf_counter() - t0 > time_limit:
            break
        bound, _, (v1, v2, t1, t2), m0 = heapq.heappop(heap)
        box = _LevelBox(P, v1, v2, t1, t2)
        boxes += 1
        if not box.feasible:
            continue
        target = best["value"] * (1 - rel_gap)
        if m0 is None:
            b, m, sets = _box_dual(box, target)
        else:
            b, m, sets = _box_dual(box, target, m0, iters=_BOX_ITERS, delta=_BOX_DELTA)
        b = max(b, bound)
        e = sets[-1]
        if e.sum() >= n_req:
            pinned = np.zeros(len(p), dtype=bool)
            pinned[box.C[e]] = True
            consider(pinned)
        if b >= best["value"] * (1 - rel_gap):
            dropped = min(dropped, b)
            continue
        amed = float(np.median(P["a"][box.C]))
        if (t2 - t1 <= _BOX_POINT * t2 and v2 - v1 <= _BOX_POINT * v2) or boxes >= _BOX_MAX:
            # (nearly) a point: what is left is the Lagrangian gap of the flag choice,
            # which splitting the levels does not close; keep the bound, stop there
            dropped = min(dropped, b)
            stuck = True
            continue
        if t2 - t1 >= (v2 - v1) * amed:
            mid = 0.5 * (t1 + t2)
            kids = ((v1, v2, t1, mid), (v1, v2, mid, t2))
        else:
            mid = 0.5 * (v1 + v2)
            kids = ((v1, mid, t1, t2), (mid, v2, t1, t2))
        for kid in kids:
            heapq.heappush(heap, (b, count, kid, m))
            count += 1
        if report is not None and time.perf_counter() - last >= 1.0:
            last = time.perf_counter()
            low = min(dropped, heap[0][0])
            report(f"level boxes {last - t0:.0f} s: best {best['value']:.6g}, bound {low:.6g}, "
                   f"gap {100 * (best['value'] - low) / best['value']:.3f}%")
    bound = min(dropped, heap[0][0]) if heap else dropped
    bound = min(bound, best["value"])
    value = best["value"]
    gap = max(value - bound, 0.0) / value if np.isfinite(value) and value > 0 else math.inf
    return {**best, "bound": bound, "gap": gap, "certified": gap <= rel_gap * (1 + 1e-9),
            "stuck": stuck, "boxes": boxes, "seconds": time.perf_counter() - t0}


#: Σ_j e_j = N rather than >= N (exact: extra regions on the frontier stay unflagged)
_EXACTLY_N = True

#: drop the rows of pairs whose order the bounds fix (exact)
_FIX_PAIRS = True


def _u_min(lo, w, y, n_req):
    """Smallest frontier level ``u``: the N-th smallest ``Σ_k w_k lo_jk / y_j``."""
    return float(np.sort(lo @ w / y)[n_req - 1]) if 0 < n_req <= len(y) else 0.0


def _block_cut(s, p, k, n, ns, tol=1e-7):
    """A lower model of ``G_k`` exact at ``s``: linear across tie groups, a deviation within.

    Regions are grouped by equal per-capita value ``s_i / p_i`` (relative ``tol``) in
    ascending order ``B_1 < B_2 < ...``. For any allocation ``t``,
    ``G(t) >= Σ_i t_i (P_before(B(i)) - P_after(B(i))) + ½ Σ_B Σ_{i∈B} |t_i P_B - p_i T_B|``
    (``|a| >= a`` across groups; within a group its Gini exceeds its Hoover index), with
    equality at ``t = s``. Returns (rows, row_lo, row_hi, number of new variables) for
    ``g_k - linear - ½ Σ h_i >= 0``, ``h_i >= ±(t_i P_B - p_i T_B)``, ``T_B = Σ_{i∈B} t_i``.
    """
    z = s / p
    order = np.argsort(z, kind="stable")
    zs = z[order]
    brk = np.r_[True, np.diff(zs) > tol * np.maximum(1.0, np.abs(zs[1:]))]
    gid = np.empty(n, dtype=int)
    gid[order] = np.cumsum(brk) - 1
    pg = np.bincount(gid, weights=p)
    cum = np.cumsum(pg)
    lin = (cum - pg)[gid] - (cum[-1] - cum)[gid]
    size = np.bincount(gid)
    multi = np.nonzero(size > 1)[0]
    members = np.nonzero(size[gid] > 1)[0]
    nh, nb = len(members), len(multi)
    block_of = np.full(len(size), -1)
    block_of[multi] = np.arange(nb)
    # new variables (after the model's): h (nh), then T_B (nb); columns are offsets from 0
    rows, cols, vals, lo_r, hi_r = [], [], [], [], []
    r = 0
    # cut row: g_k - Σ lin_i s_ik - ½ Σ h_i >= 0
    rows += [r] * (n + 1 + nh)
    cols += [("m", ns + k)] + [("m", k * n + i) for i in range(n)] + [("x", j) for j in range(nh)]
    vals += [1.0] + list(-lin) + [-0.5] * nh
    lo_r.append(0.0)
    hi_r.append(np.inf)
    r += 1
    # T_B - Σ_{i∈B} s_ik = 0
    for b, g in enumerate(multi):
        idx = np.nonzero(gid == g)[0]
        rows += [r] * (len(idx) + 1)
        cols += [("x", nh + b)] + [("m", k * n + i) for i in idx]
        vals += [1.0] + [-1.0] * len(idx)
        lo_r.append(0.0)
        hi_r.append(0.0)
        r += 1
    # h_i -+ (P_B s_i - p_i T_B) >= 0
    for j, i in enumerate(members):
        b = block_of[gid[i]]
        for sign in (1.0, -1.0):
            rows += [r] * 3
            cols += [("x", j), ("m", k * n + i), ("x", nh + b)]
            vals += [1.0, -sign * pg[gid[i]], sign * p[i]]
            lo_r.append(0.0)
            hi_r.append(np.inf)
            r += 1
    return (np.asarray(rows), cols, np.asarray(vals), np.asarray(lo_r), np.asarray(hi_r), nh + nb)


def _assemble(blocks, blo, bhi, cuts, c, lb, ub, integrality):
    """The model's rows plus every cut's rows and new columns, as one HiGHS problem."""
    import scipy.sparse as sp

    nvar = len(c)
    base = sp.vstack(blocks, format="csr")
    extra = sum(cut[5] for cut in cuts)
    total = nvar + extra
    mats = [sp.hstack([base, sp.csr_matrix((base.shape[0], extra))], format="csr")]
    los, his = list(blo), list(bhi)
    offset = nvar
    for rows, cols, vals, lo_r, hi_r, nnew in cuts:
        col_idx = np.array([ci if kind == "m" else offset + ci for kind, ci in cols], dtype=int)
        mats.append(sp.csr_matrix((vals, (rows, col_idx)), shape=(len(lo_r), total)))
        los.append(lo_r)
        his.append(hi_r)
        offset += nnew
    a = sp.vstack(mats, format="csc")
    cc = np.r_[c, np.zeros(extra)]
    cl = np.r_[lb, np.full(extra, -np.inf)]
    cu = np.r_[ub, np.full(extra, np.inf)]
    ci = np.r_[integrality, np.zeros(extra)]
    return a, np.concatenate(los), np.concatenate(his), cc, cl, cu, ci


def _resource_groups(lo, hi):
    """Columns with identical bounds: (representatives, inverse, counts), or None if all differ.

    Resources whose share bounds are equal in every region are interchangeable: the
    average of their columns keeps every constraint (totals, bounds and the DEA input
    ``Σ_k s_jk`` are linear and unchanged) and, the Gini being convex, does not raise
    the objective (Jensen). So an optimum gives them the same shares, and the model is
    solved once per group of identical columns, each counted by its size.
    """
    keys = np.vstack([lo, np.where(np.isinf(hi), -1.0, hi)]).T
    _, rep, inv, cnt = np.unique(keys, axis=0, return_index=True, return_inverse=True,
                                 return_counts=True)
    if len(rep) == lo.shape[1]:
        return None
    return rep, np.asarray(inv).ravel(), cnt.astype(float)


#: solve identical-bound resources once (exact; False keeps one column per resource)
_GROUP_RESOURCES = True


def _solve_period(p, y, lo, hi, n_req, score_act, names, *, frontier, method, mip_gap,
                  time_limit, where, weight=None, report=None):
    """Solve one period under the chosen frontier rule; raise a named error if infeasible."""
    n = len(p)
    t_start = time.perf_counter()
    if n_req and weight is None and _GROUP_RESOURCES:
        groups = _resource_groups(lo, hi)
        if groups is not None:
            rep, inv, cnt = groups
            shares, info, pinned = _solve_period(
                p, y, lo[:, rep], hi[:, rep], n_req, score_act, names, frontier=frontier,
                method=method, mip_gap=mip_gap, time_limit=time_limit, where=where, weight=cnt,
                report=report)
            return shares[:, inv], {**info, "groups": len(rep)}, pinned
    w = np.ones(lo.shape[1]) if weight is None else weight
    if method == "boxes" and (not n_req or frontier != "free" or lo.shape[1] > 1):
        raise InputError("`method='boxes'` (branch and bound over frontier and water levels) "
                         "solves the free model (`efficiency` given, frontier='free') when "
                         "every resource has the same bounds; otherwise use 'pairs' or 'cuts'.")
    if method == "closed" and n_req and (frontier != "best" or lo.shape[1] > 1):
        raise InputError("`method='closed'` (the water-filling closed form) solves the fairness "
                         "level alone, or with `efficiency` the frontier='best' model when every "
                         "resource has the same bounds; otherwise use 'pairs' or 'cuts'.")
    if frontier not in ("best", "free"):
        raise InputError(f"`frontier` must be 'best' or 'free'; {frontier!r} was given.")
    if not n_req:
        if method == "closed" or (method == "auto" and n > PAIRS_LIMIT):
            t0 = time.perf_counter()
            shares = np.column_stack([water_filling(p, lo[:, k], hi[:, k]) for k in range(lo.shape[1])])
            return shares, {"method": "closed form", "rounds": 0, "status": "optimal", "mip_gap": 0.0,
                            "dual_bound": float(sum(gini_of_shares(shares[:, k], p)
                                                    for k in range(lo.shape[1]))),
                            "seconds": time.perf_counter() - t0}, None
        shares, info = _solve_one(p, y, lo, hi, 0, method=method, mip_gap=mip_gap,
                                  time_limit=time_limit)
        if shares is None:
            raise SpatialHealthError(f"{where}HiGHS stopped with status {info['status']!r} "
                                     "before finding an allocation.")
        return shares, info, None
    low = lo @ w / y      # smallest ratio Σ_k s_jk / y_j region j can reach
    cap = float((hi @ w / y).min())  # u can be at most this (every region above u)
    eligible = low <= cap * (1 + 1e-12)
    if eligible.sum() < n_req:
        raise InfeasibleAllocationError(
            f"{where}The efficiency requirement cannot hold: {n_req} of {n} regions are asked to "
            f"be on the frontier, but with the bounds at most {int(eligible.sum())} can be "
            f"(regions that can: {format_rows(names[eligible]) or 'none'}). Lower `efficiency` or "
            "widen `bounds`.", "efficiency")
    # the N eligible regions most efficient under the fairness-only allocation (the
    # allocation the lower level would evaluate first; ties: the actual scores, output)
    fair = np.column_stack([water_filling(p, lo[:, k], hi[:, k]) for k in range(lo.shape[1])])
    score_fair = _ar_scores(fair @ w, y)
    order = np.lexsort((-y, -score_act, -np.where(eligible, score_fair, -np.inf)))
    pinned = np.zeros(n, dtype=bool)
    pinned[order[:n_req]] = True
    boxes = (frontier == "free" and lo.shape[1] == 1
             and (method == "boxes" or (method == "auto" and n > PAIRS_LIMIT and _BOXES)))
    if lo.shape[1] == 1 and (method in ("closed", "boxes") or (method == "auto" and n > PAIRS_LIMIT)):
        t0 = time.perf_counter()
        shares, v, evals = _pinned_one_column(p, y, lo, hi, w[0], pinned)
        info = {"method": "closed form", "rounds": evals, "mip_gap": 0.0,
                "status": "optimal" if shares is not None else "infeasible",
                "seconds": time.perf_counter() - t0, "u": v * w[0], "on_frontier": pinned}
        if shares is not None:
            info["dual_bound"] = float(w[0] * gini_of_shares(shares[:, 0], p))
    else:
        shares, info = _solve_one(p, y, lo, hi, n_req, pinned=pinned, method=method,
                                  mip_gap=mip_gap, time_limit=time_limit, weight=weight)
    if boxes:
        # one column, free: branch and bound over boxes of frontier and water levels,
        # from the rule's set (module docstring, "Level boxes")
        left = None if time_limit is None else max(time_limit - (time.perf_counter() - t_start), 1.0)
        found = _free_boxes(p, y, lo[:, 0], hi[:, 0], n_req, rel_gap=max(mip_gap, _BOX_GAP),
                            time_limit=left, incumbent=pinned if shares is not None else None,
                            report=None if report is None else (lambda text: report(where + text)))
        if found is not None and found["pinned"] is not None and (found["certified"]
                                                                  or time_limit is not None):
            fair_total = float(w[0] * gini_of_shares(fair[:, 0], p))
            bound = max(float(w[0] * found["bound"]), fair_total)
            value = float(w[0] * found["value"])
            status = "optimal" if found["certified"] else "time limit"
            return found["shares"][:, None], {
                "method": "boxes", "rounds": found["boxes"], "status": status,
                "mip_gap": max(value - bound, 0.0) / max(value, 1e-300), "dual_bound": bound,
                "seconds": time.perf_counter() - t_start, "u": found["v"] * w[0],
                "on_frontier": found["pinned"]}, None
        # not certified without a time limit (a box shrank to a point): the MILP below
        method = "auto"
    if frontier == "free":
        if lo.shape[1] == 1 and _HEURISTIC:
            # a better starting set than the rule's: the one-column local search
            t1 = time.perf_counter()
            if report is not None:
                report(f"{where}local search over frontier levels")
            found = _free_heuristic(p, y, lo[:, 0], hi[:, 0], n_req)
            best_value = (gini_of_shares(shares[:, 0], p) if shares is not None else math.inf)
            if found is not None and found[2] < best_value - 1e-13:
                pinned = found[0]
                if info["method"] == "pairs":
                    shares, info = _solve_one(p, y, lo, hi, n_req, pinned=pinned, method="pairs",
                                              mip_gap=mip_gap, time_limit=time_limit, weight=weight)
                else:
                    shares, v_h, _ = _pinned_one_column(p, y, lo, hi, w[0], pinned)
                    info = {**info, "u": v_h * w[0], "on_frontier": pinned}
            info["seconds"] = info.get("seconds", 0.0) + time.perf_counter() - t1
        elif _HEURISTIC and shares is not None and info["method"] == "pairs":
            # several columns (bounds differ by resource): the local search on the
            # weighted average column proposes a set; its linear programme on the real
            # columns starts the search if it beats the rule's set
            t1 = time.perf_counter()
            found = _free_heuristic(p, y, lo @ w / w.sum(), hi @ w / w.sum(), n_req)
            if found is not None:
                cand, cinfo = _solve_one(p, y, lo, hi, n_req, pinned=found[0], method="pairs",
                                         mip_gap=mip_gap, time_limit=time_limit, weight=weight)
                if cand is not None and (sum(w[k] * gini_of_shares(cand[:, k], p) for k in range(len(w)))
                                         < sum(w[k] * gini_of_shares(shares[:, k], p)
                                               for k in range(len(w))) - 1e-13):
                    shares, info, pinned = cand, cinfo, found[0]
            info["seconds"] = info.get("seconds", 0.0) + time.perf_counter() - t1
        start = None
        if shares is not None and info["method"] == "pairs":
            start = np.concatenate([info["x"], pinned.astype(float)])
        # the time limit counts the rule's solve and the local search as well
        left = None if time_limit is None else max(time_limit - (time.perf_counter() - t_start), 1.0)
        free_shares, free_info = _solve_one(
            p, y, lo, hi, n_req, method=method, mip_gap=mip_gap, time_limit=left, start=start,
            weight=weight, cut_at=() if shares is None or lo.shape[1] > 1 else (shares,),
            report=None if report is None else (lambda text: report(where + text)))
        def total(sh):
            return float(sum(w[k] * gini_of_shares(sh[:, k], p) for k in range(len(w))))

        if free_shares is not None and free_info.get("on_frontier") is not None:
            # polish: the model with the frontier set the search chose (a linear programme,
            # or the closed form with one column) gives the allocation without the MIP
            # tolerances (integrality and feasibility 1e-6)
            t1 = time.perf_counter()
            polished, u_pol = None, None
            if lo.shape[1] == 1:
                polished, v_pol, _ = _pinned_one_column(p, y, lo, hi, w[0], free_info["on_frontier"])
                u_pol = v_pol * w[0]
            elif free_info["method"] == "pairs":
                polished, pinfo = _solve_one(p, y, lo, hi, n_req, pinned=free_info["on_frontier"],
                                             method="pairs", mip_gap=mip_gap, time_limit=time_limit,
                                             weight=weight)
                u_pol = pinfo.get("u")
            if polished is not None and total(polished) <= total(free_shares) + 1e-12:
                free_shares = polished
                free_info["u"] = u_pol
            free_info["seconds"] += time.perf_counter() - t1
        if shares is not None and free_info["status"] != "optimal":
            # stopped early: keep the better of the two allocations (both feasible); the
            # fairness level alone is a lower bound as well
            bound = max(free_info.get("dual_bound", -np.inf), total(fair))
            if free_shares is None or total(shares) < total(free_shares):
                free_shares = shares
                free_info = {**free_info, "on_frontier": pinned, "u": info.get("u")}
            value = total(free_shares)
            free_info.update(dual_bound=bound, mip_gap=max(value - bound, 0.0) / max(value, 1e-300))
        elif (shares is not None and free_shares is not None
              and total(shares) < total(free_shares) - 1e-12):
            # a proven optimum above a known allocation can only come from the solver's
            # tolerances: keep the better allocation
            free_shares = shares
            free_info = {**free_info, "on_frontier": pinned, "u": info.get("u")}
        if free_shares is not None:
            free_info["seconds"] += info.get("seconds", 0.0)
            return free_shares, free_info, None
        shares, info = free_shares, free_info
    if shares is None:
        if info["status"] == "infeasible":
            reps = w.astype(int)
            most = _max_frontier(y, np.repeat(lo, reps, axis=1), np.repeat(hi, reps, axis=1))
            which = ("" if frontier == "free" else
                     f" (the regions placed on it: {format_rows(names[pinned])})")
            raise InfeasibleAllocationError(
                f"{where}The efficiency requirement cannot hold: {n_req} of {n} regions are "
                f"asked to be on the frontier{which}, but with the bounds and totals at most "
                f"{most if most is not None else '(unknown)'} can be. Lower `efficiency` or "
                "widen `bounds`.", "efficiency")
        raise SpatialHealthError(f"{where}HiGHS stopped with status {info['status']!r} "
                                 "before finding an allocation.")
    return shares, info, pinned


def _max_frontier(y, lo, hi):
    """Largest number of regions that can be on the frontier under the bounds (MILP)."""
    import scipy.sparse as sp
    from scipy.optimize import Bounds, LinearConstraint, milp

    n, m = lo.shape
    ns = n * m
    nvar = ns + 1 + n
    c = np.zeros(nvar)
    c[ns + 1:] = -1.0
    lb = np.concatenate([lo.T.ravel(), [0.0], np.zeros(n)])
    ub = np.concatenate([hi.T.ravel(), [np.inf], np.ones(n)])
    integ = np.concatenate([np.zeros(ns + 1), np.ones(n)])
    j = np.arange(n)
    s_cols = (np.arange(m)[None, :] * n + j[:, None]).ravel()
    s_rows = np.repeat(j, m)
    eq = sp.csr_matrix((np.ones(ns), (np.repeat(np.arange(m), n), np.arange(ns))), shape=(m, nvar))
    a1 = sp.csr_matrix((np.concatenate([-np.ones(ns), y]),
                        (np.concatenate([s_rows, j]), np.concatenate([s_cols, np.full(n, ns)]))),
                       shape=(n, nvar))
    big_m = hi.sum(axis=1)
    a2 = sp.csr_matrix((np.concatenate([np.ones(ns), -y, big_m]),
                        (np.concatenate([s_rows, j, j]),
                         np.concatenate([s_cols, np.full(n, ns), ns + 1 + j]))), shape=(n, nvar))
    res = milp(c, integrality=integ, bounds=Bounds(lb, ub),
               constraints=[LinearConstraint(eq, 1, 1), LinearConstraint(a1, -np.inf, 0),
                            LinearConstraint(a2, -np.inf, big_m)],
               options={"disp": False, "time_limit": 60.0})
    return None if res.x is None else round(-res.fun)


def _check_bounds(lo, hi, resources, names, where):
    for k, r in enumerate(resources):
        if lo[:, k].sum() > 1 + 1e-9:
            raise InfeasibleAllocationError(
                f"{where}The bounds cannot hold for {r!r}: the lower bounds (lower factor x demand "
                f"share) add up to {100 * lo[:, k].sum():.1f}% of the national total, more than "
                "100%. Lower the lower factor of `bounds`.", "bounds")
        if hi[:, k].sum() < 1 - 1e-9:
            raise InfeasibleAllocationError(
                f"{where}The bounds cannot hold for {r!r}: the upper bounds (upper factor x demand "
                f"share, at most 100%) add up to only {100 * hi[:, k].sum():.1f}% of the national "
                "total, so the total cannot be allocated. Raise the upper factor of `bounds`.",
                "bounds")
    bad = lo > hi + 1e-15
    if bad.any():  # pragma: no cover - only when a lower factor exceeds 1/d_i
        i, k = np.argwhere(bad)[0]
        raise InfeasibleAllocationError(
            f"{where}Region {names[i]!r}: its lower bound for {resources[k]!r} exceeds 100% "
            "of the national total.", "bounds")


def _check_unique_regions(keys, what: str, where: str) -> None:
    """Raise when a region occurs twice (in one period): it would be allocated twice."""
    dup = pd.Index(keys).duplicated(keep=False)
    if dup.any():
        vals = sorted(set(map(str, pd.Index(keys)[dup])))
        raise InputError(f"{where}regions must occur once (per period); {what} repeat "
                         f"{format_rows(vals)}. Remove the duplicated rows, or name a unique "
                         "key with `region=` (e.g. the code column).")


def ideal_allocation(df: pd.DataFrame, *, resources, population: str, demand: str | None = None,
                     output: str | None = None, totals=None, bounds=None, efficiency=None,
                     period: str | None = None, region: str | None = None,
                     frontier: str = "free", method: str = "auto", mip_gap: float = 1e-9,
                     time_limit: float | None = None, progress=None) -> IdealAllocationResult:
    """Ideal allocation of resources by the fairness–efficiency bi-level model, solved exactly.

    The model, its single-level reformulation and the choices made where the
    published description is ambiguous are documented in :mod:`spatialhealth.equity.ideal`.
    In short: minimise the sum over resources of the population-weighted Gini of the
    allocation, allocate each national total, keep each region's share within
    ``bounds`` factors of its demand share, and (``efficiency``) keep at least a share
    of regions on the DEA frontier (CCR, one output, input weights ``1 / T_k``).

    Parameters
    ----------
    df : DataFrame
        One row per region (per period with ``period``).
    resources : str or list of str
        Columns of the actual allocation (counts, >= 0): doctors, beds...
    population : str
        Population column (> 0): the weights of the Gini.
    demand : str, optional
        Demand index column (> 0); its shares centre the bounds. Default: population.
    output : str, optional
        Output column (> 0) of the lower-level DEA. Default: ``demand`` (or population).
    totals : mapping or Series, optional
        National total of each resource; default the column sums (per period).
    bounds : (lower, upper) or mapping resource -> (lower, upper), optional
        Factors of the demand share: ``lower · d_i <= s_ik <= upper · d_i``. ``None``
        in a pair leaves that side open. Default: shares only >= 0.
    efficiency : float or int, optional
        Share of regions (0, 1] required on the frontier (``N = ceil(share · n)``), or
        the number of regions as an int >= 1. ``None`` drops the lower level
        (fairness only, a linear programme).
    period : str, optional
        Column of periods: the model is solved for each period; the result holds all.
    region : str, optional
        Column naming the regions in the result (default: ``code``/``name`` column, or
        the index).
    frontier : {"free", "best"}
        Which regions the efficiency requirement puts on the frontier. ``"free"``
        (default, the literal bi-level model): the model chooses the ``N`` regions
        itself; up to 400 regions a MILP solved to proven optimality by branch and
        bound (gap 1e-9; 31 provinces: under a second of CPU per period when the
        resources share one ``bounds`` pair). Above 400 regions with one ``bounds``
        pair for all resources a branch and bound over boxes of frontier and water
        levels with minimum-cut bounds (``method="boxes"``) proves the optimum within
        the relative gap 1e-4 (2,850 counties: about 20 s of CPU); with bounds that
        differ by resource the MILP with cutting planes does not finish: use
        ``time_limit`` and read ``.solver['mip_gap']``. ``"best"``: the ``N`` regions (among those the bounds
        allow on the frontier) with the highest DEA scores under the fairness-only
        allocation are placed on it; the model is then convex (exact for that choice:
        a linear programme with duals, or with one ``bounds`` pair above 400 regions a
        closed form, 0.1 s for 2,850 counties) and its objective an upper bound of the
        free one, whose search starts from it.
    method : {"auto", "pairs", "cuts", "closed", "boxes"}
        Gini as pairwise absolute differences (exact LP/MILP rows, ``n(n-1)/2`` per
        column), exact cutting planes (stops when every Gini equals its lower model;
        converges slowly when the efficiency rows split many regions), or the closed
        form: water-filling :func:`water_filling` for the fairness level alone, and with
        ``frontier="best"`` and one ``bounds`` pair for all resources the pinned
        water-filling searched over the frontier level. ``"boxes"`` (``frontier="free"``
        with one ``bounds`` pair for all resources): branch and bound over the frontier
        and water levels, proven to the relative gap ``max(mip_gap, 1e-4)`` (see the
        module docstring). ``"auto"``: pairs up to 400 regions; above, the closed form
        or the level boxes where they apply, else cutting planes.
    mip_gap : float
        Relative MIP gap at which HiGHS stops (default 1e-9; the absolute gap is a
        hundredth of it); the level boxes stop at ``max(mip_gap, 1e-4)``.
    time_limit : float, optional
        Seconds per period (the whole free search: rule, local search and branch and
        bound); the status says when it was reached, ``.solver['mip_gap']`` how far
        from proven the answer is.
    progress : bool or callable, optional
        ``True``: a progress bar on standard error showing the period and, during the
        free branch and bound, its incumbent, bound and gap (a free search over
        thousands of regions without ``time_limit`` can run for hours). A callable is
        called as ``progress(1)`` after each period.

    Returns
    -------
    IdealAllocationResult
        ``.frame`` (actual and ideal per region and resource), ``.gini`` (before and
        after), ``.efficiency`` (DEA scores), ``.solver`` (status, MIP gap),
        ``.ideal_table()`` (wide ideal allocation), ``.summary()``, ``.plot()``.

    Raises
    ------
    InfeasibleAllocationError
        When the bounds cannot allocate a total or the efficiency requirement cannot
        hold with the bounds (the message says which, and how many regions can be
        on the frontier at most).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"doctors": [10, 30, 60], "beds": [20, 20, 60],
    ...                   "pop": [20, 30, 50], "need": [30, 30, 40]})
    >>> res = ideal_allocation(d, resources=["doctors", "beds"], population="pop",
    ...                        demand="need", bounds=(0.9, 1.1))
    >>> res.ideal_table().round(2).to_numpy().tolist()
    [[27.0, 27.0], [29.0, 29.0], [44.0, 44.0]]
    >>> res.gini.round(4)["gini_ideal"].tolist()
    [0.083, 0.083]
    """
    require_frame(df)
    resources = as_column_list(resources, "resources")
    if not resources:
        raise InputError("`resources` must name at least one column.")
    cols = list(resources) + [population] + [c for c in (demand, output, period, region) if c]
    require_columns(df, cols, "table")
    if period is None:
        groups = [(None, df)]
    else:
        if df[period].isna().any():
            raise InputError(f"Column {period!r} (the period) is missing in rows "
                             f"{format_rows(df.index[df[period].isna()])}.")
        groups = list(df.groupby(period, sort=True))
    if isinstance(totals, (Mapping, pd.Series)):
        totals = dict(totals.items())
        missing = [r for r in resources if r not in totals]
        if missing:
            raise InputError(f"`totals` has no total for {', '.join(map(repr, missing))}.")
    elif totals is not None:
        raise InputTypeError(f"`totals` must be a mapping resource -> national total; "
                             f"{type(totals).__name__} was given.")

    frames, ginis, effs, solvers = [], [], [], []
    n_req_text, bounds_text = "none (fairness only)", "none (shares >= 0)"
    bar = _status_bar(progress)
    task = None
    if bar is not None:
        bar.start()
        task = bar.add_task("", total=len(groups))

    def report(text):
        bar.update(task, description=text)

    try:
        for key, sub in groups:
            where = f"{period}={key}: " if period else ""
            n = len(sub)
            if n < 2:
                raise InputError(f"{where}the model needs at least 2 regions; {n} were given.")
            x = np.column_stack([numeric(sub, r, min_value=0.0) for r in resources])
            pop = numeric(sub, population, min_value=0.0, positive=True)
            dem = pop if demand is None else numeric(sub, demand, min_value=0.0, positive=True)
            out_col = output or demand
            out = dem if out_col is None else numeric(sub, out_col, min_value=0.0, positive=True)
            tot = x.sum(axis=0) if totals is None else np.array([float(totals[r]) for r in resources])
            if np.any(~np.isfinite(tot)) or np.any(tot <= 0):
                bad = [r for r, t in zip(resources, tot) if not t > 0]
                raise InputError(f"{where}the national total of {', '.join(map(repr, bad))} is not > 0.")
            p, d, y = pop / pop.sum(), dem / dem.sum(), out / out.sum()
            lo, hi, pairs = _bounds_arrays(bounds, resources, d)
            names = (sub[region].astype(str).to_numpy() if region else row_names(sub).to_numpy())
            keycol = region or ("code" if "code" in sub.columns else None)
            _check_unique_regions(sub[keycol] if keycol else sub.index,
                                  f"the values of {keycol!r}" if keycol else "the row labels", where)
            _check_bounds(lo, hi, resources, names, where)
            n_req = _required(efficiency, n)
            if n_req:
                n_req_text = (f"at least {n_req} of {n} regions on the frontier"
                              + ("" if isinstance(efficiency, (int, np.integer))
                                 else f" (share {efficiency:g})") + f", frontier={frontier!r}")
            if bounds is not None:
                bounds_text = "; ".join(f"{r}: [{a:g}, {b:g}]" for r, (a, b) in zip(resources, pairs))
            act_share = x / np.where(x.sum(axis=0) > 0, x.sum(axis=0), 1.0)
            score_act = _ar_scores(act_share.sum(axis=1), y)
            shares, info, _chosen = _solve_period(p, y, lo, hi, n_req, score_act, names, frontier=frontier,
                                                 method=method, mip_gap=mip_gap, time_limit=time_limit,
                                                 where=where, report=None if bar is None else report)
            ideal = shares * tot
            score_ideal = _ar_scores(shares.sum(axis=1), y)
            on = info.get("on_frontier", score_ideal >= 1 - 1e-7)
            on = np.asarray(on, dtype=bool) | (score_ideal >= 1 - 1e-7)
            base = {} if period is None else {period: key}
            rows = pd.DataFrame({
                **{c: v for c, v in base.items()},
                "row": np.tile(sub.index.to_numpy(), len(resources)),
                "region": np.tile(names, len(resources)),
                "resource": np.repeat(resources, n),
                "actual": x.T.ravel(), "ideal": ideal.T.ravel(),
                "actual_share": act_share.T.ravel(), "ideal_share": shares.T.ravel(),
                "population_share": np.tile(p, len(resources)),
                "demand_share": np.tile(d, len(resources)),
                "lower_share": lo.T.ravel(), "upper_share": np.where(np.isinf(hi), np.nan, hi).T.ravel(),
                "on_frontier": np.tile(on, len(resources)),
            })
            frames.append(rows)
            for k, r in enumerate(resources):
                ginis.append({**base, "resource": r,
                              "gini_actual": gini_of_shares(x[:, k], pop) if x[:, k].sum() > 0 else np.nan,
                              "gini_ideal": gini_of_shares(shares[:, k], pop)})
            effs.append(pd.DataFrame({**base, "row": sub.index.to_numpy(), "region": names,
                                      "output_share": y, "score_actual": score_act,
                                      "score_ideal": score_ideal, "on_frontier": on}))
            solvers.append({**base, "status": info["status"], "objective": float(
                sum(gini_of_shares(shares[:, k], pop) for k in range(len(resources)))),
                "mip_gap": info["mip_gap"], "dual_bound": info["dual_bound"],
                "required_on_frontier": n_req, "on_frontier": int(on.sum()),
                "frontier": frontier if n_req else "",
                "method": info["method"], "rounds": info["rounds"], "seconds": info["seconds"]})
            if period is None:
                _last_info = info  # kept for tests (optimality certificate)
            if bar is not None:
                bar.update(task, advance=1)
    finally:
        if bar is not None:
            bar.stop()
    result = IdealAllocationResult(
        pd.concat(frames, ignore_index=True), pd.DataFrame(ginis), pd.concat(effs, ignore_index=True),
        pd.DataFrame(solvers), tuple(resources), period, region or "region",
        {"n": len(groups[0][1]) if period is None else f"{min(len(g) for _, g in groups)}–"
         f"{max(len(g) for _, g in groups)}",
         "efficiency_text": n_req_text, "bounds_text": bounds_text})
    if period is None:
        object.__setattr__(result, "_certificate", _last_info)
    return result
