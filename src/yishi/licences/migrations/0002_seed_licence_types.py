"""Seed the licence types the demo catalog's matters produce, linked to those matters by
their basic codes (基本编码, the same at every level), so a catalog reload keeps the link."""

from django.db import migrations


def _f(key, label, kind="text"):
    return {"key": key, "label": label, "kind": kind}


TYPES = [
    {
        "code": "CSYXZM",
        "name": "出生医学证明",
        "names": ["《出生医学证明》"],
        "material_kind": "birth_certificate",
        "holder_kind": "person",
        "validity_years": None,
        "matter_basic_codes": ["GG00101000"],
        "fields": [
            _f("newborn_name", "新生儿姓名"),
            _f("newborn_sex", "新生儿性别"),
            _f("birth_date", "出生日期", "date"),
            _f("birth_place", "出生地点"),
            _f("mother_name", "母亲姓名"),
            _f("father_name", "父亲姓名"),
        ],
    },
    {
        "code": "YYZZ",
        "name": "营业执照",
        "names": ["营业执照（个体工商户）"],
        "material_kind": "business_licence",
        "holder_kind": "any",
        "validity_years": None,
        "matter_basic_codes": ["XK00550000", "XK00590000", "XK00560000"],
        "fields": [
            _f("company_name", "名称"),
            _f("uscc", "统一社会信用代码"),
            _f("company_type", "类型"),
            _f("legal_representative", "法定代表人"),
            _f("registered_capital", "注册资本"),
            _f("address", "住所"),
            _f("business_scope", "经营范围"),
            _f("established_on", "成立日期", "date"),
        ],
    },
    {
        "code": "SPJYXKZ",
        "name": "食品经营许可证",
        "names": [],
        "material_kind": "food_business_licence",
        "holder_kind": "any",
        # 《食品经营许可和备案管理办法》: a food business licence is valid for five years.
        "validity_years": 5,
        "matter_basic_codes": ["XK00571000"],
        "fields": [
            _f("operator", "经营者名称"),
            _f("legal_representative", "法定代表人（负责人）"),
            _f("premises", "经营场所"),
            _f("main_business", "主体业态"),
            _f("business_items", "经营项目"),
        ],
    },
    {
        "code": "CJRZ",
        "name": "残疾人证",
        "names": ["中华人民共和国残疾人证"],
        "material_kind": "disability_certificate",
        "holder_kind": "person",
        # The third-generation 残疾人证 is valid for ten years.
        "validity_years": 10,
        "matter_basic_codes": ["GG00120000", "GG00121000"],
        "fields": [
            _f("disability_category", "残疾类别"),
            _f("disability_grade", "残疾等级"),
            _f("guardian", "监护人"),
            _f("address", "住址"),
        ],
    },
    {
        "code": "DLYSJYXKZ",
        "name": "道路运输经营许可证",
        "names": [],
        "material_kind": "transport_licence",
        "holder_kind": "any",
        "validity_years": None,
        "matter_basic_codes": ["XK00552000"],
        "fields": [
            _f("operator", "业户名称"),
            _f("address", "地址"),
            _f("business_scope", "经营范围"),
            _f("economic_type", "经济类型"),
        ],
    },
    {
        "code": "SHBZK",
        "name": "社会保障卡",
        "names": [],
        "material_kind": "social_security_card",
        "holder_kind": "person",
        "validity_years": None,
        "matter_basic_codes": ["GG00104000", "GG00108000"],
        "fields": [_f("card_bank", "服务银行"), _f("issuing_place", "发卡地")],
    },
    {
        "code": "JMHKB",
        "name": "居民户口簿",
        "names": [],
        "material_kind": "household_register",
        "holder_kind": "person",
        "validity_years": None,
        "matter_basic_codes": ["QR00102000"],
        "fields": [
            _f("household_head", "户主姓名"),
            _f("household_type", "户别"),
            _f("address", "住址"),
            _f("relation", "与户主关系"),
        ],
    },
]


def seed(apps, schema_editor):
    LicenceType = apps.get_model("licences", "LicenceType")
    for spec in TYPES:
        values = dict(spec)
        code = values.pop("code")
        LicenceType.objects.update_or_create(code=code, defaults=values)


def unseed(apps, schema_editor):
    LicenceType = apps.get_model("licences", "LicenceType")
    LicenceType.objects.filter(code__in=[t["code"] for t in TYPES], licences__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("licences", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
