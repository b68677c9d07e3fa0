"""Settings of 办不成事反映, read on every call (so `override_settings` works)."""

from __future__ import annotations

from django.conf import settings


def _days(name: str, default: int) -> int:
    raw = getattr(settings, name, default)
    try:
        days = int(raw)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a whole number of working days, got {raw!r}") from None
    if days < 0:
        raise ValueError(f"{name} must be >= 0, got {raw!r}")
    return days


def answer_days() -> int:
    """Working days from the report to the first answer (default 1)."""
    return _days("YISHI_REPORT_ANSWER_WORKING_DAYS", 1)


def resolve_days() -> int:
    """Working days from the report to its resolution (default 5)."""
    return _days("YISHI_REPORT_RESOLVE_WORKING_DAYS", 5)


def warn_days() -> int:
    """An open deadline this many working days away or nearer is shown as a warning."""
    return _days("YISHI_REPORT_WARN_WORKING_DAYS", 1)


def improvement_days() -> int:
    """The default deadline of an improvement item, in working days (default 15)."""
    return _days("YISHI_REPORT_IMPROVEMENT_WORKING_DAYS", 15)


def sms_destination() -> str:
    return getattr(settings, "SMS_DESTINATION", "log")
