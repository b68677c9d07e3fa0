"""Single sign-on: the province IdP's claims mapped onto Person + ApplicantAccount, a full
code flow against an IdP served on 127.0.0.1, and the settings switch YISHI_AUTH."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import jwt
import pytest
from django.contrib.auth.models import User
from django.test import RequestFactory, override_settings

from tests.people.accounts_support import ApplicantAccountFactory
from tests.people.factories import PersonFactory
from yishi.core.synthetic import make_ric
from yishi.people.models import ApplicantAccount, Person

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "yishi-lzh"
CLIENT_SECRET = "test-only-client-secret-0123456789"

OIDC_SETTINGS = {
    "OIDC_OP_TOKEN_ENDPOINT": "http://127.0.0.1:9/token",
    "OIDC_OP_USER_ENDPOINT": "http://127.0.0.1:9/userinfo",
    "OIDC_RP_CLIENT_ID": CLIENT_ID,
    "OIDC_RP_CLIENT_SECRET": CLIENT_SECRET,
    "OIDC_RP_SIGN_ALGO": "HS256",
    "OIDC_RP_SCOPES": "openid profile",
    "OIDC_AUTHENTICATION_CALLBACK_URL": "account:login",
    "OIDC_TIMEOUT": 5,
}


def _backend():
    from yishi.people.oidc import ProvinceOIDCBackend

    return ProvinceOIDCBackend()


def _claims(number: str, name: str = "高磊", phone: str = "13907110011") -> dict[str, str]:
    return {"sub": "hb-0001", "id_card_number": number, "name": name, "phone_number": phone}


@override_settings(**OIDC_SETTINGS)
def test_a_new_person_from_the_idp_gets_a_person_and_an_account():
    number = make_ric(seq=41)
    backend = _backend()
    claims = _claims(number)
    assert backend.verify_claims(claims)
    assert list(backend.filter_users_by_claims(claims)) == []
    user = backend.create_user(claims)
    account = ApplicantAccount.objects.get(user=user)
    assert (account.source, account.phone, account.person.name) == ("oidc", "13907110011", "高磊")
    assert account.person.id_number == number and account.verified_at is not None
    assert not user.has_usable_password() and not user.is_staff
    assert number not in user.username
    # the next login finds the same user
    assert list(backend.filter_users_by_claims(claims)) == [user]


@override_settings(**OIDC_SETTINGS)
def test_a_locally_registered_applicant_is_the_same_applicant_under_sso():
    account = ApplicantAccountFactory()
    backend = _backend()
    claims = _claims(account.person.id_number.lower(), name=account.person.name)
    assert list(backend.filter_users_by_claims(claims)) == [account.user]


@override_settings(**OIDC_SETTINGS)
def test_a_person_in_the_registry_without_an_account_is_linked():
    person = PersonFactory(name="何涛")
    user = _backend().create_user(_claims(person.id_number, name="何涛", phone=""))
    assert ApplicantAccount.objects.get(user=user).person == person
    assert Person.objects.count() == 1


@override_settings(**OIDC_SETTINGS, OIDC_CLAIM_ID_NUMBER="idcard", OIDC_CLAIM_NAME="realName")
def test_claim_names_come_from_settings():
    number = make_ric(seq=42)
    backend = _backend()
    claims = {"idcard": number, "realName": "朱艳"}
    assert backend.verify_claims(claims)
    user = backend.create_user(claims)
    assert ApplicantAccount.objects.get(user=user).person.name == "朱艳"
    assert not backend.verify_claims(_claims(number))


@override_settings(**OIDC_SETTINGS)
@pytest.mark.parametrize("number", ["", "420702199001010000", "not-an-id"])
def test_a_bad_id_number_claim_means_no_login_and_the_log_does_not_show_it(number, caplog):
    backend = _backend()
    with caplog.at_level(logging.WARNING, logger="yishi.people.oidc"):
        assert not backend.verify_claims(_claims(number))
    assert caplog.messages == ["SSO login refused: ID number claim missing or invalid"]
    assert list(backend.filter_users_by_claims(_claims(number))) == []
    assert backend.create_user(_claims(number)) is None
    assert (User.objects.count(), Person.objects.count()) == (0, 0)


@override_settings(**OIDC_SETTINGS)
def test_a_missing_name_claim_means_no_login():
    assert not _backend().verify_claims(_claims(make_ric(seq=43), name=""))


@override_settings(**OIDC_SETTINGS)
def test_update_user_takes_a_new_valid_phone_and_ignores_a_bad_one():
    account = ApplicantAccountFactory()
    backend = _backend()
    claims = _claims(account.person.id_number, phone="13907110012")
    assert backend.update_user(account.user, claims) == account.user
    account.refresh_from_db()
    assert account.phone == "13907110012"
    backend.update_user(account.user, _claims(account.person.id_number, phone="12345"))
    account.refresh_from_db()
    assert account.phone == "13907110012"


# ---------------------------------------------------------------- full code flow


class _IdP(BaseHTTPRequestHandler):
    claims: dict[str, str] = {}
    nonce = "nonce-1"

    def log_message(self, *args):  # keep test output quiet
        pass

    def _json(self, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        assert form["client_id"] == [CLIENT_ID] and form["code"] == ["code-1"]
        id_token = jwt.encode(
            {"sub": "hb-0001", "aud": CLIENT_ID, "nonce": self.nonce, "exp": time.time() + 60},
            CLIENT_SECRET,
            algorithm="HS256",
        )
        self._json({"id_token": id_token, "access_token": "access-1", "token_type": "Bearer"})

    def do_GET(self):
        assert self.headers["Authorization"] == "Bearer access-1"
        self._json(self.claims)


@pytest.fixture
def idp():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _IdP)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_the_code_flow_against_a_real_idp_logs_the_person_in(idp):
    number = make_ric(seq=44)
    _IdP.claims = _claims(number, name="林娜")
    endpoints = {"OIDC_OP_TOKEN_ENDPOINT": f"{idp}/token", "OIDC_OP_USER_ENDPOINT": f"{idp}/me"}
    with override_settings(**(OIDC_SETTINGS | endpoints)):
        request = RequestFactory().get("/account/oidc/callback/", {"code": "code-1", "state": "s"})
        request.session = {}
        user = _backend().authenticate(request, nonce="nonce-1")
    assert user is not None
    account = ApplicantAccount.objects.get(user=user)
    assert (account.person.name, account.person.id_number, account.source) == (
        "林娜",
        number,
        "oidc",
    )


def test_the_code_flow_with_a_bad_id_claim_logs_nobody_in(idp):
    _IdP.claims = _claims("420702199001010000")
    endpoints = {"OIDC_OP_TOKEN_ENDPOINT": f"{idp}/token", "OIDC_OP_USER_ENDPOINT": f"{idp}/me"}
    with override_settings(**(OIDC_SETTINGS | endpoints)):
        request = RequestFactory().get("/account/oidc/callback/", {"code": "code-1", "state": "s"})
        request.session = {}
        assert _backend().authenticate(request, nonce="nonce-1") is None
    assert User.objects.count() == 0


# ---------------------------------------------------------------- the settings switch

_PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.test import Client
from django.urls import NoReverseMatch, reverse
try:
    sso = reverse("account:oidc_authentication_init")
except NoReverseMatch:
    sso = None
page = Client().get("/account/login/").content.decode()
print(json.dumps({
    "auth": settings.YISHI_AUTH,
    "apps": "mozilla_django_oidc" in settings.INSTALLED_APPS,
    "backends": settings.AUTHENTICATION_BACKENDS,
    "secret": getattr(settings, "OIDC_RP_CLIENT_SECRET", None),
    "token": getattr(settings, "OIDC_OP_TOKEN_ENDPOINT", None),
    "algo": getattr(settings, "OIDC_RP_SIGN_ALGO", None),
    "sso_url": sso,
    "sso_button": "使用统一身份认证登录" in page,
    "password_form": 'name="password"' in page,
}))
"""


def _settings_probe(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("YISHI_AUTH", "YISHI_OIDC_"))
    }
    environment |= {
        "DJANGO_SETTINGS_MODULE": "yishi.settings",
        "PYTHONPATH": str(ROOT / "src"),
        "YISHI_VAR_DIR": str(tmp_path),
    }
    environment |= env
    return subprocess.run(
        [sys.executable, "-c", _PROBE],
        env=environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_by_default_applicants_log_in_locally(tmp_path):
    result = _settings_probe(tmp_path)
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout)
    assert probe == {
        "auth": "local",
        "apps": False,
        "backends": [
            "yishi.core.lockout.SignInLockoutBackend",  # axes, first
            "yishi.core.auth.ModelBackend",
            "yishi.people.auth.PhonePasswordBackend",
            "yishi.people.auth.SmsCodeBackend",
        ],
        "secret": None,
        "token": None,
        "algo": None,
        "sso_url": None,
        "sso_button": False,
        "password_form": True,
    }


def test_yishi_auth_oidc_switches_to_the_province_single_sign_on(tmp_path):
    secret_file = tmp_path / "oidc-secret"
    secret_file.write_text("from-a-file\n", encoding="utf-8")
    result = _settings_probe(
        tmp_path,
        YISHI_AUTH="oidc",
        YISHI_OIDC_CLIENT_ID=CLIENT_ID,
        YISHI_OIDC_CLIENT_SECRET_FILE=str(secret_file),
        YISHI_OIDC_AUTHORIZATION_ENDPOINT="https://idp.example/authorize",
        YISHI_OIDC_TOKEN_ENDPOINT="https://idp.example/token",
        YISHI_OIDC_USER_ENDPOINT="https://idp.example/userinfo",
        YISHI_OIDC_JWKS_ENDPOINT="https://idp.example/jwks",
    )
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout)
    assert probe == {
        "auth": "oidc",
        "apps": True,
        "backends": [
            "yishi.core.lockout.SignInLockoutBackend",  # axes, first
            "yishi.core.auth.ModelBackend",
            "yishi.people.oidc.ProvinceOIDCBackend",
        ],
        "secret": "from-a-file",
        "token": "https://idp.example/token",
        "algo": "RS256",
        "sso_url": "/account/oidc/authenticate/",
        "sso_button": True,
        "password_form": False,
    }


def test_oidc_without_its_endpoints_fails_loudly_at_start(tmp_path):
    result = _settings_probe(tmp_path, YISHI_AUTH="oidc")
    assert result.returncode != 0
    assert "environment variable YISHI_OIDC_CLIENT_ID is required" in result.stderr


def test_an_unknown_auth_mode_fails_loudly_at_start(tmp_path):
    result = _settings_probe(tmp_path, YISHI_AUTH="ldap")
    assert result.returncode != 0
    assert "YISHI_AUTH='ldap' must be 'local' or 'oidc'" in result.stderr
