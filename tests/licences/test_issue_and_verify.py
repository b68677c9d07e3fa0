from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError

from tests.catalog.factories import DepartmentFactory
from tests.licences.factories import ISSUE_DAY, LicenceTypeFactory, issue
from tests.people.factories import CompanyFactory, PersonFactory
from yishi.core.errors import Conflict, ValidationFailed
from yishi.core.models import AuditEntry, OutboxMessage, SigningKey
from yishi.core.signing import sign
from yishi.licences.canonical import licence_canonical
from yishi.licences.models import Licence, LicenceType
from yishi.licences.services import (
    licence_number,
    licence_number_valid,
    licence_revoke,
    licence_verify,
    seal_for,
    seal_rotate,
    seal_set_active,
)

pytestmark = pytest.mark.django_db


def test_an_issued_licence_verifies_valid_with_its_issuer():
    licence = issue(issuer=DepartmentFactory(name="梁子湖区人民医院"))
    result = licence_verify(licence.number, today=ISSUE_DAY)
    assert result.state == "valid"
    assert result.label == "有效"
    assert result.issuer == "梁子湖区人民医院"
    assert result.message == "电子签章验证通过，由梁子湖区人民医院签发，证照有效。"


def test_the_number_names_type_issuer_year_serial_and_a_check_character():
    licence_type = LicenceTypeFactory(code="CSYXZM")
    issuer = DepartmentFactory(code="LZH-YY")
    first = issue(licence_type=licence_type, issuer=issuer)
    second = issue(licence_type=licence_type, issuer=issuer)
    assert first.number.startswith("CSYXZM-LZH-YY-2026-000001-")
    assert second.number.startswith("CSYXZM-LZH-YY-2026-000002-")
    assert first.number == licence_number("CSYXZM", "LZH-YY", 2026, 1)
    assert licence_number_valid(first.number)
    assert not licence_number_valid(first.number[:-1] + ("0" if first.number[-1] != "0" else "1"))


def test_the_signature_is_the_issuer_seal_key_over_the_canonical_bytes():
    issuer = DepartmentFactory(code="LZH-YY")
    licence = issue(issuer=issuer)
    key = SigningKey.objects.get(key_id=licence.signature["key_id"])
    assert key.owner == "dept:LZH-YY"
    assert seal_for(issuer).key_id == key.key_id
    canonical = licence_canonical(licence).decode()
    assert canonical.startswith('{"data":{')
    assert f'"number":"{licence.number}"' in canonical
    assert f'"holder":{{"id":"{licence.person.id_number}","kind":"person"}}' in canonical


def test_one_changed_data_field_in_the_database_is_tampered():
    licence = issue()
    data = dict(licence.data)
    data["newborn_name"] = "李小蛮"
    Licence.objects.filter(pk=licence.pk).update(data=data)
    result = licence_verify(licence.number, today=ISSUE_DAY)
    assert result.state == "tampered"
    assert result.label == "被篡改"


def test_a_changed_validity_date_is_tampered():
    licence = issue()
    Licence.objects.filter(pk=licence.pk).update(valid_until=dt.date(2099, 1, 1))
    assert licence_verify(licence.number, today=ISSUE_DAY).state == "tampered"


@pytest.mark.parametrize("position", [0, 20, -1])
def test_one_flipped_signature_hex_character_is_tampered(position):
    licence = issue()
    signature = dict(licence.signature)
    value = signature["value"]
    index = position % len(value)
    flipped = "0" if value[index] != "0" else "1"
    signature["value"] = value[:index] + flipped + value[index + 1 :]
    Licence.objects.filter(pk=licence.pk).update(signature=signature)
    assert licence_verify(licence.number, today=ISSUE_DAY).state == "tampered"


def test_a_valid_signature_by_another_departments_seal_is_tampered():
    licence = issue()
    forged = sign(licence_canonical(licence), owner="dept:SOMEONE-ELSE").as_dict()
    Licence.objects.filter(pk=licence.pk).update(signature=forged)
    assert licence_verify(licence.number, today=ISSUE_DAY).state == "tampered"


def test_a_revoked_licence_verifies_revoked_with_the_reason():
    licence = issue()
    licence_revoke(licence=licence, reason="申请人以欺骗手段取得", actor="admin")
    result = licence_verify(licence.number, today=ISSUE_DAY)
    assert result.state == "revoked"
    assert result.label == "已撤销"
    assert "申请人以欺骗手段取得" in result.message
    assert AuditEntry.objects.filter(
        action="licences.licence.revoke", object_id=licence.number
    ).exists()
    assert OutboxMessage.objects.filter(topic="licences.revoked").count() == 1


def test_revoking_twice_is_a_conflict_and_needs_a_reason():
    licence = issue()
    with pytest.raises(ValidationFailed):
        licence_revoke(licence=licence, reason="  ")
    licence_revoke(licence=licence, reason="错误签发")
    with pytest.raises(Conflict):
        licence_revoke(licence=licence, reason="错误签发")


def test_a_licence_past_its_validity_is_expired_and_valid_on_its_last_day():
    licence_type = LicenceTypeFactory(validity_years=5)
    licence = issue(licence_type=licence_type, today=dt.date(2024, 2, 29))
    assert licence.valid_until == dt.date(2029, 2, 27)
    assert licence_verify(licence, today=dt.date(2029, 2, 27)).state == "valid"
    result = licence_verify(licence, today=dt.date(2029, 2, 28))
    assert result.state == "expired"
    assert result.message == "该证照有效期至2029-02-27，已过期。"


def test_an_unknown_number_is_not_found():
    result = licence_verify("NOPE-0001")
    assert result.state == "not_found"
    assert result.label == "不存在"


def test_seal_rotation_keeps_old_licences_valid_and_signs_new_ones_with_the_new_key():
    issuer = DepartmentFactory()
    old = issue(issuer=issuer)
    seal = seal_rotate(department=issuer, actor="admin")
    new = issue(issuer=issuer)
    assert old.signature["key_id"] != new.signature["key_id"]
    assert seal.key_id == new.signature["key_id"]
    assert licence_verify(old, today=ISSUE_DAY).state == "valid"
    assert licence_verify(new, today=ISSUE_DAY).state == "valid"
    assert AuditEntry.objects.filter(action="licences.seal.rotate").count() == 1


def test_a_seal_is_made_once_with_a_png_image():
    issuer = DepartmentFactory(name="梁子湖区市场监督管理局")
    seal = seal_for(issuer)
    assert seal_for(issuer).pk == seal.pk
    assert bytes(seal.image_png).startswith(b"\x89PNG\r\n\x1a\n")
    assert seal.name == "梁子湖区市场监督管理局电子印章"


def test_a_suspended_seal_signs_nothing():
    issuer = DepartmentFactory()
    seal_set_active(department=issuer, active=False)
    with pytest.raises(Conflict):
        issue(issuer=issuer)
    assert not Licence.objects.exists()


def test_issuing_is_audited_and_reported_to_the_licence_store():
    licence = issue()
    entry = AuditEntry.objects.get(action="licences.licence.issue")
    assert entry.object_id == licence.number
    assert entry.data["key_id"] == licence.signature["key_id"]
    message = OutboxMessage.objects.get(topic="licences.issued")
    assert message.payload["number"] == licence.number


def test_holder_name_is_always_in_the_data():
    person = PersonFactory(name="王芳")
    licence = issue(holder=person, data={"birth_place": "太和镇"})
    assert licence.data == {"birth_place": "太和镇", "holder_name": "王芳"}


def test_a_person_only_type_refuses_a_company_holder():
    licence_type = LicenceTypeFactory(holder_kind="person")
    with pytest.raises(ValidationFailed) as info:
        issue(licence_type=licence_type, holder=CompanyFactory())
    assert info.value.field == "holder"


def test_a_company_licence_verifies():
    company = CompanyFactory()
    licence = issue(holder=company, data={"company_name": company.name})
    assert licence.company == company and licence.person is None
    assert licence_verify(licence, today=ISSUE_DAY).state == "valid"


def test_the_database_refuses_a_licence_with_two_holders():
    licence = issue()
    with pytest.raises(IntegrityError):
        Licence.objects.filter(pk=licence.pk).update(company=CompanyFactory())


def test_the_seeded_types_are_present_with_their_matter_codes():
    names = set(LicenceType.objects.values_list("name", flat=True))
    assert {
        "出生医学证明",
        "营业执照",
        "食品经营许可证",
        "残疾人证",
        "道路运输经营许可证",
        "社会保障卡",
        "居民户口簿",
    } <= names
    birth = LicenceType.objects.get(code="CSYXZM")
    assert birth.matter_basic_codes == ["GG00101000"]
    assert birth.material_kind == "birth_certificate"
