"""Idempotency-Key records in SQLite, one row per (owner, key)."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from inventory.adapters.sql.schema import IDEMPOTENCY_COLUMNS
from inventory.adapters.sqlite.rows import CODEC, DIALECT, time_text
from inventory.application.idempotency_records import IdempotencyRecord


class SqliteIdempotencyRepository:
    """Idempotency-Key records, written in the transaction of the unit of work."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def get(self, owner: str, key: str) -> IdempotencyRecord | None:
        row = self._conn.execute(
            f"SELECT {IDEMPOTENCY_COLUMNS} FROM idempotency_keys WHERE owner = ? AND key = ?",
            (owner, key),
        ).fetchone()
        return None if row is None else CODEC.idempotency_from_row(row)

    def put(self, record: IdempotencyRecord) -> None:
        self._conn.execute(
            f"INSERT INTO idempotency_keys ({IDEMPOTENCY_COLUMNS}) VALUES ({DIALECT.marks(9)})"
            " ON CONFLICT (owner, key) DO UPDATE SET"
            " fingerprint = excluded.fingerprint, progress = excluded.progress,"
            " status = excluded.status, headers = excluded.headers, body = excluded.body,"
            " created_at = excluded.created_at, expires_at = excluded.expires_at",
            CODEC.idempotency_row(record),
        )

    def delete(self, owner: str, key: str) -> None:
        self._conn.execute("DELETE FROM idempotency_keys WHERE owner = ? AND key = ?", (owner, key))

    def delete_expired(self, now: datetime) -> int:
        cursor = self._conn.execute(
            "DELETE FROM idempotency_keys WHERE expires_at <= ?", (time_text(now),)
        )
        return cursor.rowcount
