"""Work guides (工作指引/操作规程): generated from catalog and theme data as version 1, edited
by the lead department into new versions (each kept), shown beside a case in the workbench."""

from __future__ import annotations

import pytest

from tests.cases.factories import StaffFactory, make_chain_theme
from tests.catalog.factories import MaterialFactory, MatterFactory
from yishi.cases.services import (
    application_accept,
    application_request_supplement,
    application_submit,
)
from yishi.core.errors import Conflict, PermissionDeniedError, ValidationFailed
from yishi.core.roles import Role
from yishi.training.models import Course, Question, WorkGuide
from yishi.training.services import (
    courses_generate,
    guide_edit,
    guide_generate,
    guides_generate_all,
)


@pytest.fixture
def matter():
    m = MatterFactory(
        name="食品经营许可",
        process="1. 申请\n2. 受理\n3. 审查\n4. 决定",
        conditions="具有与经营的食品品种相适应的经营场所",
        legal_limit_days=20,
        promised_limit_days=5,
        status="published",
    )
    MaterialFactory(matter=m, order=1, name="食品经营许可申请书", spec="A4")
    MaterialFactory(matter=m, order=2, name="营业执照", form="copy", source="licence",
                    licence_type="营业执照", required=False)  # fmt: skip
    return m


@pytest.mark.django_db
def test_a_matter_guide_lists_steps_roles_checkpoints_reasons_and_limits(matter, applicant):
    clerk = StaffFactory()
    app = application_submit(user=applicant.user, matter=matter, form_data={})
    application_request_supplement(application=app, staff=clerk.user, items=["申请书未签字"])

    guide = guide_generate(matter=matter)

    body = guide.current.body
    assert guide.version == 1 and guide.current.generated
    assert guide.department_id == matter.department_id
    for text in (
        "一、办理步骤（按顺序）\n1. 申请\n2. 受理\n3. 审查\n4. 决定",
        "二、岗位分工",
        "1. 食品经营许可申请书：必需；1 份；核验原件，原件当场退还；申请人自备；规格 A4",
        "2. 营业执照：非必需；1 份；复印件清晰完整，核对与原件一致；通过电子证照库调取核验",
        "五、常见补正原因\n1. 申请书未签字（已发生 1 次）\n2. 缺少或不符合要求：食品经营许可申请书",
        "六、常见不予受理/不予许可情形",
        "法定办结时限 20 个工作日；承诺办结时限 5 个工作日（承诺件）",
    ):
        assert text in body
    assert guide_generate(matter=matter).pk == guide.pk  # generated once
    assert guide.versions.count() == 1


@pytest.mark.django_db
def test_a_theme_guide_orders_its_matters_with_their_prerequisites():
    chain = make_chain_theme()
    guide = guide_generate(theme=chain["theme"])
    body = guide.current.body
    assert guide.department_id == chain["theme"].lead_department_id
    a, b = chain["matters"]["a"], chain["matters"]["b"]
    first = f"1. {a.name} — {a.department.name}（受理后即开始）"
    second = f"2. {b.name} — {b.department.name}（在「{a.name}」办结后开始）"
    assert first in body and second in body
    assert body.index(first) < body.index(second)
    assert "六、办理时限" in body


@pytest.mark.django_db
def test_the_lead_department_edits_into_new_versions_and_others_may_not(matter):
    guide = guide_generate(matter=matter)
    lead = StaffFactory(department=matter.department, role=Role.DEPARTMENT_LEAD).user
    other_lead = StaffFactory(role=Role.DEPARTMENT_LEAD).user
    clerk = StaffFactory(department=matter.department).user

    for user in (other_lead, clerk):
        with pytest.raises(PermissionDeniedError, match="牵头部门"):
            guide_edit(guide=guide, user=user, body="改写")
    v2 = guide_edit(guide=guide, user=lead, body="第二版正文", note="补充现场核验要求")
    v3 = guide_edit(guide=guide, user=lead, body="第三版正文")
    with pytest.raises(Conflict, match="没有变化"):
        guide_edit(guide=guide, user=lead, body="第三版正文\r\n")
    with pytest.raises(ValidationFailed, match="请填写"):
        guide_edit(guide=guide, user=lead, body="   ")

    guide.refresh_from_db()
    assert (v2.number, v3.number, guide.version) == (2, 3, 3)
    assert [v.body[:5] for v in guide.versions.order_by("number")] == [
        guide.versions.get(number=1).body[:5],
        "第二版正文",
        "第三版正文",
    ]
    assert guide.current.author == lead


@pytest.mark.django_db
def test_courses_and_question_banks_are_generated_from_guides_and_matters(matter):
    guides_generate_all()
    courses = courses_generate()
    codes = {c.code for c in courses}
    guide = WorkGuide.objects.get(matter=matter)
    assert {f"guide-{guide.pk}", f"matter-{matter.pk}"} <= codes
    qs = {q.code: q for q in Question.objects.filter(course__code=f"matter-{matter.pk}")}
    promised = qs[f"m{matter.pk}-promised"]
    assert promised.choices[promised.answer[0]] == "5 个工作日"
    assert qs[f"m{matter.pk}-fee"].answer == [1]  # 不收费: 错
    assert qs[f"m{matter.pk}-required"].answer == [0]
    courses_generate()  # idempotent
    assert Course.objects.filter(code=f"matter-{matter.pk}").count() == 1


@pytest.mark.django_db
def test_the_guide_shows_beside_the_case_in_the_workbench(client, matter, applicant):
    clerk = StaffFactory()
    app = application_submit(user=applicant.user, matter=matter, form_data={})
    page = client
    page.force_login(clerk.user)
    before = page.get(f"/workbench/applications/{app.number}/").content.decode()
    assert "data-work-guide" not in before

    guide = guide_generate(matter=matter)
    html = page.get(f"/workbench/applications/{app.number}/").content.decode()
    assert f'data-work-guide="{guide.pk}"' in html
    assert "工作指引：《食品经营许可》工作指引与操作规程" in html

    accepted = application_accept(application=app, staff=clerk.user)
    reviewer = StaffFactory(reviewer=True, department=matter.department)
    page.force_login(reviewer.user)
    subcase = accepted.subcases.get()
    assert (
        f'data-work-guide="{guide.pk}"'
        in page.get(f"/workbench/subcases/{subcase.pk}/").content.decode()
    )


@pytest.mark.django_db
def test_guide_pages_list_show_versions_and_edit_for_the_lead(client, matter):
    guide = guide_generate(matter=matter)
    lead = StaffFactory(department=matter.department, role=Role.DEPARTMENT_LEAD)
    client.force_login(lead.user)
    assert guide.title in client.get("/workbench/training/guides/").content.decode()
    response = client.post(
        f"/workbench/training/guides/{guide.pk}/edit/", {"body": "新正文", "note": "修订"}
    )
    assert response.status_code == 302
    html = client.get(f"/workbench/training/guides/{guide.pk}/").content.decode()
    assert 'data-guide-version="2"' in html and "新正文" in html
    old = client.get(f"/workbench/training/guides/{guide.pk}/?version=1").content.decode()
    assert 'data-guide-version="1"' in old
    bad = client.post(f"/workbench/training/guides/{guide.pk}/edit/", {"body": ""})
    assert bad.status_code == 422 and "请填写工作指引正文" in bad.content.decode()

    clerk = StaffFactory(department=matter.department)
    client.force_login(clerk.user)
    assert client.get(f"/workbench/training/guides/{guide.pk}/edit/").status_code == 403
