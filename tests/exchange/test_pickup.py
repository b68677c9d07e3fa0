"""The result of a case a partner decided comes back as an e-licence record held by the
applicant (sealed by the partner, verifiable here), and, for 窗口领取, waits on the pickup
shelf of the outlet that received the case until a clerk hands it over to the applicant."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from tests.cases.factories import StaffFactory
from tests.exchange.support import (
    THEM,
    US,
    build_hall,
    partner_licence,
    private_key,
    public_pem,
    signed_from_partner,
)
from tests.exchange.test_flow import INBOX, from_partner, proxy_submit
from yishi.cases.models import Message
from yishi.core.models import AuditEntry, SigningKey
from yishi.core.synthetic import make_ric
from yishi.exchange.models import Crossing, Envelope, PickupItem
from yishi.exchange.results import partner_issuer, seal_key_id
from yishi.licences.models import Licence
from yishi.licences.verification import licence_verify


@pytest.fixture
def hall(db):
    return build_hall()


def _login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _decided(client, side, *, delivery: str = "pickup") -> Crossing:
    address = "湖北省鄂州市梁子湖区太和镇测试路 1 号" if delivery == "mail" else ""
    app = proxy_submit(side, delivery_method=delivery, delivery_address=address)
    crossing = Crossing.objects.get(application=app)
    from_partner(
        client,
        "decision",
        {
            "case": str(crossing.ref),
            "outcome": "approved",
            "result_name": "准予许可决定书",
            "decided_on": "2026-12-08",
        },
    )
    return crossing


def _result(client, crossing: Crossing, **kw) -> None:
    document = partner_licence(crossing.application.person, **kw)
    from_partner(client, "result", {"case": str(crossing.ref), "licence": document})


def _pickup_notice(client, crossing: Crossing) -> None:
    from_partner(
        client,
        "delivery",
        {"case": str(crossing.ref), "method": "pickup", "pickup_place": "梁子湖区跨域通办窗口"},
    )


# ---------------------------------------------------------------- the licence record


def test_the_partners_result_becomes_a_licence_the_applicant_holds(client, side):
    crossing = _decided(client, side)
    _result(client, crossing)
    licence = Licence.objects.get(number="420115-JX-0001")
    person = crossing.application.person
    assert licence.person_id == person.pk
    assert licence.source == Licence.Source.IMPORTED
    assert licence.trust_level == Licence.Trust.A
    assert (licence.issuer.code, licence.issuer.name) == (THEM, "武汉市江夏区")
    assert licence.subcase_id == crossing.subcase_id
    assert licence.signature["key_id"] == seal_key_id(public_pem(THEM))
    # The partner's seal is kept with the record: it verifies here like our own licences.
    result = licence_verify(licence)
    assert result.state == "valid", result.message
    assert "武汉市江夏区" in result.message
    crossing.refresh_from_db()
    assert crossing.status == Crossing.Status.RESULT
    assert crossing.result["number"] == licence.number
    assert str(person.id_number) not in json.dumps(crossing.result)  # masked on the crossing
    wallet = _login(side["applicant"].user).get("/licences/mine/").content.decode()
    assert licence.number in wallet and "武汉市江夏区" in wallet
    case = _login(side["applicant"].user).get(f"/apply/my/{crossing.application.number}/")
    assert f'data-case-licence="{licence.number}"' in case.content.decode()


def test_a_licence_record_changed_later_no_longer_verifies(client, side):
    crossing = _decided(client, side)
    _result(client, crossing)
    licence = Licence.objects.get()
    Licence.objects.filter(pk=licence.pk).update(valid_until=dt.date(2099, 1, 1))
    assert licence_verify(licence.number).state == "tampered"


def test_a_result_whose_data_was_changed_after_sealing_is_refused(client, side):
    crossing = _decided(client, side)
    document = partner_licence(crossing.application.person)
    document["data"]["办理结果"] = "准予许可决定书（改）"
    signed = signed_from_partner("result", {"case": str(crossing.ref), "licence": document})
    response = client.post(INBOX, data=json.dumps(signed), content_type="application/json")
    assert response.status_code == 400
    problem = response.json()
    assert problem["type"].endswith("bad_seal") and "电子签章" in problem["detail"]
    assert not Licence.objects.exists()
    assert not Envelope.objects.filter(direction="in", kind="result").exists()


def test_a_result_sealed_with_another_regions_key_is_refused(client, side):
    crossing = _decided(client, side)
    document = partner_licence(crossing.application.person, key_region=US)
    signed = signed_from_partner("result", {"case": str(crossing.ref), "licence": document})
    response = client.post(INBOX, data=json.dumps(signed), content_type="application/json")
    assert response.status_code == 400
    assert not Licence.objects.exists()


def test_a_result_naming_someone_else_is_not_registered(client, side):
    from tests.people.factories import PersonFactory

    crossing = _decided(client, side)
    stranger = PersonFactory()
    document = partner_licence(stranger)
    from_partner(client, "result", {"case": str(crossing.ref), "licence": document})
    row = Envelope.objects.get(direction="in", kind="result")
    assert row.status == Envelope.Status.FAILED and "持证人" in row.error
    assert not Licence.objects.exists()


def test_the_partners_issuer_is_registered_once_and_a_new_key_is_added(side):
    partner = side["partner"]
    department = partner_issuer(partner)
    assert partner_issuer(partner) == department
    assert department.region.code == THEM
    keys = SigningKey.objects.filter(owner=f"dept:{THEM}")
    assert [(k.active, k.private_pem_encrypted) for k in keys] == [(False, "")]
    partner.public_key_pem = public_pem(US)  # the partner rotated its key
    partner.save()
    partner_issuer(partner)
    assert SigningKey.objects.filter(owner=f"dept:{THEM}").count() == 2


# ---------------------------------------------------------------- the pickup shelf


def test_a_pickup_result_waits_on_the_receiving_outlets_shelf_and_the_resident_is_told(
    client, side, hall
):
    crossing = _decided(client, side)
    _result(client, crossing)
    _pickup_notice(client, crossing)
    item = PickupItem.objects.get()
    assert item.outlet == hall["outlet"] and item.crossing == crossing
    assert item.status == PickupItem.Status.WAITING and item.shelf_code == "K0001"
    assert item.licence == Licence.objects.get()
    assert item.title == "准予许可决定书"
    texts = list(Message.objects.filter(user=side["applicant"].user).values_list("text", flat=True))
    assert any("取件码 K0001" in t and "梁子湖区政务服务中心" in t for t in texts)
    case = _login(side["applicant"].user).get(f"/apply/my/{crossing.application.number}/")
    html = case.content.decode()
    assert 'data-pickup="waiting"' in html and "待领取" in html and "K0001" in html
    assert "梁子湖区政务服务中心" in html


def test_a_result_arriving_after_the_pickup_notice_is_linked_to_the_shelf_item(client, side, hall):
    crossing = _decided(client, side)
    _pickup_notice(client, crossing)
    assert PickupItem.objects.get().licence is None
    _result(client, crossing)
    item = PickupItem.objects.get()
    assert item.licence is not None and item.licence.number == "420115-JX-0001"
    crossing.refresh_from_db()
    assert crossing.status == Crossing.Status.DELIVERED


def test_a_replayed_pickup_notice_puts_nothing_twice_on_the_shelf(client, side, hall):
    crossing = _decided(client, side)
    _pickup_notice(client, crossing)
    _pickup_notice(client, crossing)  # a second notice (another envelope) for the same case
    assert PickupItem.objects.count() == 1


def test_mail_delivery_still_tells_the_tracking_number_and_shelves_nothing(client, side, hall):
    crossing = _decided(client, side, delivery="mail")
    from_partner(
        client,
        "delivery",
        {
            "case": str(crossing.ref),
            "method": "mail",
            "tracking_number": "SF1234567890",
            "carrier": "顺丰速运",
        },
    )
    assert not PickupItem.objects.exists()
    crossing.refresh_from_db()
    assert crossing.tracking_number == "SF1234567890"
    assert Message.objects.filter(text__contains="SF1234567890").exists()


def test_the_clerk_hands_over_after_checking_the_id_card_and_the_check_is_kept(client, side, hall):
    crossing = _decided(client, side)
    _result(client, crossing)
    _pickup_notice(client, crossing)
    item = PickupItem.objects.get()
    clerk = _login(hall["clerk"])
    page = clerk.get("/workbench/exchange/shelf/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "K0001" in html and crossing.application.number in html and "核验并交付" in html
    # Someone else's ID card: refused beside the field, nothing handed over.
    other = make_ric("420702", dt.date(1990, 1, 1), seq=5, sex="F")
    url = f"/workbench/exchange/shelf/{item.pk}/handover/"
    refused = clerk.post(url, {"id_number": other})
    assert refused.status_code == 400
    assert "身份证号与申请人不一致" in refused.content.decode()
    item.refresh_from_db()
    assert item.status == PickupItem.Status.WAITING
    person = crossing.application.person
    done = clerk.post(url, {"id_number": str(person.id_number)})
    assert done.status_code == 302
    item.refresh_from_db()
    assert item.status == PickupItem.Status.PICKED and item.picked_by == person
    assert item.handed_over_by == hall["clerk"] and item.picked_at is not None
    assert item.identity_check["matched"] is True
    assert item.identity_check["id_number"] != str(person.id_number)  # masked
    assert item.identity_check["id_number"][-4:] == str(person.id_number)[-4:]
    assert AuditEntry.objects.filter(action="exchange.pickup.hand_over").count() == 1
    # Handed over once: a second hand-over is refused.
    again = clerk.post(url, {"id_number": str(person.id_number)})
    assert again.status_code == 409
    case = _login(side["applicant"].user).get(f"/apply/my/{crossing.application.number}/")
    assert 'data-pickup="picked"' in case.content.decode()
    assert Message.objects.filter(text__contains="已于").exists()
    picked = clerk.get("/workbench/exchange/shelf/?status=picked").content.decode()
    assert "已核验居民身份证" in picked


def test_a_result_not_collected_can_be_returned_with_a_reason(client, side, hall):
    crossing = _decided(client, side)
    _pickup_notice(client, crossing)
    item = PickupItem.objects.get()
    clerk = _login(hall["clerk"])
    url = f"/workbench/exchange/shelf/{item.pk}/return/"
    assert clerk.post(url, {"reason": ""}).status_code == 400
    assert clerk.post(url, {"reason": "超过 90 日未领取，转邮寄"}).status_code == 302
    item.refresh_from_db()
    assert item.status == PickupItem.Status.RETURNED and "转邮寄" in item.note


def test_only_window_staff_of_the_outlets_centre_see_and_hand_over(client, side, hall):
    crossing = _decided(client, side)
    _pickup_notice(client, crossing)
    item = PickupItem.objects.get()
    person = crossing.application.person
    elsewhere = build_hall("lzh-town")["clerk"]  # a clerk of another centre
    other = _login(elsewhere)
    assert "K0001" not in other.get("/workbench/exchange/shelf/").content.decode()
    url = f"/workbench/exchange/shelf/{item.pk}/handover/"
    assert other.post(url, {"id_number": str(person.id_number)}).status_code == 404
    reviewer = _login(StaffFactory(reviewer=True).user)
    assert reviewer.get("/workbench/exchange/shelf/").status_code == 403
    assert reviewer.post(url, {"id_number": str(person.id_number)}).status_code == 403
    resident = _login(side["applicant"].user)
    assert resident.get("/workbench/exchange/shelf/").status_code == 403
    item.refresh_from_db()
    assert item.status == PickupItem.Status.WAITING


# ---------------------------------------------------------------- the deciding side


def test_our_result_document_is_sealed_with_our_exchange_key_and_fits_the_schema(side):
    from tests.exchange.test_resident_and_counter import _handed_to_us
    from yishi.exchange import protocol, services
    from yishi.exchange.models import Partner
    from yishi.exchange.results import seal_holds

    crossing = _handed_to_us(side)
    services.crossing_decide(
        crossing=crossing,
        reviewer=side["reviewers"]["QR90004000-X-ARRIVE"],
        approved=True,
        result_name="准予迁入",
    )
    body = Envelope.objects.get(crossing=crossing, kind="result").body
    document = body["licence"]
    person = crossing.application.person
    assert document["holder"] == {"kind": "person", "id": person.id_number, "name": person.name}
    assert (document["issuer"], document["type"], document["name"]) == (
        US,
        "QR90004000",
        "准予迁入",
    )
    env = protocol.envelope(kind="result", sender=US, receiver=THEM, body=body)
    assert protocol.schema_errors(protocol.wrap(env, private_key(US))) == []
    ours = Partner(code=US, name="鄂州市梁子湖区", public_key_pem=public_pem(US))
    assert seal_holds(ours, document)
    assert not seal_holds(side["partner"], document)  # not 江夏区's seal
    assert not seal_holds(ours, {**document, "valid_until": "2099-12-31"})
    crossing.refresh_from_db()
    assert crossing.result["holder"]["id"] != person.id_number  # masked on the crossing
