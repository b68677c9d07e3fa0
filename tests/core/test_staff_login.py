"""A refused staff sign-in says why, in Chinese: wrong credentials (the same for an unknown
name) with the attempts left before the lockout; the account's state (disabled, not a staff
account) only once the password is proven right."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

pytestmark = pytest.mark.django_db

PASSWORD = "Clerk-pass-1"
WRONG = "用户名或密码不正确。"
DISABLED = "账号已停用，请联系管理员。"
NOT_STAFF = "此账号不是工作人员账号，请使用群众/企业登录入口"


def _user(username: str, **flags):
    return get_user_model().objects.create_user(username, password=PASSWORD, **flags)


def _login(username: str, password: str, address: str = "10.0.0.1"):
    return Client(REMOTE_ADDR=address).post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password, "next": "/admin/"},
    )


def _errors(response) -> list[str]:
    assert response.status_code == 200
    return list(response.context["form"].non_field_errors())


def test_a_wrong_password_says_so_with_the_attempts_left():
    _user("clerk", is_staff=True)

    first = _errors(_login("clerk", "wrong-password"))
    second = _errors(_login("clerk", "wrong-password"))

    assert first == [f"{WRONG}再输错 4 次，将锁定 15 分钟。"]
    assert second == [f"{WRONG}再输错 3 次，将锁定 15 分钟。"]
    # The count is the account's, whichever address the guesses come from.
    assert "再输错 2 次" in _login("clerk", "wrong-password", "10.0.0.2").content.decode()


def test_an_unknown_username_gets_the_same_answer_as_a_wrong_password():
    _user("clerk", is_staff=True)

    assert _errors(_login("nobody", "wrong-password", "10.0.0.1")) == _errors(
        _login("clerk", "wrong-password", "10.0.0.2")
    )


def test_a_disabled_account_is_named_only_with_the_right_password():
    _user("clerk", is_staff=True, is_active=False)

    assert _errors(_login("clerk", PASSWORD)) == [DISABLED]
    # A disabled account's sign-in failed too: it counts like any other.
    assert _errors(_login("clerk", "wrong-password", "10.0.0.2")) == [
        f"{WRONG}再输错 3 次，将锁定 15 分钟。"
    ]


def test_an_applicant_account_with_the_right_password_is_sent_to_the_public_sign_in():
    _user("m-applicant")

    [message] = _errors(_login("m-applicant", PASSWORD))

    assert message.startswith(NOT_STAFF)
    assert "/account/login/" in message
    assert _errors(_login("m-applicant", "wrong-password", "10.0.0.2")) == [
        f"{WRONG}再输错 4 次，将锁定 15 分钟。"
    ]


def test_a_staff_account_with_the_right_password_signs_in():
    _user("clerk", is_staff=True)

    response = _login("clerk", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
