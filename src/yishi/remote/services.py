"""Use cases of the remote virtual window (远程虚拟窗口). The queue is the hall's: a remote
ticket is taken, called, served and finished through yishi.hall.services, so its waiting and
service times are the hall's figures; what this module adds is the video session around the
ticket. Each write is one transaction, audited, raising yishi.core.errors with Chinese
messages; what the other member of the session must see at once is pushed to the session's
channel group after commit (the websocket of yishi.remote.consumers relays it).

The flow: the resident takes a remote ticket for a matter → a clerk signed on to a remote
window calls it (the session goes live) → the two connect by WebRTC (signalling through the
websocket) and the ticket's service starts → identity check: the ID card read at the terminal
(number, name, birth date against the registry), an SMS code to the phone on record, the
clerk's visual comparison, recorded together → the clerk fills the form (a cases draft of
the person's), each field appearing on the person's screen → the person confirms and signs
the form's SM3 digest on their own screen → the clerk submits: the case runs as any other,
channel 远程受理, with 远程身份核验 and 远程受理 on its timeline → the clerk finishes the ticket
and the person is invited to rate it. A recording is made only after the person agreed; the
decision is logged either way."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from yishi.cases import drafts
from yishi.cases.models import Application, CaseEvent
from yishi.cases.services import application_submit, case_note
from yishi.catalog.models import Matter
from yishi.core import ocr
from yishi.core.audit import audit_append, audit_batch, canonical_json
from yishi.core.crypto import mask_phone, sm3_hex
from yishi.core.errors import (
    Conflict,
    DomainError,
    NotFound,
    PermissionDeniedError,
    ValidationFailed,
)
from yishi.hall import services as hall
from yishi.hall.models import Outlet, Ticket, Window, WindowSession
from yishi.people.models import SmsCode
from yishi.people.queries import account_of
from yishi.people.services import sms_code_send, sms_code_verify
from yishi.remote import access, conf, crypto
from yishi.remote.identity import compare_card
from yishi.remote.models import (
    IdentityCheck,
    Recording,
    RecordingChunk,
    RemoteMessage,
    RemoteSession,
)

logger = logging.getLogger(__name__)
S = RemoteSession.Status
TS = Ticket.Status
MESSAGE_MAX = 1000
VALUE_MAX = 500
# The form of a remote application for a single matter (a matter has no form of its own in
# the catalog): key → label, in order.
FORM_FIELDS = {
    "name": "申请人姓名",
    "phone": "联系电话",
    "address": "联系地址",
    "purpose": "申请事由",
}
POINT_KINDS = (Outlet.Kind.TOWN, Outlet.Kind.VILLAGE, Outlet.Kind.SELF_SERVICE)


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _audit(action: str, actor: Any, session: RemoteSession, **data: Any) -> None:
    audit_append(
        action=f"remote.{action}",
        actor=actor or "",
        object_type="remote.session",
        object_id=session.pk,
        data=data,
    )


# ---------------------------------------------------------------- live pushes


def group_name(session_id: int) -> str:
    return f"remote.{session_id}"


def send(session_id: int, payload: dict[str, Any], *, sender: str = "") -> None:
    """Push `payload` to the session's two pages after commit (`sender`: a channel name
    that should not get its own event back)."""
    layer = get_channel_layer()
    if layer is None:
        return
    event = {"type": "remote.event", "payload": payload, "sender": sender}

    def push() -> None:
        try:
            async_to_sync(layer.group_send)(group_name(session_id), event)
        except RuntimeError:
            # A thread that runs an event loop (a script, a test driving a browser): nobody
            # listens live here; the pages show the stored state on their next load.
            logger.info("remote: live push skipped for session %s", session_id)

    transaction.on_commit(push)


# ---------------------------------------------------------------- reading a session


def _locked(session: RemoteSession) -> RemoteSession:
    return (
        RemoteSession.objects.select_for_update(of=("self",), no_key=True)
        .select_related("ticket", "person")
        .get(pk=session.pk)
    )


def _require_resident(user: Any, session: RemoteSession) -> None:
    if not access.is_session_resident(user, session):
        raise NotFound("远程办理不存在", field="session")


def _require_clerk(user: Any, session: RemoteSession) -> None:
    if not access.is_session_clerk(user, session):
        raise NotFound("远程办理不存在", field="session")


def _require_live(session: RemoteSession) -> None:
    if session.status != S.LIVE:
        raise Conflict(
            f"本次远程办理当前为“{session.get_status_display()}”，不能办理此操作",
            field="session",
        )


def form_data(session: RemoteSession) -> dict[str, str]:
    if session.draft_id is None:
        return {}
    draft = Application.objects.filter(pk=session.draft_id).first()
    return dict(draft.form_data) if draft is not None else {}


def form_digest(session: RemoteSession, data: dict[str, str] | None = None) -> str:
    """SM3 of what the person confirms: the matter and the form's fields."""
    data = form_data(session) if data is None else data
    matter = session.ticket.matter
    return sm3_hex(
        canonical_json(
            {
                "matter": matter.code if matter else None,
                "form": {k: data.get(k, "") for k in FORM_FIELDS},
            }
        )
    )


# ---------------------------------------------------------------- tickets and calling


def remote_windows():
    return Window.objects.filter(
        kind=Window.Kind.REMOTE, is_active=True, outlet__is_active=True
    ).select_related("outlet")


def remote_matters():
    """Published matters a remote window serves (listed on it, or on one of its queues)."""
    windows = remote_windows()
    return (
        Matter.objects.filter(
            Q(hall_windows__in=windows) | Q(hall_queues__windows__in=windows),
            status=Matter.Status.PUBLISHED,
        )
        .distinct()
        .order_by("name")
    )


def window_for(matter: Matter) -> Window | None:
    """The remote window whose skills include the matter (its outlet takes the ticket)."""
    return (
        remote_windows()
        .filter(Q(matters=matter) | Q(queues__matters=matter) | Q(serves_all=True))
        .order_by("outlet__code", "number")
        .first()
    )


def remote_ticket_take(
    *,
    user: Any,
    matter: Matter | None,
    point: Outlet | None = None,
    now: dt.datetime | None = None,
) -> RemoteSession:
    """Take a remote ticket (a hall ticket of channel 远程视频办理 at the outlet of the remote
    window serving the matter) and open its session. `point` is the town or village service
    point whose terminal the person uses (None: their own phone)."""
    account = account_of(user)
    if account is None:
        raise PermissionDeniedError("请先以本人账号登录，再取远程办理号", field="user")
    if matter is None:
        raise ValidationFailed("请选择要办理的事项", field="matter")
    window = window_for(matter)
    if window is None:
        raise ValidationFailed(f"「{matter.name}」暂未开通远程视频办理", field="matter")
    if point is not None and (not point.is_active or point.kind not in POINT_KINDS):
        raise ValidationFailed("请选择乡镇(街道)或村(社区)便民服务点", field="point")
    with transaction.atomic(), audit_batch():
        ticket = hall.ticket_take(
            outlet=window.outlet,
            matter=matter,
            person=account.person,
            channel=Ticket.Channel.REMOTE,
            actor=user,
            now=now,
            client_key=hall.client_key_for(f"remote-account:{account.pk}"),
            client_limit=conf.tickets_per_account(),
        )
        session = RemoteSession.objects.create(
            ticket=ticket, resident=user, person=account.person, point=point
        )
        _audit("take", user, session, number=ticket.number, matter=matter.code)
    return session


def remote_call_next(
    *, window: Window, staff: Any, now: dt.datetime | None = None
) -> RemoteSession | None:
    """Call the next remote ticket to `window` (hall calling rule); the session goes live
    with the caller as its clerk. None when nobody waits."""
    if window.kind != Window.Kind.REMOTE:
        raise ValidationFailed(f"{window.label}不是远程虚拟窗口", field="window")
    now = _now(now)
    with transaction.atomic(), audit_batch():
        ticket = hall.ticket_call_next(window=window, staff=staff, now=now)
        if ticket is None:
            return None
        session = RemoteSession.objects.select_for_update(no_key=True).filter(ticket=ticket).first()
        if session is None:  # a remote ticket taken without a session: nobody to call
            raise Conflict(f"排队号 {ticket.number} 没有远程办理记录", field="ticket")
        session.clerk = staff
        session.status = S.LIVE
        session.save(update_fields=["clerk", "status"])
        _audit("call", staff, session, number=ticket.number, window=window.number)
    send(session.pk, {"event": "called", "window": window.label})
    return session


def window_current_session(window: Window, *, staff: Any = None) -> RemoteSession | None:
    """The session of the ticket open at the window. One called through the hall's own
    window page (not this console) has no clerk yet: `staff`, signed on there, takes it."""
    ticket = hall.window_current(window)
    if ticket is None:
        return None
    session = RemoteSession.objects.filter(ticket=ticket).first()
    if session is None or session.status != S.WAITING or staff is None:
        return session
    with transaction.atomic(), audit_batch():
        s = _locked(session)
        if (
            s.status == S.WAITING
            and WindowSession.objects.filter(
                window=window, staff_id=staff.pk, ended_at__isnull=True
            ).exists()
        ):
            s.clerk = staff
            s.status = S.LIVE
            s.save(update_fields=["clerk", "status"])
            _audit("call", staff, s, number=ticket.number, window=window.number)
    return s


def session_connected(
    *, session: RemoteSession, user: Any, now: dt.datetime | None = None
) -> RemoteSession:
    """The clerk's page reports the call connected: the ticket's service starts (once), so
    the hall's service time runs from the moment the two see each other."""
    _require_clerk(user, session)
    now = _now(now)
    with transaction.atomic(), audit_batch():
        s = _locked(session)
        _require_live(s)
        if s.ticket.status == TS.CALLED:
            hall.ticket_serve_start(ticket=s.ticket, staff=user, person=s.person, now=now)
        if s.started_at is None:
            s.started_at = now
            s.save(update_fields=["started_at"])
            _audit("connected", user, s)
    return s


def session_finish(
    *, session: RemoteSession, staff: Any, now: dt.datetime | None = None
) -> RemoteSession:
    """End the session and finish its ticket (with the case submitted in it, if any); the
    person is invited to rate the service."""
    _require_clerk(staff, session)
    now = _now(now)
    with transaction.atomic(), audit_batch():
        s = _locked(session)
        _require_live(s)
        hall.ticket_finish(ticket=s.ticket, staff=staff, application=s.application, now=now)
        s.status = S.ENDED
        s.ended_at = now
        s.save(update_fields=["status", "ended_at"])
        _audit("finish", staff, s, number=s.ticket.number)
    send(
        s.pk,
        {"event": "ended", "rate_url": reverse("ratings:ticket", kwargs={"token": s.ticket.token})},
    )
    return s


def session_no_show(
    *, session: RemoteSession, staff: Any, now: dt.datetime | None = None
) -> RemoteSession:
    """The person never joined: the ticket is 过号 and the session ends."""
    _require_clerk(staff, session)
    now = _now(now)
    with transaction.atomic(), audit_batch():
        s = _locked(session)
        _require_live(s)
        hall.ticket_no_show(ticket=s.ticket, staff=staff, now=now)
        s.status = S.ENDED
        s.ended_at = now
        s.save(update_fields=["status", "ended_at"])
        _audit("no_show", staff, s, number=s.ticket.number)
    send(s.pk, {"event": "ended", "rate_url": ""})
    return s


# ---------------------------------------------------------------- identity check


def _phone_on_record(session: RemoteSession) -> str:
    account = getattr(session.person, "account", None)
    phone = (getattr(account, "phone", "") or "").strip() or (session.person.phone or "").strip()
    if not phone:
        raise ValidationFailed(
            "您没有登记手机号码，无法发送短信验证码，请向工作人员说明", field="sms_code"
        )
    return phone


def identity_card_read(
    *, session: RemoteSession, user: Any, image: Any, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Read the ID card photographed at the terminal and compare its number, name and birth
    date with the registry entry of the ticket's person. A refusal is logged and raised
    (ValidationFailed naming the field); a match is kept on the session, masked."""
    _require_resident(user, session)
    _require_live(session)
    now = _now(now)
    recognition = ocr.recognise_id_card(image)
    try:
        result = compare_card(recognition.fields, session.person)
    except ValidationFailed as refused:
        _audit("identity.card_refused", user, session, field=refused.field or "")
        send(
            session.pk,
            {"event": "identity", "step": "card", "ok": False, "message": refused.message},
        )
        raise
    with transaction.atomic():
        s = _locked(session)
        s.card_checked_at = now
        s.card_result = result
        s.save(update_fields=["card_checked_at", "card_result"])
        _audit("identity.card", user, s, checked=result["checked"])
    send(
        session.pk,
        {"event": "identity", "step": "card", "ok": True, "message": "身份证识别核验一致"},
    )
    return result


def identity_sms_send(*, session: RemoteSession, user: Any, address: str = "") -> str:
    """Send a code to the person's phone on record; returns the masked number."""
    _require_resident(user, session)
    _require_live(session)
    phone = _phone_on_record(session)
    sms_code_send(phone=phone, purpose=SmsCode.Purpose.IDENTITY, address=address, internal=True)
    return mask_phone(phone)


def identity_sms_verify(
    *, session: RemoteSession, user: Any, code: str, now: dt.datetime | None = None
) -> RemoteSession:
    _require_resident(user, session)
    _require_live(session)
    sms_code_verify(
        phone=_phone_on_record(session),
        purpose=SmsCode.Purpose.IDENTITY,
        code=(code or "").strip(),
        internal=True,
    )
    now = _now(now)
    with transaction.atomic():
        s = _locked(session)
        s.sms_checked_at = now
        s.save(update_fields=["sms_checked_at"])
        _audit("identity.sms", user, s)
    send(
        session.pk, {"event": "identity", "step": "sms", "ok": True, "message": "短信验证码已验证"}
    )
    return s


def identity_note(check: IdentityCheck) -> str:
    """The identity check in one sentence for the case's timeline."""
    card = "、".join(check.card_detail.get("checked", [])) or "公民身份号码、姓名、出生日期"
    visual = "一致" if check.visual_ok else "不一致"
    return (
        f"身份证识别（{card}）与户籍登记一致；短信验证码已发送至登记手机并验证通过；"
        f"工作人员视频比对本人与身份证{visual}"
    )


def identity_check_record(
    *,
    session: RemoteSession,
    staff: Any,
    visual_ok: bool,
    note: str = "",
    now: dt.datetime | None = None,
) -> IdentityCheck:
    """The clerk's visual comparison, recorded with the card and SMS checks as one event
    (on the case's timeline too once the case exists). Passing needs all three."""
    _require_clerk(staff, session)
    now = _now(now)
    with transaction.atomic(), audit_batch():
        s = _locked(session)
        _require_live(s)
        if visual_ok and s.card_checked_at is None:
            raise ValidationFailed("请先让申请人在终端拍摄身份证完成识别核验", field="id_card")
        if visual_ok and s.sms_checked_at is None:
            raise ValidationFailed("请先让申请人完成短信验证码验证", field="sms_code")
        check = IdentityCheck.objects.create(
            session=s,
            card_ok=s.card_checked_at is not None,
            card_detail=s.card_result or {},
            card_checked_at=s.card_checked_at,
            sms_ok=s.sms_checked_at is not None,
            sms_checked_at=s.sms_checked_at,
            visual_ok=bool(visual_ok),
            clerk=staff,
            passed=bool(visual_ok)
            and s.card_checked_at is not None
            and s.sms_checked_at is not None,
            note=(note or "").strip()[:200],
            checked_at=now,
        )
        _audit(
            "identity.check",
            staff,
            s,
            card=check.card_ok,
            sms=check.sms_ok,
            visual=check.visual_ok,
            passed=check.passed,
        )
        if s.application_id and check.passed:
            case_note(
                application=s.application,
                actor=staff,
                action="remote_identity",
                note=identity_note(check),
            )
    message = "身份核验通过" if check.passed else "工作人员视频比对不一致，身份核验未通过"
    send(s.pk, {"event": "identity", "step": "visual", "ok": check.passed, "message": message})
    return check


# ---------------------------------------------------------------- the form and the case


def form_field_set(*, session: RemoteSession, staff: Any, key: str, value: Any) -> dict[str, Any]:
    """The clerk fills one field of the person's draft; the person sees it at once. A change
    after the person confirmed takes the confirmation back (they confirm what they saw)."""
    _require_clerk(staff, session)
    if key not in FORM_FIELDS:
        raise ValidationFailed("没有这个填写项", field="key")
    if not isinstance(value, str):
        raise ValidationFailed(f"{FORM_FIELDS[key]}：请填写文字", field=key)
    value = value.strip()
    if len(value) > VALUE_MAX:
        raise ValidationFailed(f"{FORM_FIELDS[key]}最多{VALUE_MAX}个字", field=key)
    with transaction.atomic():
        s = _locked(session)
        _require_live(s)
        if s.application_id:
            raise Conflict("申请已提交，不能再修改申请表", field="form")
        draft = None
        if s.draft_id:
            draft = Application.objects.filter(
                pk=s.draft_id, status=Application.Status.DRAFT
            ).first()
        if draft is None:
            draft = drafts.draft_save(user=s.resident, matter=s.ticket.matter)
            s.draft = draft
        data = {str(k): v for k, v in (draft.form_data or {}).items()}
        changed = data.get(key, "") != value
        data[key] = value
        drafts.draft_save(user=s.resident, application=draft, form_data=data)
        fields = ["draft"]
        if changed and s.confirmed_at is not None:
            s.confirmed_at, s.confirmed_digest, s.signature = None, "", ""
            fields += ["confirmed_at", "confirmed_digest", "signature"]
        s.save(update_fields=fields)
        digest = form_digest(s, data)
    payload = {
        "event": "field",
        "key": key,
        "label": FORM_FIELDS[key],
        "value": value,
        "digest": digest,
        "confirmed": s.confirmed_at is not None,
    }
    send(s.pk, payload)
    return payload


def form_confirm(
    *,
    session: RemoteSession,
    user: Any,
    digest: str,
    signature: str,
    now: dt.datetime | None = None,
) -> RemoteSession:
    """The person confirms, on their own screen, the form whose SM3 digest they were shown,
    signing with their name as on the registry."""
    _require_resident(user, session)
    now = _now(now)
    with transaction.atomic(), audit_batch():
        s = _locked(session)
        _require_live(s)
        data = form_data(s)
        if not any(data.get(k) for k in FORM_FIELDS):
            raise ValidationFailed("工作人员尚未填写申请表，暂时无需确认", field="form")
        current = form_digest(s, data)
        if (digest or "").strip() != current:
            raise Conflict("申请表内容刚刚更新，请核对最新内容后再确认", field="digest")
        if (signature or "").strip() != (s.person.name or "").strip():
            raise ValidationFailed("签名：请填写您本人的姓名（与身份证一致）", field="signature")
        s.confirmed_digest = current
        s.confirmed_at = now
        s.signature = signature.strip()
        s.save(update_fields=["confirmed_digest", "confirmed_at", "signature"])
        _audit("form.confirm", user, s, digest=current)
    send(
        s.pk,
        {"event": "confirmed", "digest": current, "at": timezone.localtime(now).strftime("%H:%M")},
    )
    return s


def application_submit_remote(
    *, session: RemoteSession, staff: Any, now: dt.datetime | None = None
) -> Application:
    """Submit the confirmed form as the person's application (channel 远程受理), handled at
    the remote window's service centre, with the identity check and 远程受理 on its
    timeline; the person's draft is used up."""
    _require_clerk(staff, session)
    with transaction.atomic(), audit_batch():
        s = _locked(session)
        _require_live(s)
        if s.application_id:
            raise Conflict(f"本次已提交申请（{s.application.number}）", field="session")
        check = s.identity_checks.filter(passed=True).order_by("-checked_at").first()
        if check is None:
            raise Conflict("须先完成远程身份核验，才能提交申请", field="identity")
        data = form_data(s)
        if not s.confirmed_at or s.confirmed_digest != form_digest(s, data):
            raise Conflict(
                "须由申请人在本人屏幕上核对并确认申请表后，才能提交", field="confirmation"
            )
        window = s.ticket.window
        outlet = window.outlet
        centre = outlet.department.code if outlet.department_id else None
        application = application_submit(
            user=s.resident,
            matter=s.ticket.matter,
            form_data=data,
            channel=Application.Channel.REMOTE,
            service_centre=centre,
        )
        # The clerk who served the person remotely is the case's first-inquiry owner, as a
        # counter clerk is for a counter application.
        Application.objects.filter(pk=application.pk).update(created_by=staff, first_owner=staff)
        CaseEvent.objects.filter(application=application, action="submit").update(
            note=f"申请人在远程视频办理中核对申请表并签名确认，SM3 {s.confirmed_digest}"
        )
        case_note(
            application=application,
            actor=staff,
            action="remote_identity",
            note=identity_note(check),
        )
        case_note(
            application=application,
            actor=staff,
            action="remote_accept",
            note=f"{outlet.name}{window.label}远程视频受理",
        )
        draft = Application.objects.filter(pk=s.draft_id, status=Application.Status.DRAFT).first()
        if draft is not None:
            draft.materials.update(application=application)
            draft.delete()
        s.application = application
        s.draft = None
        s.save(update_fields=["application", "draft"])
        Ticket.objects.filter(pk=s.ticket_id).update(application=application)
        _audit("submit", staff, s, application=application.number)
    send(s.pk, {"event": "submitted", "number": application.number})
    return application


# ---------------------------------------------------------------- chat


def message_post(*, session: RemoteSession, user: Any, body: Any) -> RemoteMessage:
    role = access.member_role(user, session)
    if role is None:
        raise NotFound("远程办理不存在", field="session")
    if not isinstance(body, str) or not body.strip():
        raise ValidationFailed("请填写消息内容", field="body")
    body = body.strip()
    if len(body) > MESSAGE_MAX:
        raise ValidationFailed(f"消息最多{MESSAGE_MAX}个字", field="body")
    if session.status != S.LIVE:
        raise Conflict("远程办理未在进行中，不能发送消息", field="session")
    message = RemoteMessage.objects.create(session=session, sender=role, body=body)
    send(
        session.pk,
        {
            "event": "chat",
            "sender": role,
            "body": body,
            "at": timezone.localtime(message.at).strftime("%H:%M"),
        },
    )
    return message


# ---------------------------------------------------------------- recording


def recording_consent(
    *, session: RemoteSession, user: Any, agreed: bool, now: dt.datetime | None = None
) -> RemoteSession:
    """The person's decision on recording, asked on their screen and logged either way.
    Refused: nothing is recorded (the server refuses every piece)."""
    _require_resident(user, session)
    now = _now(now)
    with transaction.atomic(), audit_batch():
        s = _locked(session)
        _require_live(s)
        if s.recording_consent is not None:
            raise Conflict("您已表示过是否同意录像", field="consent")
        s.recording_consent = bool(agreed)
        s.consent_at = now
        s.save(update_fields=["recording_consent", "consent_at"])
        _audit("recording.consent", user, s, agreed=bool(agreed))
    send(s.pk, {"event": "consent", "agreed": bool(agreed)})
    return s


def _chunk_path(session: RemoteSession) -> str:
    return f"remote/recordings/{session.pk}/{uuid.uuid4().hex}.sm4"


def recording_chunk_store(
    *,
    session: RemoteSession,
    staff: Any,
    seq: int,
    data: bytes,
    content_type: str = "video/webm",
    now: dt.datetime | None = None,
) -> RecordingChunk:
    """Keep one piece of the recording, SM4-encrypted at rest. Refused (409) unless the
    person agreed to the recording."""
    _require_clerk(staff, session)
    if not isinstance(seq, int) or seq < 0:
        raise ValidationFailed("录像片段序号无效", field="seq")
    if not data:
        raise ValidationFailed("录像片段为空", field="chunk")
    if len(data) > conf.recording_chunk_bytes():
        raise ValidationFailed("录像片段过大", field="chunk")
    content_type = (content_type or "video/webm").split(";")[0].strip()[:60]
    if content_type not in ("video/webm", "video/mp4"):
        raise ValidationFailed("录像格式须为 WebM 或 MP4", field="chunk")
    now = _now(now)
    path = _chunk_path(session)
    stored = False
    try:
        with transaction.atomic(), audit_batch():
            # Read under the lock: the consent given a moment ago in another request counts.
            s = _locked(session)
            if s.recording_consent is not True:
                raise Conflict("申请人未同意录像，不能录像", field="consent")
            _require_live(s)
            recording, created = Recording.objects.select_for_update(no_key=True).get_or_create(
                session=session,
                defaults={
                    "clerk": staff,
                    "content_type": content_type,
                    "started_at": now,
                    "expires_at": now + dt.timedelta(days=conf.recording_days()),
                },
            )
            if recording.size + len(data) > conf.recording_max_bytes():
                raise ValidationFailed("本次录像已达上限", field="chunk")
            blob = crypto.encrypt(data, aad=f"{recording.pk}:{seq}")
            default_storage.save(path, ContentFile(blob))
            stored = True
            chunk = RecordingChunk.objects.create(
                recording=recording, seq=seq, path=path, size=len(data), sm3=sm3_hex(data)
            )
            Recording.objects.filter(pk=recording.pk).update(size=F("size") + len(data))
            if created:
                _audit("recording.start", staff, session, recording=recording.pk)
    except IntegrityError as exc:
        if stored:
            default_storage.delete(path)
        raise Conflict("该录像片段已上传", field="seq") from exc
    except DomainError:
        if stored:
            default_storage.delete(path)
        raise
    return chunk


def recording_for(*, user: Any, recording_id: int) -> Recording:
    recording = Recording.objects.filter(pk=recording_id).first()
    if recording is None or not access.may_play(user, recording):
        raise NotFound("录像不存在", field="recording")
    return recording


def recording_bytes(*, user: Any, recording: Recording) -> bytes:
    """The decrypted recording for the clerk's supervisor; every opening is logged."""
    if not access.may_play(user, recording):
        raise NotFound("录像不存在", field="recording")
    parts = []
    for chunk in recording.chunks.order_by("seq"):
        with default_storage.open(chunk.path, "rb") as handle:
            parts.append(crypto.decrypt(handle.read(), aad=f"{recording.pk}:{chunk.seq}"))
    audit_append(
        action="remote.recording.view",
        actor=user,
        object_type="remote.recording",
        object_id=recording.pk,
        data={"session": recording.session_id},
    )
    return b"".join(parts)


def recordings_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the recordings kept longer than YISHI_REMOTE_RECORDING_DAYS (files and rows)."""
    now = _now(now)
    expired = list(Recording.objects.filter(expires_at__lte=now).prefetch_related("chunks"))
    for recording in expired:
        paths = [c.path for c in recording.chunks.all()]
        with transaction.atomic():
            audit_append(
                action="remote.recording.purge",
                object_type="remote.recording",
                object_id=recording.pk,
                data={"session": recording.session_id, "pieces": len(paths)},
            )
            recording.delete()
        for path in paths:
            default_storage.delete(path)
    return len(expired)
