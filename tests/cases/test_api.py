from __future__ import annotations

import pytest

from tests.cases.conftest import reviewer_of
from tests.cases.factories import ApplicantFactory, StaffFactory
from yishi.cases.models import Application, SubCase
from yishi.cases.services import application_accept

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def login(client, user):
    client.force_login(user)
    return client


def submit(client, chain, **headers):
    return client.post(
        "/api/v1/applications",
        {"theme": chain["theme"].code, "answers": {}, "form_data": {"name": "李四"}},
        content_type="application/json",
        headers=headers,
    )


def test_an_applicant_submits_and_reads_their_application(client, chain, applicant):
    login(client, applicant.user)
    response = submit(client, chain)
    assert response.status_code == 201
    number = response.json()["number"]
    body = client.get(f"/api/v1/applications/{number}").json()
    assert body["status"] == "submitted"
    assert body["title"] == "链路测试一件事"
    assert [a["number"] for a in client.get("/api/v1/applications").json()] == [number]


def test_double_submission_with_one_idempotency_key_yields_one_application(
    client, chain, applicant
):
    login(client, applicant.user)
    first = submit(client, chain, **{"Idempotency-Key": "k-123"})
    second = submit(client, chain, **{"Idempotency-Key": "k-123"})
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert Application.objects.count() == 1


def test_the_service_also_replays_a_repeated_key(chain, applicant):
    from yishi.cases.services import application_submit

    kwargs = {
        "user": applicant.user,
        "theme": chain["theme"],
        "answers": {},
        "form_data": {"name": "王五"},
        "idempotency_key": "svc-1",
    }
    assert application_submit(**kwargs).pk == application_submit(**kwargs).pk
    assert Application.objects.count() == 1


def test_an_applicant_gets_404_for_another_applicants_application(client, submitted):
    login(client, ApplicantFactory().user)
    response = client.get(f"/api/v1/applications/{submitted.number}")
    assert response.status_code == 404
    assert response["Content-Type"].startswith(PROBLEM)
    assert client.get("/api/v1/applications").json() == []
    response = client.post(f"/api/v1/applications/{submitted.number}/supplement-provided")
    assert response.status_code == 404


def test_an_anonymous_request_gets_401(client, submitted):
    assert client.get(f"/api/v1/applications/{submitted.number}").status_code == 401


def test_window_staff_accept_and_a_second_accept_gets_409(client, submitted, window):
    login(client, window.user)
    response = client.post(f"/api/v1/applications/{submitted.number}/accept")
    assert response.status_code == 200
    assert response.json()["status"] == "accepted"
    assert len(response.json()["subcases"]) == 4
    again = client.post(f"/api/v1/applications/{submitted.number}/accept")
    assert again.status_code == 409
    assert again["Content-Type"].startswith(PROBLEM)
    assert "当前状态为“已受理”" in again.json()["detail"]


def test_an_applicant_cannot_accept_their_own_application(client, submitted, applicant):
    login(client, applicant.user)
    response = client.post(f"/api/v1/applications/{submitted.number}/accept")
    assert response.status_code == 403
    assert Application.objects.get(pk=submitted.pk).status == "submitted"


def test_a_reviewer_sees_only_their_departments_subcases_and_gets_404_for_others(
    client, chain, submitted, window
):
    application_accept(application=submitted, staff=window.user)
    a = SubCase.objects.get(matter=chain["matters"]["a"])
    d = SubCase.objects.get(matter=chain["matters"]["d"])
    login(client, reviewer_of(chain, "d").user)
    assert [s["id"] for s in client.get("/api/v1/subcases").json()] == [d.pk]
    response = client.post(
        f"/api/v1/subcases/{a.pk}/approve", {"result_name": "x"}, "application/json"
    )
    assert response.status_code == 404
    assert response["Content-Type"].startswith(PROBLEM)
    assert SubCase.objects.get(pk=a.pk).status == SubCase.Status.PENDING
    ok = client.post(
        f"/api/v1/subcases/{d.pk}/approve", {"result_name": "社保卡"}, "application/json"
    )
    assert ok.status_code == 200
    assert ok.json()["status"] == "approved"


def test_a_reviewer_of_an_unrelated_department_gets_404_for_the_application(
    client, submitted, window
):
    application_accept(application=submitted, staff=window.user)
    login(client, StaffFactory(reviewer=True).user)
    assert client.get(f"/api/v1/applications/{submitted.number}").status_code == 404


def test_a_reviewer_of_a_department_with_a_sub_case_sees_the_application(
    client, chain, submitted, window
):
    application_accept(application=submitted, staff=window.user)
    login(client, reviewer_of(chain, "d").user)
    response = client.get(f"/api/v1/applications/{submitted.number}")
    assert response.status_code == 200
    assert response.json()["number"] == submitted.number


def test_window_supplement_then_applicant_provides_it_through_the_api(
    client, submitted, window, applicant
):
    login(client, window.user)
    response = client.post(
        f"/api/v1/applications/{submitted.number}/supplement",
        {"items": ["请补充户口簿"], "note": ""},
        "application/json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "supplement_requested"
    assert response.json()["supplement_items"] == ["请补充户口簿"]
    login(client, applicant.user)
    back = client.post(f"/api/v1/applications/{submitted.number}/supplement-provided")
    assert back.status_code == 200
    assert back.json()["status"] == "submitted"
    assert back.json()["supplement_items"] == []


def test_refusal_without_a_reason_is_422_naming_the_field(client, submitted, window):
    login(client, window.user)
    response = client.post(
        f"/api/v1/applications/{submitted.number}/refuse", {"reason": " "}, "application/json"
    )
    assert response.status_code == 422
    assert response.json()["field"] == "reason"
    ok = client.post(
        f"/api/v1/applications/{submitted.number}/refuse",
        {"reason": "不属于本区管辖"},
        "application/json",
    )
    assert ok.status_code == 200
    assert ok.json()["status"] == "refused"


def test_a_reviewer_refuses_and_asks_for_supplement_on_own_subcases(
    client, chain, submitted, window
):
    application_accept(application=submitted, staff=window.user)
    a = SubCase.objects.get(matter=chain["matters"]["a"])
    d = SubCase.objects.get(matter=chain["matters"]["d"])
    login(client, reviewer_of(chain, "a").user)
    response = client.post(
        f"/api/v1/subcases/{a.pk}/supplement", {"items": ["补充证明"]}, "application/json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "supplement_requested"
    response = client.post(f"/api/v1/subcases/{d.pk}/refuse", {"reason": "x"}, "application/json")
    assert response.status_code == 404
    response = client.post(
        f"/api/v1/subcases/{a.pk}/refuse", {"reason": "材料不实"}, "application/json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "refused"
