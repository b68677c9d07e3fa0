"""远程虚拟窗口 settings, each read with a default so that settings.py may add an
environment-backed line for it (see the README)."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def ice_servers() -> list[dict[str, Any]]:
    """The STUN/TURN servers handed to RTCPeerConnection ({"urls": …, "username": …,
    "credential": …}); empty: host candidates only, enough on one machine or one LAN. In
    production a coturn server of the district's (see the README)."""
    servers = getattr(settings, "YISHI_REMOTE_ICE_SERVERS", [])
    if isinstance(servers, dict):  # an RTCConfiguration-shaped {"iceServers": […]}
        servers = servers.get("iceServers", [])
    return [dict(s) for s in servers or []]


def recording_days() -> int:
    """How long a recording (made with consent) is kept before `purge_remote_recordings`
    deletes it."""
    return int(getattr(settings, "YISHI_REMOTE_RECORDING_DAYS", 90))


def recording_chunk_bytes() -> int:
    """Largest accepted piece of a recording (the browser sends one every 3 seconds, about
    300 KB). A request body is also bounded by YISHI_MAX_BODY_BYTES (1 MB by default)."""
    return int(getattr(settings, "YISHI_REMOTE_RECORDING_CHUNK_BYTES", 1024 * 1024))


def recording_max_bytes() -> int:
    """Largest recording of one session, all pieces together."""
    return int(getattr(settings, "YISHI_REMOTE_RECORDING_MAX_BYTES", 1024 * 1024 * 1024))


def tickets_per_account() -> int:
    """Open remote tickets one account may hold per day."""
    return int(getattr(settings, "YISHI_REMOTE_TICKETS_PER_ACCOUNT", 2))
