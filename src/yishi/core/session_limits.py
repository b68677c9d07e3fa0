"""Signed-in sessions end after SESSION_IDLE_MINUTES without a request (staff only) and
SESSION_MAX_HOURS after sign-in (everyone). The session itself keeps when it started and
when it was last seen; an ended session is logged out and the request answered with the
login page (pages) or 401 problem+json (API).

Last-seen is written at most once a minute: every write of the session is a database
write, and a busy client makes several requests a second. Staff sessions are also indexed
by user (`yishi.core.sessions.StaffSession`: written at sign-in, last-seen with the session's,
removed at sign-out) for the page where staff see and end their own sessions.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from yishi.core.problem import problem_response
from yishi.core.sessions import staff_session_forget, staff_session_record, staff_session_seen

STARTED = "_yishi_started"
SEEN = "_yishi_seen"
STAFF = "_yishi_staff"
SEEN_RESOLUTION_SECONDS = 60
APPLICANT_LOGIN_URL = "/account/login/"


def _is_staff(user) -> bool:
    """Staff by the user row, else by holding a staff profile (catalog's StaffProfile, read
    through the reverse relation: core does not import catalog). Asked once per sign-in."""
    if user.is_staff or user.is_superuser:
        return True
    try:
        user.staff_profile  # noqa: B018 - the reverse one-to-one; raises when absent
    except (ObjectDoesNotExist, AttributeError):
        return False
    return True


def stamp_at_sign_in(sender, request, user, **kwargs) -> None:
    """`user_logged_in` receiver: the stamps go into the session that the sign-in saves
    anyway, so the first request after it writes nothing."""
    session = getattr(request, "session", None)
    if session is None:
        return
    now = int(time.time())
    session[STARTED] = now
    session[SEEN] = now
    session[STAFF] = _is_staff(user)
    if session[STAFF]:
        staff_session_record(request=request, user=user)


def forget_at_sign_out(sender, request, user, **kwargs) -> None:
    """`user_logged_out` receiver: the ended session leaves the staff member's list."""
    session = getattr(request, "session", None)
    if session is not None:
        staff_session_forget(session.session_key)


class SessionLimitsMiddleware:
    """After AuthenticationMiddleware. An anonymous request costs nothing: the session is
    only read when it already holds a user."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and SESSION_KEY in session:
            ended = self._check(request, session, int(time.time()))
            if ended is not None:
                return ended
        return self.get_response(request)

    def _check(self, request: HttpRequest, session, now: int) -> HttpResponse | None:
        started = session.get(STARTED)
        if not isinstance(started, int):
            # First request after a sign-in: stamp it. (A sign-in as someone else flushes
            # the session, stamps included; signing in again as the same user keeps them.)
            session[STARTED] = now
            session[SEEN] = now
            session[STAFF] = _is_staff(request.user)
            return None
        seen = session.get(SEEN, started)
        max_age = int(settings.SESSION_MAX_HOURS) * 3600
        idle = int(settings.SESSION_IDLE_MINUTES) * 60
        if now - started >= max_age:
            return self._ended(request, "登录已超过最长有效时间，请重新登录")
        if session.get(STAFF) and now - seen >= idle:
            return self._ended(request, "长时间未操作，登录已失效，请重新登录")
        if now - seen >= SEEN_RESOLUTION_SECONDS:
            session[SEEN] = now
            if session.get(STAFF):
                staff_session_seen(request=request, user=request.user, started=started)
        return None

    def _ended(self, request: HttpRequest, detail: str) -> HttpResponse:
        staff = bool(request.session.get(STAFF))
        logout(request)
        if request.path.startswith("/api/"):
            response = problem_response(
                request, status=401, title="登录已失效", detail=detail, code="session_expired"
            )
            response["WWW-Authenticate"] = 'Session realm="yishi"'
            return response
        login_url = settings.LOGIN_URL if staff else APPLICANT_LOGIN_URL
        response = HttpResponseRedirect(f"{login_url}?next={quote(request.get_full_path())}")
        if request.headers.get("HX-Request"):
            # htmx would swap the login page into the fragment: load it as the whole page.
            response["HX-Redirect"] = response["Location"]
        return response
