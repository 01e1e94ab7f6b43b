import pandas as pd
import pytest

from spatialhealth import regions
from spatialhealth.errors import InputError, RegionError


def test_province_table_matches_nbs_groupings():
    p = regions.provinces()
    assert len(p) == 31 and p.code.is_unique
    assert p.region3.value_counts().to_dict() == {"west": 12, "east": 11, "central": 8}
    assert p.region4.value_counts().to_dict() == {"west": 12, "east": 10, "central": 6, "northeast": 3}
    zones = p.groupby("zone6").name_en.apply(set).to_dict()
    assert zones["north"] == {"Beijing", "Tianjin", "Hebei", "Shanxi", "Inner Mongolia"}
    assert zones["northeast"] == {"Liaoning", "Jilin", "Heilongjiang"}
    assert zones["east"] == {"Shanghai", "Jiangsu", "Zhejiang", "Anhui", "Fujian", "Jiangxi", "Shandong"}
    assert zones["south_central"] == {"Henan", "Hubei", "Hunan", "Guangdong", "Guangxi", "Hainan"}
    assert zones["southwest"] == {"Chongqing", "Sichuan", "Guizhou", "Yunnan", "Tibet"}
    assert zones["northwest"] == {"Shaanxi", "Gansu", "Qinghai", "Ningxia", "Xinjiang"}
    with_sar = regions.provinces(include_sar=True)
    assert len(with_sar) == 34 and (~with_sar.mainland).sum() == 3


def test_codes_agree_with_reference_table():
    ref = pd.read_csv("tests/data/core/province_population_2020.csv", dtype={"adcode": str})
    p = regions.provinces().set_index("code")
    assert set(ref.adcode) == set(p.index)
    assert (p.loc[ref.adcode, "name_en"].to_numpy() == ref.name_en.to_numpy()).all()


@pytest.mark.parametrize(
    "spelling, code",
    [
        ("内蒙古自治区", "150000"), ("内蒙古", "150000"), ("Inner Mongolia", "150000"),
        ("Neimenggu", "150000"), (" 广西壮族自治区 ", "450000"), ("广西", "450000"),
        ("ＢＥＩＪＩＮＧ", "110000"), ("北京市", "110000"), ("beijing shi", "110000"),
        ("Xinjiang Uygur Autonomous Region", "650000"), ("Tibet", "540000"), ("西藏", "540000"),
        ("Shaanxi", "610000"), ("Shanxi", "140000"), ("陕西省", "610000"), (440000, "440000"),
        ("440000", "440000"), ("Hebei Province", "130000"), ("黑龙江", "230000"), ("宁 夏", "640000"),
    ],
)
def test_harmonise_province_spellings(spelling, code):
    assert regions.harmonise_names([spelling]).tolist() == [code]


def test_harmonise_keeps_index_and_lists_every_unmatched_value():
    s = pd.Series(["广东", "Guangdongg", "Atlantis"], index=[10, 11, 12])
    with pytest.raises(RegionError) as err:
        regions.harmonise_names(s)
    msg = str(err.value)
    assert "2 value(s)" in msg and "'Guangdongg'" in msg and "guangdong" in msg and "'Atlantis'" in msg
    ok = regions.harmonise_names(pd.Series(["广东", "海南"], index=[3, 4]))
    assert ok.index.tolist() == [3, 4]


def test_sar_excluded_unless_asked():
    with pytest.raises(RegionError, match="Hong Kong, Macao or Taiwan"):
        regions.harmonise_names(["香港"])
    assert regions.harmonise_names(["香港", "Macau", "台湾"], include_sar=True).tolist() == [
        "810000", "820000", "710000"]


def test_city_and_county_levels():
    cities = regions.cities()
    assert len(cities) == 367 and cities.code.is_unique
    got = regions.harmonise_names(["延边朝鲜族自治州", "延边州", "延边", "石家庄市", "Shijiazhuang", "长治"],
                                  level="city")
    assert got.tolist() == ["222400", "222400", "222400", "130100", "130100", "140400"]
    with pytest.raises(RegionError, match="ambiguous"):
        regions.harmonise_names(["Fuzhou"], level="city")  # 福州 and 抚州
    assert regions.harmonise_names(["Fuzhou"], level="city", within=["360000"]).tolist() == ["361000"]
    assert regions.harmonise_names(["朝阳区", "朝阳区"], level="county", within=["110000", "220000"]).tolist() == [
        "110105", "220104"]


def test_match_names_reports_instead_of_raising():
    got = regions.match_names(["广东", "nowhere", None])
    assert got.iloc[0] == "440000" and got.iloc[1:].isna().all()


def test_region_of_schemes_and_mappings():
    assert regions.region_of(["110000", "220000", "650000"]).tolist() == ["east", "central", "west"]
    assert regions.region_of(["220000"], scheme="region4").tolist() == ["northeast"]
    # city codes fall back to their province
    assert regions.region_of(["440100"], scheme="zone6").tolist() == ["south_central"]
    assert regions.region_of(["440100", "110000"], scheme={"440000": "south", "110000": "north"}).tolist() == [
        "south", "north"]
    with pytest.raises(RegionError, match="990000"):
        regions.region_of(["990000"])
    with pytest.raises(InputError, match="scheme"):
        regions.region_of(["110000"], scheme="region7")
