"""Reads of 好差评: the public figures (by filter, by department, by outlet), the staff's
follow-up lists with warnings and overdue items, and each department's follow-up measures.
Ratings excluded by an upheld appeal count nowhere."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from yishi.core.figures import share
from yishi.core.workdays import add_working_days
from yishi.ratings import conf
from yishi.ratings.models import POOR_LEVELS, SATISFIED_LEVELS, FollowUp, Rating

HANDLED = (FollowUp.Status.RECTIFIED, FollowUp.Status.EXPLAINED)


def _rate(part: int, whole: int) -> float:
    """A share from 0 to 1, rounded to 4 places; 0 when there is nothing to count."""
    return share(part, whole) or 0.0


def counted_ratings(
    *,
    department: str | None = None,
    outlet: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> QuerySet[Rating]:
    """The ratings the figures count: not excluded, filtered by department code, outlet code
    and the rating's date (Asia/Shanghai), both ends included."""
    qs = Rating.objects.filter(excluded=False)
    if department:
        qs = qs.filter(department__code=department)
    if outlet:
        qs = qs.filter(outlet__code=outlet)
    tz = timezone.get_current_timezone()
    if start:
        qs = qs.filter(created_at__gte=dt.datetime.combine(start, dt.time.min, tzinfo=tz))
    if end:
        qs = qs.filter(
            created_at__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        )
    return qs


def figures(qs: QuerySet[Rating]) -> dict[str, Any]:
    """The figures of a set of ratings:

    - count: ratings; by_level: ratings per level "1"…"5";
    - satisfaction_rate = ratings at levels 3–5 / count;
    - poor: ratings at levels 1–2 (差评);
    - followed_up_rate = poor ratings whose 回访 is recorded / poor;
    - rectified_on_time_rate = poor ratings rectified or explained on or before their
      整改 due date / poor.
    Rates are numbers from 0 to 1 (4 decimals), 0 when the denominator is 0."""
    levels = dict(qs.values_list("level").annotate(n=Count("id")).order_by())
    by_level = {str(n): int(levels.get(n, 0)) for n in range(1, 6)}
    count = sum(by_level.values())
    satisfied = sum(by_level[str(n)] for n in SATISFIED_LEVELS)
    poor_qs = qs.filter(level__in=POOR_LEVELS)
    poor = sum(by_level[str(n)] for n in POOR_LEVELS)
    agg = poor_qs.aggregate(
        visited=Count("id", filter=Q(followup__visited_at__isnull=False)),
        on_time=Count(
            "id",
            filter=Q(followup__status__in=HANDLED)
            & Q(followup__handled_on__lte=F("followup__due_on")),
        ),
    )
    return {
        "count": count,
        "by_level": by_level,
        "satisfaction_rate": _rate(satisfied, count),
        "poor": poor,
        "followed_up_rate": _rate(agg["visited"], poor),
        "rectified_on_time_rate": _rate(agg["on_time"], poor),
    }


def stats(**filters: Any) -> dict[str, Any]:
    return figures(counted_ratings(**filters))


@dataclass
class Row:
    key: str
    name: str
    figures: dict[str, Any] = field(default_factory=dict)
    handled: int = 0


def _grouped(qs: QuerySet[Rating], by: str) -> list[Row]:
    names = {}
    for key, code, name in qs.values_list(f"{by}_id", f"{by}__code", f"{by}__name").distinct():
        if key is not None:
            names[key] = (code, name)
    rows = []
    for key, (code, name) in sorted(names.items(), key=lambda kv: kv[1][0]):
        group = qs.filter(**{f"{by}_id": key})
        row = Row(key=code, name=name, figures=figures(group))
        row.handled = group.filter(followup__status__in=HANDLED).count()
        rows.append(row)
    return rows


def by_department(qs: QuerySet[Rating]) -> list[Row]:
    return _grouped(qs, "department")


def by_outlet(qs: QuerySet[Rating]) -> list[Row]:
    return _grouped(qs, "outlet")


# ---------------------------------------------------------------- follow-ups


def followup_state(f: FollowUp, today: dt.date, warn_until: dt.date) -> str:
    """ "overdue", "warning" (due within conf.warn_days() working days), "ok" or "done"."""
    due = f.next_due_on
    if due is None:
        return "done"
    if due < today:
        return "overdue"
    return "warning" if due <= warn_until else "ok"


def followup_rows(qs: QuerySet[FollowUp], today: dt.date | None = None) -> list[dict[str, Any]]:
    today = today or timezone.localdate()
    warn_until = add_working_days(today, conf.warn_days())
    out = []
    for f in qs.select_related("rating", "department", "rating__outlet").order_by("due_on", "id"):
        due = f.next_due_on
        out.append(
            {
                "f": f,
                "state": followup_state(f, today, warn_until),
                "next_due": due,
                "step": "回访核实" if f.visited_at is None else "整改或情况说明",
            }
        )
    return out


def measures(qs: QuerySet[FollowUp]) -> list[dict[str, Any]]:
    """Per department, over its follow-ups of counted 差评: 回访率 = visited / all, 整改率 =
    rectified or explained / all, on-time rate = rectified or explained by the 整改 due date
    / all; the target is 100 %."""
    acc: dict[Any, dict[str, Any]] = defaultdict(
        lambda: {"total": 0, "visited": 0, "handled": 0, "on_time": 0, "name": ""}
    )
    for f in qs.filter(rating__excluded=False).select_related("department"):
        row = acc[f.department_id]
        row["name"] = f.department.name if f.department_id else "（未指定部门）"
        row["total"] += 1
        row["visited"] += f.visited_at is not None
        handled = f.status in HANDLED
        row["handled"] += handled
        row["on_time"] += handled and f.handled_on is not None and f.handled_on <= f.due_on
    return [
        {
            **row,
            "visit_rate": _rate(row["visited"], row["total"]),
            "rectify_rate": _rate(row["handled"], row["total"]),
            "on_time_rate": _rate(row["on_time"], row["total"]),
        }
        for row in sorted(acc.values(), key=lambda r: r["name"])
    ]
