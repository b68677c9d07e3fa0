"""Use cases of a commitment (告知承诺 / 容缺承诺): sign, accept on it, verify, fulfil its
items, remind before and break after the deadline.

The applicant (or a company's agent) signs one text for the application naming every missing
material with its due date and every proof replaced by the promise. The platform's
e-signature service signs the exact text (SM2 over SM3) on behalf of the authenticated signer;
the text, its digest and the signature are stored, so any later edit of the text fails
`commitment_verify`. Dates default to today in Asia/Shanghai; pass `today=` to pin them.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from yishi.cases import access as case_access
from yishi.cases.models import Application, CaseMaterial
from yishi.cases.services import (
    WINDOW_ROLES,
    application_accept,
    application_suspend,
    case_note,
    staff_profile,
)
from yishi.cases.services import notify_applicant as cases_notify
from yishi.catalog.models import Material, Matter
from yishi.core.audit import audit_append
from yishi.core.crypto import sm3_hex
from yishi.core.errors import Conflict, NotFound, PermissionDeniedError, ValidationFailed
from yishi.core.roles import has_role
from yishi.core.signing import sign, verify
from yishi.core.workdays import add_working_days
from yishi.credit import pushes
from yishi.credit.models import Commitment, CommitmentItem, CreditRecord
from yishi.credit.queries import (
    application_subject,
    cn_date,
    commitment_restriction,
    working_days_left,
)
from yishi.people.models import ApplicantAccount, CompanyAgent
from yishi.people.queries import can_act_for

SMS_TOPIC = "sms.credit"
A = Application.Status
C = Commitment.Status
OPEN = (C.SIGNED, C.ACTIVE)


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def remind_days() -> int:
    return int(getattr(settings, "YISHI_COMMITMENT_REMIND_DAYS", 3))


def notify_applicant(application: Application, text: str) -> None:
    """An in-platform message and an SMS to the applicant about their commitment."""
    cases_notify(application, text, topic=SMS_TOPIC, template="credit_commitment")


# ---------------------------------------------------------------- items and text


def application_matters(application: Application) -> dict[int, Matter]:
    """The matters a commitment on this application may name: its sub-cases' matters once
    accepted, else every matter of its theme (or its single matter)."""
    ids = list(application.subcases.values_list("matter_id", flat=True))
    if not ids:
        if application.theme_id:
            ids = list(application.theme.items.values_list("matter_id", flat=True))
        else:
            ids = [application.matter_id]
    return Matter.objects.in_bulk(ids)


def _int(value: Any, field: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(f"{field}：必须是整数编号", field="items") from None
    if not 0 < number < 2**31:
        raise ValidationFailed(f"{field}：编号超出范围", field="items")
    return number


def excluded_reason(matter: Matter) -> str:
    if matter.commitment_exclusion:
        label = matter.get_commitment_exclusion_display()
        return f"事项「{matter.name}」属于{label}领域，依法不适用告知承诺或容缺受理"
    if not matter.commitment_enabled:
        return f"事项「{matter.name}」未开通告知承诺或容缺受理"
    return ""


def validate_items(
    application: Application, items: Any
) -> list[tuple[Matter, Material, str, int | None]]:
    """(matter, material, kind, defer_days) for each requested item; ValidationFailed on
    anything the catalog does not allow."""
    if not isinstance(items, list | tuple) or not items:
        raise ValidationFailed("请至少选择一项容缺材料或告知承诺证明", field="items")
    matters = application_matters(application)
    wanted: list[tuple[int, int]] = []
    for raw in items:
        if not isinstance(raw, dict):
            raise ValidationFailed("每一项须包含 matter_id 和 material_id", field="items")
        wanted.append(
            (_int(raw.get("matter_id"), "matter_id"), _int(raw.get("material_id"), "material_id"))
        )
    if len({m for _, m in wanted}) != len(wanted):
        raise ValidationFailed("同一材料不能重复承诺", field="items")
    materials = Material.objects.in_bulk([m for _, m in wanted])
    out = []
    for matter_id, material_id in wanted:
        matter = matters.get(matter_id)
        if matter is None:
            raise ValidationFailed(f"事项 {matter_id} 不属于该申请", field="items")
        material = materials.get(material_id)
        if material is None or material.matter_id != matter_id:
            raise ValidationFailed(
                f"材料 {material_id} 不是事项「{matter.name}」的申请材料", field="items"
            )
        reason = excluded_reason(matter)
        if reason:
            raise ValidationFailed(f"{reason}", field="items")
        material.matter = matter
        if material.deferrable:
            out.append(
                (matter, material, CommitmentItem.Kind.DEFERRED, material.effective_defer_days)
            )
        elif material.by_commitment:
            out.append((matter, material, CommitmentItem.Kind.PROOF, None))
        else:
            raise ValidationFailed(
                f"材料「{material.name}」不允许容缺后补，也不能以承诺替代", field="items"
            )
    return out


def _due(start: dt.date, days: int | None) -> dt.date:
    return add_working_days(start, int(days or 0))


def _kind(kinds: set[str]) -> str:
    if kinds == {CommitmentItem.Kind.DEFERRED}:
        return Commitment.Kind.DEFERRAL
    if kinds == {CommitmentItem.Kind.PROOF}:
        return Commitment.Kind.PROOF
    return Commitment.Kind.BOTH


def commitment_text(
    application: Application,
    *,
    signer_name: str,
    subject_name: str,
    planned: list[tuple[Matter, Material, str, int | None, dt.date | None]],
    day: dt.date,
) -> str:
    """One text for the application: a header, the catalog's text for each matter and due
    date listing its items, and the signing line."""
    from yishi.catalog.commitments import render_commitment_text

    groups: OrderedDict[tuple[int, dt.date | None], list] = OrderedDict()
    for matter, material, _, _, due in planned:
        groups.setdefault((matter.pk, due), []).append((matter, material))
    blocks = []
    for (_, due), pairs in groups.items():
        matter = pairs[0][0]
        blocks.append(
            render_commitment_text(
                matter, applicant=subject_name, items=[m.name for _, m in pairs], due=due
            ).strip()
        )
    header = (
        f"申请编号：{application.number}\n申请事项：{application.title}\n承诺人：{subject_name}"
    )
    if signer_name != subject_name:
        header += f"（经办人：{signer_name}）"
    return "\n\n".join([header, *blocks, f"签署人：{signer_name}　签署日期：{cn_date(day)}"])


# ---------------------------------------------------------------- sign


def _signer_role(application: Application, signer: Any) -> str:
    uid = getattr(signer, "pk", None)
    if application.company_id:
        if uid == application.applicant_id or can_act_for(
            signer, application.company, CompanyAgent.Scope.CREDIT
        ):
            return Commitment.SignerRole.AGENT
        raise PermissionDeniedError(
            "只有申请人本人或该企业授权的经办人可以签署承诺书", field="signer"
        )
    if uid != application.applicant_id:
        raise PermissionDeniedError("只有申请人本人可以签署承诺书", field="signer")
    return Commitment.SignerRole.APPLICANT


def _signer_name(signer: Any) -> str:
    account = ApplicantAccount.objects.select_related("person").filter(user_id=signer.pk).first()
    return account.person.name if account else signer.get_username()


def check_restriction(application: Application, today: dt.date | None = None) -> None:
    """Conflict with the reason when the application's subject may not use commitments."""
    reason = commitment_restriction(**application_subject(application), today=today)
    if reason:
        raise Conflict(reason, field="commitment", code="commitment_restricted")


def commitment_sign(
    *, application: Application, signer: Any, items: list[dict], today: dt.date | None = None
) -> Commitment:
    """The applicant (or the company's agent) signs the commitment; due dates count from
    today. Refused with the reason when the subject is restricted."""
    day = _today(today)
    with transaction.atomic():
        app = Application.objects.select_for_update(no_key=True).get(pk=application.pk)
        if app.status not in (A.SUBMITTED, A.SUPPLEMENT_REQUESTED, A.ACCEPTED):
            raise Conflict(
                f"申请当前状态为“{app.get_status_display()}”，不能签署承诺书", field="status"
            )
        if app.commitments.filter(status__in=OPEN).exists():
            raise Conflict("该申请已有签署的承诺书", field="commitment")
        role = _signer_role(app, signer)
        check_restriction(app, today=day)
        checked = validate_items(app, items)
        planned = [
            (matter, material, kind, days, _due(day, days) if kind == "deferred" else None)
            for matter, material, kind, days in checked
        ]
        subject = application_subject(app)
        subject_name = (subject["company"] or subject["person"]).name
        signer_name = _signer_name(signer)
        text = commitment_text(
            app, signer_name=signer_name, subject_name=subject_name, planned=planned, day=day
        )
        signature = sign(text)
        commitment = Commitment.objects.create(
            application=app,
            person=subject["person"],
            company=subject["company"],
            signer=signer,
            signer_name=signer_name,
            signer_role=role,
            kind=_kind({kind for _, _, kind, _, _ in planned}),
            text=text,
            digest=sm3_hex(text),
            signature=signature.as_dict(),
            signed_at=timezone.now(),
            signed_on=day,
        )
        CommitmentItem.objects.bulk_create(
            [
                CommitmentItem(
                    commitment=commitment,
                    matter=matter,
                    material=material,
                    name=material.name,
                    kind=kind,
                    defer_days=days,
                    due=due,
                )
                for matter, material, kind, days, due in planned
            ]
        )
        audit_append(
            action="credit.commitment.sign",
            actor=signer,
            object_type="credit.commitment",
            object_id=commitment.pk,
            data={
                "application": app.number,
                "kind": commitment.kind,
                "digest": commitment.digest,
                "items": [m.pk for _, m, _, _, _ in planned],
            },
        )
        case_note(
            application=app,
            actor=signer,
            action="commitment_signed",
            note=f"申请人签署{commitment.get_kind_display()}（承诺书 #{commitment.pk}，"
            f"{len(planned)} 项）",
        )
        pushes.push_commitment(commitment, "signed")
    return commitment


def commitment_activate(commitment: Commitment, *, day: dt.date, actor: Any) -> Commitment:
    """Signed → active on acceptance; deferred due dates count from the acceptance day."""
    commitment.status = C.ACTIVE
    commitment.accepted_on = day
    commitment.save(update_fields=["status", "accepted_on"])
    for item in commitment.items.filter(kind=CommitmentItem.Kind.DEFERRED):
        item.due = _due(day, item.defer_days)
        item.save(update_fields=["due"])
    audit_append(
        action="credit.commitment.activate",
        actor=actor,
        object_type="credit.commitment",
        object_id=commitment.pk,
        data={"accepted_on": day.isoformat()},
    )
    return commitment


def commitment_accept(
    *,
    application: Application,
    staff: Any,
    signer: Any,
    items: list[dict] | None,
    today: dt.date | None = None,
) -> Commitment:
    """容缺受理 at the counter: the applicant signs (or has signed online: `items=None`), the
    application is accepted and the commitment becomes active, its missing items tracked."""
    day = _today(today)
    profile = staff_profile(staff)
    if profile is None or not has_role(staff, *WINDOW_ROLES):
        raise PermissionDeniedError("只有窗口人员或管理员可以容缺受理", field="staff")
    with transaction.atomic():
        if items is None:
            commitment = (
                application.commitments.select_for_update(no_key=True)
                .filter(status=C.SIGNED)
                .first()
            )
            if commitment is None:
                raise ValidationFailed("该申请没有已签署的承诺书，请选择承诺事项", field="items")
            check_restriction(application, today=day)
        else:
            commitment = commitment_sign(
                application=application, signer=signer, items=items, today=day
            )
        app = application_accept(application=application, staff=staff, today=day)
        commitment = commitment_activate(commitment, day=day, actor=staff)
        listing = "；".join(
            f"{i.name}（{cn_date(i.due)}前补交）" if i.due else f"{i.name}（告知承诺）"
            for i in commitment.items.order_by("id")
        )
        case_note(
            application=app,
            actor=staff,
            action="commitment_accepted",
            note=f"容缺受理/告知承诺受理：{listing}",
        )
        if commitment.items.filter(kind=CommitmentItem.Kind.DEFERRED).exists():
            notify_applicant(
                app,
                f"您的申请「{app.title}」（{app.number}）已按承诺受理，请按承诺补交：{listing}。"
                "逾期未补交将视为违反承诺，记入信用记录并中止办理。",
            )
    commitment.refresh_from_db()
    return commitment


# ---------------------------------------------------------------- verify


def commitment_verify(commitment: Commitment) -> bool:
    """True when the stored text is exactly the one signed: digest and SM2 signature hold."""
    text = commitment.text or ""
    if sm3_hex(text) != commitment.digest:
        return False
    signature = commitment.signature or {}
    if signature.get("digest") and signature["digest"] != commitment.digest:
        return False
    try:
        return bool(verify(text, signature))
    except Exception:  # a malformed stored signature is a failed verification, not a crash
        return False


# ---------------------------------------------------------------- fulfil and keep


def _keep(commitment: Commitment, *, actor: Any, day: dt.date) -> Commitment:
    commitment.status = C.KEPT
    commitment.kept_at = timezone.now()
    commitment.save(update_fields=["status", "kept_at"])
    record = CreditRecord.objects.create(
        person=commitment.person,
        company=commitment.company,
        kind=CreditRecord.Kind.KEPT,
        reason=f"按期履行承诺（申请 {commitment.application.number}）",
        source_type="credit.commitment",
        source_id=str(commitment.pk),
        application=commitment.application,
        occurred_on=day,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_append(
        action="credit.commitment.kept",
        actor=actor,
        object_type="credit.commitment",
        object_id=commitment.pk,
        data={"record": record.pk},
    )
    case_note(
        application=commitment.application,
        actor=actor,
        action="commitment_kept",
        note=f"承诺书 #{commitment.pk} 已全部履行，记入守信记录",
    )
    pushes.push_commitment(commitment, "kept")
    return commitment


def commitment_item_fulfil(
    *, item: CommitmentItem, actor: Any, file: Any = None, today: dt.date | None = None
) -> CommitmentItem:
    """Window staff receive a missing material; when the last one is in, the commitment is
    kept (a "kept" credit record, pushed)."""
    day = _today(today)
    profile = staff_profile(actor)
    if profile is None or not has_role(actor, *WINDOW_ROLES):
        raise PermissionDeniedError("只有窗口人员或管理员可以登记补交材料", field="actor")
    with transaction.atomic():
        commitment = Commitment.objects.select_for_update(no_key=True).get(pk=item.commitment_id)
        if commitment.application_id is not None and not case_access.may_see_application(
            actor, commitment.application
        ):
            raise NotFound("承诺事项不存在", field="item")
        current = CommitmentItem.objects.select_for_update(no_key=True).filter(pk=item.pk).first()
        if current is None:
            raise NotFound("承诺事项不存在", field="item")
        if current.kind != CommitmentItem.Kind.DEFERRED:
            raise Conflict("告知承诺事项由事中事后核查验证，无需补交", field="item")
        if current.fulfilled_at is not None:
            raise Conflict(
                f"「{current.name}」已于 {timezone.localtime(current.fulfilled_at):%Y-%m-%d} 补交",
                field="item",
            )
        if commitment.status != C.ACTIVE:
            raise Conflict(
                f"承诺书当前状态为“{commitment.get_status_display()}”，不能登记补交",
                field="status",
            )
        current.fulfilled_at = timezone.now()
        current.fulfilled_by = actor
        current.fulfilled_file = file
        current.save(update_fields=["fulfilled_at", "fulfilled_by", "fulfilled_file"])
        if file is not None:
            CaseMaterial.objects.create(
                application_id=commitment.application_id,
                kind=current.material.kind or f"material-{current.material_id}",
                name=current.name,
                stored_file=file,
                source=CaseMaterial.Source.UPLOAD,
            )
        audit_append(
            action="credit.commitment.fulfil",
            actor=actor,
            object_type="credit.commitment_item",
            object_id=current.pk,
            data={"commitment": commitment.pk, "late": bool(current.due and day > current.due)},
        )
        case_note(
            application=commitment.application,
            actor=actor,
            action="commitment_item_fulfilled",
            note=f"容缺材料「{current.name}」已补交",
        )
        still_open = commitment.items.filter(
            kind=CommitmentItem.Kind.DEFERRED, fulfilled_at__isnull=True
        ).exists()
        if not still_open:
            _keep(commitment, actor=actor, day=day)
            notify_applicant(
                commitment.application,
                f"您在申请 {commitment.application.number} 中承诺补交的材料已全部收到，"
                "承诺已履行，记入守信记录。",
            )
    return current


def commitment_keep_if_done(
    *, commitment: Commitment, actor: Any, today: dt.date | None = None
) -> bool:
    """Close an active commitment as kept when nothing is left to supply (a proof-only
    commitment after supervision found it true); False when something is still open."""
    day = _today(today)
    with transaction.atomic():
        current = Commitment.objects.select_for_update(no_key=True).get(pk=commitment.pk)
        if current.status != C.ACTIVE:
            return False
        if current.items.filter(
            kind=CommitmentItem.Kind.DEFERRED, fulfilled_at__isnull=True
        ).exists():
            return False
        _keep(current, actor=actor, day=day)
    return True


# ---------------------------------------------------------------- break


def commitment_break(
    *, commitment: Commitment, reason: str, actor: Any, today: dt.date | None = None
) -> Commitment:
    """A promise not kept (deadline passed) or found false: the commitment is broken, a
    "broken" credit record written and pushed, the case suspended and the applicant told."""
    day = _today(today)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写失信原因", field="reason")
    with transaction.atomic():
        current = Commitment.objects.select_for_update(no_key=True).get(pk=commitment.pk)
        if current.status == C.BROKEN:
            raise Conflict("该承诺已认定为失信", field="status")
        current.status = C.BROKEN
        current.broken_reason = reason
        current.broken_at = timezone.now()
        current.save(update_fields=["status", "broken_reason", "broken_at"])
        app = current.application
        record = CreditRecord.objects.create(
            person=current.person,
            company=current.company,
            kind=CreditRecord.Kind.BROKEN,
            reason=reason,
            source_type="credit.commitment",
            source_id=str(current.pk),
            application=app,
            occurred_on=day,
            recorded_by=actor if getattr(actor, "pk", None) else None,
        )
        audit_append(
            action="credit.commitment.break",
            actor=actor,
            object_type="credit.commitment",
            object_id=current.pk,
            data={"record": record.pk, "reason": reason},
        )
        pushes.push_commitment(current, "broken")
        if app.status in (A.ACCEPTED, A.COMPLETED):
            application_suspend(
                application=app, actor=actor, reason=f"违反承诺：{reason}", today=day
            )
        else:
            case_note(
                application=app,
                actor=actor,
                action="commitment_broken",
                note=f"承诺书 #{current.pk} 认定失信：{reason}",
            )
        notify_applicant(
            app,
            f"您在申请 {app.number} 中签署的承诺未履行（{reason}），已记入失信记录；"
            "完成信用修复前不能再适用告知承诺或容缺受理。",
        )
    return current


# ---------------------------------------------------------------- daily check


def _remind(item: CommitmentItem, days_left: int) -> None:
    app = item.commitment.application
    when = "今天" if days_left == 0 else f"{days_left} 个工作日内"
    notify_applicant(
        app,
        f"提醒：您在申请 {app.number} 中承诺补交的「{item.name}」须在 "
        f"{cn_date(item.due)}前补交（还剩{when}），逾期将记入失信记录。",
    )
    item.reminded_at = timezone.now()
    item.save(update_fields=["reminded_at"])


def commitments_check(today: dt.date | None = None) -> dict[str, int]:
    """The daily run: remind applicants of items due within the reminder window, and break
    the commitments with an item past its due date. Each commitment in its own transaction;
    running twice on the same day does nothing more."""
    day = _today(today)
    window = remind_days()
    reminded = broken = 0
    active_ids = list(
        Commitment.objects.filter(
            status=C.ACTIVE,
            items__kind=CommitmentItem.Kind.DEFERRED,
            items__fulfilled_at__isnull=True,
        )
        .values_list("pk", flat=True)
        .distinct()
    )
    for pk in sorted(active_ids):
        with transaction.atomic():
            commitment = Commitment.objects.select_for_update(no_key=True).get(pk=pk)
            if commitment.status != C.ACTIVE:
                continue
            open_items = list(
                commitment.items.filter(
                    kind=CommitmentItem.Kind.DEFERRED, fulfilled_at__isnull=True
                ).order_by("due", "id")
            )
            overdue = [i for i in open_items if i.due is not None and i.due < day]
            if overdue:
                names = "、".join(f"「{i.name}」（{cn_date(i.due)}前）" for i in overdue)
                commitment_break(
                    commitment=commitment,
                    reason=f"逾期未补交承诺的材料：{names}",
                    actor="system:check_commitments",
                    today=day,
                )
                broken += 1
                continue
            for item in open_items:
                left = working_days_left(item.due, day)
                if item.reminded_at is None and left is not None and left <= window:
                    item.commitment = commitment
                    _remind(item, left)
                    reminded += 1
    return {"reminded": reminded, "broken": broken}
