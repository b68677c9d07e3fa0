"""The demo applicant shows the platform's proactive side: 王示范's 残疾人证 runs out within a
month, so applying for 残疾人证换领 is decided by 秒批秒办 with no upload; they act for a demo
company. Created once."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.catalog.factories import DepartmentFactory, MaterialFactory, MatterFactory
from yishi.cases.models import Application
from yishi.cases.services import application_submit
from yishi.catalog.models import Material
from yishi.core.events import events_dispatch
from yishi.licences.demo.instant import load_instant_rules
from yishi.licences.models import Licence
from yishi.people.models import ApplicantAccount
from yishi.people.queries import acting_companies
from yishi.portal.demo import PHONE, load_demo_applicant

pytestmark = pytest.mark.django_db


@pytest.fixture
def renewal_matter():
    """残疾人证换领 as the demo catalog has it (its materials by name)."""
    federation = DepartmentFactory(code="LZH-CL", name="梁子湖区残疾人联合会")
    matter = MatterFactory(
        code="GG00121000-420702-LZH-CL",
        basic_code="GG00121000",
        name="残疾人证换领",
        department=federation,
        result_name="中华人民共和国残疾人证",
    )
    for n, name in enumerate(
        ["申请人居民身份证", "中华人民共和国残疾人证", "近期正面免冠彩色证件照片",
         "《残疾人证换领申请表》", "残疾评定表"]
    ):  # fmt: skip
        MaterialFactory(
            matter=matter,
            order=n,
            name=name,
            kind=f"m{n}",
            source=Material.Source.LICENCE if name[-4:] == "残疾人证" else "applicant",
        )
    load_instant_rules()
    matter.refresh_from_db()
    return matter


def test_the_demo_applicant_is_created_once_with_an_expiring_certificate_and_a_company(
    renewal_matter,
):
    phone, password = load_demo_applicant()
    assert phone == PHONE and password
    account = ApplicantAccount.objects.select_related("person", "user").get()
    assert account.user.check_password(password)
    person = account.person
    assert person.low_income_household and person.disability_grade == 2
    licence = Licence.objects.get(person=person)
    assert licence.type.code == "CJRZ" and licence.status == Licence.Status.VALID
    assert 0 < (licence.valid_until - timezone.localdate()).days <= 31
    companies = acting_companies(account.user, scope="credit")
    assert [c.name for c in companies] == ["鄂州市梁子湖区示范农产品有限公司"]
    assert companies[0].legal_representative_id_number == person.id_number
    assert load_demo_applicant() is None
    assert ApplicantAccount.objects.count() == 1


def test_the_demo_applicant_renews_the_certificate_by_instant_approval(renewal_matter):
    load_demo_applicant()
    account = ApplicantAccount.objects.get()
    application = application_submit(user=account.user, matter=renewal_matter)
    assert events_dispatch()["failed"] == 0
    application.refresh_from_db()
    assert application.status == Application.Status.COMPLETED
    assert Licence.objects.filter(person=account.person, type__code="CJRZ").count() == 2


def test_the_renewal_online_asks_no_upload_and_is_decided_at_once(client, renewal_matter):
    import re

    load_demo_applicant()
    account = ApplicantAccount.objects.get()
    client.force_login(account.user, backend="yishi.people.auth.PhonePasswordBackend")
    started = client.post(f"/apply/matter/{renewal_matter.code}/")
    draft_id = int(re.search(r"/apply/draft/(\d+)/materials/", started["Location"]).group(1))
    page = client.get(f"/apply/draft/{draft_id}/materials/").content.decode()
    assert 'type="file"' not in page
    assert page.count("由部门共享数据获取，无需上传") == 4
    assert "已自动调取您持有的电子证照" in page
    assert client.post(f"/apply/draft/{draft_id}/materials/", {"action": "next"}).status_code == 302
    done = client.post(
        f"/apply/draft/{draft_id}/review/", {"idempotency_key": "r-1", "pledge": "yes"}
    )
    assert done.status_code == 302
    assert events_dispatch()["failed"] == 0
    application = Application.objects.exclude(status=Application.Status.DRAFT).get()
    assert application.status == Application.Status.COMPLETED
    detail = client.get(done["Location"]).content.decode()
    assert "已全部办结" in detail or "办结" in detail
