from django.contrib import admin

from yishi.cases.models import Application, CaseEvent, Message, Pause, SubCase
from yishi.cases.timeline import actor_label, clean_note, status_label
from yishi.cases.transitions import ACTION_LABELS
from yishi.core.admin_lists import LargeTableAdmin
from yishi.core.display import mask_name, user_masked_name
from yishi.themes.form import applicable_fields, display_value


class SubCaseInline(admin.TabularInline):
    model = SubCase
    extra = 0
    fields = ["matter", "department", "status", "started_on", "promised_due", "legal_due"]
    readonly_fields = fields
    can_delete = False


class CaseEventInline(admin.TabularInline):
    """The timeline in words: who (masked), what, from which state to which, no digests."""

    model = CaseEvent
    extra = 0
    fields = ["at", "who", "what", "from_label", "to_label", "note_text"]
    readonly_fields = fields
    can_delete = False

    @admin.display(description="操作人")
    def who(self, obj: CaseEvent) -> str:
        return actor_label(obj.actor, obj.application)

    @admin.display(description="动作")
    def what(self, obj: CaseEvent) -> str:
        return ACTION_LABELS.get(obj.action, "办理")

    @admin.display(description="原状态")
    def from_label(self, obj: CaseEvent) -> str:
        model = SubCase if obj.subcase_id else Application
        return status_label(model, obj.from_status) or "-"

    @admin.display(description="新状态")
    def to_label(self, obj: CaseEvent) -> str:
        model = SubCase if obj.subcase_id else Application
        return status_label(model, obj.to_status) or "-"

    @admin.display(description="说明")
    def note_text(self, obj: CaseEvent) -> str:
        return clean_note(obj.note) or "-"


def form_text(application: Application) -> str:
    """The filled form of a theme's application in words: 「label：value」 joined by ；."""
    data = application.form_data or {}
    if not application.theme_id:
        return ""
    return "；".join(
        f"{f.label}：{display_value(f, data[f.key])}"
        for f in applicable_fields(application.theme, None)
        if f.key in data
    )


@admin.register(Application)
class ApplicationAdmin(LargeTableAdmin):
    """Read-only: statuses change only through the services (transition table). A table
    that grows with history: capped count, newest first by primary key (admin_lists)."""

    ordering = ["-id"]
    list_display = ["number", "applicant_name", "status", "channel", "promised_due", "legal_due"]
    list_filter = ["status", "channel"]
    list_select_related = ["person"]
    # The list shows the person's name only: not the encrypted form and identity numbers.
    list_defer = (
        "form_data",
        "answers",
        "person__id_number",
        "person__phone",
        "person__disability_certificate_no",
    )
    search_fields = ["number"]
    inlines = [SubCaseInline, CaseEventInline]

    # Shown read-only: the applicant masked (never the login name), the form in words.
    fields = [
        "number",
        "applicant_name",
        "company",
        "theme",
        "matter",
        "status",
        "channel",
        "submitted_at",
        "accepted_at",
        "promised_due",
        "legal_due",
        "completed_at",
        "reason",
        "form_text",
    ]
    readonly_fields = fields

    @admin.display(description="申请人")
    def applicant_name(self, obj: Application) -> str:
        return mask_name(obj.person.name, fallback="申请人")

    @admin.display(description="申请表")
    def form_text(self, obj: Application) -> str:
        return form_text(obj) or "-"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Pause)
class PauseAdmin(LargeTableAdmin):
    list_display = ["application", "kind", "started_on", "ended_on"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Message)
class MessageAdmin(LargeTableAdmin):
    list_display = ["recipient", "application", "text", "created_at", "read_at"]
    list_select_related = ["user__applicant__person", "application"]

    @admin.display(description="收件人")
    def recipient(self, obj: Message) -> str:
        return user_masked_name(obj.user)

    def has_change_permission(self, request, obj=None):
        return False
