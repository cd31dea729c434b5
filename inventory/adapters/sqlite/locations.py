"""Locations in SQLite, and the unit of work that carries them (migration 0010).

The unit of work here extends :class:`SqliteUnitOfWork` with the ``locations``
repository; it folds into that class once the unit of work changes under way land.
"""

from __future__ import annotations

from inventory.adapters.sql.locations import SqlLocationRepository
from inventory.adapters.sqlite.rows import DIALECT
from inventory.adapters.sqlite.unit_of_work import SqliteUnitOfWork


def _nothing() -> None:
    """SQLite's unit of work counts the connection's changes itself."""


class SqliteLocatingUnitOfWork(SqliteUnitOfWork):
    """:class:`SqliteUnitOfWork` with ``locations`` too."""

    def _begin(self, statement: str) -> None:
        super()._begin(statement)
        self.locations = SqlLocationRepository(self._active().execute, DIALECT, _nothing)
