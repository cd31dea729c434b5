"""One SQLite transaction over every repository."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import TYPE_CHECKING, Self

from inventory.adapters.sql.locations import SqlLocationRepository
from inventory.adapters.sql.lots import SqlLotRepository
from inventory.adapters.sql.serials import SqlSerialRepository
from inventory.adapters.sqlite.catalog import SqliteProductRepository, SqliteWarehouseRepository
from inventory.adapters.sqlite.idempotency import SqliteIdempotencyRepository
from inventory.adapters.sqlite.jobs import SqliteJobRepository
from inventory.adapters.sqlite.keys import SqliteApiKeyRepository
from inventory.adapters.sqlite.movements import SqliteMovementRepository
from inventory.adapters.sqlite.orders import SqliteOrderRepository
from inventory.adapters.sqlite.outbox import SqliteOutboxRepository
from inventory.adapters.sqlite.pool import ConnectionPool, refusal
from inventory.adapters.sqlite.report_results import SqliteReportResultRepository
from inventory.adapters.sqlite.rows import DIALECT
from inventory.adapters.sqlite.stock import SqliteStockRepository
from inventory.application.ports import ReadAhead
from inventory.application.scopes import EVERYTHING, Scopes
from inventory.application.wrapping import REPOSITORIES, UnitOfWorkRepositories

# Kept by the triggers of migration 0009_cache_versions.sql.
_READ_VERSIONS = "SELECT scope, version FROM cache_versions WHERE scope IN ({})"
# A write to every scope: a migration's, or a bulk unit's.
RAISE_EVERYTHING = (
    f"INSERT INTO cache_versions (scope, version) VALUES ('{EVERYTHING}', 1)"
    " ON CONFLICT (scope) DO UPDATE SET version = version + 1"
)
# While its one row is held, the triggers skip their bookkeeping (migration 0015).
_TAKE_BULK = "INSERT INTO bulk_writes (id) VALUES (1)"


class SqliteUnitOfWork(UnitOfWorkRepositories):
    """A write transaction (``with uow:``) or a read snapshot (``with uow.reading():``).

    Each use takes its own pooled connection, so units of work nested in one
    thread never share a transaction. Nothing is kept unless ``commit()`` runs.
    """

    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool
        self._conn: sqlite3.Connection | None = None
        self._begun = False  # the repositories are made, over a begun transaction
        self._bulk = False  # this transaction holds the row of bulk_writes

    def __enter__(self) -> Self:
        # IMMEDIATE takes the write lock before anything is read, so concurrent
        # writers queue here (for up to the busy timeout) instead of failing
        # half-way through when a deferred transaction tries to upgrade.
        self._begin("BEGIN IMMEDIATE")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._end()
        if isinstance(exc, sqlite3.Error):
            _raise_refusal(exc, self._pool)

    @contextmanager
    def reading(self) -> Iterator[Self]:
        """A consistent snapshot for several reads; always rolled back at the end.

        It begins when a repository is first used (or ``snapshot_version``): a
        unit that only reads versions reads them on their own, as the port
        allows, with no BEGIN or ROLLBACK (a cached read's hit).
        """
        self._begin(None)
        try:
            yield self
        except sqlite3.Error as exc:
            _raise_refusal(exc, self._pool)
            raise
        finally:
            self._end()

    def commit(self) -> None:
        conn = self._active()
        # The triggers raised the versions of what was written, in this
        # transaction (or write_in_bulk raised them all): whoever sees the
        # write sees the new versions too.
        if self._bulk:
            conn.execute("DELETE FROM bulk_writes")  # else the COMMIT fails, by design
            self._bulk = False
        conn.execute("COMMIT")
        # Stay inside a transaction: a write made after commit() is then still
        # rolled back at the end, rather than committed on its own.
        conn.execute("BEGIN")

    def rollback(self) -> None:
        conn = self._active()
        self._bulk = False
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.execute("BEGIN")

    def versions(self, wanted: Sequence[Scopes]) -> list[int]:
        """Each set's sum of versions, as this transaction sees them: every write raises it."""
        names = sorted({scope for scopes in wanted for scope in scopes})
        rows = self._active().execute(_READ_VERSIONS.format(", ".join("?" * len(names))), names)
        versions = dict(rows.fetchall())
        return [sum(int(versions.get(scope, 0)) for scope in scopes) for scopes in wanted]

    def snapshot_version(self, scopes: Scopes) -> tuple[int, bool]:
        """One writer at a time, and the snapshot its reads see: always fit to keep."""
        if not self._begun:
            self._open_snapshot()
        return self.versions([scopes])[0], True

    def write_in_bulk(self) -> None:
        """Take the row of ``bulk_writes``, so the triggers skip their per-row bookkeeping,
        and raise every version now, in this transaction; the commit gives the row back.

        The row is never committed (a deferred foreign key refuses it), and only
        this transaction sees it: every other writer's triggers still count.
        """
        if self._bulk:
            return
        conn = self._active()
        conn.execute(_TAKE_BULK)
        conn.execute(RAISE_EVERYTHING)
        self._bulk = True

    def prune_versions(self) -> int:
        """One counter per scope: nothing to prune."""
        return 0

    def read_ahead(self, plan: ReadAhead) -> None:
        """In process, a read costs no round trip: nothing to gain by reading ahead."""

    def _begin(self, statement: str | None) -> None:
        """Take a connection and begin with ``statement``; None leaves it to the first read."""
        if self._conn is not None:
            raise RuntimeError("this unit of work is already in use; create one per use")
        try:
            conn = self._pool.acquire()
            try:
                if statement is not None:
                    conn.execute(statement)
            except BaseException:
                self._pool.release(conn)
                raise
        except sqlite3.Error as exc:
            _raise_refusal(exc, self._pool)
            raise
        self._conn = conn
        if statement is not None:
            self._make_repositories(conn)

    def _open_snapshot(self) -> None:
        # A deferred BEGIN takes no lock; the snapshot starts at the first read,
        # and in WAL mode readers never wait for the writer.
        conn = self._active()
        try:
            conn.execute("BEGIN")
        except sqlite3.Error as exc:
            _raise_refusal(exc, self._pool)
            raise
        self._make_repositories(conn)

    def _make_repositories(self, conn: sqlite3.Connection) -> None:
        self._begun = True
        self.products = SqliteProductRepository(conn)
        self.warehouses = SqliteWarehouseRepository(conn)
        self.stock = SqliteStockRepository(conn)
        self.lots = SqlLotRepository(conn.execute, conn.executemany, DIALECT)
        self.serials = SqlSerialRepository(conn.execute, conn.executemany, DIALECT)
        self.movements = SqliteMovementRepository(conn)
        self.orders = SqliteOrderRepository(conn)
        self.api_keys = SqliteApiKeyRepository(conn)
        self.idempotency = SqliteIdempotencyRepository(conn)
        self.jobs = SqliteJobRepository(conn)
        self.outbox = SqliteOutboxRepository(conn)
        self.report_results = SqliteReportResultRepository(conn)
        # SQLite runs one writer at a time: nothing to lock.
        self.locations = SqlLocationRepository(conn.execute, DIALECT, writing=False)

    if not TYPE_CHECKING:  # to mypy, the repositories are the attributes they are declared as

        def __getattr__(self, name: str) -> object:
            # Only for what the instance lacks: a repository of a read unit whose
            # snapshot has not begun. Beginning it makes them all.
            if name in REPOSITORIES and self.__dict__.get("_conn") is not None:
                self._open_snapshot()
                return self.__dict__[name]
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _end(self) -> None:
        conn, self._conn = self._conn, None
        self._bulk = False
        if self._begun:  # no repository outlives its connection's use
            self._begun = False
            for name in REPOSITORIES:
                self.__dict__.pop(name, None)
        if conn is None:
            return
        try:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        finally:
            self._pool.release(conn)

    def _active(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError("this unit of work is not in a transaction")
        return self._conn


def _raise_refusal(exc: sqlite3.Error, pool: ConnectionPool) -> None:
    """Raise the domain form of ``exc`` when the storage is at fault (busy, read-only, ...).

    It then replaces ``exc``: "database is locked" after the busy timeout, or
    "attempt to write a readonly database", is a retryable 503, not a 500.
    """
    domain = refusal(exc, pool.path)
    if domain is not None:
        raise domain from exc
