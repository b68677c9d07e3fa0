"""Admin for the kernel: the calendar (admin_calendar), audit/outbox (admin_kernel), domain
events (admin_events), the SM2 signing keys (below: public part only) and the periodic jobs'
last runs (below)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from yishi.core import admin_calendar, admin_events, admin_kernel  # noqa: F401  (registers)
from yishi.core.models import PeriodicJob, SigningKey


@admin.register(SigningKey)
class SigningKeyAdmin(admin.ModelAdmin):
    """Read-only, and the private key is not even a field here: it never leaves signing.py.
    Rotate with the `rotate_signing_key` command."""

    list_display = ["key_id", "owner", "active", "created_at", "retired_at"]
    list_filter = ["active", "owner"]
    search_fields = ["=key_id", "owner"]
    ordering = ["owner", "-id"]
    list_per_page = 50
    fields = ["key_id", "owner", "active", "public_pem", "created_at", "retired_at"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).defer("private_pem_encrypted")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SigningKey | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: SigningKey | None = None) -> bool:
        return False


@admin.register(PeriodicJob)
class PeriodicJobAdmin(admin.ModelAdmin):
    """Read-only: when each periodic job was last due and enqueued, and by which scheduler.
    The schedule itself is code (yishi/schedule.py); the rows belong to the scheduler."""

    list_display = ["name", "schedule", "due_at", "claimed_at", "claimed_by", "task_id"]
    search_fields = ["name"]
    fields = list_display
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: PeriodicJob | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: PeriodicJob | None = None) -> bool:
        return False
