"""The themes back-office: Chinese pages, the dependency chain panel, and a save that refuses
a dependency cycle or a condition on a question the theme does not ask."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.catalog.factories import DepartmentFactory, MatterFactory
from yishi.core.models import AuditEntry
from yishi.themes.models import Theme, ThemeFormField, ThemeMatter
from yishi.themes.services import theme_to_dict, theme_upsert

A, B, C = "QR91001000-420702-T", "QR91002000-420702-T", "QR91003000-420702-T"
OTHER = "QR91004000-420702-T"


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.cn", "pw")
    client.force_login(user)
    return client


@pytest.fixture
def theme() -> Theme:
    DepartmentFactory(code="LZH-WJ", name="梁子湖区卫生健康局")
    MatterFactory(code=A, name="出生证明", promised_limit_days=0, instant=True)
    MatterFactory(code=B, name="户口登记", promised_limit_days=3)
    MatterFactory(code=C, name="医保参保", promised_limit_days=2)
    MatterFactory(code=OTHER, name="别的事项")
    for code, matters in (("newborn", [A, B, C]), ("other", [A, OTHER])):
        theme_upsert(
            {
                "code": code,
                "name": "新生儿出生" if code == "newborn" else "另一个主题",
                "audience": "person",
                "category": "upgrade",
                "lead_department": "LZH-WJ",
                "summary": "新生儿出生相关事项一次办。",
                "conditions": "在本区出生的新生儿。",
                "keywords": "",
                "promised_days": None,
                "order": 1,
                "status": "published",
                "questions": [
                    {
                        "code": "need_mi",
                        "text": "是否参加城乡居民医保？",
                        "help_text": "",
                        "kind": "yes_no",
                        "choices": [],
                        "default": "yes",
                    }
                ],
                "items": [
                    {
                        "matter": m,
                        "condition": {},
                        "depends_on": [matters[i - 1]] if i else [],
                        "note": "",
                    }
                    for i, m in enumerate(matters)
                ],
                "fields": [
                    {
                        "key": "baby_name",
                        "label": "新生儿姓名",
                        "kind": "text",
                        "required": True,
                        "choices": [],
                        "prefill": "",
                        "help_text": "",
                        "condition": {},
                        "mappings": [{"matter": m, "target": "姓名"} for m in matters],
                    }
                ],
            }
        )
    return Theme.objects.get(code="newborn")


def _change_url(theme: Theme) -> str:
    return reverse("admin:themes_theme_change", args=[theme.pk])


def _form_data(form) -> dict:
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form[name].value()  # JSON fields come back already as JSON text
        if value is None:
            value = ""
        if isinstance(value, bool):
            if not value:
                continue
            value = "on"
        elif isinstance(value, list | tuple):
            value = [str(getattr(v, "pk", v)) for v in value]
        else:
            value = str(value)
        data[form.add_prefix(name)] = value
    return data


def _post_data(response) -> dict:
    """The change form as a browser submits it untouched, inlines and management forms."""
    data = _form_data(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(_form_data(formset.management_form))
        for form in formset.forms:
            data.update(_form_data(form))
    data["_save"] = "保存"
    return data


def _item_row(data: dict, theme: Theme, code: str) -> str:
    pk = str(ThemeMatter.objects.get(theme=theme, matter__code=code).pk)
    return next(
        k[: -len("-id")]
        for k, v in data.items()
        if k.startswith("items-") and k.endswith("-id") and v == pk
    )


@pytest.mark.django_db
def test_the_theme_changelist_shows_the_themes_with_their_matter_counts_in_chinese(
    admin_client, theme
):
    response = admin_client.get(reverse("admin:themes_theme_changelist"))

    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "一件事主题",
        "主题编码",
        "主题名称",
        "服务对象",
        "推进类型",
        "牵头部门",
        "事项数",
    ):
        assert text in html
    assert "新生儿出生" in html
    assert "梁子湖区卫生健康局" in html
    rows = {row.code: row for row in response.context["cl"].result_list}
    assert (rows["newborn"]._matter_count, rows["other"]._matter_count) == (3, 2)


@pytest.mark.django_db
def test_the_theme_change_page_shows_inlines_and_the_dependency_chain(admin_client, theme):
    response = admin_client.get(_change_url(theme))

    assert response.status_code == 200
    html = response.content.decode()
    for text in ("情形引导问题", "主题事项", "一表申请字段", "前置事项", "办理顺序（依赖链）"):
        assert text in html
    assert "第 1 步：出生证明" in html
    assert "第 2 步：户口登记；前置：出生证明" in html
    assert "第 3 步：医保参保；前置：户口登记" in html
    assert "节省测算" in html
    assert "<td>办理时限（工作日）</td><td>5</td><td>5</td><td>0（0%）</td>" in html
    # Prerequisites offered are the matters of this theme only.
    items = response.context["inline_admin_formsets"][1].formset
    offered = {label for _, label in items.forms[0].fields["depends_on"].choices}
    assert offered == {"出生证明", "户口登记", "医保参保"}


@pytest.mark.django_db
def test_saving_the_page_untouched_keeps_the_theme_and_audits_nothing(admin_client, theme):
    before = theme_to_dict(theme)
    audit = AuditEntry.objects.count()
    data = _post_data(admin_client.get(_change_url(theme)))

    response = admin_client.post(_change_url(theme), data, follow=True)

    assert response.redirect_chain, response.context["errors"]
    assert theme_to_dict(Theme.objects.get(pk=theme.pk)) == before
    assert AuditEntry.objects.count() == audit


@pytest.mark.django_db
def test_a_dependency_cycle_made_in_the_admin_is_refused_and_nothing_changes(admin_client, theme):
    before = theme_to_dict(theme)
    audit = AuditEntry.objects.count()
    data = _post_data(admin_client.get(_change_url(theme)))
    first = _item_row(data, theme, A)
    data[f"{first}-depends_on"] = [str(ThemeMatter.objects.get(theme=theme, matter__code=C).pk)]
    data["name"] = "新生儿出生（改）"

    response = admin_client.post(_change_url(theme), data)

    assert response.status_code == 200
    assert "前置事项存在循环依赖：出生证明 → 户口登记 → 医保参保 → 出生证明" in (
        response.content.decode()
    )
    assert theme_to_dict(Theme.objects.get(pk=theme.pk)) == before
    assert AuditEntry.objects.count() == audit


@pytest.mark.django_db
def test_a_condition_on_an_unknown_question_is_shown_beside_the_matter(admin_client, theme):
    before = theme_to_dict(theme)
    data = _post_data(admin_client.get(_change_url(theme)))
    row = _item_row(data, theme, C)
    data[f"{row}-condition"] = '{"all": [{"q": "nope", "in": ["yes"]}]}'

    response = admin_client.post(_change_url(theme), data)

    assert response.status_code == 200
    assert "事项「医保参保」的适用情形引用了不存在的问题 nope" in response.content.decode()
    assert theme_to_dict(Theme.objects.get(pk=theme.pk)) == before


@pytest.mark.django_db
def test_a_condition_on_a_question_added_on_the_same_page_is_accepted(admin_client, theme):
    data = _post_data(admin_client.get(_change_url(theme)))
    data.update(
        {
            "questions-TOTAL_FORMS": "2",
            "questions-1-order": "2",
            "questions-1-code": "need_card",
            "questions-1-text": "是否办理社保卡？",
            "questions-1-kind": "yes_no",
            "questions-1-choices": "[]",
            "questions-1-default": "yes",
            "questions-1-help_text": "",
            "questions-1-theme": str(theme.pk),
        }
    )
    row = _item_row(data, theme, C)
    data[f"{row}-condition"] = '{"all": [{"q": "need_card", "in": ["no"]}]}'

    response = admin_client.post(_change_url(theme), data, follow=True)

    assert response.redirect_chain, response.context["errors"]
    saved = theme_to_dict(Theme.objects.get(pk=theme.pk))
    assert saved["items"][2]["condition"] == {"all": [{"q": "need_card", "in": ["no"]}]}
    assert AuditEntry.objects.filter(action="theme.publish", object_id="newborn").count() == 2


@pytest.mark.django_db
def test_the_form_field_page_maps_only_onto_matters_of_its_theme(admin_client, theme):
    field = ThemeFormField.objects.get(theme=theme, key="baby_name")

    response = admin_client.get(reverse("admin:themes_themeformfield_change", args=[field.pk]))

    assert response.status_code == 200
    assert "字段映射" in response.content.decode()
    mappings = response.context["inline_admin_formsets"][0].formset
    offered = {label for value, label in mappings.forms[0].fields["item"].choices if value}
    assert offered == {f"出生证明（{A}）", f"户口登记（{B}）", f"医保参保（{C}）"}
