"""服务大厅 API: take a ticket, follow it, call next, appointments; bad input is a Chinese
problem+json 4xx and changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.cases.factories import ApplicantFactory, StaffFactory
from tests.catalog.factories import MatterFactory
from yishi.hall import services
from yishi.hall.models import Appointment, Ticket

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def post(client, url, body=None):
    return client.post(url, body or {}, content_type="application/json")


def assert_problem(response, status, field=None):
    assert response.status_code == status
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"])  # Chinese
    if field:
        assert body["field"] == field
    return body


def test_anyone_takes_a_ticket_and_follows_it(client, hall):
    r = post(client, "/api/v1/hall/outlets/test-centre/tickets", {"queue": "a"})
    assert r.status_code == 201
    body = r.json()
    assert (body["number"], body["queue"], body["status"], body["ahead"]) == (
        "A001",
        "A",
        "waiting",
        0,
    )
    again = client.get(f"/api/v1/hall/tickets/{body['token']}").json()
    assert again["number"] == "A001"


def test_outlets_list_shows_queues_and_marks_sample_locations(client, hall):
    [o] = client.get("/api/v1/hall/outlets").json()
    assert o["code"] == "test-centre" and o["sample_location"] is True
    assert [q["letter"] for q in o["queues"]] == ["A", "B", "V"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"queue": "Z"}, 422, "queue"),
        ({"matter": "NO-SUCH"}, 422, "matter"),
        ({"green_reason": "vip"}, 422, "reason"),
        ({"queue": 5}, 422, None),
    ],
)
def test_bad_ticket_input_is_a_chinese_problem_and_issues_nothing(
    client, hall, body, status, field
):
    r = post(client, "/api/v1/hall/outlets/test-centre/tickets", body)
    assert_problem(r, status, field)
    assert not Ticket.objects.exists()


def test_unknown_outlet_and_ticket_are_404_problems(client, hall):
    assert_problem(post(client, "/api/v1/hall/outlets/nowhere/tickets", {}), 404, "outlet")
    assert_problem(client.get("/api/v1/hall/tickets/not-a-token"), 404, "token")
    assert_problem(
        client.get("/api/v1/hall/tickets/00000000-0000-0000-0000-000000000000"), 404, "token"
    )


def test_call_next_needs_login_and_a_session_at_the_window(client, hall):
    services.ticket_take(outlet=hall.outlet, queue=hall.a)
    url = f"/api/v1/hall/windows/{hall.general.pk}/call-next"
    assert post(client, url).status_code == 401
    staff = StaffFactory().user
    client.force_login(staff)
    assert_problem(post(client, url), 403, "window")
    services.window_sign_on(window=hall.general, staff=staff)
    r = post(client, url)
    assert r.status_code == 200
    assert r.json()["ticket"]["number"] == "A001"
    assert r.json()["ticket"]["window"] == 1
    assert_problem(post(client, url), 409, "window")


def test_applicant_books_lists_cancels_an_appointment(client, hall):
    matter = MatterFactory()
    day = timezone.localdate() + dt.timedelta(days=1)
    hall.outlet.opening_hours = {str(day.isoweekday()): [["09:00", "10:00"]]}
    hall.outlet.save()
    services.appointment_slots_open(outlet=hall.outlet, matter=matter, day=day)
    slots = client.get(
        f"/api/v1/hall/outlets/test-centre/slots?matter={matter.code}&day={day}"
    ).json()
    assert [s["available"] for s in slots] == [2, 2]
    client.force_login(ApplicantFactory().user)

    r = post(client, "/api/v1/hall/appointments", {"slot": slots[0]["id"]})
    assert r.status_code == 201
    code = r.json()["code"]
    assert_problem(post(client, "/api/v1/hall/appointments", {"slot": slots[0]["id"]}), 409, "slot")
    assert [a["code"] for a in client.get("/api/v1/hall/appointments").json()] == [code]
    assert post(client, f"/api/v1/hall/appointments/{code}/cancel").json()["status"] == "cancelled"
    assert_problem(post(client, "/api/v1/hall/appointments", {"slot": 999999}), 422, "slot")
    assert_problem(post(client, f"/api/v1/hall/appointments/{code}/check-in"), 422, "appointment")
    assert Appointment.objects.get().status == Appointment.Status.CANCELLED


def test_a_finished_ticket_is_rated_once_through_the_ratings_api(client, hall):
    """The old `POST /api/v1/hall/tickets/{token}/rating` is gone: a ticket is rated through
    `POST /api/v1/ratings` with its token (yishi.ratings)."""
    t = services.ticket_take(outlet=hall.outlet, queue=hall.a)
    assert post(client, f"/api/v1/hall/tickets/{t.token}/rating", {"score": 5}).status_code == 404
    url = "/api/v1/ratings"
    body = {"target": {"kind": "ticket", "ref": str(t.token)}, "stage": "service", "level": 5}
    assert_problem(post(client, url, body), 409, "stage")
    staff = StaffFactory().user
    services.window_sign_on(window=hall.general, staff=staff)
    services.ticket_call_next(window=hall.general, staff=staff)
    services.ticket_finish(ticket=t, staff=staff)
    assert_problem(post(client, url, {**body, "level": 9}), 422, "level")
    r = post(client, url, body)
    assert r.status_code == 201
    assert r.json()["level"] == 5
    assert_problem(post(client, url, {**body, "level": 4}), 409, "stage")


def test_check_in_by_code_on_the_day_gives_a_ticket(client, hall):
    start = timezone.localtime() + dt.timedelta(seconds=30)
    slot = hall.outlet.slots.create(matter=MatterFactory(), starts_at=start, capacity=1)
    a = services.appointment_book(user=ApplicantFactory().user, slot=slot)
    r = post(client, f"/api/v1/hall/appointments/{a.code}/check-in")
    assert r.status_code == 200
    assert (r.json()["number"], r.json()["priority"]) == ("A001", "appointment")
    assert_problem(post(client, f"/api/v1/hall/appointments/{a.code}/check-in"), 409, "appointment")


def test_one_api_caller_is_bounded_at_an_outlet(client, hall, settings):
    settings.YISHI_HALL_TICKETS_PER_API_CLIENT = 2
    for _ in range(2):
        assert (
            post(client, "/api/v1/hall/outlets/test-centre/tickets", {"queue": "A"}).status_code
            == 201
        )
    assert_problem(
        post(client, "/api/v1/hall/outlets/test-centre/tickets", {"queue": "A"}), 429, "queue"
    )
