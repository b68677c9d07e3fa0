"""Personal data encrypted wherever it rests: a journey through the services and the API
(registration with an SMS code, a draft, an application carrying an ID number and a phone in
its form, acceptance, a 免申即享 run pushing its payment list, delivery of the outbox to real
HTTP endpoints), then every column of every table is read with raw SQL, and every log file
the journey wrote through the project's LOGGING (its handlers turned into files, same
formatters and mask filter), and none may hold the ID numbers, phones or the SMS code in plain
text. Masked forms (4207**********1234) are fine. The development SMS sink
(YISHI_SMS_DESTINATION=log, which prints the code on purpose) is not used: SMS codes go out
through the outbox's HTTP adapter as they do in production."""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
import logging.config
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from tests.cases.factories import StaffFactory, make_chain_theme
from tests.people.accounts_support import last_code
from tests.policies.factories import seed_demo_policies
from tests.themes.factories import ThemeFormFieldFactory
from yishi.cases.drafts import draft_save
from yishi.cases.models import Application
from yishi.core.crypto import mask, mask_phone
from yishi.core.models import OutboxMessage
from yishi.core.outbox import outbox_deliver_due
from yishi.core.synthetic import make_ric
from yishi.people.models import ApplicantAccount
from yishi.policies.services import PAYMENT_TOPIC, policy_run
from yishi.themes.models import ThemeFormField

pytestmark = pytest.mark.django_db

# The applicant is 86 on 1 October 2026: the 高龄津贴 run grants them and lists their ID.
APPLICANT_ID = make_ric("420702", dt.date(1940, 5, 6), seq=31, sex="M")
APPLICANT_PHONE = "13971234506"
# Someone else's ID and phone, typed into the form (the draft and the application).
FORM_ID = make_ric("420702", dt.date(1988, 11, 23), seq=47, sex="F")
FORM_PHONE = "15827364519"
DRAFT_ID = make_ric("420702", dt.date(1979, 2, 14), seq=58, sex="M")
PASSWORD = "Lzh-2026-test!"  # noqa: S105 - a test account's password


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, memoryview | bytes | bytearray):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _columns() -> list[tuple[str, list[str]]]:
    """(table, columns) of every table in the database, as the database describes them."""
    with connection.cursor() as cursor:
        return [
            (
                table,
                [c.name for c in connection.introspection.get_table_description(cursor, table)],
            )
            for table in sorted(connection.introspection.table_names(cursor))
        ]


def _found(needles: dict[str, re.Pattern[str]]) -> list[str]:
    qn = connection.ops.quote_name
    hits = []
    with connection.cursor() as cursor:
        for table, columns in _columns():
            select = ", ".join(qn(c) for c in columns)
            cursor.execute(f"SELECT {select} FROM {qn(table)}")  # noqa: S608 - introspected names
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    text = _text(value)
                    for what, pattern in needles.items():
                        if pattern.search(text):
                            hits.append(f"{table}.{column}: {what}")
    return sorted(set(hits))


def _standalone(value: str) -> re.Pattern[str]:
    """`value` not inside a longer token (a hash, base64, a timestamp's microseconds)."""
    return re.compile(rf"(?<![0-9A-Za-z.+/=_-]){re.escape(value)}(?![0-9A-Za-z+/=_-])", re.I)


def _found_in_logs(folder: Path, needles: dict[str, re.Pattern[str]]) -> list[str]:
    hits = []
    for path in sorted(folder.glob("*.log")):
        text = path.read_text(encoding="utf-8", errors="replace")
        hits += [
            f"{path.name}: {what}" for what, pattern in needles.items() if pattern.search(text)
        ]
    return hits


@pytest.fixture
def log_files(tmp_path) -> Iterator[Path]:
    """settings.LOGGING with each of its handlers writing to a file of its own name instead
    (same formatter, same filters: the personal-data mask); restored afterwards."""
    folder = tmp_path / "logs"
    folder.mkdir()
    config = copy.deepcopy(django_settings.LOGGING)
    for name, handler in config["handlers"].items():
        assert "mask_personal_data" in handler.get("filters", []), name
        config["handlers"][name] = {
            "class": "logging.FileHandler",
            "filename": str(folder / f"{name}.log"),
            "encoding": "utf-8",
            **{key: handler[key] for key in ("formatter", "filters", "level") if key in handler},
        }
    logging.config.dictConfig(config)
    try:
        yield folder
    finally:
        logging.config.dictConfig(django_settings.LOGGING)  # closes the file handlers


@pytest.fixture
def gateways(settings) -> Iterator[list[bytes]]:
    """One real HTTP endpoint standing in for the SMS gateway and the outside systems; every
    push of the journey goes there through the outbox's HTTP adapter. Yields what it got."""
    received: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args) -> None:  # the gateway's own log is not ours
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/push"
    names = ("sms", "payments", "credit", "supervision", "licences")
    settings.OUTBOX_ENDPOINTS = {
        n: {"url": f"{url}/{n}", "secret": "s", "timeout": 5} for n in names
    }
    settings.SMS_DESTINATION = "http:sms"
    settings.YISHI_PAYMENT_PUSH_DESTINATION = "http:payments"
    settings.YISHI_CREDIT_PUSH_DESTINATION = "http:credit"
    settings.YISHI_SUPERVISION_PUSH_DESTINATION = "http:supervision"
    settings.YISHI_LICENCE_PUSH_DESTINATION = "http:licences"
    try:
        yield received
    finally:
        server.shutdown()
        server.server_close()


def test_no_id_number_phone_or_sms_code_rests_in_plain_text_anywhere(
    client, settings, log_files, gateways
):
    policies = seed_demo_policies()
    chain = make_chain_theme()
    theme = chain["theme"]
    ThemeFormFieldFactory(theme=theme, key="id_number", kind=ThemeFormField.Kind.ID_NUMBER)
    ThemeFormFieldFactory(theme=theme, key="phone", kind=ThemeFormField.Kind.MOBILE)

    # Registration with an SMS code, through the API.
    response = client.post(
        "/api/v1/sms-codes",
        {"phone": APPLICANT_PHONE, "purpose": "register"},
        content_type="application/json",
    )
    assert response.status_code == 202
    code = last_code(APPLICANT_PHONE)
    response = client.post(
        "/api/v1/applicants",
        {
            "name": "胡敏",
            "id_number": APPLICANT_ID,
            "phone": APPLICANT_PHONE,
            "password": PASSWORD,
            "sms_code": code,
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    account = ApplicantAccount.objects.get()

    # A draft kept half-filled, and an application submitted through the API.
    draft = draft_save(
        user=account.user, theme=theme, answers={}, form_data={"id_number": DRAFT_ID}
    )
    client.force_login(account.user)
    form = {"name": "胡敏", "id_number": FORM_ID, "phone": FORM_PHONE}
    response = client.post(
        "/api/v1/applications",
        {"theme": theme.code, "answers": {}, "form_data": form},
        content_type="application/json",
        headers={"Idempotency-Key": "scan-1"},
    )
    assert response.status_code == 201
    number = response.json()["number"]

    # Accepted at the window, through the API.
    client.force_login(StaffFactory().user)
    response = client.post(f"/api/v1/applications/{number}/accept")
    assert response.status_code == 200, response.content

    # The month's 高龄津贴 run lists the applicant (full ID number) for the paying system.
    run = policy_run(policy=policies["elderly-allowance"], period="2026-10")
    assert run.new_count == 1
    payment = OutboxMessage.objects.get(topic=PAYMENT_TOPIC)
    assert payment.payload["lines"][0]["id_number"] == APPLICANT_ID

    report = outbox_deliver_due()
    assert report.delivered == OutboxMessage.objects.count() >= 3
    assert report.dead == report.retrying == 0
    # The outside systems got the real values (the SMS text its code, the list its ID).
    sent = b"\n".join(gateways).decode()
    assert code in sent and APPLICANT_ID in sent

    # Requests that are logged with the numbers in them: a page not found under a path
    # naming a phone and an ID number (django.request), and a message of our own.
    assert client.get(f"/account/no-such-page/{APPLICANT_PHONE}/{FORM_ID}/").status_code == 404
    logging.getLogger("yishi.scan").warning("回电 %s，身份证 %s", FORM_PHONE, APPLICANT_ID)

    # Python code still sees the plain values.
    application = Application.objects.get(number=number)
    assert application.form_data == form
    assert Application.objects.get(pk=draft.pk).form_data == {"id_number": DRAFT_ID}

    needles = {
        "applicant ID number": _standalone(APPLICANT_ID),
        "form ID number": _standalone(FORM_ID),
        "draft ID number": _standalone(DRAFT_ID),
        "applicant phone": _standalone(APPLICANT_PHONE),
        "form phone": _standalone(FORM_PHONE),
        "SMS code": _standalone(code),
    }
    assert _found(needles) == []

    # The log files exist, were written to, and hold the numbers masked, never in plain.
    logs = {p.name: p.read_text(encoding="utf-8") for p in log_files.glob("*.log")}
    text = "\n".join(logs.values())
    assert logs and text.strip()
    assert mask_phone(APPLICANT_PHONE) in text and mask(FORM_ID) in text
    assert mask_phone(FORM_PHONE) in text and mask(APPLICANT_ID) in text
    assert _found_in_logs(log_files, needles) == []


def test_the_scan_finds_a_plain_value_when_there_is_one():
    """The scan itself reads every table: a plain phone in an ordinary text column is found."""
    from yishi.cases.models import Message

    StaffFactory()  # some rows elsewhere
    user = StaffFactory().user
    Message.objects.create(user=user, text=f"请回电 {FORM_PHONE}")
    assert _found({"form phone": _standalone(FORM_PHONE)}) == ["cases_message.text: form phone"]


def test_the_log_scan_finds_a_plain_value_when_there_is_one(tmp_path):
    """A log line written past the mask (a handler without the filter) is found."""
    handler = logging.FileHandler(tmp_path / "unmasked.log", encoding="utf-8")
    logger = logging.getLogger("yishi.scan.unmasked")
    logger.addHandler(handler)
    try:
        logger.warning("请回电 %s", FORM_PHONE)
    finally:
        logger.removeHandler(handler)
        handler.close()
    assert _found_in_logs(tmp_path, {"form phone": _standalone(FORM_PHONE)}) == [
        "unmasked.log: form phone"
    ]
