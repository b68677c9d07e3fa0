"""Chinese names for the back-office parts that come from libraries (django-axes, django-otp,
django-tasks-db, Django's permissions): none ships a Simplified Chinese catalog, and the admin
is used in Chinese only. Applied once from CoreConfig.ready(); the tables are unchanged (names
and help texts are not stored in the database, so no migration follows)."""

from __future__ import annotations

import re
from typing import Any

from django.apps import apps
from django.utils.translation import gettext_lazy

APP_NAMES = {
    "axes": "登录防护",
    "otp_static": "恢复码",
    "otp_totp": "动态口令",
    "django_otp": "第二重身份验证",
}

# django-otp's models and admins name their fields and fieldsets in plain English strings
# (no gettext): the field names become gettext strings of themselves (translated in
# src/yishi/locale; `makemigrations` runs untranslated, so no migration follows) and the
# fieldsets are renamed in the admin.
OTP_APPS = ("otp_static", "otp_totp")
# model label → (verbose name, plural). Meta names are not part of a migration's state
# (Django reads the model's original options), so they may be set here; field names of
# django-axes and django-tasks-db are gettext strings, translated in src/yishi/locale.
MODELS: dict[str, tuple[str, str]] = {
    "axes.AccessAttempt": ("登录尝试", "登录尝试"),
    "axes.AccessFailureLog": ("登录失败记录", "登录失败记录"),
    "axes.AccessLog": ("登录记录", "登录记录"),
    "axes.AccessAttemptExpiration": ("登录尝试失效时间", "登录尝试失效时间"),
    "otp_static.StaticDevice": ("恢复码设备", "恢复码设备"),
    "otp_static.StaticToken": ("恢复码", "恢复码"),
    "otp_totp.TOTPDevice": ("动态口令设备（TOTP）", "动态口令设备（TOTP）"),
}
ACTIONS = {"add": "添加", "change": "修改", "delete": "删除", "view": "查看"}
_BUILTIN = re.compile(r"^Can (add|change|delete|view) ")


def permission_label(permission: Any) -> str:
    """「用户 | 可添加 申请人账号」 for Django's built-in "Can add …" permissions (their names
    are stored in English), the stored name otherwise."""
    name = permission.name
    found = _BUILTIN.match(name)
    model = permission.content_type.model_class()
    if found and model is not None:
        name = f"可{ACTIONS[found.group(1)]}{model._meta.verbose_name}"
    return f"{permission.content_type} | {name}"


def name_library_models() -> None:
    """Give the library apps and models shown in the admin their Chinese names."""
    for label, name in APP_NAMES.items():
        if apps.is_installed(label) or label in apps.app_configs:
            apps.get_app_config(label).verbose_name = name
    for label, (singular, plural) in MODELS.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        model._meta.verbose_name = singular
        model._meta.verbose_name_plural = plural
    for label in OTP_APPS:
        if label not in apps.app_configs:
            continue
        for model in apps.get_app_config(label).get_models():
            for field in model._meta.concrete_fields:
                if isinstance(field.verbose_name, str) and field.verbose_name != "ID":
                    field.verbose_name = gettext_lazy(field.verbose_name)
                if isinstance(field.help_text, str) and field.help_text:
                    field.help_text = gettext_lazy(field.help_text)
    from django.contrib.auth.models import Permission

    Permission.__str__ = permission_label  # type: ignore[method-assign]


FIELDSETS = {
    "Identity": "基本信息",
    "Timestamps": "时间",
    "Configuration": "配置",
    "State": "状态",
    "Throttling": "失败限制",
}


def chinese_fieldsets(fieldsets: Any) -> list[Any]:
    """django-otp's admins title their fieldsets in plain English (yishi.workbench.device_admin)."""
    return [(FIELDSETS.get(name, name), options) for name, options in fieldsets or []]
