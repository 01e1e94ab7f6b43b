"""The notebooks ship executed, with their figures inline (the slow tests re-run them).

A notebook that switches matplotlib to a non-display backend shows no figure in Jupyter,
and one without outputs shows a reader nothing until it is run: both are caught here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 6


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_ships_executed_with_inline_figures(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    source = "".join("".join(c["source"]) for c in code)
    assert "matplotlib.use(" not in source, "a notebook must not switch matplotlib's backend"
    assert all(c.get("execution_count") for c in code), "every code cell has been run"
    errors = [o for c in code for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    figures = sum("image/png" in o.get("data", {}) for c in code for o in c.get("outputs", []))
    assert figures >= 1, "the notebook shows its figures inline"
