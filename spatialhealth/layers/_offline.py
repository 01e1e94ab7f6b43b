"""Make a folium map self-contained: Leaflet inlined, no CDN, no tiles.

Leaflet's files come from the PyPI package ``django-js-lib-leaflet`` (BSD),
read with :mod:`importlib.resources` without importing Django. The CSS's
``url(images/...)`` references are replaced by data URIs so that nothing is
fetched when the page is opened.
"""

from __future__ import annotations

import base64
import functools
import re

from ..errors import InputError

_PACKAGE = "js_lib_leaflet"


def _static():
    import importlib.resources as resources

    try:
        root = resources.files(_PACKAGE)
    except ModuleNotFoundError as exc:
        raise InputError(
            "offline=True needs Leaflet's files from the package 'django-js-lib-leaflet' "
            "(pip install django-js-lib-leaflet); it is not installed."
        ) from exc
    return root / "static" / "js_lib_leaflet"


@functools.lru_cache(maxsize=1)
def leaflet_js() -> str:
    """Leaflet's minified JavaScript as text."""
    return (_static() / "leaflet.js").read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def leaflet_css() -> str:
    """Leaflet's CSS with every ``url(images/x.png)`` inlined as a data URI."""
    static = _static()
    css = (static / "leaflet.css").read_text(encoding="utf-8")

    def inline(match):
        name = match.group(2)
        data = (static / "images" / name).read_bytes()
        return f"url(data:image/png;base64,{base64.b64encode(data).decode('ascii')})"

    return re.sub(r"url\((['\"]?)images/([\w.-]+\.png)\1\)", inline, css)


def leaflet_version() -> str:
    """The Leaflet version string found in the bundled JavaScript (e.g. ``"1.9.4"``)."""
    m = re.search(r'version\s*=\s*"(\d+\.\d+\.\d+)"', leaflet_js())
    return m.group(1) if m else "unknown"


def make_offline(m):
    """Strip every CDN asset from ``m`` and inline Leaflet into its page header.

    The map's ``default_js``/``default_css`` are shadowed on the instance (never
    on the class: folium's module-level lists are shared by every map).
    """
    from branca.element import Element

    m.default_js = []
    m.default_css = []
    header = m.get_root().header
    header.add_child(Element(f"<style>{leaflet_css()}</style>"), name="sh_leaflet_css")
    header.add_child(Element(f"<script>{leaflet_js()}</script>"), name="sh_leaflet_js")
    return m


_EXTERNAL = re.compile(r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?//[^>]*>""",
                       re.IGNORECASE)


def external_assets(html: str) -> list[str]:
    """Tags in ``html`` that load something over the network (empty when offline-safe)."""
    return [m.group(0) for m in _EXTERNAL.finditer(html)]
