"""Property-based checks of the web maps: any valid cluster labels or indicator values give an
offline page with no external asset and one legend entry per class; bad labels raise our errors."""

import geopandas as gpd
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from spatialhealth.errors import SpatialHealthError
from spatialhealth.layers import maps
from spatialhealth.layers._offline import external_assets

SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LABELS = ["HH", "LH", "LL", "HL", "ns"]


def grid(n):
    return gpd.GeoDataFrame({"code": [f"{110000 + i}" for i in range(n)]},
                            geometry=[box(100 + i % 5, 30 + i // 5, 101 + i % 5, 31 + i // 5) for i in range(n)],
                            crs=4326)


@SETTINGS
@given(st.lists(st.sampled_from(LABELS), min_size=2, max_size=20))
def test_lisa_map_any_labels_offline(labels):
    gdf = grid(len(labels)).assign(cluster=labels)
    html = maps.lisa_map(gdf, offline=True).get_root().render()
    assert external_assets(html) == []
    for label in set(labels):
        assert label in html


@SETTINGS
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=6, max_size=20).filter(lambda v: np.ptp(v) > 0),
       st.sampled_from(["quantiles", "natural_breaks", "equal_interval"]))
def test_choropleth_any_values_offline(values, scheme):
    gdf = grid(len(values)).assign(v=values)
    html = maps.choropleth_map(gdf, "v", scheme=scheme, k=3, offline=True).get_root().render()
    assert external_assets(html) == []


@SETTINGS
@given(st.text(min_size=1, max_size=4).filter(lambda s: s not in LABELS))
def test_unknown_cluster_label_is_refused(label):
    gdf = grid(3).assign(cluster=["HH", label, "ns"])
    with pytest.raises(SpatialHealthError):
        maps.lisa_map(gdf, offline=True)
