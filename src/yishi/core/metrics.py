"""The platform's own Prometheus gauges, read from the database at scrape time: tasks waiting
for a worker, the outbox (due, backlog past the readiness threshold, dead letters), and what
apps above core register (the hall's waiting tickets, yishi.hall.apps).

They are collected per scrape rather than kept in the process: the figures are the
database's, the same whichever worker answers, so they stay right in prometheus_client's
multiprocess mode (PROMETHEUS_MULTIPROC_DIR) where per-process gauges would be summed.
Request rates and latencies come from django-prometheus' middlewares (settings.MIDDLEWARE).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator

import prometheus_client
from prometheus_client import CollectorRegistry, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from yishi.core import health

log = logging.getLogger(__name__)

# name → (help text, label names, reader yielding (label values, value)).
Reader = Callable[[], Iterable[tuple[tuple[str, ...], float]]]
_GAUGES: dict[str, tuple[str, tuple[str, ...], Reader]] = {}


def register_gauge(
    name: str, documentation: str, reader: Reader, labels: tuple[str, ...] = ()
) -> None:
    """Add a gauge read at each scrape (call from an AppConfig.ready(); idempotent)."""
    _GAUGES[name] = (documentation, labels, reader)


def _platform_gauges() -> Iterator[GaugeMetricFamily]:
    yield GaugeMetricFamily(
        "yishi_task_queue_ready",
        "Tasks waiting for a worker (ready rows of django-tasks-db, queued RQ jobs).",
        value=health.ready_task_count(),
    )
    figures = health.outbox_figures()
    yield GaugeMetricFamily(
        "yishi_outbox_due", "Outbox messages whose next attempt is due.", value=figures.due
    )
    yield GaugeMetricFamily(
        "yishi_outbox_backlog",
        "Outbox messages due for longer than YISHI_READY_OUTBOX_MAX_AGE_SECONDS.",
        value=figures.backlog,
    )
    yield GaugeMetricFamily(
        "yishi_outbox_dead_letters",
        "Outbox messages that ran out of attempts (replay them from the admin).",
        value=figures.dead_letters,
    )


class DatabaseGauges(Collector):
    """Collects every gauge above; a database that does not answer gives
    yishi_gauges_up 0 and no figures, never a failed scrape."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        families: list[GaugeMetricFamily] = []
        up = 1
        try:
            families.extend(_platform_gauges())
            for name, (documentation, labels, reader) in sorted(_GAUGES.items()):
                family = GaugeMetricFamily(name, documentation, labels=list(labels))
                for label_values, value in reader():
                    family.add_metric(list(label_values), value)
                families.append(family)
        except Exception:
            log.warning("metrics: the database gauges could not be read", exc_info=True)
            families, up = [], 0
        yield GaugeMetricFamily(
            "yishi_gauges_up", "Whether the database gauges could be read.", value=up
        )
        yield from families


def exposition() -> bytes:
    """The metrics page: this process' metrics (or, with PROMETHEUS_MULTIPROC_DIR set, every
    worker's, merged from that folder) followed by the database gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = prometheus_client.REGISTRY
    ours = CollectorRegistry()
    ours.register(DatabaseGauges())
    return prometheus_client.generate_latest(registry) + prometheus_client.generate_latest(ours)
