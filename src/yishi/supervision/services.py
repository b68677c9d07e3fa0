"""审管衔接 use cases: an approval of a supervised matter becomes a supervision task for the
supervising department (事中事后核查), and the result flows back onto the approving
department's case (双向推送), to the supervision platform, and to the credit app (as the
event "supervision.result", which breaks a commitment found false)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from yishi.cases.models import SubCase
from yishi.cases.services import case_note, staff_profile
from yishi.catalog.models import StaffProfile
from yishi.core.audit import audit_append
from yishi.core.errors import Conflict, NotFound, PermissionDeniedError, ValidationFailed
from yishi.core.events import event_record
from yishi.core.outbox import case_key, outbox_enqueue
from yishi.core.roles import Role, has_role
from yishi.core.workdays import add_working_days
from yishi.supervision.models import SupervisionTask

APPROVAL_TOPIC = "supervision.approval"
RESULT_TOPIC = "supervision.result"
RESULT_EVENT = "supervision.result"
APPROVAL_SCHEMA = "yishi.supervision.approval/1"
RESULT_SCHEMA = "yishi.supervision.result/1"
SUPERVISE_ROLES = (Role.SUPERVISOR, Role.ADMINISTRATOR)
RESULTS = {
    SupervisionTask.Status.COMPLIANT: "合规",
    SupervisionTask.Status.NON_COMPLIANT: "不合规",
}


def push_destination() -> str:
    """Where approvals and results go (an outbox destination: "http:<name>", "file:<name>" or
    "log"); the development default writes them to the log."""
    return getattr(settings, "YISHI_SUPERVISION_PUSH_DESTINATION", "log")


def _dept(department: Any) -> dict[str, str]:
    return {"code": department.code, "name": department.name}


def _subject(application: Any) -> dict[str, str]:
    """Who was approved. Real codes go out: the receiving platform needs them, and the outbox
    masks ID numbers in its logs."""
    if application.company_id:
        company = application.company
        return {"kind": "company", "name": company.name, "uscc": company.uscc}
    person = application.person
    return {"kind": "person", "name": person.name, "id_number": person.id_number}


def _approval_document(task: SupervisionTask) -> dict[str, Any]:
    subcase, application, matter = task.subcase, task.application, task.matter
    return {
        "schema": APPROVAL_SCHEMA,
        "document_id": task.document_id,
        "application_number": application.number,
        "matter": {"code": matter.code, "name": matter.name},
        "approving_department": _dept(task.approving_department),
        "supervising_department": _dept(task.supervising_department),
        "subject": _subject(application),
        "approved_on": task.created_on.isoformat(),
        "result_name": subcase.result_name,
        "supervision_due_on": task.due_on.isoformat(),
        "task_id": task.pk,
    }


def supervision_task_create(
    *, subcase_id: int, approved_on: dt.date | None = None
) -> SupervisionTask | None:
    """The supervision task of an approved sub-case, when its matter is supervised; None
    otherwise. The due date counts the matter's supervision_days (working days) from
    `approved_on` (default: the day of the sub-case's decision). Idempotent: a second call
    returns the task the first one made."""
    with transaction.atomic():
        # Locking the sub-case serialises concurrent runs for the same approval.
        subcase = (
            SubCase.objects.select_for_update(of=("self",), no_key=True)
            .select_related(
                "application__person",
                "application__company",
                "matter__supervising_department",
                "department",
            )
            .filter(pk=subcase_id)
            .first()
        )
        if subcase is None or not subcase.matter.supervised:
            return None
        existing = SupervisionTask.objects.filter(subcase_id=subcase.pk).first()
        if existing is not None:
            return existing
        matter = subcase.matter
        if approved_on is None:
            decided = subcase.decided_at or timezone.now()
            approved_on = timezone.localdate(decided)
        supervising = matter.supervising_department or subcase.department
        try:
            with transaction.atomic():
                task = SupervisionTask.objects.create(
                    subcase=subcase,
                    application=subcase.application,
                    matter=matter,
                    approving_department=subcase.department,
                    supervising_department=supervising,
                    created_on=approved_on,
                    due_on=add_working_days(approved_on, matter.supervision_days),
                )
        except IntegrityError:
            return SupervisionTask.objects.get(subcase_id=subcase.pk)
        case_note(
            application=subcase.application,
            subcase=subcase,
            actor=None,
            action="supervision_task",
            note=(
                f"「{matter.name}」已推送{supervising.name}事中事后核查，"
                f"核查期限 {task.due_on:%Y-%m-%d}。"
            ),
        )
        outbox_enqueue(
            topic=APPROVAL_TOPIC,
            destination=push_destination(),
            payload=_approval_document(task),
            ordering_key=case_key(subcase.application.number),
        )
        audit_append(
            action="supervision.task_create",
            object_type="supervision.task",
            object_id=task.pk,
            data={
                "subcase": subcase.pk,
                "application": subcase.application.number,
                "supervising_department": supervising.code,
                "due_on": task.due_on,
            },
        )
    return task


def require_supervisor(task: SupervisionTask, staff: Any) -> StaffProfile:
    """The staff member's profile when they may decide the task; NotFound (not 403) for
    another department's task, so that its existence is not revealed."""
    profile = staff_profile(staff)
    if profile is None or (
        profile.department_id != task.supervising_department_id
        and not has_role(staff, Role.ADMINISTRATOR)
    ):
        raise NotFound("监管任务不存在", field="task")
    if not has_role(staff, *SUPERVISE_ROLES):
        raise PermissionDeniedError("只有监管部门的监管人员或管理员可以登记核查结果", field="staff")
    return profile


def _result_document(task: SupervisionTask, staff: Any, day: dt.date) -> dict[str, Any]:
    return {
        "schema": RESULT_SCHEMA,
        "document_id": f"{task.document_id}-result",
        "approval_document_id": task.document_id,
        "application_number": task.application.number,
        "matter": {"code": task.matter.code, "name": task.matter.name},
        "approving_department": _dept(task.approving_department),
        "supervising_department": _dept(task.supervising_department),
        "subject": _subject(task.application),
        "result": task.status,
        "findings": task.findings,
        "commitment_false": task.commitment_false,
        "decided_on": day.isoformat(),
        "decided_by": staff.get_username(),
        "task_id": task.pk,
    }


def supervision_record_result(
    *,
    task: SupervisionTask,
    staff: Any,
    result: str,
    findings: str,
    commitment_false: bool = False,
    today: dt.date | None = None,
) -> SupervisionTask:
    """Record the supervision result once; it is noted on the approving department's case,
    pushed to the supervision platform, and published as the event "supervision.result"."""
    day = today or timezone.localdate()
    require_supervisor(task, staff)
    if result not in RESULTS:
        raise ValidationFailed("核查结果只能是“合规”或“不合规”", field="result")
    findings = (findings or "").strip()
    commitment_false = bool(commitment_false)
    if result == SupervisionTask.Status.NON_COMPLIANT and not findings:
        raise ValidationFailed("核查不合规时请写明发现的问题", field="findings")
    if commitment_false and result != SupervisionTask.Status.NON_COMPLIANT:
        raise ValidationFailed("承诺不实时核查结果必须为“不合规”", field="commitment_false")
    with transaction.atomic():
        current = (
            SupervisionTask.objects.select_for_update(of=("self",), no_key=True)
            .select_related(
                "subcase",
                "application__person",
                "application__company",
                "matter",
                "approving_department",
                "supervising_department",
            )
            .get(pk=task.pk)
        )
        if current.status != SupervisionTask.Status.OPEN:
            raise Conflict(
                f"该监管任务已登记核查结果（{current.get_status_display()}），不能重复登记",
                field="status",
            )
        current.status = result
        current.findings = findings
        current.commitment_false = commitment_false
        current.decided_by = staff
        current.decided_at = timezone.now()
        current.save(
            update_fields=["status", "findings", "commitment_false", "decided_by", "decided_at"]
        )
        note = f"监管核查结果（{current.supervising_department.name}）：{RESULTS[result]}。"
        if findings:
            note += f"核查发现：{findings}"
        if commitment_false:
            note += "（申请人承诺不实）"
        case_note(
            application=current.application,
            subcase=current.subcase,
            actor=staff,
            action="supervision_result",
            note=note,
        )
        outbox_enqueue(
            topic=RESULT_TOPIC,
            destination=push_destination(),
            payload=_result_document(current, staff, day),
            ordering_key=case_key(current.application.number),
        )
        event_record(
            RESULT_EVENT,
            {
                "task_id": current.pk,
                "subcase_id": current.subcase_id,
                "application_id": current.application_id,
                "result": result,
                "findings": findings,
                "commitment_false": commitment_false,
            },
        )
        audit_append(
            action="supervision.result",
            actor=staff,
            object_type="supervision.task",
            object_id=current.pk,
            data={
                "result": result,
                "commitment_false": commitment_false,
                "findings": findings,
            },
        )
    return current
