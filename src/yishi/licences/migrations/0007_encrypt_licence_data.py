"""Encrypt every licence's face data with SM4 (names of the holder, the parents and the
applicant were in plain text). Reversible: decrypts back to JSON text."""

from django.db import migrations

from yishi.core.migration_crypto import decrypt_json_column, encrypt_json_column


def forwards(apps, schema_editor):
    encrypt_json_column(schema_editor.connection, "licences_licence", "data")


def backwards(apps, schema_editor):
    decrypt_json_column(schema_editor.connection, "licences_licence", "data")


class Migration(migrations.Migration):
    dependencies = [("licences", "0006_licence_data_encrypted_column")]

    operations = [migrations.RunPython(forwards, backwards)]
