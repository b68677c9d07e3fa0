"""The seeded licence types learn where their data comes from in the 一件事 forms ("from":
the newborn form says baby_name where the 出生医学证明 says newborn_name) and whom they are
about ("subject"): the newborn's 出生医学证明, 居民户口簿 page and 社会保障卡 name the baby, the
残疾人证 the person named on the form, with the applicant recorded as 申请人/监护人."""

from django.db import migrations


def _f(key, label, kind="text", sources=None):
    spec = {"key": key, "label": label, "kind": kind}
    if sources:
        spec["from"] = sources
    return spec


BABY = {"name": ["baby_name", "newborn_name"], "id_number": ["baby_id", "newborn_id"]}

TYPES = {
    "CSYXZM": {
        "subject": BABY,
        "fields": [
            _f("newborn_name", "新生儿姓名", sources=["baby_name", "newborn_name"]),
            _f("newborn_sex", "新生儿性别", sources=["baby_sex", "newborn_sex"]),
            _f("birth_date", "出生日期", "date"),
            _f("birth_place", "出生地点"),
            _f("mother_name", "母亲姓名"),
            _f("father_name", "父亲姓名"),
        ],
    },
    "JMHKB": {
        "subject": BABY,
        "fields": [
            _f("name", "姓名", sources=["baby_name", "newborn_name", "name"]),
            _f("sex", "性别", sources=["baby_sex", "newborn_sex", "sex"]),
            _f("birth_date", "出生日期", "date"),
            _f("household_head", "户主姓名"),
            _f("household_type", "户别"),
            _f("address", "住址", sources=["hukou_address", "address"]),
            _f("relation", "与户主关系"),
        ],
    },
    "SHBZK": {
        "subject": {
            "name": ["baby_name", "applicant_name"],
            "id_number": ["baby_id", "applicant_id"],
        },
        "fields": [
            _f("name", "姓名", sources=["baby_name", "applicant_name", "name"]),
            _f("sex", "性别", sources=["baby_sex", "applicant_sex", "sex"]),
            _f("card_bank", "服务银行", sources=["card_bank", "bank"]),
            _f("issuing_place", "发卡地"),
        ],
    },
    "CJRZ": {
        "subject": {"name": ["applicant_name"], "id_number": ["applicant_id"]},
        "fields": [
            _f("disability_category", "残疾类别", sources=["disability_kind", "disability_category"]),
            _f("disability_grade", "残疾等级"),
            _f("guardian", "监护人", sources=["guardian_name", "guardian"]),
            _f("address", "住址", sources=["hukou_address", "address"]),
        ],
    },
}


def seed(apps, schema_editor):
    LicenceType = apps.get_model("licences", "LicenceType")
    for code, values in TYPES.items():
        LicenceType.objects.filter(code=code).update(**values)


def unseed(apps, schema_editor):
    LicenceType = apps.get_model("licences", "LicenceType")
    for code, values in TYPES.items():
        fields = [
            {k: v for k, v in spec.items() if k != "from"}
            for spec in values["fields"]
            if spec["key"] not in ("name", "sex", "birth_date") or code == "CSYXZM"
        ]
        LicenceType.objects.filter(code=code).update(subject={}, fields=fields)


class Migration(migrations.Migration):
    dependencies = [("licences", "0004_licence_subject_and_applicant")]

    operations = [migrations.RunPython(seed, unseed)]
