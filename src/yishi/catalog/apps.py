from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "yishi.catalog"
    label = "catalog"
    verbose_name = "事项目录"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from yishi.catalog.models import StaffProfile
        from yishi.catalog.signals import (
            staff_flag_on_profile_deleted,
            staff_flag_on_profile_saved,
        )

        # An account's is_staff follows its staff profile (yishi/catalog/signals.py).
        post_save.connect(
            staff_flag_on_profile_saved, sender=StaffProfile, dispatch_uid="catalog.staff_flag"
        )
        post_delete.connect(
            staff_flag_on_profile_deleted, sender=StaffProfile, dispatch_uid="catalog.staff_flag"
        )

        # The unified search's in-memory synonyms, themes and policies follow their tables.
        from yishi.catalog import search_admin  # noqa: F401 - registers the admin pages
        from yishi.catalog.unified_search import cache

        for model in ("catalog.SearchSynonym", "themes.Theme", "policies.Policy"):
            for signal in (post_save, post_delete):
                signal.connect(
                    cache.invalidate, sender=model, dispatch_uid=f"unified_search.{model}"
                )
