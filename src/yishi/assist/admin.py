from __future__ import annotations

from django.contrib import admin

from yishi.assist.models import AssistRequest, ProxyAct, ProxyAuthorisation


@admin.register(AssistRequest)
class AssistRequestAdmin(admin.ModelAdmin):
    """Read-only: requests change through the console (audited); personal fields stay out."""

    list_display = ("id", "channel", "kind", "status", "department", "clerk", "created_at")
    list_filter = ("channel", "kind", "status", "outcome_kind", "department")
    fields = (
        "channel",
        "kind",
        "company",
        "policy",
        "referred_to",
        "outcome_kind",
        "status",
        "department",
        "matter",
        "clerk",
        "created_at",
        "first_response_at",
        "concluded_at",
        "outcome",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ProxyActInline(admin.TabularInline):
    model = ProxyAct
    extra = 0
    fields = ("at", "clerk", "action", "application", "note")
    readonly_fields = fields
    can_delete = False


@admin.register(ProxyAuthorisation)
class ProxyAuthorisationAdmin(admin.ModelAdmin):
    list_display = ("id", "status", "all_matters", "valid_until", "recorded_by", "created_at")
    list_filter = ("status", "all_matters")
    readonly_fields = [f.name for f in ProxyAuthorisation._meta.fields] + ["matters"]
    exclude = ()
    inlines = [ProxyActInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
