"""Green-channel tickets issued before claims were verified.

A green ticket still waiting that was taken on a phone, a kiosk or the API (anyone could
claim the priority there) loses the bonus and waits 待核验 for a clerk, like a new claim.
Tickets issued at the green-channel desk (a GreenChannelRequest, registered by staff) keep
the priority as verified at the desk. Tickets already called or finished keep theirs, marked
verified with a note saying that nobody checked them: history is not rewritten.
The reason is read from the desk request or from the audit entry of the take."""

from django.db import migrations

GREEN, ORDINARY = 2, 0
OPEN = ("waiting", "transferred")
PENDING_NOTE = "请到窗口出示相关证明，经工作人员核验后优先叫号"
DESK_NOTE = "窗口工作人员登记绿色通道服务时核验"
LEGACY_NOTE = "核验功能上线前取号，当时未经核验即按绿色通道叫号"


def hold_unverified(apps, schema_editor):
    Ticket = apps.get_model("hall", "Ticket")
    GreenChannelRequest = apps.get_model("hall", "GreenChannelRequest")
    AuditEntry = apps.get_model("core", "AuditEntry")
    desk = dict(
        GreenChannelRequest.objects.filter(ticket__isnull=False).values_list("ticket_id", "reason")
    )
    desk_at = dict(
        GreenChannelRequest.objects.filter(ticket__isnull=False).values_list(
            "ticket_id", "requested_at"
        )
    )
    for ticket in Ticket.objects.filter(priority=GREEN).iterator():
        reason = desk.get(ticket.pk)
        if reason is None:
            entry = (
                AuditEntry.objects.filter(
                    action="hall.ticket.take", object_type="hall.ticket", object_id=str(ticket.pk)
                )
                .order_by("id")
                .first()
            )
            reason = (entry.data or {}).get("reason", "") if entry else ""
        ticket.green_reason = reason or ""
        if ticket.pk in desk:
            ticket.claim = "verified"
            ticket.claim_checked_at = desk_at[ticket.pk]
            ticket.claim_note = DESK_NOTE
        elif ticket.status in OPEN:
            ticket.claim = "pending"
            ticket.claim_note = PENDING_NOTE
            ticket.priority = ORDINARY
            ticket.virtual_at = ticket.arrived_at
        else:
            ticket.claim = "verified"
            ticket.claim_note = LEGACY_NOTE
        ticket.save(
            update_fields=[
                "green_reason",
                "claim",
                "claim_checked_at",
                "claim_note",
                "priority",
                "virtual_at",
            ]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("hall", "0003_ticket_green_claim"),
    ]

    operations = [migrations.RunPython(hold_unverified, migrations.RunPython.noop)]
