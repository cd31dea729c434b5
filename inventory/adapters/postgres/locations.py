"""Locations in PostgreSQL, and the unit of work that carries them (migration 0006).

The unit of work here extends :class:`PostgresUnitOfWork` with the ``locations``
repository; it folds into that class once the unit of work changes under way land.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from inventory.adapters.postgres.rows import DIALECT, Transaction
from inventory.adapters.postgres.unit_of_work import PostgresUnitOfWork
from inventory.adapters.sql.locations import SqlLocationRepository


def postgres_locations(tx: Transaction) -> SqlLocationRepository:
    """The locations seen through ``tx``; a write marks it as having written."""

    def execute(sql: str, params: Sequence[Any]) -> Any:
        return tx.conn.execute(sql, params)

    def wrote() -> None:
        tx.wrote = True

    return SqlLocationRepository(execute, DIALECT, wrote)


class PostgresLocatingUnitOfWork(PostgresUnitOfWork):
    """:class:`PostgresUnitOfWork` with ``locations`` too."""

    def _begin(self, statement: str, *, writing: bool) -> None:
        super()._begin(statement, writing=writing)
        assert self._tx is not None
        self.locations = postgres_locations(self._tx)
