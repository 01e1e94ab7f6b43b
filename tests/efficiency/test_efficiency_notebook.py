"""The DEA + meta-frontier + DiD notebook runs offline from top to bottom."""

from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "04_dea_metafrontier_did.ipynb"


@pytest.mark.slow
def test_efficiency_notebook_runs(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.get("outputs", []))
    assert "Tone 2001 SBM  : [0.798, 0.568, 1.0, 0.667, 1.0]" in text
    assert "Coelli 1998 CCR: [0.5, 1.0, 0.833, 0.714, 1.0]" in text
