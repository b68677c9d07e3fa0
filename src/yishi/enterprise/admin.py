"""Back office of 企业一类事与增值服务: packages with their modules, providers with their
offers and staff accounts; requests and consents read-only (the company's own record)."""

from __future__ import annotations

from django.contrib import admin

from .models import (
    Module,
    Offer,
    Package,
    PackageRun,
    Provider,
    ProviderAccount,
    ServiceRequest,
    ShareConsent,
)


class ModuleInline(admin.TabularInline):
    model = Module
    extra = 0
    fields = ("order", "kind", "theme", "matter", "policy", "offer", "answers", "recommended")
    autocomplete_fields = ()


@admin.register(Package)
class PackageAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "stage", "industry", "published", "order")
    list_filter = ("kind", "stage", "published")
    search_fields = ("name", "code")
    inlines = [ModuleInline]


class OfferInline(admin.StackedInline):
    model = Offer
    extra = 0


class AccountInline(admin.TabularInline):
    model = ProviderAccount
    extra = 0
    fields = ("user", "name", "active")
    raw_id_fields = ("user",)


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "phone", "demo", "active")
    list_filter = ("kind", "demo", "active")
    search_fields = ("name", "code")
    inlines = [OfferInline, AccountInline]


class ConsentInline(admin.TabularInline):
    model = ShareConsent
    extra = 0
    can_delete = False
    readonly_fields = ("fields", "granted_by", "granted_at", "revoked_by", "revoked_at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ServiceRequest)
class ServiceRequestAdmin(admin.ModelAdmin):
    list_display = ("offer", "company", "state", "rating", "created_at")
    list_filter = ("state",)
    readonly_fields = [f.name for f in ServiceRequest._meta.fields]
    inlines = [ConsentInline]

    def has_add_permission(self, request):
        return False


@admin.register(PackageRun)
class PackageRunAdmin(admin.ModelAdmin):
    list_display = ("package", "company", "created_at")
    readonly_fields = ("package", "company", "started_by", "created_at")
    exclude = ("form_data",)

    def has_add_permission(self, request):
        return False
