from __future__ import annotations

from django.contrib import admin

from yishi.credit.models import Blacklist, Commitment, CommitmentItem, CreditRecord, CreditRepair


class CommitmentItemInline(admin.TabularInline):
    model = CommitmentItem
    extra = 0
    fields = ("matter", "material", "name", "kind", "due", "fulfilled_at", "reminded_at")
    readonly_fields = fields
    can_delete = False


@admin.register(Commitment)
class CommitmentAdmin(admin.ModelAdmin):
    list_display = ("id", "application", "signer_name", "kind", "status", "signed_at")
    list_filter = ("status", "kind")
    search_fields = ("application__number", "signer_name")
    readonly_fields = [f.name for f in Commitment._meta.fields]
    inlines = [CommitmentItemInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CreditRecord)
class CreditRecordAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "person", "company", "occurred_on", "repaired_by")
    list_filter = ("kind",)
    readonly_fields = [f.name for f in CreditRecord._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Blacklist)
class BlacklistAdmin(admin.ModelAdmin):
    list_display = ("id", "person", "company", "listed_on", "until", "lifted_at")
    readonly_fields = [f.name for f in Blacklist._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(CreditRepair)
class CreditRepairAdmin(admin.ModelAdmin):
    list_display = ("id", "person", "company", "status", "submitted_at", "decided_at")
    list_filter = ("status",)
    readonly_fields = [f.name for f in CreditRepair._meta.fields]

    def has_add_permission(self, request):
        return False
