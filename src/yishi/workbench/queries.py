"""Reads for the workbench pages that yishi.cases.queries does not offer yet: the window
queue, an application's completeness checklist, and the deadline lists across departments.

The window queue shows every centre's applications: applications carry no service-centre
(outlet) link yet, so "my centre" cannot be told apart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from yishi.cases import access, deadlines
from yishi.cases.models import Application, CaseMaterial, SubCase
from yishi.cases.services import staff_profile
from yishi.catalog.models import Department, StaffProfile
from yishi.catalog.notice import is_exempt
from yishi.core import keyset
from yishi.core.roles import Role, has_role, holders_q
from yishi.core.workdays import add_working_days
from yishi.themes.form import applicable_fields, display_value
from yishi.themes.materials import material_set

WINDOW_QUEUE = (Application.Status.SUBMITTED, Application.Status.SUPPLEMENT_REQUESTED)
RUNNING = (SubCase.Status.PENDING, SubCase.Status.SUPPLEMENT_REQUESTED)
EXEMPT_SOURCES = (CaseMaterial.Source.LICENCE, CaseMaterial.Source.SHARED)


WINDOW_KEYS = ("-submitted_at", "-id")


def window_queue(user: Any) -> QuerySet[Application]:
    """Submitted applications the user may see (their centre's, for a window clerk) and
    those waiting for 补正, newest first."""
    return (
        access.applications_visible_to(user)
        .filter(status__in=WINDOW_QUEUE)
        .filter(submitted_at__isnull=False)
        .select_related("theme", "matter", "person", "company", "first_owner")
        .order_by(*WINDOW_KEYS)
    )


def department_subcases(department_id: int) -> QuerySet[SubCase]:
    """A department's sub-cases. A sub-case another region decides (跨域通办,
    `partner_region`) is not the department's to review and stays out."""
    return (
        SubCase.objects.filter(department_id=department_id, partner_region="")
        .select_related("application", "application__person", "matter", "department")
        .only(*SUBCASE_COLUMNS, *LISTED_RELATED)
    )


# What a list line shows of a sub-case's related rows (the rest loads if read): not the
# encrypted form and identity numbers, decrypted per row, nor the matter's forty columns.
SUBCASE_COLUMNS = tuple(f.name for f in SubCase._meta.concrete_fields)
LISTED_RELATED = (
    "application__number",
    "application__person__name",
    "matter__name",
    "matter__code",
    "department__name",
)


def department_segments(department_id: int) -> list[tuple[str, QuerySet, tuple[str, ...]]]:
    """A reviewer's list as consecutive keyset segments: running sub-cases (earliest due
    first), then waiting ones, then decided ones (newest first)."""
    mine = department_subcases(department_id)
    return [
        ("running", mine.filter(status__in=RUNNING, promised_due__isnull=False), DEADLINE_KEYS),
        ("running-undated", mine.filter(status__in=RUNNING, promised_due__isnull=True), ("-id",)),
        ("waiting", mine.filter(status=SubCase.Status.WAITING), ("-id",)),
        ("decided", mine.exclude(status__in=(*RUNNING, SubCase.Status.WAITING)), ("-id",)),
    ]


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


def warning_until(today: dt.date) -> dt.date:
    """The last due date still "warning" today: within CASE_WARN_WORKING_DAYS working days
    (deadlines.deadline_state), so the lists can ask the database by date range."""
    return add_working_days(today, deadlines.warn_days() + 1, []) - dt.timedelta(days=1)


def _due_range(state: str, day: dt.date) -> dict[str, dt.date]:
    if state == deadlines.OVERDUE:
        return {"promised_due__lt": day}
    return {"promised_due__gte": day, "promised_due__lte": warning_until(day)}


def deadline_subcases(state: str, *, department_id: int | None, day: dt.date) -> QuerySet:
    """Running sub-cases whose deadline is in `state`; a department's list leaves out the
    sub-cases a partner region decides (跨域通办)."""
    qs = SubCase.objects.filter(status__in=RUNNING, **_due_range(state, day))
    if department_id:
        qs = qs.filter(department_id=department_id, partner_region="")
    return qs.select_related("application", "matter", "department").only(
        *SUBCASE_COLUMNS, "application__number", "matter__name", "department__name"
    )


def deadline_applications(state: str, *, department_id: int | None, day: dt.date) -> QuerySet:
    """Accepted applications whose deadline is in `state` (a department's: those where it
    has a sub-case)."""
    qs = Application.objects.filter(status=Application.Status.ACCEPTED, **_due_range(state, day))
    if department_id:
        qs = qs.filter(
            Exists(
                SubCase.objects.filter(application_id=OuterRef("pk"), department_id=department_id)
            )
        )
    # What deadline_row shows: not the encrypted form data, nor the matter's forty columns.
    return qs.select_related(
        "theme", "matter", "matter__department", "theme__lead_department"
    ).only(
        *APPLICATION_COLUMNS,
        "theme__name",
        "theme__lead_department__name",
        "matter__name",
        "matter__department__name",
    )


APPLICATION_COLUMNS = tuple(
    f.name for f in Application._meta.concrete_fields if f.name not in ("form_data", "answers")
)


DEADLINE_KEYS = ("promised_due", "id")


def deadline_segments(
    *, department_id: int | None, day: dt.date
) -> list[tuple[str, QuerySet, tuple[str, ...]]]:
    """The deadline list as consecutive keyset segments: overdue sub-cases, overdue
    applications, then warning ones, each earliest due first."""
    return [
        (f"{kind}-{state}", query(state, department_id=department_id, day=day), DEADLINE_KEYS)
        for state in (deadlines.OVERDUE, deadlines.WARNING)
        for kind, query in (("subcase", deadline_subcases), ("application", deadline_applications))
    ]


def deadline_row(obj: SubCase | Application, day: dt.date) -> DeadlineRow:
    state = deadlines.deadline_state(obj.promised_due, day)
    if isinstance(obj, SubCase):
        return DeadlineRow(
            "subcase",
            state,
            obj.promised_due,
            obj.application.number,
            obj.matter.name,
            obj.department.name,
            obj.pk,
        )
    lead = obj.theme.lead_department if obj.theme_id else obj.matter.department
    return DeadlineRow(
        "application", state, obj.promised_due, obj.number, obj.title, lead.name, None
    )


def deadline_counts(*, department_id: int | None, day: dt.date) -> dict[str, int | str]:
    """Overdue and warning totals, "1000+" past the cap: never a full scan."""
    counts: dict[str, int | str] = {}
    with keyset.serial_plans():  # a department's: a probe per accepted application in range
        for state in (deadlines.OVERDUE, deadlines.WARNING):
            subs, subs_more = keyset.capped_count(
                deadline_subcases(state, department_id=department_id, day=day)
            )
            apps, apps_more = keyset.capped_count(
                deadline_applications(state, department_id=department_id, day=day)
            )
            more = subs_more or apps_more
            counts[state] = f"{subs + apps}+" if more else subs + apps
    return counts


def deadline_rows(
    *, department_id: int | None = None, today: dt.date | None = None
) -> list[DeadlineRow]:
    """Every warning and overdue line at once (for small scopes and tests); pages use
    deadline_segments with keyset.segmented_page."""
    day = today or timezone.localdate()
    return [
        deadline_row(obj, day)
        for _name, qs, keys in deadline_segments(department_id=department_id, day=day)
        for obj in qs.order_by(*keys)
    ]


def departments_with_subcases() -> QuerySet[Department]:
    """Departments that have a sub-case: one index probe each, not a join over all of them."""
    return Department.objects.filter(
        Exists(SubCase.objects.filter(department_id=OuterRef("pk")))
    ).order_by("code")


def home_counts(user: Any, *, today: dt.date | None = None) -> dict[str, int | str]:
    """The counters on the landing page, by role; capped ("1000+") so the page stays fast
    over any history."""
    profile = staff_profile(user)
    counts: dict[str, int | str] = {}
    if has_role(user, Role.WINDOW, Role.ADMINISTRATOR):
        counts["queue"] = keyset.count_label(
            window_queue(user).filter(status=Application.Status.SUBMITTED)
        )
    if profile is not None and has_role(user, Role.REVIEWER, Role.ADMINISTRATOR):
        counts["department"] = keyset.count_label(
            SubCase.objects.filter(
                department_id=profile.department_id, status__in=RUNNING, partner_region=""
            )
        )
    if has_role(user, Role.WINDOW, Role.SUPERVISOR, Role.ADMINISTRATOR):
        scope = None
    elif profile is not None and has_role(user, Role.REVIEWER):
        scope = profile.department_id
    else:
        return counts
    by_state = deadline_counts(department_id=scope, day=today or timezone.localdate())
    counts["warning"] = by_state[deadlines.WARNING]
    counts["overdue"] = by_state[deadlines.OVERDUE]
    return counts
