"""掌上办: the installable web app (manifest, service worker, offline page), the 掌上可办 list,
and the middleware that keeps personal responses out of every cache.

The service worker is served from the root path through a view (not /static/) because a
worker's scope cannot reach above the folder it is served from; the view also writes the
current static URLs into it, so a new deployment gets a new cache version.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from yishi.catalog.models import Department, Matter, OnlineDepth, Topic
from yishi.themes.models import Theme, ThemeMatter

THEME_COLOR = "#114796"
SW_SOURCE = Path(__file__).resolve().parent.parent / "static" / "yishi" / "sw.js"
# What the worker stores on install: the offline page and the files every page loads.
PRECACHE_STATIC = ("yishi/site.css", "yishi/site.js", "yishi/care.js", "yishi/pwa.js")
PRECACHE_STATIC += ("yishi/icons/icon-192.png",)


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    body = {
        "name": f"{settings.SITE_NAME} · 梁子湖区政务服务",
        "short_name": "一事办",
        "description": "梁子湖区“高效办成一件事”：办事指南、一件事一次办、掌上办理。",
        "lang": "zh-CN",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOR,
        "background_color": "#ffffff",
        "icons": [
            {
                "src": staticfiles_storage.url(f"yishi/icons/icon-{size}.png"),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": "any",
            }
            for size in (192, 512)
        ],
    }
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), content_type="application/manifest+json"
    )
    patch_cache_control(response, public=True, max_age=3600)
    return response


@cache
def _worker_source() -> str:
    return SW_SOURCE.read_text(encoding="utf-8")


def worker_script() -> str:
    """sw.js with this deployment's precache list and cache version written in front."""
    precache = ["/offline/", *(staticfiles_storage.url(name) for name in PRECACHE_STATIC)]
    source = _worker_source() if not settings.DEBUG else SW_SOURCE.read_text(encoding="utf-8")
    version = hashlib.sha256((source + "\n".join(precache)).encode()).hexdigest()[:12]
    head = (
        f"const YISHI_SW_VERSION = {json.dumps(version)};\n"
        f"const YISHI_PRECACHE = {json.dumps(precache)};\n"
    )
    return head + source


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(worker_script(), content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    # Browsers check for a new worker at least daily anyway; no-cache makes it every load.
    patch_cache_control(response, no_cache=True, max_age=0)
    return response


def offline(request: HttpRequest) -> HttpResponse:
    response = render(request, "portal/offline.html")
    if not request.user.is_authenticated:
        # Stored by the service worker at install; a short public lifetime is enough.
        patch_cache_control(response, public=True, max_age=300)
    return response


def _int_param(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() and len(value) < 10 else None


def mobile_matters(*, topic: Topic | None, department: Department | None) -> list[Matter]:
    matters = Matter.objects.filter(
        status=Matter.Status.PUBLISHED, online_depth=OnlineDepth.FULL
    ).select_related("department")
    if topic is not None:
        matters = matters.filter(topics=topic)
    if department is not None:
        matters = matters.filter(department=department)
    return list(matters.order_by("department__name", "code"))


def mobile_themes(*, topic: Topic | None, department: Department | None) -> list[Theme]:
    """Published themes every matter of which is published and fully online."""
    not_online = ThemeMatter.objects.filter(theme=OuterRef("pk")).filter(
        ~Q(matter__online_depth=OnlineDepth.FULL) | ~Q(matter__status=Matter.Status.PUBLISHED)
    )
    themes = (
        Theme.objects.filter(status=Theme.Status.PUBLISHED)
        .filter(Exists(ThemeMatter.objects.filter(theme=OuterRef("pk"))))
        .exclude(Exists(not_online))
        .select_related("lead_department")
    )
    if topic is not None:
        themes = themes.filter(items__matter__topics=topic)
    if department is not None:
        themes = themes.filter(
            Q(lead_department=department) | Q(items__matter__department=department)
        )
    return list(themes.distinct().order_by("order", "code"))


@require_GET
def mobile(request: HttpRequest) -> HttpResponse:
    """掌上可办: what can be done wholly on the phone, by life event and department."""
    topics = list(Topic.objects.all())
    departments = list(
        Department.objects.filter(
            Q(matters__status=Matter.Status.PUBLISHED, matters__online_depth=OnlineDepth.FULL)
            | Q(led_themes__status=Theme.Status.PUBLISHED)
        )
        .distinct()
        .order_by("name")
    )
    topic_id, department_id = _int_param(request, "topic"), _int_param(request, "department")
    topic = next((t for t in topics if t.pk == topic_id), None)
    department = next((d for d in departments if d.pk == department_id), None)
    return render(
        request,
        "portal/mobile.html",
        {
            "topics": topics,
            "departments": departments,
            "topic": topic,
            "department": department,
            "matters": mobile_matters(topic=topic, department=department),
            "themes": mobile_themes(topic=topic, department=department),
        },
    )


# Paths whose every answer is personal, signed in or not (a login form holds a CSRF token).
PRIVATE_PREFIXES = ("/account/", "/apply/", "/workbench/", "/admin/", "/api/")


class PrivateCacheMiddleware:
    """`Cache-Control: private, no-store` on every answer to a signed-in user, on every path
    that is personal, and on every answer that sets a cookie. The service worker (which cannot
    see Set-Cookie) and any shared proxy then never keep a copy of personal data."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        personal = (
            (user is not None and user.is_authenticated)
            or request.path.startswith(PRIVATE_PREFIXES)
            or bool(response.cookies)
        )
        if personal:
            if "Cache-Control" in response:
                del response["Cache-Control"]
            patch_cache_control(response, private=True, no_store=True)
        return response


def logout_clears_site_data(response: HttpResponse) -> HttpResponse:
    """Signing out wipes the browser's caches and storage for this site (shared phones and
    kiosks); the service worker's caches are among them."""
    response["Clear-Site-Data"] = '"cache", "storage"'
    return response
