"""Chinese text renders in every figure format without a missing glyph (issue 16 point 1)."""

from __future__ import annotations

import io
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

from spatialhealth._fonts import cjk_font_path, ensure_cjk_font, has_cjk
from spatialhealth._results import figure_axes


def _chinese_figure():
    fig, ax = figure_axes()
    ax.plot([0, 1, 2], [1, 3, 2], label="北京市 每千人床位")
    ax.bar([0.5], [1], label="高-高 (热点)")
    ax.set_title("Moran 散点图：每千人床位")
    ax.set_xlabel("标准化值 z")
    ax.set_ylabel("空间滞后 Wz")
    ax.legend(title="图例")
    return fig


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_chinese_labels_render_without_missing_glyph(fmt):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" becomes an error
        fig = _chinese_figure()
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt)
    plt.close(fig)
    assert buf.tell() > 1000


def test_glyphs_come_from_the_chinese_font():
    from matplotlib.ft2font import FT2Font

    path = cjk_font_path()
    assert path is not None and path.is_file()
    font = FT2Font(str(path))
    cmap = font.get_charmap()
    for ch in "每千人床位高低不显著华北东北华东中南西南西北":
        assert ord(ch) in cmap, ch
    # the default DejaVu Sans lacks them: without the fallback these would be boxes
    from matplotlib import font_manager

    dejavu = FT2Font(font_manager.findfont("DejaVu Sans"))
    assert ord("每") not in dejavu.get_charmap()


def test_rendered_chinese_pixels_differ_from_tofu():
    """The title's ink differs from the same title drawn as missing-glyph boxes."""

    def ink(family):
        fig = plt.figure(figsize=(2, 0.6), dpi=100)
        fig.text(0.02, 0.3, "每千人床位", family=family, fontsize=14)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fig.canvas.draw()
        arr = np.asarray(fig.canvas.buffer_rgba())[..., 0]
        plt.close(fig)
        return arr

    fam = ensure_cjk_font()
    assert fam == "Noto Sans SC"
    assert not np.array_equal(ink(["DejaVu Sans"]), ink(["DejaVu Sans", fam]))


def test_idempotent_and_survives_rc_reset():
    fam = ensure_cjk_font()
    before = list(matplotlib.rcParams["font.family"])
    assert ensure_cjk_font() == fam
    assert list(matplotlib.rcParams["font.family"]) == before
    assert before.count(fam) == 1
    with matplotlib.rc_context({"font.family": ["serif"]}):
        ensure_cjk_font()
        assert list(matplotlib.rcParams["font.family"]) == ["serif", fam]


def test_has_cjk():
    assert has_cjk("lisa_每千人床位") and has_cjk("（") and not has_cjk("beds_10k")
