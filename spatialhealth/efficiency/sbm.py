"""Slacks-based measures: Tone's SBM (with undesirable outputs) and the SBM directional distance function.

**SBM** (Tone 2001; undesirable outputs: Tone 2003/2004, Cooper, Seiford & Tone
2007 ch. 13), non-oriented, for unit ``o`` with ``m`` inputs, ``s1`` desirable
and ``s2`` undesirable outputs::

    rho = min  [1 - (1/m) sum_i s-_i / x_io] / [1 + 1/(s1+s2) (sum_r sg_r / yg_ro + sum_r sb_r / yb_ro)]
    s.t. x_o = X'lam + s-,  yg_o = Yg'lam - sg,  yb_o = Yb'lam + sb,  lam, s >= 0  [, sum lam = 1]

solved as one LP through the Charnes-Cooper transformation (variables ``t``,
``Lam = t lam``, ``S = t s``; ``rho`` = the LP optimum). ``efficiency = rho``,
in (0, 1]; 1 only when every slack is 0 (strong efficiency).

**SBM-DDF** (Fukuyama & Weber 2009; with undesirable outputs as in Fukuyama &
Weber 2010), for a direction ``g = (gx, gy, gb) >= 0``::

    beta = max  w_x sum_i s-_i / gx_i + w_y sum_r sg_r / gy_r + w_b sum_r sb_r / gb_r
    s.t. the same constraints

with weights ``"half"`` (default): ``w_x = 1/(2 m)``, ``w_y = w_b = 1/(2 (s1+s2))``
(Fukuyama & Weber 2009 with the outputs of both kinds pooled) or
``"third"``: ``w_x = 1/(3 m)``, ``w_y = 1/(3 s1)``, ``w_b = 1/(3 s2)`` (Fukuyama &
Weber 2010; without undesirable outputs both reduce to Fukuyama & Weber 2009's
``1/(2m)``, ``1/(2 s1)``). Components with ``g = 0`` leave the objective (and the
counts).
``beta >= 0`` is an *inefficiency* (0 = efficient); the ``efficiency`` column
reports ``1/(1+beta)`` by default, or ``1 - beta`` or ``beta`` itself if asked
(``ddf_efficiency``); the result's ``convention`` says which.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._compat import positional_deprecated, renamed_kwargs
from .._validate import one_of
from ..errors import InputError, InputTypeError
from ._data import (DEAData, DEAInputError, format_rows, frontier_sets, peers_text, prepare,
                    snap_one, warn_small_frontiers)
from ._lp import METHODS, LPBatch, solve_batch
from .._progress import progress_callback
from ._result import DEAResult

__all__ = ["sbm"]

_DDF_CONVENTIONS = {
    "1/(1+beta)": "1/(1+beta), beta = SBM-DDF inefficiency (Fukuyama-Weber); in (0, 1], 1 = efficient",
    "1-beta": "1 - beta, beta = SBM-DDF inefficiency (Fukuyama-Weber); 1 = efficient, "
              "can be negative when beta > 1",
    "beta": "beta itself: SBM-DDF INefficiency (Fukuyama-Weber), >= 0, 0 = efficient",
}


def _blocks(d: DEAData):
    return d.X, d.Yg, d.Yb


def _sbm_core(d: DEAData, ev, ref, vrs: bool, method="auto", tick=None):
    """Tone's SBM (ratio form, Charnes-Cooper transformed) for units ``ev`` against ``ref``."""
    X, Yg, Yb = _blocks(d)
    m, s1, s2 = X.shape[1], Yg.shape[1], Yb.shape[1]
    s = s1 + s2
    n, u = len(ref), len(ev)
    k = 1 + m + s  # own variables: t, S-, Sg, Sb
    R = np.vstack([np.zeros((1, n)), X[ref].T, Yg[ref].T, Yb[ref].T]
                  + ([np.ones((1, n))] if vrs else []))
    r = R.shape[0]
    xo, go, bo = X[ev], Yg[ev], Yb[ev]
    Z = np.zeros((u, r, k))
    Z[:, 0, 0] = 1.0
    Z[:, 0, 1 + m:1 + m + s1] = 1.0 / (s * go)
    Z[:, 0, 1 + m + s1:] = 1.0 / (s * bo)
    Z[:, 1:1 + m, 0] = -xo
    Z[:, 1:1 + m, 1:1 + m] = np.eye(m)
    Z[:, 1 + m:1 + m + s1, 0] = -go
    Z[:, 1 + m:1 + m + s1, 1 + m:1 + m + s1] = -np.eye(s1)
    Z[:, 1 + m + s1:1 + m + s, 0] = -bo
    Z[:, 1 + m + s1:1 + m + s, 1 + m + s1:] = np.eye(s2)
    if vrs:
        Z[:, -1, 0] = -1.0
    c_own = np.zeros((u, k))
    c_own[:, 0] = 1.0
    c_own[:, 1:1 + m] = -1.0 / (m * xo)
    b = np.zeros((u, r))
    b[:, 0] = 1.0
    sol = solve_batch(LPBatch(R, Z, np.zeros(n), c_own, b, [(0, None)] * k), method, tick=tick)
    t = sol.own[:, :1]
    slacks = np.maximum(sol.own[:, 1:] / t, 0.0)
    return {"score": sol.objective, "s_in": slacks[:, :m], "s_good": slacks[:, m:m + s1],
            "s_bad": slacks[:, m + s1:], "lam": sol.lam / t, "status": sol.status, "n_lps": u}


def _ddf_core(d: DEAData, ev, ref, vrs: bool, G: np.ndarray, weighting: str, method="auto",
              tick=None):
    """SBM-DDF inefficiency beta for units ``ev`` against ``ref``; ``G`` = scaled directions (u, m+s)."""
    X, Yg, Yb = _blocks(d)
    m, s1, s2 = X.shape[1], Yg.shape[1], Yb.shape[1]
    k = m + s1 + s2
    n, u = len(ref), len(ev)
    R = np.vstack([X[ref].T, Yg[ref].T, Yb[ref].T] + ([np.ones((1, n))] if vrs else []))
    r = R.shape[0]
    Z = np.zeros((u, r, k))
    Z[:, :m, :m] = np.eye(m)
    Z[:, m:m + s1, m:m + s1] = -np.eye(s1)
    Z[:, m + s1:k, m + s1:] = np.eye(s2)
    b = np.zeros((u, r))
    b[:, :k] = np.hstack([X[ev], Yg[ev], Yb[ev]])
    if vrs:
        b[:, -1] = 1.0
    W = _ddf_weights(G, m, s1, s2, weighting)
    sol = solve_batch(LPBatch(R, Z, np.zeros(n), -W, b, [(0, None)] * k), method, tick=tick)
    sl = np.maximum(sol.own, 0.0)
    return {"score": -sol.objective, "s_in": sl[:, :m], "s_good": sl[:, m:m + s1],
            "s_bad": sl[:, m + s1:], "lam": sol.lam, "status": sol.status, "n_lps": u}


def _ddf_weights(G, m, s1, s2, weighting):
    pos = G > 0
    W = np.zeros_like(G)
    W[pos] = 1.0 / G[pos]
    nx = pos[:, :m].sum(axis=1)
    ng = pos[:, m:m + s1].sum(axis=1)
    nb = pos[:, m + s1:].sum(axis=1)

    def inv(a):
        return np.divide(1.0, a, out=np.zeros(len(a)), where=a > 0)

    if weighting == "half":
        parts = [(slice(0, m), 0.5 * inv(nx)), (slice(m, m + s1 + s2), 0.5 * inv(ng + nb))]
    else:
        # equal weight on each kind of variable present (3 kinds, or 2 without bad outputs)
        kinds = inv((nx > 0).astype(float) + (ng > 0) + (nb > 0))
        parts = [(slice(0, m), inv(nx) * kinds), (slice(m, m + s1), inv(ng) * kinds),
                 (slice(m + s1, m + s1 + s2), inv(nb) * kinds)]
    for sl, w in parts:
        W[:, sl] *= w[:, None]
    return W


def _directions(df, d: DEAData, direction) -> np.ndarray:
    """Direction vectors in the scaled units of ``d`` (n, m+s1+s2)."""
    cols = d.inputs + d.outputs + d.undesirable
    scale = np.concatenate([d.sx, d.sg, d.sb])
    data = np.hstack([d.X, d.Yg, d.Yb])
    if isinstance(direction, str):
        one_of(direction, ("observed", "mean", "ones"), "direction")
        if direction == "observed":
            G = data.copy()
        elif direction == "mean":
            G = np.broadcast_to(data.mean(axis=0), data.shape).copy()
        else:
            G = np.broadcast_to(1.0 / scale, data.shape).copy()
    elif isinstance(direction, dict):
        missing = [c for c in cols if c not in direction]
        extra = [c for c in direction if c not in cols]
        if missing or extra:
            raise InputError(
                f"`direction` as a mapping must give every model column "
                f"({', '.join(cols)}) a number or the name of a column holding per-unit "
                f"directions (0 leaves a variable out); missing: {', '.join(missing) or 'none'}, "
                f"not model columns: {', '.join(map(str, extra)) or 'none'}.")
        G = np.empty_like(data)
        for j, c in enumerate(cols):
            v = direction[c]
            if isinstance(v, str):
                if v not in df.columns:
                    raise InputError(f"`direction[{c!r}]` names column {v!r}, which the table "
                                     f"does not have.")
                G[:, j] = pd.to_numeric(df[v], errors="coerce").to_numpy(dtype=float) / scale[j]
            else:
                G[:, j] = float(v) / scale[j]
    else:
        arr = direction.to_numpy(dtype=float) if isinstance(direction, pd.DataFrame) \
            else np.asarray(direction, dtype=float)
        if arr.ndim == 1:
            arr = np.broadcast_to(arr, data.shape)
        if arr.shape != data.shape:
            raise InputTypeError(
                f"`direction` must be 'observed', 'mean', 'ones', a mapping, or an array of shape "
                f"({d.n}, {len(cols)}) (columns {', '.join(cols)}); shape {arr.shape} was given.")
        G = arr / scale
    bad = ~np.isfinite(G).all(axis=1) | (G < 0).any(axis=1)
    if bad.any():
        raise DEAInputError(f"Directions must be finite and non-negative; units "
                            f"{format_rows(d.labels[bad])} have missing or negative components.")
    zero = ~(G > 0).any(axis=1)
    if zero.any():
        raise DEAInputError(f"Units {format_rows(d.labels[zero])} have a direction of all zeros; "
                            f"the SBM-DDF needs at least one positive component.")
    return G


@positional_deprecated("inputs", "outputs", "undesirable", "rts", "direction")
@renamed_kwargs(unit="region")
def sbm(df, *, inputs, outputs, undesirable=(), rts="crs", direction=None, by=None, region=None,
        ddf_weighting="half", ddf_efficiency="1/(1+beta)", method="auto", progress=False):
    """Slacks-based measure of efficiency (Tone), with undesirable outputs, or the SBM-DDF.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per decision-making unit.
    inputs, outputs : str or list of str
        Input and desirable output columns. The ratio-form SBM divides by every
        input and output, so they must be strictly positive.
    undesirable : str or list of str
        Undesirable (bad) output columns (e.g. deaths, infections), strictly
        positive for the ratio form. They enter as ``yb_o = Yb'lam + sb``
        (Tone 2003), so reducing them counts as improvement.
    rts : {"crs", "vrs"}
        Constant or variable returns to scale (``sum lam = 1``).
    direction : None, "observed", "mean", "ones", mapping or array
        None: Tone's ratio-form SBM. Anything else: the SBM directional distance
        function of Fukuyama and Weber with that direction: the unit's own
        values ("observed", the usual choice), the column means ("mean"), 1 in
        each column's units ("ones", not unit-free), a mapping
        ``{column: number or direction column}`` covering every model column,
        or an array ``(n, m + s1 + s2)`` in the order inputs, outputs, undesirable.
    by : str or list of str, optional
        Columns defining separate frontiers (e.g. ``"year"``).
    region : str, optional
        Column naming the units (region key; formerly ``unit``), used in peers and
        error messages.
    ddf_weighting : {"half", "third"}
        Objective weights of the SBM-DDF (see the module docstring).
    ddf_efficiency : {"1/(1+beta)", "1-beta", "beta"}
        What the ``efficiency`` column holds for the SBM-DDF (``beta`` is always
        in its own column).
    method : {"auto", "highspy", "block", "unit"}
        How the LPs are solved (see :mod:`spatialhealth.efficiency._lp`); "auto"
        uses highspy when installed, else "block". All give the same optimum.
    progress : bool or callable
        ``True`` shows a progress bar of the linear programs; a callable is called as
        ``progress(k)`` after every ``k`` programs (see :mod:`spatialhealth._progress`).

    Returns
    -------
    DEAResult
        ``.frame`` aligned with ``df``: ``efficiency``, ``rho`` (ratio SBM) or
        ``beta`` (SBM-DDF), ``slack_<col>`` (input excess, output shortfall,
        undesirable excess), ``target_<col>`` (``x - s-``, ``y + sg``, ``b - sb``),
        ``efficient``, ``peers``, ``frontier``, ``lp_status``; ``.convention``.

    Examples
    --------
    Tone (2001, p. 505):

    >>> import pandas as pd
    >>> df = pd.DataFrame({"x1": [4, 6, 8, 8, 2], "x2": [3, 3, 1, 1, 4],
    ...                    "y1": [2, 2, 6, 6, 1], "y2": [3, 3, 2, 1, 4]})
    >>> sbm(df, inputs=["x1", "x2"], outputs=["y1", "y2"]).frame["efficiency"].round(3).tolist()
    [0.798, 0.568, 1.0, 0.667, 1.0]
    """
    unit = region
    one_of(rts, ("crs", "vrs"), "rts")
    one_of(method, METHODS, "method")
    one_of(ddf_weighting, ("half", "third"), "ddf_weighting")
    one_of(ddf_efficiency, tuple(_DDF_CONVENTIONS), "ddf_efficiency")
    ratio = direction is None
    d = prepare(df, inputs, outputs, undesirable, unit=unit,
                model="SBM" if ratio else "SBM-DDF", positive_inputs=ratio, positive_outputs=ratio)
    sets = frontier_sets(df, by, d.labels)
    m, s1, s2 = d.X.shape[1], d.Yg.shape[1], d.Yb.shape[1]
    notes = warn_small_frontiers(sets, (m * (s1 + s2), m + s1 + s2))
    vrs = rts == "vrs"
    G = None if ratio else _directions(df, d, direction)
    with progress_callback(progress, d.n, "DEA linear programs") as tick:
        res = _fit_sets(d, sets, lambda ev, ref: (
            _sbm_core(d, ev, ref, vrs, method, tick) if ratio
            else _ddf_core(d, ev, ref, vrs, G[ev], ddf_weighting, method, tick)))
    frame = _frame(d, res, ratio, ddf_efficiency)
    if unit is not None:
        frame.insert(0, unit, df[unit].to_numpy())
    rts_txt = "constant" if rts == "crs" else "variable"
    bad_txt = " with undesirable outputs" if d.undesirable else ""
    if ratio:
        model = f"SBM (Tone){bad_txt}, non-oriented, {rts_txt} returns to scale"
        conv = "rho: slacks-based measure, in (0, 1], 1 = strongly efficient"
    else:
        model = (f"SBM-DDF (Fukuyama-Weber){bad_txt}, {rts_txt} returns to scale, "
                 f"direction={direction if isinstance(direction, str) else 'user'}, "
                 f"weighting={ddf_weighting}")
        conv = _DDF_CONVENTIONS[ddf_efficiency]
    return DEAResult(frame=frame, model=model, convention=conv, n_lps=res["n_lps"],
                     inputs=tuple(d.inputs), outputs=tuple(d.outputs),
                     undesirable=tuple(d.undesirable), notes=tuple(notes))


def _fit_sets(d: DEAData, sets, core):
    n = d.n
    m, s1, s2 = d.X.shape[1], d.Yg.shape[1], d.Yb.shape[1]
    out = {"score": np.full(n, np.nan), "s_in": np.full((n, m), np.nan),
           "s_good": np.full((n, s1), np.nan), "s_bad": np.full((n, s2), np.nan),
           "status": np.zeros(n, dtype=int), "peers": [""] * n, "frontier": [""] * n, "n_lps": 0}
    for key, pos in sets:
        r = core(pos, pos)
        for name in ("score", "s_in", "s_good", "s_bad", "status"):
            out[name][pos] = r[name]
        for i, p in zip(pos, peers_text(r["lam"], d.labels[pos])):
            out["peers"][i] = p
        label = "/".join(map(str, key)) or "all"
        for i in pos:
            out["frontier"][i] = label
        out["n_lps"] += r["n_lps"]
    return out


def ddf_efficiency_from_beta(beta, convention: str):
    """Turn SBM-DDF inefficiency ``beta`` into the reported efficiency."""
    beta = np.asarray(beta, dtype=float)
    if convention == "1/(1+beta)":
        return 1.0 / (1.0 + beta)
    if convention == "1-beta":
        return 1.0 - beta
    return beta


def _frame(d: DEAData, r, ratio: bool, ddf_efficiency: str) -> pd.DataFrame:
    f = pd.DataFrame(index=d.index)
    score = r["score"]
    if ratio:
        score = snap_one(score)
        f["efficiency"] = score
        f["rho"] = score
        eff1 = np.isclose(score, 1.0, atol=1e-8)
    else:
        beta = np.where(np.abs(score) <= 1e-9, 0.0, score)
        f["efficiency"] = ddf_efficiency_from_beta(beta, ddf_efficiency)
        f["beta"] = beta
        eff1 = np.isclose(beta, 0.0, atol=1e-8)
    groups = [(d.inputs, r["s_in"], d.X, d.sx, -1), (d.outputs, r["s_good"], d.Yg, d.sg, 1),
              (d.undesirable, r["s_bad"], d.Yb, d.sb, -1)]
    for cols, sl, _, sc, _ in groups:
        for j, c in enumerate(cols):
            f[f"slack_{c}"] = sl[:, j] * sc[j]
    for cols, sl, data, sc, sign in groups:
        for j, c in enumerate(cols):
            f[f"target_{c}"] = (data[:, j] + sign * sl[:, j]) * sc[j]
    allsl = np.hstack([r["s_in"], r["s_good"], r["s_bad"]])
    f["efficient"] = eff1 & (np.nanmax(allsl, axis=1) <= 1e-7)
    f["peers"] = r["peers"]
    f["frontier"] = r["frontier"]
    f["lp_status"] = r["status"]
    return f
