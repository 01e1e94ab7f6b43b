"""Exponential random graph models (ERGMs) for networks such as city mobility flows.

statnet-style formulas on networkx graphs, compiled change statistics and a
tie/no-tie Metropolis-Hastings sampler, MPLE and MCMC maximum likelihood.

- :func:`ergm` fits a model (MPLE = MLE for dyad-independent models, MCMC-MLE otherwise);
- :func:`anova` compares nested fits (analysis of deviance, as statnet's ``anova.ergm``);
- :func:`simulate` draws networks or statistics from a model or a fit;
- :func:`valued_ergm` fits a valued (count-weighted) ERGM with the Poisson reference;
- :func:`build_model` / :func:`summary_statistics` bind a formula to a graph.

>>> from spatialhealth.networks.ergm import summary_statistics
>>> import networkx as nx
>>> summary_statistics(nx.complete_graph(3), "edges + triangle").tolist()
[3.0, 1.0]
"""

from .formula import TermCall, parse_formula
from .model import Model, build_model, summary_statistics

__all__ = ["AnovaResult", "ERGMResults", "Model", "TermCall", "ValuedERGMResults", "anova", "build_model", "ergm",
           "parse_formula", "simulate", "summary_statistics", "valued_ergm"]

_LAZY = {  # estimation modules are imported on first use
    "ergm": ("fit", "ergm"),
    "simulate": ("sampler", "simulate"),
    "ERGMResults": ("results", "ERGMResults"),
    "anova": ("results", "anova"),
    "AnovaResult": ("results", "AnovaResult"),
    "valued_ergm": ("valued", "valued_ergm"),
    "ValuedERGMResults": ("valued", "ValuedERGMResults"),
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        mod, attr = _LAZY[name]
        return getattr(importlib.import_module(f".{mod}", __name__), attr)
    raise AttributeError(name)
