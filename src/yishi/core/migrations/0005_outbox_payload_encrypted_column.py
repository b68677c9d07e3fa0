import django.db.models
from django.db import migrations

import yishi.core.fields


class Migration(migrations.Migration):
    dependencies = [("core", "0004_events_and_signing_keys")]

    operations = [
        migrations.AddField(
            model_name="outboxmessage",
            name="payload_sm3",
            field=django.db.models.CharField(
                blank=True,
                help_text="投递成功时所发送内容的 SM3 摘要",
                max_length=64,
                verbose_name="已发送内容 SM3 摘要",
            ),
        ),
        # jsonb → text keeps each row's JSON text; the next migration encrypts it.
        migrations.AlterField(
            model_name="outboxmessage",
            name="payload",
            field=yishi.core.fields.EncryptedJSONField(verbose_name="内容"),
        ),
    ]
