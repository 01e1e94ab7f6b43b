"""Spatial layers: weights, global and local Moran (LISA), rasters, figures, maps and QGIS export.

>>> from spatialhealth.layers import build_weights, moran, lisa  # doctest: +SKIP
"""

from .autocorrelation import adjust_pvalues, lisa, lisa_bv, moran, moran_bv, moran_panel
from .weights import SpatialWeights, build_weights

__all__ = ["SpatialWeights", "build_weights", "moran", "moran_bv", "moran_panel", "lisa", "lisa_bv",
           "adjust_pvalues"]
