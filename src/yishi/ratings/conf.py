"""Settings of 好差评, each read with its default (settings.py sets them from the
environment)."""

from __future__ import annotations

from django.conf import settings


def invite_days() -> int:
    """Days after completion an unrated application gets its one invitation."""
    return int(getattr(settings, "YISHI_RATING_INVITE_DAYS", 3))


def visit_days() -> int:
    """Working days, from the day after the rating, for 回访核实 of a 差评."""
    return int(getattr(settings, "YISHI_RATING_VISIT_DAYS", 5))


def rectify_days() -> int:
    """Working days, from the day after the rating, for 整改 or 情况说明."""
    return int(getattr(settings, "YISHI_RATING_RECTIFY_DAYS", 15))


def link_days() -> int:
    """How long a signed rating link (SMS invitation) stays valid, in days."""
    return int(getattr(settings, "YISHI_RATING_LINK_DAYS", 30))


def push_destination() -> str:
    """Outbox destination of the documents for the provincial 好差评 system."""
    return str(getattr(settings, "YISHI_RATING_PUSH_DESTINATION", "file:province_ratings"))


def warn_days() -> int:
    """A follow-up due within this many working days is shown as a warning."""
    return int(getattr(settings, "YISHI_RATING_WARN_DAYS", 1))
