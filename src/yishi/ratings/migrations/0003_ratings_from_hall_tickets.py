"""The 1–5 scores hall tickets carried (`Ticket.rating`, removed by hall 0007) become ratings
of the ticket at stage 服务 under the offline set v1, source 原排队号评分迁移. Those scores
named no failed indicator, so a migrated poor score opens no follow-up (it predates the
scheme). Reversible: the reverse writes the level back onto the ticket."""

from django.db import migrations
from django.utils import timezone


def forward(apps, schema_editor):
    Ticket = apps.get_model("hall", "Ticket")
    Rating = apps.get_model("ratings", "Rating")
    IndicatorSet = apps.get_model("ratings", "IndicatorSet")
    offline = IndicatorSet.objects.get(channel="offline", version=1)
    for t in Ticket.objects.filter(rating__isnull=False).select_related("outlet").iterator():
        if not 1 <= t.rating <= 5:
            continue
        Rating.objects.get_or_create(
            target_key=f"ticket:{t.token}",
            stage="service",
            defaults={
                "kind": "ticket",
                "level": t.rating,
                "indicator_set": offline,
                "failed_indicators": [],
                "source": "legacy",
                "ticket": t,
                "department_id": t.outlet.department_id,
                "outlet_id": t.outlet_id,
                "created_at": t.finished_at or t.served_started_at or timezone.now(),
            },
        )


def backward(apps, schema_editor):
    Ticket = apps.get_model("hall", "Ticket")
    Rating = apps.get_model("ratings", "Rating")
    for r in Rating.objects.filter(kind="ticket", ticket__isnull=False).iterator():
        Ticket.objects.filter(pk=r.ticket_id).update(rating=r.level)
    Rating.objects.filter(source="legacy").delete()


class Migration(migrations.Migration):
    dependencies = [("ratings", "0002_seed_indicator_sets"), ("hall", "0006_outlet_map_fields")]

    operations = [migrations.RunPython(forward, backward)]
