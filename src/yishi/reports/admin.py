"""Back-office of 办不成事反映: read-mostly lists; personal fields (name, phone) stay out."""

from __future__ import annotations

from django.contrib import admin

from yishi.reports.models import ExperienceOfficer, Improvement, Report, Walk


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("number", "channel", "obstacle", "status", "department", "submitted_on")
    list_filter = ("status", "channel", "obstacle")
    search_fields = ("number",)
    exclude = ("name", "phone", "phone_index", "reporter", "entered_by")
    readonly_fields = (
        "number",
        "submitted_on",
        "answer_due_on",
        "resolve_due_on",
        "answered_at",
        "answered_by",
        "resolved_at",
        "resolved_by",
        "satisfaction",
        "rated_at",
    )


@admin.register(Improvement)
class ImprovementAdmin(admin.ModelAdmin):
    list_display = ("problem", "kind", "department", "due_on", "status")
    list_filter = ("status", "kind")
    raw_id_fields = ("report", "walk", "matter", "created_by")


@admin.register(Walk)
class WalkAdmin(admin.ModelAdmin):
    list_display = ("walked_on", "kind", "department", "minutes")
    list_filter = ("kind",)
    raw_id_fields = ("walker", "matter")


@admin.register(ExperienceOfficer)
class ExperienceOfficerAdmin(admin.ModelAdmin):
    list_display = ("enrolled_at", "active")
    raw_id_fields = ("user", "enrolled_by")
