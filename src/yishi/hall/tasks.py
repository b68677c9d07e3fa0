"""Background tasks of the service hall (django-tasks)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

from yishi.hall.models import Outlet
from yishi.hall.queries import BOOKING_DAYS
from yishi.hall.services import appointment_mark_no_shows, appointment_slots_open_bookable


@task()
def mark_appointment_no_shows() -> int:
    """Bookings whose half hour has passed without a check-in become no-shows (run every
    half hour; idempotent). No-shows limit booking (YISHI_APPOINTMENT_NO_SHOW_LIMIT)."""
    return appointment_mark_no_shows()


@task()
def open_appointment_slots() -> int:
    """Keep the coming week bookable: open the slots of every matter handled at each outlet's
    windows (run daily; idempotent)."""
    first_day = timezone.localdate() + dt.timedelta(days=1)
    return sum(
        appointment_slots_open_bookable(outlet=outlet, first_day=first_day, days=BOOKING_DAYS)
        for outlet in Outlet.objects.all()
    )
