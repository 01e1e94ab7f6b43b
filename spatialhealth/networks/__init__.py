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

from .centrality import (
                         CentralityResult,
                         NetworkSummary,
                         centrality,
                         centrality_table,
                         network_summary,
)
from .covariates import (
                         edge_covariates,
                         geo_proximity,
                         read_matrix,
                         same_dialect,
                         same_group,
                         same_province,
)
from .graph import load_cities, mobility_graph
from .migration import aggregate_migration_index, migration_index_flows
from .od import ODReport, ODResult, aggregate_od
from .qap import QAPCorrelationResult, QAPRegressionResult, qap_correlation, qap_regression

__all__ = [
    "aggregate_od", "ODResult", "ODReport", "mobility_graph", "load_cities",
    "centrality", "centrality_table", "network_summary", "CentralityResult", "NetworkSummary",
    "edge_covariates", "geo_proximity",
    "same_dialect", "same_group", "same_province", "read_matrix", "aggregate_migration_index",
    "migration_index_flows",
    "qap_regression", "qap_correlation", "QAPRegressionResult", "QAPCorrelationResult",
]
