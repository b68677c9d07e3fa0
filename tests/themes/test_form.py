"""One form: JSON Schema, prefill from the registries, one validation, fan-out per matter."""

from __future__ import annotations

import datetime

import pytest

from tests.people.factories import CompanyFactory, PersonFactory
from tests.themes.demo_forms import days_ago
from tests.themes.factories import ThemeFormFieldFactory, make_birth_theme
from yishi.core.errors import ValidationFailed
from yishi.core.synthetic import make_ric
from yishi.themes.form import form_schema, per_matter_values, prefill, validate_form

pytestmark = pytest.mark.django_db

FATHER_ID = make_ric("420702", datetime.date(1990, 5, 17), seq=3, sex="M")
# A newborn's birth date lies within the last year (Asia/Shanghai).
BIRTH = days_ago(17)


def valid_data(**overrides):
    data = {
        "father_id": FATHER_ID,
        "applicant_name": "张三",
        "mobile": "13800138000",
        "birth_date": BIRTH,
        "baby_sex": "F",
        "card_bank": "中国农业银行",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def birth():
    return make_birth_theme()


def test_schema_is_draft_2020_12_with_the_applicable_fields(birth):
    schema = form_schema(birth["theme"], {"need_card": "no"})
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "新生儿出生一件事一表申请"
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert list(schema["properties"]) == [
        "father_id",
        "applicant_name",
        "mobile",
        "birth_date",
        "baby_sex",
        "remark",
    ]
    assert schema["required"] == ["father_id", "applicant_name", "mobile", "birth_date", "baby_sex"]


def test_schema_properties_carry_labels_formats_patterns_prefill_and_mappings(birth):
    props = form_schema(birth["theme"])["properties"]
    a, b, d = (birth["matters"][k].code for k in "abd")
    assert props["father_id"] == {
        "title": "父亲身份证号",
        "type": "string",
        "description": "18位居民身份证号",
        "pattern": "^[0-9]{17}[0-9Xx]$",
        "minLength": 18,
        "maxLength": 18,
        "x-kind": "id_number",
        "x-prefill": "person.id_number",
        "x-maps-to": [{"matter": a, "target": "fqsfzh"}, {"matter": b, "target": "father_id_no"}],
    }
    assert props["birth_date"]["format"] == "date"
    assert props["mobile"]["pattern"] == "^1[3-9][0-9]{9}$"
    assert props["baby_sex"]["enum"] == ["M", "F"]
    assert props["baby_sex"]["x-labels"] == {"M": "男", "F": "女"}
    assert props["remark"]["x-widget"] == "textarea"
    assert props["remark"]["x-maps-to"] == []
    assert "x-prefill" not in props["birth_date"]
    assert props["card_bank"]["x-maps-to"] == [{"matter": d, "target": "yh"}]


def test_mappings_to_matters_that_do_not_apply_are_left_out(birth):
    props = form_schema(birth["theme"], {"born_here": "no"})["properties"]
    assert props["father_id"]["x-maps-to"] == [
        {"matter": birth["matters"]["b"].code, "target": "father_id_no"}
    ]


def test_prefill_from_the_person_registry(birth):
    person = PersonFactory(name="李四", phone="13912345678")
    assert prefill(birth["theme"], person=person) == {
        "father_id": person.id_number,
        "applicant_name": "李四",
        "mobile": "13912345678",
    }
    assert len(person.id_number) == 18


def test_prefill_without_a_person_is_empty(birth):
    assert prefill(birth["theme"]) == {}


def test_prefill_maps_sex_onto_the_fields_kind():
    as_text = ThemeFormFieldFactory(key="sex_text", prefill="person.sex")
    as_word_choice = ThemeFormFieldFactory(
        theme=as_text.theme,
        key="sex_word",
        kind="choice",
        choices=[{"value": "男", "label": "男"}, {"value": "女", "label": "女"}],
        prefill="person.sex",
    )
    as_code_choice = ThemeFormFieldFactory(
        theme=as_text.theme,
        key="sex_code",
        kind="choice",
        choices=[{"value": "M", "label": "男"}, {"value": "F", "label": "女"}],
        prefill="person.sex",
    )
    birth_date = ThemeFormFieldFactory(theme=as_text.theme, key="born", prefill="person.birth_date")
    person = PersonFactory(female=True)
    assert prefill(as_text.theme, person=person) == {
        as_text.key: "女",
        as_word_choice.key: "女",
        as_code_choice.key: "F",
        birth_date.key: "1990-01-01",
    }


def test_prefill_from_the_company_registry():
    name = ThemeFormFieldFactory(key="company_name", prefill="company.name")
    code = ThemeFormFieldFactory(theme=name.theme, key="uscc", prefill="company.uscc")
    company = CompanyFactory(name="鄂州市梁子湖区好味餐饮有限公司")
    assert prefill(name.theme, company=company) == {
        "company_name": "鄂州市梁子湖区好味餐饮有限公司",
        code.key: company.uscc,
    }


def test_valid_form_is_cleaned(birth):
    cleaned = validate_form(
        birth["theme"],
        {},
        valid_data(father_id=FATHER_ID.lower(), mobile="+86 138 0013 8000", remark="  无 "),
    )
    assert cleaned == {
        "father_id": FATHER_ID,
        "applicant_name": "张三",
        "mobile": "13800138000",
        "birth_date": BIRTH,
        "baby_sex": "F",
        "card_bank": "中国农业银行",
        "remark": "无",
    }


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"father_id": FATHER_ID[:17] + ("0" if FATHER_ID[17] != "0" else "1")},
         "father_id", "「父亲身份证号」：居民身份证号校验位错误"),
        ({"father_id": "4207021990"}, "father_id", "「父亲身份证号」：居民身份证号应为18位，实际为10位"),
        ({"mobile": "12800138000"}, "mobile",
         "「联系电话」：手机号码应以13至19开头，“12”开头的不是手机号码"),
        ({"birth_date": "2026/11/20"}, "birth_date",
         "「出生日期」：“2026/11/20”不是有效日期，应为 YYYY-MM-DD 格式"),
        ({"birth_date": "2026-02-30"}, "birth_date",
         "「出生日期」：“2026-02-30”不是有效日期，应为 YYYY-MM-DD 格式"),
        ({"baby_sex": "X"}, "baby_sex", "「新生儿性别」：“X”不是可选项，可选：M（男）、F（女）"),
        ({"applicant_name": "  "}, "applicant_name", "「申请人姓名」：必须填写"),
        ({"card_bank": None}, "card_bank", "「社保卡开户银行」：必须填写"),
        ({"nickname": "小宝"}, "nickname", "主题「新生儿出生一件事」的申请表没有字段 nickname"),
    ],
)  # fmt: skip
def test_form_errors_name_the_field_and_say_what_is_wrong(birth, overrides, field, message):
    with pytest.raises(ValidationFailed) as exc:
        validate_form(birth["theme"], {}, valid_data(**overrides))
    assert (exc.value.field, exc.value.message) == (field, message)


def test_fields_that_do_not_apply_are_neither_required_nor_kept(birth):
    cleaned = validate_form(birth["theme"], {"need_card": "no"}, valid_data(card_bank="工商银行"))
    assert "card_bank" not in cleaned
    validate_form(birth["theme"], {"need_card": "no"}, valid_data(card_bank=None))


def test_credit_code_and_number_fields():
    code = ThemeFormFieldFactory(key="uscc", label="企业信用代码", credit_code=True)
    staff = ThemeFormFieldFactory(theme=code.theme, key="staff", label="从业人数", kind="number")
    company = CompanyFactory()
    assert validate_form(code.theme, {}, {"uscc": company.uscc.lower(), "staff": "12"}) == {
        "uscc": company.uscc,
        "staff": 12,
    }
    with pytest.raises(ValidationFailed) as exc:
        validate_form(code.theme, {}, {"uscc": company.uscc, "staff": "十二"})
    assert (exc.value.field, exc.value.message) == (staff.key, "「从业人数」：“十二”不是数字")
    bad = company.uscc[:17] + ("0" if company.uscc[17] != "0" else "1")
    with pytest.raises(ValidationFailed) as exc:
        validate_form(code.theme, {}, {"uscc": bad, "staff": 3})
    assert exc.value.message == "「企业信用代码」：统一社会信用代码校验位错误"


def test_one_form_fans_out_onto_each_matters_own_fields(birth):
    cleaned = validate_form(birth["theme"], {}, valid_data())
    m = {k: v.code for k, v in birth["matters"].items()}
    assert per_matter_values(birth["theme"], {}, cleaned) == {
        m["a"]: {"fqsfzh": FATHER_ID, "sqrxm": "张三"},
        m["b"]: {"father_id_no": FATHER_ID, "csrq": BIRTH, "xb": "F"},
        m["c"]: {},
        m["d"]: {"xm": "张三", "lxdh": "13800138000", "yh": "中国农业银行"},
    }


def test_fan_out_skips_matters_that_do_not_apply(birth):
    answers = {"born_here": "no", "need_card": "no"}
    cleaned = validate_form(birth["theme"], answers, valid_data(card_bank=None))
    m = {k: v.code for k, v in birth["matters"].items()}
    assert per_matter_values(birth["theme"], answers, cleaned) == {
        m["b"]: {"father_id_no": FATHER_ID, "csrq": BIRTH, "xb": "F"},
        m["c"]: {},
    }
