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
from inventory.adapters.sql.serials import movement_serial_rows, touching_serial_movement_ids
from inventory.adapters.sql.slots import (
    MOVEMENT_LINE_COLUMNS,
    MOVEMENT_SERIAL_COLUMNS,
    SLOTS_BY_LEDGER,
    Lines,
    lot_in,
    movement_line_rows,
    movement_lines,
    touching_lot_movement_ids,
    with_lines,
)
from inventory.adapters.sqlite.rows import (
    DIALECT,
    movement_from_row,
    movement_rows,
    stream_rows,
)
from inventory.application.ports import SlotKey, StockKey
from inventory.application.queries import MovementFilter, PageSpec
from inventory.domain.errors import Conflict
from inventory.domain.movements import Movement

_INSERT = f"INSERT INTO movements ({MOVEMENT_COLUMNS}) VALUES ({DIALECT.marks(14)})"
_INSERT_LINE = (
    f"INSERT INTO movement_allocations ({MOVEMENT_LINE_COLUMNS}) VALUES ({DIALECT.marks(6)})"
)
_INSERT_SERIAL = (
    f"INSERT INTO movement_serials ({MOVEMENT_SERIAL_COLUMNS}) VALUES ({DIALECT.marks(4)})"
)


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
        self._conn.executemany(_INSERT_LINE, movement_line_rows(movements))
        self._conn.executemany(_INSERT_SERIAL, movement_serial_rows(movements))

    def get(self, id: str) -> Movement | None:
        row = self._conn.execute(
            f"SELECT {MOVEMENT_COLUMNS} FROM movements WHERE id = ?", (id,)
        ).fetchone()
        if row is None:
            return None
        return next(with_lines([movement_from_row(row)], self._lines_of))

    def fetch_page(self, filter: MovementFilter, page: PageSpec) -> list[Movement]:
        ks = keyset(page, BY_CREATION, DIALECT)
        sql, params = select_movements(filter, ks, DIALECT)
        cursor = self._conn.execute(f"{sql} {ks.order_by} LIMIT ?", [*params, ks.limit])
        return list(with_lines([movement_from_row(row) for row in cursor], self._lines_of))

    def stream(self, filter: MovementFilter) -> Iterator[Movement]:
        sql, params = select_movements(filter, None, DIALECT)
        cursor = self._conn.execute(f"{sql} {LEDGER_ORDER}", params)
        return with_lines((movement_from_row(row) for row in stream_rows(cursor)), self._lines_of)

    def slots_by_ledger(self) -> Iterator[tuple[SlotKey, int]]:
        cursor = self._conn.execute(SLOTS_BY_LEDGER)
        for sku, warehouse, location, lot, on_hand in stream_rows(cursor):
            yield (sku, warehouse, location, lot_in(lot)), on_hand

    def touching_lot(self, sku: str, lot: str) -> list[Movement]:
        return self._with_ids(touching_lot_movement_ids(self._conn.execute, DIALECT, sku, lot))

    def touching_serial(self, sku: str, serial: str) -> list[Movement]:
        ids = touching_serial_movement_ids(self._conn.execute, DIALECT, sku, serial)
        return self._with_ids(ids)

    def _with_ids(self, ids: list[str]) -> list[Movement]:
        found: dict[str, Movement] = {}
        for start in range(0, len(ids), 400):
            chunk = ids[start : start + 400]
            cursor = self._conn.execute(
                f"SELECT {MOVEMENT_COLUMNS} FROM movements"
                f" WHERE id IN ({DIALECT.marks(len(chunk))})",
                chunk,
            )
            found.update((row[0], movement_from_row(row)) for row in cursor)
        return list(with_lines([found[id] for id in ids], self._lines_of))

    def _lines_of(self, ids: Sequence[str]) -> dict[str, Lines]:
        return movement_lines(self._conn.execute, DIALECT, ids)

    def on_hand_by_ledger(self) -> Iterator[tuple[StockKey, int]]:
        cursor = self._conn.execute(ON_HAND_BY_LEDGER)
        for sku, warehouse, on_hand in stream_rows(cursor):
            yield (sku, warehouse), on_hand
