"""A rate limiter shared by every process on one host, through a small SQLite file.

One read-modify-write per hit under ``BEGIN IMMEDIATE``; WAL, no fsync; fails open.
See docs/adr/0004-rate-limit-algorithm.md.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
import time
from pathlib import Path

from inventory.adapters.rate_limits.memory import Seconds
from inventory.adapters.sqlite.pool import switch_to_wal
from inventory.application.rate_limits import Rate, RateDecision, WindowCounts, hit

log = logging.getLogger("inventory.rate_limit")

DEFAULT_BUSY_TIMEOUT_MS = 1000
"""Long enough to queue behind other workers' hits even in a burst on a loaded machine
(SQLite's busy handler backs off in growing sleeps, so a waiter can oversleep several
short holders: 200 ms was seen to run out with 15 requests at once on 2 busy cores),
short enough that a stuck file costs a request a second before it is let through."""

_WARN_EVERY_SECONDS = 60.0

# No index on window_index: the only query by it is the prune, once a window per
# process, and a scan of a table holding two windows' worth of keys is cheaper
# than maintaining an index on every hit.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS rate_limit_counts (
    key           TEXT PRIMARY KEY,
    window_index  INTEGER NOT NULL,
    current_hits  INTEGER NOT NULL,
    previous_hits INTEGER NOT NULL
) WITHOUT ROWID
"""
_SELECT = "SELECT window_index, current_hits, previous_hits FROM rate_limit_counts WHERE key = ?"
_UPSERT = """
INSERT INTO rate_limit_counts (key, window_index, current_hits, previous_hits)
VALUES (?, ?, ?, ?)
ON CONFLICT (key) DO UPDATE SET
    window_index = excluded.window_index,
    current_hits = excluded.current_hits,
    previous_hits = excluded.previous_hits
"""
# Rows last counted before the previous window no longer weigh on anything; rows
# "from the future" were written under another clock or another rate's unit.
_PRUNE = "DELETE FROM rate_limit_counts WHERE window_index < ? OR window_index > ?"


class HostRateLimiter:
    """The weighted two-window counter per key, in one SQLite row per key, per host.

    The file is opened on the first hit (never by merely wiring the services,
    so a CLI run creates nothing) and again in a process forked after that.
    """

    def __init__(
        self,
        rate: Rate,
        path: str | os.PathLike[str],
        clock: Seconds = time.time,
        *,
        busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
    ) -> None:
        self.rate = rate
        self.path = Path(path)
        self._clock = clock
        self._busy_timeout_ms = busy_timeout_ms
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._pid = 0
        self._pruned_at = clock()
        self._warned_at: float | None = None

    def hit(self, key: str) -> RateDecision:
        """Count one request for ``key``; see :class:`~inventory.application.ports.RateLimiter`."""
        # One connection per process, used by one thread at a time: a gthread
        # worker's threads would only queue for SQLite's write lock anyway.
        with self._lock:
            now = self._clock()
            try:
                conn = self._connection()
                decision = self._count(conn, key, now)
            except (sqlite3.Error, OSError) as exc:
                self._drop_connection()
                self._warn(now, f"rate limit storage {self.path} failed, not limiting: {exc}")
                return RateDecision.unlimited(self.rate)
            self._prune(conn, now)
        return decision

    def close(self) -> None:
        """Close this process's connection (a later hit opens it again)."""
        with self._lock:
            self._drop_connection()

    def _count(self, conn: sqlite3.Connection, key: str, now: float) -> RateDecision:
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute(_SELECT, (key,)).fetchone()
            stored = None if row is None else WindowCounts(*row)
            decision, counts = hit(self.rate, stored, now)
            if counts != stored:
                conn.execute(_UPSERT, (key, counts.window, counts.current, counts.previous))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return decision

    def _prune(self, conn: sqlite3.Connection, now: float) -> None:
        # Once a window per process: every key still counting was hit within the
        # last two windows, so the table never holds more than those keys.
        if now - self._pruned_at < self.rate.window:
            return
        self._pruned_at = now
        window = int(now // self.rate.window)
        try:
            conn.execute(_PRUNE, (window - 1, window))
        except sqlite3.Error as exc:  # the hit is counted; another sweep comes next window
            self._warn(now, f"could not prune rate limit storage {self.path}: {exc}")

    def _connection(self) -> sqlite3.Connection:
        pid = os.getpid()
        if self._conn is not None and self._pid == pid:
            return self._conn
        # A connection inherited through fork() must not be used in the child;
        # it is left to the parent, and the child opens its own.
        self._conn = None
        conn = sqlite3.connect(
            self.path,
            isolation_level=None,
            timeout=self._busy_timeout_ms / 1000,
            check_same_thread=False,
        )
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
            switch_to_wal(conn, self._busy_timeout_ms)
            conn.execute("PRAGMA synchronous = OFF")
            conn.execute(_SCHEMA)
        except BaseException:
            conn.close()
            raise
        self._conn, self._pid = conn, pid
        return conn

    def _drop_connection(self) -> None:
        # After a failure, start over with a new connection on the next hit: the
        # file may have been replaced, or the connection left in a bad state.
        conn, self._conn = self._conn, None
        if conn is not None and self._pid == os.getpid():
            with contextlib.suppress(sqlite3.Error):
                conn.close()

    def _warn(self, now: float, message: str) -> None:
        if self._warned_at is None or now - self._warned_at >= _WARN_EVERY_SECONDS:
            self._warned_at = now
            log.warning("%s", message)
