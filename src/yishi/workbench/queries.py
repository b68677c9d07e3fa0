"""Reads for the workbench pages that yishi.cases.queries does not offer yet: the window
queue, an application's completeness checklist, and the deadline lists across departments.

The window queue shows every centre's applications: applications carry no service-centre
(outlet) link yet, so "my centre" cannot be told apart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone

from yishi.cases import access, deadlines
from yishi.cases.models import Application, CaseMaterial, SubCase
from yishi.cases.services import staff_profile
from yishi.catalog.models import Department, StaffProfile
from yishi.catalog.notice import is_exempt
from yishi.core.roles import Role, has_role, holders_q
from yishi.themes.form import applicable_fields, display_value
from yishi.themes.materials import material_set

WINDOW_QUEUE = (Application.Status.SUBMITTED, Application.Status.SUPPLEMENT_REQUESTED)
RUNNING = (SubCase.Status.PENDING, SubCase.Status.SUPPLEMENT_REQUESTED)
EXEMPT_SOURCES = (CaseMaterial.Source.LICENCE, CaseMaterial.Source.SHARED)


def window_queue(user: Any) -> QuerySet[Application]:
    """Submitted applications the user may see (their centre's, for a window clerk) and
    those waiting for 补正, newest first."""
    return (
        access.applications_visible_to(user)
        .filter(status__in=WINDOW_QUEUE)
        .select_related("theme", "matter", "person", "company", "first_owner")
        .order_by("-submitted_at", "-id")
    )


def department_subcases(department_id: int) -> QuerySet[SubCase]:
    """A department's sub-cases: running ones first (earliest due first), then waiting, then
    decided ones. A sub-case another region decides (跨域通办, `partner_region`) is not the
    department's to review and stays out."""
    rank = Case(
        When(status__in=RUNNING, then=Value(0)),
        When(status=SubCase.Status.WAITING, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return (
        SubCase.objects.filter(department_id=department_id, partner_region="")
        .select_related("application", "application__person", "matter", "department")
        .annotate(rank=rank)
        .order_by("rank", "promised_due", "-id")
    )


@dataclass(frozen=True)
class FormRow:
    label: str
    value: str


def form_rows(application: Application) -> list[FormRow]:
    """The filled form with the labels of the theme's form (a single matter: the raw keys)."""
    data = application.form_data or {}
    if application.theme_id is None:
        return [FormRow(str(k), str(v)) for k, v in data.items()]
    rows = []
    seen = set()
    for field in applicable_fields(application.theme, None):
        if field.key not in data:
            continue
        seen.add(field.key)
        rows.append(FormRow(field.label, display_value(field, data[field.key])))
    rows.extend(FormRow(str(k), str(v)) for k, v in data.items() if k not in seen)
    return rows


@dataclass(frozen=True)
class CheckLine:
    """One material line of the application: 已提交, 缺失 or 免提交 (exempt)."""

    name: str
    required: bool
    state: str  # "submitted" | "missing" | "exempt" | "promised"
    note: str
    files: tuple[CaseMaterial, ...]

    @property
    def state_label(self) -> str:
        return {
            "submitted": "已提交",
            "missing": "缺失",
            "exempt": "免提交",
            "promised": "承诺后补",
        }[self.state]


def _lines(application: Application) -> list[tuple[str, str, bool, bool, str]]:
    """(key, name, required, exempt, note) of each material line the application needs."""
    if application.theme_id:
        lines = []
        for line in material_set(application.theme, application.answers):
            note = line.produced_by and f"由「{line.produced_by}」办结结果提供" or ""
            if line.exempt:
                note = f"{line.source_label}，部门自行获取"
            lines.append((line.key, line.name, line.required, not line.to_bring, note))
        return lines
    return [
        (
            m.kind or f"name:{m.name}",
            m.name,
            m.required,
            is_exempt(m),
            f"{m.get_source_display()}，部门自行获取" if is_exempt(m) else "",
        )
        for m in application.matter.materials.all()
    ]


def checklist(application: Application) -> list[CheckLine]:
    materials = list(application.materials.select_related("stored_file"))
    by_key: dict[str, list[CaseMaterial]] = {}
    for material in materials:
        by_key.setdefault(material.kind or f"name:{material.name}", []).append(material)
        by_key.setdefault(f"name:{material.name}", []).append(material)
    result = []
    for key, name, required, exempt, note in _lines(application):
        found = tuple(dict.fromkeys(by_key.get(key, []) + by_key.get(f"name:{name}", [])))
        if exempt or any(m.source in EXEMPT_SOURCES for m in found):
            state = "exempt"
        elif any(m.stored_file_id for m in found):
            state = "submitted"
        elif any(m.source == CaseMaterial.Source.COMMITMENT for m in found):
            state = "promised"
        else:
            state = "missing"
        result.append(CheckLine(name, required, state, note, found))
    return result


def window_colleagues(exclude_user_id: int | None) -> QuerySet[StaffProfile]:
    """Window staff and administrators a 首问 can be handed over to."""
    return (
        StaffProfile.objects.filter(holders_q(Role.WINDOW, Role.ADMINISTRATOR, prefix="user__"))
        .distinct()
        .exclude(user_id=exclude_user_id)
        .select_related("user", "department")
        .order_by("user__username")
    )


@dataclass(frozen=True)
class DeadlineRow:
    kind: str  # "subcase" | "application"
    state: str
    due: dt.date | None
    number: str
    title: str
    department: str
    subcase_id: int | None


def deadline_rows(
    *, department_id: int | None = None, today: dt.date | None = None
) -> list[DeadlineRow]:
    """Running sub-cases and accepted applications whose promised deadline is near
    (warning) or past (overdue), overdue first, earliest due first."""
    day = today or timezone.localdate()
    rows = []
    subcases = SubCase.objects.filter(status__in=RUNNING).select_related(
        "application", "matter", "department"
    )
    if department_id:
        # A department's list: not the sub-cases a partner region decides (跨域通办).
        subcases = subcases.filter(department_id=department_id, partner_region="")
    for s in subcases:
        state = deadlines.deadline_state(s.promised_due, day)
        if state != deadlines.OK:
            rows.append(
                DeadlineRow(
                    "subcase",
                    state,
                    s.promised_due,
                    s.application.number,
                    s.matter.name,
                    s.department.name,
                    s.pk,
                )
            )
    applications = Application.objects.filter(status=Application.Status.ACCEPTED).select_related(
        "theme", "matter", "matter__department", "theme__lead_department"
    )
    if department_id:
        applications = applications.filter(subcases__department_id=department_id).distinct()
    for a in applications:
        state = deadlines.deadline_state(a.promised_due, day)
        if state != deadlines.OK:
            lead = a.theme.lead_department if a.theme_id else a.matter.department
            rows.append(
                DeadlineRow(
                    "application", state, a.promised_due, a.number, a.title, lead.name, None
                )
            )
    order = {deadlines.OVERDUE: 0, deadlines.WARNING: 1}
    rows.sort(key=lambda r: (order[r.state], r.due or dt.date.max, r.number))
    return rows


def departments_with_subcases() -> QuerySet[Department]:
    return Department.objects.filter(subcases__isnull=False).distinct().order_by("code")


def home_counts(user: Any, *, today: dt.date | None = None) -> dict[str, int]:
    """The counters on the landing page, by role."""
    profile = staff_profile(user)
    counts: dict[str, int] = {}
    if has_role(user, Role.WINDOW, Role.ADMINISTRATOR):
        counts["queue"] = window_queue(user).filter(status=Application.Status.SUBMITTED).count()
    if profile is not None and has_role(user, Role.REVIEWER, Role.ADMINISTRATOR):
        counts["department"] = SubCase.objects.filter(
            department_id=profile.department_id, status__in=RUNNING, partner_region=""
        ).count()
    if has_role(user, Role.WINDOW, Role.SUPERVISOR, Role.ADMINISTRATOR):
        scope = None
    elif profile is not None and has_role(user, Role.REVIEWER):
        scope = profile.department_id
    else:
        return counts
    rows = deadline_rows(department_id=scope, today=today)
    counts["warning"] = sum(r.state == deadlines.WARNING for r in rows)
    counts["overdue"] = sum(r.state == deadlines.OVERDUE for r in rows)
    return counts
