"""帮办代办 settings, each read with a default so the project's settings.py may add an
environment-backed line for it later (see the module's names)."""

from __future__ import annotations

from django.conf import settings


def chat_response_minutes() -> int:
    """Service level of a chat: first answer within this many minutes of service hours."""
    return int(getattr(settings, "YISHI_ASSIST_CHAT_RESPONSE_MINUTES", 10))


def callback_response_minutes() -> int:
    """Service level of a call-back request: the call within this many minutes."""
    return int(getattr(settings, "YISHI_ASSIST_CALLBACK_RESPONSE_MINUTES", 60))


def onsite_response_minutes() -> int:
    """Service level of an on-site helper (and 代办): a helper within this many minutes."""
    return int(getattr(settings, "YISHI_ASSIST_ONSITE_RESPONSE_MINUTES", 10))


def service_hours() -> dict | None:
    """The assist service's hours as {ISO weekday: [[from, to], …]}; None: the district
    centre's opening hours (see yishi.assist.sla.hours)."""
    return getattr(settings, "YISHI_ASSIST_HOURS", None)


def proxy_max_days() -> int:
    """The longest an authorisation for 代办 may run (days from its signing)."""
    return int(getattr(settings, "YISHI_ASSIST_PROXY_MAX_DAYS", 365))
