"""Bad input raises clear errors naming the offending rows; groupings and panels."""

import numpy as np
import pandas as pd
import pytest

from spatialhealth.equity import (
    PanelResult, cluster_regions, concentration_index, dagum_gini, entropy_weights, gini, gm11,
    health_distance, kmeans_1d, rsr, standardise, theil,
)
from spatialhealth.errors import ColumnError, InputError, InputTypeError, RegionError


@pytest.fixture
def table():
    return pd.DataFrame({
        "code": ["110000", "120000", "310000", "340000", "360000", "510000", "620000"],
        "beds": [12.7, 6.8, 15.0, 36.0, 26.0, 64.0, 17.0],
        "doctors": [34.8, 14.3, 25.0, 50.0, 38.0, 80.0, 22.0],
        "pop": [21.9, 13.9, 24.9, 61.0, 45.2, 83.7, 25.0],
        "gdp": [16.5, 10.1, 15.6, 6.3, 5.7, 5.8, 3.6],
        "region": ["east", "east", "east", "central", "central", "west", "west"],
    }, index=[f"r{i}" for i in range(7)])


# ---------------------------------------------------------------- missing / non-numeric


def test_missing_value_names_row(table):
    bad = table.copy()
    bad.loc["r3", "beds"] = np.nan
    for call in (lambda: gini(bad, "beds", "pop"), lambda: theil(bad, "beds", "pop"),
                 lambda: concentration_index(bad, "beds", "pop", "gdp"),
                 lambda: dagum_gini(bad, "beds", "region"),
                 lambda: entropy_weights(bad, ["beds", "doctors"]),
                 lambda: rsr(bad, ["beds", "doctors"]),
                 lambda: cluster_regions(bad, ["beds", "doctors"], 2)):
        with pytest.raises(InputError, match=r"'beds'.*r3"):
            call()


def test_non_numeric_value_names_row(table):
    bad = table.astype({"beds": object})
    bad.loc["r5", "beds"] = "n/a"
    with pytest.raises(InputError, match=r"'beds' must be numeric; rows r5.*'n/a'"):
        gini(bad, "beds", "pop")


def test_negative_population_names_row(table):
    bad = table.copy()
    bad.loc["r2", "pop"] = -4.0
    with pytest.raises(InputError, match=r"'pop' must be >= 0.*r2"):
        gini(bad, "beds", "pop")
    bad.loc["r2", "pop"] = 0.0
    with pytest.raises(InputError, match=r"'pop'.*> 0.*r2"):
        theil(bad, "beds", "pop")


def test_negative_resource_names_row(table):
    bad = table.copy()
    bad.loc["r6", "beds"] = -1.0
    with pytest.raises(InputError, match=r"'beds' must be >= 0.*r6"):
        concentration_index(bad, "beds", "pop", "gdp")


def test_missing_column(table):
    with pytest.raises(ColumnError, match=r"no column 'nurses'"):
        gini(table, "nurses", "pop")


def test_theil_L_zero_resource(table):
    bad = table.copy()
    bad.loc["r1", "beds"] = 0.0
    with pytest.raises(InputError, match=r"r1.*kind='T'"):
        theil(bad, "beds", "pop")
    assert theil(bad, "beds", "pop", kind="T").value > 0


# ---------------------------------------------------------------- groupings


def test_fewer_than_two_groups(table):
    one = table.assign(region="east")
    with pytest.raises(InputError, match=r"1 group.*at least 2"):
        dagum_gini(one, "beds", "region")
    with pytest.raises(InputError, match=r"at least 2"):
        theil(one, "beds", "pop", group="region")


def test_group_missing_value_names_row(table):
    bad = table.copy()
    bad.loc["r4", "region"] = None
    with pytest.raises(InputError, match=r"missing in rows r4"):
        dagum_gini(bad, "beds", "region")


def test_unknown_region_in_mapping(table):
    mapping = {"110000": "e", "120000": "e", "310000": "e", "340000": "c", "360000": "c", "510000": "w"}
    with pytest.raises(RegionError, match=r"620000.*r6"):
        theil(table, "beds", "pop", group=mapping)


def test_grouping_forms_agree(table):
    by_col = theil(table, "beds", "pop", group="region")
    mapping = dict(zip(table["code"], table["region"]))
    by_map = theil(table, "beds", "pop", group=mapping)
    by_series = theil(table, "beds", "pop", group=pd.Series(table["region"].to_numpy(), index=table.index))
    assert by_col.between == by_map.between == by_series.between
    # region scheme name resolved through spatialhealth.regions
    by_scheme = dagum_gini(table.drop(columns="region"), "beds", "region3")
    assert by_scheme.total == pytest.approx(dagum_gini(table, "beds", "region").total)
    with pytest.raises(InputError, match="neither a column"):
        theil(table, "beds", "pop", group="province_type")
    with pytest.raises(InputTypeError):
        theil(table, "beds", "pop", group=3.5)


def test_region_of_output_is_accepted(table):
    from spatialhealth import regions  # our own module: an import error must fail, not skip
    groups = regions.region_of(table["code"], scheme="region3")
    res = dagum_gini(table, "beds", groups)
    assert set(res.groups["group"]) == {"east", "central", "west"}


# ---------------------------------------------------------------- method-specific


def test_health_distance_zero_ideal_names_cell():
    actual = pd.DataFrame({"doctors": [0.1, 0.2], "beds": [0.3, 0.1]}, index=["Beijing", "Tibet"])
    ideal = pd.DataFrame({"doctors": [0.1, 0.0], "beds": [0.2, 0.1]}, index=["Beijing", "Tibet"])
    with pytest.raises(InputError, match=r"\(Tibet, 'doctors'\).*non-zero"):
        health_distance(actual, ideal)
    actual.loc["Tibet", "beds"] = np.nan
    with pytest.raises(InputError, match=r"\(Tibet, 'beds'\)"):
        health_distance(actual, ideal.replace(0.0, 0.1))
    with pytest.raises(InputError, match="either `k`"):
        health_distance(actual.fillna(0.1), ideal.replace(0.0, 0.1), k=2, cuts=[0.5])
    with pytest.raises(InputError, match="no weight for 'beds'"):
        health_distance(actual.fillna(0.1), ideal.replace(0.0, 0.1), weights={"doctors": 1.0})


def test_kmeans_1d_bad_k():
    with pytest.raises(InputError, match="distinct values"):
        kmeans_1d([1.0, 1.0, 2.0], 3)


def test_standardise_constant_and_unknown_negative(table):
    with pytest.raises(InputError, match=r"'flat'.*one value"):
        standardise(table.assign(flat=1.0), ["beds", "flat"])
    with pytest.raises(InputError, match=r"`negative` names 'wait'"):
        entropy_weights(table, ["beds"], negative=["wait"])


def test_rsr_bad_levels(table):
    with pytest.raises(InputError, match="3, 4 or 5"):
        rsr(table, ["beds", "doctors"], levels=7)
    res = rsr(table, ["beds", "doctors"], cuts=[4.5, 5.5])
    assert res.n_levels == 3 and res.probit_cuts == (4.5, 5.5)


def test_gm11_bad_input():
    with pytest.raises(InputError, match="at least 4"):
        gm11([1.0, 2.0, 3.0])
    with pytest.raises(InputError, match="positions 2 are <= 0"):
        gm11([1.0, 2.0, -3.0, 4.0])
    with pytest.raises(InputError, match="positions 1"):
        gm11([1.0, None, 3.0, 4.0])
    with pytest.raises(InputTypeError):
        gm11(pd.DataFrame({"a": [1, 2, 3, 4]}))


def test_cluster_bad_k(table):
    with pytest.raises(InputError, match="between 1 and the number of rows"):
        cluster_regions(table, ["beds"], 9)


def test_inputs_not_modified(table):
    before = table.copy()
    gini(table, "beds", "pop")
    theil(table, "beds", "pop", group="region")
    entropy_weights(table, ["beds", "doctors"], negative=["doctors"])
    cluster_regions(table, ["beds", "doctors"], 2)
    pd.testing.assert_frame_equal(table, before)


# ---------------------------------------------------------------- panels


@pytest.fixture
def panel(table):
    years = []
    for k, year in enumerate([2018, 2019, 2020]):
        t = table.copy()
        t["beds"] = t["beds"] * (1 + 0.1 * k * np.arange(len(t)) / len(t))
        t["year"] = year
        years.append(t)
    out = pd.concat(years)
    out.index = [f"{i}_{y}" for i, y in zip(out.index, out["year"])]
    return out


def test_panel_gives_one_row_per_year(panel):
    res = gini(panel, "beds", "pop", by="year")
    assert isinstance(res, PanelResult)
    assert list(res.frame["year"]) == [2018, 2019, 2020]
    for year in (2018, 2019, 2020):
        single = gini(panel[panel["year"] == year], "beds", "pop", by=None)
        assert res[year].value == single.value
        assert res.value[year] == single.value
    assert {"value", "grade", "n"} <= set(res.frame.columns)
    assert len(res.detail) == len(panel)
    # by=None pools all rows
    assert not isinstance(gini(panel, "beds", "pop", by=None), PanelResult)


def test_panel_for_every_table_measure(panel):
    t = theil(panel, "beds", "pop", group="region", by="year")
    assert {"theil", "between", "within"} <= set(t.frame.columns) and len(t) == 3
    c = concentration_index(panel, "beds", "pop", "gdp", by="year")
    assert len(c.frame) == 3
    d = dagum_gini(panel, value="beds", group="region", by="year")
    np.testing.assert_allclose(d.frame[["within", "between", "transvariation"]].sum(axis=1), d.frame["total"])
    e = entropy_weights(panel, ["beds", "doctors"], by="year")
    assert list(e.frame.columns) == ["year", "w_beds", "w_doctors"]
    r = rsr(panel, ["beds", "doctors"], by="year")
    assert len(r.frame) == 3
    cl = cluster_regions(panel, ["beds", "doctors"], 2, by="year")
    labels = cl.labels
    assert labels.index.equals(panel.index)  # aligned with the long table
    assert e.scores.index.equals(panel.index)


def test_panel_other_column_and_errors(panel):
    res = gini(panel, "beds", "pop", by="region")
    assert list(res.frame["region"]) == ["central", "east", "west"]
    bad = panel.copy()
    bad.iloc[4, bad.columns.get_loc("beds")] = np.nan
    with pytest.raises(InputError, match=r"year=2018: .*'beds'.*r4_2018"):
        gini(bad, "beds", "pop", by="year")
    one_year = panel[panel["year"] == 2020]
    assert not isinstance(gini(one_year, "beds", "pop"), PanelResult)  # a single year: plain result


def test_summaries_and_plots(table, panel, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    results = [
        gini(table, "beds", "pop"), theil(table, "beds", "pop", group="region"),
        concentration_index(table, "beds", "pop", "gdp"), dagum_gini(table, "beds", "region"),
        entropy_weights(table, ["beds", "doctors", "gdp"], negative=["gdp"]),
        rsr(table, ["beds", "doctors", "gdp"]), gm11([2.874, 3.278, 3.337, 3.39, 3.679]),
        cluster_regions(table, ["beds", "doctors", "gdp"], 3),
        health_distance(table[["beds", "doctors"]] / table[["beds", "doctors"]].sum(),
                        table["pop"] / table["pop"].sum(), k=2),
        gini(panel, "beds", "pop", by="year"),
    ]
    for res in results:
        text = res.summary()
        assert isinstance(text, str) and len(text.splitlines()) >= 3
        assert isinstance(res.frame, pd.DataFrame) and len(res.frame) > 0
        ax = res.plot()
        assert ax.figure is not None
        matplotlib.pyplot.close("all")
        res.to_file(tmp_path / "x.csv")
        assert (tmp_path / "x.csv").stat().st_size > 0


def test_errors_also_name_the_regions(table):
    bad = table.copy()
    bad.loc["r3", "beds"] = np.nan
    with pytest.raises(InputError, match=r"rows r3.*'code' these are: 340000"):
        gini(bad, "beds", "pop")
    bad = table.assign(name_en=["Beijing", "Tianjin", "Shanghai", "Anhui", "Jiangxi", "Sichuan", "Gansu"])
    bad.loc["r6", "pop"] = -1
    with pytest.raises(InputError, match=r"r6.*'name_en' these are: Gansu"):
        theil(bad, "beds", "pop")


def test_theil_terms_and_plot_without_group(table):
    import matplotlib

    matplotlib.use("Agg")
    res = theil(table, "beds", "pop")
    assert res.terms.sum() == pytest.approx(res.value, abs=1e-15)
    assert list(res.terms.index) == list(table["code"])
    assert res.plot() is not None
    matplotlib.pyplot.close("all")


def test_health_distance_ideal_frame_paired_by_position():
    actual = pd.DataFrame({"doc_share": [0.2, 0.8], "bed_share": [0.5, 0.5]})
    ideal = pd.DataFrame({"need_doc": [0.25, 0.75], "need_bed": [0.4, 0.6]})
    res = health_distance(actual, ideal)
    expected = [0.5 * (0.05 / 0.25 + 0.1 / 0.4), 0.5 * (0.05 / 0.75 + 0.1 / 0.6)]
    np.testing.assert_allclose(res.values, expected)


def test_panel_plot_entropy_weights(panel):
    import matplotlib

    matplotlib.use("Agg")
    ax = entropy_weights(panel, ["beds", "doctors"], by="year").plot()
    assert len(ax.get_lines()) == 2
    matplotlib.pyplot.close("all")


def test_gm11_by_group():
    from spatialhealth.equity import gm11_by

    x = [27260, 29547, 32411, 35388]
    d = pd.DataFrame({"year": [2019, 2018, 2017, 2016] + [2016, 2017, 2018, 2019],
                      "code": ["a"] * 4 + ["b"] * 4,
                      "v": x[::-1] + [2.874, 3.278, 3.337, 3.39]})
    res = gm11_by(d, "v", "code", steps=2)
    assert res["a"].a == pytest.approx(gm11(x).a)  # sorted by year before fitting
    fc = res.forecasts
    assert fc.loc[fc.code == "a", "year"].tolist() == [2020, 2021]
    assert fc.loc[fc.code == "a", "forecast"].tolist() == pytest.approx(gm11(x).forecast(2).tolist())
    assert list(res.frame["code"]) == ["a", "b"]
    gap = d.drop(index=1)
    with pytest.raises(InputError, match="'a'.*at least 4|equally spaced"):
        gm11_by(gap, "v", "code")
    dup = d.assign(year=[2016, 2016, 2017, 2018] + [2016, 2017, 2018, 2019])
    with pytest.raises(InputError, match=r"'a' has year\(s\) 2016 more than once"):
        gm11_by(dup, "v", "code")


def test_province_mapping_serves_city_codes():
    cities = pd.DataFrame({"code": ["110101", "110102", "340100", "340200", "510100"],
                           "beds": [5.0, 6.0, 7.0, 8.0, 9.0]})
    res = dagum_gini(cities, "beds", {"110000": "east", "340000": "central", "510000": "west"})
    assert sorted(res.groups["group"]) == ["central", "east", "west"]
    with pytest.raises(RegionError, match=r"510100 \(rows 4\)"):
        dagum_gini(cities, "beds", {"110000": "east", "340000": "central"})


def test_rsr_nonint_ranks(table):
    res = rsr(table, ["beds", "gdp"], negative=["gdp"], method="nonint")
    r = res.ranks
    assert r["beds"].min() == 1 and r["beds"].max() == len(table)
    assert r.loc[table["gdp"].idxmax(), "gdp"] == 1  # negative indicator: largest value ranks 1
    lin = 1 + (len(table) - 1) * (table["beds"] - table["beds"].min()) / (table["beds"].max() - table["beds"].min())
    np.testing.assert_allclose(r["beds"], lin)


def test_aligned_series_grouping_works_on_a_panel(panel):
    groups = panel["region"].rename("zone")
    res = dagum_gini(panel, value="beds", group=groups, by="year")
    same = dagum_gini(panel, value="beds", group="region", by="year")
    pd.testing.assert_series_equal(res.total, same.total)
