"""The unified search in a real Chromium: an everyday phrase typed in the home page's search
box shows the matching "一件事" theme first, then the matters."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from yishi.catalog.demo.loader import load_demo
from yishi.catalog.search_synonyms import seed_synonyms
from yishi.catalog.unified_search import cache
from yishi.themes.demo.loader import load_themes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_demo(password="Demo-Passw0rd!")
    load_themes()
    seed_synonyms()  # a transactional test flushed the migration's rows
    cache.invalidate()


def test_shengharzi_on_the_home_page_shows_the_newborn_theme_first(demo, page):
    page.goto(page.base_url + "/")
    box = page.get_by_role("searchbox", name="搜索一件事、事项和政策")
    box.fill("生孩子")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/matters/\?q="))

    results = page.locator(".search-hit a, .matter-card__link")
    expect(results.first).to_have_text("新生儿出生")
    expect(results.first).to_have_attribute("href", "/themes/newborn/")
    expect(page.get_by_role("heading", name="一件事")).to_be_visible()

    results.first.click()
    page.wait_for_url(re.compile(r"/themes/newborn/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("新生儿出生")
