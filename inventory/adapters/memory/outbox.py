"""The outbox of messages to send, in memory: the same answers as the SQL repositories give."""

from __future__ import annotations

from collections.abc import Iterator

from inventory.adapters.memory.table import Table
from inventory.application.outbox import OutboxMessage
from inventory.domain.errors import Conflict


class MemoryOutboxRepository:
    """Messages kept instead of sent, by id."""

    def __init__(self, table: Table[str, OutboxMessage]) -> None:
        self._table = table

    def add(self, message: OutboxMessage) -> None:
        if message.id in self._table:
            raise Conflict(f"outbox message {message.id!r} already exists")
        self._table.put(message.id, message)

    def stream(self) -> Iterator[OutboxMessage]:
        return iter(sorted(self._table.values(), key=lambda m: (m.created_at, m.id)))
