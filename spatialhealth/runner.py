"""Deprecated location of the declarative runner; use :mod:`spatialhealth.app.runner`.

Kept for one release so that ``from spatialhealth.runner import run_analysis`` keeps working.
"""

import warnings

from .app.runner import ConfigError, RunConfig, RunResult, load_config, run_analysis

warnings.warn("spatialhealth.runner moved to spatialhealth.app.runner; the old name will be removed "
              "in the next release.", DeprecationWarning, stacklevel=2)

__all__ = ["ConfigError", "RunConfig", "RunResult", "load_config", "run_analysis"]
