"""Staff second factor (TOTP + recovery codes): with the requirement on, an unverified staff
session is sent to enrol or verify and its API calls answer 401; enrolment takes a correct
code and refuses a wrong one in Chinese; a recovery code works once; with the requirement
off demo staff work without a factor; applicants are never touched."""

from __future__ import annotations

import re
import time

import pytest
from django.test import override_settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.cases.factories import StaffFactory
from tests.people.accounts_support import ApplicantAccountFactory
from yishi.core.models import AuditEntry
from yishi.workbench.second_factor import SecondFactorMiddleware

pytestmark = pytest.mark.django_db

SECURITY = "/workbench/security/"
VERIFY = "/workbench/security/verify/"
REQUIRED = override_settings(STAFF_SECOND_FACTOR_REQUIRED=True)
NOT_REQUIRED = override_settings(STAFF_SECOND_FACTOR_REQUIRED=False)
STAFF_API = "/api/v1/subcases"


def _code(device: TOTPDevice, *, steps: int = 0) -> str:
    """The device's code `steps` time steps from now (one step later avoids the replay guard;
    the device accepts one step either side)."""
    clock = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    clock.time = time.time() + steps * device.step
    return f"{clock.token():0{device.digits}d}"


def _enrol(client, user) -> tuple[TOTPDevice, list[str]]:
    client.get(SECURITY)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(f"{SECURITY}enrol/", {"token": _code(device)})
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
    device.refresh_from_db()
    return device, codes


@pytest.fixture
def staff_user():
    return StaffFactory().user


@REQUIRED
def test_unenrolled_staff_are_sent_to_enrol_from_workbench_and_admin(client, staff_user):
    client.force_login(staff_user)
    for path in ("/workbench/", "/workbench/deadlines/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == f"{SECURITY}?next={path}"
    page = client.get(SECURITY)
    assert page.status_code == 200
    body = page.content.decode()
    assert "data:image/svg+xml" in body
    assert "确认绑定" in body


@REQUIRED
def test_unverified_staff_api_call_answers_401_problem(client, staff_user):
    client.force_login(staff_user)
    response = client.get(STAFF_API)
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["title"] == "需要第二重身份验证"


@REQUIRED
def test_enrolled_but_unverified_staff_are_sent_to_verify_and_enrolment_is_closed(
    client, staff_user
):
    client.force_login(staff_user)
    device, _ = _enrol(client, staff_user)
    client.logout()
    client.force_login(staff_user)
    response = client.get("/workbench/")
    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY}?next=/workbench/"
    # The security page cannot be used to add a second device around the first.
    assert client.get(SECURITY)["Location"].startswith(VERIFY)
    assert client.post(f"{SECURITY}enrol/", {"token": "123456"})["Location"] == VERIFY
    assert TOTPDevice.objects.filter(user=staff_user).count() == 1
    assert client.get(STAFF_API).status_code == 401
    # A fresh code (the next time step: the enrolment's code cannot be replayed) passes.
    response = client.post(VERIFY, {"token": _code(device, steps=1), "next": "/workbench/"})
    assert response.status_code == 302
    assert response["Location"] == "/workbench/"
    assert client.get("/workbench/").status_code == 200
    assert client.get(STAFF_API).status_code != 401


@REQUIRED
def test_enrolment_with_the_right_code_confirms_verifies_and_shows_ten_recovery_codes(
    client, staff_user
):
    client.force_login(staff_user)
    device, codes = _enrol(client, staff_user)
    assert device.confirmed
    assert len(codes) == 10 and len(set(codes)) == 10
    assert StaticToken.objects.filter(device__user=staff_user).count() == 10
    assert client.get("/workbench/").status_code == 200  # this session is verified
    assert AuditEntry.objects.filter(action="auth.second_factor.enrol").count() == 1
    # Shown once: the status page no longer lists them.
    assert not re.search(
        r"<li><code>[a-z2-7]{8}</code></li>", client.get(SECURITY).content.decode()
    )


@REQUIRED
def test_enrolment_with_a_wrong_code_is_refused_in_chinese(client, staff_user):
    client.force_login(staff_user)
    client.get(SECURITY)
    device = TOTPDevice.objects.get(user=staff_user)
    wrong = f"{(int(_code(device)) + 1) % 1_000_000:06d}"
    response = client.post(f"{SECURITY}enrol/", {"token": wrong})
    assert response.status_code == 400
    assert "动态口令不正确" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert not StaticToken.objects.filter(device__user=staff_user).exists()
    assert client.get("/workbench/").status_code == 302


@REQUIRED
def test_a_recovery_code_works_once_only(client, staff_user):
    client.force_login(staff_user)
    _, codes = _enrol(client, staff_user)
    for attempt in range(2):
        client.logout()
        client.force_login(staff_user)
        response = client.post(VERIFY, {"token": codes[0].upper()})
        if attempt == 0:
            assert response.status_code == 302
            assert client.get("/workbench/").status_code == 200
        else:
            assert response.status_code == 400
            assert "恢复码只能使用一次" in response.content.decode()
            assert client.get("/workbench/").status_code == 302
    assert StaticToken.objects.filter(device__user=staff_user).count() == 9


@REQUIRED
def test_regenerated_recovery_codes_replace_the_old_ones(client, staff_user):
    client.force_login(staff_user)
    _, old = _enrol(client, staff_user)
    response = client.post(f"{SECURITY}recovery-codes/")
    new = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
    assert len(new) == 10
    assert set(
        StaticToken.objects.filter(device__user=staff_user).values_list("token", flat=True)
    ) == set(new)
    assert not set(old) & set(new)


@REQUIRED
def test_removing_the_device_needs_a_fresh_code(client, staff_user):
    client.force_login(staff_user)
    device, _ = _enrol(client, staff_user)
    refused = client.post(f"{SECURITY}remove/", {"token": "abc"})
    assert refused.status_code == 400
    assert TOTPDevice.objects.filter(user=staff_user, confirmed=True).exists()
    response = client.post(f"{SECURITY}remove/", {"token": _code(device, steps=1)})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=staff_user, confirmed=True).exists()
    assert not StaticToken.objects.filter(device__user=staff_user).exists()
    assert client.get("/workbench/")["Location"].startswith(SECURITY)


@NOT_REQUIRED
def test_without_the_requirement_staff_work_without_a_factor(client, staff_user):
    client.force_login(staff_user)
    assert client.get("/workbench/").status_code == 200
    assert client.get(STAFF_API).status_code != 401
    assert client.get(VERIFY)["Location"] == SECURITY  # nothing to verify


@NOT_REQUIRED
def test_without_the_requirement_a_voluntary_device_is_always_asked_for(client, staff_user):
    client.force_login(staff_user)
    _enrol(client, staff_user)
    client.logout()
    client.force_login(staff_user)
    assert client.get("/workbench/")["Location"].startswith(VERIFY)
    assert client.get(STAFF_API).status_code == 401


@REQUIRED
def test_applicants_are_unaffected_and_pay_no_query(client, rf, django_assert_num_queries):
    account = ApplicantAccountFactory()
    client.force_login(account.user)
    assert client.get("/account/").status_code == 200
    assert client.get("/api/v1/applications").status_code == 200
    # The middleware decides on the user row already loaded: no query of its own.
    user = type(account.user).objects.get(pk=account.user.pk)
    for path in ("/api/v1/applications", "/account/", "/apply/"):
        request = rf.get(path)
        request.user = user
        with django_assert_num_queries(0):
            assert SecondFactorMiddleware(lambda r: "passed")(request) == "passed"
    assert not TOTPDevice.objects.exists()


@REQUIRED
def test_applicant_cannot_open_the_security_pages(client):
    client.force_login(ApplicantAccountFactory().user)
    assert client.get(SECURITY).status_code == 403
    assert client.get(VERIFY).status_code == 403
    assert not TOTPDevice.objects.exists()


@REQUIRED
def test_a_verified_staff_request_reads_no_device_row(client, staff_user):
    """The session says the second factor was passed: no request of a verified session reads
    the OTP device tables (django-otp's own middleware read the device on each one)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(staff_user)
    _enrol(client, staff_user)
    for path in ("/workbench/", "/workbench/applications/", STAFF_API):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200, path
        assert not [q["sql"] for q in queries if "otp_" in q["sql"]], path


def test_otp_device_and_is_verified_still_work_and_the_device_is_read_only_when_asked(
    rf, staff_user, django_assert_num_queries
):
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY

    device = TOTPDevice.objects.create(user=staff_user, name="身份验证器", confirmed=True)
    user = type(staff_user).objects.get(pk=staff_user.pk)
    seen = {}

    def view(request):
        with django_assert_num_queries(0):
            seen["verified"] = request.user.is_verified()
        with django_assert_num_queries(1):
            seen["device"] = request.user.otp_device
        with django_assert_num_queries(0):
            assert request.user.otp_device == device  # read once
        return "passed"

    request = rf.get("/account/")
    request.session = SessionStore()
    request.session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    request.user = user
    assert SecondFactorMiddleware(view)(request) == "passed"
    assert seen == {"verified": True, "device": device}

    # A device that is gone (removed in another session) is not the session's any more.
    device.delete()
    request = rf.get("/account/")
    request.session = SessionStore()
    request.session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    request.user = type(staff_user).objects.get(pk=staff_user.pk)  # a new request's user

    def gone(request):
        assert request.user.is_verified()  # the session alone says so …
        assert request.user.otp_device is None  # … until the device is read: it is gone
        assert not request.user.is_verified()
        return "passed"

    assert SecondFactorMiddleware(gone)(request) == "passed"


@REQUIRED
def test_removing_the_device_ends_the_other_sessions_it_verified(client, staff_user):
    from django.test import Client

    client.force_login(staff_user)
    device, _ = _enrol(client, staff_user)
    laptop = Client()
    laptop.force_login(staff_user)
    assert laptop.post(VERIFY, {"token": _code(device, steps=1)}).status_code == 302
    assert laptop.get("/workbench/").status_code == 200

    response = client.post(f"{SECURITY}remove/", {"token": _code(device, steps=2)})
    assert response.status_code == 302
    # The laptop's session was verified by the removed device: it is signed out.
    assert laptop.get("/workbench/")["Location"].startswith("/admin/login/")
    assert client.get(SECURITY).status_code == 200
