"""The inbox: verify an incoming signed envelope, store it before answering, answer with a
signed receipt, then act on it once (a replay is answered "already received")."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from yishi.cases import services as cases
from yishi.cases.models import Application, Message
from yishi.core.crypto import mask
from yishi.exchange import conf, protocol
from yishi.exchange.models import (
    AgreedMatter,
    Crossing,
    Envelope,
    Partner,
    PickupItem,
    SeenNonce,
)
from yishi.exchange.pickup import pickup_place
from yishi.exchange.protocol import ProtocolError
from yishi.exchange.results import crossing_licence, kept_copy, result_register, seal_holds
from yishi.exchange.services import attach_materials, exchange_user, file_store, send
from yishi.people.models import Person
from yishi.people.queries import person_by_id_number
from yishi.people.services import person_register

logger = logging.getLogger(__name__)
CS = Crossing.Status


def _receipt(sender_partner: str, ref: str, status: str) -> dict[str, Any]:
    env = protocol.envelope(
        kind="receipt",
        sender=conf.region(),
        receiver=sender_partner,
        body={"ref": ref, "status": status},
    )
    return protocol.wrap(env, conf.private_key())


def _parse(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ProtocolError("请求体不是有效的 UTF-8 JSON", code="bad_json", field="body") from exc


def _check(document: Any) -> tuple[dict[str, Any], Partner, dict[str, bytes]]:
    errors = protocol.schema_errors(document)
    if errors:
        path, message = errors[0]
        raise ProtocolError(
            f"信封不符合协议（{path}）：{message}", code="schema", field=path, status=422
        )
    env = document["envelope"]
    if env["receiver"] != conf.region():
        raise ProtocolError(
            f"接收方 {env['receiver']} 不是本地区（{conf.region()}）",
            code="wrong_receiver",
            field="envelope/receiver",
        )
    partner = Partner.objects.filter(code=env["sender"], active=True).first()
    if partner is None:
        raise ProtocolError(
            f"发送方 {env['sender']} 不是本地区的合作地区",
            code="unknown_sender",
            field="envelope/sender",
        )
    if not conf.allow_test_keys() and conf.is_test_key(partner.public_key_pem):
        raise ProtocolError(
            "发送方登记的是公开测试密钥，生产环境不接受", code="test_key", field="envelope/sender"
        )
    if not protocol.verify(env, document["signature"], partner.public_key_pem):
        raise ProtocolError(
            "签名验证失败：信封被改动或签名密钥不符", code="bad_signature", field="signature"
        )
    try:
        created = protocol.parse_rfc3339(env["created"])
    except ValueError as exc:
        raise ProtocolError("签发时间格式错误", code="schema", field="envelope/created") from exc
    skew = abs((timezone.now() - created).total_seconds())
    if skew > conf.freshness_seconds():
        raise ProtocolError(
            f"信封已过期或时间不符：签发时间与本地时间相差 {int(skew)} 秒，"
            f"允许 ±{conf.freshness_seconds()} 秒",
            code="stale",
            field="envelope/created",
        )
    files = protocol.check_attachments(env, document.get("attachments"))
    if env["kind"] == "application":
        matter = env["body"]["matter"]["code"]
        if not AgreedMatter.objects.filter(
            partner=partner, code=matter, decided_by=AgreedMatter.DecidedBy.US
        ).exists():
            raise ProtocolError(
                f"事项 {matter} 不在与{partner.name}约定由本区办理的通办事项中",
                code="not_agreed",
                field="envelope/body/matter",
            )
    elif env["kind"] != "receipt":
        ref = env["body"].get("case")
        if not Crossing.objects.filter(ref=ref, partner=partner).exists():
            raise ProtocolError(
                f"跨域办件 {ref} 不存在", code="unknown_case", field="envelope/body/case"
            )
    if env["kind"] == "result" and not seal_holds(partner, env["body"]["licence"]):
        raise ProtocolError(
            "结果文书的电子签章验证未通过：证照内容被改动或不是办理地的签章",
            code="bad_seal",
            field="envelope/body/licence/signature",
        )
    return env, partner, files


def inbox_receive(raw: bytes) -> dict[str, Any]:
    """Verify, store (once), answer. ProtocolError (→ 4xx problem+json) for a refusal."""
    conf.private_key()  # a missing or refused key of ours fails before anything is stored
    env, partner, files = _check(_parse(raw))
    cutoff = timezone.now() - dt.timedelta(hours=conf.nonce_hours())
    SeenNonce.objects.filter(seen_at__lt=cutoff).delete()
    try:
        with transaction.atomic():
            if (
                SeenNonce.objects.filter(sender=partner.code, nonce=env["nonce"]).exists()
                or Envelope.objects.filter(
                    direction=Envelope.Direction.IN, sender=partner.code, envelope_id=env["id"]
                ).exists()
            ):
                raise IntegrityError("replay")
            SeenNonce.objects.create(sender=partner.code, nonce=env["nonce"], envelope_id=env["id"])
            for entry in env["files"]:
                file_store(entry["name"], entry["media_type"], files[entry["sm3"]])
            row = Envelope.objects.create(
                envelope_id=env["id"],
                direction=Envelope.Direction.IN,
                kind=env["kind"],
                sender=env["sender"],
                receiver=env["receiver"],
                nonce=env["nonce"],
                created=env["created"],
                body=env["body"],
                files=env["files"],
                signature=json.loads(raw.decode("utf-8"))["signature"],
                status=Envelope.Status.STORED,
            )
    except IntegrityError:
        original = (
            SeenNonce.objects.filter(sender=partner.code, nonce=env["nonce"])
            .values_list("envelope_id", flat=True)
            .first()
        )
        return _receipt(partner.code, str(original or env["id"]), "already_received")
    envelope_process(row)
    return _receipt(partner.code, env["id"], "received")


def envelope_process(row: Envelope) -> Envelope:
    """Act on a stored envelope once; a failure is kept on the row for a later retry."""
    if row.status == Envelope.Status.PROCESSED:
        return row
    try:
        with transaction.atomic():
            locked = Envelope.objects.select_for_update(no_key=True).get(pk=row.pk)
            if locked.status == Envelope.Status.PROCESSED:
                return locked
            partner = Partner.objects.get(code=locked.sender)
            handler = HANDLERS.get(locked.kind)
            crossing = handler(partner, locked.body) if handler else None
            locked.crossing = crossing or locked.crossing
            locked.status = Envelope.Status.PROCESSED
            locked.processed_at = timezone.now()
            locked.error = ""
            locked.save()
            return locked
    except Exception as exc:
        logger.exception("exchange envelope %s could not be processed", row.envelope_id)
        Envelope.objects.filter(pk=row.pk).update(
            status=Envelope.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        row.refresh_from_db()
        return row


# ---------------------------------------------------------------- handlers


def _crossing(partner: Partner, body: dict) -> Crossing:
    return Crossing.objects.select_related("application", "subcase").get(
        ref=body["case"], partner=partner
    )


def _tell(crossing: Crossing, text: str) -> None:
    application = crossing.application
    if crossing.role == Crossing.Role.RECEIVING:
        cases.notify_applicant(application, text)
    else:
        Message.objects.create(user_id=application.applicant_id, application=application, text=text)


def _note(crossing: Crossing, partner: Partner, action: str, note: str) -> None:
    cases.case_note(
        application=crossing.application,
        subcase=crossing.subcase,
        actor=f"exchange:{partner.code}",
        action=action,
        note=note,
    )


def _person(applicant: dict) -> Person:
    person = person_by_id_number(applicant["id_number"])
    if person is None:
        person = person_register(
            name=applicant["name"],
            id_number=applicant["id_number"],
            phone=applicant.get("phone", ""),
            actor="exchange",
        )
    return person


def on_application(partner: Partner, body: dict) -> Crossing:
    agreed = AgreedMatter.objects.select_related("matter").get(
        partner=partner, code=body["matter"]["code"], decided_by=AgreedMatter.DecidedBy.US
    )
    person = _person(body["applicant"])
    day = timezone.localdate()
    application = Application.objects.create(
        number=f"X{body['case'].replace('-', '')[:19]}",
        applicant=exchange_user(partner.code),
        person=person,
        matter=agreed.matter,
        form_data=body.get("form") or {},
        status=Application.Status.SUBMITTED,
        submitted_at=timezone.now(),
        channel=Application.Channel.CROSS_REGION,
    )
    application.number = cases.application_number(day, application.pk)
    application.save(update_fields=["number"])
    attach_materials(application, body.get("materials", []))
    application = cases.application_accept_auto(
        application=application,
        rule=f"exchange:{partner.code}",
        note=f"{partner.name}移交（{body['mode']}），收件编号 {body['number']}",
        today=day,
    )
    subcase = application.new_subcases[0]
    crossing = Crossing.objects.create(
        ref=body["case"],
        partner=partner,
        role=Crossing.Role.DECIDING,
        mode=body["mode"],
        agreed=agreed,
        application=application,
        subcase=subcase,
        remote_number=body["number"],
        status=CS.ACCEPTED,
        promised_due=subcase.promised_due,
        legal_due=subcase.legal_due,
        delivery_method=body["delivery"]["method"],
        delivery_address=body["delivery"].get("address", ""),
    )
    send(
        partner=partner,
        kind="status",
        body={
            "case": body["case"],
            "status": "accepted",
            "number": application.number,
            "note": f"{conf.region_name()}已受理",
            "promised_due": subcase.promised_due.isoformat() if subcase.promised_due else None,
            "legal_due": subcase.legal_due.isoformat() if subcase.legal_due else None,
        },
        crossing=crossing,
    )
    logger.info(
        "exchange application from %s for %s accepted (%s)",
        partner.code,
        agreed.code,
        mask(person.id_number),
    )
    return crossing


def on_status(partner: Partner, body: dict) -> Crossing:
    crossing = _crossing(partner, body)
    mapping = {"accepted": CS.ACCEPTED, "in_review": CS.IN_REVIEW}
    if body["status"] in mapping:
        crossing.status = mapping[body["status"]]
    crossing.remote_number = body.get("number") or crossing.remote_number
    for field in ("promised_due", "legal_due"):
        if body.get(field):
            setattr(crossing, field, dt.date.fromisoformat(body[field]))
    crossing.save()
    _note(
        crossing,
        partner,
        "exchange_status",
        f"{partner.name}：{body.get('note') or body['status']}",
    )
    return crossing


def on_supplement_request(partner: Partner, body: dict) -> Crossing:
    crossing = _crossing(partner, body)
    crossing.status = CS.SUPPLEMENT
    crossing.supplement_items = body["items"]
    crossing.save()
    listing = "；".join(body["items"])
    _note(crossing, partner, "exchange_supplement", f"{partner.name}要求补正：{listing}")
    _tell(crossing, f"您的跨域申请（{crossing.application.number}）需要补正：{listing}。")
    return crossing


def on_supplement_reply(partner: Partner, body: dict) -> Crossing:
    crossing = _crossing(partner, body)
    attach_materials(crossing.application, body["materials"])
    cases.application_supplement_provided(
        application=crossing.application, user=_window_proxy(crossing)
    )
    crossing.status = CS.IN_REVIEW
    crossing.save()
    return crossing


def _window_proxy(crossing: Crossing) -> Any:
    # The supplement comes from the applicant, through the partner: filed as the applicant's.
    return crossing.application.applicant


def on_decision(partner: Partner, body: dict) -> Crossing:
    crossing = _crossing(partner, body)
    approved = body["outcome"] == "approved"
    cases.subcase_decide_by_partner(
        subcase=crossing.subcase,
        partner_region=partner.code,
        approved=approved,
        result_name=body.get("result_name") or crossing.agreed.result_name,
        reason=body.get("reason") or "",
        today=dt.date.fromisoformat(body["decided_on"]),
    )
    crossing.status = CS.APPROVED if approved else CS.REFUSED
    crossing.save()
    return crossing


def on_result(partner: Partner, body: dict) -> Crossing:
    """The sealed result document: registered as a licence the applicant holds (我的证照),
    linked to the shelf item when the result already waits at our hall."""
    crossing = _crossing(partner, body)
    document = body["licence"]
    crossing.result = kept_copy(document)
    crossing.status = CS.RESULT if crossing.status != CS.DELIVERED else CS.DELIVERED
    crossing.save()
    licence = None
    if crossing.role == Crossing.Role.RECEIVING:
        licence = result_register(partner, crossing, document)
        pickup = PickupItem.objects.filter(crossing=crossing).first()
        if pickup is not None:
            pickup_place(crossing=crossing, licence=licence)
    _tell(
        crossing,
        f"您的跨域申请（{crossing.application.number}）结果文书已出具：{document['name']}"
        + ("，已存入“我的电子证照”。" if licence is not None else "。"),
    )
    return crossing


def on_delivery(partner: Partner, body: dict) -> Crossing:
    crossing = _crossing(partner, body)
    crossing.delivery_method = body["method"]
    crossing.tracking_number = body.get("tracking_number", "")
    crossing.pickup_place = body.get("pickup_place", "")
    crossing.status = CS.DELIVERED
    crossing.save()
    if body["method"] == "mail":
        text = f"结果已由{body.get('carrier') or '邮政'}寄出，邮件单号 {crossing.tracking_number}"
    elif body["method"] == "pickup":
        text = f"结果已送达{crossing.pickup_place or '本区政务服务中心'}，请凭身份证领取"
    else:
        text = "电子结果已送达，可在“我的办件”中查看"
    _note(crossing, partner, "exchange_delivery", text)
    # Pickup at our hall: on the shelf, and the applicant is told the outlet and the code.
    if (
        body["method"] == "pickup"
        and crossing.role == Crossing.Role.RECEIVING
        and pickup_place(crossing=crossing, licence=crossing_licence(crossing)) is not None
    ):
        return crossing
    _tell(crossing, f"您的跨域申请（{crossing.application.number}）：{text}。")
    return crossing


HANDLERS = {
    "application": on_application,
    "status": on_status,
    "supplement_request": on_supplement_request,
    "supplement_reply": on_supplement_reply,
    "decision": on_decision,
    "result": on_result,
    "delivery": on_delivery,
}
