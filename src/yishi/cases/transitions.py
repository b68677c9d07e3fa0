"""The one table of allowed state changes for applications and sub-cases.

`transition()` is the only code that writes a status: it locks the row (select_for_update),
looks the (current status, action) pair up, refuses anything else with Conflict (409), and
records the change twice: a CaseEvent on the timeline and an entry in the audit chain.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from django.db import connection, models, transaction

from yishi.cases.models import Application, CaseEvent, SubCase
from yishi.core import rows
from yishi.core.audit import audit_append
from yishi.core.errors import Conflict

A = Application.Status
S = SubCase.Status


class Change(NamedTuple):
    """One status change for the timeline and the audit chain."""

    application_id: int
    subcase_id: int | None
    action: str
    from_status: str
    to_status: str
    note: str = ""


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
    # A promise found false (告知承诺): handling stops, or an issued decision is suspended,
    # until the department revokes it.
    (A.ACCEPTED, "suspend"): A.SUSPENDED,
    (A.COMPLETED, "suspend"): A.SUSPENDED,
    (A.SUSPENDED, "revoke"): A.REVOKED,
}

SUBCASE_TRANSITIONS: dict[tuple[str, str], str] = {
    (S.WAITING, "start"): S.PENDING,
    (S.WAITING, "cancel"): S.REFUSED,
    (S.PENDING, "approve"): S.APPROVED,
    (S.PENDING, "refuse"): S.REFUSED,
    (S.PENDING, "request_supplement"): S.SUPPLEMENT_REQUESTED,
    (S.SUPPLEMENT_REQUESTED, "provide_supplement"): S.PENDING,
    (S.SUPPLEMENT_REQUESTED, "refuse"): S.REFUSED,
    (S.WAITING, "suspend"): S.SUSPENDED,
    (S.PENDING, "suspend"): S.SUSPENDED,
    (S.SUPPLEMENT_REQUESTED, "suspend"): S.SUSPENDED,
    (S.APPROVED, "suspend"): S.SUSPENDED,
    (S.SUSPENDED, "revoke"): S.REVOKED,
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
    "suspend": "中止办理/中止决定",
    "revoke": "撤销决定",
    "supervision_task": "推送事中事后核查",
    "supervision_result": "监管核查结果",
    "commitment_signed": "签署告知承诺书",
    "commitment_accepted": "承诺受理",
    "commitment_kept": "承诺已履行",
    "commitment_item_fulfilled": "承诺材料已补交",
    "commitment_broken": "违反承诺",
    "instant_refer": "秒批未通过，转人工审核",
    "deadline_moved": "节假日安排调整，期限重算",
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
    claim_first_owner: Any = None,
    changes: list[Change] | None = None,
) -> Application | SubCase:
    """Apply `action` to the row behind `obj` under a row lock and return the locked, updated
    row. `fields` are other columns to set in the same save (e.g. accepted_at);
    `claim_first_owner` becomes the application's first-inquiry owner if it has none yet.
    Given `changes`, the status change is appended to it for the caller's `record_events`
    (one insert with the caller's other changes) instead of being recorded here."""
    model = type(obj)
    refused = None
    # No savepoint: the callers' transactions roll back as a whole on any error, and a refused
    # action is raised after the block so the caller's transaction stays usable.
    with transaction.atomic(savepoint=False):
        # FOR NO KEY UPDATE: it excludes every other writer of the row, but not the foreign-key
        # checks of rows that refer to it (a licence, an event), which a plain FOR UPDATE
        # would block: their transaction may hold the audit chain's lock this one waits for.
        lock = "FOR NO KEY UPDATE" if connection.features.has_select_for_update else ""
        found = rows.select(model, '"id" = %s', [obj.pk], suffix=lock)
        if not found:
            raise model.DoesNotExist(f"{model.__name__} {obj.pk} does not exist")
        locked = found[0]
        current = locked.status
        try:
            target = next_status(model, current, action)
        except Conflict as exc:
            refused = exc
        else:
            locked.status = target
            changed = ["status", *(fields or {})]
            for name, value in (fields or {}).items():
                setattr(locked, name, value)
            if claim_first_owner is not None and locked.first_owner_id is None:
                locked.first_owner = claim_first_owner
                changed.append("first_owner")
            # Only the columns this change sets: the row was just read under its lock, so the
            # others already hold what a full save would write.
            rows.update(locked, changed)
            # Related rows the caller already loaded (theme, person…) stay loaded.
            for name, value in obj._state.fields_cache.items():
                if name not in changed:
                    locked._state.fields_cache.setdefault(name, value)
            application_id = locked.pk if model is Application else locked.application_id
            subcase_id = None if model is Application else locked.pk
            change = Change(application_id, subcase_id, action, current, target, note)
            if changes is not None:
                changes.append(change)
            else:
                record_events([change], actor=actor)
    if refused is not None:
        raise refused
    return locked


def record_event(
    application: Application | int,
    subcase: SubCase | int | None,
    action: str,
    from_status: str,
    to_status: str,
    *,
    actor: Any = None,
    note: str = "",
) -> None:
    """The timeline entry and the audit entry of one status change (for a row created in its
    target status, or changed by `transition`)."""
    application_id = application if isinstance(application, int) else application.pk
    subcase_id = subcase if subcase is None or isinstance(subcase, int) else subcase.pk
    record_events(
        [Change(application_id, subcase_id, action, from_status, to_status, note)], actor=actor
    )


def record_events(changes: list[Change], *, actor: Any = None) -> None:
    """Several status changes: one insert for the timeline (the rows' ids are not read, so it
    may wait in `rows.deferring()`); the audit entries join the caller's audit batch."""
    if not changes:
        return
    user = actor if getattr(actor, "pk", None) is not None else None
    rows.insert(
        [
            CaseEvent(
                application_id=c.application_id,
                subcase_id=c.subcase_id,
                actor=user,
                action=c.action,
                from_status=c.from_status,
                to_status=c.to_status,
                note=c.note,
            )
            for c in changes
        ],
        keys=False,
    )
    for c in changes:
        kind = "application" if c.subcase_id is None else "subcase"
        audit_append(
            action=f"cases.{kind}.{c.action}",
            actor=actor or "",
            object_type=f"cases.{kind}",
            object_id=c.application_id if c.subcase_id is None else c.subcase_id,
            data={"from": c.from_status, "to": c.to_status, "note": c.note},
        )
