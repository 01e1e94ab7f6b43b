"""Properties every DEA model must have, on random data, and a second SBM implementation."""


import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from spatialhealth.efficiency import dea, metafrontier, sbm
from spatialhealth.efficiency._lp import have_highspy
from spatialhealth.efficiency.radial import multiplier_scores

pytestmark = pytest.mark.filterwarnings("ignore:Some frontiers have fewer units")
# derandomize: the same examples every run, so CI never fails on a newly drawn corner case
SETTINGS = settings(max_examples=15, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


@st.composite
def tables(draw, bad=False):
    seed = draw(st.integers(0, 2**31 - 1))
    n = draw(st.integers(4, 14))
    m = draw(st.integers(1, 3))
    s = draw(st.integers(1, 2))
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(rng.uniform(1, 10, (n, m)).round(2), columns=[f"x{i}" for i in range(m)])
    for j in range(s):
        df[f"y{j}"] = rng.uniform(1, 10, n).round(2)
    ins, outs = [f"x{i}" for i in range(m)], [f"y{j}" for j in range(s)]
    bads = []
    if bad:
        df["b0"] = rng.uniform(1, 10, n).round(2)
        bads = ["b0"]
    return df, ins, outs, bads


def _sbm_dinkelbach(df, ins, outs, bads, vrs):
    """SBM by Dinkelbach's parametric method on the fractional program (no Charnes-Cooper)."""
    X = df[ins].to_numpy(float)
    Yg = df[outs].to_numpy(float)
    Yb = df[bads].to_numpy(float).reshape(len(df), -1)
    n, m = X.shape
    s1, s2 = Yg.shape[1], Yb.shape[1]
    out = np.empty(n)
    for o in range(n):
        # variables: lam (n), s- (m), sg (s1), sb (s2)
        nv = n + m + s1 + s2
        A = np.zeros((m + s1 + s2 + vrs, nv))
        A[:m, :n] = X.T
        A[:m, n:n + m] = np.eye(m)
        A[m:m + s1, :n] = Yg.T
        A[m:m + s1, n + m:n + m + s1] = -np.eye(s1)
        A[m + s1:m + s1 + s2, :n] = Yb.T
        A[m + s1:m + s1 + s2, n + m + s1:] = np.eye(s2)
        b = np.concatenate([X[o], Yg[o], Yb[o]])
        if vrs:
            A[-1, :n] = 1
            b = np.append(b, 1.0)
        num = np.zeros(nv)
        num[n:n + m] = -1 / (m * X[o])  # N(s) = 1 + num @ v
        den = np.zeros(nv)
        den[n + m:n + m + s1] = 1 / ((s1 + s2) * Yg[o])
        den[n + m + s1:] = 1 / ((s1 + s2) * Yb[o])  # D(s) = 1 + den @ v
        q = 1.0
        for _ in range(100):
            r = linprog(num - q * den, A_eq=A, b_eq=b, bounds=(0, None), method="highs-ipm")
            v = r.x
            val = (1 + num @ v) - q * (1 + den @ v)
            q = (1 + num @ v) / (1 + den @ v)
            if abs(val) < 1e-11:
                break
        out[o] = q
    return out


@SETTINGS
@given(tables(), st.sampled_from(["crs", "vrs"]))
def test_efficiency_sbm_equals_dinkelbach(t, rts):
    df, ins, outs, _ = t
    got = sbm(df, ins, outs, rts=rts).frame["efficiency"].to_numpy()
    np.testing.assert_allclose(got, _sbm_dinkelbach(df, ins, outs, [], rts == "vrs"), atol=1e-7)


@SETTINGS
@given(tables(bad=True), st.sampled_from(["crs", "vrs"]))
def test_efficiency_sbm_undesirable_equals_dinkelbach(t, rts):
    df, ins, outs, bads = t
    got = sbm(df, ins, outs, bads, rts=rts).frame["efficiency"].to_numpy()
    np.testing.assert_allclose(got, _sbm_dinkelbach(df, ins, outs, bads, rts == "vrs"), atol=1e-7)


@SETTINGS
@given(tables(), st.sampled_from(["ccr", "bcc"]), st.sampled_from(["input", "output"]))
def test_efficiency_envelopment_equals_multiplier(t, model, orientation):
    df, ins, outs, _ = t
    env = dea(df, ins, outs, model=model, orientation=orientation).frame["efficiency"]
    np.testing.assert_allclose(env, multiplier_scores(df, ins, outs, model, orientation), atol=1e-8)


@SETTINGS
@given(tables(bad=True))
def test_efficiency_bounds_order_and_frontier(t):
    df, ins, outs, bads = t
    ccr_i = dea(df, ins, outs, "ccr", "input").frame["efficiency"].to_numpy()
    ccr_o = dea(df, ins, outs, "ccr", "output").frame["efficiency"].to_numpy()
    bcc_i = dea(df, ins, outs, "bcc", "input").frame["efficiency"].to_numpy()
    bcc_o = dea(df, ins, outs, "bcc", "output").frame["efficiency"].to_numpy()
    sbm_c = sbm(df, ins, outs).frame["efficiency"].to_numpy()
    sbm_v = sbm(df, ins, outs, rts="vrs").frame["efficiency"].to_numpy()
    for e in (ccr_i, ccr_o, bcc_i, bcc_o, sbm_c, sbm_v):
        assert np.all(e > 0) and np.all(e <= 1 + 1e-9)
        assert np.isclose(e.max(), 1.0, atol=1e-9)  # some unit spans the frontier
    np.testing.assert_allclose(ccr_i, ccr_o, atol=1e-8)  # CRS: orientation-free
    assert np.all(bcc_i >= ccr_i - 1e-9) and np.all(bcc_o >= ccr_o - 1e-9)  # VRS >= CRS
    assert np.all(sbm_v >= sbm_c - 1e-9)
    assert np.all(sbm_c <= ccr_i + 1e-9)  # Tone (2001): rho <= theta
    assert np.all(sbm_v <= bcc_i + 1e-9) and np.all(sbm_v <= bcc_o + 1e-9)
    # a unit is SBM-efficient iff it is CCR-efficient with no slacks
    strong = dea(df, ins, outs, "ccr").frame["efficient"].to_numpy()
    np.testing.assert_array_equal(np.isclose(sbm_c, 1, atol=1e-8), strong)
    # SBM-DDF: beta >= 0, and 0 exactly for the units the ratio-form SBM rates 1
    ddf = sbm(df, ins, outs, bads, direction="observed").frame
    assert np.all(ddf["beta"] >= 0)
    np.testing.assert_array_equal(np.isclose(ddf["beta"], 0, atol=1e-8),
                                  np.isclose(sbm(df, ins, outs, bads).frame["efficiency"], 1,
                                             atol=1e-8))


@SETTINGS
@given(tables(bad=True), st.integers(0, 2**31 - 1))
def test_efficiency_invariant_to_units(t, seed):
    df, ins, outs, bads = t
    rng = np.random.default_rng(seed)
    factors = {c: 10 ** rng.uniform(-3, 4) for c in ins + outs + bads}
    scaled = df.assign(**{c: df[c] * f for c, f in factors.items()})
    for fit in (lambda d: dea(d, ins, outs, "ccr"), lambda d: dea(d, ins, outs, "bcc", "output"),
                lambda d: sbm(d, ins, outs, bads), lambda d: sbm(d, ins, outs, bads, rts="vrs"),
                lambda d: sbm(d, ins, outs, bads, direction="observed")):
        a, b = fit(df).frame, fit(scaled).frame
        np.testing.assert_allclose(a["efficiency"], b["efficiency"], atol=1e-8)
    # slacks come back in the column's own units: the SBM ratio recomputed from the scaled
    # table's slacks and data is the score (slacks themselves need not be unique)
    f = sbm(scaled, ins, outs, bads).frame
    num = 1 - np.mean([f[f"slack_{c}"] / scaled[c] for c in ins], axis=0)
    den = 1 + np.mean([f[f"slack_{c}"] / scaled[c] for c in outs + bads], axis=0)
    np.testing.assert_allclose(num / den, f["efficiency"], atol=1e-8)


@SETTINGS
@given(tables(bad=True), st.sampled_from(["ccr-input", "bcc-output", "sbm-crs", "sbm-vrs",
                                          "sbmbad-crs", "ddf-vrs"]))
def test_efficiency_targets_feasible_and_efficient(t, which):
    """Each unit's target, added as a new unit, scores 1 and leaves the others unchanged."""
    df, ins, outs, bads = t
    kind, opt = which.split("-")

    def fit(d):
        if kind in ("ccr", "bcc"):
            return dea(d, ins, outs, kind, opt).frame
        if kind == "sbm":
            return sbm(d, ins, outs, rts=opt).frame
        if kind == "sbmbad":
            return sbm(d, ins, outs, bads, rts=opt).frame
        return sbm(d, ins, outs, bads, rts=opt, direction="observed").frame

    cols = ins + outs + (bads if kind in ("sbmbad", "ddf") else [])
    base = fit(df)
    for i in range(0, len(df), max(1, len(df) // 4)):
        tgt = {c: base.loc[i, f"target_{c}"] for c in cols}
        if any(v <= 1e-9 for v in tgt.values()) and kind in ("sbm", "sbmbad"):
            continue  # the ratio form needs positive data; a target may drive a column to 0
        tgt = {c: max(v, 0.0) for c, v in tgt.items()}
        ext = pd.concat([df, pd.DataFrame([tgt])], ignore_index=True)
        again = fit(ext)
        assert again["efficiency"].iloc[-1] == pytest.approx(1.0, abs=1e-6)
        np.testing.assert_allclose(again["efficiency"].iloc[:-1], base["efficiency"], atol=1e-6)


METHODS = ["block", "unit"] + (["highspy"] if have_highspy() else [])


@SETTINGS
@given(tables(bad=True))
def test_efficiency_lp_methods_agree(t):
    """Block-diagonal batches, per-unit linprog and warm-started highspy: same optima."""
    df, ins, outs, bads = t
    fits = [
        lambda m: sbm(df, ins, outs, rts="vrs", method=m),
        lambda m: sbm(df, ins, outs, bads, direction="observed", method=m),
        lambda m: dea(df, ins, outs, "bcc", method=m),
        lambda m: dea(df, ins, outs, "ccr", "output", method=m),
    ]
    for fit in fits:
        ref = fit("unit").frame
        for m in METHODS[:1] + METHODS[2:]:
            got = fit(m).frame
            np.testing.assert_allclose(got["efficiency"], ref["efficiency"], atol=1e-9)


def test_efficiency_by_equals_separate_fits():
    rng = np.random.default_rng(7)
    df = pd.DataFrame(rng.uniform(1, 9, (24, 3)), columns=["x", "y", "b"])
    df["year"] = np.repeat([2019, 2020, 2021], 8)
    joint = sbm(df, "x", "y", "b", by="year").frame
    for year, part in df.groupby("year"):
        alone = sbm(part, "x", "y", "b").frame
        np.testing.assert_allclose(joint.loc[part.index, "efficiency"], alone["efficiency"], atol=1e-9)
        assert (joint.loc[part.index, "frontier"] == str(year)).all()


@SETTINGS
@given(tables(bad=True), st.sampled_from(["sbm", "ccr", "bcc", "ddf"]))
def test_efficiency_metafrontier_properties(t, model):
    df, ins, outs, bads = t
    df = df.assign(g=np.arange(len(df)) % 2)
    if model == "ddf":
        res = metafrontier(df, ins, outs, "g", bads, direction="observed")
        alone = sbm(df, ins, outs, bads, direction="observed").frame
        np.testing.assert_allclose(res.frame["te_meta"], alone["efficiency"], atol=1e-9)
        assert np.all(res.tgr <= 1) and np.all(res.frame["te_meta"] <= res.frame["te_group"] + 1e-9)
        return
    res = metafrontier(df, ins, outs, "g", model=model)
    f = res.frame
    assert np.all(f["te_meta"] <= f["te_group"] + 1e-9)
    assert np.all((f["tgr"] > 0) & (f["tgr"] <= 1))
    np.testing.assert_allclose(f["tgr"] * f["te_group"], f["te_meta"], atol=1e-9)
    # the meta-frontier is the model fitted on everything; the group frontier on each group
    alone = (sbm(df, ins, outs) if model == "sbm" else dea(df, ins, outs, model)).frame
    np.testing.assert_allclose(f["te_meta"], alone["efficiency"], atol=1e-9)
    # some unit of every group reaches 1 on its own frontier
    assert f.groupby("g")["te_group"].max().sub(1).abs().max() < 1e-9


@SETTINGS
@given(tables())
def test_efficiency_ddf_weightings_agree_without_bad_outputs(t):
    """Without undesirable outputs the 1/2 and 1/3 weightings are both Fukuyama-Weber (2009)."""
    df, ins, outs, _ = t
    half = sbm(df, ins, outs, direction="observed", ddf_weighting="half").frame["beta"]
    third = sbm(df, ins, outs, direction="observed", ddf_weighting="third").frame["beta"]
    np.testing.assert_allclose(half, third, atol=1e-9)
