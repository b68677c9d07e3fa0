"""Catalog search: terms built from names (Chinese words, full pinyin, initials) and the
ranking of matters for a query. Placeholder until the search index lands."""

from __future__ import annotations

from yishi.catalog.models import Matter


def index_matter(matter: Matter) -> None:
    """Rebuild the search terms of one matter. Called by the catalog services on every save."""
    matter.search_text = " ".join(filter(None, [matter.name, matter.short_name, matter.keywords]))
    Matter.objects.filter(pk=matter.pk).update(search_text=matter.search_text)
