from django.contrib import admin

from yishi.cases.models import Application, CaseEvent, Message, Pause, SubCase


class SubCaseInline(admin.TabularInline):
    model = SubCase
    extra = 0
    fields = ["matter", "department", "status", "started_on", "promised_due", "legal_due"]
    readonly_fields = fields
    can_delete = False


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    fields = ["at", "actor", "action", "from_status", "to_status", "note"]
    readonly_fields = fields
    can_delete = False


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    """Read-only: statuses change only through the services (transition table)."""

    list_display = ["number", "person", "status", "channel", "promised_due", "legal_due"]
    list_filter = ["status", "channel"]
    search_fields = ["number"]
    inlines = [SubCaseInline, CaseEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Pause)
class PauseAdmin(admin.ModelAdmin):
    list_display = ["application", "kind", "started_on", "ended_on"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["user", "application", "text", "created_at", "read_at"]

    def has_change_permission(self, request, obj=None):
        return False
