"""On PostgreSQL: parallel wrong passwords against one phone, each in its own thread and
connection, get at most LOGIN_MAX_FAILURES passwords checked; the rest are refused as locked
without a check. The holder still gets in with a login code. Parallel code requests stay
within the hourly limits per phone and per address."""

from __future__ import annotations

import threading
import time

import pytest
from django.contrib.auth.base_user import AbstractBaseUser

from tests.concurrency_support import race
from tests.people.accounts_support import PASSWORD, ApplicantAccountFactory, last_code
from yishi.core.models import OutboxMessage
from yishi.people.models import LoginFailure, SmsCode
from yishi.people.services import applicant_login, sms_code_send

PHONE = "13907110041"
GUESSES = 20


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_wrong_passwords_get_exactly_the_limit_checked(monkeypatch, settings):
    account = ApplicantAccountFactory(person__phone=PHONE)
    checked = []
    lock = threading.Lock()
    real_check = AbstractBaseUser.check_password

    def counting_check(self, raw_password):
        with lock:
            checked.append(raw_password)
        time.sleep(0.05)  # widen the window in which an unguarded count would be stale
        return real_check(self, raw_password)

    monkeypatch.setattr(AbstractBaseUser, "check_password", counting_check)

    def guess(n: int):
        return lambda: applicant_login(request=None, phone=PHONE, password=f"wrong-{n:02d}")

    outcomes = race(*(guess(n) for n in range(GUESSES)))

    limit = settings.LOGIN_MAX_FAILURES
    assert len(checked) == limit
    assert outcomes == sorted(
        ["validationfailed:422"] * limit + ["toomanyrequests:429"] * (GUESSES - limit)
    )
    assert LoginFailure.objects.count() == limit

    # Locked: even the right password is not checked; a login code still lets the holder in.
    outcomes = race(lambda: applicant_login(request=None, phone=PHONE, password=PASSWORD))
    assert outcomes == ["toomanyrequests:429"]
    assert len(checked) == limit
    sms_code_send(phone=PHONE, purpose="login")
    assert applicant_login(request=None, phone=PHONE, sms_code=last_code(PHONE)) == account.user


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_code_requests_for_one_phone_get_exactly_the_hourly_limit(settings):
    settings.SMS_RESEND_SECONDS = 0  # only the hourly limit holds them back
    outcomes = race(*(lambda: sms_code_send(phone=PHONE, purpose="register") for _ in range(12)))
    limit = settings.SMS_MAX_PER_PHONE_HOUR
    assert outcomes == sorted(["ok"] * limit + ["toomanyrequests:429"] * (12 - limit))
    assert SmsCode.objects.count() == limit


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_code_requests_from_one_address_get_exactly_the_hourly_limit(settings):
    def send(n: int):
        phone = f"139071130{n:02d}"
        return lambda: sms_code_send(phone=phone, purpose="register", address="10.9.8.7")

    outcomes = race(*(send(n) for n in range(30)))
    limit = settings.SMS_MAX_PER_ADDRESS_HOUR
    assert outcomes == sorted(["ok"] * limit + ["toomanyrequests:429"] * (30 - limit))
    assert OutboxMessage.objects.count() == limit
