from django.db import migrations

import yishi.core.fields


class Migration(migrations.Migration):
    dependencies = [("licences", "0005_seed_licence_subjects")]

    operations = [
        # jsonb → text keeps each row's JSON text; the next migration encrypts it.
        migrations.AlterField(
            model_name="licence",
            name="data",
            field=yishi.core.fields.EncryptedJSONField(
                blank=True, default=dict, verbose_name="照面信息"
            ),
        ),
    ]
