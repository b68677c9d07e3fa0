from django.db import migrations

import yishi.core.fields


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_application_service_centre")]

    operations = [
        # jsonb → text keeps each row's JSON text; the next migration encrypts it.
        migrations.AlterField(
            model_name="application",
            name="form_data",
            field=yishi.core.fields.EncryptedJSONField(
                blank=True, default=dict, verbose_name="申请表数据"
            ),
        ),
    ]
