"""ERGM results follow the common result protocol; anova, Call line, simulate, lang."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import networkx as nx
import numpy as np
import pytest
from scipy import stats

from spatialhealth._results import CoefficientResult
from spatialhealth.errors import InputError
from spatialhealth.networks.ergm import (
    ERGMResults,
    ValuedERGMResults,
    anova,
    ergm,
    valued_ergm,
)
from spatialhealth.networks.ergm.datasets import load_network

COLUMNS = ["estimate", "std_error", "z_or_t", "p_value", "ci_lower", "ci_upper"]


def test_ergm_results_are_coefficient_results(tmp_path):
    res = ergm(load_network("flomarriage"), "edges + nodecov('wealth')")
    assert isinstance(res, ERGMResults) and isinstance(res, CoefficientResult)
    assert list(res.coefficients.columns) == COLUMNS
    # statnet's flomodel.03: -2.594929 (0.536056), 0.010546 (0.004674)
    np.testing.assert_allclose(res.params, [-2.594929, 0.010546], atol=1e-6)
    np.testing.assert_allclose(res.bse, [0.536056, 0.004674], atol=1e-6)
    z = res.params / res.bse
    np.testing.assert_allclose(res.pvalues, 2 * stats.norm.sf(np.abs(z)))
    ci = res.conf_int(0.1)
    np.testing.assert_allclose(ci["ci_lower"], res.params - stats.norm.isf(0.05) * res.bse)
    assert res.aic == pytest.approx(-2 * res.llf + 4) and res.bic == pytest.approx(-2 * res.llf + 2 * np.log(120))
    assert res.summary().startswith("Call:\nergm(formula = edges + nodecov('wealth'))")
    assert res.to_file(tmp_path / "c.csv").read_text(encoding="utf-8-sig").startswith("term,estimate")
    assert res.plot() is not None


def test_valued_results_share_the_protocol():
    G = nx.DiGraph()
    rng = np.random.default_rng(1)
    G.add_nodes_from(range(6))
    for i in range(6):
        for j in range(6):
            if i != j and rng.random() < 0.6:
                G.add_edge(i, j, weight=int(rng.integers(1, 5)))
    res = valued_ergm(G, "sum + nonzero")
    assert isinstance(res, ValuedERGMResults) and isinstance(res, CoefficientResult)
    assert list(res.coefficients.columns) == COLUMNS
    assert res.aic == pytest.approx(-2 * res.llf + 2 * len(res.params))
    assert "Valued ERGM" in res.summary()


def test_anova_deviance_table():
    G = load_network("flomarriage")
    a, b = ergm(G, "edges"), ergm(G, "edges + nodecov('wealth')")
    t = anova(a, b)
    f = t.frame.set_index("model")
    # NULL deviance 2 * 120 * log 2; model deviances; chi-square of the difference
    assert f.loc["NULL", "resid_dev"] == pytest.approx(240 * np.log(2))
    assert f.loc["Model 1", "resid_dev"] == pytest.approx(-2 * a.llf)
    assert f.loc["Model 2", "deviance"] == pytest.approx(2 * (b.llf - a.llf))
    assert f.loc["Model 2", "p_value"] == pytest.approx(stats.chi2.sf(2 * (b.llf - a.llf), 1))
    assert f.loc["Model 1", "resid_df"] == 119 and f.loc["Model 2", "resid_df"] == 118
    text = t.summary()
    assert "Analysis of Deviance Table" in text and "Model 2: edges + nodecov('wealth')" in text
    with pytest.raises(InputError, match="fewer coefficients"):
        anova(b, a)


def test_simulate_from_fit_with_seed():
    res = ergm(load_network("flomarriage"), "edges + nodecov('wealth')")
    x = res.simulate(nsim=3, seed=7, output="stats")
    y = res.simulate(nsim=3, seed=7, output="stats")
    np.testing.assert_array_equal(x, y)
    assert x.shape == (3, 2)
    nets = res.simulate(nsim=2, seed=7)
    assert [H.number_of_edges() for H in nets] == x[:2, 0].tolist()


def test_gof_and_diagnostics_figures_in_chinese():
    res = ergm(load_network("samplk3"), "edges + mutual", seed=2, eval_loglik=False)
    fig = res.gof(nsim=20, seed=1).plot(lang="zh")
    texts = [t.get_text() for ax in fig.axes for t in [ax.xaxis.label, ax.yaxis.label]] + [fig._suptitle.get_text()]
    assert "入度" in texts and any("拟合优度" in t for t in texts)
    dfig = res.mcmc_diagnostics().plot(lang="zh")
    assert dfig.axes[1].get_title() == "密度"
    with pytest.raises(InputError, match="lang"):
        res.mcmc_diagnostics().plot(lang="fr")
