"""Credit pages: the workbench list with countdowns, 容缺受理 at the counter, repair decisions,
and the applicant's 我的信用 page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.cases.factories import ApplicantFactory, StaffFactory
from tests.credit.factories import item
from yishi.cases.models import Application
from yishi.core.workdays import add_working_days
from yishi.credit.commitments import commitment_accept, commitment_sign, commitments_check
from yishi.credit.models import Commitment, CreditRecord, CreditRepair

pytestmark = pytest.mark.django_db


def value(chain, key):
    i = item(chain, key)
    return f"{i['matter_id']}:{i['material_id']}"


def test_window_accepts_on_a_commitment_signed_at_the_counter(client, chain, submitted, window):
    client.force_login(window.user)
    url = f"/workbench/credit/applications/{submitted.number}/accept/"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "经营场所证明" in html and "无犯罪记录证明" in html
    assert "公共安全" in html  # the excluded matter's material is shown disabled, with why
    assert "居民身份证" not in html

    unsigned = client.post(url, {"items": [value(chain, "a_site")]})
    assert unsigned.status_code == 422
    assert "确认签署" in unsigned.content.decode()
    assert not Commitment.objects.exists()

    done = client.post(url, {"items": [value(chain, "a_site")], "signed": "yes"})
    commitment = Commitment.objects.get()
    assert done.status_code == 302
    assert done["Location"] == f"/workbench/credit/commitments/{commitment.pk}/"
    assert commitment.status == Commitment.Status.ACTIVE
    assert commitment.signer_id == submitted.applicant_id
    assert Application.objects.get(pk=submitted.pk).status == Application.Status.ACCEPTED
    detail = client.get(done["Location"]).content.decode()
    assert 'data-verify="valid"' in detail and "经营场所证明" in detail


def test_window_accepts_on_the_commitment_the_applicant_signed_online(
    client, chain, submitted, applicant, window
):
    signed = commitment_sign(
        application=submitted, signer=applicant.user, items=[item(chain, "a_site")]
    )
    client.force_login(window.user)
    url = f"/workbench/credit/applications/{submitted.number}/accept/"
    html = client.get(url).content.decode()
    assert "data-online-commitment" in html and f"已在线签署承诺书 #{signed.pk}" in html
    assert 'name="items"' not in html  # nothing to choose or sign again

    done = client.post(url, {})
    assert done.status_code == 302
    assert Commitment.objects.count() == 1
    signed.refresh_from_db()
    assert signed.status == Commitment.Status.ACTIVE
    assert Application.objects.get(pk=submitted.pk).status == Application.Status.ACCEPTED


def test_commitment_list_shows_the_countdown_and_window_staff_fulfil(
    client, chain, submitted, applicant, window
):
    today = timezone.localdate()
    commitment_accept(
        application=submitted,
        staff=window.user,
        signer=applicant.user,
        items=[item(chain, "a_site")],
        today=today,
    )
    commitment = Commitment.objects.get()
    client.force_login(StaffFactory(supervisor=True).user)
    html = client.get("/workbench/credit/").content.decode()
    assert "剩 5 个工作日" in html and submitted.number in html
    assert "登记已补交" not in html  # supervisors see, window staff act

    client.force_login(window.user)
    html = client.get("/workbench/credit/").content.decode()
    assert add_working_days(today, 5).isoformat() in html
    missing = commitment.items.get()
    response = client.post(
        f"/workbench/credit/commitments/{commitment.pk}/items/{missing.pk}/fulfil/"
    )
    assert response.status_code == 302
    assert Commitment.objects.get().status == Commitment.Status.KEPT


@pytest.mark.parametrize("role", ["reviewer", None])
def test_reviewers_and_applicants_get_403_on_the_workbench_pages(client, submitted, role):
    user = StaffFactory(role=role).user if role else ApplicantFactory().user
    client.force_login(user)
    for url in [
        "/workbench/credit/",
        f"/workbench/credit/applications/{submitted.number}/accept/",
        "/workbench/credit/repairs/",
    ]:
        assert client.get(url).status_code == 403


def test_my_credit_page_tells_why_commitments_are_refused_and_takes_a_repair(
    client, chain, submitted, applicant, window
):
    client.force_login(applicant.user)
    html = client.get("/account/credit/").content.decode()
    assert 'data-commitment="allowed"' in html

    commitment_accept(
        application=submitted,
        staff=window.user,
        signer=applicant.user,
        items=[item(chain, "a_site")],
        today=dt.date(2026, 3, 2),
    )
    commitments_check(today=dt.date(2026, 3, 10))
    html = client.get("/account/credit/").content.decode()
    assert 'data-commitment="restricted"' in html
    assert "2026年3月10日" in html and "经营场所证明" in html
    assert "失信(违反承诺)" in html

    assert client.post("/account/credit/", {"statement": "已补交材料"}).status_code == 302
    repair = CreditRepair.objects.get()

    supervisor = StaffFactory(supervisor=True)
    client.force_login(supervisor.user)
    assert "已补交材料" in client.get("/workbench/credit/repairs/").content.decode()
    client.post(
        f"/workbench/credit/repairs/{repair.pk}/decide/", {"decision": "approve", "note": "好"}
    )
    assert CreditRepair.objects.get().status == CreditRepair.Status.APPROVED
    assert CreditRecord.objects.filter(kind=CreditRecord.Kind.REPAIR).count() == 1

    client.force_login(applicant.user)
    html = client.get("/account/credit/").content.decode()
    assert 'data-commitment="allowed"' in html and "已修复" in html


def test_window_sees_the_restriction_on_the_accept_form(
    client, chain, submitted, applicant, window
):
    from yishi.credit.services import blacklist_add

    blacklist_add(
        actor=StaffFactory(supervisor=True).user, person=applicant.person, reason="虚假承诺"
    )
    client.force_login(window.user)
    html = client.get(f"/workbench/credit/applications/{submitted.number}/accept/").content
    assert "data-restriction" in html.decode() and "虚假承诺" in html.decode()


def test_an_overdue_item_shows_how_late_it_is_before_the_daily_run(
    client, chain, submitted, applicant, window
):
    today = timezone.localdate()
    accepted = today - dt.timedelta(days=30)
    commitment_accept(
        application=submitted,
        staff=window.user,
        signer=applicant.user,
        items=[item(chain, "a_site")],
        today=accepted,
    )
    from yishi.core.workdays import working_days_between

    late = working_days_between(add_working_days(accepted, 5), today)
    client.force_login(window.user)
    html = client.get("/workbench/credit/").content.decode()
    assert f"逾期 {late} 个工作日" in html and 'data-badge="overdue"' in html
