"""告知承诺/容缺受理 and 审管衔接 flags in the catalog: the rules that keep them lawful, their
place in the published versions, the admin, the Excel round trip, the demo set and the
commitment text an applicant signs."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.catalog.factories import DepartmentFactory, MaterialFactory, MatterFactory
from yishi.catalog.commitments import (
    commitment_matters,
    default_commitment_text,
    render_commitment_text,
)
from yishi.catalog.demo.loader import (
    DEMO_DIR,
    DemoResult,
    load_departments,
    load_matters,
    load_regions,
    load_topics,
    read_json,
    read_matters,
)
from yishi.catalog.excel import export_catalog, import_catalog
from yishi.catalog.models import Material, Matter, MatterVersion
from yishi.catalog.services import matter_publish, matter_to_dict, matter_upsert
from yishi.core.errors import ValidationFailed


def _matter_dict(**changes) -> dict:
    """A complete, valid matter dict with two materials, as `matter_upsert` reads it."""
    source = MatterFactory()
    MaterialFactory(matter=source, order=1, name="食品经营许可申请书", kind="application_form")
    MaterialFactory(matter=source, order=2, name="住所（经营场所）使用证明", kind="premises_proof")
    data = matter_to_dict(source)
    data["code"] = f"{data['code']}-NEW"
    data.update(changes)
    return data


def _flag(data: dict, index: int = 1, **flags) -> dict:
    data["materials"][index].update(flags)
    return data


def _flagged_matter(**kwargs) -> Matter:
    matter = MatterFactory(**kwargs)
    MaterialFactory(matter=matter, name="住所证明", by_commitment=True)
    return matter


# --- exclusion ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("flag", ["deferrable", "by_commitment"])
def test_a_matter_in_an_excluded_field_cannot_flag_a_material(flag):
    data = _flag(_matter_dict(commitment_exclusion="environment"), **{flag: True})
    before = Matter.objects.count()

    with pytest.raises(ValidationFailed) as caught:
        matter_upsert(data)

    assert caught.value.field == "commitment_exclusion"
    assert caught.value.message == (
        "该事项属于生态环境保护领域，依法不适用告知承诺/容缺受理，"
        "材料「住所（经营场所）使用证明」不能标记为容缺后补或可告知承诺替代"
    )
    assert Matter.objects.count() == before


@pytest.mark.django_db
def test_an_excluded_matter_without_flags_is_saved_with_its_exclusion():
    matter, changed = matter_upsert(_matter_dict(commitment_exclusion="public_safety"))

    assert changed
    assert matter.commitment_exclusion == "public_safety"
    assert matter.commitment_enabled is False
    assert matter.versions.get().snapshot["commitment_exclusion"] == "public_safety"


@pytest.mark.django_db
def test_the_material_model_clean_refuses_a_flag_under_an_excluded_matter():
    matter = MatterFactory(commitment_exclusion="state_secret")
    material = Material(matter=matter, name="保密资格证明", deferrable=True)

    with pytest.raises(ValidationError) as caught:
        material.full_clean()

    assert caught.value.message_dict["deferrable"] == [
        "该事项属于国家秘密领域，依法不适用告知承诺/容缺受理"
    ]


# --- list limit -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_flagging_one_matter_more_than_the_list_limit_is_refused(settings):
    settings.YISHI_COMMITMENT_LIST_LIMIT = 2
    _flagged_matter()
    _flagged_matter()
    data = _flag(_matter_dict(), deferrable=True)

    with pytest.raises(ValidationFailed) as caught:
        matter_upsert(data)

    assert caught.value.field == "materials.1.deferrable"
    assert "可承诺办事项已达上限 2 项（当前 2 项）" in caught.value.message
    assert not Matter.objects.filter(code=data["code"]).exists()
    assert commitment_matters().count() == 2


@pytest.mark.django_db
def test_a_matter_already_on_the_full_list_stays_editable_and_unflagged_ones_are_free(settings):
    settings.YISHI_COMMITMENT_LIST_LIMIT = 1
    listed, _ = matter_upsert(_flag(_matter_dict(), by_commitment=True))
    data = matter_to_dict(listed)
    data["name"] = "改名后仍在清单中的事项"

    matter, changed = matter_upsert(data)
    plain, plain_changed = matter_upsert(_matter_dict())

    assert (changed, matter.version, matter.commitment_enabled) == (True, 2, True)
    assert (plain_changed, plain.commitment_enabled) == (True, False)
    assert list(commitment_matters()) == [matter]


@pytest.mark.django_db
def test_the_default_list_limit_is_hubeis_200_items():
    from yishi.catalog.commitments import commitment_list_limit

    assert commitment_list_limit() == 200


# --- deadlines and supervision ---------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("days", "ok"), [(0, False), (1, True), (60, True), (61, False)])
def test_material_defer_days_must_be_1_to_60_working_days(days, ok):
    data = _flag(_matter_dict(), deferrable=True, defer_days=days)
    if ok:
        matter, _ = matter_upsert(data)
        assert matter.materials.get(order=2).effective_defer_days == days
        return
    with pytest.raises(ValidationFailed) as caught:
        matter_upsert(data)
    assert caught.value.field == "materials.1.defer_days"
    assert caught.value.message == (
        f"第 2 项申请材料：「容缺补交期限(工作日)」应在 1 至 60 个工作日之间，收到 {days}"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("days", [0, 61])
def test_the_matters_default_defer_days_must_be_1_to_60_working_days(days):
    with pytest.raises(ValidationFailed) as caught:
        matter_upsert(_matter_dict(commitment_defer_days=days))

    assert caught.value.field == "commitment_defer_days"
    assert "应在 1 至 60 个工作日之间" in caught.value.message


@pytest.mark.django_db
def test_a_material_without_its_own_deadline_uses_the_matters_default():
    data = _flag(_matter_dict(commitment_defer_days=15), deferrable=True)

    matter, _ = matter_upsert(data)

    material = matter.materials.get(order=2)
    assert (material.defer_days, material.effective_defer_days) == (None, 15)
    assert Matter().commitment_defer_days == 10


@pytest.mark.django_db
def test_a_supervising_department_needs_the_matter_to_be_supervised():
    other = DepartmentFactory(code="SUP-1", name="梁子湖区城市管理执法局")

    with pytest.raises(ValidationFailed) as caught:
        matter_upsert(_matter_dict(supervising_department=other.code))
    matter, _ = matter_upsert(_matter_dict(supervised=True, supervising_department=other.code))
    own, _ = matter_upsert(_matter_dict(supervised=True, code="QR77777000-420702-OWN"))

    assert caught.value.field == "supervising_department"
    assert (matter.supervised, matter.supervisor) == (True, other)
    assert own.supervisor == own.department
    assert list(other.supervised_matters.all()) == [matter]


@pytest.mark.django_db
def test_an_unknown_supervising_department_is_named():
    with pytest.raises(ValidationFailed) as caught:
        matter_upsert(_matter_dict(supervised=True, supervising_department="NO-SUCH"))

    assert (caught.value.field, caught.value.message) == (
        "supervising_department",
        "监管部门编码 NO-SUCH 不存在",
    )


# --- versions -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_changing_a_commitment_or_supervision_flag_publishes_a_new_version():
    data = _matter_dict()
    matter, _ = matter_upsert(data)

    _flag(data, by_commitment=True)
    matter, by_commitment_changed = matter_upsert(data)
    data["supervised"] = True
    matter, supervised_changed = matter_upsert(data)
    matter, unchanged = matter_upsert(data)

    assert (by_commitment_changed, supervised_changed, unchanged) == (True, True, False)
    assert matter.version == 3
    snapshots = {v.number: v.snapshot for v in matter.versions.all()}
    assert [snapshots[n]["materials"][1]["by_commitment"] for n in (1, 2, 3)] == [
        False,
        True,
        True,
    ]
    assert [snapshots[n]["supervised"] for n in (1, 2, 3)] == [False, False, True]
    assert snapshots[3]["materials"][1]["defer_days"] is None


@pytest.mark.django_db
def test_a_dict_without_the_commitment_elements_keeps_the_stored_ones():
    data = _flag(_matter_dict(supervised=True, commitment_defer_days=20), defer_days=7)
    _flag(data, by_commitment=True)
    matter_upsert(data)
    older = {
        k: v
        for k, v in data.items()
        if k not in {"supervised", "commitment_defer_days", "supervising_department"}
    }
    older["materials"] = [
        {k: v for k, v in m.items() if k not in {"by_commitment", "defer_days"}}
        for m in data["materials"]
    ]

    matter, changed = matter_upsert(older)

    assert changed is False
    assert (matter.supervised, matter.commitment_defer_days) == (True, 20)
    assert matter.materials.get(order=2).by_commitment is True


@pytest.mark.django_db
def test_an_admin_style_publish_after_a_flag_change_snapshots_the_flags():
    matter = MatterFactory()
    material = MaterialFactory(matter=matter, name="思想品德鉴定表")
    matter_publish(matter=matter)
    Material.objects.filter(pk=material.pk).update(by_commitment=True, defer_days=None)
    Matter.objects.filter(pk=matter.pk).update(supervision_days=30)

    version = matter_publish(matter=Matter.objects.get(pk=matter.pk))

    assert version.number == 2
    assert version.snapshot["supervision_days"] == 30
    assert version.snapshot["materials"][0]["by_commitment"] is True


@pytest.mark.django_db
def test_the_flagged_materials_are_read_from_the_matter_and_from_a_published_version():
    from yishi.catalog.commitments import commitment_materials, snapshot_commitment_items

    data = _flag(_matter_dict(commitment_defer_days=12), deferrable=True)
    _flag(data, index=0, by_commitment=True, defer_days=3)
    matter, _ = matter_upsert(data)

    items = snapshot_commitment_items(matter.versions.get().snapshot)

    assert [m.name for m in commitment_materials(matter)] == [
        "食品经营许可申请书",
        "住所（经营场所）使用证明",
    ]
    assert [(i["name"], i["deferrable"], i["by_commitment"], i["defer_days"]) for i in items] == [
        ("食品经营许可申请书", False, True, 3),
        ("住所（经营场所）使用证明", True, False, 12),
    ]
    assert snapshot_commitment_items({"materials": [{"name": "旧版本", "deferrable": True}]}) == [
        {"name": "旧版本", "kind": "", "deferrable": True, "by_commitment": False, "defer_days": 10}
    ]


# --- the commitment text --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_commitment_text_is_deterministic_and_names_items_due_date_and_liability():
    matter = MatterFactory(name="道路货物运输经营许可（除危险货物外）")
    items = ["拟投入运输车辆的机动车行驶证", "车辆技术等级评定证明"]
    due = datetime.date(2026, 12, 14)

    first = render_commitment_text(matter, applicant="鄂州某物流有限公司", items=items, due=due)
    second = render_commitment_text(matter, applicant="鄂州某物流有限公司", items=items, due=due)

    assert first == second
    assert first.startswith("道路货物运输经营许可（除危险货物外）告知承诺书\n")
    assert "1. 拟投入运输车辆的机动车行驶证\n2. 车辆技术等级评定证明" in first
    assert "补交期限：2026年12月14日前（含当日）。" in first
    assert f"实施机关：{matter.department.name}" in first
    for duty in ("终止办理", "责令限期整改", "撤销行政决定", "行政处罚", "信用记录"):
        assert duty in first
    assert "承诺人（签章）：鄂州某物流有限公司" in first
    assert "{" not in first


@pytest.mark.django_db
def test_a_commitment_without_later_supply_says_so_and_the_matter_template_wins():
    matter = MatterFactory(
        name="教师资格认定", commitment_text="{applicant}承诺：{items}；期限：{due}。"
    )

    text = render_commitment_text(matter, applicant="张三", items=["思想品德鉴定"], due=None)

    assert text == "张三承诺：1. 思想品德鉴定；期限：无需补交（以本承诺替代相关证明材料）。"
    assert "{applicant}" in default_commitment_text(matter)


@pytest.mark.django_db
@pytest.mark.parametrize("template", ["{applicant}{unknown}", "未闭合 {applicant"])
def test_a_template_with_unknown_or_broken_placeholders_is_refused(template):
    with pytest.raises(ValidationFailed) as caught:
        matter_upsert(_matter_dict(commitment_text=template))

    assert caught.value.field == "commitment_text"
    assert "{applicant}、{matter}、{items}、{due}、{department}" in caught.value.message


# --- admin ----------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.cn", "pw")
    client.force_login(user)
    return client


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
    data = _form_data(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(_form_data(formset.management_form))
        for form in formset.forms:
            data.update(_form_data(form))
    data["_save"] = "保存"
    return data


@pytest.fixture
def published():
    matter = MatterFactory(name="个体工商户设立登记")
    MaterialFactory(matter=matter, order=1, name="经营者身份证件")
    MaterialFactory(matter=matter, order=2, name="住所（经营场所）使用证明")
    matter_publish(matter=matter)
    return Matter.objects.get(pk=matter.pk)


def _change_url(matter: Matter) -> str:
    return reverse("admin:catalog_matter_change", args=[matter.pk])


@pytest.mark.django_db
def test_the_admin_shows_the_exclusion_error_beside_the_flag_and_saves_nothing(
    admin_client, published
):
    data = _post_data(admin_client.get(_change_url(published)))
    data["commitment_exclusion"] = "financial"
    data["materials-1-by_commitment"] = "on"

    response = admin_client.post(_change_url(published), data)

    assert response.status_code == 200
    inline = response.context["inline_admin_formsets"][0].formset
    assert inline.forms[1].errors["by_commitment"] == [
        "该事项属于金融业审慎监管领域，依法不适用告知承诺/容缺受理"
    ]
    assert "依法不适用告知承诺/容缺受理" in response.content.decode()
    published.refresh_from_db()
    assert (published.commitment_exclusion, published.version) == ("", 1)
    assert not Material.objects.filter(matter=published, by_commitment=True).exists()


@pytest.mark.django_db
def test_the_admin_refuses_defer_days_out_of_range_beside_the_field(admin_client, published):
    data = _post_data(admin_client.get(_change_url(published)))
    data["commitment_defer_days"] = "0"
    data["materials-0-deferrable"] = "on"
    data["materials-0-defer_days"] = "90"

    response = admin_client.post(_change_url(published), data)

    assert response.status_code == 200
    form = response.context["adminform"].form
    inline = response.context["inline_admin_formsets"][0].formset
    assert form.errors["commitment_defer_days"] == [
        "「容缺材料默认补交期限(工作日)」应在 1 至 60 个工作日之间，收到 0"
    ]
    assert inline.forms[0].errors["defer_days"] == [
        "「容缺补交期限(工作日)」应在 1 至 60 个工作日之间，收到 90"
    ]
    assert MatterVersion.objects.filter(matter=published).count() == 1


@pytest.mark.django_db
def test_the_admin_refuses_flagging_past_the_list_limit(admin_client, published, settings):
    settings.YISHI_COMMITMENT_LIST_LIMIT = 1
    _flagged_matter()
    data = _post_data(admin_client.get(_change_url(published)))
    data["materials-1-deferrable"] = "on"

    response = admin_client.post(_change_url(published), data)

    assert response.status_code == 200
    inline = response.context["inline_admin_formsets"][0].formset
    assert "可承诺办事项已达上限 1 项" in inline.forms[1].errors["deferrable"][0]
    assert not published.commitment_enabled


@pytest.mark.django_db
def test_flagging_in_the_admin_publishes_a_version_and_the_list_filter_finds_it(
    admin_client, published
):
    supervisor = DepartmentFactory(code="LZH-SCJG", name="梁子湖区市场监督管理局")
    data = _post_data(admin_client.get(_change_url(published)))
    data["materials-1-by_commitment"] = "on"
    data["supervised"] = "on"
    data["supervising_department"] = str(supervisor.pk)

    response = admin_client.post(_change_url(published), data, follow=True)

    assert response.redirect_chain, response.context["adminform"].form.errors
    assert "已发布第 2 版" in response.content.decode()
    snapshot = published.versions.get(number=2).snapshot
    assert snapshot["materials"][1]["by_commitment"] is True
    assert (snapshot["supervised"], snapshot["supervising_department"]) == (True, "LZH-SCJG")
    MatterFactory(name="不可承诺办的事项")
    listed = admin_client.get(reverse("admin:catalog_matter_changelist") + "?commitment=yes")
    names = [m.name for m in listed.context["cl"].result_list]
    assert names == ["个体工商户设立登记"]


@pytest.mark.django_db
def test_the_change_page_groups_the_flags_in_their_own_fieldsets(admin_client, published):
    html = admin_client.get(_change_url(published)).content.decode()

    for text in ("告知承诺与容缺受理", "审管衔接", "可告知承诺替代", "容缺补交期限(工作日)"):
        assert text in html


# --- Excel ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_flags_survive_the_excel_round_trip():
    supervisor = DepartmentFactory(code="LZH-CG", name="梁子湖区城市管理执法局")
    data = _flag(
        _matter_dict(
            supervised=True,
            supervising_department=supervisor.code,
            supervision_days=30,
            commitment_defer_days=15,
            commitment_text="{applicant}承诺{items}于{due}补齐",
        ),
        deferrable=True,
        defer_days=5,
    )
    _flag(data, index=0, by_commitment=True)
    excluded = _matter_dict(code="XK88888000-420702-EX", commitment_exclusion="environment")
    matter_upsert(data)
    matter_upsert(excluded)
    before = {m.code: matter_to_dict(m) for m in Matter.objects.filter(version__gt=0)}
    workbook = export_catalog(Matter.objects.filter(version__gt=0))
    Matter.objects.filter(version__gt=0).delete()

    report = import_catalog(workbook)

    assert report.errors == []
    after = {m.code: matter_to_dict(m) for m in Matter.objects.filter(code__in=before)}
    assert after == before
    assert after[data["code"]]["materials"][0]["by_commitment"] is True


# --- demo data ------------------------------------------------------------------------------


def test_the_demo_table_names_only_matters_and_materials_that_exist():
    table = read_json("commitments.json")["matters"]
    matters = {m["code"]: m for m in read_matters()}

    assert (DEMO_DIR / "commitments.json").exists()
    for row in table:
        assert matters[row["code"]]["name"] == row["name"]
    enabled = [
        m
        for m in matters.values()
        if any(x["deferrable"] or x["by_commitment"] for x in m["materials"])
    ]
    assert all(not m["commitment_exclusion"] for m in enabled)


@pytest.mark.django_db
def test_the_demo_catalog_flags_at_least_20_commitment_and_10_supervised_matters():
    load_regions(read_json("regions.json")["regions"])
    load_departments(read_json("departments.json")["departments"])
    load_topics(read_json("topics.json")["topics"])
    load_matters(read_matters(), DemoResult())
    versions = MatterVersion.objects.count()

    again = DemoResult()
    load_matters(read_matters(), again)

    names = set(commitment_matters().values_list("name", flat=True))
    assert len(names) >= 20
    assert {
        "道路货物运输经营许可（除危险货物外）",
        "食品经营许可（新办）",
        "企业设立登记（有限责任公司）",
        "个体工商户设立登记",
        "居住证申领",
    } <= names
    supervised = Matter.objects.filter(supervised=True)
    assert supervised.count() >= 10
    assert not supervised.filter(supervising_department__isnull=True).exists()
    excluded = set(Matter.objects.exclude(commitment_exclusion="").values_list("name", flat=True))
    assert {"排污许可", "建设工程消防验收", "特种设备使用登记"} <= excluded
    assert not (excluded & names)
    freight = Matter.objects.get(name="道路货物运输经营许可（除危险货物外）")
    vehicle = freight.materials.get(kind="vehicle_licence")
    assert (vehicle.deferrable, vehicle.effective_defer_days) == (True, 60)
    assert freight.supervisor.code == "LZH-JT"
    assert (again.unchanged, MatterVersion.objects.count()) == (again.matters, versions)


def test_a_demo_table_row_for_an_unknown_material_is_an_error():
    from yishi.catalog.demo.loader import apply_commitments

    matters = [{"code": "X-1", "name": "某事项", "materials": [{"kind": "id_card"}]}]

    with pytest.raises(ValidationFailed) as caught:
        apply_commitments(matters, [{"code": "X-1", "name": "某事项", "deferrable": ["nope"]}])

    assert "没有材料标识 nope" in caught.value.message
