"""The result object shared by the DEA models."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._results import Result, figure_axes, write_table


class DEAResult(Result):
    """Scores, slacks and targets of a DEA model, one row per unit of the input table.

    Attributes
    ----------
    frame : pandas.DataFrame
        Aligned with the input table (same index and row order): ``efficiency``
        (the score reported, see ``convention``), model-specific scores
        (``theta``, ``phi``, ``rho``, ``beta``), ``slack_<column>`` and
        ``target_<column>`` for every input and output (in the column's own
        units), ``efficient`` (score 1 and no slack), ``peers`` (reference units
        with their intensity weights), ``frontier`` (which frontier a unit was
        rated against) and ``lp_status`` (0 = optimal).
    model : str
        Description of the model solved.
    convention : str
        What the ``efficiency`` column holds.
    n_lps : int
        Unit linear programs solved (both phases counted).
    notes : tuple of str
        Warnings raised while fitting (e.g. small frontiers).
    """

    _title = "Data envelopment analysis"

    def __init__(self, *, frame, model, convention, n_lps, inputs, outputs, undesirable=(),
                 notes=()):
        self._frame = frame
        self.model = model
        self.convention = convention
        self.n_lps = int(n_lps)
        self.inputs = tuple(inputs)
        self.outputs = tuple(outputs)
        self.undesirable = tuple(undesirable)
        self.notes = tuple(notes)

    @property
    def frame(self) -> pd.DataFrame:
        """Scores, slacks and targets, aligned with the input table (see the class docstring)."""
        return self._frame

    @property
    def efficiency(self) -> pd.Series:
        """The ``efficiency`` column."""
        return self.frame["efficiency"]

    def summary(self) -> str:
        """Text table: model, convention, score distribution and counts of efficient units."""
        e = self.frame["efficiency"]
        lines = [
            f"DEA: {self.model}",
            f"efficiency = {self.convention}",
            f"inputs: {', '.join(self.inputs)}",
            f"desirable outputs: {', '.join(self.outputs)}",
        ]
        if self.undesirable:
            lines.append(f"undesirable outputs: {', '.join(self.undesirable)}")
        n_front = self.frame["frontier"].nunique()
        lines += [
            f"units: {len(e)}   frontiers: {n_front}   LPs solved: {self.n_lps}",
            f"efficient (score 1, no slack): {int(self.frame['efficient'].sum())}   "
            f"score 1: {int(np.isclose(e, 1, atol=1e-8).sum())}",
            "",
            f"{'':10s}{'mean':>9s}{'sd':>9s}{'min':>9s}{'median':>9s}{'max':>9s}",
            f"{'efficiency':10s}{e.mean():9.4f}{e.std():9.4f}{e.min():9.4f}{e.median():9.4f}{e.max():9.4f}",
        ]
        if 1 < n_front <= 30:
            g = self.frame.groupby("frontier", sort=False)["efficiency"]
            lines += ["", f"{'frontier':14s}{'units':>7s}{'mean':>9s}{'min':>9s}{'score 1':>9s}"]
            for name, v in g:
                lines.append(f"{str(name):14s}{len(v):7d}{v.mean():9.4f}{v.min():9.4f}"
                             f"{int(np.isclose(v, 1, atol=1e-8).sum()):9d}")
        bad = self.frame["lp_status"] != 0
        if bad.any():
            lines.append(f"LP not solved for {int(bad.sum())} units (efficiency missing).")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def plot(self, ax=None, by=None):
        """Histogram of the scores, or mean score by ``by`` (a column of ``frame`` or a
        Series aligned with it, e.g. ``df["year"]``); returns the Axes."""
        _, ax = figure_axes(ax, figsize=(6, 4))
        if by is None:
            ax.hist(self.frame["efficiency"].dropna(), bins=20, color="#4575b4", edgecolor="white")
            ax.set_xlabel("efficiency")
            ax.set_ylabel("units")
        else:
            m = self.frame.groupby(by)["efficiency"].mean()
            if pd.api.types.is_numeric_dtype(m.index.dtype):
                ax.plot(m.index, m.to_numpy(), marker="o")
            else:
                ax.bar(m.index.astype(str), m.to_numpy(), color="#4575b4")
            ax.set_xlabel(str(getattr(by, "name", by)))
            ax.set_ylabel("mean efficiency")
        ax.set_title(self.model, fontsize=9)
        return ax

    def to_file(self, path, **kwargs):
        """Write ``frame`` (with its index, the input table's row labels) by suffix; return the Path."""
        kwargs.setdefault("index", True)
        return write_table(self.frame, path, **kwargs)
