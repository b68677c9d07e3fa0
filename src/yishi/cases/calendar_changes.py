"""Open deadlines follow the working-day calendar.

When an administrator enters, changes or deletes calendar rows (core records
CALENDAR_CHANGED with the dates), every running deadline whose count may cross one of those
dates is computed again. Where a date moved, the timeline says so, the applicant gets a
message (in the platform and by SMS through the outbox) and so do the clerks who handle it:
the departments' reviewers for a sub-case, the first-inquiry owner (首问负责人) for the
application. Running it twice changes nothing and sends nothing more.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from yishi.cases import deadlines
from yishi.cases.models import Application, Message, SubCase
from yishi.cases.services import case_note, notify_applicant
from yishi.catalog.models import StaffProfile
from yishi.core.events import handler
from yishi.core.roles import Role, holders_q
from yishi.core.workdays import CALENDAR_CHANGED, calendar_scope

ACTOR = "system:calendar"
ACTION = "deadline_moved"
RUNNING = (SubCase.Status.PENDING, SubCase.Status.SUPPLEMENT_REQUESTED)
LABELS = {"promised_due": "承诺办结日期", "legal_due": "法定办结期限"}


@dataclass(frozen=True)
class Moved:
    """One stored deadline that the calendar change moved."""

    application_id: int
    subcase_id: int | None
    field: str  # "promised_due" | "legal_due"
    before: dt.date | None
    after: dt.date

    @property
    def text(self) -> str:
        return f"{LABELS[self.field]}由 {_day(self.before)} 调整为 {_day(self.after)}"


def _day(value: dt.date | None) -> str:
    return value.isoformat() if value else "—"


def _affected_applications(first: dt.date, last: dt.date) -> list[int]:
    """Applications with a running deadline that can count across a date in first..last:
    its clock started before `last` and it falls on or after `first`."""
    due_after = Q(promised_due__gte=first) | Q(legal_due__gte=first)
    own = Application.objects.filter(
        due_after, status=Application.Status.ACCEPTED, accepted_on__lt=last
    ).values_list("pk", flat=True)
    through_subcases = SubCase.objects.filter(
        due_after, status__in=RUNNING, started_on__lt=last
    ).values_list("application_id", flat=True)
    return sorted({*own, *through_subcases})


def _recompute(row: Application | SubCase, start: dt.date, days: dict[str, int], spans) -> list:
    """Set each deadline of `row` again; return the (field, before, after) that moved."""
    moved = []
    for field, count in days.items():
        after = deadlines.due(start, count, spans)
        before = getattr(row, field)
        if after != before:
            setattr(row, field, after)
            moved.append((field, before, after))
    if moved:
        row.save(update_fields=[field for field, _, _ in moved])
    return moved


def _reviewers(department_id: int) -> list[int]:
    """The users who review the department's sub-cases."""
    return sorted(
        set(
            StaffProfile.objects.filter(holders_q(Role.REVIEWER, prefix="user__"))
            .filter(department_id=department_id)
            .values_list("user_id", flat=True)
        )
    )


def _application_moves(application: Application) -> list[Moved]:
    """Recompute the running deadlines of one (locked) application and tell everyone."""
    spans = deadlines.pause_spans(application.pauses.all())
    moves: list[Moved] = []
    clerk_lines: dict[int, list[str]] = defaultdict(list)
    subcase_lines: list[str] = []
    subcases = application.subcases.filter(
        status__in=RUNNING, started_on__isnull=False
    ).select_related("matter", "department")
    for subcase in subcases:
        changed = _recompute(
            subcase,
            subcase.started_on,
            {"promised_due": subcase.promised_days, "legal_due": subcase.legal_days},
            spans,
        )
        if not changed:
            continue
        found = [Moved(application.pk, subcase.pk, *c) for c in changed]
        moves += found
        line = f"「{subcase.matter.name}」" + "，".join(m.text for m in found)
        subcase_lines.append(line)
        case_note(application=application, subcase=subcase, actor=ACTOR, action=ACTION, note=line)
        for user_id in _reviewers(subcase.department_id):
            clerk_lines[user_id].append(f"{subcase.department.name}子件{line}")
    own: list[Moved] = []
    if application.accepted_on is not None:
        changed = _recompute(
            application,
            application.accepted_on,
            {
                "promised_due": application.promised_chain_days,
                "legal_due": application.legal_chain_days,
            },
            spans,
        )
        own = [Moved(application.pk, None, *c) for c in changed]
        moves += own
    if not moves:
        return []
    if own:
        line = "，".join(m.text for m in own)
        case_note(application=application, actor=ACTOR, action=ACTION, note=line)
        if application.first_owner_id:
            clerk_lines[application.first_owner_id].insert(0, line)
    what = f"「{application.title}」（{application.number}）"
    reason = "因节假日安排调整"
    told = "，".join(m.text for m in own) if own else "；".join(subcase_lines)
    notify_applicant(application, f"您的办件{what}{reason}，{told}。")
    Message.objects.bulk_create(
        Message(
            user_id=user_id,
            application=application,
            text=f"办件 {application.number}「{application.title}」{reason}：{'；'.join(lines)}。",
        )
        for user_id, lines in sorted(clerk_lines.items())
    )
    return moves


def deadlines_follow_calendar(dates: Iterable[dt.date]) -> list[Moved]:
    """Recompute every running deadline that may count across one of `dates` (calendar rows
    just entered, changed or deleted); returns what moved. Idempotent."""
    changed = sorted(set(dates))
    if not changed:
        return []
    ids = _affected_applications(changed[0], changed[-1])
    moves: list[Moved] = []
    with transaction.atomic(), calendar_scope():
        for application in (
            Application.objects.select_for_update(of=("self",), no_key=True)
            .filter(pk__in=ids, status=Application.Status.ACCEPTED)
            .select_related("theme", "matter", "person")
            .order_by("pk")
        ):
            moves += _application_moves(application)
    return moves


@handler(CALENDAR_CHANGED, name="cases.deadlines_follow_calendar")
def on_calendar_changed(event) -> None:
    """After an administrator's calendar change commits: move the open deadlines it affects."""
    dates = [dt.date.fromisoformat(str(d)) for d in (event.payload or {}).get("dates", [])]
    deadlines_follow_calendar(dates)
