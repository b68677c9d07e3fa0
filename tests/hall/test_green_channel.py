"""绿色通道: eligibility, 陪同办/代理办/优先办/上门办 requested, assigned, completed."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.cases.factories import StaffFactory
from tests.hall.conftest import NOW
from tests.people.factories import CompanyFactory, PersonFactory
from yishi.core.errors import Conflict, PermissionDeniedError, ValidationFailed
from yishi.hall import services
from yishi.hall.models import GreenChannelRequest as G

pytestmark = pytest.mark.django_db


def test_elderly_priority_service_issues_a_green_ticket_and_runs_to_completion(hall):
    person = PersonFactory(elderly=True)
    staff, helper = StaffFactory().user, StaffFactory().user
    r = services.green_request_create(
        outlet=hall.outlet,
        service="priority",
        reason="elderly",
        person=person,
        issue_ticket=True,
        now=NOW,
    )
    assert (r.status, r.ticket.number, r.ticket.priority) == (G.Status.REQUESTED, "V001", 2)
    r = services.green_request_assign(request=r, staff=staff, assignee=helper, now=NOW)
    assert (r.status, r.assigned_to) == (G.Status.ASSIGNED, helper)
    with pytest.raises(PermissionDeniedError):
        services.green_request_complete(request=r, staff=staff, result="已办结")
    r = services.green_request_complete(request=r, staff=helper, result="已陪同办结", now=NOW)
    assert (r.status, r.result, r.completed_at) == (G.Status.DONE, "已陪同办结", NOW)
    with pytest.raises(Conflict):
        services.green_request_assign(request=r, staff=staff, assignee=helper)


def test_elderly_reason_is_checked_against_the_birth_date(hall):
    with pytest.raises(ValidationFailed, match="未满60周岁"):
        services.green_request_create(
            outlet=hall.outlet,
            service="accompany",
            reason="elderly",
            person=PersonFactory(birth=dt.date(1980, 5, 5)),
            now=NOW,
        )
    with pytest.raises(ValidationFailed) as err:
        services.green_request_create(outlet=hall.outlet, service="accompany", reason="elderly")
    assert err.value.field == "person"
    assert not G.objects.exists()


def test_home_service_needs_an_address_and_key_project_needs_a_company(hall):
    with pytest.raises(ValidationFailed) as err:
        services.green_request_create(
            outlet=hall.outlet,
            service="home",
            reason="disabled",
            person=PersonFactory(disability_type="physical", disability_grade=2),
        )
    assert err.value.field == "address"
    with pytest.raises(ValidationFailed) as err:
        services.green_request_create(
            outlet=hall.outlet, service="proxy", reason="key_project", contact_name="张经理"
        )
    assert err.value.field == "company"
    r = services.green_request_create(
        outlet=hall.outlet,
        service="proxy",
        reason="key_project",
        company=CompanyFactory(key_project=True),
    )
    assert r.get_service_display() == "代理办"


def test_the_disabled_and_key_project_reasons_are_checked_against_the_registries(hall):
    with pytest.raises(ValidationFailed, match="未查到该申请人的残疾人证") as err:
        services.green_request_create(
            outlet=hall.outlet, service="priority", reason="disabled", person=PersonFactory()
        )
    assert err.value.field == "reason"
    with pytest.raises(ValidationFailed, match="未列入重点项目企业名单") as err:
        services.green_request_create(
            outlet=hall.outlet, service="proxy", reason="key_project", company=CompanyFactory()
        )
    assert err.value.field == "company"
    assert not G.objects.exists()


def test_unknown_service_is_refused_in_chinese(hall):
    with pytest.raises(ValidationFailed, match="服务方式") as err:
        services.green_request_create(
            outlet=hall.outlet, service="vip", reason="talent", contact_name="李四"
        )
    assert err.value.field == "service"
