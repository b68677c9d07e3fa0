"""Applicant account pages: register, log in (password or SMS code), log out, my account,
and the companies I act for. Thin: each POST calls one service and shows a domain error's
Chinese message beside the field it names. With YISHI_AUTH=oidc the local forms give way to
the province's single sign-on."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from yishi.core.crypto import mask, mask_phone
from yishi.core.errors import DomainError, NotFound
from yishi.core.validators import validate_mobile
from yishi.people import queries, services
from yishi.people.models import CompanyAgent, SmsCode
from yishi.portal.pwa import logout_clears_site_data

LOGIN_URL = "/account/login/"
PHONE_BACKEND = "yishi.people.auth.PhonePasswordBackend"
MAX_INPUT = 200


def _sso() -> bool:
    return settings.YISHI_AUTH == "oidc"


def _sso_url() -> str:
    return reverse("account:oidc_authentication_init") if _sso() else ""


def _post(request: HttpRequest, *names: str) -> dict[str, str]:
    return {name: request.POST.get(name, "")[:MAX_INPUT].strip() for name in names}


def _error_into(errors: dict[str, str], exc: DomainError, default_field: str) -> None:
    errors[exc.field or default_field] = exc.message


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("account:home")


def _code_sent_note(phone: str) -> str:
    minutes = int(settings.SMS_CODE_TTL_SECONDS) // 60
    return f"验证码已发送至 {mask_phone(phone)}，{minutes}分钟内有效。"


def _send_code(
    request: HttpRequest,
    phone: str,
    purpose: str,
    errors: dict[str, str],
    notes: dict[str, str],
) -> None:
    """The "获取验证码" button: send a code, or put the reason beside the phone field. The
    note is the same whether or not the phone has an account."""
    try:
        services.sms_code_send(
            phone=phone, purpose=purpose, address=request.META.get("REMOTE_ADDR", "")
        )
    except DomainError as exc:
        _error_into(errors, exc, "phone")
    else:
        notes["sms_code"] = _code_sent_note(validate_mobile(phone).number)


def _matching_passwords(request: HttpRequest, errors: dict[str, str]) -> str | None:
    """The new password when both entries agree; otherwise None and the message."""
    password = request.POST.get("password", "")
    if password != request.POST.get("password2", ""):
        errors["password2"] = "两次输入的密码不一致"
        return None
    return password


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    values = {"name": "", "id_number": "", "phone": "", "sms_code": ""}
    errors: dict[str, str] = {}
    notes: dict[str, str] = {}
    if request.method == "POST" and not _sso():
        values = _post(request, "name", "id_number", "phone", "sms_code")
        if request.POST.get("action") == "send_code":
            _send_code(request, values["phone"], SmsCode.Purpose.REGISTER, errors, notes)
        else:
            password = _matching_passwords(request, errors)
            if password is not None:
                try:
                    account = services.applicant_register(
                        name=values["name"],
                        id_number=values["id_number"],
                        phone=values["phone"],
                        password=password,
                        sms_code=values["sms_code"],
                    )
                except DomainError as exc:
                    _error_into(errors, exc, "name")
                else:
                    login(request, account.user, backend=PHONE_BACKEND)
                    return redirect("account:home")
    return render(
        request,
        "portal/account/register.html",
        {
            "values": values,
            "errors": errors,
            "notes": notes,
            "sso": _sso(),
            "sso_url": _sso_url(),
        },
        status=422 if errors else 200,
    )


@require_http_methods(["GET", "POST"])
def login_page(request: HttpRequest) -> HttpResponse:
    action = request.POST.get("action", "password") if request.method == "POST" else ""
    mode = "sms" if action in ("sms", "send_code") or request.GET.get("mode") == "sms" else ""
    values = {"phone": "", "sms_code": ""}
    errors: dict[str, str] = {}
    notes: dict[str, str] = {}
    if request.method == "POST" and not _sso():
        values = _post(request, "phone", "sms_code")
        if action == "send_code":
            _send_code(request, values["phone"], SmsCode.Purpose.LOGIN, errors, notes)
        else:
            try:
                user = services.applicant_login(
                    request=request,
                    phone=values["phone"],
                    password=request.POST.get("password", "") if action == "password" else "",
                    sms_code=values["sms_code"] if action == "sms" else "",
                )
            except DomainError as exc:
                if action == "sms" and not values["sms_code"] and exc.field != "phone":
                    errors["sms_code"] = "短信验证码不能为空"
                else:
                    _error_into(errors, exc, "phone")
            else:
                login(request, user)
                return redirect(_next_url(request))
    return render(
        request,
        "portal/account/login.html",
        {
            "values": values,
            "errors": errors,
            "notes": notes,
            "mode": mode,
            "next": _next_url(request)
            if (request.GET.get("next") or request.POST.get("next"))
            else "",
            "sso": _sso(),
            "sso_url": _sso_url(),
            "sso_failed": request.GET.get("sso") == "failed",
            "reset_done": request.GET.get("reset") == "1",
        },
        status=422 if errors else 200,
    )


@require_http_methods(["GET", "POST"])
def reset(request: HttpRequest) -> HttpResponse:
    """Forgotten password: a reset code by SMS, then a new password."""
    values = {"phone": "", "sms_code": ""}
    errors: dict[str, str] = {}
    notes: dict[str, str] = {}
    if request.method == "POST" and not _sso():
        values = _post(request, "phone", "sms_code")
        if request.POST.get("action") == "send_code":
            _send_code(request, values["phone"], SmsCode.Purpose.RESET, errors, notes)
        else:
            password = _matching_passwords(request, errors)
            if password is not None:
                try:
                    services.applicant_password_reset(
                        phone=values["phone"], sms_code=values["sms_code"], password=password
                    )
                except DomainError as exc:
                    _error_into(errors, exc, "phone")
                else:
                    return redirect(reverse("account:login") + "?reset=1")
    return render(
        request,
        "portal/account/reset.html",
        {
            "values": values,
            "errors": errors,
            "notes": notes,
            "sso": _sso(),
            "sso_url": _sso_url(),
        },
        status=422 if errors else 200,
    )


@require_POST
def logout_page(request: HttpRequest) -> HttpResponse:
    logout(request)
    # Clear-Site-Data: the browser drops this site's caches (the service worker's too).
    return logout_clears_site_data(redirect("/"))


@login_required(login_url=LOGIN_URL)
def home(request: HttpRequest) -> HttpResponse:
    account = queries.account_of(request.user)
    return render(
        request,
        "portal/account/home.html",
        {
            "account": account,
            "masked_id_number": mask(account.person.id_number) if account else "",
            "masked_phone": mask_phone(account.phone) if account else "",
            "agencies": queries.active_agencies(request.user),
        },
    )


def _date_or_error(
    text: str, errors: dict[str, str], field: str = "authorised_until"
) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        errors[field] = "授权截止日期应为有效日期，格式如 2027-12-31"
        return None


def _scopes(request: HttpRequest, name: str) -> list[str]:
    return [value[:MAX_INPUT] for value in request.POST.getlist(name)[:10]]


LEGAL = CompanyAgent.Role.LEGAL_REPRESENTATIVE
# Fields the services name → the inputs of the agent form on the page.
AGENT_FIELDS = {
    "scopes": "agent_scopes",
    "authorised_until": "agent_until",
    "note": "agent_note",
    "company": "agent_company",
}


def _declare(account, values: dict, errors: dict[str, str]) -> bool:
    until = _date_or_error(values["authorised_until"], errors)
    if errors:
        return False
    try:
        services.applicant_company_declare(
            account=account,
            uscc=values["uscc"],
            company_name=values["company_name"],
            role=values["role"],
            scopes=values["scopes"],
            until=until,
            note=values["note"],
        )
    except DomainError as exc:
        field = {
            "name": "company_name",
            "company": "uscc",
            "legal_representative": "role",
        }.get(exc.field or "", exc.field or "uscc")
        errors[field] = exc.message
        return False
    return True


def _authorise(account, values: dict, errors: dict[str, str]) -> bool:
    until = _date_or_error(values["agent_until"], errors, "agent_until")
    company = queries.company_by_uscc(values["agent_company"])
    if company is None:
        errors["agent_company"] = "请选择企业"
    if errors:
        return False
    try:
        services.agent_authorise_by_legal_rep(
            account=account,
            company=company,
            name=values["agent_name"],
            id_number=values["agent_id_number"],
            scopes=values["agent_scopes"],
            until=until,
            note=values["agent_note"],
        )
    except DomainError as exc:
        field = exc.field or "agent_id_number"
        errors[AGENT_FIELDS.get(field, field)] = exc.message
        return False
    return True


@login_required(login_url=LOGIN_URL)
@require_http_methods(["GET", "POST"])
def companies(request: HttpRequest) -> HttpResponse:
    """My claims to act for companies, each with its state; a declaration form; and, for a
    verified legal representative, the company's agents with an authorisation form."""
    account = queries.account_of(request.user)
    values: dict = {"uscc": "", "company_name": "", "role": "", "authorised_until": "", "note": ""}
    values["scopes"] = []
    agent_values: dict = dict.fromkeys(
        ["agent_company", "agent_name", "agent_id_number", "agent_until", "agent_note"], ""
    )
    agent_values["agent_scopes"] = []
    errors: dict[str, str] = {}
    agent_errors: dict[str, str] = {}
    action = request.POST.get("action", "declare")
    if request.method == "POST" and account is not None:
        if action == "revoke":
            agent = CompanyAgent.objects.filter(pk=request.POST.get("agent") or 0).first()
            if agent is None:
                raise Http404("未找到该授权")
            try:
                services.applicant_agent_revoke(account=account, agent=agent)
            except NotFound as exc:
                raise Http404(exc.message) from None
            except DomainError as exc:
                errors["agent"] = exc.message
            else:
                return redirect(reverse("account:companies") + "?revoked=1")
        elif action == "authorise":
            agent_values = {
                **_post(request, *agent_values),
                "agent_scopes": _scopes(request, "agent_scopes"),
            }
            if _authorise(account, agent_values, agent_errors):
                return redirect(reverse("account:companies") + "?authorised=1")
        else:
            values = {
                **_post(request, "uscc", "company_name", "role", "authorised_until", "note"),
                "scopes": _scopes(request, "scopes"),
            }
            if _declare(account, values, errors):
                return redirect(reverse("account:companies") + "?added=1")
    represented = [
        {"agency": a, "agents": queries.company_agents(a.company)}
        for a in queries.active_agencies(request.user)
        if a.role == LEGAL
    ]
    return render(
        request,
        "portal/account/companies.html",
        {
            "account": account,
            "values": values,
            "errors": errors,
            "agent_values": agent_values,
            "agent_errors": agent_errors,
            "roles": CompanyAgent.Role.choices,
            "scopes": CompanyAgent.Scope.choices,
            "agencies": queries.agencies_of(request.user),
            "represented": represented,
            "today": timezone.localdate(),
            "added": request.GET.get("added") == "1",
            "authorised": request.GET.get("authorised") == "1",
            "revoked": request.GET.get("revoked") == "1",
        },
        status=422 if errors or agent_errors else 200,
    )
