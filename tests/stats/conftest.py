"""A small catalog of the district and a generated history over it, for the stats tests."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.cases.factories import StaffFactory, make_chain_theme
from tests.catalog.factories import DepartmentFactory, MatterFactory, RegionFactory
from tests.hall.factories import OutletFactory, QueueFactory, WindowFactory
from tests.licences.factories import LicenceTypeFactory
from yishi.catalog.models import Department
from yishi.core.models import CalendarDay
from yishi.core.roles import Role
from yishi.hall.models import Window

# The history ends here: four months that hold 元旦, the Spring Festival (2/15–2/23) with its
# adjusted working days (2/14, 2/28), and an administrator's extra rest day (3/16).
UNTIL = dt.date(2026, 3, 31)
DAYS = 120
ADMIN_HOLIDAY = dt.date(2026, 3, 16)


def make_catalog():
    """Two service centres with outlets, a chain theme and three single matters."""
    CalendarDay.objects.create(date=ADMIN_HOLIDAY, kind=CalendarDay.Kind.HOLIDAY, name="测试休息日")
    district = DepartmentFactory(
        code="LZH-ZWZX",
        name="梁子湖区政务服务中心",
        kind=Department.Kind.SERVICE_CENTRE,
        region=RegionFactory(code="420702", name="梁子湖区"),
    )
    town = DepartmentFactory(
        code="TH-BMFW", name="太和镇便民服务中心", kind=Department.Kind.SERVICE_CENTRE
    )
    chain = make_chain_theme()
    health = DepartmentFactory(name="梁子湖区卫生健康局", code="LZH-WJJ")
    matters = {
        "instant": MatterFactory(name="即办测试事项", department=health, instant=True),
        "short": MatterFactory(
            name="短时限事项", department=health, promised_limit_days=2, legal_limit_days=5
        ),
        "long": MatterFactory(
            name="长时限事项",
            department=chain["departments"]["a"],
            promised_limit_days=10,
            legal_limit_days=20,
        ),
    }
    # The short matter yields a licence held by a person, valid five years.
    licence_type = LicenceTypeFactory(
        code="STATSLIC", name="统计测试证", holder_kind="person", validity_years=5
    )
    licence_type.issuing_matters.add(matters["short"])
    for n, centre in enumerate((district, town)):
        outlet = OutletFactory(code=f"stats-hall-{n}")
        outlet.department = centre
        outlet.save(update_fields=["department"])
        QueueFactory(outlet=outlet, letter="A", name="综合受理", is_general=True)
        WindowFactory(outlet=outlet, number=1, kind=Window.Kind.GENERAL, serves_all=True)
    clerk = StaffFactory(service_centre=district, department=district)
    reviewer = StaffFactory(reviewer=True, department=chain["departments"]["a"])
    return {
        "district": district,
        "town": town,
        "chain": chain,
        "health": health,
        "matters": matters,
        "licence_type": licence_type,
        "clerk": clerk,
        "reviewer": reviewer,
    }


@pytest.fixture
def catalog(db):
    return make_catalog()


@pytest.fixture
def history(catalog):
    from yishi.stats.history import generate

    result = generate(applications=400, days=DAYS, seed=11, until=UNTIL, batch=150)
    return catalog | {"result": result}


@pytest.fixture
def lead(catalog):
    """The lead of department a (chain theme's first matter and the long matter)."""
    return StaffFactory(role=Role.DEPARTMENT_LEAD, department=catalog["chain"]["departments"]["a"])
