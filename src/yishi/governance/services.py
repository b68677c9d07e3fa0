"""Writes of 数据治理: quality check runs (findings and scores), the finding workflow
检查 → 校核 → 确认 → 更正 (the correction applied through the record's own service) or 驳回,
one-click reports from a case, publishing open data, and supply-and-demand requests.

Every state change is audited (yishi.core.audit); personal values stay in the findings'
encrypted fields and reach the audit log masked or not at all."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from yishi.core.audit import audit_append, audit_batch
from yishi.core.errors import Conflict, NotFound, ValidationFailed
from yishi.core.roles import Role, holders_q
from yishi.core.validators import validate_uscc
from yishi.core.workdays import add_working_days
from yishi.governance import opendata
from yishi.governance.models import (
    DataRequest,
    Dataset,
    Finding,
    QualityRule,
    QualityScore,
)
from yishi.governance.rules import check_rule, rule_clean, source_model

S = Finding.Status
# The one API operation an API grant of a data request may call (yishi.governance.api).
SHARED_ROWS_OPERATION = "yishi_governance_api_shared_rows"
# Registry fields a finding may not correct here: held by the ID registry, encrypted.
UNCORRECTABLE = {"id_number", "id_number_index", "phone", "phone_index"}


def _text(value: str, *, field: str, label: str, max_length: int = 500) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(f"请填写{label}", field=field)
    if len(text) > max_length:
        raise ValidationFailed(f"{label}不能超过 {max_length} 字", field=field)
    return text


# ---------------------------------------------------------------- rules


def rule_save(*, rule: QualityRule, actor: Any = "") -> QualityRule:
    """Validate the rule's definition against its kind and source table, then save it."""
    rule.definition = rule_clean(
        kind=rule.kind, definition=rule.definition, source=rule.dataset.source
    )
    with transaction.atomic():
        rule.save()
        audit_append(
            action="governance.rule_save",
            actor=actor,
            object_type="governance_rule",
            object_id=rule.pk,
            data={"code": rule.code, "kind": rule.kind},
        )
    return rule


# ---------------------------------------------------------------- checks and scores


def data_officer_of(department_id: int) -> Any:
    """The department's data officer (the first by account), or None."""
    User = get_user_model()
    return (
        User.objects.filter(
            holders_q(Role.DATA_OFFICER),
            is_active=True,
            staff_profile__department_id=department_id,
        )
        .order_by("pk")
        .distinct()
        .first()
    )


def _due(days: int) -> dt.date:
    return add_working_days(timezone.localdate(), days)


def governance_check(
    *, datasets: Any = None, actor: Any = "", today: dt.date | None = None
) -> dict[str, int]:
    """Run every active rule over the given datasets (all with rules by default): a finding
    for each new failure (one open finding per rule and record), a score per dataset."""
    qs = Dataset.objects.filter(rules__is_active=True).distinct()
    if datasets is not None:
        qs = qs.filter(pk__in=[d.pk for d in datasets])
    created = 0
    scored = 0
    for dataset in qs.select_related("department"):
        rules = list(dataset.rules.filter(is_active=True).select_related("dataset"))
        owner = data_officer_of(dataset.department_id)
        records = 0
        failing: set[str] = set()
        with transaction.atomic(), audit_batch():
            for rule in rules:
                count, failures = check_rule(rule, today=today)
                records = max(records, count)
                open_ids = set(
                    Finding.objects.filter(rule=rule, status__in=Finding.OPEN).values_list(
                        "record_id", flat=True
                    )
                )
                for failure in failures:
                    failing.add(failure.record_id)
                    if failure.record_id in open_ids:
                        continue
                    open_ids.add(failure.record_id)
                    finding = Finding.objects.create(
                        dataset=dataset,
                        rule=rule,
                        source=Finding.Source.RULE,
                        record_type=dataset.source,
                        record_id=failure.record_id,
                        field=failure.field,
                        summary=failure.summary[:200],
                        detail=failure.detail,
                        owner=owner,
                        due_on=_due(rule.deadline_days),
                    )
                    created += 1
                    audit_append(
                        action="governance.finding_check",
                        actor=actor or "governance_check",
                        object_type="governance_finding",
                        object_id=finding.pk,
                        data={"rule": rule.code, "record": failure.record_id},
                    )
            model = source_model(dataset.source)
            if model is not None and not records:
                records = model._default_manager.count()
            score_record(dataset=dataset, records=records, failing=len(failing))
            scored += 1
    return {"findings": created, "datasets": scored}


def score_record(*, dataset: Dataset, records: int, failing: int) -> QualityScore:
    closed = Finding.objects.filter(dataset=dataset, status=S.CORRECTED, closed_at__isnull=False)
    spans = [
        (f.closed_at - f.created_at).total_seconds() / 86400
        for f in closed.only("closed_at", "created_at")
    ]
    avg = Decimal(str(round(sum(spans) / len(spans), 1))) if spans else None
    return QualityScore.objects.create(
        dataset=dataset,
        measured_at=timezone.now(),
        records=records,
        passing=max(records - failing, 0),
        open_findings=Finding.objects.filter(dataset=dataset, status__in=Finding.OPEN).count(),
        avg_days_to_correct=avg,
    )


# ---------------------------------------------------------------- the finding workflow


def _locked(finding: Finding, allowed: tuple[str, ...], action: str) -> Finding:
    finding = Finding.objects.select_for_update(no_key=True).get(pk=finding.pk)
    if finding.status not in allowed:
        raise Conflict(
            f"该问题当前为“{finding.get_status_display()}”，不能{action}", field="status"
        )
    return finding


def _audit(finding: Finding, action: str, actor: Any, **data: Any) -> None:
    audit_append(
        action=f"governance.finding_{action}",
        actor=actor,
        object_type="governance_finding",
        object_id=finding.pk,
        data={"record_type": finding.record_type, "record": finding.record_id, **data},
    )


def finding_verify(*, finding: Finding, staff: Any) -> Finding:
    """校核: the data officer checked the finding against the source."""
    with transaction.atomic(), audit_batch():
        finding = _locked(finding, (S.CHECKED,), "校核")
        finding.status = S.VERIFIED
        finding.verified_at = timezone.now()
        finding.save(update_fields=["status", "verified_at"])
        _audit(finding, "verify", staff)
    return finding


def finding_confirm(*, finding: Finding, staff: Any) -> Finding:
    """确认: the record is wrong and will be corrected."""
    with transaction.atomic(), audit_batch():
        finding = _locked(finding, (S.VERIFIED,), "确认")
        finding.status = S.CONFIRMED
        finding.confirmed_at = timezone.now()
        finding.save(update_fields=["status", "confirmed_at"])
        _audit(finding, "confirm", staff)
    return finding


def finding_reject(*, finding: Finding, staff: Any, reason: str) -> Finding:
    """驳回: the record is right after all (the reason is kept)."""
    reason = _text(reason, field="reason", label="驳回理由")
    with transaction.atomic(), audit_batch():
        finding = _locked(finding, Finding.OPEN, "驳回")
        finding.status = S.REJECTED
        finding.reason = reason
        finding.closed_at = timezone.now()
        finding.save(update_fields=["status", "reason", "closed_at"])
        _audit(finding, "reject", staff)
    return finding


def _record(finding: Finding) -> Any:
    model = source_model(finding.record_type)
    obj = model._default_manager.filter(pk=finding.record_id).first() if model else None
    if obj is None:
        raise NotFound("问题所指的记录已不存在", field="record")
    return obj


def _set_registry_field(finding: Finding, obj: Any, field: str, value: Any, staff: Any) -> dict:
    from yishi.people.services import registry_record_changed

    if not field:
        raise ValidationFailed("请选择要更正的数据项", field="field")
    try:
        model_field = type(obj)._meta.get_field(field)
    except Exception:  # noqa: BLE001 - FieldDoesNotExist and relations alike
        raise ValidationFailed("要更正的数据项不存在", field="field") from None
    label = str(model_field.verbose_name)
    if field in UNCORRECTABLE or not getattr(model_field, "editable", False):
        raise ValidationFailed(f"{label}须由登记部门通过专门程序更正", field="field")
    if field == "uscc":
        value = validate_uscc(value, field="value").code
    try:
        cleaned = model_field.clean(value, obj)
    except DjangoValidationError as exc:
        raise ValidationFailed(f"{label}：{'；'.join(exc.messages)}", field="value") from None
    if model_field.blank is False and cleaned in (None, ""):
        raise ValidationFailed(f"请填写更正后的{label}", field="value")
    setattr(obj, field, cleaned)
    registry_record_changed(obj, fields=[field], actor=staff)
    return {"field": field, "value": str(cleaned)}


def _apply_correction(finding: Finding, staff: Any, field: str, value: Any, note: str) -> dict:
    """Apply the correction through the record's own service."""
    obj = _record(finding)
    kind = finding.record_type
    if kind in ("people.person", "people.company"):
        return _set_registry_field(finding, obj, field or finding.field, value, staff)
    if kind == "policies.grant":
        from yishi.policies.services import grant_end

        grant_end(grant=obj, staff=staff, reason=note or f"数据治理更正：{finding.summary}")
        return {"grant": "ended"}
    if kind == "catalog.matter":
        from yishi.catalog.services import matter_publish

        version = matter_publish(matter=obj, actor=staff)
        return {"version": version.number}
    raise ValidationFailed("该类记录须在其来源系统中更正", field="record")


def finding_correct(
    *, finding: Finding, staff: Any, field: str = "", value: Any = "", note: str = ""
) -> Finding:
    """更正: the confirmed finding's record corrected through its own service, in the same
    transaction as the finding's closing (both audited)."""
    with transaction.atomic(), audit_batch():
        finding = _locked(finding, (S.CONFIRMED,), "更正")
        correction = _apply_correction(finding, staff, field, value, (note or "").strip())
        finding.status = S.CORRECTED
        finding.correction = correction
        finding.closed_at = timezone.now()
        finding.save(update_fields=["status", "correction", "closed_at"])
        _audit(finding, "correct", staff, field=correction.get("field", ""))
    return finding


REPORT_SOURCES = {"person": "people.person", "company": "people.company"}


def finding_report(*, application: Any, subject: str, staff: Any, note: str = "") -> Finding:
    """以用促治: a clerk handling `application` reports its applicant person's or company's
    registry record as wrong; a finding linked to the record and the case, for the owning
    department's data officer."""
    source = REPORT_SOURCES.get(subject)
    if source is None:
        raise ValidationFailed("请选择有问题的登记记录", field="subject")
    record = application.person if subject == "person" else application.company
    if record is None:
        raise NotFound("该办件没有企业登记记录", field="subject")
    dataset = Dataset.objects.filter(source=source).order_by("pk").first()
    if dataset is None:
        raise NotFound("数据资源目录中没有该登记数据", field="subject")
    note = (note or "").strip()[:200]
    label = "自然人" if subject == "person" else "法人"
    with transaction.atomic(), audit_batch():
        finding = Finding.objects.create(
            dataset=dataset,
            source=Finding.Source.REPORT,
            record_type=source,
            record_id=str(record.pk),
            summary=f"办件中发现{label}登记数据有误" + (f"：{note}" if note else ""),
            detail={"record": str(record.name), "note": note},
            application=application,
            owner=data_officer_of(dataset.department_id),
            reported_by=staff,
            due_on=_due(5),
        )
        _audit(finding, "report", staff, application=application.number)
    return finding


# ---------------------------------------------------------------- open data


def dataset_publish(*, dataset: Dataset, actor: Any = "", licence: str = "") -> Dataset:
    """Open a dataset: refused when any column is personal (opendata.personal_columns)."""
    bad = opendata.personal_columns(dataset)
    if bad:
        raise ValidationFailed(
            f"数据项“{'、'.join(bad)}”含个人信息，不能开放", field="fields", code="personal"
        )
    if dataset.sharing != Dataset.Sharing.UNCONDITIONAL:
        raise ValidationFailed("只有无条件共享的数据资源可以开放", field="sharing")
    with transaction.atomic():
        dataset.is_open = True
        dataset.open_licence = licence or dataset.open_licence or "开放数据署名许可"
        dataset.save(update_fields=["is_open", "open_licence", "updated_at"])
        audit_append(
            action="governance.dataset_publish",
            actor=actor,
            object_type="governance_dataset",
            object_id=dataset.code,
            data={"columns": [c["name"] for c in dataset.fields]},
        )
    return dataset


def open_download(*, dataset: Dataset) -> None:
    Dataset.objects.filter(pk=dataset.pk).update(downloads=F("downloads") + 1)


# ---------------------------------------------------------------- supply and demand


def request_submit(*, dataset: Dataset, staff: Any, purpose: str, legal_basis: str) -> DataRequest:
    """A department asks another for a dataset, with its purpose and legal basis; the owner
    answers within 5 working days."""
    purpose = _text(purpose, field="purpose", label="用途")
    legal_basis = _text(legal_basis, field="legal_basis", label="依据")
    profile = getattr(staff, "staff_profile", None)
    if profile is None:
        raise ValidationFailed("只有部门工作人员可以申请数据", field="requester")
    if dataset.department_id == profile.department_id:
        raise ValidationFailed("不能向本部门申请本部门的数据", field="dataset")
    if dataset.sharing == Dataset.Sharing.NONE:
        raise ValidationFailed("该数据资源不予共享", field="dataset")
    with transaction.atomic():
        req = DataRequest.objects.create(
            dataset=dataset,
            requester_id=profile.department_id,
            purpose=purpose,
            legal_basis=legal_basis,
            due_on=_due(5),
            created_by=staff,
        )
        audit_append(
            action="governance.request_submit",
            actor=staff,
            object_type="governance_request",
            object_id=req.pk,
            data={"dataset": dataset.code},
        )
    return req


def request_answer(
    *,
    request: DataRequest,
    staff: Any,
    agree: bool,
    answer: str,
    terms: str = "",
    delivery: str = "",
) -> DataRequest:
    """The owner agrees (with terms and a delivery kind) or refuses (with the reason)."""
    answer = _text(answer, field="answer", label="答复意见")
    if agree:
        terms = _text(terms, field="terms", label="使用条件")
        if delivery not in DataRequest.Delivery.values:
            raise ValidationFailed("请选择交付方式", field="delivery")
    with transaction.atomic():
        req = DataRequest.objects.select_for_update(no_key=True).get(pk=request.pk)
        if req.status != DataRequest.Status.SUBMITTED:
            raise Conflict("该申请已答复", field="status")
        req.status = DataRequest.Status.AGREED if agree else DataRequest.Status.REFUSED
        req.answer, req.terms, req.delivery = answer, terms, delivery if agree else ""
        req.answered_at = timezone.now()
        if not agree:
            req.outcome = f"不予提供：{answer}"
        req.save()
        audit_append(
            action="governance.request_answer",
            actor=staff,
            object_type="governance_request",
            object_id=req.pk,
            data={"agree": agree, "delivery": req.delivery},
        )
    return req


def request_deliver(*, request: DataRequest, staff: Any) -> tuple[DataRequest, str]:
    """Deliver an agreed request: an export file (CSV of the dataset's catalogued fields,
    kept for the requester) or an API key for the requester's applicant (the API-key
    mechanism of yishi.people.tokens). Returns the request and, for an API grant, the key
    secret to hand over once."""
    from yishi.people.tokens import api_key_create

    secret = ""
    with transaction.atomic():
        req = (
            DataRequest.objects.select_for_update(no_key=True)
            .select_related("dataset")
            .get(pk=request.pk)
        )
        if req.status != DataRequest.Status.AGREED:
            raise Conflict("只有已同意的申请可以交付", field="status")
        if req.delivery == DataRequest.Delivery.EXPORT:
            req.delivered_file = export_csv(req.dataset)
            req.outcome = "已交付数据导出文件"
        else:
            key, secret = api_key_create(
                name=f"数据共享：{req.dataset.title}"[:100],
                user=req.created_by,
                scopes=[SHARED_ROWS_OPERATION],
            )
            req.api_token_ref = str(key.pk)
            req.outcome = "已开通接口授权"
        req.status = DataRequest.Status.DELIVERED
        req.delivered_at = timezone.now()
        req.save()
        audit_append(
            action="governance.request_deliver",
            actor=staff,
            object_type="governance_request",
            object_id=req.pk,
            data={"delivery": req.delivery},
        )
    return req, secret


def shared_rows(dataset: Dataset, *, limit: int, offset: int) -> list[dict[str, str]]:
    """The catalogued fields of a platform dataset, one page, for an API grant."""
    model = source_model(dataset.source)
    names = [c["name"] for c in dataset.fields if isinstance(c, dict) and "name" in c]
    if model is None or not names:
        return []
    objs = model._default_manager.order_by("pk")[offset : offset + limit]
    return [{n: _plain(getattr(obj, n, "")) for n in names} for obj in objs]


def export_csv(dataset: Dataset) -> str:
    """The catalogued fields of a platform dataset as CSV text (for a delivered request)."""
    model = source_model(dataset.source)
    names = [c["name"] for c in dataset.fields if isinstance(c, dict) and "name" in c]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.get("label", c["name"]) for c in dataset.fields])
    if model is not None and names:
        for obj in model._default_manager.order_by("pk").iterator(chunk_size=2000):
            writer.writerow([_plain(getattr(obj, n, "")) for n in names])
    return out.getvalue()


def _plain(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder)
    return "" if value is None else str(value)
