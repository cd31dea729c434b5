"""An SQLite database file: its URL, its connections and its schema migrations."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from os import PathLike
from pathlib import Path
from typing import cast
from urllib.parse import parse_qsl, unquote

from inventory.adapters.sql.migrations import available_migrations, check_before
from inventory.adapters.sqlite.pool import MAX_IDLE, ConnectionPool, Synchronous, refusal
from inventory.adapters.sqlite.rows import time_text
from inventory.adapters.sqlite.unit_of_work import RAISE_EVERYTHING, SqliteUnitOfWork
from inventory.application.errors import ReadOnly

DEFAULT_BUSY_TIMEOUT_MS = 5000

_PACKAGE = __name__.rpartition(".")[0]
_SCHEME = "sqlite:///"
_URL_HELP = "expected sqlite:///relative/path.db or sqlite:////absolute/path.db"

_CREATE_SCHEMA_MIGRATIONS = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
)
"""


class SqliteDatabase:
    """One database file, shared by every unit of work made from it."""

    def __init__(
        self,
        path: str | PathLike[str],
        *,
        synchronous: Synchronous = "full",
        busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
        max_idle: int = MAX_IDLE,
    ) -> None:
        if synchronous not in ("full", "normal"):
            raise ValueError(f"synchronous must be 'full' or 'normal', not {synchronous!r}")
        if busy_timeout_ms < 0:
            raise ValueError(f"busy_timeout_ms must be >= 0, not {busy_timeout_ms}")
        self.path = Path(path)
        self.synchronous: Synchronous = synchronous
        self.busy_timeout_ms = busy_timeout_ms
        self._pool = ConnectionPool(
            self.path,
            synchronous=synchronous,
            busy_timeout_ms=busy_timeout_ms,
            max_idle=max_idle,
        )

    @classmethod
    def from_url(cls, url: str) -> SqliteDatabase:
        """Open ``sqlite:///path.db[?synchronous=full|normal&busy_timeout_ms=N]``.

        Raises ValueError, saying what is wrong, for any other form.
        """
        parsed = parse_url(url)
        return cls(
            parsed.path, synchronous=parsed.synchronous, busy_timeout_ms=parsed.busy_timeout_ms
        )

    def unit_of_work(self) -> SqliteUnitOfWork:
        """A new unit of work; make one per use-case call."""
        return SqliteUnitOfWork(self._pool)

    def connect(self) -> sqlite3.Connection:
        """A new connection configured like the pooled ones; the caller closes it."""
        return self._pool.connect()

    def close(self) -> None:
        """Close the idle connections; later units of work are refused."""
        self._pool.close()

    def migrate(self) -> list[str]:
        """Apply every pending migration in order; the names applied, oldest first.

        Each migration runs in its own IMMEDIATE transaction together with its
        row in ``schema_migrations``, and the applied versions are read again
        once the write lock is held, so processes migrating at once apply each
        migration exactly once. A failing migration is rolled back and re-raised;
        one whose data is not fit for it (``check_before``) is refused before it runs.
        """
        with self._refusals():
            return self._migrate()

    def _migrate(self) -> list[str]:
        applied: list[str] = []
        conn = self._pool.acquire()
        try:
            conn.execute(_CREATE_SCHEMA_MIGRATIONS)
            for version, name, sql in available_migrations(_PACKAGE):
                conn.execute("BEGIN IMMEDIATE")
                try:
                    if version in _applied_versions(conn):
                        conn.execute("ROLLBACK")
                        continue
                    check_before(name, lambda query: conn.execute(query).fetchall())
                    for statement in _statements(sql):
                        conn.execute(statement)
                        if not conn.in_transaction:
                            raise RuntimeError(f"migration {name} must not end its transaction")
                    _raise_everything(conn)
                    conn.execute(
                        "INSERT INTO schema_migrations (version, name, applied_at)"
                        " VALUES (?, ?, ?)",
                        (version, name, time_text(datetime.now(UTC))),
                    )
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
                applied.append(name)
        finally:
            self._pool.release(conn)
        return applied

    def pending_migrations(self) -> list[str]:
        """The names of the migrations not yet applied, oldest first."""
        with self._refusals():
            conn = self._pool.acquire()
            try:
                (exists,) = conn.execute(
                    "SELECT count(*) FROM sqlite_master"
                    " WHERE type = 'table' AND name = 'schema_migrations'"
                ).fetchone()
                done = _applied_versions(conn) if exists else set()
            finally:
                self._pool.release(conn)
        return [name for version, name, _ in available_migrations(_PACKAGE) if version not in done]

    def check_writable(self) -> None:
        """Raise ReadOnly when a write would be refused: the file or its directory is not writable.

        Asks the operating system, as SQLite will when it opens the file (root
        may write whatever the permission bits say; nobody may write an
        immutable file or on a read-only filesystem). SQLite keeps its WAL
        journal files beside the database, so the directory must be writable too.
        """
        for path, what in ((self.path, "file"), (self.path.parent, "directory")):
            if path.exists() and not os.access(path, os.W_OK):
                raise ReadOnly(f"the database {what} {path} is not writable")

    @contextmanager
    def _refusals(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise refusal(exc, self.path) or exc from exc


@dataclass(frozen=True, slots=True)
class SqliteUrl:
    path: Path
    synchronous: Synchronous = "full"
    busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS


def parse_url(url: str) -> SqliteUrl:
    """The parts of an SQLite database URL; ValueError naming the problem if it is bad."""
    if not url.startswith(_SCHEME):
        if url.startswith("sqlite://"):
            raise ValueError(f"bad database URL {url!r}: an SQLite URL has no host; {_URL_HELP}")
        raise ValueError(f"bad database URL {url!r}: {_URL_HELP}")
    location, _, query = url[len(_SCHEME) :].partition("?")
    path = unquote(location)
    if not path or path.endswith("/"):
        raise ValueError(f"bad database URL {url!r}: no database file named; {_URL_HELP}")
    if path == ":memory:" or path.startswith("file:"):
        raise ValueError(
            f"bad database URL {url!r}: only database files are supported"
            " (use memory:// for an in-memory store)"
        )
    options: dict[str, str] = {}
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise ValueError(f"bad database URL {url!r}: cannot read the options {query!r}") from None
    for key, value in pairs:
        if key in options:
            raise ValueError(f"bad database URL {url!r}: {key!r} is given twice")
        options[key] = value
    unknown = sorted(set(options) - {"synchronous", "busy_timeout_ms"})
    if unknown:
        raise ValueError(
            f"bad database URL {url!r}: unknown option(s) {', '.join(unknown)};"
            " expected synchronous=full|normal, busy_timeout_ms=N"
        )
    synchronous = options.get("synchronous", "full").lower()
    if synchronous not in ("full", "normal"):
        raise ValueError(
            f"bad database URL {url!r}: synchronous must be full or normal,"
            f" not {options['synchronous']!r}"
        )
    timeout = options.get("busy_timeout_ms", str(DEFAULT_BUSY_TIMEOUT_MS))
    if not (timeout.isascii() and timeout.isdigit()):
        raise ValueError(
            f"bad database URL {url!r}: busy_timeout_ms must be a whole number of"
            f" milliseconds, not {timeout!r}"
        )
    return SqliteUrl(Path(path), cast(Synchronous, synchronous), int(timeout))


def _raise_everything(conn: sqlite3.Connection) -> None:
    """Count a migration as a write to every scope: it may change what any cached read holds."""
    (exists,) = conn.execute(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'cache_versions'"
    ).fetchone()
    if exists:
        conn.execute(RAISE_EVERYTHING)


def _applied_versions(conn: sqlite3.Connection) -> set[int]:
    return {version for (version,) in conn.execute("SELECT version FROM schema_migrations")}


def _statements(script: str) -> Iterator[str]:
    """The statements of an SQL script, split where SQLite itself sees them end.

    ``executescript`` would commit any open transaction first, so a migration
    is run statement by statement inside the transaction we control.
    """
    pending = ""
    pieces = script.split(";")
    for n, piece in enumerate(pieces):
        pending += piece if n == len(pieces) - 1 else piece + ";"
        if sqlite3.complete_statement(pending):
            yield pending
            pending = ""
    leftover = [
        line for line in pending.splitlines() if line.strip() and not line.strip().startswith("--")
    ]
    if leftover:
        raise ValueError(f"migration ends in an unterminated statement: {leftover[0]!r}")
