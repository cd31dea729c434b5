"""Orders and their lines in PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import psycopg
from psycopg import errors as pg

from inventory.adapters.postgres.rows import (
    DIALECT,
    Transaction,
    order_from_row,
    order_row,
    stream_rows,
)
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
from inventory.application.ports import SlotKey, StockKey
from inventory.application.queries import OrderFilter, PageSpec
from inventory.domain.errors import Conflict, NotFound
from inventory.domain.orders import Order, OrderLine


class PostgresOrderRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        # An order read in a write unit is about to move on: lock it, so that
        # a concurrent ship and cancel of one order take turns.
        self._lock = DIALECT.lock(tx.writing)

    def get(self, id: str) -> Order | None:
        return self._one("id", id)

    def get_by_reference(self, reference: str) -> Order | None:
        return self._one("reference", reference)

    def add(self, order: Order) -> None:
        # Sent with the next statement (the COMMIT, most often); a taken id or
        # reference fails that batch, as a Conflict, before the COMMIT runs.
        def taken(exc: psycopg.Error) -> Exception | None:
            if isinstance(exc, pg.UniqueViolation) and exc.diag.table_name == "orders":
                return Conflict(f"order {order.reference!r} already exists")
            return None

        self._tx.defer(
            f"INSERT INTO orders ({ORDER_COLUMNS}) VALUES ({DIALECT.marks(7)})",
            order_row(order),
            check=taken,
        )
        lines = [
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
        ]
        if lines:
            self._tx.defer(
                "INSERT INTO order_lines (order_id, line_no, sku, quantity, location, lot,"
                " entered_unit, entered_quantity)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                lines,
                many=True,
            )
        allocations = order_allocation_rows(order.id, order.lines)
        if allocations:
            self._tx.defer(
                f"INSERT INTO order_allocations ({ORDER_ALLOCATION_COLUMNS})"
                f" VALUES ({DIALECT.marks(6)})",
                allocations,
                many=True,
            )
        serials = order_serial_rows(order.id, order.lines)
        if serials:
            self._tx.defer(
                f"INSERT INTO order_allocation_serials ({ORDER_SERIAL_COLUMNS})"
                f" VALUES ({DIALECT.marks(5)})",
                serials,
                many=True,
            )

    def save(self, order: Order) -> None:
        # Lines never change once reserved; only the status moves on.
        cursor = self._tx.execute(
            "UPDATE orders SET status = %s, updated_at = %s WHERE id = %s",
            (order.status.value, order.updated_at, order.id),
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
        rows = self._tx.execute(
            f"SELECT {ORDER_COLUMNS} FROM orders{where.clause} {ks.order_by} LIMIT %s",
            [*where.params, ks.limit],
        ).fetchall()
        lines = self._lines_of([row[0] for row in rows])
        orders = [order_from_row(row, lines.get(row[0], ())) for row in rows]
        return self._allocated(orders)

    def expiring(self, now: datetime, limit: int) -> list[str]:
        rows = self._tx.execute(
            "SELECT id FROM orders WHERE status = 'reserved' AND expires_at <= %s"
            " ORDER BY expires_at, id LIMIT %s",
            (now, limit),
        ).fetchall()
        return [row[0] for row in rows]

    def reserved_by_open_orders(self) -> Iterator[tuple[StockKey, int]]:
        for sku, warehouse, reserved in stream_rows(self._tx, RESERVED_BY_OPEN_ORDERS):
            yield (sku, warehouse), int(reserved)

    def _one(self, column: str, value: str) -> Order | None:
        row: Row | None = self._tx.execute(*self.one_statement(column, value)).fetchone()
        if row is None:
            return None
        return self._allocated([order_from_row(row, self._lines_of([row[0]]).get(row[0], ()))])[0]

    def one_statement(self, column: str, value: str) -> tuple[str, Any]:
        """What reading the order whose ``column`` is ``value`` sends first (to read it ahead)."""
        return f"SELECT {ORDER_COLUMNS} FROM orders WHERE {column} = %s{self._lock}", (value,)

    def reserved_slots_by_open_orders(self) -> Iterator[tuple[SlotKey, int]]:
        for sku, warehouse, location, lot, reserved in stream_rows(
            self._tx, RESERVED_SLOTS_BY_OPEN_ORDERS
        ):
            yield (sku, warehouse, location, lot_in(lot)), int(reserved)

    def touching_lot(self, sku: str, lot: str) -> list[Order]:
        ids = touching_lot_order_ids(self._tx.execute, DIALECT, sku, lot)
        return [order for id in ids if (order := self.get(id)) is not None]

    def _allocated(self, orders: list[Order]) -> list[Order]:
        ids = [order.id for order in orders]
        return with_allocations(orders, order_allocations(self._tx.execute, DIALECT, ids))

    def _lines_of(self, order_ids: list[str]) -> dict[str, tuple[OrderLine, ...]]:
        """The lines of every order in ``order_ids``, in one query."""
        lines: dict[str, list[OrderLine]] = {}
        if order_ids:
            cursor = self._tx.execute(
                "SELECT order_id, sku, quantity, location, lot, entered_unit, entered_quantity"
                " FROM order_lines"
                " WHERE order_id = ANY(%s) ORDER BY order_id, line_no",
                (order_ids,),
            )
            for order_id, sku, quantity, location, lot, unit, entered in cursor:
                lines.setdefault(order_id, []).append(
                    OrderLine(sku, quantity, location, lot, entered=entered_in(unit, entered))
                )
        return {order_id: tuple(order_lines) for order_id, order_lines in lines.items()}
