"""即申即享: a company applies for a policy through its matter with the form prefilled from the
registries and 营业执照 taken from its e-licences; the window accepts, the granting department
approves and the amount follows the bands; the policy officer records the payment. Also the
refusal and 补正 paths, the eligibility check before applying, and another company's reach."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.policies.factories import FORM, application_world
from yishi.cases.models import Application, CaseMaterial
from yishi.core.errors import Conflict, NotFound, PermissionDeniedError, ValidationFailed
from yishi.core.events import events_dispatch
from yishi.core.models import OutboxMessage
from yishi.policies import applications as apps
from yishi.policies.models import PolicyApplication

pytestmark = pytest.mark.django_db
ST = PolicyApplication.State


@pytest.fixture
def w():
    return application_world()


def _apply(w, **form):
    return apps.policy_apply(
        policy=w.policy, user=w.agent.user, company=w.company, form_data={**FORM, **form}
    )


def test_a_company_applies_with_prefilled_fields_is_approved_at_its_band_and_paid(w):
    pa = _apply(w, company_name="别的名称")  # a prefilled field takes the registry's value

    app = pa.application
    assert app.matter == w.policy.matter and app.company == w.company
    assert app.status == Application.Status.SUBMITTED
    assert app.form_data["company_name"] == w.company.name
    assert app.form_data["uscc"] == w.company.uscc
    assert app.form_data["contact_name"] == w.agent.person.name
    assert app.form_data["hired_count"] == 3
    assert set(pa.prefilled) >= {"company_name", "uscc", "legal_representative", "contact_name"}
    sources = dict(CaseMaterial.objects.filter(application=app).values_list("kind", "source"))
    assert sources == {
        "business_licence": CaseMaterial.Source.LICENCE,
        "hard_to_employ_insurance_record": CaseMaterial.Source.SHARED,
    }
    assert w.licence.number in app.materials.get(kind="business_licence").name
    assert pa.state == ST.SUBMITTED and all(c["held"] for c in pa.eligibility["conditions"])

    apps.policy_application_accept(pa=pa, staff=w.clerk.user)
    assert pa.state == ST.REVIEWING
    pa = apps.policy_application_approve(pa=pa, reviewer=w.reviewer.user)
    assert pa.amount == Decimal("3000.00") and pa.band == "小微企业"  # micro: first band
    assert pa.state == ST.COMMITTED
    pa.application.refresh_from_db()
    assert pa.application.status == Application.Status.COMPLETED
    assert "3000.00" in pa.application.subcases.get().result_name
    events_dispatch()  # the approval handler sees the amount committed and changes nothing
    pa.refresh_from_db()
    assert pa.amount == Decimal("3000.00")

    pa = apps.policy_application_pay(pa=pa, staff=w.officer.user, reference="ZF20261207001")
    assert pa.state == ST.PAID and pa.payment_reference == "ZF20261207001"
    payment = OutboxMessage.objects.filter(topic="policies.payment").get()
    assert payment.payload["amount"] == "3000.00" and payment.payload["uscc"] == w.company.uscc
    figures = apps.policy_figures(w.policy)
    assert (figures["count"], figures["committed"], figures["paid"]) == (
        1,
        Decimal("3000.00"),
        Decimal("3000.00"),
    )


def test_a_larger_company_gets_the_other_band():
    w = application_world(size_class="large")
    pa = _apply(w)
    apps.policy_application_accept(pa=pa, staff=w.clerk.user)
    pa = apps.policy_application_approve(pa=pa, reviewer=w.reviewer.user)
    assert (pa.amount, pa.band) == (Decimal("5000.00"), "其他企业")


def test_an_approval_from_the_departments_own_pages_commits_the_amount_through_the_handler(w):
    from yishi.cases.services import subcase_approve

    pa = _apply(w)
    apps.policy_application_accept(pa=pa, staff=w.clerk.user)
    subcase_approve(
        subcase=pa.application.subcases.get(), reviewer=w.reviewer.user, result_name="核定"
    )
    pa.refresh_from_db()
    assert pa.amount is None and pa.state == ST.REVIEWING
    events_dispatch()
    pa.refresh_from_db()
    assert pa.amount == Decimal("3000.00") and pa.state == ST.COMMITTED


def test_refused_after_review_commits_nothing_and_cannot_be_paid(w):
    pa = _apply(w)
    apps.policy_application_accept(pa=pa, staff=w.clerk.user)
    apps.policy_application_refuse(pa=pa, staff=w.reviewer.user, reason="社保缴费记录不足")
    pa.refresh_from_db()
    assert pa.state == ST.REFUSED and pa.amount is None
    with pytest.raises(Conflict):
        apps.policy_application_pay(pa=pa, staff=w.officer.user, reference="ZF1")
    # A refused application does not block a new one.
    again = _apply(w)
    assert again.pk != pa.pk and again.state == ST.SUBMITTED


def test_refused_at_the_window_before_acceptance(w):
    pa = _apply(w)
    apps.policy_application_refuse(pa=pa, staff=w.clerk.user, reason="非本区登记企业")
    assert pa.state == ST.REFUSED
    with pytest.raises(ValidationFailed, match="理由"):
        apps.policy_application_refuse(pa=_apply(w), staff=w.clerk.user, reason=" ")


def test_supplement_stops_the_case_until_the_company_supplies_then_it_is_approved(w):
    pa = _apply(w)
    apps.policy_application_accept(pa=pa, staff=w.clerk.user)
    apps.policy_application_supplement(
        pa=pa, staff=w.reviewer.user, items=["补充新招用人员的劳动合同"]
    )
    pa = PolicyApplication.objects.get(pk=pa.pk)
    assert pa.state == ST.SUPPLEMENT
    with pytest.raises(Conflict):
        apps.policy_application_approve(pa=pa, reviewer=w.reviewer.user)
    apps.policy_application_supplied(pa=pa, user=w.agent.user)
    pa = PolicyApplication.objects.get(pk=pa.pk)
    assert pa.state == ST.REVIEWING
    pa = apps.policy_application_approve(pa=pa, reviewer=w.reviewer.user)
    assert pa.state == ST.COMMITTED


def test_supplement_before_acceptance_is_asked_by_the_window(w):
    pa = _apply(w)
    apps.policy_application_supplement(pa=pa, staff=w.clerk.user, items=["补填银行账号"])
    assert pa.state == ST.SUPPLEMENT
    apps.policy_application_supplied(pa=pa, user=w.agent.user)
    assert pa.state == ST.SUBMITTED


def test_an_ineligible_company_is_told_which_conditions_fail_and_cannot_apply(w):
    w.company.tax_credit_grade = "D"
    w.company.save()
    explained = apps.explain(w.policy, w.company, timezone.localdate())
    assert explained["eligible"] is False
    assert any(not c["held"] for c in explained["conditions"])
    with pytest.raises(ValidationFailed, match="不符合") as caught:
        _apply(w)
    assert caught.value.field == "eligibility"
    assert not PolicyApplication.objects.exists()


def test_a_required_field_left_blank_is_named_by_its_label(w):
    with pytest.raises(ValidationFailed, match="补贴拨付银行账号") as caught:
        _apply(w, bank_account="")
    assert caught.value.field == "bank_account"
    with pytest.raises(ValidationFailed, match="整数"):
        _apply(w, hired_count="三")


def test_one_running_application_per_company_and_policy(w):
    _apply(w)
    with pytest.raises(Conflict, match="重复"):
        _apply(w)


def test_a_proactive_or_closed_policy_cannot_be_applied_for(w):
    from yishi.policies.models import Policy

    Policy.objects.filter(pk=w.policy.pk).update(ends_on=timezone.localdate() - dt.timedelta(1))
    w.policy.refresh_from_db()
    with pytest.raises(Conflict, match="申报期"):
        _apply(w)
    Policy.objects.filter(pk=w.policy.pk).update(ends_on=None, proactive=True)
    w.policy.refresh_from_db()
    with pytest.raises(Conflict, match="免申即享"):
        _apply(w)


def test_another_company_cannot_apply_for_see_or_act_on_the_application(w):
    pa = _apply(w)
    with pytest.raises(NotFound):
        apps.policy_apply(
            policy=w.policy, user=w.other_agent.user, company=w.company, form_data=FORM
        )
    with pytest.raises(NotFound):
        apps.own_application(w.other_agent.user, pa.pk)
    assert apps.own_application(w.agent.user, pa.pk) == pa
    with pytest.raises(NotFound):
        apps.policy_application_supplied(pa=pa, user=w.other_agent.user)


def test_only_the_granting_departments_officer_records_the_payment(w):
    from tests.cases.factories import StaffFactory
    from tests.catalog.factories import DepartmentFactory

    pa = _apply(w)
    apps.policy_application_accept(pa=pa, staff=w.clerk.user)
    pa = apps.policy_application_approve(pa=pa, reviewer=w.reviewer.user)
    elsewhere = StaffFactory(policy_officer=True, department=DepartmentFactory())
    for staff in (w.reviewer.user, w.clerk.user, elsewhere.user):
        with pytest.raises(PermissionDeniedError):
            apps.policy_application_pay(pa=pa, staff=staff, reference="ZF1")
    with pytest.raises(ValidationFailed, match="支付凭证号"):
        apps.policy_application_pay(pa=pa, staff=w.officer.user, reference="")
    apps.policy_application_pay(pa=pa, staff=w.officer.user, reference="ZF1")
    with pytest.raises(Conflict, match="已兑现"):
        apps.policy_application_pay(pa=pa, staff=w.officer.user, reference="ZF2")


def test_a_reviewer_of_another_department_cannot_approve(w):
    from tests.cases.factories import StaffFactory
    from tests.catalog.factories import DepartmentFactory

    pa = _apply(w)
    apps.policy_application_accept(pa=pa, staff=w.clerk.user)
    stranger = StaffFactory(reviewer=True, department=DepartmentFactory())
    with pytest.raises(NotFound):
        apps.policy_application_approve(pa=pa, reviewer=stranger.user)
    assert not apps.may_staff_see(stranger.user, pa)
    assert apps.may_staff_see(w.reviewer.user, pa) and apps.may_staff_see(w.clerk.user, pa)


def test_the_calendar_lists_the_policy_with_its_deadline_and_the_companys_application():
    closes = timezone.localdate() + dt.timedelta(days=10)
    w = application_world(ends_on=closes)
    rows = apps.calendar_rows(w.company)
    assert [r["policy"].code for r in rows] == [w.policy.code]
    assert rows[0]["eligible"] and rows[0]["due_soon"] and rows[0]["days_left"] == 10
    months = apps.calendar_months(rows)
    assert months[0]["month"] == f"{closes.year}年{closes.month}月"
    pa = _apply(w)
    assert apps.calendar_rows(w.company)[0]["application"] == pa


def test_deadline_reminders_reach_eligible_companies_that_have_not_applied_once():
    from yishi.cases.models import Message
    from yishi.policies.models import Notice

    w = application_world(ends_on=timezone.localdate() + dt.timedelta(days=10))
    _apply(w)  # the first company applied: no reminder for it
    told = apps.deadline_reminders()
    assert told == {w.policy.code: 1}
    notice = Notice.objects.get(policy=w.policy)
    assert notice.company == w.other_company and "截止申报" in notice.text
    assert Message.objects.filter(user=w.other_agent.user, text=notice.text).exists()
    assert apps.deadline_reminders() == {w.policy.code: 0}  # once


def test_far_deadlines_are_not_reminded_yet():
    w = application_world(ends_on=timezone.localdate() + dt.timedelta(days=90))
    assert apps.deadline_reminders() == {}
    assert w.policy.mode == "application"


def test_the_demo_application_policy_loads_with_its_matter_and_again_changes_nothing(w):
    from yishi.policies.demo import policies_demo
    from yishi.policies.models import RuleVersion

    assert w.policy.matter == w.matter and w.policy.mode == "application"
    assert {f["key"] for f in w.policy.application_fields} >= {"company_name", "bank_account"}
    assert len(w.policy.faq) == 3
    versions = RuleVersion.objects.count()
    again = policies_demo()
    assert w.policy.code in again.unchanged and not again.updated and not again.skipped
    assert RuleVersion.objects.count() == versions
