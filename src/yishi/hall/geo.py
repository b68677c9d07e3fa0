"""Coordinates of the service map: great-circle distance and the conversions the navigation
apps need.

Outlets are stored in WGS-84 (for our accuracy the same as CGCS2000, what 天地图 uses). 高德 and
腾讯 expect GCJ-02 ("火星坐标"), 百度 expects BD-09. Both conversions are the widely published
formulas (the GCJ-02 offset on the Krasovsky ellipsoid, a = 6378245.0,
ee = 0.00669342162296594323; BD-09 from GCJ-02 with x_pi = π·3000/180), about forty lines.
We implement them here instead of adding a dependency: the PyPI packages that carry them
(e.g. `coordtransform`) are single-file copies of the same formulas with no tests or typed
API, and the formulas are fixed, so there is nothing for an upstream to keep up to date.
tests/hall/test_geo.py checks them against independent values and published reference pairs.

Points outside China's rough bounding box are returned unchanged by the GCJ-02 offset, as in
the published algorithm (the offset only applies within China).
"""

from __future__ import annotations

import math

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG), the sphere of the distances

_A = 6378245.0  # Krasovsky 1940 semi-major axis
_EE = 0.00669342162296594323  # Krasovsky 1940 first eccentricity squared
_X_PI = math.pi * 3000.0 / 180.0


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres between two WGS-84 points (haversine, on a sphere of
    radius 6,371,008.8 m)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def out_of_china(lat: float, lng: float) -> bool:
    """Outside the bounding box where the GCJ-02 offset applies."""
    return not (72.004 <= lng <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _transform_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lng(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    """WGS-84 → GCJ-02 (lat, lng), for 高德 and 腾讯 links."""
    if out_of_china(lat, lng):
        return lat, lng
    dlat = _transform_lat(lng - 105.0, lat - 35.0)
    dlng = _transform_lng(lng - 105.0, lat - 35.0)
    radlat = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * math.pi)
    dlng = (dlng * 180.0) / (_A / sqrtmagic * math.cos(radlat) * math.pi)
    return lat + dlat, lng + dlng


def gcj02_to_bd09(lat: float, lng: float) -> tuple[float, float]:
    """GCJ-02 → BD-09 (lat, lng), for 百度 links."""
    z = math.sqrt(lng * lng + lat * lat) + 0.00002 * math.sin(lat * _X_PI)
    theta = math.atan2(lat, lng) + 0.000003 * math.cos(lng * _X_PI)
    return z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065


def wgs84_to_bd09(lat: float, lng: float) -> tuple[float, float]:
    """WGS-84 → BD-09 (lat, lng), through GCJ-02."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lat, lng))
