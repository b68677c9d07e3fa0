"""Admin for system API keys (掌上办): create one (the key is shown once), revoke it."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from yishi.core.audit import audit_append
from yishi.people.tokens import KEY_PREFIX, ApiKey, api_key_revoke, api_key_secret_set


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "shown_prefix", "user", "active", "created_at", "last_used_at")
    list_filter = ("active",)
    search_fields = ("name", "prefix")
    fields = (
        "name",
        "user",
        "scopes",
        "active",
        "shown_prefix",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    readonly_fields = ("shown_prefix", "created_at", "last_used_at", "revoked_at")
    raw_id_fields = ("user",)
    actions = ("revoke",)

    @admin.display(description="密钥前缀")
    def shown_prefix(self, obj: ApiKey) -> str:
        return f"{KEY_PREFIX}{obj.prefix}_…" if obj.prefix else "（保存后生成）"

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        if not change:
            full_key = api_key_secret_set(obj)
            super().save_model(request, obj, form, change)
            audit_append(
                action="api_key.create", actor=request.user, object_type="ApiKey", object_id=obj.pk
            )
            messages.warning(
                request,
                f"接入密钥已生成，仅显示这一次，请立即妥善交付对方系统：{full_key}",
            )
            return
        was_active = ApiKey.objects.filter(pk=obj.pk, active=True).exists()
        super().save_model(request, obj, form, change)
        if was_active and not obj.active:
            api_key_revoke(key=obj, by=request.user)

    @admin.action(description="吊销所选接入密钥")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        for key in queryset.filter(active=True):
            api_key_revoke(key=key, by=request.user)
        messages.success(request, "所选接入密钥已吊销，立即失效。")
