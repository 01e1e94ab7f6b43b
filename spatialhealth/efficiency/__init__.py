"""Efficiency analysis: data envelopment analysis (DEA).

* :func:`dea` - radial CCR (constant returns) and BCC (variable returns) models,
  input or output oriented, two-phase slacks and targets.
* :func:`sbm` - Tone's slacks-based measure, CRS or VRS, with undesirable
  outputs (Tone 2003), or with ``direction=`` the SBM directional distance
  function of Fukuyama and Weber.
* :func:`metafrontier` - efficiency against group frontiers (e.g. east/central/
  west) and the pooled meta-frontier, technology gap ratio TGR = meta / group;
  contemporaneous (per-period) or pooled frontiers.
* :func:`synthetic_panel` - a SYNTHETIC 30-province x 13-year panel for demos.

What the ``efficiency`` column holds (each result also states it in ``.convention``):

============================== ==============================================
model                          ``efficiency``
============================== ==============================================
CCR/BCC, input-oriented        theta, in (0, 1]
CCR/BCC, output-oriented       1/phi, in (0, 1] (phi >= 1 in column ``phi``)
SBM (with undesirable outputs) rho, in (0, 1]; 1 only without any slack
SBM-DDF                        1/(1+beta) by default; ``1-beta`` or ``beta``
                               (an inefficiency) on request; ``beta`` column
meta-frontier                  ``te_group``, ``te_meta`` in the model's
                               convention, ``tgr = te_meta / te_group``
============================== ==============================================

Linear programs are solved with HiGHS: warm-started through ``highspy`` when
it is installed, otherwise in block-diagonal batches through
:func:`scipy.optimize.linprog` (see :mod:`spatialhealth.efficiency._lp`).

Examples
--------
>>> from spatialhealth.efficiency import metafrontier, sbm, synthetic_panel
>>> panel = synthetic_panel(seed=1)
>>> inputs = ["beds", "physicians", "nurses", "health_expenditure"]
>>> outputs = ["outpatient_visits", "inpatient_discharges", "health_checkups"]
>>> res = sbm(panel, inputs=inputs, outputs=outputs, undesirable=["inpatient_deaths", "infectious_cases"],
...           by="year")
>>> bool(res.efficiency.between(0, 1).all())
True
"""

from ._data import DEAInputError
from ._result import DEAResult
from .metafrontier import MetafrontierResult, metafrontier
from .radial import dea
from .sbm import sbm
from .synthetic import synthetic_panel

__all__ = ["dea", "sbm", "metafrontier", "synthetic_panel", "DEAResult", "MetafrontierResult",
           "DEAInputError"]
