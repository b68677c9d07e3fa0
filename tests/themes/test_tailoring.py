"""Tailoring: the answers decide which matters of a theme apply."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.themes.factories import (
    ThemeFactory,
    ThemeMatterFactory,
    ThemeQuestionFactory,
    make_birth_theme,
)
from yishi.core.errors import ValidationFailed
from yishi.themes.tailoring import (
    applicable_items,
    condition_holds,
    prerequisites,
    validate_answers,
)

pytestmark = pytest.mark.django_db


def names(items):
    return [i.matter.name for i in items]


def test_defaults_fill_unanswered_questions():
    theme = make_birth_theme()["theme"]
    assert validate_answers(theme, {"need_card": "no"}) == {"born_here": "yes", "need_card": "no"}


def test_unknown_question_is_refused_naming_it():
    theme = make_birth_theme()["theme"]
    with pytest.raises(ValidationFailed) as exc:
        validate_answers(theme, {"pet": "yes"})
    assert exc.value.field == "answers.pet"
    assert exc.value.message == "主题「新生儿出生一件事」没有编码为 pet 的情形问题"


def test_answer_not_offered_is_refused_in_chinese():
    theme = make_birth_theme()["theme"]
    with pytest.raises(ValidationFailed) as exc:
        validate_answers(theme, {"need_card": "xx"})
    assert exc.value.field == "answers.need_card"
    assert exc.value.message == (
        "问题「是否需要办理社会保障卡」的答案 xx 不是可选项，可选：yes（是）、no（否）"
    )


def test_choice_question_accepts_only_its_values():
    question = ThemeQuestionFactory(choice=True, text="户籍所在地")
    assert validate_answers(question.theme, {question.code: "other"}) == {question.code: "other"}
    with pytest.raises(ValidationFailed) as exc:
        validate_answers(question.theme, {question.code: "yes"})
    assert (
        exc.value.message
        == "问题「户籍所在地」的答案 yes 不是可选项，可选：local（本区）、other（外地）"
    )


def test_question_without_default_must_be_answered():
    question = ThemeQuestionFactory(no_default=True, text="是否已婚")
    with pytest.raises(ValidationFailed) as exc:
        validate_answers(question.theme, {})
    assert (exc.value.field, exc.value.message) == (
        f"answers.{question.code}",
        "请回答问题「是否已婚」",
    )


def test_answers_decide_the_matters_in_theme_order():
    theme = make_birth_theme()["theme"]
    assert names(applicable_items(theme, {})) == [
        "出生医学证明签发",
        "出生登记",
        "城乡居民医保参保登记",
        "社会保障卡申领",
    ]
    assert names(applicable_items(theme, {"need_card": "no"})) == [
        "出生医学证明签发",
        "出生登记",
        "城乡居民医保参保登记",
    ]
    assert names(applicable_items(theme, {"born_here": "no", "need_card": "no"})) == [
        "出生登记",
        "城乡居民医保参保登记",
    ]


def test_no_answers_means_every_matter():
    theme = make_birth_theme()["theme"]
    assert len(applicable_items(theme, None)) == 4


def test_a_matter_whose_prerequisite_does_not_apply_still_applies_without_it():
    built = make_birth_theme()
    theme, items = built["theme"], built["items"]
    applicable = applicable_items(theme, {"born_here": "no"})
    assert items["b"] in applicable
    assert prerequisites(items["b"], applicable) == []
    assert prerequisites(items["c"], applicable) == [items["b"]]


def test_condition_forms():
    answers = {"a": "yes", "b": "local"}
    assert condition_holds({}, answers) is True
    assert condition_holds({"all": [{"q": "a", "in": ["yes"]}]}, answers) is True
    assert (
        condition_holds({"all": [{"q": "a", "in": ["yes"]}, {"q": "b", "in": ["other"]}]}, answers)
        is False
    )
    assert (
        condition_holds({"any": [{"q": "a", "in": ["no"]}, {"q": "b", "in": ["local"]}]}, answers)
        is True
    )
    assert condition_holds({"q": "b", "in": ["local", "other"]}, answers) is True
    assert condition_holds({"all": [{"q": "missing", "in": ["yes"]}]}, answers) is False


def test_malformed_condition_is_reported():
    with pytest.raises(ValidationFailed) as exc:
        condition_holds({"none": []}, {})
    assert (exc.value.field, exc.value.message) == (
        "condition",
        "适用情形格式不正确：不支持的键 none",
    )
    with pytest.raises(ValidationFailed):
        condition_holds({"all": [{"question": "a"}]}, {})


@given(st.sampled_from(["yes", "no"]), st.sampled_from(["yes", "no"]))
def test_an_all_condition_holds_exactly_when_every_clause_holds(a, b):
    condition = {"all": [{"q": "a", "in": ["yes"]}, {"q": "b", "in": ["yes"]}]}
    assert condition_holds(condition, {"a": a, "b": b}) == (a == "yes" and b == "yes")


def test_a_theme_without_questions_takes_empty_answers():
    item = ThemeMatterFactory(theme=ThemeFactory())
    assert applicable_items(item.theme, {}) == [item]
