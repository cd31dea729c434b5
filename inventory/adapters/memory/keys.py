"""API keys in memory: the same answers as the SQL repositories give."""

from __future__ import annotations

from inventory.adapters.memory.table import Table, require
from inventory.domain.errors import Conflict
from inventory.domain.keys import ApiKey


class MemoryApiKeyRepository:
    def __init__(self, table: Table[str, ApiKey]) -> None:
        self._table = table

    def get(self, id: str) -> ApiKey | None:
        return self._table.get(id)

    def get_by_hash(self, secret_hash: str) -> ApiKey | None:
        return next((k for k in self._table.values() if k.secret_hash == secret_hash), None)

    def add(self, key: ApiKey) -> None:
        if key.id in self._table:
            raise Conflict(f"API key {key.id!r} already exists")
        self._table.put(key.id, key)

    def save(self, key: ApiKey) -> None:
        require(self._table, key.id, "API key")
        self._table.put(key.id, key)

    def list_all(self) -> list[ApiKey]:
        return sorted(self._table.values(), key=lambda k: (k.created_at, k.id))
