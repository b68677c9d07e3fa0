"""The national indicator sets, version 1: online (网上办事) and offline (线下服务)."""

from django.db import migrations

SETS = {
    "online": ["整体满意度", "办事效率", "办事指南精确度", "办事便捷度", "平台操作性"],
    "offline": ["整体满意度", "服务效率", "服务水平", "服务态度"],
}


def seed(apps, schema_editor):
    IndicatorSet = apps.get_model("ratings", "IndicatorSet")
    for channel, indicators in SETS.items():
        IndicatorSet.objects.get_or_create(
            channel=channel, version=1, defaults={"indicators": indicators, "active": True}
        )


class Migration(migrations.Migration):
    dependencies = [("ratings", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
