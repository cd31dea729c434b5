"""Orders and their lines in SQLite."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime

from inventory.adapters.sql.paging import Where, keyset
from inventory.adapters.sql.rows import Row, entered_in, entered_out
from inventory.adapters.sql.schema import BY_CREATION, ORDER_COLUMNS, RESERVED_BY_OPEN_ORDERS
from inventory.adapters.sql.serials import order_serial_rows
from inventory.adapters.sql.slots import (
    ORDER_ALLOCATION_COLUMNS,
    ORDER_SERIAL_COLUMNS,
    RESERVED_SLOTS_BY_OPEN_ORDERS,
    lot_in,
    order_allocation_rows,
    order_allocations,
    touching_lot_order_ids,
    with_allocations,
)
from inventory.adapters.sqlite.rows import (
    DIALECT,
    chunks,
    order_from_row,
    order_row,
    stream_rows,
    time_text,
)
from inventory.application.ports import SlotKey, StockKey
from inventory.application.queries import OrderFilter, PageSpec
from inventory.domain.errors import Conflict, NotFound
from inventory.domain.orders import Order, OrderLine


class SqliteOrderRepository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def get(self, id: str) -> Order | None:
        return self._one("id = ?", id)

    def get_by_reference(self, reference: str) -> Order | None:
        return self._one("reference = ?", reference)

    def add(self, order: Order) -> None:
        try:
            self._conn.execute(
                f"INSERT INTO orders ({ORDER_COLUMNS}) VALUES ({DIALECT.marks(7)})",
                order_row(order),
            )
        except sqlite3.IntegrityError as exc:
            if DIALECT.is_unique_violation(exc):
                raise Conflict(f"order {order.reference!r} already exists") from exc
            raise
        self._conn.executemany(
            "INSERT INTO order_lines (order_id, line_no, sku, quantity, location, lot,"
            " entered_unit, entered_quantity)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    order.id,
                    n,
                    line.sku,
                    line.quantity,
                    line.location,
                    line.lot,
                    *entered_out(line.entered),
                )
                for n, line in enumerate(order.lines)
            ],
        )
        self._conn.executemany(
            f"INSERT INTO order_allocations ({ORDER_ALLOCATION_COLUMNS})"
            f" VALUES ({DIALECT.marks(6)})",
            order_allocation_rows(order.id, order.lines),
        )
        self._conn.executemany(
            f"INSERT INTO order_allocation_serials ({ORDER_SERIAL_COLUMNS})"
            f" VALUES ({DIALECT.marks(5)})",
            order_serial_rows(order.id, order.lines),
        )

    def save(self, order: Order) -> None:
        # Lines never change once reserved; only the status moves on.
        cursor = self._conn.execute(
            "UPDATE orders SET status = ?, updated_at = ? WHERE id = ?",
            (order.status.value, time_text(order.updated_at), order.id),
        )
        if cursor.rowcount == 0:
            raise NotFound(f"order {order.reference!r} does not exist")

    def fetch_page(self, filter: OrderFilter, page: PageSpec) -> list[Order]:
        where = Where(DIALECT)
        where.equal("status", filter.status and filter.status.value)
        where.equal("warehouse", filter.warehouse)
        where.equal("reference", filter.reference)
        ks = keyset(page, BY_CREATION, DIALECT)
        where.after(ks)
        rows = self._conn.execute(
            f"SELECT {ORDER_COLUMNS} FROM orders{where.clause} {ks.order_by} LIMIT ?",
            [*where.params, ks.limit],
        ).fetchall()
        lines = self._lines_of([row[0] for row in rows])
        orders = [order_from_row(row, lines.get(row[0], ())) for row in rows]
        return self._allocated(orders)

    def expiring(self, now: datetime, limit: int) -> list[str]:
        rows = self._conn.execute(
            "SELECT id FROM orders WHERE status = 'reserved' AND expires_at <= ?"
            " ORDER BY expires_at, id LIMIT ?",
            (time_text(now), limit),
        ).fetchall()
        return [row[0] for row in rows]

    def reserved_by_open_orders(self) -> Iterator[tuple[StockKey, int]]:
        cursor = self._conn.execute(RESERVED_BY_OPEN_ORDERS)
        for sku, warehouse, reserved in stream_rows(cursor):
            yield (sku, warehouse), reserved

    def _one(self, condition: str, value: str) -> Order | None:
        row: Row | None = self._conn.execute(
            f"SELECT {ORDER_COLUMNS} FROM orders WHERE {condition}", (value,)
        ).fetchone()
        if row is None:
            return None
        return self._allocated([order_from_row(row, self._lines_of([row[0]]).get(row[0], ()))])[0]

    def reserved_slots_by_open_orders(self) -> Iterator[tuple[SlotKey, int]]:
        cursor = self._conn.execute(RESERVED_SLOTS_BY_OPEN_ORDERS)
        for sku, warehouse, location, lot, reserved in stream_rows(cursor):
            yield (sku, warehouse, location, lot_in(lot)), reserved

    def touching_lot(self, sku: str, lot: str) -> list[Order]:
        ids = touching_lot_order_ids(self._conn.execute, DIALECT, sku, lot)
        return [order for id in ids if (order := self.get(id)) is not None]

    def _allocated(self, orders: list[Order]) -> list[Order]:
        ids = [order.id for order in orders]
        return with_allocations(orders, order_allocations(self._conn.execute, DIALECT, ids))

    def _lines_of(self, order_ids: list[str]) -> dict[str, tuple[OrderLine, ...]]:
        """The lines of every order in ``order_ids``, in one query per 500 orders."""
        lines: dict[str, list[OrderLine]] = {}
        for chunk in chunks(order_ids):
            cursor = self._conn.execute(
                "SELECT order_id, sku, quantity, location, lot, entered_unit, entered_quantity"
                " FROM order_lines"
                f" WHERE order_id IN ({DIALECT.marks(len(chunk))}) ORDER BY order_id, line_no",
                chunk,
            )
            for order_id, sku, quantity, location, lot, unit, entered in cursor:
                lines.setdefault(order_id, []).append(
                    OrderLine(sku, quantity, location, lot, entered=entered_in(unit, entered))
                )
        return {order_id: tuple(order_lines) for order_id, order_lines in lines.items()}
