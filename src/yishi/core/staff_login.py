"""The staff sign-in form (the admin's login page, `admin.site.login_form`): it says in
Chinese why a sign-in was refused, without helping a stranger find out which accounts exist.

A wrong username or password gets one message whether or not the account exists, with the
attempts left before django-axes locks the sign-in. Only once the password is proven right
does the page name the account's state: disabled, or not a staff account (an applicant's, who
signs in at /account/login/). A refused attempt costs the same password hashing whatever the
reason, so timing tells no more than the message.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError


class StaffLoginForm(AdminAuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码不正确。",
        "inactive": "账号已停用，请联系管理员。",
        "not_staff": ("此账号不是工作人员账号，请使用群众/企业登录入口（/account/login/）。"),
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            self.user_cache = authenticate(self.request, username=username, password=password)
            if self.user_cache is None:
                raise self._refusal(username, password)
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data

    def confirm_login_allowed(self, user: Any) -> None:
        # Reached only with a verified password.
        if not user.is_active:
            raise ValidationError(self.error_messages["inactive"], code="inactive")
        if not user.is_staff:
            raise ValidationError(self.error_messages["not_staff"], code="not_staff")

    def _refusal(self, username: str, password: str) -> ValidationError:
        """Why authenticate() said no: a disabled account whose password is right, else wrong
        credentials (an unknown name included)."""
        model = get_user_model()
        try:
            user = model._default_manager.get_by_natural_key(username)
        except model.DoesNotExist:
            make_password(password)  # the same hashing cost as a known name
        else:
            if user.check_password(password) and not user.is_active:
                return ValidationError(self.error_messages["inactive"], code="inactive")
        message = self.error_messages["invalid_login"]
        left = self._attempts_left(username)
        if left is not None and left > 0:
            minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
            message += f"再输错 {left} 次，将锁定 {minutes} 分钟。"
        return ValidationError(message, code="invalid_login")

    def _attempts_left(self, username: str) -> int | None:
        """Wrong passwords still allowed before the lockout (axes counts this attempt
        already); None when there is no request to count against."""
        if self.request is None:
            return None
        credentials = {"username": username}
        failures = AxesProxyHandler.get_failures(self.request, credentials)
        return get_failure_limit(self.request, credentials) - failures
