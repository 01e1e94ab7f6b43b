"""The Dask engine on a distributed LocalCluster gives the DuckDB engine's edges."""

from __future__ import annotations

import pandas as pd
import pytest

from spatialhealth.networks.od import aggregate_od
from spatialhealth.networks.synthetic import synthetic_records

distributed = pytest.importorskip("distributed")
dd = pytest.importorskip("dask.dataframe")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as c:
        yield c


@pytest.fixture(scope="module")
def records():
    r = synthetic_records(40_000, seed=11, ids="name", stay_share=0.05)
    r.loc[r.index[::997], "hukou_city"] = "火星市"  # unmatched names
    r.loc[r.index[::1999], "current_city"] = None  # missing destinations
    return r


def test_networks_dask_cluster_address_matches_duckdb(cluster, records, tmp_path):
    path = tmp_path / "records.parquet"
    records.to_parquet(path)
    ref = aggregate_od(path, "hukou_city", "current_city", weight="weight")
    got = aggregate_od(path, "hukou_city", "current_city", weight="weight", engine="dask",
                       client=cluster.scheduler_address)
    pd.testing.assert_frame_equal(got.edges[["origin", "destination", "rows"]],
                                  ref.edges[["origin", "destination", "rows"]])
    pd.testing.assert_series_equal(got.edges["flow"], ref.edges["flow"], rtol=1e-12, atol=0)
    for field in ("rows_read", "rows_missing_id", "rows_unmatched", "rows_self", "rows_used"):
        assert getattr(got.report, field) == getattr(ref.report, field), field
    # 41 rows got an unknown origin; row 0 also lost its destination and counts as missing
    assert ref.report.rows_unmatched == 40 and ref.report.rows_missing_id == 21
    assert ref.report.rows_self > 0
    pd.testing.assert_frame_equal(got.report.unmatched, ref.report.unmatched)


def test_networks_dask_dataframe_with_client(cluster, records):
    with distributed.Client(cluster) as client:
        ddf = dd.from_pandas(records, npartitions=4)
        got = aggregate_od(ddf, "hukou_city", "current_city", client=client)
    ref = aggregate_od(records, "hukou_city", "current_city")
    assert got.report.engine == "dask"
    pd.testing.assert_frame_equal(got.edges, ref.edges)
