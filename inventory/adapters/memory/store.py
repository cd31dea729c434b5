"""The in-memory store and its unit of work (``memory://`` and the unit tests).

Writes are staged and applied only on commit, as a database transaction would;
one lock serialises units of work, as SQLite's write lock does, and objects are
copied in and out, so callers never share state with the store.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from types import TracebackType
from typing import Any, Self, TypeVar

from inventory.adapters.memory.catalog import MemoryProductRepository, MemoryWarehouseRepository
from inventory.adapters.memory.idempotency import MemoryIdempotencyRepository
from inventory.adapters.memory.jobs import MemoryJobRepository
from inventory.adapters.memory.keys import MemoryApiKeyRepository
from inventory.adapters.memory.locations import MemoryLocationRepository
from inventory.adapters.memory.lot_warnings import LotWarnings
from inventory.adapters.memory.lots import MemoryLotRepository
from inventory.adapters.memory.movements import MemoryMovementRepository
from inventory.adapters.memory.orders import MemoryOrderRepository
from inventory.adapters.memory.outbox import MemoryOutboxRepository
from inventory.adapters.memory.report_results import MemoryReportResultRepository
from inventory.adapters.memory.serials import MemorySerialRepository
from inventory.adapters.memory.stock import MemoryStockRepository
from inventory.adapters.memory.table import Table
from inventory.application.idempotency_records import IdempotencyRecord
from inventory.application.outbox import OutboxMessage
from inventory.application.ports import (
    ApiKeyRepository,
    IdempotencyRepository,
    JobRepository,
    LocationRepository,
    LotRepository,
    MovementRepository,
    OrderRepository,
    OutboxRepository,
    ProductRepository,
    ReadAhead,
    ReportResultRepository,
    SerialRepository,
    SlotKey,
    StockRepository,
    WarehouseRepository,
)
from inventory.application.report_records import ReportResult
from inventory.application.scopes import (
    EVERYTHING,
    LEVELS,
    MOVEMENTS,
    PRODUCTS,
    WAREHOUSES,
    Scopes,
    api_key,
    product,
    warehouse,
)
from inventory.domain.catalog import Product, Warehouse
from inventory.domain.jobs import Job
from inventory.domain.keys import ApiKey
from inventory.domain.locations import Location
from inventory.domain.lots import Lot
from inventory.domain.movements import Movement
from inventory.domain.orders import Order
from inventory.domain.serials import SerialState
from inventory.domain.stock import SlotLevel, StockLevel

K = TypeVar("K")


@dataclass
class MemoryStore:
    """Committed state, shared by every unit of work made from it."""

    products: dict[str, Product] = field(default_factory=dict)
    warehouses: dict[str, Warehouse] = field(default_factory=dict)
    locations: dict[tuple[str, str], Location] = field(default_factory=dict)
    """Locations by (warehouse, code)."""
    default_locations: dict[str, str] = field(default_factory=dict)
    """Each warehouse's default location code, by warehouse code."""
    levels: dict[tuple[str, str], StockLevel] = field(default_factory=dict)
    slots: dict[SlotKey, SlotLevel] = field(default_factory=dict)
    """Levels per (sku, warehouse, location, lot); the lot is None for none."""
    lots: dict[tuple[str, str], Lot] = field(default_factory=dict)
    """Lots by (sku, code)."""
    warned: dict[tuple[str, str], date] = field(default_factory=dict)
    """The day each lot's expiry alert was queued, by (sku, code)."""
    serials: dict[tuple[str, str], SerialState] = field(default_factory=dict)
    """Serial-numbered units by (sku, serial)."""
    movements: list[Movement] = field(default_factory=list)
    movement_index: dict[str, Movement] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)
    api_keys: dict[str, ApiKey] = field(default_factory=dict)
    idempotency: dict[tuple[str, str], IdempotencyRecord] = field(default_factory=dict)
    jobs: dict[str, Job] = field(default_factory=dict)
    outbox: dict[str, OutboxMessage] = field(default_factory=dict)
    heartbeats: dict[str, tuple[str, datetime]] = field(default_factory=dict)
    """Each job runner's latest heartbeat, as (runner, at), by runner."""
    report_results: dict[str, ReportResult] = field(default_factory=dict)
    report_chunks: dict[tuple[str, int], tuple[str, int, bytes]] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    # The version of each scope, raised by every commit that wrote to it (as
    # SQLite's triggers do). EVERYTHING starts at random, as in SQLite's migration
    # 0009: a new store is all but certain not to reuse the versions a file cache
    # may still hold from an earlier process.
    versions: dict[str, int] = field(default_factory=lambda: {EVERYTHING: random.getrandbits(48)})

    def unit_of_work(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self)


class MemoryUnitOfWork:
    """A unit of work over a :class:`MemoryStore`."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._products = Table(store.products)
        self._warehouses = Table(store.warehouses)
        self._locations = Table(store.locations)
        self._default_locations = Table(store.default_locations)
        self._levels = Table(store.levels)
        self._slots = Table(store.slots)
        self._lots = Table(store.lots)
        self._warned = Table(store.warned)
        self._serials = Table(store.serials)
        self._orders = Table(store.orders)
        self._keys = Table(store.api_keys)
        self._idempotency = Table(store.idempotency)
        self._jobs = Table(store.jobs)
        self._outbox = Table(store.outbox)
        self._heartbeats = Table(store.heartbeats)
        self._report_results = Table(store.report_results)
        self._report_chunks = Table(store.report_chunks)
        self._new_movements: dict[str, Movement] = {}
        self.products: ProductRepository = MemoryProductRepository(self._products, self._levels)
        self.warehouses: WarehouseRepository = MemoryWarehouseRepository(self._warehouses)
        self.locations: LocationRepository = MemoryLocationRepository(
            self._locations, self._default_locations
        )
        self.stock: StockRepository = MemoryStockRepository(
            self._levels, self._products, self._slots, self._locations, self._lots
        )
        self.lots: LotRepository = MemoryLotRepository(
            self._lots, self._slots, LotWarnings(self._warned), self._products
        )
        self.serials: SerialRepository = MemorySerialRepository(self._serials)
        self.movements: MovementRepository = MemoryMovementRepository(
            store.movements, store.movement_index, self._new_movements
        )
        self.orders: OrderRepository = MemoryOrderRepository(self._orders)
        self.api_keys: ApiKeyRepository = MemoryApiKeyRepository(self._keys)
        self.idempotency: IdempotencyRepository = MemoryIdempotencyRepository(self._idempotency)
        self.jobs: JobRepository = MemoryJobRepository(self._jobs, self._heartbeats)
        self.outbox: OutboxRepository = MemoryOutboxRepository(self._outbox)
        self.report_results: ReportResultRepository = MemoryReportResultRepository(
            self._report_results, self._report_chunks
        )
        self.committed = False

    def __enter__(self) -> Self:
        self._store.lock.acquire()
        self._discard()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._discard()
        self._store.lock.release()

    @contextmanager
    def reading(self) -> Iterator[Self]:
        with self._store.lock:
            try:
                yield self
            finally:
                self._discard()

    def commit(self) -> None:
        # Heartbeats, stored reports, orders, idempotency records and the
        # outbox are not what any cached read holds: they raise no version.
        touched = self._touched()
        for table in self._tables():
            table.apply()
        self._store.movements.extend(self._new_movements.values())
        self._store.movement_index.update(self._new_movements)
        self._new_movements.clear()
        versions = self._store.versions
        for scope in touched:
            versions[scope] = versions.get(scope, 0) + 1
        self.committed = True

    def rollback(self) -> None:
        self._discard()

    def versions(self, wanted: Sequence[Scopes]) -> list[int]:
        """The sum of the versions of each set's scopes: every write raises it."""
        versions = self._store.versions
        return [sum(versions.get(scope, 0) for scope in scopes) for scopes in wanted]

    def snapshot_version(self, scopes: Scopes) -> tuple[int, bool]:
        """One writer at a time, none while a unit reads: always fit to keep."""
        return self.versions([scopes])[0], True

    def write_in_bulk(self) -> None:
        """Raising each scope touched costs no more than raising them all: kept as it is."""

    def prune_versions(self) -> int:
        """One counter per scope: nothing to prune."""
        return 0

    def read_ahead(self, plan: ReadAhead) -> None:
        """In memory, a read costs no round trip: nothing to gain by reading ahead."""

    def _touched(self) -> set[str]:
        """The scopes the staged writes change (the names SQLite's triggers write)."""
        touched: set[str] = set()
        for sku in self._changed(self._products):
            touched.update((PRODUCTS, product(sku)))
        for sku, code in self._changed(self._levels):
            touched.update((LEVELS, product(sku), warehouse(code)))
        for sku, code, _, _ in self._changed(self._slots):
            touched.update((LEVELS, product(sku), warehouse(code)))
        for sku, _ in self._changed(self._lots):
            touched.update((LEVELS, product(sku)))
        for sku, _ in self._changed(self._serials):
            touched.update((LEVELS, product(sku)))
        for code in self._changed(self._warehouses):
            touched.update((WAREHOUSES, warehouse(code)))
        if self._new_movements:
            touched.add(MOVEMENTS)
        for id in self._changed(self._keys):
            for key in (self._keys.committed.get(id), self._keys.staged.get(id)):
                if key is not None:
                    touched.add(api_key(key.secret_hash))
        return touched

    @staticmethod
    def _changed(table: Table[K, Any]) -> set[K]:
        return set(table.staged) | table.deleted

    def _discard(self) -> None:
        for table in self._tables():
            table.discard()
        self._new_movements.clear()

    def _tables(self) -> tuple[Table[Any, Any], ...]:
        return (
            self._products,
            self._warehouses,
            self._locations,
            self._default_locations,
            self._levels,
            self._slots,
            self._lots,
            self._warned,
            self._serials,
            self._orders,
            self._keys,
            self._idempotency,
            self._jobs,
            self._outbox,
            self._heartbeats,
            self._report_results,
            self._report_chunks,
        )


class MemoryStorage:
    """``memory://``: a store that lives as long as the process."""

    def __init__(self) -> None:
        self.store = MemoryStore()

    def migrate(self) -> list[str]:
        return []

    def pending_migrations(self) -> list[str]:
        return []

    def check_writable(self) -> None:
        pass

    def unit_of_work(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.store)

    def close(self) -> None:
        pass
