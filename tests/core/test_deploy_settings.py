"""Production settings (YISHI_DEBUG=false, YISHI_DEMO=false) pass Django's deployment check
with nothing silenced and serve HTTPS only; demo mode is plain HTTP on loopback and differs in
nothing else. Each case starts its own process: settings are read once, at start-up."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from tests.settings_support import clean_env, probe, run_python

# Reads the settings and asks a test client for a page, over HTTPS and over plain HTTP.
PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
names = ["DEBUG", "DEMO", "STAFF_SECOND_FACTOR_REQUIRED", "SECURE_SSL_REDIRECT",
         "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
         "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_CONTENT_TYPE_NOSNIFF",
         "X_FRAME_OPTIONS", "SECURE_REFERRER_POLICY", "SECURE_PROXY_SSL_HEADER",
         "SMS_DESTINATION", "SESSION_COOKIE_AGE"]
client = Client(HTTP_HOST=settings.ALLOWED_HOSTS[0])
https = client.get("/admin/login/", secure=True)
http = client.get("/admin/login/")
print(json.dumps({
    "settings": {name: getattr(settings, name) for name in names},
    "https": {"status": https.status_code, "headers": dict(https.headers)},
    "http": {"status": http.status_code, "location": http.headers.get("Location")},
}))
"""


def _env(tmp_path: Path, **overrides: str | None) -> dict[str, str]:
    defaults = dict(
        YISHI_DEBUG="false",
        YISHI_DEMO="false",
        YISHI_SECRET_KEY=secrets.token_urlsafe(48),  # 64 characters
        YISHI_FIELD_KEYS=f"k1:{secrets.token_hex(16)}",
        YISHI_INDEX_KEY=secrets.token_hex(32),
        YISHI_ALLOWED_HOSTS="zwfw.liangzihu.example.cn",
        YISHI_SMS_DESTINATION="http:sms",
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        YISHI_VAR_DIR=str(tmp_path / "var"),
        YISHI_LOG_LEVEL="WARNING",
    )
    return clean_env(**{**defaults, **overrides})


def _run(args: list[str], env: dict[str, str]):
    return run_python(args, env)


def _probe(env: dict[str, str]) -> dict:
    return probe(PROBE, env)


def test_production_settings_pass_the_deploy_check_with_no_warning(tmp_path):
    done = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], _env(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues (0 silenced)." in done.stdout
    assert "WARNING" not in done.stdout + done.stderr
    assert "?: (" not in done.stdout + done.stderr  # no check message of any level


def test_production_serves_https_only_with_hsts_and_secure_cookies(tmp_path):
    probe = _probe(_env(tmp_path))
    assert probe["settings"] == {
        "DEBUG": False,
        "DEMO": False,
        "STAFF_SECOND_FACTOR_REQUIRED": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "X_FRAME_OPTIONS": "DENY",
        "SECURE_REFERRER_POLICY": "same-origin",
        "SECURE_PROXY_SSL_HEADER": None,
        "SMS_DESTINATION": "http:sms",
        "SESSION_COOKIE_AGE": 12 * 3600,
    }
    headers = probe["https"]["headers"]
    assert probe["https"]["status"] == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert probe["http"] == {
        "status": 301,
        "location": "https://zwfw.liangzihu.example.cn/admin/login/",
    }


def test_the_proxy_header_is_trusted_only_when_configured(tmp_path):
    probe = _probe(_env(tmp_path, YISHI_PROXY_SETS_X_FORWARDED_PROTO="true"))
    assert probe["settings"]["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_demo_mode_is_plain_http_on_loopback_without_second_factor_and_sms_in_the_log(
    tmp_path,
):
    probe = _probe(
        _env(
            tmp_path,
            YISHI_DEMO="true",
            YISHI_ALLOWED_HOSTS="127.0.0.1,localhost",
            YISHI_SMS_DESTINATION=None,
        )
    )
    production = _probe(_env(tmp_path))["settings"]
    demo = probe["settings"]
    differing = {name for name in demo if demo[name] != production[name]}
    assert differing == {
        "DEMO",
        "STAFF_SECOND_FACTOR_REQUIRED",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SMS_DESTINATION",
    }
    assert demo["STAFF_SECOND_FACTOR_REQUIRED"] is False
    assert demo["SMS_DESTINATION"] == "log"
    assert demo["SECURE_SSL_REDIRECT"] is False
    assert demo["SESSION_COOKIE_SECURE"] is False
    assert probe["http"]["status"] == 200  # no redirect to HTTPS
    assert "Strict-Transport-Security" not in probe["https"]["headers"]


def test_demo_mode_refuses_to_serve_a_public_host_name(tmp_path):
    done = _run(["manage.py", "check"], _env(tmp_path, YISHI_DEMO="true"))
    assert done.returncode != 0
    assert "YISHI_DEMO=true serves the loopback address only" in done.stderr


@pytest.mark.parametrize("destination", [None, "log", "file:sms"])
def test_production_without_an_sms_gateway_fails_at_start_up(tmp_path, destination):
    done = _run(["manage.py", "check"], _env(tmp_path, YISHI_SMS_DESTINATION=destination))
    assert done.returncode != 0
    assert "ConfigError" in done.stderr
    assert "needs an SMS gateway" in done.stderr
