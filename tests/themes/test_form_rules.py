"""Forms catch impossible values, every one at once: dates in sensible ranges, times as
HH:MM, amounts and counts by their unit, ID numbers that agree with the role, sex and birth
date the form states; the API answers one problem+json listing every field error."""

from __future__ import annotations

import datetime

import pytest

from tests.cases.factories import ApplicantFactory
from tests.themes.demo_forms import days_ago, make_demo_form, newborn_data, ric
from tests.themes.factories import ThemeFormFieldFactory, ThemeMatterFactory
from yishi.core.errors import ValidationFailed
from yishi.themes.form import form_schema, validate_form
from yishi.themes.form_rules import FormInvalid, today

pytestmark = pytest.mark.django_db

MALE_ID = ric(datetime.date(1990, 5, 17), "M")
FEMALE_ID = ric(datetime.date(1993, 2, 1), "F")


def errors_of(theme, data, answers=None):
    with pytest.raises(FormInvalid) as exc:
        validate_form(theme, answers or {}, data)
    return {e.field: e.message for e in exc.value.errors}


@pytest.fixture
def newborn():
    return make_demo_form("newborn", conditional=False)


def test_a_correct_newborn_form_passes(newborn):
    cleaned = validate_form(newborn, {}, newborn_data(birth_time="8:05"))
    assert cleaned["birth_time"] == "08:05"
    assert cleaned["birth_weight"] == 3250


def test_four_mistakes_come_back_together_in_form_order(newborn):
    data = newborn_data(
        birth_date="2030-01-01", birth_time="25:99", mother_id=MALE_ID, phone="12345"
    )
    with pytest.raises(FormInvalid) as exc:
        validate_form(newborn, {}, data)
    errors = exc.value.errors
    assert [e.field for e in errors] == ["birth_date", "birth_time", "mother_id", "phone"]
    assert [e.label for e in errors] == [
        "出生日期",
        "出生时间（时:分）",
        "母亲身份证号",
        "联系电话",
    ]
    assert errors[0].message == (
        f"「出生日期」：2030-01-01 晚于今天（{today().isoformat()}），出生日期不能是将来的日期"
    )
    assert errors[1].message == (
        "「出生时间（时:分）」：“25:99”不是有效时间，应为 00:00 至 23:59 之间的“时:分”，如 08:30"
    )
    assert errors[2].message == (
        "「母亲身份证号」：该身份证号显示为男性，母亲的身份证号应为女性，请核对是否填错"
    )
    assert errors[3].message.startswith("「联系电话」：手机号码")
    # Still a ValidationFailed naming the first fault, for callers that show one.
    assert isinstance(exc.value, ValidationFailed)
    assert (exc.value.field, exc.value.message) == ("birth_date", errors[0].message)


@pytest.mark.parametrize(
    ("birth_date", "fault"),
    [
        (days_ago(-1), "晚于今天"),
        (days_ago(400), "新生儿出生日期应在近一年内"),
        ("1899-12-31", "新生儿出生日期应在近一年内"),
    ],
)
def test_a_newborn_is_born_within_the_last_year_and_not_in_the_future(newborn, birth_date, fault):
    assert fault in errors_of(newborn, newborn_data(birth_date=birth_date))["birth_date"]


@pytest.mark.parametrize("days", [0, 1, 364])
def test_a_newborn_born_today_or_within_the_year_passes(newborn, days):
    data = newborn_data(birth_date=days_ago(days), birth_time="00:00")
    assert validate_form(newborn, {}, data)["birth_date"] == days_ago(days)


@pytest.mark.parametrize("time", ["24:00", "23:60", "25:99", "8", "0830", "8点30", "-1:00"])
def test_times_are_hh_mm_between_00_00_and_23_59(newborn, time):
    assert "不是有效时间" in errors_of(newborn, newborn_data(birth_time=time))["birth_time"]


@pytest.mark.parametrize(
    ("time", "clean"), [("00:00", "00:00"), ("23:59", "23:59"), ("7：45", "07:45")]
)
def test_valid_times_are_normalised(newborn, time, clean):
    assert validate_form(newborn, {}, newborn_data(birth_time=time))["birth_time"] == clean


def test_mother_and_father_id_numbers_swapped_are_both_refused(newborn):
    errors = errors_of(newborn, newborn_data(mother_id=MALE_ID, father_id=FEMALE_ID))
    assert errors == {
        "mother_id": "「母亲身份证号」：该身份证号显示为男性，母亲的身份证号应为女性，请核对是否填错",
        "father_id": "「父亲身份证号」：该身份证号显示为女性，父亲的身份证号应为男性，请核对是否填错",
    }


def test_an_id_number_with_a_bad_check_digit_is_refused_once_not_twice(newborn):
    bad = MALE_ID[:17] + ("0" if MALE_ID[17] != "0" else "1")
    assert errors_of(newborn, newborn_data(mother_id=bad)) == {
        "mother_id": "「母亲身份证号」：居民身份证号校验位错误"
    }


def test_the_sex_a_form_states_must_agree_with_the_same_persons_id_number():
    theme = make_demo_form("retirement", conditional=False)
    data = {
        "applicant_name": "赵大海",
        "applicant_id": MALE_ID,
        "applicant_phone": "13912345678",
        "sex": "female",
        "birth_date": "1990-05-17",
        "work_start": "2010-07-01",
        "retire_type": "normal",
        "pension_account": "6222020000000000",
        "address": "梁子湖区太和镇",
    }
    assert validate_form(theme, {}, {**data, "sex": "male"})["sex"] == "male"
    assert errors_of(theme, data) == {
        "applicant_id": "「申请人身份证号」：身份证号显示性别为男，与所填「性别」（女）不一致"
    }
    assert errors_of(theme, {**data, "sex": "male", "birth_date": "1990-05-18"}) == {
        "applicant_id": (
            "「申请人身份证号」：身份证号中的出生日期为 1990-05-17，"
            "与所填「出生日期」（1990-05-18）不一致"
        )
    }


def test_adult_dates_are_not_before_1900_and_past_events_not_in_the_future():
    theme = make_demo_form("retirement", conditional=False)
    errors = errors_of(theme, {"birth_date": "1899-12-31", "work_start": days_ago(-3)})
    assert errors["birth_date"] == "「出生日期」：1899-12-31 早于 1900-01-01，请核对"
    assert errors["work_start"] == (
        f"「参加工作时间」：{days_ago(-3)} 晚于今天（{today().isoformat()}），不能是将来的日期"
    )


def test_a_period_cannot_end_before_it_starts():
    theme = make_demo_form("listing-check", conditional=False)
    errors = errors_of(theme, {"period_start": "2025-06-01", "period_end": "2025-05-31"})
    assert (
        errors["period_end"] == "「核查期间截止日期」：不能早于「核查期间起始日期」（2025-06-01）"
    )
    assert "period_start" not in errors


@pytest.mark.parametrize(
    ("label", "value", "message"),
    [
        ("申请提取金额（元）", "-1", "不能为负数"),
        ("申请提取金额（元）", "12.345", "“12.345”最多保留2位小数"),
        ("申请提取金额（元）", "100000000.01", "不能超过 100000000"),
        ("同意业主专有部分面积占比（%）", "100.5", "不能超过 100"),
        ("本单元住户数", "3.5", "“3.5”应为整数"),
        ("出生体重（克）", "12", "不能小于 200"),
        ("需修复的纳税信用评价年度", "1900", "不能小于 1949"),
    ],
)
def test_amounts_and_counts_are_checked_by_the_unit_in_their_label(label, value, message):
    field = ThemeFormFieldFactory(key="n", label=label, kind="number")
    assert errors_of(field.theme, {"n": value}) == {"n": f"「{label}」：{message}"}


@pytest.mark.parametrize(
    ("label", "value", "cleaned"),
    [
        ("申请提取金额（元）", "1234.56", 1234.56),
        ("申请提取金额（元）", "0", 0),
        ("本单元住户数", "12", 12),
        ("需修复的纳税信用评价年度", "2020", None),
    ],
)
def test_sensible_amounts_and_counts_pass(label, value, cleaned):
    field = ThemeFormFieldFactory(key="n", label=label, kind="number")
    result = validate_form(field.theme, {}, {"n": value})["n"]
    assert result == (int(value) if cleaned is None else cleaned)


def test_a_new_theme_gets_the_parent_rules_by_naming_its_fields_the_same_way():
    field = ThemeFormFieldFactory(key="mother_id_no", label="产妇身份证号", kind="id_number")
    assert errors_of(field.theme, {"mother_id_no": MALE_ID}) == {
        "mother_id_no": (
            "「产妇身份证号」：该身份证号显示为男性，母亲的身份证号应为女性，请核对是否填错"
        )
    }


def test_the_api_answers_one_problem_listing_every_field_error(client, newborn):
    ThemeMatterFactory(theme=newborn)
    ThemeMatterFactory(theme=newborn)
    client.force_login(ApplicantFactory().user)
    data = newborn_data(
        birth_date="2030-01-01", birth_time="25:99", mother_id=MALE_ID, phone="12345"
    )
    response = client.post(
        "/api/v1/applications",
        {"theme": newborn.code, "answers": {}, "form_data": data},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert [(e["field"], e["label"]) for e in body["errors"]] == [
        ("birth_date", "出生日期"),
        ("birth_time", "出生时间（时:分）"),
        ("mother_id", "母亲身份证号"),
        ("phone", "联系电话"),
    ]
    assert all(e["message"].startswith(f"「{e['label']}」：") for e in body["errors"])
    assert body["field"] == "birth_date"
    assert body["detail"].startswith("申请表有 4 处需要修改：「出生日期」")


def test_the_schema_tells_clients_a_time_is_hh_mm(newborn):
    prop = form_schema(newborn)["properties"]["birth_time"]
    assert (prop["pattern"], prop["description"]) == (
        "^([01][0-9]|2[0-3]):[0-5][0-9]$",
        "时:分，例如 08:30",
    )
