"""A year (or any span) of synthetic history for the demo and the benchmarks: applications
with their sub-cases, timeline events, audit entries, pauses (补正), hall tickets, the
e-licences approved sub-cases yield and, when the ratings app is installed with an indicator
set, ratings with their follow-ups.

Everything agrees with the records around it:
- matters are the published ones, each sub-case in its matter's department; theme
  applications get one sub-case per theme item, dependents waiting for their prerequisites;
- acceptance falls on working days of the district calendar (yishi.core.workdays), due dates
  are the promised limits counted in working days from acceptance with the pauses
  (started_on … ended_on − 1) taken out, exactly as yishi.cases.deadlines counts them;
- the audit entries continue the hash chain (yishi.core.audit.entry_hash), under the chain's
  lock, batch by batch: `verify_audit` passes afterwards;
- an approved sub-case of a matter that yields a licence (licences.queries.
  licence_type_for_matter) gets one, as licence_issue_for_subcase would issue it: numbered on
  from the type's and issuer's serial, signed with the issuing department's seal (SM2 over
  licences.canonical), audited; history licences are not pushed to the province store;
- ids are assigned here (max id + 1 on), so rows can point at each other without reading
  anything back; on PostgreSQL the rows travel by COPY and the sequences are moved on.

Run it on a quiet database (no other writer of applications meanwhile): the ids it takes are
decided up front. Deterministic for a given seed, catalog and end date.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import json
import queue
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import IntegerField, Max
from django.db.models.functions import Cast, Substr
from django.utils import timezone

from yishi.cases.models import Application, CaseEvent, Pause, SubCase
from yishi.catalog.models import Department, Matter, StaffProfile
from yishi.core.audit import _PG_LOCK_KEY, _lock_chain_head, audit_head, canonical_json, entry_hash
from yishi.core.dates import add_years
from yishi.core.fields import blind_index
from yishi.core.models import AuditEntry
from yishi.core.signing import signer
from yishi.core.synthetic import iter_persons
from yishi.hall.models import Outlet, Queue, Ticket, TicketCounter, Window
from yishi.licences.canonical import canonical_bytes, canonical_fields
from yishi.licences.models import Licence, LicenceSerial, Seal, seal_owner
from yishi.licences.queries import licence_type_for_matter
from yishi.licences.services import licence_number, seal_for
from yishi.people.models import ApplicantAccount, Person
from yishi.stats.calendar_index import workday_flags
from yishi.themes.models import Theme, ThemeMatter

try:  # the ratings app is optional for the generator
    from yishi.ratings.models import FollowUp, IndicatorSet, Rating
except ImportError:  # pragma: no cover - depends on the installed apps
    Rating = FollowUp = IndicatorSet = None  # type: ignore[assignment,misc]

SHANGHAI = ZoneInfo("Asia/Shanghai")
A = Application.Status
S = SubCase.Status
TOWN_CODES = ("420702100", "420702101", "420702102", "420702103", "420702104", "420702400")
GENERATOR = "generate_history"
# Django's mark of an unusable password: generated applicants never sign in.
UNUSABLE = "!"
THEME_SHARE = 0.12  # most applications are for one matter; 一件事 a growing minority


# ---------------------------------------------------------------- bulk writing


class _Table:
    """Rows of one table, written in one statement per flush: COPY on PostgreSQL, one
    executemany elsewhere. Values are Python values; dates and datetimes are adapted here."""

    def __init__(self, model: Any, columns: list[str]) -> None:
        self.model = model
        self.table = model._meta.db_table
        # Columns not named here that may not be NULL get the model's default (or "" for a
        # blank text column): another app may add such a column without breaking the writer.
        self.fill: tuple = ()
        extra, fill = [], []
        for f in model._meta.concrete_fields:
            if f.column in columns or f.primary_key or f.null:
                continue
            if f.has_default():
                value = f.get_default()
            elif f.empty_strings_allowed:
                value = ""
            else:
                continue
            extra.append(f.column)
            prepared = f.get_db_prep_save(value, connection)
            if hasattr(prepared, "obj"):  # psycopg's Jsonb wrapper: COPY takes the JSON text
                prepared = json.dumps(prepared.obj, ensure_ascii=False)
            fill.append(prepared)
        self.columns = columns + extra
        self.fill = tuple(fill)
        self.rows: list[tuple] = []

    def add(self, *values: Any) -> None:
        self.rows.append(values + self.fill if self.fill else values)

    def take(self) -> list[tuple]:
        rows, self.rows = self.rows, []
        return rows

    def copy_text(self, rows: list[tuple]) -> bytes:
        """The rows in COPY's text format."""
        text = _text
        return "".join(["\t".join(map(text, row)) + "\n" for row in rows]).encode()

    def insert(self, rows: list[tuple]) -> int:
        """Write rows through the current connection (executemany; SQLite and tests)."""
        if not rows:
            return 0
        cols = ", ".join(f'"{c}"' for c in self.columns)
        ops = connection.ops
        marks = ", ".join(["%s"] * len(self.columns))
        adapted = [
            tuple(
                ops.adapt_datetimefield_value(v)
                if isinstance(v, dt.datetime)
                else v.isoformat()
                if isinstance(v, dt.date)
                else v.hex
                if isinstance(v, uuid.UUID)
                else v
                for v in row
            )
            for row in rows
        ]
        with connection.cursor() as cursor:
            # Table and column names come from the models, never from input.
            sql = f'INSERT INTO "{self.table}" ({cols}) VALUES ({marks})'  # noqa: S608
            cursor.executemany(sql, adapted)
        return len(rows)

    @property
    def copy_sql(self) -> str:
        cols = ", ".join(f'"{c}"' for c in self.columns)
        return f'COPY "{self.table}" ({cols}) FROM STDIN'


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text(v: Any) -> str:
    """One value in COPY's text format."""
    if v is None:
        return "\\N"
    t = type(v)
    if t is str:
        # Most values need no escaping: looking is much cheaper than translating.
        if "\\" in v or "\t" in v or "\n" in v or "\r" in v:
            return v.translate(_ESCAPES)
        return v
    if t is int:
        return str(v)
    if t is bool:
        return "t" if v else "f"
    if t is dt.datetime or t is dt.date:
        return v.isoformat()
    return str(v).translate(_ESCAPES)


def _next_id(model: Any) -> int:
    return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1


def _move_sequences(models: Iterable[Any]) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            # Model table names, never input.
            sql = (
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "  # noqa: S608
                f'COALESCE((SELECT MAX(id) FROM "{table}"), 1))'
            )
            cursor.execute(sql)


# ---------------------------------------------------------------- the world read once


@dataclass
class _Plan:
    """What one application asks: a single matter or a theme's items."""

    theme_id: int | None
    matter_id: int | None
    items: list[tuple[int | None, int, list[int]]]  # (theme item id, matter id, prereq idx)
    promised_chain: int
    legal_chain: int
    instant: bool = False


@dataclass
class _World:
    matters: dict[int, dict[str, Any]]
    plans: list[_Plan]
    theme_plans: list[_Plan]
    centres: list[int]
    centre_weights: list[float]
    outlets: dict[int, tuple[int, int, str, list[int]]]  # centre -> (outlet, queue, letter, wins)
    clerks: dict[int, list[tuple[int, str]]]  # centre -> staff (id, username)
    reviewers: dict[int, list[tuple[int, str]]]  # department -> staff
    district_centre: int | None
    indicator_set: int | None = None
    # person, user, username, name, ID number
    persons: list[tuple[int, int, str, str, str]] = field(default_factory=list)
    # matter -> (licence type, its code, validity in years) for the matters that yield one
    licences: dict[int, tuple[int, str, int]] = field(default_factory=dict)
    # issuing department -> (its code, the signing function of its seal's key)
    seals: dict[int, tuple[str, Callable[[bytes], Any]]] = field(default_factory=dict)


def _chain(days: list[int], needs: dict[int, list[int]]) -> int:
    memo: dict[int, int] = {}

    def finish(n: int) -> int:
        if n not in memo:
            memo[n] = days[n] + max((finish(p) for p in needs.get(n, [])), default=0)
        return memo[n]

    return max((finish(n) for n in range(len(days))), default=0)


def _load_world() -> _World:
    matters = {
        m["pk"]: m
        for m in Matter.objects.filter(status=Matter.Status.PUBLISHED).values(
            "pk", "department_id", "promised_limit_days", "legal_limit_days", "instant_approval"
        )
    }
    for m in matters.values():
        # No legal limit recorded: the promise is the only limit.
        m["promised_limit_days"] = m["promised_limit_days"] or 0
        m["legal_limit_days"] = m["legal_limit_days"] or m["promised_limit_days"]
    if not matters:
        raise ValueError("事项目录中没有已发布的事项：请先载入目录（load_demo）")
    plans = [
        _Plan(
            None,
            pk,
            [(None, pk, [])],
            m["promised_limit_days"],
            m["legal_limit_days"],
            bool(m["instant_approval"]),
        )
        for pk, m in sorted(matters.items())
    ]
    theme_plans = []
    items = (
        ThemeMatter.objects.filter(theme__status=Theme.Status.PUBLISHED)
        .order_by("theme_id", "order", "id")
        .prefetch_related("depends_on")
    )
    by_theme: dict[int, list[ThemeMatter]] = {}
    for item in items:
        by_theme.setdefault(item.theme_id, []).append(item)
    for theme_id, theme_items in sorted(by_theme.items()):
        if any(i.matter_id not in matters for i in theme_items):
            continue  # a theme with an unpublished matter cannot be applied for
        index = {i.pk: n for n, i in enumerate(theme_items)}
        rows = [
            (i.pk, i.matter_id, [index[p.pk] for p in i.depends_on.all() if p.pk in index])
            for i in theme_items
        ]
        needs = {n: r[2] for n, r in enumerate(rows)}
        promised = _chain([matters[r[1]]["promised_limit_days"] for r in rows], needs)
        legal = _chain([matters[r[1]]["legal_limit_days"] for r in rows], needs)
        theme_plans.append(_Plan(theme_id, None, rows, promised, legal))
    centres = list(
        Department.objects.filter(kind=Department.Kind.SERVICE_CENTRE)
        .order_by("code")
        .values_list("pk", flat=True)
    )
    outlets: dict[int, tuple[int, int, str, list[int]]] = {}
    for outlet in Outlet.objects.filter(department__isnull=False, is_active=True).order_by("code"):
        queue = Queue.objects.filter(outlet=outlet).order_by("-is_general", "letter").first()
        if queue is None or outlet.department_id in outlets:
            continue
        windows = list(
            Window.objects.filter(outlet=outlet, is_active=True)
            .order_by("number")
            .values_list("pk", flat=True)
        )
        outlets[outlet.department_id] = (outlet.pk, queue.pk, queue.letter, windows)
    district = next(
        iter(
            Department.objects.filter(
                kind=Department.Kind.SERVICE_CENTRE, region__code="420702"
            ).values_list("pk", flat=True)
        ),
        centres[0] if centres else None,
    )
    weights = [6.0 if c == district else 1.0 for c in centres]
    clerks: dict[int, list[tuple[int, str]]] = {}
    reviewers: dict[int, list[tuple[int, str]]] = {}
    for p in StaffProfile.objects.select_related("user").order_by("pk"):
        reviewers.setdefault(p.department_id, []).append((p.user_id, p.user.username))
        if p.service_centre_id:
            clerks.setdefault(p.service_centre_id, []).append((p.user_id, p.user.username))
    indicator_set = None
    if IndicatorSet is not None:
        indicator_set = (
            IndicatorSet.objects.filter(channel="online", active=True)
            .order_by("-version")
            .values_list("pk", flat=True)
            .first()
        )
    licences: dict[int, tuple[int, str, int]] = {}
    seals: dict[int, tuple[str, Callable[[bytes], Any]]] = {}
    # Applicants are persons: a type only a company may hold yields nothing here.
    for matter in Matter.objects.filter(pk__in=list(matters)).select_related("department"):
        licence_type = licence_type_for_matter(matter)
        if licence_type is None or licence_type.holder_kind == "company":
            continue
        licences[matter.pk] = (
            licence_type.pk,
            licence_type.code,
            licence_type.validity_years or 0,
        )
        department = matter.department
        if department.pk not in seals:
            seal = seal_for(department)
            if not seal.active:
                del licences[matter.pk]  # a suspended seal signs nothing
                continue
            sign_bytes = signer(seal_owner(department))
            seals[department.pk] = (department.code, sign_bytes)
    world = _World(
        matters,
        plans,
        theme_plans,
        centres,
        weights,
        outlets,
        clerks,
        reviewers,
        district,
        indicator_set,
    )
    world.licences, world.seals = licences, seals
    # A seal whose key was just made names it, as licences.services._seal_sign records it.
    for department_id, (_code, sign_bytes) in seals.items():
        key_id = sign_bytes(b"").key_id
        Seal.objects.filter(department_id=department_id).exclude(key_id=key_id).update(
            key_id=key_id
        )
    return world


def _applicants(count: int, seed: int) -> list[tuple[int, int, str, str, str]]:
    """`count` synthetic applicants (person, user, account), made once and found again by a
    later run with the same seed."""
    User = get_user_model()
    people = list(iter_persons(count, region_code="420702", seed=seed + 7919))
    rng = random.Random(seed)
    persons, users, indexes = [], [], []
    for n, p in enumerate(people):
        index = blind_index(str(p["id_number"]))
        indexes.append(index)
        persons.append(
            Person(
                name=p["name"],
                id_number=p["id_number"],
                id_number_index=index,
                birth_date=p["birth_date"],
                sex=p["sex"],
                region_code=TOWN_CODES[rng.randrange(len(TOWN_CODES))],
                phone=p["phone"],
                phone_index=blind_index(str(p["phone"])),
            )
        )
        users.append(User(username=f"hist-{index[:16]}", password=UNUSABLE, first_name=p["name"]))
        del n
    Person.objects.bulk_create(persons, batch_size=2000, ignore_conflicts=True)
    User.objects.bulk_create(users, batch_size=2000, ignore_conflicts=True)
    person_ids = dict(
        Person.objects.filter(id_number_index__in=indexes).values_list("id_number_index", "pk")
    )
    user_ids = dict(
        User.objects.filter(username__in=[u.username for u in users]).values_list("username", "pk")
    )
    accounts = [
        ApplicantAccount(
            user_id=user_ids[u.username],
            person_id=person_ids[i],
            source=ApplicantAccount.Source.LOCAL,
        )
        for u, i in zip(users, indexes, strict=True)
        if u.username in user_ids and i in person_ids
    ]
    ApplicantAccount.objects.bulk_create(accounts, batch_size=2000, ignore_conflicts=True)
    return [
        (person_ids[i], user_ids[u.username], u.username, p["name"], str(p["id_number"]))
        for u, i, p in zip(users, indexes, people, strict=True)
        if u.username in user_ids and i in person_ids
    ]


# ---------------------------------------------------------------- the calendar


class _Days:
    """The working days around the span, by ordinal: the n-th working day after a date."""

    def __init__(self, first: dt.date, last: dt.date) -> None:
        self.work = [d for d, w in workday_flags(first, last) if w]
        self.pos = {d: n for n, d in enumerate(self.work)}

    def after(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day after `day` (a working day), n ≥ 0."""
        return self.work[self.pos[day] + n]

    def index_on_or_after(self, day: dt.date) -> int:
        return bisect.bisect_left(self.work, day)


# ---------------------------------------------------------------- the generator


@dataclass
class Result:
    applications: int = 0
    subcases: int = 0
    events: int = 0
    audit: int = 0
    pauses: int = 0
    tickets: int = 0
    licences: int = 0
    ratings: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


_EIGHT_HOURS = dt.timedelta(hours=8)


def _sh(day: dt.date, minutes: float) -> dt.datetime:
    """`minutes` after midnight of `day` in Asia/Shanghai (UTC+8 all year since 1991), as a
    UTC datetime with whole microseconds: what the audit chain hashes."""
    base = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC) - _EIGHT_HOURS
    return base + dt.timedelta(microseconds=int(minutes * 60_000_000))


_JSON_CACHE: dict[str, str] = {}


def _j(value: str) -> str:
    found = _JSON_CACHE.get(value)
    if found is None:
        found = json.dumps(value, ensure_ascii=False)
        if len(_JSON_CACHE) < 100_000:
            _JSON_CACHE[value] = found
    return found


_SM3 = hashlib.new("sm3")


def seal(
    prev: str,
    at: dt.datetime,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    frm: str,
    to: str,
    note: str,
) -> tuple[str, str]:
    """(canonical data JSON, hash) of one case audit entry, byte for byte what
    yishi.core.audit.entry_hash computes for {"from", "note", "to"} data (a test holds the
    two together), without building and sorting dicts: the generator seals millions."""
    data = f'{{"from":{_j(frm)},"note":{_j(note)},"to":{_j(to)}}}'
    body = (
        f'{{"action":{_j(action)},"actor":{_j(actor)},'
        f'"at":"{at.astimezone(dt.UTC).isoformat(timespec="microseconds")}",'
        f'"data":{data},"object_id":{_j(object_id)},"object_type":{_j(object_type)}}}'
    )
    h = _SM3.copy()
    h.update((prev + body).encode())
    return data, h.hexdigest()


def generate(
    *,
    applications: int,
    days: int = 365,
    seed: int = 1,
    until: dt.date | None = None,
    batch: int = 5000,
    progress: Callable[[str], None] | None = None,
    ratings: bool = True,
) -> Result:
    """Write `applications` applications accepted on the working days of the `days` days
    ending `until` (default today, Asia/Shanghai) with everything that goes with them."""
    started = time.monotonic()
    say = progress or (lambda _msg: None)
    now = timezone.now()
    today = timezone.localdate()
    until = until or today
    if until > today:
        raise ValueError("结束日期不能晚于今天")
    first = until - dt.timedelta(days=max(days, 1) - 1)
    rng = random.Random(seed)
    world = _load_world()
    calendar = _Days(first - dt.timedelta(days=10), until + dt.timedelta(days=400))
    acc_days = [d for d in calendar.work if first <= d <= until]
    # Today's acceptances only up to now: the screen of today shows what happened so far.
    now_local = now.astimezone(SHANGHAI)
    now_minutes = now_local.hour * 60 + now_local.minute - 5
    if acc_days and acc_days[-1] == today and now_minutes < 9 * 60:
        acc_days.pop()
    if not acc_days:
        raise ValueError("所选期间没有工作日")
    say(f"目录：{len(world.plans)} 个事项，{len(world.theme_plans)} 个一件事主题；")
    world.persons = _applicants(max(50, min(applications // 4, 50_000)), seed)
    say(f"申请人：{len(world.persons)} 人")

    # Acceptance days in order (the audit chain then runs forward in time, batch by batch);
    # later months a little busier than earlier ones.
    weights = [1.0 + 0.3 * (d - first).days / max(days, 1) for d in acc_days]
    picks = sorted(rng.choices(range(len(acc_days)), weights=weights, k=applications))

    ids = {
        "app": _next_id(Application),
        "sub": _next_id(SubCase),
        "rating": _next_id(Rating) if Rating is not None else 1,
    }
    use_ratings = ratings and Rating is not None and world.indicator_set is not None
    tables = _tables(use_ratings)
    taken_tickets = set(
        Ticket.objects.filter(day__gte=first, day__lte=until).values_list(
            "outlet_id", "day", "number"
        )
    )
    ticket_seq: dict[tuple[int, dt.date], int] = {}
    result = Result()
    form_field = Application._meta.get_field("form_data")
    comment_empty = (
        Rating._meta.get_field("comment").get_db_prep_save("", connection) if use_ratings else ""
    )
    context = _Context(
        world,
        calendar,
        rng,
        now,
        today,
        until,
        now_minutes,
        tables,
        taken_tickets,
        ticket_seq,
        form_field,
        comment_empty,
        use_ratings,
    )
    order = (
        "app",
        "sub",
        "dep",
        "pause",
        "event",
        "ticket",
        "licence",
        "rating",
        "followup",
        "audit",
    )
    # The writer thread's own connection cannot see a caller's open transaction (a test's):
    # then the batches go through this connection, one after another.
    threaded = connection.vendor == "postgresql" and not connection.in_atomic_block
    sink = _PgSink() if threaded else _DirectSink()
    try:
        prev = sink.head()
        done = 0
        while done < applications:
            chunk = picks[done : done + batch]
            audit_rows: list[tuple] = []
            for pick in chunk:
                used_subs, used_ratings = context.application(
                    ids["app"], ids["sub"], ids["rating"], acc_days[pick], audit_rows, result
                )
                ids["app"] += 1
                ids["sub"] += used_subs
                ids["rating"] += used_ratings
            first_prev = prev
            audit = tables["audit"]
            for at, actor, action, object_type, object_id, frm, to, note in audit_rows:
                if frm is None:  # an entry with its own data (a licence's issue): `note`
                    data = canonical_json(note)
                    digest = entry_hash(
                        prev_hash=prev,
                        at=at,
                        actor=actor,
                        action=action,
                        object_type=object_type,
                        object_id=object_id,
                        data=note,
                    )
                else:
                    data, digest = seal(
                        prev, at, actor, action, object_type, object_id, frm, to, note
                    )
                audit.add(at, actor, action, object_type, object_id, data, prev, digest)
                prev = digest
            result.events += len(tables["event"].rows)
            result.audit += len(audit_rows)
            sink.put([tables[name] for name in order if name in tables], first_prev)
            done += len(chunk)
            result.applications = done
            say(
                f"已生成 {done}/{applications} 件（{time.monotonic() - started:.0f} 秒，"
                f"{done / max(time.monotonic() - started, 1e-6):.0f} 件/秒）"
            )
    finally:
        sink.close()
    _save_serials(context.serials)
    _save_ticket_counters(first)
    _move_sequences(
        [Application, SubCase, Pause, CaseEvent, Ticket, Licence, AuditEntry]
        + ([Rating, FollowUp] if use_ratings else [])
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (Application, SubCase, Pause, CaseEvent, Ticket, Licence, AuditEntry):
                cursor.execute(f'ANALYZE "{model._meta.db_table}"')
    result.seconds = round(time.monotonic() - started, 1)
    return result


def _save_ticket_counters(first: dt.date) -> None:
    """Move each (outlet, day, queue letter) ticket counter on to the last number the history
    used from `first` on, so a ticket taken the ordinary way that day (today's, when the
    history ends now) gets the next number instead of one the history already gave."""
    used = (
        Ticket.objects.filter(day__gte=first)
        .annotate(letter=Substr("number", 1, 1))
        .values("outlet_id", "day", "letter")
        .annotate(last=Max(Cast(Substr("number", 2), IntegerField())))
        .order_by()
    )
    wanted = {(r["outlet_id"], r["day"], r["letter"]): r["last"] for r in used}
    if not wanted:
        return
    with transaction.atomic():
        held = TicketCounter.objects.select_for_update(no_key=True).filter(day__gte=first)
        for row in held:
            key = (row.outlet_id, row.day, row.letter)
            if key in wanted and row.last >= wanted[key]:
                del wanted[key]
        TicketCounter.objects.bulk_create(
            [
                TicketCounter(outlet_id=outlet, day=day, letter=letter, last=last)
                for (outlet, day, letter), last in wanted.items()
            ],
            update_conflicts=True,
            unique_fields=["outlet", "day", "letter"],
            update_fields=["last"],
            batch_size=1000,
        )


def _save_serials(serials: dict[tuple[int, int, int], int]) -> None:
    """Move each (type, issuer, year) serial on to the last number the history used, so the
    next licence issued the ordinary way continues after it."""
    with transaction.atomic():
        for (type_id, issuer_id, year), last in serials.items():
            row, _created = LicenceSerial.objects.select_for_update(no_key=True).get_or_create(
                type_id=type_id, issuer_id=issuer_id, year=year
            )
            if row.last < last:
                row.last = last
                row.save(update_fields=["last"])


class _DirectSink:
    """Writes each batch at once through this thread's connection (SQLite, tests): one
    transaction per batch, the chain's head checked under its lock."""

    def head(self) -> str:
        return audit_head()

    def put(self, tables: list[_Table], first_prev: str) -> None:
        with transaction.atomic():
            if _lock_chain_head() != first_prev:
                raise RuntimeError("审计日志在生成期间被其他操作追加，请在空闲的数据库上运行")
            for table in tables:
                if connection.vendor == "postgresql":
                    rows = table.take()
                    if rows:
                        with (
                            connection.cursor() as cursor,
                            cursor.cursor.copy(table.copy_sql) as cp,
                        ):
                            cp.write(table.copy_text(rows))
                else:
                    table.insert(table.take())

    def close(self) -> None:
        pass


class _PgSink:
    """PostgreSQL: a writer thread with its own connection COPYs each batch in its own
    transaction while the next batch is drawn (the two cores work at once). It holds the
    audit chain's lock (the advisory key appenders take) for the whole run, so the chain it
    continues cannot move under it."""

    def __init__(self) -> None:
        self.queue: queue.Queue = queue.Queue(maxsize=2)
        self.started = queue.Queue(maxsize=1)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="history-writer", daemon=True)
        self.thread.start()
        found = self.started.get()
        if isinstance(found, BaseException):
            self.thread.join()
            raise found
        self._head = found

    def head(self) -> str:
        return self._head

    def _run(self) -> None:
        from django.db import connection as conn

        locked = False
        try:
            with conn.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s)", [_PG_LOCK_KEY])
                locked = True
            self.started.put(audit_head())
        except BaseException as exc:  # handed to the caller
            self.started.put(exc)
            conn.close()
            return
        try:
            while True:
                item = self.queue.get()
                if item is None:
                    break
                if self.error is not None:
                    continue  # drain: the caller stops at its next put
                try:
                    with transaction.atomic(), conn.cursor() as cursor:
                        # A crash may lose the last batches, never half of one: no need to
                        # wait for each commit's flush to disk.
                        cursor.execute("SET LOCAL synchronous_commit = off")
                        for copy_sql, data in item:
                            with cursor.cursor.copy(copy_sql) as copy:
                                copy.write(data)
                except BaseException as exc:
                    self.error = exc
        finally:
            if locked:
                with conn.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [_PG_LOCK_KEY])
            conn.close()

    def put(self, tables: list[_Table], first_prev: str) -> None:
        if self.error is not None:
            raise self.error
        payload = [(t.copy_sql, t.copy_text(t.take())) for t in tables]
        self.queue.put(payload)

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error


def _tables(use_ratings: bool) -> dict[str, _Table]:
    tables = {
        "app": _Table(
            Application,
            [
                "id",
                "number",
                "applicant_id",
                "person_id",
                "company_id",
                "theme_id",
                "matter_id",
                "service_centre_id",
                "answers",
                "form_data",
                "status",
                "channel",
                "created_by_id",
                "first_owner_id",
                "supplement_items",
                "submitted_at",
                "accepted_at",
                "accepted_on",
                "completed_at",
                "promised_chain_days",
                "legal_chain_days",
                "promised_due",
                "legal_due",
                "reason",
                "created_at",
            ],
        ),
        "sub": _Table(
            SubCase,
            [
                "id",
                "application_id",
                "theme_item_id",
                "matter_id",
                "matter_version_id",
                "department_id",
                "status",
                "promised_days",
                "legal_days",
                "started_on",
                "promised_due",
                "legal_due",
                "decided_by_id",
                "decided_at",
                "result_name",
                "reason",
                "order",
                "partner_region",
            ],
        ),
        "dep": _Table(SubCase.depends_on.through, ["from_subcase_id", "to_subcase_id"]),
        "pause": _Table(
            Pause,
            ["application_id", "subcase_id", "kind", "items", "started_on", "ended_on", "reason"],
        ),
        "event": _Table(
            CaseEvent,
            [
                "application_id",
                "subcase_id",
                "at",
                "actor_id",
                "action",
                "from_status",
                "to_status",
                "note",
            ],
        ),
        "ticket": _Table(
            Ticket,
            [
                "outlet_id",
                "day",
                "queue_id",
                "number",
                "token",
                "channel",
                "matter_id",
                "theme_id",
                "priority",
                "green_reason",
                "claim",
                "claim_note",
                "arrived_at",
                "virtual_at",
                "status",
                "window_id",
                "called_at",
                "last_called_at",
                "recall_count",
                "served_started_at",
                "finished_at",
                "served_by_id",
                "transfer_count",
                "client_key",
                "person_id",
                "application_id",
            ],
        ),
        "licence": _Table(
            Licence,
            [
                "number",
                "type_id",
                "person_id",
                "issuer_id",
                "subcase_id",
                "data",
                "issued_on",
                "valid_from",
                "valid_until",
                "status",
                "source",
                "trust_level",
                "signature",
                "created_at",
            ],
        ),
        "audit": _Table(
            AuditEntry,
            ["at", "actor", "action", "object_type", "object_id", "data", "prev_hash", "hash"],
        ),
    }
    if use_ratings:
        tables["rating"] = _Table(
            Rating,
            [
                "id",
                "kind",
                "target_key",
                "stage",
                "level",
                "indicator_set_id",
                "failed_indicators",
                "comment",
                "source",
                "application_id",
                "user_id",
                "department_id",
                "excluded",
                "created_at",
            ],
        )
        tables["followup"] = _Table(
            FollowUp,
            [
                "rating_id",
                "department_id",
                "status",
                "visit_due_on",
                "due_on",
                "visited_at",
                "action",
                "handled_at",
                "handled_on",
                "appeal_reason",
                "status_before_appeal",
                "appeal_note",
                "created_at",
            ],
        )
    return tables


_KINDS = {"application": "cases.application", "subcase": "cases.subcase"}
_ACTIONS = {
    kind: {
        a: f"cases.{kind}.{a}"
        for a in (
            "submit",
            "accept",
            "start",
            "request_supplement",
            "provide_supplement",
            "approve",
            "refuse",
            "complete",
            "conclude_refused",
        )
    }
    for kind in _KINDS
}


class _Context:
    """The per-application drawing, with everything it needs at hand."""

    def __init__(
        self,
        world,
        calendar,
        rng,
        now,
        today,
        until,
        now_minutes,
        tables,
        taken,
        seq,
        form_field,
        comment_empty,
        use_ratings,
    ) -> None:
        self.w, self.cal, self.rng, self.now, self.today = world, calendar, rng, now, today
        self.until, self.now_minutes, self.t = until, now_minutes, tables
        self.taken, self.seq, self.form_field = taken, seq, form_field
        self.comment_empty, self.use_ratings = comment_empty, use_ratings
        self.centre_cum = _cumulative(world.centre_weights)
        self.licence_data = Licence._meta.get_field("data")
        # Every generated form is empty: encrypted once (SM4 costs as much as the rest of an
        # application's drawing), the same ciphertext in every row.
        self.empty_form = form_field.get_db_prep_save({}, connection)
        # (licence type, issuer, year) -> the last serial used, continuing the stored ones
        self.serials: dict[tuple[int, int, int], int] = {
            (t, i, y): last
            for t, i, y, last in LicenceSerial.objects.values_list(
                "type_id", "issuer_id", "year", "last"
            )
        }

    def _minutes(self, day: dt.date, lo: float, hi: float) -> float:
        if day == self.today:
            hi = min(hi, self.now_minutes)
            lo = min(lo, hi - 1)
        return self.rng.uniform(lo, hi)

    def _ticket_number(self, outlet: int, day: dt.date, letter: str) -> str:
        n = self.seq.get((outlet, day), 0)
        while True:
            n += 1
            number = f"{letter}{n:03d}"
            if (outlet, day, number) not in self.taken:
                break
        self.seq[(outlet, day)] = n
        return number

    def _event(self, audit, app_id, sub_id, at, actor, action, frm, to, note="") -> None:
        actor_id, actor_name = actor if actor else (None, GENERATOR)
        self.t["event"].add(app_id, sub_id, at, actor_id, action, frm, to, note)
        kind = "application" if sub_id is None else "subcase"
        audit.append(
            (
                at,
                actor_name,
                _ACTIONS[kind][action],
                _KINDS[kind],
                str(app_id if sub_id is None else sub_id),
                frm,
                to,
                note,
            )
        )

    def application(self, app_id, sub_id, rating_id, acc_day, audit, result):
        self.app_now, self.ticket_n = app_id, 0
        rng, w, cal = self.rng, self.w, self.cal
        plan = (
            w.theme_plans[rng.randrange(len(w.theme_plans))]
            if w.theme_plans and rng.random() < THEME_SHARE
            else w.plans[rng.randrange(len(w.plans))]
        )
        person_id, user_id, username, person_name, id_number = w.persons[
            rng.randrange(len(w.persons))
        ]
        applicant = (user_id, username)
        roll = rng.random()
        channel = "online" if roll < 0.55 else ("counter" if roll < 0.95 else "cross_region")
        if channel == "online" or not w.centres:
            centre = w.district_centre
        else:
            centre = w.centres[bisect.bisect_left(self.centre_cum, rng.random())]
        clerk = None
        if channel != "online" and w.clerks.get(centre):
            clerk = w.clerks[centre][rng.randrange(len(w.clerks[centre]))]
        accepted_at = _sh(acc_day, self._minutes(acc_day, 8.5 * 60, 17 * 60))
        if channel == "online":
            submitted_at = accepted_at - dt.timedelta(minutes=rng.uniform(10, 2 * 24 * 60))
        else:
            submitted_at = accepted_at - dt.timedelta(minutes=rng.uniform(3, 25))
        promised = plan.promised_chain
        # Working days used, pauses aside: most within the promise, some on the day, a few late.
        r = rng.random()
        if promised == 0 or r < 0.18:
            used = 0
        elif r < 0.90:
            used = rng.randint(1, promised)
        else:
            used = promised + rng.randint(1, 8)
        pause = None  # (start index after acceptance, paused working days)
        if promised > 0 and used > 0 and rng.random() < 0.12:
            pause = (rng.randint(1, min(used, promised)), rng.randint(1, 5))
        refused = rng.random() < 0.03
        acc_pos = cal.pos[acc_day]
        shift = pause[1] if pause else 0
        done_day = cal.work[acc_pos + used + shift]
        pause_start = pause_end = None
        if pause:
            pause_start = cal.work[acc_pos + pause[0]]
            pause_end = cal.work[acc_pos + pause[0] + pause[1]]  # the day the clock restarts
            if pause_end > self.until or (
                # Asked in the last two weeks: half of these applicants have not answered yet.
                pause_start > self.until - dt.timedelta(days=14) and rng.random() < 0.5
            ):
                pause_end = None  # still waiting for the supplement
        open_ = done_day > self.until or pause_end is None and pause is not None
        completed_at = None
        if not open_:
            if done_day == acc_day:
                lo = accepted_at.astimezone(SHANGHAI)
                lo_min = lo.hour * 60 + lo.minute + 5
                completed_at = _sh(
                    done_day, self._minutes(done_day, lo_min, max(lo_min + 1, 18 * 60))
                )
            else:
                completed_at = _sh(done_day, self._minutes(done_day, 8.5 * 60, 17.5 * 60))
            if completed_at > self.now or completed_at <= accepted_at:
                open_, completed_at = True, None
        # Due dates as the cases app computes them: the closed pauses push them on.
        due_shift = shift if pause and pause_end is not None else 0
        promised_due = (
            cal.work[acc_pos + promised + due_shift]
            if pause_start is None or pause_start <= cal.work[acc_pos + promised]
            else cal.work[acc_pos + promised]
        )
        legal_due = (
            cal.work[acc_pos + plan.legal_chain + due_shift]
            if pause_start is None or pause_start <= cal.work[acc_pos + plan.legal_chain]
            else cal.work[acc_pos + plan.legal_chain]
        )
        status = A.ACCEPTED if open_ else (A.REFUSED if refused else A.COMPLETED)
        number = f"YS{submitted_at.astimezone(SHANGHAI):%Y%m%d}{app_id:08d}"
        form = self.empty_form
        self.t["app"].add(
            app_id,
            number,
            user_id,
            person_id,
            None,
            plan.theme_id,
            plan.matter_id,
            centre,
            "{}",
            form,
            status,
            channel,
            clerk[0] if clerk else None,
            clerk[0] if clerk else None,
            "[]",
            submitted_at,
            accepted_at,
            acc_day,
            completed_at,
            promised,
            plan.legal_chain,
            promised_due,
            legal_due,
            "部分事项不予许可" if status == A.REFUSED else "",
            submitted_at,
        )
        # Timeline and audit: submit, accept, each sub-case's start and decision, the end.
        self._event(
            audit, app_id, None, submitted_at, clerk or applicant, "submit", A.DRAFT, A.SUBMITTED
        )
        acceptor = clerk
        self._event(audit, app_id, None, accepted_at, acceptor, "accept", A.SUBMITTED, A.ACCEPTED)
        subs: list[tuple[int, int]] = []  # (sub id, department)
        n_items = len(plan.items)
        refused_idx = rng.randrange(n_items) if status == A.REFUSED else -1
        first_department = None
        for idx, (item_id, matter_id, needs) in enumerate(plan.items):
            m = w.matters[matter_id]
            sid = sub_id + idx
            dept = m["department_id"]
            first_department = first_department or dept
            reviewer = None
            if w.reviewers.get(dept):
                reviewer = w.reviewers[dept][rng.randrange(len(w.reviewers[dept]))]
            for p in needs:
                self.t["dep"].add(sid, sub_id + p)
            if open_:
                sub_status = S.WAITING if needs else S.PENDING
                started_on = None if needs else acc_day
                if pause and pause_end is None and idx == 0:
                    sub_status = S.SUPPLEMENT_REQUESTED
                decided_at = None
            else:
                sub_status = S.REFUSED if idx == refused_idx else S.APPROVED
                started_on = done_day if needs else acc_day
                decided_at = completed_at - dt.timedelta(seconds=30 * (n_items - idx))
                if decided_at < accepted_at:
                    decided_at = accepted_at + dt.timedelta(seconds=idx + 1)
            sub_due = sub_legal = None
            if started_on is not None:
                pos = cal.pos[started_on]
                sub_due = cal.work[pos + m["promised_limit_days"]]
                sub_legal = cal.work[pos + m["legal_limit_days"]]
            self.t["sub"].add(
                sid,
                app_id,
                item_id,
                matter_id,
                None,
                dept,
                sub_status,
                m["promised_limit_days"],
                m["legal_limit_days"],
                started_on,
                sub_due,
                sub_legal,
                reviewer[0] if reviewer and decided_at else None,
                decided_at,
                "准予许可" if sub_status == S.APPROVED else "",
                "不符合法定条件" if sub_status == S.REFUSED else "",
                idx + 1,
                "",
            )
            subs.append((sid, dept))
            if started_on is not None:
                start_at = accepted_at if not needs else decided_at - dt.timedelta(seconds=1)
                self._event(audit, app_id, sid, start_at, acceptor, "start", S.WAITING, S.PENDING)
            if idx == 0 and pause:
                p_at = _sh(pause_start, self._minutes(pause_start, 9 * 60, 16 * 60))
                self._event(
                    audit,
                    app_id,
                    sid,
                    p_at,
                    reviewer,
                    "request_supplement",
                    S.PENDING,
                    S.SUPPLEMENT_REQUESTED,
                    "请补充材料",
                )
                if pause_end is not None:
                    r_at = _sh(pause_end, self._minutes(pause_end, 9 * 60, 16 * 60))
                    self._event(
                        audit,
                        app_id,
                        sid,
                        r_at,
                        applicant,
                        "provide_supplement",
                        S.SUPPLEMENT_REQUESTED,
                        S.PENDING,
                    )
                self.t["pause"].add(
                    app_id,
                    sid,
                    "supplement",
                    '["补充材料"]',
                    pause_start,
                    pause_end,
                    "材料不齐全，需补正",
                )
                result.pauses += 1
            if decided_at is not None:
                action = "refuse" if sub_status == S.REFUSED else "approve"
                self._event(audit, app_id, sid, decided_at, reviewer, action, S.PENDING, sub_status)
                if sub_status == S.APPROVED and matter_id in w.licences:
                    holder = (person_id, person_name, id_number)
                    self._licence(sid, matter_id, dept, holder, decided_at, reviewer, audit)
                    result.licences += 1
        if not open_:
            if status == A.REFUSED:
                self._event(
                    audit,
                    app_id,
                    None,
                    completed_at,
                    None,
                    "conclude_refused",
                    A.ACCEPTED,
                    A.REFUSED,
                )
            else:
                self._event(
                    audit, app_id, None, completed_at, None, "complete", A.ACCEPTED, A.COMPLETED
                )
        result.subcases += n_items
        # The hall: a ticket for each visit to a counter.
        if channel != "online" and centre in w.outlets:
            self._ticket(centre, plan, person_id, app_id, accepted_at, result)
            if completed_at is not None and rng.random() < 0.3:
                self._ticket(centre, plan, person_id, app_id, completed_at, result)
        if rng.random() < 0.08 and centre in w.outlets:  # a consultation, no application
            self._ticket(centre, plan, person_id, None, accepted_at - dt.timedelta(hours=1), result)
        used_ratings = 0
        if self.use_ratings and status == A.COMPLETED and rng.random() < 0.3:
            self._rating(
                rating_id, app_id, number, user_id, first_department, completed_at, done_day
            )
            used_ratings = 1
            result.ratings += 1
        return n_items, used_ratings

    def _licence(self, sub_id, matter_id, department, holder, decided_at, reviewer, audit):
        """The licence of an approved sub-case, as licences.services.licence_issue makes it."""
        type_id, type_code, years = self.w.licences[matter_id]
        issuer_code, sign_bytes = self.w.seals[department]
        person_id, name, id_number = holder
        day = decided_at.astimezone(SHANGHAI).date()
        key = (type_id, department, day.year)
        serial = self.serials.get(key, 0) + 1
        self.serials[key] = serial
        number = licence_number(type_code, issuer_code, day.year, serial)
        until = add_years(day, years) - dt.timedelta(days=1) if years else None
        data = {"holder_name": name}
        raw = canonical_bytes(
            canonical_fields(
                number=number,
                type_code=type_code,
                holder_kind="person",
                holder_id=id_number,
                issuer_code=issuer_code,
                data=data,
                issued_on=day,
                valid_from=day,
                valid_until=until,
            )
        )
        signature = sign_bytes(raw).as_dict()
        self.t["licence"].add(
            number,
            type_id,
            person_id,
            department,
            sub_id,
            self.licence_data.get_db_prep_save(data, connection),
            day,
            day,
            until,
            Licence.Status.VALID.value,
            Licence.Source.ISSUED.value,
            Licence.Trust.A.value,
            json.dumps(signature),
            decided_at,
        )
        audit.append(
            (
                decided_at,
                reviewer[1] if reviewer else GENERATOR,
                "licences.licence.issue",
                "licences.licence",
                number,
                None,
                None,
                {
                    "type": type_code,
                    "issuer": issuer_code,
                    "subcase": sub_id,
                    "key_id": signature["key_id"],
                },
            )
        )

    def _ticket(self, centre, plan, person_id, app_id, around, result) -> None:
        rng = self.rng
        outlet, queue, letter, windows = self.w.outlets[centre]
        finished = around + dt.timedelta(minutes=rng.uniform(1, 5))
        served = finished - dt.timedelta(minutes=rng.uniform(4, 15))
        called = served - dt.timedelta(seconds=rng.uniform(20, 90))
        arrived = called - dt.timedelta(minutes=rng.expovariate(1 / 12))
        day = arrived.astimezone(SHANGHAI).date()
        if finished > self.now:
            return
        number = self._ticket_number(outlet, day, letter)
        # Unique across runs (application ids never repeat), the same for the same seed.
        self.ticket_n += 1
        salt = f"{self.app_now}:{self.ticket_n}:{rng.getrandbits(32)}".encode()
        token = uuid.UUID(bytes=hashlib.blake2b(salt, digest_size=16).digest(), version=4)
        self.t["ticket"].add(
            outlet,
            day,
            queue,
            number,
            token,
            "kiosk",
            plan.matter_id,
            plan.theme_id,
            0,
            "",
            "",
            "",
            arrived,
            arrived,
            Ticket.Status.DONE,
            windows[rng.randrange(len(windows))] if windows else None,
            called,
            called,
            0,
            served,
            finished,
            None,
            0,
            "",
            person_id,
            app_id,
        )
        result.tickets += 1

    def _rating(self, rating_id, app_id, number, user_id, department, completed_at, done_day):
        rng = self.rng
        level = rng.choices((5, 4, 3, 2, 1), weights=(62, 22, 10, 4, 2))[0]
        at = completed_at + dt.timedelta(hours=rng.uniform(0.2, 30))
        if at > self.now:
            at = self.now - dt.timedelta(seconds=1)
        poor = level <= 2
        self.t["rating"].add(
            rating_id,
            "application",
            f"application:{number}",
            "complete",
            level,
            self.w.indicator_set,
            json.dumps(["办理时间长"] if poor else [], ensure_ascii=False),
            self.comment_empty,
            "portal",
            app_id,
            user_id,
            department,
            False,
            at,
        )
        if poor:
            local = at.astimezone(SHANGHAI).date()
            pos = self.cal.index_on_or_after(local)
            visit_due = self.cal.work[pos + 1]
            due = self.cal.work[pos + 5]
            handled = at + dt.timedelta(days=rng.uniform(0.5, 4))
            closed = handled <= self.now
            self.t["followup"].add(
                rating_id,
                department,
                "rectified" if closed else "open",
                visit_due,
                due,
                at + dt.timedelta(hours=rng.uniform(2, 20)) if closed else None,
                "immediate" if closed else "",
                handled if closed else None,
                handled.astimezone(SHANGHAI).date() if closed else None,
                "",
                "",
                "",
                at,
            )


def _cumulative(weights: list[float]) -> list[float]:
    total, out = sum(weights) or 1.0, []
    running = 0.0
    for w in weights:
        running += w / total
        out.append(running)
    if out:
        out[-1] = 1.0
    return out
