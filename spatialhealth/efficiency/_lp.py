"""Batches of DEA linear programs, solved with HiGHS.

Every DEA model evaluates each unit ``o`` with one linear program of the same
shape (all constraints equalities, every variable bounded below by 0 unless
stated)::

    min  c_ref @ lam + c_own[o] @ z
    s.t. R @ lam + Z[o] @ z = b[o]
         lam >= 0,  z within own_bounds

``R`` (rows x n_ref: the reference technology, e.g. the input and output
matrix of the frontier units) is the same for every unit; only the few
unit-specific columns ``Z[o]`` (e.g. the column of theta or of the
Charnes-Cooper ``t``), costs and right-hand sides change. The constraint
matrix is therefore built once, with numpy, and reused:

* ``method="highspy"`` (used by ``"auto"`` when the optional ``highspy``
  package is installed): one HiGHS model per frontier; for each unit only
  its own columns, costs and right-hand sides are changed and the dual simplex
  is warm-started from the previous unit's optimal basis (presolve off), which
  pays off most for large frontiers (e.g. a pooled frontier over all years).
* ``method="block"`` (``"auto"`` without highspy): a chunk of units is stacked into one
  block-diagonal LP (built as one sparse COO matrix by broadcasting) and solved
  by one HiGHS call. The blocks share no variables, so the optimum of the
  stacked LP is the optimum of every block; one call replaces many and the
  per-call overhead of ``scipy.optimize.linprog`` is paid once per chunk.
* ``method="unit"``: one ``linprog`` call per unit, writing the unit's columns
  into the preallocated matrix (used as the fallback that isolates a unit
  whose LP is infeasible or unbounded).

"block" and "unit" call HiGHS's dual simplex through
:func:`scipy.optimize.linprog` (``method="highs-ds"``). All methods return
basic (vertex) solutions with the same optimal values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

#: accepted values of ``method``
METHODS = ("auto", "highspy", "block", "unit")

#: number of units stacked into one block-diagonal LP by ``method="block"``
DEFAULT_CHUNK = 64


@dataclass
class LPBatch:
    """The LPs of ``u`` units sharing the reference columns ``R``.

    Attributes
    ----------
    R : ndarray (r, n)
        Reference columns, the same for every unit.
    Z : ndarray (u, r, k)
        Unit-specific columns.
    c_ref : ndarray (n,)
        Cost of the reference variables (the same for every unit).
    c_own : ndarray (u, k)
        Cost of the unit-specific variables.
    b : ndarray (u, r)
        Right-hand sides.
    own_bounds : list of (low, high), length k
        Bounds of the unit-specific variables (None = unbounded).
    """

    R: np.ndarray
    Z: np.ndarray
    c_ref: np.ndarray
    c_own: np.ndarray
    b: np.ndarray
    own_bounds: list

    @property
    def n_units(self) -> int:
        return self.Z.shape[0]


@dataclass
class LPSolution:
    """Optimal values and solutions of a batch (NaN where a unit's LP failed)."""

    objective: np.ndarray  # (u,)
    lam: np.ndarray  # (u, n)
    own: np.ndarray  # (u, k)
    status: np.ndarray  # (u,) 0 = optimal, else scipy's status code
    message: list  # (u,) solver message
    n_lps: int  # HiGHS calls made
    n_unit_lps: int  # unit LPs solved (u)


_HIGHS_OPTIONS = {"presolve": True, "primal_feasibility_tolerance": 1e-9,
                  "dual_feasibility_tolerance": 1e-9}


def _bounds_array(batch: LPBatch, n_units: int) -> np.ndarray:
    n = batch.R.shape[1]
    own = np.array([[(-np.inf if lo is None else lo), (np.inf if hi is None else hi)]
                    for lo, hi in batch.own_bounds], dtype=float).reshape(-1, 2)
    one = np.vstack([np.tile([0.0, np.inf], (n, 1)), own])
    return np.tile(one, (n_units, 1))


def _solve_block(batch: LPBatch, idx: np.ndarray):
    """Stack the LPs of units ``idx`` block-diagonally and solve them at once."""
    R, n_units = batch.R, len(idx)
    r, n = R.shape
    k = batch.Z.shape[2]
    width = n + k
    # reference block: the same nonzeros in every block, shifted
    ri, ci = np.nonzero(R)
    rv = R[ri, ci]
    off_r = (np.arange(n_units) * r)[:, None]
    off_c = (np.arange(n_units) * width)[:, None]
    rows = [(ri[None, :] + off_r).ravel()]
    cols = [(ci[None, :] + off_c).ravel()]
    vals = [np.tile(rv, n_units)]
    # unit-specific columns: only their nonzeros
    Z = batch.Z[idx]
    ub, zi, zj = np.nonzero(Z)
    rows.append(ub * r + zi)
    cols.append(ub * width + n + zj)
    vals.append(Z[ub, zi, zj])
    A = sparse.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                          shape=(n_units * r, n_units * width))
    c = np.hstack([np.broadcast_to(batch.c_ref, (n_units, n)), batch.c_own[idx]]).ravel()
    res = linprog(c, A_eq=A, b_eq=batch.b[idx].ravel(), bounds=_bounds_array(batch, n_units),
                  method="highs-ds", options=_HIGHS_OPTIONS)
    if res.status != 0:
        return None
    x = res.x.reshape(n_units, width)
    obj = x[:, :n] @ batch.c_ref + np.einsum("uk,uk->u", x[:, n:], batch.c_own[idx])
    return obj, x[:, :n], x[:, n:]


def _solve_units(batch: LPBatch, idx: np.ndarray, out: LPSolution, tick=None) -> int:
    R = batch.R
    r, n = R.shape
    k = batch.Z.shape[2]
    A = np.zeros((r, n + k))
    A[:, :n] = R
    bounds = _bounds_array(batch, 1)
    c = np.zeros(n + k)
    c[:n] = batch.c_ref
    for o in idx:
        A[:, n:] = batch.Z[o]
        c[n:] = batch.c_own[o]
        res = linprog(c, A_eq=A, b_eq=batch.b[o], bounds=bounds, method="highs-ds",
                      options=_HIGHS_OPTIONS)
        out.status[o] = res.status
        out.message[o] = res.message
        if res.status == 0:
            out.objective[o] = res.fun
            out.lam[o] = res.x[:n]
            out.own[o] = res.x[n:]
        if tick is not None:
            tick(1)
    return len(idx)


def have_highspy() -> bool:
    """Whether the optional ``highspy`` package (HiGHS's own Python interface) is installed."""
    try:
        import highspy  # noqa: F401
    except ImportError:
        return False
    return True


def _solve_highspy(batch: LPBatch, out: LPSolution, tick=None) -> int:
    """One HiGHS model for the whole batch; per unit change only its columns, costs and
    right-hand sides, and warm-start the dual simplex from the previous unit's basis."""
    import highspy

    R = batch.R
    r, n = R.shape
    u, _, k = batch.Z.shape
    inf = highspy.kHighsInf
    A = sparse.csc_matrix(np.hstack([R, batch.Z[0]]))
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n + k, r
    lp.col_cost_ = np.concatenate([batch.c_ref, batch.c_own[0]])
    lo = np.array([0.0] * n + [(-inf if b[0] is None else b[0]) for b in batch.own_bounds])
    hi = np.array([inf] * n + [(inf if b[1] is None else b[1]) for b in batch.own_bounds])
    lp.col_lower_, lp.col_upper_ = lo, hi
    lp.row_lower_ = lp.row_upper_ = batch.b[0]
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = A.indptr, A.indices, A.data
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("presolve", "off")  # keep the basis between units
    h.setOptionValue("primal_feasibility_tolerance", 1e-9)
    h.setOptionValue("dual_feasibility_tolerance", 1e-9)
    h.passModel(lp)
    # entries of the own columns that change between units (union of nonzero patterns)
    zi, zj = np.nonzero((batch.Z != batch.Z[:1]).any(axis=0))
    own_idx = np.arange(n, n + k, dtype=np.int32)
    rows = np.arange(r, dtype=np.int32)
    optimal = highspy.HighsModelStatus.kOptimal
    # the vectorised setters appeared in later highspy releases; loop over entries otherwise
    if hasattr(h, "changeColsCost"):
        def set_costs(c):
            h.changeColsCost(k, own_idx, c)
    else:
        def set_costs(c):
            for j in range(k):
                h.changeColCost(int(n + j), float(c[j]))
    if hasattr(h, "changeRowsBounds"):
        def set_rhs(v):
            h.changeRowsBounds(r, rows, v, v)
    else:
        def set_rhs(v):
            for i in range(r):
                h.changeRowBounds(i, float(v[i]), float(v[i]))
    for o in range(u):
        if o > 0:
            for i, j in zip(zi, zj):
                h.changeCoeff(int(i), int(n + j), float(batch.Z[o, i, j]))
            set_costs(batch.c_own[o])
            set_rhs(batch.b[o])
        h.run()
        status = h.getModelStatus()
        if status == optimal:
            x = np.asarray(h.getSolution().col_value)
            out.objective[o] = h.getInfo().objective_function_value
            out.lam[o], out.own[o] = x[:n], x[n:]
            out.message[o] = "Optimization terminated successfully."
        else:
            out.status[o] = 2
            out.message[o] = h.modelStatusToString(status)
            h.clearSolver()  # do not warm-start the next unit from a failed state
        if tick is not None:
            tick(1)
    return u


def solve_batch(batch: LPBatch, method: str = "auto", chunk: int | None = None,
                tick=None) -> LPSolution:
    """Solve every unit's LP of ``batch``; ``tick(k)`` (optional) is called as LPs finish.

    A chunk whose stacked LP is not solved to optimality (some unit's LP is
    infeasible or unbounded) is re-solved unit by unit, so the failing units
    are identified and the others still get their optimum.
    """
    u, (r, n), k = batch.n_units, batch.R.shape, batch.Z.shape[2]
    chunk = int(chunk or DEFAULT_CHUNK)
    out = LPSolution(objective=np.full(u, np.nan), lam=np.full((u, n), np.nan),
                     own=np.full((u, k), np.nan), status=np.zeros(u, dtype=int),
                     message=[""] * u, n_lps=0, n_unit_lps=u)
    if u == 0:
        return out
    if method == "auto":
        method = "highspy" if have_highspy() else "block"
    elif method == "highspy" and not have_highspy():
        from ..errors import InputError

        raise InputError("method='highspy' needs the optional package highspy "
                         "(pip install highspy); use method='block' or 'auto'.")
    if method == "unit":
        out.n_lps += _solve_units(batch, np.arange(u), out, tick)
        return out
    if method == "highspy":
        out.n_lps += _solve_highspy(batch, out, tick)
        return out
    if method != "block":
        raise ValueError(f"unknown LP method {method!r}")
    for start in range(0, u, chunk):
        idx = np.arange(start, min(start + chunk, u))
        got = _solve_block(batch, idx)
        out.n_lps += 1
        if got is None:
            out.n_lps += _solve_units(batch, idx, out, tick)
            continue
        if tick is not None:
            tick(len(idx))
        out.objective[idx], out.lam[idx], out.own[idx] = got
        for o in idx:
            out.message[o] = "Optimization terminated successfully."
    return out
