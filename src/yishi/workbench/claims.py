"""企业授权核验 at the window. An applicant's claim to act for a company (as its legal
representative or an agent) grants nothing until verified; window staff confirm it after
seeing the business licence (and, for an agent, the letter of authorisation), or turn it
down. They may also record an authorisation at the counter and revoke one. Window staff
and administrators only; names and ID numbers are shown masked."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from yishi.core.crypto import mask
from yishi.core.errors import DomainError, ValidationFailed
from yishi.core.roles import Role, has_role
from yishi.people import services
from yishi.people.models import CompanyAgent
from yishi.people.queries import company_by_uscc, company_claims, pending_claims

WINDOW = (Role.WINDOW, Role.ADMINISTRATOR)
NEEDED = "窗口人员或管理员"
PENDING_ROWS = 200
MAX_INPUT = 200
FIELDS = ("uscc", "name", "id_number", "role", "until", "note")
# Fields the services name → the inputs of the counter form.
ERROR_FIELDS = {
    "agent_name": "name",
    "agent_id_number": "id_number",
    "authorised_until": "until",
    "company": "uscc",
}


def _refuse(request: HttpRequest) -> HttpResponse:
    return render(request, "workbench/forbidden.html", {"needed": NEEDED}, status=403)


def _masked_name(name: str) -> str:
    """欧阳明 → 欧**: the surname's first character only."""
    return name[:1] + "*" * (len(name) - 1)


def _row(agent: CompanyAgent) -> dict:
    return {
        "a": agent,
        "name": _masked_name(agent.person.name),
        "id_masked": mask(agent.person.id_number),
    }


def _page(
    request: HttpRequest,
    *,
    values: dict | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    uscc = (request.GET.get("company") or request.POST.get("company") or "").strip()[:20]
    company = company_by_uscc(uscc) if uscc else None
    context = {
        "pending": [_row(a) for a in pending_claims()[:PENDING_ROWS]],
        "uscc": uscc,
        "company": company,
        "claims": [_row(a) for a in company_claims(company)] if company else [],
        "values": values or {**dict.fromkeys(FIELDS, ""), "scopes": []},
        "errors": errors or {},
        "roles": CompanyAgent.Role.choices,
        "scopes": CompanyAgent.Scope.choices,
        "today": timezone.localdate(),
    }
    return render(request, "workbench/company_claims.html", context, status=status)


def _back(agent: CompanyAgent) -> HttpResponse:
    return redirect(reverse("workbench:company_claims") + f"?company={agent.company.uscc}")


@login_required
def claim_list(request: HttpRequest) -> HttpResponse:
    """Claims waiting for the counter, and a company's claims looked up by credit code."""
    if not has_role(request.user, *WINDOW):
        return _refuse(request)
    return _page(request)


@login_required
@require_POST
def claim_new(request: HttpRequest) -> HttpResponse:
    """An authorisation recorded at the counter (verified at once)."""
    if not has_role(request.user, *WINDOW):
        return _refuse(request)
    values: dict = {k: request.POST.get(k, "")[:MAX_INPUT].strip() for k in FIELDS}
    values["scopes"] = [s[:MAX_INPUT] for s in request.POST.getlist("scopes")[:10]]
    try:
        try:
            until = dt.date.fromisoformat(values["until"]) if values["until"] else None
        except ValueError:
            raise ValidationFailed(
                "授权截止日期应为有效日期，格式如 2027-12-31", field="authorised_until"
            ) from None
        agent = services.agent_authorise_at_counter(
            uscc=values["uscc"],
            name=values["name"],
            id_number=values["id_number"],
            role=values["role"],
            scopes=values["scopes"],
            until=until,
            note=values["note"],
            staff=request.user,
        )
    except DomainError as error:
        messages.error(request, error.message)
        field = ERROR_FIELDS.get(error.field or "", error.field or "uscc")
        return _page(request, values=values, errors={field: error.message}, status=error.status)
    messages.success(
        request, f"已登记「{agent.company.name}」的{agent.get_role_display()}授权，即日生效。"
    )
    return _back(agent)


@login_required
@require_POST
def claim_action(request: HttpRequest, agent_id: int, action: str) -> HttpResponse:
    """Confirm or turn down a pending claim; revoke a claim."""
    if not has_role(request.user, *WINDOW):
        return _refuse(request)
    agent = CompanyAgent.objects.select_related("company", "person").filter(pk=agent_id).first()
    if agent is None:
        raise Http404("未找到该授权")
    what = f"「{agent.company.name}」{agent.get_role_display()}"
    try:
        if action == "confirm":
            services.agent_verify(agent=agent, staff=request.user)
            messages.success(request, f"{what}授权已核验通过。")
        elif action == "reject":
            services.agent_reject(
                agent=agent, staff=request.user, reason=request.POST.get("reason", "")
            )
            messages.success(request, f"{what}授权未通过核验，已关闭。")
        elif action == "revoke":
            services.agent_revoke(agent=agent, actor=request.user)
            messages.success(request, f"{what}授权已撤销。")
        else:
            raise Http404("没有这个操作")
    except DomainError as error:
        messages.error(request, error.message)
        return _page(request, status=error.status)
    if action == "revoke":
        return _back(agent)
    return redirect("workbench:company_claims")
