from __future__ import annotations

import pytest

from tests.catalog.factories import DepartmentFactory
from tests.licences.factories import LicenceTypeFactory, issue
from tests.licences.test_import import HEADER, xlsx
from tests.people.factories import PersonFactory
from yishi.licences.models import Licence, Seal

pytestmark = pytest.mark.django_db


def test_the_back_office_lists_types_seals_and_licences(admin_client):
    licence = issue()
    seal = Seal.objects.get()
    assert admin_client.get("/admin/licences/licencetype/").status_code == 200
    page = admin_client.get(f"/admin/licences/seal/{seal.pk}/change/")
    assert page.status_code == 200
    assert "data:image/png;base64," in page.content.decode()
    listing = admin_client.get("/admin/licences/licence/")
    assert licence.number in listing.content.decode()
    assert "导入 xlsx" in listing.content.decode()


def test_the_seal_rotation_action_gives_a_new_key(admin_client):
    licence = issue()
    seal = Seal.objects.get()
    old_key = seal.key_id
    admin_client.post("/admin/licences/seal/", {"action": "rotate", "_selected_action": [seal.pk]})
    seal.refresh_from_db()
    assert seal.key_id and seal.key_id != old_key
    assert licence.signature["key_id"] == old_key


def test_an_administrator_imports_a_spreadsheet_in_the_back_office(admin_client):
    licence_type = LicenceTypeFactory(code="ADMX")
    person = PersonFactory()
    DepartmentFactory(code="LZH-CL")
    row = [
        "EXT-9",
        "ADMX",
        "自然人",
        person.id_number,
        "LZH-CL",
        "2025-01-02",
        "2025-01-02",
        None,
        "三级",
    ]
    upload = xlsx([HEADER, row])
    upload.name = "licences.xlsx"
    response = admin_client.post("/admin/licences/licence/import-xlsx/", {"file": upload})
    assert response.status_code == 302
    licence = Licence.objects.get(number="EXT-9")
    assert licence.type == licence_type
    assert licence.trust_level == "B"


def test_a_licence_type_code_must_be_upper_case_letters_or_digits(admin_client):
    response = admin_client.post(
        "/admin/licences/licencetype/add/",
        {
            "code": "bad code",
            "name": "某证",
            "names": "[]",
            "holder_kind": "any",
            "fields": "[]",
            "matter_basic_codes": "[]",
        },
    )
    assert response.status_code == 200
    assert "证照类型代码须为 2—20 位大写字母或数字" in response.content.decode()
