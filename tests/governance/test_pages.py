"""The governance pages by role: the chief sees every department's findings, a data officer
only their own department's; other staff and applicants are refused; the data officer's
button runs the checks; the leaders' dashboard shows the data-quality section; supply and
demand walks from a request to a delivered export and an API key."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from tests.cases.factories import ApplicantFactory, StaffFactory
from tests.governance.support import governance_world
from yishi.core.roles import Role
from yishi.governance import services
from yishi.governance.models import DataRequest, Finding
from yishi.people.tokens import ApiKey

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_second_factor")]


@pytest.fixture
def no_second_factor():
    with override_settings(STAFF_SECOND_FACTOR_REQUIRED=False):
        yield


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_data_officers_button_runs_the_checks_on_their_own_datasets_only():
    w = governance_world()
    response = _client(w.officer).post("/workbench/governance/run/")
    assert response.status_code == 302
    assert {f.dataset.code for f in Finding.objects.all()} == {"company-registry"}
    page = _client(w.officer).get("/workbench/governance/").content.decode()
    assert "统一社会信用代码校验位错误" in page
    assert 'data-dataset="company-registry"' in page


def test_the_chief_sees_every_department_a_data_officer_only_their_own():
    w = governance_world()
    services.governance_check()
    chief = _client(w.chief).get("/workbench/governance/").content.decode()
    officer = _client(w.officer).get("/workbench/governance/").content.decode()
    grant = Finding.objects.get(rule__code="grant-deceased")
    assert f'data-finding="{grant.pk}"' in chief
    assert f'data-finding="{grant.pk}"' not in officer
    assert _client(w.officer).get(f"/workbench/governance/findings/{grant.pk}/").status_code == 404
    assert (
        _client(w.officer).post(f"/workbench/governance/findings/{grant.pk}/verify/").status_code
        == 404
    )
    grant.refresh_from_db()
    assert grant.status == "checked"


@pytest.mark.parametrize("who", ["window", "reviewer", "applicant"])
def test_other_staff_and_applicants_are_refused(who):
    w = governance_world()
    services.governance_check()
    user = ApplicantFactory().user if who == "applicant" else StaffFactory(role=who).user
    finding = Finding.objects.first()
    assert _client(user).get("/workbench/governance/").status_code == 403
    assert _client(user).get(f"/workbench/governance/findings/{finding.pk}/").status_code == 403
    assert _client(user).post("/workbench/governance/run/").status_code == 403
    assert _client(user).get("/api/v1/governance/scores").status_code == 403
    assert Finding.objects.count() == 4
    _ = w


def test_the_finding_walks_through_the_pages():
    w = governance_world()
    services.governance_check()
    f = Finding.objects.get(rule__code="company-required")
    c = _client(w.officer)
    for action in ("verify", "confirm"):
        assert c.post(f"/workbench/governance/findings/{f.pk}/{action}/").status_code == 302
    c.post(
        f"/workbench/governance/findings/{f.pk}/correct/",
        {"field": "address", "value": "梁子湖区太和镇新街1号"},
    )
    f.refresh_from_db()
    assert f.status == "corrected"
    w.no_address.refresh_from_db()
    assert w.no_address.address == "梁子湖区太和镇新街1号"


def test_the_leaders_dashboard_shows_data_quality():
    governance_world()
    services.governance_check()
    lead = StaffFactory(role=Role.ADMINISTRATOR).user
    page = _client(lead).get("/workbench/stats/").content.decode()
    assert 'data-section="data-quality"' in page
    assert "梁子湖区市场监督管理局" in page


def test_a_request_is_answered_and_delivered_as_an_export_or_an_api_key():
    w = governance_world(planted=False)
    req = services.request_submit(
        dataset=w.companies,
        staff=w.mz_officer,
        purpose="核对救助对象",
        legal_basis="社会救助暂行办法",
    )
    assert req.due_on > req.created_at.date()
    # the requester cannot answer their own request
    c = _client(w.mz_officer)
    c.post(f"/workbench/governance/requests/{req.pk}/", {"action": "agree", "answer": "x"})
    req.refresh_from_db()
    assert req.status == DataRequest.Status.SUBMITTED
    owner = _client(w.officer)
    owner.post(
        f"/workbench/governance/requests/{req.pk}/",
        {"action": "agree", "answer": "同意", "terms": "仅用于核对", "delivery": "export"},
    )
    owner.post(f"/workbench/governance/requests/{req.pk}/", {"action": "deliver"})
    req.refresh_from_db()
    assert req.status == DataRequest.Status.DELIVERED
    file = c.get(f"/workbench/governance/requests/{req.pk}/file/")
    assert file.status_code == 200 and "统一社会信用代码" in file.content.decode()

    api = services.request_submit(
        dataset=w.grants, staff=w.officer, purpose="核查", legal_basis="条例"
    )
    services.request_answer(
        request=api, staff=w.mz_officer, agree=True, answer="同意", terms="限本部门", delivery="api"
    )
    done, secret = services.request_deliver(request=api, staff=w.mz_officer)
    assert secret.startswith("yk_")
    assert ApiKey.objects.get(pk=done.api_token_ref).user == w.officer


def test_a_request_for_a_department_own_data_or_without_purpose_is_refused():
    from yishi.core.errors import ValidationFailed

    w = governance_world(planted=False)
    with pytest.raises(ValidationFailed):
        services.request_submit(dataset=w.companies, staff=w.officer, purpose="x", legal_basis="y")
    with pytest.raises(ValidationFailed):
        services.request_submit(
            dataset=w.companies, staff=w.mz_officer, purpose="", legal_basis="y"
        )
    assert not DataRequest.objects.exists()


def test_an_api_grant_reads_the_shared_rows_with_its_key_and_nothing_else():
    w = governance_world(planted=False)
    req = services.request_submit(
        dataset=w.companies, staff=w.mz_officer, purpose="核对", legal_basis="依据"
    )
    services.request_answer(
        request=req, staff=w.officer, agree=True, answer="同意", terms="限核对", delivery="api"
    )
    done, secret = services.request_deliver(request=req, staff=w.officer)
    url = f"/api/v1/governance/requests/{done.pk}/rows?limit=2"
    answer = Client().get(url, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert answer.status_code == 200
    body = answer.json()
    assert (body["dataset"], body["terms"], len(body["rows"])) == ("company-registry", "限核对", 2)
    assert set(body["rows"][0]) == {"name", "uscc", "address"}
    # the key opens nothing else, and the owner's officer (not the requester) gets 404
    assert Client().get(
        "/api/v1/governance/scores", HTTP_AUTHORIZATION=f"Bearer {secret}"
    ).status_code in (401, 403)
    assert _client(w.officer).get(url).status_code == 404
