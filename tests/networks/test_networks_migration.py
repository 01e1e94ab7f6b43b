"""Migration-index layout (Baidu/Amap): flows = scale index x share, checked by hand; the
top-N truncation stated; bad cells reported with their file line; the shipped SYNTHETIC samples.
"""

import pandas as pd
import pytest

from spatialhealth.datasets import MOBILITY_SAMPLES, mobility_sample
from spatialhealth.errors import InputError
from spatialhealth.io import read_table
from spatialhealth.networks import aggregate_migration_index, aggregate_od, migration_index_flows

# two days; Beijing coded 110000 as the platforms do; shares in percent
LAYOUT = pd.DataFrame({
    "日期": ["2020-01-06"] * 5 + ["2020-01-07"] * 3,
    "城市代码": ["110000", "110000", "110000", "120000", "120000", "110000", "110000", "120000"],
    "方向": ["迁出", "迁出", "迁入", "迁出", "迁入", "迁出", "迁出", "迁出"],
    "规模指数": [10.0, 10.0, 8.0, 4.0, 6.0, 20.0, 20.0, 5.0],
    "对方城市": ["天津市", "石家庄市", "天津市", "北京市", "北京", "天津市", "石家庄市", "北京市"],
    "占比": [50.0, 30.0, 25.0, 80.0, 60.0, 40.0, 35.0, 90.0],
})
KW = dict(city="城市代码", partner="对方城市", share="占比", direction="方向", scale="规模指数", date="日期")


def _edges(res):
    return {(o, d): round(f, 10) for o, d, f in res.edges[["origin", "destination", "flow"]].itertuples(index=False)}


def test_flows_are_index_times_share_by_hand():
    res = aggregate_migration_index(LAYOUT, **KW)
    # out-lists: 北京->天津 10*0.5 + 20*0.4 = 13; 北京->石家庄 10*0.3 + 20*0.35 = 10; 天津->北京 4*0.8 + 5*0.9 = 7.7
    assert _edges(res) == {("110100", "120100"): 13.0, ("110100", "130100"): 10.0, ("120100", "110100"): 7.7}
    mean = aggregate_migration_index(LAYOUT, how="mean", **KW)
    assert _edges(mean)[("110100", "120100")] == 6.5  # 13 over two dates
    # in-lists: 天津->北京 from 北京's in-list 8*0.25 = 2; 北京->天津 from 天津's in-list 6*0.6 = 3.6
    inn = aggregate_migration_index(LAYOUT, use="in", **KW)
    assert _edges(inn) == {("120100", "110100"): 2.0, ("110100", "120100"): 3.6}
    r = res.report
    assert r.rows_read == 6 and r.rows_used == 6
    text = r.summary()
    assert "2 rows of the other direction not used" in text
    # city-days of the out-lists: 北京 6th 80%, 天津 6th 80%, 北京 7th 75%, 天津 7th 90%
    assert "top-2 truncation" in text and "81.2% of the scale index on average (minimum 75.0%, over 4 city-days)" in text


def test_bad_cells_reported_with_file_lines_and_strict(tmp_path):
    bad = LAYOUT.astype({"占比": object, "规模指数": object})
    bad.loc[1, "占比"] = "n/a"      # file line 3
    bad.loc[6, "规模指数"] = "-"     # file line 8
    bad.loc[7, "占比"] = -90.0     # file line 9
    p = tmp_path / "迁徙.csv"
    bad.to_csv(p, index=False, encoding="gbk")
    for engine in ("duckdb", "dask"):
        res = aggregate_migration_index(p, engine=engine, **KW)
        table = res.report.bad_values
        assert table[["problem", "line", "value"]].values.tolist() == [
            ["not a number", 3, "n/a"], ["not a number", 8, "-"], ["negative", 9, "-90.0"]]
        assert set(table["file"]) == {str(p)}
        assert _edges(res) == {("110100", "120100"): 13.0, ("120100", "110100"): 3.2}
    with pytest.raises(InputError, match="迁徙.csv:3 'n/a'"):
        aggregate_migration_index(p, strict=True, **KW)


def test_excel_sheet_and_separate_index_table(tmp_path):
    x = tmp_path / "qianxi.xlsx"
    with pd.ExcelWriter(x) as w:
        LAYOUT.to_excel(w, sheet_name="说明", index=False)
        LAYOUT.to_excel(w, sheet_name="迁徙", index=False)
    with pytest.raises(InputError, match="choose one with sheet="):
        aggregate_migration_index(x, **KW)
    assert _edges(aggregate_migration_index(x, sheet="迁徙", **KW))[("120100", "110100")] == 7.7
    index = LAYOUT[["日期", "城市代码", "方向", "规模指数"]].drop_duplicates().rename(columns={"规模指数": "scale"})
    shares = LAYOUT.drop(columns="规模指数")
    kw = {k: v for k, v in KW.items() if k != "scale"}
    f = migration_index_flows(shares, index=index, **kw)
    assert f["flow"].tolist() == [5.0, 3.0, 3.2, 8.0, 7.0, 4.5]
    with pytest.raises(InputError, match="exactly one"):
        migration_index_flows(shares, **kw)
    with pytest.raises(InputError, match="must say in or out"):
        migration_index_flows(LAYOUT.assign(方向="sideways"), **KW)


@pytest.mark.parametrize("layout", sorted(MOBILITY_SAMPLES))
def test_shipped_samples_are_synthetic_and_read(layout):
    path = mobility_sample(layout)
    readme = (path.parent / "README.md").read_text(encoding="utf-8")
    assert "SYNTHETIC" in readme and path.name in readme and "synthetic" in path.name
    if layout == "records":
        res = aggregate_od(path, "户籍地", "现居住地", weight="权重")
        assert res.report.rows_unmatched == 0 and res.report.rows_read == 600
        assert res.edges["flow"].sum() == pytest.approx(
            read_table(path).query("户籍地 != 现居住地")["权重"].sum())
    elif layout == "flows":
        res = aggregate_od(path, "出发地代码", "到达地代码", flow="流量", date="日期", how="mean")
        assert res.report.rows_unmatched == 0 and res.report.n_periods == 7
        assert "110100" in set(res.edges.origin)  # rows coded 110000 resolve to Beijing
        raw = read_table(path)
        beijing = raw.loc[raw["出发地代码"] == 110000, "流量"].sum() / 7
        assert res.edges.loc[res.edges.origin == "110100", "flow"].sum() == pytest.approx(beijing)
    else:
        res = aggregate_migration_index(path, **KW)
        assert res.report.rows_unmatched == 0 and "top-10 truncation" in res.report.summary()
        assert res.edges["origin"].nunique() == 20
