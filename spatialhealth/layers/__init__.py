"""Spatial layers: weights, global and local statistics (Moran/LISA, Getis-Ord, local Geary,
join counts), spatial regression, space-time, rasters, figures, maps and QGIS export.

>>> from spatialhealth.layers import build_weights, moran, lisa, getis_ord  # doctest: +SKIP
"""

from .autocorrelation import adjust_pvalues, lisa, lisa_bv, moran, moran_bv, moran_panel
from .local import getis_ord, join_counts, join_counts_local, local_geary
from .weights import SpatialWeights, build_weights

_LAZY = {
    "spatial_regression": ".regression",
    "space_time": ".spacetime",
    "raster_lisa": ".raster",
    "raster_moran": ".raster",
    "raster_getis_ord": ".raster",
}

__all__ = ["SpatialWeights", "build_weights", "moran", "moran_bv", "moran_panel", "lisa", "lisa_bv",
           "adjust_pvalues", "getis_ord", "local_geary", "join_counts", "join_counts_local", *_LAZY]


def __getattr__(name):  # spreg, giddy and rasterio load only when used
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
