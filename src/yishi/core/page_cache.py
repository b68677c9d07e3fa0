"""Public pages rendered once and answered from the cache to anonymous visitors.

Guides, theme pages, topic lists, one-time notices, the home page and search results are the
same for every visitor who is not signed in, and they are most of the traffic. A view marked
`@public_page` has its answer kept by `PageCacheMiddleware` in the `pages` cache (settings
CACHES: Redis when YISHI_CACHE_URL is set, so every app machine shares one copy; else this
process's memory) for PAGE_CACHE_SECONDS, keyed by host, path and query, care mode and htmx
target. The middleware sits before sessions and sign-in, so a kept page costs one cache
read; it keeps the answer as the middlewares after it finished it (headers included).

A page is answered from the cache only to a request that carries no session and no pending
message (so never to a signed-in person, and never with someone else's message or CSRF
token), and a page is kept only when rendering it set no cookie, changed no session, used
no CSRF token and added no message. A view that records something on each visit (a search
that found nothing is logged) calls `skip(request)` so that answer is not kept.

Edits show at once: saving or deleting any model that public pages read (SOURCES) moves the
cache's generation on, again when its transaction commits; a kept page carries the
generation it was rendered under and is not answered under another. With the per-process
memory cache only the process that saved sees the move; others show the edit after
PAGE_CACHE_SECONDS.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils import translation

ALIAS = "pages"
GENERATION_KEY = "generation"
CARE_COOKIE = "yishi_care"  # set by site.js when the visitor switches care mode on (关怀版)
_MARK = "yishi_public_page"  # on a marked view: the most seconds its page is kept (0: default)
_SKIP = "_yishi_page_cache_skip"

# What public pages read: a save or delete of one of these moves the generation on.
SOURCES = (
    "catalog.Region",
    "catalog.Department",
    "catalog.Topic",
    "catalog.Matter",
    "catalog.Material",
    "catalog.MatterVersion",
    "catalog.MatterSearchTerm",
    "catalog.SearchSynonym",
    "themes.Theme",
    "themes.ThemeQuestion",
    "themes.ThemeMatter",
    "themes.ThemeFormField",
    "hall.Outlet",
    "hall.Queue",
    "exchange.Partner",
    "exchange.AgreedMatter",
    "policies.Policy",
    "policies.RuleVersion",
    "core.CalendarDay",
)


def public_page(view: Callable[..., HttpResponse] | None = None, *, most: int | None = None) -> Any:
    """Mark a view whose page is the same for every anonymous visitor (see the module's
    text); `most` shortens how long a page of live figures is kept (`@public_page(most=10)`)."""

    def mark(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        setattr(view, _MARK, most or 0)
        return view

    return mark(view) if view is not None else mark


def seconds() -> int:
    return int(getattr(settings, "PAGE_CACHE_SECONDS", 0) or 0)


def skip(request: HttpRequest) -> None:
    """Do not keep this answer (the view recorded something a cached answer would not)."""
    setattr(request, _SKIP, True)


def _bump() -> None:
    cache = caches[ALIAS]
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not set yet, or evicted: any new value differs from the kept pages'
        cache.set(GENERATION_KEY, 2, timeout=None)


def invalidate(**_: Any) -> None:
    """Every kept page is old from now on: at once, and again when the change commits (a
    page rendered in between read the database before the change was visible)."""
    _bump()
    transaction.on_commit(_bump)


def clear() -> None:
    caches[ALIAS].clear()


def _most(request: HttpRequest) -> int | None:
    """The marked view's `most` (0: the default time), or None for a view not marked."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    return getattr(match.func, _MARK, None)


def _key(request: HttpRequest) -> str | None:
    """The cache key for this request, or None when it must be rendered for itself."""
    if request.method not in ("GET", "HEAD") or seconds() <= 0:
        return None
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies or "messages" in cookies:
        return None
    if len(settings.LANGUAGES) > 1:
        language = translation.get_language_from_request(request)
    else:
        language = settings.LANGUAGE_CODE
    return ":".join(
        (
            language,
            "1" if cookies.get(CARE_COOKIE) == "1" else "0",
            request.headers.get("HX-Request", ""),
            request.headers.get("HX-Target", ""),
            request.get_host(),
            request.path,
            request.META.get("QUERY_STRING", ""),
        )
    )


def _keepable(request: HttpRequest, response: HttpResponse) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if getattr(request, _SKIP, False) or request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return False
    session = getattr(request, "session", None)
    if session is not None and session.modified:
        return False
    messages = getattr(request, "_messages", None)
    if messages is not None and getattr(messages, "added_new", False):
        return False
    return "private" not in response.get("Cache-Control", "")


class PageCacheMiddleware:
    """Answers marked views from the `pages` cache and keeps their pages (module text)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        most = _most(request)
        key = _key(request) if most is not None else None
        if key is None:
            return self.get_response(request)
        cache = caches[ALIAS]
        found = cache.get_many([GENERATION_KEY, key])
        current = found.get(GENERATION_KEY)
        if current is None:
            current = cache.get_or_set(GENERATION_KEY, 1, timeout=None)
        kept = found.get(key)
        if kept is not None and kept[0] == current:
            return kept[1]
        response = self.get_response(request)
        if _keepable(request, response):
            cache.set(key, (current, response), min(seconds(), most or seconds()))
        return response


def connect() -> None:
    """Move the generation on whenever a source model changes (CoreConfig.ready)."""
    for label in SOURCES:
        model = apps.get_model(label)
        uid = f"page-cache-{label}"
        post_save.connect(invalidate, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(invalidate, sender=model, dispatch_uid=uid + "-delete")
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(
                invalidate, sender=field.remote_field.through, dispatch_uid=f"{uid}-{field.name}"
            )
