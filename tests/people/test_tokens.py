"""掌上办 tokens: apps sign applicants in with bearer tokens, systems call with scoped API keys."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from tests.cases.factories import ApplicantFactory, StaffFactory, make_chain_theme
from tests.people.accounts_support import last_code
from yishi.core.models import AuditEntry
from yishi.people.models import SmsCode
from yishi.people.services import sms_code_send
from yishi.people.tokens import ApiKey, ApiToken, api_key_create, api_key_revoke

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
PASSWORD = "Token-Passw0rd!"


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def holder():
    account = ApplicantFactory()
    account.user.set_password(PASSWORD)
    account.user.save()
    return account


def _post(client: Client, path: str, body: dict, **headers):
    return client.post(path, body, content_type="application/json", headers=headers)


def _tokens(client: Client, holder) -> dict:
    response = _post(client, "/api/v1/auth/token", {"phone": holder.phone, "password": PASSWORD})
    assert response.status_code == 200, response.content
    return response.json()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_token_client_submits_and_tracks_an_application_with_no_cookie(holder):
    chain = make_chain_theme()
    client = Client(enforce_csrf_checks=True)
    body = _tokens(client, holder)
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    assert not client.cookies

    submitted = _post(
        client,
        "/api/v1/applications",
        {"theme": chain["theme"].code, "answers": {}, "form_data": {"name": "李四"}},
        **_bearer(body["access_token"]),
    )
    assert submitted.status_code == 201, submitted.content
    number = submitted.json()["number"]
    detail = client.get(f"/api/v1/applications/{number}", headers=_bearer(body["access_token"]))
    assert detail.status_code == 200
    assert detail.json()["status"] == "submitted"
    listed = client.get("/api/v1/applications", headers=_bearer(body["access_token"])).json()
    assert [a["number"] for a in listed] == [number]
    assert not client.cookies


def test_tokens_are_stored_only_as_digests(holder):
    body = _tokens(Client(), holder)
    digests = set(ApiToken.objects.values_list("digest", flat=True))
    assert len(digests) == 2
    assert body["access_token"] not in digests
    assert body["refresh_token"] not in digests


def test_a_refreshed_token_works_and_the_old_refresh_token_is_refused(holder):
    client = Client()
    first = _tokens(client, holder)
    refreshed = _post(client, "/api/v1/auth/refresh", {"refresh_token": first["refresh_token"]})
    assert refreshed.status_code == 200
    second = refreshed.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert client.get("/api/v1/me", headers=_bearer(second["access_token"])).status_code == 200
    # The old pair is spent: its access token too.
    assert client.get("/api/v1/me", headers=_bearer(first["access_token"])).status_code == 401

    again = _post(client, "/api/v1/auth/refresh", {"refresh_token": first["refresh_token"]})
    assert again.status_code == 400
    assert again["Content-Type"].startswith(PROBLEM)
    assert again.json()["detail"] == "刷新令牌无效、已过期或已被吊销，请重新登录"
    # Reuse of a rotated token revokes the family: the thief's new pair dies with it.
    assert client.get("/api/v1/me", headers=_bearer(second["access_token"])).status_code == 401


def test_an_expired_access_token_is_refused_with_a_chinese_problem(holder):
    client = Client()
    body = _tokens(client, holder)
    ApiToken.objects.filter(kind=ApiToken.Kind.ACCESS).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    response = client.get("/api/v1/me", headers=_bearer(body["access_token"]))
    assert response.status_code == 401
    assert response["Content-Type"].startswith(PROBLEM)
    assert response.json()["title"] == "未登录"


def test_revoking_signs_the_app_out(holder):
    client = Client()
    body = _tokens(client, holder)
    revoked = _post(client, "/api/v1/auth/revoke", {"refresh_token": body["refresh_token"]})
    assert revoked.status_code == 204
    assert client.get("/api/v1/me", headers=_bearer(body["access_token"])).status_code == 401
    again = _post(client, "/api/v1/auth/refresh", {"refresh_token": body["refresh_token"]})
    assert again.status_code == 400


def test_a_wrong_password_is_refused_and_counted_like_a_web_sign_in(holder, settings):
    settings.LOGIN_MAX_FAILURES = 2
    client = Client()
    for _ in range(2):
        wrong = _post(client, "/api/v1/auth/token", {"phone": holder.phone, "password": "nope"})
        assert wrong.status_code == 422
        assert wrong.json()["detail"] == "手机号码或密码不正确"
    locked = _post(client, "/api/v1/auth/token", {"phone": holder.phone, "password": PASSWORD})
    assert locked.status_code == 429
    assert ApiToken.objects.count() == 0


def test_a_phone_and_sms_code_get_tokens(holder):
    sms_code_send(phone=holder.phone, purpose=SmsCode.Purpose.LOGIN)
    code = last_code(holder.phone)
    response = _post(Client(), "/api/v1/auth/token", {"phone": holder.phone, "sms_code": code})
    assert response.status_code == 200, response.content
    assert ApiToken.objects.filter(user=holder.user).count() == 2


def test_a_cookie_session_still_needs_csrf_for_writes(holder):
    chain = make_chain_theme()
    client = Client(enforce_csrf_checks=True)
    client.force_login(holder.user)
    response = _post(
        client,
        "/api/v1/applications",
        {"theme": chain["theme"].code, "answers": {}, "form_data": {"name": "李四"}},
    )
    assert response.status_code == 403


# ------------------------------------------------------------------ API keys


@pytest.fixture
def submitted_number(holder):
    from yishi.cases.services import application_submit

    chain = make_chain_theme()
    application = application_submit(
        user=holder.user, theme=chain["theme"], answers={}, form_data={"name": "张三"}
    )
    return application.number


def test_an_api_key_with_the_scope_acts_and_every_call_is_audited(submitted_number):
    staff = StaffFactory()
    key, full = api_key_create(name="鄂汇办", user=staff.user, scopes=["yishi_cases_api_accept"])
    assert key.digest not in full and full.startswith(f"yk_{key.prefix}_")
    response = Client().post(
        f"/api/v1/applications/{submitted_number}/accept", headers=_bearer(full)
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"
    entry = AuditEntry.objects.filter(action="api_key.call").get()
    assert entry.data["operation"] == "yishi_cases_api_accept"
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_an_api_key_scoped_by_tag_reaches_the_operations_of_the_tag(submitted_number):
    staff = StaffFactory()
    _, full = api_key_create(name="统一受理", user=staff.user, scopes=["办件"])
    response = Client().get(f"/api/v1/applications/{submitted_number}", headers=_bearer(full))
    assert response.status_code == 200


def test_an_api_key_without_the_scope_gets_403(submitted_number):
    staff = StaffFactory()
    _, full = api_key_create(name="只读", user=staff.user, scopes=["yishi_cases_api_detail"])
    response = Client().post(
        f"/api/v1/applications/{submitted_number}/accept", headers=_bearer(full)
    )
    assert response.status_code == 403
    assert response["Content-Type"].startswith(PROBLEM)
    assert response.json()["detail"] == "该接入密钥无权调用此接口"
    assert AuditEntry.objects.filter(action="api_key.refused").count() == 1


def test_a_revoked_api_key_gets_401_problem(submitted_number):
    staff = StaffFactory()
    key, full = api_key_create(name="已停用", user=staff.user, scopes=["办件"])
    api_key_revoke(key=key, by="测试")
    response = Client().get(f"/api/v1/applications/{submitted_number}", headers=_bearer(full))
    assert response.status_code == 401
    assert response["Content-Type"].startswith(PROBLEM)
    assert response.json()["title"] == "未登录"
    assert ApiKey.objects.get(pk=key.pk).active is False
    # the owner can see that the revoked key is still being used
    entry = AuditEntry.objects.filter(action="api_key.revoked_used").get()
    assert (entry.actor, entry.data["method"]) == ("已停用", "GET")


def test_a_wrong_secret_for_a_real_prefix_gets_401(submitted_number):
    staff = StaffFactory()
    key, _ = api_key_create(name="猜测", user=staff.user, scopes=["办件"])
    response = Client().get(
        f"/api/v1/applications/{submitted_number}",
        headers=_bearer(f"yk_{key.prefix}_not-the-secret"),
    )
    assert response.status_code == 401
    assert AuditEntry.objects.filter(action="api_key.wrong_secret", object_id=str(key.pk)).exists()


def test_an_applicant_token_does_not_open_staff_only_operations(holder):
    body = _tokens(Client(), holder)
    response = _post(
        Client(),
        "/api/v1/persons",
        {"name": "张三", "id_number": "11010519491231002X"},
        **_bearer(body["access_token"]),
    )
    assert response.status_code == 401


def test_the_openapi_document_lists_the_bearer_schemes():
    doc = Client().get("/api/openapi.json").json()
    schemes = doc["components"]["securitySchemes"]
    assert schemes["AccessToken"]["scheme"] == "bearer"
    assert schemes["ApiKey"]["scheme"] == "bearer"
    assert "SessionAuth" in schemes
    accept = doc["paths"]["/api/v1/applications/{number}/accept"]["post"]
    assert {"AccessToken": []} in accept["security"]
    assert {"ApiKey": []} in accept["security"]


def test_the_admin_shows_a_new_key_once_and_revokes_it(admin_client):
    staff = StaffFactory()
    response = admin_client.post(
        "/admin/people/apikey/add/",
        {"name": "鄂汇办", "user": staff.user.pk, "scopes": '["办件"]', "active": "on"},
        follow=True,
    )
    assert response.status_code == 200
    key = ApiKey.objects.get()
    shown = [str(m) for m in response.context["messages"]]
    assert any(f"yk_{key.prefix}_" in m for m in shown)
    admin_client.post(
        "/admin/people/apikey/",
        {"action": "revoke", "_selected_action": [key.pk]},
    )
    key.refresh_from_db()
    assert key.active is False and key.revoked_at is not None


def test_with_oidc_an_access_token_of_the_provider_is_accepted(holder, settings, monkeypatch):
    from yishi.people.oidc import ProvinceOIDCBackend

    settings.YISHI_AUTH = "oidc"
    monkeypatch.setattr(ProvinceOIDCBackend, "__init__", lambda self: None)

    def userinfo_user(self, access_token, id_token, payload):
        # Stands in for the provider's userinfo endpoint mapped onto our accounts.
        return holder.user if access_token == "idp-access-token" else None

    monkeypatch.setattr(ProvinceOIDCBackend, "get_or_create_user", userinfo_user)
    assert Client().get("/api/v1/me", headers=_bearer("idp-access-token")).status_code == 200
    assert Client().get("/api/v1/me", headers=_bearer("other-token")).status_code == 401
    settings.YISHI_AUTH = "local"
    assert Client().get("/api/v1/me", headers=_bearer("idp-access-token")).status_code == 401
