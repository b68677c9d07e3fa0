"""Personal data encrypted wherever it rests: a journey through the services and the API
(registration with an SMS code, a draft, an application carrying an ID number and a phone in
its form, acceptance, a 免申即享 run pushing its payment list, delivery of the outbox), then
every column of every table is read with raw SQL and must hold none of the ID numbers, phones
or the SMS code in plain text. Masked forms (4207**********1234) are fine."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.db import connection

from tests.cases.factories import StaffFactory, make_chain_theme
from tests.people.accounts_support import last_code
from tests.policies.factories import seed_demo_policies
from tests.themes.factories import ThemeFormFieldFactory
from yishi.cases.drafts import draft_save
from yishi.cases.models import Application
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


def test_no_id_number_phone_or_sms_code_rests_in_plain_text_anywhere(client, settings):
    settings.SMS_DESTINATION = "log"
    settings.YISHI_PAYMENT_PUSH_DESTINATION = "log"
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


def test_the_scan_finds_a_plain_value_when_there_is_one():
    """The scan itself reads every table: a plain phone in an ordinary text column is found."""
    from yishi.cases.models import Message

    StaffFactory()  # some rows elsewhere
    user = StaffFactory().user
    Message.objects.create(user=user, text=f"请回电 {FORM_PHONE}")
    assert _found({"form phone": _standalone(FORM_PHONE)}) == ["cases_message.text: form phone"]
