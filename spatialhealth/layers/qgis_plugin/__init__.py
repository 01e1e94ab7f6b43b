"""QGIS plugin entry point (QGIS imports this folder as ``spatialhealth_qgis``).

This folder is plain PyQGIS: it never imports the spatialhealth package, whose
dependencies (numpy 2, pandas, geopandas ...) would clash with QGIS's own.
"""


def classFactory(iface):  # noqa: N802 (QGIS's name)
    from .plugin import SpatialHealthPlugin

    return SpatialHealthPlugin(iface)
