"""Back-office of training: levels, courses, the question bank, exams, attempts (read-only),
certificates (an administrator may enter one held from an outside assessment), work guides
with their versions (read-only: edits go through the workbench and make a new version)."""

from __future__ import annotations

from django.contrib import admin

from yishi.training.models import (
    Attempt,
    Certificate,
    CertificateLevel,
    Course,
    Exam,
    Question,
    WorkGuide,
    WorkGuideVersion,
)
from yishi.training.services import certificate_issue


@admin.register(CertificateLevel)
class CertificateLevelAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "rank")


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ("code", "title", "kind", "published", "updated_at")
    list_filter = ("kind", "published")
    search_fields = ("code", "title")
    raw_id_fields = ("matter", "theme", "policy")


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ("code", "kind", "text", "points")
    list_filter = ("kind",)
    search_fields = ("code", "text")
    raw_id_fields = ("course",)


@admin.register(Exam)
class ExamAdmin(admin.ModelAdmin):
    list_display = ("code", "title", "level", "time_limit_minutes", "pass_mark", "is_active")
    filter_horizontal = ("questions",)


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    list_display = ("exam", "user", "started_at", "submitted_at", "score", "passed")
    list_filter = ("passed", "exam")
    readonly_fields = [f.name for f in Attempt._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ("number", "user", "level", "issued_on", "expires_on", "source", "revoked")
    list_filter = ("level", "source", "revoked")
    search_fields = ("number", "user__username")
    raw_id_fields = ("user",)
    fields = ("user", "title", "level", "number", "issued_on", "expires_on", "revoked")

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        made = certificate_issue(
            user=obj.user,
            level=obj.level,
            issued_on=obj.issued_on,
            expires_on=obj.expires_on,
            number=obj.number,
            actor=request.user,
        )
        obj.pk = made.pk
        obj.source = made.source


class VersionInline(admin.TabularInline):
    model = WorkGuideVersion
    extra = 0
    fields = ("number", "generated", "note", "author", "created_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WorkGuide)
class WorkGuideAdmin(admin.ModelAdmin):
    list_display = ("title", "department", "version", "updated_at")
    search_fields = ("title",)
    readonly_fields = ("theme", "matter", "department", "version")
    fields = ("title", "theme", "matter", "department", "version")
    inlines = [VersionInline]

    def has_add_permission(self, request):
        return False
