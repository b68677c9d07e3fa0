"""Deferred materials' due dates (容缺后补) follow the working-day calendar: when an
administrator enters, changes or deletes calendar rows, every outstanding item whose count may
cross one of the changed dates is computed again; where a due date moved the applicant and the
clerk who accepted the application (首问负责人) are told. Idempotent."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction

from yishi.cases.models import Message
from yishi.core.events import handler
from yishi.core.workdays import CALENDAR_CHANGED, add_working_days, calendar_scope
from yishi.credit.models import Commitment, CommitmentItem
from yishi.credit.queries import cn_date


def deferred_dues_follow_calendar(dates: Iterable[dt.date]) -> list[tuple[int, dt.date, dt.date]]:
    """Recompute the due dates of outstanding deferred items of open commitments that may count
    across one of `dates`; returns (item id, before, after) of those that moved."""
    changed = sorted(set(dates))
    if not changed:
        return []
    first, last = changed[0], changed[-1]
    moved: list[tuple[int, dt.date, dt.date]] = []
    by_commitment: dict[int, list[tuple[CommitmentItem, dt.date]]] = defaultdict(list)
    with transaction.atomic(), calendar_scope():
        items = (
            CommitmentItem.objects.select_for_update(of=("self",), no_key=True)
            .filter(
                kind=CommitmentItem.Kind.DEFERRED,
                fulfilled_at__isnull=True,
                due__gte=first,
                commitment__status__in=(Commitment.Status.SIGNED, Commitment.Status.ACTIVE),
            )
            .select_related("commitment", "commitment__application")
            .order_by("commitment_id", "id")
        )
        for item in items:
            commitment = item.commitment
            start = commitment.accepted_on or commitment.signed_on
            if start >= last:
                continue
            after = add_working_days(start, int(item.defer_days or 0))
            if after != item.due:
                before, item.due = item.due, after
                item.save(update_fields=["due"])
                moved.append((item.pk, before, after))
                by_commitment[commitment.pk].append((item, before))
        for pairs in by_commitment.values():
            _tell(pairs)
    return moved


def _tell(pairs: list[tuple[CommitmentItem, dt.date]]) -> None:
    from yishi.credit.commitments import notify_applicant

    application = pairs[0][0].commitment.application
    lines = "；".join(
        f"「{item.name}」补交截止日期由 {cn_date(before)} 调整为 {cn_date(item.due)}"
        for item, before in pairs
    )
    what = f"「{application.title}」（{application.number}）"
    notify_applicant(application, f"您的办件{what}因节假日安排调整，{lines}。")
    if application.first_owner_id:
        Message.objects.create(
            user_id=application.first_owner_id,
            application=application,
            text=f"办件 {application.number}「{application.title}」因节假日安排调整：{lines}。",
        )


@handler(CALENDAR_CHANGED, name="credit.deferred_dues_follow_calendar")
def on_calendar_changed(event) -> None:
    """After an administrator's calendar change commits: move the deferred items' due dates."""
    dates = [dt.date.fromisoformat(str(d)) for d in (event.payload or {}).get("dates", [])]
    deferred_dues_follow_calendar(dates)
