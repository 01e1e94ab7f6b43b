"""Real QGIS desktop (under Xvfb) opens the project and draws it at the saved extent.

A headless PyQGIS render computes its own extent; only the desktop shows whether
the project's <mapcanvas> extent is usable (without it QGIS opens on an empty
canvas at scale 1:1).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections import Counter

import pytest

from spatialhealth.layers import qgis
from spatialhealth.layers._palette import LISA_COLOURS

pytestmark = pytest.mark.qgis


@pytest.mark.skipif(not (shutil.which("xvfb-run") and shutil.which("qgis")),
                    reason="Debian qgis and xvfb are not installed")
def test_qgis_desktop_snapshot_of_project(tmp_path, grid):
    from PIL import Image

    res = qgis.write_geopackage([qgis.QgisLayer(grid, "lisa", qgis.lisa_style())], tmp_path / "d.gpkg")
    png = tmp_path / "snapshot.png"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    # QGIS's embedded Python finds its home through `python3` on PATH: keep a venv off it,
    # otherwise QGIS shows a modal "Couldn't load SIP module" dialog and never returns
    env.update(HOME=str(tmp_path / "home"), PATH="/usr/bin:/bin")
    subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1280x1024x24", "qgis", "--nologo", "--noplugins",
                    "--snapshot", str(png), "--width", "600", "--height", "600", "--project",
                    str(res.project)], env=env, capture_output=True, stdin=subprocess.DEVNULL,
                   timeout=120)
    assert png.exists(), "QGIS wrote no snapshot"
    import numpy as np

    pixels = np.asarray(Image.open(png).convert("RGB")).reshape(-1, 3)
    counts = Counter("#%02x%02x%02x" % tuple(px) for px in pixels)
    total = len(pixels)
    for colour in LISA_COLOURS.values():
        assert counts[colour] > 0.01 * total, (colour, counts.most_common(8))
    # the 5 x 5 grid (turned ~15 degrees by the equal-area project CRS, lon_0 = 95 E) fills much
    # of the frame: the saved extent was used
    assert counts["#ffffff"] < 0.65 * total
