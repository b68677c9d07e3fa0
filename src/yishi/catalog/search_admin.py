"""Admin pages of the unified search: the synonyms administrators edit and the log of
queries that found nothing (most frequent first), from which they add synonyms."""

from __future__ import annotations

from django.contrib import admin

from yishi.catalog.models import Matter, SearchMiss, SearchSynonym


@admin.register(SearchSynonym)
class SearchSynonymAdmin(admin.ModelAdmin):
    list_display = ("phrase", "expansion", "target_kind", "target", "updated_at")
    list_filter = ("target_kind",)
    search_fields = ("phrase", "expansion", "target_code")
    fields = ("phrase", "expansion", "target_kind", "target_code")

    @admin.display(description="直达对象")
    def target(self, obj: SearchSynonym) -> str:
        """The target by its name, not its code."""
        if not obj.target_code:
            return "—"
        from yishi.policies.models import Policy
        from yishi.themes.models import Theme

        model = {"theme": Theme, "matter": Matter, "policy": Policy}.get(obj.target_kind)
        found = model.objects.filter(code=obj.target_code).first() if model else None
        return found.name if found else "（未找到该编码的对象）"


@admin.register(SearchMiss)
class SearchMissAdmin(admin.ModelAdmin):
    list_display = ("query", "count", "last_seen", "first_seen")
    search_fields = ("query",)
    ordering = ("-count", "-last_seen")
    readonly_fields = ("query", "count", "first_seen", "last_seen")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
