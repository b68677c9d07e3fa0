"""惠企政策服务台: a company's verified agent asks for 政策咨询, 申报辅导 or 转办代办 about a
policy; the request reaches the granting department's console, may be referred to another
department, and closes with an outcome of its kind. Another company's agent cannot ask in its
name, and a clerk outside the department does not see it."""

from __future__ import annotations

import pytest

from tests.cases.factories import ApplicantFactory, StaffFactory
from tests.catalog.factories import DepartmentFactory
from tests.people.factories import CompanyAgentFactory, CompanyFactory
from tests.policies.factories import PolicyFactory
from yishi.assist import access, desk
from yishi.assist.models import AssistRequest
from yishi.core.errors import Conflict, NotFound, ValidationFailed
from yishi.policies.models import SubjectKind

pytestmark = pytest.mark.django_db
K, OC, S = AssistRequest.Kind, AssistRequest.Outcome, AssistRequest.Status


@pytest.fixture
def d(db):
    from types import SimpleNamespace

    x = SimpleNamespace()
    x.department = DepartmentFactory(name="梁子湖区人力资源和社会保障局")
    x.policy = PolicyFactory(
        department=x.department,
        subject=SubjectKind.COMPANY,
        rule={"field": "region_code", "op": "eq", "value": "420702"},
    )
    x.agent = ApplicantFactory()
    x.company = CompanyFactory()
    CompanyAgentFactory(company=x.company, person=x.agent.person, verified=True)
    x.reviewer = StaffFactory(reviewer=True, department=x.department)
    x.elsewhere = StaffFactory(reviewer=True, department=DepartmentFactory())
    x.tax = DepartmentFactory(name="国家税务总局鄂州市梁子湖区税务局")
    x.tax_reviewer = StaffFactory(reviewer=True, department=x.tax)
    return x


def _open(d, kind=K.POLICY_COACHING, **kw):
    return desk.desk_open(
        user=d.agent.user,
        company=d.company,
        kind=kind,
        question="申报表里的招用人数怎么填？",
        policy=d.policy,
        **kw,
    )


def test_a_coaching_request_reaches_the_granting_department_and_closes_as_applied(d):
    r = _open(d)
    assert (r.kind, r.company, r.policy, r.department) == (
        K.POLICY_COACHING,
        d.company,
        d.policy,
        d.department,
    )
    assert r.channel == AssistRequest.Channel.CHAT and r.status == S.OPEN
    assert access.may_staff(d.reviewer.user, r)
    assert not access.may_staff(d.elsewhere.user, r)
    done = desk.desk_conclude(request=r, clerk=d.reviewer.user, outcome=OC.APPLIED)
    assert (done.status, done.outcome_kind, done.outcome) == (S.RESOLVED, OC.APPLIED, "已完成申报")


def test_a_referral_goes_to_the_other_department_which_closes_it(d):
    r = _open(d, kind=K.POLICY_REFERRAL)
    r = desk.desk_refer(request=r, clerk=d.reviewer.user, department=d.tax, note="涉及税费减免")
    assert r.referred_to == d.tax and r.department == d.tax and r.status == S.ACTIVE
    assert "转办至国家税务总局鄂州市梁子湖区税务局" in r.outcome
    assert access.may_staff(d.tax_reviewer.user, r)
    assert not access.may_staff(d.reviewer.user, r)  # no longer theirs
    done = desk.desk_conclude(
        request=r, clerk=d.tax_reviewer.user, outcome=OC.REFERRED, note="已办理减免"
    )
    assert (done.status, done.outcome_kind) == (S.RESOLVED, OC.REFERRED)


def test_an_outcome_must_fit_the_kind_and_unresolved_needs_a_reason(d):
    r = _open(d, kind=K.POLICY_CONSULT)
    with pytest.raises(ValidationFailed, match="已解答"):
        desk.desk_conclude(request=r, clerk=d.reviewer.user, outcome=OC.APPLIED)
    done = desk.desk_conclude(
        request=r, clerk=d.reviewer.user, outcome=OC.UNRESOLVED, note="需企业补充经营数据"
    )
    assert done.status == S.UNRESOLVED and done.outcome_kind == OC.UNRESOLVED
    with pytest.raises(Conflict):
        desk.desk_conclude(request=done, clerk=d.reviewer.user, outcome=OC.ANSWERED)


def test_another_company_cannot_ask_in_its_name_and_other_staff_cannot_act(d):
    other = ApplicantFactory()
    with pytest.raises(NotFound):
        desk.desk_open(
            user=other.user, company=d.company, kind=K.POLICY_CONSULT, question="？", policy=None
        )
    r = _open(d)
    with pytest.raises(NotFound):
        desk.desk_conclude(request=r, clerk=d.elsewhere.user, outcome=OC.ANSWERED)
    with pytest.raises(NotFound):
        desk.desk_refer(request=r, clerk=d.elsewhere.user, department=d.tax, note="转")


def test_unknown_kinds_and_general_requests_are_refused(d):
    with pytest.raises(ValidationFailed, match="服务类别"):
        _open(d, kind="general")
    from yishi.assist import services

    general = services.chat_open(user=d.agent.user, question="怎么取号？", department=d.department)
    with pytest.raises(Conflict):
        desk.desk_conclude(request=general, clerk=d.reviewer.user, outcome=OC.ANSWERED)


def test_the_desk_page_opens_a_request_and_the_console_shows_its_kind(client, d):
    client.force_login(d.agent.user)
    page = client.get(f"/assist/desk/?policy={d.policy.code}").content.decode()
    assert "申报辅导" in page and d.company.name in page and d.policy.name in page
    response = client.post(
        "/assist/desk/",
        {
            "company": d.company.uscc,
            "kind": K.POLICY_CONSULT,
            "question": "是否需要提交劳动合同？",
            "policy": d.policy.code,
        },
    )
    r = AssistRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/assist/{r.pk}/"
    assert r.kind == K.POLICY_CONSULT and r.company == d.company
    client.force_login(d.reviewer.user)
    console = client.get("/workbench/assist/").content.decode()
    assert 'data-kind="policy_consult"' in console
    detail = client.get(f"/workbench/assist/{r.pk}/").content.decode()
    assert "惠企政策服务台 · 政策咨询" in detail and "按结果办结" in detail
    closed = client.post(
        f"/workbench/assist/{r.pk}/", {"action": "desk_conclude", "outcome": OC.ANSWERED}
    )
    assert closed.status_code == 302
    r.refresh_from_db()
    assert r.outcome_kind == OC.ANSWERED and r.status == S.RESOLVED


def test_the_desk_page_refuses_a_company_the_user_does_not_act_for(client, d):
    client.force_login(ApplicantFactory().user)
    response = client.post(
        "/assist/desk/",
        {"company": d.company.uscc, "kind": K.POLICY_CONSULT, "question": "？"},
    )
    assert response.status_code == 404
    assert not AssistRequest.objects.exists()
