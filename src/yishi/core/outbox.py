"""The transactional outbox: pushes to outside systems are written as rows in the same
transaction as the change they report, then delivered by a task with retries.

Destinations are adapters named in the message:

- ``http:<name>``: POST the payload as JSON to ``settings.OUTBOX_ENDPOINTS[name]["url"]``
  with ``X-Yishi-Delivery-Id`` (for de-duplication: delivery is at least once) and
  ``X-Yishi-Signature`` = HMAC-SM3 hex of the body under the endpoint's ``secret``;
  any 2xx answer is a success.
- ``file:<name>``: append one JSON line to ``VAR_DIR/outbox/<name>.jsonl``.
- ``log``: write the message to the log (development).

Delivery claims due messages in a short transaction (``select_for_update(skip_locked=True)``
on PostgreSQL, the IMMEDIATE write lock on SQLite) by pushing their ``next_attempt_at`` a lease
into the future, delivers them outside any transaction (no database lock is held during a
network call), then records each outcome. A worker that dies mid-delivery leaves the lease to
expire and the message is tried again.

Order per case: messages written with the same ``ordering_key`` (``case:<number>``) for the
same destination are delivered in the order they were written. A message is not due while an
earlier one of its key and destination is undelivered — still retrying, or a dead letter
waiting for its replay — so a receiver that was down sees a case's pushes in order, once each.

Payloads hold personal data (ID numbers on payment lists, phones, SMS codes): the column is
SM4-encrypted, and a delivered message keeps only its metadata and `payload_sm3`, the SM3 of
the canonical JSON it sent; its payload becomes {}. Dead letters keep theirs (encrypted) for a
replay.
"""

from __future__ import annotations

import datetime
import json
import logging
import re
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from yishi.core import rows
from yishi.core.audit import audit_append
from yishi.core.crypto import hmac_sm3_hex, mask, mask_phone, sm3_hex
from yishi.core.errors import Conflict
from yishi.core.models import OutboxMessage

logger = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 24 * 3600
LEASE_SECONDS = 300
_NAME_RE = re.compile(r"[A-Za-z0-9_.-]{1,60}")
_ERROR_LIMIT = 2000


class DeliveryError(Exception):
    """A delivery attempt failed; the message says why (kept in `last_error`)."""


# ---------------------------------------------------------------- destinations


# Destination kinds other apps add (kind -> deliver(message, payload, name), raising
# DeliveryError): the exchange app's "exchange:<region code>" posts to a partner region's
# endpoint kept in the database.
DELIVERERS: dict[str, Any] = {}


def register_deliverer(kind: str, deliver_fn: Any) -> None:
    DELIVERERS[kind] = deliver_fn


def _split_destination(destination: str) -> tuple[str, str]:
    kind, _, name = destination.partition(":")
    if kind == "log" and not name:
        return kind, ""
    known = ("http", "file", *DELIVERERS)
    if kind in known and _NAME_RE.fullmatch(name) and not name.startswith("."):
        return kind, name
    raise ValueError(
        f"outbox destination {destination!r} is not 'http:<name>', 'file:<name>' or 'log'"
    )


def _body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode(
        "utf-8"
    )


SMS_CODE_TEMPLATE = "sms_code"
CODE_PLACEHOLDER = "{code}"


def rendered(payload: dict[str, Any]) -> dict[str, Any]:
    """What is sent for a stored payload. An SMS code's text is stored with the placeholder
    `{code}` and the code beside it (both encrypted): the text with the code in it exists only
    while it is sent, and once delivered the row keeps neither (see `_record_success`)."""
    if payload.get("template") == SMS_CODE_TEMPLATE and isinstance(payload.get("text"), str):
        return {**payload, "text": payload["text"].replace(CODE_PLACEHOLDER, str(payload["code"]))}
    return payload


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect would turn the POST into a GET somewhere else: treat it as a failure.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _deliver_http(message: OutboxMessage, payload: dict[str, Any], name: str) -> None:
    endpoints: dict[str, dict[str, Any]] = getattr(settings, "OUTBOX_ENDPOINTS", {}) or {}
    endpoint = endpoints.get(name)
    if not endpoint or not endpoint.get("url"):
        raise DeliveryError(f"未配置外发通道 http:{name}（settings.OUTBOX_ENDPOINTS）")
    url = str(endpoint["url"])
    if not url.startswith(("http://", "https://")):
        raise DeliveryError(f"外发通道 http:{name} 的地址必须以 http:// 或 https:// 开头")
    body = _body(payload)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "yishi-outbox/1",
        "X-Yishi-Delivery-Id": str(message.delivery_id),
        "X-Yishi-Topic": message.topic,
        "X-Yishi-Signature": hmac_sm3_hex(body, key=str(endpoint.get("secret", ""))),
    }
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - scheme checked above
    timeout = float(endpoint.get("timeout", getattr(settings, "OUTBOX_HTTP_TIMEOUT", 10)))
    try:
        with _opener.open(request, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        detail = exc.read(500).decode("utf-8", "replace")
        raise DeliveryError(f"HTTP {exc.code} {exc.reason}: {detail}") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"连接失败 / connection failed: {reason}") from exc
    if not 200 <= status < 300:
        raise DeliveryError(f"HTTP {status}")


def outbox_file_path(name: str) -> Path:
    return Path(settings.VAR_DIR) / "outbox" / f"{name}.jsonl"


def _deliver_file(message: OutboxMessage, payload: dict[str, Any], name: str) -> None:
    path = outbox_file_path(name)
    line = json.dumps(
        {
            "delivery_id": str(message.delivery_id),
            "topic": message.topic,
            "created_at": message.created_at.astimezone(datetime.UTC).isoformat(),
            "payload": payload,
        },
        ensure_ascii=False,
        sort_keys=True,
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")
    except OSError as exc:
        raise DeliveryError(f"写入文件失败 / cannot write {path}: {exc}") from exc


_PHONE_KEYS = {"phone", "mobile", "phone_number"}
_ID_KEYS = {"id_number", "idcard", "id_card"}


def masked_for_log(value: Any) -> Any:
    """The payload with phone and ID numbers masked: logs never hold them in full."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if isinstance(item, str) and key in _PHONE_KEYS:
                out[key] = mask_phone(item)
            elif isinstance(item, str) and key in _ID_KEYS:
                out[key] = mask(item)
            else:
                out[key] = masked_for_log(item)
        return out
    if isinstance(value, list):
        return [masked_for_log(item) for item in value]
    return value


def _deliver_log(message: OutboxMessage, payload: dict[str, Any]) -> None:
    logger.info(
        "outbox delivery %s topic=%s payload=%s",
        message.delivery_id,
        message.topic,
        json.dumps(masked_for_log(payload), ensure_ascii=False, sort_keys=True),
    )


def deliver(message: OutboxMessage) -> str:
    """One delivery attempt through the message's adapter; raises DeliveryError on failure.
    Returns the SM3 hex of what was sent (the canonical JSON of the rendered payload)."""
    try:
        kind, name = _split_destination(message.destination)
    except ValueError as exc:
        raise DeliveryError(str(exc)) from exc
    payload = rendered(message.payload or {})
    if kind == "http":
        _deliver_http(message, payload, name)
    elif kind == "file":
        _deliver_file(message, payload, name)
    elif kind in DELIVERERS:
        DELIVERERS[kind](message, payload, name)
    else:
        _deliver_log(message, payload)
    return sm3_hex(_body(payload))


# ---------------------------------------------------------------- use cases


def case_key(number: str) -> str:
    """The ordering key of a case's pushes (see the module)."""
    return f"case:{number}"[:100]


def outbox_enqueue(
    *,
    topic: str,
    destination: str,
    payload: dict[str, Any],
    keys: bool = True,
    ordering_key: str = "",
) -> OutboxMessage:
    """Record a push; call it inside the transaction of the change it reports, so that the
    message exists exactly when the change does. Delivery happens after commit. `keys=False`:
    the caller does not read the message's id, so the insert may wait in `rows.deferring()`.
    `ordering_key` (e.g. `case_key(number)`): delivered after the earlier messages with that
    key to the same destination."""
    _split_destination(destination)
    clean_payload = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    message = rows.create(
        OutboxMessage,
        keys=keys,
        topic=topic,
        destination=destination,
        payload=clean_payload,
        next_attempt_at=timezone.now(),
        ordering_key=ordering_key[:100],
    )
    if getattr(settings, "OUTBOX_KICK_ON_COMMIT", False):
        transaction.on_commit(_kick_delivery)
    return message


def _kick_delivery() -> None:
    from yishi.core.tasks import deliver_outbox, enqueue_unless_waiting

    try:
        enqueue_unless_waiting(deliver_outbox)
    except Exception:  # the periodic `deliver_outbox` run picks the message up anyway
        logger.exception("could not enqueue the deliver_outbox task")


def backoff_seconds(attempts: int) -> int:
    """Delay before the next try after `attempts` failures (exponential, capped at a day)."""
    base = int(settings.OUTBOX_BACKOFF_SECONDS)
    return min(base * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS)


@dataclass
class DeliveryReport:
    delivered: int = 0
    retrying: int = 0
    dead: int = 0

    @property
    def attempted(self) -> int:
        return self.delivered + self.retrying + self.dead

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _waiting_for_earlier() -> Exists:
    """An earlier message of the same ordering key and destination is not delivered yet."""
    return Exists(
        OutboxMessage.objects.filter(
            ordering_key=OuterRef("ordering_key"),
            destination=OuterRef("destination"),
            id__lt=OuterRef("id"),
            status__in=[OutboxMessage.Status.PENDING, OutboxMessage.Status.DEAD],
        ).exclude(ordering_key="")
    )


def _claim_due(now: datetime.datetime, limit: int) -> list[OutboxMessage]:
    with transaction.atomic():
        due = (
            OutboxMessage.objects.filter(
                status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now
            )
            .filter(Q(ordering_key="") | ~_waiting_for_earlier())
            .order_by("next_attempt_at", "id")
        )
        if connection.vendor == "postgresql":
            due = due.select_for_update(skip_locked=True, no_key=True)
        elif connection.features.has_select_for_update:
            due = due.select_for_update(no_key=True)
        messages = list(due[:limit])
        if messages:
            OutboxMessage.objects.filter(pk__in=[m.pk for m in messages]).update(
                next_attempt_at=now + datetime.timedelta(seconds=LEASE_SECONDS)
            )
    return messages


def _record_success(message: OutboxMessage, now: datetime.datetime, digest: str) -> None:
    """A delivered message keeps its metadata and the SM3 of what was sent, not the payload
    (personal data, an SMS code): the receiver holds it now."""
    OutboxMessage.objects.filter(pk=message.pk, status=OutboxMessage.Status.PENDING).update(
        status=OutboxMessage.Status.DELIVERED,
        attempts=message.attempts + 1,
        delivered_at=now,
        last_error="",
        payload={},
        payload_sm3=digest,
    )


def _record_failure(message: OutboxMessage, now: datetime.datetime, error: str) -> bool:
    """Count the failed attempt; returns True when the message became a dead letter."""
    attempts = message.attempts + 1
    dead = attempts >= int(settings.OUTBOX_MAX_ATTEMPTS)
    OutboxMessage.objects.filter(pk=message.pk, status=OutboxMessage.Status.PENDING).update(
        status=OutboxMessage.Status.DEAD if dead else OutboxMessage.Status.PENDING,
        attempts=attempts,
        last_error=error[:_ERROR_LIMIT],
        next_attempt_at=now + datetime.timedelta(seconds=0 if dead else backoff_seconds(attempts)),
    )
    return dead


def outbox_deliver_due(now: datetime.datetime | None = None, limit: int = 100) -> DeliveryReport:
    """Deliver up to `limit` pending messages that are due at `now`; failures are retried
    with exponential back-off and become dead letters after OUTBOX_MAX_ATTEMPTS attempts.
    A delivered message may make the next one of its ordering key due: claim again until a
    round delivers nothing new."""
    now = now or timezone.now()
    report = DeliveryReport()
    while report.attempted < limit:
        delivered_before = report.delivered
        batch = _claim_due(now, limit - report.attempted)
        if not batch:
            break
        for message in batch:
            _deliver_one(message, now, report)
        if report.delivered == delivered_before:
            break
    return report


def _deliver_one(message: OutboxMessage, now: datetime.datetime, report: DeliveryReport) -> None:
    try:
        digest = deliver(message)
    except DeliveryError as exc:
        if _record_failure(message, now, str(exc)):
            report.dead += 1
            logger.warning(
                "outbox message %s is dead after %s attempts: %s",
                message.delivery_id,
                message.attempts + 1,
                exc,
            )
        else:
            report.retrying += 1
    except Exception as exc:  # a bug in an adapter must not stop the batch
        logger.exception("outbox adapter crashed on %s", message.delivery_id)
        if _record_failure(message, now, f"{type(exc).__name__}: {exc}"):
            report.dead += 1
        else:
            report.retrying += 1
    else:
        _record_success(message, now, digest)
        report.delivered += 1


@transaction.atomic
def outbox_replay(message: OutboxMessage, *, actor: object = "") -> OutboxMessage:
    """Put a dead letter back in the queue with a fresh set of attempts."""
    message = OutboxMessage.objects.select_for_update(no_key=True).get(pk=message.pk)
    if message.status != OutboxMessage.Status.DEAD:
        raise Conflict(
            f"只有投递失败(死信)的消息可以重新投递，该消息状态为“{message.get_status_display()}”",
            field="status",
        )
    message.status = OutboxMessage.Status.PENDING
    message.attempts = 0
    message.next_attempt_at = timezone.now()
    message.save(update_fields=["status", "attempts", "next_attempt_at"])
    audit_append(
        action="outbox.replay",
        actor=actor,
        object_type="outbox_message",
        object_id=str(message.delivery_id),
        data={"topic": message.topic, "destination": message.destination},
    )
    return message
