"""Staff roles as data (in core so that every app, people included, may ask them). A role is a permission `catalog.role_<code>`; a staff member holds a
role through a group that has the permission (one group per role is made on demand, named by
the role's Chinese label) or, exceptionally, through a user permission. A staff member may
hold several roles. Where they act is their StaffProfile: a department and, for hall staff,
a service centre. A superuser holds the administrator role.

Every access policy asks `has_role`; nothing else reads groups or permissions for roles."""

from __future__ import annotations

import contextlib
from typing import Any

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q

from yishi.core import rows


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", "管理员"
    WINDOW = "window", "窗口人员"
    REVIEWER = "reviewer", "审批人员"
    SUPERVISOR = "supervisor", "监管人员"
    POLICY_OFFICER = "policy_officer", "政策专员"
    DEPARTMENT_LEAD = "department_lead", "部门负责人"
    DUTY_LEADER = "duty_leader", "值班领导"
    DATA_OFFICER = "data_officer", "数据专员"
    CHIEF_DATA_OFFICER = "chief_data_officer", "首席数据官"
    PROVIDER = "provider", "服务商"


PREFIX = "role_"
# StaffProfile.Meta.permissions lists these; the migration that adds them is the source.
PERMISSIONS = [(f"{PREFIX}{role.value}", f"角色：{role.label}") for role in Role]
CODENAMES = {f"{PREFIX}{role.value}": role.value for role in Role}

_CACHE = "_yishi_roles"
# One fixed statement (prepared on PostgreSQL; every staff request reads it once): the role
# permissions held through the user's groups or directly.
_ROLES_SQL = (
    "SELECT p.codename FROM auth_permission p"
    " JOIN auth_group_permissions gp ON gp.permission_id = p.id"
    " JOIN auth_user_groups ug ON ug.group_id = gp.group_id"
    " WHERE ug.user_id = %s AND p.codename LIKE 'role%%'"
    " UNION SELECT p.codename FROM auth_permission p"
    " JOIN auth_user_user_permissions up ON up.permission_id = p.id"
    " WHERE up.user_id = %s AND p.codename LIKE 'role%%'"
)


def roles_of(user: Any) -> frozenset[str]:
    """The role codes the user holds, read once per user object (one request)."""
    if user is None or getattr(user, "pk", None) is None:
        return frozenset()
    if not getattr(user, "is_active", True):
        return frozenset()
    cached = getattr(user, _CACHE, None)
    if cached is not None and cached[0] == user.pk:
        return cached[1]
    found = rows.fetch_all(_ROLES_SQL, [user.pk, user.pk])
    held = {CODENAMES[row[0]] for row in found if row[0] in CODENAMES}
    if getattr(user, "is_superuser", False):
        held.add(Role.ADMINISTRATOR.value)
    roles = frozenset(held)
    with contextlib.suppress(AttributeError):  # an object without attributes: no memo
        setattr(user, _CACHE, (user.pk, roles))
    return roles


def has_role(user: Any, *roles: str) -> bool:
    """Whether the user holds at least one of `roles` (codes of Role)."""
    return not roles_of(user).isdisjoint(str(r) for r in roles)


def forget_roles(user: Any) -> None:
    """Drop the memo after the user's groups changed in this request."""
    if hasattr(user, _CACHE):
        delattr(user, _CACHE)


def role_permission(role: str) -> Permission:
    # The permissions belong to catalog.StaffProfile (its Meta lists them); looked up in the
    # app registry, since core imports no app above it.
    content_type = ContentType.objects.get_for_model(apps.get_model("catalog", "StaffProfile"))
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename=f"{PREFIX}{Role(role).value}",
        defaults={"name": f"角色：{Role(role).label}"},
    )
    return permission


def role_group(role: str) -> Group:
    """The group granting `role` (made with its permission when missing)."""
    group, _ = Group.objects.get_or_create(name=Role(role).label)
    group.permissions.add(role_permission(role))
    return group


def grant_roles(user: Any, *roles: str) -> None:
    """Give the user each role through its group."""
    user.groups.add(*(role_group(role) for role in roles))
    forget_roles(user)


def first_role(user: Any, *roles: str) -> Role | None:
    """The first of `roles` the user holds: the role an action is allowed and recorded under."""
    held = roles_of(user)
    return next((Role(r) for r in roles if str(r) in held), None)


def role_labels(user: Any) -> list[str]:
    """The Chinese names of the user's roles, in Role's order."""
    held = roles_of(user)
    return [role.label for role in Role if role.value in held]


def holders_q(*roles: str, prefix: str = "") -> Q:
    """A filter on users (or, with `prefix` such as "user__", on rows pointing at users)
    holding at least one of `roles`; an administrator role also matches superusers."""
    codenames = [f"{PREFIX}{Role(r).value}" for r in roles]
    q = Q(**{f"{prefix}groups__permissions__codename__in": codenames}) | Q(
        **{f"{prefix}user_permissions__codename__in": codenames}
    )
    if Role.ADMINISTRATOR in roles:
        q |= Q(**{f"{prefix}is_superuser": True})
    return q
