"""远程虚拟窗口, the clerk's side (/workbench/remote/): the console (sign on at a remote
window, the remote tickets waiting, call the next), the live session (video, screen share,
identity check, the form, submit, finish), the recording upload, and the recordings a
department lead may play. Thin: one service call per POST; refusals by yishi.remote.access
(403 for a role that has no console, 404 for a record outside the user's reach)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yishi.core.errors import DomainError, ValidationFailed
from yishi.hall import services as hall
from yishi.remote import access, conf, queries, services
from yishi.remote.models import RemoteSession
from yishi.remote.views import answer

SEQ_HEADER = "X-Recording-Seq"
RECORDING_TYPES = ("video/webm", "video/mp4")


def _refuse(request: HttpRequest, needed: str) -> HttpResponse:
    return render(request, "workbench/forbidden.html", {"needed": needed}, status=403)


@login_required
@require_http_methods(["GET", "POST"])
def console(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not access.is_clerk(user):
        return _refuse(request, "窗口人员或管理员")
    windows = queries.staffable_windows(user)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action in ("sign_on", "sign_off"):
                window = next(
                    (w for w in windows if str(w.pk) == request.POST.get("window", "")), None
                )
                if window is None:
                    raise Http404("窗口不存在")
                if action == "sign_on":
                    hall.window_sign_on(window=window, staff=user)
                    messages.success(request, f"已在{window.outlet.name}{window.label}上岗。")
                else:
                    hall.window_sign_off(window=window, staff=user)
                    messages.success(request, f"已从{window.label}离岗。")
            elif action == "call":
                window = queries.on_duty(user)
                if window is None:
                    messages.error(request, "请先在远程虚拟窗口上岗")
                else:
                    session = services.remote_call_next(window=window, staff=user)
                    if session is None:
                        messages.info(request, "目前没有等候的远程办理号。")
                    else:
                        return redirect("remote_staff:session", session_id=session.pk)
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("remote_staff:console")
    duty = queries.on_duty(user)
    current = services.window_current_session(duty, staff=user) if duty else None
    context = {
        "windows": windows,
        "duty": duty,
        "current": current,
        "waiting": queries.waiting_rows(duty) if duty else [],
        "is_lead": access.is_lead(user),
    }
    return render(request, "remote/console.html", context)


def _served(request: HttpRequest, session_id: int) -> RemoteSession:
    session = (
        RemoteSession.objects.select_related(
            "ticket", "ticket__matter", "ticket__window__outlet", "person", "point", "application"
        )
        .filter(pk=session_id)
        .first()
    )
    if session is None or not access.is_session_clerk(request.user, session):
        raise Http404("远程办理不存在")
    return session


@login_required
@require_http_methods(["GET", "POST"])
def session_page(request: HttpRequest, session_id: int) -> HttpResponse:
    if not access.is_clerk(request.user):
        return _refuse(request, "窗口人员或管理员")
    session = _served(request, session_id)
    if request.method == "POST":
        action = request.POST.get("action", "")
        extra: dict = {}
        try:
            if action == "identity":
                ok = request.POST.get("visual") == "yes"
                check = services.identity_check_record(
                    session=session,
                    staff=request.user,
                    visual_ok=ok,
                    note=request.POST.get("note", ""),
                )
                message = (
                    "身份核验通过。" if check.passed else "已记录：视频比对不一致，核验未通过。"
                )
            elif action == "submit":
                application = services.application_submit_remote(
                    session=session, staff=request.user
                )
                message = f"已提交申请，申请编号 {application.number}。"
                extra["number"] = application.number
            elif action == "finish":
                services.session_finish(session=session, staff=request.user)
                message = "本次远程办理已办结。"
                extra["redirect"] = "/workbench/remote/"
            elif action == "no_show":
                services.session_no_show(session=session, staff=request.user)
                message = "已按过号处理。"
                extra["redirect"] = "/workbench/remote/"
            else:
                return answer(request, ok=False, message="无法识别的操作", status=400)
        except DomainError as exc:
            return answer(
                request, ok=False, message=exc.message, status=exc.status, field=exc.field
            )
        return answer(request, ok=True, message=message, **extra)
    context = queries.session_context(session)
    context["ice"] = conf.ice_servers()
    return render(request, "remote/staff_session.html", context)


@login_required
@require_POST
def recording_upload(request: HttpRequest, session_id: int) -> HttpResponse:
    """One piece of the recording, as the request body (the clerk's browser posts one every
    few seconds); refused unless the person agreed."""
    if not access.is_clerk(request.user):
        return _refuse(request, "窗口人员或管理员")
    session = _served(request, session_id)
    raw = request.headers.get(SEQ_HEADER, "")
    seq = int(raw) if raw.isdigit() and len(raw) < 10 else -1
    try:
        if request.content_type not in RECORDING_TYPES:
            # A form post: its body is not a recording (and was read as a form already).
            raise ValidationFailed("录像格式须为 WebM 或 MP4", field="chunk")
        services.recording_chunk_store(
            session=session,
            staff=request.user,
            seq=seq,
            data=request.body,
            content_type=request.content_type,
        )
    except DomainError as exc:
        return answer(request, ok=False, message=exc.message, status=exc.status, field=exc.field)
    return answer(request, ok=True, message="已保存")


@login_required
@require_GET
def recordings(request: HttpRequest) -> HttpResponse:
    if not access.is_lead(request.user):
        return _refuse(request, "部门负责人")
    rows = (
        access.recordings_visible_to(request.user)
        .select_related("session__ticket__matter", "clerk")
        .order_by("-started_at")[:100]
    )
    return render(request, "remote/recordings.html", {"rows": rows})


@login_required
@require_GET
def recording_page(request: HttpRequest, recording_id: int) -> HttpResponse:
    try:
        recording = services.recording_for(user=request.user, recording_id=recording_id)
    except DomainError as exc:
        raise Http404(exc.message) from exc
    return render(request, "remote/recording.html", {"r": recording})


@login_required
@require_GET
def recording_media(request: HttpRequest, recording_id: int) -> HttpResponse:
    try:
        recording = services.recording_for(user=request.user, recording_id=recording_id)
        data = services.recording_bytes(user=request.user, recording=recording)
    except DomainError as exc:
        raise Http404(exc.message) from exc
    response = HttpResponse(data, content_type=recording.content_type)
    response["Cache-Control"] = "no-store"
    response["Content-Disposition"] = "inline"
    return response
