from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.cases.factories import ApplicantFactory, StaffFactory
from tests.catalog.factories import DepartmentFactory
from tests.licences.factories import LicenceTypeFactory, issue
from yishi.licences.models import Licence
from yishi.licences.queries import expiring_soon
from yishi.licences.services import licence_revoke

pytestmark = pytest.mark.django_db


def test_the_verification_page_of_a_valid_licence_says_valid_with_the_issuer(client):
    licence = issue(issuer=DepartmentFactory(name="梁子湖区人民医院"), today=timezone.localdate())
    response = client.get(f"/licences/verify/{licence.number}/")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'data-verify-state="valid"' in text
    assert "有效" in text
    assert "梁子湖区人民医院" in text
    # The holder's name is masked on the public page.
    name = licence.person.name
    assert name not in text
    assert f"<dd>{name[0]}{'*' * (len(name) - 1)}</dd>" in text


def test_the_verification_form_takes_a_typed_number(client):
    licence = issue(today=timezone.localdate())
    response = client.get("/licences/verify/", {"number": licence.number})
    assert response.status_code == 200
    assert 'data-verify-state="valid"' in response.content.decode()
    assert client.get("/licences/verify/").status_code == 200


def test_the_verification_page_shows_revoked_and_not_found(client):
    licence = issue(today=timezone.localdate())
    licence_revoke(licence=licence, reason="错误签发")
    response = client.get(f"/licences/verify/{licence.number}/")
    assert "已撤销" in response.content.decode()
    missing = client.get("/licences/verify/", {"number": "NOPE-1"})
    assert missing.status_code == 404
    assert "不存在" in missing.content.decode()


def test_the_verification_page_shows_tampered(client):
    licence = issue(today=timezone.localdate())
    Licence.objects.filter(pk=licence.pk).update(data={"holder_name": "别人"})
    response = client.get(f"/licences/verify/{licence.number}/")
    assert 'data-verify-state="tampered"' in response.content.decode()
    assert "被篡改" in response.content.decode()


def test_the_verify_api_is_public_and_answers_the_state(client):
    licence = issue(issuer=DepartmentFactory(name="梁子湖区人民医院"), today=timezone.localdate())
    response = client.get(f"/api/v1/licences/{licence.number}/verify")
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "valid"
    assert body["state_label"] == "有效"
    assert body["issuer"] == "梁子湖区人民医院"
    assert body["number"] == licence.number


def test_the_verify_api_answers_404_problem_for_an_unknown_number(client):
    response = client.get("/api/v1/licences/NOPE-1/verify")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["field"] == "number"
    assert body["state"] == "not_found"
    assert body["detail"] == "未找到编号为“NOPE-1”的电子证照，请核对编号。"


def test_the_wallet_lists_only_the_applicants_own_licences_with_pdf(client):
    mine, theirs = ApplicantFactory(), ApplicantFactory()
    own = issue(holder=mine.person)
    other = issue(holder=theirs.person)
    client.force_login(mine.user)
    page = client.get("/licences/mine/")
    assert page.status_code == 200
    text = page.content.decode()
    assert own.number in text and other.number not in text
    pdf = client.get(f"/licences/mine/{own.number}/pdf/")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert client.get(f"/licences/mine/{other.number}/pdf/").status_code == 404
    api = client.get("/api/v1/licences")
    assert [x["number"] for x in api.json()] == [own.number]


def test_the_wallet_needs_a_login_and_an_applicant_account(client):
    assert client.get("/licences/mine/").status_code == 302
    assert client.get("/api/v1/licences").status_code == 401
    client.force_login(StaffFactory().user)
    assert client.get("/licences/mine/").status_code == 403
    assert client.get("/api/v1/licences").json() == []


def test_expiring_soon_lists_valid_licences_ending_within_the_window():
    licence_type = LicenceTypeFactory(validity_years=1)
    today = dt.date(2027, 2, 15)
    soon = issue(licence_type=licence_type, today=dt.date(2026, 3, 2))  # until 2027-03-01
    later = issue(licence_type=licence_type, today=dt.date(2026, 6, 1))
    revoked = issue(licence_type=licence_type, today=dt.date(2026, 3, 2))
    licence_revoke(licence=revoked, reason="注销")
    issue(licence_type=licence_type, today=dt.date(2026, 2, 1))  # already expired
    assert list(expiring_soon(within_days=30, today=today)) == [soon]
    assert later not in expiring_soon(within_days=30, today=today)


def test_the_wallet_reminds_of_a_licence_ending_soon_with_the_matter_to_renew_it(client):
    from tests.catalog.factories import MatterFactory
    from yishi.licences.instant import instant_rule_save

    account = ApplicantFactory()
    licence_type = LicenceTypeFactory(code="TESTRENEW", name="测试许可证", validity_years=None)
    renew = MatterFactory(name="测试许可证换领")
    licence_type.issuing_matters.add(renew)
    instant_rule_save(matter=renew, points=[])
    ending = issue(licence_type=licence_type, holder=account.person, data={})
    Licence.objects.filter(pk=ending.pk).update(
        valid_until=timezone.localdate() + dt.timedelta(days=20)
    )
    lasting = issue(licence_type=LicenceTypeFactory(), holder=account.person, data={})
    client.force_login(account.user)
    page = client.get("/licences/mine/").content.decode()
    assert page.count("data-renewal") == 1
    assert "还剩 20 天到期" in page
    assert f'href="/apply/matter/{renew.code}/">在线测试许可证换领（秒批秒办）</a>' in page
    assert lasting.number in page
