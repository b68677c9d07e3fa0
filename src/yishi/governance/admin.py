"""Back office of 数据治理: the catalog, scenarios and rules are edited here (a rule's
definition is validated on save through services.rule_save); findings, scores and requests
are read-only, since every change goes through yishi.governance.services."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from yishi.core.errors import DomainError
from yishi.governance import services
from yishi.governance.models import (
    DataRequest,
    Dataset,
    Finding,
    QualityRule,
    QualityScore,
    Scenario,
)
from yishi.governance.rules import rule_clean


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = ("title", "department", "sharing", "frequency_days", "is_open", "downloads")
    list_filter = ("sharing", "is_open", "department")
    search_fields = ("title", "code")
    filter_horizontal = ("matters", "policies")
    readonly_fields = ("is_open", "downloads")


class RuleForm(admin.ModelAdmin.form):
    def clean(self):
        data = super().clean()
        dataset = data.get("dataset")
        if dataset is not None:
            try:
                rule_clean(
                    kind=data.get("kind", ""),
                    definition=data.get("definition"),
                    source=dataset.source,
                )
            except DomainError as exc:
                raise ValidationError({"definition": exc.message}) from None
        return data


@admin.register(QualityRule)
class QualityRuleAdmin(admin.ModelAdmin):
    form = RuleForm
    list_display = ("name", "dataset", "kind", "deadline_days", "is_active")
    list_filter = ("kind", "is_active")

    def save_model(self, request, obj, form, change):
        try:
            services.rule_save(rule=obj, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)


@admin.register(Finding)
class FindingAdmin(admin.ModelAdmin):
    list_display = ("summary", "dataset", "status", "source", "due_on", "created_at")
    list_filter = ("status", "source")
    exclude = ("detail", "correction")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Finding._meta.fields if f.name not in ("detail", "correction")]

    def has_add_permission(self, request):
        return False


@admin.register(QualityScore)
class QualityScoreAdmin(admin.ModelAdmin):
    list_display = ("dataset", "measured_at", "records", "passing", "open_findings")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in QualityScore._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    list_display = ("name", "sector")
    list_filter = ("sector",)
    filter_horizontal = ("datasets",)


@admin.register(DataRequest)
class DataRequestAdmin(admin.ModelAdmin):
    list_display = ("dataset", "requester", "status", "due_on", "created_at")
    list_filter = ("status",)
    exclude = ("delivered_file",)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in DataRequest._meta.fields if f.name != "delivered_file"]

    def has_add_permission(self, request):
        return False
