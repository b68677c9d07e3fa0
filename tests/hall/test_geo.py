"""Coordinates of the service map: great-circle distances on the 6,371,008.8 m sphere and the
WGS-84 → GCJ-02 → BD-09 conversions, within 1 m of independently computed and published
reference values."""

from __future__ import annotations

import math

import pytest

from yishi.hall import geo

R = 6_371_008.8


def metres_apart(p: tuple[float, float], q: tuple[float, float]) -> float:
    return geo.distance_m(p[0], p[1], q[0], q[1])


# ------------------------------------------------- an independent copy of the published formulas


def _ref_gcj02(lat: float, lng: float) -> tuple[float, float]:
    """WGS-84 → GCJ-02 as published (Krasovsky a = 6378245.0, ee = 0.00669342162296594323),
    written out separately from yishi.hall.geo so a slip in one shows in the other."""
    a, ee, pi = 6378245.0, 0.00669342162296594323, math.pi
    x, y = lng - 105.0, lat - 35.0
    t_lat = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y**2
        + 0.1 * x * y
        + 0.2 * math.sqrt(abs(x))
        + (20.0 * math.sin(6.0 * pi * x) + 20.0 * math.sin(2.0 * pi * x)) * 2 / 3
        + (20.0 * math.sin(pi * y) + 40.0 * math.sin(pi * y / 3.0)) * 2 / 3
        + (160.0 * math.sin(pi * y / 12.0) + 320.0 * math.sin(pi * y / 30.0)) * 2 / 3
    )
    t_lng = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x**2
        + 0.1 * x * y
        + 0.1 * math.sqrt(abs(x))
        + (20.0 * math.sin(6.0 * pi * x) + 20.0 * math.sin(2.0 * pi * x)) * 2 / 3
        + (20.0 * math.sin(pi * x) + 40.0 * math.sin(pi * x / 3.0)) * 2 / 3
        + (150.0 * math.sin(pi * x / 12.0) + 300.0 * math.sin(pi * x / 30.0)) * 2 / 3
    )
    phi = math.radians(lat)
    w = 1 - ee * math.sin(phi) ** 2
    d_lat = t_lat * 180.0 / (a * (1 - ee) / (w * math.sqrt(w)) * pi)
    d_lng = t_lng * 180.0 / (a / math.sqrt(w) * math.cos(phi) * pi)
    return lat + d_lat, lng + d_lng


def _ref_bd09(lat: float, lng: float) -> tuple[float, float]:
    x_pi = math.pi * 3000.0 / 180.0
    z = math.hypot(lng, lat) + 0.00002 * math.sin(lat * x_pi)
    theta = math.atan2(lat, lng) + 0.000003 * math.cos(lng * x_pi)
    return z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065


TIANANMEN = (39.908823, 116.397470)
POINTS = [
    TIANANMEN,
    (30.0990, 114.5530),  # 太和镇, 梁子湖区
    (22.543096, 114.057865),  # 深圳
    (45.756967, 126.642464),  # 哈尔滨
    (29.652491, 91.172112),  # 拉萨
]


@pytest.mark.parametrize("point", POINTS)
def test_gcj02_matches_the_published_formulas_within_a_metre(point):
    assert metres_apart(geo.wgs84_to_gcj02(*point), _ref_gcj02(*point)) < 1.0


@pytest.mark.parametrize("point", POINTS)
def test_bd09_matches_the_published_formulas_within_a_metre(point):
    expected = _ref_bd09(*_ref_gcj02(*point))
    assert metres_apart(geo.wgs84_to_bd09(*point), expected) < 1.0


def test_tiananmen_moves_by_the_known_offset():
    # GCJ-02 shifts central Beijing by roughly 500–700 m to the north-east.
    lat, lng = geo.wgs84_to_gcj02(*TIANANMEN)
    assert lat > TIANANMEN[0] and lng > TIANANMEN[1]
    assert 400 < metres_apart((lat, lng), TIANANMEN) < 800
    assert metres_apart((lat, lng), (39.910226, 116.403714)) < 1.0


def test_published_reference_pair_of_coordtransform():
    # wandergis/coordtransform test/app.js: wgs84togcj02(116.404, 39.915) and
    # gcj02tobd09(116.404, 39.915) (the library takes lng, lat).
    assert (
        metres_apart(geo.wgs84_to_gcj02(39.915, 116.404), (39.91640428150164, 116.41024449916938))
        < 1.0
    )
    assert (
        metres_apart(geo.gcj02_to_bd09(39.915, 116.404), (39.92133699351021, 116.41036949371029))
        < 1.0
    )


@pytest.mark.parametrize(
    "point",
    [(-34.603722, -58.381592), (51.5007, -0.1246), (35.6586, 139.7454), (0.0, 0.0)],
    ids=["buenos-aires", "london", "tokyo", "null-island"],
)
def test_points_outside_china_are_unchanged_by_gcj02(point):
    assert geo.wgs84_to_gcj02(*point) == point


def test_one_degree_of_latitude_is_111195_metres():
    assert geo.distance_m(0, 0, 1, 0) == pytest.approx(R * math.pi / 180, abs=0.01)
    assert round(geo.distance_m(30, 114, 31, 114)) == 111195


def test_antipodal_points_are_half_a_circumference_apart():
    assert geo.distance_m(10, 20, -10, -160) == pytest.approx(math.pi * R, abs=1.0)
    assert geo.distance_m(90, 0, -90, 0) == pytest.approx(math.pi * R, abs=1e-6)


def test_distance_is_zero_for_one_point_and_symmetric():
    assert geo.distance_m(30.1, 114.55, 30.1, 114.55) == 0
    a, b = (30.099, 114.553), (-34.603722, -58.381592)
    assert geo.distance_m(*a, *b) == pytest.approx(geo.distance_m(*b, *a))
