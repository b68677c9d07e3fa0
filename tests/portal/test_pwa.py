"""掌上办: the installable web app (manifest, service worker, offline page), the 掌上可办 list,
and personal pages kept out of every cache."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser_support import signed_in
from tests.catalog.factories import DepartmentFactory, MatterFactory, TopicFactory
from tests.themes.factories import ThemeFactory, ThemeMatterFactory

PAGES_CACHE = "yishi-pages-v1"


@pytest.mark.django_db
def test_the_manifest_names_the_app_in_chinese_with_both_icons(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    body = json.loads(response.content)
    assert body["short_name"] == "一事办"
    assert body["start_url"] == "/"
    assert body["display"] == "standalone"
    assert body["theme_color"] == "#114796"
    assert [i["sizes"] for i in body["icons"]] == ["192x192", "512x512"]
    for icon in body["icons"]:
        assert re.fullmatch(r"/static/yishi/icons/icon-(192|512)\.png", icon["src"])


@pytest.mark.django_db
def test_the_service_worker_is_served_from_the_root_and_never_cached(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    assert "max-age=0" in response["Cache-Control"]
    text = response.content.decode()
    assert text.startswith("const YISHI_SW_VERSION = ")
    assert '"/offline/"' in text
    assert "/static/yishi/site.css" in text


@pytest.mark.django_db
def test_the_offline_page_says_the_network_is_down(client):
    response = client.get("/offline/")
    assert response.status_code == 200
    assert "网络未连接" in response.content.decode()


@pytest.mark.django_db
def test_the_mobile_list_shows_only_what_can_be_done_wholly_online(client):
    birth = TopicFactory(code="birth", name="出生")
    health = DepartmentFactory(name="区卫健局")
    police = DepartmentFactory(name="梁子湖分局")
    online = MatterFactory(name="全程网办事项", department=health)
    online.topics.set([birth])
    other = MatterFactory(name="公安网办事项", department=police)
    MatterFactory(name="窗口事项", online_depth="offline", department=health)
    MatterFactory(name="草稿事项", draft=True, department=health)
    whole = ThemeFactory(name="网上一件事", lead_department=health)
    ThemeMatterFactory(theme=whole, matter=online)
    half = ThemeFactory(name="半网办一件事", lead_department=health)
    ThemeMatterFactory(theme=half, matter=online, order=1)
    ThemeMatterFactory(
        theme=half, matter=MatterFactory(online_depth="pre_review", department=health), order=2
    )

    page = client.get("/mobile/").content.decode()
    assert "全程网办事项" in page and "公安网办事项" in page
    assert "窗口事项" not in page and "草稿事项" not in page
    assert "网上一件事" in page and "半网办一件事" not in page

    by_topic = client.get(f"/mobile/?topic={birth.pk}").content.decode()
    assert "全程网办事项" in by_topic and "公安网办事项" not in by_topic
    assert "网上一件事" in by_topic

    by_department = client.get(f"/mobile/?department={police.pk}").content.decode()
    assert f'data-mobile-matter="{other.code}"' in by_department
    assert f'data-mobile-matter="{online.code}"' not in by_department
    assert "网上一件事" not in by_department

    # Nonsense filters are ignored, never a 500.
    assert client.get("/mobile/?topic=abc&department=99999999999").status_code == 200


@pytest.mark.django_db
def test_public_pages_may_be_stored_but_personal_ones_never(client, applicant):
    matter = MatterFactory()
    guide = client.get(f"/matters/{matter.code}/")
    assert guide.status_code == 200
    assert "private" not in guide.get("Cache-Control", "")
    assert "no-store" in client.get("/account/login/")["Cache-Control"]

    client.force_login(applicant.user)
    for path in ("/account/", "/apply/my/", "/", f"/matters/{matter.code}/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "private" in response["Cache-Control"], path
        assert "no-store" in response["Cache-Control"], path


@pytest.mark.django_db
def test_signing_out_clears_the_site_data(client, applicant):
    client.force_login(applicant.user)
    response = client.post("/account/logout/")
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'


# ---------------------------------------------------------------- in Chromium

CACHED_URLS = """async () => {
  const urls = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) { urls.push(new URL(request.url).pathname); }
  }
  return urls;
}"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_offline_guides_and_sign_out_in_chromium(page, live_server, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from tests.cases.factories import ApplicantFactory

    matter = MatterFactory(name="离线可读事项")
    applicant = ApplicantFactory()
    base = page.base_url

    page.goto(base + "/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("navigator.serviceWorker.controller !== null")

    guide = f"/matters/{matter.code}/"
    page.goto(base + guide)
    expect(page.get_by_role("heading", name="离线可读事项").first).to_be_visible()
    for _ in range(50):  # the worker stores its copy after answering
        if guide in page.evaluate(CACHED_URLS):
            break
        page.wait_for_timeout(100)
    assert guide in page.evaluate(CACHED_URLS)

    page.context.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", name="离线可读事项").first).to_be_visible()
    page.goto(base + "/matters/NO-SUCH-MATTER/")
    expect(page.get_by_role("heading", name="网络未连接")).to_be_visible()
    page.context.set_offline(False)

    signed_in(page, live_server, applicant.user)
    page.goto(base + "/account/")
    expect(page.get_by_role("link", name="我的账号")).to_be_visible()
    page.goto(base + "/apply/my/")
    cached = page.evaluate(CACHED_URLS)
    assert not [u for u in cached if u.startswith(("/account/", "/apply/"))], cached

    page.get_by_role("button", name="退出").click()
    page.wait_for_url(re.compile(re.escape(base) + "/$"))
    expect(page.get_by_role("link", name="登录/注册")).to_be_visible()
    cached = page.evaluate(CACHED_URLS)
    assert not [u for u in cached if u.startswith(("/account/", "/apply/"))], cached
    assert guide not in cached  # the shared phone keeps nothing of the last user's visit
