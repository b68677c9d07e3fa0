"""Hints under form fields help the applicant write the value (a format, an example); they
never name the field's type (文本 / 数字 / 单选)."""

from __future__ import annotations

import pytest

from tests.themes.factories import ThemeFactory, ThemeFormFieldFactory
from yishi.themes.form import form_schema
from yishi.themes.models import ThemeFormField

Kind = ThemeFormField.Kind


@pytest.mark.django_db
def test_hints_give_examples_and_never_the_field_type():
    theme = ThemeFactory()
    for order, kind in enumerate(Kind.values):
        choices = [{"value": "a", "label": "甲"}] if kind == Kind.CHOICE else []
        ThemeFormFieldFactory(theme=theme, key=f"f{order}", kind=kind, order=order, choices=choices)

    hints = {
        p["x-kind"]: p.get("description", "") for p in form_schema(theme)["properties"].values()
    }

    assert hints[Kind.TEXT] == ""
    assert hints[Kind.TEXTAREA] == ""
    assert hints[Kind.CHOICE] == ""
    assert hints[Kind.DATE] == "例如 2026-12-07"
    assert hints[Kind.NUMBER] == "填写阿拉伯数字，例如 120"
    assert not {"文本", "多行文本", "数字", "单选", "日期"} & set(hints.values())
