"""The 新生儿出生 "一件事" built with factories over the portal's birth matters, for the theme
page tests and the browser journey."""

from __future__ import annotations

from tests.catalog.factories import DepartmentFactory, MaterialFactory, MatterFactory
from tests.portal.conftest import make_birth_matters
from tests.themes.factories import ThemeFactory, ThemeMatterFactory, ThemeQuestionFactory
from yishi.catalog.models import Matter
from yishi.themes.models import Theme

SOCIAL_CARD = {"all": [{"q": "social_card", "in": ["yes"]}]}


def make_birth_theme() -> Theme:
    """出生医学证明签发 → 出生登记 → (城乡居民医保参保登记 ∥ 社会保障卡申领 if wanted)."""
    matters = make_birth_matters()
    health = matters["certificate"].department
    insurance_dept = DepartmentFactory(
        code="LZH-YBJ", name="梁子湖区医疗保障局", short_name="区医保局"
    )
    hrss = DepartmentFactory(
        code="LZH-RSJ", name="梁子湖区人力资源和社会保障局", short_name="区人社局"
    )
    insurance = MatterFactory(
        code="GG00103000-420702-LZH-YBJ",
        name="城乡居民医保参保登记",
        department=insurance_dept,
        legal_limit_days=20,
        promised_limit_days=5,
        handling=Matter.Handling.PROMISED,
        visits=0,
    )
    MaterialFactory(matter=insurance, order=1, name="居民户口簿", kind="household_register")
    MaterialFactory(matter=insurance, order=2, name="出生医学证明", kind="birth_certificate")
    card = MatterFactory(
        code="GG00104000-420702-LZH-RSJ",
        name="社会保障卡申领",
        department=hrss,
        legal_limit_days=20,
        promised_limit_days=10,
        handling=Matter.Handling.PROMISED,
        visits=1,
    )
    MaterialFactory(matter=card, order=1, name="居民户口簿", kind="household_register")
    MaterialFactory(matter=card, order=2, name="新生儿近期免冠照片", kind="photo")

    theme = ThemeFactory(
        code="newborn",
        name="新生儿出生",
        audience=Theme.Audience.PERSON,
        category=Theme.Category.LAND,
        lead_department=health,
        summary="新生儿出生后，出生医学证明、户口登记、医保参保、社保卡申领一次办理。",
        conditions="在梁子湖区出生并在本区落户的新生儿，由父母或监护人申请。",
        order=1,
    )
    ThemeQuestionFactory(
        theme=theme,
        code="social_card",
        text="是否需要办理社会保障卡",
        help_text="选择“是”将同时申领新生儿社会保障卡",
        default="yes",
        order=1,
    )
    first = ThemeMatterFactory(theme=theme, matter=matters["certificate"], order=1)
    second = ThemeMatterFactory(
        theme=theme, matter=matters["registration"], order=2, depends_on=[first]
    )
    ThemeMatterFactory(theme=theme, matter=insurance, order=3, depends_on=[second])
    ThemeMatterFactory(
        theme=theme, matter=card, order=4, depends_on=[second], condition=SOCIAL_CARD
    )
    return theme
