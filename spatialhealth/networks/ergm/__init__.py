"""Exponential random graph models (ERGMs) for networks such as city mobility flows.

statnet-style formulas on networkx graphs, compiled change statistics and a
tie/no-tie Metropolis-Hastings sampler, MPLE and MCMC maximum likelihood.

- :func:`ergm` fits a model (MPLE = MLE for dyad-independent models, MCMC-MLE otherwise);
- :func:`simulate` draws networks or statistics from a model or a fit;
- :func:`build_model` / :func:`summary_statistics` bind a formula to a graph.

>>> from spatialhealth.networks.ergm import summary_statistics
>>> import networkx as nx
>>> summary_statistics(nx.complete_graph(3), "edges + triangle").tolist()
[3.0, 1.0]
"""

from .formula import TermCall, parse_formula
from .model import Model, build_model, summary_statistics

__all__ = ["ERGMResults", "Model", "TermCall", "build_model", "ergm", "parse_formula", "simulate",
           "summary_statistics"]


def __getattr__(name):  # estimation modules are imported on first use
    if name == "ergm":
        from .fit import ergm
        return ergm
    if name == "simulate":
        from .sampler import simulate
        return simulate
    if name == "ERGMResults":
        from .results import ERGMResults
        return ERGMResults
    raise AttributeError(name)
