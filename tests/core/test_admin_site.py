"""The admin site builds its list of every app and model only for a page that shows it (the
index, the navigation sidebar); a large table's change list, without the sidebar, skips it."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.admin import AdminSite

from yishi.core.admin_site import YishiAdminSite

pytestmark = pytest.mark.django_db


@pytest.fixture
def builds(monkeypatch):
    calls = []
    real = AdminSite._build_app_dict

    def counted(self, request, label=None):
        calls.append(label)
        return real(self, request, label)

    monkeypatch.setattr(AdminSite, "_build_app_dict", counted)
    return calls


def test_the_site_is_the_lazy_one():
    assert isinstance(admin.site, YishiAdminSite)


def test_a_large_tables_list_builds_no_app_list(admin_client, builds):
    html = admin_client.get("/admin/core/auditentry/").content.decode()
    assert 'id="nav-sidebar"' not in html
    assert builds == []


def test_the_index_and_the_sidebar_still_list_every_app(admin_client, builds):
    index = admin_client.get("/admin/").content.decode()
    assert "/admin/core/auditentry/" in index
    assert builds
    builds.clear()
    page = admin_client.get("/admin/core/outboxmessage/").content.decode()
    assert 'id="nav-sidebar"' in page and "/admin/core/auditentry/" in page
    assert builds
