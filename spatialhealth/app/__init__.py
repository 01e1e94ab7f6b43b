"""The app layer: command line, declarative runner, report and demo.

It sits on top of the capability packages (:mod:`spatialhealth.equity`,
:mod:`~spatialhealth.layers`, :mod:`~spatialhealth.networks`,
:mod:`~spatialhealth.efficiency`, :mod:`~spatialhealth.policy`) and imports them
normally; none of them imports it. The runner (:mod:`spatialhealth.app.runner`)
is the one dispatcher from an analysis description to results and files.
"""

from .runner import ConfigError, RunConfig, RunResult, load_config, run_analysis

__all__ = ["ConfigError", "RunConfig", "RunResult", "load_config", "run_analysis"]
