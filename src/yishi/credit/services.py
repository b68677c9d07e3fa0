"""Use cases of credit records: penalties, the blacklist (失信名单) and credit repair
(信用修复). Commitments live in yishi.credit.commitments. Each write is one transaction,
audited; pushes to the credit platform go through the outbox."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from yishi.cases.models import Message
from yishi.cases.services import staff_profile
from yishi.core.audit import audit_append
from yishi.core.errors import Conflict, NotFound, PermissionDeniedError, ValidationFailed
from yishi.core.roles import has_role
from yishi.credit import pushes
from yishi.credit.models import Blacklist, CreditRecord, CreditRepair
from yishi.credit.queries import (
    REPAIR_DECIDERS,
    active_blacklist,
    subject_filter,
    unrepaired_broken,
)
from yishi.people.models import Company, CompanyAgent, Person
from yishi.people.queries import account_of, can_act_for

# Penalties and the blacklist are decided by supervisors and administrators.
CREDIT_ROLES = REPAIR_DECIDERS


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def _require_credit_staff(user: Any, what: str) -> None:
    profile = staff_profile(user)
    if profile is None or not has_role(user, *CREDIT_ROLES):
        raise PermissionDeniedError(f"只有监管人员或管理员可以{what}", field="staff")


def _subject(person: Person | None, company: Company | None) -> dict[str, Any]:
    if (person is None) == (company is None):
        raise ValidationFailed("请指定一个自然人或一个法人", field="subject")
    return {"person": person, "company": company}


def _text(value: str, field: str, label: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(f"{field}：请填写{label}", field=field)
    return value


def credit_record_penalty(
    *,
    actor: Any,
    reason: str,
    person: Person | None = None,
    company: Company | None = None,
    source: str = "",
    today: dt.date | None = None,
) -> CreditRecord:
    """A 行政处罚 entered on a subject's credit record and pushed to the credit platform."""
    _require_credit_staff(actor, "记录行政处罚")
    subject = _subject(person, company)
    reason = _text(reason, "reason", "处罚事由")
    source_type, _, source_id = (source or "").partition(":")
    with transaction.atomic():
        record = CreditRecord.objects.create(
            **subject,
            kind=CreditRecord.Kind.PENALTY,
            reason=reason,
            source_type=source_type[:50],
            source_id=source_id[:50],
            occurred_on=_today(today),
            recorded_by=actor,
        )
        audit_append(
            action="credit.penalty",
            actor=actor,
            object_type="credit.record",
            object_id=record.pk,
            data={"reason": reason},
        )
        pushes.push_penalty(record)
    return record


def blacklist_add(
    *,
    actor: Any,
    reason: str,
    person: Person | None = None,
    company: Company | None = None,
    until: dt.date | None = None,
    today: dt.date | None = None,
) -> Blacklist:
    """List a subject as 失信 (until a date, or until repaired): it may not use commitments."""
    _require_credit_staff(actor, "列入失信名单")
    subject = _subject(person, company)
    reason = _text(reason, "reason", "列入原因")
    day = _today(today)
    if until is not None and until < day:
        raise ValidationFailed("期满日期不能早于列入日期", field="until")
    with transaction.atomic():
        entry = Blacklist.objects.create(
            **subject, reason=reason, listed_on=day, until=until, listed_by=actor
        )
        audit_append(
            action="credit.blacklist.add",
            actor=actor,
            object_type="credit.blacklist",
            object_id=entry.pk,
            data={"reason": reason, "until": until.isoformat() if until else None},
        )
    return entry


def blacklist_lift(*, entry: Blacklist, actor: Any, reason: str) -> Blacklist:
    _require_credit_staff(actor, "移出失信名单")
    reason = _text(reason, "reason", "移出原因")
    with transaction.atomic():
        current = Blacklist.objects.select_for_update(no_key=True).get(pk=entry.pk)
        if current.lifted_at is not None:
            raise Conflict("该主体已移出失信名单", field="status")
        current.lifted_at = timezone.now()
        current.lifted_reason = reason
        current.save(update_fields=["lifted_at", "lifted_reason"])
        audit_append(
            action="credit.blacklist.lift",
            actor=actor,
            object_type="credit.blacklist",
            object_id=current.pk,
            data={"reason": reason},
        )
    return current


def credit_repair_submit(
    *,
    user: Any,
    statement: str,
    company: Company | None = None,
    record_ids: list[int] | None = None,
) -> CreditRepair:
    """An applicant (for themselves, or as agent for a company) applies for 信用修复 of their
    broken-promise and penalty records (all of them unless `record_ids` names some)."""
    account = account_of(user)
    if account is None:
        raise PermissionDeniedError("请以申请人身份登录后申请信用修复", field="user")
    if company is not None and not can_act_for(user, company, CompanyAgent.Scope.CREDIT):
        raise NotFound(f"企业 {company.uscc} 不存在或您未获授权代其办理", field="company")
    subject = (
        {"person": None, "company": company}
        if company
        else {
            "person": account.person,
            "company": None,
        }
    )
    statement = _text(statement, "statement", "修复理由及整改情况")
    with transaction.atomic():
        candidates = unrepaired_broken(**subject)
        if record_ids:
            ids = {int(i) for i in record_ids}
            records = list(candidates.filter(pk__in=ids))
            if len(records) != len(ids):
                raise ValidationFailed("所选记录不存在、不属于该主体或已修复", field="record_ids")
        else:
            records = list(candidates)
        listed = active_blacklist(**subject).exists()
        if not records and not listed:
            raise Conflict("该主体没有需要修复的失信记录", field="records")
        q = CreditRepair.objects.select_for_update(no_key=True).filter(
            status=CreditRepair.Status.SUBMITTED, **{k: v for k, v in subject.items() if v}
        )
        if q.exists():
            raise Conflict("已有待审核的信用修复申请，请等待审核结果", field="repair")
        repair = CreditRepair.objects.create(**subject, applicant=user, statement=statement)
        repair.records.set(records)
        audit_append(
            action="credit.repair.submit",
            actor=user,
            object_type="credit.repair",
            object_id=repair.pk,
            data={"records": [r.pk for r in records]},
        )
    return repair


def credit_repair_decide(
    *,
    repair: CreditRepair,
    staff: Any,
    approve: bool,
    note: str = "",
    today: dt.date | None = None,
) -> CreditRepair:
    """Approve (a "repair" record linked to the repaired ones, the blacklist lifted, the
    restriction gone, pushed) or refuse (with the reason) a repair application."""
    _require_credit_staff(staff, "审核信用修复")
    day = _today(today)
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationFailed("不予修复须写明理由", field="note")
    with transaction.atomic():
        current = CreditRepair.objects.select_for_update(no_key=True).filter(pk=repair.pk).first()
        if current is None:
            raise NotFound("信用修复申请不存在", field="id")
        if current.status != CreditRepair.Status.SUBMITTED:
            raise Conflict(f"该申请已审核（{current.get_status_display()}）", field="status")
        current.decided_by = staff
        current.decided_at = timezone.now()
        current.decision_note = note
        subject = {"person": current.person, "company": current.company}
        if not approve:
            current.status = CreditRepair.Status.REFUSED
            current.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
            audit_append(
                action="credit.repair.refuse",
                actor=staff,
                object_type="credit.repair",
                object_id=current.pk,
                data={"note": note},
            )
            Message.objects.create(
                user=current.applicant, text=f"您的信用修复申请未获通过，理由：{note}。"
            )
            return current
        repaired = list(
            current.records.select_for_update(no_key=True)
            .filter(repaired_by__isnull=True)
            .order_by("id")
        )
        if not current.records.exists():
            repaired = list(unrepaired_broken(**subject).select_for_update(no_key=True))
        record = CreditRecord.objects.create(
            **subject,
            kind=CreditRecord.Kind.REPAIR,
            reason=note or "信用修复申请经审核通过",
            source_type="credit.repair",
            source_id=str(current.pk),
            occurred_on=day,
            recorded_by=staff,
        )
        CreditRecord.objects.filter(pk__in=[r.pk for r in repaired]).update(repaired_by=record)
        lifted = 0
        listed = Blacklist.objects.filter(
            subject_filter(**subject), lifted_at__isnull=True
        ).select_for_update(no_key=True)
        for entry in listed:
            entry.lifted_at = timezone.now()
            entry.lifted_reason = f"信用修复（申请 #{current.pk}）"
            entry.save(update_fields=["lifted_at", "lifted_reason"])
            lifted += 1
        current.status = CreditRepair.Status.APPROVED
        current.repair_record = record
        current.save(
            update_fields=["status", "decided_by", "decided_at", "decision_note", "repair_record"]
        )
        audit_append(
            action="credit.repair.approve",
            actor=staff,
            object_type="credit.repair",
            object_id=current.pk,
            data={"record": record.pk, "repaired": [r.pk for r in repaired], "lifted": lifted},
        )
        pushes.push_repair(current, repaired, lifted)
        Message.objects.create(
            user=current.applicant,
            text="您的信用修复申请已通过，相关失信记录已修复，可以重新适用告知承诺和容缺受理。",
        )
    return current
