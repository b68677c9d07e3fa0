"""Domain events: how a lower app makes a higher app act without importing it.

The lower app calls ``event_record(name, payload)`` inside the transaction of its change; a
higher app registers handlers for that name in its ``AppConfig.ready()``::

    @handler("cases.subcase_approved", name="licences.issue_on_approval")
    def issue_licence(event: DomainEvent) -> None: ...

After commit a ``dispatch_events`` task runs (a periodic ``dispatch_events`` command picks up
anything a lost task missed). Each (event, handler) runs in its own transaction, and the
handler's success is recorded in that same transaction on the unique (event, handler) row, so
a handler never succeeds twice for one event: its writes and "done" commit together or not
at all. Delivery is at least once per attempt, so a handler that talks to the outside world
must still be idempotent there (use the outbox). A failure is recorded with exponential
back-off (``outbox.backoff_seconds``) and retried by a later dispatch; it never stops others.

Handlers run inside the dispatcher's transaction: they must not open a durable atomic block.
"""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from yishi.core import rows
from yishi.core.audit import audit_append
from yishi.core.errors import Conflict
from yishi.core.models import DomainEvent, EventHandling
from yishi.core.outbox import backoff_seconds

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[[DomainEvent], None])
HandlerFn = Callable[[DomainEvent], None]

_ERROR_LIMIT = 2000
_NAME_LIMIT = 100
_HANDLER_NAME_LIMIT = 200

# handler name -> (event name, function); insertion order is registration order.
_registry: dict[str, tuple[str, HandlerFn]] = {}

Status = EventHandling.Status


# ---------------------------------------------------------------- registry


def _qualname(fn: Callable[..., Any]) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"


def handler(event_name: str, *, name: str) -> Callable[[F], F]:
    """Register ``fn(event)`` to run after commit for every event called `event_name`.

    `name` identifies the handler in the handling rows, so it must be unique and stable
    (renaming it makes the handler run again for undispatched events). Registering the same
    function twice is harmless (``ready()`` may run twice); another function under a name
    already taken raises ImproperlyConfigured.
    """
    if not event_name or len(event_name) > _NAME_LIMIT:
        raise ImproperlyConfigured(f"event name {event_name!r} must be 1–{_NAME_LIMIT} chars")
    if not name or len(name) > _HANDLER_NAME_LIMIT:
        raise ImproperlyConfigured(
            f"handler name {name!r} must be 1–{_HANDLER_NAME_LIMIT} characters"
        )

    def register(fn: F) -> F:
        existing = _registry.get(name)
        if existing is not None:
            known_event, known_fn = existing
            if known_fn is not fn or known_event != event_name:
                raise ImproperlyConfigured(
                    f"event handler name {name!r} is already registered for {known_event!r} "
                    f"by {_qualname(known_fn)}; cannot register {_qualname(fn)} "
                    f"for {event_name!r}"
                )
        _registry[name] = (event_name, fn)
        return fn

    return register


def handler_unregister(name: str) -> None:
    """Forget a handler (tests that register temporary handlers clean up with this)."""
    _registry.pop(name, None)


def registered_handlers(event_name: str | None = None) -> dict[str, str]:
    """{handler name: event name} of the registered handlers, optionally of one event."""
    return {
        handler_name: ev
        for handler_name, (ev, _fn) in _registry.items()
        if event_name is None or ev == event_name
    }


# ---------------------------------------------------------------- recording


def event_record(name: str, payload: dict[str, Any], *, keys: bool = True) -> DomainEvent:
    """Record that `name` happened; call it inside the transaction of the change, so the event
    exists exactly when the change does. Handlers run after commit. `keys=False`: the caller
    does not read the event's id, so the insert may wait in `rows.deferring()`."""
    if not name or len(name) > _NAME_LIMIT:
        raise ValueError(f"event name {name!r} must be 1–{_NAME_LIMIT} characters")
    if not isinstance(payload, dict):
        raise TypeError("event payload must be a dict")
    clean_payload = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    event = rows.create(DomainEvent, keys=keys, name=name, payload=clean_payload)
    transaction.on_commit(_kick_dispatch)
    return event


def _kick_dispatch() -> None:
    from yishi.core.tasks import dispatch_events, enqueue_unless_waiting

    try:
        enqueue_unless_waiting(dispatch_events)
    except Exception:  # the periodic `dispatch_events` run picks the event up anyway
        logger.exception("could not enqueue the dispatch_events task")


# ---------------------------------------------------------------- dispatching


def _materialise(limit: int, now: datetime.datetime) -> None:
    """Create the missing handling rows of undispatched events for the registered handlers
    (also for handlers registered after the event was recorded)."""
    for handler_name, (event_name, _fn) in list(_registry.items()):
        missing = (
            DomainEvent.objects.filter(name=event_name, dispatched_at__isnull=True)
            .exclude(handlings__handler=handler_name)
            .order_by("id")
            .values_list("id", flat=True)[:limit]
        )
        ids = list(missing)
        if ids:
            # ignore_conflicts: a concurrent dispatcher may create the same rows.
            EventHandling.objects.bulk_create(
                [
                    EventHandling(event_id=pk, handler=handler_name, next_attempt_at=now)
                    for pk in ids
                ],
                ignore_conflicts=True,
            )


def _claim_next(now: datetime.datetime, skip: Iterable[int]) -> EventHandling | None:
    due = (
        EventHandling.objects.filter(
            status__in=[Status.PENDING, Status.FAILED],
            next_attempt_at__lte=now,
            handler__in=list(_registry),
        )
        .exclude(pk__in=list(skip))
        .order_by("event_id", "id")
    )
    if connection.vendor == "postgresql":
        # Lock only the handling row, and skip rows another dispatcher is running right now.
        due = due.select_for_update(skip_locked=True, of=("self",), no_key=True)
    elif connection.features.has_select_for_update:
        due = due.select_for_update(no_key=True)
    return due.first()


def _run_one(handling: EventHandling, now: datetime.datetime) -> bool:
    """Run one handler inside the caller's transaction; True when it succeeded."""
    event_name, fn = _registry[handling.handler]
    event = DomainEvent.objects.get(pk=handling.event_id)
    try:
        with transaction.atomic():  # a savepoint: a failure undoes the handler's writes only
            fn(event)
    except Exception as exc:  # any handler bug is recorded and retried, never fatal
        attempts = handling.attempts + 1
        logger.warning(
            "event handler %s failed on event #%s %s (attempt %s)",
            handling.handler,
            event.pk,
            event_name,
            attempts,
            exc_info=True,
        )
        EventHandling.objects.filter(pk=handling.pk).update(
            status=Status.FAILED,
            attempts=attempts,
            last_error=f"{type(exc).__name__}: {exc}"[:_ERROR_LIMIT],
            next_attempt_at=now + datetime.timedelta(seconds=backoff_seconds(attempts)),
        )
        return False
    EventHandling.objects.filter(pk=handling.pk).update(
        status=Status.DONE, attempts=handling.attempts + 1, last_error="", done_at=now
    )
    return True


def _finish_events(now: datetime.datetime) -> None:
    """Stamp dispatched_at on undispatched events whose registered handlers all succeeded
    (at once for events nobody handles)."""
    by_event: dict[str, list[str]] = {}
    for handler_name, (event_name, _fn) in _registry.items():
        by_event.setdefault(event_name, []).append(handler_name)
    pending = DomainEvent.objects.filter(dispatched_at__isnull=True)
    pending.exclude(name__in=list(by_event)).update(dispatched_at=now)
    for event_name, handler_names in by_event.items():
        finished = pending.filter(name=event_name)
        for handler_name in handler_names:
            finished = finished.filter(
                Exists(
                    EventHandling.objects.filter(
                        event=OuterRef("pk"), handler=handler_name, status=Status.DONE
                    )
                )
            )
        finished.update(dispatched_at=now)


def events_dispatch(limit: int = 100, now: datetime.datetime | None = None) -> dict[str, int]:
    """Run up to `limit` due (event, handler) pairs, oldest event first, each in its own
    transaction; returns {"handled", "failed", "pending"} where pending counts the events
    still waiting for a handler after this run."""
    now = now or timezone.now()
    handled = failed = 0
    with transaction.atomic():
        _materialise(limit, now)
    seen: set[int] = set()
    for _ in range(limit):
        with transaction.atomic():
            handling = _claim_next(now, seen)
            if handling is None:
                break
            seen.add(handling.pk)
            if _run_one(handling, now):
                handled += 1
            else:
                failed += 1
    with transaction.atomic():
        _finish_events(now)
    pending = DomainEvent.objects.filter(dispatched_at__isnull=True).count()
    return {"handled": handled, "failed": failed, "pending": pending}


# ---------------------------------------------------------------- back-office


@transaction.atomic
def event_handling_retry(handling: EventHandling, *, actor: object = "") -> EventHandling:
    """Make a failed handling due now with a fresh count of attempts (back-office action)."""
    handling = EventHandling.objects.select_for_update(no_key=True).get(pk=handling.pk)
    if handling.status != Status.FAILED:
        raise Conflict(
            f"只有处理失败的记录可以重新处理，该记录状态为“{handling.get_status_display()}”",
            field="status",
        )
    handling.status = Status.PENDING
    handling.attempts = 0
    handling.next_attempt_at = timezone.now()
    handling.save(update_fields=["status", "attempts", "next_attempt_at"])
    audit_append(
        action="event.retry",
        actor=actor,
        object_type="event_handling",
        object_id=str(handling.pk),
        data={"event_id": handling.event_id, "handler": handling.handler},
    )
    return handling
