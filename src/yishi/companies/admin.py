"""Back office of 企业服务: company seals and sealed documents are read-only here (every
change goes through yishi.companies.services: by the company itself, audited)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from yishi.companies.models import CompanySeal, SealedDocument


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(CompanySeal)
class CompanySealAdmin(_ReadOnly):
    list_display = ("name", "company", "status", "applied_at", "confirmed_at", "revoked_at")
    list_filter = ("status",)
    search_fields = ("name", "company__name", "company__uscc")
    fields = (
        "company",
        "name",
        "status",
        "key_id",
        "applied_at",
        "confirmed_at",
        "revoked_at",
        "revoked_reason",
    )


@admin.register(SealedDocument)
class SealedDocumentAdmin(_ReadOnly):
    list_display = ("title", "company", "kind", "signed_at")
    list_filter = ("kind",)
    search_fields = ("title", "company__name", "company__uscc")
    # The signed text may hold personal data: not shown in the back office.
    fields = ("ref", "company", "seal", "kind", "title", "signed_at")
