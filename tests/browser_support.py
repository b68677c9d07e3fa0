"""What the browser tests share: a staff member logging in through the admin login form, a
signed-in context of its own for a user, screenshots at the two widths we check."""

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


def context_as(browser, base: str, user, width: int = 1280):
    """(context, page) of a new Chinese-locale browser context signed in as `user`."""
    from django.conf import settings
    from django.test import Client

    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": width, "height": 900}
    )
    login = Client()
    login.force_login(user)
    cookie = login.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def shoot(page, name: str) -> None:
    """Full-page screenshots at 1280 and 375 px into $YISHI_SHOTS, when it is set."""
    import os
    from pathlib import Path

    shots = os.environ.get("YISHI_SHOTS", "")
    if not shots:
        return
    Path(shots).mkdir(parents=True, exist_ok=True)
    for width, height in ((1280, 900), (375, 800)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(Path(shots) / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
