"""Dyad-independent ERGMs: the MPLE is the MLE; check against statsmodels and statnet."""

import networkx as nx
import numpy as np
import pytest
import statsmodels.api as sm

from spatialhealth.errors import ConvergenceError  # noqa: F401
from spatialhealth.networks.ergm import datasets, ergm


def _glm(X, y):
    return sm.GLM(y, X, family=sm.families.Binomial()).fit(tol=1e-13, maxiter=100)


def test_flomarriage_wealth_matches_statnet():
    G = datasets.load_network("flomarriage")
    res = ergm(G, "edges + nodecov('wealth')")
    # statnet: ergm(flomarriage ~ edges + nodecov("wealth"))
    np.testing.assert_allclose(res.params, [-2.594929, 0.010546], atol=5e-6)
    np.testing.assert_allclose(res.bse, [0.536056, 0.004674], atol=5e-6)
    assert res.method == "MPLE" and res.converged and res.model.dyad_independent
    # statnet: AIC 107.1, BIC 112.7 (120 dyads)
    assert round(res.aic, 1) == 107.1 and round(res.bic, 1) == 112.7
    assert "nodecov.wealth" in res.summary()


def test_flomarriage_edges_only_closed_form():
    G = datasets.load_network("flomarriage")
    res = ergm(G, "edges")
    nd, e = 120, 20
    assert res.params["edges"] == pytest.approx(np.log(e / (nd - e)), abs=1e-12)
    assert res.bse["edges"] == pytest.approx(np.sqrt(1 / e + 1 / (nd - e)), abs=1e-10)
    assert res.llf == pytest.approx(e * np.log(e / nd) + (nd - e) * np.log(1 - e / nd), abs=1e-10)


def test_mobility88_matches_statsmodels():
    G = datasets.load_network("mobility88")
    ec = datasets.load_edge_covariates("mobility88")
    f = ("edges + nodeicov('PCF') + nodeicov('HTH') + nodeocov('GDP') + edgecov('geo_prox') "
         "+ edgecov('same_dialect')")
    res = ergm(G, f, edge_covariates=ec)
    nodes = list(G.nodes())
    n = len(nodes)
    A = nx.to_numpy_array(G, nodelist=nodes)
    pcf = np.array([G.nodes[v]["PCF"] for v in nodes])
    hth = np.array([G.nodes[v]["HTH"] for v in nodes], dtype=float)
    gdp = np.array([G.nodes[v]["GDP"] for v in nodes])
    I, J = np.nonzero(~np.eye(n, dtype=bool))
    X = np.column_stack([np.ones(len(I)), pcf[J], hth[J], gdp[I], ec["geo_prox"][I, J], ec["same_dialect"][I, J]])
    y = A[I, J]
    g = _glm(X, y)
    np.testing.assert_allclose(res.params.to_numpy(), g.params, rtol=0, atol=1e-6)
    np.testing.assert_allclose(res.bse.to_numpy(), g.bse, rtol=0, atol=1e-6)
    assert res.llf == pytest.approx(g.llf, abs=1e-6)
    assert res.aic == pytest.approx(g.aic, abs=1e-6)
    assert res.bic == pytest.approx(-2 * g.llf + X.shape[1] * np.log(len(y)), abs=1e-6)
    np.testing.assert_allclose(res.pvalues.to_numpy(), g.pvalues, atol=1e-6)
    ci = res.conf_int()
    np.testing.assert_allclose(ci.to_numpy(), g.conf_int(), atol=1e-6)


def test_faux_mesa_categorical_compressed_matches_statsmodels():
    G = datasets.load_network("faux.mesa.high")
    f = "edges + nodefactor('Grade') + nodematch('Grade', diff=TRUE) + nodefactor('Sex') + absdiff('Grade')"
    res = ergm(G, f)
    assert res.info["dyad_rows"] < res.info["ndyads"] / 10  # identical rows were merged
    nodes = list(G.nodes())
    n = len(nodes)
    A = nx.to_numpy_array(G, nodelist=nodes)
    grade = np.array([G.nodes[v]["Grade"] for v in nodes])
    sex = np.array([G.nodes[v]["Sex"] for v in nodes])
    I, J = np.triu_indices(n, 1)
    cols = [np.ones(len(I))]
    for lev in [8, 9, 10, 11, 12]:  # statnet drops the first level (7)
        cols.append((grade[I] == lev).astype(float) + (grade[J] == lev))
    for lev in [7, 8, 9, 10, 11, 12]:
        cols.append(((grade[I] == lev) & (grade[J] == lev)).astype(float))
    cols.append((sex[I] == "M").astype(float) + (sex[J] == "M"))
    cols.append(np.abs(grade[I] - grade[J]).astype(float))
    X = np.column_stack(cols)
    g = _glm(X, A[I, J])
    assert list(res.params.index[:3]) == ["edges", "nodefactor.Grade.8", "nodefactor.Grade.9"]
    assert "nodematch.Grade.12" in res.params.index and "nodefactor.Sex.M" in res.params.index
    np.testing.assert_allclose(res.params.to_numpy(), g.params, atol=1e-6)
    np.testing.assert_allclose(res.bse.to_numpy(), g.bse, atol=1e-6)
    assert res.llf == pytest.approx(g.llf, abs=1e-6)


def test_infinite_estimate_is_reported_in_words():
    G = nx.Graph()
    G.add_nodes_from([(k, {"g": "a" if k < 4 else "b"}) for k in range(8)])
    G.add_edges_from([(0, 1), (1, 2), (4, 5), (2, 3), (5, 6)])  # no tie between groups
    # as statnet: infinite coefficients with a warning naming them (this used to raise)
    with pytest.warns(RuntimeWarning, match="nodematch.g"):
        res = ergm(G, "edges + nodematch('g')")
    assert res.params["edges"] == -np.inf and res.params["nodematch.g"] == np.inf
    assert "nodematch.g" in res.messages[0] and "Inf" in res.summary()


def test_mpl_of_dependent_model_on_request():
    G = datasets.load_network("flomarriage")
    res = ergm(G, "edges + triangle", estimate="MPLE")
    assert res.method == "MPLE" and np.isnan(res.llf)
    assert res.messages and "not trustworthy" in res.messages[0]
