"""API keys in SQLite; only a hash of each secret is stored."""

from __future__ import annotations

import sqlite3

from inventory.adapters.sql.schema import API_KEY_COLUMNS
from inventory.adapters.sqlite.rows import DIALECT, api_key_from_row, api_key_row, time_or_none
from inventory.domain.errors import Conflict, NotFound
from inventory.domain.keys import ApiKey


class SqliteApiKeyRepository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def get(self, id: str) -> ApiKey | None:
        row = self._conn.execute(
            f"SELECT {API_KEY_COLUMNS} FROM api_keys WHERE id = ?", (id,)
        ).fetchone()
        return None if row is None else api_key_from_row(row)

    def get_by_hash(self, secret_hash: str) -> ApiKey | None:
        row = self._conn.execute(
            f"SELECT {API_KEY_COLUMNS} FROM api_keys WHERE secret_hash = ?", (secret_hash,)
        ).fetchone()
        return None if row is None else api_key_from_row(row)

    def add(self, key: ApiKey) -> None:
        try:
            self._conn.execute(
                f"INSERT INTO api_keys ({API_KEY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                api_key_row(key),
            )
        except sqlite3.IntegrityError as exc:
            if DIALECT.is_unique_violation(exc):
                raise Conflict(f"API key {key.id!r} already exists") from exc
            raise

    def save(self, key: ApiKey) -> None:
        cursor = self._conn.execute(
            "UPDATE api_keys SET name = ?, role = ?, revoked_at = ? WHERE id = ?",
            (key.name, key.role.value, time_or_none(key.revoked_at), key.id),
        )
        if cursor.rowcount == 0:
            raise NotFound(f"API key {key.id!r} does not exist")

    def list_all(self) -> list[ApiKey]:
        cursor = self._conn.execute(
            f"SELECT {API_KEY_COLUMNS} FROM api_keys ORDER BY created_at, id"
        )
        return [api_key_from_row(row) for row in cursor]
