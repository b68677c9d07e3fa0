"""Time limits of applications and sub-cases, in working days with pauses excluded.

Definitions (kept deliberately simple and exact):

- A closed pause stops the clock on the dates started_on … ended_on − 1: the day the
  supplement comes back counts again. Every pause of an application stops the clock of the
  whole application and of all its sub-cases. An open pause is not yet counted: deadlines are
  recomputed when it ends.
- A sub-case's due date is `add_working_days(started_on, days, pauses)`.
- The application's due date is `add_working_days(accepted_on, chain, pauses)`, where `chain`
  is the longest sum of days along a dependency chain of its sub-cases (a dependent starts
  when its prerequisites are due). Because adding working days composes
  (add(add(d, m), n) == add(d, m + n)), this is exactly the due date of the last sub-case if
  every department uses its full time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings

from yishi.core.workdays import add_working_days, working_days_between

OK, WARNING, OVERDUE = "ok", "warning", "overdue"
STATE_LABELS = {OK: "正常", WARNING: "黄灯预警", OVERDUE: "红灯超期"}
_ONE_DAY = dt.timedelta(days=1)


def warn_days() -> int:
    return settings.CASE_WARN_WORKING_DAYS


def pause_spans(pauses: Iterable[object]) -> list[tuple[dt.date, dt.date]]:
    """Closed pauses as inclusive (first, last) date ranges for core.workdays."""
    spans = []
    for pause in pauses:
        ended_on = pause.ended_on
        if ended_on is not None and ended_on > pause.started_on:
            spans.append((pause.started_on, ended_on - _ONE_DAY))
    return spans


def due(start: dt.date, days: int, spans: list[tuple[dt.date, dt.date]]) -> dt.date:
    return add_working_days(start, days, spans)


def longest_chain(days: dict[int, int], needs: dict[int, list[int]]) -> int:
    """The largest sum of days along any dependency chain (needs: id -> prerequisite ids)."""
    memo: dict[int, int] = {}

    def finish(node: int) -> int:
        if node not in memo:
            memo[node] = days[node] + max((finish(p) for p in needs.get(node, [])), default=0)
        return memo[node]

    return max((finish(n) for n in days), default=0)


def deadline_state(due_on: dt.date | None, today: dt.date, warn: int | None = None) -> str:
    """ "overdue" after the due date, "warning" within `warn` working days of it, else "ok"."""
    if due_on is None:
        return OK
    if today > due_on:
        return OVERDUE
    if working_days_between(today, due_on) <= (warn_days() if warn is None else warn):
        return WARNING
    return OK
