"""Regenerate the SYNTHETIC mobility samples of this folder (deterministic, seed 20201101).

    python spatialhealth/data/mobility/make_mobility_samples.py

Every number is drawn from the gravity model of :mod:`spatialhealth.networks.synthetic`
among 20 real prefecture cities (codes, names and centroids real, everything else synthetic).
"""

from pathlib import Path

import numpy as np
import pandas as pd

from spatialhealth.networks.graph import load_cities
from spatialhealth.networks.synthetic import gravity_probabilities, synthetic_records

HERE = Path(__file__).parent
CODES = ["110100", "120100", "310100", "500000", "440100", "440300", "510100", "420100", "430100",
         "610100", "320100", "330100", "370100", "410100", "130100", "210100", "350100", "530100",
         "360100", "340100"]
PLATFORM_CODE = {"110100": "110000", "120100": "120000", "310100": "310000", "500000": "500000"}
SEED = 20201101


def main():
    rng = np.random.default_rng(SEED)
    c = load_cities()
    c = c[c["code"].isin(CODES)].reset_index(drop=True)
    names = dict(zip(c["code"], c["name_zh"]))
    # 1. individual survey records: hukou city -> current city, with survey weights (GBK, names)
    r = synthetic_records(600, seed=SEED, cities=c, ids="name", stay_share=0.05)
    r = r.rename(columns={"person_id": "编号", "hukou_city": "户籍地", "current_city": "现居住地",
                          "weight": "权重", "year": "调查年份"})
    r.to_csv(HERE / "migrant_records_synthetic.csv", index=False, encoding="gbk")
    # 2. city-pair daily flows, municipalities coded as the platforms code them (110000)
    p = gravity_probabilities(c)
    days = pd.date_range("2020-01-06", periods=7, freq="D")
    rows = []
    for day in days:
        flow = rng.poisson(20_000 * p["p"].to_numpy())
        for o, d, f in zip(p["origin"], p["destination"], flow):
            if f > 0:
                rows.append((day.strftime("%Y-%m-%d"), PLATFORM_CODE.get(o, o), PLATFORM_CODE.get(d, d), int(f)))
    pd.DataFrame(rows, columns=["日期", "出发地代码", "到达地代码", "流量"]).to_csv(
        HERE / "city_flows_synthetic.csv", index=False, encoding="utf-8")
    # 3. migration-index layout: per city, day and direction a scale index and the shares of
    #    its top-10 partner cities (of 19 possible), as Baidu/Amap publish them
    P = p.pivot(index="origin", columns="destination", values="p").fillna(0.0)
    rows = []
    for day in days[:3]:
        wiggle = rng.lognormal(0, 0.1, P.shape)
        M = P.to_numpy() * wiggle
        for i, code in enumerate(P.index):
            for direction, vec in (("迁出", M[i, :]), ("迁入", M[:, i])):
                share = vec / vec.sum()
                scale = round(float(vec.sum() / M.sum() * 400), 4)
                top = np.argsort(-share)[:10]
                for j in top:
                    rows.append((day.strftime("%Y-%m-%d"), PLATFORM_CODE.get(code, code), names[code],
                                 direction, scale, names[P.columns[j]], round(100 * float(share[j]), 2)))
    pd.DataFrame(rows, columns=["日期", "城市代码", "城市", "方向", "规模指数", "对方城市", "占比"]).to_csv(
        HERE / "migration_index_synthetic.csv", index=False, encoding="utf-8-sig")


if __name__ == "__main__":
    main()
