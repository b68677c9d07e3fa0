"""The inbox refuses what it cannot trust with 4xx problem+json in Chinese, stores what it
accepts before answering with a signed receipt, and never processes a replay twice."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
import uuid

import pytest
from django.test import override_settings

from tests.exchange.support import THEM, US, public_pem, resign, scans, signed_from_partner
from yishi.cases.models import Application, Message
from yishi.exchange import protocol
from yishi.exchange.models import Crossing, Envelope, SeenNonce
from yishi.exchange.services import crossing_submit

INBOX = "/api/v1/exchange/inbox"


def post(client, document, *, raw: bytes | None = None, valid: bool = True):
    if valid:  # every envelope the tests mean as valid passes the published schemas
        assert protocol.schema_errors(document) == []
    data = raw if raw is not None else json.dumps(document, ensure_ascii=False).encode()
    return client.post(INBOX, data=data, content_type="application/json")


def application_body(side, *, code="QR90002000", case=None):
    person = side["applicant"].person
    return {
        "case": case or str(uuid.uuid4()),
        "mode": "proxy",
        "number": "YS2026120700009999",
        "matter": {"code": code, "name": "跨域测试事项"},
        "theme": None,
        "applicant": {"name": person.name, "id_number": person.id_number, "phone": ""},
        "form": {"reason": "测试"},
        "materials": [],
        "checked_by": "窗口",
        "received_on": "2026-12-07",
        "delivery": {"method": "pickup", "address": ""},
    }


def receiving_crossing(side):
    """A case we received and handed to the partner (online), so that its replies have a
    case to refer to."""
    app = crossing_submit(
        user=side["applicant"].user,
        partner=side["partner"],
        mode="online",
        matter=side["matters"]["QR90002000-X-ONLINE"],
        materials=scans(),
    )
    return Crossing.objects.get(application=app)


def assert_problem(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"].endswith("/" + code)
    assert problem["status"] == status
    assert any("\u4e00" <= ch <= "\u9fff" for ch in problem["detail"])  # Chinese
    return problem


@pytest.fixture
def status_envelope(side):
    crossing = receiving_crossing(side)
    body = {"case": str(crossing.ref), "status": "in_review", "note": "审查中"}
    return crossing, body


def test_a_valid_envelope_is_stored_processed_and_answered_with_a_signed_receipt(
    client, side, status_envelope
):
    crossing, body = status_envelope
    signed = signed_from_partner("status", body)
    response = post(client, signed)
    assert response.status_code == 200
    answer = response.json()
    assert protocol.schema_errors(answer) == []
    receipt = answer["envelope"]
    assert receipt["kind"] == "receipt" and receipt["sender"] == US and receipt["receiver"] == THEM
    assert receipt["body"] == {"ref": signed["envelope"]["id"], "status": "received"}
    assert protocol.verify(receipt, answer["signature"], public_pem(US))
    row = Envelope.objects.get(direction="in", envelope_id=signed["envelope"]["id"])
    assert row.status == Envelope.Status.PROCESSED and row.crossing == crossing
    crossing.refresh_from_db()
    assert crossing.status == Crossing.Status.IN_REVIEW


def test_a_replay_is_answered_already_received_and_not_processed_twice(
    client, side, status_envelope
):
    crossing, _ = status_envelope
    signed = signed_from_partner(
        "supplement_request", {"case": str(crossing.ref), "items": ["身份证复印件不清晰"]}
    )
    assert post(client, signed).json()["envelope"]["body"]["status"] == "received"
    messages = Message.objects.count()
    again = post(client, signed)
    assert again.status_code == 200
    assert again.json()["envelope"]["body"] == {
        "ref": signed["envelope"]["id"],
        "status": "already_received",
    }
    # The same envelope id with a fresh nonce (a sender's retry) is not processed again either.
    retry = resign({**signed, "envelope": {**signed["envelope"], "nonce": protocol.new_nonce()}})
    assert post(client, retry).json()["envelope"]["body"]["status"] == "already_received"
    assert (
        Envelope.objects.filter(direction="in", envelope_id=signed["envelope"]["id"]).count() == 1
    )
    assert Message.objects.count() == messages


def test_one_byte_changed_in_a_field_is_refused(client, side, status_envelope):
    _, body = status_envelope
    signed = signed_from_partner("status", body)
    tampered = copy.deepcopy(signed)
    tampered["envelope"]["body"]["note"] = "审查完"  # one character
    assert_problem(post(client, tampered), 400, "bad_signature")
    assert not Envelope.objects.filter(direction="in").exists()


def test_one_byte_changed_in_a_file_is_refused(client, side, status_envelope):
    crossing, _ = status_envelope
    crossing.status = Crossing.Status.SUPPLEMENT
    crossing.save()
    scan = b"\x89PNG scanned material"
    signed = signed_from_partner(
        "supplement_reply",
        {
            "case": str(crossing.ref),
            "materials": [{"name": "身份证", "file": protocol.file_sm3(scan)}],
        },
        files={"身份证.png": scan},
    )
    digest = protocol.file_sm3(scan)
    changed = bytearray(scan)
    changed[-1] ^= 0x01
    signed["attachments"][digest] = base64.b64encode(bytes(changed)).decode()
    assert_problem(post(client, signed), 400, "file_tampered")
    assert not Envelope.objects.filter(direction="in").exists()


def test_an_unknown_sender_is_refused(client, side, status_envelope):
    _, body = status_envelope
    signed = signed_from_partner("status", body, sender="420116", key_region=THEM)
    assert_problem(post(client, signed), 400, "unknown_sender")


def test_a_known_sender_signing_with_another_key_is_refused(client, side, status_envelope):
    _, body = status_envelope
    signed = signed_from_partner("status", body, key_region=US)
    assert_problem(post(client, signed), 400, "bad_signature")


def test_a_wrong_receiver_is_refused(client, side, status_envelope):
    _, body = status_envelope
    signed = signed_from_partner("status", body, receiver="420703")
    assert_problem(post(client, signed), 400, "wrong_receiver")


@pytest.mark.parametrize("minutes", [-11, 11])
def test_a_stale_or_future_envelope_is_refused(client, side, status_envelope, minutes):
    _, body = status_envelope
    created = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=minutes)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    signed = signed_from_partner("status", body, created=created)
    assert_problem(post(client, signed), 400, "stale")


def test_nine_minutes_old_is_still_fresh(client, side, status_envelope):
    _, body = status_envelope
    created = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=9)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert post(client, signed_from_partner("status", body, created=created)).status_code == 200


@pytest.mark.parametrize(
    "raw",
    [b"", b"not json", b"{", b"\xff\xfe", b"[]", b"null", b'{"envelope": 1, "signature": ""}'],
)
def test_garbage_is_refused_with_problem_json(client, side, raw):
    response = post(client, None, raw=raw, valid=False)
    assert 400 <= response.status_code < 500
    assert response["Content-Type"].startswith("application/problem+json")
    assert not Envelope.objects.filter(direction="in").exists()


def test_a_case_we_do_not_know_is_refused(client, side):
    signed = signed_from_partner("status", {"case": str(uuid.uuid4()), "status": "accepted"})
    assert_problem(post(client, signed), 400, "unknown_case")


def test_an_application_for_a_matter_not_agreed_is_refused(client, side):
    signed = signed_from_partner("application", application_body(side, code="QR99999000"))
    assert_problem(post(client, signed), 400, "not_agreed")


def test_the_inbox_needs_no_session_and_no_csrf_token(side, status_envelope):
    from django.test import Client

    _, body = status_envelope
    client = Client(enforce_csrf_checks=True)
    assert post(client, signed_from_partner("status", body)).status_code == 200


def _fresh_private_pem() -> str:
    from tongsuopy.crypto import serialization
    from tongsuopy.crypto.asymciphers import ec

    return (
        ec.generate_private_key(ec.SM2())
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode("ascii")
    )


def test_a_partner_test_key_is_refused_where_test_keys_are_not_allowed(
    client, side, status_envelope
):
    _, body = status_envelope
    signed = signed_from_partner("status", body)
    with override_settings(
        EXCHANGE_ALLOW_TEST_KEYS=False, EXCHANGE_PRIVATE_KEY=_fresh_private_pem()
    ):
        assert_problem(post(client, signed), 400, "test_key")
    assert not Envelope.objects.filter(direction="in").exists()


@override_settings(EXCHANGE_ALLOW_TEST_KEYS=False)
def test_nothing_is_stored_while_our_own_key_is_a_refused_test_key(side, status_envelope):
    from django.core.exceptions import ImproperlyConfigured

    from yishi.exchange.inbox import inbox_receive

    _, body = status_envelope
    with pytest.raises(ImproperlyConfigured):
        inbox_receive(json.dumps(signed_from_partner("status", body)).encode())
    assert not Envelope.objects.filter(direction="in").exists()


def test_nonces_older_than_the_retention_are_forgotten(client, side, status_envelope):
    _, body = status_envelope
    post(client, signed_from_partner("status", body))
    SeenNonce.objects.update(seen_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    post(client, signed_from_partner("status", body))
    assert SeenNonce.objects.count() == 1


def test_an_application_from_the_partner_becomes_a_case_here_decided_by_us(client, side):
    """The deciding side: the partner hands over an application for a matter we decide; a
    case with one sub-case starts here and an `accepted` status goes back."""
    body = application_body(side, code="QR90004000")
    scan = b"scan of an ID card"
    body["materials"] = [{"name": "居民身份证", "file": protocol.file_sm3(scan)}]
    signed = signed_from_partner("application", body, files={"id.png": scan})
    assert post(client, signed).status_code == 200
    crossing = Crossing.objects.get(ref=body["case"])
    assert crossing.role == Crossing.Role.DECIDING
    app = crossing.application
    assert app.channel == Application.Channel.CROSS_REGION
    assert app.status == Application.Status.ACCEPTED
    assert crossing.subcase.matter == side["matters"]["QR90004000-X-ARRIVE"]
    assert crossing.promised_due == crossing.subcase.promised_due is not None
    out = Envelope.objects.get(direction="out", kind="status", crossing=crossing)
    assert out.body["status"] == "accepted"
