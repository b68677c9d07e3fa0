"""theme_upsert: a theme as a dict, validated completely with Chinese messages naming the field,
written in one transaction, idempotent."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.catalog.factories import DepartmentFactory, MatterFactory
from yishi.core.errors import ValidationFailed
from yishi.core.models import AuditEntry
from yishi.themes.models import FieldMapping, Theme, ThemeMatter
from yishi.themes.services import dependency_cycle, theme_to_dict, theme_upsert

A, B, C, D = (
    "QR90001000-420702-T",
    "QR90002000-420702-T",
    "QR90003000-420702-T",
    "QR90004000-420702-T",
)


@pytest.fixture
def matters():
    DepartmentFactory(code="LZH-WJ", name="梁子湖区卫生健康局")
    return {
        A: MatterFactory(code=A, name="出生证明"),
        B: MatterFactory(code=B, name="户口登记"),
        C: MatterFactory(code=C, name="医保参保"),
        D: MatterFactory(code=D, name="草稿事项", draft=True),
    }


def _theme(**changes) -> dict:
    data = {
        "code": "newborn",
        "name": "新生儿出生",
        "audience": "person",
        "category": "upgrade",
        "lead_department": "LZH-WJ",
        "summary": "新生儿出生相关事项一次办。",
        "conditions": "在本区出生的新生儿。",
        "keywords": "新生儿 出生",
        "promised_days": None,
        "order": 9,
        "status": "published",
        "questions": [
            {
                "code": "need_mi",
                "text": "是否参加城乡居民医保？",
                "help_text": "",
                "kind": "yes_no",
                "choices": [],
                "default": "yes",
            },
            {
                "code": "follow",
                "text": "随谁落户？",
                "help_text": "",
                "kind": "choice",
                "choices": [
                    {"value": "father", "label": "随父"},
                    {"value": "mother", "label": "随母"},
                ],
                "default": "",
            },
        ],
        "items": [
            {"matter": A, "condition": {}, "depends_on": [], "note": ""},
            {"matter": B, "condition": {}, "depends_on": [A], "note": "凭出生证明办理"},
            {
                "matter": C,
                "condition": {"all": [{"q": "need_mi", "in": ["yes"]}]},
                "depends_on": [B],
                "note": "",
            },
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
                "mappings": [
                    {"matter": A, "target": "新生儿姓名"},
                    {"matter": B, "target": "申报人姓名"},
                ],
            },
            {
                "key": "mother_id",
                "label": "母亲身份证号",
                "kind": "id_number",
                "required": True,
                "choices": [],
                "prefill": "person.id_number",
                "help_text": "",
                "condition": {"all": [{"q": "follow", "in": ["mother"]}]},
                "mappings": [{"matter": B, "target": "母亲公民身份号码"}],
            },
        ],
    }
    data.update(changes)
    return data


def _rejects(data: dict, message: str, field: str) -> None:
    themes, audit = Theme.objects.count(), AuditEntry.objects.count()
    before = {t.code: theme_to_dict(t) for t in Theme.objects.all()}
    with pytest.raises(ValidationFailed) as caught:
        theme_upsert(data)
    assert (caught.value.message, caught.value.field) == (message, field)
    assert Theme.objects.count() == themes
    assert AuditEntry.objects.count() == audit
    assert {t.code: theme_to_dict(t) for t in Theme.objects.all()} == before


@pytest.mark.django_db
def test_a_theme_is_created_with_items_in_list_order_and_reads_back_as_the_same_dict(matters):
    theme, changed = theme_upsert(_theme(), actor="张三")

    assert changed is True
    assert theme_to_dict(theme) == _theme()
    assert list(theme.items.values_list("matter__code", "order")) == [(A, 1), (B, 2), (C, 3)]
    assert FieldMapping.objects.filter(field__theme=theme).count() == 3
    entry = AuditEntry.objects.get(action="theme.publish")
    assert (entry.actor, entry.object_type, entry.object_id) == ("张三", "theme", "newborn")
    assert entry.data["matters"] == 3


@pytest.mark.django_db
def test_the_same_content_again_changes_nothing_and_writes_no_audit_entry(matters):
    theme, _ = theme_upsert(_theme())
    ids = sorted(ThemeMatter.objects.values_list("pk", flat=True))
    stamp = Theme.objects.get().updated_at

    again, changed = theme_upsert(copy.deepcopy(_theme()))

    assert changed is False
    assert again.pk == theme.pk
    assert AuditEntry.objects.filter(action="theme.publish").count() == 1
    assert sorted(ThemeMatter.objects.values_list("pk", flat=True)) == ids
    assert Theme.objects.get().updated_at == stamp


@pytest.mark.django_db
def test_changed_prerequisites_and_removed_matters_are_written_in_place(matters):
    theme_upsert(_theme())
    kept = ThemeMatter.objects.get(matter__code=A).pk
    data = _theme()
    data["items"] = [
        {"matter": C, "condition": {}, "depends_on": [], "note": ""},
        {"matter": A, "condition": {}, "depends_on": [C], "note": ""},
    ]
    data["fields"] = data["fields"][:1]
    data["fields"][0]["mappings"] = [{"matter": A, "target": "新生儿姓名"}]

    theme, changed = theme_upsert(data)

    assert changed is True
    assert theme_to_dict(theme) == data
    assert ThemeMatter.objects.get(matter__code=A).pk == kept
    assert AuditEntry.objects.filter(action="theme.publish").count() == 2


@pytest.mark.django_db
def test_a_dependency_cycle_is_refused_with_its_path(matters):
    data = _theme()
    data["items"][0]["depends_on"] = [C]
    _rejects(
        data,
        "前置事项存在循环依赖：出生证明 → 户口登记 → 医保参保 → 出生证明",
        "items.0.depends_on",
    )


@pytest.mark.django_db
def test_a_matter_depending_on_itself_is_a_cycle(matters):
    data = _theme()
    data["items"][1]["depends_on"] = [A, B]
    _rejects(data, "前置事项存在循环依赖：户口登记 → 户口登记", "items.1.depends_on")


@pytest.mark.django_db
def test_an_unknown_matter_code_is_refused(matters):
    data = _theme()
    data["items"][2]["matter"] = "QR99999000-420702-X"
    _rejects(data, "第 3 项事项：事项编码 QR99999000-420702-X 不存在", "items.2.matter")


@pytest.mark.django_db
def test_an_unpublished_matter_cannot_join_a_theme(matters):
    data = _theme()
    data["items"][2]["matter"] = D
    _rejects(data, f"第 3 项事项：事项 {D}（草稿事项）未发布，不能加入主题", "items.2.matter")


@pytest.mark.django_db
def test_a_prerequisite_outside_the_theme_is_refused(matters):
    data = _theme()
    data["items"][1]["depends_on"] = [D]
    _rejects(data, f"第 2 项事项（户口登记）的前置事项 {D} 不在本主题中", "items.1.depends_on")


@pytest.mark.django_db
def test_a_condition_on_an_unknown_question_is_refused(matters):
    data = _theme()
    data["items"][2]["condition"] = {"all": [{"q": "nope", "in": ["yes"]}]}
    _rejects(data, "第 3 项事项（医保参保）的适用情形引用了不存在的问题 nope", "items.2.condition")


@pytest.mark.django_db
def test_a_condition_on_a_value_the_question_does_not_offer_is_refused(matters):
    data = _theme()
    data["fields"][1]["condition"] = {"all": [{"q": "follow", "in": ["grandma"]}]}
    _rejects(
        data,
        "一表字段「母亲身份证号」的适用情形中，问题「随谁落户？」没有取值 grandma（可选：father、mother）",
        "fields.1.condition",
    )


@pytest.mark.django_db
def test_a_mapping_to_a_matter_outside_the_theme_is_refused(matters):
    data = _theme()
    data["fields"][0]["mappings"].append({"matter": D, "target": "姓名"})
    _rejects(
        data, f"一表字段「新生儿姓名」映射的事项 {D} 不在本主题中", "fields.0.mappings.2.matter"
    )


@pytest.mark.django_db
def test_duplicate_question_codes_and_field_keys_are_refused(matters):
    data = _theme()
    data["questions"][1]["code"] = "need_mi"
    _rejects(data, "问题编码 need_mi 重复", "questions.1.code")
    data = _theme()
    data["fields"][1]["key"] = "baby_name"
    _rejects(data, "字段标识 baby_name 重复", "fields.1.key")


@pytest.mark.django_db
def test_choice_questions_and_fields_need_choices(matters):
    data = _theme()
    data["questions"][1]["choices"] = []
    _rejects(data, "单选问题「随谁落户？」缺少选项（至少 2 个）", "questions.1.choices")
    data = _theme()
    data["fields"][0]["kind"] = "choice"
    _rejects(data, "单选字段「新生儿姓名」缺少选项（至少 2 个）", "fields.0.choices")


@pytest.mark.django_db
def test_a_theme_needs_at_least_two_matters(matters):
    data = _theme(items=[{"matter": A, "condition": {}, "depends_on": [], "note": ""}], fields=[])
    _rejects(data, "一件事主题至少应包含 2 个事项", "items")


@pytest.mark.django_db
def test_an_unknown_lead_department_is_refused(matters):
    _rejects(_theme(lead_department="LZH-NONE"), "牵头部门 LZH-NONE 不存在", "lead_department")


@pytest.mark.django_db
def test_a_failed_update_leaves_the_stored_theme_as_it_was(matters):
    theme_upsert(_theme())
    data = _theme(name="新生儿出生一件事")
    data["items"][0]["depends_on"] = [B]
    _rejects(data, "前置事项存在循环依赖：出生证明 → 户口登记 → 出生证明", "items.0.depends_on")
    assert Theme.objects.get().name == "新生儿出生"


@given(st.integers(min_value=1, max_value=12), st.data())
def test_a_graph_whose_edges_point_to_earlier_nodes_has_no_cycle_and_a_back_edge_makes_one(n, data):
    graph = {
        i: data.draw(st.lists(st.integers(0, i - 1), unique=True)) if i else [] for i in range(n)
    }
    assert dependency_cycle(graph) is None
    low = data.draw(st.integers(0, n - 1))
    high = data.draw(st.integers(low, n - 1))
    # A path high -> … -> low exists after adding the chain; the back edge low -> high closes it.
    for i in range(low + 1, high + 1):
        graph[i] = [*graph[i], i - 1]
    graph[low] = [*graph[low], high]
    cycle = dependency_cycle(graph)
    assert cycle is not None
    assert cycle[0] == cycle[-1]
    assert all(b in graph[a] for a, b in zip(cycle, cycle[1:], strict=False))
