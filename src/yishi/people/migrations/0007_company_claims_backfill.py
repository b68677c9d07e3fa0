"""Claims recorded before scopes existed: a legal representative holds every scope; an agent
the registry had already confirmed keeps the full access it had. Unconfirmed claims stay
pending (they grant nothing until verified)."""

from django.db import migrations

SCOPES = ["apply", "benefits", "credit", "licences"]


def backfill(apps, schema_editor):
    CompanyAgent = apps.get_model("people", "CompanyAgent")
    CompanyAgent.objects.filter(role="legal_rep").update(scopes=SCOPES)
    confirmed = CompanyAgent.objects.filter(verified_at__isnull=False, verification="")
    confirmed.filter(role="agent").update(scopes=SCOPES)
    confirmed.update(verification="registry")


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0006_company_claims"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
