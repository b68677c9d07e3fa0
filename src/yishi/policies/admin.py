"""Back office for policies: the rule and the amount bands are edited as JSON and validated
with the rule language (errors shown in Chinese beside the field); a saved rule change
becomes a new rule version. Runs, grants and their lines are read-only records."""

from __future__ import annotations

from django.contrib import admin, messages

from yishi.core.errors import DomainError
from yishi.policies.models import (
    Grant,
    Objection,
    Policy,
    PolicyApplication,
    RuleVersion,
    Run,
    RunChange,
)
from yishi.policies.services import objection_resolve, policy_save


class RuleVersionInline(admin.TabularInline):
    model = RuleVersion
    extra = 0
    fields = ("version", "rule", "created_by", "created_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "code",
        "subject",
        "department",
        "rule_version",
        "amount_note",
        "proactive",
        "active",
    )
    list_filter = ("subject", "proactive", "active", "department")
    search_fields = ("name", "code")
    readonly_fields = ("rule_version", "created_at", "updated_at")
    inlines = [RuleVersionInline]
    fieldsets = (
        (None, {"fields": ("code", "name", "subject", "department", "active", "proactive")}),
        ("资格规则", {"fields": ("rule", "rule_version")}),
        ("金额", {"fields": ("amount_bands", "amount_note", "period")}),
        ("即申即享申报", {"fields": ("matter", "application_fields")}),
        ("常见问题", {"fields": ("faq",)}),
        ("有效期与说明", {"fields": ("starts_on", "ends_on", "description", "basis")}),
        ("记录", {"fields": ("created_at", "updated_at")}),
    )

    def save_model(self, request, obj, form, change):
        # The form's clean() already ran Policy.clean() (rule and bands validated); the
        # service keeps the version and the audit entry.
        try:
            policy_save(policy=obj, actor=request.user)
        except DomainError as exc:  # e.g. a code taken meanwhile
            messages.error(request, exc.message)
            raise


@admin.register(Run)
class RunAdmin(admin.ModelAdmin):
    list_display = (
        "policy",
        "period",
        "rule_version",
        "new_count",
        "continuing_count",
        "ended_count",
        "total_amount",
        "finished_at",
    )
    list_filter = ("policy",)
    readonly_fields = [f.name for f in Run._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Grant)
class GrantAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "policy",
        "person",
        "company",
        "status",
        "band",
        "amount",
        "started_period",
        "ended_period",
    )
    list_filter = ("policy", "status")
    raw_id_fields = ("person", "company")
    readonly_fields = [f.name for f in Grant._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RunChange)
class RunChangeAdmin(admin.ModelAdmin):
    list_display = ("run", "grant", "change", "band", "amount", "reason")
    list_filter = ("change", "run__policy")
    readonly_fields = [f.name for f in RunChange._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Objection)
class ObjectionAdmin(admin.ModelAdmin):
    list_display = ("id", "grant", "kind", "status", "created_at", "closed_at")
    list_filter = ("kind", "status")
    fields = ("grant", "kind", "reason", "user", "status", "resolution", "created_at", "closed_at")
    readonly_fields = ("grant", "kind", "reason", "user", "status", "created_at", "closed_at")

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        # Closing a contest goes through the service (grant active again, audited).
        if obj.status == Objection.Status.OPEN and obj.resolution.strip():
            objection_resolve(objection=obj, staff=request.user, resolution=obj.resolution)


@admin.register(PolicyApplication)
class PolicyApplicationAdmin(admin.ModelAdmin):
    """Read-only: applications change through the case flow and the workbench page."""

    list_display = ("id", "policy", "company", "person", "band", "amount", "paid_at", "created_at")
    list_filter = ("policy",)
    raw_id_fields = ("company", "person", "application")
    readonly_fields = [f.name for f in PolicyApplication._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
