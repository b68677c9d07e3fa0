"""就近办 / 全城通办: a matter's outlet scope widens the outlets that handle it beyond the
windows listing it — a 全城通办 matter to every outlet with a comprehensive window, a 就近办
one to the town and village points with one — and the map puts an outlet with a 跨域通办
window on that layer too."""

from __future__ import annotations

import pytest

from tests.catalog.factories import MatterFactory
from tests.hall.factories import OutletFactory, QueueFactory, WindowFactory
from yishi.catalog.models import OutletScope
from yishi.hall import queries
from yishi.hall.models import Outlet, Window

pytestmark = pytest.mark.django_db


@pytest.fixture
def outlets():
    """A district centre whose specialist queue lists the matter, a town and a village point
    with comprehensive windows, a town whose only window is specialist, a closed-down point."""
    district = OutletFactory(code="d", kind=Outlet.Kind.DISTRICT, latitude=30.1, longitude=114.55)
    town = OutletFactory(code="t", kind=Outlet.Kind.TOWN, latitude=30.2, longitude=114.6)
    village = OutletFactory(code="v", kind=Outlet.Kind.VILLAGE, latitude=30.25, longitude=114.65)
    specialist_town = OutletFactory(code="s", kind=Outlet.Kind.TOWN)
    closed = OutletFactory(code="x", kind=Outlet.Kind.TOWN, is_active=False)
    WindowFactory(outlet=district, serves_all=True)
    WindowFactory(outlet=town, serves_all=True)
    WindowFactory(outlet=village, serves_all=True)
    WindowFactory(outlet=specialist_town, serves_all=False, kind=Window.Kind.SPECIALIST)
    WindowFactory(outlet=closed, serves_all=True)
    # A comprehensive window that is switched off does not count.
    off = OutletFactory(code="o", kind=Outlet.Kind.VILLAGE)
    WindowFactory(outlet=off, serves_all=True, is_active=False)
    return district


def codes(matter) -> set[str]:
    return set(queries.outlets_handling(matter=matter).values_list("code", flat=True))


def test_a_matter_of_its_own_department_is_handled_only_where_a_window_lists_it(outlets):
    matter = MatterFactory()
    QueueFactory(outlet=outlets, letter="B").matters.add(matter)
    assert codes(matter) == {"d"}


def test_a_nearby_matter_is_also_handled_at_town_and_village_points_with_a_comprehensive_window(
    outlets,
):
    matter = MatterFactory(outlet_scope=OutletScope.NEARBY)
    QueueFactory(outlet=outlets, letter="B").matters.add(matter)
    assert codes(matter) == {"d", "t", "v"}


def test_a_citywide_matter_is_handled_at_every_outlet_with_a_comprehensive_window(outlets):
    matter = MatterFactory(outlet_scope=OutletScope.CITYWIDE)
    assert codes(matter) == {"d", "t", "v"}
    nearest = queries.nearest_outlets(30.25, 114.65, matter=matter)
    assert [r.outlet.code for r in nearest] == ["v", "t", "d"]


def test_an_outlet_with_a_cross_region_window_is_on_that_map_layer_too(outlets, client):
    WindowFactory(outlet=outlets, kind=Window.Kind.CROSS_REGION)
    rows = {r.outlet.code: r for r in queries.outlets_on_map(Outlet.objects.filter(is_active=True))}
    assert rows["d"].layers == ("district", "cross_region")
    assert rows["t"].layers == ("town",)

    html = client.get("/map/").content.decode()
    assert 'data-layers="district cross_region"' in html
    # Each layer says how many outlets it holds; an empty one says it is not entered yet.
    assert '24小时自助服务区</span> <span class="muted">0 个</span>' in html
    assert "24小时自助服务区：本区尚未录入" in html
    assert '跨域通办窗口</span> <span class="muted">1 个</span>' in html
    assert "跨域通办窗口：本区尚未录入" not in html
