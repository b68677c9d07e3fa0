from __future__ import annotations

import datetime as dt

import pytest

from tests.cases.conftest import ACCEPT_DAY, reviewer_of
from yishi.cases.models import Application, Message, Pause, SubCase
from yishi.cases.services import (
    application_accept,
    application_request_supplement,
    application_supplement_provided,
    subcase_approve,
    subcase_request_supplement,
)
from yishi.core.errors import Conflict, ValidationFailed
from yishi.core.workdays import working_days_between

pytestmark = pytest.mark.django_db


def deadlines_of(app):
    app.refresh_from_db()
    dates = {"app.promised": app.promised_due, "app.legal": app.legal_due}
    for s in app.subcases.filter(started_on__isnull=False):
        dates[f"{s.matter.name}.promised"] = s.promised_due
        dates[f"{s.matter.name}.legal"] = s.legal_due
    return dates


def test_a_supplement_of_three_working_days_moves_every_deadline_by_exactly_three(
    submitted, window, applicant
):
    app = application_accept(application=submitted, staff=window.user, today=ACCEPT_DAY)
    before = deadlines_of(app)
    # Paused Wed 4 March … Sun 8 March: working days 4, 5, 6 March; the clock runs again on
    # Monday 9 March, the day the supplement comes back.
    application_request_supplement(
        application=app,
        staff=window.user,
        items=["户口簿首页复印件不清晰，请重新上传"],
        today=dt.date(2026, 3, 4),
    )
    application_supplement_provided(application=app, user=applicant.user, today=dt.date(2026, 3, 9))
    after = deadlines_of(app)
    assert set(after) == set(before)
    assert len(before) == 6
    for key, old in before.items():
        assert working_days_between(old, after[key]) == 3, key
        assert after[key] > old
    assert after["app.promised"] == dt.date(2026, 3, 19)
    assert after["链路事项A.promised"] == dt.date(2026, 3, 12)


def test_the_applicant_is_told_exactly_what_to_fix(submitted, window):
    app = application_accept(application=submitted, staff=window.user, today=ACCEPT_DAY)
    application_request_supplement(
        application=app, staff=window.user, items=["补充结婚证", "照片须为白底"], today=ACCEPT_DAY
    )
    pause = Pause.objects.get(application=app)
    assert pause.items == ["补充结婚证", "照片须为白底"]
    assert pause.ended_on is None
    assert (
        Message.objects.filter(application=app)
        .latest("id")
        .text.endswith("需要补正：1. 补充结婚证；2. 照片须为白底。")
    )


def test_a_second_supplement_while_the_clock_is_stopped_is_a_conflict(submitted, window):
    app = application_accept(application=submitted, staff=window.user, today=ACCEPT_DAY)
    application_request_supplement(application=app, staff=window.user, items=["x"])
    with pytest.raises(Conflict):
        application_request_supplement(application=app, staff=window.user, items=["y"])


def test_supplement_without_items_names_the_field(submitted, window):
    with pytest.raises(ValidationFailed) as caught:
        application_request_supplement(application=submitted, staff=window.user, items=[" "])
    assert caught.value.field == "items"


def test_before_acceptance_a_supplement_waits_and_comes_back_to_submitted(
    submitted, window, applicant
):
    app = application_request_supplement(
        application=submitted, staff=window.user, items=["补充身份证复印件"]
    )
    assert app.status == Application.Status.SUPPLEMENT_REQUESTED
    assert app.supplement_items == ["补充身份证复印件"]
    with pytest.raises(Conflict):
        application_accept(application=app, staff=window.user)
    app = application_supplement_provided(application=app, user=applicant.user)
    assert app.status == Application.Status.SUBMITTED
    app = application_accept(application=app, staff=window.user, today=ACCEPT_DAY)
    assert app.status == Application.Status.ACCEPTED
    assert app.promised_due == dt.date(2026, 3, 16)


def test_a_department_supplement_pauses_its_subcase_and_the_application(
    chain, submitted, window, applicant
):
    app = application_accept(application=submitted, staff=window.user, today=ACCEPT_DAY)
    a = app.subcases.get(matter__name="链路事项A")
    reviewer = reviewer_of(chain, "a").user
    subcase_request_supplement(
        subcase=a, reviewer=reviewer, items=["补充出生证明"], today=dt.date(2026, 3, 3)
    )
    assert SubCase.objects.get(pk=a.pk).status == SubCase.Status.SUPPLEMENT_REQUESTED
    with pytest.raises(Conflict):
        subcase_approve(subcase=a, reviewer=reviewer, result_name="证明")
    application_supplement_provided(application=app, user=applicant.user, today=dt.date(2026, 3, 4))
    a.refresh_from_db()
    assert a.status == SubCase.Status.PENDING
    # Paused on Tuesday 3 March only: one working day later than 9 March.
    assert a.promised_due == dt.date(2026, 3, 10)
