from __future__ import annotations

import datetime as dt

import pytest

from tests.cases.factories import StaffFactory
from yishi.core.events import events_dispatch
from yishi.supervision.models import SupervisionTask

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(approved):
    approved("a")
    events_dispatch()
    return SupervisionTask.objects.get()


def test_a_supervisor_sees_their_tasks_with_a_countdown(client, task, supervisor):
    client.force_login(supervisor.user)
    response = client.get("/workbench/supervision/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-task="{task.pk}"' in html
    assert task.application.number in html
    assert 'data-countdown="ok"' in html
    assert "剩余 " in html


def test_an_open_task_past_its_due_date_shows_overdue_in_red(client, approved, supervisor):
    approved("a", today=dt.date(2026, 3, 4))  # due 1 April 2026, long past
    events_dispatch()
    client.force_login(supervisor.user)
    html = client.get("/workbench/supervision/").content.decode()
    assert 'class="wb-badge wb-badge--overdue" data-countdown="overdue">已超期' in html
    assert '<strong data-count="overdue">1</strong>' in html


def test_a_supervisor_records_a_result_on_the_task_page(client, task, supervisor):
    client.force_login(supervisor.user)
    page = client.get(f"/workbench/supervision/{task.pk}/")
    assert page.status_code == 200
    assert 'data-action="record-result"' in page.content.decode()
    response = client.post(
        f"/workbench/supervision/{task.pk}/result/",
        {"result": "non_compliant", "findings": "经营场所与申报不符"},
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == SupervisionTask.Status.NON_COMPLIANT
    page = client.get(f"/workbench/supervision/{task.pk}/").content.decode()
    assert "经营场所与申报不符" in page
    assert 'data-action="record-result"' not in page


def test_a_refused_result_comes_back_on_the_page_with_its_status(client, task, supervisor):
    client.force_login(supervisor.user)
    response = client.post(
        f"/workbench/supervision/{task.pk}/result/", {"result": "non_compliant", "findings": ""}
    )
    assert response.status_code == 422
    assert "核查不合规时请写明发现的问题" in response.content.decode()


def test_the_approving_reviewers_see_the_result_on_the_feedback_page(
    client, task, supervisor, reviewer_a
):
    client.force_login(supervisor.user)
    client.post(
        f"/workbench/supervision/{task.pk}/result/",
        {"result": "non_compliant", "findings": "经营场所与申报不符", "commitment_false": "1"},
    )
    client.force_login(reviewer_a.user)
    response = client.get("/workbench/supervision/feedback/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-task="{task.pk}"' in html
    assert "经营场所与申报不符" in html
    assert "承诺不实" in html
    detail = client.get(f"/workbench/supervision/{task.pk}/").content.decode()
    assert 'data-action="record-result"' not in detail


def test_reviewers_following_the_workbench_link_land_on_the_feedback_page(client, reviewer_a):
    client.force_login(reviewer_a.user)
    response = client.get("/workbench/supervision/")
    assert response.status_code == 302
    assert response["Location"] == "/workbench/supervision/feedback/"


def test_other_staff_are_kept_out(client, task):
    client.force_login(StaffFactory().user)  # window staff
    assert client.get("/workbench/supervision/").status_code == 403
    assert client.get("/workbench/supervision/feedback/").status_code == 403
    client.force_login(StaffFactory(supervisor=True).user)  # another department
    assert client.get(f"/workbench/supervision/{task.pk}/").status_code == 404
    response = client.post(f"/workbench/supervision/{task.pk}/result/", {"result": "compliant"})
    assert response.status_code == 404
    task.refresh_from_db()
    assert task.status == SupervisionTask.Status.OPEN
