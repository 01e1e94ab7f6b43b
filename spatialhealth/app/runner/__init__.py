"""Declarative runs: ``spatialhealth run analysis.toml``.

An analysis file names the inputs and the analyses to run; the whole file is
checked before any work starts, outputs go to one folder atomically, and
``report.html`` records tables, figures, maps, package versions, input
checksums and the seed.
"""

from spatialhealth.app.runner.config import ConfigError, RunConfig, load_config
from spatialhealth.app.runner.run import RunResult, run_analysis

__all__ = ["ConfigError", "RunConfig", "RunResult", "load_config", "run_analysis"]
