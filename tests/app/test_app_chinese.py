"""A Chinese researcher's run: GBK table with Chinese columns and province names, Excel workbooks.

Chinese names go end to end: derive, analyses, file names of outputs, QGIS layer titles (with
safe ASCII layer names), maps and figures (no missing glyph), report headings in Chinese,
CSV with a byte-order mark, and every table also in tables.xlsx.
"""

from __future__ import annotations

import json
import re
import sqlite3
import warnings
import zipfile

import pandas as pd
import pytest

from spatialhealth import datasets
from spatialhealth.app.runner import ConfigError, load_config, run_analysis


def _chinese_table():
    df = datasets.load_province_health()
    return pd.DataFrame({
        "省份": df["name_zh"].str.replace("省", "", regex=False),   # 北京市, 河北 ... as yearbooks print them
        "床位数（万张）": df["beds_10k"], "卫生技术人员（万人）": df["personnel_10k"], "常住人口": df["population"],
    })


ANALYSIS = """
[run]
title = "2020年各省卫生资源配置"
language = "zh"
seed = 11
quick = true
[inputs."省级指标"]
path = "{path}"
key = "省份"
label = "省份"
{sheet}
derive = {{ "每千人床位" = "`床位数（万张）` * 1e7 / 常住人口", "每千人卫技" = "`卫生技术人员（万人）` * 1e7 / 常住人口" }}
[[equity]]
input = "省级指标"
measure = "gini"
resource = "床位数（万张）"
population = "常住人口"
"""


def test_excel_workbook_with_two_sheets_needs_sheet(tmp_path):
    path = tmp_path / "卫生统计年鉴.xlsx"
    with pd.ExcelWriter(path) as xl:
        pd.DataFrame({"说明": ["数据来源：中国卫生健康统计年鉴"]}).to_excel(xl, sheet_name="说明", index=False)
        _chinese_table().to_excel(xl, sheet_name="2020", index=False)
    (tmp_path / "a.toml").write_text(ANALYSIS.format(path=path.name, sheet=""), encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(tmp_path / "a.toml")
    assert "说明" in str(exc.value) and "2020" in str(exc.value)
    (tmp_path / "a.toml").write_text(ANALYSIS.format(path=path.name, sheet='sheet = "2020"'), encoding="utf-8")
    cfg = load_config(tmp_path / "a.toml")
    table = cfg.tables["省级指标"]
    assert len(table) == 31 and table["code"].is_unique
    expected = table["床位数（万张）"] * 1e7 / table["常住人口"]
    pd.testing.assert_series_equal(table["每千人床位"], expected, check_names=False)
    run_analysis(tmp_path / "a.toml", out=tmp_path / "结果")     # and the whole run from the workbook
    gini = pd.read_excel(tmp_path / "结果" / "tables.xlsx", sheet_name=None)
    name = next(n for n in gini if n.startswith("gini_"))
    from spatialhealth.equity import gini as gini_of

    assert gini[name]["value"].iloc[0] == pytest.approx(
        gini_of(table, resource="床位数（万张）", population="常住人口").value, rel=1e-12)


@pytest.mark.slow
def test_whole_run_on_a_chinese_gbk_table(tmp_path):
    try:
        datasets.load_boundaries("province")
    except Exception as exc:
        pytest.skip(f"province boundaries not available: {exc}")
    _chinese_table().to_csv(tmp_path / "省级卫生资源.csv", index=False, encoding="gbk")
    text = ANALYSIS.format(path="省级卫生资源.csv", sheet="") + """
[boundaries]
level = "province"
[weights]
kind = "queen"
[[lisa]]
input = "省级指标"
variable = "每千人床位"
[[maps]]
kind = "choropleth"
input = "省级指标"
variable = "每千人卫技"
title = "每千人口卫生技术人员"
[qgis]
enabled = true
"""
    (tmp_path / "a.toml").write_text(text, encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run_analysis(tmp_path / "a.toml", out=tmp_path / "结果")
    glyphs = [str(w.message) for w in caught if "missing from" in str(w.message) or "Glyph" in str(w.message)]
    assert not glyphs, glyphs[:3]
    out = tmp_path / "结果"
    names = {p.name for p in out.rglob("*")}
    assert "lisa_每千人床位.csv" in names and "choropleth_每千人卫技_static.png" in names
    csv = out / "tables" / "lisa_每千人床位.csv"
    assert csv.read_bytes()[:3] == b"\xef\xbb\xbf"
    lisa = pd.read_csv(csv, encoding="utf-8-sig", dtype={"code": str})
    assert len(lisa) == 31 and set(lisa["cluster"]) <= {"HH", "LL", "LH", "HL", "ns", "neighborless"}
    sheets = pd.ExcelFile(out / "tables.xlsx").sheet_names
    assert "lisa_每千人床位" in sheets
    page = (out / "maps" / "lisa_map_每千人床位.html").read_text(encoding="utf-8")
    for name in ("内蒙古自治区", "河北"):                   # the user's own 省份 names label the map
        assert name in page or json.dumps(name)[1:-1] in page, name
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "目录" in report and "复现本次运行" in report and "2020年各省卫生资源配置" in report
    with sqlite3.connect(out / "qgis" / "spatialhealth.gpkg") as con:
        rows = con.execute("select table_name from gpkg_contents").fetchall()
    assert all(t.isascii() for (t,) in rows), rows            # safe layer names ...
    with zipfile.ZipFile(out / "qgis" / "spatialhealth.qgz") as zf:
        project = zf.read(next(n for n in zf.namelist() if n.endswith(".qgs"))).decode("utf-8")
    assert re.search(r"<layername>[^<]*每千人床位</layername>", project)   # ... with the Chinese name as title
