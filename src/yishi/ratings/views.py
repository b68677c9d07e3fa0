"""好差评 pages. Public (/ratings/): rating an application from the portal, a ticket from the
phone ticket page or the window's 评价器 tablet, through a signed SMS link, the portal itself;
the public statistics. Workbench (/workbench/ratings/): the follow-up list with warnings,
overdue items and each department's measures, and one follow-up's steps. Thin: every write is
one service call; a domain error comes back on the page beside its field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from yishi.core.errors import DomainError, NotFound
from yishi.core.roles import Role, has_role
from yishi.ratings import access, conf, queries, services
from yishi.ratings.models import FollowUp, Level, Rating

APPLICANT_LOGIN = "/account/login/"
STAGE_TITLES = {"accept": "受理环节", "complete": "办结环节", "service": "本次服务"}


def _existing(target: services.Target, stage: str) -> Rating | None:
    return Rating.objects.filter(target_key=target.key, stage=stage).first()


def _rate_page(
    request: HttpRequest,
    *,
    target: services.Target,
    stage: str,
    source: str,
    heading: str,
    subject: str,
    user: Any = None,
    tablet: bool = False,
) -> HttpResponse:
    """The rating form of one target and stage, and its submission."""
    indicator_set = services.current_set(target.channel)
    values: dict[str, Any] = {"level": "", "indicators": [], "comment": ""}
    errors: dict[str, str] = {}
    done = _existing(target, stage)
    status = 200
    if request.method == "POST" and done is None:
        raw_level = request.POST.get("level", "")
        values = {
            "level": raw_level,
            "indicators": request.POST.getlist("indicators"),
            "comment": request.POST.get("comment", ""),
        }
        try:
            done = services.rating_submit(
                target=target,
                stage=stage,
                level=int(raw_level) if raw_level.isdigit() else raw_level,
                indicators=values["indicators"],
                comment=values["comment"],
                user=user if user is not None else request.user,
                source=source,
            )
            return redirect(request.path + "?done=1")
        except DomainError as exc:
            errors[exc.field or "form"] = exc.message
            status = exc.status if exc.status != 409 else 409
            done = _existing(target, stage)
    state_error = ""
    if done is None and not errors:
        try:
            services._check_stage(target, stage)
        except DomainError as exc:
            state_error = exc.message
    return render(
        request,
        "ratings/rate.html",
        {
            "heading": heading,
            "subject": subject,
            "stage_title": STAGE_TITLES.get(stage, ""),
            "levels": [(value, label) for value, label in Level.choices],
            "indicator_set": indicator_set,
            "values": values,
            "errors": errors,
            "form_error": errors.get("form") or errors.get("stage") or "",
            "done": done,
            "just_done": request.GET.get("done") == "1" and done is not None,
            "state_error": state_error,
            "tablet": tablet,
        },
        status=status,
    )


@login_required(login_url=APPLICANT_LOGIN)
def application_rate(request: HttpRequest, number: str, stage: str) -> HttpResponse:
    if stage not in ("accept", "complete"):
        raise Http404("没有这个评价环节")
    try:
        target = services.target_for(kind="application", ref=number, user=request.user)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    app = target.application
    return _rate_page(
        request,
        target=target,
        stage=stage,
        source=Rating.Source.PORTAL,
        heading=f"评价：{app.title}",
        subject=f"申请编号 {app.number}",
    )


def signed_rate(request: HttpRequest, token: str) -> HttpResponse:
    """The SMS link: the signature proves the link was sent to the applicant."""
    try:
        application, stage = services.link_read(token)
    except NotFound as exc:
        return render(request, "ratings/link_invalid.html", {"message": exc.message}, status=404)
    return _rate_page(
        request,
        target=services.application_target(application),
        stage=stage,
        source=Rating.Source.SMS,
        heading=f"评价：{application.title}",
        subject=f"申请编号 {application.number}",
        user=application.applicant,
    )


def _ticket_page(request: HttpRequest, token: Any, *, tablet: bool) -> HttpResponse:
    try:
        ticket = services.ticket_by_token(str(token))
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return _rate_page(
        request,
        target=services.ticket_target(ticket),
        stage="service",
        source=Rating.Source.TABLET if tablet else Rating.Source.PHONE,
        heading="请对本次服务作出评价",
        subject=f"{ticket.outlet.name} · 排队号 {ticket.number}",
        tablet=tablet,
    )


def ticket_rate(request: HttpRequest, token: Any) -> HttpResponse:
    return _ticket_page(request, token, tablet=False)


def tablet_rate(request: HttpRequest, token: Any) -> HttpResponse:
    """The window's 评价器: the clerk's console opens it for the ticket being served; the
    ticket's token is the proof of service, as on the phone."""
    return _ticket_page(request, token, tablet=True)


@login_required(login_url=APPLICANT_LOGIN)
def portal_rate(request: HttpRequest) -> HttpResponse:
    target = services.target_for(kind="portal", ref="portal", user=request.user)
    return _rate_page(
        request,
        target=target,
        stage="service",
        source=Rating.Source.PORTAL,
        heading="评价网上办事平台",
        subject="您对本平台的使用体验",
    )


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def stats_page(request: HttpRequest) -> HttpResponse:
    """Public figures by department and outlet; no personal data."""
    start, end = _date(request.GET.get("from")), _date(request.GET.get("to"))
    qs = queries.counted_ratings(start=start, end=end)
    return render(
        request,
        "ratings/stats.html",
        {
            "total": queries.figures(qs),
            "departments": queries.by_department(qs),
            "outlets": queries.by_outlet(qs),
            "start": start,
            "end": end,
            "levels": [(str(v), label) for v, label in Level.choices],
        },
    )


# ---------------------------------------------------------------- workbench


def _refuse(request: HttpRequest) -> HttpResponse:
    return render(
        request, "workbench/forbidden.html", {"needed": "部门负责人、监管人员或管理员"}, status=403
    )


@login_required
def followup_list(request: HttpRequest) -> HttpResponse:
    if not access.may_see_followups(request.user):
        return _refuse(request)
    visible = access.followups_visible_to(request.user)
    status = request.GET.get("status", "")
    listed = visible.filter(status=status) if status in FollowUp.Status.values else visible
    rows = queries.followup_rows(listed)
    return render(
        request,
        "ratings/followup_list.html",
        {
            "rows": rows,
            "warnings": [r for r in rows if r["state"] == "warning"],
            "overdue": [r for r in rows if r["state"] == "overdue"],
            "measures": queries.measures(visible),
            "statuses": FollowUp.Status.choices,
            "status": status,
            "today": timezone.localdate(),
            "is_supervisor": access.may_decide_appeal(request.user),
        },
    )


ACTIONS = {"visit", "handle", "appeal", "decide"}


@login_required
def followup_detail(request: HttpRequest, followup_id: int) -> HttpResponse:
    if not access.may_see_followups(request.user):
        return _refuse(request)
    f = (
        access.followups_visible_to(request.user)
        .select_related("rating__indicator_set", "rating__outlet", "department", "rating__ticket")
        .filter(pk=followup_id)
        .first()
    )
    if f is None:
        raise Http404("差评整改不存在")
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "visit":
                services.followup_visit(
                    followup=f, staff=request.user, outcome=request.POST.get("outcome", "")
                )
            elif action == "handle":
                services.followup_handle(
                    followup=f,
                    staff=request.user,
                    action=request.POST.get("kind", ""),
                    note=request.POST.get("note", ""),
                )
            elif action == "appeal":
                services.followup_appeal(
                    followup=f, staff=request.user, reason=request.POST.get("reason", "")
                )
            elif action == "decide":
                services.followup_decide(
                    followup=f,
                    staff=request.user,
                    upheld=request.POST.get("upheld") == "yes",
                    note=request.POST.get("note", ""),
                )
            else:
                errors["form"] = "未知的操作"
                status = 400
            if not errors:
                return redirect(reverse("ratings_staff:followup", args=[f.pk]))
        except DomainError as exc:
            errors[exc.field or "form"] = exc.message
            status = exc.status
        f.refresh_from_db()
    today = timezone.localdate()
    return render(
        request,
        "ratings/followup_detail.html",
        {
            "f": f,
            "r": f.rating,
            "state": queries.followup_rows(FollowUp.objects.filter(pk=f.pk), today)[0],
            "errors": errors,
            "form_error": errors.get("form") or errors.get("status") or errors.get("followup"),
            "may_handle": access.may_handle(request.user, f),
            "may_decide": access.may_decide_appeal(request.user),
            "actions": FollowUp.Action.choices,
            "is_lead": has_role(request.user, Role.DEPARTMENT_LEAD),
            "visit_days": conf.visit_days(),
            "rectify_days": conf.rectify_days(),
        },
        status=status,
    )
