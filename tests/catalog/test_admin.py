from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from openpyxl import load_workbook

from tests.catalog.factories import (
    DepartmentFactory,
    MaterialFactory,
    MatterFactory,
    RegionFactory,
    TopicFactory,
)
from yishi.catalog.excel import export_catalog
from yishi.catalog.models import Matter, MatterVersion, RegionLevel, StaffProfile
from yishi.catalog.services import matter_publish, matter_to_dict
from yishi.core.roles import Role, grant_roles, role_group

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.cn", "pw")
    client.force_login(user)
    return client


@pytest.fixture
def matter():
    m = MatterFactory(name="个体工商户设立登记", promised_limit_days=5, legal_limit_days=20)
    m.topics.add(TopicFactory(code="business", name="开办企业"))
    MaterialFactory(matter=m, order=1, name="居民身份证")
    MaterialFactory(matter=m, order=2, name="经营场所证明", required=False)
    matter_publish(matter=m)
    return Matter.objects.get(pk=m.pk)


def _change_url(matter: Matter) -> str:
    return reverse("admin:catalog_matter_change", args=[matter.pk])


def _value(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else None
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return str(value)


def _form_data(form) -> dict:
    data = {}
    for name, field in form.fields.items():
        if field.disabled or name.endswith(("blank_form", "sample")):
            continue
        value = _value(form[name].value())
        if value is not None:
            data[form.add_prefix(name)] = value
    return data


def _post_data(response) -> dict:
    """The change form as the browser would submit it untouched: fields, inlines and the
    inline management forms, all from the form's initial data."""
    data = _form_data(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(_form_data(formset.management_form))
        for form in formset.forms:
            data.update(_form_data(form))
    data["_save"] = "保存"
    return data


@pytest.mark.django_db
def test_the_matter_changelist_renders_in_chinese_with_excel_buttons(admin_client, matter):
    response = admin_client.get(reverse("admin:catalog_matter_changelist"))
    html = response.content.decode()
    assert response.status_code == 200
    for text in (
        "政务服务事项",
        "个体工商户设立登记",
        "掌上可办",
        "导出 Excel",
        "导入 Excel",
        "五级同",
    ):
        assert text in html


@pytest.mark.django_db
def test_the_matter_change_page_groups_elements_in_chinese_fieldsets(admin_client, matter):
    response = admin_client.get(_change_url(matter))
    html = response.content.decode()
    assert response.status_code == 200
    for title in (
        "基本信息",
        "设定依据与受理条件",
        "办理时限",
        "收费",
        "办理结果",
        "办理地点与咨询",
        "网办与通办",
        "与上级层级差异(五级同)",
        "申请材料",
        "承诺办结时限(工作日)",
        "未挂接上级层级事项",
    ):
        assert title in html


@pytest.mark.django_db
def test_changing_the_promised_days_in_the_admin_publishes_version_2(admin_client, matter):
    data = _post_data(admin_client.get(_change_url(matter)))
    data["promised_limit_days"] = "3"

    response = admin_client.post(_change_url(matter), data, follow=True)

    assert response.redirect_chain, response.context["adminform"].form.errors
    assert "已发布第 2 版" in response.content.decode()
    matter.refresh_from_db()
    assert (matter.version, matter.promised_limit_days) == (2, 3)
    assert matter.versions.get(number=1).snapshot["promised_limit_days"] == 5
    assert matter.versions.get(number=2).snapshot["promised_limit_days"] == 3


@pytest.mark.django_db
def test_saving_the_admin_form_without_changes_makes_no_version(admin_client, matter):
    before = matter_to_dict(matter)
    data = _post_data(admin_client.get(_change_url(matter)))

    response = admin_client.post(_change_url(matter), data, follow=True)

    assert response.redirect_chain, response.context["adminform"].form.errors
    assert "内容未变化，未生成新版本" in response.content.decode()
    assert matter.versions.count() == 1
    assert matter_to_dict(Matter.objects.get(pk=matter.pk)) == before


@pytest.mark.django_db
def test_a_promised_limit_above_the_legal_limit_is_shown_beside_the_field(admin_client, matter):
    data = _post_data(admin_client.get(_change_url(matter)))
    data["promised_limit_days"] = "30"

    response = admin_client.post(_change_url(matter), data)

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["promised_limit_days"] == ["承诺办结时限不得超过法定办结时限"]
    assert matter.versions.count() == 1


@pytest.mark.django_db
def test_the_five_level_differences_appear_on_the_change_page_and_in_the_filter(
    admin_client, matter
):
    city = RegionFactory(code="420700", name="鄂州市", level=RegionLevel.CITY)
    base = MatterFactory(
        code="QR-CITY",
        name=matter.name,
        basic_code=matter.basic_code,
        level=RegionLevel.CITY,
        region=city,
        department=DepartmentFactory(code="CITY", region=city),
        promised_limit_days=10,
    )
    MaterialFactory(matter=base, order=1, name="居民身份证")
    MaterialFactory(matter=base, order=2, name="经营场所证明", required=False)
    Matter.objects.filter(pk=matter.pk).update(base=base)

    html = admin_client.get(_change_url(matter)).content.decode()
    assert '<table class="five-level-diff">' in html
    assert "<tr><td>承诺办结时限(工作日)</td><td>5</td><td>10</td></tr>" in html
    assert html.count("<tr><td>") == 1

    listing = admin_client.get(reverse("admin:catalog_matter_changelist") + "?five_level=diff")
    assert [m.code for m in listing.context["cl"].result_list] == [matter.code]

    Matter.objects.filter(pk=base.pk).update(promised_limit_days=5)
    assert "与上级层级一致" in admin_client.get(_change_url(matter)).content.decode()


@pytest.mark.django_db
def test_export_downloads_an_xlsx_of_the_current_filter(admin_client, matter):
    MatterFactory(code="QR-OTHER", name="出生医学证明")

    everything = admin_client.get(reverse("admin:catalog_matter_export"))
    filtered = admin_client.get(reverse("admin:catalog_matter_export") + "?q=个体工商户")

    assert everything["Content-Type"] == XLSX
    assert everything["Content-Disposition"].startswith("attachment;")
    rows = list(load_workbook(io.BytesIO(everything.content))["事项"].iter_rows(values_only=True))
    assert sorted(r[0] for r in rows[1:]) == ["QR-OTHER", matter.code]
    rows = list(load_workbook(io.BytesIO(filtered.content))["事项"].iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [matter.code]


@pytest.mark.django_db
def test_importing_a_bad_file_shows_the_chinese_error_and_writes_nothing(admin_client, matter):
    wb = load_workbook(io.BytesIO(export_catalog()))
    ws = wb["事项"]
    header = [c.value for c in ws[1]]
    ws.cell(row=2, column=header.index("承诺办结时限(工作日)") + 1).value = 99
    ws.cell(row=2, column=header.index("事项名称") + 1).value = "不应写入的名字"
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    buffer.name = "catalog.xlsx"
    before = matter_to_dict(matter)

    response = admin_client.post(reverse("admin:catalog_matter_import"), {"file": buffer})

    html = response.content.decode()
    assert response.status_code == 200
    assert "工作表「事项」第 2 行「承诺办结时限(工作日)」：承诺办结时限不得超过法定办结时限" in html
    assert "未写入任何数据" in html
    assert matter_to_dict(Matter.objects.get(pk=matter.pk)) == before
    assert MatterVersion.objects.count() == 1


@pytest.mark.django_db
def test_importing_a_good_file_reports_the_counts(admin_client, matter):
    buffer = io.BytesIO(export_catalog())
    buffer.name = "catalog.xlsx"

    response = admin_client.post(reverse("admin:catalog_matter_import"), {"file": buffer})

    assert "导入完成：新增 0 项，更新 0 项，未变化 1 项" in response.content.decode()


@pytest.mark.django_db
def test_window_staff_with_view_permission_can_view_but_not_change_matters(
    client, django_user_model, matter
):
    user = django_user_model.objects.create_user("window1", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_matter"))
    StaffProfile.objects.create(user=user, department=matter.department)
    grant_roles(user, Role.WINDOW)
    client.force_login(user)
    before = matter_to_dict(matter)

    assert client.get(reverse("admin:catalog_matter_changelist")).status_code == 200
    page = client.get(_change_url(matter))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert (
        "导入 Excel" not in client.get(reverse("admin:catalog_matter_changelist")).content.decode()
    )

    post = client.post(_change_url(matter), {"name": "被窗口人员改名", "_save": "保存"})
    assert post.status_code == 403
    assert client.get(reverse("admin:catalog_matter_import")).status_code == 403
    assert client.get(reverse("admin:catalog_matter_add")).status_code == 403
    assert matter_to_dict(Matter.objects.get(pk=matter.pk)) == before
    assert MatterVersion.objects.count() == 1


@pytest.mark.django_db
def test_staff_accounts_show_role_department_and_outlet(admin_client, django_user_model, matter):
    centre = DepartmentFactory(code="CENTRE", name="梁子湖区政务服务中心", kind="centre")
    user = django_user_model.objects.create_user("reviewer1", password="pw", is_staff=True)
    StaffProfile.objects.create(user=user, department=matter.department, service_centre=centre)
    grant_roles(user, Role.REVIEWER)

    user_page = admin_client.get(reverse("admin:auth_user_change", args=[user.pk]))
    assert user_page.status_code == 200
    assert "工作人员" in user_page.content.decode()
    assert "所在政务服务中心" in user_page.content.decode()

    listing = admin_client.get(
        reverse("admin:catalog_staffprofile_changelist")
        + f"?user__groups__id__exact={role_group(Role.REVIEWER).pk}"
    )
    assert listing.status_code == 200
    assert [p.user.username for p in listing.context["cl"].result_list] == ["reviewer1"]
    users = admin_client.get(reverse("admin:auth_user_changelist")).content.decode()
    assert "审批人员" in users


@pytest.mark.django_db
def test_a_version_is_read_only_with_its_snapshot_pretty_printed(admin_client, matter):
    version = matter.versions.get()
    page = admin_client.get(reverse("admin:catalog_matterversion_change", args=[version.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "&quot;promised_limit_days&quot;: 5," in html
    assert 'name="_save"' not in html


@pytest.mark.django_db
def test_adding_a_matter_in_the_admin_publishes_version_1(admin_client, matter):
    data = {
        k: v
        for k, v in _post_data(admin_client.get(_change_url(matter))).items()
        if not k.startswith("materials-")
    }
    data.update(
        {
            "code": "QR-ADDED",
            "name": "新增的事项",
            "materials-TOTAL_FORMS": "1",
            "materials-INITIAL_FORMS": "0",
            "materials-MIN_NUM_FORMS": "0",
            "materials-MAX_NUM_FORMS": "1000",
            "materials-0-order": "1",
            "materials-0-name": "申请书",
            "materials-0-required": "on",
            "materials-0-form": "original",
            "materials-0-copies": "1",
            "materials-0-spec": "A4",
            "materials-0-source": "applicant",
        }
    )

    response = admin_client.post(reverse("admin:catalog_matter_add"), data, follow=True)

    assert response.redirect_chain, response.context["adminform"].form.errors
    assert "已发布第 1 版" in response.content.decode()
    added = Matter.objects.get(code="QR-ADDED")
    assert (added.status, added.version) == (Matter.Status.PUBLISHED, 1)
    snapshot = added.versions.get().snapshot
    assert [m["name"] for m in snapshot["materials"]] == ["申请书"]
    assert snapshot["topics"] == ["business"]


@pytest.mark.django_db
def test_a_duplicate_material_name_in_the_inline_is_refused(admin_client, matter):
    data = _post_data(admin_client.get(_change_url(matter)))
    data["materials-1-name"] = "居民身份证"

    response = admin_client.post(_change_url(matter), data)

    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert formset.forms[1].errors["name"] == ["申请材料「居民身份证」重复"]
    assert matter.versions.count() == 1


@pytest.mark.django_db
def test_browser_line_breaks_in_a_textarea_do_not_make_a_new_version(admin_client, matter):
    Matter.objects.filter(pk=matter.pk).update(conditions="年满十八周岁\n具有完全民事行为能力")
    matter_publish(matter=matter)
    data = _post_data(admin_client.get(_change_url(matter)))
    data["conditions"] = "年满十八周岁\r\n具有完全民事行为能力"  # as browsers submit it
    data["materials-0-note"] = "第一行\r\n第二行"

    admin_client.post(_change_url(matter), data)
    response = admin_client.post(_change_url(matter), data, follow=True)

    assert "内容未变化，未生成新版本" in response.content.decode()
    assert matter.versions.count() == 3  # v3 for the note, nothing for the repeat
    matter.refresh_from_db()
    assert matter.conditions == "年满十八周岁\n具有完全民事行为能力"
    assert matter.materials.first().note == "第一行\n第二行"
