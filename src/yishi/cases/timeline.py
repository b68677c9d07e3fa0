"""An application's timeline in words (办理进度): each CaseEvent as one Chinese sentence —
when (Asia/Shanghai), who (申请人 or the department, with a masked name), what (the action's
label), on which matter, and the event's note with anything internal taken out (SM3 digests,
row numbers, login names). Pages show these sentences; they never show status codes."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from yishi.cases.models import Application, SubCase
from yishi.cases.services import staff_profile
from yishi.cases.transitions import ACTION_LABELS
from yishi.core.display import SYSTEM, user_masked_name

# "SM3 <64 hex>" (the signature digest of a submission), or any bare hex digest.
_DIGEST = re.compile(r"[，,；;]?\s*(?:SM3\s*)?[0-9a-fA-F]{32,}")
# "承诺书 #12" — a row number means nothing to a reader.
_ROW_NUMBER = re.compile(r"\s*#\d+\s*")
_HANDOVER = re.compile(r"^\s*(\S+)\s*→\s*(\S+)\s*$")


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime  # local time (Asia/Shanghai)
    when: str  # "2026-12-07 09:30"
    who: str
    action: str
    matter: str
    note: str

    @property
    def sentence(self) -> str:
        where = f"（{self.matter}）" if self.matter else ""
        note = f"：{self.note}" if self.note else ""
        return f"{self.who}{self.action}{where}{note}"


def status_label(model: type[Application] | type[SubCase], code: str) -> str:
    """A stored status in words; an unknown code is not shown."""
    try:
        return str(model.Status(code).label)
    except ValueError:
        return ""


def actor_label(user: Any, application: Application) -> str:
    """申请人王** / 区卫健局 工作人员张** / 系统."""
    if user is None:
        return SYSTEM
    if user.pk == application.applicant_id:
        return f"申请人{user_masked_name(user)}"
    profile = staff_profile(user)
    masked = user_masked_name(user)
    if profile is not None:
        department = profile.department.short_name or profile.department.name
        return f"{department}工作人员{masked if masked != '工作人员' else ''}"
    return f"工作人员{masked if masked != '工作人员' else ''}"


def clean_note(note: str) -> str:
    """The note without digests and row numbers."""
    text = _DIGEST.sub("", note or "")
    text = _ROW_NUMBER.sub("", text)
    return text.replace("（）", "").replace("（，", "（").strip(" ，,；;")


def _handover_note(note: str) -> str:
    """ "staff1 → staff2" (login names) as "移交给 王**"."""
    found = _HANDOVER.match(note or "")
    if not found:
        return clean_note(note)
    user = (
        get_user_model()
        .objects.filter(username=found.group(2))
        .select_related("applicant__person")
        .first()
    )
    return f"移交给{user_masked_name(user)}" if user is not None else ""


def timeline(
    application: Application,
    *,
    subcase: SubCase | None = None,
    labels: dict[str, str] | None = None,
) -> list[TimelineEntry]:
    """The application's events (one sub-case's, when given), oldest first, in words;
    `labels` names actions other apps record (supervision's) before the cases' own."""
    events = application.events.select_related(
        "actor", "subcase__matter", "actor__applicant__person"
    ).order_by("at", "id")
    if subcase is not None:
        events = events.filter(subcase=subcase)
    names = {**ACTION_LABELS, **(labels or {})}
    entries = []
    for e in events:
        at = timezone.localtime(e.at)
        note = _handover_note(e.note) if e.action == "handover" else clean_note(e.note)
        entries.append(
            TimelineEntry(
                at=at,
                when=at.strftime("%Y-%m-%d %H:%M"),
                who=actor_label(e.actor, application),
                action=names.get(e.action, "办理"),
                matter=e.subcase.matter.name if e.subcase_id else "",
                note=note,
            )
        )
    return entries
