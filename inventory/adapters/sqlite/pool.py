"""Configured SQLite connections, and a small thread-safe pool of idle ones."""

from __future__ import annotations

import queue
import sqlite3
import threading
import time
from pathlib import Path
from typing import Literal

from inventory.application.errors import ReadOnly, Unavailable

Synchronous = Literal["full", "normal"]

MAX_IDLE = 8


def is_busy(exc: sqlite3.Error) -> bool:
    """Whether ``exc`` means another connection holds a lock we waited for in vain."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "database is locked" in str(exc) or "database is busy" in str(exc)


def switch_to_wal(conn: sqlite3.Connection, busy_timeout_ms: int) -> str:
    """Set WAL journal mode on ``conn``'s file, waiting up to ``busy_timeout_ms``; the mode set.

    Switching a new file to WAL needs an exclusive lock, and SQLite reports a clash
    with another connection doing the same at once as busy without consulting the
    busy handler; so this waits here, within the same timeout.
    """
    deadline = time.monotonic() + busy_timeout_ms / 1000
    pause = 0.001
    while True:
        try:
            (mode,) = conn.execute("PRAGMA journal_mode = WAL").fetchone()
            return str(mode).lower()
        except sqlite3.OperationalError as exc:
            if not is_busy(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


def refusal(exc: sqlite3.Error, path: Path) -> Unavailable | None:
    """What ``exc`` means to a client when the storage, not the request, is at fault; else None.

    A lock waited for in vain is busy; a file, directory or filesystem that
    cannot be written is read-only (reads may still work); a file that cannot
    be opened, or a full disk, is unavailable. Each is one line naming the file.
    """
    if is_busy(exc):
        return Unavailable("storage is busy; retry")
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:
        return None
    if code == sqlite3.SQLITE_READONLY_DIRECTORY:  # no room for the journal files
        return ReadOnly(
            f"the database {path} is read-only: its directory {path.parent} is not writable"
        )
    if code & 0xFF == sqlite3.SQLITE_READONLY:
        return ReadOnly(f"the database {path} is read-only: {exc}")
    if code & 0xFF in (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_FULL):
        return Unavailable(f"cannot use the database {path}: {exc}")
    return None


CACHE_KIB = 32 * 1024


class ConnectionPool:
    """Hands each unit of work a connection of its own and keeps a few idle ones.

    Connections are opened in autocommit mode (``isolation_level=None``) so
    that units of work issue BEGIN / COMMIT / ROLLBACK themselves, and may move
    between threads (one thread at a time, never shared).
    """

    def __init__(
        self,
        path: Path,
        *,
        synchronous: Synchronous,
        busy_timeout_ms: int,
        max_idle: int = MAX_IDLE,
    ) -> None:
        self._path = path
        self._synchronous = synchronous
        self._busy_timeout_ms = busy_timeout_ms
        self._max_idle = max_idle
        self._idle: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._closed = False

    def connect(self) -> sqlite3.Connection:
        """A new connection with every PRAGMA applied, owned by the caller."""
        # The file is created on first use, but never its directory: a mistyped
        # path should fail, not quietly start an empty inventory somewhere else.
        if not self._path.parent.is_dir():
            raise Unavailable(f"cannot open database {self._path}: no such directory")
        try:
            conn = sqlite3.connect(
                self._path,
                isolation_level=None,
                check_same_thread=False,
                timeout=self._busy_timeout_ms / 1000,
            )
        except sqlite3.OperationalError as exc:
            raise Unavailable(f"cannot open database {self._path}: {exc}") from None
        try:
            self._configure(conn)
        except sqlite3.Error as exc:
            conn.close()
            raise refusal(exc, self._path) or exc from exc
        except BaseException:
            conn.close()
            raise
        return conn

    @property
    def path(self) -> Path:
        return self._path

    def acquire(self) -> sqlite3.Connection:
        if self._closed:
            raise RuntimeError(f"the database {self._path} has been closed")
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            return self.connect()

    def release(self, conn: sqlite3.Connection) -> None:
        if conn.in_transaction:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                conn.close()
                return
        with self._lock:
            if not self._closed and self._idle.qsize() < self._max_idle:
                self._idle.put(conn)
                return
        conn.close()

    def close(self) -> None:
        """Close the idle connections; those in use are closed when released."""
        with self._lock:
            self._closed = True
        while True:
            try:
                conn = self._idle.get_nowait()
            except queue.Empty:
                return
            conn.close()

    def _configure(self, conn: sqlite3.Connection) -> None:
        # WAL lets readers work beside the one writer. With synchronous=FULL a
        # commit is on disk before it is acknowledged; NORMAL skips that fsync
        # and may lose the last commits on power loss, but never corrupts.
        mode = switch_to_wal(conn, self._busy_timeout_ms)
        if mode != "wal":
            raise sqlite3.OperationalError(
                f"{self._path}: the filesystem refused WAL journal mode (got {mode!r})"
            )
        level = "FULL" if self._synchronous == "full" else "NORMAL"
        conn.execute(f"PRAGMA synchronous = {level}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
        # 32 MiB of page cache (the default is 2 MiB): bulk loads touch index pages
        # all over the ledger, and a small cache turns that into re-reads.
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
