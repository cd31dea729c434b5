"""Count what this thread sends PostgreSQL: statements, and round trips (issue 14).

A round trip is one :meth:`psycopg.Connection.wait` in which the server's
answer was read; see :class:`Counter` for what is counted and
what is not.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.waiting import Ready


@dataclass
class Counter:
    """What the counting thread sent, through every psycopg connection, while counting.

    ``statements``: SQL statements handed to psycopg: one per ``execute``,
    one per parameter set of ``executemany``, one per ``copy``; a query
    sent without parameters counts once per ``;``-separated statement in it
    (a simple query may carry several: ``BEGIN; SELECT ...``).

    ``round_trips``: calls of ``Connection.wait`` (through which psycopg runs
    every exchange with the server) in which the socket was found readable:
    the client sent and then received the server's answer. A plain
    ``execute`` is one. Statements queued in a pipeline are only sent (the
    server holds their results until a sync or flush request), so a whole
    pipeline, up to its sync, is one. Several reads within one wait count
    once. Other threads (the pool's) are not counted.
    """

    statements: int = 0
    round_trips: int = 0
    sql: list[str] = field(default_factory=list)
    """Every statement counted, in order, for a failure's message."""

    def reset(self) -> None:
        self.statements = self.round_trips = 0
        self.sql.clear()


def _statement_text(query: Any, conn: psycopg.Connection[Any]) -> str:
    if isinstance(query, bytes):
        return query.decode()
    if isinstance(query, str):
        return query
    return str(query.as_string(conn))


@contextmanager
def counting() -> Iterator[Counter]:
    """Count, in this thread, every statement and round trip until the block ends."""
    counter = Counter()
    me = threading.get_ident()
    cursor_execute = psycopg.Cursor.execute
    cursor_executemany = psycopg.Cursor.executemany
    cursor_copy = psycopg.Cursor.copy
    server_execute = psycopg.ServerCursor.execute
    wait = psycopg.Connection.wait

    def note(conn: psycopg.Connection[Any], query: Any, params: Any, times: int = 1) -> None:
        if threading.get_ident() != me:
            return
        text = _statement_text(query, conn)
        parts = [text] if params else [s for s in text.split(";") if s.strip()]
        counter.statements += len(parts) * times
        counter.sql.extend(part.strip() for part in parts * times)

    def counted_execute(self: Any, query: Any, params: Any = None, **kw: Any) -> Any:
        note(self.connection, query, params)
        return cursor_execute(self, query, params, **kw)

    def counted_executemany(self: Any, query: Any, params_seq: Any, **kw: Any) -> Any:
        params_seq = list(params_seq)
        note(self.connection, query, True, len(params_seq))
        return cursor_executemany(self, query, params_seq, **kw)

    def counted_copy(self: Any, statement: Any, params: Any = None, **kw: Any) -> Any:
        note(self.connection, statement, params)
        return cursor_copy(self, statement, params, **kw)

    def counted_server_execute(self: Any, query: Any, params: Any = None, **kw: Any) -> Any:
        note(self.connection, query, params)
        return server_execute(self, query, params, **kw)

    def counted_wait(self: Any, gen: Any, *args: Any, **kw: Any) -> Any:
        if threading.get_ident() != me:
            return wait(self, gen, *args, **kw)
        answered = False

        def watched() -> Any:
            nonlocal answered
            try:
                state = next(gen)
                while True:
                    ready = yield state
                    answered = answered or bool(ready & Ready.R)
                    state = gen.send(ready)
            except StopIteration as stop:
                return stop.value

        try:
            return wait(self, watched(), *args, **kw)
        finally:
            if answered:
                counter.round_trips += 1

    patches = {
        (psycopg.Cursor, "execute"): counted_execute,
        (psycopg.Cursor, "executemany"): counted_executemany,
        (psycopg.Cursor, "copy"): counted_copy,
        (psycopg.ServerCursor, "execute"): counted_server_execute,
        (psycopg.Connection, "wait"): counted_wait,
    }
    originals = {key: getattr(*key) for key in patches}
    try:
        for (owner, name), replacement in patches.items():
            setattr(owner, name, replacement)
        yield counter
    finally:
        for (owner, name), original in originals.items():
            setattr(owner, name, original)
