"""Reads of 帮办代办: the clerk's console list and the figures (响应率, 解决率, 满意度,
median times) per clerk, department and period.

Definitions (the API and the staff page use the same):
- requests: requests made in the period (local dates, both ends included), cancelled ones
  excluded (withdrawn by the person before help);
- 响应率: those whose first response came within the channel's service level, the time
  counted within the service hours only (yishi.assist.sla) / requests;
- 解决率: resolved / requests;
- 满意度: their ratings (好差评, related name `ratings`) at levels 3–5 / their ratings, ratings
  removed on appeal (`excluded`) left out; None while the ratings app is absent or nothing
  was rated;
- median first response and median handling time: plain elapsed seconds (wall clock,
  not service hours), over the requests that have one.
A rate with nothing to count is None."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from statistics import median
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from yishi.assist import sla
from yishi.assist.models import AssistRequest
from yishi.core.figures import share as _rate

S = AssistRequest.Status


def has_ratings() -> bool:
    """Whether the ratings app's reverse relation `ratings` exists yet."""
    try:
        AssistRequest._meta.get_field("ratings")
    except Exception:  # noqa: BLE001 - FieldDoesNotExist until yishi.ratings lands
        return False
    return True


def _bounds(start: dt.date | None, end: dt.date | None) -> Q:
    tz = timezone.get_current_timezone()
    rule = Q()
    if start is not None:
        rule &= Q(created_at__gte=dt.datetime.combine(start, dt.time.min, tzinfo=tz))
    if end is not None:
        rule &= Q(
            created_at__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        )
    return rule


def counted(
    base: QuerySet[AssistRequest] | None = None,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    department_id: int | None = None,
    clerk_id: int | None = None,
) -> QuerySet[AssistRequest]:
    qs = (base if base is not None else AssistRequest.objects.all()).filter(_bounds(start, end))
    qs = qs.exclude(status=S.CANCELLED)
    if department_id is not None:
        qs = qs.filter(department_id=department_id)
    if clerk_id is not None:
        qs = qs.filter(clerk_id=clerk_id)
    return qs


@dataclass
class Figures:
    requests: int
    answered_in_time: int
    resolved: int
    rated: int
    satisfied: int
    median_first_response_s: int | None
    median_handling_s: int | None

    @property
    def response_rate(self) -> float | None:
        return _rate(self.answered_in_time, self.requests)

    @property
    def resolution_rate(self) -> float | None:
        return _rate(self.resolved, self.requests)

    @property
    def satisfaction_rate(self) -> float | None:
        return _rate(self.satisfied, self.rated)

    def as_api(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "response_rate": self.response_rate,
            "resolution_rate": self.resolution_rate,
            "satisfaction_rate": self.satisfaction_rate,
            "median_first_response_s": self.median_first_response_s,
            "median_handling_s": self.median_handling_s,
        }


def _median(values: list[float]) -> int | None:
    return int(median(values)) if values else None


def figures(qs: QuerySet[AssistRequest], table: dict | None = None) -> Figures:
    table = table if table is not None else sla.hours()
    rows = list(
        qs.values("id", "channel", "status", "created_at", "first_response_at", "concluded_at")
    )
    in_time = resolved = 0
    first, handling = [], []
    for r in rows:
        if r["first_response_at"] is not None:
            first.append((r["first_response_at"] - r["created_at"]).total_seconds())
            if sla.working_seconds(r["created_at"], r["first_response_at"], table) <= (
                sla.level_seconds(r["channel"])
            ):
                in_time += 1
        if r["status"] == S.RESOLVED:
            resolved += 1
        if r["concluded_at"] is not None:
            handling.append((r["concluded_at"] - r["created_at"]).total_seconds())
    rated = satisfied = 0
    if has_ratings() and rows:
        counts = AssistRequest.objects.filter(pk__in=[r["id"] for r in rows]).aggregate(
            rated=Count("ratings", filter=Q(ratings__excluded=False)),
            satisfied=Count("ratings", filter=Q(ratings__excluded=False, ratings__level__gte=3)),
        )
        rated, satisfied = counts["rated"], counts["satisfied"]
    return Figures(
        requests=len(rows),
        answered_in_time=in_time,
        resolved=resolved,
        rated=rated,
        satisfied=satisfied,
        median_first_response_s=_median(first),
        median_handling_s=_median(handling),
    )


def breakdown(qs: QuerySet[AssistRequest], by: str) -> list[tuple[Any, Figures]]:
    """Figures per department ("department") or per clerk ("clerk"), largest first."""
    table = sla.hours()
    keys = qs.values_list(f"{by}_id", flat=True).exclude(**{f"{by}_id": None}).distinct().order_by()
    model = AssistRequest._meta.get_field(by).related_model
    objects = model.objects.in_bulk(list(keys))
    out = [(objects[k], figures(qs.filter(**{f"{by}_id": k}), table)) for k in objects]
    return sorted(out, key=lambda pair: -pair[1].requests)


def console_rows(qs: QuerySet[AssistRequest], *, open_only: bool = True) -> QuerySet[AssistRequest]:
    if open_only:
        qs = qs.filter(status__in=(S.OPEN, S.ACTIVE))
    return qs.select_related("department", "matter", "clerk", "account__person").order_by(
        "created_at", "id"
    )


def sla_state(request: AssistRequest, now: dt.datetime | None = None) -> str:
    """ "ok" / "late" / "waiting": how the first response stands against its level."""
    if request.first_response_at is not None:
        return "ok" if sla.answered_in_time(request) else "late"
    spent = sla.working_seconds(request.created_at, now or timezone.now())
    return "late" if spent > sla.level_seconds(request.channel) else "waiting"
