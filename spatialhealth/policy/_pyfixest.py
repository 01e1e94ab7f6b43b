"""Import pyfixest without letting it reconfigure the user's logging.

pyfixest (0.60) calls ``logging.basicConfig(level=logging.INFO)`` when one of its
modules is imported, which makes every library's INFO messages appear on the
user's console (e.g. pyogrio's "Created 31 records"). We import it once and undo
exactly that: the handler it added to the root logger and the level it set.
"""

from __future__ import annotations

import functools
import importlib
import logging


@functools.cache
def pyfixest():
    """Return the ``pyfixest`` module, imported with the root logger left as it was."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    pf = importlib.import_module("pyfixest")
    try:
        importlib.import_module("pyfixest.estimation.models.feols_compressed_")
    except ImportError:  # other pyfixest versions lay their modules out differently
        pass
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)
    return pf
