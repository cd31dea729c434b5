"""Stock levels in SQLite."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from decimal import Decimal

from inventory.adapters.sql.paging import keyset
from inventory.adapters.sql.queries import select_levels
from inventory.adapters.sql.schema import LEVEL_COLUMNS, LEVEL_SORTS
from inventory.adapters.sql.slots import SqlSlotStore
from inventory.adapters.sqlite.rows import DIALECT, chunks, level_from_row, stream_rows
from inventory.application.ports import StockKey
from inventory.application.queries import LevelFilter, PageSpec, ValuationRow
from inventory.domain.stock import StockLevel

_UPSERT = (
    f"INSERT INTO stock_levels ({LEVEL_COLUMNS}) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (sku, warehouse)"
    " DO UPDATE SET on_hand = excluded.on_hand, reserved = excluded.reserved"
)


class SqliteStockRepository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        slots = SqlSlotStore(conn.execute, conn.executemany, DIALECT)
        self.slots, self.save_slots = slots.slots, slots.save_slots
        self.slots_of_product, self.slots_at = slots.slots_of_product, slots.slots_at
        self.slot_figures_of_product = slots.slot_figures_of_product
        self.stream_slots = slots.stream_slots

    def lock(self, keys: Iterable[StockKey]) -> dict[StockKey, StockLevel]:
        # No row locks are taken here: every write unit of work begins with
        # BEGIN IMMEDIATE, which already holds the database's single write lock,
        # so no other writer can change these rows until this unit ends.
        wanted = sorted(set(keys))
        stored: dict[StockKey, StockLevel] = {}
        for chunk in chunks(wanted):
            values = ", ".join(["(?, ?)"] * len(chunk))
            # A join, not `(sku, warehouse) IN (VALUES ...)`: the planner scans the
            # whole table for a row-value IN list of more than one pair.
            cursor = self._conn.execute(
                "SELECT s.sku, s.warehouse, s.on_hand, s.reserved"
                f" FROM (VALUES {values}) AS k JOIN stock_levels AS s"
                " ON s.sku = k.column1 AND s.warehouse = k.column2",
                [part for key in chunk for part in key],
            )
            for row in cursor:
                stored[row[0], row[1]] = level_from_row(row)
        return {key: stored.get(key) or StockLevel(key[0], key[1]) for key in wanted}

    def save_all(self, levels: Iterable[StockLevel]) -> None:
        self._conn.executemany(
            _UPSERT, [(lv.sku, lv.warehouse, lv.on_hand, lv.reserved) for lv in levels]
        )

    def on_hand_totals(self, skus: Iterable[str]) -> dict[str, int]:
        wanted = sorted(set(skus))
        totals = dict.fromkeys(wanted, 0)
        for chunk in chunks(wanted):
            marks = DIALECT.marks(len(chunk))
            cursor = self._conn.execute(
                f"SELECT sku, sum(on_hand) FROM stock_levels WHERE sku IN ({marks}) GROUP BY sku",
                chunk,
            )
            totals.update(cursor)
        return totals

    def available_totals(self, skus: Iterable[str]) -> dict[str, int]:
        # Served by the primary key (sku, warehouse): one range per sku.
        wanted = sorted(set(skus))
        totals = dict.fromkeys(wanted, 0)
        for chunk in chunks(wanted):
            marks = DIALECT.marks(len(chunk))
            cursor = self._conn.execute(
                "SELECT sku, sum(on_hand - reserved) FROM stock_levels"
                f" WHERE sku IN ({marks}) GROUP BY sku",
                chunk,
            )
            totals.update(cursor)
        return totals

    def of_product(self, sku: str) -> list[StockLevel]:
        cursor = self._conn.execute(
            f"SELECT {LEVEL_COLUMNS} FROM stock_levels WHERE sku = ? ORDER BY warehouse",
            (sku,),
        )
        return [level_from_row(row) for row in cursor]

    def fetch_page(self, warehouse: str, page: PageSpec) -> list[StockLevel]:
        ks = keyset(page, LEVEL_SORTS, DIALECT)
        after = f" AND {ks.after}" if ks.after is not None else ""
        cursor = self._conn.execute(
            f"SELECT {LEVEL_COLUMNS} FROM stock_levels"
            f" WHERE warehouse = ?{after} {ks.order_by} LIMIT ?",
            [warehouse, *ks.params, ks.limit],
        )
        return [level_from_row(row) for row in cursor]

    def fetch_levels(self, filter: LevelFilter, page: PageSpec) -> list[StockLevel]:
        sql, params = select_levels(filter, page, DIALECT)
        return [level_from_row(row) for row in self._conn.execute(sql, params)]

    def stream(self) -> Iterator[StockLevel]:
        cursor = self._conn.execute(
            f"SELECT {LEVEL_COLUMNS} FROM stock_levels ORDER BY sku, warehouse"
        )
        for row in stream_rows(cursor):
            yield level_from_row(row)

    def valuation(self, warehouse: str | None) -> Iterator[ValuationRow]:
        one_warehouse = " AND s.warehouse = ?" if warehouse is not None else ""
        cursor = self._conn.execute(
            "SELECT s.sku, s.warehouse, s.on_hand, p.average_cost"
            " FROM stock_levels AS s JOIN products AS p ON p.sku = s.sku"
            f" WHERE s.on_hand > 0{one_warehouse} ORDER BY s.sku, s.warehouse",
            () if warehouse is None else (warehouse,),
        )
        for sku, code, on_hand, average_cost in stream_rows(cursor):
            yield ValuationRow(sku, code, on_hand, Decimal(average_cost))
