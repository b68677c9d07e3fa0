"""Reads of published themes, prefetched so that a theme's page, notice, form and savings are
computed from memory in a small constant number of queries whatever the theme's size."""

from __future__ import annotations

import time

from django.conf import settings
from django.db.models import Prefetch, QuerySet

from yishi.catalog.models import Material
from yishi.core.errors import NotFound
from yishi.themes.models import FieldMapping, Theme, ThemeFormField, ThemeMatter, ThemeQuestion


def _items() -> Prefetch:
    items = (
        ThemeMatter.objects.select_related("matter__department")
        .prefetch_related(
            Prefetch("matter__materials", queryset=Material.objects.order_by("order", "id")),
            Prefetch("depends_on", queryset=ThemeMatter.objects.only("id")),
        )
        .order_by("order", "id")
    )
    return Prefetch("items", queryset=items)


def theme_queryset() -> QuerySet[Theme]:
    """Themes with everything the domain modules read: questions, items with their matters,
    departments, materials and prerequisites, fields with their mappings."""
    fields = ThemeFormField.objects.prefetch_related(
        Prefetch("mappings", queryset=FieldMapping.objects.order_by("id"))
    ).order_by("order", "id")
    return Theme.objects.select_related("lead_department").prefetch_related(
        Prefetch("questions", queryset=ThemeQuestion.objects.order_by("order", "id")),
        _items(),
        Prefetch("fields", queryset=fields),
    )


def published_theme_list(audience: str | None = None) -> QuerySet[Theme]:
    """Published themes in display order with what a list of them shows: their items, matters,
    departments, materials and prerequisites (the savings). Not the questions and form fields
    only a theme's own page reads: building those objects was half of the home page's time."""
    qs = (
        Theme.objects.select_related("lead_department")
        .prefetch_related(_items())
        .filter(status=Theme.Status.PUBLISHED)
    )
    if audience:
        qs = qs.filter(audience=audience)
    return qs.order_by("order", "code")


def published_themes(audience: str | None = None) -> QuerySet[Theme]:
    """Published themes in display order, optionally for one audience (person/company),
    prefetched like theme_by_code (a QuerySet: callers may add their own prefetches)."""
    qs = theme_queryset().filter(status=Theme.Status.PUBLISHED)
    if audience:
        qs = qs.filter(audience=audience)
    return qs.order_by("order", "code")


def theme_by_code(code: str) -> Theme:
    """A published theme with everything prefetched; NotFound otherwise."""
    theme = theme_queryset().filter(code=code, status=Theme.Status.PUBLISHED).first()
    if theme is None:
        raise NotFound(f"主题 {code} 不存在", field="code")
    return theme


def themes_of_matter(matter) -> list[Theme]:
    """The published themes in which this matter can be handled together with others."""
    return list(
        Theme.objects.filter(items__matter=matter, status=Theme.Status.PUBLISHED)
        .order_by("order", "code")
        .distinct()
    )


# A process-wide copy of each theme's structure (questions, items with matters and
# prerequisites, fields with mappings) for the hot paths of submission and acceptance. An
# entry serves while the theme row's updated_at is unchanged (every edit of a theme or of its
# inlines in the admin saves the theme) and for at most THEME_CACHE_SECONDS, which bounds how
# long an edit made elsewhere (a matter moved to another department) can go unseen.
_prepared: dict[int, tuple[object, float, Theme]] = {}


def theme_prepared(theme: Theme) -> Theme:
    """`theme` with its whole structure prefetched, from the process cache when fresh. The
    instance is shared: read it, never change it."""
    ttl = getattr(settings, "THEME_CACHE_SECONDS", 60)
    entry = _prepared.get(theme.pk)
    now = time.monotonic()
    if entry is not None and entry[0] == theme.updated_at and now - entry[1] < ttl:
        return entry[2]
    fresh = theme_queryset().filter(pk=theme.pk).first()
    if fresh is None:
        raise NotFound(f"主题 {theme.code} 不存在", field="theme")
    if ttl > 0:
        _prepared[theme.pk] = (fresh.updated_at, now, fresh)
    return fresh
