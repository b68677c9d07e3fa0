"""The leaders' dashboard (领导驾驶舱): figures, charts, drill-down district → department →
matter → the cases, the xlsx export, and the lobby screen (大屏) of today's figures."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from yishi.catalog.models import Department, Matter
from yishi.core.errors import ValidationFailed
from yishi.core.page_cache import public_page
from yishi.stats import access, broader, conf, export, measures
from yishi.stats.charts import Series, bar_chart

NEEDED = "管理员、值班领导、首席数据官或部门负责人"


def _refuse(request: HttpRequest) -> HttpResponse:
    return render(request, "workbench/forbidden.html", {"needed": NEEDED}, status=403)


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _filters(request: HttpRequest, scope: access.Scope, **fixed: Any) -> tuple[Any, str]:
    """Filters from the query string; a bad value falls back to the default with a message."""
    get = request.GET
    args = {
        "first": _date(get.get("from")),
        "last": _date(get.get("to")),
        "channel": get.get("channel") or None,
        "theme": get.get("theme") or None,
        "departments": scope.departments,
    } | fixed
    try:
        return measures.make_filters(**args), ""
    except ValidationFailed as exc:
        return measures.make_filters(departments=scope.departments, **fixed), exc.message


def _query(request: HttpRequest) -> str:
    keep = {k: request.GET[k] for k in ("from", "to", "channel", "theme") if request.GET.get(k)}
    return urlencode(keep)


def _cards(summary: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for key in measures.SUMMARY_FIELDS:
        value = summary[key]
        if value is None:
            shown = "—"
        elif key.endswith("_rate"):
            shown = f"{value * 100:.1f}%"
        else:
            shown = f"{value:g}" if isinstance(value, float) else str(value)
        out.append({"key": key, "label": measures.FIELD_LABELS[key], "value": shown})
    return out


def _group_chart(chart_id: str, title: str, rows: list[dict[str, Any]]) -> Any:
    rows = rows[:15]
    labels = [str(r["name"]) for r in rows]
    return bar_chart(
        chart_id,
        title,
        labels,
        [
            Series("受理量", [r["accepted"] for r in rows], "series-a"),
            Series("办结量", [r["completed"] for r in rows], "series-b"),
            Series("超期件数", [r["overdue"] for r in rows], "series-c"),
        ],
    )


def _common(request: HttpRequest, f: measures.Filters, error: str) -> dict[str, Any]:
    summary = measures.summary(f)
    months = measures.monthly(f)
    return {
        "f": f,
        "error": error,
        "cards": _cards(summary),
        "summary": summary,
        "query": _query(request),
        "channels": measures.CHANNEL_LABELS,
        "channel": f.channel or "",
        "monthly_chart": bar_chart(
            "monthly",
            "近12个月受理量与办结量",
            [m["month"] for m in months],
            [
                Series("受理量", [m["accepted"] for m in months], "series-a"),
                Series("办结量", [m["completed"] for m in months], "series-b"),
            ],
        ),
        "months": months,
    }


@login_required
def index(request: HttpRequest) -> HttpResponse:
    scope = access.scope_of(request.user)
    if scope is None:
        return _refuse(request)
    f, error = _filters(request, scope)
    departments = measures.breakdown(f, "department")
    if not scope.district:
        departments = [d for d in departments if d["key"] in scope.departments]
    codes = dict(
        Department.objects.filter(pk__in=[r["key"] for r in departments]).values_list("pk", "code")
    )
    departments = [r | {"code": codes[r["key"]]} for r in departments if r["key"] in codes]
    channels = measures.breakdown(f, "channel")
    context = _common(request, f, error) | {
        "level": "district",
        "departments": departments,
        "department_chart": _group_chart("departments", "各部门受理、办结与超期", departments),
        "channel_rows": channels,
        "channel_chart": bar_chart(
            "channels",
            "各渠道网上申请率与按时办结率",
            [str(c["name"]) for c in channels],
            [
                Series("按时办结率", [c["on_time_rate"] or 0 for c in channels], "series-b"),
                Series("当日办结率", [c["same_day_rate"] or 0 for c in channels], "series-a"),
            ],
            percent=True,
        ),
        "themes": [r for r in measures.breakdown(f, "theme") if r["key"] is not None][:20],
        "more": broader.all_figures(f),
    }
    return render(request, "stats/index.html", context)


@login_required
def department(request: HttpRequest, code: str) -> HttpResponse:
    scope = access.scope_of(request.user)
    if scope is None:
        return _refuse(request)
    dept = get_object_or_404(Department, code=code)
    if not scope.allows_department(dept.pk):
        raise Http404("没有这个部门的统计")
    f, error = _filters(request, scope, department=code)
    matters = measures.breakdown(f, "matter")
    codes = dict(
        Matter.objects.filter(pk__in=[r["key"] for r in matters]).values_list("pk", "code")
    )
    matters = [r | {"code": codes.get(r["key"], "")} for r in matters]
    context = _common(request, f, error) | {
        "level": "department",
        "department": dept,
        "matters": matters,
        "matter_chart": _group_chart("matters", f"{dept.name}各事项受理、办结与超期", matters),
    }
    return render(request, "stats/department.html", context)


@login_required
def matter(request: HttpRequest, code: str) -> HttpResponse:
    scope = access.scope_of(request.user)
    if scope is None:
        return _refuse(request)
    found = get_object_or_404(Matter.objects.select_related("department"), code=code)
    dept_code = request.GET.get("department") or found.department.code
    dept = Department.objects.filter(code=dept_code).first() or found.department
    if not scope.allows_department(dept.pk):
        raise Http404("没有这个事项的统计")
    f, error = _filters(request, scope, matter=code, department=dept.code)
    page = Paginator(measures.cases(f), conf.case_page_size()).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = [
        {
            "app": app,
            "url": reverse("workbench:application", args=[app.number]),
            "overdue": app.promised_due is not None
            and (
                (app.completed_at is None and app.promised_due < today)
                or (
                    app.completed_at is not None
                    and timezone.localdate(app.completed_at) > app.promised_due
                )
            ),
            "done_on": timezone.localdate(app.completed_at) if app.completed_at else None,
        }
        for app in page.object_list
    ]
    context = _common(request, f, error) | {
        "level": "matter",
        "matter": found,
        "department": dept,
        "page": page,
        "rows": rows,
    }
    return render(request, "stats/matter.html", context)


@login_required
def export_xlsx(request: HttpRequest) -> HttpResponse:
    scope = access.scope_of(request.user)
    if scope is None:
        return _refuse(request)
    department_code = request.GET.get("department") or None
    matter_code = request.GET.get("matter") or None
    fixed: dict[str, Any] = {}
    if department_code:
        fixed["department"] = department_code
    if matter_code:
        fixed["matter"] = matter_code
    f, _error = _filters(request, scope, **fixed)
    data = export.workbook(f)
    name = f"统计_{f.first:%Y%m%d}-{f.last:%Y%m%d}.xlsx"
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        f"attachment; filename=\"stats.xlsx\"; filename*=UTF-8''{quote(name)}"
    )
    return response


def _screen_context() -> dict[str, Any]:
    today = timezone.localdate()
    f = measures.make_filters(first=today, last=today)
    summary = measures.summary(f)
    hall = broader.hall_waits(f)
    departments = measures.breakdown(f, "department")[:10]
    return {
        "today": today,
        "now": timezone.localtime(),
        "cards": _cards(summary),
        "hall": hall,
        "refresh": conf.screen_refresh_seconds(),
        "chart": _group_chart("screen-departments", "今日各部门受理与办结", departments),
    }


@login_required
def screen(request: HttpRequest) -> HttpResponse:
    """大屏 for staff (the same figures as the public one, behind sign-in)."""
    if access.scope_of(request.user) is None or not access.scope_of(request.user).district:
        return _refuse(request)
    return render(request, "stats/screen.html", _screen_context())


@public_page(most=10)  # every hall TV reloads it; today's counts at most 10 s old
def public_screen(request: HttpRequest) -> HttpResponse:
    """大屏 for a hall TV: today's district-wide counts only, nothing about any person."""
    return render(request, "stats/screen.html", _screen_context() | {"public": True})
