"""Data migrations that encrypt a JSON column in place (it holds JSON text when they run, as
left by an AlterField to `EncryptedJSONField`) and decrypt it back. Raw SQL on purpose: the
historical model's field would try to decrypt the plain text. Rows are found by primary
key "id"; a row already encrypted (any value that is not JSON) is left as it is."""

from __future__ import annotations

import json
from typing import Any

from yishi.core import crypto


def _rows(connection: Any, table: str, column: str) -> list[tuple]:
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, {qn(column)} FROM {qn(table)} "  # noqa: S608 - names, not values
            f"WHERE {qn(column)} IS NOT NULL ORDER BY id"
        )
        return cursor.fetchall()


def _plain(value: Any) -> Any:
    """The JSON value of a column's plain text, or `_CIPHER` when it is ciphertext."""
    if not isinstance(value, str):  # a driver that decoded JSON itself
        return value
    try:
        return json.loads(value)
    except ValueError:
        return _CIPHER


_CIPHER = object()


def _encrypt(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    try:
        return crypto.sm4_encrypt(text)
    except UnicodeEncodeError:
        return crypto.sm4_encrypt(json.dumps(value, separators=(",", ":")))


def encrypt_json_column(
    connection: Any,
    table: str,
    column: str,
    *,
    reduce_where: str = "",
    digest_column: str = "",
) -> None:
    """Encrypt `column` of every row. Rows matching `reduce_where` (SQL) get {} instead and
    `digest_column` set to the SM3 of the canonical JSON they held (as the outbox sends it)."""
    qn = connection.ops.quote_name
    reduced: set[int] = set()
    if reduce_where:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM {qn(table)} WHERE {reduce_where}")  # noqa: S608
            reduced = {pk for (pk,) in cursor.fetchall()}
    updates: list[tuple] = []
    for pk, raw in _rows(connection, table, column):
        value = _plain(raw)
        if value is _CIPHER:
            continue
        if pk in reduced:
            body = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            digest = crypto.sm3_hex(body.encode("utf-8", "surrogatepass"))
            updates.append((pk, _encrypt({}), digest))
        else:
            updates.append((pk, _encrypt(value), None))
    with connection.cursor() as cursor:
        for pk, token, digest in updates:
            if digest is None:
                cursor.execute(
                    f"UPDATE {qn(table)} SET {qn(column)} = %s WHERE id = %s",  # noqa: S608
                    [token, pk],
                )
            else:
                cursor.execute(
                    f"UPDATE {qn(table)} SET {qn(column)} = %s, {qn(digest_column)} = %s "  # noqa: S608
                    "WHERE id = %s",
                    [token, digest, pk],
                )


def decrypt_json_column(connection: Any, table: str, column: str) -> None:
    """Turn every encrypted value of `column` back into JSON text."""
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for pk, raw in _rows(connection, table, column):
            if _plain(raw) is not _CIPHER:
                continue
            text = json.dumps(json.loads(crypto.sm4_decrypt(raw)), ensure_ascii=True)
            cursor.execute(
                f"UPDATE {qn(table)} SET {qn(column)} = %s WHERE id = %s",  # noqa: S608
                [text, pk],
            )
