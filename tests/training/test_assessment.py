"""The monthly assessment of a clerk, from the records: applications they accepted, those of
theirs concluded (on time or late), those a department sent back for 补正, and their ratings;
shown to the clerk and to their department's lead, not to a colleague's eyes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.cases.factories import StaffFactory
from tests.catalog.factories import MatterFactory
from tests.ratings.factories import RatingFactory
from yishi.cases.models import Application
from yishi.cases.services import (
    application_accept,
    application_submit,
    subcase_approve,
    subcase_request_supplement,
)
from yishi.core.roles import Role
from yishi.ratings.models import Rating
from yishi.training.assessment import monthly_assessment, parse_month


def _accepted(applicant, clerk, matter):
    app = application_submit(user=applicant.user, matter=matter, form_data={})
    return application_accept(application=app, staff=clerk)


def _approve(app, reviewer):
    for s in app.subcases.all():
        subcase_approve(subcase=s, reviewer=reviewer, result_name="结果")
    return Application.objects.get(pk=app.pk)


def _rate(app, level):
    return RatingFactory(
        kind=Rating.Kind.APPLICATION,
        target_key=f"application:{app.number}",
        stage=Rating.Stage.COMPLETE,
        application=app,
        level=level,
    )


@pytest.fixture
def records(applicant):
    matter = MatterFactory(status="published")
    clerk = StaffFactory(department=matter.department)
    colleague = StaffFactory(department=matter.department)
    reviewer = StaffFactory(reviewer=True, department=matter.department).user

    sent_back = _accepted(applicant, clerk.user, matter)
    subcase_request_supplement(
        subcase=sent_back.subcases.get(), reviewer=reviewer, items=["身份证复印件不清晰"]
    )
    on_time = _approve(_accepted(applicant, clerk.user, matter), reviewer)
    late = _accepted(applicant, clerk.user, matter)
    Application.objects.filter(pk=late.pk).update(
        promised_due=timezone.localdate() - dt.timedelta(days=1)
    )
    late = _approve(late, reviewer)
    others = _approve(_accepted(applicant, colleague.user, matter), reviewer)
    _rate(on_time, 5)
    _rate(late, 1)
    _rate(others, 2)
    return {"clerk": clerk, "colleague": colleague, "matter": matter}


@pytest.mark.django_db
def test_the_month_s_figures_come_from_the_clerk_s_records(records):
    month = parse_month(None)
    assert monthly_assessment(records["clerk"].user, month) == {
        "month": f"{month:%Y-%m}",
        "accepted": 3,
        "completed": 2,
        "on_time": 1,
        "on_time_rate": 0.5,
        "sent_back": 1,
        "ratings": 2,
        "rating_avg": 3.0,
        "poor_ratings": 1,
    }
    colleague = monthly_assessment(records["colleague"].user, month)
    assert (colleague["accepted"], colleague["completed"], colleague["poor_ratings"]) == (1, 1, 1)
    previous = (month - dt.timedelta(days=1)).replace(day=1)
    assert monthly_assessment(records["clerk"].user, previous)["accepted"] == 0


def test_a_bad_month_is_refused_in_chinese():
    from yishi.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="月份格式应为 YYYY-MM"):
        parse_month("2026-13")
    assert parse_month("2026-03") == dt.date(2026, 3, 1)


@pytest.mark.django_db
def test_the_clerk_and_their_lead_see_the_assessment_and_a_colleague_does_not_see_the_team(
    client, records
):
    clerk = records["clerk"]
    client.force_login(clerk.user)
    page = client.get("/workbench/training/assessment/").content.decode()
    assert 'data-fig="accepted">3<' in page
    assert 'data-fig="on_time_rate">50%<' in page
    assert 'data-fig="sent_back">1<' in page
    assert client.get("/workbench/training/team/").status_code == 403

    lead = StaffFactory(department=records["matter"].department, role=Role.DEPARTMENT_LEAD)
    elsewhere = StaffFactory(role=Role.DEPARTMENT_LEAD)
    client.force_login(lead.user)
    team = client.get("/workbench/training/team/")
    assert team.status_code == 200
    names = [r["p"].user_id for r in team.context["rows"]]
    assert clerk.user_id in names and records["colleague"].user_id in names
    assert elsewhere.user_id not in names
    row = next(r for r in team.context["rows"] if r["p"].user_id == clerk.user_id)
    assert (row["a"]["accepted"], row["a"]["sent_back"], row["cert"]) == (3, 1, None)
    assert "无有效证书" in team.content.decode()


@pytest.mark.django_db
def test_the_api_gives_the_signed_in_clerk_their_assessment(client, records):
    client.force_login(records["clerk"].user)
    body = client.get("/api/v1/training/assessment").json()
    assert (body["accepted"], body["on_time_rate"], body["rating_avg"]) == (3, 0.5, 3.0)
    bad = client.get("/api/v1/training/assessment?month=2026-3")
    assert bad.status_code == 422
    assert "月份" in bad.content.decode()
