"""The skill levels of 行政办事员（政务服务综合窗口办事员）.

Source of the names: national occupational skill standards (国家职业技能标准) are written to
人力资源社会保障部《国家职业技能标准编制技术规程（2018年版）》, which sets five levels named
五级/初级工、四级/中级工、三级/高级工、二级/技师、一级/高级技师; the standard for this
occupation (《行政办事员（政务服务综合窗口办事员）国家职业技能标准》, 人力资源社会保障部、
国务院办公厅) uses these names. Levels are data: an administrator may retire or add one."""

from django.db import migrations

LEVELS = [
    ("L5", "五级/初级工", 5),
    ("L4", "四级/中级工", 4),
    ("L3", "三级/高级工", 3),
    ("L2", "二级/技师", 2),
    ("L1", "一级/高级技师", 1),
]


def load(apps, schema_editor):
    Level = apps.get_model("training", "CertificateLevel")
    for code, name, rank in LEVELS:
        Level.objects.update_or_create(code=code, defaults={"name": name, "rank": rank})


def unload(apps, schema_editor):
    apps.get_model("training", "CertificateLevel").objects.filter(
        code__in=[c for c, _, _ in LEVELS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("training", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
