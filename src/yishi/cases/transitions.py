"""The one table of allowed state changes for applications and sub-cases.

`transition()` is the only code that writes a status: it locks the row (select_for_update),
looks the (current status, action) pair up, refuses anything else with Conflict (409), and
records the change twice: a CaseEvent on the timeline and an entry in the audit chain.
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction

from yishi.cases.models import Application, CaseEvent, SubCase
from yishi.core.audit import audit_append
from yishi.core.errors import Conflict

A = Application.Status
S = SubCase.Status

# (current status, action) -> next status. "pause"/"resume" keep an accepted application
# accepted: the clock stops (a Pause row), the status does not.
APPLICATION_TRANSITIONS: dict[tuple[str, str], str] = {
    (A.DRAFT, "submit"): A.SUBMITTED,
    (A.DRAFT, "withdraw"): A.WITHDRAWN,
    (A.SUBMITTED, "accept"): A.ACCEPTED,
    (A.SUBMITTED, "request_supplement"): A.SUPPLEMENT_REQUESTED,
    (A.SUBMITTED, "refuse"): A.REFUSED,
    (A.SUBMITTED, "withdraw"): A.WITHDRAWN,
    (A.SUPPLEMENT_REQUESTED, "provide_supplement"): A.SUBMITTED,
    (A.SUPPLEMENT_REQUESTED, "refuse"): A.REFUSED,
    (A.SUPPLEMENT_REQUESTED, "withdraw"): A.WITHDRAWN,
    (A.ACCEPTED, "pause"): A.ACCEPTED,
    (A.ACCEPTED, "resume"): A.ACCEPTED,
    (A.ACCEPTED, "complete"): A.COMPLETED,
    (A.ACCEPTED, "conclude_refused"): A.REFUSED,
    (A.ACCEPTED, "handover"): A.ACCEPTED,
    (A.SUBMITTED, "handover"): A.SUBMITTED,
    (A.SUPPLEMENT_REQUESTED, "handover"): A.SUPPLEMENT_REQUESTED,
}

SUBCASE_TRANSITIONS: dict[tuple[str, str], str] = {
    (S.WAITING, "start"): S.PENDING,
    (S.WAITING, "cancel"): S.REFUSED,
    (S.PENDING, "approve"): S.APPROVED,
    (S.PENDING, "refuse"): S.REFUSED,
    (S.PENDING, "request_supplement"): S.SUPPLEMENT_REQUESTED,
    (S.SUPPLEMENT_REQUESTED, "provide_supplement"): S.PENDING,
    (S.SUPPLEMENT_REQUESTED, "refuse"): S.REFUSED,
}

ACTION_LABELS = {
    "submit": "提交",
    "withdraw": "撤回",
    "accept": "受理",
    "request_supplement": "要求补正",
    "provide_supplement": "补正材料",
    "refuse": "不予受理/不予许可",
    "pause": "暂停计时",
    "resume": "恢复计时",
    "complete": "办结",
    "conclude_refused": "办结(不予许可)",
    "handover": "首问负责移交",
    "start": "开始办理",
    "cancel": "终止(前置事项未获批准)",
    "approve": "准予许可",
}

APPLICATION_ACTIONS = sorted({action for _, action in APPLICATION_TRANSITIONS})
SUBCASE_ACTIONS = sorted({action for _, action in SUBCASE_TRANSITIONS})


def table_for(model: type[models.Model]) -> dict[tuple[str, str], str]:
    if model is Application:
        return APPLICATION_TRANSITIONS
    if model is SubCase:
        return SUBCASE_TRANSITIONS
    raise TypeError(f"no transition table for {model.__name__}")


def next_status(model: type[models.Model], current: str, action: str) -> str:
    """The status `action` leads to from `current`, or Conflict naming the current state."""
    target = table_for(model).get((current, action))
    if target is None:
        label = dict(model.Status.choices).get(current, current)
        what = "申请" if model is Application else "子件"
        raise Conflict(
            f"{what}当前状态为“{label}”，不能执行“{ACTION_LABELS.get(action, action)}”",
            field="status",
            code="illegal_transition",
        )
    return target


def transition(
    obj: Application | SubCase,
    action: str,
    *,
    actor: Any = None,
    note: str = "",
    fields: dict[str, Any] | None = None,
) -> Application | SubCase:
    """Apply `action` to the row behind `obj` under a row lock and return the locked, updated
    row. `fields` are other columns to set in the same save (e.g. accepted_at)."""
    model = type(obj)
    with transaction.atomic():
        locked = model.objects.select_for_update().get(pk=obj.pk)
        current = locked.status
        target = next_status(model, current, action)
        locked.status = target
        for name, value in (fields or {}).items():
            setattr(locked, name, value)
        # Only the columns this change sets: the row was just read under its lock, so the
        # others already hold what a full save would write.
        locked.save(update_fields=["status", *(fields or {})])
        application_id = locked.pk if model is Application else locked.application_id
        subcase_id = None if model is Application else locked.pk
        user = actor if getattr(actor, "pk", None) is not None else None
        CaseEvent.objects.create(
            application_id=application_id,
            subcase_id=subcase_id,
            actor=user,
            action=action,
            from_status=current,
            to_status=target,
            note=note,
        )
        audit_append(
            action=f"cases.{model.__name__.lower()}.{action}",
            actor=actor or "",
            object_type=f"cases.{model.__name__.lower()}",
            object_id=locked.pk,
            data={"from": current, "to": target, "note": note},
        )
    return locked
