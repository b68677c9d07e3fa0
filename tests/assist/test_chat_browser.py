"""Done-when journey in two browser contexts over real websockets: a resident asks for help
in chat about their draft, a clerk answers, proposes a value for a field of the draft, and
the resident confirms it (the value is then in the draft); the resident still submits on
their own. The pages are served by uvicorn (ASGI: HTTP and websockets) in a thread against
the test database, so this runs in the PostgreSQL pass (SQLite's in-memory test database is
not meant for a second server's concurrent writes).

YISHI_SCREENSHOTS=<dir> keeps the pages at 1280 and 375 px."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings
from playwright.sync_api import expect

from tests.assist.factories import make_world
from yishi.cases.models import Application

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]
SHOTS = os.environ.get("YISHI_SCREENSHOTS", "")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def asgi_server(transactional_db):
    """uvicorn serving the project's ASGI application (static files through Django's
    handler, as the live server does) in a background thread."""
    import uvicorn
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    from yishi import asgi

    app = asgi.ProtocolTypeRouter(
        {
            "http": ASGIStaticFilesHandler(asgi.django_application),
            "websocket": asgi.application.application_mapping["websocket"],
        }
    )
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    _close_server_connections()


def _close_server_connections() -> None:
    """The server's worker threads kept their own connections to the test database; end
    them so that the database can be dropped at the end of the run."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


def _context(browser, base: str, user, width: int = 1280):
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": width, "height": 900}
    )
    login = Client()
    login.force_login(user)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": login.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base,
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.errors = errors
    return context, page


def _shoot(page, name: str) -> None:
    if not SHOTS:
        return
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    for width, height in ((1280, 900), (375, 800)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(Path(SHOTS) / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


@override_settings(STAFF_SECOND_FACTOR_REQUIRED=False)
def test_resident_asks_clerk_answers_and_fills_a_field_resident_confirms(browser, asgi_server):
    w = make_world()
    base = asgi_server
    rctx, resident = _context(browser, base, w.resident.user)
    cctx, clerk = _context(browser, base, w.clerk.user)
    try:
        # The resident asks from 我要帮办 (in the footer of every page), about the draft.
        resident.goto(f"{base}/apply/draft/{w.draft.pk}/form/")
        resident.get_by_role("link", name="在线咨询、预约回电").click()
        resident.wait_for_url(f"{base}/assist/")
        _shoot(resident, "assist-home")
        resident.locator("#q-chat").fill("申请表里的姓名怎么填？")
        resident.locator("#draft-chat").select_option(str(w.draft.pk))
        resident.locator("input[name=consent]").check()
        resident.get_by_role("button", name="开始咨询").click()
        expect(resident.locator("[data-assist-chat][data-live]")).to_have_count(1)
        request_path = resident.url.removeprefix(base)

        # The clerk finds it on the console and opens it; both are connected live.
        clerk.goto(f"{base}/workbench/assist/")
        _shoot(clerk, "assist-console")
        row = clerk.locator("[data-list=assist-open] a").first
        row.click()
        expect(clerk.locator("[data-assist-chat][data-live]")).to_have_count(1)
        expect(clerk.locator("[data-log]")).to_contain_text("申请表里的姓名怎么填？")

        # The clerk answers: the line reaches the resident without a reload.
        clerk.locator("[data-chat-input]").fill("您好，我帮您看一下草稿。")
        clerk.locator("[data-chat-send]").click()
        expect(resident.locator("[data-log]")).to_contain_text("您好，我帮您看一下草稿。")
        expect(resident.locator("[data-log]")).to_contain_text("帮办人员李帮办")
        resident.locator("[data-chat-input]").fill("好的，谢谢")
        resident.locator("[data-chat-send]").click()
        expect(clerk.locator("[data-log]")).to_contain_text("好的，谢谢")

        # With consent the clerk sees the draft and proposes a value for 申请人姓名.
        expect(clerk.locator("[data-draft]")).to_contain_text("申请人姓名")
        clerk.locator("#p-field").select_option("name")
        clerk.locator("#p-value").fill("王小明")
        clerk.get_by_role("button", name="发送代填建议").click()
        expect(clerk.locator(".alert--ok")).to_contain_text("已发送代填建议")
        _shoot(clerk, "assist-clerk-request")

        # The resident sees the proposal live and confirms it on their own device.
        proposal = resident.locator("[data-proposals] li").filter(has_text="王小明")
        expect(proposal).to_contain_text("申请人姓名")
        _shoot(resident, "assist-chat")
        assert Application.objects.get(pk=w.draft.pk).form_data.get("name") in (None, "")
        proposal.get_by_role("button", name="确认填入").click()
        expect(resident.locator(".alert--ok")).to_contain_text("已把「申请人姓名」填入草稿")
        assert Application.objects.get(pk=w.draft.pk).form_data["name"] == "王小明"
        expect(clerk.locator("[data-proposals]")).to_contain_text("已采纳")

        # The value is in the resident's own form, to check, sign and submit as usual.
        resident.goto(f"{base}/apply/draft/{w.draft.pk}/form/")
        expect(resident.locator("input[name=name]")).to_have_value("王小明")
        assert request_path.startswith("/assist/")

        clerk.goto(f"{base}/workbench/assist/stats/")
        _shoot(clerk, "assist-stats")
        assert not [e for e in resident.errors + clerk.errors if "Content Security Policy" in e]
    finally:
        rctx.close()
        cctx.close()
