"""read_table gives one shape for CSV (any encoding), Excel and Parquet; table_problems lists
every problem of a table at once with spreadsheet row numbers.
"""

import warnings

import numpy as np
import pandas as pd
import pytest

from spatialhealth._validate import table_problems, validate_table
from spatialhealth.errors import InputError, InputTypeError
from spatialhealth.io import list_sheets, read_table

TABLE = pd.DataFrame({
    "代码": [110000, 120000, 130000],
    "省份": ["北京市", "天津市", "河北省"],
    "每千人床位": [5.8, 4.4, 5.9],
    "医生数": [121, 68, 230],
})


def _excel(path, sheets):
    with pd.ExcelWriter(path, engine="openpyxl") as w:
        for name, df in sheets.items():
            df.to_excel(w, sheet_name=name, index=False)
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_same_frame_from_csv_excel_and_parquet(tmp_path, encoding):
    TABLE.to_csv(tmp_path / "t.csv", index=False, encoding=encoding)
    _excel(tmp_path / "t.xlsx", {"数据": TABLE})
    TABLE.to_parquet(tmp_path / "t.parquet")
    csv, xlsx, pq = (read_table(tmp_path / f"t.{s}") for s in ("csv", "xlsx", "parquet"))
    for df in (xlsx, pq):
        pd.testing.assert_frame_equal(csv, df, check_dtype=False)
        assert [str(t) for t in df.dtypes] == [str(t) for t in csv.dtypes] or df is pq
    assert xlsx.columns.tolist() == ["代码", "省份", "每千人床位", "医生数"]
    assert xlsx["代码"].dtype == np.int64 and xlsx["每千人床位"].dtype == np.float64
    assert xlsx.attrs["sheet"] == "数据" and xlsx.attrs["first_row"] == 2


def test_two_sheets_need_a_choice_listing_them(tmp_path):
    p = _excel(tmp_path / "book.xlsx", {"2019年": TABLE.head(1), "2020年": TABLE})
    assert list_sheets(p) == ["2019年", "2020年"]
    with pytest.raises(InputError, match=r"2 sheets \('2019年', '2020年'\); choose one with sheet="):
        read_table(p)
    assert len(read_table(p, sheet="2020年")) == 3
    assert len(read_table(p, sheet=0)) == 1
    with pytest.raises(InputError, match="no sheet '2021年'; its sheets are '2019年', '2020年'"):
        read_table(p, sheet="2021年")
    with pytest.raises(InputError, match="no sheet at position 5"):
        read_table(p, sheet=5)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        assert len(read_table(p, sheet_name="2020年")) == 3  # old spelling
    assert w[0].category is DeprecationWarning
    with pytest.raises(InputError, match="applies to Excel files only"):
        TABLE.to_csv(tmp_path / "t.csv", index=False)
        read_table(tmp_path / "t.csv", sheet="a")


def test_excel_numbers_stored_as_text_are_reported(tmp_path):
    df = pd.DataFrame({"省份": ["北京", "天津", "河北"], "床位": [1.5, "2", " 3.25"],
                       "代码": ["110000", "120000", "130000"], "备注": ["a", 1, None]})
    p = _excel(tmp_path / "t.xlsx", {"s": df})
    back = read_table(p)
    assert back["床位"].tolist() == [1.5, 2.0, 3.25]
    notes = back.attrs["notes"]
    assert len(notes) == 1 and "'床位': 2 number(s) stored as text" in notes[0]
    assert "row 3: '2'" in notes[0] and "row 4: ' 3.25'" in notes[0]
    assert back["代码"].tolist() == ["110000", "120000", "130000"]  # a text column of codes stays text
    assert back["备注"].tolist()[:2] == ["a", "1"]
    assert read_table(p, dtype={"床位": str})["床位"].tolist() == ["1.5", "2", " 3.25"]


def test_missing_markers_only_when_listed(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("省份,床位\n北京,1\n天津,n/a\n河北,-\n山西,—\n内蒙古,\n", encoding="utf-8")
    df = read_table(p)
    assert df["床位"].tolist()[:4] == ["1", "n/a", "-", "—"] and pd.isna(df["床位"].iloc[4])
    assert read_table(p, missing=["n/a", "-", "—"])["床位"].isna().sum() == 4
    x = _excel(tmp_path / "t.xlsx", {"s": pd.DataFrame({"床位": [1, "n/a", None, "-"]})})
    assert read_table(x)["床位"].tolist()[:2] == ["1", "n/a"]
    assert read_table(x, missing=["n/a", "-"])["床位"].isna().sum() == 3


def test_excel_argument_errors(tmp_path):
    p = _excel(tmp_path / "t.xlsx", {"s": TABLE})
    with pytest.raises(InputTypeError, match="accepts dtype= and skiprows="):
        read_table(p, usecols=[0])
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    with pytest.raises(InputError, match="cannot be read as an Excel workbook"):
        read_table(broken)


def test_table_problems_all_at_once_with_spreadsheet_rows(tmp_path):
    # 北京 twice (as 北京 and 北京市), 吉林 missing, text, NaN, inf, negative and zero cells
    p = tmp_path / "prov.csv"
    rows = ["省份,床位,人口"]
    names = [n for n in pd.read_csv(pd.io.common.StringIO("\n".join(["n"] + list(
        __import__("spatialhealth").regions.provinces().name_zh))))["n"] if n != "吉林省"]
    for i, n in enumerate(names):
        rows.append(f"{n},{10 + i},{100 + i}")
    rows.append("北京,11,101")
    lines = rows[:]
    lines[3] = lines[3].rsplit(",", 2)[0] + ",n/a,102"      # row 4: text
    lines[5] = lines[5].rsplit(",", 2)[0] + ",,104"         # row 6: empty
    lines[7] = lines[7].rsplit(",", 2)[0] + ",inf,106"      # row 8: infinite
    lines[9] = lines[9].rsplit(",", 2)[0] + ",12,-5"        # row 10: negative
    lines[11] = lines[11].rsplit(",", 2)[0] + ",13,0"       # row 12: zero
    p.write_bytes("\n".join(lines).encode("gbk"))
    df = read_table(p)
    problems = table_problems(df, region="省份", level="province", expected="all",
                              numeric=["床位"], positive=["人口"], what="[inputs.prov]")
    kinds = {(q.column, q.kind): q for q in problems}
    assert set(kinds) == {("省份", "duplicate key"), ("省份", "absent region"), ("床位", "not numeric"),
                          ("床位", "missing"), ("床位", "infinite"), ("人口", "not positive")}
    assert kinds[("省份", "duplicate key")].rows == (2, 32)
    assert kinds[("省份", "absent region")].values == ("220000",)
    assert kinds[("床位", "not numeric")].rows == (4,) and kinds[("床位", "not numeric")].values == ("n/a",)
    assert kinds[("床位", "missing")].rows == (6,)
    assert kinds[("床位", "infinite")].rows == (8,)
    assert kinds[("人口", "not positive")].rows == (10, 12)
    assert kinds[("人口", "not positive")].values == (-5.0, 0.0)
    with pytest.raises(InputError) as exc:
        validate_table(df, region="省份", level="province", expected="all", numeric=["床位"],
                       nonnegative=["人口"], allow_missing=["床位"], what="[inputs.prov]")
    text = str(exc.value)
    assert text.startswith("5 problems in [inputs.prov]:")
    assert "row 2: '北京市', row 32: '北京'" in text and "220000 吉林省" in text
    assert "empty" not in text and "row 10: -5.0" in text and "row 12" not in text


def test_table_problems_keys_without_level_and_absent_columns():
    df = pd.DataFrame({"code": ["110000", None, "110000", " "], "x": [1, 2, 3, 4]})
    got = {(q.kind, q.rows) for q in table_problems(df, region="code", numeric=["x", "y"])}
    assert got == {("absent column", ()), ("missing key", (3, 5)), ("duplicate key", (2, 4))}
    assert table_problems(pd.DataFrame({"code": ["a"], "x": [1.0]}), region="code", numeric=["x"]) == []
    assert table_problems(pd.DataFrame({"x": [np.nan]}), numeric=["x"], allow_missing=True) == []
    # rows follow the table's first row when rows above the header were skipped
    df = pd.DataFrame({"x": ["a"]})
    df.attrs["first_row"] = 4
    assert table_problems(df, numeric=["x"])[0].rows == (4,)
