"""spatialhealth: health-resource allocation research in one package.

Equity measures (:mod:`spatialhealth.equity`), spatial weights and
autocorrelation (:mod:`spatialhealth.layers`), mobility networks and ERGMs
(:mod:`spatialhealth.networks`), efficiency (:mod:`spatialhealth.efficiency`)
and policy evaluation (:mod:`spatialhealth.policy`), all keyed by GB/T 2260
region codes (:mod:`spatialhealth.regions`).
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
