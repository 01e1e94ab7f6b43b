"""Infinite / boundary MLEs as statnet reports them (test-drop.R, test-nodrop.R), finite
estimates far from 0, and the plain-words errors of issue 13's "Messages" list.
"""

from __future__ import annotations

import math
import warnings

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from statnet_cases import adjacency, load

from spatialhealth.errors import ConvergenceError, InputError
from spatialhealth.networks.ergm import ergm, summary_statistics
from spatialhealth.networks.ergm.datasets import load_network


def _fit(G, formula, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ergm(G, formula, **kw)


def _logit(p):
    return math.log(p / (1 - p))


# ----------------------------------------------------------------- test-drop.R
def test_drop_one_covariate():
    G = load("samplike", True)
    M = adjacency(G)
    with pytest.warns(RuntimeWarning, match="does not exist"):
        res = ergm(G, [("edgecov", M - 0.5)])
    assert res.params.iloc[0] == np.inf
    assert _fit(G, [("edgecov", -M)]).params.iloc[0] == -np.inf


@pytest.mark.parametrize("sign", [1, -1])
def test_drop_multiple_covariates(sign):
    G = load("samplike", True)
    M = adjacency(G)
    M[3:10, 3:10] = 0
    n = G.number_of_nodes()
    truth = _logit((G.number_of_edges() - M.sum()) / (n * (n - 1) - M.sum()))
    res = _fit(G, ["edges", ("edgecov", sign * M)])
    assert res.params.iloc[0] == pytest.approx(truth, abs=1e-8)
    assert res.params.iloc[1] == sign * np.inf
    assert np.isnan(res.bse.iloc[1]) and np.isfinite(res.bse.iloc[0])


# ----------------------------------------------------------------- test-nodrop.R and the issue
@pytest.mark.parametrize("directed", [False, True])
def test_empty_and_complete_graph(directed):
    E = nx.empty_graph(10, create_using=nx.DiGraph if directed else nx.Graph)
    with pytest.warns(RuntimeWarning, match="`edges` is -Inf"):
        res = ergm(E, "edges")
    assert res.params["edges"] == -np.inf and np.isnan(res.bse["edges"])
    assert "-Inf" in res.summary() and "MLE at infinity" in res.summary()
    K = nx.complete_graph(10, create_using=nx.DiGraph if directed else nx.Graph)
    assert _fit(K, "edges").params["edges"] == np.inf


def test_dyad_dependent_model_with_infinite_mple_raises_for_mcmc():
    E = nx.empty_graph(8)
    with pytest.raises(ConvergenceError, match="edges"):
        _fit(E, "edges + triangle", seed=1)


def test_finite_estimates_are_not_cut_off():
    # statnet/the exact logistic MLE: edges + nodecov(wealth/3000) = 3000 x 0.010546 = 31.64
    G = load_network("flomarriage")
    res = ergm(G, "edges + nodecov(wealth/3000)")
    base = ergm(G, "edges + nodecov('wealth')")
    assert res.params.index[1] == "nodecov.wealth/3000"
    assert res.params.iloc[1] == pytest.approx(3000 * base.params.iloc[1], rel=1e-8)
    assert res.params.iloc[1] == pytest.approx(31.64, abs=0.01)
    assert res.bse.iloc[1] == pytest.approx(3000 * base.bse.iloc[1], rel=1e-6)


def test_statnet_samplike_gwodegree_mple():
    G = load("samplike_wrong", True)
    res = _fit(G, "gwodegree(0.2, fixed=TRUE)", estimate="MPLE")
    assert res.params.iloc[0] == pytest.approx(43.61801, rel=1e-5)


# ----------------------------------------------------------------- messages
def _flo():
    return load_network("flomarriage")


def test_missing_categorical_values_name_the_nodes():
    for bad in (pd.NA, float("nan"), "nan", None):
        G = _flo()
        G.nodes["Medici"]["cat"] = bad
        for v in G.nodes:
            if v != "Medici":
                G.nodes[v]["cat"] = "a" if len(v) % 2 else "b"
        with pytest.raises(InputError, match="missing.*Medici"):
            summary_statistics(G, "edges + nodefactor('cat')")


def test_missing_values_can_be_dropped():
    G = _flo()
    G.nodes["Medici"]["wealth"] = pd.NA
    with pytest.raises(InputError, match="Medici"):
        ergm(G, "edges + nodecov('wealth')")
    res = ergm(G, "edges + nodecov('wealth')", missing="drop")
    H = _flo()
    H.remove_node("Medici")
    ref = ergm(H, "edges + nodecov('wealth')")
    np.testing.assert_allclose(res.params.to_numpy(), ref.params.to_numpy(), atol=1e-10)
    assert any("Medici" in m for m in res.messages)


def test_pd_na_in_numeric_attribute():
    G = _flo()
    G.nodes["Strozzi"]["wealth"] = pd.NA
    with pytest.raises(InputError, match="missing data.*Strozzi"):
        summary_statistics(G, "nodecov('wealth')")


@pytest.mark.parametrize("bad", [np.inf, -np.inf])
def test_infinite_numeric_attribute(bad):
    G = _flo()
    G.nodes["Strozzi"]["wealth"] = bad
    with pytest.raises(InputError, match="infinite.*Strozzi"):
        summary_statistics(G, "nodecov('wealth')")


def test_edgecov_matrix_of_strings():
    G = _flo()
    M = np.full((16, 16), "1", dtype=object)
    with pytest.raises(InputError, match="must hold numbers"):
        summary_statistics(G, [("edgecov", M)])
    with pytest.raises(InputError, match="must hold numbers"):
        summary_statistics(G, [("edgecov", pd.DataFrame(M, index=list(G), columns=list(G)))])


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_edgecov_matrix_not_finite(bad):
    G = _flo()
    M = np.ones((16, 16))
    M[0, 1] = bad
    with pytest.raises(InputError, match="NaN or infinite"):
        summary_statistics(G, [("edgecov", M)])


def test_collinear_terms_are_named_collinear():
    G = _flo()
    with pytest.raises(InputError, match="collinear") as exc:
        ergm(G, "edges + nodecov(wealth) + nodecov(-wealth/2+1)")
    assert "nodecov.wealth" in str(exc.value) and "nodecov.-wealth/2+1" in str(exc.value)


def test_formula_attribute_forms():
    G = _flo()
    a = summary_statistics(G, "nodecov(~wealth)").iloc[0]
    assert a == summary_statistics(G, "nodecov('wealth')").iloc[0]
    assert summary_statistics(G, "y ~ nodecov(~wealth^2)").iloc[0] == sum(
        G.nodes[u]["wealth"] ** 2 + G.nodes[v]["wealth"] ** 2 for u, v in G.edges)


@pytest.mark.parametrize("formula", ["gwesp(-0.5, fixed=TRUE)", "gwdsp(-1, fixed=TRUE)",
                                     "gwdegree(-0.2, fixed=TRUE)"])
def test_negative_decay_is_an_error(formula):
    with pytest.raises(InputError, match="decay must be a finite number >= 0"):
        summary_statistics(_flo(), formula)


def test_edge_attribute_on_some_edges_only():
    G = _flo()
    for k, (u, v) in enumerate(G.edges):
        if k % 3:
            G.edges[u, v]["w"] = 1.0
    with pytest.raises(InputError, match="missing on .* of 20 edges"):
        summary_statistics(G, "edgecov('w')")


def test_duplicate_terms_as_statnet():
    # statnet keeps repeated terms (test-nonunique-names.R); ours get a '#2' suffix
    G = load("samplk3", True) if False else load_network("samplk3")
    for u, v in G.edges:
        G.edges[u, v]["a"] = 1.0
    s = summary_statistics(G, "edgecov('a') + edgecov('a')")
    assert list(s.index) == ["edgecov.a", "edgecov.a#2"] and s.iloc[0] == s.iloc[1] == G.number_of_edges()
    with pytest.raises(InputError, match="collinear"):
        ergm(G, "edges + edges")
