"""The supervisors' deadline page (临近/超期 across departments) and the landing counters."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.cases.factories import ApplicantFactory, StaffFactory
from tests.workbench.conftest import reviewer_of
from yishi.cases import deadlines
from yishi.cases.models import Application, SubCase
from yishi.cases.services import application_accept, application_submit, subcase_approve
from yishi.workbench import queries

pytestmark = pytest.mark.django_db

ACCEPT_DAY = dt.date(2026, 3, 2)  # A due 9 March, D due 6 March: both long overdue


def test_only_supervisors_and_administrators_open_the_deadline_page(client, chain):
    for staff, status in (
        (StaffFactory(), 403),
        (reviewer_of(chain, "a"), 403),
        (StaffFactory(supervisor=True), 200),
        (StaffFactory(administrator=True), 200),
    ):
        client.force_login(staff.user)
        assert client.get("/workbench/deadlines/").status_code == status


def test_supervisor_sees_overdue_subcases_and_applications_across_departments(
    client, chain, window, submitted
):
    application_accept(application=submitted, staff=window.user, today=ACCEPT_DAY)
    client.force_login(StaffFactory(supervisor=True).user)
    html = client.get("/workbench/deadlines/").content.decode()
    a = submitted.subcases.get(matter__name="链路事项A")
    d = submitted.subcases.get(matter__name="链路事项D")
    assert f'data-row="subcase-{submitted.number}-{a.pk}"' in html
    assert f'data-row="subcase-{submitted.number}-{d.pk}"' in html
    assert f'data-row="application-{submitted.number}"' in html
    assert '<strong data-count="overdue">3</strong>' in html
    assert '<strong data-count="warning">0</strong>' in html
    # D (due 6 March) is listed before A (due 9 March)
    assert html.index(f"{submitted.number}-{d.pk}") < html.index(f"{submitted.number}-{a.pk}")


def test_department_filter_keeps_only_that_departments_lines(client, chain, window, submitted):
    application_accept(application=submitted, staff=window.user, today=ACCEPT_DAY)
    client.force_login(StaffFactory(supervisor=True).user)
    dept_d = chain["departments"]["d"]
    html = client.get(f"/workbench/deadlines/?department={dept_d.pk}").content.decode()
    a = submitted.subcases.get(matter__name="链路事项A")
    d = submitted.subcases.get(matter__name="链路事项D")
    assert f'data-row="subcase-{submitted.number}-{d.pk}"' in html
    assert f'data-row="subcase-{submitted.number}-{a.pk}"' not in html
    assert '<strong data-count="overdue">2</strong>' in html  # D and its application
    assert f"（{dept_d.name}）" in html


def test_nothing_is_listed_for_a_fresh_acceptance(client, chain, window, submitted, settings):
    settings.CASE_WARN_WORKING_DAYS = 2
    application_accept(application=submitted, staff=window.user)
    client.force_login(StaffFactory(supervisor=True).user)
    html = client.get("/workbench/deadlines/").content.decode()
    assert "没有临近或超期的办件。" in html


def test_landing_page_counts_by_role(client, chain, window, submitted, applicant):
    client.force_login(window.user)
    html = client.get("/workbench/").content.decode()
    assert '待受理 <span data-count="queue">1</span>' in html
    assert 'href="/workbench/applications/"' in html
    assert 'href="/workbench/subcases/"' not in html

    application_accept(application=submitted, staff=window.user, today=ACCEPT_DAY)
    client.force_login(reviewer_of(chain, "a").user)
    html = client.get("/workbench/").content.decode()
    assert '我部门待审 <span data-count="department">1</span>' in html
    assert '超期 <span data-count="overdue">2</span>' in html  # A and its application
    assert 'href="/workbench/applications/"' not in html

    client.force_login(StaffFactory(supervisor=True).user)
    html = client.get("/workbench/").content.decode()
    assert 'href="/workbench/deadlines/"' in html
    assert '超期 <span data-count="overdue">3</span>' in html


def naive_counts(department_id: int, day: dt.date) -> dict[str, int]:
    """Every row read and judged one by one: what the capped, index-backed counts must say."""
    counts = {deadlines.OVERDUE: 0, deadlines.WARNING: 0}
    for subcase in SubCase.objects.filter(department_id=department_id, partner_region=""):
        state = deadlines.deadline_state(subcase.promised_due, day)
        if subcase.status in queries.RUNNING and state in counts:
            counts[state] += 1
    for app in Application.objects.filter(status=Application.Status.ACCEPTED):
        state = deadlines.deadline_state(app.promised_due, day)
        if state in counts and app.subcases.filter(department_id=department_id).exists():
            counts[state] += 1
    return counts


def test_a_departments_counts_equal_the_naive_count_on_every_day(chain, window):
    apps = [
        application_submit(
            user=ApplicantFactory().user,
            theme=chain["theme"],
            answers={},
            form_data={"name": "张三"},
        )
        for _ in range(3)
    ]
    for n, app in enumerate(apps):
        application_accept(application=app, staff=window.user, today=ACCEPT_DAY + dt.timedelta(n))
    dept_d = chain["departments"]["d"]
    mine = SubCase.objects.filter(department=dept_d).order_by("id")
    # D decided one (its application runs on and stays D's); a partner region decides another.
    subcase_approve(subcase=mine[0], reviewer=reviewer_of(chain, "d").user, result_name="证")
    SubCase.objects.filter(pk=mine[1].pk).update(partner_region="420100")
    seen = set()
    for offset in range(0, 16):
        day = ACCEPT_DAY + dt.timedelta(offset)
        for key in "ad":
            dept = chain["departments"][key].pk
            counted = queries.deadline_counts(department_id=dept, day=day)
            assert counted == naive_counts(dept, day), (key, day)
            seen |= {state for state, n in counted.items() if n}
    assert seen == {deadlines.OVERDUE, deadlines.WARNING}
