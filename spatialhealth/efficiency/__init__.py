"""Efficiency analysis: data envelopment analysis (DEA).

Radial CCR/BCC models (:func:`dea`), Tone's slacks-based measure with
undesirable outputs and the SBM directional distance function (:func:`sbm`),
and meta-frontier analysis with technology gap ratios (:func:`metafrontier`).
Linear programs are solved with HiGHS. :func:`synthetic_panel` generates a
SYNTHETIC province-year panel for demonstrations.
"""

from .synthetic import synthetic_panel

__all__ = ["synthetic_panel"]
