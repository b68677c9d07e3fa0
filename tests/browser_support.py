"""What the browser tests share: a staff member logging in through the admin login form."""

from __future__ import annotations

import re

STAFF_PASSWORD = "Pw-staff-browser-2026"


def staff_log_in(page, profile, next_path: str, *, base_url: str | None = None) -> None:
    """Log `profile`'s user in on `page` through the real login form and land on
    `next_path` (cookies of an earlier login on the page's context are cleared first)."""
    profile.user.set_password(STAFF_PASSWORD)
    profile.user.save()
    page.context.clear_cookies()
    page.goto(f"{base_url or page.base_url}/admin/login/?next={next_path}")
    page.locator("#id_username").fill(profile.user.username)
    page.locator("#id_password").fill(STAFF_PASSWORD)
    page.locator('input[type="submit"]').click()
    page.wait_for_url(re.compile(re.escape(next_path) + "$"))


def signed_in(page, live_server, user) -> None:
    """Give `page` a session of `user` (a cookie from Django's test client, no sign-in form)."""
    from django.conf import settings
    from django.test import Client

    login = Client()
    login.force_login(user)
    cookie = login.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
