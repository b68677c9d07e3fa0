from __future__ import annotations

import pytest

from tests.catalog.factories import MatterFactory
from tests.people.factories import CompanyAgentFactory, CompanyFactory
from yishi.cases.models import Application
from yishi.cases.services import application_accept, application_submit
from yishi.catalog.models import Matter
from yishi.catalog.services import matter_publish
from yishi.core.errors import NotFound, PermissionDeniedError, ValidationFailed
from yishi.people.services import agent_verify

from .factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_single_matter_application_gets_one_subcase_with_the_version_it_started_under(
    applicant, window
):
    matter = MatterFactory(promised_limit_days=3)
    v1 = matter_publish(matter=matter)
    app = application_submit(user=applicant.user, matter=matter, form_data={"xm": "张三"})
    Matter.objects.filter(pk=matter.pk).update(promised_limit_days=1)
    matter.refresh_from_db()
    matter_publish(matter=matter)  # version 2 comes after the submission
    app = application_accept(application=app, staff=window.user)
    (subcase,) = app.subcases.all()
    assert subcase.matter_version == v1
    assert subcase.promised_days == 3
    assert subcase.department == matter.department
    assert app.form_data == {"xm": "张三"}


def test_a_counter_submission_records_the_staff_member_as_first_owner(chain, applicant, window):
    app = application_submit(
        user=applicant.user,
        theme=chain["theme"],
        form_data={"name": "张三"},
        channel="counter",
        staff=window.user,
    )
    assert app.channel == Application.Channel.COUNTER
    assert app.created_by == window.user
    assert app.first_owner == window.user


def test_theme_and_matter_together_are_refused(chain, applicant):
    with pytest.raises(ValidationFailed) as caught:
        application_submit(user=applicant.user, theme=chain["theme"], matter=chain["matters"]["a"])
    assert caught.value.field == "theme"


def test_a_missing_form_field_is_named(chain, applicant):
    with pytest.raises(ValidationFailed) as caught:
        application_submit(user=applicant.user, theme=chain["theme"], form_data={})
    assert caught.value.field == "name"
    assert "申请人姓名" in caught.value.message
    assert Application.objects.count() == 0


def test_a_user_without_an_applicant_account_cannot_submit(chain):
    with pytest.raises(PermissionDeniedError) as caught:
        application_submit(user=UserFactory(), theme=chain["theme"], form_data={"name": "x"})
    assert caught.value.field == "user"


def test_acting_for_a_company_needs_an_authorisation(applicant):
    company = CompanyFactory()
    matter = MatterFactory(audience=Matter.Audience.COMPANY)
    with pytest.raises(NotFound) as caught:
        application_submit(user=applicant.user, matter=matter, company=company)
    assert caught.value.field == "company"
    claim = CompanyAgentFactory(company=company, person=applicant.person, legal_rep=True)
    with pytest.raises(NotFound):  # a claim still pending grants nothing
        application_submit(user=applicant.user, matter=matter, company=company)
    agent_verify(agent=claim, staff=UserFactory())
    app = application_submit(user=applicant.user, matter=matter, company=company)
    assert app.company == company


def test_a_company_matter_without_a_company_is_refused(applicant):
    matter = MatterFactory(audience=Matter.Audience.COMPANY)
    with pytest.raises(ValidationFailed) as caught:
        application_submit(user=applicant.user, matter=matter)
    assert caught.value.field == "company"


def test_numbers_count_up_within_a_day(chain, applicant):
    first = application_submit(user=applicant.user, theme=chain["theme"], form_data={"name": "a"})
    second = application_submit(user=applicant.user, theme=chain["theme"], form_data={"name": "b"})
    assert int(second.number[-6:]) == int(first.number[-6:]) + 1
    assert second.number[:10] == first.number[:10]


def test_counter_submission_needs_window_staff(chain, applicant):
    reviewer = StaffFactory(reviewer=True)
    with pytest.raises(PermissionDeniedError):
        application_submit(
            user=applicant.user,
            theme=chain["theme"],
            form_data={"name": "x"},
            channel="counter",
            staff=reviewer.user,
        )
