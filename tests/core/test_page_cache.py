"""Public pages kept for anonymous visitors (yishi.core.page_cache): answered without a query,
replaced at once by an edit, and never served to or kept from a signed-in person, a session
or a page that carries a CSRF token."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.urls import path

from tests.catalog.factories import MatterFactory
from yishi.catalog.models import SearchMiss
from yishi.core import page_cache

pytestmark = pytest.mark.django_db


def test_a_guide_seen_again_is_answered_without_a_query(client, django_assert_num_queries):
    matter = MatterFactory(name="城乡居民养老保险参保登记")
    first = client.get(f"/matters/{matter.code}/")

    with django_assert_num_queries(0):
        again = client.get(f"/matters/{matter.code}/")

    assert again.status_code == 200
    assert again.content == first.content
    assert "城乡居民养老保险参保登记" in again.content.decode()


def test_an_edit_shows_at_once(client):
    matter = MatterFactory(name="城乡居民养老保险参保登记", consult_phone="0711-1111111")
    assert "0711-1111111" in client.get(f"/matters/{matter.code}/").content.decode()

    matter.consult_phone = "0711-2222222"
    matter.save()

    html = client.get(f"/matters/{matter.code}/").content.decode()
    assert "0711-2222222" in html
    assert "0711-1111111" not in html


def test_a_signed_in_person_is_never_answered_from_or_kept_in_the_cache(client, applicant):
    client.get("/themes/")  # kept for anonymous visitors
    client.force_login(applicant.user)

    signed_in = client.get("/themes/").content.decode()
    client.logout()
    anonymous = client.get("/themes/").content.decode()

    assert "退出" in signed_in  # the sign-out form, with this person's CSRF token
    assert "退出" not in anonymous
    assert "csrfmiddlewaretoken" not in anonymous


def test_a_visitor_with_a_session_gets_a_page_rendered_for_them(
    client, django_assert_max_num_queries
):
    client.get("/themes/")
    client.cookies["sessionid"] = "no-such-session"

    with django_assert_max_num_queries(20) as captured:
        client.get("/themes/")

    assert len(captured.captured_queries) > 0


def test_care_mode_is_kept_apart(client):
    standard = client.get("/themes/").content.decode()
    client.cookies["yishi_care"] = "1"

    care = client.get("/themes/").content.decode()

    assert '<html lang="zh-CN" class="care large-text">' in care
    assert '<html lang="zh-CN">' in standard


def test_every_search_that_finds_nothing_is_counted(client):
    for _ in range(3):
        client.get("/matters/", {"q": "无此事项甲乙丙"})

    assert SearchMiss.objects.get(query="无此事项甲乙丙").count == 3


CALLS: list[str] = []


@page_cache.public_page
def _form_page(request):
    CALLS.append("form")
    return HttpResponse(get_token(request))


@page_cache.public_page
def _plain_page(request):
    CALLS.append("plain")
    return HttpResponse("公开页面")


@page_cache.public_page
def _missing_page(request):
    CALLS.append("missing")
    return HttpResponse("找不到", status=404)


def _unmarked_page(request):
    CALLS.append("unmarked")
    return HttpResponse("工作台")


urlpatterns = [
    path("form/", _form_page),
    path("plain/", _plain_page),
    path("missing/", _missing_page),
    path("unmarked/", _unmarked_page),
]


@pytest.fixture
def pages(settings):
    settings.ROOT_URLCONF = __name__
    CALLS.clear()
    return CALLS


@pytest.mark.parametrize(
    ("method", "url", "expected"),
    [
        ("get", "/form/", ["form", "form"]),  # it used a CSRF token
        ("get", "/missing/", ["missing", "missing"]),  # not a 200
        ("post", "/plain/", ["plain", "plain"]),  # not a GET
        ("get", "/unmarked/", ["unmarked", "unmarked"]),  # not a public page
        ("get", "/plain/", ["plain"]),
    ],
)
def test_only_marked_plain_pages_are_kept(client, pages, method, url, expected):
    for _ in range(2):
        getattr(client, method)(url)

    assert pages == expected


def test_the_setting_at_zero_keeps_nothing(client, pages, settings):
    settings.PAGE_CACHE_SECONDS = 0
    for _ in range(2):
        client.get("/plain/")

    assert pages == ["plain", "plain"]


def test_a_kept_page_has_the_headers_of_a_rendered_one(client, pages):
    rendered = client.get("/plain/")
    kept = client.get("/plain/")

    assert pages == ["plain"]
    for header in ("Content-Language", "X-Frame-Options", "Content-Security-Policy", "Vary"):
        assert kept[header] == rendered[header]
    assert kept["X-Request-ID"] != rendered["X-Request-ID"]
