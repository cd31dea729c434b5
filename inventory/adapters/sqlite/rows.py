"""SQLite's stored forms of times, money and flags, and its row helpers."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from inventory.adapters.sql.dialect import Dialect
from inventory.adapters.sql.rows import Row, RowCodec
from inventory.application.times import from_rfc3339, rfc3339
from inventory.domain.movements import Movement
from inventory.domain.valuation import money

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


def stream_rows(cursor: sqlite3.Cursor) -> Iterator[Row]:
    """The cursor's rows, fetched in batches rather than all at once."""
    while batch := cursor.fetchmany(FETCH_BATCH):
        yield from batch


def _is_unique_violation(exc: BaseException) -> bool:
    if not isinstance(exc, sqlite3.IntegrityError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code in (sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
    return "UNIQUE constraint failed" in str(exc)


CODEC = RowCodec(
    time_out=time_text,
    time_in=parse_time,
    money_out=money_text,
    money_in=Decimal,
    flag_out=int,
    json_out=lambda value: json.dumps(value, separators=(",", ":")),
    json_in=json.loads,
    bytes_in=bytes,
)
"""Times as fixed-width RFC 3339 text (so text order is time order), money as
decimal text, flags as 0 or 1, JSON as text."""

DIALECT = Dialect(mark="?", row_lock="", unique_violation=_is_unique_violation, codec=CODEC)
"""A write unit holds the database's write lock from its BEGIN: no row lock to add."""

product_row = CODEC.product_row
product_from_row = CODEC.product_from_row
warehouse_from_row = CODEC.warehouse_from_row
level_from_row = CODEC.level_from_row
movement_from_row = CODEC.movement_from_row
order_row = CODEC.order_row
order_from_row = CODEC.order_from_row
api_key_row = CODEC.api_key_row
api_key_from_row = CODEC.api_key_from_row


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
        yield CODEC.movement_row(m, last_text)
