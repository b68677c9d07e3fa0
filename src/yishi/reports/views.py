"""Pages of 办不成事反映: the public form (online and by the hall's QR code), the printable QR
poster, the reporter's pages (我的反映, the signed link with the rating), the experience
officers' walks; and the workbench: the duty leader's list with the figure, the clerk's entry
form, answer / resolve / improvement items, walks and officers. Thin: rules live in
yishi.reports.services, .policy and .queries."""

from __future__ import annotations

import io
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from yishi.cases.services import staff_profile
from yishi.catalog.models import Department, Matter
from yishi.core.crypto import mask_phone
from yishi.core.display import mask_name
from yishi.core.errors import DomainError, NotFound
from yishi.reports import policy, queries, services
from yishi.reports.models import ExperienceOfficer, Improvement, Obstacle, Report, Walk

PROBLEM_ROWS = 3


def _refuse(request: HttpRequest, needed: str) -> HttpResponse:
    return render(request, "workbench/forbidden.html", {"needed": needed}, status=403)


def _qr_svg(url: str) -> str:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=5, border=2, xmldecl=False)
    return out.getvalue().decode()


def _matters() -> list[str]:
    return list(
        Matter.objects.filter(status=Matter.Status.PUBLISHED)
        .order_by("name")
        .values_list("name", flat=True)
        .distinct()[:800]
    )


def _departments():
    return Department.objects.order_by("code").only("code", "name")


def _signed_in(request: HttpRequest) -> Any:
    return request.user if request.user.is_authenticated else None


# ---------------------------------------------------------------- public: the report form


REPORT_FIELDS = ("matter", "tried", "obstacle", "description", "name", "phone")


def _report_form(
    request: HttpRequest,
    *,
    template: str,
    channel: str,
    outlet: Any,
    success: Any,
    extra: dict | None = None,
) -> HttpResponse:
    posted = {f: request.POST.get(f, "") for f in REPORT_FIELDS}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            report = services.report_create(
                actor=_signed_in(request), channel=channel, outlet=outlet, **posted
            )
        except DomainError as error:
            errors[error.field or "description"] = error.message
            status = error.status
        else:
            return success(report)
    context = {
        "posted": posted,
        "errors": errors,
        "obstacles": Obstacle.choices,
        "matters": _matters(),
        "outlet": outlet,
        **(extra or {}),
    }
    return render(request, template, context, status=status)


def report_new(request: HttpRequest) -> HttpResponse:
    outlet = services.outlet_lookup(request.GET.get("outlet") or request.POST.get("outlet"))
    channel = Report.Channel.QR if outlet is not None else Report.Channel.ONLINE

    def success(report: Report) -> HttpResponse:
        return redirect("reports:link", token=services.report_link_token(report))

    return _report_form(
        request,
        template="reports/new.html",
        channel=channel,
        outlet=outlet,
        success=success,
        extra={"signed_in": _signed_in(request) is not None},
    )


def poster(request: HttpRequest) -> HttpResponse:
    """A printable poster for the hall: a QR code that opens the report form (with the
    outlet, when ?outlet=CODE names one)."""
    from yishi.licences.pdf import public_base_url

    outlet = services.outlet_lookup(request.GET.get("outlet"))
    url = f"{public_base_url(request)}{reverse('reports:new')}"
    if outlet is not None:
        url += f"?outlet={outlet.code}"
    return render(
        request, "reports/poster.html", {"outlet": outlet, "url": url, "qr": _qr_svg(url)}
    )


def _report_page(
    request: HttpRequest, report: Report, *, token: str, status: int = 200, error: str = ""
) -> HttpResponse:
    context = {
        "r": report,
        "token": token,
        "clock": queries.report_clock(report),
        "levels": [(5, "非常满意"), (4, "满意"), (3, "基本满意"), (2, "不满意"), (1, "非常不满意")],
        "error": error,
        "phone_masked": mask_phone(report.phone),
    }
    return render(request, "reports/report.html", context, status=status)


def link(request: HttpRequest, token: str) -> HttpResponse:
    """The reporter's page through the signed link: status, answer, resolution, rating."""
    try:
        report = services.report_from_token(token)
    except NotFound as error:
        raise Http404(error.message) from None
    return _report_page(request, report, token=token)


@require_POST
def link_rate(request: HttpRequest, token: str) -> HttpResponse:
    try:
        report = services.report_from_token(token)
    except NotFound as error:
        raise Http404(error.message) from None
    try:
        services.report_rate(
            report=report,
            satisfaction=request.POST.get("satisfaction"),
            comment=request.POST.get("comment", ""),
            user=_signed_in(request),
            via_link=True,
        )
    except DomainError as error:
        return _report_page(request, report, token=token, status=error.status, error=error.message)
    messages.success(request, "感谢您的评价，该反映已办结。")
    return redirect("reports:link", token=token)


@login_required(login_url="/account/login/")
def mine(request: HttpRequest) -> HttpResponse:
    reports = Report.objects.filter(reporter_id=request.user.pk).select_related("matter")
    rows = [
        {"r": r, "token": services.report_link_token(r), "clock": queries.report_clock(r)}
        for r in reports[:200]
    ]
    context = {"rows": rows, "officer": policy.is_officer(request.user)}
    return render(request, "reports/mine.html", context)


# ---------------------------------------------------------------- walks (shared form)


def _walk_form(
    request: HttpRequest, *, kinds, template: str, done: str, extra: dict
) -> HttpResponse:
    keys = ("kind", "walked_on", "matter", "matter_text", "steps", "minutes")
    posted = {k: request.POST.get(k, "") for k in keys}
    rows = [
        {
            "problem": request.POST.get(f"problem_{n}", ""),
            "department": request.POST.get(f"department_{n}", ""),
            "due_on": request.POST.get(f"due_on_{n}", ""),
            "n": n,
        }
        for n in range(PROBLEM_ROWS)
    ]
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            walk = services.walk_record(
                walker=request.user,
                problems=[
                    {"problem": r["problem"], "department": r["department"], "due_on": r["due_on"]}
                    for r in rows
                    if r["problem"].strip()
                ],
                **posted,
            )
        except DomainError as error:
            errors[error.field or "steps"] = error.message
            status = error.status
        else:
            messages.success(request, "走流程记录已登记，发现的问题已转为整改事项。")
            return redirect(done, walk_id=walk.pk) if "walk" in done else redirect(done)
    if not posted["walked_on"]:
        posted["walked_on"] = timezone.localdate().isoformat()
    context = {
        "posted": posted,
        "rows": rows,
        "errors": errors,
        "kinds": kinds,
        "matters": _matters(),
        "departments": _departments(),
        **extra,
    }
    return render(request, template, context, status=status)


@login_required(login_url="/account/login/")
def officer_walks(request: HttpRequest) -> HttpResponse:
    if not policy.is_officer(request.user):
        raise Http404("您尚未受聘为政务服务体验员")
    walks = policy.walks_visible_to(request.user).filter(walker_id=request.user.pk)
    return render(request, "reports/officer_walks.html", {"walks": walks[:200]})


@login_required(login_url="/account/login/")
def officer_walk_new(request: HttpRequest) -> HttpResponse:
    if not policy.is_officer(request.user):
        raise Http404("您尚未受聘为政务服务体验员")
    return _walk_form(
        request,
        kinds=[(Walk.Kind.EXPERIENCE, Walk.Kind.EXPERIENCE.label)],
        template="reports/walk_form.html",
        done="reports:walks",
        extra={"base_kicker": "政务服务体验员", "staff": False},
    )


# ---------------------------------------------------------------- workbench


def _report_rows(reports) -> list[dict]:
    today = timezone.localdate()
    return [
        {
            "r": r,
            "clock": queries.report_clock(r, today),
            "name": mask_name(r.name, fallback="—") if r.name else "—",
            "phone": mask_phone(r.phone) or "—",
        }
        for r in reports
    ]


STATUS_FILTERS = [("", "全部"), *Report.Status.choices, ("overdue", "已超期")]


@login_required
def staff_list(request: HttpRequest) -> HttpResponse:
    if not policy.is_reports_staff(request.user):
        return _refuse(request, "值班领导、部门负责人、窗口人员或管理员")
    reports = policy.reports_visible_to(request.user)
    status = request.GET.get("status") or ""
    shown = reports
    if status == "overdue":
        shown = queries.overdue_reports(reports)
    elif status in Report.Status.values:
        shown = reports.filter(status=status)
    else:
        status = ""
    figure = None
    if policy.sees_figures(request.user):
        figure = queries.figures(reports, policy.improvements_visible_to(request.user))
    context = {
        "rows": _report_rows(shown.order_by("-created_at", "-id")[:300]),
        "status": status,
        "statuses": STATUS_FILTERS,
        "figure": figure,
        "profile": staff_profile(request.user),
        "can_enter": policy.can_enter_reports(request.user),
        "can_walk": policy.can_walk_as_leader(request.user),
        "can_enrol": policy.can_enrol(request.user),
        "overdue": queries.overdue_reports(reports).count(),
    }
    return render(request, "reports/staff_list.html", context)


@login_required
def staff_new(request: HttpRequest) -> HttpResponse:
    """The 办不成事 window: a clerk enters a report for the person in front of them."""
    if not policy.can_enter_reports(request.user):
        return _refuse(request, "窗口人员、值班领导或管理员")

    def success(report: Report) -> HttpResponse:
        messages.success(request, f"已登记反映 {report.number}，答复将以短信告知反映人。")
        if policy.reports_visible_to(request.user).filter(pk=report.pk).exists():
            return redirect("reports_staff:report", report_id=report.pk)
        return redirect("reports_staff:list")

    return _report_form(
        request,
        template="reports/staff_new.html",
        channel=Report.Channel.WINDOW,
        outlet=None,
        success=success,
    )


def _staff_report(request: HttpRequest, report_id: int) -> Report:
    try:
        return policy.report_for(request.user, report_id)
    except NotFound as error:
        raise Http404(error.message) from None


def _detail_page(
    request: HttpRequest,
    report: Report,
    *,
    status: int = 200,
    errors: dict | None = None,
    posted: dict | None = None,
) -> HttpResponse:
    context = {
        "r": report,
        "clock": queries.report_clock(report),
        "name": mask_name(report.name, fallback="—") if report.name else "—",
        "phone": mask_phone(report.phone) or "—",
        "can_work": policy.can_work_reports(request.user),
        "items": report.improvements.select_related("department", "matter"),
        "departments": _departments(),
        "kinds": Improvement.Kind.choices,
        "matters": _matters(),
        "errors": errors or {},
        "posted": posted or {},
    }
    return render(request, "reports/staff_report.html", context, status=status)


@login_required
def staff_report(request: HttpRequest, report_id: int) -> HttpResponse:
    if not policy.is_reports_staff(request.user):
        return _refuse(request, "值班领导、部门负责人、窗口人员或管理员")
    return _detail_page(request, _staff_report(request, report_id))


def _act(request: HttpRequest, report_id: int, action, ok: str, fields: tuple[str, ...]):
    if not policy.can_work_reports(request.user):
        return _refuse(request, "值班领导或管理员")
    report = _staff_report(request, report_id)
    posted = {f: request.POST.get(f, "") for f in fields}
    try:
        action(report=report, staff=request.user, **posted)
    except NotFound as error:
        raise Http404(error.message) from None
    except DomainError as error:
        messages.error(request, error.message)
        report.refresh_from_db()
        return _detail_page(
            request,
            report,
            status=error.status,
            errors={error.field or fields[0]: error.message},
            posted=posted,
        )
    messages.success(request, ok)
    return redirect("reports_staff:report", report_id=report.pk)


@login_required
@require_POST
def staff_answer(request: HttpRequest, report_id: int) -> HttpResponse:
    return _act(
        request,
        report_id,
        services.report_answer,
        "已答复，并已通知反映人。",
        ("answer", "department"),
    )


@login_required
@require_POST
def staff_resolve(request: HttpRequest, report_id: int) -> HttpResponse:
    return _act(
        request, report_id, services.report_resolve, "已办结，并已请反映人评价。", ("resolution",)
    )


@login_required
@require_POST
def staff_improve(request: HttpRequest, report_id: int) -> HttpResponse:
    return _act(
        request,
        report_id,
        services.report_to_improvement,
        "已转为整改事项。",
        ("change", "kind", "department", "due_on", "matter"),
    )


@login_required
def improvements(request: HttpRequest) -> HttpResponse:
    if not (policy.can_work_reports(request.user) or policy.is_department_lead(request.user)):
        return _refuse(request, "部门负责人、值班领导或管理员")
    items = policy.improvements_visible_to(request.user)
    status = request.GET.get("status") or ""
    if status == "overdue":
        items = queries.overdue_items(items)
    elif status in Improvement.Status.values:
        items = items.filter(status=status)
    else:
        status = ""
    today = timezone.localdate()
    rows = [
        {"i": i, "clock": queries.item_clock(i, today), "can": policy.can_progress(request.user, i)}
        for i in items.order_by("due_on", "id")[:500]
    ]
    context = {
        "rows": rows,
        "status": status,
        "statuses": [("", "全部"), *Improvement.Status.choices, ("overdue", "已超期")],
        "profile": staff_profile(request.user),
        "overdue": queries.overdue_items(policy.improvements_visible_to(request.user)).count(),
    }
    return render(request, "reports/improvements.html", context)


@login_required
@require_POST
def improvement_progress(request: HttpRequest, improvement_id: int) -> HttpResponse:
    try:
        item = policy.improvement_for(request.user, improvement_id)
    except NotFound as error:
        raise Http404(error.message) from None
    try:
        services.improvement_progress(
            item=item,
            actor=request.user,
            status=request.POST.get("status", ""),
            action_taken=request.POST.get("action_taken", ""),
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "整改进展已登记。")
    back = request.POST.get("back", "")
    if back.startswith("/workbench/reports/"):
        return redirect(back)
    return redirect("reports_staff:improvements")


@login_required
def staff_walks(request: HttpRequest) -> HttpResponse:
    if not (policy.can_walk_as_leader(request.user) or policy.is_department_lead(request.user)):
        return _refuse(request, "部门负责人、值班领导或管理员")
    walks = policy.walks_visible_to(request.user)
    return render(request, "reports/staff_walks.html", {"walks": walks[:300]})


@login_required
def staff_walk_new(request: HttpRequest) -> HttpResponse:
    if not policy.can_walk_as_leader(request.user):
        return _refuse(request, "部门负责人、值班领导或管理员")
    return _walk_form(
        request,
        kinds=[(k, k.label) for k in services.LEADER_KINDS],
        template="reports/walk_form.html",
        done="reports_staff:walk",
        extra={"base_kicker": "局长服务日 · 我陪群众走流程", "staff": True},
    )


@login_required
def staff_walk(request: HttpRequest, walk_id: int) -> HttpResponse:
    if not policy.is_reports_staff(request.user):
        return _refuse(request, "部门负责人、值班领导或管理员")
    try:
        walk = policy.walk_for(request.user, walk_id)
    except NotFound as error:
        raise Http404(error.message) from None
    today = timezone.localdate()
    items = [
        {"i": i, "clock": queries.item_clock(i, today), "can": policy.can_progress(request.user, i)}
        for i in walk.improvements.select_related("department", "matter")
    ]
    context = {"w": walk, "items": items, "walker": _walker_name(walk)}
    return render(request, "reports/staff_walk.html", context)


def _walker_name(walk: Walk) -> str:
    if walk.kind == Walk.Kind.EXPERIENCE:
        return "政务服务体验员"
    user = walk.walker
    return user.get_full_name() or user.get_username()


@login_required
def officers(request: HttpRequest) -> HttpResponse:
    if not policy.can_enrol(request.user):
        return _refuse(request, "值班领导或管理员")
    error = ""
    status = 200
    if request.method == "POST":
        try:
            services.officer_enrol(staff=request.user, phone=request.POST.get("phone", ""))
        except DomainError as exc:
            error, status = exc.message, exc.status
        else:
            messages.success(request, "已聘任为政务服务体验员。")
            return redirect("reports_staff:officers")
    rows = [
        {"o": o, "phone": mask_phone(getattr(getattr(o.user, "applicant", None), "phone", ""))}
        for o in ExperienceOfficer.objects.select_related("user__applicant").order_by("-id")[:300]
    ]
    return render(request, "reports/officers.html", {"rows": rows, "error": error}, status=status)
