"""Pages: kiosk check-in of an appointment, booking and cancelling, the green-channel desk."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.cases.factories import ApplicantFactory, StaffFactory
from tests.catalog.factories import MatterFactory
from tests.people.factories import PersonFactory
from yishi.core.synthetic import make_ric
from yishi.hall import services
from yishi.hall.models import Appointment, GreenChannelRequest, Ticket
from yishi.people.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def today_slot(hall):
    """A slot starting half a minute from now: still today, whatever the time of the run
    (short of the last half minute before midnight)."""
    start = timezone.localtime() + dt.timedelta(seconds=30)
    return hall.outlet.slots.create(matter=MatterFactory(), starts_at=start, capacity=2)


def test_kiosk_check_in_turns_a_booking_into_a_priority_ticket(client, hall, today_slot):
    a = services.appointment_book(user=ApplicantFactory().user, slot=today_slot)
    r = client.post("/hall/test-centre/check-in/", {"code": a.code.lower()})
    ticket = Ticket.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/hall/ticket/{ticket.token}/"
    assert (ticket.priority, ticket.channel) == (1, Ticket.Channel.APPOINTMENT)


def test_kiosk_check_in_with_an_unknown_code_says_so(client, hall):
    r = client.post("/hall/test-centre/check-in/", {"code": "NOPE"})
    assert r.status_code == 422 and "预约码不存在" in r.content.decode()
    assert not Ticket.objects.exists()


def test_booking_page_needs_login_then_books_and_cancels(client, hall, today_slot):
    url = f"/hall/test-centre/book/?matter={today_slot.matter.code}&day={timezone.localdate()}"
    assert client.get(url).status_code == 302
    client.force_login(ApplicantFactory().user)
    html = client.get(url).content.decode()
    assert "余 2 个" in html
    r = client.post(url, {"slot": today_slot.pk}, follow=True)
    a = Appointment.objects.get()
    assert f"预约码 {a.code}" in r.content.decode()
    client.post(url, {"cancel": a.code})
    a.refresh_from_db()
    assert a.status == Appointment.Status.CANCELLED


def test_green_desk_registers_an_elderly_person_by_id_number_and_issues_a_ticket(client, hall):
    client.force_login(StaffFactory().user)
    elderly_id = make_ric("420702", dt.date(1950, 6, 1), seq=7, sex="F")
    r = client.post(
        "/workbench/hall/test-centre/green/",
        {
            "service": "accompany",
            "reason": "elderly",
            "id_number": elderly_id,
            "name": "王阿婆",
            "issue_ticket": "1",
        },
        follow=True,
    )
    assert "绿色通道号 V001" in r.content.decode()
    req = GreenChannelRequest.objects.get()
    assert (req.person.name, req.ticket.number) == ("王阿婆", "V001")
    assert elderly_id not in r.content.decode()


def test_green_desk_refuses_a_young_person_as_elderly_and_records_nothing(client, hall):
    client.force_login(StaffFactory().user)
    young = PersonFactory(birth=dt.date(1995, 1, 1))
    r = client.post(
        "/workbench/hall/test-centre/green/",
        {"service": "priority", "reason": "elderly", "id_number": young.id_number},
        follow=True,
    )
    assert "未满60周岁" in r.content.decode()
    assert not GreenChannelRequest.objects.exists() and not Ticket.objects.exists()
    assert Person.objects.count() == 1


def test_green_desk_assign_and_complete(client, hall):
    staff = StaffFactory().user
    r = services.green_request_create(
        outlet=hall.outlet,
        service="home",
        reason="disabled",
        contact_name="赵先生",
        address="太和镇示例村1号",
    )
    client.force_login(staff)
    url = "/workbench/hall/test-centre/green/"
    client.post(url, {"action": "assign", "request": r.pk})
    client.post(url, {"action": "complete", "request": r.pk, "result": "已上门办结"})
    r.refresh_from_db()
    assert (r.status, r.assigned_to, r.result) == (
        GreenChannelRequest.Status.DONE,
        staff,
        "已上门办结",
    )


def test_the_public_hall_page_lists_outlets_with_ticket_booking_and_screen_links(client, hall):
    services.ticket_take(outlet=hall.outlet, queue=hall.a)
    page = client.get("/hall/").content.decode()
    assert "测试政务服务中心" in page
    assert "当前等候 <strong>1</strong> 人" in page
    for path in ("take", "book", "check-in", "screen"):
        assert f'href="/hall/test-centre/{path}/"' in page
    assert 'href="/hall/"' in client.get("/").content.decode()  # in the main navigation
