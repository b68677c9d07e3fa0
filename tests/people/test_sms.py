from __future__ import annotations

import datetime
import logging

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from tests.people.accounts_support import ApplicantAccountFactory, last_code, last_sms
from yishi.core.errors import Conflict, NotFound, TooManyRequests, ValidationFailed
from yishi.core.models import OutboxMessage
from yishi.people.models import SmsCode
from yishi.people.services import sms_code_send, sms_code_verify

pytestmark = pytest.mark.django_db

PHONE = "13907110001"


def _age(seconds: int) -> None:
    """Pretend the phone's codes were sent `seconds` ago."""
    before = timezone.now() - datetime.timedelta(seconds=seconds)
    SmsCode.objects.update(created_at=before)


def test_a_code_goes_out_through_the_outbox_to_the_configured_destination():
    sms_code_send(phone="139 0711 0001", purpose="register")
    message = last_sms(PHONE)
    code = message.payload["code"]
    assert (message.topic, message.destination, message.status) == ("sms.code", "log", "pending")
    assert len(code) == 6 and code.isdigit()
    assert message.payload["text"] == (
        f"【梁子湖区政务服务】您的注册账号验证码为{code}，5分钟内有效。请勿泄露给他人。"
    )
    assert message.payload["purpose"] == "register"


@override_settings(SMS_DESTINATION="file:sms")
def test_the_destination_comes_from_settings():
    sms_code_send(phone=PHONE, purpose="register")
    assert last_sms(PHONE).destination == "file:sms"


def test_the_code_is_stored_only_as_a_keyed_hash():
    sms_code_send(phone=PHONE, purpose="register")
    code = last_code(PHONE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone_index, code_hash FROM people_smscode")
        rows = cursor.fetchall()
    assert len(rows) == 1
    phone_index, code_hash = rows[0]
    assert len(code_hash) == 64
    assert code not in code_hash and PHONE not in phone_index


def test_a_code_expires_after_five_minutes():
    sms_code_send(phone=PHONE, purpose="register")
    sms = SmsCode.objects.get()
    assert sms.expires_at - sms.created_at == pytest.approx(
        datetime.timedelta(seconds=300), abs=datetime.timedelta(seconds=1)
    )


def test_the_right_code_verifies_once():
    sms_code_send(phone=PHONE, purpose="register")
    code = last_code(PHONE)
    sms_code_verify(phone=PHONE, purpose="register", code=code)
    assert SmsCode.objects.get().used_at is not None
    with pytest.raises(ValidationFailed) as exc:
        sms_code_verify(phone=PHONE, purpose="register", code=code)
    assert (exc.value.message, exc.value.field) == ("短信验证码已使用，请重新获取", "sms_code")


def test_a_wrong_code_is_counted_and_says_how_many_tries_are_left():
    sms_code_send(phone=PHONE, purpose="register")
    wrong = "000000" if last_code(PHONE) != "000000" else "111111"
    with pytest.raises(ValidationFailed) as exc:
        sms_code_verify(phone=PHONE, purpose="register", code=wrong)
    assert (exc.value.message, exc.value.field) == ("短信验证码不正确，还可再试4次", "sms_code")
    assert SmsCode.objects.get().attempts == 1


def test_after_five_wrong_codes_even_the_right_one_is_refused():
    sms_code_send(phone=PHONE, purpose="register")
    code = last_code(PHONE)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(ValidationFailed):
            sms_code_verify(phone=PHONE, purpose="register", code=wrong)
    with pytest.raises(ValidationFailed) as exc:
        sms_code_verify(phone=PHONE, purpose="register", code=code)
    assert exc.value.message == "短信验证码已输错5次，请重新获取"
    assert SmsCode.objects.get().used_at is None


def test_an_expired_code_is_refused():
    sms_code_send(phone=PHONE, purpose="register")
    SmsCode.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(ValidationFailed) as exc:
        sms_code_verify(phone=PHONE, purpose="register", code=last_code(PHONE))
    assert exc.value.message == "短信验证码已过期，请重新获取"


def test_a_code_for_one_purpose_does_not_serve_another():
    ApplicantAccountFactory(person__phone=PHONE)
    sms_code_send(phone=PHONE, purpose="reset")
    with pytest.raises(ValidationFailed) as exc:
        sms_code_verify(phone=PHONE, purpose="login", code=last_code(PHONE))
    assert exc.value.message == "短信验证码无效，请先获取验证码"


def test_a_second_code_within_60_seconds_is_refused_and_after_that_it_replaces_the_first():
    sms_code_send(phone=PHONE, purpose="register")
    first = last_code(PHONE)
    with pytest.raises(TooManyRequests) as exc:
        sms_code_send(phone=PHONE, purpose="register")
    assert exc.value.status == 429
    assert exc.value.field == "phone"
    assert exc.value.message.startswith("验证码发送过于频繁，请")
    assert OutboxMessage.objects.count() == 1

    _age(61)
    sms_code_send(phone=PHONE, purpose="register")
    second = last_code(PHONE)
    assert OutboxMessage.objects.count() == 2
    if first != second:
        with pytest.raises(ValidationFailed) as old:
            sms_code_verify(phone=PHONE, purpose="register", code=first)
        assert old.value.message.startswith("短信验证码不正确")
    sms_code_verify(phone=PHONE, purpose="register", code=second)


def test_registering_a_phone_that_has_an_account_is_refused_before_sending():
    ApplicantAccountFactory(person__phone=PHONE)
    with pytest.raises(Conflict) as exc:
        sms_code_send(phone=PHONE, purpose="register")
    assert exc.value.message == "该手机号码已注册账号，请直接登录"
    assert OutboxMessage.objects.count() == 0


def test_a_login_code_for_an_unknown_phone_is_refused():
    with pytest.raises(NotFound) as exc:
        sms_code_send(phone=PHONE, purpose="login")
    assert (exc.value.message, exc.value.field) == ("该手机号码尚未注册账号，请先注册", "phone")


@pytest.mark.parametrize(
    ("phone", "purpose", "message", "field"),
    [
        ("1390711", "register", "手机号码应为11位，实际为7位", "phone"),
        (
            PHONE,
            "hack",
            "验证码用途只能是register（注册）、login（登录）、reset（重置密码）",
            "purpose",
        ),
    ],
)
def test_bad_input_is_refused_with_a_chinese_message(phone, purpose, message, field):
    with pytest.raises(ValidationFailed) as exc:
        sms_code_send(phone=phone, purpose=purpose)
    assert (exc.value.message, exc.value.field) == (message, field)


@override_settings(DEBUG=True)
def test_in_development_the_code_is_printed_with_the_phone_masked(caplog):
    with caplog.at_level(logging.WARNING, logger="yishi.people.services"):
        sms_code_send(phone=PHONE, purpose="register")
    code = last_code(PHONE)
    assert caplog.messages == [f"开发环境短信验证码 139****0001（register）：{code}"]


def test_api_sends_a_code_with_202_and_refuses_a_resend_with_429_problem(client):
    response = client.post(
        "/api/v1/sms-codes",
        {"phone": PHONE, "purpose": "register"},
        content_type="application/json",
    )
    assert response.status_code == 202
    assert response.json() == {
        "phone": "139****0001",
        "purpose": "register",
        "expires_in": 300,
        "resend_after": 60,
    }
    again = client.post(
        "/api/v1/sms-codes",
        {"phone": PHONE, "purpose": "register"},
        content_type="application/json",
    )
    assert again.status_code == 429
    assert again["Content-Type"].startswith("application/problem+json")
    body = again.json()
    assert (body["title"], body["status"], body["field"]) == ("请求过于频繁", 429, "phone")
    assert body["detail"].startswith("验证码发送过于频繁")
