from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from yishi.core.errors import ValidationFailed
from yishi.core.synthetic import (
    make_ric,
    make_uscc,
    ric_with_check_digit,
    uscc_with_check_char,
)
from yishi.core.validators import (
    PROVINCES,
    USCC_ALPHABET,
    validate_mobile,
    validate_region_code,
    validate_ric,
    validate_uscc,
)

VALID_RIC = make_ric("420702", datetime.date(1990, 1, 1), seq=3, sex="M")

births = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2020, 12, 31))
provinces = st.sampled_from(sorted(PROVINCES))


def _message(call, *args, **kwargs) -> tuple[str, str | None]:
    with pytest.raises(ValidationFailed) as exc:
        call(*args, **kwargs)
    return exc.value.message, exc.value.field


# ---------------------------------------------------------------- 居民身份证号


def test_valid_id_number_gives_birth_date_sex_and_region():
    info = validate_ric(VALID_RIC)
    assert info.number == VALID_RIC
    assert info.birth_date == datetime.date(1990, 1, 1)
    assert info.sex == "M"
    assert info.region_code == "420702"
    assert info.province == "湖北省"


def test_even_order_code_is_a_woman():
    assert validate_ric(make_ric(seq=7, sex="F")).sex == "F"


def test_lower_case_x_and_spaces_are_normalised():
    number = next(n for n in (make_ric(seq=s) for s in range(100)) if n.endswith("X"))
    spaced = f"{number[:6]} {number[6:14]} {number[14:-1]}x"
    assert validate_ric(spaced).number == number


def test_wrong_length_says_how_many_digits_were_given():
    assert _message(validate_ric, "42070219900101") == (
        "居民身份证号应为18位，实际为14位",
        "id_number",
    )


def test_letter_among_the_first_17_digits_names_its_position():
    assert _message(validate_ric, "4207A2199001010033") == (
        "居民身份证号前17位只能是数字，第5位不是数字",
        "id_number",
    )


def test_wrong_check_digit_is_reported_as_such():
    wrong = VALID_RIC[:-1] + ("0" if VALID_RIC[-1] != "0" else "1")
    assert _message(validate_ric, wrong) == ("居民身份证号校验位错误", "id_number")


def test_last_character_other_than_digit_or_x_is_reported():
    assert _message(validate_ric, VALID_RIC[:-1] + "A") == (
        "居民身份证号第18位（校验位）只能是数字或X",
        "id_number",
    )


def test_impossible_birth_date_is_reported_with_the_date():
    number = ric_with_check_digit("42070219900230003")
    assert _message(validate_ric, number) == (
        "居民身份证号中的出生日期1990-02-30不是有效日期",
        "id_number",
    )


def test_birth_date_in_the_future_is_refused():
    number = ric_with_check_digit("42070221000101003")
    assert _message(validate_ric, number) == (
        "居民身份证号中的出生日期2100-01-01晚于今天",
        "id_number",
    )


def test_unknown_province_prefix_is_refused():
    number = ric_with_check_digit("99070219900101003")
    assert _message(validate_ric, number) == (
        "居民身份证号前两位“99”不是有效的省级行政区划代码",
        "id_number",
    )


def test_resident_born_before_the_district_existed_is_valid():
    # 梁子湖区 (420702) dates from 1987; older residents still carry its code.
    assert validate_ric(make_ric("420702", datetime.date(1960, 5, 4), seq=1)).region_code == (
        "420702"
    )


def test_the_field_name_is_the_callers():
    assert _message(validate_ric, "123", field="applicant.id_number")[1] == "applicant.id_number"


def test_empty_id_number_is_refused():
    assert _message(validate_ric, "  ") == ("居民身份证号不能为空", "id_number")


@given(birth=births, seq=st.integers(0, 10_000), sex=st.sampled_from(["M", "F"]), p=provinces)
def test_every_synthetic_id_number_is_valid_and_round_trips(birth, seq, sex, p):
    number = make_ric(f"{p}0102", birth, seq=seq, sex=sex)
    info = validate_ric(number)
    assert ric.calc_check_digit(number) == number[-1]
    assert (info.birth_date, info.sex, info.region_code) == (birth, sex, f"{p}0102")


@given(birth=births, seq=st.integers(0, 999), pos=st.integers(0, 16), delta=st.integers(1, 9))
def test_any_single_digit_change_is_caught(birth, seq, pos, delta):
    number = make_ric("420702", birth, seq=seq)
    changed = number[:pos] + str((int(number[pos]) + delta) % 10) + number[pos + 1 :]
    with pytest.raises(ValidationFailed):
        validate_ric(changed)


# ---------------------------------------------------------------- 统一社会信用代码


def test_valid_credit_code_is_split_into_its_parts():
    info = validate_uscc("91110000600037341L")
    assert (info.code, info.authority, info.entity_type) == ("91110000600037341L", "9", "1")
    assert (info.region_code, info.organisation_code) == ("110000", "600037341")


def test_credit_code_of_wrong_length():
    assert _message(validate_uscc, "9111000060003734") == (
        "统一社会信用代码应为18位，实际为16位",
        "credit_code",
    )


@pytest.mark.parametrize("letter", list("IOZSV"))
def test_credit_code_with_a_forbidden_letter_names_it(letter):
    code = "91420702MA000000" + letter + "1"
    assert _message(validate_uscc, code) == (
        f"统一社会信用代码不能包含字母I、O、Z、S、V，第17位“{letter}”不允许",
        "credit_code",
    )


def test_credit_code_with_punctuation_is_refused():
    assert _message(validate_uscc, "91420702MA00000#11") == (
        "统一社会信用代码只能由数字和大写字母组成，第16位“#”不允许",
        "credit_code",
    )


def test_credit_code_with_letters_in_the_region_part_is_refused():
    assert _message(validate_uscc, uscc_with_check_char("9142A702MA0000001")) == (
        "统一社会信用代码第3至8位（登记管理机关行政区划码）应为数字",
        "credit_code",
    )


def test_credit_code_with_wrong_check_character():
    good = make_uscc(seq=5)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    assert _message(validate_uscc, bad) == ("统一社会信用代码校验位错误", "credit_code")


def test_credit_code_of_a_rural_collective_with_letter_authority_is_valid():
    code = uscc_with_check_char("N2420702MA0000001")
    assert validate_uscc(code).authority == "N"


@given(seq=st.integers(0, 10**7 - 1), p=provinces)
def test_every_synthetic_credit_code_is_valid(seq, p):
    code = make_uscc(f"{p}0102", seq=seq)
    assert uscc.is_valid(code)
    assert validate_uscc(code).region_code == f"{p}0102"


@given(seq=st.integers(0, 10**6), pos=st.integers(8, 16), data=st.data())
def test_any_single_character_change_in_a_credit_code_is_caught(seq, pos, data):
    code = make_uscc(seq=seq)
    other = data.draw(st.sampled_from([c for c in USCC_ALPHABET if c != code[pos]]))
    with pytest.raises(ValidationFailed):
        validate_uscc(code[:pos] + other + code[pos + 1 :])


# ---------------------------------------------------------------- mobile and region codes


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13907110000", "13907110000"),
        ("139 0711 0000", "13907110000"),
        ("+8613907110000", "13907110000"),
    ],
)
def test_mobile_numbers_are_normalised(value, expected):
    assert validate_mobile(value).number == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1390711000", "手机号码应为11位，实际为10位"),
        ("12907110000", "手机号码应以13至19开头，“12”开头的不是手机号码"),
        ("1390711000a", "手机号码只能包含数字"),
        ("", "手机号码不能为空"),
    ],
)
def test_bad_mobile_numbers_are_explained(value, message):
    assert _message(validate_mobile, value) == (message, "phone")


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("420000", 1),
        ("420700", 2),
        ("420702", 3),
        ("420702100", 4),
        ("420702100000", 4),
        ("420702100201", 5),
    ],
)
def test_region_code_levels(code, level):
    info = validate_region_code(code)
    assert (info.code, info.level, info.province) == (code, level, "湖北省")


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("4207", "行政区划代码应为6位、9位或12位数字，实际为4位"),
        ("42070a", "行政区划代码只能包含数字"),
        ("990702", "行政区划代码前两位“99”不是有效的省级行政区划代码"),
    ],
)
def test_bad_region_codes_are_explained(code, message):
    assert _message(validate_region_code, code) == (message, "region_code")


def test_there_are_34_province_codes():
    assert len(PROVINCES) == 34
