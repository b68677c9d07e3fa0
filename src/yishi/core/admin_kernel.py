"""Admin for the audit log (read-only, so the chain cannot be touched from here), the
outbox (watch deliveries, replay dead letters), and uploads and idempotency records
(read-only)."""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from yishi.core.admin_lists import LargeTableAdmin, indexed_values_filter
from yishi.core.display import username_masked_name, username_masked_names
from yishi.core.errors import DomainError
from yishi.core.models import (
    AuditCheckpoint,
    AuditEntry,
    IdempotencyRecord,
    OutboxMessage,
    StoredFile,
)
from yishi.core.outbox import masked_for_log, outbox_replay


def _pretty_json(value: object) -> str:
    return format_html(
        '<pre class="admin-pre">{}</pre>',
        json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True),
    )


@admin.register(AuditEntry)
class AuditEntryAdmin(LargeTableAdmin):
    """Millions of rows after a year: capped count, no date hierarchy, filters whose values
    come from the indexes (admin_lists)."""

    list_display = ["id", "at", "actor_name", "action", "object_type", "object_id", "short_hash"]
    list_filter = [
        indexed_values_filter("action", "动作"),
        indexed_values_filter("object_type", "对象类型"),
        ("at", admin.DateFieldListFilter),
    ]
    search_fields = ["actor", "action", "object_id"]
    ordering = ["-id"]
    fields = [
        "at",
        "actor_name",
        "action",
        "object_type",
        "object_id",
        "pretty_data",
        "prev_hash",
        "hash",
    ]
    readonly_fields = fields

    def prepare_page(self, rows: list[AuditEntry]) -> list[AuditEntry]:
        names = username_masked_names(row.actor for row in rows)
        for row in rows:
            row.actor_masked = names.get(row.actor)
        return rows

    @admin.display(description="操作人")
    def actor_name(self, obj: AuditEntry) -> str:
        """王** (an account's masked name), never its login name; 系统 for a rule or task."""
        cached = getattr(obj, "actor_masked", None)
        return cached if cached is not None else username_masked_name(obj.actor)

    @admin.display(description="哈希(前12位)")
    def short_hash(self, obj: AuditEntry) -> str:
        return obj.hash[:12]

    @admin.display(description="内容")
    def pretty_data(self, obj: AuditEntry) -> str:
        return _pretty_json(obj.data)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "topic",
        "destination",
        "status",
        "attempts",
        "next_attempt_at",
        "created_at",
        "delivered_at",
    ]
    list_filter = ["status", "topic", "destination"]
    search_fields = ["topic", "destination", "=delivery_id"]
    date_hierarchy = "created_at"
    ordering = ["-id"]
    list_per_page = 50
    actions = ["replay_dead"]
    fields = [
        "delivery_id",
        "topic",
        "destination",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "pretty_payload",
        "payload_sm3",
        "created_at",
        "delivered_at",
    ]
    readonly_fields = fields

    @admin.display(description="内容")
    def pretty_payload(self, obj: OutboxMessage) -> str:
        # Masked as in logs, and an SMS code never shown; a delivered message holds none.
        payload = masked_for_log(obj.payload or {})
        if "code" in payload:
            payload["code"] = "******"
        return _pretty_json(payload)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: OutboxMessage | None = None) -> bool:
        return False

    @admin.action(description="重新投递所选死信", permissions=["change"])
    def replay_dead(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        replayed = 0
        skipped = queryset.exclude(status=OutboxMessage.Status.DEAD).count()
        for message in queryset.filter(status=OutboxMessage.Status.DEAD):
            try:
                outbox_replay(message, actor=request.user)
            except DomainError:  # became non-dead meanwhile
                skipped += 1
            else:
                replayed += 1
        if replayed:
            self.message_user(request, f"已重新投递 {replayed} 条消息。", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"{skipped} 条消息不是死信（待投递或已投递），未重新投递。",
                messages.WARNING,
            )


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False


@admin.register(StoredFile)
class StoredFileAdmin(_ReadOnlyAdmin):
    list_display = ["id", "original_name", "content_type", "size", "created_by", "created_at"]
    list_filter = ["content_type", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["original_name", "=sm3"]
    date_hierarchy = "created_at"
    ordering = ["-id"]
    list_per_page = 50
    show_full_result_count = False
    fields = [
        "original_name",
        "content_type",
        "size",
        "sm3",
        "file",
        "created_by",
        "created_at",
    ]
    readonly_fields = fields


@admin.register(AuditCheckpoint)
class AuditCheckpointAdmin(_ReadOnlyAdmin):
    list_display = ["signed_at", "entry_id", "hash", "key_id"]
    ordering = ["-signed_at"]
    list_per_page = 50
    show_full_result_count = False
    fields = ["signed_at", "entry_id", "hash", "key_id", "signature"]
    readonly_fields = fields


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(_ReadOnlyAdmin):
    list_display = ["id", "scope", "owner", "key", "status", "response_status", "expires_at"]
    list_filter = ["scope", "status"]
    search_fields = ["=key", "owner", "resource_id"]
    date_hierarchy = "created_at"
    ordering = ["-id"]
    list_per_page = 50
    show_full_result_count = False
    fields = [
        "scope",
        "owner",
        "key",
        "request_hash",
        "status",
        "response_status",
        "pretty_body",
        "resource_id",
        "created_at",
        "expires_at",
    ]
    readonly_fields = fields

    @admin.display(description="响应内容")
    def pretty_body(self, obj: IdempotencyRecord) -> str:
        return _pretty_json(obj.response_body)
