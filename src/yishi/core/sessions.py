"""The database session store, reading its row with a precompiled statement; and the index
of staff sessions by user (`StaffSession`), for the page where staff see and end their own.

Every authenticated request loads its session first; Django's store builds that query with
the ORM each time (see `yishi.core.rows` for why that matters). Rows, expiry, saving and
clearing are Django's own (`django.contrib.sessions.backends.db`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DbSessionStore
from django.contrib.sessions.models import Session
from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from yishi.core import rows
from yishi.core.audit import audit_append
from yishi.core.crypto import sm3_hex
from yishi.core.models import StaffSession


class SessionStore(DbSessionStore):
    def _get_session_from_db(self) -> Session | None:
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        found = rows.select_one(
            Session, '"session_key" = %s AND "expire_date" > %s', [self.session_key, now]
        )
        if found is None:
            # As Django's store: an unknown or expired key is dropped, so that saving this
            # session makes a new row instead of updating one that is not there.
            self._session_key = None
        return found


# ---------------------------------------------------------------- staff sessions, listed


@dataclass(frozen=True)
class LiveSession:
    id: int
    created_at: dt.datetime
    last_seen: dt.datetime
    device: str
    address: str
    current: bool


def _digest(session_key: str) -> str:
    return sm3_hex(session_key)


# (pattern in the User-Agent, name shown), first match wins: Edge and Opera also say Chrome,
# Chrome also says Safari, and the Chinese browsers say all of them.
_BROWSERS = (
    ("MicroMessenger", "微信"),
    ("DingTalk", "钉钉"),
    ("QQBrowser", "QQ 浏览器"),
    ("UCBrowser", "UC 浏览器"),
    ("360SE", "360 浏览器"),
    ("Edg", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
    ("MSIE ", "IE"),
    ("Trident/", "IE"),
)
_SYSTEMS = (
    ("HarmonyOS", "鸿蒙"),
    ("Android", "安卓"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Macintosh", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def describe_user_agent(user_agent: str) -> str:
    """ "Chrome · Windows" from a User-Agent header; "未知浏览器" when nothing is recognised.
    A few substrings are enough for a person to recognise their own sign-ins: the full header
    is not kept (a fingerprint, and nothing to show)."""
    browser = next((name for key, name in _BROWSERS if key in user_agent), "")
    system = next((name for key, name in _SYSTEMS if key in user_agent), "")
    return " · ".join(part for part in (browser, system) if part) or "未知浏览器"


def mask_address(address: str) -> str:
    """192.168.*.* for IPv4, the first two groups for IPv6 (2408:8000:*)."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return ""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv4Address):
        head = str(ip).split(".")[:2]
        return ".".join([*head, "*", "*"])
    head = ip.exploded.split(":")[:2]
    return ":".join([*(part.lstrip("0") or "0" for part in head), "*"])


def _client_address(request: HttpRequest) -> str:
    # The address axes counts failures against: the same proxy configuration decides both.
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) or ""


def staff_session_record(*, request: HttpRequest, user: Any) -> None:
    """At a staff sign-in: index the new session under the user. Rows of the user's sessions
    that cannot be alive any more (older than the absolute lifetime) are dropped then."""
    session = request.session
    if session.session_key is None:
        session.save()
    key = session.session_key
    now = timezone.now()
    StaffSession.objects.filter(
        user=user, created_at__lt=now - dt.timedelta(hours=int(settings.SESSION_MAX_HOURS))
    ).delete()
    StaffSession.objects.update_or_create(
        key_digest=_digest(key),
        defaults={
            "key_encrypted": key,
            "user": user,
            "created_at": now,
            "last_seen": now,
            "device": describe_user_agent(request.headers.get("User-Agent", ""))[:60],
            "address_masked": mask_address(_client_address(request)),
        },
    )


def staff_session_seen(*, request: HttpRequest, user: Any, started: int) -> None:
    """Last activity of the session (called at most once a minute per session). A session
    not indexed yet (signed in before the index existed, or given a new key since) is added."""
    key = request.session.session_key
    if not key:
        return
    now = timezone.now()
    if StaffSession.objects.filter(key_digest=_digest(key)).update(last_seen=now):
        return
    with contextlib.suppress(IntegrityError), transaction.atomic():
        StaffSession.objects.create(
            key_digest=_digest(key),
            key_encrypted=key,
            user=user,
            created_at=dt.datetime.fromtimestamp(started, tz=dt.UTC),
            last_seen=now,
            device=describe_user_agent(request.headers.get("User-Agent", ""))[:60],
            address_masked=mask_address(_client_address(request)),
        )


def staff_session_forget(session_key: str | None) -> None:
    """At sign-out: the session is gone, so is its row."""
    if session_key:
        StaffSession.objects.filter(key_digest=_digest(session_key)).delete()


def staff_sessions_live(*, user: Any, current_key: str | None) -> list[LiveSession]:
    """The user's sessions that are still alive (Django's row not expired, not idle past the
    staff idle limit), the current one first. Rows of dead sessions are dropped."""
    rows = list(StaffSession.objects.filter(user=user))
    if not rows:
        return []
    now = timezone.now()
    alive_keys = set(
        Session.objects.filter(
            session_key__in=[row.key_encrypted for row in rows], expire_date__gt=now
        ).values_list("session_key", flat=True)
    )
    idle_since = now - dt.timedelta(minutes=int(settings.SESSION_IDLE_MINUTES))
    current = _digest(current_key) if current_key else ""
    live, dead = [], []
    for row in rows:
        if row.key_encrypted in alive_keys and (
            row.last_seen > idle_since or row.key_digest == current
        ):
            live.append(row)
        else:
            dead.append(row.pk)
    if dead:
        StaffSession.objects.filter(pk__in=dead).delete()
    sessions = [
        LiveSession(
            id=row.pk,
            created_at=row.created_at,
            last_seen=row.last_seen,
            device=row.device,
            address=row.address_masked,
            current=row.key_digest == current,
        )
        for row in live
    ]
    sessions.sort(key=lambda s: (not s.current, -s.last_seen.timestamp()))
    return sessions


def staff_session_end(*, user: Any, session_id: int) -> bool:
    """End one of the user's own sessions: Django's session row is deleted, so its next
    request is signed out. False when the user has no such session (someone else's
    included: nobody ends another person's session)."""
    row = StaffSession.objects.filter(pk=session_id, user=user).first()
    if row is None:
        return False
    with transaction.atomic():
        Session.objects.filter(session_key=row.key_encrypted).delete()
        row.delete()
        audit_append(
            action="auth.session.end",
            actor=user,
            object_type="auth.user",
            object_id=user.pk,
            data={"session": session_id},
        )
    return True


def staff_sessions_end_others(*, user: Any, current_key: str | None) -> int:
    """End every session of the user but this one; how many were ended."""
    current = _digest(current_key) if current_key else ""
    rows = list(StaffSession.objects.filter(user=user).exclude(key_digest=current))
    if not rows:
        return 0
    with transaction.atomic():
        ended, _ = Session.objects.filter(
            session_key__in=[row.key_encrypted for row in rows]
        ).delete()
        StaffSession.objects.filter(pk__in=[row.pk for row in rows]).delete()
        audit_append(
            action="auth.session.end_others",
            actor=user,
            object_type="auth.user",
            object_id=user.pk,
            data={"count": ended},
        )
    return ended
