"""The demo themes' one-form fields (themes.json), put on a factory theme: the real fields
every theme ships with, without loading the whole demo catalog."""

from __future__ import annotations

import datetime

from tests.themes.factories import ThemeFactory, ThemeFormFieldFactory
from yishi.core.synthetic import make_ric
from yishi.themes.demo.loader import read_themes
from yishi.themes.models import Theme

DEMO = {t["code"]: t for t in read_themes()}


def make_demo_form(code: str, *, theme: Theme | None = None, conditional: bool = True) -> Theme:
    """A theme carrying demo theme `code`'s fields (conditions kept; without questions a
    conditional field does not apply). `conditional=False` leaves those fields out."""
    data = DEMO[code]
    if theme is None:
        theme = ThemeFactory(
            code=f"demo-{code}",
            name=data["name"],
            audience=data["audience"],
        )
    for order, f in enumerate(data["fields"], 1):
        if f.get("condition") and not conditional:
            continue
        ThemeFormFieldFactory(
            theme=theme,
            key=f["key"],
            label=f["label"],
            kind=f.get("kind", "text"),
            required=f.get("required", True),
            choices=f.get("choices", []),
            prefill=f.get("prefill", ""),
            condition=f.get("condition", {}),
            order=order,
        )
    return theme


def ric(birth: datetime.date, sex: str, seq: int = 7) -> str:
    return make_ric("420702", birth, seq=seq, sex=sex)


def days_ago(days: int) -> str:
    from yishi.themes.form_rules import today

    return (today() - datetime.timedelta(days=days)).isoformat()


def newborn_data(**overrides: str | None) -> dict[str, str]:
    """A correct 新生儿出生 form (its unconditional fields); None drops a key."""
    data = {
        "baby_name": "王小宝",
        "baby_sex": "female",
        "birth_date": days_ago(10),
        "birth_time": "08:30",
        "birth_place": "梁子湖区人民医院",
        "birth_weight": "3250",
        "mother_name": "李梅",
        "mother_id": ric(datetime.date(1994, 3, 8), "F"),
        "father_name": "王强",
        "father_id": ric(datetime.date(1992, 7, 21), "M"),
        "phone": "13912345678",
        "hukou_follow": "father",
        "hukou_address": "梁子湖区太和镇太和大道1号",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
