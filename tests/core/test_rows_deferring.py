"""core.rows.deferring: statements whose result nobody reads wait and travel with the next
read, yet every statement still runs in program order, nothing held is lost on the way out,
and a held statement that fails still fails the transaction."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from tests.people.factories import PersonFactory
from yishi.core import rows
from yishi.core.models import OutboxMessage
from yishi.people.models import Person

pytestmark = pytest.mark.django_db


def _message(topic: str = "t") -> OutboxMessage:
    return OutboxMessage(
        topic=topic, destination="log:x", payload={}, next_attempt_at=timezone.now()
    )


@pytest.fixture
def pipelines(monkeypatch):
    """How many times psycopg entered pipeline mode (one round trip each)."""
    connection.ensure_connection()
    raw = connection.connection
    entered = []
    real = raw.pipeline

    def counting(*args, **kwargs):
        entered.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(raw, "pipeline", counting)
    return entered


@pytest.mark.postgres
def test_held_writes_travel_with_the_next_read_in_one_round_trip(pipelines):
    message = rows.create(
        OutboxMessage, topic="a", destination="log:x", payload={}, next_attempt_at=timezone.now()
    )
    with transaction.atomic(), rows.deferring():
        message.attempts = 1
        rows.update(message, ["attempts"])
        rows.insert([_message("b"), _message("c")], keys=False)
        rows.execute("SELECT pg_advisory_xact_lock(%s)", [4242])
        assert pipelines == []  # nothing sent yet
        fresh = rows.first(OutboxMessage, pk=message.pk)
        assert len(pipelines) == 1
    assert fresh.attempts == 1
    assert OutboxMessage.objects.filter(topic__in=["b", "c"]).count() == 2
    assert len(pipelines) == 1  # nothing was left to send at the end


def test_an_orm_statement_inside_the_block_sees_the_held_writes():
    with transaction.atomic(), rows.deferring():
        rows.insert([_message("held")], keys=False)
        assert OutboxMessage.objects.filter(topic="held").count() == 1


def test_what_is_held_is_written_when_the_block_ends_inside_the_transaction():
    with transaction.atomic():
        with rows.deferring():
            rows.insert([_message("end")], keys=False)
        assert OutboxMessage.objects.filter(topic="end").exists()


def test_an_exception_leaving_the_block_still_writes_what_was_held():
    message = rows.create(
        OutboxMessage, topic="x", destination="log:x", payload={}, next_attempt_at=timezone.now()
    )
    with transaction.atomic():
        try:
            with rows.deferring():
                message.attempts = 7
                rows.update(message, ["attempts"])
                raise ValueError("caught by the caller, who goes on")
        except ValueError:
            pass
        assert OutboxMessage.objects.get(pk=message.pk).attempts == 7


def test_a_held_insert_that_breaks_a_constraint_fails_the_transaction_and_writes_nothing():
    person = PersonFactory()
    with pytest.raises(IntegrityError), transaction.atomic(), rows.deferring():
        rows.insert([_message("before")], keys=False)
        rows.insert(
            [
                Person(
                    name="重复",
                    id_number=person.id_number,
                    id_number_index=person.id_number_index,  # unique
                    birth_date=person.birth_date,
                    sex=person.sex,
                )
            ],
            keys=False,
        )
    assert not Person.objects.filter(name="重复").exists()
    assert not OutboxMessage.objects.filter(topic="before").exists()


def test_a_savepoint_rolled_back_inside_the_block_undoes_only_its_own_writes():
    with transaction.atomic(), rows.deferring():
        rows.insert([_message("kept")], keys=False)
        try:
            with transaction.atomic():
                rows.insert([_message("undone")], keys=False)
                raise ValueError
        except ValueError:
            pass
        rows.insert([_message("after")], keys=False)
    topics = set(OutboxMessage.objects.values_list("topic", flat=True))
    assert {"kept", "after"} <= topics and "undone" not in topics


def test_insert_without_keys_leaves_the_instances_without_primary_keys():
    messages = [_message("k1"), _message("k2")]
    with transaction.atomic(), rows.deferring():
        rows.insert(messages, keys=False)
    assert [m.pk for m in messages] == [None, None]
    assert OutboxMessage.objects.filter(topic__in=["k1", "k2"]).count() == 2
