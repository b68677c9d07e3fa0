"""远程虚拟窗口, the resident's pages (/remote/): choose a matter and take a remote ticket,
then the session page — waiting (it follows its ticket), the video call, the identity check,
the recording question, the form the clerk fills (live) with the confirmation, and chat.
Thin: each POST calls one service. The session page's buttons post with fetch (the call must
not drop); asked for JSON they get {ok, message}, else a redirect back with a message."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from yishi.catalog.models import Matter
from yishi.core.errors import DomainError, ValidationFailed
from yishi.hall.models import Outlet
from yishi.remote import access, conf, queries, services
from yishi.remote.models import RemoteSession

LOGIN_URL = "/account/login/"


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def answer(request: HttpRequest, *, ok: bool, message: str, status: int = 200, **extra: Any):
    """A JSON answer for fetch, or a redirect back to the page with the message."""
    if wants_json(request):
        return JsonResponse({"ok": ok, "message": message, **extra}, status=status)
    (messages.success if ok else messages.error)(request, message)
    return redirect(extra.get("redirect") or request.path)


def _points() -> list[Outlet]:
    return list(
        Outlet.objects.filter(is_active=True, kind__in=services.POINT_KINDS).order_by(
            "kind", "code"
        )
    )


@require_http_methods(["GET", "POST"])
def home(request: HttpRequest) -> HttpResponse:
    """远程视频办理: the matters served remotely, the service points, the person's tickets."""
    user = request.user
    resident = access.is_resident(user)
    error, status = "", 200
    if request.method == "POST":
        if not getattr(user, "is_authenticated", False):
            return redirect(f"{LOGIN_URL}?next=/remote/")
        if not resident:
            raise Http404("只有申请人账号可以取远程办理号")
        matter = Matter.objects.filter(code=request.POST.get("matter", "")[:60]).first()
        code = request.POST.get("point", "")
        point = Outlet.objects.filter(code=code[:40]).first() if code else None
        try:
            if code and point is None:
                raise ValidationFailed("请选择乡镇(街道)或村(社区)便民服务点", field="point")
            session = services.remote_ticket_take(user=user, matter=matter, point=point)
        except DomainError as exc:
            error, status = exc.message, exc.status
        else:
            messages.success(request, f"已取号 {session.ticket.number}，请留在本页等候叫号。")
            return redirect("remote:session", session_id=session.pk)
    context = {
        "matters": list(services.remote_matters()),
        "points": _points(),
        "resident": resident,
        "staff": getattr(user, "is_authenticated", False) and not resident,
        "sessions": list(access.own_sessions(user).select_related("ticket", "ticket__matter")[:10])
        if resident
        else [],
        "error": error,
        "selected": request.POST.get("matter", "") or request.GET.get("matter", ""),
    }
    return render(request, "remote/home.html", context, status=status)


def _own(request: HttpRequest, session_id: int) -> RemoteSession:
    session = (
        RemoteSession.objects.select_related(
            "ticket", "ticket__matter", "ticket__window", "ticket__outlet", "person", "point"
        )
        .filter(pk=session_id)
        .first()
    )
    if session is None or not access.is_session_resident(request.user, session):
        raise Http404("远程办理不存在")
    return session


def _client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


@require_http_methods(["GET", "POST"])
def session_page(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _own(request, session_id)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "card":
                photo = request.FILES.get("photo")
                if photo is None:
                    raise ValidationFailed("请拍摄或选择身份证人像面照片", field="photo")
                services.identity_card_read(session=session, user=request.user, image=photo)
                message = "身份证识别核验一致。"
            elif action == "sms_send":
                masked = services.identity_sms_send(
                    session=session, user=request.user, address=_client_address(request)
                )
                message = f"验证码已发送至您登记的手机 {masked}。"
            elif action == "sms_verify":
                services.identity_sms_verify(
                    session=session, user=request.user, code=request.POST.get("code", "")
                )
                message = "短信验证码已验证。"
            elif action == "consent":
                agreed = request.POST.get("agreed") == "yes"
                services.recording_consent(session=session, user=request.user, agreed=agreed)
                message = "您已同意录像。" if agreed else "您不同意录像，本次办理不会录像。"
            elif action == "confirm":
                services.form_confirm(
                    session=session,
                    user=request.user,
                    digest=request.POST.get("digest", ""),
                    signature=request.POST.get("signature", ""),
                )
                message = "您已确认申请表内容并签名。"
            else:
                return answer(request, ok=False, message="无法识别的操作", status=400)
        except DomainError as exc:
            return answer(
                request, ok=False, message=exc.message, status=exc.status, field=exc.field
            )
        return answer(request, ok=True, message=message)
    context = queries.session_context(session)
    context.update(
        {
            "position": queries.position(session),
            "ice": conf.ice_servers(),
        }
    )
    return render(request, "remote/session.html", context)


@require_GET
def session_status(request: HttpRequest, session_id: int) -> JsonResponse:
    """What the waiting page polls: the session's state and the person's place in line."""
    session = _own(request, session_id)
    return JsonResponse(queries.status_of(session))
