"""Bearer credentials for the API (掌上办): applicant tokens for apps, API keys for systems.

Access tokens live 15 minutes, refresh tokens 30 days; a refresh hands out a new pair and
revokes the one it used (rotation), and a refresh token used twice revokes its whole family
(someone copied it). API keys are `yk_<prefix>_<secret>`, scoped to operation ids or tags.
Only SM3 digests of tokens and keys are stored: each holds 256 random bits, so a plain hash
cannot be reversed by guessing, and a database dump gives no usable credential.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import User
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from yishi.core.audit import audit_append
from yishi.core.crypto import sm3_hex
from yishi.core.errors import DomainError, ValidationFailed

ACCESS_TTL = dt.timedelta(minutes=15)
REFRESH_TTL = dt.timedelta(days=30)
KEY_PREFIX = "yk_"


class TokenRefused(DomainError):
    """A refresh token that is unknown, spent, expired or revoked: 400 invalid_grant, as
    OAuth 2.0 answers it (RFC 6749 section 5.2); 401 stays for calls without a credential."""

    status = 400
    code = "invalid_grant"
    title = "令牌无效"


class ApiToken(models.Model):
    """One access or refresh token of an applicant, by its SM3 digest."""

    class Kind(models.TextChoices):
        ACCESS = "access", "访问令牌"
        REFRESH = "refresh", "刷新令牌"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="用户",
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    digest = models.CharField("令牌摘要(SM3)", max_length=64, unique=True, editable=False)
    # A refresh token and the tokens issued from it, down the rotation chain, share a family.
    family = models.CharField("令牌族", max_length=32, db_index=True, editable=False)
    created_at = models.DateTimeField("签发时间", default=timezone.now)
    expires_at = models.DateTimeField("到期时间")
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class ApiKey(models.Model):
    """A system's key: acts as `user` (a staff or service account) in the operations its
    scopes name, each call audited."""

    name = models.CharField("客户端名称", max_length=100)
    prefix = models.CharField("密钥前缀", max_length=16, unique=True, editable=False)
    digest = models.CharField("密钥摘要(SM3)", max_length=64, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="代表的账号",
        on_delete=models.PROTECT,
        related_name="api_keys",
        help_text="调用时以该账号的权限办理；应为专用的系统账号",
    )
    scopes = models.JSONField(
        "授权范围",
        default=list,
        blank=True,
        help_text='接口操作标识或接口分组（见接口文档）的列表，如 ["办件"]',
    )
    active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    class Meta:
        verbose_name = "系统接入密钥"
        verbose_name_plural = "系统接入密钥"

    def __str__(self) -> str:
        return f"{self.name}（{KEY_PREFIX}{self.prefix}_…）"

    def allows(self, operation_id: str, tags: list[str]) -> bool:
        # A malformed value entered in the admin grants nothing (a string is not a list).
        scopes = (
            {s for s in self.scopes if isinstance(s, str)}
            if isinstance(self.scopes, list)
            else set()
        )
        return operation_id in scopes or bool(scopes.intersection(tags))


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int


def _new_token(*, user: AbstractBaseUser, kind: str, family: str, now: dt.datetime) -> str:
    secret = secrets.token_urlsafe(32)
    ttl = ACCESS_TTL if kind == ApiToken.Kind.ACCESS else REFRESH_TTL
    ApiToken.objects.create(
        user=user,
        kind=kind,
        digest=sm3_hex(secret),
        family=family,
        created_at=now,
        expires_at=now + ttl,
    )
    return secret


def token_pair_issue(*, user: AbstractBaseUser, family: str = "") -> TokenPair:
    """A new access token and refresh token for `user` (signed in by the caller)."""
    now = timezone.now()
    family = family or secrets.token_hex(16)
    with transaction.atomic():
        access = _new_token(user=user, kind=ApiToken.Kind.ACCESS, family=family, now=now)
        refresh = _new_token(user=user, kind=ApiToken.Kind.REFRESH, family=family, now=now)
    return TokenPair(access, refresh, int(ACCESS_TTL.total_seconds()))


def token_pair_refresh(*, refresh_token: str) -> TokenPair:
    """Exchange a live refresh token for a new pair; the old one stops working. A refresh
    token used again after it was rotated revokes its family: it was stolen or leaked."""
    now = timezone.now()
    refused = TokenRefused("刷新令牌无效、已过期或已被吊销，请重新登录", field="refresh_token")
    with transaction.atomic():
        token = (
            ApiToken.objects.select_for_update(no_key=True)
            .select_related("user")
            .filter(digest=sm3_hex(refresh_token or ""), kind=ApiToken.Kind.REFRESH)
            .first()
        )
        if token is None:
            raise refused
        if token.revoked_at is not None:
            ApiToken.objects.filter(family=token.family, revoked_at=None).update(revoked_at=now)
            audit_append(action="api_token.reuse", actor=token.user, object_id=token.family)
        usable = token.revoked_at is None and token.expires_at > now and token.user.is_active
        # Refused after the block, so the family's revocation above is committed.
        if usable:
            return _rotate(token, now)
    raise refused


def _rotate(token: ApiToken, now: dt.datetime) -> TokenPair:
    with transaction.atomic():
        token.revoked_at = now
        token.save(update_fields=["revoked_at"])
        # The access token of the old pair ends too: one live pair per family.
        ApiToken.objects.filter(
            family=token.family, kind=ApiToken.Kind.ACCESS, revoked_at=None
        ).update(revoked_at=now)
        return token_pair_issue(user=token.user, family=token.family)


def token_revoke(*, token: str) -> None:
    """Sign an app out: the token's whole family (refresh and access) stops working. An
    unknown token is no error (revoking is idempotent, RFC 7009)."""
    found = ApiToken.objects.filter(digest=sm3_hex(token or "")).first()
    if found is not None:
        ApiToken.objects.filter(family=found.family, revoked_at=None).update(
            revoked_at=timezone.now()
        )


def tokens_revoke_for_user(*, user: AbstractBaseUser) -> int:
    return ApiToken.objects.filter(user=user, revoked_at=None).update(revoked_at=timezone.now())


def access_token_user(token: str) -> User | None:
    """The active user a live access token belongs to, or None."""
    found = (
        ApiToken.objects.select_related("user")
        .filter(
            digest=sm3_hex(token),
            kind=ApiToken.Kind.ACCESS,
            revoked_at=None,
            expires_at__gt=timezone.now(),
        )
        .first()
    )
    if found is None or not found.user.is_active:
        return None
    return found.user


def api_key_create(*, name: str, user: AbstractBaseUser, scopes: list[str]) -> tuple[ApiKey, str]:
    """A new key; the full key is returned once and never stored."""
    if not name.strip():
        raise ValidationFailed("客户端名称不能为空", field="name")
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        name=name.strip(), prefix=prefix, digest=sm3_hex(secret), user=user, scopes=scopes
    )
    audit_append(action="api_key.create", object_type="ApiKey", object_id=key.pk)
    return key, f"{KEY_PREFIX}{prefix}_{secret}"


def api_key_secret_set(key: ApiKey) -> str:
    """Give a key (new in the admin) its prefix and secret; returns the full key, once."""
    key.prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    key.digest = sm3_hex(secret)
    return f"{KEY_PREFIX}{key.prefix}_{secret}"


def api_key_revoke(*, key: ApiKey, by: object = "") -> None:
    ApiKey.objects.filter(pk=key.pk).update(active=False, revoked_at=timezone.now())
    audit_append(action="api_key.revoke", actor=by, object_type="ApiKey", object_id=key.pk)


def api_key_lookup(presented: str) -> ApiKey | None:
    """The active key a presented `yk_<prefix>_<secret>` is, or None."""
    if not presented.startswith(KEY_PREFIX):
        return None
    prefix, _, secret = presented[len(KEY_PREFIX) :].partition("_")
    if not prefix or not secret:
        return None
    key = ApiKey.objects.select_related("user").filter(prefix=prefix, active=True).first()
    if key is None or not secrets.compare_digest(key.digest, sm3_hex(secret)):
        return None
    if not key.user.is_active:
        return None
    return key


def api_key_misused(*, presented: str, request: HttpRequest, operation_id: str) -> None:
    """Record a call with a key that names a real key but did not pass: a revoked key still in
    use, or a wrong secret for its prefix (someone guessing). A key no prefix names is not
    recorded (there is nothing to attribute it to)."""
    prefix, _, secret = presented[len(KEY_PREFIX) :].partition("_")
    key = ApiKey.objects.filter(prefix=prefix).first() if prefix else None
    if key is None:
        return
    revoked = not key.active and secrets.compare_digest(key.digest, sm3_hex(secret))
    audit_append(
        action="api_key.revoked_used" if revoked else "api_key.wrong_secret",
        actor=key.name,
        object_type="ApiKey",
        object_id=key.pk,
        data={"operation": operation_id, "method": request.method, "path": request.path},
    )


def api_key_used(*, key: ApiKey, request: HttpRequest, operation_id: str, allowed: bool) -> None:
    """Record one call made with a key (allowed or refused for its scope)."""
    now = timezone.now()
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    audit_append(
        action="api_key.call" if allowed else "api_key.refused",
        actor=key.user,
        object_type="ApiKey",
        object_id=key.pk,
        data={"operation": operation_id, "method": request.method, "path": request.path},
    )
