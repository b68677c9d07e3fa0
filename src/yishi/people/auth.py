"""Authentication backends for applicants: phone + password and phone + SMS code.

The phone is looked up through its blind index (it is never stored in plain text, not even
as the username). Throttling of failed logins is `services.applicant_login`'s job; these
backends only answer "who is this".
"""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import User
from django.http import HttpRequest

from yishi.core.auth import ModelBackend
from yishi.core.errors import ValidationFailed
from yishi.core.fields import blind_index
from yishi.core.validators import validate_mobile
from yishi.people.models import ApplicantAccount, SmsCode
from yishi.people.services import sms_code_verify


def _account_user(phone: str | None) -> User | None:
    try:
        number = validate_mobile(phone or "").number
    except ValidationFailed:
        return None
    account = (
        ApplicantAccount.objects.select_related("user")
        .filter(phone_index=blind_index(number))
        .first()
    )
    return account.user if account is not None else None


class PhonePasswordBackend(ModelBackend):
    """`authenticate(request, phone=..., password=...)`."""

    def authenticate(  # type: ignore[override]
        self, request: HttpRequest | None, phone: str | None = None, password: str | None = None
    ) -> AbstractBaseUser | None:
        if not phone or not password:
            return None
        user = _account_user(phone)
        if user is None:
            # Spend the same time as a real check, so timing does not tell who is registered.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


class SmsCodeBackend(ModelBackend):
    """`authenticate(request, phone=..., sms_code=...)`: uses up a login code. A code that is
    wrong, expired or used up raises ValidationFailed with the precise reason."""

    def authenticate(  # type: ignore[override]
        self, request: HttpRequest | None, phone: str | None = None, sms_code: str | None = None
    ) -> AbstractBaseUser | None:
        if not phone or not sms_code:
            return None
        user = _account_user(phone)
        if user is None or not self.user_can_authenticate(user):
            return None
        sms_code_verify(phone=phone, purpose=SmsCode.Purpose.LOGIN, code=sms_code)
        return user
