"""JSON values encrypted at rest (SM4): application form data and outbox payloads read back
as the same Python values through the ORM and `core.rows`, the column holds only ciphertext,
a delivered message keeps only the SM3 of what was sent, and an SMS code's text is built as it
is sent."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import FieldError
from django.db import connection

from tests.cases.factories import ApplicantFactory, make_chain_theme
from yishi.cases.models import Application
from yishi.core import rows
from yishi.core.crypto import sm3_hex
from yishi.core.migration_crypto import decrypt_json_column, encrypt_json_column
from yishi.core.models import OutboxMessage
from yishi.core.outbox import outbox_deliver_due, outbox_enqueue, outbox_file_path
from yishi.people.services import sms_code_send

pytestmark = pytest.mark.django_db

ID_NUMBER = "420702199001011234"
PHONE = "13907110002"
FORM = {"name": "张三", "id_number": ID_NUMBER, "phone": PHONE, "n": [1, 2.5, None, True]}


def raw(table: str, column: str, pk: int) -> str:
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {qn(column)} FROM {qn(table)} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def test_form_data_reads_back_the_same_and_rests_as_ciphertext():
    applicant = ApplicantFactory()
    app = Application.objects.create(
        number="T1",
        applicant=applicant.user,
        person=applicant.person,
        theme=make_chain_theme()["theme"],
        form_data=FORM,
    )
    stored = raw("cases_application", "form_data", app.pk)
    assert ID_NUMBER not in stored and PHONE not in stored and "张三" not in stored
    assert Application.objects.get(pk=app.pk).form_data == FORM
    assert Application.objects.values_list("form_data", flat=True).get() == FORM


def test_form_data_goes_through_the_precompiled_statements():
    applicant = ApplicantFactory()
    app = rows.create(
        Application,
        number="T2",
        applicant=applicant.user,
        person=applicant.person,
        theme=make_chain_theme()["theme"],
        form_data={},
    )
    app.form_data = FORM
    rows.update(app, ["form_data"])
    assert PHONE not in raw("cases_application", "form_data", app.pk)
    assert rows.first(Application, pk=app.pk).form_data == FORM
    assert Application.objects.get(pk=app.pk).form_data == FORM


def test_form_data_cannot_be_queried_by_key_in_sql():
    with pytest.raises(FieldError):
        list(Application.objects.filter(form_data__phone=PHONE))


def test_a_delivered_message_keeps_only_the_sm3_of_what_was_sent(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    message = outbox_enqueue(
        topic="t", destination="file:push", payload={"id_number": ID_NUMBER, "amount": "50.00"}
    )
    assert ID_NUMBER not in raw("core_outboxmessage", "payload", message.pk)
    assert outbox_deliver_due().delivered == 1
    sent = json.loads(outbox_file_path("push").read_text(encoding="utf-8"))["payload"]
    assert sent == {"id_number": ID_NUMBER, "amount": "50.00"}
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DELIVERED
    assert message.payload == {}
    body = json.dumps(sent, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert message.payload_sm3 == sm3_hex(body)


def test_a_dead_letter_keeps_its_encrypted_payload_for_a_retry(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    message = outbox_enqueue(topic="t", destination="http:nowhere", payload={"phone": PHONE})
    assert outbox_deliver_due().dead == 1
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DEAD
    assert message.payload == {"phone": PHONE}
    assert message.payload_sm3 == ""
    assert PHONE not in raw("core_outboxmessage", "payload", message.pk)


def test_an_sms_code_is_put_into_its_text_only_as_it_is_sent(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.SMS_DESTINATION = "file:sms"
    sms_code_send(phone=PHONE, purpose="register")
    message = OutboxMessage.objects.get()
    code = message.payload["code"]
    assert "{code}" in message.payload["text"] and code not in message.payload["text"]
    assert code not in raw("core_outboxmessage", "payload", message.pk)
    assert outbox_deliver_due().delivered == 1
    sent = json.loads(outbox_file_path("sms").read_text(encoding="utf-8"))["payload"]
    assert f"验证码为{code}，" in sent["text"] and sent["phone"] == PHONE
    message.refresh_from_db()
    assert message.payload == {}


def test_the_data_migrations_encrypt_plain_rows_and_decrypt_them_back():
    """What 0006 of cases and of core do to rows written before the columns were encrypted."""
    pending = outbox_enqueue(topic="t", destination="log", payload={})
    delivered = outbox_enqueue(topic="t", destination="log", payload={})
    qn = connection.ops.quote_name
    plain = {"phone": PHONE, "name": "李四"}
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {qn('core_outboxmessage')} SET {qn('payload')} = %s",  # noqa: S608
            [json.dumps(plain)],
        )
        cursor.execute(
            f"UPDATE {qn('core_outboxmessage')} SET {qn('status')} = 'delivered' WHERE id = %s",  # noqa: S608
            [delivered.pk],
        )
    encrypt_json_column(
        connection,
        "core_outboxmessage",
        "payload",
        reduce_where="status = 'delivered'",
        digest_column="payload_sm3",
    )
    encrypt_json_column(connection, "core_outboxmessage", "payload")  # again: nothing changes
    assert PHONE not in raw("core_outboxmessage", "payload", pending.pk)
    pending.refresh_from_db()
    delivered.refresh_from_db()
    assert pending.payload == plain
    assert (delivered.payload, delivered.payload_sm3) == (
        {},
        sm3_hex(json.dumps(plain, ensure_ascii=False, sort_keys=True, separators=(",", ":"))),
    )
    decrypt_json_column(connection, "core_outboxmessage", "payload")
    assert json.loads(raw("core_outboxmessage", "payload", pending.pk)) == plain
    assert json.loads(raw("core_outboxmessage", "payload", delivered.pk)) == {}
