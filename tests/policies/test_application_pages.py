"""即申即享 on the pages and the API: the policy page explains eligibility before the form and
shows the FAQ; the company applies from it; staff accept, approve and pay from the workbench;
the company space lists 可申报 policies with their deadlines; another company reaches none of
it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.cases.factories import ApplicantFactory, StaffFactory
from tests.catalog.factories import DepartmentFactory
from tests.policies.factories import FORM, application_world
from yishi.policies import applications as apps
from yishi.policies.models import PolicyApplication

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return application_world(ends_on=timezone.localdate() + dt.timedelta(days=20))


def _page(w) -> str:
    return f"/account/policies/p/{w.policy.code}/?company={w.company.uscc}"


def test_the_policy_page_explains_eligibility_prefills_the_form_and_shows_the_faq(client, w):
    client.force_login(w.agent.user)
    page = client.get(_page(w)).content.decode()
    assert 'data-eligibility="eligible"' in page
    assert "符合申报条件" in page
    assert "哪些人员属于就业困难人员？" in page  # the FAQ, as data
    assert f'value="{w.company.name}" readonly' in page
    assert "已按登记信息预填（企业名称），无需填写" in page
    assert "免提交：已调取电子证照「营业执照」" in page
    assert "免提交：由部门共享获取" in page
    assert page.index('id="pp-eligibility"') < page.index('id="pp-apply"')


def test_an_ineligible_company_sees_why_and_no_form(client, w):
    w.company.status = "revoked"
    w.company.save()
    client.force_login(w.agent.user)
    page = client.get(_page(w)).content.decode()
    assert 'data-eligibility="ineligible"' in page
    assert "✗" in page
    assert 'data-form="apply"' not in page


def test_the_company_applies_on_the_page_and_follows_its_application(client, w):
    client.force_login(w.agent.user)
    response = client.post(_page(w), {"company": w.company.uscc, **FORM})
    pa = PolicyApplication.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/account/policies/applications/{pa.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "待受理" in page and pa.application.number in page
    assert "（登记信息预填）" in page
    # Applying again shows the running application instead of the form.
    again = client.get(_page(w)).content.decode()
    assert "data-existing" in again and 'data-form="apply"' not in again


def test_a_blank_required_field_comes_back_with_its_label(client, w):
    client.force_login(w.agent.user)
    response = client.post(_page(w), {"company": w.company.uscc, "hired_count": "2"})
    assert response.status_code == 422
    assert "请填写「补贴拨付银行账号」" in response.content.decode()
    assert not PolicyApplication.objects.exists()


def test_staff_accept_approve_and_pay_from_the_workbench(client, w):
    pa = apps.policy_apply(policy=w.policy, user=w.agent.user, company=w.company, form_data=FORM)
    url = f"/workbench/policies/applications/{pa.pk}/"
    client.force_login(w.clerk.user)
    assert client.post(url, {"action": "accept"}).status_code == 302
    client.force_login(w.reviewer.user)
    assert client.post(url, {"action": "approve"}).status_code == 302
    client.force_login(w.officer.user)
    page = client.get(url).content.decode()
    assert "3000.00 元（小微企业）" in page
    assert client.post(url, {"action": "pay", "reference": "ZF-1"}).status_code == 302
    pa.refresh_from_db()
    assert pa.state == "paid"
    detail = client.get(f"/workbench/policies/{w.policy.code}/").content.decode()
    assert w.company.name in detail
    assert 'data-figure="paid">1 件 · 3000.00 元' in detail


def test_a_refused_action_stays_on_the_page_with_the_reason(client, w):
    pa = apps.policy_apply(policy=w.policy, user=w.agent.user, company=w.company, form_data=FORM)
    client.force_login(w.clerk.user)
    response = client.post(
        f"/workbench/policies/applications/{pa.pk}/", {"action": "refuse", "reason": ""}
    )
    assert response.status_code == 422
    assert "请填写不予受理的理由" in response.content.decode()


def test_another_company_and_other_departments_reach_nothing(client, w):
    pa = apps.policy_apply(policy=w.policy, user=w.agent.user, company=w.company, form_data=FORM)
    client.force_login(w.other_agent.user)
    assert client.get(f"/account/policies/applications/{pa.pk}/").status_code == 404
    assert client.post(f"/account/policies/applications/{pa.pk}/").status_code == 404
    assert client.get(_page(w)).status_code == 404  # not a company they act for
    assert client.get(f"/api/v1/policy-applications/{pa.pk}").status_code == 404
    client.force_login(StaffFactory(reviewer=True, department=DepartmentFactory()).user)
    assert client.get(f"/workbench/policies/applications/{pa.pk}/").status_code == 404
    assert (
        w.company.name not in client.get(f"/workbench/policies/{w.policy.code}/").content.decode()
    )
    client.force_login(ApplicantFactory().user)
    assert client.get(f"/workbench/policies/applications/{pa.pk}/").status_code == 403


def test_the_company_space_lists_applicable_policies_with_a_deadline_calendar(client, w):
    client.force_login(w.agent.user)
    page = client.get(f"/account/policies/company/?company={w.company.uscc}").content.decode()
    assert "可申报政策（即申即享）" in page
    assert f'data-policy="{w.policy.code}"' in page
    assert "去申报" in page
    assert "申报截止日历" in page and "即将截止" in page


def test_the_api_applies_lists_and_shows_the_application(client, w):
    client.force_login(w.agent.user)
    body = client.get(f"/api/v1/policies/{w.policy.code}").json()
    assert body["mode"] == "application" and body["matter"] == w.policy.matter.code
    assert body["faq"][0]["q"] == "哪些人员属于就业困难人员？"
    created = client.post(
        f"/api/v1/policies/{w.policy.code}/applications",
        {"company": w.company.uscc, "form_data": FORM},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["state"] == "submitted"
    listed = client.get(f"/api/v1/my/policy-applications?company={w.company.uscc}").json()
    assert [a["id"] for a in listed] == [created.json()["id"]]
    again = client.post(
        f"/api/v1/policies/{w.policy.code}/applications",
        {"company": w.company.uscc, "form_data": FORM},
        content_type="application/json",
    )
    assert again.status_code == 409
    assert again["Content-Type"].startswith("application/problem+json")
    proactive = client.get("/api/v1/policies/job-stabilisation-refund").json()
    assert proactive["mode"] == "proactive"


def test_the_api_refuses_an_ineligible_company_with_the_conditions(client, w):
    w.company.tax_credit_grade = "C"
    w.company.save()
    client.force_login(w.agent.user)
    response = client.post(
        f"/api/v1/policies/{w.policy.code}/applications",
        {"company": w.company.uscc, "form_data": FORM},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "不符合" in response.json()["detail"]


def test_the_officer_downloads_the_payment_list_and_the_download_is_audited(client, w):
    import io

    from openpyxl import load_workbook

    from yishi.core.models import AuditEntry

    pa = apps.policy_apply(policy=w.policy, user=w.agent.user, company=w.company, form_data=FORM)
    apps.policy_application_accept(pa=pa, staff=w.clerk.user)
    apps.policy_application_approve(pa=pa, reviewer=w.reviewer.user)
    url = f"/workbench/policies/{w.policy.code}/applications.xlsx"
    client.force_login(w.reviewer.user)
    assert client.get(url).status_code == 403
    client.force_login(w.officer.user)
    response = client.get(url)
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][:4] == ("序号", "对象类型", "姓名/名称", "证件号码/统一社会信用代码")
    assert rows[2][:8] == (
        1,
        "法人",
        w.company.name,
        w.company.uscc,
        pa.application.number,
        "小微企业",
        3000,
        "待兑现",
    )
    assert AuditEntry.objects.filter(action="policies.application_payment_download").exists()


def test_the_reminder_command_reports_the_companies_told(w):
    from io import StringIO

    from django.core.management import call_command

    call_command("policies_remind", stdout=(out := StringIO()))
    assert f"{w.policy.code}：提醒 2 家企业" in out.getvalue()
    call_command("policies_remind", stdout=(again := StringIO()))
    assert "共提醒 0 家次" in again.getvalue()
