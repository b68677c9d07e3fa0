"""Staff sign-in lockout (django-axes): the parts axes lets a project decide.

Axes watches every `authenticate()` call. Only staff sign in with a username; applicants
sign in by phone (`yishi.people.auth`) and their failed passwords are throttled per phone by
`people.services.applicant_login`, so axes leaves those calls alone: otherwise their
failures would count against the client address and lock staff behind the same network out.
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
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
