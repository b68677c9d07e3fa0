"""Honest checks of recognised fields (yishi.core.ocr), without the model: for every kind of
field a planted misreading — a character read with low confidence, a rare character, a value
a rule refuses, a truncated address, a code with a wrong check character — must come back
ok=False with a reason, while a clean reading of the same page is checked. Cross-checks
against the registries mark differences and never replace what was read."""

from __future__ import annotations

import pytest

from tests.people.factories import CompanyFactory, PersonFactory
from yishi.core import ocr
from yishi.core.synthetic import ric_with_check_digit, uscc_with_check_char

NUMBER = ric_with_check_digit("42070219900101003")  # born 1990-01-01, a man
CODE = uscc_with_check_char("91420702MA0012341")


def line(text: str, x: float, y: float, *, low: str = "", conf: float = 0.5) -> ocr.Line:
    """A line as the engine gives it; the characters in `low` read with confidence `conf`."""
    width, height = 30 * len(text), 30
    quad = ((x, y), (x + width, y), (x + width, y + height), (x, y + height))
    confs = tuple(conf if ch in low else 0.999 for ch in text)
    return ocr.Line(text, min(confs, default=0.999), quad, confs)


def id_lines(**over) -> list[ocr.Line]:
    values = {
        "name": "张伟", "sex": "男", "ethnicity": "汉", "birth": "1990年1月1日",
        "address1": "湖北省鄂州市梁子湖区太", "address2": "和镇万秀村3组12号", "number": NUMBER,
    }  # fmt: skip
    low = over.pop("low", {})
    values.update(over)

    def at(key: str, x: float, y: float) -> ocr.Line:
        return line(values[key], x, y, low=low.get(key, ""), conf=low.get("conf", 0.5))

    return [
        line("姓名", 70, 60), at("name", 170, 60),
        line("性别", 70, 120), at("sex", 170, 120), line("民族", 290, 120), at("ethnicity", 400, 120),
        line("出生", 70, 180), at("birth", 170, 180),
        line("住址", 70, 240), at("address1", 170, 240), at("address2", 170, 280),
        line("公民身份号码", 70, 440), at("number", 270, 440),
    ]  # fmt: skip


def licence_lines(variant: str = "company", **over) -> list[ocr.Line]:
    labels = {
        "company": ("法定代表人", "住所", "注册资本", "成立日期"),
        "individual": ("经营者", "经营场所", None, "注册日期"),
        "partnership": ("执行事务合伙人", "主要经营场所", "出资额", "成立日期"),
    }[variant]
    values = {
        "name": "鄂州梁湖农业科技有限公司", "code": CODE, "person": "王杰",
        "type": {"company": "其他有限责任公司", "individual": "个体工商户",
                 "partnership": "普通合伙企业"}[variant],
        "address": "湖北省鄂州市梁子湖区太和镇万秀村3组12号", "capital": "100万元人民币",
        "date": "2012年03月20日", "scope": "农业技术推广服务；蔬菜种植及销售",
        "composition": "个人经营",
    }  # fmt: skip
    low = over.pop("low", {})
    values.update(over)

    def at(key: str, x: float, y: float) -> ocr.Line:
        return line(values[key], x, y, low=low.get(key, ""), conf=low.get("conf", 0.5))

    rows = [
        line("统一社会信用代码", 80, 60), at("code", 80, 100),
        line("名称", 80, 200), at("name", 300, 200),
        line("类型", 80, 260), at("type", 300, 260),
        line(labels[0], 80, 320), at("person", 300, 320),
        line(labels[1], 80, 380), at("address", 300, 380),
        line(labels[3], 80, 500), at("date", 300, 500),
        line("经营范围", 80, 560), at("scope", 300, 560),
    ]  # fmt: skip
    if labels[2]:
        rows += [line(labels[2], 80, 440), at("capital", 300, 440)]
    if variant == "individual":
        rows += [line("组成形式", 80, 440), at("composition", 300, 440)]
    return rows


def test_a_clean_reading_of_an_id_card_is_checked_field_for_field():
    fields = ocr.parse_id_card(id_lines())
    assert {k: (f.value, f.ok) for k, f in fields.items()} == {
        "name": ("张伟", True),
        "sex": ("男", True),
        "ethnicity": ("汉", True),
        "birth_date": ("1990-01-01", True),
        "address": ("湖北省鄂州市梁子湖区太和镇万秀村3组12号", True),
        "id_number": (NUMBER, True),
    }


@pytest.mark.parametrize(
    ("over", "key", "reason"),
    [
        ({"low": {"name": "伟"}}, "name", "识别把握不大"),
        ({"name": "张喆", "low": {"name": "喆", "conf": 0.95}}, "name", "识别把握不大"),
        ({"name": "张伟1"}, "name", "应为2至4个汉字"),
        ({"sex": "另"}, "sex", "应为“男”或“女”"),
        ({"sex": "女"}, "sex", "第17位表示性别为男"),
        ({"ethnicity": "汊"}, "ethnicity", "56个民族之一"),
        ({"ethnicity": "土", "low": {"ethnicity": "土"}}, "ethnicity", "识别把握不大"),
        ({"birth": "1990年1月7日"}, "birth_date", "不一致"),
        ({"birth": "1990年13月1日"}, "birth_date", "不是有效日期"),
        ({"address2": "和镇万秀村3组12"}, "address", "可能未识别完整"),
        (
            {"address2": "和镇何家塆3组12号", "low": {"address2": "塆", "conf": 0.95}},
            "address",
            "识别把握不大",
        ),
        (
            {"address2": "和镇何家湾3组12号", "low": {"address2": "湾", "conf": 0.6}},
            "address",
            "识别把握不大",
        ),
        ({"number": NUMBER[:-1] + ("3" if NUMBER[-1] != "3" else "4")}, "id_number", "校验位错误"),
    ],
)
def test_a_planted_misreading_on_an_id_card_is_never_checked(over, key, reason):
    fields = ocr.parse_id_card(id_lines(**over))
    assert fields[key].ok is False, fields[key]
    assert reason in fields[key].message


def test_a_rare_character_inside_a_place_name_our_data_knows_is_confirmed():
    over = {"address1": "湖北省鄂州市梁子湖区涂家", "address2": "垴镇沼山村3组12号"}
    fields = ocr.parse_id_card(id_lines(**over, low={"address2": "垴", "conf": 0.95}))
    assert (fields["address"].value, fields["address"].ok) == (
        "湖北省鄂州市梁子湖区涂家垴镇沼山村3组12号",
        True,
    )


@pytest.mark.parametrize("variant", ["company", "individual", "partnership"])
def test_a_clean_reading_of_each_licence_variant_is_checked(variant):
    fields = ocr.parse_business_licence(licence_lines(variant))
    assert all(f.ok for f in fields.values()), {k: f.message for k, f in fields.items()}
    assert fields["legal_representative"].label == {
        "company": "法定代表人", "individual": "经营者", "partnership": "执行事务合伙人"
    }[variant]  # fmt: skip
    assert ("composition" in fields) == (variant == "individual")
    assert ("registered_capital" in fields) == (variant != "individual")
    assert fields["type"].value != fields.get("composition", ocr.Field("")).value


@pytest.mark.parametrize(
    ("variant", "over", "key", "reason"),
    [
        ("company", {"low": {"name": "湖"}}, "name", "识别把握不大"),
        ("company", {"code": CODE[:-1] + ("3" if CODE[-1] != "3" else "4")}, "uscc", "校验位错误"),
        ("company", {"person": "王杰2"}, "legal_representative", "应为2至4个汉字"),
        (
            "company",
            {"person": "王喆", "low": {"person": "喆", "conf": 0.97}},
            "legal_representative",
            "识别把握不大",
        ),
        (
            "company",
            {"type": "其他有限责任公同"},
            "type",
            "不是常见的市场主体类型",
        ),
        ("individual", {"composition": "个人经管"}, "composition", "个人经营"),
        ("company", {"address": "湖北省鄂州市梁子湖区太和镇万"}, "address", "可能未识别完整"),
        ("company", {"capital": "100万无人民币"}, "registered_capital", "格式不正确"),
        ("partnership", {"capital": "5O万元人民币"}, "registered_capital", "格式不正确"),
        ("company", {"date": "2012年02月30日"}, "established_on", "不是有效日期"),
        (
            "company",
            {"date": "2012年03月28日", "low": {"date": "8"}},
            "established_on",
            "识别把握不大",
        ),
        (
            "company",
            {"scope": "农业技术推广服务；蔬菜种植及销善", "low": {"scope": "善", "conf": 0.6}},
            "business_scope",
            "识别把握不大",
        ),
    ],
)
def test_a_planted_misreading_on_a_licence_is_never_checked(variant, over, key, reason):
    fields = ocr.parse_business_licence(licence_lines(variant, **over))
    assert fields[key].ok is False, fields[key]
    assert reason in fields[key].message


def test_letter_spaced_labels_read_as_separate_boxes_are_joined():
    lines = [
        line("名", 80, 200), line("称", 150, 200), line("鄂州梁湖农业科技有限公司", 300, 200),
        line("类", 80, 260), line("型", 150, 260), line("其他有限责任公司", 300, 260),
        line("经", 80, 320), line("营", 130, 320), line("者", 180, 320), line("王杰", 300, 320),
    ]  # fmt: skip
    fields = ocr.parse_business_licence(lines)
    assert fields["name"].value == "鄂州梁湖农业科技有限公司"
    assert fields["type"].value == "其他有限责任公司"
    assert fields["legal_representative"].value == "王杰"


def test_an_address_read_in_one_box_with_its_label_keeps_its_second_line():
    lines = [
        line("姓名", 70, 60), line("张伟", 170, 60),
        line("住址湖北省鄂州市梁子湖区太", 70, 240), line("和镇万秀村3组12号", 130, 280),
    ]  # fmt: skip
    fields = ocr.parse_id_card(lines)
    assert fields["address"].value == "湖北省鄂州市梁子湖区太和镇万秀村3组12号"


def test_a_tilted_page_keeps_its_rows_apart():
    """Three degrees of tilt: the 类型 value stays with 类型, not appended to 名称."""
    import math

    angle = math.radians(3)

    def tilted(text: str, x: float, y: float) -> ocr.Line:
        flat = line(text, x, y)
        quad = tuple(
            (
                px * math.cos(angle) - py * math.sin(angle),
                px * math.sin(angle) + py * math.cos(angle),
            )
            for px, py in flat.quad
        )
        return ocr.Line(text, flat.score, quad, flat.confs)

    rows = [
        tilted("名称", 80, 200), tilted("鄂州梁湖农业科技有限公司", 300, 200),
        tilted("类型", 80, 245), tilted("其他有限责任公司", 300, 245),
        tilted("住所", 80, 290), tilted("湖北省鄂州市梁子湖区太和镇万秀村3组12号", 300, 290),
        tilted("法定代表人", 80, 335), tilted("王杰", 300, 335),
    ]  # fmt: skip
    fields = ocr.parse_business_licence(rows)
    assert fields["name"].value == "鄂州梁湖农业科技有限公司"
    assert fields["type"].value == "其他有限责任公司"


@pytest.mark.django_db
def test_the_registry_checks_an_id_card_and_names_its_value_only_when_allowed():
    PersonFactory(name="张炜", id_number=NUMBER)
    for reveal, shown in ((False, ""), (True, "张炜")):
        recognition = ocr.Recognition(document=ocr.ID_CARD, fields=ocr.parse_id_card(id_lines()))
        ocr.cross_check(recognition, reveal=reveal)
        name = recognition.fields["name"]
        assert (name.value, name.ok, name.registered) == ("张伟", False, shown)
        assert "与户籍登记不一致" in name.message
        assert ("张炜" in name.message) is bool(shown)
        assert recognition.fields["sex"].ok and recognition.registry == "population"


@pytest.mark.django_db
def test_a_registry_record_that_agrees_confirms_a_rare_character():
    PersonFactory(name="张喆", id_number=NUMBER)
    lines = id_lines(name="张喆", low={"name": "喆", "conf": 0.95})
    recognition = ocr.Recognition(document=ocr.ID_CARD, fields=ocr.parse_id_card(lines))
    assert recognition.fields["name"].ok is False
    ocr.cross_check(recognition)
    assert (recognition.fields["name"].ok, recognition.fields["name"].message) == (
        True,
        "与户籍登记一致",
    )


@pytest.mark.django_db
def test_the_company_registry_checks_a_licence_and_names_the_public_values():
    CompanyFactory(uscc=CODE, name="鄂州梁湖农业科技有限公司", legal_representative="王洁")
    recognition = ocr.Recognition(
        document=ocr.BUSINESS_LICENCE, fields=ocr.parse_business_licence(licence_lines())
    )
    ocr.cross_check(recognition)
    rep = recognition.fields["legal_representative"]
    assert (rep.value, rep.ok, rep.registered) == ("王杰", False, "王洁")
    assert "登记为“王洁”" in rep.message
    assert recognition.fields["name"].ok
