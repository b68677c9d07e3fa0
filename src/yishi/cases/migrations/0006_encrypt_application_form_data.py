"""Encrypt the form data of every application and draft with SM4 (ID numbers and phones
were in plain text). Reversible: decrypts back to JSON text."""

from django.db import migrations

from yishi.core.migration_crypto import decrypt_json_column, encrypt_json_column


def forwards(apps, schema_editor):
    encrypt_json_column(schema_editor.connection, "cases_application", "form_data")


def backwards(apps, schema_editor):
    decrypt_json_column(schema_editor.connection, "cases_application", "form_data")


class Migration(migrations.Migration):
    dependencies = [("cases", "0005_application_form_data_encrypted_column")]

    operations = [migrations.RunPython(forwards, backwards)]
