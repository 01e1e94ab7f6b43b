"""Every public result class follows the result protocol of ``spatialhealth._results``.

Issue 11 point 2. To add a class: append ``(ClassName, factory)`` to ``FACTORIES`` (a factory
builds one instance on small data) and, if the package is new, its module to ``PACKAGES``.
``test_every_public_result_class_has_a_factory`` fails when a package exports a result class
that is not in the list.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

from matplotlib.axes import Axes

from spatialhealth._results import COEF_COLUMNS, CoefficientResult, Result

#: packages whose public result classes (in any of their modules) must all be covered by FACTORIES
PACKAGES = ["spatialhealth.equity", "spatialhealth.efficiency", "spatialhealth.policy", "spatialhealth.layers",
            "spatialhealth.networks"]
#: results that draw a grid of panels: plot() returns the figure's Axes array, not one Axes
MULTI_PANEL = {"GOFResult", "SpaceTimeResult"}


# ---------------------------------------------------------------- small data
def _regions():
    return pd.DataFrame({
        "code": ["110000", "120000", "310000", "340000", "360000", "510000", "620000"],
        "name": ["北京", "天津", "上海", "安徽", "江西", "四川", "甘肃"],
        "beds": [12.7, 6.8, 15.0, 36.0, 26.0, 64.0, 17.0],
        "doctors": [34.8, 14.3, 25.0, 50.0, 38.0, 80.0, 22.0],
        "pop": [21.9, 13.9, 24.9, 61.0, 45.2, 83.7, 25.0],
        "gdp": [16.5, 10.1, 15.6, 6.3, 5.7, 5.8, 3.6],
        "region": ["east", "east", "east", "central", "central", "west", "west"],
    })


def _panel():
    from spatialhealth.efficiency.synthetic import synthetic_panel

    return synthetic_panel(seed=1)


def _did_kw():
    return dict(outcome="true_u", region="code", period="year")


def _equity(name, **kw):
    from spatialhealth import equity

    return lambda: getattr(equity, name)(_regions(), **kw)


COEL = pd.DataFrame({"x1": [2, 2, 6, 3, 6], "x2": [5, 4, 6, 2, 2], "y": [1, 2, 3, 1, 2],
                     "g": ["a", "a", "b", "b", "b"]})


def _policy(name, **kw):
    def make():
        from spatialhealth import policy

        return getattr(policy, name)(_panel(), **_did_kw(), **kw)
    return make


def _health_distance():
    from spatialhealth.equity import health_distance

    t = _regions()
    return health_distance(t[["beds", "doctors"]] / t[["beds", "doctors"]].sum(),
                           t["pop"] / t["pop"].sum(), k=2)


def _gm11_table():
    from spatialhealth.equity import gm11_by

    d = pd.DataFrame({"year": [2016, 2017, 2018, 2019] * 2, "p": list("aaaabbbb"),
                      "beds": [10, 11, 12.2, 13.1, 20, 20.5, 21.4, 22]})
    return gm11_by(d, value="beds", group="p", steps=2)


def _gm11():
    from spatialhealth.equity import gm11

    return gm11(pd.Series([2.874, 3.278, 3.337, 3.39, 3.679], index=range(2016, 2021)))


def _panel_result():
    from spatialhealth.equity import gini

    t = _regions()
    long = pd.concat([t.assign(year=2019), t.assign(year=2020, beds=t.beds * 1.1)], ignore_index=True)
    return gini(long, resource="beds", population="pop", by="year")


def _dea():
    from spatialhealth.efficiency import dea

    return dea(COEL, inputs=["x1", "x2"], outputs="y")


def _metafrontier():
    import warnings

    from spatialhealth.efficiency import metafrontier

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # small frontiers
        return metafrontier(COEL, inputs=["x1", "x2"], outputs="y", group="g", model="ccr")


#: (class name, factory) for every public result class; extend this list for new classes
FACTORIES = [
    ("GiniResult", _equity("gini", resource="beds", population="pop")),
    ("TheilResult", _equity("theil", resource="beds", population="pop", group="region")),
    ("ConcentrationResult", _equity("concentration_index", resource="beds", population="pop",
                                    rank_by="gdp")),
    ("EntropyWeightResult", _equity("entropy_weights", columns=["beds", "doctors", "gdp"],
                                    negative=["gdp"])),
    ("RSRResult", _equity("rsr", columns=["beds", "doctors", "gdp"])),
    ("ClusterResult", _equity("cluster_regions", columns=["beds", "doctors", "gdp"], n_clusters=3)),
    ("DagumResult", lambda: __import__("spatialhealth.equity", fromlist=["x"]).dagum_gini(
        _regions(), "beds", "region", by=None)),
    ("HealthDistanceResult", _health_distance),
    ("GM11Result", _gm11),
    ("GM11Table", _gm11_table),
    ("PanelResult", _panel_result),
    ("DEAResult", _dea),
    ("MetafrontierResult", _metafrontier),
    ("DiDResult", _policy("twfe_did", treatment="treated")),
    ("EventStudyResult", _policy("event_study", cohort="first_treat", leads=3, lags=3)),
    ("PlaceboResult", _policy("placebo_test", treatment="treated", permutations=50, seed=1)),
    ("BaconResult", _policy("bacon_decomposition", treatment="treated")),
    ("Comparison", _policy("compare_estimators", cohort="first_treat", leads=2, lags=2)),
    ("HeterogeneityResult", _policy("heterogeneity", treatment="treated", group="region3")),
    ("IdealAllocationResult", _equity("ideal_allocation", resources=["beds", "doctors"], population="pop",
                                      bounds=(0.8, 1.2))),
    ("MoranResult", lambda: _layers()[0]),
    ("LisaResult", lambda: _layers()[1]),
    ("MoranBVResult", lambda: _layers()[2]),
    ("MoranPanelResult", lambda: _layers()[3]),
    ("LocalResult", lambda: _layers()[4]),
    ("JoinCountsResult", lambda: _layers()[5]),
    ("SpatialRegressionResult", lambda: _layers()[6]),
    ("SpaceTimeResult", lambda: _layers()[7]),
    ("ZonalResult", lambda: _raster()[0]),
    ("RasterLocalResult", lambda: _raster()[1]),
    ("RasterMoranResult", lambda: _raster()[2]),
    ("ODResult", lambda: _od()),
    ("ODReport", lambda: _od().report),
    ("CentralityResult", lambda: _network()[0]),
    ("NetworkSummary", lambda: _network()[1]),
    ("QAPRegressionResult", lambda: _network()[2]),
    ("QAPCorrelationResult", lambda: _network()[3]),
    ("ERGMResults", lambda: _ergm()[0]),
    ("ValuedERGMResults", lambda: _ergm()[1]),
    ("AnovaResult", lambda: _ergm()[2]),
    ("GOFResult", lambda: _ergm()[3]),
]


def _grid(n=5):
    import geopandas as gpd
    from shapely.geometry import box

    rng = np.random.default_rng(3)
    cells = [{"code": f"{110101 + i:06d}", "x": float(abs(rng.normal())) + (i % n), "y": float(rng.normal()),
              "hi": int(i % 3 == 0), "geometry": box(i % n, i // n, i % n + 1, i // n + 1)} for i in range(n * n)]
    return gpd.GeoDataFrame(cells, crs=3857)


_CACHE: dict = {}


def _layers():
    if "layers" not in _CACHE:
        from spatialhealth.layers import (
            build_weights,
            getis_ord,
            join_counts,
            lisa,
            moran,
            moran_bv,
            moran_panel,
            space_time,
            spatial_regression,
        )

        g = _grid()
        w = build_weights(g, kind="queen")
        panel = pd.concat([g.assign(year=2019), g.assign(year=2020, x=g.x * 1.2 + 0.3)], ignore_index=True)
        _CACHE["layers"] = (
            moran(g, value="x", weights=w, permutations=99, seed=1),
            lisa(g, value="x", weights=w, permutations=99, seed=1),
            moran_bv("x", "y", w, permutations=99, seed=1, data=g),
            moran_panel(pd.DataFrame(panel.drop(columns="geometry")), "x", w),
            getis_ord(g, value="x", weights=w, permutations=99, seed=1),
            join_counts(g, value="hi", weights=w, permutations=99, seed=1),
            spatial_regression(g, y="y", x=["x"], weights=w, model="lag"),
            space_time(pd.DataFrame(panel.drop(columns="geometry")), value="x", weights=w, period="year",
                       permutations=99, seed=1, k=3) if importlib.util.find_spec("giddy") else None,
        )
    return _CACHE["layers"]


def _raster():
    if "raster" not in _CACHE:
        import tempfile

        import rasterio
        from rasterio.transform import from_origin

        from spatialhealth.layers.raster import raster_lisa, raster_moran, zonal_stats

        d = Path(tempfile.mkdtemp())
        a = np.random.default_rng(2).random((12, 10)).astype("float32")
        a[:4, :4] += 2
        with rasterio.open(d / "g.tif", "w", driver="GTiff", height=12, width=10, count=1, dtype="float32",
                           crs="EPSG:3857", transform=from_origin(0, 12, 1, 1)) as dst:
            dst.write(a, 1)
        g = _grid(3).set_crs(3857, allow_override=True)
        _CACHE["raster"] = (zonal_stats(d / "g.tif", g), raster_lisa(d / "g.tif", permutations=99, seed=1),
                            raster_moran(d / "g.tif"))
    return _CACHE["raster"]


def _od():
    from spatialhealth.networks import aggregate_od

    recs = pd.DataFrame({"o": ["北京市", "上海市", "北京市", "成都市"], "d": ["上海市", "北京市", "上海市", "重庆市"],
                         "w": [1.0, 2.0, 1.5, 3.0]})
    return aggregate_od(recs, "o", "d", weight="w")


def _network():
    if "network" not in _CACHE:
        import networkx as nx

        from spatialhealth.networks import (
            centrality,
            network_summary,
            qap_correlation,
            qap_regression,
        )

        G = nx.gnp_random_graph(12, 0.3, seed=4, directed=True)
        for u, v in G.edges:
            G.edges[u, v]["weight"] = float(1 + (u + v) % 4)
        x = np.abs(np.subtract.outer(np.arange(12), np.arange(12))).astype(float)
        _CACHE["network"] = (centrality(G), network_summary(G),
                             qap_regression(G, {"dist": x}, weight="weight", permutations=50, seed=1),
                             qap_correlation(G, x, weight="weight", permutations=50, seed=1))
    return _CACHE["network"]


def _ergm():
    if "ergm" not in _CACHE:
        from spatialhealth.networks.ergm import anova, ergm, valued_ergm
        from spatialhealth.networks.ergm.datasets import load_network

        G = load_network("flomarriage")
        a = ergm(G, "edges", seed=1)
        b = ergm(G, "edges + nodecov('wealth')", seed=1)
        V = G.copy()
        for u, v in V.edges:
            V.edges[u, v]["w"] = 1 + (hash((u, v)) % 3)
        _CACHE["ergm"] = (b, valued_ergm(V, "sum", weight="w"), anova(a, b), b.gof(nsim=20, seed=1))
    return _CACHE["ergm"]

_BUILT: dict = {}


def build(name, factory):
    if name not in _BUILT:
        _BUILT[name] = factory()
    return _BUILT[name]


def _public_result_classes():
    import pkgutil

    found = {}
    for pkg in PACKAGES:
        root = importlib.import_module(pkg)
        names = [pkg] + [m.name for m in pkgutil.walk_packages(root.__path__, prefix=pkg + ".")
                         if "qgis_plugin" not in m.name]
        for name in names:
            if any(part.startswith("_") for part in name.split(".")[1:]):
                continue
            mod = importlib.import_module(name)
            for attr, obj in vars(mod).items():
                if (inspect.isclass(obj) and not attr.startswith("_") and obj.__module__ == name
                        and (issubclass(obj, Result) or attr.endswith("Result"))):
                    found[attr] = name
    return found


def test_every_public_result_class_has_a_factory():
    covered = {name for name, _ in FACTORIES}
    missing = sorted(set(_public_result_classes()) - covered)
    assert not missing, f"add factories to FACTORIES for {missing}"


@pytest.mark.parametrize("name,factory", FACTORIES, ids=[n for n, _ in FACTORIES])
def test_result_protocol(name, factory, tmp_path):
    res = build(name, factory)
    assert type(res).__name__ == name
    assert isinstance(res, Result), f"{name} must derive from spatialhealth._results.Result"
    frame = res.frame
    assert isinstance(frame, pd.DataFrame) and len(frame) > 0
    text = res.summary()
    assert isinstance(text, str) and text.strip()
    r = repr(res)
    assert "\n" not in r and len(r) <= 120, r
    html = res._repr_html_()
    assert isinstance(html, str) and "<table" in html
    if hasattr(res, "plot") and name not in MULTI_PANEL:
        import matplotlib.pyplot as plt

        ax = res.plot()
        assert isinstance(ax, Axes), f"{name}.plot() must return the Axes, got {type(ax).__name__}"
        fig, given = plt.subplots()
        assert res.plot(ax=given) is given
        plt.close("all")
    for suffix in (".csv", ".xlsx", ".parquet"):
        path = res.to_file(tmp_path / f"out{suffix}")
        assert isinstance(path, Path) and path == tmp_path / f"out{suffix}"
        assert path.stat().st_size > 0
    assert (tmp_path / "out.csv").read_bytes()[:3] == b"\xef\xbb\xbf"  # Excel reads Chinese


COEF_NAMES = [n for n, _ in FACTORIES if n in
              {"DiDResult", "EventStudyResult", "Comparison", "HeterogeneityResult"}]


@pytest.mark.parametrize("name", COEF_NAMES)
def test_coefficient_results_share_one_table(name):
    res = build(name, dict(FACTORIES)[name])
    assert isinstance(res, CoefficientResult)
    table = res.coefficients
    assert tuple(table.columns) == COEF_COLUMNS
    assert set(COEF_COLUMNS) <= set(res.frame.columns)
    ok = table.dropna(subset=["std_error"])
    assert len(ok) > 0
    assert np.allclose(res.params[ok.index], ok["estimate"])
    assert np.allclose(res.bse[ok.index], ok["std_error"])
    ci = res.conf_int() if callable(res.conf_int) else None
    assert list(ci.columns) == ["ci_lower", "ci_upper"]
    # the shared inference reproduces the table's own intervals at the result's level
    assert np.allclose(ci.loc[ok.index, "ci_lower"], ok["ci_lower"], rtol=1e-6, atol=1e-10)
