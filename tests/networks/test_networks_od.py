"""aggregate_od: reading, matching, aggregation, reports and bad input, on both engines."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from spatialhealth.errors import ColumnError, EncodingError, InputError, RegionError
from spatialhealth.networks.od import aggregate_od

# A hand-made set of records: expected edges counted by hand below.
RECORDS = pd.DataFrame({
    "hukou": ["长沙市", "Changsha", "430100", "广州", None, "Atlantis", "深圳", "长沙", "广州市"],
    "now": ["广州市", "深圳", "440300", "北京", "北京", "北京", "深圳市", "广州", "Nowhere"],
    "w": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 0.5, 9.0],
})


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("engine", ["duckdb", "dask"])
def test_networks_records_counts_by_hand(engine):
    res = aggregate_od(RECORDS, "hukou", "now", engine=engine)
    got = {(o, d): f for o, d, f in res.edges[["origin", "destination", "flow"]].itertuples(index=False)}
    # 长沙->广州 rows 0 and 7; 长沙->深圳 rows 1 and 2; 广州->北京 row 3
    assert got == {("430100", "440100"): 2, ("430100", "440300"): 2, ("440100", "110100"): 1}
    assert res.edges["flow"].dtype == np.int64
    r = res.report
    assert (r.rows_read, r.rows_missing_id, r.rows_unmatched, r.rows_self, r.rows_used) == (9, 1, 2, 1, 5)
    assert r.rows_read == (r.rows_outside_period + r.rows_missing_id + r.rows_unmatched
                           + r.rows_self + r.rows_used)
    assert set(zip(r.unmatched["value"], r.unmatched["role"])) == {("Atlantis", "origin"),
                                                                   ("Nowhere", "destination")}
    assert "Atlantis" in r.summary()


@pytest.mark.parametrize("engine", ["duckdb", "dask"])
def test_networks_weighted_records_and_self_flows_kept(engine):
    res = aggregate_od(RECORDS, "hukou", "now", weight="w", self_flows="keep", engine=engine)
    got = {(o, d): f for o, d, f in res.edges[["origin", "destination", "flow"]].itertuples(index=False)}
    assert got == {("430100", "440100"): 1.5, ("430100", "440300"): 5.0,
                   ("440100", "110100"): 4.0, ("440300", "440300"): 7.0}
    assert res.report.self_flows == "kept" and res.report.rows_self == 1


def test_networks_strict_raises_with_examples():
    with pytest.raises(RegionError, match="Atlantis"):
        aggregate_od(RECORDS, "hukou", "now", strict=True)


def test_networks_unpacks_and_does_not_modify_input():
    before = RECORDS.copy()
    edges, report = aggregate_od(RECORDS, "hukou", "now")
    pd.testing.assert_frame_equal(RECORDS, before)
    assert list(edges.columns) == ["origin", "destination", "flow", "rows"]


FLOWS = pd.DataFrame({
    "from": ["110100", "110100", "110100", "310100", "310100", "110100"],
    "to": ["310100", "310100", "310100", "110100", "110100", "440100"],
    "date": ["2020-01-01", "2020-01-02", "2020-01-05", "2020-01-01", "2020-01-03", "2020-01-02"],
    "index": [1.0, 2.0, 4.0, 8.0, 16.0, 32.0],
})


@pytest.mark.parametrize("engine", ["duckdb", "dask"])
def test_networks_flow_rows_sum_mean_and_period(engine):
    s = aggregate_od(FLOWS, "from", "to", flow="index", date="date", start="2020-01-01",
                     end="2020-01-03", engine=engine)
    got = dict(zip(zip(s.edges.origin, s.edges.destination), s.edges.flow))
    assert got == {("110100", "310100"): 3.0, ("310100", "110100"): 24.0, ("110100", "440100"): 32.0}
    assert s.report.rows_outside_period == 1
    m = aggregate_od(FLOWS, "from", "to", flow="index", how="mean", date="date",
                     start="2020-01-01", end="2020-01-03", engine=engine)
    # three distinct dates (1, 2, 3 January) in the period: mean = sum / 3
    got = dict(zip(zip(m.edges.origin, m.edges.destination), m.edges.flow))
    assert got == pytest.approx({("110100", "310100"): 1.0, ("310100", "110100"): 8.0,
                                 ("110100", "440100"): 32.0 / 3})
    assert m.report.n_periods == 3


def test_networks_integer_dates():
    f = FLOWS.assign(date=FLOWS["date"].str.replace("-", "").astype(int))
    a = aggregate_od(f, "from", "to", flow="index", date="date", end="2020-01-02")
    b = aggregate_od(f, "from", "to", flow="index", date="date", end="2020-01-02", engine="dask")
    assert a.edges.flow.sum() == 1 + 2 + 8 + 32
    pd.testing.assert_frame_equal(a.edges, b.edges)


@pytest.mark.parametrize("engine", ["duckdb", "dask"])
def test_networks_bad_values(engine, tmp_path):
    neg = FLOWS.assign(index=[1.0, -2.0, 3.0, 4.0, 5.0, 6.0])
    res = aggregate_od(neg, "from", "to", flow="index", engine=engine)
    assert res.report.rows_negative == 1 and res.report.rows_used == 5
    assert res.report.bad_values[["problem", "line", "value"]].values.tolist() == [["negative", 2, "-2.0"]]
    # the other rows of the pair 110100 -> 310100 are kept
    assert res.edges.set_index(["origin", "destination"]).loc[("110100", "310100"), "flow"] == 1.0 + 3.0
    with pytest.raises(InputError, match="negative"):
        aggregate_od(neg, "from", "to", flow="index", engine=engine, strict=True)
    p = tmp_path / "bad.csv"
    FLOWS.assign(index=["1", "2", "lots", "4", "5", "6"]).to_csv(p, index=False)
    res = aggregate_od(p, "from", "to", flow="index", engine=engine)
    assert res.report.rows_non_numeric == 1
    assert res.report.bad_values[["line", "value"]].values.tolist() == [[4, "lots"]]  # header = line 1
    with pytest.raises(InputError, match=r"not a number: 1 row\(s\): bad.csv:4 'lots'"):
        aggregate_od(p, "from", "to", flow="index", engine=engine, strict=True)
    with pytest.raises(InputError, match="not dates"):
        aggregate_od(FLOWS.assign(date=["2020-01-01", "soon"] + ["2020-01-01"] * 4), "from", "to",
                     flow="index", date="date", start="2020-01-01", engine=engine)
    with pytest.raises(ColumnError, match="'origin_city'"):
        aggregate_od(p, "origin_city", "to", engine=engine)


def test_networks_missing_values_reported():
    f = FLOWS.assign(index=[1.0, np.nan, 4.0, 8.0, 16.0, 32.0])
    r = aggregate_od(f, "from", "to", flow="index")
    assert r.report.rows_missing_value == 1
    assert r.edges.flow.sum() == 61.0


def test_networks_empty_files(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        aggregate_od(empty, "a", "b")
    header = tmp_path / "header.csv"
    header.write_text("a,b\n", encoding="utf-8")
    with pytest.raises(InputError, match="no data rows"):
        aggregate_od(header, "a", "b")
    with pytest.raises(FileNotFoundError):
        aggregate_od(tmp_path / "nothing-*.csv", "a", "b")


@pytest.mark.parametrize("engine", ["duckdb", "dask"])
def test_networks_csv_encodings_glob_and_files_untouched(engine, tmp_path):
    rec = RECORDS.dropna().iloc[:6]
    rec.iloc[:2].to_csv(tmp_path / "part1.csv", index=False, encoding="utf-8")
    rec.iloc[2:4].to_csv(tmp_path / "part2.csv", index=False, encoding="utf-8-sig")
    rec.iloc[4:].to_csv(tmp_path / "part3.csv", index=False, encoding="gbk")
    hashes = {p: _sha(p) for p in tmp_path.glob("*.csv")}
    got = aggregate_od(str(tmp_path / "part*.csv"), "hukou", "now", weight="w", engine=engine)
    want = aggregate_od(rec, "hukou", "now", weight="w")
    pd.testing.assert_frame_equal(got.edges, want.edges)
    assert got.report.rows_read == 6
    assert {p: _sha(p) for p in tmp_path.glob("*.csv")} == hashes
    # an explicit encoding is used for every file
    alone = aggregate_od(tmp_path / "part3.csv", "hukou", "now", encoding="gbk", engine=engine)
    assert alone.report.rows_read == 2


def test_networks_mixed_encoding_within_a_file(tmp_path):
    p = tmp_path / "mixed.csv"
    p.write_bytes("o,d\n北京市,上海市\n".encode("utf-8") + "广州市,深圳市\n".encode("gbk"))
    with pytest.raises(EncodingError, match="mixed encodings"):
        aggregate_od(p, "o", "d")


def test_networks_gbk_after_ascii_rows(tmp_path):
    p = tmp_path / "late.csv"
    rows = "".join("110100,310100\n" for _ in range(50))
    p.write_bytes(("o,d\n" + rows + "广州市,深圳市\n").encode("gbk"))
    r = aggregate_od(p, "o", "d")
    assert dict(zip(zip(r.edges.origin, r.edges.destination), r.edges.flow)) == {
        ("110100", "310100"): 50, ("440100", "440300"): 1}


@pytest.mark.parametrize("engine", ["duckdb", "dask"])
def test_networks_parquet_glob(engine, tmp_path):
    from spatialhealth.networks.synthetic import write_synthetic_records

    paths = write_synthetic_records(tmp_path, 30_000, seed=5, chunk_rows=12_000)
    assert len(paths) == 3
    frame = pd.concat([pd.read_parquet(p) for p in paths])
    # independent reference: a plain pandas groupby on the same rows
    ref = frame.groupby(["hukou_city", "current_city"]).size()
    res = aggregate_od(str(tmp_path / "*.parquet"), "hukou_city", "current_city", engine=engine)
    got = res.edges.set_index(["origin", "destination"])["flow"]
    ref.index = ref.index.map(lambda t: (str(t[0]), str(t[1])))
    assert got.to_dict() == ref.to_dict()
    assert res.report.rows_used == 30_000


def test_networks_county_and_province_levels():
    c = pd.DataFrame({"o": ["海淀区", "北京"], "d": ["朝阳区", "广东"]})
    r = aggregate_od(c.iloc[[1]], "o", "d", level="province")
    assert r.edges[["origin", "destination"]].values.tolist() == [["110000", "440000"]]
    # 朝阳区 exists in Beijing and Changchun: ambiguous, so counted as unmatched
    r = aggregate_od(c.iloc[[0]], "o", "d", level="county")
    assert r.report.rows_unmatched == 1


def test_networks_argument_errors():
    with pytest.raises(InputError, match="not both"):
        aggregate_od(FLOWS, "from", "to", weight="index", flow="index")
    with pytest.raises(InputError, match="needs `flow` and `date`"):
        aggregate_od(FLOWS, "from", "to", flow="index", how="mean")
    with pytest.raises(InputError, match="engine"):
        aggregate_od(FLOWS, "from", "to", engine="spark")
    with pytest.raises(InputError, match="after"):
        aggregate_od(FLOWS, "from", "to", date="date", start="2020-02-01", end="2020-01-01")


def test_networks_memory_limit_and_temp_directory(tmp_path):
    from spatialhealth.networks.synthetic import write_synthetic_records

    write_synthetic_records(tmp_path / "data", 60_000, seed=9, chunk_rows=20_000)
    pattern = str(tmp_path / "data" / "*.parquet")
    spill = tmp_path / "spill"
    small = aggregate_od(pattern, "hukou_city", "current_city", weight="weight",
                         memory_limit="128MB", temp_directory=spill, threads=1)
    ref = aggregate_od(pattern, "hukou_city", "current_city", weight="weight")
    pd.testing.assert_frame_equal(small.edges[["origin", "destination", "rows"]],
                                  ref.edges[["origin", "destination", "rows"]])
    np.testing.assert_allclose(small.edges["flow"], ref.edges["flow"], rtol=1e-9)
    # no transcoded scratch files are left behind
    assert not spill.exists() or not any(p.name.startswith("spatialhealth-od-") for p in spill.iterdir())


@pytest.mark.parametrize("engine", ["duckdb", "dask"])
def test_networks_tsv(engine, tmp_path):
    p = tmp_path / "flows.tsv"
    FLOWS.to_csv(p, sep="\t", index=False)
    r = aggregate_od(p, "from", "to", flow="index", engine=engine)
    assert r.edges.flow.sum() == FLOWS["index"].sum()
