"""QAP / MRQAP (spatialhealth.networks.qap) against statsmodels, exact enumeration and R sna.

References, none of which needs R at test time:
* statsmodels OLS/Logit on the vectorised dyads: coefficients, standard errors, and every
  permuted statistic refitted on the same permutations;
* exact enumeration of the 4! relabellings of 4-node networks whose permutation p-values
  follow from their automorphism groups;
* R sna 2.7-1 netlm / netlogit / gcor + qaptest values stored in
  tests/data/networks/qap_sna_reference.json (see the README there): coefficients to
  numerical precision, permutation p-values within Monte Carlo error.
"""

from __future__ import annotations

import itertools
import json
import math
from importlib import resources
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from spatialhealth.errors import InputError, InputTypeError
from spatialhealth.networks import QAPRegressionResult, qap_correlation, qap_regression
from spatialhealth.networks.qap import _draw_permutations

sm = pytest.importorskip("statsmodels.api")

DATA = Path(__file__).resolve().parents[1] / "data" / "networks"
ERGM_TESTS = Path(__file__).resolve().parents[1] / "data" / "ergm"


def _rd(path):
    return np.loadtxt(path, delimiter=",")


def _dyads(n, directed, diagonal=False):
    if directed:
        mask = np.ones((n, n), bool) if diagonal else ~np.eye(n, dtype=bool)
        return np.nonzero(mask)
    return np.tril_indices(n, 0 if diagonal else -1)


def _sm_fit(family, y, D):
    if family == "ols":
        return sm.OLS(y, D).fit()
    return sm.Logit(y, D).fit(disp=0, method="newton", maxiter=100, tol=1e-14)


def _random_case(n, directed, seed=3):
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=(n, n))
    x2 = (rng.random((n, n)) < 0.3).astype(float)
    if not directed:
        x1 = x1 + x1.T
        x2 = np.maximum(x2, x2.T)
    yc = 0.5 * x1 - x2 + rng.normal(size=(n, n))
    if not directed:
        yc = yc + yc.T
    return yc, (yc > 0.3).astype(float), {"a": x1, "b": x2}


# --------------------------------------------------------------- against statsmodels
@pytest.mark.parametrize("directed", [True, False])
@pytest.mark.parametrize("family", ["ols", "logit"])
@pytest.mark.parametrize("diagonal", [False, True])
def test_qap_coefficients_equal_statsmodels(directed, family, diagonal):
    yc, yb, X = _random_case(15, directed)
    y = yc if family == "ols" else yb
    res = qap_regression(y, X, permutations=20, seed=1, directed=directed, diagonal=diagonal)
    assert res.family == family  # auto: binary y -> logit
    r, c = _dyads(15, directed, diagonal)
    D = np.column_stack([np.ones(r.size), X["a"][r, c], X["b"][r, c]])
    fit = _sm_fit(family, y[r, c], D)
    assert res.n_dyads == r.size
    np.testing.assert_allclose(res.params.to_numpy(), fit.params, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(res.bse.to_numpy(), fit.bse, rtol=1e-7)
    np.testing.assert_allclose(res.tvalues.to_numpy(), fit.tvalues, rtol=1e-7)
    np.testing.assert_allclose(res.pvalues.to_numpy(), fit.pvalues, rtol=1e-6, atol=1e-14)
    np.testing.assert_allclose(res.conf_int().to_numpy(), fit.conf_int(), rtol=1e-7)
    if family == "ols":
        assert res.r_squared == pytest.approx(fit.rsquared, rel=1e-10)
        assert res.adj_r_squared == pytest.approx(fit.rsquared_adj, rel=1e-10)
        assert res.f_statistic == pytest.approx(fit.fvalue, rel=1e-9)
        assert res.df_resid == fit.df_resid
    else:
        assert res.llf == pytest.approx(fit.llf, rel=1e-10)
        assert res.llnull == pytest.approx(fit.llnull, rel=1e-8)  # statsmodels iterates
        assert res.aic == pytest.approx(fit.aic, rel=1e-10)


@pytest.mark.parametrize("directed", [True, False])
@pytest.mark.parametrize("family", ["ols", "logit"])
@pytest.mark.parametrize("method", ["dekker", "y-permutation"])
def test_qap_permuted_statistics_equal_statsmodels_refits(directed, family, method):
    """The compiled kernels give, draw by draw, what refitting with statsmodels gives."""
    n, B = 11, 25
    yc, yb, X = _random_case(n, directed, seed=7)
    y = yc if family == "ols" else yb
    res = qap_regression(y, X, method=method, permutations=B, seed=5, directed=directed)
    perms, _ = _draw_permutations(n, B, 5)
    r, c = _dyads(n, directed)
    D = np.column_stack([np.ones(r.size), X["a"][r, c], X["b"][r, c]])
    naive = np.empty((B, 3))
    for b, p in enumerate(perms):
        if method == "y-permutation":
            naive[b] = _sm_fit(family, y[np.ix_(p, p)][r, c], D).tvalues
            continue
        for i in range(3):
            Do = np.delete(D, i, axis=1)
            e = D[:, i] - Do @ np.linalg.lstsq(Do, D[:, i], rcond=None)[0]
            E = np.zeros((n, n))
            E[r, c] = e
            if not directed:
                E[c, r] = e
            naive[b, i] = _sm_fit(family, y[r, c],
                                  np.column_stack([Do, E[np.ix_(p, p)][r, c]])).tvalues[-1]
    tol = 1e-10 if family == "ols" else 1e-7
    np.testing.assert_allclose(res.null_distribution.to_numpy(), naive, rtol=tol, atol=tol)
    # and the p-values are the sna proportions of those draws
    obs = res.tvalues.to_numpy()
    np.testing.assert_allclose(res.permutation_pvalues["p_greater"], (naive >= obs).mean(0))
    np.testing.assert_allclose(res.permutation_pvalues["p_less"], (naive <= obs).mean(0))
    np.testing.assert_allclose(res.permutation_pvalues["p_two_sided"],
                               (np.abs(naive) >= np.abs(obs)).mean(0))


def test_qap_beta_statistic_permutes_coefficients():
    yc, _, X = _random_case(10, True)
    t = qap_regression(yc, X, permutations=50, seed=2)
    b = qap_regression(yc, X, permutations=50, seed=2, statistic="beta")
    np.testing.assert_allclose(b.permutation_pvalues["statistic"], b.params)
    # Dekker: the permuted residual's coefficient; same draws, different statistic
    assert not np.allclose(b.null_distribution, t.null_distribution)
    assert np.isfinite(b.null_distribution.to_numpy()).all()


# ------------------------------------------------------------------ exact enumeration
C4 = np.roll(np.eye(4), 1, axis=1)  # directed 4-cycle 0->1->2->3->0: |Aut| = 4


def test_qap_exact_correlation_identity_and_automorphisms():
    # all 12 off-diagonal values distinct: only the identity reproduces a -> r = 1
    a = np.arange(16, dtype=float).reshape(4, 4) ** 1.5
    res = qap_correlation(a, a, permutations="all")
    assert res.permutations == 24 and res.exact
    assert res.value == pytest.approx(1.0)
    assert res.p_greater == 1 / 24 and res.p_less == 1.0
    # the 4-cycle against itself: its 4 automorphisms give r = 1 -> p = 4/24 exactly
    res = qap_correlation(C4, C4, permutations="all")
    assert res.p_greater == pytest.approx(4 / 24, abs=0)
    assert res.p_two_sided == pytest.approx(4 / 24, abs=0)


def test_qap_exact_regression_y_permutation_4_nodes():
    # y = 4-cycle, x = cycle + 0.25 * reverse cycle: under y-permutation the t of x is an
    # increasing function of corr(PyP', x), maximal exactly for the 4 automorphisms of y
    x = C4 + 0.25 * C4.T
    res = qap_regression(C4, {"x": x}, method="y-permutation", family="ols",
                         permutations="all")
    assert res.exact and res.permutations == 24
    assert res.permutation_pvalues.loc["x", "p_greater"] == 4 / 24
    # brute force over the 24 relabellings with statsmodels for every p-value
    r, c = _dyads(4, True)
    D = np.column_stack([np.ones(12), x[r, c]])
    t = np.array([sm.OLS(C4[np.ix_(p, p)][r, c], D).fit().tvalues
                  for p in map(list, itertools.permutations(range(4)))])
    obs = sm.OLS(C4[r, c], D).fit().tvalues
    eps = 1e-9
    for j, name in enumerate(["(intercept)", "x"]):
        row = res.permutation_pvalues.loc[name]
        assert row["p_greater"] == np.mean(t[:, j] >= obs[j] - eps)
        assert row["p_less"] == np.mean(t[:, j] <= obs[j] + eps)
        assert row["p_two_sided"] == np.mean(np.abs(t[:, j]) >= abs(obs[j]) - eps)


@pytest.mark.parametrize("family", ["ols", "logit"])
def test_qap_exact_dekker_5_nodes_brute_force(family):
    rng = np.random.default_rng(11)
    n = 5
    x1 = rng.normal(size=(n, n))
    x2 = rng.normal(size=(n, n))
    y = x1 + rng.normal(size=(n, n)) * 1.5
    if family == "logit":
        y = (y > 0).astype(float)
    res = qap_regression(y, {"x1": x1, "x2": x2}, permutations="all", family=family)
    assert res.permutations == 120
    r, c = _dyads(n, True)
    D = np.column_stack([np.ones(r.size), x1[r, c], x2[r, c]])
    obs = _sm_fit(family, y[r, c], D).tvalues
    for i, name in enumerate(res.params.index):
        Do = np.delete(D, i, axis=1)
        e = D[:, i] - Do @ np.linalg.lstsq(Do, D[:, i], rcond=None)[0]
        E = np.zeros((n, n))
        E[r, c] = e
        t = np.array([_sm_fit(family, y[r, c], np.column_stack([Do, E[np.ix_(p, p)][r, c]]))
                      .tvalues[-1] for p in map(list, itertools.permutations(range(n)))])
        eps = 1e-6 * abs(obs[i])
        assert res.permutation_pvalues.loc[name, "p_greater"] == np.mean(t >= obs[i] - eps)
        assert res.permutation_pvalues.loc[name, "p_two_sided"] == \
            np.mean(np.abs(t) >= abs(obs[i]) - eps)


def test_qap_monte_carlo_agrees_with_exact():
    x = C4 + 0.25 * C4.T
    exact = qap_regression(C4, {"x": x}, method="y-permutation", family="ols",
                           permutations="all").permutation_pvalues
    mc = qap_regression(C4, {"x": x}, method="y-permutation", family="ols",
                        permutations=4000, seed=3).permutation_pvalues
    for col in ("p_less", "p_greater", "p_two_sided"):
        p = exact.loc["x", col]
        se = math.sqrt(p * (1 - p) / 4000)
        assert abs(mc.loc["x", col] - p) <= 4 * se + 1e-12


# ---------------------------------------------------------------- against R sna
REF = json.loads((DATA / "qap_sna_reference.json").read_text())


def _mob_inputs():
    import spatialhealth

    base = resources.files(spatialhealth).joinpath("data", "ergm")
    with base.joinpath("mobility88_nodes.csv").open() as fh:
        nodes = pd.read_csv(fh)
    with base.joinpath("mobility88_edges.csv").open() as fh:
        edges = pd.read_csv(fh)
    n = len(nodes)
    y = np.zeros((n, n))
    y[edges["from"] - 1, edges["to"] - 1] = 1
    X = {"geo_prox": _rd(ERGM_TESTS / "mobility88_geo_prox.csv"),
         "same_dialect": _rd(ERGM_TESTS / "mobility88_same_dialect.csv"),
         "hth_in": np.tile(nodes["HTH"].to_numpy(float), (n, 1)),
         "gdp_absdiff": np.abs(np.subtract.outer(nodes["GDP"].to_numpy(float),
                                                 nodes["GDP"].to_numpy(float)))}
    return y, X


def _case_inputs(name):
    if name.startswith("tiny"):
        y, ysym = _rd(DATA / "qap_tiny_y.csv"), _rd(DATA / "qap_tiny_ysym.csv")
        x1, x2 = _rd(DATA / "qap_tiny_x1.csv"), _rd(DATA / "qap_tiny_x2.csv")
        if name == "tiny_netlm_graph_qapspp":
            return ysym, {"x1": (x1 + x1.T) / 2, "x2": x2}
        if name == "tiny_netlogit_qapspp":
            return (y >= 3).astype(float), {"x1": x1, "x2": x2}
        if name == "tiny_gcor":
            return y, {"x1": x1}
        return y, {"x1": x1, "x2": x2}
    if name.startswith("coleman"):
        fall, spring = _rd(DATA / "qap_coleman_fall.csv"), _rd(DATA / "qap_coleman_spring.csv")
        return spring, {"fall": fall}
    y, X = _mob_inputs()
    if name == "mobility88_gcor":
        return y, {"geo_prox": X["geo_prox"]}
    return y, X


def _within_mc(ours, theirs, b_ours, b_theirs, z=4.5):
    """|p1 - p2| within z binomial standard errors of the difference of two estimates."""
    p = (ours * b_ours + theirs * b_theirs) / (b_ours + b_theirs)
    se = math.sqrt(max(p * (1 - p), 1.0 / (b_ours + b_theirs)) * (1 / b_ours + 1 / b_theirs))
    return abs(ours - theirs) <= z * se


REG_CASES = [k for k, v in REF["cases"].items() if v["fun"] in ("netlm", "netlogit")]
COR_CASES = [k for k, v in REF["cases"].items() if v["fun"] == "gcor+qaptest"]


@pytest.mark.parametrize("case", REG_CASES)
def test_qap_regression_matches_sna(case):
    ref = REF["cases"][case]
    y, X = _case_inputs(case)
    family = "ols" if ref["fun"] == "netlm" else "logit"
    method = "dekker" if ref["nullhyp"] == "qapspp" else "y-permutation"
    B = 1000 if case.startswith("mobility88_netlogit") else 2000
    res = qap_regression(y, X, method=method, family=family, permutations=B, seed=2026,
                         directed=ref["mode"] == "digraph")
    assert list(res.params.index) == ref["names"]
    # coefficients exact; R's glm.fit stops at a relative deviance change of 1e-8
    tol = 1e-9 if family == "ols" else 1e-6
    np.testing.assert_allclose(res.params, ref["coefficients"], rtol=tol, atol=tol)
    # glm.fit's standard errors use the IRLS weights of its previous iterate (its loose
    # deviance criterion leaves them ~1e-5 off); ours are the information at the MLE,
    # as statsmodels' (checked to 1e-7 above)
    se_tol = 1e-8 if family == "ols" else 5e-4
    np.testing.assert_allclose(res.bse, ref["se"], rtol=se_tol)
    np.testing.assert_allclose(res.permutation_pvalues["statistic"], ref["tstat"], rtol=se_tol)
    if family == "logit":
        assert res.deviance == pytest.approx(ref["deviance"], rel=1e-9)
        # sna calls glm.fit(intercept=FALSE), whose null model is p = 1/2 on every dyad;
        # ours is the intercept-only model (statsmodels' llnull)
        assert ref["null_deviance"] == pytest.approx(2 * res.n_dyads * math.log(2), rel=1e-12)
        ybar = res.fitted_values.mean()  # the logit MLE with an intercept matches the mean
        assert res.null_deviance == pytest.approx(
            -2 * res.n_dyads * (ybar * math.log(ybar) + (1 - ybar) * math.log(1 - ybar)),
            rel=1e-10)
        assert res.aic == pytest.approx(ref["aic"], rel=1e-9)
        assert res.bic == pytest.approx(ref["bic"], rel=1e-9)
    else:
        assert res.sigma == pytest.approx(ref["sigma"], rel=1e-10)
    pp = res.permutation_pvalues
    for ours, theirs in (("p_less", "pleeq"), ("p_greater", "pgreq"),
                         ("p_two_sided", "pgreqabs")):
        for j, name in enumerate(ref["names"]):
            assert _within_mc(pp.loc[name, ours], ref[theirs][j], B, ref["reps"]), \
                (case, name, ours, pp.loc[name, ours], ref[theirs][j])
    # the null distributions agree too: quartiles within a tenth of their 5-95% range
    q = np.asarray(ref["dist_quantiles"], dtype=float)  # probs x terms
    ours_q = res.null_distribution.quantile(ref["dist_quantile_probs"]).to_numpy()
    spread = q[-1] - q[0]
    assert np.all(np.abs(ours_q[1:4] - q[1:4]) <= 0.1 * spread + 1e-9), (ours_q, q)


@pytest.mark.parametrize("case", COR_CASES)
def test_qap_correlation_matches_sna(case):
    ref = REF["cases"][case]
    y, X = _case_inputs(case)
    (b,) = X.values()
    res = qap_correlation(y, b, permutations=3000, seed=7, directed=True)
    assert res.value == pytest.approx(ref["value"], rel=1e-12)
    for ours, theirs in (("p_less", "pleeq"), ("p_greater", "pgreq"),
                         ("p_two_sided", "pgreqabs")):
        assert _within_mc(getattr(res, ours), ref[theirs], 3000, ref["reps"]), \
            (case, ours, getattr(res, ours), ref[theirs])
    q = np.asarray(ref["dist_quantiles"], dtype=float)
    ours_q = np.quantile(res.null_distribution, ref["dist_quantile_probs"])
    assert np.all(np.abs(ours_q[1:4] - q[1:4]) <= 0.1 * (q[-1] - q[0]))


# ------------------------------------------------------------------ inputs and seeds
def test_qap_graph_inputs_and_label_alignment():
    rng = np.random.default_rng(4)
    nodes = [f"c{i}" for i in range(9)]
    G = nx.DiGraph()
    G.add_nodes_from(nodes)
    for u, v in itertools.permutations(nodes, 2):
        if rng.random() < 0.4:
            G.add_edge(u, v, flow=float(rng.integers(1, 50)), dist=float(rng.random()))
    x = pd.DataFrame(rng.normal(size=(9, 9)), index=nodes, columns=nodes)
    A = nx.to_numpy_array(G, nodelist=nodes, weight="flow")
    Dm = nx.to_numpy_array(G, nodelist=nodes, weight="dist")
    ref = qap_regression(A, {"x": x.to_numpy(), "dist": Dm}, permutations=30, seed=1)
    shuffled = x.loc[nodes[::-1], nodes[::2] + nodes[1::2]]  # rows and columns reordered
    res = qap_regression(G, {"x": shuffled, "dist": "dist"}, weight="flow",
                         permutations=30, seed=1)
    np.testing.assert_allclose(res.params, ref.params, rtol=1e-12)
    pd.testing.assert_frame_equal(res.null_distribution, ref.null_distribution)
    assert res.nodes == nodes and res.directed
    # (graph, attribute) and a plain graph (adjacency) as covariates
    res2 = qap_regression(G, {"dist": (G, "dist"), "tie": G.reverse()}, weight="flow",
                          permutations=10, seed=1)
    assert res2.params.index.tolist() == ["(intercept)", "dist", "tie"]
    # undirected graph: one triangle
    U = G.to_undirected()
    resu = qap_regression(U, {"x": x + x.T}, permutations=10, seed=1)
    assert not resu.directed and resu.n_dyads == 36 and resu.family == "logit"


def test_qap_symmetric_matrices_default_to_undirected():
    yc, _, X = _random_case(8, directed=False)
    res = qap_regression(yc, X, permutations=10, seed=1)
    assert not res.directed and res.n_dyads == 28
    assert qap_regression(yc, X, permutations=10, seed=1, directed=True).n_dyads == 56


def test_qap_seed_reproducible_and_thread_independent():
    import numba

    _, yb, X = _random_case(12, True)
    a = qap_regression(yb, X, permutations=60, seed=42)
    b = qap_regression(yb, X, permutations=60, seed=np.random.default_rng(42))
    pd.testing.assert_frame_equal(a.null_distribution, b.null_distribution)
    c = qap_regression(yb, X, permutations=60, seed=43)
    assert not a.null_distribution.equals(c.null_distribution)
    old = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        d = qap_regression(yb, X, permutations=60, seed=42)
    finally:
        numba.set_num_threads(old)
    np.testing.assert_array_equal(a.null_distribution.to_numpy(), d.null_distribution.to_numpy())


def test_qap_progress_callback():
    yc, _, X = _random_case(8, True)
    calls = []
    qap_regression(yc, X, permutations=250, seed=1, progress=lambda d, t: calls.append((d, t)))
    assert calls[-1] == (750, 750)  # 3 coefficients x 250 permutations (Dekker)
    assert all(b[0] > a[0] for a, b in itertools.pairwise(calls))
    calls.clear()
    qap_regression(yc, X, permutations=250, seed=1, method="y-permutation",
                   progress=lambda d, t: calls.append((d, t)))
    assert calls[-1] == (250, 250)


# ------------------------------------------------------------------------- errors
def _ok():
    yc, _, X = _random_case(6, True)
    return yc, X


def test_qap_errors_shapes_and_nodes():
    y, X = _ok()
    with pytest.raises(InputError, match=r"y must be a square matrix.*\(6, 5\)"):
        qap_regression(y[:, :5], X)
    with pytest.raises(InputError, match=r"X\['a'\] is 5 x 5 but y is 6 x 6"):
        qap_regression(y, {"a": X["a"][:5, :5]})
    with pytest.raises(InputError, match="index_col=0"):
        qap_regression(pd.DataFrame(y[:, :5]), X)
    lab = list("abcdef")
    Y = pd.DataFrame(y, index=lab, columns=lab)
    bad = pd.DataFrame(X["a"], index=list("abcdeg"), columns=list("abcdeg"))
    with pytest.raises(InputError, match=r"X\['a'\] and y must have the same nodes; in y only: "
                                         r"f; in X\['a'\] only: g"):
        qap_regression(Y, {"a": bad})
    with pytest.raises(InputError, match=r"rows only: f; columns only: z"):
        qap_regression(pd.DataFrame(y, index=lab, columns=list("abcdez")), X)
    with pytest.raises(InputError, match="at least 3 nodes; y has 2"):
        qap_regression(np.array([[0, 1], [2, 0.0]]), {"a": np.array([[0, 3], [1, 0.0]])})
    with pytest.raises(InputTypeError, match="dict"):
        qap_regression(y, [X["a"]])
    with pytest.raises(InputError, match="X is empty"):
        qap_regression(y, {})


def test_qap_errors_values():
    y, X = _ok()
    lab = list("abcdef")
    yn = pd.DataFrame(y.copy(), index=lab, columns=lab)
    yn.iloc[1, 3] = np.nan
    with pytest.raises(InputError, match=r"y has missing or infinite values in 1 cells: \('b', 'd'\)"):
        qap_regression(yn, X)
    xi = X["b"].copy()
    xi[2, 0] = np.inf
    with pytest.raises(InputError, match=r"X\['b'\] has missing or infinite .*\[2, 0\]"):
        qap_regression(y, {"a": X["a"], "b": xi})
    yd = y.copy()
    yd[0, 0] = np.nan  # the diagonal is not used: fine
    qap_regression(yd, X, permutations=5, seed=1)
    with pytest.raises(InputError, match=r"y is constant \(2\)"):
        qap_regression(np.full((6, 6), 2.0), X)
    with pytest.raises(InputError, match=r"X\['c'\] is collinear with 'a', 'b'"):
        qap_regression(y, {**X, "c": 2 * X["a"] - X["b"]})
    with pytest.raises(InputError, match=r"X\['k'\] is constant \(3\)"):
        qap_regression(y, {**X, "k": np.full((6, 6), 3.0)})
    with pytest.raises(InputError, match=r"X\['d'\] is collinear with '\(intercept\)', 'a'"):
        qap_regression(y, {"a": X["a"], "d": X["a"] + 1})
    with pytest.raises(InputError, match="needs a binary y"):
        qap_regression(y, X, family="logit")
    with pytest.raises(InputError, match="not symmetric"):
        qap_regression(y, X, directed=False)
    with pytest.raises(InputError, match="limited to 8 nodes"):
        qap_regression(np.random.default_rng(0).normal(size=(9, 9)),
                       {"a": np.random.default_rng(1).normal(size=(9, 9))}, permutations="all")
    with pytest.raises(InputError, match="positive integer"):
        qap_regression(y, X, permutations=0)
    with pytest.raises(InputError, match="method must be one of"):
        qap_regression(y, X, method="qapx")
    with pytest.raises(InputError, match=r"X\['x'\] must be a numeric square matrix"):
        qap_regression(y, {"x": [["a"] * 6] * 6})


def test_qap_errors_graphs():
    G = nx.DiGraph()
    G.add_edge(1, 2, flow=3)
    G.add_edge(2, 3)
    G.add_edge(3, 1, flow=1)
    x = np.random.default_rng(0).normal(size=(3, 3))
    with pytest.raises(InputError, match=r"'flow' is missing on 1 of 3 edges \(\(2, 3\)\)"):
        qap_regression(G, {"x": x}, weight="flow")
    with pytest.raises(InputTypeError, match="MultiDiGraph"):
        qap_regression(nx.MultiDiGraph(G), {"x": x})
    with pytest.raises(InputTypeError, match="edge attribute name needs y to be a networkx"):
        qap_regression(x, {"x": "dist"})
    G.add_edge(2, 3, flow=2)
    H = nx.DiGraph([(1, 2), (2, 4)])
    with pytest.raises(InputError, match=r"in y only: 3; in X\['h'\] only: 4"):
        qap_regression(G, {"h": H}, weight="flow")


def test_qap_logit_separation_is_an_error():
    from spatialhealth.errors import ConvergenceError

    rng = np.random.default_rng(2)
    x = rng.normal(size=(8, 8))
    y = (x > 0.2).astype(float)
    with pytest.raises(ConvergenceError, match=r"coefficients of 'x'.* run off to infinity"):
        qap_regression(y, {"x": x, "z": rng.normal(size=(8, 8))})


# -------------------------------------------------------------- result protocol
def test_qap_result_protocol(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    yc, yb, X = _random_case(10, True)
    res = qap_regression(yc, X, permutations=100, seed=1)
    assert isinstance(res, QAPRegressionResult)
    assert list(res.coefficients.columns) == ["estimate", "std_error", "z_or_t", "p_value",
                                              "ci_lower", "ci_upper"]
    text = res.summary()
    for token in ("OLS Network Model", "Pr(<=b)", "Pr(>=b)", "Pr(>=|b|)", "Multiple R-squared",
                  "F-statistic", "Null Hypothesis: qapspp", "Replications: 100", "1stQ"):
        assert token in text
    assert repr(res).startswith("<QAPRegressionResult: OLS Network Model")
    assert "<pre>" in res._repr_html_()
    frame = res.frame
    assert frame.columns[:7].tolist() == ["term", "estimate", "std_error", "z_or_t", "p_value",
                                          "ci_lower", "ci_upper"]
    assert {"p_less", "p_greater", "p_two_sided"} <= set(frame.columns)
    path = res.to_file(tmp_path / "qap.csv")
    back = pd.read_csv(path, encoding="utf-8-sig")
    np.testing.assert_allclose(back["estimate"], res.params.to_numpy())
    ax = res.plot()
    assert len(ax.get_yticklabels()) == 3
    lg = qap_regression(yb, X, permutations=50, seed=1, method="y-permutation")
    for token in ("Network Logit Model", "Exp(b)", "Residual deviance", "Contingency Table",
                  "Null Hypothesis: qapy"):
        assert token in lg.summary()
    assert lg.contingency.to_numpy().sum() == lg.n_dyads
    cor = qap_correlation(yc, X["a"], permutations=100, seed=1)
    assert "p(f(perm) >= f(d))" in cor.summary()
    assert cor.frame.loc[0, "correlation"] == pytest.approx(cor.value)
    assert cor.plot().get_xlabel().startswith("graph correlation")
    assert cor.to_file(tmp_path / "c.xlsx").exists()


def test_qap_logistic_kernel_equals_library_exp():
    """The vectorisable exp of the permutation logits is within 2 ulp of numpy's."""
    from spatialhealth.networks._qap_kernels import _logistic

    eta = np.concatenate([np.linspace(-700, 700, 20001), np.random.default_rng(0).normal(0, 8, 20000),
                          [0.0, -1e-300, 1e-12, 36.7, -36.7, 708.0, -708.0]])
    mu = np.empty_like(eta)
    _logistic(eta, mu, np.empty(eta.size, dtype=np.int64), eta.size)
    ref = 1.0 / (1.0 + np.exp(-eta))
    np.testing.assert_allclose(mu, ref, rtol=4.5e-16, atol=0)


@pytest.mark.parametrize("method", ["dekker", "y-permutation"])
def test_qap_fast_logit_kernel_equals_strict_kernel(method, monkeypatch):
    """The vectorised permutation logit equals the strict-order one.

    Same null distribution to rounding, identical p-values for the same seed.
    """
    import spatialhealth.networks.qap as Q

    rng = np.random.default_rng(11)
    n = 60
    X = {"a": rng.normal(size=(n, n)), "b": (rng.random((n, n)) < 0.3).astype(float),
         "c": rng.normal(size=(n, n))}
    eta = -2.0 + 0.8 * X["a"] + 0.7 * X["b"]  # c has no effect: its p-value is not 0 or 1
    y = (rng.random((n, n)) < 1 / (1 + np.exp(-eta))).astype(float)
    fast = qap_regression(y, X, method=method, permutations=150, seed=3, directed=True)
    monkeypatch.setattr(Q, "_FAST_LOGIT", False)
    strict = qap_regression(y, X, method=method, permutations=150, seed=3, directed=True)
    np.testing.assert_allclose(fast.null_distribution.to_numpy(), strict.null_distribution.to_numpy(),
                               rtol=1e-9, atol=1e-12)
    pd.testing.assert_frame_equal(fast.permutation_pvalues, strict.permutation_pvalues)
    assert 0.01 < fast.permutation_pvalues.loc["c", "p_two_sided"] < 0.995
    pd.testing.assert_frame_equal(fast.coefficients, strict.coefficients)  # the observed fit is the same code
