"""Calling policy of the service hall: which waiting ticket a window calls next.

The rule, shared by the database calling service and the bench simulator:

    among the waiting tickets the window has the skill for, call the one with the smallest
    virtual arrival time (arrived_at minus the bonus of its priority), ties broken by id.

A priority is a head start of a fixed length, not an absolute rank, so waiting time ages
every ticket and nobody starves: a ticket is never overtaken by one that arrived more than
``FAIRNESS_BOUND`` (the largest bonus) after it, at any window that can serve both (a window
without the skill for a ticket never calls it, so that is not overtaking).

Pure Python: no models, no database. Bonuses come from Django settings, read on every call
(so ``override_settings`` works) and falling back to the defaults when Django is not installed
or not configured (the bench runs this module standalone).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from enum import IntEnum
from typing import Any, TypeVar

T = TypeVar("T")

DEFAULT_GREEN_BONUS_MINUTES = 30
DEFAULT_APPOINTMENT_BONUS_MINUTES = 15
DEFAULT_APPOINTMENT_GRACE_MINUTES = 10


class Priority(IntEnum):
    ORDINARY = 0
    APPOINTMENT = 1  # an on-time appointment (预约办) checked in
    GREEN = 2  # 绿色通道


def _setting_minutes(name: str, default: float) -> float:
    """A non-negative number of minutes from Django settings, or ``default`` without Django."""
    try:
        from django.conf import settings
        from django.core.exceptions import ImproperlyConfigured
    except ImportError:  # pragma: no cover - Django is always installed in this project
        return float(default)
    try:
        raw = getattr(settings, name, default)
    except ImproperlyConfigured:
        return float(default)
    try:
        minutes = float(raw)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number of minutes, got {raw!r}") from None
    if not minutes >= 0:  # also rejects NaN
        raise ValueError(f"{name} must be >= 0 minutes, got {raw!r}")
    return minutes


def priority_bonus(priority: Priority | int) -> dt.timedelta:
    """How much earlier a ticket of this priority counts as having arrived."""
    priority = Priority(priority)
    if priority is Priority.GREEN:
        minutes = _setting_minutes("YISHI_HALL_GREEN_BONUS_MINUTES", DEFAULT_GREEN_BONUS_MINUTES)
    elif priority is Priority.APPOINTMENT:
        minutes = _setting_minutes(
            "YISHI_HALL_APPOINTMENT_BONUS_MINUTES", DEFAULT_APPOINTMENT_BONUS_MINUTES
        )
    else:
        minutes = 0.0
    return dt.timedelta(minutes=minutes)


def virtual_arrival(arrived_at: dt.datetime, priority: Priority | int) -> dt.datetime:
    """The arrival time the calling order uses: the real one moved earlier by the bonus."""
    return arrived_at - priority_bonus(priority)


def fairness_bound() -> dt.timedelta:
    """The largest bonus, read from the settings now (prefer this under ``override_settings``)."""
    return max((priority_bonus(p) for p in Priority), default=dt.timedelta(0))


def appointment_on_time(slot_start: dt.datetime, checked_in_at: dt.datetime) -> bool:
    """Whether a booking checked in at ``checked_in_at`` keeps its priority.

    Late by more than YISHI_HALL_APPOINTMENT_GRACE_MINUTES (default 10) after the slot start
    loses it; arriving early keeps it (the bonus counts from the real arrival anyway).
    """
    grace = dt.timedelta(
        minutes=_setting_minutes(
            "YISHI_HALL_APPOINTMENT_GRACE_MINUTES", DEFAULT_APPOINTMENT_GRACE_MINUTES
        )
    )
    return checked_in_at <= slot_start + grace


def calling_key(arrived_at: dt.datetime, priority: Priority | int, ticket_id: Any) -> tuple:
    """Sort key of the calling rule: smallest virtual arrival first, then smallest id."""
    return (virtual_arrival(arrived_at, priority), ticket_id)


def _default_key(ticket: Any) -> tuple:
    return calling_key(ticket.arrived_at, ticket.priority, ticket.id)


def pick_next(
    waiting: Sequence[T],
    can_serve: Callable[[T], bool],
    key: Callable[[T], Any] = _default_key,
) -> T | None:
    """The ticket a window calls next among ``waiting``, or None when it can serve none.

    ``key`` defaults to ``calling_key`` over the attributes ``arrived_at``, ``priority`` and
    ``id``; pass a precomputed key (e.g. ``(virtual_arrival, id)``) for speed.
    """
    best: T | None = None
    best_key: Any = None
    for ticket in waiting:
        if not can_serve(ticket):
            continue
        k = key(ticket)
        if best is None or k < best_key:
            best, best_key = ticket, k
    return best


def __getattr__(name: str) -> Any:
    # FAIRNESS_BOUND is computed on access so it follows the settings (PEP 562).
    if name == "FAIRNESS_BOUND":
        return fairness_bound()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


FAIRNESS_BOUND: dt.timedelta  # the largest bonus; see fairness_bound()
