"""Theme factories on top of the catalog's: a theme made here is published, led by a
department, and has no matters until items are added (ThemeMatterFactory(theme=…))."""

from __future__ import annotations

import factory

from tests.catalog.factories import DepartmentFactory, MaterialFactory, MatterFactory
from yishi.themes.models import FieldMapping, Theme, ThemeFormField, ThemeMatter, ThemeQuestion


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"theme-{n}")
    name = factory.Sequence(lambda n: f"测试一件事{n}")
    audience = Theme.Audience.PERSON
    category = Theme.Category.UPGRADE
    lead_department = factory.SubFactory(DepartmentFactory)
    summary = "把多个部门的事项合成一件事办理"
    conditions = "梁子湖区户籍居民"
    keywords = ""
    promised_days = None
    order = factory.Sequence(int)
    status = Theme.Status.PUBLISHED

    class Params:
        draft = factory.Trait(status=Theme.Status.DRAFT)
        withdrawn = factory.Trait(status=Theme.Status.WITHDRAWN)
        company = factory.Trait(audience=Theme.Audience.COMPANY)


class ThemeQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ThemeQuestion

    theme = factory.SubFactory(ThemeFactory)
    code = factory.Sequence(lambda n: f"q{n}")
    text = factory.Sequence(lambda n: f"测试问题{n}")
    kind = ThemeQuestion.Kind.YES_NO
    choices = factory.LazyFunction(list)
    default = "no"
    order = factory.Sequence(int)

    class Params:
        choice = factory.Trait(
            kind=ThemeQuestion.Kind.CHOICE,
            choices=factory.LazyFunction(
                lambda: [{"value": "local", "label": "本区"}, {"value": "other", "label": "外地"}]
            ),
            default="local",
        )
        no_default = factory.Trait(default="")


class ThemeMatterFactory(factory.django.DjangoModelFactory):
    """An item of a theme; `depends_on=[…]` sets its prerequisites."""

    class Meta:
        model = ThemeMatter
        skip_postgeneration_save = True

    theme = factory.SubFactory(ThemeFactory)
    matter = factory.SubFactory(MatterFactory)
    order = factory.Sequence(int)
    condition = factory.LazyFunction(dict)
    note = ""

    @factory.post_generation
    def depends_on(self, create, extracted, **kwargs):
        if create and extracted:
            self.depends_on.set(extracted)


class ThemeFormFieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ThemeFormField

    theme = factory.SubFactory(ThemeFactory)
    key = factory.Sequence(lambda n: f"field_{n}")
    label = factory.Sequence(lambda n: f"字段{n}")
    kind = ThemeFormField.Kind.TEXT
    required = True
    choices = factory.LazyFunction(list)
    prefill = ""
    help_text = ""
    condition = factory.LazyFunction(dict)
    order = factory.Sequence(int)

    class Params:
        id_number = factory.Trait(kind=ThemeFormField.Kind.ID_NUMBER)
        mobile = factory.Trait(kind=ThemeFormField.Kind.MOBILE)
        credit_code = factory.Trait(kind=ThemeFormField.Kind.CREDIT_CODE)
        date = factory.Trait(kind=ThemeFormField.Kind.DATE)
        optional = factory.Trait(required=False)


class FieldMappingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FieldMapping

    field = factory.SubFactory(ThemeFormFieldFactory)
    item = factory.SubFactory(ThemeMatterFactory, theme=factory.SelfAttribute("..field.theme"))
    target = factory.Sequence(lambda n: f"target_{n}")


NEED_CARD = {"all": [{"q": "need_card", "in": ["yes"]}]}
BORN_HERE = {"all": [{"q": "born_here", "in": ["yes"]}]}


def make_birth_theme(**theme_fields) -> dict:
    """A hand-built 新生儿出生 theme with known numbers:

    A 出生医学证明签发 (5 days, 1 visit, only when born_here=yes) → B 出生登记 (3, 1)
    → C 医保参保登记 (2, 0); D 社会保障卡申领 (7, 2, only when need_card=yes) runs alone.
    Materials: 11 one by one, 6 documents, 4 to bring (出生医学证明 comes out of A,
    the 户口簿 out of B and from the e-licence store).
    """
    health = DepartmentFactory(code="T-WJJ", name="梁子湖区卫生健康局", short_name="区卫健局")
    police = DepartmentFactory(code="T-GAJ", name="鄂州市公安局梁子湖分局", short_name="分局")
    medical = DepartmentFactory(code="T-YBJ", name="梁子湖区医疗保障局", short_name="区医保局")
    hrss = DepartmentFactory(code="T-RSJ", name="梁子湖区人力资源和社会保障局", short_name="人社局")
    theme = ThemeFactory(
        **{
            "code": "xinshenger",
            "name": "新生儿出生一件事",
            "lead_department": health,
            "conditions": "在梁子湖区出生的新生儿",
            **theme_fields,
        }
    )
    born_here = ThemeQuestionFactory(
        theme=theme, code="born_here", text="是否在本区助产机构出生", default="yes", order=1
    )
    need_card = ThemeQuestionFactory(
        theme=theme, code="need_card", text="是否需要办理社会保障卡", default="yes", order=2
    )
    a = MatterFactory(
        name="出生医学证明签发",
        department=health,
        promised_limit_days=5,
        visits=1,
        result_name="《出生医学证明》（纸质证件及电子证照）",
        place="梁子湖区人民医院一楼",
        hours="工作日 8:30-17:30",
        consult_phone="0711-1111111",
        complaint_phone="0711-2222222",
    )
    b = MatterFactory(
        name="出生登记",
        department=police,
        promised_limit_days=3,
        visits=1,
        result_name="居民户口簿（新生儿常住人口登记卡）",
    )
    c = MatterFactory(name="城乡居民医保参保登记", department=medical, promised_limit_days=2)
    d = MatterFactory(name="社会保障卡申领", department=hrss, promised_limit_days=7, visits=2)
    MaterialFactory(matter=a, name="父母双方居民身份证", kind="id_card", form="copy", order=1)
    MaterialFactory(matter=a, name="出生医学证明申请表", kind="application_form", order=2)
    MaterialFactory(
        matter=b,
        name="《出生医学证明》",
        kind="birth_certificate",
        licence_type="出生医学证明",
        order=1,
    )
    MaterialFactory(
        matter=b,
        name="居民户口簿",
        kind="household_register",
        source="licence",
        licence_type="居民户口簿",
        order=2,
    )
    MaterialFactory(matter=b, name="父母居民身份证", kind="id_card", form="both", copies=2, order=3)
    MaterialFactory(
        matter=b,
        name="结婚证",
        kind="marriage_certificate",
        required=False,
        deferrable=True,
        note="非婚生育的提供说明",
        order=4,
    )
    MaterialFactory(
        matter=c, name="居民身份证", kind="id_card", form="copy", required=False, order=1
    )
    MaterialFactory(
        matter=c,
        name="户口簿",
        kind="household_register",
        source="licence",
        licence_type="居民户口簿",
        order=2,
    )
    MaterialFactory(
        matter=c,
        name="出生医学证明",
        kind="birth_certificate",
        source="licence",
        licence_type="出生医学证明",
        order=3,
    )
    MaterialFactory(matter=d, name="近期免冠照片", kind="photo", order=1)
    MaterialFactory(matter=d, name="居民身份证", kind="id_card", order=2)
    item_a = ThemeMatterFactory(theme=theme, matter=a, order=1, condition=BORN_HERE)
    item_b = ThemeMatterFactory(theme=theme, matter=b, order=2, depends_on=[item_a])
    item_c = ThemeMatterFactory(theme=theme, matter=c, order=3, depends_on=[item_b])
    item_d = ThemeMatterFactory(theme=theme, matter=d, order=4, condition=NEED_CARD)
    father_id = ThemeFormFieldFactory(
        theme=theme,
        key="father_id",
        label="父亲身份证号",
        kind="id_number",
        prefill="person.id_number",
        order=1,
    )
    applicant = ThemeFormFieldFactory(
        theme=theme, key="applicant_name", label="申请人姓名", prefill="person.name", order=2
    )
    mobile = ThemeFormFieldFactory(
        theme=theme, key="mobile", label="联系电话", kind="mobile", prefill="person.phone", order=3
    )
    birth_date = ThemeFormFieldFactory(
        theme=theme, key="birth_date", label="出生日期", kind="date", order=4
    )
    sex = ThemeFormFieldFactory(
        theme=theme,
        key="baby_sex",
        label="新生儿性别",
        kind="choice",
        choices=[{"value": "M", "label": "男"}, {"value": "F", "label": "女"}],
        order=5,
    )
    bank = ThemeFormFieldFactory(
        theme=theme, key="card_bank", label="社保卡开户银行", condition=NEED_CARD, order=6
    )
    ThemeFormFieldFactory(
        theme=theme, key="remark", label="备注", kind="textarea", required=False, order=7
    )
    FieldMappingFactory(field=father_id, item=item_a, target="fqsfzh")
    FieldMappingFactory(field=father_id, item=item_b, target="father_id_no")
    FieldMappingFactory(field=applicant, item=item_a, target="sqrxm")
    FieldMappingFactory(field=applicant, item=item_d, target="xm")
    FieldMappingFactory(field=mobile, item=item_d, target="lxdh")
    FieldMappingFactory(field=birth_date, item=item_b, target="csrq")
    FieldMappingFactory(field=sex, item=item_b, target="xb")
    FieldMappingFactory(field=bank, item=item_d, target="yh")
    return {
        "theme": theme,
        "questions": (born_here, need_card),
        "matters": {"a": a, "b": b, "c": c, "d": d},
        "items": {"a": item_a, "b": item_b, "c": item_c, "d": item_d},
    }
