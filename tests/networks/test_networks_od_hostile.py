"""Every row accounted for, on both engines, and no SQL built from user text (issue 12)."""

import numpy as np
import pandas as pd
import pytest

from spatialhealth.errors import InputError
from spatialhealth.networks.od import aggregate_od

HOSTILE = """origin,destination,flow
成都市,重庆市,nan
成都市,重庆市,30
成都市,北京市,inf
成都市,北京市,1e400
成都市,北京市,12
北京市,上海市,-5
北京市,上海市,n/a
北京市,上海市,
北京市,上海市,1,000
北京市,上海市,7
110000,成都市,4
Atlantis,成都市,n/a
重庆市,重庆市,-1
"""


def _write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def _compare(a, b):
    pd.testing.assert_frame_equal(a.edges, b.edges)
    ra, rb = a.report, b.report
    pd.testing.assert_frame_equal(ra.frame, rb.frame)
    pd.testing.assert_frame_equal(ra.bad_values, rb.bad_values)
    pd.testing.assert_frame_equal(ra.unmatched, rb.unmatched)


def test_hostile_file_both_engines_agree_and_every_row_is_counted(tmp_path):
    # "1,000" is unquoted, so that line has four fields; quote it as a spreadsheet would
    p = _write(tmp_path / "od.csv", HOSTILE.replace("1,000", '"1,000"'), "gbk")
    duck = aggregate_od(p, "origin", "destination", flow="flow")
    dask = aggregate_od(p, "origin", "destination", flow="flow", engine="dask")
    _compare(duck, dask)
    got = {(o, d): f for o, d, f in duck.edges[["origin", "destination", "flow"]].itertuples(index=False)}
    # 成都->重庆 keeps its 30 although its other row is nan; 110000 is Beijing
    assert got == {("510100", "500000"): 30.0, ("510100", "110100"): 12.0,
                   ("110100", "310100"): 7.0, ("110100", "510100"): 4.0}
    r = duck.report
    assert (r.rows_read, r.rows_missing_value, r.rows_non_numeric, r.rows_infinite, r.rows_negative,
            r.rows_unmatched, r.rows_self, r.rows_used) == (13, 2, 2, 2, 1, 1, 1, 4)
    assert r.frame["rows"].iloc[1:].sum() == r.rows_read
    table = r.bad_values.assign(file=r.bad_values["file"].map(lambda f: f.rsplit("/", 1)[-1]))
    assert table.values.tolist() == [
        ["missing", "od.csv", 2, None], ["missing", "od.csv", 9, None],
        ["not a number", "od.csv", 8, "n/a"], ["not a number", "od.csv", 10, "1,000"],
        ["infinite", "od.csv", 4, "inf"], ["infinite", "od.csv", 5, "1e400"],
        ["negative", "od.csv", 7, "-5"],
    ]
    text = r.summary()
    assert "flow infinite: 2 row(s): od.csv:4 'inf', od.csv:5 '1e400'" in text
    for engine in ("duckdb", "dask"):
        with pytest.raises(InputError) as exc:
            aggregate_od(p, "origin", "destination", flow="flow", engine=engine, strict=True)
        assert "od.csv:7 '-5'" in str(exc.value) and "Atlantis" in str(exc.value)


def test_many_bad_rows_first_twenty_and_count(tmp_path):
    lines = ["o,d,v"] + [f"北京,上海,{'x' if i % 3 == 0 else i}" for i in range(100)]
    p = _write(tmp_path / "many.csv", "\n".join(lines) + "\n")
    a = aggregate_od(p, "o", "d", flow="v")
    b = aggregate_od(p, "o", "d", flow="v", engine="dask")
    _compare(a, b)
    assert a.report.rows_non_numeric == 34
    assert a.report.bad_values["line"].tolist() == [2 + 3 * k for k in range(20)]
    assert "(first 20 shown)" in a.report.summary()


@pytest.mark.slow
def test_bad_row_at_the_end_of_a_large_file(tmp_path):
    n = 1_500_000
    rng = np.random.default_rng(1)
    codes = np.array(["110100", "310100", "440100", "510100"])
    df = pd.DataFrame({"o": codes[rng.integers(0, 4, n)], "d": codes[rng.integers(0, 4, n)],
                       "v": rng.integers(0, 100, n).astype(str)})
    df.loc[n - 1, "v"] = "oops"
    p = tmp_path / "large.csv"
    df.to_csv(p, index=False)
    a = aggregate_od(p, "o", "d", flow="v")
    b = aggregate_od(p, "o", "d", flow="v", engine="dask")
    for r in (a.report, b.report):
        assert r.bad_values[["line", "value"]].values.tolist() == [[n + 1, "oops"]]
    pd.testing.assert_frame_equal(a.edges, b.edges)


NASTY = ["it's", 'say "hi"', "$$x$$", "a; DROP TABLE t; --", "two\nlines", "q\"'], header=true); COPY (SELECT 42) TO $$x.csv$$; --"]


@pytest.mark.parametrize("name", NASTY)
def test_hostile_file_and_column_names(tmp_path, name, monkeypatch):
    monkeypatch.chdir(tmp_path)
    safe = name
    folder = tmp_path / "in"
    folder.mkdir()
    p = folder / f"{safe}.csv"
    df = pd.DataFrame({f"o{name}": ["北京", "上海", "北京"], f"d{name}": ["上海", "北京", "上海"],
                       name: ["1", "2", "bad"]})
    df.to_csv(p, index=False)
    for engine in ("duckdb", "dask"):
        res = aggregate_od(p, f"o{name}", f"d{name}", flow=name, engine=engine)
        assert res.edges["flow"].tolist() == [1.0, 2.0]
        assert res.report.bad_values["line"].tolist() == [4]
    pq = folder / f"{safe}.parquet"
    df.to_parquet(pq)
    res = aggregate_od([pq], f"o{name}", f"d{name}", flow=name)
    assert res.report.bad_values[["line", "value"]].values.tolist() == [[3, "bad"]]
    res = aggregate_od(str(folder / "*.csv"), f"o{name}", f"d{name}", flow=name)
    assert res.report.rows_used == 2
    assert sorted(x.name for x in tmp_path.rglob("*")) == sorted(["in", p.name, pq.name])


def test_multi_file_lines_are_per_file(tmp_path):
    _write(tmp_path / "a.csv", "o,d,v\n北京,上海,1\n北京,上海,x\n")
    _write(tmp_path / "b.csv", "o,d,v\n北京,上海,y\n北京,上海,2\n", "gbk")
    a = aggregate_od(str(tmp_path / "*.csv"), "o", "d", flow="v")
    b = aggregate_od(str(tmp_path / "*.csv"), "o", "d", flow="v", engine="dask")
    _compare(a, b)
    got = [(f.rsplit("/", 1)[-1], line, v) for f, line, v in
           a.report.bad_values[["file", "line", "value"]].itertuples(index=False)]
    assert got == [("a.csv", 3, "x"), ("b.csv", 2, "y")]
    assert a.edges["flow"].tolist() == [3.0]


def test_frames_report_one_based_rows():
    df = pd.DataFrame({"o": ["北京"] * 4, "d": ["上海"] * 4, "v": [1.0, np.nan, -np.inf, 2.0]})
    for engine in ("duckdb", "dask"):
        r = aggregate_od(df, "o", "d", flow="v", engine=engine).report
        assert r.bad_values[["problem", "file", "line"]].values.tolist() == [
            ["missing", None, 2], ["infinite", None, 3]]


def test_excel_od_rows_are_spreadsheet_rows(tmp_path):
    x = tmp_path / "od.xlsx"
    df = pd.DataFrame({"出发": ["成都市", "成都市", 110000, "北京"], "到达": ["重庆市", "重庆市", "成都", "上海"],
                       "流量": ["n/a", 30, 4, -1]})
    with pd.ExcelWriter(x) as w:
        df.to_excel(w, sheet_name="说明", index=False)
        df.to_excel(w, sheet_name="流量", index=False)
    with pytest.raises(InputError, match="choose one with sheet="):
        aggregate_od(x, "出发", "到达", flow="流量")
    for engine in ("duckdb", "dask"):
        res = aggregate_od(x, "出发", "到达", flow="流量", sheet="流量", engine=engine)
        got = dict(zip(zip(res.edges.origin, res.edges.destination), res.edges.flow))
        assert got == {("510100", "500000"): 30.0, ("110100", "510100"): 4.0}
        assert res.report.bad_values[["problem", "line", "value"]].values.tolist() == [
            ["not a number", 2, "n/a"], ["negative", 5, "-1"]]


@pytest.mark.parametrize("name", NASTY)
def test_peek_columns_binds_file_names(tmp_path, name, monkeypatch):
    from spatialhealth.networks._od_read import peek_columns

    monkeypatch.chdir(tmp_path)
    header = f'"{name.replace(chr(34), chr(34) * 2)}",到达\n1,2\n'
    p = tmp_path / f"{name}.csv"
    p.write_bytes(header.encode("gbk"))
    assert peek_columns(p) == [name, "到达"]
    u = tmp_path / f"{name}-utf8.csv"
    u.write_bytes(header.encode("utf-8"))
    assert peek_columns(u) == [name, "到达"]
    q = tmp_path / f"{name}.parquet"
    pd.DataFrame({name: [1]}).to_parquet(q)
    assert peek_columns([q]) == [name]
    assert sorted(x.name for x in tmp_path.iterdir()) == sorted([p.name, u.name, q.name])


def test_old_codes_and_county_codes_in_od_rows_carry_notes():
    df = pd.DataFrame({"o": ["371200", "110000", "522400", "110105"], "d": ["北京", "莱芜", "北京", "上海"]})
    for engine in ("duckdb", "dask"):
        res = aggregate_od(df, "o", "d", engine=engine)
        got = dict(zip(zip(res.edges.origin, res.edges.destination), res.edges.flow))
        assert got == {("370100", "110100"): 1, ("110100", "370100"): 1, ("520500", "110100"): 1,
                       ("110100", "310100"): 1}
        notes = " | ".join(res.report.notes)
        assert "371200 莱芜市 -> 370100 济南市 (2019)" in notes and "522400 毕节地区 -> 520500" in notes
        assert "county code 110105 rolled up" in notes and "note: " in res.report.summary()


def test_a_title_line_is_the_header_for_both_engines(tmp_path):
    # DuckDB's sniffer would silently skip a title line and shift every line number
    p = _write(tmp_path / "title.csv", "2020年迁徙数据\no,d,v\n北京,上海,1\n")
    for engine in ("duckdb", "dask"):
        with pytest.raises(InputError, match=r"line 2 has 3 fields but the header \(line 1\) has 1.*"
                                             "remove a title line"):
            aggregate_od(p, "o", "d", flow="v", engine=engine)


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_a_line_with_too_many_fields_is_named(tmp_path, encoding):
    p = _write(tmp_path / "extra.csv", "o,d,v\n北京,上海,1\n北京,上海,1,000\n", encoding)
    for engine in ("duckdb", "dask"):
        with pytest.raises(InputError, match=r"extra.csv: line 3 has 4 fields but the header \(line 1\) has 3.*quoted"):
            aggregate_od(p, "o", "d", flow="v", engine=engine)
