"""The append-only ledger in SQLite."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence

from inventory.adapters.sql.paging import keyset
from inventory.adapters.sql.queries import select_movements
from inventory.adapters.sql.schema import (
    BY_CREATION,
    LEDGER_ORDER,
    MOVEMENT_COLUMNS,
    ON_HAND_BY_LEDGER,
)
from inventory.adapters.sqlite.rows import (
    DIALECT,
    movement_from_row,
    movement_rows,
    stream_rows,
)
from inventory.application.ports import StockKey
from inventory.application.queries import MovementFilter, PageSpec
from inventory.domain.errors import Conflict
from inventory.domain.movements import Movement

_INSERT = f"INSERT INTO movements ({MOVEMENT_COLUMNS}) VALUES ({DIALECT.marks(12)})"


class SqliteMovementRepository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def add(self, movement: Movement) -> None:
        self.add_all((movement,))

    def add_all(self, movements: Sequence[Movement]) -> None:
        try:
            self._conn.executemany(_INSERT, movement_rows(movements))
        except sqlite3.IntegrityError as exc:
            if DIALECT.is_unique_violation(exc):
                raise Conflict("a movement with this id already exists") from exc
            raise

    def get(self, id: str) -> Movement | None:
        row = self._conn.execute(
            f"SELECT {MOVEMENT_COLUMNS} FROM movements WHERE id = ?", (id,)
        ).fetchone()
        return None if row is None else movement_from_row(row)

    def fetch_page(self, filter: MovementFilter, page: PageSpec) -> list[Movement]:
        ks = keyset(page, BY_CREATION, DIALECT)
        sql, params = select_movements(filter, ks, DIALECT)
        cursor = self._conn.execute(f"{sql} {ks.order_by} LIMIT ?", [*params, ks.limit])
        return [movement_from_row(row) for row in cursor]

    def stream(self, filter: MovementFilter) -> Iterator[Movement]:
        sql, params = select_movements(filter, None, DIALECT)
        cursor = self._conn.execute(f"{sql} {LEDGER_ORDER}", params)
        for row in stream_rows(cursor):
            yield movement_from_row(row)

    def on_hand_by_ledger(self) -> Iterator[tuple[StockKey, int]]:
        cursor = self._conn.execute(ON_HAND_BY_LEDGER)
        for sku, warehouse, on_hand in stream_rows(cursor):
            yield (sku, warehouse), on_hand
