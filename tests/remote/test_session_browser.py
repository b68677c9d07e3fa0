"""Done-when journey in two browser contexts with Chromium's fake camera and microphone,
over real websockets and real WebRTC (host candidates on one machine): the resident takes a
remote ticket, a clerk signs on at the remote window and calls it, both peers report
`connected`, the clerk's screen share arrives on the resident's page, a field the clerk fills
appears on the resident's screen, the resident agrees to the recording (pieces reach the
server, encrypted) and confirms the form — the confirmation is recorded; the clerk submits
(远程受理) and finishes, and the resident is invited to rate. Also: a refused or missing
camera gives a clear Chinese message.

Served by uvicorn (ASGI: HTTP and websockets) in a thread against the test database, so this
runs in the PostgreSQL pass. YISHI_SCREENSHOTS=<dir> keeps the pages at 1280 and 375 px."""

from __future__ import annotations

import time

import pytest
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import expect

from tests.assist.test_chat_browser import _context, _shoot, asgi_server  # noqa: F401
from tests.conftest import CHROMIUM
from tests.remote.factories import live, make_world
from yishi.cases.models import Application
from yishi.remote.models import Recording, RemoteSession

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

MEDIA_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Chromium's fake devices (a test pattern and a beep) instead of a camera and a
    # microphone, with the permission prompt answered "allow"; getDisplayMedia then gives a
    # fake screen too, without a picker.
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--auto-select-desktop-capture-source=Entire screen",
    "--autoplay-policy=no-user-gesture-required",
]


@pytest.fixture(scope="module")
def media_browser(browser):
    """A second Chromium from the same Playwright, with the fake media devices."""
    b = browser.browser_type.launch(executable_path=CHROMIUM, args=MEDIA_ARGS)
    yield b
    b.close()


@override_settings(STAFF_SECOND_FACTOR_REQUIRED=False)
def test_resident_and_clerk_connect_share_fill_confirm_and_finish(media_browser, asgi_server):  # noqa: F811
    w = make_world()
    base = asgi_server
    rctx, resident = _context(media_browser, base, w.resident.user)
    cctx, clerk = _context(media_browser, base, w.clerk.user)
    logs: list[str] = []
    resident.on("console", lambda m: logs.append(f"R {m.type} {m.text}"))
    clerk.on("console", lambda m: logs.append(f"C {m.type} {m.text}"))
    try:
        # The resident takes a remote ticket at the village point's terminal.
        resident.goto(f"{base}/remote/")
        _shoot(resident, "remote-home")
        resident.locator("#r-matter").select_option(w.matter.code)
        resident.locator("#r-point").select_option(w.village.code)
        resident.get_by_role("button", name="取号并等候视频").click()
        expect(resident.locator("[data-waiting]")).to_contain_text("A001")
        _shoot(resident, "remote-waiting")

        # The clerk signs on at the remote window and calls it.
        clerk.goto(f"{base}/workbench/remote/")
        clerk.locator("[data-sign-on]").first.click()
        expect(clerk.locator("[data-list=remote-waiting]")).to_contain_text("A001")
        _shoot(clerk, "remote-console")
        clerk.locator("[data-call-next]").click()
        expect(clerk.locator("[data-remote][data-role=clerk]")).to_have_count(1)

        # The waiting page notices the call and joins; both peers connect.
        expect(resident.locator("[data-remote][data-status=live]")).to_have_count(1, timeout=20_000)
        expect(resident.locator("[data-remote]")).to_have_attribute(
            "data-peer-state", "connected", timeout=30_000
        )
        expect(clerk.locator("[data-remote]")).to_have_attribute(
            "data-peer-state", "connected", timeout=30_000
        )
        # The clerk's page reported the connection: the hall ticket's service started.
        session = RemoteSession.objects.get()
        _until(lambda: _served(session))

        # The clerk shares the screen: the track arrives and plays on the resident's page.
        clerk.locator("[data-share-screen]").click()
        expect(clerk.locator("[data-remote]")).to_have_attribute("data-sharing", "screen")
        expect(resident.locator("[data-remote-screen]")).to_have_attribute(
            "data-track", "playing", timeout=20_000
        )
        assert resident.locator("[data-remote-screen]").evaluate("v => v.videoWidth") > 0

        # The resident turns on the document camera: the clerk sees the second video.
        resident.locator("[data-doc-start]").click()
        expect(resident.locator("[data-remote]")).to_have_attribute("data-sharing", "document")
        expect(clerk.locator("[data-remote-document]")).to_have_attribute(
            "data-track", "playing", timeout=20_000
        )

        # The resident agrees to the recording; the clerk's browser records and uploads.
        resident.locator("[data-consent=yes]").click()
        expect(resident.locator("[data-consent-state]")).to_contain_text("您已同意录像")
        expect(clerk.locator("[data-remote]")).to_have_attribute("data-recording", "on")

        # The clerk fills a field: it appears on the resident's screen.
        clerk.locator("#f-name").fill(w.resident.person.name)
        clerk.locator("#f-address").fill("涂家垴镇张家村3组")
        clerk.locator("#f-purpose").fill("办理城乡居民养老保险参保登记")
        expect(resident.locator('[data-field="address"]')).to_have_text("涂家垴镇张家村3组")
        expect(resident.locator('[data-field="purpose"]')).to_have_text(
            "办理城乡居民养老保险参保登记"
        )
        _shoot(resident, "remote-session")
        _shoot(clerk, "remote-clerk")

        # The resident confirms and signs on their own screen: recorded.
        resident.locator("#sig").fill(w.resident.person.name)
        resident.locator("[data-confirm]").click()
        expect(resident.locator("[data-confirmed]")).to_be_visible()
        expect(clerk.locator("[data-confirmed-state]")).to_contain_text("已确认并签名")
        session.refresh_from_db()
        assert session.confirmed_at is not None and len(session.confirmed_digest) == 64

        # Chat both ways.
        resident.locator("[data-chat-input]").fill("我看清楚了")
        resident.locator("[data-chat-send]").click()
        expect(clerk.locator("[data-log]")).to_contain_text("我看清楚了")

        # Identity (card and SMS steps done as in tests/remote/test_identity.py), the clerk's
        # visual check, then submit: the case runs as 远程受理.
        RemoteSession.objects.filter(pk=session.pk).update(
            card_checked_at=timezone.now(), sms_checked_at=timezone.now()
        )
        clerk.locator("[data-visual-ok]").click()
        expect(resident.locator('[data-identity-step="visual"]')).to_have_attribute(
            "data-ok", "yes"
        )
        clerk.locator("[data-submit]").click()
        expect(resident.locator("[data-submitted]")).to_contain_text("已提交申请")
        app = Application.objects.exclude(status=Application.Status.DRAFT).get()
        assert app.channel == Application.Channel.REMOTE

        # A recorded piece or more reached the server (MediaRecorder sends one every 3 s).
        clerk.wait_for_timeout(3500)
        clerk.locator("[data-finish]").click()
        clerk.wait_for_url(f"{base}/workbench/remote/")
        expect(resident.locator("[data-ended]")).to_be_visible()
        expect(resident.locator("[data-rate-link]")).to_have_attribute(
            "href", f"/ratings/ticket/{session.ticket.token}/"
        )
        _until(lambda: Recording.objects.filter(session=session, size__gt=0).exists())
        assert Recording.objects.get(session=session).chunks.count() >= 1
        errors = [e for e in resident.errors + clerk.errors if "Content Security Policy" in e]
        assert not errors, errors
    except BaseException:
        print("\n".join(logs))  # the pages' console, to see what the peers did
        raise
    finally:
        rctx.close()
        cctx.close()


def _served(session) -> bool:
    session.ticket.refresh_from_db()
    return session.ticket.served_started_at is not None


def _until(check, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("NotAllowedError", "您没有允许本页使用摄像头和麦克风"),
        ("NotFoundError", "没有找到摄像头或麦克风"),
    ],
)
@override_settings(STAFF_SECOND_FACTOR_REQUIRED=False)
def test_a_refused_or_missing_camera_gets_a_clear_message(media_browser, asgi_server, name, words):  # noqa: F811
    w = make_world()
    session = live(w)
    ctx, page = _context(media_browser, asgi_server, w.resident.user, width=375)
    try:
        page.add_init_script(
            "navigator.mediaDevices.getUserMedia = () => "
            f"Promise.reject(new DOMException('refused', '{name}'));"
        )
        page.goto(f"{asgi_server}/remote/{session.pk}/")
        expect(page.locator("[data-media-error]")).to_be_visible()
        expect(page.locator("[data-media-error-text]")).to_contain_text(words)
        expect(page.locator("[data-remote]")).to_have_attribute("data-media-failure", name)
        _shoot(page, f"remote-media-{name}")
    finally:
        ctx.close()
