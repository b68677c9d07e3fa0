from __future__ import annotations

import datetime
import logging

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from tests.people.accounts_support import ApplicantAccountFactory, last_code, last_sms
from yishi.core.errors import TooManyRequests, ValidationFailed
from yishi.core.models import OutboxMessage
from yishi.core.outbox import rendered
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
    # The stored text has a placeholder: the code goes into it only as it is sent.
    assert message.payload["text"] == (
        "【梁子湖区政务服务】您的注册账号验证码为{code}，5分钟内有效。请勿泄露给他人。"
    )
    assert rendered(message.payload)["text"] == (
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


def test_a_registration_code_goes_to_a_phone_with_an_account_like_to_any_other():
    # Only the phone's holder reads it; registration refuses the phone once it is verified.
    ApplicantAccountFactory(person__phone=PHONE)
    sms_code_send(phone=PHONE, purpose="register")
    assert last_sms(PHONE).payload["purpose"] == "register"


@pytest.mark.parametrize("purpose", ["login", "reset"])
def test_a_code_for_an_unknown_phone_is_recorded_but_nothing_is_sent(purpose):
    sms = sms_code_send(phone=PHONE, purpose=purpose)
    assert OutboxMessage.objects.count() == 0
    assert SmsCode.objects.get() == sms
    # It counts like a real one: a second request within 60 seconds is refused alike.
    with pytest.raises(TooManyRequests) as exc:
        sms_code_send(phone=PHONE, purpose=purpose)
    assert exc.value.message.startswith("验证码发送过于频繁，请")


def _api_send(client, phone: str, purpose: str, address: str = "127.0.0.1"):
    return client.post(
        "/api/v1/sms-codes",
        {"phone": phone, "purpose": purpose},
        content_type="application/json",
        REMOTE_ADDR=address,
    )


@pytest.mark.parametrize("purpose", ["register", "login", "reset"])
def test_api_answers_alike_for_a_registered_and_an_unregistered_phone(client, purpose):
    ApplicantAccountFactory(person__phone=PHONE)
    other = "13907110009"
    registered = _api_send(client, PHONE, purpose)
    unregistered = _api_send(client, other, purpose)
    assert (registered.status_code, unregistered.status_code) == (202, 202)
    assert registered["Content-Type"] == unregistered["Content-Type"]
    assert registered.json() == unregistered.json() | {"phone": "139****0001"}
    assert unregistered.json() == {
        "phone": "139****0009",
        "purpose": purpose,
        "expires_in": 300,
        "resend_after": 60,
    }
    # And so does a second request at once.
    again = _api_send(client, PHONE, purpose), _api_send(client, other, purpose)
    assert [r.status_code for r in again] == [429, 429]
    assert again[0].json()["detail"][:10] == again[1].json()["detail"][:10]


def test_a_phone_gets_at_most_five_codes_an_hour_whatever_the_purpose():
    ApplicantAccountFactory(person__phone=PHONE)
    for purpose in ("login", "reset", "login", "reset", "login"):
        sms_code_send(phone=PHONE, purpose=purpose)
        _age(61)
    with pytest.raises(TooManyRequests) as exc:
        sms_code_send(phone=PHONE, purpose="reset")
    assert (exc.value.message, exc.value.field, exc.value.status) == (
        "该手机号码1小时内已获取5次验证码，请稍后再试",
        "phone",
        429,
    )
    assert OutboxMessage.objects.count() == 5
    SmsCode.objects.update(created_at=timezone.now() - datetime.timedelta(hours=1, seconds=1))
    sms_code_send(phone=PHONE, purpose="reset")


@override_settings(SMS_MAX_PER_PHONE_HOUR=2)
def test_the_per_phone_limit_comes_from_settings_and_holds_for_unknown_phones_too():
    for purpose in ("login", "reset"):
        sms_code_send(phone=PHONE, purpose=purpose)
    with pytest.raises(TooManyRequests) as exc:
        sms_code_send(phone=PHONE, purpose="register")
    assert exc.value.message == "该手机号码1小时内已获取2次验证码，请稍后再试"


def test_an_address_gets_at_most_twenty_codes_an_hour(client):
    phones = [f"139071120{i:02d}" for i in range(21)]
    for phone in phones[:20]:
        assert _api_send(client, phone, "register", "10.1.2.3").status_code == 202
    refused = _api_send(client, phones[20], "register", "10.1.2.3")
    assert refused.status_code == 429
    assert refused["Content-Type"].startswith("application/problem+json")
    body = refused.json()
    assert (body["title"], body["status"], body["field"], body["detail"]) == (
        "请求过于频繁",
        429,
        "phone",
        "当前网络1小时内获取验证码已达20次，请稍后再试",
    )
    assert OutboxMessage.objects.count() == 20
    # Another address is not held back.
    assert _api_send(client, phones[20], "register", "10.1.2.4").status_code == 202


def test_the_address_is_kept_only_as_a_keyed_hash():
    sms_code_send(phone=PHONE, purpose="register", address="10.1.2.3")
    stored = SmsCode.objects.get().address_index
    assert len(stored) == 64 and "10.1.2.3" not in stored


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
