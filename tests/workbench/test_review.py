"""Department reviewers (一网通办) on the workbench: their department's sub-cases only, the
shared form, and the decisions approve, refuse and 补正."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.cases.factories import ApplicantFactory
from tests.workbench.conftest import reviewer_of
from yishi.cases.models import Application, Pause, SubCase
from yishi.cases.services import application_accept, application_submit, subcase_approve

pytestmark = pytest.mark.django_db

# Monday 2 March 2026: matter A (5 working days) is due on 9 March, long past now.
ACCEPT_DAY = dt.date(2026, 3, 2)


def subcase(application, key):
    return application.subcases.get(matter__name=f"链路事项{key.upper()}")


def test_a_reviewer_sees_only_their_departments_subcases(client, chain, window, submitted):
    application_accept(application=submitted, staff=window.user)
    reviewer = reviewer_of(chain, "b")
    client.force_login(reviewer.user)
    response = client.get("/workbench/subcases/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "链路事项B" in html
    for other in ("链路事项A", "链路事项C", "链路事项D"):
        assert other not in html
    # B waits for A: shown greyed
    assert "wb-row--waiting" in html


def test_pending_subcases_come_before_waiting_ones(client, chain, window, submitted):
    later = application_submit(
        user=ApplicantFactory().user, theme=chain["theme"], answers={}, form_data={"name": "李四"}
    )
    application_accept(application=submitted, staff=window.user)
    application_accept(application=later, staff=window.user)
    # the later application's B becomes pending; the first one's B keeps waiting
    subcase_approve(
        subcase=subcase(later, "a"), reviewer=reviewer_of(chain, "a").user, result_name="A证"
    )
    client.force_login(reviewer_of(chain, "b").user)
    html = client.get("/workbench/subcases/").content.decode()
    pending = f'data-subcase="{subcase(later, "b").pk}"'
    waiting = f'data-subcase="{subcase(submitted, "b").pk}"'
    assert html.index(pending) < html.index(waiting)
    assert f'<tr class="wb-row--waiting" {waiting}>' in html
    assert f"<tr {pending}>" in html


def test_another_departments_subcase_is_404(client, chain, window, submitted):
    application_accept(application=submitted, staff=window.user)
    reviewer = reviewer_of(chain, "b")
    client.force_login(reviewer.user)
    foreign = subcase(submitted, "a")
    assert client.get(f"/workbench/subcases/{foreign.pk}/").status_code == 404
    response = client.post(f"/workbench/subcases/{foreign.pk}/approve/", {"result_name": "批复"})
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == SubCase.Status.PENDING


def test_window_staff_cannot_open_the_review_list(client, window):
    client.force_login(window.user)
    response = client.get("/workbench/subcases/")
    assert response.status_code == 403
    assert "此页面仅限审批人员或管理员使用" in response.content.decode()


def test_detail_shows_the_shared_form_and_the_prerequisite_result(client, chain, window, submitted):
    application_accept(application=submitted, staff=window.user)
    a = subcase(submitted, "a")
    reviewer_a = reviewer_of(chain, "a")
    client.force_login(reviewer_a.user)
    client.post(f"/workbench/subcases/{a.pk}/approve/", {"result_name": "A类许可证"})
    reviewer_b = reviewer_of(chain, "b")
    client.force_login(reviewer_b.user)
    html = client.get(f"/workbench/subcases/{subcase(submitted, 'b').pk}/").content.decode()
    assert "<dt>申请人姓名</dt><dd>张三</dd>" in html
    assert (
        "链路事项A · 梁子湖区链路测试局a · <strong>已办结(准予)</strong> · 结果：A类许可证" in html
    )
    assert 'data-action="approve"' in html


def test_approve_via_the_page_starts_the_dependent_subcase(client, chain, window, submitted):
    application_accept(application=submitted, staff=window.user)
    a = subcase(submitted, "a")
    client.force_login(reviewer_of(chain, "a").user)
    response = client.post(
        f"/workbench/subcases/{a.pk}/approve/", {"result_name": "A类许可证"}, follow=True
    )
    assert response.status_code == 200
    assert "「链路事项A」已准予。" in response.content.decode()
    a.refresh_from_db()
    assert a.status == SubCase.Status.APPROVED
    assert a.result_name == "A类许可证"
    b = subcase(submitted, "b")
    assert b.status == SubCase.Status.PENDING
    assert b.started_on == timezone.localdate()
    assert subcase(submitted, "c").status == SubCase.Status.WAITING


def test_approve_without_a_result_name_is_refused_with_the_field(client, chain, window, submitted):
    application_accept(application=submitted, staff=window.user)
    a = subcase(submitted, "a")
    client.force_login(reviewer_of(chain, "a").user)
    response = client.post(f"/workbench/subcases/{a.pk}/approve/", {"result_name": ""})
    assert response.status_code == 422
    assert "请填写办理结果名称" in response.content.decode()
    a.refresh_from_db()
    assert a.status == SubCase.Status.PENDING


def test_refuse_via_the_page_cancels_the_dependents(client, chain, window, submitted):
    application_accept(application=submitted, staff=window.user)
    a = subcase(submitted, "a")
    client.force_login(reviewer_of(chain, "a").user)
    response = client.post(f"/workbench/subcases/{a.pk}/refuse/", {"reason": "条件不符"})
    assert response.status_code == 302
    statuses = dict(submitted.subcases.values_list("matter__name", "status"))
    assert statuses["链路事项A"] == SubCase.Status.REFUSED
    assert statuses["链路事项B"] == SubCase.Status.REFUSED
    assert statuses["链路事项D"] == SubCase.Status.PENDING


def test_supplement_via_the_page_pauses_the_application(client, chain, window, submitted):
    application_accept(application=submitted, staff=window.user)
    d = subcase(submitted, "d")
    client.force_login(reviewer_of(chain, "d").user)
    response = client.post(
        f"/workbench/subcases/{d.pk}/supplement/", {"items": "照片不清晰\n补充户籍证明"}
    )
    assert response.status_code == 302
    d.refresh_from_db()
    assert d.status == SubCase.Status.SUPPLEMENT_REQUESTED
    pause = Pause.objects.get(application=submitted)
    assert pause.items == ["照片不清晰", "补充户籍证明"]
    assert pause.ended_on is None
    submitted.refresh_from_db()
    assert submitted.status == Application.Status.ACCEPTED


def test_a_subcase_accepted_in_march_is_overdue(client, chain, window, submitted, settings):
    application_accept(application=submitted, staff=window.user, today=ACCEPT_DAY)
    client.force_login(reviewer_of(chain, "a").user)
    html = client.get("/workbench/subcases/").content.decode()
    assert '<span class="wb-badge wb-badge--overdue" data-badge="overdue">超期</span>' in html


def test_fresh_subcase_is_normal_and_turns_yellow_with_a_wider_window(
    client, chain, window, submitted, settings
):
    application_accept(application=submitted, staff=window.user)  # A due in 5 working days
    client.force_login(reviewer_of(chain, "a").user)
    settings.CASE_WARN_WORKING_DAYS = 2
    html = client.get("/workbench/subcases/").content.decode()
    assert 'data-badge="ok">正常</span>' in html
    settings.CASE_WARN_WORKING_DAYS = 5
    html = client.get("/workbench/subcases/").content.decode()
    assert 'data-badge="warning">临近</span>' in html
