"""pytest at the repository root: what ``pytest --doctest-modules spatialhealth`` collects.

The QGIS plugin runs inside QGIS's own interpreter, ``spatialhealth/data`` holds
data-generation scripts (they read ``sys.argv`` at import), and ``spatialhealth/cli.py`` /
``spatialhealth/runner.py`` are deprecated import shims. The doctests that CI runs are
``tests/core/test_core_doctests.py`` (same scope, one test per module).
"""

collect_ignore_glob = [
    "spatialhealth/layers/qgis_plugin/*",
    "spatialhealth/data/*",
    "spatialhealth/cli.py",
    "spatialhealth/runner.py",
]
