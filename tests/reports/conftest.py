from __future__ import annotations

import datetime as dt

import pytest

from tests.cases.factories import ApplicantFactory, StaffFactory
from tests.reports.factories import department_lead, duty_leader, matter_in
from yishi.reports import services
from yishi.reports.models import Report

MONDAY = dt.date(2026, 3, 2)


@pytest.fixture
def leader():
    return duty_leader()


@pytest.fixture
def matter():
    return matter_in()


@pytest.fixture
def resident():
    return ApplicantFactory()


@pytest.fixture
def lead(matter):
    return department_lead(matter.department)


@pytest.fixture
def clerk():
    return StaffFactory()


@pytest.fixture
def report(resident, matter):
    return services.report_create(
        actor=resident.user,
        channel=Report.Channel.ONLINE,
        obstacle="materials",
        matter=matter.code,
        description="材料要求前后不一致",
        today=MONDAY,
    )
