"""Accounts with a staff profile may sign in to the back-office: is_staff now follows the
profile (yishi.catalog.signals), so accounts made before that get it once here."""

from django.db import migrations


def forwards(apps, schema_editor):
    User = apps.get_model("auth", "User")
    User.objects.filter(staff_profile__isnull=False, is_staff=False).update(is_staff=True)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0005_staff_roles_as_groups"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
