"""Execute the notebooks in place so that they ship with their outputs (figures inline).

Run from the repository root with the project's virtual environment:

    .venv/bin/python scripts/execute_notebooks.py            # all notebooks
    .venv/bin/python scripts/execute_notebooks.py 01 03      # those whose names start so

Each notebook runs in a fresh ``python3`` kernel from its own folder, offline, and is
written back only when every cell succeeded.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbclient
import nbformat

ROOT = Path(__file__).resolve().parents[1]


def main(prefixes: list[str]) -> int:
    books = sorted((ROOT / "notebooks").glob("*.ipynb"))
    if prefixes:
        books = [b for b in books if any(b.name.startswith(p) for p in prefixes)]
    for path in books:
        t0 = time.perf_counter()
        nb = nbformat.read(path, as_version=4)
        nbclient.NotebookClient(nb, timeout=1200, kernel_name="python3",
                                resources={"metadata": {"path": str(path.parent)}}).execute()
        images = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code"
                     for o in c.get("outputs", []))
        nbformat.write(nb, path)
        print(f"{path.name}: {time.perf_counter() - t0:.0f} s, {images} figure(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
