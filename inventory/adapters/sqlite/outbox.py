"""The outbox in SQLite: messages kept instead of sent."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from inventory.adapters.sql.schema import OUTBOX_COLUMNS
from inventory.adapters.sqlite.rows import DIALECT, parse_time, stream_rows, time_text
from inventory.application.outbox import OutboxMessage
from inventory.domain.errors import Conflict


class SqliteOutboxRepository:
    """The ``outbox`` table (migration 0005_outbox.sql)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def add(self, message: OutboxMessage) -> None:
        m = message
        try:
            self._conn.execute(
                f"INSERT INTO outbox ({OUTBOX_COLUMNS}) VALUES ({DIALECT.marks(6)})",
                (m.id, time_text(m.created_at), m.recipient, m.subject, m.body, m.reason),
            )
        except sqlite3.IntegrityError as exc:
            if DIALECT.is_unique_violation(exc):
                raise Conflict(f"outbox message {m.id!r} already exists") from exc
            raise

    def stream(self) -> Iterator[OutboxMessage]:
        cursor = self._conn.execute(f"SELECT {OUTBOX_COLUMNS} FROM outbox ORDER BY created_at, id")
        for id, created_at, recipient, subject, body, reason in stream_rows(cursor):
            yield OutboxMessage(id, parse_time(created_at), recipient, subject, body, reason)
