"""Settings of training and 持证上岗, each read with its default (settings.py may set them)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

GATE_MODES = ("block", "warn", "off")


def certificate_gate() -> str:
    """持证上岗 at a 综合窗口: "block" refuses a clerk without a valid certificate, "warn" lets
    them on with a warning, "off" checks nothing. Default "warn": the rule is being phased in
    (the plan says 推动), and a district switches to "block" when its staff are certified."""
    mode = str(getattr(settings, "YISHI_CERTIFICATE_GATE", "warn"))
    if mode not in GATE_MODES:
        raise ImproperlyConfigured(f"YISHI_CERTIFICATE_GATE 应为 {'、'.join(GATE_MODES)} 之一")
    return mode


def expiry_warn_days() -> int:
    """A certificate expiring within this many days is shown as expiring soon."""
    return int(getattr(settings, "YISHI_CERTIFICATE_WARN_DAYS", 60))


def certificate_years() -> int:
    """Validity of a certificate issued on passing an exam, in years."""
    return int(getattr(settings, "YISHI_CERTIFICATE_YEARS", 3))
