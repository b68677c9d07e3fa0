"""Read-only admin of the remote window: sessions and identity checks change through the
services (audited); personal fields and the recordings' bytes stay out."""

from __future__ import annotations

from django.contrib import admin

from yishi.remote.models import IdentityCheck, Recording, RemoteSession


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RemoteSession)
class RemoteSessionAdmin(_ReadOnly):
    list_display = ("ticket", "status", "point", "clerk", "created_at", "ended_at")
    list_filter = ("status",)
    fields = (
        "ticket",
        "status",
        "point",
        "clerk",
        "created_at",
        "started_at",
        "ended_at",
        "application",
        "card_checked_at",
        "sms_checked_at",
        "confirmed_at",
        "recording_consent",
        "consent_at",
    )
    readonly_fields = fields


@admin.register(IdentityCheck)
class IdentityCheckAdmin(_ReadOnly):
    list_display = ("session", "card_ok", "sms_ok", "visual_ok", "passed", "clerk", "checked_at")
    list_filter = ("passed",)
    fields = ("session", "card_ok", "sms_ok", "visual_ok", "passed", "clerk", "note", "checked_at")
    readonly_fields = fields


@admin.register(Recording)
class RecordingAdmin(_ReadOnly):
    list_display = ("session", "clerk", "size", "started_at", "expires_at")
    fields = ("session", "clerk", "content_type", "size", "started_at", "expires_at")
    readonly_fields = fields
