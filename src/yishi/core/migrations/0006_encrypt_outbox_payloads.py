"""Encrypt every outbox payload with SM4; delivered messages keep only the SM3 digest of
what was sent (their payload becomes {}). Reversible: decrypts back to JSON text, but a
delivered message's payload stays {}."""

from django.db import migrations

from yishi.core.migration_crypto import decrypt_json_column, encrypt_json_column


def forwards(apps, schema_editor):
    encrypt_json_column(
        schema_editor.connection,
        "core_outboxmessage",
        "payload",
        reduce_where="status = 'delivered'",
        digest_column="payload_sm3",
    )


def backwards(apps, schema_editor):
    decrypt_json_column(schema_editor.connection, "core_outboxmessage", "payload")


class Migration(migrations.Migration):
    dependencies = [("core", "0005_outbox_payload_encrypted_column")]

    operations = [migrations.RunPython(forwards, backwards)]
