"""Rows of the PostgreSQL schema to and from domain objects.

psycopg already gives and takes datetimes, Decimals and booleans, so the
mapping here is only about column order (``inventory.adapters.sql.schema``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from typing import Any

import psycopg

from inventory.domain.catalog import Product, ProductDetails, Warehouse
from inventory.domain.keys import ApiKey, Role
from inventory.domain.movements import AdjustmentReason, Movement, MovementType
from inventory.domain.orders import Order, OrderLine, OrderStatus
from inventory.domain.stock import StockLevel
from inventory.domain.valuation import money

Row = tuple[Any, ...]
Connection = psycopg.Connection[Row]

FETCH_BATCH = 1000
"""Rows fetched per round trip when streaming."""

_cursor_numbers = itertools.count(1)


class Transaction:
    """One unit of work's connection, as its repositories share it.

    ``writing``: a write unit, whose reads lock what they read. ``wrote``: a
    repository changed a row, so the commit must raise the data generation;
    taking a row lock is not a change. ``streams``: the server-side cursors
    still open, closed before the transaction ends, as they end with it.
    ``ended``: the connection went back to the pool; nothing may use it now.
    """

    __slots__ = ("conn", "ended", "streams", "writing", "wrote")

    def __init__(self, conn: Connection, writing: bool) -> None:
        self.conn = conn
        self.writing = writing
        self.wrote = False
        self.ended = False
        self.streams: list[psycopg.ServerCursor[Row]] = []

    def close_streams(self) -> None:
        """Close every stream left unfinished, while its transaction is still there."""
        streams, self.streams = self.streams, []
        for cursor in streams:
            cursor.close()


def marks(count: int) -> str:
    return ", ".join(["%s"] * count)


def stream_rows(tx: Transaction, sql: str, params: Iterable[Any] = ()) -> Iterator[Row]:
    """The query's rows through a server-side cursor, a batch at a time.

    A named cursor lives in the transaction, so a stream must be consumed
    inside the unit of work that opened it (as the ports say); one left
    unfinished is closed when the transaction ends (:meth:`Transaction.close_streams`).
    """
    cursor = tx.conn.cursor(name=f"stream_{next(_cursor_numbers)}")
    tx.streams.append(cursor)
    try:
        cursor.itersize = FETCH_BATCH
        cursor.execute(sql, list(params))
        yield from cursor
    finally:
        # A stream dropped after its unit ended must not touch the connection,
        # which may be another unit's by now; its cursor died with its transaction.
        if not tx.ended and not cursor.closed:
            cursor.close()
        if cursor in tx.streams:
            tx.streams.remove(cursor)


# --- products ---------------------------------------------------------------


def product_row(product: Product) -> Row:
    d = product.details
    return (
        product.sku,
        d.name,
        d.description,
        d.category,
        d.unit,
        d.barcode,
        d.reorder_point,
        d.reorder_quantity,
        money(product.average_cost),
        product.archived,
        product.created_at,
        product.updated_at,
        product.version,
    )


def product_from_row(row: Row) -> Product:
    return Product(
        sku=row[0],
        details=ProductDetails(
            name=row[1],
            description=row[2],
            category=row[3],
            unit=row[4],
            barcode=row[5],
            reorder_point=row[6],
            reorder_quantity=row[7],
        ),
        average_cost=money(row[8]),
        archived=row[9],
        created_at=row[10],
        updated_at=row[11],
        version=row[12],
    )


def warehouse_from_row(row: Row) -> Warehouse:
    return Warehouse(code=row[0], name=row[1], created_at=row[2])


def level_from_row(row: Row) -> StockLevel:
    return StockLevel(sku=row[0], warehouse=row[1], on_hand=row[2], reserved=row[3])


# --- movements --------------------------------------------------------------


def movement_row(m: Movement) -> Row:
    return (
        m.id,
        m.type.value,
        m.sku,
        m.warehouse,
        m.to_warehouse,
        m.quantity,
        None if m.unit_cost is None else money(m.unit_cost),
        None if m.reason is None else m.reason.value,
        m.reference,
        m.note,
        m.created_at,
        m.created_by,
    )


def movement_from_row(row: Row) -> Movement:
    return Movement(
        id=row[0],
        type=MovementType(row[1]),
        sku=row[2],
        warehouse=row[3],
        to_warehouse=row[4],
        quantity=row[5],
        unit_cost=None if row[6] is None else money(row[6]),
        reason=None if row[7] is None else AdjustmentReason(row[7]),
        reference=row[8],
        note=row[9],
        created_at=row[10],
        created_by=row[11],
    )


# --- orders and keys ----------------------------------------------------------


def order_row(order: Order) -> Row:
    return (
        order.id,
        order.reference,
        order.warehouse,
        order.status.value,
        order.created_at,
        order.updated_at,
        order.expires_at,
    )


def order_from_row(row: Row, lines: tuple[OrderLine, ...]) -> Order:
    return Order(
        id=row[0],
        reference=row[1],
        warehouse=row[2],
        status=OrderStatus(row[3]),
        created_at=row[4],
        updated_at=row[5],
        expires_at=row[6],
        lines=lines,
    )


def api_key_from_row(row: Row) -> ApiKey:
    return ApiKey(
        id=row[0],
        name=row[1],
        role=Role(row[2]),
        secret_hash=row[3],
        created_at=row[4],
        revoked_at=row[5],
    )
