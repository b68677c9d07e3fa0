"""Policy pages: staff list, run a period and download the payment list; the applicant's
benefits page with decline; the company space with its matches, licences and reminders."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from tests.cases.factories import ApplicantFactory, StaffFactory
from tests.people.factories import CompanyAgentFactory
from tests.policies.factories import CompanyFactory, PersonFactory, born_aged
from yishi.core.models import AuditEntry
from yishi.policies.models import Grant, Run

pytestmark = pytest.mark.django_db


def test_staff_see_the_policies_and_applicants_do_not(client, demo_policies):
    client.force_login(ApplicantFactory().user)
    assert client.get("/workbench/policies/").status_code == 403
    client.force_login(StaffFactory().user)
    page = client.get("/workbench/policies/").content.decode()
    assert "高龄津贴" in page
    assert "稳岗返还" in page
    detail = client.get("/workbench/policies/elderly-allowance/").content.decode()
    assert "示例金额，由管理员设定" in detail
    assert "年龄 介于 90 至 99" in detail


def test_an_administrator_runs_a_period_and_downloads_the_payment_list(client, demo_policies):
    person = PersonFactory(birth=born_aged(100, timezone.localdate().replace(day=1)))
    client.force_login(StaffFactory(administrator=True).user)
    period = f"{timezone.localdate():%Y-%m}"
    response = client.post("/workbench/policies/elderly-allowance/", {"period": period})
    run = Run.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/workbench/policies/runs/{run.pk}/"

    page = client.get(response["Location"]).content.decode()
    assert person.name in page
    assert "规则第 1 版" in page
    assert person.id_number not in page  # masked on screen

    xlsx = client.get(f"/workbench/policies/runs/{run.pk}/payments.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[2][:6] == (
        "序号",
        "对象类型",
        "姓名/名称",
        "证件号码/统一社会信用代码",
        "档次",
        "金额(元)",
    )
    assert rows[3][:6] == (1, "自然人", person.name, person.id_number, "100 周岁及以上", 300)
    assert rows[-1][0] == "合计"
    assert AuditEntry.objects.filter(action="policies.payment_download").count() == 1


def test_window_staff_cannot_run_a_period(client, demo_policies):
    client.force_login(StaffFactory().user)
    response = client.post("/workbench/policies/elderly-allowance/", {"period": "2026-10"})
    assert response.status_code == 403
    assert not Run.objects.exists()


def test_the_benefits_page_lists_my_grant_and_i_can_decline_it(client, demo_policies):
    today = timezone.localdate()
    account = ApplicantFactory(person=PersonFactory(birth=born_aged(83, today.replace(day=1))))
    from yishi.policies.services import policy_run

    policy_run(policy=demo_policies["elderly-allowance"], period=f"{today:%Y-%m}")
    client.force_login(account.user)
    page = client.get("/account/policies/").content.decode()
    assert "高龄津贴" in page
    assert "享受中" in page
    grant = Grant.objects.get(person=account.person)

    response = client.post(f"/account/policies/grants/{grant.pk}/decline/", {"reason": "不需要"})
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.status == Grant.Status.DECLINED


def test_the_company_space_shows_matches_grants_licences_and_reminders(client, demo_policies):
    from tests.licences.factories import issue

    company = CompanyFactory(
        size_class="small", employees=2, tax_credit_grade="A", registration_date=dt.date(2025, 6, 1)
    )
    agent = ApplicantFactory()
    CompanyAgentFactory(company=company, person=agent.person, verified=True)
    today = timezone.localdate()
    issue(holder=company, today=today, valid_until=today + dt.timedelta(days=20))
    client.force_login(agent.user)

    page = client.get("/account/policies/company/").content.decode()
    assert company.name in page
    assert "稳岗返还" in page
    assert "小微企业创业补贴" in page
    assert "尚不满足：从业人数" in page
    assert "还剩 20 天" in page


def test_the_company_space_needs_a_verified_authorisation(client, demo_policies):
    account = ApplicantFactory()
    pending = CompanyAgentFactory(person=account.person, legal_rep=True)
    client.force_login(account.user)
    response = client.get("/account/policies/company/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "添加企业授权" in html and pending.company.name not in html


def test_the_granting_department_answers_a_contest_on_the_policy_page(client, demo_policies):
    from yishi.policies.services import grant_contest, policy_run

    today = timezone.localdate()
    account = ApplicantFactory(person=PersonFactory(birth=born_aged(95, today.replace(day=1))))
    policy = demo_policies["elderly-allowance"]
    policy_run(policy=policy, period=f"{today:%Y-%m}")
    grant = Grant.objects.get(person=account.person)
    objection = grant_contest(grant=grant, user=account.user, reason="我的出生日期登记有误")

    client.force_login(StaffFactory().user)  # window staff of another department
    # The objector's name and reason are for those who answer it.
    assert (
        "我的出生日期登记有误"
        not in client.get(f"/workbench/policies/{policy.code}/").content.decode()
    )
    url = f"/workbench/policies/objections/{objection.pk}/resolve/"
    assert client.post(url, {"resolution": "x"}).status_code == 403

    client.force_login(StaffFactory(department=policy.department).user)
    response = client.post(url, {"resolution": "已核实，登记无误"})
    assert response.status_code == 302
    grant.refresh_from_db()
    objection.refresh_from_db()
    assert (grant.status, objection.status) == ("active", "closed")
