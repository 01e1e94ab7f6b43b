"""Real code lists: municipality codes in both forms, county codes rolled up, and prefectures
abolished or re-coded since 2010 mapped to their successor with a note (sources in
spatialhealth/data/regions/README.md).
"""

import pandas as pd
import pytest

from spatialhealth import regions


@pytest.mark.parametrize("values, code", [
    (["110000", "110100", 110000, "北京城区", "北京", "北京市", "Beijing"], "110100"),
    (["120000", "120100", "天津城区", "天津"], "120100"),
    (["310000", "310100", "上海城区", "上海市"], "310100"),
    (["500000", "500100", "500200", "重庆城区", "重庆郊县", "重庆"], "500000"),
])
def test_municipalities_resolve_in_every_form(values, code):
    got = regions.harmonise_names(values, level="city")
    assert got.tolist() == [code] * len(values)
    assert got.attrs["notes"] == []  # the same place, not a change


@pytest.mark.parametrize("county, city", [
    ("110105", "110100"), ("120117", "120100"), ("310151", "310100"), ("500229", "500000"),
    ("500101", "500000"), ("440305", "440300"), ("222401", "222400"), ("429004", "429004"),
])
def test_county_codes_roll_up_to_their_prefecture(county, city):
    got = regions.harmonise_names([county], level="city")
    assert got.tolist() == [city]
    if county != city:
        assert "rolled up" in got.attrs["notes"][0]


@pytest.mark.parametrize("old, new, year", [
    ("371200", "370100", "2019"), ("341400", "340100", "2011"), ("522400", "520500", "2011"),
    ("522200", "520600", "2011"), ("632100", "630200", "2013"), ("542300", "540200", "2014"),
    ("542100", "540300", "2014"), ("542600", "540400", "2015"), ("542200", "540500", "2016"),
    ("542400", "540600", "2017"), ("652100", "650400", "2015"), ("652200", "650500", "2016"),
])
def test_old_prefecture_codes_map_to_successor_with_note(old, new, year):
    got = regions.harmonise_names([old, new], level="city")
    assert got.tolist() == [new, new]
    (note,) = got.attrs["notes"]
    assert note.startswith(f"'{old}': {old} ") and f"-> {new} " in note and f"({year})" in note


def test_old_names_and_split_prefecture():
    got = regions.harmonise_names(["莱芜市", "莱芜", "巢湖市", "毕节地区", "铜仁地区", "海东地区", "襄樊"],
                                  level="city")
    assert got.tolist() == ["370100", "370100", "340100", "520500", "520600", "630200", "420600"]
    chaohu = [n for n in got.attrs["notes"] if "巢湖市 -> 340100 合肥市" in n]
    assert chaohu and "芜湖" in chaohu[0] and "马鞍山" in chaohu[0]  # the split is stated
    # at county level the districts of the abolished prefectures go to their own successors
    c = regions.harmonise_names(["371202", "371203", "莱城区", "341402", "341421", "341422", "341423",
                                 "341424", "110103", "310230"], level="county")
    assert c.tolist() == ["370116", "370117", "370116", "340181", "340124", "340281", "340522",
                          "340523", "110101", "310151"]
    assert regions.harmonise_names(["无为县"], level="county").tolist() == ["340281"]
    # the county-level 巢湖市 (340181) keeps its own code
    assert regions.harmonise_names(["巢湖市"], level="county", within=["340000"]).tolist() == ["340181"]


def test_multi_year_panel_lines_up():
    panel = pd.DataFrame({"year": [2010, 2020, 2010, 2020, 2012, 2020],
                          "code": ["371200", "370100", "522400", "520500", "110000", "110100"]})
    panel["code_now"] = regions.harmonise_names(panel["code"], level="city").to_numpy()
    assert panel.groupby("code_now")["year"].apply(sorted).to_dict() == {
        "110100": [2012, 2020], "370100": [2010, 2020], "520500": [2010, 2020]}


def test_code_changes_table_points_to_current_units():
    ch = regions.code_changes()
    current = {"city": set(regions.cities().code), "county": set(regions.counties().code)}
    for r in ch.itertuples():
        assert r.new_code in current[r.level] or r.new_code in set(ch.old_code), r
        assert r.old_code not in current[r.level], r
    assert set(ch.level) == {"city", "county"}


def test_unknown_codes_still_unmatched():
    assert regions.match_names(["999999", "110000"], level="city").tolist() == [None, "110100"]
    with pytest.raises(regions.RegionError, match="999999"):
        regions.harmonise_names(["999999"], level="city")
