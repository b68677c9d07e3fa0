"""/account/data-access/ (谁查看了我的信息): the person sees every staff read of their registry
data — time in Asia/Shanghai, the reader's department, role and masked name (never a
username), the fields in Chinese and the purpose; nobody else's."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.cases.factories import ApplicantFactory, StaffFactory
from tests.catalog.factories import DepartmentFactory
from yishi.core.roles import Role
from yishi.people.access_log import registry_access_record
from yishi.people.models import RegistryAccess

pytestmark = pytest.mark.django_db

URL = "/account/data-access/"


def _read(person, *, purpose: str = "核实护理补贴申请人的残疾等级") -> RegistryAccess:
    staff = StaffFactory(
        role=Role.POLICY_OFFICER, department=DepartmentFactory(name="梁子湖区残疾人联合会")
    )
    staff.user.last_name, staff.user.first_name = "张", "伟明"
    staff.user.save()
    return registry_access_record(
        reader=staff.user,
        role="政策专员",
        person=person,
        fields=["disability_type", "disability_grade"],
        purpose=purpose,
        channel=RegistryAccess.Channel.ELIGIBILITY,
    )


def test_the_person_sees_each_read_of_their_data_on_their_page(client):
    account = ApplicantFactory()
    access = _read(account.person)
    RegistryAccess.objects.filter(pk=access.pk).update(
        at=dt.datetime(2026, 3, 1, 17, 5, 6, tzinfo=dt.UTC)
    )
    client.force_login(account.user)

    response = client.get(URL)

    assert response.status_code == 200
    page = response.content.decode()
    assert "2026-03-02 01:05:06" in page  # 17:05 UTC is 01:05 the next day in Shanghai
    assert "梁子湖区残疾人联合会" in page
    assert "政策专员 · 张**" in page
    assert "残疾类别、残疾等级" in page
    assert "核实护理补贴申请人的残疾等级" in page
    assert "资格核验" in page
    assert access.reader.username not in page
    assert "伟明" not in page


def test_another_person_does_not_see_it(client):
    _read(ApplicantFactory().person)
    other = ApplicantFactory()
    client.force_login(other.user)

    page = client.get(URL).content.decode()

    assert "暂无工作人员查看您登记信息的记录" in page
    assert "核实护理补贴申请人的残疾等级" not in page


def test_the_account_home_links_to_the_page(client):
    account = ApplicantFactory()
    client.force_login(account.user)
    assert f'href="{URL}"' in client.get("/account/").content.decode()


def test_the_page_needs_a_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/")


def test_a_staff_account_is_told_it_has_no_applicant_data(client):
    client.force_login(StaffFactory().user)
    response = client.get(URL)
    assert response.status_code == 403
    assert "工作人员账号" in response.content.decode()
