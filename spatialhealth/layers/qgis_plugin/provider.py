"""The ``spatialhealth`` Processing provider."""

from qgis.core import QgsProcessingProvider


class SpatialHealthProvider(QgsProcessingProvider):
    def id(self):
        return "spatialhealth"

    def name(self):
        return "spatialhealth"

    def longName(self):  # noqa: N802
        return "spatialhealth (health-resource allocation research)"

    def loadAlgorithms(self):  # noqa: N802
        from .algorithms import CentralityAlgorithm, ErgmAlgorithm, LisaAlgorithm

        for alg in (LisaAlgorithm(), CentralityAlgorithm(), ErgmAlgorithm()):
            self.addAlgorithm(alg)
