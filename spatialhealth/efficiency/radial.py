"""Radial DEA: CCR (constant returns) and BCC (variable returns), input or output oriented.

Envelopment form, two phases. Phase 1 finds the radial score; phase 2 fixes it
and maximises the sum of slacks, each slack measured in units of its column's
mean (so the slacks, like the scores, do not depend on units of measurement).

Input orientation (unit ``o``)::

    min theta  s.t.  X'lam + s- = theta x_o,  Y'lam - s+ = y_o,  lam >= 0  [, sum lam = 1]

Output orientation::

    max phi    s.t.  X'lam + s- = x_o,  Y'lam - s+ = phi y_o,  lam >= 0  [, sum lam = 1]

The ``efficiency`` column is ``theta`` (input) or ``1/phi`` (output), both in
(0, 1] (Coelli, Rao & Battese 1998; Cooper, Seiford & Tone 2007). The
multiplier (dual) form is implemented separately in :func:`multiplier_scores`;
by LP duality its optimum equals the envelopment score.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from .._compat import positional_deprecated, renamed_kwargs
from .._progress import progress_callback
from .._validate import one_of
from ._data import DEAData, frontier_sets, peers_text, prepare, snap_one, warn_small_frontiers
from ._lp import METHODS, LPBatch, solve_batch
from ._result import DEAResult

__all__ = ["dea", "multiplier_scores"]

_TOL = 1e-9


def _radial_core(d: DEAData, ev: np.ndarray, ref: np.ndarray, vrs: bool, orientation: str,
                 method: str = "auto", tick=None):
    """Scores, slacks and intensities of units ``ev`` against the frontier of units ``ref``."""
    X, Y = d.X, d.Yg
    m, s = X.shape[1], Y.shape[1]
    n, u = len(ref), len(ev)
    R = np.vstack([X[ref].T, Y[ref].T] + ([np.ones((1, n))] if vrs else []))
    r = R.shape[0]
    xo, yo = X[ev], Y[ev]
    # phase 1: own variables [score, s- (m), s+ (s)]
    Z = np.zeros((u, r, 1 + m + s))
    Z[:, :m, 1:1 + m] = np.eye(m)
    Z[:, m:m + s, 1 + m:] = -np.eye(s)
    b = np.zeros((u, r))
    c_own = np.zeros((u, 1 + m + s))
    if orientation == "input":
        Z[:, :m, 0] = -xo
        b[:, m:m + s] = yo
        c_own[:, 0] = 1.0
    else:
        Z[:, m:m + s, 0] = -yo
        b[:, :m] = xo
        c_own[:, 0] = -1.0
    if vrs:
        b[:, -1] = 1.0
    p1 = solve_batch(LPBatch(R, Z, np.zeros(n), c_own, b, [(0, None)] * (1 + m + s)), method,
                     tick=tick)
    score = p1.own[:, 0]
    # phase 2: fix the score, maximise the slacks
    Z2 = Z[:, :, 1:].copy()
    b2 = b.copy()
    ok = p1.status == 0
    sc = np.where(ok, score, 1.0)
    if orientation == "input":
        b2[:, :m] = sc[:, None] * xo
    else:
        b2[:, m:m + s] = sc[:, None] * yo
    p2 = solve_batch(LPBatch(R, Z2, np.zeros(n), -np.ones((u, m + s)), b2, [(0, None)] * (m + s)),
                     method, tick=tick)
    use2 = ok & (p2.status == 0)
    slack = np.maximum(np.where(use2[:, None], p2.own, p1.own[:, 1:]), 0.0)
    lam = np.where(use2[:, None], p2.lam, p1.lam)
    return {"score": score, "s_in": slack[:, :m], "s_out": slack[:, m:], "lam": lam,
            "status": p1.status, "n_lps": 2 * u}


@positional_deprecated("inputs", "outputs", "model", "orientation")
@renamed_kwargs(unit="region")
def dea(df, *, inputs, outputs, model="ccr", orientation="input", by=None, region=None,
        method="auto", progress=False):
    """Radial DEA (CCR or BCC), input or output oriented, with slacks and targets.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per decision-making unit (e.g. province or province-year).
    inputs, outputs : str or list of str
        Input and (desirable) output columns; non-negative, every unit with some
        positive input and some positive output.
    model : {"ccr", "bcc"}
        Constant (CCR, Charnes-Cooper-Rhodes 1978) or variable (BCC,
        Banker-Charnes-Cooper 1984) returns to scale.
    orientation : {"input", "output"}
        Input orientation reports ``theta`` (proportional input contraction);
        output orientation reports ``1/phi`` (``phi`` >= 1 is the proportional
        output expansion; it is kept in the ``phi`` column).
    by : str or list of str, optional
        Columns defining separate frontiers (e.g. ``"year"`` for a
        contemporaneous frontier per year); default one frontier of all rows.
    region : str, optional
        Column naming the units (region key; formerly ``unit``), used in ``peers``
        and error messages (default the index labels).
    method : {"auto", "highspy", "block", "unit"}
        How the LPs are solved (see :mod:`spatialhealth.efficiency._lp`); "auto"
        uses highspy when installed, else "block". All give the same optimum.
    progress : bool or callable
        ``True`` shows a progress bar of the linear programs; a callable is called as
        ``progress(k)`` after every ``k`` programs (see :mod:`spatialhealth._progress`).

    Returns
    -------
    DEAResult
        ``.frame`` aligned with ``df``: ``efficiency``, ``theta`` or ``phi``,
        ``slack_<col>``, ``target_<col>`` (input targets ``theta*x - s-`` /
        ``x - s-``; output targets ``y + s+`` / ``phi*y + s+``), ``efficient``,
        ``peers``, ``frontier``, ``lp_status``.

    Examples
    --------
    Coelli, Rao & Battese (1998), five firms, one output, two inputs:

    >>> import pandas as pd
    >>> df = pd.DataFrame({"x1": [2, 2, 6, 3, 6], "x2": [5, 4, 6, 2, 2], "y": [1, 2, 3, 1, 2]})
    >>> dea(df, inputs=["x1", "x2"], outputs="y").frame["efficiency"].round(3).tolist()
    [0.5, 1.0, 0.833, 0.714, 1.0]
    """
    unit = region
    one_of(model, ("ccr", "bcc"), "model")
    one_of(method, METHODS, "method")
    one_of(orientation, ("input", "output"), "orientation")
    d = prepare(df, inputs, outputs, (), unit=unit, model=model.upper())
    sets = frontier_sets(df, by, d.labels)
    m, s = d.X.shape[1], d.Yg.shape[1]
    notes = warn_small_frontiers(sets, (m * s, m + s))
    with progress_callback(progress, 2 * d.n, "DEA linear programs") as tick:
        res = _fit_sets(d, sets, model == "bcc", orientation, method, tick)
    frame = _frame(d, res, orientation, sets)
    if unit is not None:
        frame.insert(0, unit, df[unit].to_numpy())
    rts = "constant" if model == "ccr" else "variable"
    conv = ("theta: radial input contraction factor, in (0, 1]" if orientation == "input"
            else "1/phi: reciprocal of the radial output expansion factor phi >= 1, in (0, 1]")
    return DEAResult(frame=frame, model=f"{model.upper()} ({rts} returns to scale), "
                     f"{orientation}-oriented, envelopment form with two-phase slacks",
                     convention=conv, n_lps=res["n_lps"], inputs=tuple(d.inputs),
                     outputs=tuple(d.outputs), notes=tuple(notes))


def _fit_sets(d, sets, vrs, orientation, method, tick=None):
    n = d.n
    m, s = d.X.shape[1], d.Yg.shape[1]
    out = {"score": np.full(n, np.nan), "s_in": np.full((n, m), np.nan),
           "s_out": np.full((n, s), np.nan), "status": np.zeros(n, dtype=int),
           "peers": [""] * n, "frontier": [""] * n, "n_lps": 0}
    for key, pos in sets:
        r = _radial_core(d, pos, pos, vrs, orientation, method, tick)
        out["score"][pos] = r["score"]
        out["s_in"][pos] = r["s_in"]
        out["s_out"][pos] = r["s_out"]
        out["status"][pos] = r["status"]
        for i, p in zip(pos, peers_text(r["lam"], d.labels[pos])):
            out["peers"][i] = p
        for i in pos:
            out["frontier"][i] = "/".join(map(str, key)) or "all"
        out["n_lps"] += r["n_lps"]
    return out


def _frame(d: DEAData, r, orientation, sets) -> pd.DataFrame:
    score = snap_one(r["score"])
    eff = score if orientation == "input" else 1.0 / score
    s_in, s_out = r["s_in"], r["s_out"]
    f = pd.DataFrame(index=d.index)
    f["efficiency"] = eff
    f["theta" if orientation == "input" else "phi"] = score
    x, y = d.X, d.Yg
    if orientation == "input":
        tx, ty = score[:, None] * x - s_in, y + s_out
    else:
        tx, ty = x - s_in, score[:, None] * y + s_out
    for j, c in enumerate(d.inputs):
        f[f"slack_{c}"] = s_in[:, j] * d.sx[j]
    for j, c in enumerate(d.outputs):
        f[f"slack_{c}"] = s_out[:, j] * d.sg[j]
    for j, c in enumerate(d.inputs):
        f[f"target_{c}"] = tx[:, j] * d.sx[j]
    for j, c in enumerate(d.outputs):
        f[f"target_{c}"] = ty[:, j] * d.sg[j]
    slack_max = np.nanmax(np.hstack([s_in, s_out]), axis=1) if s_in.size else np.zeros(len(f))
    f["efficient"] = np.isclose(eff, 1.0, atol=1e-8) & (slack_max <= 1e-7)
    f["peers"] = r["peers"]
    f["frontier"] = r["frontier"]
    f["lp_status"] = r["status"]
    return f


def multiplier_scores(df, inputs, outputs, model="ccr", orientation="input") -> np.ndarray:
    """Radial scores from the multiplier (dual) form, one LP per unit with scipy's HiGHS.

    An independent implementation used to check :func:`dea`: input orientation
    ``max u'y_o (+ u0)  s.t. v'x_o = 1, u'y_j - v'x_j (+ u0) <= 0, u, v >= 0``
    (``u0`` free for BCC); output orientation
    ``min v'x_o (+ v0)  s.t. u'y_o = 1, v'x_j - u'y_j (+ v0) >= 0`` whose reciprocal
    is reported. Returns the ``efficiency`` scores (unscaled data).

    Parameters
    ----------
    df : pandas.DataFrame
        One row per unit.
    inputs, outputs : list of str
        Input and output columns.
    model : {"ccr", "bcc"}
        Constant or variable returns to scale.
    orientation : {"input", "output"}
        The orientation.

    Returns
    -------
    numpy.ndarray
        Efficiency of each unit, in (0, 1].

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"x": [2.0, 4, 8], "y": [2.0, 3, 4]})
    >>> multiplier_scores(df, ["x"], ["y"]).round(4).tolist()
    [1.0, 0.75, 0.5]
    >>> multiplier_scores(df, ["x"], ["y"], model="bcc").round(4).tolist()
    [1.0, 1.0, 1.0]
    """
    d = prepare(df, inputs, outputs, (), model=model.upper())
    X, Y = d.X * d.sx, d.Yg * d.sg
    n, m = X.shape
    s = Y.shape[1]
    vrs = model == "bcc"
    out = np.empty(n)
    for o in range(n):
        # variables [v (m), u (s), free w]
        bounds = [(0, None)] * (m + s) + [(None, None) if vrs else (0, 0)]
        if orientation == "input":
            c = np.concatenate([np.zeros(m), -Y[o], [-1.0]])
            A_ub = np.hstack([-X, Y, np.ones((n, 1))])
            A_eq = np.concatenate([X[o], np.zeros(s), [0.0]])[None, :]
        else:
            c = np.concatenate([X[o], np.zeros(s), [1.0]])
            A_ub = np.hstack([-X, Y, -np.ones((n, 1))])
            A_eq = np.concatenate([np.zeros(m), Y[o], [0.0]])[None, :]
        res = linprog(c, A_ub=A_ub, b_ub=np.zeros(n), A_eq=A_eq, b_eq=[1.0], bounds=bounds,
                      method="highs")
        out[o] = -res.fun if orientation == "input" else 1.0 / res.fun
    return out
