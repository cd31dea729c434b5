"""PostgreSQL's stored forms, the transaction repositories share, and streaming."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import psycopg
import psycopg.errors
from psycopg import sql
from psycopg.types.json import Jsonb

from inventory.adapters.sql.dialect import Dialect
from inventory.adapters.sql.rows import Row, RowCodec
from inventory.domain.valuation import money

Connection = psycopg.Connection[Row]
SqlText = str | bytes | sql.SQL | sql.Composed
"""What a statement may be given as."""

FETCH_BATCH = 1000
"""Rows fetched per round trip when streaming."""

_cursor_numbers = itertools.count(1)


class Transaction:
    """One unit of work's connection, as its repositories share it.

    ``writing``: a write unit, whose reads lock what they read. ``streams``: the server-side cursors
    still open, closed before the transaction ends, as they end with it.
    ``ended``: the connection went back to the pool; nothing may use it now.

    Round trips (issue 14): the transaction's BEGIN, and the writes queued by
    :meth:`defer`, go to the server in one pipeline with the next statement
    (:meth:`execute`, :meth:`execute_all`, :meth:`end`): a write unit's first
    read carries its BEGIN, and its writes travel with its COMMIT, in order.
    A deferred write whose check fails fails its batch, so nothing after it
    in the batch (the COMMIT) runs. :attr:`conn` sends what is pending on its own.
    :meth:`read_ahead` runs reads before they are asked for, in the same round
    trip. See docs/adr/0019-write-path-round-trips.md.
    """

    __slots__ = (
        "_ahead", "_begin", "_begin_statement", "_writes", "ended", "raw", "serial", "streams",
        "writing",
    )  # fmt: skip

    def __init__(self, conn: Connection, begin: str, writing: bool) -> None:
        self.raw = conn
        """The connection as it is: for its state, never for statements."""
        self._begin_statement = begin
        self._begin: str | None = begin
        self._writes: list[_Write] = []
        self._ahead: dict[tuple[str, str], psycopg.Cursor[Row]] = {}
        self.writing = writing
        self.ended = False
        self.streams: list[psycopg.ServerCursor[Row]] = []
        self.serial = 0
        """Counts the statements sent or queued: a value kept since tells none came between."""

    @property
    def begun(self) -> bool:
        """Whether BEGIN has gone to the server (so there is a transaction to end)."""
        return self._begin is None

    @property
    def pending(self) -> bool:
        """Whether writes are queued, not yet sent."""
        return bool(self._writes)

    @property
    def conn(self) -> Connection:
        """The connection, inside the transaction: BEGIN and queued writes are sent first."""
        self.serial += 1
        self._ahead.clear()
        if self._begin is not None or self._writes:
            self._batch([])
        return self.raw

    def execute(self, query: SqlText, params: Any = None) -> psycopg.Cursor[Row]:
        """Run one statement, after what is pending, in one round trip."""
        return self.execute_all([(query, params)])[0]

    def execute_all(self, statements: Sequence[tuple[SqlText, Any]]) -> list[psycopg.Cursor[Row]]:
        """Run the statements in order, after what is pending, in one round trip.

        Statements that were all read ahead, with nothing sent or queued since,
        are answered from what was read, in no round trip.
        """
        self.serial += 1
        if self._ahead:
            read = self._read_already(statements)
            if read is not None:
                return read
        if self._begin is None and not self._writes and len(statements) == 1:
            query, params = statements[0]
            return [self.raw.execute(query, params)]
        return self._batch(statements)

    def read_ahead(self, statements: Sequence[tuple[str, Any]]) -> list[psycopg.Cursor[Row]]:
        """Run reads the unit will ask for next, now, in one round trip with what is pending.

        Until anything else is sent or queued, executing one of them again
        answers with this result instead: the same one, as nothing this unit
        did came between, and the rows it locks stay locked. Their order here
        is the order their locks are taken in. The cursors, in order.
        """
        cursors = self.execute_all(statements)
        read = zip(statements, cursors, strict=True)
        self._ahead = {(q, repr(p)): cursor for (q, p), cursor in read}
        return cursors

    def _read_already(
        self, statements: Sequence[tuple[SqlText, Any]]
    ) -> list[psycopg.Cursor[Row]] | None:
        keys = [(q, repr(p)) for q, p in statements if isinstance(q, str)]
        if len(keys) == len(statements) and all(key in self._ahead for key in keys):
            return [self._ahead.pop(key) for key in keys]
        self._ahead.clear()
        return None

    def defer(
        self,
        query: SqlText,
        params: Any,
        *,
        many: bool = False,
        check: Callable[[psycopg.Error], Exception | None] | None = None,
    ) -> None:
        """Queue a write whose result nobody reads: it goes with the next statement sent.

        ``many``: ``params`` is a sequence of parameter sets. ``check``: the
        error to raise instead of a psycopg error of the batch, or None.
        """
        self.serial += 1
        self._ahead.clear()
        self._writes.append(_Write(query, params, many, check))

    def discard(self) -> None:
        """Forget the queued writes and what was read ahead (the unit is rolled back)."""
        self._writes.clear()
        self._ahead.clear()

    def execute_alone(self, query: SqlText, params: Any = None) -> psycopg.Cursor[Row]:
        """Run one statement; in a read unit whose BEGIN is still pending, on its own,
        with no transaction (one statement is its own snapshot): one round trip, and
        nothing to roll back."""
        if self.writing or self.begun:
            return self.execute(query, params)
        self.serial += 1
        return self.raw.execute(query, params)

    def execute_first(self, sql: str) -> psycopg.Cursor[Row]:
        """Run ``sql`` (no parameters), with the BEGIN in the same round trip if it is pending."""
        self.serial += 1
        self._ahead.clear()
        if self._begin is None or self._writes:
            return self.execute(sql)
        cursor = self.raw.execute(f"{self._begin}; {sql}")
        self._begin = None
        cursor.nextset()  # past BEGIN's empty result, to the statement's
        return cursor

    def end(self, statement: str) -> None:
        """COMMIT (after the queued writes) or ROLLBACK; the next statement begins the next one."""
        if statement != "COMMIT":
            self._writes.clear()
        self.execute(statement)
        self._begin = self._begin_statement

    def close_streams(self) -> None:
        """Close every stream left unfinished, while its transaction is still there."""
        streams, self.streams = self.streams, []
        for cursor in streams:
            cursor.close()

    def _batch(self, statements: Sequence[tuple[SqlText, Any]]) -> list[psycopg.Cursor[Row]]:
        writes, self._writes = self._writes, []
        begin, self._begin = self._begin, None
        try:
            with self.raw.pipeline():
                if begin is not None:
                    self.raw.execute(begin)
                for write in writes:
                    if write.many:
                        self.raw.cursor().executemany(write.query, write.params)
                    else:
                        self.raw.execute(write.query, write.params)
                return [self.raw.execute(query, params) for query, params in statements]
        except psycopg.Error as exc:
            for write in writes:
                if write.check is not None and (mapped := write.check(exc)) is not None:
                    raise mapped from exc
            raise


class _Write:
    __slots__ = ("check", "many", "params", "query")

    def __init__(
        self,
        query: SqlText,
        params: Any,
        many: bool,
        check: Callable[[psycopg.Error], Exception | None] | None,
    ) -> None:
        self.query, self.params, self.many, self.check = query, params, many, check


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
