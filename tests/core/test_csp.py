"""The strict Content-Security-Policy (settings.CONTENT_SECURITY_POLICY): every page carries it
and no page needs what it refuses (inline script, <style>, style attributes, eval, another
origin); violations are reported to /csp-report/ and logged.

The browser test walks every HTML page of the route-by-role table (tests/test_routes_by_role.py)
as a role the table lets in, plus the admin, the API documents and the hall's live pages after
htmx has polled, and fails on any violation the browser reports."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from tests.access_world import build_world, describe
from tests.test_routes_by_role import PROBES, _fill
from yishi.catalog.models import MatterVersion
from yishi.core.models import AuditEntry

SRC = Path(__file__).resolve().parents[2] / "src" / "yishi"

# What the policy must never allow.
LOOSE = ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*")


def _directives(header: str) -> dict[str, list[str]]:
    parts = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


# ---------------------------------------------------------------- without a browser


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/hall/", "/account/login/", "/admin/login/", "/api/docs"])
def test_pages_carry_the_strict_policy(client, path):
    response = client.get(path)

    assert response.status_code == 200
    policy = _directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:", settings.MAP_TILE_ORIGIN]  # map tiles
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["report-uri"] == ["/csp-report/"]
    assert not {value for values in policy.values() for value in values} & set(LOOSE)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_a_refused_page_carries_the_policy_too(client):
    response = client.get("/workbench/")  # anonymous: sent to the login page

    assert response.status_code == 302
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_a_violation_report_is_logged_masked_and_answered_204(client, caplog):
    report = {
        "csp-report": {
            "document-uri": "http://127.0.0.1:8000/apply/my/?id=420702198505050011",
            "effective-directive": "script-src-elem",
            "blocked-uri": "inline",
            "source-file": "http://127.0.0.1:8000/hall/",
            "line-number": 12,
        }
    }
    with caplog.at_level(logging.WARNING, logger="yishi.core.csp_report"):
        response = client.post(
            "/csp-report/", data=json.dumps(report), content_type="application/csp-report"
        )

    assert response.status_code == 204
    (line,) = [r.getMessage() for r in caplog.records if r.name == "yishi.core.csp_report"]
    assert line == (
        "CSP violation: script-src-elem blocked inline on /apply/my/ "
        "(source /hall/ line 12, sample '-')"
    )


def test_a_reporting_api_report_is_logged_too(client, caplog):
    reports = [
        {
            "type": "csp-violation",
            "body": {
                "documentURL": "http://127.0.0.1:8000/hall/",
                "effectiveDirective": "style-src-attr",
                "blockedURL": "inline",
            },
        }
    ]
    with caplog.at_level(logging.WARNING, logger="yishi.core.csp_report"):
        response = client.post(
            "/csp-report/", data=json.dumps(reports), content_type="application/reports+json"
        )

    assert response.status_code == 204
    assert [r.getMessage() for r in caplog.records if r.name == "yishi.core.csp_report"] == [
        "CSP violation: style-src-attr blocked inline on /hall/ (source - line -, sample '-')"
    ]


def test_the_report_endpoint_refuses_what_is_no_report(client, caplog):
    with caplog.at_level(logging.WARNING, logger="yishi.core.csp_report"):
        not_json = client.post("/csp-report/", data="hello", content_type="application/csp-report")
        other_json = client.post("/csp-report/", data={"a": 1}, content_type="application/json")
        too_big = client.post(
            "/csp-report/",
            data=json.dumps({"csp-report": {"blocked-uri": "x" * 20_000}}),
            content_type="application/csp-report",
        )
        read = client.get("/csp-report/")

    assert [not_json.status_code, other_json.status_code, too_big.status_code] == [400, 400, 413]
    assert read.status_code == 405
    assert not [r for r in caplog.records if r.name == "yishi.core.csp_report"]


# Inline code in our own templates: <script> without src (JSON data blocks excepted), <style>,
# style="" and on…="" attributes, javascript: links.
INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>"
    r"|<style\b|\sstyle\s*=|\son[a-z]+\s*=\s*[\"']|javascript:",
    re.IGNORECASE,
)


def test_no_template_of_ours_holds_inline_script_or_style():
    found = [
        f"{path.relative_to(SRC)}: {match.group(0).strip()}"
        for path in sorted(SRC.rglob("templates/**/*.html"))
        for match in INLINE.finditer(path.read_text(encoding="utf-8"))
    ]

    assert found == []


def test_htmx_is_served_from_npm_as_a_static_file(client):
    from django.contrib.staticfiles import finders

    assert finders.find("vendor/htmx/htmx.min.js"), "run `make setup` (npm ci)"
    lock = json.loads((SRC.parents[1] / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/htmx.org"]["version"].startswith("2.0.")


# ---------------------------------------------------------------- in Chromium

# Pages that are files, not HTML.
NOT_HTML = {
    "portal:notice_pdf",
    "portal:theme_notice_pdf",
    "licences:download",
    "workbench:material_file",
    "policies:run_payments",
    "api:openapi-json",
    "pwa_manifest",  # 掌上办: JSON and JavaScript
    "pwa_service_worker",
    "stats:export",  # the dashboard's xlsx
    "companies:qr",  # 一企一码: PNG
    "companies:document_pdf",
    "policies:application_payments",  # 即申即享 payment list (xlsx)
    "remote:status",  # the remote session's state for polling (JSON)
    "open_data:csv",
    "open_data:json",
    "governance:request_file",
    "healthz",  # JSON for load balancers (yishi.core.probes)
    "readyz",
    "metrics",  # Prometheus' text format
}
# The role that visits a page: the first of these the table lets in.
VISITOR = (
    "anon",
    "applicant",
    "clerk_here",
    "reviewer_here",
    "supervisor_here",
    "policy_officer",
    "admin",
)
# Pages whose fragments htmx reloads: wait for one reload.
POLLED = {
    "hall_public:screen": "/screen/calls/",
    "hall_public:ticket": "/status/",
    "hall:window": "/waiting/",
}

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.effectiveDirective} blocked ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`);
});
"""


def _pages(values: dict) -> dict[str, list[tuple[str, str]]]:
    """Role → [(route name, path)] for every GET page of the table."""
    pages: dict[str, list[tuple[str, str]]] = {}
    seen = set()
    for probe in PROBES:
        if probe.api or probe.method != "GET" or probe.key in NOT_HTML:
            continue
        role = next((r for r in VISITOR if r in probe.ok), None)
        path = _fill(probe.path, values)
        if role is None or path in seen:
            continue
        seen.add(path)
        pages.setdefault(role, []).append((probe.key, path))
    return pages


def _admin_pages(w) -> list[tuple[str, str]]:
    pages = [
        ("admin:index", "/admin/"),
        ("admin:catalog_matter_changelist", "/admin/catalog/matter/"),
        ("admin:catalog_matter_change", f"/admin/catalog/matter/{w.matter.pk}/change/"),
        ("admin:catalog_department_add", "/admin/catalog/department/add/"),
        ("admin:themes_theme_change", f"/admin/themes/theme/{w.theme.pk}/change/"),
        ("admin:hall_outlet_changelist", "/admin/hall/outlet/"),
        ("admin:core_auditentry_changelist", "/admin/core/auditentry/"),
    ]
    if entry := AuditEntry.objects.order_by("pk").first():
        pages.append(("admin:core_auditentry_change", f"/admin/core/auditentry/{entry.pk}/change/"))
    if version := MatterVersion.objects.order_by("pk").first():
        pages.append(
            ("admin:catalog_matterversion_change", f"/admin/catalog/matterversion/{version.pk}/")
        )
    return pages


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_page_loads_without_a_csp_violation(browser, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    w = build_world()
    pages = _pages(describe(w))
    superuser = get_user_model().objects.create_superuser("csp-admin", "csp@example.com", "x")
    pages.setdefault("superuser", []).extend(_admin_pages(w))
    users = {**w.users, "superuser": superuser}
    assert sum(len(p) for p in pages.values()) > 60  # the table's pages, not a handful

    violations: list[str] = []
    loose: list[str] = []
    visited: list[str] = []
    for role, role_pages in pages.items():
        context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
        context.add_init_script(RECORD_VIOLATIONS)
        if users[role] is not None:
            login = Client()
            login.force_login(users[role])
            cookie = login.cookies[settings.SESSION_COOKIE_NAME].value
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
            )
        page = context.new_page()
        page.set_default_timeout(15_000)

        def on_console(msg, role=role, page=page):
            if "Content Security Policy" in msg.text:
                violations.append(f"{role} {page.url}: {msg.text}")

        page.on("console", on_console)

        def check_header(response, role=role):
            kind = response.request.resource_type
            if kind in {"document", "xhr", "fetch"} and "text/html" in (
                response.headers.get("content-type") or ""
            ):
                policy = response.headers.get("content-security-policy", "")
                if "script-src 'self'" not in policy or any(x in policy.split() for x in LOOSE):
                    loose.append(f"{role} {response.url}: {policy!r}")

        page.on("response", check_header)
        for name, path in role_pages:
            response = page.goto(live_server.url + path)
            assert response is not None and response.status < 500, f"{name} {path}"
            assert "text/html" in response.headers.get("content-type", ""), f"{name} {path}"
            if name == "api:openapi-view":
                page.locator("#swagger-ui .info").wait_for()
            if name in POLLED:
                with page.expect_response(lambda r, part=POLLED[name]: part in r.url) as polled:
                    pass
                assert polled.value.status == 200, name
                page.wait_for_timeout(100)  # the swap
            violations.extend(f"{role} {path}: {v}" for v in page.evaluate("window.__csp"))
            visited.append(name)
        context.close()

    assert not violations, "\n".join(violations)
    assert not loose, "\n".join(loose)
    assert {"hall_public:screen", "hall:window", "api:openapi-view"} <= set(visited)
    assert "admin:catalog_matter_change" in visited
