"""The figures managers report, computed in the database from the records (each definition
is written once, in the README's "Measures").

Every figure is an aggregate over one filtered set of applications: nothing loops over rows
in Python. Working days are counted with the working-day index (stats.WorkdayIndex), which
turns "working days between two dates, pauses excluded" into subtractions of running counts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import (
    Avg,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, Least, TruncDate
from django.utils import timezone

from yishi.cases.models import Application, Pause, SubCase
from yishi.catalog.models import Department, Matter
from yishi.core.errors import PermissionDeniedError, ValidationFailed
from yishi.core.figures import share
from yishi.hall.models import Outlet, Ticket
from yishi.stats.calendar_index import ensure_workday_index
from yishi.stats.models import WorkdayIndex
from yishi.themes.models import Theme

SHANGHAI = ZoneInfo("Asia/Shanghai")

# The channels figures are split by, and the stored Application.channel values each covers.
# 远程虚拟窗口 (remote) has no record of its own yet: it counts applications whose channel is
# stored as "remote", none today.
CHANNELS: dict[str, tuple[str, ...]] = {
    "online": ("online",),
    "window": ("counter",),
    "remote": ("remote",),
    "cross_region": ("cross_region",),
}
CHANNEL_LABELS = {
    "online": "网上办理",
    "window": "窗口办理",
    "remote": "远程虚拟窗口",
    "cross_region": "跨域通办",
}
SUMMARY_FIELDS = (
    "accepted",
    "completed",
    "same_day_rate",
    "on_time_rate",
    "overdue",
    "online_rate",
    "visits_per_application",
    "avg_working_days",
)
FIELD_LABELS = {
    "accepted": "受理量",
    "completed": "办结量",
    "same_day_rate": "当日办结率",
    "on_time_rate": "按时办结率",
    "overdue": "超期件数",
    "online_rate": "网上申请率",
    "visits_per_application": "件均跑动次数",
    "avg_working_days": "平均办理工作日",
}
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2100, 12, 31)  # the periods one may ask for
RATE_DIGITS = 4  # rates and per-application figures are rounded to 4 decimals
DAYS_DIGITS = 2  # average working days to 2 decimals


@dataclass(frozen=True)
class Filters:
    """One slice of the records: a period of dates (inclusive, Asia/Shanghai) and optional
    department, matter, theme, outlet and channel; `departments` limits to what a department
    lead may see (None: the whole district)."""

    first: dt.date
    last: dt.date
    department_id: int | None = None
    matter_id: int | None = None
    theme_id: int | None = None
    centre_id: int | None = None
    channel: str | None = None
    departments: frozenset[int] | None = None

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.first, dt.time(), tzinfo=SHANGHAI)

    @property
    def end(self) -> dt.datetime:  # exclusive
        return dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(), tzinfo=SHANGHAI)


def current_month(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The calendar month of today (Asia/Shanghai): the default period."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return first, nxt - dt.timedelta(days=1)


def _code(model: Any, code: str | None, field: str, label: str, **extra: Any) -> int | None:
    if code in (None, ""):
        return None
    pk = model.objects.filter(code=code, **extra).values_list("pk", flat=True).first()
    if pk is None:
        raise ValidationFailed(f"{label}编码“{code}”不存在", field=field)
    return pk


def make_filters(
    *,
    first: dt.date | None = None,
    last: dt.date | None = None,
    department: str | None = None,
    matter: str | None = None,
    theme: str | None = None,
    outlet: str | None = None,
    channel: str | None = None,
    departments: frozenset[int] | None = None,
    today: dt.date | None = None,
) -> Filters:
    """Filters from codes as people type them; unknown codes and bad dates raise
    ValidationFailed naming the field in Chinese."""
    for value, field, label in ((first, "from", "起始日期"), (last, "to", "截止日期")):
        if value is not None and not EARLIEST <= value <= LATEST:
            raise ValidationFailed(f"{label}须在 2000 年至 2100 年之间", field=field)
    month_first, month_last = current_month(today)
    if first is None and last is None:
        first, last = month_first, month_last
    elif first is None:
        first = last.replace(day=1)
    elif last is None:
        last = current_month(first)[1]
    if first > last:
        raise ValidationFailed("起始日期不能晚于截止日期", field="from")
    if (last - first).days > 3700:
        raise ValidationFailed("统计期间不能超过十年", field="to")
    if channel not in (None, "") and channel not in CHANNELS:
        raise ValidationFailed(
            "办理渠道须为 online（网上）、window（窗口）、remote（远程虚拟窗口）或 "
            "cross_region（跨域通办）",
            field="channel",
        )
    centre_id = None
    if outlet not in (None, ""):
        found = Outlet.objects.filter(code=outlet).values_list("department_id", flat=True)
        if not found:
            raise ValidationFailed(f"服务网点编码“{outlet}”不存在", field="outlet")
        centre_id = found[0] or 0
    department_id = _code(Department, department, "department", "部门")
    if departments is not None and department_id is not None and department_id not in departments:
        raise PermissionDeniedError("只能查看本部门的统计", field="department")
    return Filters(
        first=first,
        last=last,
        department_id=department_id,
        matter_id=_code(Matter, matter, "matter", "事项"),
        theme_id=_code(Theme, theme, "theme", "主题"),
        centre_id=centre_id,
        channel=channel or None,
        departments=departments,
    )


def applications(f: Filters) -> QuerySet[Application]:
    """The applications the filters cover, whatever their dates."""
    qs = Application.objects.all()
    if f.departments is not None:
        qs = qs.filter(
            Exists(
                SubCase.objects.filter(application=OuterRef("pk"), department_id__in=f.departments)
            )
        )
    if f.department_id is not None:
        qs = qs.filter(
            Exists(
                SubCase.objects.filter(application=OuterRef("pk"), department_id=f.department_id)
            )
        )
    if f.matter_id is not None:
        qs = qs.filter(
            Q(matter_id=f.matter_id)
            | Exists(SubCase.objects.filter(application=OuterRef("pk"), matter_id=f.matter_id))
        )
    if f.theme_id is not None:
        qs = qs.filter(theme_id=f.theme_id)
    if f.centre_id is not None:
        qs = qs.filter(service_centre_id=f.centre_id)
    if f.channel is not None:
        qs = qs.filter(channel__in=CHANNELS[f.channel])
    return qs


def _accepted_q(f: Filters) -> Q:
    return Q(accepted_on__gte=f.first, accepted_on__lte=f.last)


def _completed_q(f: Filters) -> Q:
    return Q(accepted_on__isnull=False, completed_at__gte=f.start, completed_at__lt=f.end)


def _overdue_q(today: dt.date) -> Q:
    return Q(promised_due__isnull=False) & (
        Q(completed_at__isnull=True, promised_due__lt=today) | Q(done_on__gt=F("promised_due"))
    )


def _with_days(qs: QuerySet[Application]) -> QuerySet[Application]:
    """Annotate `done_on` (办结 date in Asia/Shanghai) and `work_days`: working days from
    acceptance to 办结, the acceptance day not counted, paused working days taken out."""
    index = WorkdayIndex.objects
    qs = qs.annotate(
        done_on=TruncDate("completed_at", tzinfo=SHANGHAI),
        acc_upto=Subquery(index.filter(day=OuterRef("accepted_on")).values("upto")[:1]),
    ).annotate(done_upto=Subquery(index.filter(day=OuterRef("done_on")).values("upto")[:1]))
    paused = (
        Pause.objects.filter(application=OuterRef("pk"))
        .annotate(
            s_before=Subquery(index.filter(day=OuterRef("started_on")).values("before")[:1]),
            e_before=Subquery(index.filter(day=OuterRef("ended_on")).values("before")[:1]),
        )
        .annotate(
            n=Greatest(
                Least(Coalesce("e_before", OuterRef("done_upto")), OuterRef("done_upto"))
                - Greatest("s_before", OuterRef("acc_upto")),
                Value(0),
            )
        )
        .order_by()
        .values("application")
        .annotate(total=Sum("n"))
        .values("total")
    )
    return qs.annotate(
        work_days=ExpressionWrapper(
            F("done_upto")
            - F("acc_upto")
            - Coalesce(Subquery(paused, output_field=IntegerField()), Value(0)),
            output_field=IntegerField(),
        )
    )


def _rate(part: int, whole: int, digits: int = RATE_DIGITS) -> float | None:
    return share(part, whole, digits)


def _aggregates(today: dt.date, f: Filters, distinct: bool = False) -> dict[str, Any]:
    acc, done = _accepted_q(f), _completed_q(f)

    def count(q: Q) -> Count:
        return Count("pk", filter=q, distinct=distinct)

    return {
        "accepted": count(acc),
        "online": count(acc & Q(channel__in=CHANNELS["online"])),
        "overdue": count(acc & _overdue_q(today)),
        "completed": count(done),
        "same_day": count(done & Q(done_on=F("accepted_on"))),
        "on_time": count(done & Q(done_on__lte=F("promised_due"))),
        "days_avg": Avg(
            ExpressionWrapper(F("work_days") * 1.0, output_field=FloatField()), filter=done
        ),
    }


def _finish(row: dict[str, Any], visits: int) -> dict[str, Any]:
    accepted, completed = row["accepted"], row["completed"]
    days = row["days_avg"]
    return {
        "accepted": accepted,
        "completed": completed,
        "same_day_rate": _rate(row["same_day"], completed),
        "on_time_rate": _rate(row["on_time"], completed),
        "overdue": row["overdue"],
        "online_rate": _rate(row["online"], accepted),
        "visits_per_application": _rate(visits, accepted),
        "avg_working_days": None if days is None else round(float(days), DAYS_DIGITS),
    }


def _ensure_index(f: Filters) -> None:
    ensure_workday_index(f.first, f.last)


def summary(f: Filters, *, today: dt.date | None = None) -> dict[str, Any]:
    """The eight application figures of one slice (README, "Measures")."""
    today = today or timezone.localdate()
    _ensure_index(f)
    scoped = applications(f)
    relevant = scoped.filter(_accepted_q(f) | _completed_q(f))  # every counted row is one
    row = _with_days(relevant).aggregate(**_aggregates(today, f))
    visits = Ticket.objects.filter(
        status=Ticket.Status.DONE,
        application_id__in=scoped.filter(_accepted_q(f)).values("pk"),
    ).count()
    return _finish(row, visits)


# ---------------------------------------------------------------- breakdowns

GROUPS = {
    "department": ("subcases__department", "subcases__department__name", "部门"),
    "matter": ("subcases__matter", "subcases__matter__name", "事项"),
    "theme": ("theme", "theme__name", "一件事主题"),
    "outlet": ("service_centre", "service_centre__name", "受理服务中心"),
    "channel": ("channel", None, "办理渠道"),
}


def breakdown(f: Filters, by: str, *, today: dt.date | None = None) -> list[dict[str, Any]]:
    """The figures of each group (department, matter, theme, outlet, channel) in one grouped
    query per table; an application with sub-cases in two departments counts in both."""
    today = today or timezone.localdate()
    _ensure_index(f)
    key, name, _label = GROUPS[by]
    scoped = applications(f)
    if by in ("department", "matter") and f.departments is not None:
        scoped = scoped.filter(subcases__department_id__in=f.departments)
    if by == "department" and f.department_id is not None:
        scoped = scoped.filter(subcases__department_id=f.department_id)
    if by == "matter" and f.department_id is not None:
        scoped = scoped.filter(subcases__department_id=f.department_id)
    if by == "matter" and f.matter_id is not None:
        scoped = scoped.filter(subcases__matter_id=f.matter_id)
    fields = [key] + ([name] if name else [])
    relevant = scoped.filter(_accepted_q(f) | _completed_q(f))
    rows = (
        _with_days(relevant)
        .values(*fields)
        .annotate(**_aggregates(today, f, distinct=by in ("department", "matter")))
        .order_by(key)
    )
    visits_rows = (
        Ticket.objects.filter(
            status=Ticket.Status.DONE,
            application_id__in=scoped.filter(_accepted_q(f)).values("pk"),
        )
        .values(f"application__{key}")
        .annotate(n=Count("pk", distinct=True))
    )
    visits = {r[f"application__{key}"]: r["n"] for r in visits_rows}
    out = []
    for row in rows:
        code = row[key]
        label = (
            row[name] if name else CHANNEL_LABELS.get({"counter": "window"}.get(code, code), code)
        )
        out.append(
            {"key": code, "name": label or "（未指定）", **_finish(row, visits.get(code, 0))}
        )
    out.sort(key=lambda r: (-r["accepted"], str(r["name"])))
    return out


def monthly(f: Filters, *, months: int = 12, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Accepted and completed per calendar month for the `months` months ending with the
    period's last month: two grouped queries."""
    from django.db.models.functions import TruncMonth

    end_first = f.last.replace(day=1)
    first = end_first
    for _ in range(months - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    span = replace(f, first=first, last=f.last)
    scoped = applications(span)
    accepted = dict(
        scoped.filter(_accepted_q(span))
        .annotate(m=TruncMonth("accepted_on"))
        .values("m")
        .annotate(n=Count("pk"))
        .values_list("m", "n")
    )
    completed = dict(
        scoped.filter(_completed_q(span))
        .annotate(m=TruncMonth("completed_at", tzinfo=SHANGHAI))
        .values("m")
        .annotate(n=Count("pk"))
        .values_list("m", "n")
    )

    def month_key(value: Any) -> str:
        if isinstance(value, dt.datetime):
            value = value.astimezone(SHANGHAI).date()
        return value.strftime("%Y-%m")

    acc = {month_key(k): v for k, v in accepted.items()}
    done = {month_key(k): v for k, v in completed.items()}
    out, cursor = [], first
    while cursor <= end_first:
        k = cursor.strftime("%Y-%m")
        out.append({"month": k, "accepted": acc.get(k, 0), "completed": done.get(k, 0)})
        cursor = (cursor + dt.timedelta(days=32)).replace(day=1)
    return out


def cases(f: Filters, *, today: dt.date | None = None) -> QuerySet[Application]:
    """The applications behind the figures (accepted or 办结 in the period), newest first."""
    return (
        applications(f)
        .filter(_accepted_q(f) | _completed_q(f))
        .select_related("theme", "matter", "service_centre")
        .order_by("-accepted_on", "-id")
    )
