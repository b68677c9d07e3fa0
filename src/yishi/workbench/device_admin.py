"""django-otp's back-office pages for authenticators, in Chinese, and deleting a staff member's
authenticator (lost phone, someone leaving) also ends that person's signed-in sessions:
a session verified by the deleted device would otherwise stay verified until it expires.
The security page does the same when a staff member removes their own authenticator."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django_otp.plugins.otp_static.admin import StaticDeviceAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from yishi.core.admin_names import chinese_fieldsets
from yishi.core.sessions import staff_sessions_end_others


def _end_sessions_of(request: HttpRequest, users: set[Any]) -> None:
    for user in users:
        # The administrator deleting their own device keeps the session they are using.
        current = request.session.session_key if user == request.user else None
        staff_sessions_end_others(user=user, current_key=current)


class _EndsSessionsOnDelete:
    search_help_text = "按账号搜索"

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        return chinese_fieldsets(super().get_fieldsets(request, obj))  # type: ignore[misc]

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        user = obj.user
        super().delete_model(request, obj)  # type: ignore[misc]
        _end_sessions_of(request, {user})

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        users = {device.user for device in queryset.select_related("user")}
        super().delete_queryset(request, queryset)  # type: ignore[misc]
        _end_sessions_of(request, users)


class TOTPDeviceSessionsAdmin(_EndsSessionsOnDelete, TOTPDeviceAdmin):
    pass


class StaticDeviceSessionsAdmin(_EndsSessionsOnDelete, StaticDeviceAdmin):
    pass


def register() -> None:
    """Called from WorkbenchConfig.ready(), after the admin has discovered django-otp's own."""
    for model, model_admin in (
        (TOTPDevice, TOTPDeviceSessionsAdmin),
        (StaticDevice, StaticDeviceSessionsAdmin),
    ):
        if admin.site.is_registered(model):
            admin.site.unregister(model)
        admin.site.register(model, model_admin)
