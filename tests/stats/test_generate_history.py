"""generate_history: consistent with the catalog, the calendar, the deadlines and the audit
chain; deterministic; its fast audit seal equals the audit module's."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from tests.stats.conftest import ADMIN_HOLIDAY, DAYS, UNTIL
from yishi.cases import deadlines
from yishi.cases.models import Application, CaseEvent, Pause, SubCase
from yishi.core.audit import audit_verify, entry_hash
from yishi.core.models import AuditEntry
from yishi.core.workdays import add_working_days, is_workday
from yishi.hall.models import Ticket
from yishi.licences.models import Licence, LicenceSerial
from yishi.licences.services import licence_issue, licence_number_valid
from yishi.licences.verification import signature_holds
from yishi.stats.history import seal

SEAL_SETUP = ("licences.seal.create", "signing_key.create")


def test_counts_add_up(history):
    result = history["result"]
    assert result.applications == Application.objects.count() == 400
    assert result.subcases == SubCase.objects.count()
    assert result.events == CaseEvent.objects.count()
    # one audit entry per timeline event, and one per licence issued
    assert result.audit == result.events + result.licences
    # besides: the issuing department's seal and its key, made on the seal's first use
    assert result.audit == AuditEntry.objects.exclude(action__in=SEAL_SETUP).count()
    assert AuditEntry.objects.filter(action__in=SEAL_SETUP).count() == 2
    assert result.pauses == Pause.objects.count() > 0
    assert result.tickets == Ticket.objects.count() > 0
    # every application: one submit and one accept; every started sub-case one start
    actions = dict(CaseEvent.objects.values_list("action").annotate(n=Count("pk")))
    assert actions["submit"] == actions["accept"] == 400
    assert actions["start"] == SubCase.objects.filter(started_on__isnull=False).count()


def test_approved_subcases_of_a_licence_matter_hold_a_signed_licence(history):
    short = history["matters"]["short"]
    approved = SubCase.objects.filter(matter=short, status=SubCase.Status.APPROVED)
    licences = Licence.objects.select_related("type", "issuer", "person", "subcase")
    assert history["result"].licences == licences.count() == approved.count() > 0
    for licence in licences:
        sub = licence.subcase
        assert sub.matter_id == short.pk and sub.status == SubCase.Status.APPROVED
        assert licence.person_id == sub.application.person_id
        assert licence.issuer_id == short.department_id
        assert licence.issued_on == licence.valid_from == timezone.localdate(sub.decided_at)
        assert licence.valid_until == licence.valid_from.replace(
            year=licence.valid_from.year + 5
        ) - dt.timedelta(days=1)
        assert licence.data == {"holder_name": licence.person.name}
        assert licence_number_valid(licence.number)
        assert signature_holds(licence), licence.number
    issued = AuditEntry.objects.filter(action="licences.licence.issue")
    assert sorted(issued.values_list("object_id", flat=True)) == sorted(
        licences.values_list("number", flat=True)
    )


def test_a_licence_issued_after_the_history_continues_its_serial(history):
    short = history["matters"]["short"]
    latest = Licence.objects.order_by("-issued_on", "-number").first()
    year = latest.issued_on.year
    used = Licence.objects.filter(issued_on__year=year).count()
    assert LicenceSerial.objects.get(type=history["licence_type"], year=year).last == used
    sub = SubCase.objects.filter(matter=short, status=SubCase.Status.APPROVED).first()
    fresh = licence_issue(
        type=history["licence_type"],
        holder=sub.application.person,
        issuer=short.department,
        data={},
        today=latest.issued_on,
    )
    assert fresh.number.split("-")[-2] == f"{used + 1:06d}"
    assert signature_holds(fresh)


def test_a_ticket_taken_on_a_day_of_the_history_gets_the_next_number(history):
    from yishi.hall.services import ticket_take

    last = Ticket.objects.order_by("-arrived_at").select_related("outlet", "queue").first()
    letter = last.queue.letter
    numbers = Ticket.objects.filter(outlet=last.outlet, day=last.day, number__startswith=letter)
    highest = max(int(n[1:]) for n in numbers.values_list("number", flat=True))
    fresh = ticket_take(
        outlet=last.outlet, queue=last.queue, now=last.arrived_at + dt.timedelta(minutes=1)
    )
    assert (fresh.day, fresh.number) == (last.day, f"{letter}{highest + 1:03d}")


def test_audit_chain_verifies(history):
    verification = audit_verify()
    assert verification.ok, verification.summary()
    assert verification.checked == history["result"].audit + 2  # the seal and its key
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "完整" in out.getvalue()


def test_rows_agree_with_catalog_and_calendar(history):
    first = UNTIL - dt.timedelta(days=DAYS - 1)
    apps = Application.objects.prefetch_related("subcases__matter", "pauses")
    for app in apps:
        assert first <= app.accepted_on <= UNTIL
        assert is_workday(app.accepted_on), app.accepted_on
        assert app.accepted_on != ADMIN_HOLIDAY
        assert (app.theme_id is None) != (app.matter_id is None)
        subs = list(app.subcases.all())
        assert subs
        for sub in subs:
            assert sub.department_id == sub.matter.department_id
            assert sub.matter.status == "published"
        if app.matter_id:
            assert [s.matter_id for s in subs] == [app.matter_id]
        spans = deadlines.pause_spans(app.pauses.all())
        assert app.promised_due == add_working_days(
            app.accepted_on, app.promised_chain_days, spans
        ), app.number
        assert app.number == f"YS{app.submitted_at.astimezone(deadlines_tz()):%Y%m%d}{app.pk:08d}"
        assert app.submitted_at <= app.accepted_at
        if app.completed_at:
            assert app.accepted_at < app.completed_at
            assert app.status in ("completed", "refused")
            assert all(s.status in ("approved", "refused") for s in subs)
        else:
            assert app.status == "accepted"
    for ticket in Ticket.objects.exclude(application=None).select_related("application"):
        assert ticket.application.channel != "online"
        assert (
            ticket.arrived_at <= ticket.called_at <= ticket.served_started_at <= ticket.finished_at
        )


def deadlines_tz():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Shanghai")


def test_same_seed_same_history(catalog):
    from yishi.stats.history import generate

    generate(applications=60, days=60, seed=5, until=UNTIL, ratings=False)
    first = list(
        Application.objects.order_by("pk").values_list(
            "accepted_on", "promised_due", "status", "channel", "matter_id", "theme_id"
        )
    )
    generate(applications=60, days=60, seed=5, until=UNTIL, ratings=False)
    second = list(
        Application.objects.order_by("pk").values_list(
            "accepted_on", "promised_due", "status", "channel", "matter_id", "theme_id"
        )
    )[60:]
    assert first == second
    assert audit_verify().ok


@pytest.mark.parametrize("note", ["", "请补充材料", 'quote " and \\ backslash', "换行\n制表\t"])
def test_fast_seal_is_the_audit_modules_hash(note):
    at = dt.datetime(2026, 2, 14, 1, 2, 3, 456789, tzinfo=dt.UTC)
    data, digest = seal(
        "ab" * 32,
        at,
        "clerk1",
        "cases.subcase.start",
        "cases.subcase",
        "42",
        "waiting",
        "pending",
        note,
    )
    assert digest == entry_hash(
        prev_hash="ab" * 32,
        at=at,
        actor="clerk1",
        action="cases.subcase.start",
        object_type="cases.subcase",
        object_id="42",
        data={"from": "waiting", "to": "pending", "note": note},
    )


def test_command_prints_progress_and_a_json_result(catalog):
    out = io.StringIO()
    call_command(
        "generate_history",
        "--applications",
        "30",
        "--days",
        "30",
        "--until",
        UNTIL.isoformat(),
        stdout=out,
    )
    text = out.getvalue()
    assert "已生成 30/30" in text
    assert text.strip().splitlines()[-1].startswith('{"applications": 30')
