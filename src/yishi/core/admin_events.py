"""Admin for domain events and their handling: watch what ran, see failures, retry them."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest

from yishi.core.admin_kernel import _pretty_json
from yishi.core.errors import DomainError
from yishi.core.events import event_handling_retry
from yishi.core.models import DomainEvent, EventHandling

Status = EventHandling.Status


def _retry(admin_obj: admin.ModelAdmin, request: HttpRequest, rows: QuerySet) -> None:
    retried = 0
    skipped = rows.exclude(status=Status.FAILED).count()
    for handling in rows.filter(status=Status.FAILED):
        try:
            event_handling_retry(handling, actor=request.user)
        except DomainError:  # no longer failed meanwhile
            skipped += 1
        else:
            retried += 1
    if retried:
        admin_obj.message_user(
            request, f"已将 {retried} 条失败的处理记录设为立即重新处理。", messages.SUCCESS
        )
    if skipped:
        admin_obj.message_user(
            request, f"{skipped} 条处理记录不是失败状态，未改动。", messages.WARNING
        )


class EventHandlingInline(admin.TabularInline):
    model = EventHandling
    extra = 0
    can_delete = False
    fields = ["handler", "status", "attempts", "next_attempt_at", "done_at", "last_error"]
    readonly_fields = fields
    ordering = ["id"]

    def has_add_permission(self, request: HttpRequest, obj: DomainEvent | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False


class DispatchedFilter(admin.SimpleListFilter):
    title = "处理情况"
    parameter_name = "dispatched"

    def lookups(self, request, model_admin):
        return [("no", "未处理完"), ("yes", "已处理完"), ("failed", "有失败")]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(dispatched_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(dispatched_at__isnull=False)
        if self.value() == "failed":
            return queryset.filter(handlings__status=Status.FAILED).distinct()
        return queryset


@admin.register(DomainEvent)
class DomainEventAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "created_at", "dispatched_at", "done_count", "failed_count"]
    list_filter = [DispatchedFilter, "name"]
    search_fields = ["name", "=id"]
    date_hierarchy = "created_at"
    ordering = ["-id"]
    list_per_page = 50
    show_full_result_count = False
    actions = ["retry_failed"]
    fields = ["name", "pretty_payload", "created_at", "dispatched_at"]
    readonly_fields = fields
    inlines = [EventHandlingInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[DomainEvent]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_done=Count("handlings", filter=Q(handlings__status=Status.DONE)),
                n_failed=Count("handlings", filter=Q(handlings__status=Status.FAILED)),
            )
        )

    @admin.display(description="已完成处理", ordering="n_done")
    def done_count(self, obj: DomainEvent) -> int:
        return obj.n_done

    @admin.display(description="失败待重试", ordering="n_failed")
    def failed_count(self, obj: DomainEvent) -> int:
        return obj.n_failed

    @admin.display(description="内容")
    def pretty_payload(self, obj: DomainEvent) -> str:
        return _pretty_json(obj.payload)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: DomainEvent | None = None) -> bool:
        return False

    @admin.action(description="重新处理所选事件中失败的处理", permissions=["change"])
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[DomainEvent]) -> None:
        rows = EventHandling.objects.filter(event__in=queryset.values("pk"), status=Status.FAILED)
        if not rows.exists():
            self.message_user(request, "所选事件没有失败的处理记录。", messages.WARNING)
            return
        _retry(self, request, rows)


@admin.register(EventHandling)
class EventHandlingAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "event",
        "handler",
        "status",
        "attempts",
        "next_attempt_at",
        "done_at",
        "short_error",
    ]
    list_filter = ["status", "handler"]
    search_fields = ["handler", "event__name", "=event__id"]
    list_select_related = ["event"]
    ordering = ["-id"]
    list_per_page = 50
    show_full_result_count = False
    actions = ["retry"]
    fields = [
        "event",
        "handler",
        "status",
        "attempts",
        "next_attempt_at",
        "done_at",
        "last_error",
    ]
    readonly_fields = fields

    @admin.display(description="最近错误")
    def short_error(self, obj: EventHandling) -> str:
        return obj.last_error[:80]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: EventHandling | None = None) -> bool:
        return False

    @admin.action(description="重新处理", permissions=["change"])
    def retry(self, request: HttpRequest, queryset: QuerySet[EventHandling]) -> None:
        _retry(self, request, queryset)
