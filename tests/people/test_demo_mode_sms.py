"""Demo mode (YISHI_DEMO=true) writes SMS codes to the console log so that a newcomer can
register without an SMS gateway; production never does."""

from __future__ import annotations

import logging

import pytest
from django.test import override_settings

from tests.people.accounts_support import last_code
from yishi.people.services import sms_code_send

pytestmark = pytest.mark.django_db

PHONE = "13907110041"


@override_settings(DEBUG=False, DEMO=True, SMS_DESTINATION="log")
def test_demo_mode_writes_the_code_to_the_console_log(caplog):
    with caplog.at_level(logging.WARNING, logger="yishi.people.services"):
        sms_code_send(phone=PHONE, purpose="register")
    code = last_code(PHONE)
    assert any(code in record.getMessage() for record in caplog.records)
    assert all(PHONE not in record.getMessage() for record in caplog.records)


@override_settings(DEBUG=False, DEMO=False, SMS_DESTINATION="http:sms")
def test_production_does_not_write_the_code_to_the_log(caplog):
    with caplog.at_level(logging.DEBUG):
        sms_code_send(phone=PHONE, purpose="register")
    code = last_code(PHONE)
    assert all(code not in record.getMessage() for record in caplog.records)
