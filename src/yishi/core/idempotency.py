"""Idempotency-Key: a repeated submission replays the first outcome instead of acting twice.

    outcome = idempotent(key=key, scope="applications.submit", owner=owner,
                         request=payload, action=lambda: (201, {"id": app.pk}))

With a key, one transaction inserts an `IdempotencyRecord` (scope, owner, key) *first*, runs
the action, and stores its status and JSON body. The unique constraint decides, not a
check-then-act:

- the same key and the same request again: the stored outcome is replayed
  (`replayed=True`) and the action does not run;
- the same key with a different request: Conflict 409 "Idempotency-Key 已用于另一个请求";
- a concurrent duplicate: its insert waits on the unique index until the first transaction
  ends, then replays the committed outcome (PostgreSQL); SQLite serialises the transactions
  anyway. If the first failed, nothing was stored and the waiting one runs the action.
  An `in_progress` row seen from outside (only possible if the action itself re-enters with
  the same key) answers 409 "相同 Idempotency-Key 的请求正在处理";
- an action that raises stores nothing: the same key may be tried again.

Records live `IDEMPOTENCY_TTL_HOURS` (default 24); an expired record no longer binds its key
and `idempotency_purge` (command `purge_idempotency`) deletes it. Without a key (None) the
action simply runs in a transaction. `idempotent_http` does the same for an endpoint that
reads the `Idempotency-Key` header.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from yishi.core import rows
from yishi.core.audit import canonical_json
from yishi.core.crypto import sm3_hex
from yishi.core.errors import Conflict, ValidationFailed
from yishi.core.models import IdempotencyRecord

KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
_KEY_RE = re.compile(r"[\x21-\x7e]{1,200}")

MESSAGE_OTHER_REQUEST = "Idempotency-Key 已用于另一个请求"
MESSAGE_IN_PROGRESS = "相同 Idempotency-Key 的请求正在处理"
MESSAGE_BAD_KEY = "Idempotency-Key 必须是 1 到 200 个可见 ASCII 字符（不含空格和中文）"
MESSAGE_MISSING_KEY = "缺少请求头 Idempotency-Key：提交时须提供，用于防止重复提交"


@dataclass(frozen=True)
class IdempotentOutcome:
    """What an action answered: HTTP status, JSON body, and the id of what it created."""

    status: int
    body: Any
    resource_id: str = ""
    replayed: bool = False


ActionResult = IdempotentOutcome | tuple[int, Any] | tuple[int, Any, Any]


def validate_key(key: Any) -> str:
    """The key itself, or ValidationFailed naming the field "Idempotency-Key"."""
    if not isinstance(key, str) or _KEY_RE.fullmatch(key) is None:
        raise ValidationFailed(MESSAGE_BAD_KEY, field=KEY_HEADER, code="idempotency_key")
    return key


def request_fingerprint(request: Any) -> str:
    """SM3 of the canonical JSON of the request (sorted keys, no spaces)."""
    return sm3_hex(canonical_json(request))


def _normalise(result: ActionResult) -> IdempotentOutcome:
    if isinstance(result, IdempotentOutcome):
        status, body, resource_id = result.status, result.body, result.resource_id
    elif isinstance(result, tuple) and len(result) in (2, 3):
        status, body = result[0], result[1]
        resource_id = result[2] if len(result) == 3 else ""
    else:
        raise TypeError("an idempotent action returns (status, body[, resource_id])")
    # Store and answer exactly what the JSON column gives back, so a replay is identical.
    body = json.loads(json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False))
    return IdempotentOutcome(status=int(status), body=body, resource_id=str(resource_id or ""))


def _claim(
    *, key: str, scope: str, owner: str, request_hash: str
) -> tuple[IdempotencyRecord, bool]:
    """Insert the record, or return the live one already holding (scope, owner, key)."""
    for _attempt in range(3):
        now = timezone.now()
        # No savepoint: a duplicate is not inserted (ON CONFLICT DO NOTHING) instead of
        # failing, so the transaction goes on either way.
        record = rows.create_unless_conflict(
            IdempotencyRecord,
            key=key,
            scope=scope,
            owner=owner,
            request_hash=request_hash,
            expires_at=now + datetime.timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS),
        )
        if record is not None:
            return record, True
        existing = rows.first(IdempotencyRecord, scope=scope, owner=owner, key=key)
        if existing is None:  # purged in between: try again
            continue
        if existing.expires_at <= now:
            # An expired record no longer binds its key.
            IdempotencyRecord.objects.filter(pk=existing.pk, expires_at__lte=now).delete()
            continue
        return existing, False
    raise Conflict(MESSAGE_IN_PROGRESS, field=KEY_HEADER, code="idempotency_in_progress")


def idempotent(
    *,
    key: str | None,
    scope: str,
    owner: str,
    request: Any,
    action: Callable[[], ActionResult],
) -> IdempotentOutcome:
    """Run `action` once per (scope, owner, key); replay its outcome for a repeat.

    `action` returns (status, body) or (status, body, resource_id) or an IdempotentOutcome,
    and runs in the same transaction as the record. See the module docstring for the rules.
    """
    if key is None:
        with transaction.atomic():
            return _normalise(action())
    key = validate_key(key)
    request_hash = request_fingerprint(request)
    with transaction.atomic(), rows.deferring():
        record, created = _claim(key=key, scope=scope, owner=owner, request_hash=request_hash)
        if not created:
            if record.request_hash != request_hash:
                raise Conflict(MESSAGE_OTHER_REQUEST, field=KEY_HEADER, code="idempotency_reuse")
            if record.status != IdempotencyRecord.Status.COMPLETED:
                raise Conflict(
                    MESSAGE_IN_PROGRESS, field=KEY_HEADER, code="idempotency_in_progress"
                )
            return IdempotentOutcome(
                status=record.response_status or 200,
                body=record.response_body,
                resource_id=record.resource_id,
                replayed=True,
            )
        outcome = _normalise(action())
        record.status = IdempotencyRecord.Status.COMPLETED
        record.response_status = outcome.status
        record.response_body = outcome.body
        record.resource_id = outcome.resource_id[:100]
        rows.update(record, ["status", "response_status", "response_body", "resource_id"])
        return outcome


def idempotency_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete expired records; returns how many."""
    deleted, _ = IdempotencyRecord.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted


def request_owner(request: HttpRequest) -> str:
    """The principal a key belongs to: "user:<pk>" when logged in, else "" (anonymous)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return ""


def idempotent_http(
    request: HttpRequest,
    *,
    scope: str,
    payload: Any,
    action: Callable[[], ActionResult],
    owner: str | None = None,
    required: bool = True,
) -> HttpResponse:
    """`idempotent` for an endpoint: the key comes from the `Idempotency-Key` header, the
    answer is a JSON response, and a replay carries `Idempotent-Replayed: true`.

    `payload` is what identifies the request (the validated body, plus e.g. the SM3 of an
    uploaded file). Raises ValidationFailed / Conflict, which the API renders as problem+json.
    """
    key = request.headers.get(KEY_HEADER)
    if key is None and required:
        raise ValidationFailed(MESSAGE_MISSING_KEY, field=KEY_HEADER, code="idempotency_key")
    outcome = idempotent(
        key=key,
        scope=scope,
        owner=request_owner(request) if owner is None else owner,
        request=payload,
        action=action,
    )
    response = HttpResponse(
        json.dumps(outcome.body, ensure_ascii=False, sort_keys=True),
        status=outcome.status,
        content_type="application/json; charset=utf-8",
    )
    if outcome.replayed:
        response[REPLAYED_HEADER] = "true"
    return response
