"""One PostgreSQL transaction over every repository."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from types import TracebackType
from typing import Any, Self

import psycopg
from psycopg import sql
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
from inventory.adapters.postgres.rows import DIALECT, Connection, Transaction
from inventory.adapters.sql.locations import SqlLocationRepository
from inventory.adapters.sql.lots import SqlLotRepository
from inventory.adapters.sql.serials import SqlSerialRepository
from inventory.adapters.sql.slots import deferred as _deferred
from inventory.application.ports import ReadAhead
from inventory.application.scopes import Scopes
from inventory.application.wrapping import UnitOfWorkRepositories

ConnectionSource = Callable[[], AbstractContextManager[Connection]]

# Each scope's highest txid the statement's snapshot sees (an index-only
# backward step per scope, through the primary key), the epoch, and the
# snapshot's xmin: see migration 0005_cache_changes.sql and ADR 0017. A row
# at or past the snapshot's xmax cannot be a write it sees: one restored from
# another cluster's dump is left out until this cluster's ids pass it.
_TOP = (
    "coalesce((SELECT max(c.txid) FROM cache_changes AS c WHERE c.scope = {}"
    " AND c.txid < pg_snapshot_xmax(pg_current_snapshot())::text::bigint), 0)"
)


def _read_versions(scopes: int, mark: str = "%s") -> str:
    """The epoch, the snapshot's xmin, then each scope's highest txid: one column each.

    One scalar subquery per scope (a statement per count, prepared once) costs the
    server about half what one over an unnested array did, on every cached hit.
    """
    tops = ", ".join([_TOP.format(mark)] * scopes)
    return (
        "SELECT (SELECT epoch FROM cache_epoch),"
        f" pg_snapshot_xmin(pg_current_snapshot())::text::bigint, {tops}"
    )


# Rows below their scope's highest txid never change a version. One runner
# prunes at a time (a transaction-scoped advisory lock, tried, never waited
# for): two would only queue on each other's rows. The lock is the schema's:
# advisory locks are database-wide, and each schema has its own table.
_PRUNE_LOCK = 0x1A7E_5700
_PRUNE = (
    f"WITH turn AS (SELECT pg_try_advisory_xact_lock({_PRUNE_LOCK}, hashtext(current_schema()))"
    " AS mine)"
    " DELETE FROM cache_changes AS c USING turn,"
    " (SELECT scope, max(txid) AS top FROM cache_changes GROUP BY scope) AS m"
    " WHERE turn.mine AND c.scope = m.scope AND c.txid < m.top"
)


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
        if not tx.begun and not tx.pending:  # nothing has run: there is nothing to commit
            return
        with translated():
            self._stock.drop_placeholders()
            tx.close_streams()
            # The triggers recorded what was written, in this transaction. A write
            # made after commit() begins a new transaction, which is rolled
            # back at the end unless committed in its turn.
            tx.end("COMMIT")

    def rollback(self) -> None:
        tx = self._active()
        tx.discard()
        if not tx.begun:
            self._stock.forget_placeholders()
            return
        with translated():
            tx.close_streams()
            tx.end("ROLLBACK")
        self._stock.forget_placeholders()

    def versions(self, wanted: Sequence[Scopes]) -> list[int]:
        """Each set's version: the epoch and the highest txid recorded for its scopes.

        In a read unit whose snapshot has not begun, read on its own, with no
        transaction (a cached read that finds its entry costs one round trip);
        otherwise in the unit's transaction.
        """
        names = sorted({scope for scopes in wanted for scope in scopes})
        tx = self._active()
        with translated():
            epoch, _, tops = _versions(tx.execute_alone(_read_versions(len(names)), names))
        top = dict(zip(names, tops, strict=True))
        return [_token(epoch, max(top[scope] for scope in scopes)) for scopes in wanted]

    def snapshot_version(self, scopes: Scopes) -> tuple[int, bool]:
        """The version in this read unit's snapshot, begun with it, and whether to keep by it.

        The xmin rule (ADR 0017): an entry computed in this snapshot may be
        kept under the highest txid t it sees for ``scopes`` only if every
        transaction with a lower id had ended when the snapshot was taken
        (xmin > t). Then any write to these scopes the snapshot missed has a
        txid above t, and raises the version of every later reader past t.
        """
        names = sorted(set(scopes))
        tx = self._active()
        with translated():
            query = sql.SQL(_read_versions(len(names), "{}")).format(*map(sql.Literal, names))
            epoch, xmin, tops = _versions(tx.execute_first(query.as_string(tx.raw)))
        highest = max(tops)
        return _token(epoch, highest), xmin > highest

    def write_in_bulk(self) -> None:
        """PostgreSQL's triggers go on raising what each write touched (ADR 0017)."""

    def prune_versions(self) -> int:
        """Remove the rows of cache_changes below their scope's highest; how many."""
        with translated():
            return self._active().execute(_PRUNE).rowcount

    def read_ahead(self, plan: ReadAhead) -> None:
        """Send every read ``plan`` names, with the BEGIN, in one round trip (ADR 0019).

        Each statement is the one its repository sends when asked, so each is
        answered from what was read if asked next; a level the lock made is
        dropped at the commit unless saved, whether or not it was asked for.
        """
        tx = self._active()
        if not tx.writing:
            return
        statements: list[tuple[str, Any]] = []
        if plan.order_reference is not None:
            statements.append(self._orders.one_statement("reference", plan.order_reference))
        if plan.warehouse is not None:
            statements.append(self._warehouses.get_statement(plan.warehouse))
        made = len(statements) + 1
        if plan.stock:
            skus = {sku for sku, _ in plan.stock}
            statements.append(self._products.get_many_statement(skus))
            statements.extend(self._stock.lock_statements(plan.stock))
            statements.append(self._stock.totals_statement(skus))
        statements.extend(map(self._locations.default_location_statement, plan.default_locations))
        if not statements:
            return
        with translated():
            cursors = tx.read_ahead(statements)
        if plan.stock:
            self._stock.note_made(cursors[made])

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
        self.products = self._products = PostgresProductRepository(tx)
        self.warehouses = self._warehouses = PostgresWarehouseRepository(tx)
        self._stock = PostgresStockRepository(tx)
        self.stock = self._stock
        self.lots = SqlLotRepository(tx.execute, _deferred(tx), DIALECT)
        self.serials = SqlSerialRepository(tx.execute, _deferred(tx), DIALECT, writing)
        self.movements = PostgresMovementRepository(tx)
        self.orders = self._orders = PostgresOrderRepository(tx)
        self.api_keys = PostgresApiKeyRepository(tx)
        self.idempotency = PostgresIdempotencyRepository(tx)
        self.jobs = PostgresJobRepository(tx)
        self.outbox = PostgresOutboxRepository(tx)
        self.report_results = PostgresReportResultRepository(tx)
        self.locations = self._locations = SqlLocationRepository(tx.execute, DIALECT, writing)

    def _end(self, exc: BaseException | None) -> None:
        stack, tx = self._stack, self._tx
        self._stack = self._tx = None
        if stack is None or tx is None:
            return
        tx.discard()  # writes never sent are never kept
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


def _versions(cursor: psycopg.Cursor[tuple[object, ...]]) -> tuple[int, int, list[int]]:
    row = cursor.fetchone()
    assert row is not None, "one row, always"
    epoch, xmin, *tops = row
    return int(str(epoch)), int(str(xmin)), [int(str(top)) for top in tops]


def _token(epoch: int, txid: int) -> int:
    """One opaque number for the epoch and a txid (both under 2^63)."""
    return (epoch << 64) | txid
