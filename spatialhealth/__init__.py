"""spatialhealth: health-resource allocation research in one package.

Equity measures (:mod:`spatialhealth.equity`), spatial weights and
autocorrelation (:mod:`spatialhealth.layers`), mobility networks and ERGMs
(:mod:`spatialhealth.networks`), efficiency (:mod:`spatialhealth.efficiency`)
and policy evaluation (:mod:`spatialhealth.policy`), all keyed by GB/T 2260
region codes (:mod:`spatialhealth.regions`).
"""

try:
    from ._version import version as __version__  # written by setuptools-scm at install
except ImportError:  # a source tree that was never installed
    from importlib.metadata import PackageNotFoundError, version

    try:
        __version__ = version("spatialhealth")
    except PackageNotFoundError:
        __version__ = "0+unknown"

__all__ = ["__version__"]
