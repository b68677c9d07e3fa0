"""好差评 in the admin: indicator sets (versioned), ratings (read-only: a rating is what a
person said), invitations and follow-ups (changed through the workbench, read here)."""

from __future__ import annotations

from django.contrib import admin

from yishi.core.admin_lists import CappedCountPaginator
from yishi.ratings.models import FollowUp, IndicatorSet, Invitation, Rating


@admin.register(IndicatorSet)
class IndicatorSetAdmin(admin.ModelAdmin):
    list_display = ["channel", "version", "active"]
    list_filter = ["channel", "active"]


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Rating)
class RatingAdmin(ReadOnly):
    list_display = [
        "id",
        "kind",
        "stage",
        "level",
        "department",
        "outlet",
        "excluded",
        "created_at",
    ]
    list_filter = ["kind", "stage", "level", "excluded", "source"]
    # Grows with history: a capped count, newest first by key, no date hierarchy (it reads
    # every row's date); yishi.core.admin_lists.
    paginator = CappedCountPaginator
    show_full_result_count = False
    ordering = ["-id"]
    exclude = ["comment"]  # may hold personal data; read it where the follow-up is handled


@admin.register(Invitation)
class InvitationAdmin(ReadOnly):
    list_display = ["application", "sent_at"]


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnly):
    list_display = ["id", "rating", "department", "status", "visit_due_on", "due_on"]
    list_filter = ["status", "department"]
    exclude = ["visit_outcome", "action_note"]
