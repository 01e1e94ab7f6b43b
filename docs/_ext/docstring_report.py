"""Collect warnings raised while rendering docstrings and list them by source file.

With ``sphinx-build -W --keep-going`` every warning fails the build, but they scroll by
among hundreds of lines. This extension remembers each warning whose location is a
docstring of :mod:`spatialhealth` (``.../spatialhealth/x.py:docstring of ...``) and, at
the end of the build, prints them grouped by source file and writes the same list to
``<outdir>/../docstring-warnings.txt`` so they can be fixed in the code: these are not
problems of the documentation pages but of the numpydoc in ``spatialhealth/``.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.logging import get_node_location

_DOCSTRING = re.compile(
    r"(?P<file>[^\s:]*spatialhealth[/\\][^\s:]+\.py):docstring of (?P<obj>[^\s:]+)(?::(?P<line>\d+))?"
)


def _location_text(location: object) -> str:
    if location is None:
        return ""
    if isinstance(location, nodes.Node):
        return get_node_location(location) or ""
    if isinstance(location, tuple):
        return ":".join(str(x) for x in location if x is not None)
    return str(location)


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.items: list[tuple[str, str, str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        location = _location_text(getattr(record, "location", None))
        message = record.getMessage()
        m = _DOCSTRING.search(location) or _DOCSTRING.search(message)
        if m is None:
            return
        file = m.group("file")
        i = file.rfind("spatialhealth")
        item = (file[i:], m.group("obj"), m.group("line") or "?", message.strip())
        if item not in self.items:
            self.items.append(item)


_collector = _Collector()


def _report(app: Sphinx, exception: Exception | None) -> None:
    items = _collector.items
    out = Path(app.outdir).parent / "docstring-warnings.txt"
    if not items:
        out.unlink(missing_ok=True)
        return
    by_file: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for file, obj, line, message in items:
        by_file[file].append((obj, line, message))
    lines = [
        f"{len(items)} docstring warning(s) in {len(by_file)} file(s) of spatialhealth/ "
        "(fix the numpydoc in the source; nothing to change under docs/):"
    ]
    for file in sorted(by_file):
        lines.append(f"  {file}")
        for obj, line, message in by_file[file]:
            lines.append(f"    {obj} (docstring line {line}): {message.splitlines()[0]}")
    text = "\n".join(lines)
    out.write_text(text + "\n", encoding="utf-8")
    print("\n" + text + f"\n(also written to {out})\n")


def setup(app: Sphinx) -> dict:
    """Register the warning collector and the end-of-build report."""
    logging.getLogger("sphinx").addHandler(_collector)
    app.connect("build-finished", _report)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
