"""Efficiency analysis: data envelopment analysis (DEA).

Radial CCR/BCC models (:func:`dea`), Tone's slacks-based measure with
undesirable outputs and the SBM directional distance function (:func:`sbm`),
and meta-frontier analysis with technology gap ratios (:func:`metafrontier`).
Linear programs are solved with HiGHS (through :func:`scipy.optimize.linprog`).
:func:`synthetic_panel` generates a SYNTHETIC province-year panel for
demonstrations.
"""

from ._data import DEAInputError
from ._result import DEAResult
from .metafrontier import MetafrontierResult, metafrontier
from .radial import dea
from .sbm import sbm
from .synthetic import synthetic_panel

__all__ = ["dea", "sbm", "metafrontier", "synthetic_panel", "DEAResult", "MetafrontierResult",
           "DEAInputError"]
