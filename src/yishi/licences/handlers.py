"""Reactions of 电子证照 to events of lower apps (registered in LicencesConfig.ready())."""

from __future__ import annotations

import datetime as dt
from typing import Any

from yishi.core.events import handler
from yishi.licences.services import licence_attach_held, licence_issue_for_subcase


@handler("cases.subcase.approved", name="licences.issue_on_approval")
def issue_on_approval(event: Any) -> None:
    """An approved sub-case of a licence-producing matter gets its licence, attached to the
    application for the later sub-cases (免证明). Idempotent: one licence per sub-case."""
    payload = event.payload
    approved_on = payload.get("approved_on")
    today = dt.date.fromisoformat(approved_on) if isinstance(approved_on, str) else None
    licence_issue_for_subcase(subcase_id=int(payload["subcase_id"]), today=today)


@handler("cases.application.accepted", name="licences.attach_held")
def attach_held(event: Any) -> None:
    """On acceptance, the licences the subject already holds stand in for the materials they
    satisfy (免证明), so no department asks for them again."""
    accepted_on = event.payload.get("accepted_on")
    today = dt.date.fromisoformat(accepted_on) if isinstance(accepted_on, str) else None
    licence_attach_held(application_id=int(event.payload["application_id"]), today=today)


@handler("cases.application.submitted", name="licences.instant_decide")
def instant_decide_on_submit(event: Any) -> None:
    """秒批秒办: an application of an auto-decidable matter is decided by its review points
    within seconds of submission; one that fails a point stays with window staff."""
    from yishi.licences.instant import instant_decide

    submitted_on = event.payload.get("submitted_on")
    today = dt.date.fromisoformat(submitted_on) if isinstance(submitted_on, str) else None
    instant_decide(application_id=int(event.payload["application_id"]), today=today)
