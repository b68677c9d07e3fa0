"""Single-table statements for the hot paths, without the ORM's per-statement compilation.

Django compiles every queryset to SQL anew. On the 2-core machines this project runs on that
costs about 1 ms of CPU per statement, several times what PostgreSQL spends running it
(measured: `bench/apply_accept.py`). The hot paths (submission, acceptance, the audit chain,
the outbox, domain events, sessions) repeat a fixed set of simple statements; these helpers
build each one's SQL once per process and pass values through the same field methods the
ORM uses (`pre_save`, `get_db_prep_save`, the read converters), so what is written and read
is exactly what `Model.objects.create(...)` / `.save(update_fields=...)` / a queryset would
write and read. They send no model signals: the project registers none.

Only the models' own columns: anything with joins, aggregates or dynamic filters stays with
the ORM.

On PostgreSQL a round trip costs more CPU than the statement it carries (measured on these
machines: about 75 µs in the client and 60 µs in the server for a one-row INSERT, against
35 and 25 µs when sent together with others). Inside `deferring()` the statements whose
result nobody reads wait and travel with the next statement that is read, in one round trip.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models

M = TypeVar("M", bound=models.Model)


def _db() -> Any:
    """The thread's default connection itself: the `connection` proxy looks it up again on
    every attribute read, which costs more than the rest of a prepared value."""
    return connections[DEFAULT_DB_ALIAS]


def _cursor(connection: Any) -> Any:
    """A cursor for these statements when `_direct` does not apply. On PostgreSQL it binds
    values server-side (see `_direct`), wrapped as Django wraps its cursors: errors and
    execute wrappers (instrumentation, a test's) behave the same. While queries are logged
    (DEBUG, assertNumQueries) it is Django's own cursor, as psycopg keeps no text of a
    prepared statement for the log to show."""
    if connection.vendor != "postgresql" or connection.queries_logged:
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        return connection._prepare_cursor(_raw_cursor(connection))


def _direct(connection: Any) -> bool:
    """Whether these statements go straight to psycopg: on PostgreSQL, while no query is
    logged and no execute wrapper but `deferring`'s is installed. They bind values
    server-side, so psycopg prepares each statement on a connection once it has run
    `prepare_threshold` times (see the settings): PostgreSQL then neither parses nor plans it
    again, which is most of its work for a one-row statement. Django's own cursors bind
    client-side and are never prepared."""
    return (
        connection.vendor == "postgresql"
        and not connection.queries_logged
        and all(w is _send_held_first for w in connection.execute_wrappers)
    )


def _cursors(connection: Any) -> tuple[Any, Any]:
    """The connection's two server-binding cursors (statements read, statements held), made
    once per database connection and reused: a cursor keeps the loaders of the column types
    it has read, which a new one looks up again (measured: 47 µs more for an application
    row). Checked as Django checks before each statement."""
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    connection.validate_no_broken_transaction()
    raw = connection.connection
    cached = getattr(connection, "_rows_cursors", None)
    if cached is None or cached[0] is not raw:
        cached = (raw, _raw_cursor(connection), _raw_cursor(connection))
        connection._rows_cursors = cached
    return cached[1], cached[2]


def _raw_cursor(connection: Any) -> Any:
    """psycopg's server-binding cursor on the open connection, loading timestamps in the
    connection's time zone as Django's cursors do."""
    timestamptz, cursor_class, register_tzloader, text_format = _postgresql()
    raw = cursor_class(connection.connection)
    tzloader = connection.connection.adapters.get_loader(timestamptz, text_format)
    if connection.timezone != tzloader.timezone:  # as Django's create_cursor does
        register_tzloader(connection.timezone, raw)
    return raw


@cache
def _postgresql() -> tuple[Any, ...]:
    """Imported on first use, so that SQLite-only processes never load the driver."""
    from django.db.backends.postgresql.base import (
        TIMESTAMPTZ_OID,
        ServerBindingCursor,
        register_tzloader,
    )
    from psycopg.pq import Format

    return TIMESTAMPTZ_OID, ServerBindingCursor, register_tzloader, Format.TEXT


# ---------------------------------------------------------------- deferred statements


@contextmanager
def deferring() -> Iterator[None]:
    """Inside the block, on PostgreSQL, a statement whose result nobody reads (`update`,
    `insert(..., keys=False)`, `execute`) is held back and sent with the next statement
    whose result is read, in one round trip (psycopg's pipeline mode), or when the block
    ends. Any other statement on the connection (the ORM's, a savepoint) first sends what is
    held, so every statement still runs in program order and sees what came before it.

    Use it inside the transaction, around the writes: `with transaction.atomic(),
    rows.deferring(), audit_batch():`. A held statement that fails raises when it is sent,
    so later than it would otherwise, inside the same transaction. An exception leaving the
    block sends what is held first (the caller may catch it and go on), unless it is a
    database error: the transaction is broken then and what is held goes with it. Outside a
    transaction, on SQLite, while queries are logged, or nested, it changes nothing.
    """
    connection = _db()
    if (
        connection.vendor != "postgresql"
        or connection.queries_logged
        or not connection.in_atomic_block
        or getattr(connection, "_rows_held", None) is not None
    ):
        yield
        return
    connection._rows_held = []
    try:
        with connection.execute_wrapper(_send_held_first):
            try:
                yield
            except DatabaseError:
                raise
            except BaseException:
                _send(connection)
                raise
            _send(connection)
    finally:
        connection._rows_held = None


def _send_held_first(execute: Any, sql: str, params: Any, many: bool, context: dict) -> Any:
    """Django's execute wrapper inside `deferring()`: what is held goes before `sql`."""
    connection = context["connection"]
    if getattr(connection, "_rows_held", None):
        _send(connection)
    return execute(sql, params, many, context)


def _send(connection: Any, cursor: Any = None, sql: str = "", params: Any = ()) -> None:
    """Send the held statements, then `sql` on `cursor` if given, in one round trip; the
    held ones run on a cursor of their own, so `cursor` holds only `sql`'s result."""
    held = list(connection._rows_held)
    connection._rows_held.clear()
    if not held and cursor is None:
        return
    side = _cursors(connection)[1]  # its checks may query: not inside the pipeline
    with connection.wrap_database_errors, connection.connection.pipeline():
        for held_sql, held_params in held:
            side.execute(held_sql, held_params)
        if cursor is not None:
            cursor.execute(sql, params)


def _run(sql: str, params: Any, fetch: str | None) -> Any:
    """Run `sql`; `fetch` is "all", "one", "rowcount" or None (nobody reads the result: held
    inside `deferring()`)."""
    connection = _db()
    held = getattr(connection, "_rows_held", None)
    if fetch is None and held is not None:
        held.append((sql, params))
        return None
    if _direct(connection):
        cursor = _cursors(connection)[0]
        with connection.wrap_database_errors:
            if held:
                _send(connection, cursor, sql, params)
            else:
                cursor.execute(sql, params)
            return _fetched(cursor, fetch)
    with _cursor(connection) as cursor:
        if held:
            _send(connection, cursor, sql, params)
        else:
            cursor.execute(sql, params)
        return _fetched(cursor, fetch)


def _fetched(cursor: Any, fetch: str | None) -> Any:
    if fetch == "all":
        return cursor.fetchall()
    if fetch == "one":
        return cursor.fetchone()
    if fetch == "rowcount":
        return cursor.rowcount
    return None


def execute(sql: str, params: Sequence[Any] = ()) -> None:
    """Run `sql` for its effect (e.g. taking a lock); held inside `deferring()`."""
    _run(sql, list(params), None)


def _qn(name: str) -> str:
    return _db().ops.quote_name(name)


@cache
def _insert_fields(model: type[models.Model]) -> tuple[models.Field, ...]:
    """The columns an INSERT writes: every concrete field but an auto-increment key."""
    return tuple(
        f
        for f in model._meta.local_concrete_fields
        if f is not model._meta.auto_field and not getattr(f, "generated", False)
    )


@cache
def _unnest_types(model: type[models.Model], vendor: str) -> tuple[str, ...] | None:
    """PostgreSQL: each INSERT column's array type, for a multi-row INSERT … SELECT * FROM
    UNNEST(one array per column), or None when a column cannot travel in an array (the rules
    of Django 5.2's bulk_create). One statement text whatever the number of rows, one
    parameter per column: psycopg converts it once and PostgreSQL prepares it once."""
    if vendor != "postgresql":
        return None
    connection = _db()
    types = []
    for f in _insert_fields(model):
        target = f.target_field if f.is_relation else f
        if hasattr(f, "get_placeholder") or target.get_internal_type() not in connection.data_types:
            return None
        types.append(f.db_type(connection).split("(")[0])  # varchar[], not varchar(50)[]
    return tuple(types)


@cache
def _insert_sql(
    model: type[models.Model],
    vendor: str,
    rows: int,
    skip_conflicts: bool = False,
    keys: bool = True,
) -> str:
    """rows=0: the UNNEST form (`_unnest_types`) for any number of rows."""
    fields = _insert_fields(model)
    meta = model._meta
    # Quoted names from the model's meta; every value is a parameter.
    table, columns = _qn(meta.db_table), ", ".join(_qn(f.column) for f in fields)
    if rows == 0:
        arrays = ", ".join(f"(%s)::{t}[]" for t in _unnest_types(model, vendor))
        sql = f"INSERT INTO {table} ({columns}) SELECT * FROM UNNEST({arrays})"  # noqa: S608
    else:
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * rows)}"  # noqa: S608
    if skip_conflicts:  # PostgreSQL and SQLite >= 3.24 spell it the same
        sql += " ON CONFLICT DO NOTHING"
    if keys and meta.auto_field is not None:
        sql += f" RETURNING {_qn(meta.auto_field.column)}"
    return sql


def insert(objs: Sequence[M], *, keys: bool = True) -> Sequence[M]:
    """INSERT the unsaved instances `objs` (one model) in one statement per 100 rows, as
    `bulk_create` would (on PostgreSQL through UNNEST), and set their primary keys. Fields' `pre_save` runs (auto_now_add
    stamps the instance) and each value goes through `get_db_prep_save`.

    `keys=False`: nobody reads the new primary keys, so the instances get none and the
    statement may wait inside `deferring()` (it is written before the transaction commits
    and before any later statement runs)."""
    if not objs:
        return objs
    model = type(objs[0])
    fields = _insert_fields(model)
    auto = model._meta.auto_field
    returning = keys and auto is not None
    connection = _db()
    unnest = _unnest_types(model, connection.vendor) is not None
    for start in range(0, len(objs), 100):
        chunk = objs[start : start + 100]
        values = [_insert_values(obj, fields, connection) for obj in chunk]
        if unnest and len(chunk) > 1:  # PostgreSQL returns the keys in the arrays' order
            params = [list(column) for column in zip(*values, strict=True)]
            sql = _insert_sql(model, connection.vendor, 0, keys=returning)
        else:
            params = [value for row in values for value in row]
            sql = _insert_sql(model, connection.vendor, len(chunk), keys=returning)
        found = _run(sql, params, "all" if returning else None)
        if returning:
            for obj, (pk,) in zip(chunk, found, strict=True):
                setattr(obj, auto.attname, pk)
    for obj in objs:
        _mark_saved(obj, connection)
    return objs


def _insert_values(obj: models.Model, fields: Sequence[models.Field], connection: Any) -> list:
    """What the ORM's INSERT would send for `obj`: each field's `pre_save` (auto_now_add
    stamps the instance), then `get_db_prep_save`."""
    return [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]


def _mark_saved(obj: models.Model, connection: Any) -> None:
    obj._state.adding = False
    obj._state.db = connection.alias


def create(model: type[M], *, keys: bool = True, **values: Any) -> M:
    """`model.objects.create(**values)` in one precompiled INSERT (`keys` as for `insert`)."""
    obj = model(**values)
    insert([obj], keys=keys)
    return obj


def create_unless_conflict(model: type[M], **values: Any) -> M | None:
    """Like `create`, but a row that would break a unique constraint is not inserted and
    None comes back, without an error: no savepoint is needed to go on (INSERT … ON
    CONFLICT DO NOTHING). On PostgreSQL a conflicting row that another transaction has not
    committed yet makes this wait for that transaction's end, as a plain INSERT would."""
    obj = model(**values)
    meta = model._meta
    connection = _db()
    params = _insert_values(obj, _insert_fields(model), connection)
    sql = _insert_sql(model, connection.vendor, 1, True)
    if meta.auto_field is not None:
        row = _run(sql, params, "one")
    else:
        row = _run(sql, params, "rowcount") or None
    if not row:
        return None
    if meta.auto_field is not None:
        setattr(obj, meta.auto_field.attname, row[0])
    _mark_saved(obj, connection)
    return obj


@cache
def _update_sql(model: type[models.Model], vendor: str, names: tuple[str, ...]) -> str:
    meta = model._meta
    sets = ", ".join(f"{_qn(meta.get_field(n).column)} = %s" for n in names)
    table, pk = _qn(meta.db_table), _qn(meta.pk.column)
    return f"UPDATE {table} SET {sets} WHERE {pk} = %s"  # noqa: S608 - names, not values


def update(obj: models.Model, names: Iterable[str]) -> None:
    """`obj.save(update_fields=names)` in one precompiled UPDATE (auto_now fields named in
    `names` are stamped by their `pre_save`, as the ORM does)."""
    names = tuple(names)
    meta = type(obj)._meta
    connection = _db()
    params = []
    for name in names:
        f = meta.get_field(name)
        params.append(f.get_db_prep_save(f.pre_save(obj, False), connection))
    params.append(meta.pk.get_db_prep_value(obj.pk, connection))
    _run(_update_sql(type(obj), connection.vendor, names), params, None)


@cache
def _select_plan(
    model: type[models.Model], vendor: str
) -> tuple[str, tuple[str, ...], tuple[tuple[int, tuple], ...]]:
    """(SELECT list, attnames, (index, converters) of the columns that need converting)."""
    meta = model._meta
    connection = _db()
    fields = meta.concrete_fields
    columns = ", ".join(f"{_qn(meta.db_table)}.{_qn(f.column)}" for f in fields)
    converting = []
    for i, f in enumerate(fields):
        col = f.get_col(meta.db_table)
        converters = tuple(connection.ops.get_db_converters(col)) + tuple(
            f.get_db_converters(connection)
        )
        if converters:
            converting.append((i, (col, converters)))
    return columns, tuple(f.attname for f in fields), tuple(converting)


def select(model: type[M], where: str, params: Sequence[Any] = (), *, suffix: str = "") -> list[M]:
    """Instances of `model` from `SELECT <all columns> FROM <table> WHERE <where> <suffix>`.
    `where` names columns as they are in the database; values go in `params`."""
    connection = _db()
    columns, attnames, converting = _select_plan(model, connection.vendor)
    table = _qn(model._meta.db_table)
    sql = f"SELECT {columns} FROM {table} WHERE {where} {suffix}"  # noqa: S608 - values are params
    rows = _run(sql, list(params), "all")
    found = []
    for row in rows:
        values = list(row)
        for i, (col, converters) in converting:
            value = values[i]
            for converter in converters:
                value = converter(value, col, connection)
            values[i] = value
        found.append(model.from_db(connection.alias, attnames, values))
    return found


def select_one(model: type[M], where: str, params: Sequence[Any] = ()) -> M | None:
    """The first row `select` finds (by primary key), or None."""
    pk = _qn(model._meta.pk.column)
    rows = select(model, where, params, suffix=f"ORDER BY {pk} LIMIT 1")
    return rows[0] if rows else None


@cache
def _equals_sql(model: type[models.Model], vendor: str, names: tuple[str, ...]) -> str:
    meta = model._meta
    return " AND ".join(f"{_qn(meta.get_field(n).column)} = %s" for n in names)


def first(model: type[M], **equals: Any) -> M | None:
    """`model.objects.filter(**equals).first()` for plain equality on the model's own fields
    (`user_id=3`, `code="x"`); values are prepared as the ORM's exact lookup prepares them."""
    meta = model._meta
    connection = _db()
    names = tuple(meta.pk.name if n == "pk" else n for n in equals)
    params = [
        meta.get_field(n).get_db_prep_value(v, connection)
        for n, v in zip(names, equals.values(), strict=True)
    ]
    return select_one(model, _equals_sql(model, connection.vendor, names), params)


def fetch_all(sql: str, params: Sequence[Any] = ()) -> list[tuple]:
    """Every row of `sql` (a fixed statement, so PostgreSQL prepares it)."""
    return list(_run(sql, list(params), "all"))


def scalar(sql: str, params: Sequence[Any] = ()) -> Any:
    """The first column of the first row of `sql`, or None."""
    row = _run(sql, list(params), "one")
    return row[0] if row else None
