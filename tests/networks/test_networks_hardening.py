"""Property-based checks of OD aggregation and centrality: totals are conserved, row order does
not matter, unknown places are counted (or raise with strict=True), bad flows raise our errors."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spatialhealth import regions
from spatialhealth.errors import SpatialHealthError
from spatialhealth.networks.centrality import centrality_table
from spatialhealth.networks.graph import mobility_graph
from spatialhealth.networks.od import aggregate_od

SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CITIES = regions.cities().code.tolist()[:40]


@st.composite
def records(draw):
    n = draw(st.integers(1, 300))
    rng = np.random.default_rng(draw(st.integers(0, 10_000)))
    df = pd.DataFrame({"o": rng.choice(CITIES, n), "d": rng.choice(CITIES, n), "w": rng.uniform(0.1, 3, n)})
    return df, rng.permutation(n)


@SETTINGS
@given(records())
def test_counts_and_weights_are_conserved(data):
    df, perm = data
    before = df.copy()
    edges, report = aggregate_od(df, "o", "d", self_flows="keep")
    assert int(edges.flow.sum()) == len(df)
    weighted, _ = aggregate_od(df.iloc[perm], "o", "d", weight="w", self_flows="keep")
    assert weighted.flow.sum() == pytest.approx(df.w.sum())
    dropped, rep = aggregate_od(df, "o", "d", self_flows="drop")
    assert int(dropped.flow.sum()) == int((df.o != df.d).sum())
    assert (dropped.origin != dropped.destination).all()
    pd.testing.assert_frame_equal(df, before)
    G = mobility_graph(dropped)
    table = centrality_table(G)
    assert table.code.is_unique and (table.filter(like="degree") >= 0).all().all()


@SETTINGS
@given(records(), st.integers(0, 5))
def test_unknown_places_counted_or_strict(data, k):
    df, _ = data
    df = df.copy()
    df.loc[df.index[: k + 1], "o"] = "Atlantis"
    edges, report = aggregate_od(df, "o", "d", self_flows="keep")
    assert int(edges.flow.sum()) == len(df) - min(k + 1, len(df))
    with pytest.raises(SpatialHealthError, match="Atlantis"):
        aggregate_od(df, "o", "d", strict=True)


@SETTINGS
@given(records(), st.sampled_from([(-1.0, "negative"), ("heavy", "not a number"),
                                   (np.inf, "infinite"), ("1e400", "infinite"), (np.nan, "missing")]),
       st.integers(0, 299))
def test_bad_weights_are_their_own_category(data, bad, where):
    df, _ = data
    value, problem = bad
    df = df.astype({"w": object})
    i = where % len(df)
    df.loc[df.index[i], "w"] = value
    edges, report = aggregate_od(df, "o", "d", weight="w", self_flows="keep")
    assert report.rows_bad_value == 1 and report.rows_used == len(df) - 1
    assert report.bad_values[["problem", "line"]].values.tolist() == [[problem, i + 1]]
    assert report.frame["rows"].iloc[1:-1].sum() == report.rows_read  # every row in one category
    others = pd.to_numeric(df["w"].drop(df.index[i]))
    assert edges.flow.sum() == pytest.approx(others.sum())
    with pytest.raises(SpatialHealthError, match=problem):
        aggregate_od(df, "o", "d", weight="w", self_flows="keep", strict=True)
