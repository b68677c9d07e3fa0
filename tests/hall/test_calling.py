"""Calling: skill-based, priority-aware and fair; recall, no-show, transfer, finish."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from tests.cases.factories import StaffFactory
from tests.catalog.factories import DepartmentFactory, MatterFactory
from tests.hall.conftest import NOW, minutes, on_duty
from yishi.catalog.models import Department
from yishi.core.errors import Conflict, PermissionDeniedError, ValidationFailed
from yishi.core.models import AuditEntry
from yishi.hall import policy, services
from yishi.hall.models import Ticket
from yishi.hall.policy import Priority

pytestmark = pytest.mark.django_db
TS = Ticket.Status


def take(hall, queue=None, at=NOW, priority=Priority.ORDINARY, reason=""):
    """A ticket; a green-channel claim (priority GREEN) is confirmed by a clerk at once, so
    these tests see a verified green ticket (unverified claims: test_green_claims)."""
    ticket = services.ticket_take(
        outlet=hall.outlet,
        queue=queue or hall.a,
        priority=priority,
        green_reason=reason,
        now=at,
    )
    if priority == Priority.GREEN:
        ticket = services.ticket_claim_confirm(ticket=ticket, staff=StaffFactory().user, now=at)
    return ticket


def test_green_ticket_taken_after_twenty_ordinary_is_called_first(hall):
    ordinary = [take(hall, at=minutes(i * 0.5)) for i in range(20)]
    green = take(hall, at=minutes(10.5), priority=Priority.GREEN, reason="elderly")
    assert (green.number, green.priority, green.claim) == ("V001", 2, Ticket.Claim.VERIFIED)
    staff = on_duty(hall.general)

    first = services.ticket_call_next(window=hall.general, staff=staff, now=minutes(11))

    assert first.pk == green.pk
    assert first.status == TS.CALLED and first.window == hall.general
    assert all(Ticket.objects.get(pk=t.pk).status == TS.WAITING for t in ordinary)


def test_ordinary_ticket_is_not_overtaken_by_one_arriving_beyond_the_fairness_bound(hall):
    bound = policy.FAIRNESS_BOUND
    early = take(hall, at=NOW)
    late_green = take(
        hall,
        at=NOW + bound + dt.timedelta(seconds=1),
        priority=Priority.GREEN,
        reason="pregnant",
    )
    staff = on_duty(hall.general)
    now = NOW + bound + dt.timedelta(minutes=1)

    first = services.ticket_call_next(window=hall.general, staff=staff, now=now)
    services.ticket_finish(ticket=first, staff=staff, now=now)
    second = services.ticket_call_next(window=hall.general, staff=staff, now=now)

    assert [first.pk, second.pk] == [early.pk, late_green.pk]


def test_window_without_the_skill_never_gets_a_ticket_it_cannot_serve(hall):
    for i in range(5):
        take(hall, queue=hall.a, at=minutes(i))
    take(hall, at=minutes(6), priority=Priority.GREEN, reason="disabled")
    b = take(hall, queue=hall.b, at=minutes(7))
    staff = on_duty(hall.special)

    got = services.ticket_call_next(window=hall.special, staff=staff, now=minutes(8))
    services.ticket_finish(ticket=got, staff=staff, now=minutes(9))
    none = services.ticket_call_next(window=hall.special, staff=staff, now=minutes(9))

    assert got.pk == b.pk
    assert none is None
    assert Ticket.objects.filter(status=TS.WAITING).count() == 6


def test_green_window_serves_green_then_general_but_not_the_specialist_queue(hall):
    b = take(hall, queue=hall.b, at=NOW)
    a = take(hall, queue=hall.a, at=minutes(1))
    v = take(hall, at=minutes(2), priority=Priority.GREEN, reason="military")
    staff = on_duty(hall.green)
    order = []
    for i in range(3):
        t = services.ticket_call_next(window=hall.green, staff=staff, now=minutes(3 + i))
        if t is None:
            break
        order.append(t.pk)
        services.ticket_finish(ticket=t, staff=staff, now=minutes(3 + i))
    assert order == [v.pk, a.pk]
    assert Ticket.objects.get(pk=b.pk).status == TS.WAITING


def test_two_windows_calling_one_after_another_get_different_tickets(hall):
    t1, t2 = take(hall, at=NOW), take(hall, at=minutes(1))
    s1, s2 = on_duty(hall.general), on_duty(hall.green)
    c1 = services.ticket_call_next(window=hall.general, staff=s1, now=minutes(2))
    c2 = services.ticket_call_next(window=hall.green, staff=s2, now=minutes(2))
    assert {c1.pk, c2.pk} == {t1.pk, t2.pk}


def test_calling_needs_the_staff_member_signed_on_at_that_window(hall, staff):
    take(hall)
    with pytest.raises(PermissionDeniedError):
        services.ticket_call_next(window=hall.general, staff=staff, now=minutes(1))
    assert Ticket.objects.get().status == TS.WAITING


def test_calling_again_with_a_ticket_still_open_is_a_conflict(hall):
    take(hall), take(hall, at=minutes(1))
    staff = on_duty(hall.general)
    services.ticket_call_next(window=hall.general, staff=staff, now=minutes(2))
    with pytest.raises(Conflict, match="尚未办结"):
        services.ticket_call_next(window=hall.general, staff=staff, now=minutes(3))


def test_a_window_has_one_staff_member_at_a_time(hall):
    on_duty(hall.general)
    with pytest.raises(Conflict, match="已有工作人员"):
        on_duty(hall.general)


@override_settings(YISHI_HALL_MAX_RECALLS=2)
def test_recall_counts_and_the_recall_after_the_last_marks_no_show(hall):
    take(hall)
    staff = on_duty(hall.general)
    t = services.ticket_call_next(window=hall.general, staff=staff, now=minutes(1))
    t = services.ticket_recall(ticket=t, staff=staff, now=minutes(2))
    t = services.ticket_recall(ticket=t, staff=staff, now=minutes(3))
    assert (t.status, t.recall_count) == (TS.CALLED, 2)

    t = services.ticket_recall(ticket=t, staff=staff, now=minutes(4))

    assert t.status == TS.NO_SHOW
    assert services.window_current(hall.general) is None
    with pytest.raises(Conflict):
        services.ticket_recall(ticket=t, staff=staff, now=minutes(5))


def test_transfer_keeps_the_same_ticket_and_only_the_target_window_calls_it(hall):
    first = take(hall, at=NOW)
    take(hall, at=minutes(1))
    s1, s3 = on_duty(hall.general), on_duty(hall.green)
    called = services.ticket_call_next(window=hall.general, staff=s1, now=minutes(2))
    services.ticket_serve_start(ticket=called, staff=s1, now=minutes(3))

    moved = services.ticket_transfer(ticket=called, to_window=hall.green, staff=s1, now=minutes(4))

    assert (moved.pk, moved.number, moved.status) == (first.pk, "A001", TS.TRANSFERRED)
    assert Ticket.objects.count() == 2
    # The general window goes on with the next ordinary ticket, not the transferred one.
    nxt = services.ticket_call_next(window=hall.general, staff=s1, now=minutes(5))
    assert nxt.number == "A002"
    at_green = services.ticket_call_next(window=hall.green, staff=s3, now=minutes(5))
    assert (at_green.pk, at_green.window, at_green.transfer_count) == (first.pk, hall.green, 1)


def test_transfer_to_the_same_window_is_refused(hall):
    take(hall)
    s1 = on_duty(hall.general)
    t = services.ticket_call_next(window=hall.general, staff=s1, now=minutes(1))
    with pytest.raises(ValidationFailed, match="当前窗口"):
        services.ticket_transfer(ticket=t, to_window=hall.general, staff=s1)
    assert Ticket.objects.get().status == TS.CALLED


def test_finish_records_times_and_is_audited(hall):
    take(hall)
    s1 = on_duty(hall.general)
    t = services.ticket_call_next(window=hall.general, staff=s1, now=minutes(2))
    t = services.ticket_serve_start(ticket=t, staff=s1, now=minutes(3))
    t = services.ticket_finish(ticket=t, staff=s1, now=minutes(10))
    t.refresh_from_db()
    assert t.status == TS.DONE
    assert (t.called_at, t.served_started_at, t.finished_at) == (
        minutes(2),
        minutes(3),
        minutes(10),
    )
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert "hall.ticket.take" in actions
    assert actions[-3:] == ["hall.ticket.call", "hall.ticket.serve", "hall.ticket.finish"]


def test_finish_and_call_next_closes_the_open_ticket_in_the_same_step(hall):
    first, second = take(hall, at=NOW), take(hall, at=minutes(1))
    staff = on_duty(hall.general)
    services.ticket_call_next(window=hall.general, staff=staff, now=minutes(2))
    got = services.ticket_call_next(
        window=hall.general, staff=staff, finish_current=True, now=minutes(9)
    )
    first.refresh_from_db()
    assert got.pk == second.pk
    assert (first.status, first.finished_at) == (TS.DONE, minutes(9))
    assert (
        services.ticket_call_next(
            window=hall.general, staff=staff, finish_current=True, now=minutes(12)
        )
        is None
    )
    assert Ticket.objects.get(pk=second.pk).status == TS.DONE


def test_a_window_with_a_matter_skill_calls_that_matters_tickets_from_any_queue(hall):
    matter = MatterFactory()
    hall.special.matters.add(matter)
    take(hall, at=NOW)  # ordinary A ticket without the matter
    mine = services.ticket_take(outlet=hall.outlet, matter=matter, now=minutes(1))
    assert mine.queue == hall.a
    staff = on_duty(hall.special)
    assert services.ticket_call_next(window=hall.special, staff=staff, now=minutes(2)).pk == mine.pk


def test_staff_of_another_service_centre_cannot_act_at_this_outlet(hall):
    centre = DepartmentFactory(kind=Department.Kind.SERVICE_CENTRE)
    hall.outlet.department = DepartmentFactory(kind=Department.Kind.SERVICE_CENTRE)
    hall.outlet.save()
    outsider = StaffFactory(service_centre=centre).user
    with pytest.raises(PermissionDeniedError, match="不是该网点"):
        services.window_sign_on(window=hall.general, staff=outsider, now=NOW)
    assert not hall.general.sessions.exists()
