"""Back-office view of supervision tasks: read-only, since every change goes through
yishi.supervision.services (audited, pushed, noted on the case)."""

from __future__ import annotations

from django.contrib import admin

from yishi.supervision.models import SupervisionTask


@admin.register(SupervisionTask)
class SupervisionTaskAdmin(admin.ModelAdmin):
    list_display = (
        "application",
        "matter",
        "approving_department",
        "supervising_department",
        "created_on",
        "due_on",
        "status",
        "commitment_false",
    )
    list_filter = ("status", "commitment_false", "supervising_department")
    search_fields = ("application__number", "matter__name", "matter__code")
    date_hierarchy = "due_on"
    list_select_related = (
        "application",
        "matter",
        "approving_department",
        "supervising_department",
    )
    readonly_fields = [f.name for f in SupervisionTask._meta.fields]
    fieldsets = (
        ("审批", {"fields": ("subcase", "application", "matter", "approving_department")}),
        (
            "监管",
            {"fields": ("supervising_department", "created_on", "due_on", "assigned_to")},
        ),
        (
            "核查结果",
            {"fields": ("status", "findings", "commitment_false", "decided_by", "decided_at")},
        ),
    )

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
