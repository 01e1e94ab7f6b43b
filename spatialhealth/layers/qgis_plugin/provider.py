"""The ``spatialhealth`` Processing provider."""

from pathlib import Path

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

ICON = str(Path(__file__).resolve().with_name("icon.svg"))


class SpatialHealthProvider(QgsProcessingProvider):
    def id(self):
        return "spatialhealth"

    def name(self):
        return "spatialhealth"

    def icon(self):
        return QIcon(ICON)

    def svgIconPath(self):  # noqa: N802
        return ICON

    def longName(self):  # noqa: N802
        return "spatialhealth (health-resource allocation research)"

    def loadAlgorithms(self):  # noqa: N802
        from .algorithms import CentralityAlgorithm, ErgmAlgorithm, LisaAlgorithm

        for alg in (LisaAlgorithm(), CentralityAlgorithm(), ErgmAlgorithm()):
            self.addAlgorithm(alg)
