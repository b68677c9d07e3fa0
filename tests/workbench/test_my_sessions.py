"""My sessions (/workbench/security/sessions/): a staff member sees every live session of
theirs with browser, system and a masked address, the current one marked; ending another
one signs that device out at its next request; nobody ends someone else's session; the
session key is kept only as a digest and SM4 ciphertext."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings

from tests.cases.factories import StaffFactory
from tests.people.accounts_support import ApplicantAccountFactory
from yishi.core.models import AuditEntry, StaffSession
from yishi.core.sessions import describe_user_agent, mask_address

pytestmark = pytest.mark.django_db

SESSIONS = "/workbench/security/sessions/"
PASSWORD = "Clerk-pass-1"  # noqa: S105 - a test account's password
CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0"


def _staff(username: str):
    user = StaffFactory(user__username=username).user
    user.set_password(PASSWORD)
    user.save()
    return user


def _signed_in(user, *, agent: str = CHROME_WINDOWS, address: str = "192.168.10.21") -> Client:
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=address)
    response = client.post(
        "/admin/login/?next=/workbench/",
        {"username": user.username, "password": PASSWORD, "next": "/workbench/"},
    )
    assert response.status_code == 302, response.content[:300]
    return client


def _session_id(client: Client) -> int:
    from yishi.core.crypto import sm3_hex

    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    return StaffSession.objects.get(key_digest=sm3_hex(key)).pk


def test_the_page_lists_my_sessions_with_browser_system_and_masked_address():
    clerk = _staff("clerk")
    office = _signed_in(clerk)
    _signed_in(clerk, agent=FIREFOX_ANDROID, address="10.71.3.4")

    response = office.get(SESSIONS)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('data-session="') == 2
    assert page.count("当前会话") == 1
    assert "Chrome · Windows" in page and "Firefox · 安卓" in page
    assert "192.168.*.*" in page and "10.71.*.*" in page
    assert "192.168.10.21" not in page and "10.71.3.4" not in page
    assert page.count("结束此会话") == 1
    assert "退出其他所有会话" in page


def test_ending_my_other_session_signs_that_device_out_at_its_next_request():
    clerk = _staff("clerk")
    office = _signed_in(clerk)
    phone = _signed_in(clerk, agent=FIREFOX_ANDROID, address="10.71.3.4")
    assert phone.get("/workbench/").status_code == 200

    response = office.post(f"{SESSIONS}{_session_id(phone)}/end/")
    assert response.status_code == 302
    assert response["Location"] == SESSIONS

    response = phone.get("/workbench/")
    assert response.status_code == 302
    assert response["Location"].startswith(settings.LOGIN_URL)
    assert office.get("/workbench/").status_code == 200
    assert office.get(SESSIONS).content.decode().count('data-session="') == 1
    assert AuditEntry.objects.filter(action="auth.session.end").count() == 1


def test_another_staff_member_cannot_end_my_session():
    clerk = _staff("clerk")
    phone = _signed_in(clerk)
    intruder = _signed_in(_staff("officer"), address="10.0.0.9")

    response = intruder.post(f"{SESSIONS}{_session_id(phone)}/end/")
    assert response.status_code == 404
    assert phone.get("/workbench/").status_code == 200
    assert StaffSession.objects.filter(user=clerk).count() == 1
    assert not AuditEntry.objects.filter(action__startswith="auth.session.end").exists()


def test_ending_all_other_sessions_keeps_the_current_one():
    clerk = _staff("clerk")
    office = _signed_in(clerk)
    others = [_signed_in(clerk, address=f"10.1.1.{i}") for i in range(3)]
    elsewhere = _signed_in(_staff("officer"))

    response = office.post(f"{SESSIONS}end-others/")
    assert response.status_code == 302
    for other in others:
        assert other.get("/workbench/").status_code == 302
    assert office.get("/workbench/").status_code == 200
    assert elsewhere.get("/workbench/").status_code == 200
    assert StaffSession.objects.filter(user=clerk).count() == 1


def test_ending_the_current_session_signs_me_out():
    clerk = _staff("clerk")
    office = _signed_in(clerk)
    response = office.post(f"{SESSIONS}{_session_id(office)}/end/")
    assert response["Location"].startswith(settings.LOGIN_URL)
    assert office.get("/workbench/").status_code == 302
    assert not StaffSession.objects.exists()


def test_signing_out_removes_the_session_and_the_key_is_never_stored_in_plain():
    clerk = _staff("clerk")
    office = _signed_in(clerk)
    key = office.cookies[settings.SESSION_COOKIE_NAME].value
    with connection.cursor() as cursor:
        cursor.execute("SELECT key_digest, key_encrypted FROM core_staffsession")
        rows = cursor.fetchall()
    assert len(rows) == 1
    assert all(key not in str(value) for value in rows[0])

    office.post("/admin/logout/")
    assert not StaffSession.objects.exists()


def test_sessions_idle_past_the_limit_are_not_listed():
    import datetime as dt

    from django.utils import timezone

    clerk = _staff("clerk")
    office = _signed_in(clerk)
    stale = _signed_in(clerk, address="10.9.9.9")
    StaffSession.objects.filter(pk=_session_id(stale)).update(
        last_seen=timezone.now() - dt.timedelta(minutes=settings.SESSION_IDLE_MINUTES + 1)
    )
    assert office.get(SESSIONS).content.decode().count('data-session="') == 1


def test_applicants_have_no_sessions_page_and_are_not_indexed():
    account = ApplicantAccountFactory()
    client = Client()
    client.force_login(account.user)
    assert client.get(SESSIONS).status_code == 403
    assert not StaffSession.objects.exists()


@override_settings(STAFF_SECOND_FACTOR_REQUIRED=True)
def test_with_the_second_factor_required_the_page_waits_for_it():
    clerk = _staff("clerk")
    office = _signed_in(clerk)
    response = office.get(SESSIONS)
    assert response.status_code == 302
    assert response["Location"].startswith("/workbench/security/")


@pytest.mark.parametrize(
    ("agent", "shown"),
    [
        (CHROME_WINDOWS, "Chrome · Windows"),
        (FIREFOX_ANDROID, "Firefox · 安卓"),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
            "Edge · Windows",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50",
            "微信 · iPhone",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like "
            "Gecko) Version/17.5 Safari/605.1.15",
            "Safari · macOS",
        ),
        ("", "未知浏览器"),
    ],
)
def test_the_browser_is_named_in_plain_words(agent, shown):
    assert describe_user_agent(agent) == shown


def test_addresses_are_masked():
    assert mask_address("192.168.10.21") == "192.168.*.*"
    assert mask_address("::ffff:10.2.3.4") == "10.2.*.*"
    assert mask_address("2408:8000:1:2::5") == "2408:8000:*"
    assert mask_address("not an address") == ""


def test_deleting_a_staff_members_authenticator_in_the_back_office_ends_their_sessions(
    admin_client,
):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    clerk = _staff("clerk")
    phone = _signed_in(clerk, agent=FIREFOX_ANDROID, address="10.71.3.4")
    device = TOTPDevice.objects.create(user=clerk, name="手机", confirmed=True)
    assert phone.get("/workbench/").status_code == 200

    response = admin_client.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    answer = phone.get("/workbench/")
    assert answer.status_code == 302 and answer["Location"].startswith(settings.LOGIN_URL)
    assert admin_client.get("/admin/").status_code == 200  # the administrator stays in
