"""Staff second factor (等保三级: two factors for administrators): a TOTP device and single-use
recovery codes (django-otp), enrolled and used under /workbench/security/.

Who is asked: a staff account (is_staff, superuser, or holding a StaffProfile) whose session
is not OTP-verified. When `STAFF_SECOND_FACTOR_REQUIRED` is on, every one is asked (to enrol
first when it has no device); when off, only those who enrolled a device. Applicants never
pay for it: the middleware looks at the path and the user row already loaded, nothing else.
"""

from __future__ import annotations

import functools
import re
from typing import Any
from urllib.parse import quote

import segno
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.functional import LazyObject, SimpleLazyObject, empty
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from yishi.core.audit import audit_append
from yishi.core.errors import PermissionDeniedError, ValidationFailed
from yishi.core.problem import problem_response
from yishi.core.sessions import staff_sessions_end_others

RECOVERY_CODE_COUNT = 10
TOTP_NAME = "身份验证器"
RECOVERY_NAME = "恢复码"

SECURITY_PATH = "/workbench/security/"
VERIFY_PATH = "/workbench/security/verify/"
# Reachable by a signed-in staff session that has not passed the second factor yet.
_EXEMPT = (
    SECURITY_PATH,  # the status page and enrolment (the views refuse what needs a factor)
    "/admin/login/",
    "/admin/logout/",
)
_GUARDED = ("/workbench/", "/admin/", "/api/")
_TOTP_TOKEN = re.compile(r"^\d{6}$")


def required() -> bool:
    return bool(getattr(settings, "STAFF_SECOND_FACTOR_REQUIRED", False))


def is_staff_account(user: Any) -> bool:
    """Staff by the user row (no query), else by a StaffProfile (one query)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff or user.is_superuser:
        return True
    return _has_staff_profile(user)


def _has_staff_profile(user: Any) -> bool:
    try:
        user.staff_profile  # noqa: B018 - the reverse one-to-one; raises when absent
    except ObjectDoesNotExist:
        return False
    return True


def is_verified(user: Any) -> bool:
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def has_confirmed_device(user: Any) -> bool:
    return user_has_device(user, confirmed=True)


# Whether the signed-in staff account has a confirmed device, read at sign-in and kept in the
# session: staff requests then cost no device query. A device enrolled in another session is
# asked for from that account's next sign-in (with the requirement on, every unverified staff
# session is stopped anyway, and the pages read the database).
SESSION_HAS_DEVICE = "yishi_second_factor_device"


def remember_device_at_login(sender: Any, request: HttpRequest | None, user: Any, **kw) -> None:
    if request is None or not hasattr(request, "session"):
        return
    if user.is_staff or user.is_superuser:
        request.session[SESSION_HAS_DEVICE] = has_confirmed_device(user)
    else:
        request.session.pop(SESSION_HAS_DEVICE, None)


def _session_has_device(request: HttpRequest, user: Any) -> bool:
    known = request.session.get(SESSION_HAS_DEVICE)
    if known is None:  # a session signed in before this was deployed, or a profile-only user
        known = has_confirmed_device(user)
        request.session[SESSION_HAS_DEVICE] = known
    return bool(known)


def totp_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


# ---------------------------------------------------------------- middleware


def session_verified(request: HttpRequest, user: Any) -> bool:
    """Whether this session passed the second factor: `django_otp.login` stored the device's
    id in it, and nothing else writes that key. The session belongs to this user (Django
    flushes it when someone else signs in), so no device row is read to decide."""
    return bool(
        getattr(user, "is_authenticated", False) and request.session.get(DEVICE_ID_SESSION_KEY)
    )


def _device_of_session(request: HttpRequest, user: Any) -> Any:
    """The verifying device, as django-otp's OTPMiddleware finds it (its row must still exist,
    be confirmed and belong to the user; otherwise the session is no longer verified)."""
    persistent_id = request.session.get(DEVICE_ID_SESSION_KEY) if user.is_authenticated else None
    device = Device.from_persistent_id(persistent_id) if persistent_id else None
    if device is not None and (device.user_id != user.pk or not device.confirmed):
        device = None
    if device is None:
        request.session.pop(DEVICE_ID_SESSION_KEY, None)
    return device


class _SecondFactorUser(SimpleLazyObject):
    """`request.user` with django-otp's two attributes: `is_verified()` answered from the
    session, and `otp_device` loaded from the database only when something reads it (an
    assignment, as `django_otp.login` makes, goes to the user and is read back as is)."""

    def __init__(self, request: HttpRequest, user: Any) -> None:
        self.__dict__["_request"] = request
        super().__init__(functools.partial(self._resolve, request, user))

    @staticmethod
    def _resolve(request: HttpRequest, user: Any) -> Any:
        # AuthenticationMiddleware's lazy user, evaluated once; the real object is held.
        if isinstance(user, LazyObject):
            if user._wrapped is empty:
                user._setup()
            user = user._wrapped
        user.is_verified = functools.partial(session_verified, request, user)
        return user

    @property
    def otp_device(self) -> Any:
        if self._wrapped is empty:
            self._setup()
        user = self._wrapped
        if "otp_device" not in user.__dict__:
            user.otp_device = _device_of_session(self.__dict__["_request"], user)
        return user.__dict__["otp_device"]


class SecondFactorMiddleware:
    """In place of django_otp's OTPMiddleware, which reads the verifying device from the
    database on every request of a verified session: here the session decides
    (`session_verified`) and the device is read only when asked for (`user.otp_device`).
    Then sends an unverified staff session to verify (or to enrol when it has no device and
    one is required); its API calls answer 401."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None:
            request.user = _SecondFactorUser(request, user)
        path = request.path
        if not path.startswith(_GUARDED) or path.startswith(_EXEMPT):
            return self.get_response(request)
        user = request.user
        if not getattr(user, "is_authenticated", False):
            return self.get_response(request)
        # Applicants stop here on the API: the loaded user row says they are not staff. A
        # StaffProfile without is_staff is looked for only on staff pages.
        if not (user.is_staff or user.is_superuser) and (
            path.startswith("/api/") or not _has_staff_profile(user)
        ):
            return self.get_response(request)
        if is_verified(user):
            return self.get_response(request)
        has_device = _session_has_device(request, user)
        if not has_device and not required():
            return self.get_response(request)
        if path.startswith("/api/"):
            return problem_response(
                request,
                status=401,
                title="需要第二重身份验证",
                detail=(
                    "工作人员账号须先完成第二重身份验证（动态口令或恢复码）后才能调用接口。"
                    if has_device
                    else "工作人员账号须先绑定身份验证器（动态口令）后才能调用接口。"
                ),
                code="second-factor-required",
            )
        target = VERIFY_PATH if has_device else SECURITY_PATH
        return HttpResponseRedirect(f"{target}?next={quote(request.get_full_path())}")


# ---------------------------------------------------------------- use cases


def totp_enrol_start(*, user: Any) -> TOTPDevice:
    """The unconfirmed device being enrolled (the same secret until it is confirmed)."""
    if has_confirmed_device(user):
        raise PermissionDeniedError(
            "已绑定身份验证器；如需更换，请先验证后移除原设备。", field="token"
        )
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def totp_enrol_confirm(*, request: HttpRequest, user: Any, token: str) -> list[str]:
    """Confirm the device with its first code, mark the session verified, and return the
    fresh recovery codes (shown once)."""
    token = (token or "").strip().replace(" ", "")
    with transaction.atomic():
        if (
            TOTPDevice.objects.select_for_update(no_key=True)
            .filter(user=user, confirmed=True)
            .exists()
        ):
            raise PermissionDeniedError("已绑定身份验证器。", field="token")
        device = (
            TOTPDevice.objects.select_for_update(no_key=True)
            .filter(user=user, confirmed=False)
            .order_by("pk")
            .first()
        )
        if device is None:
            raise ValidationFailed("绑定已失效，请刷新页面重新扫码。", field="token")
        if not _TOTP_TOKEN.match(token) or not device.verify_token(token):
            raise ValidationFailed("动态口令不正确，请核对手机上的 6 位数字后重试。", field="token")
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        request.session[SESSION_HAS_DEVICE] = True
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        codes = _recovery_codes_replace(user)
        audit_append(
            action="auth.second_factor.enrol",
            actor=user,
            object_type="auth.user",
            object_id=user.pk,
            data={"device": "totp"},
        )
    otp_login(request, device)
    return codes


def recovery_codes_regenerate(*, user: Any) -> list[str]:
    """New recovery codes; the old ones stop working."""
    with transaction.atomic():
        if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise PermissionDeniedError("请先绑定身份验证器。", field="token")
        codes = _recovery_codes_replace(user)
        audit_append(
            action="auth.second_factor.recovery_codes",
            actor=user,
            object_type="auth.user",
            object_id=user.pk,
            data={"count": len(codes)},
        )
    return codes


def _recovery_codes_replace(user: Any) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def second_factor_verify(*, request: HttpRequest, user: Any, token: str) -> None:
    """Check a 6-digit TOTP code or a recovery code (used up) and mark the session verified."""
    token = (token or "").strip().replace(" ", "").lower()
    if not token:
        raise ValidationFailed("请输入动态口令或恢复码。", field="token")
    device = _match(user, token)
    if device is None:
        raise ValidationFailed(
            "动态口令或恢复码不正确（恢复码只能使用一次）；多次失败后须稍等再试。", field="token"
        )
    otp_login(request, device)
    audit_append(
        action="auth.second_factor.verify",
        actor=user,
        object_type="auth.user",
        object_id=user.pk,
        data={"device": "totp" if isinstance(device, TOTPDevice) else "recovery_code"},
    )


def _match(user: Any, token: str) -> Any:
    """The device that accepts the token: six digits go to the authenticator, anything else
    to the recovery codes, so a recovery code never counts as a failed TOTP attempt."""
    kind = TOTPDevice if _TOTP_TOKEN.match(token) else StaticDevice
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=True, for_verify=True):
            if isinstance(device, kind) and device.verify_token(token):
                return device
    return None


def second_factor_remove(*, request: HttpRequest, user: Any, token: str) -> None:
    """Remove the authenticator and the recovery codes, proven by a fresh TOTP code."""
    token = (token or "").strip().replace(" ", "")
    if not _TOTP_TOKEN.match(token) or _match(user, token) is None:
        raise ValidationFailed(
            "动态口令不正确，未移除。请输入身份验证器上当前的 6 位数字。", field="token"
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        audit_append(
            action="auth.second_factor.remove",
            actor=user,
            object_type="auth.user",
            object_id=user.pk,
            data={},
        )
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    request.session[SESSION_HAS_DEVICE] = False
    user.otp_device = None
    # Other sessions were verified by the removed device, and a verified session is known
    # from the session alone (SecondFactorMiddleware): they are ended.
    staff_sessions_end_others(user=user, current_key=request.session.session_key)


def qr_svg_data_uri(uri: str) -> str:
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def base32_secret(device: TOTPDevice) -> str:
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
