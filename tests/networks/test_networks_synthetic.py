"""The synthetic gravity model: seeded, normalised and following its formula."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from spatialhealth.networks.covariates import great_circle_km
from spatialhealth.networks.graph import load_cities
from spatialhealth.networks.od import aggregate_od
from spatialhealth.networks.synthetic import (
    GRAVITY_DEFAULTS, gravity_probabilities, synthetic_flows, synthetic_records,
)


def test_networks_gravity_formula_on_three_cities():
    c = load_cities().set_index("code").loc[["110100", "310100", "440100"]].reset_index()
    p = gravity_probabilities(c).set_index(["origin", "destination"])["p"]
    k = GRAVITY_DEFAULTS
    gdp_pc = c["GDP"] / c["population"]
    gdp_pc = gdp_pc / gdp_pc.mean()

    def m(i, j):
        d = float(great_circle_km(c.lon[i], c.lat[i], c.lon[j], c.lat[j]))
        same_dia = float(c.dialect[i] == c.dialect[j])
        return np.exp(k["a"] * np.log(c.population[i]) + k["b"] * np.log(c.population[j])
                      + k["c"] * np.log1p(c.HTH[j]) + k["g"] * np.log(gdp_pc[j])
                      - k["delta"] * np.log(d + k["d0"]) + k["t"] * same_dia)

    ms = {(c.code[i], c.code[j]): m(i, j) for i in range(3) for j in range(3) if i != j}
    total = sum(ms.values())
    assert p.to_dict() == pytest.approx({key: v / total for key, v in ms.items()}, rel=1e-10)


def test_networks_synthetic_seeded_and_labelled():
    a = synthetic_records(5000, seed=7)
    b = synthetic_records(5000, seed=7)
    pd.testing.assert_frame_equal(a, b)
    assert a.attrs["synthetic"] and (a.hukou_city != a.current_city).all()
    assert a["weight"].mean() == pytest.approx(1.0, abs=0.03)
    f = synthetic_flows(1e5, seed=7)
    assert f.attrs["synthetic"] and f.flow.sum() == pytest.approx(1e5, rel=0.02)


def test_networks_synthetic_records_follow_probabilities():
    r = synthetic_records(200_000, seed=2)
    res = aggregate_od(r, "hukou_city", "current_city")
    p = gravity_probabilities().set_index(["origin", "destination"])["p"]
    got = res.edges.set_index(["origin", "destination"])["flow"] / 200_000
    top = p.sort_values(ascending=False).index[:20]
    expected = p.loc[top].to_numpy()
    observed = got.reindex(top).fillna(0).to_numpy()
    # binomial standard errors: every top pair within 4.5 of them
    se = np.sqrt(expected * (1 - expected) / 200_000)
    assert np.all(np.abs(observed - expected) < 4.5 * se)


def test_networks_synthetic_names_match_codes():
    named = synthetic_records(3000, seed=4, ids="name")
    coded = synthetic_records(3000, seed=4)
    a = aggregate_od(named, "hukou_city", "current_city").edges
    b = aggregate_od(coded, "hukou_city", "current_city").edges
    pd.testing.assert_frame_equal(a, b)
