"""Staff sign-in lockout (django-axes): five wrong passwords lock the username (from any
address) for 15 minutes, with a Chinese 429 page; an address is locked only after many more
(30) wrong passwords for any usernames, so colleagues behind one office address do not lock
each other out; applicants' phone sign-ins are not counted (they have their own limit per
phone)."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.test import Client

from tests.people.accounts_support import PASSWORD, ApplicantAccountFactory

pytestmark = pytest.mark.django_db

STAFF_PASSWORD = "Clerk-pass-1"


def _staff(username: str):
    return get_user_model().objects.create_user(
        username, password=STAFF_PASSWORD, is_staff=True, is_superuser=True
    )


def _admin_login(username: str, password: str, address: str):
    return Client(REMOTE_ADDR=address).post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password, "next": "/admin/"},
    )


def test_five_wrong_passwords_lock_the_user_and_the_right_one_is_then_refused_in_chinese():
    _staff("clerk")
    for _ in range(4):
        response = _admin_login("clerk", "wrong-password", "10.0.0.1")
        assert response.status_code == 200  # the form again, with Django's message
    assert _admin_login("clerk", "wrong-password", "10.0.0.1").status_code == 429  # the fifth

    response = _admin_login("clerk", STAFF_PASSWORD, "10.0.0.1")
    assert response.status_code == 429
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Retry-After"] == "900"
    page = response.content.decode()
    assert "登录已暂时锁定" in page
    assert "密码连续输错5次" in page and "同一网络" in page and "15分钟后再试" in page
    assert "sessionid" not in response.cookies


def test_four_wrong_passwords_do_not_lock():
    _staff("clerk")
    for _ in range(4):
        _admin_login("clerk", "wrong-password", "10.0.0.1")
    assert _admin_login("clerk", STAFF_PASSWORD, "10.0.0.1").status_code == 302


def test_another_user_from_another_address_is_unaffected():
    _staff("clerk")
    _staff("officer")
    for _ in range(5):
        _admin_login("clerk", "wrong-password", "10.0.0.1")

    response = _admin_login("officer", STAFF_PASSWORD, "10.0.0.2")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_the_account_is_locked_from_every_address_after_five_wrong_passwords():
    _staff("clerk")
    for i in range(5):
        _admin_login("clerk", "wrong-password", f"10.0.0.{i + 1}")
    assert _admin_login("clerk", STAFF_PASSWORD, "10.0.9.9").status_code == 429


def test_colleagues_typos_behind_one_office_address_lock_nobody_else():
    _staff("officer")
    for name in ["a", "b", "c", "d", "e", "f", "g", "h"]:
        assert _admin_login(name, "wrong-password", "10.0.0.1").status_code == 200
    response = _admin_login("officer", STAFF_PASSWORD, "10.0.0.1")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_the_address_rule_is_looser_than_the_account_rule_by_default(settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.STAFF_ADDRESS_MAX_FAILURES == 30


def test_the_address_is_locked_after_the_address_limit_for_any_usernames(settings):
    settings.STAFF_ADDRESS_MAX_FAILURES = 12
    _staff("officer")
    # 12 wrong passwords, each username fewer than five times: only the address rule can lock.
    for i in range(12):
        _admin_login(f"guess{i % 4}", "wrong-password", "10.0.0.1")
    assert _admin_login("officer", STAFF_PASSWORD, "10.0.0.1").status_code == 429
    assert _admin_login("officer", STAFF_PASSWORD, "10.0.0.2").status_code == 302


def test_one_below_the_address_limit_does_not_lock_the_address(settings):
    settings.STAFF_ADDRESS_MAX_FAILURES = 12
    _staff("officer")
    for i in range(11):
        _admin_login(f"guess{i % 4}", "wrong-password", "10.0.0.1")
    assert _admin_login("officer", STAFF_PASSWORD, "10.0.0.1").status_code == 302


def test_the_lock_expires_after_the_cool_off():
    _staff("clerk")
    for _ in range(5):
        _admin_login("clerk", "wrong-password", "10.0.0.1")
    assert _admin_login("clerk", STAFF_PASSWORD, "10.0.0.1").status_code == 429

    # 15 minutes later (the attempts' clock moved back rather than the whole process's).
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= dt.timedelta(minutes=15, seconds=1)
        attempt.save(update_fields=["attempt_time"])

    response = _admin_login("clerk", STAFF_PASSWORD, "10.0.0.1")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_applicant_phone_sign_ins_are_not_counted_against_the_address():
    account = ApplicantAccountFactory(person__phone="13907110031")
    _staff("clerk")
    browser = Client(REMOTE_ADDR="10.0.0.1")
    for _ in range(6):
        browser.post(
            "/account/login/",
            {"phone": account.phone, "password": "wrong-password", "action": "password"},
        )
    assert not AccessAttempt.objects.exists()

    assert _admin_login("clerk", STAFF_PASSWORD, "10.0.0.1").status_code == 302
    response = Client(REMOTE_ADDR="10.0.0.1").post(
        "/account/login/",
        {"phone": "13907110099", "password": PASSWORD, "action": "password"},
    )
    assert response.status_code != 429
