"""The token API for apps and partners (掌上办), and the bearer schemes every operation that
takes a signed-in user also accepts (wired in by yishi/api.py).

CSRF protects cookie sessions only: a bearer request carries no cookie a browser could send
on its own, so it needs no CSRF token.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpRequest
from ninja import Router, Schema, Status  # noqa: TID251 - an api module (the token API)
from ninja.security import HttpBearer  # noqa: TID251

from yishi.core.errors import PermissionDeniedError, ValidationFailed
from yishi.people import services
from yishi.people.tokens import (
    KEY_PREFIX,
    access_token_user,
    api_key_lookup,
    api_key_misused,
    api_key_used,
    token_pair_issue,
    token_pair_refresh,
    token_revoke,
)

router = Router(tags=["登录令牌"])


class TokenIn(Schema):
    phone: str
    password: str = ""
    sms_code: str = ""


class RefreshIn(Schema):
    refresh_token: str


class RevokeIn(Schema):
    refresh_token: str


class TokenOut(Schema):
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int


def _pair_out(pair: Any) -> dict[str, Any]:
    return {
        "access_token": pair.access_token,
        "refresh_token": pair.refresh_token,
        "token_type": "Bearer",
        "expires_in": pair.expires_in,
    }


@router.post(
    "/auth/token",
    auth=None,
    response=TokenOut,
    summary="申请人登录，签发访问令牌（15 分钟）与刷新令牌",
)
def token(request: HttpRequest, payload: TokenIn) -> dict[str, Any]:
    """手机号 + 密码，或手机号 + 短信验证码（用途 login）。失败计数与锁定规则同网页登录。"""
    if not payload.password and not payload.sms_code:
        raise ValidationFailed("请填写密码或短信验证码", field="password")
    user = services.applicant_login(
        request=request,
        phone=payload.phone,
        password=payload.password if not payload.sms_code else "",
        sms_code=payload.sms_code,
    )
    return _pair_out(token_pair_issue(user=user))


@router.post(
    "/auth/refresh",
    auth=None,
    response=TokenOut,
    summary="用刷新令牌换取新的令牌",
)
def refresh(request: HttpRequest, payload: RefreshIn) -> dict[str, Any]:
    """旧的刷新令牌随即失效；已失效的刷新令牌再次使用时，同一登录的全部令牌一并吊销。"""
    return _pair_out(token_pair_refresh(refresh_token=payload.refresh_token))


@router.post("/auth/revoke", auth=None, response={204: None}, summary="退出登录，吊销令牌")
def revoke(request: HttpRequest, payload: RevokeIn) -> Status:
    """吊销刷新令牌（也接受访问令牌），以及同一登录签发的其他令牌。"""
    token_revoke(token=payload.refresh_token)
    return Status(204, None)


def _bearer_value(request: HttpRequest) -> str:
    value = request.headers.get("Authorization", "")
    scheme, _, credential = value.partition(" ")
    return credential.strip() if scheme.lower() == "bearer" else ""


class AccessToken(HttpBearer):
    """An applicant's access token from POST /api/v1/auth/token (or, with OIDC configured,
    an access token of the province's identity provider)."""

    openapi_description = (
        "申请人访问令牌：POST /api/v1/auth/token 签发，有效期 15 分钟；"
        "请求头 Authorization: Bearer <access_token>。"
    )

    def __init__(self, *, staff_only: bool = False) -> None:
        super().__init__()
        self.staff_only = staff_only

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        if not token or token.startswith(KEY_PREFIX):
            return None
        user = access_token_user(token)
        if user is None:
            user = _oidc_user(request, token)
        if user is None or (self.staff_only and not user.is_staff):
            return None
        request.user = user
        return user


class ApiKey(HttpBearer):
    """A system's API key (`yk_<prefix>_<secret>`), for the operations its scopes name."""

    openapi_description = (
        "系统接入密钥：请求头 Authorization: Bearer yk_<前缀>_<密钥>；"
        "仅可调用授权范围内的接口，每次调用记入审计日志。"
    )

    def __init__(self, *, operation_id: str = "", tags: list[str] | None = None) -> None:
        super().__init__()
        self.operation_id = operation_id
        self.tags = list(tags or ())

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        if not token.startswith(KEY_PREFIX):
            return None
        key = api_key_lookup(token)
        if key is None:
            api_key_misused(presented=token, request=request, operation_id=self.operation_id)
            return None
        allowed = key.allows(self.operation_id, self.tags)
        api_key_used(key=key, request=request, operation_id=self.operation_id, allowed=allowed)
        if not allowed:
            raise PermissionDeniedError("该接入密钥无权调用此接口", field="authorization")
        request.user = key.user
        return key.user


def _oidc_user(request: HttpRequest, token: str) -> User | None:
    """With YISHI_AUTH=oidc, an access token of the provider: its userinfo endpoint says who
    (mozilla-django-oidc's backend maps the claims as a browser sign-in does)."""
    if getattr(settings, "YISHI_AUTH", "") != "oidc" or not token:
        return None
    from yishi.people.oidc import ProvinceOIDCBackend

    try:
        user = ProvinceOIDCBackend().get_or_create_user(token, None, None)
    except Exception:  # noqa: BLE001 - any failure of the provider is "not signed in"
        return None
    return user if user is not None and user.is_active else None


def bearer_present(request: HttpRequest) -> bool:
    return bool(_bearer_value(request))


def with_bearer(callbacks: list[Any], *, operation_id: str, tags: list[str]) -> list[Any]:
    """The auth of one operation, widened: where a session (django_auth) or a staff session
    is accepted, an access token of the same kind of user and a scoped API key are too."""
    from ninja.security import SessionAuthIsStaff  # noqa: TID251
    from ninja.security.session import SessionAuth  # noqa: TID251

    if not callbacks or any(isinstance(cb, (AccessToken, ApiKey)) for cb in callbacks):
        return list(callbacks)
    if not any(isinstance(cb, SessionAuth) for cb in callbacks):
        return list(callbacks)
    staff_only = all(isinstance(cb, SessionAuthIsStaff) for cb in callbacks)
    return [
        AccessToken(staff_only=staff_only),
        ApiKey(operation_id=operation_id, tags=tags),
        *callbacks,
    ]
