"""Moran scatter coloured by cluster with a key (English and Chinese) and labels for named regions."""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pandas as pd
import pytest

from spatialhealth.errors import InputError
from spatialhealth.layers.autocorrelation import lisa
from spatialhealth.layers.plots import CLUSTER_NAMES, moran_scatter
from spatialhealth.layers.weights import build_weights


@pytest.fixture(scope="module")
def res():
    codes = [f"{i:02d}" for i in range(30)]
    ring = pd.DataFrame({"code": codes + codes, "neighbour": codes[1:] + codes[:1] + codes[-1:] + codes[:-1]})
    t = pd.concat([ring, pd.DataFrame({"code": ["99"], "neighbour": [None]})])
    w = build_weights(t, islands="keep")
    x = np.r_[np.full(10, 9.0), np.ones(10), np.linspace(3, 6, 10), [5.0]] + np.arange(31) / 50
    df = pd.DataFrame({"code": codes + ["99"], "x": x, "name": [f"R{i}" for i in range(30)] + ["Isle"]})
    return lisa(df, "x", weights=w, permutations=999, seed=2)


def test_key_counts_and_named_labels(res):
    import matplotlib.pyplot as plt

    ax = moran_scatter(res, labels=["R3", "12"])
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    counts = res.frame["map_class"].value_counts()
    assert f"High-High ({counts['HH']})" in legend and "Neighborless (1)" in legend
    assert [t.get_text() for t in ax.texts if t.get_text().startswith("R")] == ["R3", "R12"]
    # points are coloured by cluster: one colour per class present among the points
    colours = {tuple(c) for c in ax.collections[0].get_facecolors().round(3)}
    assert len(colours) == res.frame.loc[res.frame.Ii.notna(), "cluster"].nunique()
    plt.close("all")
    with pytest.raises(InputError, match="no point is named Atlantis"):
        moran_scatter(res, labels=["Atlantis"])


def test_chinese_key(res):
    import matplotlib.pyplot as plt

    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # a missing CJK glyph would warn
        ax = moran_scatter(res, lang="zh")
        ax.figure.canvas.draw()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(t.startswith("高-高") for t in legend) and any(t.startswith("无邻居") for t in legend)
    assert set(CLUSTER_NAMES["zh"].values()) == {"高-高", "低-低", "低-高", "高-低", "不显著", "无邻居"}
    assert ax.get_xlabel() == "标准化值"
    plt.close("all")
