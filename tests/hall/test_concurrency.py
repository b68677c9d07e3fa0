"""On PostgreSQL: eight windows calling at once, each in its own thread and connection,
through 2,000 tickets: every ticket is served exactly once, none twice, none skipped."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone

from tests.cases.factories import StaffFactory
from tests.hall.factories import OutletFactory, QueueFactory, WindowFactory
from yishi.hall import policy, services
from yishi.hall.models import Ticket
from yishi.hall.policy import Priority

TICKETS = 2000
WINDOWS = 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_windows_calling_concurrently_serve_each_of_2000_tickets_exactly_once():
    outlet = OutletFactory(code="load-centre")
    a = QueueFactory(outlet=outlet, letter="A", is_general=True)
    b = QueueFactory(outlet=outlet, letter="B", name="专业")
    v = QueueFactory(outlet=outlet, letter="V", name="绿色通道", is_green=True)
    # Six windows serve everything, two only queue B: skills overlap, so windows compete.
    windows = [
        WindowFactory(outlet=outlet, number=i + 1, serves_all=i < 6, queues=[] if i < 6 else [b])
        for i in range(WINDOWS)
    ]
    now = timezone.now()
    day = timezone.localdate(now)
    rows = []
    for i in range(TICKETS):
        queue = v if i % 10 == 0 else b if i % 4 == 1 else a
        priority = Priority.GREEN if queue is v else Priority.ORDINARY
        arrived = now - (TICKETS - i) * policy.priority_bonus(Priority.GREEN) / 600
        rows.append(
            Ticket(
                outlet=outlet,
                day=day,
                queue=queue,
                number=f"{queue.letter}{i:04d}",
                priority=int(priority),
                # Green rows stand for claims a clerk has verified (the table allows no other).
                green_reason="elderly" if queue is v else "",
                claim=Ticket.Claim.VERIFIED if queue is v else "",
                arrived_at=arrived,
                virtual_at=policy.virtual_arrival(arrived, priority),
            )
        )
    Ticket.objects.bulk_create(rows, batch_size=500)
    staff = [StaffFactory().user for _ in windows]
    for w, s in zip(windows, staff, strict=True):
        services.window_sign_on(window=w, staff=s)

    served: list[list[int]] = [[] for _ in windows]
    errors: list[BaseException] = []
    start = threading.Barrier(WINDOWS)

    def work(k: int) -> None:
        try:
            start.wait()
            while True:
                # 办结并叫下一位: the open ticket is finished in the calling transaction.
                ticket = services.ticket_call_next(
                    window=windows[k], staff=staff[k], finish_current=True
                )
                if ticket is None:
                    break
                served[k].append(ticket.pk)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(k,)) for k in range(WINDOWS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    all_served = [pk for per_window in served for pk in per_window]
    duplicates = [pk for pk, n in Counter(all_served).items() if n > 1]
    assert duplicates == []
    assert sorted(all_served) == sorted(r.pk for r in rows)
    assert Ticket.objects.filter(status=Ticket.Status.DONE).count() == TICKETS
    # Every window took part, and the B-only windows served only queue B.
    assert all(served)
    b_only = [pk for k in (6, 7) for pk in served[k]]
    assert set(Ticket.objects.filter(pk__in=b_only).values_list("queue_id", flat=True)) == {b.pk}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_takers_get_distinct_consecutive_numbers():
    outlet = OutletFactory(code="take-centre")
    a = QueueFactory(outlet=outlet, letter="A", is_general=True)
    start = threading.Barrier(WINDOWS)
    numbers: list[str] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            start.wait()
            for _ in range(25):
                numbers.append(services.ticket_take(outlet=outlet, queue=a).number)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(WINDOWS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert sorted(numbers) == [f"A{i:03d}" for i in range(1, WINDOWS * 25 + 1)]
