"""The clerk's 帮办 console (/workbench/assist/): open requests (their department's, or all
for window staff), one request's chat with the person's draft when they consented, on-site
helpers from the green channel or a walk-in, 代办 authorisations and submitting a draft
under one, and the figures per department and clerk. Thin: one service call per POST."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from yishi.assist import access, desk, queries, services
from yishi.assist.models import AssistRequest, ProxyAuthorisation
from yishi.cases.models import Application
from yishi.catalog.models import Department, Matter
from yishi.core.audit import audit_append
from yishi.core.crypto import mask_phone
from yishi.core.display import mask_name
from yishi.core.errors import DomainError, NotFound, ValidationFailed
from yishi.core.fields import blind_index
from yishi.core.validators import validate_mobile
from yishi.hall.models import GreenChannelRequest
from yishi.people.models import ApplicantAccount
from yishi.themes.form import display_value

S = AssistRequest.Status
SLA_LABELS = {"ok": "按时响应", "late": "超时", "waiting": "待响应"}


def _refuse(request: HttpRequest, needed: str) -> HttpResponse:
    return render(request, "workbench/forbidden.html", {"needed": needed}, status=403)


def _person_label(a: AssistRequest) -> str:
    if a.account_id and a.account.person_id:
        return mask_name(a.account.person.name, fallback="群众")
    return "匿名群众" if a.channel == AssistRequest.Channel.CHAT else "群众"


def _row(a: AssistRequest, now: dt.datetime) -> dict[str, Any]:
    state = queries.sla_state(a, now)
    return {"a": a, "who": _person_label(a), "sla": state, "sla_label": SLA_LABELS[state]}


@login_required
@require_http_methods(["GET", "POST"])
def console(request: HttpRequest) -> HttpResponse:
    if not access.is_assist_staff(request.user):
        return _refuse(request, "窗口人员、审批人员、部门负责人或管理员")
    error, status = "", 200
    if request.method == "POST":
        try:
            green_id = request.POST.get("green", "")
            if green_id:
                green = GreenChannelRequest.objects.filter(
                    pk=int(green_id) if green_id.isdigit() else 0
                ).first()
                if green is None or not access.may_proxy(request.user):
                    raise NotFound("绿色通道服务不存在", field="green")
                made = services.onsite_from_green(green=green, clerk=request.user)
            else:
                if not access.may_proxy(request.user):
                    raise NotFound("只有窗口人员可以登记现场帮办", field="question")
                matter = Matter.objects.filter(code=request.POST.get("matter", "")).first()
                made = services.onsite_walk_in(
                    clerk=request.user, question=request.POST.get("question", ""), matter=matter
                )
            messages.success(request, f"已登记现场帮办 #{made.pk}")
            return redirect("assist_staff:request", request_id=made.pk)
        except DomainError as exc:
            error, status = exc.message, exc.status
    visible = access.staff_requests(request.user)
    now = timezone.now()
    rows = [_row(a, now) for a in queries.console_rows(visible)[:200]]
    recent = [
        _row(a, now)
        for a in visible.exclude(status__in=(S.OPEN, S.ACTIVE))
        .select_related("department", "clerk", "account__person")
        .order_by("-concluded_at", "-id")[:20]
    ]
    greens = []
    if access.may_proxy(request.user):
        greens = list(
            GreenChannelRequest.objects.filter(
                status__in=(
                    GreenChannelRequest.Status.REQUESTED,
                    GreenChannelRequest.Status.ASSIGNED,
                ),
                assist_requests__isnull=True,
            )
            .select_related("outlet")
            .order_by("-requested_at")[:20]
        )
    context = {
        "rows": rows,
        "recent": recent,
        "greens": greens,
        "can_onsite": access.may_proxy(request.user),
        "error": error,
    }
    return render(request, "assist/console.html", context, status=status)


def _staff_request(request: HttpRequest, request_id: int) -> AssistRequest:
    found = (
        access.staff_requests(request.user)
        .select_related(
            "draft__theme",
            "department",
            "clerk",
            "account__person",
            "matter",
            "company",
            "policy",
            "referred_to",
        )
        .filter(pk=request_id)
        .first()
    )
    if found is None:
        raise Http404("帮办请求不存在")
    return found


def _draft_rows(a: AssistRequest) -> list[dict[str, Any]]:
    if not (a.draft_id and a.draft_consent) or a.draft.status != Application.Status.DRAFT:
        return []
    return [
        {
            "key": f.key,
            "label": f.label,
            "value": display_value(f, a.draft.form_data.get(f.key)) or "",
        }
        for f in services.draft_fields(a.draft)
    ]


@login_required
@require_http_methods(["GET", "POST"])
def detail(request: HttpRequest, request_id: int) -> HttpResponse:
    if not access.is_assist_staff(request.user):
        return _refuse(request, "窗口人员、审批人员、部门负责人或管理员")
    a = _staff_request(request, request_id)
    error, status = "", 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "take":
                services.request_take(request=a, clerk=request.user)
            elif action == "message":
                services.message_post(
                    request=a, user=request.user, body=request.POST.get("body", ""), as_clerk=True
                )
            elif action == "propose":
                services.proposal_make(
                    request=a,
                    clerk=request.user,
                    field_key=request.POST.get("field", ""),
                    value=request.POST.get("value", ""),
                )
                messages.success(request, "已发送代填建议，等待群众确认。")
            elif action == "called":
                services.callback_called(
                    request=a, clerk=request.user, note=request.POST.get("note", "")
                )
            elif action == "desk_refer":
                department_id = request.POST.get("department", "")
                desk.desk_refer(
                    request=a,
                    clerk=request.user,
                    department=Department.objects.filter(pk=department_id).first()
                    if department_id.isdigit()
                    else None,
                    note=request.POST.get("note", ""),
                )
                messages.success(request, "已转办。")
            elif action == "desk_conclude":
                desk.desk_conclude(
                    request=a,
                    clerk=request.user,
                    outcome=request.POST.get("outcome", ""),
                    note=request.POST.get("note", ""),
                )
            elif action in ("resolve", "unresolve"):
                services.request_conclude(
                    request=a,
                    clerk=request.user,
                    resolved=action == "resolve",
                    note=request.POST.get("note", ""),
                )
            else:
                raise ValidationFailed("无法识别的操作", field="action")
            return redirect("assist_staff:request", request_id=a.pk)
        except DomainError as exc:
            error, status = exc.message, exc.status
            a = _staff_request(request, request_id)
    # The call-back number in full only to the clerk handling it, and each such view logged.
    show_phone = (
        bool(a.phone) and a.clerk_id == request.user.pk and a.status in services.OPEN_STATES
    )
    if show_phone:
        audit_append(
            action="assist.phone.view",
            actor=request.user,
            object_type="assist.request",
            object_id=a.pk,
        )
    context = {
        "a": a,
        "who": _person_label(a),
        "chat_messages": a.messages.select_related("author"),
        "proposals": a.proposals.all(),
        "draft_rows": _draft_rows(a),
        "open": a.status in services.OPEN_STATES,
        "phone": a.phone if show_phone else mask_phone(a.phone),
        "sla_label": SLA_LABELS[queries.sla_state(a)],
        "error": error,
        **_desk_context(a),
    }
    return render(request, "assist/staff_request.html", context, status=status)


def _desk_context(a: AssistRequest) -> dict[str, Any]:
    """惠企政策服务台 requests close with an outcome of their kind and may be referred."""
    if a.kind not in desk.DESK_KINDS:
        return {"desk_outcomes": []}
    return {
        "desk_outcomes": [
            (o, AssistRequest.Outcome(o).label) for o in desk.OUTCOMES[AssistRequest.Kind(a.kind)]
        ],
        "departments": Department.objects.exclude(kind=Department.Kind.SERVICE_CENTRE).order_by(
            "code"
        ),
    }


def _date(value: str, field: str, label: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(f"{label}应为日期（年-月-日）", field=field) from None


@login_required
def stats(request: HttpRequest) -> HttpResponse:
    """响应率, 解决率, 满意度 and median times, per department and per clerk, for a period."""
    if not access.is_staff_member(request.user):
        return _refuse(request, "工作人员")
    error, status = "", 200
    today = timezone.localdate()
    start, end = today - dt.timedelta(days=29), today
    try:
        start = _date(request.GET.get("from", ""), "from", "开始日期") or start
        end = _date(request.GET.get("to", ""), "to", "结束日期") or end
        if end < start:
            raise ValidationFailed("结束日期不能早于开始日期", field="to")
    except DomainError as exc:
        error, status = exc.message, exc.status
        start, end = today - dt.timedelta(days=29), today
    dept = Department.objects.filter(code=request.GET.get("department", "")).first()
    qs = queries.counted(start=start, end=end, department_id=dept.pk if dept else None)
    context = {
        "start": start,
        "end": end,
        "department": dept,
        "departments": Department.objects.filter(assist_requests__isnull=False)
        .distinct()
        .order_by("code"),
        "total": queries.figures(qs),
        "by_department": queries.breakdown(qs, "department"),
        "by_clerk": queries.breakdown(qs, "clerk"),
        "has_ratings": queries.has_ratings(),
        "error": error,
        "levels": services.conf,
    }
    return render(request, "assist/stats.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def authorisations(request: HttpRequest) -> HttpResponse:
    """代办 authorisations: record one for an applicant (who then confirms it)."""
    if not access.may_proxy(request.user):
        return _refuse(request, "窗口人员或管理员")
    error, status = "", 200
    if request.method == "POST":
        try:
            number = validate_mobile(request.POST.get("phone", ""), "phone").number
            account = ApplicantAccount.objects.filter(phone_index=blind_index(number)).first()
            if account is None:
                raise ValidationFailed("该手机号没有注册账号", field="phone")
            codes = [c for c in request.POST.getlist("matters") if c]
            matters = list(Matter.objects.filter(code__in=codes))
            until = _date(request.POST.get("valid_until", ""), "valid_until", "有效期")
            auth = services.authorisation_record(
                clerk=request.user,
                account=account,
                valid_until=until,
                matters=matters,
                all_matters=request.POST.get("all_matters") == "on",
            )
            messages.success(request, f"已登记代办授权书 #{auth.pk}，请委托人登录后确认。")
            return redirect("assist_staff:authorisation", authorisation_id=auth.pk)
        except DomainError as exc:
            error, status = exc.message, exc.status
    rows = ProxyAuthorisation.objects.select_related("person", "recorded_by").order_by("-pk")[:50]
    context = {
        "rows": [{"auth": r, "who": mask_name(r.person.name, fallback="群众")} for r in rows],
        "matters": Matter.objects.filter(status=Matter.Status.PUBLISHED).order_by("code")[:300],
        "error": error,
        "default_until": timezone.localdate() + dt.timedelta(days=90),
    }
    return render(request, "assist/authorisations.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def authorisation(request: HttpRequest, authorisation_id: int) -> HttpResponse:
    """One authorisation: its scope and acts; submit one of the person's drafts under it."""
    if not access.may_proxy(request.user):
        return _refuse(request, "窗口人员或管理员")
    auth = (
        ProxyAuthorisation.objects.select_related("person", "account")
        .filter(pk=authorisation_id)
        .first()
    )
    if auth is None:
        raise Http404("授权书不存在")
    error, status = "", 200
    owner_drafts = (
        list(
            Application.objects.filter(
                applicant_id=auth.account.user_id, status=Application.Status.DRAFT
            ).select_related("theme", "matter")
        )
        if auth.account_id
        else []
    )
    if request.method == "POST":
        try:
            if request.POST.get("action") == "revoke":
                services.authorisation_revoke(authorisation=auth, user=request.user)
                messages.success(request, "已撤销授权书。")
            else:
                chosen = next(
                    (d for d in owner_drafts if str(d.pk) == request.POST.get("draft")), None
                )
                if chosen is None:
                    raise ValidationFailed("请选择委托人的草稿", field="draft")
                app = services.proxy_submit_draft(
                    authorisation=auth,
                    draft=chosen,
                    clerk=request.user,
                    pledged=request.POST.get("pledge") == "on",
                    idempotency_key=request.POST.get("key") or None,
                )
                messages.success(request, f"已为委托人代办提交申请 {app.number}")
            return redirect("assist_staff:authorisation", authorisation_id=auth.pk)
        except DomainError as exc:
            error, status = exc.message, exc.status
            auth = ProxyAuthorisation.objects.get(pk=auth.pk)
    context = {
        "auth": auth,
        "who": mask_name(auth.person.name, fallback="群众"),
        "drafts": owner_drafts,
        "acts": auth.acts.select_related("application", "clerk")[:50],
        "key": uuid.uuid4().hex,
        "error": error,
    }
    return render(request, "assist/staff_authorisation.html", context, status=status)
