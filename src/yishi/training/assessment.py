"""The monthly assessment (业务评定考核) of one clerk, computed from the records:

- `accepted`: applications the clerk accepted (a 受理 event they made) in the month;
- `completed`: applications they are 首问负责人 of that were concluded (办结) in the month;
- `on_time`: of those, concluded on or before their promised due date; `on_time_rate` is
  on_time / completed (None when nothing was completed);
- `sent_back`: their applications that a department sent back for 补正 in the month (a
  sub-case's 要求补正 event), counted once each;
- `ratings`, `rating_avg`, `poor_ratings`: 好差评 of their applications given in the month,
  appeals upheld left out.
Months are calendar months in the district's time zone."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.apps import apps
from django.db.models import Avg, Count, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from yishi.cases.models import Application, CaseEvent
from yishi.core.errors import ValidationFailed

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(value: str | None, today: dt.date | None = None) -> dt.date:
    """'YYYY-MM' as the month's first day; empty means the current month."""
    if not value:
        today = today or timezone.localdate()
        return today.replace(day=1)
    match = MONTH.match(value.strip())
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 2000:
        raise ValidationFailed("月份格式应为 YYYY-MM，例如 2026-03", field="month")
    return dt.date(int(match[1]), int(match[2]), 1)


def month_bounds(first: dt.date) -> tuple[dt.datetime, dt.datetime]:
    nxt = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    tz = timezone.get_default_timezone()
    start = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(nxt, dt.time.min, tzinfo=tz)
    return start, end


def monthly_assessment(user: Any, first: dt.date) -> dict[str, Any]:
    start, end = month_bounds(first)
    accepted = CaseEvent.objects.filter(
        actor_id=user.pk, subcase__isnull=True, action="accept", at__gte=start, at__lt=end
    ).count()
    done = Application.objects.filter(
        first_owner_id=user.pk, completed_at__gte=start, completed_at__lt=end
    ).annotate(day=TruncDate("completed_at", tzinfo=timezone.get_default_timezone()))
    figures = done.aggregate(
        completed=Count("pk"),
        on_time=Count("pk", filter=Q(promised_due__isnull=False, day__lte=F("promised_due"))),
    )
    sent_back = (
        CaseEvent.objects.filter(
            application__first_owner_id=user.pk,
            subcase__isnull=False,
            action="request_supplement",
            at__gte=start,
            at__lt=end,
        )
        .values("application_id")
        .distinct()
        .count()
    )
    out: dict[str, Any] = {
        "month": f"{first:%Y-%m}",
        "accepted": accepted,
        "completed": figures["completed"],
        "on_time": figures["on_time"],
        "on_time_rate": (
            round(figures["on_time"] / figures["completed"], 4) if figures["completed"] else None
        ),
        "sent_back": sent_back,
        "ratings": 0,
        "rating_avg": None,
        "poor_ratings": 0,
    }
    if apps.is_installed("yishi.ratings"):
        Rating = apps.get_model("ratings", "Rating")  # noqa: N806
        r = Rating.objects.filter(
            application__first_owner_id=user.pk,
            excluded=False,
            created_at__gte=start,
            created_at__lt=end,
        ).aggregate(n=Count("pk"), avg=Avg("level"), poor=Count("pk", filter=Q(level__lte=2)))
        out["ratings"] = r["n"]
        out["rating_avg"] = round(float(r["avg"]), 2) if r["avg"] is not None else None
        out["poor_ratings"] = r["poor"]
    return out
