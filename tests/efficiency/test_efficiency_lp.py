"""The LP batch solver: every method gives each unit's own optimum; failures are isolated."""

import numpy as np
import pytest
from scipy.optimize import linprog

from spatialhealth.efficiency import _lp

METHODS = ["block", "unit"] + (["highspy"] if _lp.have_highspy() else [])


def _batch(seed, u=7, n=5, k=2):
    """min c_own.z  s.t. R lam + Z z = b: a transportation-like family of feasible LPs."""
    rng = np.random.default_rng(seed)
    r = 3
    R = rng.uniform(0.5, 2, (r, n))
    Z = np.zeros((u, r, k))
    Z[:, :, 0] = -rng.uniform(0.5, 2, (u, r))  # like -x_o times theta
    Z[:, 0, 1] = 1.0
    c_own = np.zeros((u, k))
    c_own[:, 0] = 1.0
    c_own[:, 1] = -rng.uniform(0, 0.1, u)
    b = np.zeros((u, r))
    b[:, 0] = rng.uniform(0, 1, u)
    return _lp.LPBatch(R, Z, np.zeros(n), c_own, b, [(0, None)] * k)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("chunk", [1, 3, 64])
def test_efficiency_lp_batch_matches_direct_linprog(method, chunk):
    batch = _batch(1)
    sol = _lp.solve_batch(batch, method=method, chunk=chunk)
    for o in range(batch.n_units):
        A = np.hstack([batch.R, batch.Z[o]])
        c = np.concatenate([batch.c_ref, batch.c_own[o]])
        ref = linprog(c, A_eq=A, b_eq=batch.b[o], bounds=(0, None), method="highs")
        assert ref.status == 0 and sol.status[o] == 0
        assert sol.objective[o] == pytest.approx(ref.fun, abs=1e-9)
        # the returned solution is feasible and attains the objective
        x = np.concatenate([sol.lam[o], sol.own[o]])
        np.testing.assert_allclose(A @ x, batch.b[o], atol=1e-8)
        assert c @ x == pytest.approx(sol.objective[o], abs=1e-9)
    assert sol.n_unit_lps == batch.n_units


@pytest.mark.parametrize("method", METHODS)
def test_efficiency_lp_infeasible_unit_isolated(method):
    batch = _batch(2)
    # unit 3: no own column can absorb row 1, and R lam >= 0 cannot reach a negative rhs
    batch.Z[3] = 0.0
    batch.Z[3, 0, 1] = 1.0
    batch.b[3] = [0.0, -1.0, 0.0]
    sol = _lp.solve_batch(batch, method=method, chunk=64)
    assert sol.status[3] != 0 and np.isnan(sol.objective[3])
    ok = np.arange(batch.n_units) != 3
    assert (sol.status[ok] == 0).all() and np.isfinite(sol.objective[ok]).all()
    good = _lp.solve_batch(_batch(2), method="unit")
    np.testing.assert_allclose(sol.objective[ok], good.objective[ok], atol=1e-9)
