"""Registers the Processing provider (also when QGIS runs headless via qgis_process)."""

from qgis.core import QgsApplication


class SpatialHealthPlugin:
    def __init__(self, iface=None):
        self.iface = iface
        self.provider = None

    def initProcessing(self):  # noqa: N802
        from .provider import SpatialHealthProvider

        self.provider = SpatialHealthProvider()
        QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self):  # noqa: N802
        self.initProcessing()

    def unload(self):
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
