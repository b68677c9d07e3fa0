"""Demo staff enough to walk every demo theme to the end: a reviewer (审批人员) for every
department any published theme routes a matter to, a window clerk (窗口人员) at every town
service centre and, at the district centre, one for each department whose matters a specialist
window takes. Derived from the data (themes, catalog, hall), so a department added to a theme
gets its reviewer on the next `load_demo`. Usernames are stable: `reviewer_<department>` and
`window_<department>`, a department named by its code without the district's prefix LZH-
(reviewer_yy, window_scjg) or, for a town's government and centre, by the town in pinyin
(reviewer_taihe, window_taihe).

Idempotent: an existing username is left exactly as it is. Also renders the table of every
demo account that `load_demo` prints (账号 | 角色 | 部门/网点 | 可以试试)."""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from pypinyin import lazy_pinyin

from yishi.catalog.demo.loader import DEMO_ACCOUNTS
from yishi.catalog.models import Department, StaffProfile
from yishi.core.roles import Role, grant_roles
from yishi.hall.models import Queue, Window
from yishi.themes.models import Theme, ThemeMatter

DISTRICT_PREFIX = "LZH-"
# What the accounts loaded with the catalog are there to show.
CATALOG_TRIES = {
    "admin": "后台 /admin/：事项、主题、工作人员与角色、审计日志",
    "window1": "受理新生儿出生一件事（申请人选区政务服务中心）",
    "supervisor1": "工作台 → 审管衔接：食品经营许可批准后的核查任务",
    "policy1": "工作台 → 政策兑现：运行高龄津贴免申即享兑现",
}


@dataclass(frozen=True)
class StaffPlan:
    username: str
    role: Role
    department: Department
    service_centre: Department | None
    try_this: str


def department_slug(department: Department) -> str:
    """LZH-SCJG → scjg, EZ-HG → ez_hg, UT-GAS → ut_gas; a town's government or centre by
    the town's name in pinyin (TOWN-100 太和镇 → taihe)."""
    if department.kind in (Department.Kind.TOWN, Department.Kind.SERVICE_CENTRE) and (
        department.region.code != settings.DISTRICT_CODE
    ):
        town = department.region.name
        for suffix in ("镇", "新区", "街道", "乡"):
            town = town.removesuffix(suffix)
        return "".join(lazy_pinyin(town))
    return department.code.removeprefix(DISTRICT_PREFIX).lower().replace("-", "_")


def _reviewers() -> list[StaffPlan]:
    """A reviewer per department a published theme routes to, pointed at one of its matters
    in the smallest such theme (the quickest to walk through)."""
    items = ThemeMatter.objects.filter(theme__status=Theme.Status.PUBLISHED).select_related(
        "matter__department__region", "theme"
    )
    size = Counter(item.theme_id for item in items)
    first: dict[int, ThemeMatter] = {}
    for item in sorted(items, key=lambda i: (size[i.theme_id], i.theme.order, i.order)):
        first.setdefault(item.matter.department_id, item)
    return [
        StaffPlan(
            username=f"reviewer_{department_slug(item.matter.department)}",
            role=Role.REVIEWER,
            department=item.matter.department,
            service_centre=None,
            try_this=f"审批「{item.matter.name}」（{item.theme.name}）",
        )
        for item in sorted(first.values(), key=lambda i: i.matter.department.code)
    ]


def _town_windows() -> list[StaffPlan]:
    centres = Department.objects.filter(kind=Department.Kind.SERVICE_CENTRE).exclude(
        region__code=settings.DISTRICT_CODE
    )
    return [
        StaffPlan(
            username=f"window_{department_slug(centre)}",
            role=Role.WINDOW,
            department=centre,
            service_centre=centre,
            try_this=f"受理选择「{centre.name}」提交的申请",
        )
        for centre in centres.select_related("region").order_by("code")
    ]


def _department_windows() -> list[StaffPlan]:
    """A clerk of each department whose matters a specialist window (专业窗口, 专区) takes, at
    that window's service centre."""
    windows = Window.objects.filter(
        is_active=True, kind__in=[Window.Kind.SPECIALIST, Window.Kind.ZONE]
    )
    pairs = (
        Queue.objects.filter(windows__in=windows, outlet__department__isnull=False)
        .exclude(matters=None)
        .values_list("matters__department_id", "outlet__department_id")
        .distinct()
    )
    found = set(pairs)
    departments = Department.objects.in_bulk({d for d, _ in found} | {c for _, c in found})
    plans = []
    for department_id, centre_id in sorted(found, key=lambda p: departments[p[0]].code):
        department, centre = departments[department_id], departments[centre_id]
        plans.append(
            StaffPlan(
                username=f"window_{department_slug(department)}",
                role=Role.WINDOW,
                department=department,
                service_centre=centre,
                try_this=(
                    f"在{centre.short_name or centre.name}的{department.short_name}专窗受理申请"
                ),
            )
        )
    return plans


def _leads() -> list[StaffPlan]:
    """A department lead (部门负责人) for each department with demo ratings, who follows up
    its 差评, and one duty leader (值班领导) at the district centre for 办不成事 reports."""
    from yishi.ratings.demo import demo_departments

    plans = [
        StaffPlan(
            username=f"lead_{department_slug(department)}",
            role=Role.DEPARTMENT_LEAD,
            department=department,
            service_centre=None,
            try_this="工作台 → 差评整改 /workbench/ratings/：回访核实、整改、申诉",
        )
        for department in demo_departments()
    ]
    centre = (
        Department.objects.filter(
            kind=Department.Kind.SERVICE_CENTRE, region__code=settings.DISTRICT_CODE
        )
        .order_by("code")
        .first()
    )
    if centre is not None:
        plans.append(
            StaffPlan(
                username="duty_leader",
                role=Role.DUTY_LEADER,
                department=centre,
                service_centre=centre,
                try_this="处理群众反映的“办不成事”问题",
            )
        )
    return plans


def demo_staff_plan() -> list[StaffPlan]:
    """Every demo staff account this module makes, window clerks first."""
    plans = [*_department_windows(), *_town_windows(), *_reviewers(), *_leads()]
    seen: set[str] = set()
    return [p for p in plans if not (p.username in seen or seen.add(p.username))]


def load_demo_staff(password: str) -> list[str]:
    """Create the planned accounts that do not exist yet, each with `password`, its role,
    profile and the right to view the catalog in the admin; returns the new usernames."""
    user_model = get_user_model()
    existing = set(user_model.objects.values_list("username", flat=True))
    # One hash for every account (PBKDF2 costs about a second each; they share the password).
    encoded = make_password(password)
    view_catalog = list(
        Permission.objects.filter(content_type__app_label="catalog", codename__startswith="view_")
    )
    created = []
    for plan in demo_staff_plan():
        if plan.username in existing:
            continue
        user = user_model.objects.create(username=plan.username, password=encoded)
        user.user_permissions.set(view_catalog)
        grant_roles(user, plan.role)
        # The profile makes the account staff (catalog.signals).
        StaffProfile.objects.create(
            user=user, department=plan.department, service_centre=plan.service_centre
        )
        created.append(plan.username)
    return created


# ---------------------------------------------------------------- the table


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


def _place(profile: StaffProfile | None) -> str:
    if profile is None:
        return "-"
    department = profile.department.short_name or profile.department.name
    centre = profile.service_centre
    if centre is None or centre.pk == profile.department_id:
        return department
    return f"{department}·{centre.short_name or centre.name}"


def demo_table_rows(applicant_phone: str | None = None) -> list[tuple[str, str, str, str]]:
    """(账号, 角色, 部门/网点, 可以试试) for every demo account that exists: the applicant, the
    window clerks, the reviewers, then the other roles."""
    plans = {p.username: p for p in demo_staff_plan()}
    catalog = {a.username: a for a in DEMO_ACCOUNTS}
    names = [*catalog, *(n for n in plans if n not in catalog)]
    profiles = StaffProfile.objects.filter(user__username__in=names).select_related(
        "user", "department", "service_centre"
    )
    by_name = {p.user.username: p for p in profiles}
    staff = []
    for name in names:
        profile = by_name.get(name)
        if profile is None:
            continue
        if profile.user.is_superuser:
            role = "管理员（超级用户）"
        elif name in plans:
            role = plans[name].role.label
        else:
            role = Role(catalog[name].role).label
        try_this = plans[name].try_this if name in plans else CATALOG_TRIES.get(name, "")
        staff.append((name, role, _place(profile), try_this))
    rank = {Role.WINDOW.label: 0, Role.REVIEWER.label: 1}
    staff.sort(key=lambda row: rank.get(row[1], 2))  # stable: window1 stays first
    rows = []
    if applicant_phone:
        rows.append(
            (applicant_phone, "申请人", "王示范（个人，示范企业法定代表人）",
             "门户 /account/login/ 用手机号登录，申请新生儿出生一件事")
        )  # fmt: skip
    return rows + staff


def render_table(rows: list[tuple[str, str, str, str]]) -> list[str]:
    """The rows as terminal lines, columns aligned by display width (CJK takes two)."""
    header = ("账号", "角色", "部门/网点", "可以试试")
    widths = [max(_width(r[i]) for r in [header, *rows]) + 2 for i in range(3)]
    return [
        "".join(_pad(cell, widths[i]) for i, cell in enumerate(row[:3])) + row[3]
        for row in [header, *rows]
    ]
