"""Health-resource allocation equity measures.

Every measure takes a table (one row per region) and keyword column names
(``gini(df, resource="beds", population="pop")``) and returns a small result object
with a tidy ``.frame``, a text ``.summary()`` and, where a figure helps, ``.plot()``
(returning the Axes). Measures over a table work per period with ``by=``: a long
table with ``by="year"`` gives one result per year as a :class:`PanelResult` (see
:mod:`spatialhealth.equity._panel`). Groupings may be a column, a region scheme
name (``"region3"``, ``"region4"``, ``"zone6"``), a Series aligned with the
table, or a code -> group mapping (e.g. from
:func:`spatialhealth.regions.region_of`).

========================  ==================================================
``gini``                  Gini by population (grouped Lorenz), grade, Lorenz curve
``theil``                 Theil L (the papers' sum P ln(P/Y)) or Theil T, decomposed
``concentration_index``   concentration index (geometric and covariance), curve
``dagum_gini``            Dagum Gini: within / net between / transvariation
``standardise``           range standardisation (positive / negative indicators)
``entropy_weights``       entropy weight method and composite index
``composite_index``       weighted composite index for given weights
``health_distance``       health-distance mismatch degree and its levels
``ideal_allocation``      fairness–efficiency bi-level ideal allocation (HiGHS, exact)
``kmeans_1d``             exactly optimal one-dimensional k-means
``rsr``                   rank-sum ratio with probit regression and grading
``gm11``                  GM(1,1) grey forecasting with C, P and grade
``gm11_by``               GM(1,1) for every series (e.g. province) of a long table
``cluster_regions``       hierarchical Q-type clustering (SPSS defaults)
========================  ==================================================
"""

from ._classify import classify_by_cuts
from ._panel import PanelResult
from .clustering import ClusterResult, cluster_regions
from .concentration import ConcentrationResult, concentration_index
from .dagum import DagumResult, dagum_gini
from .entropy import EntropyWeightResult, composite_index, entropy_weights
from .forecast import GM11Result, GM11Table, gm11, gm11_by, gm11_grade
from .gini import GiniResult, gini, gini_grade
from .health_distance import HealthDistanceResult, health_distance, kmeans_1d
from .ideal import IdealAllocationResult, InfeasibleAllocationError, ideal_allocation
from .rsr import RSRResult, rsr
from .standardise import standardise
from .theil import TheilResult, theil

__all__ = [
    "ClusterResult", "ConcentrationResult", "DagumResult", "EntropyWeightResult", "GM11Result",
    "GM11Table", "GiniResult", "HealthDistanceResult", "IdealAllocationResult",
    "InfeasibleAllocationError", "PanelResult", "RSRResult", "TheilResult",
    "classify_by_cuts", "cluster_regions", "composite_index", "concentration_index",
    "dagum_gini", "entropy_weights", "gini", "gini_grade", "gm11", "gm11_by", "gm11_grade",
    "health_distance", "ideal_allocation", "kmeans_1d", "rsr", "standardise", "theil",
]
