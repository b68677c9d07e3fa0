"""The API answers bad input with 4xx application/problem+json naming the field in Chinese;
personal values are encrypted at rest and found through the blind index."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from yishi.core.fields import blind_index
from yishi.core.models import AuditEntry
from yishi.core.synthetic import make_ric, make_uscc
from yishi.people.models import Person
from yishi.people.queries import person_by_id_number
from yishi.people.services import person_register

pytestmark = pytest.mark.django_db

VALID_RIC = make_ric(seq=21, sex="F")
BAD_CHECK_RIC = VALID_RIC[:-1] + ("1" if VALID_RIC[-1] != "1" else "2")


def _problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json; charset=utf-8"
    body = json.loads(response.content.decode("utf-8"))
    assert body["status"] == status
    assert {"type", "title", "status", "detail"} <= body.keys()
    return body


def _post(client, path: str, body: dict):
    return client.post(path, body, content_type="application/json")


def test_id_number_with_bad_check_digit_is_a_422_problem(client):
    body = _problem(_post(client, "/api/v1/validate/id-number", {"value": BAD_CHECK_RIC}), 422)
    assert body["type"] == "https://yishi.example/problems/validation"
    assert body["title"] == "输入校验失败"
    assert body["detail"] == "居民身份证号校验位错误"
    assert body["field"] == "value"


def test_invalid_credit_code_is_a_422_problem(client):
    code = make_uscc(seq=9)[:-1] + "O"
    body = _problem(_post(client, "/api/v1/validate/credit-code", {"value": code}), 422)
    assert body["detail"] == "统一社会信用代码不能包含字母I、O、Z、S、V，第18位“O”不允许"
    assert body["field"] == "value"


def test_invalid_mobile_is_a_422_problem(client):
    body = _problem(_post(client, "/api/v1/validate/mobile", {"value": "1234567"}), 422)
    assert (body["detail"], body["field"]) == ("手机号码应为11位，实际为7位", "value")


def test_missing_parameter_is_a_422_problem_naming_it(client):
    body = _problem(_post(client, "/api/v1/validate/id-number", {}), 422)
    assert body["field"] == "value"
    assert body["detail"] == "取值：必须填写"
    assert body["title"] == "输入校验失败"


def test_unknown_person_is_a_404_problem(admin_client):
    unknown = make_ric(seq=400, sex="M")
    body = _problem(
        _post(
            admin_client,
            "/api/v1/persons/lookup",
            {"id_number": unknown, "purpose": "窗口核验身份"},
        ),
        404,
    )
    assert body["title"] == "未找到"
    assert body["detail"] == "未找到该居民身份证号对应的自然人"
    assert body["field"] == "id_number"


def test_registering_an_invalid_id_number_names_the_body_field(admin_client):
    response = admin_client.post(
        "/api/v1/persons",
        {"name": "张三", "id_number": BAD_CHECK_RIC},
        content_type="application/json",
    )
    body = _problem(response, 422)
    assert (body["detail"], body["field"]) == ("居民身份证号校验位错误", "id_number")


def test_registering_twice_is_a_409_problem(admin_client):
    person_register(name="李四", id_number=VALID_RIC)
    response = admin_client.post(
        "/api/v1/persons", {"name": "李四", "id_number": VALID_RIC}, content_type="application/json"
    )
    body = _problem(response, 409)
    assert (body["detail"], body["field"]) == ("该居民身份证号已登记", "id_number")


def test_lookup_without_login_is_a_401_problem(client):
    body = _problem(_post(client, "/api/v1/persons/lookup", {"id_number": VALID_RIC}), 401)
    assert body["title"] == "未登录"


def test_id_number_and_phone_are_encrypted_in_the_database():
    person = person_register(name="王五", id_number=VALID_RIC, phone="13907110000")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number, phone, id_number_index FROM people_person WHERE id = %s",
            [person.pk],
        )
        raw_id, raw_phone, raw_index = cursor.fetchone()
    assert VALID_RIC not in raw_id and "13907110000" not in raw_phone
    assert raw_id.startswith("k1$") and raw_phone.startswith("k1$")
    assert raw_index == blind_index(VALID_RIC)
    assert VALID_RIC not in raw_index
    assert Person.objects.get(pk=person.pk).id_number == VALID_RIC


def test_blind_index_finds_the_person():
    person = person_register(name="赵六", id_number=VALID_RIC)
    other = person_register(name="钱七", id_number=make_ric(seq=22, sex="F"))
    assert person_by_id_number(VALID_RIC) == person
    assert person_by_id_number(f" {VALID_RIC[:6]} {VALID_RIC[6:].lower()} ") == person
    assert person_by_id_number(make_ric(seq=23, sex="F")) is None
    assert other != person


def test_lookup_is_audited_without_the_plain_number(admin_client):
    person = person_register(name="孙八", id_number=VALID_RIC)
    response = _post(
        admin_client, "/api/v1/persons/lookup", {"id_number": VALID_RIC, "purpose": "窗口核验身份"}
    )
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="person.lookup")
    assert (entry.actor, entry.object_id) == ("admin", str(person.pk))
    assert entry.data == {"id_number": VALID_RIC[:4] + "*" * 10 + VALID_RIC[-4:], "found": True}
    assert VALID_RIC not in json.dumps(list(AuditEntry.objects.values()), default=str)


@pytest.mark.django_db
def test_a_wrong_method_on_the_api_answers_405_problem_json_in_chinese(client):
    response = client.delete("/api/v1/matters")

    assert response.status_code == 405
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["detail"] == "此接口不支持 DELETE 方法。"
    assert "GET" in response["Allow"]


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
def test_a_body_that_is_not_json_answers_400_problem_json_in_chinese(client, settings, debug):
    from django.contrib.auth import get_user_model

    settings.DEBUG = debug  # in DEBUG django-ninja adds the parser's English words

    user = get_user_model().objects.create_superuser("root", "root@example.cn", "pw-9f8e7d6c")
    client.force_login(user)

    response = client.post("/api/v1/persons", data="{not json", content_type="application/json")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["detail"] == "请求格式不正确，请求体应为有效的 JSON。"


@pytest.mark.django_db
def test_a_post_without_the_csrf_token_answers_403_problem_json_in_chinese():
    from django.contrib.auth import get_user_model
    from django.test import Client

    user = get_user_model().objects.create_superuser("root", "root@example.cn", "pw-9f8e7d6c")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    response = client.post("/api/v1/persons", data="{}", content_type="application/json")

    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["title"] == "无权操作"
    assert response.json()["detail"].startswith("CSRF 校验失败")


def test_a_nul_character_in_the_input_is_a_4xx_problem_not_a_500(client):
    """The input guard (yishi.core.hostile) refuses NUL in the path and in a JSON body before
    any view runs, on every database."""
    from tests.cases.factories import ApplicantFactory, StaffFactory

    client.force_login(StaffFactory().user)
    body = _problem(client.get("/api/v1/applications/A%00B"), 400)
    assert body["detail"] == "请求地址：含有空字符（\\0），请删除后重试"
    client.force_login(ApplicantFactory().user)
    response = client.post(
        "/api/v1/applications",
        {"theme": "new\x00born", "answers": {}, "form_data": {}},
        "application/json",
        HTTP_IDEMPOTENCY_KEY="nul-1",
    )
    assert _problem(response, 400)["field"] == "theme"


@pytest.mark.django_db
def test_a_problem_names_the_path_without_its_query_string(client):
    response = client.get("/api/v1/persons/lookup?id_number=420702199001010033")
    assert response.status_code in (401, 405)
    body = response.json()
    assert body["instance"] == "/api/v1/persons/lookup"
    assert "420702199001010033" not in response.content.decode()
