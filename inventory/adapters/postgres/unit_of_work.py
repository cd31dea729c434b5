"""One PostgreSQL transaction over every repository."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from types import TracebackType
from typing import Self

import psycopg
from psycopg.pq import TransactionStatus

from inventory.adapters.postgres.catalog import (
    PostgresProductRepository,
    PostgresWarehouseRepository,
)
from inventory.adapters.postgres.errors import translated
from inventory.adapters.postgres.ledger import PostgresMovementRepository, PostgresStockRepository
from inventory.adapters.postgres.orders import PostgresOrderRepository
from inventory.adapters.postgres.records import (
    PostgresApiKeyRepository,
    PostgresIdempotencyRepository,
    PostgresJobRepository,
    PostgresOutboxRepository,
)
from inventory.adapters.postgres.report_results import PostgresReportResultRepository
from inventory.adapters.postgres.rows import Connection, Transaction
from inventory.application.wrapping import UnitOfWorkRepositories

ConnectionSource = Callable[[], AbstractContextManager[Connection]]

_READ_GENERATION = "SELECT generation FROM cache_generation WHERE id = 1"
# In the write's own transaction: whoever sees the write sees the new
# generation too, so no cache entry outlives the data it holds.
_COMMIT_WRITES = "UPDATE cache_generation SET generation = generation + 1 WHERE id = 1; COMMIT"


class PostgresUnitOfWork(UnitOfWorkRepositories):
    """A write transaction (``with uow:``) or a read snapshot (``with uow.reading():``).

    Writes run at READ COMMITTED: each repository takes the row locks its
    reads need in a write unit (``FOR NO KEY UPDATE``; stock levels in (sku,
    warehouse) order), so concurrent writers queue on the rows they share and
    never on anything else. Reads run at REPEATABLE READ, READ ONLY: one
    snapshot for every read of the unit, and no locks.

    Each use takes its own pooled connection. Nothing is kept unless
    ``commit()`` runs; psycopg's errors leave as domain errors (``translated``).
    """

    def __init__(self, connections: ConnectionSource) -> None:
        self._connections = connections
        self._stack: ExitStack | None = None
        self._tx: Transaction | None = None

    def __enter__(self) -> Self:
        self._begin("BEGIN", writing=True)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._end(exc)

    @contextmanager
    def reading(self) -> Iterator[Self]:
        """A consistent snapshot for several reads; always rolled back at the end."""
        self._begin("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", writing=False)
        try:
            yield self
        except BaseException as exc:
            self._end(exc)
            raise
        self._end(None)

    def commit(self) -> None:
        tx = self._active()
        if not tx.begun:  # nothing has run: there is nothing to commit
            return
        with translated():
            self._stock.drop_placeholders()
            tx.close_streams()
            # A write made after commit() begins a new transaction, which is
            # rolled back at the end unless committed in its turn.
            tx.end(_COMMIT_WRITES if tx.wrote else "COMMIT")

    def rollback(self) -> None:
        tx = self._active()
        if not tx.begun:
            return
        with translated():
            tx.close_streams()
            tx.end("ROLLBACK")
        self._stock.forget_placeholders()

    def generation(self) -> int:
        """The data generation: in a write unit, the one its transaction sees.

        In a read unit it is read once. If nothing has been read yet, it is read
        on its own, just before the snapshot begins (with the unit's first read
        of data, if there is one): so it is never newer than the snapshot's
        data, which is all a cache entry keyed by it needs, and a cached read
        that finds its entry costs one round trip, with no transaction at all.
        """
        tx = self._active()
        if tx.writing:
            with translated():
                return _generation(tx.execute_first(_READ_GENERATION))
        if tx.generation is None:
            with translated():
                tx.generation = _generation(
                    (tx.conn if tx.begun else tx.raw).execute(_READ_GENERATION)
                )
        return tx.generation

    def _begin(self, statement: str, *, writing: bool) -> None:
        if self._tx is not None:
            raise RuntimeError("this unit of work is already in use; create one per use")
        stack = ExitStack()
        try:
            stack.enter_context(translated())
            conn = stack.enter_context(self._connections())
        except BaseException as exc:
            stack.__exit__(type(exc), exc, exc.__traceback__)  # raises it translated, or not
            raise
        tx = Transaction(conn, statement, writing)
        self._stack, self._tx = stack, tx
        self.products = PostgresProductRepository(tx)
        self.warehouses = PostgresWarehouseRepository(tx)
        self._stock = PostgresStockRepository(tx)
        self.stock = self._stock
        self.movements = PostgresMovementRepository(tx)
        self.orders = PostgresOrderRepository(tx)
        self.api_keys = PostgresApiKeyRepository(tx)
        self.idempotency = PostgresIdempotencyRepository(tx)
        self.jobs = PostgresJobRepository(tx)
        self.outbox = PostgresOutboxRepository(tx)
        self.report_results = PostgresReportResultRepository(tx)

    def _end(self, exc: BaseException | None) -> None:
        stack, tx = self._stack, self._tx
        self._stack = self._tx = None
        if stack is None or tx is None:
            return
        try:
            status = tx.raw.info.transaction_status
            if status in (TransactionStatus.INTRANS, TransactionStatus.INERROR):
                if status is TransactionStatus.INTRANS:
                    tx.close_streams()
                tx.raw.execute("ROLLBACK")
        except BaseException as during:
            stack.__exit__(type(during), during, during.__traceback__)
            raise
        finally:
            tx.streams.clear()  # any left died with the transaction
            tx.ended = True
        # An error of the unit's body goes through ``translated``, which raises
        # its domain form in its place (or leaves it be), and through the pool,
        # which drops a connection left broken.
        if exc is None:
            stack.close()
        else:
            stack.__exit__(type(exc), exc, exc.__traceback__)

    def _active(self) -> Transaction:
        if self._tx is None:
            raise RuntimeError("this unit of work is not in a transaction")
        return self._tx


def _generation(cursor: psycopg.Cursor[tuple[object, ...]]) -> int:
    row = cursor.fetchone()
    assert row is not None, "migration 0001 inserts the generation row"
    return int(str(row[0]))
