"""The back office's admin site: Django's, except that the list of every app and model
(`available_apps`, what the navigation sidebar shows) is built only when a page shows it.
Building it reverses two addresses per registered model, about ninety of them: more than
the rows of a large table's change list cost to render (core.admin_lists turns the sidebar
off there)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


class YishiAdminSite(admin.AdminSite):
    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        request.admin_apps_lazy = True
        try:
            return super().each_context(request)
        finally:
            del request.admin_apps_lazy

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> Any:
        build = super().get_app_list
        if getattr(request, "admin_apps_lazy", False):
            return SimpleLazyObject(lambda: build(request, app_label))
        return build(request, app_label)


class YishiAdminConfig(AdminConfig):
    default_site = "yishi.core.admin_site.YishiAdminSite"
