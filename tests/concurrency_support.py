"""What the PostgreSQL race tests share: run calls at the same moment on their own
connections."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection

from yishi.core.errors import DomainError


def race(*calls: Callable[[], object]) -> list[str]:
    """Run each call in its own thread (its own connection) after a barrier; the sorted
    outcomes: "ok", "conflict:409" for a domain refusal, or "<exception>: <message>"."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(call):
        try:
            barrier.wait(timeout=10)
            call()
            result = "ok"
        except DomainError as exc:  # a refusal the service meant: its kind and status
            result = f"{type(exc).__name__.lower()}:{exc.status}"
        except Exception as exc:  # reported in the outcome, so the test shows it
            result = f"{type(exc).__name__}: {exc}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return sorted(outcomes)
