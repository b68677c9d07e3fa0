"""Admin for the kernel: the calendar (admin_calendar) and audit/outbox (admin_kernel)."""

from yishi.core import admin_calendar, admin_kernel  # noqa: F401  (registers the ModelAdmins)
