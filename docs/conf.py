"""Sphinx configuration of the spatialhealth documentation (built offline).

``make docs`` runs ``sphinx-build -W --keep-going -E -b html docs docs/_build/html``.
Nothing is fetched at build time (no intersphinx inventories, notebooks are not
executed) and the theme ships its own assets (``docs/check_offline.py`` checks the
built pages for CDN links).
"""

from __future__ import annotations

import shutil
import sys
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _dist_version
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE / "_ext"))

project = "spatialhealth"
author = "spatialhealth developers"
copyright = "2026, spatialhealth developers"
try:
    release = _dist_version("spatialhealth")
except PackageNotFoundError:  # building from a source tree that is not installed
    import spatialhealth

    release = spatialhealth.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_nb",
    "docstring_report",  # docs/_ext: lists docstring warnings by source file at the end
]

# --- sources -------------------------------------------------------------------------
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "jupyter_execute", "**.ipynb_checkpoints", "README.md"]
templates_path = ["_templates"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
suppress_warnings = [
    # notebooks are rendered as shipped; outputs of widget/JS type are not expected
    "mystnb.unknown_mime_type",
]

# --- notebooks: rendered as shipped, never executed ---------------------------------
nb_execution_mode = "off"
nb_merge_streams = True

# The notebooks live in ../notebooks; Sphinx only reads files under docs/, so they are
# copied into docs/gallery/notebooks (ignored by git) at every build.
_NB_SRC = ROOT / "notebooks"
_NB_DST = HERE / "gallery" / "notebooks"
if _NB_SRC.is_dir():
    _NB_DST.mkdir(parents=True, exist_ok=True)
    for _nb in sorted(_NB_SRC.glob("*.ipynb")):
        shutil.copy2(_nb, _NB_DST / _nb.name)

# --- API reference -------------------------------------------------------------------
autosummary_generate = True
autosummary_ignore_module_all = False  # a module's __all__ is its public API
autosummary_imported_members = False
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"  # numpydoc's Parameters sections carry the types
autodoc_mock_imports = ["qgis"]
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()  # tests/core/test_core_docstrings.py checks sections

# --- offline: no intersphinx, no CDN -------------------------------------------------
intersphinx_mapping: dict = {}

# --- HTML ----------------------------------------------------------------------------
html_theme = "furo"
html_title = f"spatialhealth {release}"
html_static_path: list[str] = []
html_show_sourcelink = False
html_theme_options = {"navigation_with_keys": True}
