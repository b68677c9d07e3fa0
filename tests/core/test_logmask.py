"""Logs never hold an unmasked ID or mobile number: every configured handler masks them in
messages, arguments, request paths (access lines) and tracebacks, and leaves longer digit
runs whole."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core.servers.basehttp import WSGIRequestHandler

from yishi.core.logmask import PersonalDataMaskFilter, mask_personal_numbers
from yishi.core.synthetic import make_ric

RIC = make_ric(seq=41, sex="M")  # 420702199001010… with a valid check digit
RIC_MASKED = RIC[:4] + "*" * 10 + RIC[-4:]
PHONE, PHONE_MASKED = "13907110000", "139****0000"


def _ours(handler: logging.Handler) -> bool:
    return not type(handler).__module__.startswith("_pytest")


def _handlers_reached(name: str) -> list[logging.Handler]:
    """The handlers a record logged on `name` reaches, following propagation."""
    found: list[logging.Handler] = []
    logger: logging.Logger | None = logging.getLogger(name)
    while logger is not None:
        found += [h for h in logger.handlers if _ours(h)]
        logger = logger.parent if logger.propagate else None
    return found


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """What the configured handlers write, captured in place of stderr."""
    buffer = io.StringIO()
    handlers = {h for name in ("", "django.server") for h in _handlers_reached(name)}
    previous = {h: h.setStream(buffer) for h in handlers if isinstance(h, logging.StreamHandler)}
    try:
        yield buffer
    finally:
        for handler, stream in previous.items():
            handler.setStream(stream)


# ---------------------------------------------------------------- the masking


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"身份证号{RIC}，手机{PHONE}", f"身份证号{RIC_MASKED}，手机{PHONE_MASKED}"),
        ("id=42070219900101001X&p=+8613907110000", "id=4207**********001X&p=+86139****0000"),
        ("id=42070219900101001x", "id=4207**********001x"),
        (f"/persons/{RIC}/edit", f"/persons/{RIC_MASKED}/edit"),
        (f"手机 86{PHONE}", f"手机 86{PHONE_MASKED}"),
    ],
)
def test_id_and_mobile_numbers_are_masked_wherever_they_stand(text, expected):
    assert mask_personal_numbers(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        RIC + "7",  # 19 digits: a card or order number, not an ID number with a tail
        "7" + RIC,
        "186543210987654321",  # 18 digits, no plausible birth date (a snowflake ID)
        "420702199013010012",  # month 13
        "1390711000012",  # 13 digits
        "1733558400000",  # a millisecond timestamp
        "验证码为 123456",
        "12907110000",  # 12x is no mobile prefix
    ],
)
def test_longer_digit_runs_and_non_numbers_are_left_whole(text):
    assert mask_personal_numbers(text) == text


# ---------------------------------------------------------------- the configured handlers


@pytest.mark.parametrize(
    "name", ["", "django", "django.request", "django.server", "django.db.backends", "yishi.x"]
)
def test_every_handler_a_record_reaches_carries_the_mask(name):
    handlers = _handlers_reached(name)
    assert handlers
    for handler in handlers:
        assert any(isinstance(f, PersonalDataMaskFilter) for f in handler.filters), handler


def test_every_handler_in_settings_carries_the_mask():
    assert {name: h.get("filters") for name, h in settings.LOGGING["handlers"].items()} == {
        # The request id is put on the record first, so the mask covers it too.
        name: ["request_id", "mask_personal_data"]
        for name in settings.LOGGING["handlers"]
    }


def test_numbers_in_the_message_and_in_its_arguments_are_masked(log_output, caplog):
    logger = logging.getLogger("yishi.test")
    logger.warning("已登记 %s 手机 %s；原文 " + RIC + " / " + PHONE, RIC, PHONE)

    written = log_output.getvalue()
    assert f"已登记 {RIC_MASKED} 手机 {PHONE_MASKED}；原文 {RIC_MASKED} / {PHONE_MASKED}" in written
    assert RIC not in written and PHONE not in written
    # The record itself is rewritten, so whatever handles it next sees the masked text too.
    record = caplog.records[-1]
    assert (record.args, RIC in record.getMessage()) == ((), False)


def test_a_longer_number_passes_through_the_handlers_unchanged(log_output):
    logging.getLogger("yishi.test").warning("银行卡 %s", RIC + "7")

    assert f"银行卡 {RIC}7" in log_output.getvalue()
    assert "*" not in log_output.getvalue()


def test_a_traceback_is_masked(log_output):
    try:
        raise ValueError(f"bad id {RIC}")
    except ValueError:
        logging.getLogger("yishi.test").exception("lookup failed")

    written = log_output.getvalue()
    assert f"ValueError: bad id {RIC_MASKED}" in written
    assert RIC not in written


def test_a_runserver_access_line_with_an_id_number_in_the_path_is_masked(log_output):
    # The very call runserver makes for each request (BaseHTTPRequestHandler.log_request).
    handler = WSGIRequestHandler.__new__(WSGIRequestHandler)
    handler.request = None
    handler.requestline = f"GET /api/v1/persons/lookup?id_number={RIC}&phone={PHONE} HTTP/1.1"

    handler.log_request(405, 180)

    written = log_output.getvalue()
    assert f'"GET /api/v1/persons/lookup?id_number={RIC_MASKED}&phone={PHONE_MASKED}' in written
    assert '" 405 180' in written
    assert RIC not in written and PHONE not in written


@pytest.mark.django_db
def test_a_django_request_warning_for_a_path_with_an_id_number_is_masked(client, log_output):
    response = client.get(f"/api/v1/persons/{RIC}")

    assert response.status_code == 404
    written = log_output.getvalue()
    assert f"WARNING django.request Not Found: /api/v1/persons/{RIC_MASKED}" in written
    assert RIC not in written
