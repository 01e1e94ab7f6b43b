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

Every estimator takes the panel first and keyword columns with the package's
vocabulary: ``twfe_did(df, outcome="y", treatment="treated", region="code",
period="year")``; ``cohort=`` names the adoption-period column, ``permutations=``
the number of placebo draws. The old spellings (positional columns, ``unit=``,
``time=``, ``first_treated=``, ``n=``) work for one release with a
DeprecationWarning. Coefficient results share one table (``estimate, std_error,
z_or_t, p_value, ci_lower, ci_upper``); pyfixest is reached only through
:mod:`spatialhealth.policy._pyfixest`.

Panel rules (balanced or not, absorbing binary treatment, adoption dates inside
the panel) are described in :mod:`spatialhealth.policy._panel`; panels that cannot
identify the effect (one unit or period, one adoption date without never-treated
units) are refused before any regression runs.
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
