"""core.rows writes and reads exactly what the ORM would: every column type the hot paths
use (encrypted text, JSON, dates and aware datetimes, UUIDs, foreign keys, defaults,
auto_now_add), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.people.factories import PersonFactory
from yishi.cases.models import Application
from yishi.core import rows
from yishi.core.models import CalendarDay, OutboxMessage
from yishi.people.models import Person

pytestmark = pytest.mark.django_db

FIELDS = [f.attname for f in OutboxMessage._meta.concrete_fields]


def _as_orm_reads(obj):
    return {name: getattr(type(obj).objects.get(pk=obj.pk), name) for name in FIELDS}


def test_create_writes_what_the_orm_writes_and_reads_it_back_equal():
    at = timezone.now().replace(microsecond=123456)
    values = {
        "topic": "sms",
        "destination": "log:sms",
        "payload": {"phone": "13800138000", "text": "您好", "n": [1, 2.5, None, True]},
        "next_attempt_at": at,
    }
    fast = rows.create(OutboxMessage, **values)
    slow = OutboxMessage.objects.create(**values)

    assert fast.pk is not None and fast.pk != slow.pk
    assert not fast._state.adding
    assert isinstance(fast.delivery_id, uuid.UUID)  # the field default
    assert fast.created_at is not None  # auto_now_add stamped the instance
    fast_row, slow_row = _as_orm_reads(fast), _as_orm_reads(slow)
    for name in ("topic", "destination", "payload", "status", "attempts", "next_attempt_at"):
        assert fast_row[name] == slow_row[name] == getattr(fast, name), name
    assert fast_row["next_attempt_at"] == at
    assert fast_row["created_at"] == fast.created_at


def test_select_reads_what_the_orm_reads_including_encrypted_and_date_columns():
    person = PersonFactory(birth=dt.date(1988, 2, 29))
    (found,) = rows.select(Person, '"id" = %s', [person.pk])
    orm = Person.objects.get(pk=person.pk)
    for field in Person._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(orm, field.attname), field.name
    assert found.id_number == person.id_number  # decrypted, not the stored ciphertext
    assert found.birth_date == dt.date(1988, 2, 29)
    assert isinstance(found.created_at, dt.datetime) and timezone.is_aware(found.created_at)


def test_first_prepares_values_as_the_orm_lookup_does_and_answers_none_for_no_row():
    CalendarDay.objects.create(date=dt.date(2031, 5, 6), kind=CalendarDay.Kind.HOLIDAY, name="测")
    day = rows.first(CalendarDay, date=dt.date(2031, 5, 6))
    assert day is not None and day.kind == CalendarDay.Kind.HOLIDAY and day.name == "测"
    assert rows.first(CalendarDay, date=dt.date(2031, 5, 7)) is None
    assert rows.first(CalendarDay, pk=day.pk).date == dt.date(2031, 5, 6)


def test_insert_sets_every_key_in_row_order():
    messages = [
        OutboxMessage(
            topic=f"t{i}", destination="log:x", payload={"i": i}, next_attempt_at=timezone.now()
        )
        for i in range(205)  # more than one statement's worth
    ]
    rows.insert(messages)
    keys = [m.pk for m in messages]
    assert keys == sorted(keys) and len(set(keys)) == 205
    assert OutboxMessage.objects.get(pk=keys[150]).payload == {"i": 150}


def test_update_changes_only_the_named_columns():
    message = rows.create(
        OutboxMessage, topic="a", destination="log:x", payload={}, next_attempt_at=timezone.now()
    )
    OutboxMessage.objects.filter(pk=message.pk).update(last_error="kept")
    message.topic, message.attempts = "b", 3
    rows.update(message, ["attempts"])
    fresh = OutboxMessage.objects.get(pk=message.pk)
    assert (fresh.topic, fresh.attempts, fresh.last_error) == ("a", 3, "kept")


def test_a_constraint_violation_raises_integrity_error_and_writes_nothing():
    person = PersonFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.create(
            Person,
            name="重复",
            id_number=person.id_number,
            id_number_index=person.id_number_index,  # unique
            birth_date=person.birth_date,
            sex=person.sex,
        )
    assert Person.objects.filter(name="重复").count() == 0


def test_select_finds_nothing_for_a_missing_row():
    assert rows.select(Application, '"id" = %s', [-1]) == []


def test_create_unless_conflict_inserts_once_and_leaves_the_transaction_usable():
    from yishi.core.models import IdempotencyRecord

    values = {
        "key": "k-1",
        "scope": "s",
        "owner": "user:1",
        "request_hash": "h",
        "expires_at": timezone.now(),
    }
    first = rows.create_unless_conflict(IdempotencyRecord, **values)
    again = rows.create_unless_conflict(IdempotencyRecord, **{**values, "request_hash": "h2"})
    assert first is not None and first.pk is not None
    assert again is None
    # No error was raised, so the surrounding transaction still runs statements.
    assert IdempotencyRecord.objects.get(key="k-1").request_hash == "h"


@pytest.mark.postgres
def test_postgresql_prepares_a_statement_run_repeatedly_and_keeps_django_cursors_unprepared():
    from django.db import connection

    message = rows.create(
        OutboxMessage, topic="p", destination="log:x", payload={}, next_attempt_at=timezone.now()
    )
    for _ in range(3):
        assert rows.first(OutboxMessage, pk=message.pk).topic == "p"
    for _ in range(3):
        assert OutboxMessage.objects.get(pk=message.pk).topic == "p"
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('FROM "core_outboxmessage" WHERE "id" = $1' in s for s in prepared), prepared
    assert not any("core_outboxmessage" in s and "$1" not in s for s in prepared)


def test_a_multi_row_insert_writes_what_the_orm_writes_for_every_column_type():
    people = [PersonFactory.build() for _ in range(3)]
    messages = [
        OutboxMessage(topic="m", destination="log:x", payload=p, next_attempt_at=timezone.now())
        for p in ({"a": [1, None]}, {}, {"text": "您好"})
    ]
    rows.insert(people)
    rows.insert(messages)
    for person in people:
        orm = Person.objects.get(pk=person.pk)
        for field in Person._meta.concrete_fields:
            assert getattr(orm, field.attname) == getattr(person, field.attname), field.name
    assert [OutboxMessage.objects.get(pk=m.pk).payload for m in messages] == [
        {"a": [1, None]},
        {},
        {"text": "您好"},
    ]
    # A column that is NULL in every row (delivered_at) travels too.
    assert not OutboxMessage.objects.filter(pk__in=[m.pk for m in messages]).exclude(
        delivered_at=None
    )


@pytest.mark.postgres
def test_postgresql_inserts_any_number_of_rows_with_one_prepared_statement():
    from django.db import connection

    def batch(n):
        return [
            OutboxMessage(
                topic=f"u{n}", destination="log:x", payload={}, next_attempt_at=timezone.now()
            )
            for _ in range(n)
        ]

    for n in (2, 3, 5):
        rows.insert(batch(n))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    inserts = [s for s in prepared if s.startswith('INSERT INTO "core_outboxmessage"')]
    assert len(inserts) == 1 and "UNNEST" in inserts[0], prepared


def test_an_installed_execute_wrapper_sees_every_rows_statement():
    from django.db import connection

    seen = []

    def spy(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        message = rows.create(
            OutboxMessage,
            topic="w",
            destination="log:x",
            payload={},
            next_attempt_at=timezone.now(),
        )
        rows.first(OutboxMessage, pk=message.pk)
    assert [s.split()[0] for s in seen] == ["INSERT", "SELECT"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgresql_cursors_follow_a_reconnected_connection():
    from django.db import connection

    message = rows.create(
        OutboxMessage, topic="r", destination="log:x", payload={}, next_attempt_at=timezone.now()
    )
    assert rows.first(OutboxMessage, pk=message.pk).topic == "r"
    connection.close()  # e.g. CONN_MAX_AGE reached, or a failed health check
    assert rows.first(OutboxMessage, pk=message.pk).topic == "r"
