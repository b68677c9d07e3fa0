"""Sessions: a new key at sign-in, staff signed out after 30 idle minutes, everyone 12 hours
after sign-in (the login page for pages, 401 problem+json for the API), and last-seen
written at most once a minute."""

from __future__ import annotations

import json
import time

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.test import Client

from tests.people.accounts_support import PASSWORD, ApplicantAccountFactory
from yishi.core.session_limits import SEEN, STAFF, STARTED

pytestmark = pytest.mark.django_db


def _staff_client() -> Client:
    user = get_user_model().objects.create_user(
        "clerk", password="Clerk-pass-1", is_staff=True, is_superuser=True
    )
    client = Client()
    client.force_login(user)
    assert client.get("/admin/").status_code == 200  # stamps the session
    return client


def _applicant_client() -> Client:
    account = ApplicantAccountFactory()
    client = Client()
    client.force_login(account.user)
    assert client.get("/account/").status_code == 200
    return client


def _age(client: Client, *, started: int = 0, seen: int = 0) -> None:
    """Move the session's clocks back by that many seconds."""
    session = client.session
    session[STARTED] -= started
    session[SEEN] -= seen
    session.save()


def test_sessions_last_twelve_hours_not_two_weeks():
    assert settings.SESSION_COOKIE_AGE == 12 * 3600
    assert (settings.SESSION_IDLE_MINUTES, settings.SESSION_MAX_HOURS) == (30, 12)


def test_the_session_key_changes_at_staff_sign_in():
    get_user_model().objects.create_user("clerk", password="Clerk-pass-1", is_staff=True)
    client = Client()
    session = client.session
    session["before"] = "sign-in"
    session.save()
    before = session.session_key

    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "clerk", "password": "Clerk-pass-1", "next": "/admin/"},
    )
    assert response.status_code == 302
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before
    assert client.session[SESSION_KEY]


def test_the_session_key_changes_at_applicant_sign_in():
    account = ApplicantAccountFactory(person__phone="13907110032")
    client = Client()
    session = client.session
    session["before"] = "sign-in"
    session.save()
    before = session.session_key

    response = client.post(
        "/account/login/", {"phone": account.phone, "password": PASSWORD, "action": "password"}
    )
    assert response.status_code == 302
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != before
    assert client.session[SESSION_KEY] == str(account.user.pk)


def test_the_first_request_after_sign_in_stamps_the_session():
    client = _staff_client()
    session = client.session
    now = int(time.time())
    assert now - 5 <= session[STARTED] <= now
    assert session[SEEN] == session[STARTED]
    assert session[STAFF] is True


def test_staff_idle_for_thirty_minutes_are_signed_out_to_the_login_page():
    client = _staff_client()
    _age(client, started=30 * 60, seen=30 * 60)

    response = client.get("/admin/auth/user/?o=1")
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/auth/user/%3Fo%3D1"
    assert SESSION_KEY not in client.session
    assert client.get("/admin/").status_code == 302  # still signed out


def test_staff_active_within_thirty_minutes_stay_signed_in():
    client = _staff_client()
    _age(client, started=3 * 3600, seen=29 * 60)
    assert client.get("/admin/").status_code == 200
    assert client.session[SEEN] >= int(time.time()) - 5  # this request counted as activity


def test_applicants_are_not_signed_out_for_being_idle():
    client = _applicant_client()
    _age(client, started=2 * 3600, seen=2 * 3600)
    assert client.get("/account/").status_code == 200


def test_everyone_is_signed_out_twelve_hours_after_sign_in():
    client = _applicant_client()
    _age(client, started=12 * 3600, seen=60)

    response = client.get("/account/")
    assert response.status_code == 302
    assert response["Location"] == "/account/login/?next=/account/"
    assert SESSION_KEY not in client.session


def test_an_api_request_of_an_ended_session_gets_401_problem_json():
    client = _applicant_client()
    _age(client, started=12 * 3600)

    response = client.get("/api/people/me")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json; charset=utf-8"
    body = json.loads(response.content)
    assert body["status"] == 401
    assert body["title"] == "登录已失效"
    assert body["detail"] == "登录已超过最长有效时间，请重新登录"
    assert body["type"].endswith("/session_expired")
    assert SESSION_KEY not in client.session


def test_last_seen_is_written_at_most_once_a_minute():
    client = _staff_client()
    _age(client, seen=30)
    seen = client.session[SEEN]

    response = client.get("/admin/")
    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies  # the session was not saved
    assert client.session[SEEN] == seen

    _age(client, seen=31)  # 61 seconds ago now
    response = client.get("/admin/")
    assert settings.SESSION_COOKIE_NAME in response.cookies
    assert client.session[SEEN] > seen


def test_anonymous_requests_leave_no_session():
    response = Client().get("/")
    assert settings.SESSION_COOKIE_NAME not in response.cookies


def test_a_clerk_known_by_staff_profile_alone_counts_as_staff(window):
    get_user_model().objects.filter(pk=window.user.pk).update(is_staff=False)
    client = Client()
    client.force_login(get_user_model().objects.get(pk=window.user.pk))
    client.get("/workbench/")
    assert client.session[STAFF] is True

    _age(client, started=31 * 60, seen=31 * 60)
    response = client.get("/workbench/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/workbench/"
