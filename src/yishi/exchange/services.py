"""跨域通办 use cases: hand a case to the region that decides it (全程网办, 异地代收代办,
多地联办), decide a case a partner handed to us, and send each step as a signed envelope
through the outbox (destination ``exchange:<region code>``)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from yishi.cases import services as cases
from yishi.cases.models import Application, CaseMaterial, SubCase
from yishi.cases.services import staff_profile
from yishi.catalog.centres import centre_choice
from yishi.catalog.models import Matter
from yishi.core import uploads
from yishi.core.crypto import sm4_decrypt, sm4_encrypt
from yishi.core.errors import NotFound, PermissionDeniedError, ValidationFailed
from yishi.core.outbox import DeliveryError, outbox_enqueue
from yishi.core.roles import Role, has_role
from yishi.exchange import conf, protocol
from yishi.exchange.calendars import partner_due
from yishi.exchange.models import (
    AgreedMatter,
    Crossing,
    Delivery,
    Envelope,
    ExchangeFile,
    Mode,
    Partner,
)
from yishi.exchange.results import kept_copy, result_document
from yishi.themes.models import Theme

logger = logging.getLogger(__name__)
DESTINATION_KIND = "exchange"
CS = Crossing.Status
WINDOW_ROLES = (Role.WINDOW, Role.ADMINISTRATOR)


# ---------------------------------------------------------------- files


def file_store(name: str, media_type: str, data: bytes) -> dict[str, str]:
    """Keep a file (SM4-encrypted) and return its entry for an envelope's `files`."""
    digest = protocol.file_sm3(data)
    if not ExchangeFile.objects.filter(sm3=digest).exists():
        try:
            with transaction.atomic():
                ExchangeFile.objects.create(
                    sm3=digest,
                    name=name[:200],
                    media_type=media_type,
                    size=len(data),
                    content_encrypted=sm4_encrypt(base64.b64encode(data).decode("ascii")),
                )
        except IntegrityError:
            pass  # the same bytes stored at the same moment
    return {"name": name, "media_type": media_type, "sm3": digest}


def file_bytes(digest: str) -> bytes:
    row = ExchangeFile.objects.filter(sm3=digest).first()
    if row is None:
        raise NotFound("文件不存在", field="sm3")
    return base64.b64decode(sm4_decrypt(row.content_encrypted))


# ---------------------------------------------------------------- sending


def send(
    *,
    partner: Partner,
    kind: str,
    body: dict[str, Any],
    files: list[dict[str, str]] | None = None,
    crossing: Crossing | None = None,
) -> Envelope:
    """Record an envelope for the partner and queue it in the outbox, in the caller's
    transaction. It is signed when delivered (so its `created` is fresh on every attempt, and
    a partner down for hours still accepts it); its id stays, so a retry is recognised."""
    envelope_id = uuid.uuid4()
    files = files or []
    row = Envelope.objects.create(
        envelope_id=envelope_id,
        direction=Envelope.Direction.OUT,
        kind=kind,
        sender=conf.region(),
        receiver=partner.code,
        body=body,
        files=files,
        crossing=crossing,
        status=Envelope.Status.QUEUED,
    )
    outbox_enqueue(
        topic=f"exchange.{kind}",
        destination=f"{DESTINATION_KIND}:{partner.code}",
        payload={"id": str(envelope_id), "kind": kind, "body": body, "files": files},
        # A crossing's envelopes (request, status, decision, result) arrive in order.
        ordering_key=f"crossing:{crossing.ref}" if crossing is not None else "",
    )
    return row


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def deliver_to_partner(message: Any, payload: dict[str, Any], code: str) -> None:
    """The outbox adapter of ``exchange:<code>``: sign now, post to the partner's inbox, and
    accept only a receipt signed by the partner for this envelope."""
    partner = Partner.objects.filter(code=code, active=True).first()
    if partner is None:
        raise DeliveryError(f"合作地区 {code} 不存在或已停用")
    env = protocol.envelope(
        kind=payload["kind"],
        sender=conf.region(),
        receiver=code,
        body=payload["body"],
        files=payload.get("files", []),
        envelope_id=payload["id"],
    )
    attachments = {f["sm3"]: file_bytes(f["sm3"]) for f in env["files"]}
    signed = protocol.wrap(env, conf.private_key(), attachments)
    data = json.dumps(signed, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(  # noqa: S310 - URLField keeps http(s)
        partner.inbox_url,
        data=data,
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "yishi-exchange/1",
        },
        method="POST",
    )
    try:
        with _opener.open(request, timeout=conf.http_timeout()) as response:
            answer = json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        detail = exc.read(800).decode("utf-8", "replace")
        raise DeliveryError(f"对方拒收 HTTP {exc.code}: {detail}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryError(f"连接失败: {getattr(exc, 'reason', exc)}") from exc
    except ValueError as exc:
        raise DeliveryError("对方回执不是 JSON") from exc
    receipt = answer.get("envelope") if isinstance(answer, dict) else None
    if (
        not isinstance(receipt, dict)
        or receipt.get("kind") != "receipt"
        or receipt.get("sender") != code
        or receipt.get("body", {}).get("ref") != env["id"]
        or not protocol.verify(receipt, answer.get("signature", ""), partner.public_key_pem)
    ):
        raise DeliveryError("对方回执无效（签名、发送方或引用的信封编号不符）")
    Envelope.objects.filter(
        direction=Envelope.Direction.OUT, sender=conf.region(), envelope_id=env["id"]
    ).update(
        status=Envelope.Status.SENT,
        nonce=env["nonce"],
        created=env["created"],
        signature=signed["signature"],
        processed_at=timezone.now(),
    )


# ---------------------------------------------------------------- receiving side


def agreed_for(partner: Partner, matter: Matter) -> AgreedMatter | None:
    return AgreedMatter.objects.filter(
        partner=partner, matter=matter, decided_by=AgreedMatter.DecidedBy.PARTNER
    ).first()


def _check_agreement(agreed: Iterable[AgreedMatter], mode: str, delivery_method: str) -> None:
    """The mode and the delivery are among those agreed for each matter."""
    for item in agreed:
        if item.modes and mode not in item.modes:
            raise ValidationFailed(
                f"“{item.name}”与{item.partner.name}未约定{Mode(mode).label}", field="mode"
            )
        if item.delivery and delivery_method not in item.delivery:
            allowed = "、".join(Delivery(d).label for d in item.delivery if d in Delivery.values)
            raise ValidationFailed(
                f"“{item.name}”约定的结果送达方式为：{allowed}", field="delivery_method"
            )


def _check_uploaded(agreed: Iterable[AgreedMatter], uploaded: set[str]) -> None:
    """全程网办: the applicant uploaded every material of the unified list."""
    for item in agreed:
        for name in item.materials:
            if name not in uploaded:
                raise ValidationFailed(f"请上传材料“{name}”", field="materials")


def _keep_materials(
    application: Application, materials: list[tuple[str, str, bytes]], actor: Any
) -> None:
    """A copy of each material on our application, so the applicant and our staff see what
    was sent: the file itself when it passes the upload check (PDF, JPEG, PNG)."""
    for name, _media, data in materials:
        try:
            stored = uploads.store_checked(
                checked=uploads.check_upload(name=name, data=data, field="materials"),
                actor=actor,
            )
        except ValidationFailed:
            stored = None
        CaseMaterial.objects.create(
            application=application,
            kind=f"跨域通办：{name}"[:60],
            name=name[:150],
            stored_file=stored,
            source=CaseMaterial.Source.UPLOAD,
        )


def _centre_code(clerk: Any) -> str | None:
    """The service centre a clerk works at (None: the district's)."""
    profile = staff_profile(clerk) if clerk is not None else None
    if profile is None or not profile.service_centre_id:
        return None
    code = profile.service_centre.code
    return code if centre_choice(code) is not None else None


def _theme_matters(theme: Theme) -> list[Matter]:
    return [item.matter for item in theme.items.select_related("matter")]


def _check_counter(
    *,
    clerk: Any,
    agreed: Iterable[AgreedMatter],
    identity_checked: bool,
    checked_materials: Iterable[str],
    scanned: set[str],
) -> None:
    """异地代收代办: the clerk has checked the identity and every material of the unified
    list, and scanned each."""
    if clerk is None or not has_role(clerk, *WINDOW_ROLES):
        raise PermissionDeniedError("只有窗口人员可以代收跨域事项", field="clerk")
    if not identity_checked:
        raise ValidationFailed("请先核验申请人身份", field="identity_checked")
    checked = set(checked_materials)
    for item in agreed:
        for name in item.materials:
            if name not in checked:
                raise ValidationFailed(f"材料“{name}”尚未核对", field="checked_materials")
            if name not in scanned:
                raise ValidationFailed(f"材料“{name}”尚未扫描上传", field="materials")


def crossing_submit(
    *,
    user: Any,
    partner: Partner,
    mode: str,
    matter: Matter | None = None,
    theme: Theme | None = None,
    answers: dict | None = None,
    form_data: dict | None = None,
    materials: list[tuple[str, str, bytes]] | None = None,
    delivery_method: str = "pickup",
    delivery_address: str = "",
    clerk: Any = None,
    identity_checked: bool = False,
    checked_materials: Iterable[str] = (),
    today: dt.date | None = None,
) -> Application:
    """Apply here for what a partner decides: one application (channel 跨域通办); each
    sub-case whose matter the partner decides is handed over as a signed `application`
    envelope, its deadline counted on the partner's calendar. `materials` are
    (name, media type, bytes) scans or uploads."""
    if mode not in Mode.values:
        raise ValidationFailed("办理模式无效", field="mode")
    if delivery_method not in ("mail", "pickup", "online"):
        raise ValidationFailed("送达方式无效", field="delivery_method")
    if delivery_method == "mail" and not delivery_address.strip():
        raise ValidationFailed("邮寄送达须填写地址", field="delivery_address")
    matters = [matter] if matter is not None else _theme_matters(theme) if theme else []
    agreed = {m.pk: a for m in matters if (a := agreed_for(partner, m)) is not None}
    if not agreed:
        raise ValidationFailed(f"所选事项不在与{partner.name}约定的通办事项中", field="matter")
    if mode == Mode.JOINT and (theme is None or len(agreed) == len(matters)):
        raise ValidationFailed("多地联办须为在两地都有办理环节的一件事主题", field="theme")
    _check_agreement(agreed.values(), mode, delivery_method)
    materials = materials or []
    if mode == Mode.ONLINE:
        _check_uploaded(agreed.values(), {name for name, _, _ in materials})
    if mode == Mode.PROXY:
        _check_counter(
            clerk=clerk,
            agreed=agreed.values(),
            identity_checked=identity_checked,
            checked_materials=checked_materials,
            scanned={name for name, _, _ in materials},
        )
    day = today or timezone.localdate()
    with transaction.atomic():
        files = [file_store(name, media, data) for name, media, data in materials]
        application = cases.application_submit(
            user=user,
            matter=matter,
            theme=theme,
            answers=answers,
            form_data=form_data or {},
            channel=Application.Channel.CROSS_REGION,
            staff=clerk,
            service_centre=_centre_code(clerk) if mode == Mode.PROXY else None,
            today=day,
        )
        _keep_materials(application, materials, clerk or user)
        application = cases.application_accept_auto(
            application=application,
            rule=f"exchange:{conf.region()}",
            note=f"跨域通办（{Mode(mode).label}）：本区收件",
            today=day,
        )
        for subcase in application.new_subcases:
            item = agreed.get(subcase.matter_id)
            if item is not None:
                _hand_over(
                    application=application,
                    subcase=subcase,
                    agreed=item,
                    mode=mode,
                    files=files,
                    delivery_method=delivery_method,
                    delivery_address=delivery_address,
                    clerk=clerk,
                    day=day,
                )
    return application


def _hand_over(
    *,
    application: Application,
    subcase: SubCase,
    agreed: AgreedMatter,
    mode: str,
    files: list[dict[str, str]],
    delivery_method: str,
    delivery_address: str,
    clerk: Any,
    day: dt.date,
) -> Crossing:
    partner = agreed.partner
    start = subcase.started_on or day
    promised, _ = partner_due(partner, start, agreed.promised_days or subcase.promised_days)
    legal, _ = partner_due(partner, start, agreed.legal_days or subcase.legal_days)
    SubCase.objects.filter(pk=subcase.pk).update(
        partner_region=partner.code, promised_due=promised, legal_due=legal
    )
    crossing = Crossing.objects.create(
        partner=partner,
        role=Crossing.Role.RECEIVING,
        mode=mode,
        agreed=agreed,
        application=application,
        subcase=subcase,
        promised_due=promised,
        legal_due=legal,
        delivery_method=delivery_method,
        delivery_address=delivery_address,
    )
    person = application.person
    body = {
        "case": str(crossing.ref),
        "mode": mode,
        "number": application.number,
        "matter": {"code": agreed.code, "name": agreed.name},
        "theme": (
            {"code": application.theme.code, "name": application.theme.name}
            if application.theme_id
            else None
        ),
        "applicant": {"name": person.name, "id_number": person.id_number, "phone": person.phone},
        "form": application.form_data or {},
        "materials": [{"name": f["name"], "file": f["sm3"]} for f in files],
        "checked_by": getattr(clerk, "get_username", lambda: "")() if clerk else "",
        "received_on": day.isoformat(),
        "delivery": {"method": delivery_method, "address": delivery_address},
    }
    send(partner=partner, kind="application", body=body, files=files, crossing=crossing)
    cases.case_note(
        application=application,
        subcase=subcase,
        actor=clerk,
        action="exchange_handover",
        note=f"已移交{partner.name}办理，承诺办结日期 {promised}（按办理地工作日历）",
    )
    return crossing


def crossing_receive_at_counter(
    *,
    clerk: Any,
    agreed: AgreedMatter,
    id_number: str,
    name: str,
    phone: str = "",
    materials: list[tuple[str, str, bytes]],
    checked_materials: Iterable[str],
    identity_checked: bool,
    delivery_method: str,
    delivery_address: str = "",
    today: dt.date | None = None,
) -> Application:
    """异地代收代办 at our counter: the clerk identified the person by their ID card (found in
    the people registry, or registered there as the ordinary walk-in does), checked and
    scanned each material of the unified list, and sends the case to the partner that
    decides it. One transaction: a refusal leaves no account and no application behind."""
    from yishi.people.services import applicant_account_at_counter

    if clerk is None or not has_role(clerk, *WINDOW_ROLES):
        raise PermissionDeniedError("只有窗口人员可以代收跨域事项", field="clerk")
    if agreed.decided_by != AgreedMatter.DecidedBy.PARTNER or Mode.PROXY not in (
        agreed.modes or []
    ):
        raise ValidationFailed(
            f"“{agreed.name}”未与{agreed.partner.name}约定异地代收代办", field="agreed"
        )
    if not identity_checked:
        raise ValidationFailed("请先核验申请人身份", field="identity_checked")
    with transaction.atomic():
        account = applicant_account_at_counter(
            id_number=id_number, name=name, phone=phone, staff=clerk
        )
        return crossing_submit(
            user=account.user,
            partner=agreed.partner,
            mode=Mode.PROXY,
            matter=agreed.matter,
            materials=materials,
            clerk=clerk,
            identity_checked=identity_checked,
            checked_materials=checked_materials,
            delivery_method=delivery_method,
            delivery_address=delivery_address,
            today=today,
        )


def crossing_supplement_reply(
    *, crossing: Crossing, user: Any, note: str, materials: list[tuple[str, str, bytes]]
) -> Crossing:
    """The applicant (or a clerk for them) answers a partner's 补正 request."""
    if crossing.role != Crossing.Role.RECEIVING or crossing.status != CS.SUPPLEMENT:
        raise ValidationFailed("该跨域办件当前不需要补正", field="status")
    if crossing.application.applicant_id != getattr(user, "pk", None) and not has_role(
        user, *WINDOW_ROLES
    ):
        raise NotFound("跨域办件不存在", field="crossing")
    with transaction.atomic():
        files = [file_store(name, media, data) for name, media, data in materials]
        body = {
            "case": str(crossing.ref),
            "note": note,
            "materials": [{"name": f["name"], "file": f["sm3"]} for f in files],
        }
        send(
            partner=crossing.partner,
            kind="supplement_reply",
            body=body,
            files=files,
            crossing=crossing,
        )
        crossing.status = CS.IN_REVIEW
        crossing.supplement_items = []
        crossing.save(update_fields=["status", "supplement_items", "updated_at"])
    return crossing


# ---------------------------------------------------------------- deciding side


def _require_decider(crossing: Crossing, staff: Any) -> None:
    if crossing.role != Crossing.Role.DECIDING or crossing.subcase is None:
        raise ValidationFailed("只有本区办理的跨域办件可以在本区审批", field="crossing")


def crossing_request_supplement(
    *, crossing: Crossing, reviewer: Any, items: list[str], note: str = ""
) -> Crossing:
    _require_decider(crossing, reviewer)
    with transaction.atomic():
        cases.subcase_request_supplement(
            subcase=crossing.subcase, reviewer=reviewer, items=items, note=note
        )
        send(
            partner=crossing.partner,
            kind="supplement_request",
            body={"case": str(crossing.ref), "items": list(items), "note": note},
            crossing=crossing,
        )
        crossing.status = CS.SUPPLEMENT
        crossing.supplement_items = list(items)
        crossing.save(update_fields=["status", "supplement_items", "updated_at"])
    return crossing


def _result_document(crossing: Crossing, result_name: str, day: dt.date) -> dict[str, Any]:
    """The result as an e-licence sealed with our exchange key (see exchange.results)."""
    return result_document(crossing, result_name, day)


def crossing_decide(
    *,
    crossing: Crossing,
    reviewer: Any,
    approved: bool,
    result_name: str = "",
    reason: str = "",
    today: dt.date | None = None,
) -> Crossing:
    """Decide a case a partner handed to us: the sub-case is approved or refused by our
    reviewer and the decision (and, approved, the signed result document) goes back."""
    _require_decider(crossing, reviewer)
    day = today or timezone.localdate()
    with transaction.atomic():
        if approved:
            cases.subcase_approve(
                subcase=crossing.subcase, reviewer=reviewer, result_name=result_name, today=day
            )
        else:
            cases.subcase_refuse(
                subcase=crossing.subcase, reviewer=reviewer, reason=reason, today=day
            )
        _send_decision(crossing, approved, result_name=result_name, reason=reason, day=day)
    return crossing


DECIDED = (CS.APPROVED, CS.REFUSED, CS.RESULT, CS.DELIVERED)


def _send_decision(
    crossing: Crossing, approved: bool, *, result_name: str, reason: str, day: dt.date
) -> None:
    """Send the decision (and, approved, the signed result document) back to the partner,
    in the caller's transaction, and record it on the crossing."""
    crossing.status = CS.APPROVED if approved else CS.REFUSED
    send(
        partner=crossing.partner,
        kind="decision",
        body={
            "case": str(crossing.ref),
            "outcome": "approved" if approved else "refused",
            "result_name": result_name,
            "reason": reason,
            "decided_on": day.isoformat(),
        },
        crossing=crossing,
    )
    if approved:
        document = _result_document(crossing, result_name, day)
        crossing.result = kept_copy(document)
        crossing.status = CS.RESULT
        send(
            partner=crossing.partner,
            kind="result",
            body={"case": str(crossing.ref), "licence": document},
            crossing=crossing,
        )
    crossing.save(update_fields=["status", "result", "updated_at"])


def crossing_decision_follow(*, subcase_id: int, day: dt.date | None = None) -> Crossing | None:
    """A sub-case we decide for a partner was approved or refused on the ordinary sub-case
    page: send the decision the partner waits for. Idempotent: a crossing whose decision was
    already sent (here or by `crossing_decide`) is left alone."""
    with transaction.atomic():
        crossing = (
            Crossing.objects.select_for_update(no_key=True)
            .filter(role=Crossing.Role.DECIDING, subcase_id=subcase_id)
            .select_related("partner", "agreed", "application", "subcase")
            .first()
        )
        if crossing is None or crossing.status in DECIDED:
            return crossing
        subcase = crossing.subcase
        if subcase.status == SubCase.Status.APPROVED:
            approved = True
        elif subcase.status == SubCase.Status.REFUSED:
            approved = False
        else:
            return crossing
        decided = timezone.localdate(subcase.decided_at) if subcase.decided_at else None
        _send_decision(
            crossing,
            approved,
            result_name=subcase.result_name,
            reason=subcase.reason,
            day=day or decided or timezone.localdate(),
        )
    return crossing


def crossing_deliver(
    *,
    crossing: Crossing,
    staff: Any,
    method: str,
    tracking_number: str = "",
    carrier: str = "",
    pickup_place: str = "",
) -> Crossing:
    """The result is on its way: by mail (tracking number) or to the receiving hall's pickup
    shelf."""
    if crossing.role != Crossing.Role.DECIDING:
        raise ValidationFailed("只有办理地可以寄递结果", field="crossing")
    if crossing.status not in (CS.RESULT, CS.REFUSED, CS.APPROVED):
        raise ValidationFailed("尚未作出办理决定", field="status")
    if method == "mail" and not tracking_number.strip():
        raise ValidationFailed("邮寄须填写邮件单号", field="tracking_number")
    if method not in ("mail", "pickup", "online"):
        raise ValidationFailed("送达方式无效", field="method")
    with transaction.atomic():
        crossing.delivery_method = method
        crossing.tracking_number = tracking_number
        crossing.pickup_place = pickup_place
        crossing.status = CS.DELIVERED
        crossing.save()
        send(
            partner=crossing.partner,
            kind="delivery",
            body={
                "case": str(crossing.ref),
                "method": method,
                "tracking_number": tracking_number,
                "carrier": carrier,
                "pickup_place": pickup_place,
            },
            crossing=crossing,
        )
    return crossing


def exchange_user(partner_code: str) -> Any:
    """The account a partner's applications are filed under here (never signs in)."""
    user, _ = get_user_model().objects.get_or_create(
        username=f"exchange-{partner_code}", defaults={"is_active": False}
    )
    return user


def attach_materials(application: Application, materials: list[dict[str, str]]) -> None:
    CaseMaterial.objects.bulk_create(
        CaseMaterial(
            application=application,
            kind="跨域通办",
            name=m["name"][:150],
            source=CaseMaterial.Source.UPLOAD,
        )
        for m in materials
    )
