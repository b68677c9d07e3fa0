"""Background tasks of the service hall (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from yishi.hall.services import appointment_mark_no_shows


@task()
def mark_appointment_no_shows() -> int:
    """Bookings whose half hour has passed without a check-in become no-shows (run every
    half hour; idempotent). No-shows limit booking (YISHI_APPOINTMENT_NO_SHOW_LIMIT)."""
    return appointment_mark_no_shows()
