"""ID numbers never travel in URLs: the person lookup and the live validators take their
values in a JSON body; the old GET forms answer 405 problem+json and read nothing."""

from __future__ import annotations

import pytest

from tests.people.factories import PersonFactory
from yishi.core.models import AuditEntry
from yishi.core.synthetic import make_ric, make_uscc
from yishi.people.models import RegistryAccess

pytestmark = pytest.mark.django_db

LOOKUP = "/api/v1/persons/lookup"
PURPOSE = "窗口核验办事人身份"


def _assert_405_problem(response, allowed: str = "POST") -> dict:
    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json; charset=utf-8"
    assert response["Allow"] == allowed
    body = response.json()
    assert (body["status"], body["title"]) == (405, "方法不允许")
    assert body["detail"] == "此接口不支持 GET 方法。"
    return body


def test_a_lookup_by_post_finds_the_person_and_records_the_read(admin_client):
    person = PersonFactory(name="郭静")

    response = admin_client.post(
        LOOKUP, {"id_number": person.id_number, "purpose": PURPOSE}, content_type="application/json"
    )

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["name"]) == (person.pk, "郭静")
    assert person.id_number not in response.content.decode()
    access = RegistryAccess.objects.get()
    assert (access.person, access.channel, access.purpose) == (person, "lookup", PURPOSE)
    assert AuditEntry.objects.filter(action="person.lookup").count() == 1


def test_a_lookup_by_get_is_a_405_problem_and_reads_nothing(admin_client):
    person = PersonFactory()

    response = admin_client.get(LOOKUP, {"id_number": person.id_number, "purpose": PURPOSE})

    _assert_405_problem(response)
    assert person.name not in response.content.decode()
    assert RegistryAccess.objects.count() == 0
    assert AuditEntry.objects.filter(action="person.lookup").count() == 0


def test_a_lookup_without_an_id_number_in_the_body_is_a_422_naming_it(admin_client):
    response = admin_client.post(LOOKUP, {"purpose": PURPOSE}, content_type="application/json")

    assert response.status_code == 422
    assert (response.json()["field"], response.json()["detail"]) == (
        "id_number",
        "身份证号：必须填写",
    )


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("/api/v1/validate/id-number", make_ric(seq=31, sex="F"), "number"),
        ("/api/v1/validate/credit-code", make_uscc(seq=31), "code"),
        ("/api/v1/validate/mobile", "13907110000", "number"),
    ],
)
def test_each_validator_answers_by_post_and_refuses_get_with_405(client, path, value, expected):
    response = client.post(path, {"value": value}, content_type="application/json")
    assert response.status_code == 200
    assert (response.json()["valid"], response.json()[expected]) == (True, value)

    _assert_405_problem(client.get(path, {"value": value}))


def test_a_validator_without_a_value_is_a_422_naming_it(client):
    response = client.post("/api/v1/validate/mobile", {}, content_type="application/json")

    assert response.status_code == 422
    assert (response.json()["field"], response.json()["detail"]) == ("value", "取值：必须填写")
