"""A Simplified Chinese font for every figure, with nothing to configure.

Matplotlib's default font (DejaVu Sans) has no Chinese glyphs, so a title such as
``每千人床位`` renders as boxes with one "Glyph ... missing" warning per character.
:func:`ensure_cjk_font` registers a Simplified Chinese font with matplotlib and appends its
family to ``rcParams["font.family"]``. Since matplotlib 3.6 text falls back glyph by glyph
along that list, so Latin text keeps the user's font and only CJK characters come from the
Chinese one.

Where the font comes from, in order:

1. the PyPI package ``pylopdf-fonts-zh-cn`` (a dependency of spatialhealth, so it works for
   pip-only users): *Noto Sans SC* Regular, SIL Open Font License 1.1;
2. a system font already known to matplotlib: Noto Sans CJK SC / Source Han Sans SC (Debian
   ``fonts-noto-cjk``), WenQuanYi, SimHei, Microsoft YaHei, PingFang SC.

If neither is found one ``UserWarning`` says how to install one.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

__all__ = ["CJK_FAMILIES", "cjk_font_path", "ensure_cjk_font", "has_cjk"]

#: Family names tried on the system when the PyPI font is absent, best first.
CJK_FAMILIES = (
    "Noto Sans SC",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Noto Sans CJK JP",
)

_CJK_RE = re.compile("[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")

_state: dict = {"family": None, "path": None, "tried": False}


def has_cjk(text) -> bool:
    """Whether ``text`` holds a CJK character (ideograph, kana, full-width punctuation).

    Examples
    --------
    >>> has_cjk("每千人床位"), has_cjk("beds")
    (True, False)
    """
    return bool(_CJK_RE.search(str(text)))


def _packaged_font() -> Path | None:
    try:
        import pylopdf_fonts_zh_cn
    except ImportError:
        return None
    path = Path(pylopdf_fonts_zh_cn.sans_path())
    return path if path.is_file() else None


def cjk_font_path() -> Path | None:
    """Path of the Chinese font :func:`ensure_cjk_font` registers (``None`` if none found).

    Examples
    --------
    >>> cjk_font_path().suffix in {".otf", ".ttf", ".ttc"}
    True
    """
    _locate()
    return _state["path"]


def _locate() -> None:
    if _state["tried"]:
        return
    _state["tried"] = True
    from matplotlib import font_manager

    path = _packaged_font()
    if path is not None:
        font_manager.fontManager.addfont(str(path))
        _state["path"] = path
        _state["family"] = font_manager.FontProperties(fname=str(path)).get_name()
        return
    by_name = {}
    for entry in font_manager.fontManager.ttflist:
        by_name.setdefault(entry.name, entry.fname)
    for family in CJK_FAMILIES:
        if family in by_name:
            _state["path"] = Path(by_name[family])
            _state["family"] = family
            return


def ensure_cjk_font() -> str | None:
    """Register a Simplified Chinese font with matplotlib and use it as glyph fallback.

    Idempotent and cheap after the first call (one list look-up). Call it before drawing any
    text that may hold Chinese: every plotting function of spatialhealth does, through
    :func:`spatialhealth._results.figure_axes`. The font family is appended to
    ``rcParams["font.family"]`` (after the user's own families), so a user's font choice is
    kept for Latin text; if the user resets ``rcParams`` the next call appends it again.

    Returns
    -------
    str or None
        The family name used for CJK glyphs (``"Noto Sans SC"`` from the packaged font), or
        ``None`` with a ``UserWarning`` when no Chinese font is available.

    Examples
    --------
    >>> from spatialhealth._fonts import ensure_cjk_font
    >>> ensure_cjk_font()
    'Noto Sans SC'
    """
    import matplotlib as mpl

    _locate()
    family = _state["family"]
    if family is None:
        if not _state.get("warned"):
            _state["warned"] = True
            warnings.warn(
                "No Simplified Chinese font found: Chinese labels will show as boxes. "
                "Install one with `pip install pylopdf-fonts-zh-cn` (or, system-wide, "
                "`apt-get install fonts-noto-cjk`).",
                UserWarning,
                stacklevel=2,
            )
        return None
    current = mpl.rcParams["font.family"]
    if isinstance(current, str):
        current = [current]
    if family not in current:
        mpl.rcParams["font.family"] = [*current, family]
    return family
