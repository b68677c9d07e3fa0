from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from yishi.core import events
from yishi.core.audit import audit_append
from yishi.core.errors import Conflict
from yishi.core.events import (
    event_handling_retry,
    event_record,
    events_dispatch,
    handler,
    registered_handlers,
)
from yishi.core.models import AuditEntry, DomainEvent, EventHandling
from yishi.core.tasks import dispatch_events

pytestmark = pytest.mark.django_db

Status = EventHandling.Status
EVENT = "test.thing_happened"


def _later(seconds: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(seconds=seconds)


class Registry:
    """Registers handlers for one test and removes them afterwards."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def add(
        self, name: str, fn: Callable[[DomainEvent], None], event_name: str = EVENT
    ) -> Callable[[DomainEvent], None]:
        self.names.append(name)
        return handler(event_name, name=name)(fn)


@pytest.fixture
def registry(settings) -> Iterator[Registry]:
    settings.OUTBOX_BACKOFF_SECONDS = 30
    before = dict(events._registry)
    reg = Registry()
    yield reg
    events._registry.clear()
    events._registry.update(before)


@pytest.fixture
def calls() -> list[tuple[str, int]]:
    return []


def _recorder(calls: list, label: str) -> Callable[[DomainEvent], None]:
    def run(event: DomainEvent) -> None:
        calls.append((label, event.payload["n"]))

    return run


def test_recorded_event_runs_its_handler_once_after_dispatch(registry, calls):
    registry.add("test.record", _recorder(calls, "a"))
    with transaction.atomic():
        event = event_record(EVENT, {"n": 1, "when": datetime.date(2026, 11, 28)})
    assert calls == []
    now = _later(1)
    assert events_dispatch(now=now) == {"handled": 1, "failed": 0, "pending": 0}
    assert calls == [("a", 1)]
    event.refresh_from_db()
    assert event.payload == {"n": 1, "when": "2026-11-28"}
    assert event.dispatched_at == now
    handling = EventHandling.objects.get(event=event)
    assert (handling.handler, handling.status, handling.attempts, handling.done_at) == (
        "test.record",
        Status.DONE,
        1,
        now,
    )


def test_second_dispatch_does_not_run_the_handler_again(registry, calls):
    registry.add("test.record", _recorder(calls, "a"))
    event_record(EVENT, {"n": 1})
    events_dispatch(now=_later(1))
    assert events_dispatch(now=_later(2)) == {"handled": 0, "failed": 0, "pending": 0}
    assert events_dispatch(now=_later(86400 * 3)) == {"handled": 0, "failed": 0, "pending": 0}
    assert calls == [("a", 1)]


def test_every_handler_of_the_event_runs_and_other_events_are_left_alone(registry, calls):
    registry.add("test.first", _recorder(calls, "first"))
    registry.add("test.second", _recorder(calls, "second"))
    registry.add("test.other", _recorder(calls, "other"), event_name="test.other_event")
    event_record(EVENT, {"n": 7})
    assert events_dispatch(now=_later(1))["handled"] == 2
    assert sorted(calls) == [("first", 7), ("second", 7)]


def test_failing_handler_is_retried_with_back_off_until_it_succeeds(registry):
    answers = [RuntimeError("省级平台不可用"), RuntimeError("again"), None]
    runs = []

    def flaky(event: DomainEvent) -> None:
        runs.append(event.pk)
        audit_append(action="test.flaky_write", object_id=str(event.pk))
        answer = answers.pop(0)
        if answer is not None:
            raise answer

    registry.add("test.flaky", flaky)
    event = event_record(EVENT, {"n": 1})
    t0 = _later(1)
    assert events_dispatch(now=t0) == {"handled": 0, "failed": 1, "pending": 1}
    handling = EventHandling.objects.get(event=event)
    assert (handling.status, handling.attempts) == (Status.FAILED, 1)
    assert handling.last_error == "RuntimeError: 省级平台不可用"
    assert handling.next_attempt_at == t0 + datetime.timedelta(seconds=30)
    # The failed attempt's writes were rolled back with it.
    assert not AuditEntry.objects.filter(action="test.flaky_write").exists()
    event.refresh_from_db()
    assert event.dispatched_at is None

    assert events_dispatch(now=t0 + datetime.timedelta(seconds=29))["failed"] == 0
    t1 = t0 + datetime.timedelta(seconds=30)
    assert events_dispatch(now=t1) == {"handled": 0, "failed": 1, "pending": 1}
    handling.refresh_from_db()
    assert handling.next_attempt_at == t1 + datetime.timedelta(seconds=60)

    t2 = t1 + datetime.timedelta(seconds=60)
    assert events_dispatch(now=t2) == {"handled": 1, "failed": 0, "pending": 0}
    handling.refresh_from_db()
    assert (handling.status, handling.attempts, handling.last_error) == (Status.DONE, 3, "")
    assert runs == [event.pk] * 3
    # The successful attempt's write committed together with "done".
    assert AuditEntry.objects.filter(action="test.flaky_write").count() == 1
    event.refresh_from_db()
    assert event.dispatched_at == t2


def test_failure_of_one_handler_does_not_hold_back_the_others(registry, calls):
    def broken(event: DomainEvent) -> None:
        raise ValueError("bug")

    registry.add("test.broken", broken)
    registry.add("test.fine", _recorder(calls, "fine"))
    event = event_record(EVENT, {"n": 3})
    assert events_dispatch(now=_later(1)) == {"handled": 1, "failed": 1, "pending": 1}
    assert calls == [("fine", 3)]
    statuses = dict(EventHandling.objects.filter(event=event).values_list("handler", "status"))
    assert statuses == {"test.broken": Status.FAILED, "test.fine": Status.DONE}


def test_event_of_a_rolled_back_transaction_is_never_dispatched(registry, calls):
    registry.add("test.record", _recorder(calls, "a"))
    with pytest.raises(RuntimeError), transaction.atomic():
        event_record(EVENT, {"n": 1})
        raise RuntimeError("the business change failed")
    assert DomainEvent.objects.count() == 0
    assert events_dispatch(now=_later(1)) == {"handled": 0, "failed": 0, "pending": 0}
    assert calls == []


def test_event_without_handlers_is_marked_dispatched_without_running_anything(registry, calls):
    registry.add("test.record", _recorder(calls, "a"))
    event = event_record("test.nobody_listens", {"n": 1})
    now = _later(1)
    assert events_dispatch(now=now) == {"handled": 0, "failed": 0, "pending": 0}
    event.refresh_from_db()
    assert event.dispatched_at == now
    assert calls == []
    assert not EventHandling.objects.filter(event=event).exists()


def test_rows_of_a_handler_no_longer_registered_are_left_alone(registry, calls):
    event = event_record(EVENT, {"n": 1})
    EventHandling.objects.create(
        event=event,
        handler="test.removed_in_last_release",
        status=Status.FAILED,
        attempts=2,
        last_error="old",
        next_attempt_at=timezone.now(),
    )
    registry.add("test.record", _recorder(calls, "a"))
    assert events_dispatch(now=_later(1)) == {"handled": 1, "failed": 0, "pending": 0}
    gone = EventHandling.objects.get(handler="test.removed_in_last_release")
    assert (gone.status, gone.attempts, gone.last_error) == (Status.FAILED, 2, "old")


def test_handler_registered_after_the_event_still_runs_for_it(registry, calls):
    registry.add("test.first", _recorder(calls, "first"))
    event = event_record(EVENT, {"n": 1})
    # The first handler fails, so the event is still pending when a new handler appears.
    events._registry["test.first"] = (EVENT, lambda e: (_ for _ in ()).throw(OSError("down")))
    events_dispatch(now=_later(1))
    registry.add("test.late", _recorder(calls, "late"))
    assert events_dispatch(now=_later(2))["handled"] == 1
    assert calls == [("late", 1)]
    assert set(EventHandling.objects.filter(event=event).values_list("handler", flat=True)) == {
        "test.first",
        "test.late",
    }


def test_two_functions_under_one_handler_name_are_refused(registry, calls):
    registry.add("test.record", _recorder(calls, "a"))
    with pytest.raises(ImproperlyConfigured, match="test.record"):
        registry.add("test.record", _recorder(calls, "b"))
    with pytest.raises(ImproperlyConfigured):
        registry.add("test.record", events._registry["test.record"][1], event_name="test.else")


def test_registering_the_same_function_twice_is_harmless(registry, calls):
    fn = _recorder(calls, "a")
    registry.add("test.record", fn)
    registry.add("test.record", fn)
    assert registered_handlers(EVENT) == {"test.record": EVENT}
    event_record(EVENT, {"n": 1})
    events_dispatch(now=_later(1))
    assert calls == [("a", 1)]


def test_oldest_events_are_handled_first_within_the_limit(registry, calls):
    registry.add("test.record", _recorder(calls, "a"))
    for n in range(5):
        event_record(EVENT, {"n": n})
    assert events_dispatch(limit=2, now=_later(1)) == {"handled": 2, "failed": 0, "pending": 3}
    assert calls == [("a", 0), ("a", 1)]
    assert events_dispatch(limit=10, now=_later(1))["handled"] == 3
    assert [n for _, n in calls] == [0, 1, 2, 3, 4]


def test_payload_must_be_a_dict():
    with pytest.raises(TypeError):
        event_record(EVENT, ["not", "a", "dict"])  # type: ignore[arg-type]


def test_commit_enqueues_the_dispatch_task(
    registry, calls, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    registry.add("test.record", _recorder(calls, "a"))
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        event = event_record(EVENT, {"n": 5})
    assert len(callbacks) == 1
    assert calls == [("a", 5)]
    event.refresh_from_db()
    assert event.dispatched_at is not None


def test_a_failure_to_enqueue_is_logged_not_raised(registry, settings, caplog):
    settings.TASKS = {"default": {"BACKEND": "no.such.Backend"}}
    events._kick_dispatch()
    assert "could not enqueue the dispatch_events task" in caplog.text


def test_dispatch_events_task_returns_the_counts(registry, calls):
    registry.add("test.record", _recorder(calls, "a"))
    event_record(EVENT, {"n": 1})
    assert dispatch_events.call() == {"handled": 1, "failed": 0, "pending": 0}


def test_dispatch_events_command_reports_the_round(registry, calls, capsys):
    registry.add("test.record", _recorder(calls, "a"))
    event_record(EVENT, {"n": 1})
    call_command("dispatch_events")
    assert "已处理 1，失败待重试 0，未完成事件 0" in capsys.readouterr().out
    assert calls == [("a", 1)]


def test_only_a_failed_handling_can_be_retried(registry, calls):
    registry.add("test.record", _recorder(calls, "a"))
    event_record(EVENT, {"n": 1})
    events_dispatch(now=_later(1))
    with pytest.raises(Conflict) as exc:
        event_handling_retry(EventHandling.objects.get())
    assert exc.value.message == "只有处理失败的记录可以重新处理，该记录状态为“已完成”"


def _failed_event(registry) -> tuple[DomainEvent, EventHandling]:
    def broken(event: DomainEvent) -> None:
        raise LookupError("办件不存在")

    registry.add("test.broken", broken)
    event = event_record(EVENT, {"n": 1})
    events_dispatch(now=_later(1))
    return event, EventHandling.objects.get(event=event)


def test_admin_shows_failures_and_retry_makes_them_due_now(registry, admin_client):
    event, failed = _failed_event(registry)
    listing = admin_client.get("/admin/core/eventhandling/?status__exact=failed")
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "test.broken" in body and "LookupError: 办件不存在" in body
    detail = admin_client.get(f"/admin/core/domainevent/{event.pk}/change/")
    assert detail.status_code == 200
    assert "LookupError: 办件不存在" in detail.content.decode()
    assert admin_client.get("/admin/core/domainevent/?dispatched=failed").status_code == 200

    response = admin_client.post(
        "/admin/core/eventhandling/",
        {"action": "retry", "_selected_action": [failed.pk]},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == [
        "已将 1 条失败的处理记录设为立即重新处理。"
    ]
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (Status.PENDING, 0)
    assert failed.next_attempt_at <= timezone.now()
    entry = AuditEntry.objects.get(action="event.retry")
    assert (entry.actor, entry.data) == ("admin", {"event_id": event.pk, "handler": "test.broken"})


def test_admin_retry_on_events_resets_their_failed_handlings(registry, admin_client):
    event, failed = _failed_event(registry)
    response = admin_client.post(
        "/admin/core/domainevent/",
        {"action": "retry_failed", "_selected_action": [event.pk]},
        follow=True,
    )
    assert response.status_code == 200
    failed.refresh_from_db()
    assert failed.status == Status.PENDING
    assert admin_client.get("/admin/core/domainevent/add/").status_code == 403


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_dispatchers_run_each_handler_once_per_event(registry):
    runs: list[int] = []

    def slow(event: DomainEvent) -> None:
        runs.append(event.payload["n"])
        audit_append(action="test.slow_write", object_id=str(event.pk))
        time.sleep(0.005)

    registry.add("test.slow", slow)
    for n in range(30):
        event_record(EVENT, {"n": n})
    barrier = threading.Barrier(3)
    reports: list[dict[str, int]] = []
    errors: list[BaseException] = []

    def work() -> None:
        barrier.wait()
        try:
            # Dispatch until a round finds nothing to do (the others hold the rest).
            for _ in range(20):
                report = events_dispatch(limit=7, now=_later(1))
                reports.append(report)
                if not report["handled"] + report["failed"]:
                    break
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(runs) == list(range(30))
    assert sum(r["handled"] for r in reports) == 30
    assert sum(r["failed"] for r in reports) == 0
    assert EventHandling.objects.filter(status=Status.DONE).count() == 30
    assert AuditEntry.objects.filter(action="test.slow_write").count() == 30
    assert not DomainEvent.objects.filter(dispatched_at__isnull=True).exists()
