"""The cases access policy (yishi.cases.access): who sees which applications and files."""

from __future__ import annotations

import pytest

from tests.cases.conftest import reviewer_of
from tests.cases.factories import ApplicantFactory, StaffFactory
from tests.catalog.factories import DepartmentFactory, RegionFactory
from yishi.cases import access
from yishi.cases.models import Application, CaseMaterial
from yishi.cases.services import application_accept, application_submit
from yishi.catalog.models import Department
from yishi.core.errors import ValidationFailed
from yishi.core.roles import Role, grant_roles, has_role, roles_of
from yishi.core.uploads import store_upload

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _centre(code: str, region: str = "420702") -> Department:
    return DepartmentFactory(
        code=code,
        name=f"{code}政务服务中心",
        kind=Department.Kind.SERVICE_CENTRE,
        region=RegionFactory(code=region, name=f"区划{region}"),
    )


def _file(application: Application) -> CaseMaterial:
    return CaseMaterial.objects.create(
        application=application,
        kind="id_card",
        name="居民身份证",
        stored_file=store_upload(name="身份证.pdf", data=PDF),
        source="upload",
    )


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_staff_cannot_download_the_files_of_an_unsubmitted_draft(client, chain, applicant, media):
    draft = Application.objects.create(
        number="D-1", applicant=applicant.user, person=applicant.person, theme=chain["theme"]
    )
    material = _file(draft)
    staff = [
        StaffFactory(),
        StaffFactory(supervisor=True),
        reviewer_of(chain, "a"),
        StaffFactory(administrator=True),
    ]
    for profile in staff:
        client.force_login(profile.user)
        assert client.get(f"/workbench/files/{material.pk}/").status_code == 404
    assert list(access.materials_visible_to(applicant.user)) == [material]


def test_a_window_clerk_sees_only_the_applications_of_their_service_centre(
    client, chain, applicant, media
):
    district, town = _centre("LZH-ZWZX"), _centre("CENTRE-100", "420702100")
    app = application_submit(
        user=applicant.user, theme=chain["theme"], answers={}, form_data={"name": "张三"}
    )
    material = _file(app)
    assert app.service_centre_id == district.pk  # the district's centre by default
    here = StaffFactory(service_centre=district)
    there = StaffFactory(service_centre=town)

    client.force_login(there.user)
    assert client.get(f"/workbench/applications/{app.number}/").status_code == 404
    assert client.get(f"/workbench/files/{material.pk}/").status_code == 404
    assert app.number not in client.get("/workbench/applications/").content.decode()
    with pytest.raises(Exception, match="不存在"):
        application_accept(application=app, staff=there.user)
    assert Application.objects.get(pk=app.pk).status == Application.Status.SUBMITTED

    client.force_login(here.user)
    assert client.get(f"/workbench/applications/{app.number}/").status_code == 200
    assert client.get(f"/workbench/files/{material.pk}/").status_code == 200
    assert app.number in client.get("/workbench/applications/").content.decode()


def test_an_online_applicant_may_pick_another_centre_but_not_an_unknown_one(chain, applicant):
    _centre("LZH-ZWZX")
    town = _centre("CENTRE-101", "420702101")
    app = application_submit(
        user=applicant.user,
        theme=chain["theme"],
        answers={},
        form_data={"name": "张三"},
        service_centre="CENTRE-101",
    )
    assert app.service_centre_id == town.pk
    with pytest.raises(ValidationFailed) as raised:
        application_submit(
            user=applicant.user,
            theme=chain["theme"],
            answers={},
            form_data={"name": "张三"},
            service_centre="NOPE",
        )
    assert raised.value.field == "service_centre"


def test_a_counter_application_belongs_to_the_clerks_centre(chain):
    _centre("LZH-ZWZX")
    town = _centre("CENTRE-102", "420702102")
    clerk = StaffFactory(service_centre=town)
    walk_in = ApplicantFactory()
    app = application_submit(
        user=walk_in.user,
        theme=chain["theme"],
        answers={},
        form_data={"name": "王五"},
        channel=Application.Channel.COUNTER,
        staff=clerk.user,
    )
    assert app.service_centre_id == town.pk
    assert access.may_see_application(clerk.user, app)


def test_a_reviewer_sees_an_application_only_once_their_department_has_a_sub_case(
    chain, window, submitted
):
    reviewer = reviewer_of(chain, "a")
    assert not access.may_see_application(reviewer.user, submitted)
    assert not access.applications_visible_to(reviewer.user).exists()
    application_accept(application=submitted, staff=window.user)
    submitted.refresh_from_db()
    assert access.may_see_application(reviewer.user, submitted)
    assert list(access.applications_visible_to(reviewer.user)) == [submitted]


def test_another_applicant_and_a_supervisor_without_tasks_see_nothing(
    client, chain, submitted, media
):
    material = _file(submitted)
    for user in (ApplicantFactory().user, StaffFactory(supervisor=True).user):
        assert not access.may_see_application(user, submitted)
        assert not access.materials_visible_to(user).exists()
        client.force_login(user)
        assert client.get(f"/api/v1/applications/{submitted.number}").status_code == 404
        assert client.get(f"/workbench/files/{material.pk}/").status_code == 404


def test_a_staff_member_may_hold_several_roles_through_groups(client, chain, submitted):
    both = reviewer_of(chain, "a")
    grant_roles(both.user, Role.WINDOW)
    assert roles_of(both.user) == {"reviewer", "window"}
    assert has_role(both.user, Role.WINDOW) and has_role(both.user, Role.REVIEWER)
    client.force_login(both.user)
    html = client.get("/workbench/").content.decode()
    assert "窗口人员" in html and "审批人员" in html
    assert client.get("/workbench/applications/").status_code == 200
    assert client.get("/workbench/subcases/").status_code == 200


def test_an_inactive_account_holds_no_role():
    profile = StaffFactory(administrator=True)
    profile.user.is_active = False
    assert roles_of(profile.user) == frozenset()
