"""Mobility networks: OD data to city graphs, centralities, edge covariates and ERGMs.

* :mod:`~spatialhealth.networks.od` - :func:`aggregate_od`: OD files (CSV/Parquet,
  any size; DuckDB or Dask) to directed city-pair edges, with a report of
  unmatched rows and bad flows;
* :mod:`~spatialhealth.networks.migration` - :func:`aggregate_migration_index`: the
  Baidu/Amap migration-index layout (scale index x top-N shares) to city-pair edges;
* :mod:`~spatialhealth.networks.graph` - :func:`mobility_graph`, :func:`load_cities`;
* :mod:`~spatialhealth.networks.centrality` - :func:`centrality_table`,
  :func:`network_summary`;
* :mod:`~spatialhealth.networks.covariates` - edge covariate matrices
  (``geo_prox``, ``same_province``, ``same_dialect``, user matrices);
* :mod:`~spatialhealth.networks.qap` - :func:`qap_regression` (MRQAP: OLS/logit with
  Dekker's semi-partialling or y-permutation tests, as R sna netlm/netlogit),
  :func:`qap_correlation`;
* :mod:`~spatialhealth.networks.synthetic` - SYNTHETIC gravity-model records and flows;
* :mod:`~spatialhealth.networks.ergm` - exponential random graph models.
"""

import sys
import types

# the submodules load on first use: ``import spatialhealth.networks.ergm`` then stays light
# (no pandas/networkx analysis code, DuckDB readers or QAP until they are asked for)
_LAZY = {
    "CentralityResult": "centrality", "NetworkSummary": "centrality", "centrality": "centrality",
    "centrality_table": "centrality", "network_summary": "centrality",
    "edge_covariates": "covariates", "geo_proximity": "covariates", "read_matrix": "covariates",
    "same_dialect": "covariates", "same_group": "covariates", "same_province": "covariates",
    "load_cities": "graph", "mobility_graph": "graph",
    "aggregate_migration_index": "migration", "migration_index_flows": "migration",
    "ODReport": "od", "ODResult": "od", "aggregate_od": "od",
    "QAPCorrelationResult": "qap", "QAPRegressionResult": "qap", "qap_correlation": "qap",
    "qap_regression": "qap",
}

__all__ = [
    "aggregate_od", "ODResult", "ODReport", "mobility_graph", "load_cities",
    "centrality", "centrality_table", "network_summary", "CentralityResult", "NetworkSummary",
    "edge_covariates", "geo_proximity",
    "same_dialect", "same_group", "same_province", "read_matrix", "aggregate_migration_index",
    "migration_index_flows",
    "qap_regression", "qap_correlation", "QAPRegressionResult", "QAPCorrelationResult",
]


def __getattr__(name):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


class _Package(types.ModuleType):
    """The package module: ``networks.centrality`` stays the function.

    As when it was imported eagerly, even after the import system binds the submodule of
    the same name to the package.
    """

    def __setattr__(self, name, value):
        if name == "centrality" and isinstance(value, types.ModuleType):
            value = value.centrality
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
