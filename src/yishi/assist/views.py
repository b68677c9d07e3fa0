"""帮办 pages for the person (/assist/): 我要帮办 (start a chat or ask for a call-back), the
chat page (live through the websocket; every action also works as a plain form post), and
confirming a 代办 authorisation. Thin: each POST calls one service; a domain error comes back
on the page with its status."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from yishi.assist import access, services, sla
from yishi.assist.models import AssistProposal, AssistRequest, ProxyAuthorisation
from yishi.cases.models import Application
from yishi.catalog.models import Department
from yishi.core.crypto import mask_phone
from yishi.core.errors import DomainError, ValidationFailed
from yishi.people.queries import account_of

LOGIN_URL = "/account/login/"


def _drafts(user: Any) -> list[Application]:
    if account_of(user) is None:
        return []
    return list(
        Application.objects.filter(applicant_id=user.pk, status=Application.Status.DRAFT)
        .select_related("theme", "matter")
        .order_by("-pk")[:20]
    )


def _departments() -> list[Department]:
    return list(Department.objects.exclude(kind=Department.Kind.SERVICE_CENTRE).order_by("code"))


def _parse_local(value: str) -> dt.datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValidationFailed("期望回电时间格式不正确", field="preferred_at") from None
    if parsed.tzinfo is None:
        parsed = timezone.make_aware(parsed)
    return parsed


@require_http_methods(["GET", "POST"])
def home(request: HttpRequest) -> HttpResponse:
    """我要帮办: the two ways to ask, and the person's own requests."""
    user = request.user
    staff = getattr(user, "is_authenticated", False) and account_of(user) is None
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST" and not staff:
        kind = request.POST.get("channel")
        dept = Department.objects.filter(code=request.POST.get("department", "")).first()
        try:
            if kind == "callback":
                made = services.callback_request(
                    user=user,
                    phone=request.POST.get("phone", ""),
                    preferred_at=_parse_local(request.POST.get("preferred_at", "")),
                    question=request.POST.get("question", ""),
                    department=dept,
                )
                access.remember_guest(request.session, made)
                messages.success(request, "已收到您的回电预约，工作人员将按您期望的时间回电。")
                return redirect("assist:request", request_id=made.pk)
            draft = None
            draft_id = request.POST.get("draft", "")
            if draft_id.isdigit():
                draft = Application(pk=int(draft_id))
            made = services.chat_open(
                user=user,
                question=request.POST.get("question", ""),
                draft=draft,
                consent=request.POST.get("consent") == "on",
                department=dept,
            )
            access.remember_guest(request.session, made)
            return redirect("assist:request", request_id=made.pk)
        except DomainError as exc:
            errors[f"{kind}.{exc.field or 'form'}"] = exc.message
            errors["summary"] = exc.message
            status = exc.status
    mine = (
        access.own_requests(user, request.session).select_related("department")[:20]
        if not staff
        else []
    )
    monday = sla.hours().get("1") or []
    context = {
        "hours": "、".join(f"{a}–{b}" for a, b in monday),
        "staff": staff,
        "drafts": _drafts(user),
        "departments": _departments(),
        "mine": mine,
        "errors": errors,
        "posted": request.POST if request.method == "POST" else {},
        "chosen_draft": request.GET.get("draft", ""),
    }
    return render(request, "assist/home.html", context, status=status)


def _own(request: HttpRequest, request_id: int) -> AssistRequest:
    found = (
        AssistRequest.objects.select_related("draft__theme", "department", "clerk", "account")
        .filter(pk=request_id)
        .first()
    )
    if found is None or not access.is_owner(request.user, request.session, found):
        raise Http404("帮办请求不存在")
    return found


@require_http_methods(["GET", "POST"])
def chat(request: HttpRequest, request_id: int) -> HttpResponse:
    """The person's page of one request: the chat, the clerk's proposals for their draft."""
    assist = _own(request, request_id)
    error, status = "", 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "message":
                services.message_post(
                    request=assist,
                    user=request.user,
                    body=request.POST.get("body", ""),
                    as_clerk=False,
                )
            elif action == "consent":
                services.consent_set(
                    request=assist, user=request.user, consent=request.POST.get("consent") == "on"
                )
            elif action in ("accept", "decline"):
                proposal = assist.proposals.filter(pk=request.POST.get("proposal") or 0).first()
                if proposal is None or not str(request.POST.get("proposal", "")).isdigit():
                    raise ValidationFailed("该建议不存在", field="proposal")
                services.proposal_decide(
                    proposal=proposal, user=request.user, accept=action == "accept"
                )
                messages.success(
                    request,
                    f"已把「{proposal.field_label}」填入草稿，请核对后自行签名提交。"
                    if action == "accept"
                    else "已不采纳该建议。",
                )
            elif action == "cancel":
                services.request_cancel(request=assist, user=request.user)
            else:
                raise ValidationFailed("无法识别的操作", field="action")
            return redirect("assist:request", request_id=assist.pk)
        except DomainError as exc:
            error, status = exc.message, exc.status
            assist = _own(request, request_id)
    context = {
        "a": assist,
        "chat_messages": assist.messages.select_related("author"),
        "proposals": assist.proposals.all(),
        "open": assist.status in services.OPEN_STATES,
        "phone": mask_phone(assist.phone),
        "error": error,
        "who": {"person": "我"},
    }
    return render(request, "assist/chat.html", context, status=status)


@login_required(login_url=LOGIN_URL)
@require_http_methods(["GET", "POST"])
def authorisation(request: HttpRequest, authorisation_id: int) -> HttpResponse:
    """The person reads and confirms (or revokes) an authorisation for 代办."""
    auth = access.authorisations_of(request.user).filter(pk=authorisation_id).first()
    if auth is None:
        raise Http404("授权书不存在")
    error, status = "", 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "revoke":
                services.authorisation_revoke(authorisation=auth, user=request.user)
                messages.success(request, "已撤销该授权。")
            else:
                if request.POST.get("agree") != "on":
                    raise ValidationFailed("请勾选“本人同意以上授权”后确认", field="agree")
                services.authorisation_confirm(authorisation=auth, user=request.user)
                messages.success(request, "已确认授权，工作人员可在授权范围和期限内为您代办。")
            return redirect("assist:authorisation", authorisation_id=auth.pk)
        except DomainError as exc:
            error, status = exc.message, exc.status
        auth = ProxyAuthorisation.objects.get(pk=auth.pk)
    context = {
        "auth": auth,
        "acts": auth.acts.select_related("application")[:50],
        "error": error,
        "proposal_status": AssistProposal.Status,
    }
    return render(request, "assist/authorisation.html", context, status=status)


@login_required(login_url=LOGIN_URL)
@require_http_methods(["GET", "POST"])
def desk_page(request: HttpRequest) -> HttpResponse:
    """惠企政策服务台: a company's agent asks for 政策咨询, 申报辅导 or 转办代办 (about a
    policy named by ?policy=); the request opens as a chat routed to the policy's department."""
    from yishi.assist import desk
    from yishi.people.models import CompanyAgent
    from yishi.people.queries import acting_companies
    from yishi.policies.models import Policy

    account = account_of(request.user)
    if account is None:
        return render(request, "assist/desk.html", {"account": None}, status=403)
    companies = acting_companies(request.user, scope=CompanyAgent.Scope.APPLY)
    code = request.POST.get("policy") or request.GET.get("policy") or ""
    policy = Policy.objects.filter(code=code, subject="company").first() if code else None
    error, status = "", 200
    if request.method == "POST":
        uscc = request.POST.get("company", "")
        company = next((c for c in companies if c.uscc == uscc), None)
        try:
            if uscc and company is None:
                raise Http404("未找到该企业")
            opened = desk.desk_open(
                user=request.user,
                company=company,
                kind=request.POST.get("kind", ""),
                question=request.POST.get("question", ""),
                policy=policy,
            )
        except DomainError as exc:
            if exc.status == 404:
                raise Http404(exc.message) from exc
            error, status = exc.message, exc.status
        else:
            messages.success(request, "已提交惠企政策服务台，工作人员将尽快回复。")
            return redirect("assist:request", request_id=opened.pk)
    context = {
        "account": account,
        "companies": companies,
        "policy": policy,
        "kinds": [(k, AssistRequest.Kind(k).label) for k in desk.DESK_KINDS],
        "posted": request.POST if request.method == "POST" else {},
        "error": error,
    }
    return render(request, "assist/desk.html", context, status=status)
