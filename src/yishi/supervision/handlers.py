"""Reactions of 审管衔接 to events of lower apps (registered in SupervisionConfig.ready())."""

from __future__ import annotations

import datetime as dt
from typing import Any

from yishi.core.events import handler
from yishi.supervision.services import supervision_task_create


@handler("cases.subcase.approved", name="supervision.create_task")
def create_task(event: Any) -> None:
    """An approval of a supervised matter becomes a supervision task (idempotent)."""
    approved_on = event.payload.get("approved_on")
    supervision_task_create(
        subcase_id=int(event.payload["subcase_id"]),
        approved_on=dt.date.fromisoformat(approved_on) if approved_on else None,
    )
