"""With DEBUG off (`make run`, production) a wrong address, a refusal or a crash shows a plain
Chinese page in the site's look, never Django's technical page; the API keeps problem+json."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.test import Client, override_settings
from django.urls import path

import yishi.urls

# The project's URLs plus three that fail on purpose; pytest.mark.urls(__name__) serves them.


def _crash(request: HttpRequest):
    raise RuntimeError("boom: internal detail 4207021990")


def _refuse(request: HttpRequest):
    raise PermissionDenied("internal reason")


urlpatterns = [
    path("test-crash/", _crash),
    path("test-refuse/", _refuse),
    path("api/test-crash/", _crash),
    *yishi.urls.urlpatterns,
]
handler500 = yishi.urls.handler500

TECHNICAL = ("URLconf", "Page not found", "Traceback", "Server Error", "Forbidden", "boom")

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@pytest.fixture(autouse=True)
def _debug_off():
    with override_settings(DEBUG=False):
        yield


def _assert_chinese_page(response, status: int, heading: str) -> str:
    html = response.content.decode()
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert f'class="page-title">{heading}</h1>' in html
    assert 'href="/"' in html  # a way home
    for word in TECHNICAL:
        assert word not in html, word
    return html


def test_an_unknown_address_shows_the_chinese_404_page_without_url_patterns():
    html = _assert_chinese_page(Client().get("/no-such-page/"), 404, "页面不存在")
    assert "workbench/credit/" not in html  # Django's technical page lists the patterns
    assert "^api/" not in html


def test_a_crashing_page_shows_the_chinese_500_page():
    client = Client(raise_request_exception=False)
    html = _assert_chinese_page(client.get("/test-crash/"), 500, "服务暂时不可用")
    assert "梁子湖区政务服务" in html  # the site's name without a request context
    assert "/static/yishi/site.css" in html


def test_a_refusal_shows_the_chinese_403_page():
    html = _assert_chinese_page(Client().get("/test-refuse/"), 403, "无权访问此页面")
    assert "internal reason" not in html


def test_a_failed_csrf_check_shows_the_chinese_expired_form_page():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/account/login/", {"phone": "13900000000", "password": "x"})
    html = _assert_chinese_page(response, 403, "页面已过期，请重新提交")
    assert "CSRF" not in html


def test_an_unknown_api_address_answers_problem_json_404():
    response = Client().get("/api/no-such-operation")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")
    assert json.loads(response.content)["status"] == 404


def test_a_crash_under_api_answers_problem_json_500_without_details():
    response = Client(raise_request_exception=False).get("/api/test-crash/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/problem+json")
    body = json.loads(response.content)
    assert body["status"] == 500
    assert body["instance"] == "/api/test-crash/"
    assert "boom" not in response.content.decode()


def test_a_crashing_api_operation_answers_problem_json_500(monkeypatch):
    from yishi.catalog import queries

    def crash(code):
        raise RuntimeError("boom")

    monkeypatch.setattr(queries, "matter_detail", crash)
    response = Client(raise_request_exception=False).get("/api/v1/matters/anything")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/problem+json")
    assert json.loads(response.content)["status"] == 500
    assert "boom" not in response.content.decode()


def test_the_500_page_renders_without_any_context():
    from django.template import loader

    html = loader.get_template("500.html").render()
    assert "服务暂时不可用" in html
    assert "政务服务" in html
