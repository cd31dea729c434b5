"""Idempotency records in memory: the same answers as the SQL repositories give."""

from __future__ import annotations

from datetime import datetime

from inventory.adapters.memory.table import Table
from inventory.application.idempotency_records import IdempotencyRecord


class MemoryIdempotencyRepository:
    """Idempotency-Key records by (owner, key); deletions are staged like writes."""

    def __init__(self, table: Table[tuple[str, str], IdempotencyRecord]) -> None:
        self._table = table

    def get(self, owner: str, key: str) -> IdempotencyRecord | None:
        return self._table.get((owner, key))

    def put(self, record: IdempotencyRecord) -> None:
        self._table.put((record.owner, record.key), record)

    def delete(self, owner: str, key: str) -> None:
        self._table.delete((owner, key))

    def delete_expired(self, now: datetime) -> int:
        expired = [(r.owner, r.key) for r in self._table.values() if r.expires_at <= now]
        for owner_and_key in expired:
            self._table.delete(owner_and_key)
        return len(expired)
