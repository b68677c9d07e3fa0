"""Keyset ("seek") pagination and capped counts: lists whose cost does not grow with history.

An OFFSET page costs as many rows as it skips, and COUNT(*) reads every row, so both grow
with a year of a province's data. A keyset page starts right after the last row shown: the
cursor carries that row's sort key and primary key, and the next page is
`WHERE key <= last AND (key < last OR (key = last AND id < last_id)) ORDER BY key, id LIMIT n`,
which an index on (key, id) answers by reading n rows. The redundant `key <= last` is what
lets PostgreSQL start the index scan at the cursor instead of filtering from the top.

The cursor is opaque and signed: a forged or mangled one is refused (BadCursor, a 400) and
never reaches the database. It cannot widen access either way, since every list applies the
viewer's reach first and the cursor only moves the starting point inside it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core import signing
from django.db import connection, transaction
from django.db.models import Model, Q, QuerySet

from yishi.core.errors import DomainError

SALT = "yishi.keyset"
COUNT_CAP = 1000


class BadCursor(DomainError):
    status = 400
    code = "bad_cursor"
    title = "翻页位置无效"

    def __init__(self) -> None:
        super().__init__("翻页位置无效或已过期，请从第一页重新打开。", field="cursor")


@dataclass(frozen=True)
class KeysetPage:
    """One page of rows and the cursor of the next page (None on the last page)."""

    rows: list[Any]
    next_cursor: str | None
    first: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


def _field(model: type[Model], name: str):
    return model._meta.pk if name == "pk" else model._meta.get_field(name)


def _position(row: Model, keys: Sequence[str]) -> list[Any]:
    values = []
    for key in keys:
        name = key.lstrip("-")
        value = getattr(row, "pk" if name == "pk" else _field(type(row), name).attname)
        values.append(None if value is None else _field(type(row), name).value_to_string(row))
    return values


def encode(row: Model, keys: Sequence[str], *, scope: str) -> str:
    """The opaque cursor pointing just after `row` in the ordering `keys`."""
    return signing.dumps(
        {"s": scope, "k": list(keys), "v": _position(row, keys)}, salt=SALT, compress=True
    )


def decode(cursor: str, model: type[Model], keys: Sequence[str], *, scope: str) -> list[Any]:
    """The typed sort values a cursor carries; BadCursor when it was not made by `encode`
    for this list (another list's cursor, a forged or truncated one)."""
    try:
        data = signing.loads(cursor, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        raise BadCursor() from None
    if not isinstance(data, dict) or data.get("s") != scope or data.get("k") != list(keys):
        raise BadCursor()
    raw = data.get("v")
    if not isinstance(raw, list) or len(raw) != len(keys) or raw[-1] is None:
        raise BadCursor()
    values = []
    for key, value in zip(keys, raw, strict=True):
        if value is None:
            raise BadCursor()
        try:
            values.append(_field(model, key.lstrip("-")).to_python(value))
        except Exception:  # noqa: BLE001  (any field's own parse error means a bad cursor)
            raise BadCursor() from None
    return values


def after(qs: QuerySet, keys: Sequence[str], values: Sequence[Any]) -> QuerySet:
    """`qs` restricted to the rows strictly after `values` in the ordering `keys`."""
    strictly = Q()
    equal: dict[str, Any] = {}
    for key, value in zip(keys, values, strict=True):
        name = key.lstrip("-")
        op = "lt" if key.startswith("-") else "gt"
        strictly |= Q(**equal, **{f"{name}__{op}": value})
        equal[name] = value
    first = keys[0]
    # The leading bound alone is a range an index can seek to; the OR above is then a filter
    # on the few rows tied with the cursor.
    lead = {f"{first.lstrip('-')}__{'lte' if first.startswith('-') else 'gte'}": values[0]}
    return qs.filter(**lead).filter(strictly)


def page(
    qs: QuerySet, *, keys: Sequence[str], size: int, cursor: str | None, scope: str
) -> KeysetPage:
    """Up to `size` rows of `qs` in the ordering `keys` (the last key unique, e.g. "-id"),
    starting after `cursor`. Reads size + 1 rows to know whether there is a next page."""
    ordered = qs.order_by(*keys)
    if cursor:
        ordered = after(ordered, keys, decode(cursor, qs.model, keys, scope=scope))
    rows = list(ordered[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    nxt = encode(rows[-1], keys, scope=scope) if more and rows else None
    return KeysetPage(rows=rows, next_cursor=nxt, first=not cursor)


Segment = tuple[str, QuerySet, Sequence[str]]


def segmented_page(
    segments: Sequence[Segment], *, size: int, cursor: str | None, scope: str
) -> KeysetPage:
    """A page over lists shown one after another (running sub-cases, then waiting, then
    decided), each keyset-ordered by its own keys. The cursor names the segment it points
    into (signed with it), so a page may end in one segment and the next start in it.
    `extra["segments"]` holds each row's segment name, parallel to `rows`."""
    start = 0
    position: list[Any] | None = None
    if cursor:
        head, _, signed = cursor.partition(".")
        if not head.isdigit() or int(head) >= len(segments):
            raise BadCursor()
        start = int(head)
        name, qs, keys = segments[start]
        position = decode(signed, qs.model, keys, scope=f"{scope}:{name}")
    found: list[tuple[int, Any]] = []
    for index in range(start, len(segments)):
        name, qs, keys = segments[index]
        ordered = qs.order_by(*keys)
        if index == start and position is not None:
            ordered = after(ordered, keys, position)
        found.extend((index, row) for row in ordered[: size + 1 - len(found)])
        if len(found) > size:
            break
    more = len(found) > size
    found = found[:size]
    nxt = None
    if more and found:
        index, row = found[-1]
        name, _qs, keys = segments[index]
        nxt = f"{index}." + encode(row, keys, scope=f"{scope}:{name}")
    return KeysetPage(
        rows=[row for _i, row in found],
        next_cursor=nxt,
        first=not cursor,
        extra={"segments": [segments[i][0] for i, _row in found]},
    )


def capped_count(qs: QuerySet, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """(count, more): the number of rows up to `cap`, and whether there are more. Reads at
    most cap + 1 index entries instead of the whole table."""
    n = qs.order_by()[: cap + 1].count()
    return min(n, cap), n > cap


@contextmanager
def serial_plans() -> Iterator[None]:
    """Within the block, PostgreSQL plans without parallel workers. A capped count or a
    page probes a few thousand index entries at most (milliseconds); when the planner
    overestimates the rows (a rare status correlated with its dates, as accepted and overdue
    are) it starts a parallel worker, whose start-up costs several times the work on a
    loaded server. Elsewhere a no-op."""
    if connection.vendor != "postgresql" or getattr(connection, "serial_plans", False):
        yield
        return
    inside = connection.in_atomic_block
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        connection.serial_plans = True
        try:
            yield
        finally:
            connection.serial_plans = False
        if inside:  # the enclosing transaction goes on: give it back its setting
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL max_parallel_workers_per_gather TO DEFAULT")


def count_label(qs: QuerySet, cap: int = COUNT_CAP) -> int | str:
    """37, or "1000+" past the cap: a counter for a page, never a full scan."""
    n, more = capped_count(qs, cap)
    return f"{n}+" if more else n


def page_size(raw: str | int | None, *, default: int, maximum: int) -> int:
    """A requested page size held to 1…maximum (a page never grows without bound)."""
    try:
        n = int(raw) if raw not in (None, "") else default
    except (TypeError, ValueError):
        return default
    return max(1, min(n, maximum))
