"""Loads the 梁子湖区 demo catalog (regions, departments, topics, matters) and demo staff accounts.

告知承诺/容缺受理 and 审管衔接 settings live in commitments.json, a table merged onto the
matters as they are read (by 实施编码, materials by their 材料标识), so every matter goes through
one `matter_upsert` with all its elements.

Idempotent: every row is compared with the file before it is written, and matters go through
`matter_upsert`, which publishes nothing when the content is unchanged. A second run therefore
changes no row and creates no MatterVersion.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction

from yishi.catalog.models import Department, Matter, Region, StaffProfile, Topic
from yishi.catalog.services import matter_upsert
from yishi.core.errors import ValidationFailed
from yishi.core.roles import Role, grant_roles

DEMO_DIR = Path(__file__).resolve().parent
PASSWORD_ENV = "YISHI_DEMO_PASSWORD"  # noqa: S105 - the variable's name, not a secret


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str  # Role value, or "superuser"
    department: str
    service_centre: str | None = None


DEMO_ACCOUNTS = [
    DemoAccount("admin", "superuser", "LZH-SJJ"),
    DemoAccount("window1", Role.WINDOW, "LZH-ZWZX", service_centre="LZH-ZWZX"),
    DemoAccount("reviewer_scjg", Role.REVIEWER, "LZH-SCJG"),
    DemoAccount("reviewer_ga", Role.REVIEWER, "LZH-GA"),
    DemoAccount("supervisor1", Role.SUPERVISOR, "LZH-SCJG"),
    DemoAccount("policy1", Role.POLICY_OFFICER, "LZH-MZ"),
]


@dataclass
class DemoResult:
    regions: int = 0
    departments: int = 0
    topics: int = 0
    matters: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # (username, role label, password or None when the password came from the environment)
    new_accounts: list[tuple[str, str, str | None]] = field(default_factory=list)
    existing_accounts: int = 0

    def summary(self) -> str:
        return (
            f"示范数据：区划 {self.regions}，部门 {self.departments}，主题 {self.topics}，"
            f"事项 {self.matters}（新增 {self.created}，更新 {self.updated}，未变 {self.unchanged}）"
        )


def read_json(name: str) -> Any:
    return json.loads((DEMO_DIR / name).read_text(encoding="utf-8"))


def matter_files() -> list[Path]:
    return sorted(DEMO_DIR.glob("matters_*.json"))


COMMITMENTS_FILE = "commitments.json"
_MATTER_KEYS = {"commitment_defer_days", "commitment_text", "commitment_exclusion", "supervised",
                "supervising_department", "supervision_days"}  # fmt: skip
_TABLE_KEYS = {"code", "name", "note", "deferrable", "by_commitment", "defer_days", *_MATTER_KEYS}


def read_matters() -> list[dict[str, Any]]:
    """Every matter of every matters_*.json with its commitment settings, bases before
    implementations (by level)."""
    matters: list[dict[str, Any]] = []
    for path in matter_files():
        matters.extend(json.loads(path.read_text(encoding="utf-8")))
    apply_commitments(matters, read_json(COMMITMENTS_FILE)["matters"])
    return sorted(matters, key=lambda m: m["level"])  # stable: file order within a level


def apply_commitments(matters: list[dict[str, Any]], table: list[dict[str, Any]]) -> None:
    """Give every matter dict explicit commitment and supervision elements: the defaults, then
    the table's row for it. A row naming an unknown matter or material is an error."""
    by_code = {m["code"]: m for m in matters}
    for matter in matters:
        for key in _MATTER_KEYS:
            matter.setdefault(key, _default(Matter, key))
        for material in matter["materials"]:
            material.setdefault("by_commitment", False)
            material.setdefault("defer_days", None)
    for row in table:
        where = f"{COMMITMENTS_FILE} 中的 {row.get('code')}（{row.get('name')}）"
        unknown = set(row) - _TABLE_KEYS
        if unknown:
            raise ValidationFailed(f"{where}：未知的键 {'、'.join(sorted(unknown))}", field="code")
        matter = by_code.get(row.get("code"))
        if matter is None or matter["name"] != row.get("name"):
            raise ValidationFailed(f"{where}：示范事项中没有该编码和名称的事项", field="code")
        for key in _MATTER_KEYS & set(row):
            matter[key] = row[key]
        kinds = {m["kind"] for m in matter["materials"]}
        named = [
            *row.get("deferrable", []),
            *row.get("by_commitment", []),
            *row.get("defer_days", {}),
        ]
        missing = sorted(set(named) - kinds)
        if missing:
            raise ValidationFailed(f"{where}：没有材料标识 {'、'.join(missing)}", field="materials")
        for material in matter["materials"]:
            kind = material["kind"]
            if kind in row.get("deferrable", []):
                material["deferrable"] = True
            if kind in row.get("by_commitment", []):
                material["by_commitment"] = True
            if kind in row.get("defer_days", {}):
                material["defer_days"] = row["defer_days"][kind]


def _default(model, key: str) -> Any:
    field = model._meta.get_field(key)
    if field.is_relation:
        return None
    return field.get_default()


def _save_if_changed(model, lookup: dict[str, Any], values: dict[str, Any]) -> bool:
    """Create the row or update the fields that differ; True when something was written."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        model.objects.create(**lookup, **values)
        return True
    changed = [k for k, v in values.items() if getattr(obj, k) != v]
    for k in changed:
        setattr(obj, k, values[k])
    if changed:
        obj.save(update_fields=changed)
    return bool(changed)


def _parents_first(rows: list[dict[str, Any]], what: str) -> list[dict[str, Any]]:
    by_code = {r["code"]: r for r in rows}
    ordered: list[dict[str, Any]] = []
    seen: set[str] = set()

    def visit(row: dict[str, Any], path: tuple[str, ...]) -> None:
        if row["code"] in seen:
            return
        if row["code"] in path:
            raise ValidationFailed(f"{what} {row['code']} 的上级形成循环", field="parent")
        parent = row.get("parent")
        if parent in by_code:
            visit(by_code[parent], (*path, row["code"]))
        seen.add(row["code"])
        ordered.append(row)

    for row in rows:
        visit(row, ())
    return ordered


def load_regions(rows: list[dict[str, Any]]) -> int:
    for row in _parents_first(rows, "区划"):
        parent = Region.objects.get(code=row["parent"]) if row.get("parent") else None
        _save_if_changed(
            Region,
            {"code": row["code"]},
            {"name": row["name"], "level": row["level"], "parent": parent},
        )
    return len(rows)


def load_departments(rows: list[dict[str, Any]]) -> int:
    for row in _parents_first(rows, "部门"):
        values = {
            "name": row["name"],
            "short_name": row.get("short_name", ""),
            "kind": row["kind"],
            "region": Region.objects.get(code=row["region"]),
            "phone": row.get("phone", ""),
            "parent": Department.objects.get(code=row["parent"]) if row.get("parent") else None,
        }
        _save_if_changed(Department, {"code": row["code"]}, values)
    return len(rows)


def load_topics(rows: list[dict[str, Any]]) -> int:
    for row in rows:
        _save_if_changed(
            Topic,
            {"code": row["code"]},
            {"name": row["name"], "audience": row["audience"], "order": row["order"]},
        )
    return len(rows)


def load_matters(rows: list[dict[str, Any]], result: DemoResult) -> None:
    existing = set(Matter.objects.values_list("code", flat=True))
    for data in rows:
        try:
            _, changed = matter_upsert(data)
        except ValidationFailed as exc:
            raise ValidationFailed(
                f"示范事项 {data['code']}（{data['name']}）：{exc.message}", field=exc.field
            ) from exc
        except DjangoValidationError as exc:
            raise ValidationFailed(
                f"示范事项 {data['code']}（{data['name']}）：{'；'.join(exc.messages)}",
                field="code",
            ) from exc
        if data["code"] not in existing:
            result.created += 1
        elif changed:
            result.updated += 1
        else:
            result.unchanged += 1
        existing.add(data["code"])
    result.matters = len(rows)


def _catalog_view_permissions() -> list[Permission]:
    return list(
        Permission.objects.filter(
            content_type__app_label="catalog", codename__startswith="view_"
        ).order_by("codename")
    )


def load_accounts(result: DemoResult, password: str | None = None) -> None:
    """Create missing demo accounts; existing ones are left exactly as they are. Their
    password: YISHI_DEMO_PASSWORD, else `password` (one for the whole run), else a random
    one each."""
    user_model = get_user_model()
    fixed_password = os.environ.get(PASSWORD_ENV) or None
    run_password = password
    view_perms = None
    for account in DEMO_ACCOUNTS:
        if user_model.objects.filter(username=account.username).exists():
            result.existing_accounts += 1
            continue
        password = fixed_password or run_password or secrets.token_urlsafe(9)
        department = Department.objects.get(code=account.department)
        if account.role == "superuser":
            user = user_model.objects.create_superuser(
                username=account.username, email="", password=password
            )
            role = Role.ADMINISTRATOR
        else:
            user = user_model.objects.create_user(
                username=account.username, password=password, is_staff=True
            )
            role = account.role
            if view_perms is None:
                view_perms = _catalog_view_permissions()
            user.user_permissions.set(view_perms)
        grant_roles(user, role)
        StaffProfile.objects.create(
            user=user,
            department=department,
            service_centre=(
                Department.objects.get(code=account.service_centre)
                if account.service_centre
                else None
            ),
        )
        label = Role(role).label
        if account.role == "superuser":
            label = f"{label}（超级用户）"
        result.new_accounts.append((account.username, label, None if fixed_password else password))


@transaction.atomic
def load_demo(password: str | None = None) -> DemoResult:
    """Load (or bring up to date) the whole demo in one transaction; `password` is that of
    the new demo accounts (see load_accounts)."""
    result = DemoResult()
    result.regions = load_regions(read_json("regions.json")["regions"])
    result.departments = load_departments(read_json("departments.json")["departments"])
    result.topics = load_topics(read_json("topics.json")["topics"])
    load_matters(read_matters(), result)
    load_accounts(result, password)
    return result
