"""Issue 12 point 8 and issue 11 point 3 for equity: no nonsense answers, one result type per `by`."""

import warnings

import numpy as np
import pandas as pd
import pytest

from spatialhealth import equity
from spatialhealth.equity import PanelResult, classify_by_cuts, cluster_regions, gini, gm11
from spatialhealth.errors import InputError


def test_gm11_constant_series_forecasts_the_constant_and_grades_superior():
    res = gm11([5.0] * 6)
    assert abs(res.a) < 1e-12 and res.b == pytest.approx(5.0)
    assert res.fitted.tolist() == pytest.approx([5.0] * 6, abs=1e-12)
    assert res.forecast(2).tolist() == pytest.approx([5.0, 5.0], abs=1e-12)
    assert (res.C, res.P, res.grade) == (0.0, 1.0, "superior")
    assert "a = 0" in res.time_response()


def test_gm11_near_constant_series_is_stable():
    """A tiny development coefficient must not lose the forecast to cancellation in b/a."""
    x = np.array([100.0, 100.0 + 1e-9, 100.0 + 2e-9, 100.0 + 3e-9, 100.0 + 4e-9])
    fc = gm11(x).forecast(2).to_numpy()
    assert np.allclose(fc, 100.0, rtol=1e-9)


def test_gm11_grows_like_the_closed_form():
    # x0(k) = 3 e^{0.1 (k-1)}: GM(1,1) is close to exact for a geometric series
    x = 3 * np.exp(0.1 * np.arange(8))
    res = gm11(x)
    assert res.a == pytest.approx(-0.1, abs=2e-3)
    assert res.forecast(1).iloc[0] == pytest.approx(3 * np.exp(0.8), rel=2e-3)


def test_classify_by_cuts_never_classifies_nan():
    with pytest.raises(InputError, match=r"positions 0 hold nan"):
        classify_by_cuts([np.nan], [0.2, 0.4])
    with pytest.raises(InputError, match=r"labels b, c hold inf, n/a"):
        classify_by_cuts(pd.Series([0.1, np.inf, "n/a"], index=list("abc")), [0.2])
    assert classify_by_cuts([0.1, 0.2, 0.5], [0.2, 0.4]).tolist() == [1, 2, 3]


def test_ward_with_a_non_euclidean_metric_is_an_error():
    d = pd.DataFrame({"x": [1.0, 1.2, 5.0, 5.1, 9.0], "y": [2.0, 2.1, 6.0, 6.2, 9.5]})
    with pytest.raises(InputError, match=r"'ward' linkage is defined for Euclidean distances only; "
                                         r"metric='cityblock'"):
        cluster_regions(d, columns=["x", "y"], n_clusters=2, method="ward", metric="cityblock")
    res = cluster_regions(d, columns=["x", "y"], n_clusters=3, method="ward")
    assert res.metric == "euclidean" and "euclidean" in res.summary()
    from scipy.cluster import hierarchy

    z = (d - d.mean()) / d.std(ddof=1)
    assert np.allclose(res.linkage, hierarchy.linkage(z.to_numpy(), method="ward", metric="euclidean"))


@pytest.fixture
def long_table():
    rows = []
    for year in (2019, 2020):
        for i, code in enumerate(["110000", "120000", "130000", "140000"]):
            rows.append({"code": code, "year": year, "beds": 10 + i * (year - 2017), "pop": 5 + i})
    return pd.DataFrame(rows)


def test_by_decides_the_type_never_the_data(long_table):
    with pytest.warns(UserWarning, match=r"pools all 8 rows.*by='year'"):
        pooled = gini(long_table, resource="beds", population="pop")
    assert not isinstance(pooled, PanelResult)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        explicit = gini(long_table, resource="beds", population="pop", by=None)
    assert explicit.value == pooled.value
    panel = gini(long_table, resource="beds", population="pop", by="year")
    assert isinstance(panel, PanelResult) and panel.periods == [2019, 2020]
    one = gini(long_table[long_table.year == 2020], resource="beds", population="pop", by="year")
    assert isinstance(one, PanelResult) and len(one) == 1  # one period: still a panel
    with pytest.warns(DeprecationWarning, match="by='auto' is deprecated"):
        auto = gini(long_table, resource="beds", population="pop", by="auto")
    assert isinstance(auto, PanelResult)
    assert auto.frame["value"].tolist() == panel.frame["value"].tolist()


def test_every_problem_is_reported_at_once():
    d = pd.DataFrame({"name": ["Beijing", "Tianjin", "Hebei", "Shanxi"],
                      "beds": [1.0, np.nan, "n/a", 4.0], "pop": [1.0, -2.0, 3.0, np.inf]})
    with pytest.raises(InputError) as info:
        gini(d, resource="beds", population="pop")
    msg = str(info.value)
    assert "4 problems" in msg
    assert "'beds' must be numeric; rows 2 ('n/a'). In column 'name' these are: Hebei." in msg
    assert "'beds' has missing values; rows 1 (nan). In column 'name' these are: Tianjin." in msg
    assert "'pop' has infinite values; rows 3 (inf)" in msg and "Shanxi" in msg
    assert "'pop' must be >= 0; rows 1 (-2.0)" in msg


def test_old_positional_spelling_still_works_with_a_deprecation_warning(long_table):
    one = long_table[long_table.year == 2020]
    with pytest.warns(DeprecationWarning, match=r"write gini\(df, resource='beds', population='pop'\)"):
        old = gini(one, "beds", "pop")
    assert old.value == gini(one, resource="beds", population="pop").value
    series = pd.DataFrame({"t": [2016, 2017, 2018, 2019], "v": [10, 11, 12.2, 13.1]})
    with pytest.warns(DeprecationWarning, match="'year' is now called 'period'"):
        old_by = equity.gm11_by(series, value="v", year="t")
    assert old_by.frame["a"].tolist() == equity.gm11_by(series, value="v", period="t").frame["a"].tolist()
    with pytest.warns(DeprecationWarning, match="'groups' is now called 'group'"):
        equity.theil(one, resource="beds", population="pop", groups=pd.Series(["a", "a", "b", "b"],
                                                                              index=one.index))


def test_entropy_composite_is_keyed_by_region(long_table):
    one = long_table[long_table.year == 2020].assign(doctors=[3.0, 1.0, 4.0, 2.0])
    res = equity.entropy_weights(one, columns=["beds", "doctors"])
    comp = res.composite
    assert comp["region"].tolist() == ["110000", "120000", "130000", "140000"]
    assert comp["score"].to_numpy() == pytest.approx(res.scores.to_numpy())
    z = (one[["beds", "doctors"]] - one[["beds", "doctors"]].min()) / (
        one[["beds", "doctors"]].max() - one[["beds", "doctors"]].min())
    assert comp["score"].to_numpy() == pytest.approx(z.to_numpy() @ res.weights.to_numpy())
    keyed = equity.entropy_weights(one.assign(gb=["a", "b", "c", "d"]), columns=["beds", "doctors"],
                                   region="gb")
    assert keyed.composite["region"].tolist() == ["a", "b", "c", "d"]
