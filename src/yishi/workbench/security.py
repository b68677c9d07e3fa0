"""My second factor: status, TOTP enrolment with a QR code, recovery codes (shown once),
removal with a fresh code, and the verify page after password sign-in. My sessions: every
signed-in session of mine, ending one or all the others."""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_static.models import StaticToken

from yishi.core import sessions as staff_sessions
from yishi.core.errors import DomainError
from yishi.workbench import second_factor as sf


def _refuse(request: HttpRequest) -> HttpResponse:
    return render(request, "workbench/forbidden.html", {"needed": "工作人员"}, status=403)


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/workbench/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return "/workbench/"
    return target


def _page(request: HttpRequest, *, codes: list[str] | None = None, error: str = "", status=200):
    user = request.user
    device = sf.totp_device(user)
    context: dict = {
        "device": device,
        "verified": sf.is_verified(user),
        "required": sf.required(),
        "codes": codes,
        "error": error,
        "next": _next(request),
        "recovery_left": 0,
    }
    if device is None:
        pending = sf.totp_enrol_start(user=user)
        context["qr"] = sf.qr_svg_data_uri(pending.config_url)
        context["secret"] = sf.base32_secret(pending)
    else:
        context["recovery_left"] = StaticToken.objects.filter(
            device__user=user, device__confirmed=True
        ).count()
    return render(request, "workbench/security.html", context, status=status)


@login_required
def security(request: HttpRequest) -> HttpResponse:
    if not sf.is_staff_account(request.user):
        return _refuse(request)
    # A device exists but this session has not passed it: no enrolment around it.
    if not sf.is_verified(request.user) and sf.has_confirmed_device(request.user):
        return redirect(f"{sf.VERIFY_PATH}?next={quote(_next(request))}")
    return _page(request)


@login_required
@require_POST
def security_enrol(request: HttpRequest) -> HttpResponse:
    if not sf.is_staff_account(request.user):
        return _refuse(request)
    try:
        codes = sf.totp_enrol_confirm(
            request=request, user=request.user, token=request.POST.get("token", "")
        )
    except DomainError as error:
        if sf.has_confirmed_device(request.user):
            return redirect(sf.VERIFY_PATH)
        return _page(request, error=error.message, status=400)
    messages.success(
        request, "身份验证器已绑定，本次登录已完成第二重验证。请立即保存下面的恢复码。"
    )
    return _page(request, codes=codes)


@login_required
@require_POST
def security_recovery(request: HttpRequest) -> HttpResponse:
    if not sf.is_staff_account(request.user):
        return _refuse(request)
    if not sf.is_verified(request.user):
        return redirect(sf.VERIFY_PATH)
    try:
        codes = sf.recovery_codes_regenerate(user=request.user)
    except DomainError as error:
        return _page(request, error=error.message, status=400)
    messages.success(request, "已生成新的恢复码，原恢复码全部作废。请立即保存。")
    return _page(request, codes=codes)


@login_required
@require_POST
def security_remove(request: HttpRequest) -> HttpResponse:
    if not sf.is_staff_account(request.user):
        return _refuse(request)
    if not sf.is_verified(request.user):
        return redirect(sf.VERIFY_PATH)
    try:
        sf.second_factor_remove(
            request=request, user=request.user, token=request.POST.get("token", "")
        )
    except DomainError as error:
        return _page(request, error=error.message, status=400)
    messages.success(request, "已移除身份验证器和恢复码。")
    return redirect("workbench:security")


@login_required
def security_verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not sf.is_staff_account(user):
        return _refuse(request)
    if sf.is_verified(user):
        return redirect(_next(request))
    if not sf.has_confirmed_device(user):
        return redirect("workbench:security")
    error = ""
    if request.method == "POST":
        try:
            sf.second_factor_verify(request=request, user=user, token=request.POST.get("token", ""))
        except DomainError as failure:
            error = failure.message
        else:
            return redirect(_next(request))
    return render(
        request,
        "workbench/security_verify.html",
        {"error": error, "next": _next(request)},
        status=400 if error else 200,
    )


# ---------------------------------------------------------------- my sessions


def _factor_first(request: HttpRequest) -> HttpResponse | None:
    """Seeing and ending sessions needs the second factor where the account has one (or must
    have one): a password alone must not be enough to throw the owner out."""
    user = request.user
    if sf.is_verified(user):
        return None
    if sf.has_confirmed_device(user):
        return redirect(f"{sf.VERIFY_PATH}?next={quote(request.path)}")
    if sf.required():
        return redirect(f"{sf.SECURITY_PATH}?next={quote(request.path)}")
    return None


@login_required
def security_sessions(request: HttpRequest) -> HttpResponse:
    if not sf.is_staff_account(request.user):
        return _refuse(request)
    if (stop := _factor_first(request)) is not None:
        return stop
    rows = staff_sessions.staff_sessions_live(
        user=request.user, current_key=request.session.session_key
    )
    return render(
        request,
        "workbench/security_sessions.html",
        {"sessions": rows, "others": sum(1 for row in rows if not row.current)},
    )


@login_required
@require_POST
def security_session_end(request: HttpRequest, session_id: int) -> HttpResponse:
    if not sf.is_staff_account(request.user):
        return _refuse(request)
    if (stop := _factor_first(request)) is not None:
        return stop
    current = [
        row.id
        for row in staff_sessions.staff_sessions_live(
            user=request.user, current_key=request.session.session_key
        )
        if row.current
    ]
    if session_id in current:  # ending this very session is signing out
        logout(request)
        return redirect(f"{settings.LOGIN_URL}?next=/workbench/")
    if not staff_sessions.staff_session_end(user=request.user, session_id=session_id):
        raise Http404("没有这个会话")
    messages.success(request, "已结束该会话，使用它的设备须重新登录。")
    return redirect("workbench:security_sessions")


@login_required
@require_POST
def security_sessions_end_others(request: HttpRequest) -> HttpResponse:
    if not sf.is_staff_account(request.user):
        return _refuse(request)
    if (stop := _factor_first(request)) is not None:
        return stop
    ended = staff_sessions.staff_sessions_end_others(
        user=request.user, current_key=request.session.session_key
    )
    if ended:
        messages.success(request, f"已退出其他 {ended} 个会话，当前会话保留。")
    else:
        messages.info(request, "没有其他会话。")
    return redirect("workbench:security_sessions")
