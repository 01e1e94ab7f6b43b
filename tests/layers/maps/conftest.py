"""Small synthetic layers for the map and QGIS tests (built in code, deterministic).

* ``grid``: 5 x 5 squares of 0.1 degree near (116.0, 39.5) with LISA codes
  13 ns, 4 HH, 4 LL, 2 LH, 2 HL, an indicator ``beds`` = 1..25 and names.
* ``cities``: 8 points with ``pagerank`` values.
* ``od``: 12 directed edges between the cities (one self-loop, one reverse pair).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

QUADRANTS = (["HH"] * 4 + ["LL"] * 4 + ["LH"] * 2 + ["HL"] * 2 + ["ns"] * 13)
EXPECTED_LISA = {"HH": 4, "LL": 4, "LH": 2, "HL": 2, "ns": 13}


def make_grid():
    rng = np.random.default_rng(3)
    quad = list(QUADRANTS)
    rng.shuffle(quad)
    rows = []
    for i in range(25):
        r, c = divmod(i, 5)
        x0, y0 = 116.0 + 0.1 * c, 39.5 + 0.1 * r
        rows.append({"code": f"{110101 + i:06d}", "name_en": f"Cell {i:02d}",
                     "cluster": quad[i], "Ii": round(float(rng.normal()), 3),
                     "p_sim": 0.001 + 0.04 * (quad[i] != "ns") * 0 + (0.3 if quad[i] == "ns" else 0.01),
                     "beds_per_1k": float(i + 1), "geometry": box(x0, y0, x0 + 0.1, y0 + 0.1)})
    return gpd.GeoDataFrame(rows, crs=4326)


def make_cities():
    xy = [(116.05, 39.55), (116.45, 39.95), (116.25, 39.75), (116.05, 39.95),
          (116.45, 39.55), (116.25, 39.55), (116.35, 39.85), (116.15, 39.65)]
    pr = [0.30, 0.05, 0.20, 0.08, 0.12, 0.10, 0.09, 0.06]
    return gpd.GeoDataFrame({"code": [f"{120100 + 100 * i}" for i in range(8)],
                             "name_en": [f"City {chr(65 + i)}" for i in range(8)],
                             "pagerank": pr},
                            geometry=[Point(x, y) for x, y in xy], crs=4326)


def make_od():
    codes = [f"{120100 + 100 * i}" for i in range(8)]
    pairs = [(0, 1, 500), (1, 0, 320), (0, 2, 410), (2, 3, 90), (3, 4, 40), (4, 5, 260),
             (5, 6, 15), (6, 7, 75), (7, 0, 180), (2, 6, 130), (5, 0, 610), (3, 3, 999)]
    return pd.DataFrame({"origin": [codes[a] for a, _, _ in pairs],
                         "destination": [codes[b] for _, b, _ in pairs],
                         "flow": [float(f) for _, _, f in pairs]})


@pytest.fixture
def grid():
    return make_grid()


@pytest.fixture
def cities():
    return make_cities()


@pytest.fixture
def od():
    return make_od()


SYSTEM_PYTHON = "/usr/bin/python3"
PROBE = __import__("pathlib").Path(__file__).with_name("qgis_probe.py")


def _qgis_available():
    import subprocess

    try:
        r = subprocess.run([SYSTEM_PYTHON, "-c", "import qgis.core"], capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return r.returncode == 0


@pytest.fixture(scope="session")
def qgis_probe():
    """Run tests/layers/maps/qgis_probe.py with the system python3 and return its JSON output."""
    import json
    import os
    import subprocess

    if not _qgis_available():
        pytest.skip(f"{SYSTEM_PYTHON} -c 'import qgis.core' failed: Debian python3-qgis is not installed")

    def run(*args, cwd=None):
        env = {k: v for k, v in os.environ.items()
               if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
        env["QT_QPA_PLATFORM"] = "offscreen"
        r = subprocess.run([SYSTEM_PYTHON, str(PROBE), *map(str, args)], capture_output=True,
                           text=True, env=env, cwd=cwd, timeout=120)
        assert r.returncode == 0, f"probe failed ({r.returncode}):\n{r.stdout[-2000:]}\n{r.stderr[-4000:]}"
        return json.loads(r.stdout.strip().splitlines()[-1])

    return run
