from __future__ import annotations

import io
import json

import pytest
from openpyxl import Workbook

from tests.cases.factories import ApplicantFactory, StaffFactory
from tests.catalog.factories import DepartmentFactory
from tests.licences.factories import ISSUE_DAY, LicenceTypeFactory, issue
from tests.people.factories import PersonFactory
from yishi.core.models import AuditEntry
from yishi.licences.models import Licence
from yishi.licences.services import licence_export, licence_verify, licences_import_xlsx

pytestmark = pytest.mark.django_db

URL = "/api/v1/licences/import"


def exported_elsewhere():
    """A signed document of a licence this platform does not hold yet (as if issued by a
    sister platform with a seal key we know)."""
    licence = issue()
    document = licence_export(licence)
    Licence.objects.filter(pk=licence.pk).delete()
    return document


def post(client, document):
    client.force_login(StaffFactory().user)
    return client.post(URL, data=json.dumps(document), content_type="application/json")


def test_a_signed_document_imports_at_trust_level_a_and_verifies(client):
    document = exported_elsewhere()
    response = post(client, document)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == document["licence"]["number"]
    assert body["trust_level"] == "A"
    assert body["source"] == "imported"
    licence = Licence.objects.get(number=body["number"])
    assert licence_verify(licence, today=ISSUE_DAY).state == "valid"
    assert AuditEntry.objects.filter(action="licences.licence.import").count() == 1


def test_a_document_with_a_changed_field_is_refused_with_422(client):
    document = exported_elsewhere()
    document["licence"]["data"]["newborn_name"] = "王二"
    response = post(client, document)
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["field"] == "signature"
    assert problem["detail"] == "电子签章验证未通过：证照内容与签章不符或签章不属于该发证机关"
    assert not Licence.objects.exists()


def test_a_document_with_a_flipped_signature_byte_is_refused_with_422(client):
    document = exported_elsewhere()
    value = document["signature"]["value"]
    document["signature"]["value"] = value[:-2] + ("00" if value[-2:] != "00" else "11")
    response = post(client, document)
    assert response.status_code == 422
    assert response.json()["field"] == "signature"


def test_a_document_signed_by_an_unknown_key_is_refused_with_422(client):
    document = exported_elsewhere()
    document["signature"]["key_id"] = "ffffffffffffffff"
    document["key_id"] = "ffffffffffffffff"
    response = post(client, document)
    assert response.status_code == 422
    assert response.json()["field"] == "key_id"


def test_importing_the_same_licence_twice_is_a_conflict(client):
    document = exported_elsewhere()
    assert post(client, document).status_code == 201
    response = client.post(URL, data=json.dumps(document), content_type="application/json")
    assert response.status_code == 409


def test_an_applicant_may_not_import(client):
    client.force_login(ApplicantFactory().user)
    response = client.post(
        URL, data=json.dumps(exported_elsewhere()), content_type="application/json"
    )
    assert response.status_code == 403
    assert not Licence.objects.exists()


def test_a_body_that_is_not_a_document_is_422(client):
    client.force_login(StaffFactory().user)
    response = client.post(URL, data="[1, 2", content_type="application/json")
    assert response.status_code == 422
    response = client.post(URL, data="{}", content_type="application/json")
    assert response.status_code == 422
    assert response.json()["field"] == "licence"


def xlsx(rows):
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


HEADER = [
    "证照编号",
    "证照类型代码",
    "持证主体类型",
    "持证主体证件号码",
    "发证机关编码",
    "颁发日期",
    "有效期起",
    "有效期至",
    "残疾等级",
]


def test_spreadsheet_rows_import_at_trust_level_b_and_bad_rows_are_reported():
    licence_type = LicenceTypeFactory(code="CJRZTEST")
    person = PersonFactory(name="赵敏")
    issuer = DepartmentFactory(code="LZH-CL", name="梁子湖区残疾人联合会")
    report = licences_import_xlsx(
        xlsx(
            [
                HEADER,
                [
                    "EXT-0001",
                    licence_type.code,
                    "自然人",
                    person.id_number,
                    "LZH-CL",
                    "2025-01-02",
                    "2025-01-02",
                    "2035-01-01",
                    "二级",
                ],
                [
                    "EXT-0002",
                    licence_type.code,
                    "自然人",
                    "420702199001011239",
                    "LZH-CL",
                    "2025-01-02",
                    "2025-01-02",
                    None,
                    "一级",
                ],
                [
                    "EXT-0003",
                    "NOPE",
                    "自然人",
                    person.id_number,
                    "LZH-CL",
                    "2025-01-02",
                    "2025-01-02",
                    None,
                    "",
                ],
            ]
        ),
        actor="admin",
    )
    assert report.imported == ["EXT-0001"]
    assert report.errors == [
        "第 3 行：持证主体未在本平台登记，不能导入",
        "第 4 行：证照类型“NOPE”不存在",
    ]
    licence = Licence.objects.get(number="EXT-0001")
    assert licence.trust_level == "B"
    assert licence.issuer == issuer
    assert licence.data == {"残疾等级": "二级", "holder_name": "赵敏"}
    result = licence_verify(licence, today=ISSUE_DAY)
    assert result.state == "valid"
    assert "可信等级B" in result.message
    Licence.objects.filter(pk=licence.pk).update(data={"残疾等级": "一级", "holder_name": "赵敏"})
    assert licence_verify(licence, today=ISSUE_DAY).state == "tampered"


def test_a_spreadsheet_missing_columns_is_refused():
    from yishi.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as info:
        licences_import_xlsx(xlsx([["证照编号", "证照类型代码"]]))
    assert info.value.message.startswith("表头缺少列：持证主体类型")
    with pytest.raises(ValidationFailed):
        licences_import_xlsx(io.BytesIO(b"not a spreadsheet"))
