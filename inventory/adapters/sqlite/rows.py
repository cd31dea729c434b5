"""Stored forms of times, money and flags, and the mapping of rows to domain objects.

Rows are plain tuples in the column order of ``inventory.adapters.sql.schema``;
they never leave the adapter.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from inventory.application.times import from_rfc3339, rfc3339
from inventory.domain.catalog import Product, ProductDetails, Warehouse
from inventory.domain.keys import ApiKey, Role
from inventory.domain.movements import AdjustmentReason, Movement, MovementType
from inventory.domain.orders import Order, OrderLine, OrderStatus
from inventory.domain.stock import StockLevel
from inventory.domain.valuation import money

Row = tuple[Any, ...]

FETCH_BATCH = 500
"""Rows fetched per round trip when streaming, and keys per ``IN (...)`` list."""


time_text = rfc3339
parse_time = from_rfc3339


def time_or_none(value: datetime | None) -> str | None:
    return None if value is None else time_text(value)


def parse_time_or_none(text: str | None) -> datetime | None:
    return None if text is None else parse_time(text)


def money_text(value: Decimal) -> str:
    """``value`` as decimal text with exactly four places (``12.5000``)."""
    return format(money(value), "f")


def chunks(items: list[Any], size: int = FETCH_BATCH) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def placeholders(count: int) -> str:
    return ", ".join("?" * count)


def stream_rows(cursor: sqlite3.Cursor) -> Iterator[Row]:
    """The cursor's rows, fetched in batches rather than all at once."""
    while batch := cursor.fetchmany(FETCH_BATCH):
        yield from batch


def is_unique_violation(exc: sqlite3.IntegrityError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code in (sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
    return "UNIQUE constraint failed" in str(exc)


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
        money_text(product.average_cost),
        1 if product.archived else 0,
        time_text(product.created_at),
        time_text(product.updated_at),
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
        average_cost=Decimal(row[8]),
        archived=bool(row[9]),
        created_at=parse_time(row[10]),
        updated_at=parse_time(row[11]),
        version=row[12],
    )


# --- warehouses and stock levels --------------------------------------------


def warehouse_from_row(row: Row) -> Warehouse:
    return Warehouse(code=row[0], name=row[1], created_at=parse_time(row[2]))


def level_from_row(row: Row) -> StockLevel:
    return StockLevel(sku=row[0], warehouse=row[1], on_hand=row[2], reserved=row[3])


# --- movements --------------------------------------------------------------


def movement_rows(movements: Iterable[Movement]) -> Iterator[Row]:
    """Insert parameters for ``movements``, cheap enough for million-row imports.

    Bulk imports stamp many movements with the same clock reading, so the last
    time's text is reused rather than formatted again.
    """
    last_time: datetime | None = None
    last_text = ""
    for m in movements:
        if m.created_at is not last_time:
            last_time, last_text = m.created_at, time_text(m.created_at)
        cost = m.unit_cost
        reason = m.reason
        yield (
            m.id,
            m.type.value,
            m.sku,
            m.warehouse,
            m.to_warehouse,
            m.quantity,
            None if cost is None else money_text(cost),
            None if reason is None else reason.value,
            m.reference,
            m.note,
            last_text,
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
        unit_cost=None if row[6] is None else Decimal(row[6]),
        reason=None if row[7] is None else AdjustmentReason(row[7]),
        reference=row[8],
        note=row[9],
        created_at=parse_time(row[10]),
        created_by=row[11],
    )


# --- orders -----------------------------------------------------------------


def order_row(order: Order) -> Row:
    return (
        order.id,
        order.reference,
        order.warehouse,
        order.status.value,
        time_text(order.created_at),
        time_text(order.updated_at),
        time_or_none(order.expires_at),
    )


def order_from_row(row: Row, lines: tuple[OrderLine, ...]) -> Order:
    return Order(
        id=row[0],
        reference=row[1],
        warehouse=row[2],
        status=OrderStatus(row[3]),
        created_at=parse_time(row[4]),
        updated_at=parse_time(row[5]),
        expires_at=parse_time_or_none(row[6]),
        lines=lines,
    )


# --- API keys ---------------------------------------------------------------


def api_key_from_row(row: Row) -> ApiKey:
    return ApiKey(
        id=row[0],
        name=row[1],
        role=Role(row[2]),
        secret_hash=row[3],
        created_at=parse_time(row[4]),
        revoked_at=parse_time_or_none(row[5]),
    )
