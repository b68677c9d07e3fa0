"""Remote tickets are hall tickets: taken for a matter served by a remote window, called
only by clerks signed on to a remote window (never by a counter), finished through the
hall's services, so their waits and service times are in the hall dashboard's figures."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.remote.factories import take
from yishi.core.errors import PermissionDeniedError, ValidationFailed
from yishi.hall import queries as hall_queries
from yishi.hall import services as hall
from yishi.hall.models import Ticket
from yishi.remote import services
from yishi.remote.models import RemoteSession

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)


def at(minutes: float) -> dt.datetime:
    return NOW + dt.timedelta(minutes=minutes)


def test_a_remote_ticket_is_a_hall_ticket_of_the_remote_windows_outlet(w):
    session = take(w, now=NOW)
    t = session.ticket
    assert t.channel == Ticket.Channel.REMOTE
    assert t.outlet == w.outlet and t.matter == w.matter and t.person == w.resident.person
    assert t.status == Ticket.Status.WAITING and t.number == "A001"
    assert session.status == RemoteSession.Status.WAITING and session.point == w.village


def test_a_matter_no_remote_window_serves_is_refused(w):
    with pytest.raises(ValidationFailed) as refused:
        services.remote_ticket_take(user=w.resident.user, matter=w.other_matter)
    assert "暂未开通远程视频办理" in refused.value.message and refused.value.field == "matter"
    assert not Ticket.objects.exists()


def test_staff_without_an_applicant_account_cannot_take_a_remote_ticket(w):
    with pytest.raises(PermissionDeniedError):
        services.remote_ticket_take(user=w.clerk.user, matter=w.matter)


def test_a_counter_that_serves_everything_never_calls_a_remote_ticket(w):
    take(w, now=NOW)
    hall.window_sign_on(window=w.counter, staff=w.counter_clerk.user, now=NOW)
    assert hall.ticket_call_next(window=w.counter, staff=w.counter_clerk.user, now=at(1)) is None


def test_a_remote_window_calls_remote_tickets_only(w):
    counter_ticket = hall.ticket_take(outlet=w.outlet, matter=w.matter, now=NOW)
    session = take(w, now=at(1))
    hall.window_sign_on(window=w.remote, staff=w.clerk.user, now=NOW)
    called = services.remote_call_next(window=w.remote, staff=w.clerk.user, now=at(2))
    assert called.pk == session.pk and called.clerk == w.clerk.user
    assert called.status == RemoteSession.Status.LIVE
    assert called.ticket.status == Ticket.Status.CALLED and called.ticket.window == w.remote
    counter_ticket.refresh_from_db()
    assert counter_ticket.status == Ticket.Status.WAITING


def test_calling_at_a_counter_window_through_the_remote_service_is_refused(w):
    hall.window_sign_on(window=w.counter, staff=w.clerk.user, now=NOW)
    with pytest.raises(ValidationFailed):
        services.remote_call_next(window=w.counter, staff=w.clerk.user, now=NOW)


def test_a_clerk_not_signed_on_cannot_call(w):
    take(w, now=NOW)
    with pytest.raises(PermissionDeniedError):
        services.remote_call_next(window=w.remote, staff=w.clerk.user, now=at(1))


def test_remote_tickets_count_in_the_hall_dashboards_waits_and_service_times(w, client):
    session = take(w, now=NOW)
    hall.window_sign_on(window=w.remote, staff=w.clerk.user, now=NOW)
    services.remote_call_next(window=w.remote, staff=w.clerk.user, now=at(12))
    session.refresh_from_db()
    services.session_connected(session=session, user=w.clerk.user, now=at(13))
    session.refresh_from_db()
    services.session_finish(session=session, staff=w.clerk.user, now=at(23))
    m = hall_queries.outlet_day_measures(w.outlet, NOW.date(), now=at(30))
    assert m.tickets == 1
    assert m.waiting == {"mean": 12.0, "p90": 12.0, "max": 12.0, "n": 1}
    assert m.service == {"mean": 10.0, "p90": 10.0, "max": 10.0, "n": 1}
    remote = next(x for x in m.windows if x.window == w.remote)
    assert remote.served == 1 and remote.busy_minutes == 10.0
    client.force_login(w.admin.user)
    html = client.get(f"/workbench/hall/{w.outlet.code}/dashboard/?day=2026-03-02").content.decode()
    assert "21号窗口" in html


def test_the_waiting_page_counts_only_remote_tickets_ahead(w):
    from yishi.remote import queries

    hall.ticket_take(outlet=w.outlet, matter=w.matter, now=NOW)  # a counter ticket
    take(w, now=at(1), resident=w.stranger)
    mine = take(w, now=at(2))
    place = queries.position(mine)
    assert place.ahead == 1
    assert place.wait_minutes == w.queue.mean_service_minutes


def test_a_remote_ticket_called_from_the_hall_window_page_is_taken_up_by_the_console(w, client):
    session = take(w, now=NOW)
    hall.window_sign_on(window=w.remote, staff=w.clerk.user, now=NOW)
    hall.ticket_call_next(window=w.remote, staff=w.clerk.user, now=at(1))
    client.force_login(w.clerk.user)
    html = client.get("/workbench/remote/").content.decode()
    session.refresh_from_db()
    assert session.status == RemoteSession.Status.LIVE and session.clerk == w.clerk.user
    assert f"/workbench/remote/{session.pk}/" in html
