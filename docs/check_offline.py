"""Fail when a built page loads anything from the network (scripts, styles, fonts, images).

Usage: ``python docs/check_offline.py docs/_build/html``. Links a reader clicks
(``<a href="https://...">``) are fine; resources the browser fetches by itself are not:
the documentation must render on a machine without internet access.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

# src=/href= of tags that load a resource, and CSS url()/@import
_TAG = re.compile(
    r"<(script|img|iframe|source|video|audio|embed)\b[^>]*\bsrc\s*=\s*[\"']?(?P<url>(?:https?:)?//[^\"'\s>]+)"
    r"|<link\b(?=[^>]*\brel\s*=\s*[\"']?(?:stylesheet|preload|icon|modulepreload))[^>]*\bhref\s*=\s*[\"']?(?P<url2>(?:https?:)?//[^\"'\s>]+)",
    re.IGNORECASE,
)
_CSS = re.compile(
    r"(?:url\(\s*[\"']?|@import\s+[\"'])(?P<url>(?:https?:)?//[^\"')\s]+)", re.IGNORECASE
)


def external_resources(root: Path) -> list[tuple[Path, str]]:
    """Return ``(file, url)`` for every network resource a built page would load."""
    found = []
    for path in sorted(root.rglob("*")):
        if path.suffix not in {".html", ".css", ".js"} or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".html":
            for m in _TAG.finditer(text):
                found.append((path, m.group("url") or m.group("url2")))
        if path.suffix in {".html", ".css"}:
            for m in _CSS.finditer(text):
                found.append((path, m.group("url")))
    return found


def main(argv: list[str]) -> int:
    """Check the built pages under ``argv[1]``; return the exit status."""
    root = Path(argv[1] if len(argv) > 1 else "docs/_build/html")
    if not (root / "index.html").is_file():
        print(f"check_offline: {root} has no index.html; build the docs first")
        return 2
    found = external_resources(root)
    for path, url in found:
        print(f"{path.relative_to(root)}: loads {url}")
    if found:
        print(
            f"check_offline: {len(found)} network resource(s) in the built pages; the docs must work offline"
        )
        return 1
    print(f"check_offline: {sum(1 for _ in root.rglob('*.html'))} pages, no network resources")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
