"""就近办 API: GET /api/v1/hall/outlets/nearest lists outlets nearest first by great-circle
distance (ties by code), only those handling a given matter or theme, from any point on
Earth; bad coordinates are a 422 problem+json naming the field in Chinese."""

from __future__ import annotations

import pytest

from tests.catalog.factories import MatterFactory
from tests.hall.factories import OutletFactory, QueueFactory, WindowFactory
from tests.themes.factories import ThemeFactory, ThemeMatterFactory
from yishi.catalog.models import CrossRegion
from yishi.hall import geo, queries
from yishi.hall.models import Outlet, Window

pytestmark = pytest.mark.django_db
URL = "/api/v1/hall/outlets/nearest"
PROBLEM = "application/problem+json"

TAIHE = (30.0990, 114.5530)
CENTRE = (30.1010, 114.5570)
TUJIANAO = (30.1100, 114.7100)
BUENOS_AIRES = (-34.603722, -58.381592)


def outlet(code, at=None, **kw):
    lat, lng = at if at else (None, None)
    return OutletFactory(code=code, name=f"网点{code}", latitude=lat, longitude=lng, **kw)


@pytest.fixture
def outlets(db):
    return {
        "taihe": outlet("b-taihe", TAIHE, kind=Outlet.Kind.TOWN),
        "centre": outlet("a-centre", CENTRE),
        "tujianao": outlet("c-tujianao", TUJIANAO, kind=Outlet.Kind.TOWN),
        "nowhere": outlet("d-nowhere"),  # no coordinates yet: never listed
        "closed": outlet("e-closed", TAIHE, is_active=False),
    }


def codes(response):
    assert response.status_code == 200, response.content
    return [item["code"] for item in response.json()["items"]]


def test_nearest_first_with_great_circle_distance_and_gcj02(client, outlets):
    r = client.get(URL, {"lat": 30.0985, "lng": 114.5525})

    assert codes(r) == ["b-taihe", "a-centre", "c-tujianao"]
    first = r.json()["items"][0]
    assert first["name"] == "网点b-taihe"
    assert (first["lat"], first["lng"]) == TAIHE
    assert first["distance_m"] == round(geo.distance_m(30.0985, 114.5525, *TAIHE), 1)
    assert 60 < first["distance_m"] < 80
    g_lat, g_lng = geo.wgs84_to_gcj02(*TAIHE)
    assert first["gcj02"] == {"lat": round(g_lat, 7), "lng": round(g_lng, 7)}
    assert first["waiting"] == 0
    assert first["open_now"] is queries.is_open(outlets["taihe"])


def test_a_point_far_away_answers_with_every_located_outlet(client, outlets):
    r = client.get(URL, {"lat": BUENOS_AIRES[0], "lng": BUENOS_AIRES[1]})

    items = r.json()["items"]
    # China is near Buenos Aires' antipode (34.6°N 121.6°E): the outlet farthest west is the
    # nearest, the one nearest the antipode the farthest.
    assert codes(r) == ["b-taihe", "a-centre", "c-tujianao"]
    for item in items:
        expected = geo.distance_m(*BUENOS_AIRES, item["lat"], item["lng"])
        assert item["distance_m"] == pytest.approx(expected, abs=0.1)
        assert 18_000_000 < item["distance_m"] < 20_015_115


def test_ties_are_broken_by_outlet_code(client, db):
    outlet("tie-z", TAIHE)
    outlet("tie-a", TAIHE)
    outlet("tie-m", TAIHE)

    assert codes(client.get(URL, {"lat": 30, "lng": 114})) == ["tie-a", "tie-m", "tie-z"]


def test_limit_keeps_the_nearest(client, outlets):
    assert codes(client.get(URL, {"lat": 30.11, "lng": 114.71, "limit": 1})) == ["c-tujianao"]
    assert len(codes(client.get(URL, {"lat": 30.11, "lng": 114.71, "limit": 50}))) == 3


def test_matter_lists_only_outlets_whose_windows_or_queues_handle_it(client, outlets):
    by_queue, by_window, via_theme, nowhere = MatterFactory.create_batch(4)
    QueueFactory(outlet=outlets["tujianao"], letter="B").matters.add(by_queue)
    WindowFactory(outlet=outlets["taihe"], number=5).matters.add(by_window)
    theme = ThemeFactory()
    ThemeMatterFactory(theme=theme, matter=via_theme, order=1)
    QueueFactory(outlet=outlets["centre"], letter="C").themes.add(theme)

    here = {"lat": TAIHE[0], "lng": TAIHE[1]}
    assert codes(client.get(URL, {**here, "matter": by_queue.code})) == ["c-tujianao"]
    assert codes(client.get(URL, {**here, "matter": by_window.code})) == ["b-taihe"]
    assert codes(client.get(URL, {**here, "matter": via_theme.code})) == ["a-centre"]
    assert codes(client.get(URL, {**here, "theme": theme.code})) == ["a-centre"]
    assert codes(client.get(URL, {**here, "matter": nowhere.code})) == []


def test_a_cross_region_matter_is_also_at_every_cross_region_window(client, outlets):
    matter = MatterFactory(cross_region=CrossRegion.PROVINCE)
    WindowFactory(outlet=outlets["centre"], number=8, kind=Window.Kind.CROSS_REGION)

    assert codes(client.get(URL, {"lat": 30, "lng": 114.6, "matter": matter.code})) == ["a-centre"]


def test_waiting_counts_todays_tickets(client, outlets):
    QueueFactory(outlet=outlets["taihe"], letter="A", is_general=True)
    taken = client.post(
        "/api/v1/hall/outlets/b-taihe/tickets", {"queue": "A"}, content_type="application/json"
    )
    assert taken.status_code == 201

    items = client.get(URL, {"lat": TAIHE[0], "lng": TAIHE[1]}).json()["items"]
    assert [(i["code"], i["waiting"]) for i in items] == [
        ("b-taihe", 1),
        ("a-centre", 0),
        ("c-tujianao", 0),
    ]


@pytest.mark.parametrize(
    "point", [(90, 180), (-90, -180), (0, 0), (-90, 180)], ids=["n", "s", "null", "corner"]
)
def test_every_valid_point_on_earth_answers(client, outlets, point):
    assert len(codes(client.get(URL, {"lat": point[0], "lng": point[1]}))) == 3


@pytest.mark.parametrize(
    ("query", "field", "label"),
    [
        ({"lat": 90.0001, "lng": 114}, "lat", "纬度"),
        ({"lat": -91, "lng": 114}, "lat", "纬度"),
        ({"lat": 30, "lng": 180.5}, "lng", "经度"),
        ({"lat": 30, "lng": -181}, "lng", "经度"),
        ({"lat": "北纬30度", "lng": 114}, "lat", "纬度"),
        ({"lat": 30, "lng": "abc"}, "lng", "经度"),
        ({"lat": "nan", "lng": 114}, "lat", "纬度"),
        ({"lat": 30, "lng": "inf"}, "lng", "经度"),
        ({"lng": 114}, "lat", "纬度"),
        ({"lat": 30, "lng": 114, "limit": 0}, "limit", "每页条数"),
        ({"lat": 30, "lng": 114, "limit": 51}, "limit", "每页条数"),
    ],
)
def test_bad_input_is_a_422_problem_naming_the_field(client, outlets, query, field, label):
    r = client.get(URL, query)

    assert r.status_code == 422
    assert r["Content-Type"].startswith(PROBLEM)
    body = r.json()
    assert body["field"] == field
    assert body["detail"].startswith(f"{label}：")


def test_unknown_matter_or_theme_is_a_422(client, outlets):
    r = client.get(URL, {"lat": 30, "lng": 114, "matter": "NO-SUCH"})
    assert (r.status_code, r.json()["field"]) == (422, "matter")
    r = client.get(URL, {"lat": 30, "lng": 114, "theme": "no-such"})
    assert (r.status_code, r.json()["field"]) == (422, "theme")


def test_query_count_does_not_grow_with_outlets(client, outlets, django_assert_max_num_queries):
    for n in range(20):
        outlet(f"x-{n:02d}", (30 + n / 100, 114.5))
    with django_assert_max_num_queries(8):
        assert len(codes(client.get(URL, {"lat": 30, "lng": 114.5, "limit": 50}))) == 23
