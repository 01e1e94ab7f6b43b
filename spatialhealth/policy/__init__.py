"""Policy evaluation: staggered difference-in-differences on unit-period panels.

* :func:`twfe_did` - two-way fixed-effects DiD with CRV1 clustered errors (pyfixest).
* :func:`did2s` - Gardner's two-stage heterogeneity-robust estimator (pyfixest).
* :func:`compare_estimators` - TWFE and robust estimators side by side.
* :func:`event_study` - leads and lags with the reference period stated
  (``estimator="twfe" | "did2s" | "saturated" | "lpdid"``), ``.plot()`` with CIs.
* :func:`placebo_test` - random reassignment of adoption times across units,
  exact fast TWFE refits, distribution figure; :func:`placebo_timing` - the
  in-time placebo (adoption moved earlier on pre-adoption data).
* :func:`heterogeneity` - effects by region or above/below a median.
* :func:`bacon_decomposition` - the 2x2 comparisons (and weights) behind the
  TWFE coefficient (Goodman-Bacon 2021).

Panel rules (balanced or not, absorbing binary treatment, adoption dates inside
the panel) are described in :mod:`spatialhealth.policy._panel`.
"""

from ._panel import UnbalancedPanelWarning
from .bacon import BaconResult, bacon_decomposition
from .did import DiDResult, twfe_did
from .event_study import EventStudyResult, event_study
from .heterogeneity import HeterogeneityResult, heterogeneity
from .placebo import PlaceboResult, placebo_test, placebo_timing
from .robust import Comparison, compare_estimators, did2s

__all__ = [
    "twfe_did", "did2s", "event_study", "placebo_test", "placebo_timing", "bacon_decomposition", "compare_estimators", "heterogeneity",
    "DiDResult", "EventStudyResult", "BaconResult", "PlaceboResult", "Comparison", "HeterogeneityResult",
    "UnbalancedPanelWarning",
]
