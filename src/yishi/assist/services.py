"""Use cases of 帮办代办: asking (chat, call-back), answering, proposing a draft's field
values that the person confirms, on-site helpers from the green channel or a walk-in,
closing with an outcome, and 代办 under a person's confirmed authorisation.

Every write is one transaction, audited; the chat's live updates are sent to the request's
group (channels) after commit, so a rolled-back write is never shown."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

from yishi.assist import conf
from yishi.assist.models import (
    AssistMessage,
    AssistProposal,
    AssistRequest,
    ProxyAct,
    ProxyAuthorisation,
)
from yishi.cases import drafts
from yishi.cases.models import Application
from yishi.cases.services import case_note, staff_profile
from yishi.catalog.models import Department, Matter
from yishi.core.audit import audit_append, canonical_json
from yishi.core.crypto import sm3_hex
from yishi.core.display import user_real_name
from yishi.core.errors import Conflict, NotFound, PermissionDeniedError, ValidationFailed
from yishi.core.fields import blind_index
from yishi.core.validators import validate_mobile
from yishi.hall.models import GreenChannelRequest
from yishi.people.models import ApplicantAccount

R, C = AssistRequest, AssistRequest.Channel
S = AssistRequest.Status
OPEN_STATES = (S.OPEN, S.ACTIVE)
# Allowed status changes (from → to); anything else is a 409.
TRANSITIONS = {
    S.OPEN: {S.ACTIVE, S.RESOLVED, S.UNRESOLVED, S.CANCELLED},
    S.ACTIVE: {S.RESOLVED, S.UNRESOLVED, S.CANCELLED},
}
MAX_BODY = 1000


logger = logging.getLogger(__name__)


def group_name(request_id: int) -> str:
    return f"assist.{request_id}"


def _send(request_id: int, payload: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    event = {"type": "assist.event", "payload": payload}

    def send() -> None:
        try:
            async_to_sync(layer.group_send)(group_name(request_id), event)
        except RuntimeError:
            # Called from a thread that runs an event loop (not a web request: a script or a
            # test driving a browser): nobody here listens live; the row is stored and every
            # page shows it on its next load.
            logger.info("assist: live push skipped for request %s (event loop thread)", request_id)

    transaction.on_commit(send)


def _send_status(request: AssistRequest, *, who: str) -> None:
    """Tell the request's chat that its state changed (and who changed it)."""
    _send(
        request.pk,
        {
            "event": "status",
            "status": request.status,
            "label": request.get_status_display(),
            "who": who,
        },
    )


def _move(request: AssistRequest, to: str) -> None:
    if to not in TRANSITIONS.get(request.status, set()):
        raise Conflict(
            f"帮办请求当前状态为“{request.get_status_display()}”，不能改为“{S(to).label}”",
            field="status",
        )
    request.status = to


def _text(
    value: Any, field: str, label: str, *, required: bool = True, limit: int = MAX_BODY
) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationFailed(f"请填写{label}", field=field)
    if len(text) > limit:
        raise ValidationFailed(f"{label}不能超过{limit}字", field=field)
    return text


def _account(user: Any) -> ApplicantAccount | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return ApplicantAccount.objects.filter(user_id=user.pk).select_related("person").first()


def clerk_label(user: Any) -> str:
    """帮办人员张三 (the clerk's name: people see who helps them)."""
    name = user_real_name(user) or ""
    return f"帮办人员{name}" if name else "帮办人员"


def message_payload(message: AssistMessage) -> dict[str, Any]:
    return {
        "event": "message",
        "id": message.pk,
        "sender": message.sender,
        "who": clerk_label(message.author)
        if message.sender == AssistMessage.Sender.CLERK
        else message.get_sender_display(),
        "body": message.body,
        "at": timezone.localtime(message.created_at).strftime("%H:%M"),
    }


def _audit(action: str, actor: Any, request: AssistRequest, **data: Any) -> None:
    audit_append(
        action=f"assist.{action}",
        actor=actor if getattr(actor, "pk", None) else "匿名群众",
        object_type="assist.request",
        object_id=request.pk,
        data=data,
    )


# ---------------------------------------------------------------- asking


def chat_open(
    *,
    user: Any,
    question: str,
    draft: Application | None = None,
    consent: bool = False,
    department: Department | None = None,
    matter: Matter | None = None,
) -> AssistRequest:
    """Open a chat (我要帮办). Anonymous people may ask questions; a chat about a draft needs
    the draft's owner signed in."""
    question = _text(question, "question", "您的问题")
    account = _account(user)
    if getattr(user, "is_authenticated", False) and account is None:
        raise PermissionDeniedError("工作人员请在工作台处理帮办请求", field="user")
    if draft is not None:
        if account is None:
            raise PermissionDeniedError("请先登录，再就草稿请求帮办", field="draft")
        draft = drafts.draft_for(user, draft.pk)  # NotFound unless it is theirs
        matter = matter or draft.matter
    if matter is not None and department is None:
        department = matter.department
    with transaction.atomic():
        request = AssistRequest.objects.create(
            channel=C.CHAT,
            account=account,
            department=department,
            matter=matter,
            question=question,
            draft=draft,
            draft_consent=bool(consent and draft is not None),
        )
        AssistMessage.objects.create(
            request=request,
            sender=AssistMessage.Sender.PERSON,
            author=account and user,
            body=question,
        )
        _audit("open", user, request, channel=C.CHAT, draft=draft.pk if draft else None)
    _send(request.pk, {"event": "queue"})
    return request


def callback_request(
    *,
    user: Any,
    phone: str,
    preferred_at: dt.datetime | None = None,
    question: str = "",
    department: Department | None = None,
    now: dt.datetime | None = None,
) -> AssistRequest:
    """Ask to be called back at a number, at a preferred time (none: as soon as possible)."""
    number = validate_mobile(phone, "phone").number
    question = _text(question, "question", "问题说明", required=False, limit=300)
    now = now or timezone.now()
    if preferred_at is not None and preferred_at < now - dt.timedelta(minutes=5):
        raise ValidationFailed("期望回电时间不能早于现在", field="preferred_at")
    account = _account(user)
    with transaction.atomic():
        request = AssistRequest.objects.create(
            channel=C.CALLBACK,
            account=account,
            department=department,
            question=question,
            phone=number,
            phone_index=blind_index(number),
            preferred_at=preferred_at,
        )
        _audit("open", user, request, channel=C.CALLBACK)
    return request


# ---------------------------------------------------------------- the chat


def _require_open(request: AssistRequest) -> None:
    if request.status not in OPEN_STATES:
        raise Conflict(f"帮办请求已{request.get_status_display()}", field="status")


def message_post(*, request: AssistRequest, user: Any, body: str, as_clerk: bool) -> AssistMessage:
    """One chat line. A clerk's first line is the request's first response and makes the
    clerk its handler when nobody has taken it."""
    body = _text(body, "body", "消息内容")
    with transaction.atomic():
        request = AssistRequest.objects.select_for_update(no_key=True).get(pk=request.pk)
        _require_open(request)
        sender = AssistMessage.Sender.CLERK if as_clerk else AssistMessage.Sender.PERSON
        if as_clerk:
            if request.clerk_id is None:
                request.clerk = user
            if request.first_response_at is None:
                request.first_response_at = timezone.now()
            if request.status == S.OPEN:
                _move(request, S.ACTIVE)
            request.save(update_fields=["clerk", "first_response_at", "status"])
        author = user if getattr(user, "is_authenticated", False) else None
        message = AssistMessage.objects.create(
            request=request, sender=sender, author=author, body=body
        )
    _send(request.pk, message_payload(message))
    return message


def request_take(*, request: AssistRequest, clerk: Any) -> AssistRequest:
    """A clerk takes the request (接单): it is theirs to answer; taking is not yet an answer."""
    with transaction.atomic():
        request = AssistRequest.objects.select_for_update(no_key=True).get(pk=request.pk)
        _require_open(request)
        if request.clerk_id not in (None, clerk.pk):
            raise Conflict("该请求已由其他帮办人员接单", field="clerk")
        request.clerk = clerk
        if request.status == S.OPEN:
            _move(request, S.ACTIVE)
        request.save(update_fields=["clerk", "status"])
        _audit("take", clerk, request)
    _send_status(request, who=clerk_label(clerk))
    return request


def consent_set(*, request: AssistRequest, user: Any, consent: bool) -> AssistRequest:
    """The person lets the clerk see and fill their draft, or takes that back."""
    if request.draft_id is None:
        raise ValidationFailed("该帮办请求没有关联草稿", field="consent")
    with transaction.atomic():
        request = AssistRequest.objects.select_for_update(no_key=True).get(pk=request.pk)
        request.draft_consent = bool(consent)
        request.save(update_fields=["draft_consent"])
        _audit("consent", user, request, consent=bool(consent))
    _send(request.pk, {"event": "consent", "consent": request.draft_consent})
    return request


def draft_fields(draft: Application) -> list[Any]:
    """The draft's form fields that can be filled (its theme's applicable fields)."""
    if draft is None or not draft.theme_id:
        return []
    from yishi.themes.form import applicable_fields

    return list(applicable_fields(draft.theme, draft.answers))


def proposal_make(
    *, request: AssistRequest, clerk: Any, field_key: str, value: str
) -> AssistProposal:
    """A clerk proposes a value for one field of the person's draft (with their consent)."""
    value = _text(value, "value", "建议填写的内容", limit=500)
    with transaction.atomic():
        request = AssistRequest.objects.select_for_update(no_key=True).get(pk=request.pk)
        _require_open(request)
        draft = request.draft
        if draft is None or draft.status != Application.Status.DRAFT:
            raise ValidationFailed("该帮办请求没有可填写的草稿", field="draft")
        if not request.draft_consent:
            raise PermissionDeniedError("群众尚未同意帮办人员查看草稿", field="consent")
        field = next((f for f in draft_fields(draft) if f.key == field_key), None)
        if field is None:
            raise ValidationFailed("草稿中没有这一栏", field="field")
        if request.clerk_id is None:
            request.clerk = clerk
        if request.first_response_at is None:
            request.first_response_at = timezone.now()
        if request.status == S.OPEN:
            _move(request, S.ACTIVE)
        request.save(update_fields=["clerk", "first_response_at", "status"])
        proposal = AssistProposal.objects.create(
            request=request,
            field_key=field.key,
            field_label=field.label,
            value=value,
            proposed_by=clerk,
        )
        _audit("propose", clerk, request, proposal=proposal.pk, field=field.key)
    _send(
        request.pk,
        {
            "event": "proposal",
            "id": proposal.pk,
            "label": proposal.field_label,
            "value": proposal.value,
            "who": clerk_label(clerk),
        },
    )
    return proposal


def proposal_decide(*, proposal: AssistProposal, user: Any, accept: bool) -> AssistProposal:
    """The person accepts (the value is written into their draft, through the drafts'
    own save) or declines a clerk's proposal."""
    with transaction.atomic():
        proposal = (
            AssistProposal.objects.select_for_update(no_key=True)
            .select_related("request")
            .get(pk=proposal.pk)
        )
        if proposal.status != AssistProposal.Status.PENDING:
            raise Conflict("该建议已处理", field="proposal")
        request = proposal.request
        if accept:
            if request.draft_id is None:
                raise ValidationFailed("草稿已提交或已删除", field="draft")
            draft = drafts.draft_for(user, request.draft_id)
            drafts.draft_save(
                user=user,
                form_data={**draft.form_data, proposal.field_key: proposal.value},
                application=draft,
            )
        proposal.status = (
            AssistProposal.Status.ACCEPTED if accept else AssistProposal.Status.DECLINED
        )
        proposal.decided_at = timezone.now()
        proposal.save(update_fields=["status", "decided_at"])
        _audit("proposal", user, request, proposal=proposal.pk, accepted=bool(accept))
    _send(
        request.pk,
        {
            "event": "decided",
            "id": proposal.pk,
            "status": proposal.status,
            "label": proposal.get_status_display(),
        },
    )
    return proposal


def callback_called(*, request: AssistRequest, clerk: Any, note: str = "") -> AssistRequest:
    """The clerk called the person back: the call is the first response."""
    note = _text(note, "note", "通话情况", required=False, limit=300)
    with transaction.atomic():
        request = AssistRequest.objects.select_for_update(no_key=True).get(pk=request.pk)
        if request.channel != C.CALLBACK:
            raise ValidationFailed("只有预约回电可以登记已回电", field="channel")
        _require_open(request)
        request.clerk = request.clerk or clerk
        if request.first_response_at is None:
            request.first_response_at = timezone.now()
        if request.status == S.OPEN:
            _move(request, S.ACTIVE)
        if note:
            request.outcome = note
        request.save(update_fields=["clerk", "first_response_at", "status", "outcome"])
        _audit("called", clerk, request)
    return request


def request_conclude(
    *, request: AssistRequest, clerk: Any, resolved: bool, note: str = ""
) -> AssistRequest:
    """Close the request as resolved or not (with what was done)."""
    note = _text(note, "note", "办理结果", required=not resolved, limit=300)
    with transaction.atomic():
        request = AssistRequest.objects.select_for_update(no_key=True).get(pk=request.pk)
        _move(request, S.RESOLVED if resolved else S.UNRESOLVED)
        now = timezone.now()
        request.clerk = request.clerk or clerk
        request.first_response_at = request.first_response_at or now
        request.concluded_at = now
        request.outcome = note or request.outcome or "已解决"
        request.save(
            update_fields=["status", "clerk", "first_response_at", "concluded_at", "outcome"]
        )
        _audit("conclude", clerk, request, status=request.status)
    _send_status(request, who=clerk_label(clerk))
    return request


def request_cancel(*, request: AssistRequest, user: Any) -> AssistRequest:
    with transaction.atomic():
        request = AssistRequest.objects.select_for_update(no_key=True).get(pk=request.pk)
        _move(request, S.CANCELLED)
        request.concluded_at = timezone.now()
        request.save(update_fields=["status", "concluded_at"])
        _audit("cancel", user, request)
    _send_status(request, who="")
    return request


# ---------------------------------------------------------------- on site


def _department_of(clerk: Any) -> Department | None:
    profile = staff_profile(clerk)
    return profile.department if profile else None


def onsite_from_green(*, green: GreenChannelRequest, clerk: Any) -> AssistRequest:
    """A helper in the hall for a green-channel request (one helper request per green
    request; the clerk is the helper from now)."""
    with transaction.atomic():
        green = GreenChannelRequest.objects.select_for_update(no_key=True).get(pk=green.pk)
        if green.status in (GreenChannelRequest.Status.DONE, GreenChannelRequest.Status.CANCELLED):
            raise Conflict("该绿色通道服务已结束", field="green")
        if AssistRequest.objects.filter(green_request=green).exists():
            raise Conflict("该绿色通道服务已安排现场帮办", field="green")
        account = (
            ApplicantAccount.objects.filter(person_id=green.person_id).first()
            if green.person_id
            else None
        )
        now = timezone.now()
        request = AssistRequest.objects.create(
            channel=C.ONSITE,
            status=S.ACTIVE,
            account=account,
            department=(green.matter.department if green.matter_id else None)
            or _department_of(clerk),
            matter=green.matter,
            clerk=clerk,
            green_request=green,
            ticket=green.ticket,
            question=f"{green.get_service_display()}：{green.note}".rstrip("："),
            first_response_at=now,
        )
        _audit("onsite", clerk, request, green=green.pk)
    return request


def onsite_walk_in(*, clerk: Any, question: str, matter: Matter | None = None) -> AssistRequest:
    """A walk-in asking for help in the hall: the clerk helps at once."""
    question = _text(question, "question", "需要帮办的事", limit=300)
    with transaction.atomic():
        request = AssistRequest.objects.create(
            channel=C.ONSITE,
            status=S.ACTIVE,
            department=(matter.department if matter else None) or _department_of(clerk),
            matter=matter,
            clerk=clerk,
            question=question,
            first_response_at=timezone.now(),
        )
        _audit("onsite", clerk, request, walk_in=True)
    return request


# ---------------------------------------------------------------- 代办


def authorisation_record(
    *,
    clerk: Any,
    account: ApplicantAccount,
    valid_until: dt.date,
    matters: list[Matter] | None = None,
    all_matters: bool = False,
    today: dt.date | None = None,
) -> ProxyAuthorisation:
    """Staff record a person's authorisation for 代办; it is valid once the person confirms
    it on their own account."""
    today = today or timezone.localdate()
    matters = list(matters or [])
    if not all_matters and not matters:
        raise ValidationFailed("请选择授权代办的事项，或选择全部事项", field="matters")
    if valid_until is None or valid_until < today:
        raise ValidationFailed("有效期不能早于今天", field="valid_until")
    if valid_until > today + dt.timedelta(days=conf.proxy_max_days()):
        raise ValidationFailed(f"有效期最长{conf.proxy_max_days()}天", field="valid_until")
    with transaction.atomic():
        auth = ProxyAuthorisation.objects.create(
            person=account.person,
            account=account,
            all_matters=all_matters,
            valid_until=valid_until,
            recorded_by=clerk,
        )
        if matters and not all_matters:
            auth.matters.set(matters)
        audit_append(
            action="assist.authorisation.record",
            actor=clerk,
            object_type="assist.authorisation",
            object_id=auth.pk,
            data={
                "all": all_matters,
                "matters": sorted(m.pk for m in matters),
                "until": valid_until,
            },
        )
    return auth


def authorisation_content(auth: ProxyAuthorisation) -> dict[str, Any]:
    """What the person confirms (its SM3 is kept with the confirmation)."""
    return {
        "id": auth.pk,
        "person": auth.person_id,
        "all_matters": auth.all_matters,
        "matters": sorted(m.code for m in auth.matters.all()),
        "valid_until": auth.valid_until.isoformat(),
        "recorded_by": auth.recorded_by_id,
    }


def authorisation_confirm(*, authorisation: ProxyAuthorisation, user: Any) -> ProxyAuthorisation:
    """The person confirms on their own account (their signature)."""
    with transaction.atomic():
        auth = ProxyAuthorisation.objects.select_for_update(no_key=True).get(pk=authorisation.pk)
        if auth.account is None or auth.account.user_id != getattr(user, "pk", None):
            raise NotFound("授权书不存在", field="authorisation")
        if auth.status != ProxyAuthorisation.Status.PENDING:
            raise Conflict(f"授权书{auth.get_status_display()}", field="status")
        auth.status = ProxyAuthorisation.Status.CONFIRMED
        auth.confirmed_at = timezone.now()
        auth.confirmation_digest = sm3_hex(canonical_json(authorisation_content(auth)))
        auth.save(update_fields=["status", "confirmed_at", "confirmation_digest"])
        audit_append(
            action="assist.authorisation.confirm",
            actor=user,
            object_type="assist.authorisation",
            object_id=auth.pk,
            data={"digest": auth.confirmation_digest},
        )
    return auth


def authorisation_revoke(*, authorisation: ProxyAuthorisation, user: Any) -> ProxyAuthorisation:
    with transaction.atomic():
        auth = ProxyAuthorisation.objects.select_for_update(no_key=True).get(pk=authorisation.pk)
        if auth.status == ProxyAuthorisation.Status.REVOKED:
            raise Conflict("授权书已撤销", field="status")
        auth.status = ProxyAuthorisation.Status.REVOKED
        auth.revoked_at = timezone.now()
        auth.save(update_fields=["status", "revoked_at"])
        audit_append(
            action="assist.authorisation.revoke",
            actor=user,
            object_type="assist.authorisation",
            object_id=auth.pk,
        )
    return auth


def authorisation_covers(
    auth: ProxyAuthorisation, application: Application, today: dt.date | None = None
) -> None:
    """Raise unless the authorisation is confirmed, unexpired and covers the application."""
    today = today or timezone.localdate()
    if auth.status != ProxyAuthorisation.Status.CONFIRMED:
        raise PermissionDeniedError("授权书尚未经本人确认或已撤销", field="authorisation")
    if auth.valid_until < today:
        raise PermissionDeniedError("授权书已过期", field="authorisation")
    if application.person_id != auth.person_id:
        raise PermissionDeniedError("该申请不是委托人本人的", field="application")
    if auth.all_matters:
        return
    allowed = set(auth.matters.values_list("pk", flat=True))
    if application.matter_id:
        wanted = {application.matter_id}
    else:
        wanted = set(application.theme.items.values_list("matter_id", flat=True))
    if not wanted or not wanted <= allowed:
        raise PermissionDeniedError("授权范围不包括该事项", field="authorisation")


def proxy_submit_draft(
    *,
    authorisation: ProxyAuthorisation,
    draft: Application,
    clerk: Any,
    pledged: bool,
    idempotency_key: str | None = None,
) -> Application:
    """代办: submit the person's draft in their name under their authorisation; the
    application's timeline and the audit log say "由×××代办"."""
    from yishi.assist.access import may_proxy

    if not may_proxy(clerk):
        raise PermissionDeniedError("只有窗口人员可以代办", field="user")
    owner = authorisation.account
    if owner is None:
        raise ValidationFailed("委托人没有账号，不能在线代办", field="authorisation")
    with transaction.atomic():
        auth = ProxyAuthorisation.objects.select_for_update(no_key=True).get(pk=authorisation.pk)
        draft = drafts.draft_for(owner.user, draft.pk)
        authorisation_covers(auth, draft)
        app = drafts.draft_submit(
            draft_id=draft.pk, user=owner.user, idempotency_key=idempotency_key, pledged=pledged
        )
        name = user_real_name(clerk) or clerk.get_username()
        note = f"由{name}代办（代办授权书 #{auth.pk}）"
        case_note(application=app, actor=clerk, action="proxy", note=note)
        ProxyAct.objects.create(
            authorisation=auth, clerk=clerk, action="submit", application=app, note=note
        )
        now = timezone.now()
        AssistRequest.objects.create(
            channel=C.PROXY,
            status=S.RESOLVED,
            account=owner,
            department=(app.matter.department if app.matter_id else None) or _department_of(clerk),
            matter=app.matter,
            clerk=clerk,
            authorisation=auth,
            question=f"代办提交申请 {app.number}",
            first_response_at=now,
            concluded_at=now,
            outcome=note,
        )
        audit_append(
            action="assist.proxy.submit",
            actor=clerk,
            object_type="cases.application",
            object_id=app.pk,
            data={
                "authorisation": auth.pk,
                "on_behalf_of": owner.user.get_username(),
                "note": note,
            },
        )
    return app
