"""The remote identity check: the ID card photographed at the terminal is read by our
recognition and its number, name and birth date compared with the ticket's person; an SMS
code goes to the phone on record; the clerk confirms what they see; the three are recorded
together as one event (and on the case's timeline). A card with another number is refused
with a message naming 公民身份号码."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.people.accounts_support import last_code
from tests.remote.factories import CARD, live
from yishi.core.errors import ValidationFailed
from yishi.core.models import AuditEntry
from yishi.core.ocr_samples import render_id_card
from yishi.core.synthetic import make_ric
from yishi.remote import services
from yishi.remote.identity import compare_card
from yishi.remote.models import IdentityCheck


class _F:
    def __init__(self, value: str) -> None:
        self.value = value


def _fields(**changes: str) -> dict[str, _F]:
    values = {k: CARD[k] for k in ("id_number", "name", "birth_date")}
    values.update(changes)
    return {k: _F(v) for k, v in values.items()}


def _other_number() -> str:
    birth = dt.date.fromisoformat(CARD["birth_date"])
    sex = "M" if CARD["sex"] == "男" else "F"
    return next(
        n
        for n in (make_ric("420702", birth, seq=s, sex=sex) for s in range(1, 50))
        if n != CARD["id_number"]
    )


def test_a_matching_card_passes_with_masked_number_kept(w):
    result = compare_card(_fields(), w.resident.person)
    assert result["checked"] == ["公民身份号码", "姓名", "出生日期"]
    assert CARD["id_number"] not in str(result)
    assert result["id_number"].startswith(CARD["id_number"][:4]) and "*" in result["id_number"]


@pytest.mark.parametrize(
    ("change", "field", "label"),
    [
        ({"name": "王不同"}, "name", "姓名"),
        ({"birth_date": "1901-01-01"}, "birth_date", "出生日期"),
        ({"id_number": ""}, "id_number", "公民身份号码"),
    ],
)
def test_a_differing_or_unreadable_field_is_refused_naming_it(w, change, field, label):
    with pytest.raises(ValidationFailed) as refused:
        compare_card(_fields(**change), w.resident.person)
    assert refused.value.field == field and label in refused.value.message


def test_the_card_photo_is_read_and_a_mismatching_id_number_is_refused(w, client):
    session = live(w)
    card = dict(CARD, id_number=_other_number())
    client.force_login(w.resident.user)
    response = client.post(
        f"/remote/{session.pk}/",
        {"action": "card", "photo": _upload(card)},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["ok"] is False and body["field"] == "id_number"
    assert "公民身份号码与取号人登记的不一致" in body["message"]
    session.refresh_from_db()
    assert session.card_checked_at is None
    assert AuditEntry.objects.filter(action="remote.identity.card_refused").count() == 1
    with pytest.raises(ValidationFailed) as refused:
        services.identity_check_record(session=session, staff=w.clerk.user, visual_ok=True)
    assert refused.value.field == "id_card"
    assert not IdentityCheck.objects.exists()


def _upload(card: dict):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("id.png", render_id_card(card), "image/png")


def test_card_sms_and_visual_check_are_recorded_together_and_on_the_case(w, client):
    session = live(w)
    client.force_login(w.resident.user)
    response = client.post(
        f"/remote/{session.pk}/",
        {"action": "card", "photo": _upload(CARD)},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200, response.content
    assert client.post(
        f"/remote/{session.pk}/", {"action": "sms_send"}, HTTP_ACCEPT="application/json"
    ).json()["ok"]
    code = last_code(w.resident.phone)
    answer = client.post(
        f"/remote/{session.pk}/",
        {"action": "sms_verify", "code": code},
        HTTP_ACCEPT="application/json",
    ).json()
    assert answer == {"ok": True, "message": "短信验证码已验证。"}
    session.refresh_from_db()
    check = services.identity_check_record(session=session, staff=w.clerk.user, visual_ok=True)
    assert (check.card_ok, check.sms_ok, check.visual_ok, check.passed) == (True, True, True, True)
    assert check.card_checked_at == session.card_checked_at
    assert check.sms_checked_at == session.sms_checked_at
    assert check.card_detail["checked"] == ["公民身份号码", "姓名", "出生日期"]
    assert check.clerk == w.clerk.user
    entry = AuditEntry.objects.get(action="remote.identity.check")
    assert entry.data == {"card": True, "sms": True, "visual": True, "passed": True}


def test_a_wrong_sms_code_is_refused(w):
    session = live(w)
    services.identity_sms_send(session=session, user=w.resident.user)
    with pytest.raises(ValidationFailed) as refused:
        services.identity_sms_verify(
            session=session,
            user=w.resident.user,
            code="000000" if last_code(w.resident.phone) != "000000" else "111111",
        )
    assert refused.value.field == "sms_code"
    session.refresh_from_db()
    assert session.sms_checked_at is None


def test_the_clerks_mismatch_is_recorded_as_a_failed_check(w):
    session = live(w)
    check = services.identity_check_record(session=session, staff=w.clerk.user, visual_ok=False)
    assert check.passed is False and check.visual_ok is False


def test_only_the_sessions_resident_may_send_the_card(w):
    from yishi.core.errors import NotFound

    session = live(w)
    with pytest.raises(NotFound):
        services.identity_card_read(session=session, user=w.stranger.user, image=b"")


def test_nobody_can_ask_for_an_identity_code_through_the_public_sms_api(w, client):
    response = client.post(
        "/api/v1/sms-codes",
        {"phone": w.resident.phone, "purpose": "identity"},
        content_type="application/json",
    )
    assert response.status_code == 422 and "验证码用途只能是" in response.json()["detail"]
