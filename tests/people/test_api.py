from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from tests.people.factories import PersonFactory
from yishi.core.models import AuditEntry
from yishi.core.roles import Role, grant_roles
from yishi.core.synthetic import make_ric, make_uscc
from yishi.people.models import RegistryAccess

pytestmark = pytest.mark.django_db

PURPOSE = "窗口核验办事人身份"


def _post(client, path: str, body: dict):
    return client.post(path, body, content_type="application/json")


def test_post_person_answers_201_with_masked_values(admin_client):
    number = make_ric(seq=5, sex="M")
    response = admin_client.post(
        "/api/v1/persons",
        {"name": "周杰", "id_number": number, "phone": "13907110000"},
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": body["id"],
        "name": "周杰",
        "id_number": number[:4] + "*" * 10 + number[-4:],
        "phone": "139****0000",
        "birth_date": "1990-01-01",
        "sex": "M",
        "region_code": "420702",
    }
    assert number not in response.content.decode()


def test_post_company_answers_201(admin_client):
    code = make_uscc(seq=11)
    response = admin_client.post(
        "/api/v1/companies",
        {"name": "梁子湖区样例公司", "uscc": code, "legal_representative": "吴敏"},
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["uscc"], body["region_code"], body["legal_representative"]) == (
        code,
        "420702",
        "吴敏",
    )


def test_lookup_returns_the_person_masked(admin_client):
    person = PersonFactory(name="郭静", phone="13907110009")
    response = _post(
        admin_client, "/api/v1/persons/lookup", {"id_number": person.id_number, "purpose": PURPOSE}
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["name"], body["phone"]) == (person.pk, "郭静", "139****0009")
    assert body["id_number"] == person.id_number[:4] + "*" * 10 + person.id_number[-4:]


def test_failed_lookup_is_audited_too(admin_client):
    unknown = make_ric(seq=300)
    response = _post(
        admin_client, "/api/v1/persons/lookup", {"id_number": unknown, "purpose": PURPOSE}
    )
    assert response.status_code == 404
    entry = AuditEntry.objects.get(action="person.lookup")
    assert (entry.object_id, entry.data["found"]) == ("", False)
    assert unknown not in str(entry.data)
    assert RegistryAccess.objects.count() == 0  # nobody's record was read


def test_staff_without_a_role_that_may_look_up_is_refused(client, django_user_model):
    clerk = django_user_model.objects.create_user(
        username="clerk", password="x-Long-pass-123", is_staff=True
    )
    clerk.user_permissions.add(Permission.objects.get(codename="view_person"))
    client.force_login(clerk)
    query = {"id_number": make_ric(), "purpose": PURPOSE}
    response = _post(client, "/api/v1/persons/lookup", query)
    assert response.status_code == 403  # a model permission is no role
    assert response.json()["detail"] == "只有窗口人员、政策专员或管理员可以查找自然人"

    grant_roles(clerk, Role.WINDOW)
    assert _post(client, "/api/v1/persons/lookup", query).status_code == 404


def test_non_staff_user_is_unauthenticated_for_the_registry(client, django_user_model):
    user = django_user_model.objects.create_user(username="citizen", password="x-Long-pass-123")
    client.force_login(user)
    response = client.post(
        "/api/v1/persons", {"name": "甲", "id_number": make_ric()}, content_type="application/json"
    )
    assert response.status_code == 401


def test_validate_id_number_returns_what_it_encodes(client):
    number = make_ric(seq=8, sex="F")
    response = _post(client, "/api/v1/validate/id-number", {"value": number.lower()})
    assert response.status_code == 200
    assert response.json() == {
        "valid": True,
        "number": number,
        "birth_date": "1990-01-01",
        "sex": "F",
        "region_code": "420702",
        "province": "湖北省",
    }


def test_validate_credit_code_returns_its_parts(client):
    code = make_uscc(seq=12)
    response = _post(client, "/api/v1/validate/credit-code", {"value": code})
    assert response.json() == {
        "valid": True,
        "code": code,
        "authority": "9",
        "entity_type": "1",
        "region_code": "420702",
        "organisation_code": "MA0000012",
    }


def test_validate_mobile_normalises(client):
    response = _post(client, "/api/v1/validate/mobile", {"value": "+86 139-0711-0000"})
    assert response.json() == {"valid": True, "number": "13907110000"}
