"""htmx requests that end in a redirect navigate the whole page.

The hall's live fragments poll with htmx (hx-get, hx-trigger="every …"). When a session has
ended, a poll is redirected to the sign-in page; the browser's fetch follows the redirect on
its own and htmx would swap the whole sign-in page into the waiting list. Answered instead with
HX-Redirect (django-htmx), htmx loads the target as a page, as a person would expect."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseRedirectBase
from django_htmx.http import HttpResponseClientRedirect


class HtmxRedirectMiddleware:
    """After django_htmx.middleware.HtmxMiddleware: a redirect answering an htmx request
    becomes an HX-Redirect to the same address."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, "htmx", False) and isinstance(response, HttpResponseRedirectBase):
            return HttpResponseClientRedirect(response["Location"])
        return response
