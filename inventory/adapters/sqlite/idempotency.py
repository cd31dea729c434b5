"""Idempotency-Key records in SQLite, one row per (owner, key)."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

from inventory.adapters.sql.schema import IDEMPOTENCY_COLUMNS
from inventory.adapters.sqlite.rows import Row, parse_time, placeholders, time_text
from inventory.application.idempotency_records import (
    IdempotencyRecord,
    Progress,
    StoredResponse,
)


class SqliteIdempotencyRepository:
    """Idempotency-Key records, written in the transaction of the unit of work."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def get(self, owner: str, key: str) -> IdempotencyRecord | None:
        row = self._conn.execute(
            f"SELECT {IDEMPOTENCY_COLUMNS} FROM idempotency_keys WHERE owner = ? AND key = ?",
            (owner, key),
        ).fetchone()
        return None if row is None else _record_from_row(row)

    def put(self, record: IdempotencyRecord) -> None:
        self._conn.execute(
            f"INSERT INTO idempotency_keys ({IDEMPOTENCY_COLUMNS}) VALUES ({placeholders(9)})"
            " ON CONFLICT (owner, key) DO UPDATE SET"
            " fingerprint = excluded.fingerprint, progress = excluded.progress,"
            " status = excluded.status, headers = excluded.headers, body = excluded.body,"
            " created_at = excluded.created_at, expires_at = excluded.expires_at",
            _record_row(record),
        )

    def delete(self, owner: str, key: str) -> None:
        self._conn.execute("DELETE FROM idempotency_keys WHERE owner = ? AND key = ?", (owner, key))

    def delete_expired(self, now: datetime) -> int:
        cursor = self._conn.execute(
            "DELETE FROM idempotency_keys WHERE expires_at <= ?", (time_text(now),)
        )
        return cursor.rowcount


def _record_row(record: IdempotencyRecord) -> Row:
    response = record.response
    return (
        record.owner,
        record.key,
        record.fingerprint,
        record.progress.value,
        None if response is None else response.status,
        None if response is None else json.dumps([list(pair) for pair in response.headers]),
        None if response is None else response.body,
        time_text(record.created_at),
        time_text(record.expires_at),
    )


def _record_from_row(row: Row) -> IdempotencyRecord:
    status, headers, body = row[4], row[5], row[6]
    response = (
        None
        if status is None
        else StoredResponse(
            status=status,
            headers=tuple((name, value) for name, value in json.loads(headers)),
            body=body,
        )
    )
    return IdempotencyRecord(
        owner=row[0],
        key=row[1],
        fingerprint=row[2],
        progress=Progress(row[3]),
        created_at=parse_time(row[7]),
        expires_at=parse_time(row[8]),
        response=response,
    )
