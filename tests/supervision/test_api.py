from __future__ import annotations

import pytest

from tests.cases.factories import StaffFactory
from yishi.cases.models import CaseEvent
from yishi.core.events import events_dispatch
from yishi.supervision.models import SupervisionTask

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


@pytest.fixture
def task(approved):
    approved("a")
    events_dispatch()
    return SupervisionTask.objects.get()


def post_result(client, task, **body):
    return client.post(
        f"/api/v1/supervision/tasks/{task.pk}/result", body, content_type="application/json"
    )


def test_a_supervisor_lists_and_reads_their_departments_tasks(client, task, supervisor):
    client.force_login(supervisor.user)
    rows = client.get("/api/v1/supervision/tasks").json()
    assert [r["id"] for r in rows] == [task.pk]
    assert rows[0]["status"] == "open"
    assert rows[0]["supervising_department"] == "梁子湖区市场监督管理局"
    assert rows[0]["due_on"] == task.due_on.isoformat()
    assert client.get("/api/v1/supervision/tasks?status=compliant").json() == []
    body = client.get(f"/api/v1/supervision/tasks/{task.pk}").json()
    assert body["application"] == task.application.number
    assert body["result_name"] == "结果a"


def test_a_supervisor_records_a_result_through_the_api(client, task, supervisor):
    client.force_login(supervisor.user)
    response = post_result(client, task, result="non_compliant", findings="未按承诺建立台账")
    assert response.status_code == 200
    assert response.json()["status"] == "non_compliant"
    assert response.json()["findings"] == "未按承诺建立台账"
    assert CaseEvent.objects.filter(action="supervision_result", subcase=task.subcase).exists()


def test_the_approving_department_reads_the_feedback(client, task, supervisor, reviewer_a):
    client.force_login(supervisor.user)
    post_result(client, task, result="non_compliant", findings="未按承诺建立台账")
    client.force_login(reviewer_a.user)
    rows = client.get("/api/v1/supervision/tasks?side=approving").json()
    assert [(r["id"], r["status"], r["findings"]) for r in rows] == [
        (task.pk, "non_compliant", "未按承诺建立台账")
    ]
    assert client.get("/api/v1/supervision/tasks").json() == []


def test_another_departments_supervisor_gets_problem_404(client, task):
    client.force_login(StaffFactory(supervisor=True).user)
    assert client.get("/api/v1/supervision/tasks").json() == []
    for response in (
        client.get(f"/api/v1/supervision/tasks/{task.pk}"),
        post_result(client, task, result="compliant"),
    ):
        assert response.status_code == 404
        assert response["Content-Type"].startswith(PROBLEM)
    task.refresh_from_db()
    assert task.status == SupervisionTask.Status.OPEN


def test_non_compliant_without_findings_answers_problem_422(client, task, supervisor):
    client.force_login(supervisor.user)
    response = post_result(client, task, result="non_compliant", findings="")
    assert response.status_code == 422
    assert response["Content-Type"].startswith(PROBLEM)
    assert response.json()["field"] == "findings"
    assert "核查不合规时请写明发现的问题" in response.json()["detail"]


def test_a_second_decision_answers_problem_409(client, task, supervisor):
    client.force_login(supervisor.user)
    assert post_result(client, task, result="compliant").status_code == 200
    again = post_result(client, task, result="non_compliant", findings="x")
    assert again.status_code == 409
    assert again["Content-Type"].startswith(PROBLEM)
    assert again.json()["field"] == "status"


def test_an_unknown_status_filter_answers_problem_422(client, task, supervisor):
    client.force_login(supervisor.user)
    response = client.get("/api/v1/supervision/tasks?status=done")
    assert response.status_code == 422
    assert response.json()["field"] == "status"


def test_anonymous_callers_get_problem_401(client, task):
    response = client.get("/api/v1/supervision/tasks")
    assert response.status_code == 401
    assert response["Content-Type"].startswith(PROBLEM)
