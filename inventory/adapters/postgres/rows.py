"""PostgreSQL's stored forms, the transaction repositories share, and streaming."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from typing import Any

import psycopg
import psycopg.errors
from psycopg.types.json import Jsonb

from inventory.adapters.sql.dialect import Dialect
from inventory.adapters.sql.rows import Row, RowCodec
from inventory.domain.valuation import money

Connection = psycopg.Connection[Row]

FETCH_BATCH = 1000
"""Rows fetched per round trip when streaming."""

_cursor_numbers = itertools.count(1)


class Transaction:
    """One unit of work's connection, as its repositories share it.

    ``writing``: a write unit, whose reads lock what they read. ``streams``: the server-side cursors
    still open, closed before the transaction ends, as they end with it.
    ``ended``: the connection went back to the pool; nothing may use it now.

    The transaction's BEGIN is sent with its first statement (:attr:`conn`),
    in the same round trip when that statement has no parameters
    (:meth:`execute_first`): a cache miss reads the versions in the snapshot
    with its BEGIN, in one round trip.
    """

    __slots__ = (
        "_begin", "_begin_statement", "ended", "raw", "streams", "writing",
    )  # fmt: skip

    def __init__(self, conn: Connection, begin: str, writing: bool) -> None:
        self.raw = conn
        """The connection as it is: for its state, never for statements."""
        self._begin_statement = begin
        self._begin: str | None = begin
        self.writing = writing
        self.ended = False
        self.streams: list[psycopg.ServerCursor[Row]] = []

    @property
    def begun(self) -> bool:
        """Whether BEGIN has gone to the server (so there is a transaction to end)."""
        return self._begin is None

    @property
    def conn(self) -> Connection:
        """The connection, inside the transaction: BEGIN is sent first if it has not been."""
        if self._begin is not None:
            self.raw.execute(self._begin)
            self._begin = None
        return self.raw

    def execute_first(self, sql: str) -> psycopg.Cursor[Row]:
        """Run ``sql`` (no parameters), with the BEGIN in the same round trip if it is pending."""
        if self._begin is None:
            return self.raw.execute(sql)
        cursor = self.raw.execute(f"{self._begin}; {sql}")
        self._begin = None
        cursor.nextset()  # past BEGIN's empty result, to the statement's
        return cursor

    def end(self, statement: str) -> None:
        """COMMIT or ROLLBACK; the next statement begins the next transaction."""
        self.raw.execute(statement)
        self._begin = self._begin_statement

    def close_streams(self) -> None:
        """Close every stream left unfinished, while its transaction is still there."""
        streams, self.streams = self.streams, []
        for cursor in streams:
            cursor.close()


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


def _as_is(value: Any) -> Any:
    return value


CODEC = RowCodec(
    time_out=_as_is,
    time_in=_as_is,
    money_out=money,
    money_in=money,
    flag_out=bool,
    json_out=Jsonb,
    json_in=_as_is,
    bytes_in=bytes,
)
"""psycopg gives and takes datetimes (timestamptz, the session in UTC),
Decimals (numeric), booleans and JSON (jsonb) as they are."""

DIALECT = Dialect(
    mark="%s",
    row_lock=" FOR NO KEY UPDATE",
    unique_violation=lambda exc: isinstance(exc, psycopg.errors.UniqueViolation),
    codec=CODEC,
)
"""A write unit's reads lock their rows against other writers (not against key shares)."""

product_row = CODEC.product_row
product_from_row = CODEC.product_from_row
warehouse_from_row = CODEC.warehouse_from_row
level_from_row = CODEC.level_from_row
movement_row = CODEC.movement_row
movement_from_row = CODEC.movement_from_row
order_row = CODEC.order_row
order_from_row = CODEC.order_from_row
api_key_row = CODEC.api_key_row
api_key_from_row = CODEC.api_key_from_row
