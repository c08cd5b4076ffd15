"""Coordinate reference helpers shared by every stage: local UTM zones and China's map coordinates.

``utm_crs_for`` and ``local_utm`` pick the metric CRS the loaders project to (EPSG:32651 for most
of Zhejiang).

Chinese map coordinate systems: GCJ-02 (AMap, Tencent, DataV) and BD-09 (Baidu) ↔ WGS84.

GCJ-02 is WGS84 plus a deliberate, position-dependent offset (about 500 m in Zhejiang); BD-09
adds a further offset to GCJ-02. OpenStreetMap data is WGS84, so data from Chinese map services
must be converted before it is overlaid on OSM roads. The forward formulas are the standard
public ones; the inverse GCJ-02 → WGS84 is solved by fixed-point iteration to about 1e-12°.
Outside mainland China no offset is applied (as the services do).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyproj
from numpy.typing import ArrayLike

from .errors import CRSError, EmptyInputError, InputError

__all__ = [
    "parse_crs",
    "utm_crs_for",
    "local_utm",
    "wgs84_to_gcj02",
    "gcj02_to_wgs84",
    "gcj02_to_bd09",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "wgs84_to_bd09",
    "to_wgs84",
    "in_china",
    "COORD_SYSTEMS",
]

COORD_SYSTEMS = ("wgs84", "gcj02", "bd09")

_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = np.pi * 3000.0 / 180.0


def utm_crs_for(lon: float, lat: float) -> pyproj.CRS:
    """The WGS84 / UTM CRS of the zone containing (lon, lat) (EPSG:32651 for most of Zhejiang).

    Examples
    --------
    >>> utm_crs_for(121.54, 29.87).to_epsg()  # Ningbo
    32651
    """
    zone = int((lon + 180.0) // 6.0) + 1
    epsg = (32600 if lat >= 0 else 32700) + zone
    return pyproj.CRS.from_epsg(epsg)


def parse_crs(value: Any, what: str = "crs") -> pyproj.CRS:
    """``pyproj.CRS.from_user_input(value)``; a value pyproj cannot read is a :class:`CRSError` naming ``what``.

    >>> parse_crs("EPSG:32651").to_epsg()
    32651
    """
    try:
        return pyproj.CRS.from_user_input(value)
    except (pyproj.exceptions.CRSError, TypeError, ValueError) as exc:
        msg = (
            f"{what}={value!r} is not a coordinate reference system pyproj knows ({exc}): "
            "use an EPSG code such as 'EPSG:32651' (UTM 51N), 'EPSG:4549' (CGCS2000 / 3-degree zone 40) or 4326"
        )
        raise CRSError(msg) from None


def local_utm(gdf: Any) -> pyproj.CRS:
    """The UTM CRS of the zone at the centre of a GeoDataFrame's (or GeoSeries') bounds; it needs a CRS."""
    ll = gdf.to_crs(4326) if not gdf.crs.is_geographic else gdf
    minx, miny, maxx, maxy = ll.total_bounds
    if not np.isfinite([minx, miny, maxx, maxy]).all():
        msg = "cannot choose a UTM zone: the data has no coordinates (no rows, or only empty geometries)"
        raise EmptyInputError(msg)
    return utm_crs_for((minx + maxx) / 2, (miny + maxy) / 2)


def in_china(lon: ArrayLike, lat: ArrayLike) -> np.ndarray:
    """True where (lon, lat) lies in the rough mainland-China box in which the offsets apply."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    return (lon > 72.004) & (lon < 137.8347) & (lat > 0.8293) & (lat < 55.8271)


def _dlat(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    r += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    r += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    r += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return r


def _dlon(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    r += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    r += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    r += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return r


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 → GCJ-02 (vectorised).

    Examples
    --------
    >>> lon, lat = wgs84_to_gcj02(121.5440, 29.8683)  # Ningbo
    >>> round(float(lon - 121.5440) * 1e4), round(float(lat - 29.8683) * 1e4)
    (42, -26)
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    dlat = _dlat(lon - 105.0, lat - 35.0)
    dlon = _dlon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    inside = in_china(lon, lat)
    return np.where(inside, lon + dlon, lon), np.where(inside, lat + dlat, lat)


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike, iterations: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 → WGS84 by fixed-point inversion of :func:`wgs84_to_gcj02` (error ~1e-12°)."""
    glon = np.asarray(lon, dtype=float)
    glat = np.asarray(lat, dtype=float)
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(iterations):
        flon, flat = wgs84_to_gcj02(wlon, wlat)
        wlon = wlon - (flon - glon)
        wlat = wlat - (flat - glat)
    return wlon, wlat


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 → BD-09 (Baidu)."""
    x = np.asarray(lon, dtype=float)
    y = np.asarray(lat, dtype=float)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 (Baidu) → GCJ-02."""
    x = np.asarray(lon, dtype=float) - 0.0065
    y = np.asarray(lat, dtype=float) - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    glon, glat = z * np.cos(theta), z * np.sin(theta)
    # the closed form above is the usual approximation (~1e-6°); refine it to the exact inverse
    blon, blat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    for _ in range(5):
        flon, flat = gcj02_to_bd09(glon, glat)
        glon, glat = glon - (flon - blon), glat - (flat - blat)
    return glon, glat


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 → WGS84."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 → BD-09."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def _lonlat_arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    try:
        x, y = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    except (TypeError, ValueError) as exc:
        msg = f"longitude/latitude must be numbers ({exc}): convert the columns with pandas.to_numeric first"
        raise InputError(msg) from None
    if x.shape != y.shape:
        msg = f"{x.size} longitudes but {y.size} latitudes: give one latitude per longitude"
        raise InputError(msg)
    return x, y


def to_wgs84(lon: ArrayLike, lat: ArrayLike, coord_system: str) -> tuple[np.ndarray, np.ndarray]:
    """Convert lon/lat in ``coord_system`` (``wgs84``, ``gcj02`` or ``bd09``, any case) to WGS84."""
    key = str(coord_system).strip().lower().replace("-", "").replace("_", "")
    key = {
        "wgs": "wgs84",
        "epsg4326": "wgs84",
        "gcj": "gcj02",
        "mars": "gcj02",
        "amap": "gcj02",
        "gaode": "gcj02",
        "bd": "bd09",
        "baidu": "bd09",
    }.get(key, key)
    lon, lat = _lonlat_arrays(lon, lat)
    if key == "wgs84":
        return lon, lat
    if key == "gcj02":
        return gcj02_to_wgs84(lon, lat)
    if key == "bd09":
        return bd09_to_wgs84(lon, lat)
    msg = f"unknown coord_system {coord_system!r}: use one of {', '.join(COORD_SYSTEMS)} (any case)"
    raise InputError(msg)
