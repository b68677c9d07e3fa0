"""Staff sign-in lockout (django-axes): the parts axes lets a project decide.

Two rules, each with its own threshold: an account (username, from any address) is locked
after AXES_FAILURE_LIMIT wrong passwords, an address after STAFF_ADDRESS_MAX_FAILURES wrong
passwords for any usernames. The address rule is the looser one: a whole office signs in from
behind one NAT address, and a few colleagues' typos must not lock all of them out; guessing
many accounts from one address is still stopped. Axes compares every rule with one limit, so
`SignInLockoutHandler` scales the address count onto it.

Axes watches every `authenticate()` call. Only staff sign in with a username; applicants
sign in by phone (`yishi.people.auth`) and their failed passwords are throttled per phone by
`people.services.applicant_login`, so axes leaves those calls alone: otherwise their
failures would count against the client address and lock staff behind the same network out.
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit, get_lockout_parameters
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string


class SignInLockoutBackend(AxesStandaloneBackend):
    """Axes' standalone backend (it only refuses locked-out sign-ins, it logs nobody in),
    except that a call without a request passes: that is no sign-in over the network but
    the test client's or a shell's `authenticate()`, where axes would raise instead.
    Every sign-in page and API passes its request."""

    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)


class SignInLockoutHandler(AxesDatabaseHandler):
    """AXES_HANDLER: axes' database handler, except that the failures counted for the
    address-only rule lock at STAFF_ADDRESS_MAX_FAILURES rather than at AXES_FAILURE_LIMIT.
    `get_failures` is what both the lock check and the count after a failure read."""

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        limit = get_failure_limit(request, credentials)
        address_limit = max(int(settings.STAFF_ADDRESS_MAX_FAILURES), limit)
        rules = get_lockout_parameters(request, credentials)
        attempts = self.get_user_attempts(request, credentials)
        failures = 0
        for rule, rows in zip(rules, attempts, strict=True):
            count = rows.aggregate(n=Sum("failures_since_start"))["n"] or 0
            if rule in ("ip_address", ["ip_address"]):
                # At the address limit this rule locks (reports the account limit); below
                # it, it never does.
                count = limit if count >= address_limit else min(count, limit - 1)
            failures = max(failures, count)
        return failures


def not_a_staff_sign_in(request: HttpRequest, credentials: dict | None) -> bool:
    """AXES_WHITELIST_CALLABLE: True (axes neither checks nor counts) when no username was
    given, i.e. an applicant's phone sign-in or the province's single sign-on."""
    return not (credentials or {}).get("username")


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the Chinese 429 page shown instead of the login form."""
    cooloff = settings.AXES_COOLOFF_TIME
    minutes = max(1, int(cooloff.total_seconds() // 60))
    body = render_to_string(
        "signin_locked.html",
        {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": minutes},
        request=request,
    )
    response = HttpResponse(body, status=429, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(minutes * 60)
    return response
