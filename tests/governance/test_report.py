"""以用促治: a clerk's one-click report on a case opens a finding linked to the registry record
and the case, for the owning department's data officer; a clerk who cannot see the case gets
404 and nothing is opened."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from tests.cases.factories import ApplicantFactory, StaffFactory
from tests.governance.support import governance_world
from tests.people.factories import CompanyAgentFactory, CompanyFactory
from tests.ratings.factories import submitted
from yishi.governance.models import Finding

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_second_factor")]


@pytest.fixture
def no_second_factor():
    with override_settings(STAFF_SECOND_FACTOR_REQUIRED=False):
        yield


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_case_page_offers_one_report_button_per_registry_record_and_it_opens_a_finding():
    w = governance_world(planted=False)
    applicant = ApplicantFactory()
    company = CompanyFactory()
    CompanyAgentFactory(company=company, person=applicant.person, verified=True)
    app = submitted(applicant, company=company)
    clerk = StaffFactory().user
    page = _client(clerk).get(f"/workbench/applications/{app.number}/")
    html = page.content.decode()
    assert 'data-report="person"' in html and 'data-report="company"' in html

    response = _client(clerk).post(
        f"/workbench/governance/report/{app.number}/",
        {"subject": "company", "note": "住所已变更"},
    )
    assert response.status_code == 302
    finding = Finding.objects.get()
    assert (finding.record_type, finding.record_id) == ("people.company", str(company.pk))
    assert finding.application == app
    assert finding.dataset == w.companies
    assert (finding.source, finding.status) == ("report", "checked")
    assert finding.owner == w.officer
    assert finding.reported_by == clerk
    # the data officer corrects it through the registry's service
    from yishi.governance import services

    services.finding_verify(finding=finding, staff=w.officer)
    services.finding_confirm(finding=finding, staff=w.officer)
    services.finding_correct(
        finding=finding, staff=w.officer, field="address", value="梁子湖区梁子镇新路8号"
    )
    company.refresh_from_db()
    assert company.address == "梁子湖区梁子镇新路8号"


def test_a_clerk_who_cannot_see_the_case_cannot_report_on_it():
    governance_world(planted=False)
    app = submitted(ApplicantFactory())
    outsider = StaffFactory(reviewer=True).user  # no sub-case of this application
    response = _client(outsider).post(
        f"/workbench/governance/report/{app.number}/", {"subject": "person"}
    )
    assert response.status_code == 404
    assert not Finding.objects.exists()


def test_a_finding_page_shows_personal_values_masked():
    w = governance_world(planted=False)
    app = submitted(ApplicantFactory())
    _client(StaffFactory().user).post(
        f"/workbench/governance/report/{app.number}/", {"subject": "person"}
    )
    w.persons.department = w.mz
    finding = Finding.objects.get()
    html = _client(w.mz_officer).get(f"/workbench/governance/findings/{finding.pk}/")
    assert html.status_code == 200
    text = html.content.decode()
    assert app.person.name not in text
    assert app.person.name[0] + "**" in text
    assert app.person.id_number not in text
