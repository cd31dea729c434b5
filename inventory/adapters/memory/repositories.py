"""In-memory repositories: the same answers as the SQL ones, from dicts and lists."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import TypeVar

from inventory.adapters.memory.store import Table
from inventory.application.idempotency_records import IdempotencyRecord
from inventory.application.listing import (
    JOB_SORTS,
    LEVEL_SORTS,
    MOVEMENT_SORTS,
    ORDER_SORTS,
    PRODUCT_SORTS,
    STOCK_LEVEL_SORTS,
    WAREHOUSE_SORTS,
)
from inventory.application.outbox import OutboxMessage
from inventory.application.pagination import Sorting
from inventory.application.ports import StockKey
from inventory.application.queries import (
    JobFilter,
    LevelFilter,
    LowStockRow,
    MovementFilter,
    OrderFilter,
    PageSpec,
    ProductFilter,
    ValuationRow,
)
from inventory.domain.catalog import Product, Warehouse
from inventory.domain.errors import Conflict, NotFound
from inventory.domain.jobs import Job
from inventory.domain.keys import ApiKey
from inventory.domain.movements import Movement
from inventory.domain.orders import Order, OrderStatus
from inventory.domain.stock import StockLevel

T = TypeVar("T")


def _page(rows: Iterable[T], sorting: Sorting[T], page: PageSpec) -> list[T]:
    return sorting.select(rows, page)


def _keys(table: Table[str, T]) -> Iterator[str]:
    """The keys ``table`` holds in this unit of work, without copying a value."""
    for key in table.committed.keys() | table.staged.keys():
        if key not in table.deleted:
            yield key


def _require(table: Table[str, T], key: str, what: str) -> None:
    if key not in table:
        raise NotFound(f"{what} {key!r} not found")


def _available_by_sku(levels: Table[StockKey, StockLevel]) -> dict[str, int]:
    available: dict[str, int] = defaultdict(int)
    for level in levels.values():
        available[level.sku] += level.available
    return available


class MemoryProductRepository:
    def __init__(self, table: Table[str, Product], levels: Table[StockKey, StockLevel]) -> None:
        self._table, self._levels = table, levels

    def get(self, sku: str) -> Product | None:
        return self._table.get(sku)

    def get_many(self, skus: Iterable[str]) -> dict[str, Product]:
        found = {sku: self._table.get(sku) for sku in skus}
        return {sku: product for sku, product in found.items() if product is not None}

    def get_many_ignoring_case(self, skus: Iterable[str]) -> dict[str, Product]:
        wanted = {sku.lower() for sku in skus}
        found = {sku.lower(): sku for sku in _keys(self._table) if sku.lower() in wanted}
        return {
            folded: product for folded, sku in found.items() if (product := self._table.get(sku))
        }

    def add(self, product: Product) -> None:
        self.add_all([product])

    def add_all(self, products: Sequence[Product]) -> None:
        # As the databases' unique index on lower(sku): one spelling per sku.
        taken = {sku.lower(): sku for sku in _keys(self._table)}
        for product in products:
            if (existing := taken.get(product.sku.lower())) is not None:
                raise Conflict(f"product {existing!r} already exists")
            taken[product.sku.lower()] = product.sku
            self._table.put(product.sku, product)

    def save(self, product: Product) -> None:
        _require(self._table, product.sku, "product")
        self._table.put(product.sku, product)

    def save_all(self, products: Sequence[Product]) -> None:
        for product in products:
            self.save(product)

    def save_costs(self, products: Sequence[Product]) -> None:
        for product in products:
            stored = self._table.get(product.sku)
            if stored is None:
                raise NotFound(f"product {product.sku!r} not found")
            stored.average_cost = product.average_cost
            stored.updated_at = product.updated_at
            stored.version = product.version
            self._table.put(product.sku, stored)

    def fetch_page(self, filter: ProductFilter, page: PageSpec) -> list[Product]:
        available = _available_by_sku(self._levels)
        needle = filter.q.casefold() if filter.q else None

        def matches(p: Product) -> bool:
            below = available.get(p.sku, 0) <= p.details.reorder_point
            return (
                (filter.archived is None or p.archived == filter.archived)
                and (filter.category is None or p.details.category == filter.category)
                and (filter.below_reorder is None or below == filter.below_reorder)
                and (
                    needle is None
                    or needle in p.sku.casefold()
                    or needle in p.details.name.casefold()
                )
            )

        return _page((p for p in self._table.values() if matches(p)), PRODUCT_SORTS, page)

    def low_stock(self) -> Iterator[LowStockRow]:
        available = _available_by_sku(self._levels)
        for p in sorted(self._table.values(), key=lambda p: p.sku):
            d = p.details
            if not p.archived and 0 < d.reorder_point >= available.get(p.sku, 0):
                yield LowStockRow(
                    p.sku, d.name, available.get(p.sku, 0), d.reorder_point, d.reorder_quantity
                )

    def stream(self) -> Iterator[Product]:
        return iter(sorted(self._table.values(), key=lambda p: p.sku))


class MemoryWarehouseRepository:
    def __init__(self, table: Table[str, Warehouse]) -> None:
        self._table = table

    def get(self, code: str) -> Warehouse | None:
        return self._table.get(code)

    def get_ignoring_case(self, code: str) -> Warehouse | None:
        folded = code.lower()
        found = next((key for key in _keys(self._table) if key.lower() == folded), None)
        return None if found is None else self._table.get(found)

    def add(self, warehouse: Warehouse) -> None:
        existing = self.get_ignoring_case(warehouse.code)
        if existing is not None:
            raise Conflict(f"warehouse {existing.code!r} already exists")
        self._table.put(warehouse.code, warehouse)

    def fetch_page(self, page: PageSpec) -> list[Warehouse]:
        return _page(self._table.values(), WAREHOUSE_SORTS, page)


class MemoryStockRepository:
    def __init__(self, table: Table[StockKey, StockLevel], products: Table[str, Product]) -> None:
        self._table, self._products = table, products

    def lock(self, keys: Iterable[StockKey]) -> dict[StockKey, StockLevel]:
        # The store's lock, held by the unit of work, already serialises writers.
        return {key: self._table.get(key) or StockLevel(*key) for key in sorted(set(keys))}

    def save_all(self, levels: Iterable[StockLevel]) -> None:
        for level in levels:
            self._table.put(level.key, level)

    def on_hand_totals(self, skus: Iterable[str]) -> dict[str, int]:
        totals = dict.fromkeys(skus, 0)
        for level in self._table.values():
            if level.sku in totals:
                totals[level.sku] += level.on_hand
        return totals

    def available_totals(self, skus: Iterable[str]) -> dict[str, int]:
        totals = dict.fromkeys(skus, 0)
        for level in self._table.values():
            if level.sku in totals:
                totals[level.sku] += level.available
        return totals

    def of_product(self, sku: str) -> list[StockLevel]:
        return sorted(
            (level for level in self._table.values() if level.sku == sku),
            key=lambda level: level.warehouse,
        )

    def fetch_page(self, warehouse: str, page: PageSpec) -> list[StockLevel]:
        rows = (level for level in self._table.values() if level.warehouse == warehouse)
        return _page(rows, LEVEL_SORTS, page)

    def fetch_levels(self, filter: LevelFilter, page: PageSpec) -> list[StockLevel]:
        rows = (
            level
            for level in self._table.values()
            if filter.sku in (None, level.sku) and filter.warehouse in (None, level.warehouse)
        )
        return _page(rows, STOCK_LEVEL_SORTS, page)

    def stream(self) -> Iterator[StockLevel]:
        return iter(sorted(self._table.values(), key=lambda level: level.key))

    def valuation(self, warehouse: str | None) -> Iterator[ValuationRow]:
        for level in self.stream():
            if level.on_hand > 0 and warehouse in (None, level.warehouse):
                product = self._products.get(level.sku)
                assert product is not None
                yield ValuationRow(level.sku, level.warehouse, level.on_hand, product.average_cost)


class MemoryMovementRepository:
    def __init__(
        self, committed: list[Movement], index: dict[str, Movement], new: dict[str, Movement]
    ) -> None:
        self._committed, self._index, self._new = committed, index, new

    def _all(self) -> list[Movement]:
        return self._committed + list(self._new.values()) if self._new else list(self._committed)

    def add(self, movement: Movement) -> None:
        self.add_all([movement])

    def add_all(self, movements: Sequence[Movement]) -> None:
        ids = {m.id for m in movements}
        if len(ids) != len(movements) or any(id in self._index or id in self._new for id in ids):
            raise Conflict("one of the movements is already in the ledger")
        self._new.update((m.id, m) for m in movements)

    def get(self, id: str) -> Movement | None:
        return self._index.get(id) or self._new.get(id)

    def fetch_page(self, filter: MovementFilter, page: PageSpec) -> list[Movement]:
        return _page(self.stream(filter), MOVEMENT_SORTS, page)

    def stream(self, filter: MovementFilter) -> Iterator[Movement]:
        f = filter
        for m in sorted(self._all(), key=lambda m: (m.created_at, m.id)):
            if (
                (f.sku is None or m.sku == f.sku)
                and (f.warehouse is None or f.warehouse in (m.warehouse, m.to_warehouse))
                and (f.type is None or m.type == f.type)
                and (f.reference is None or m.reference == f.reference)
                and (f.since is None or m.created_at >= f.since)
                and (f.until is None or m.created_at < f.until)
            ):
                yield m

    def on_hand_by_ledger(self) -> Iterator[tuple[StockKey, int]]:
        totals: dict[StockKey, int] = defaultdict(int)
        for m in self._all():
            for warehouse, change in m.effects():
                totals[m.sku, warehouse] += change
        return iter(sorted(totals.items()))


class MemoryOrderRepository:
    def __init__(self, table: Table[str, Order]) -> None:
        self._table = table

    def get(self, id: str) -> Order | None:
        return self._table.get(id)

    def get_by_reference(self, reference: str) -> Order | None:
        return next((o for o in self._table.values() if o.reference == reference), None)

    def add(self, order: Order) -> None:
        if order.id in self._table or self.get_by_reference(order.reference):
            raise Conflict(f"order {order.reference!r} already exists")
        self._table.put(order.id, order)

    def save(self, order: Order) -> None:
        _require(self._table, order.id, "order")
        self._table.put(order.id, order)

    def fetch_page(self, filter: OrderFilter, page: PageSpec) -> list[Order]:
        rows = (
            o
            for o in self._table.values()
            if (filter.status is None or o.status == filter.status)
            and (filter.warehouse is None or o.warehouse == filter.warehouse)
            and (filter.reference is None or o.reference == filter.reference)
        )
        return _page(rows, ORDER_SORTS, page)

    def expiring(self, now: datetime, limit: int) -> list[str]:
        due = sorted(
            (order.expires_at, order.id)
            for order in self._table.values()
            if order.status is OrderStatus.RESERVED
            and order.expires_at is not None
            and order.expires_at <= now
        )
        return [id for _, id in due[:limit]]

    def reserved_by_open_orders(self) -> Iterator[tuple[StockKey, int]]:
        totals: dict[StockKey, int] = defaultdict(int)
        for order in self._table.values():
            if order.status is OrderStatus.RESERVED:
                for line in order.lines:
                    totals[line.sku, order.warehouse] += line.quantity
        return iter(sorted(totals.items()))


class MemoryApiKeyRepository:
    def __init__(self, table: Table[str, ApiKey]) -> None:
        self._table = table

    def get(self, id: str) -> ApiKey | None:
        return self._table.get(id)

    def get_by_hash(self, secret_hash: str) -> ApiKey | None:
        return next((k for k in self._table.values() if k.secret_hash == secret_hash), None)

    def add(self, key: ApiKey) -> None:
        if key.id in self._table:
            raise Conflict(f"API key {key.id!r} already exists")
        self._table.put(key.id, key)

    def save(self, key: ApiKey) -> None:
        _require(self._table, key.id, "API key")
        self._table.put(key.id, key)

    def list_all(self) -> list[ApiKey]:
        return sorted(self._table.values(), key=lambda k: (k.created_at, k.id))


class MemoryIdempotencyRepository:
    """Idempotency-Key records by (owner, key); deletions are staged like writes."""

    def __init__(self, table: Table[tuple[str, str], IdempotencyRecord]) -> None:
        self._table = table

    def get(self, owner: str, key: str) -> IdempotencyRecord | None:
        return self._table.get((owner, key))

    def put(self, record: IdempotencyRecord) -> None:
        self._table.put((record.owner, record.key), record)

    def delete(self, owner: str, key: str) -> None:
        self._table.delete((owner, key))

    def delete_expired(self, now: datetime) -> int:
        expired = [(r.owner, r.key) for r in self._table.values() if r.expires_at <= now]
        for owner_and_key in expired:
            self._table.delete(owner_and_key)
        return len(expired)


class MemoryJobRepository:
    """The job queue; the store's lock makes a claim atomic, as SQLite's write lock does.

    ``beats`` holds each runner's latest heartbeat as (runner, at), by runner.
    """

    def __init__(self, table: Table[str, Job], beats: Table[str, tuple[str, datetime]]) -> None:
        self._table = table
        self._beats = beats

    def add(self, job: Job) -> None:
        if job.id in self._table:
            raise Conflict(f"job {job.id!r} already exists")
        self._table.put(job.id, job)

    def get(self, id: str) -> Job | None:
        return self._table.get(id)

    def save(self, job: Job) -> None:
        _require(self._table, job.id, "job")
        self._table.put(job.id, job)

    def next_due(self, now: datetime) -> Job | None:
        due = [job for job in self._table.values() if job.due(now)]
        return min(due, key=lambda job: job.due_at, default=None)

    def fetch_page(self, filter: JobFilter, page: PageSpec) -> list[Job]:
        rows = (
            job
            for job in self._table.values()
            if (filter.kind is None or job.kind is filter.kind)
            and (filter.status is None or job.status is filter.status)
        )
        return _page(rows, JOB_SORTS, page)

    def beat(self, runner: str, at: datetime) -> None:
        self._beats.put(runner, (runner, at))

    def forget_runner(self, runner: str) -> None:
        self._beats.delete(runner)

    def forget_silent_runners(self, before: datetime) -> int:
        silent = [runner for runner, at in self._beats.values() if at < before]
        for runner in silent:
            self._beats.delete(runner)
        return len(silent)

    def latest_beat(self) -> datetime | None:
        return max((at for _, at in self._beats.values()), default=None)


class MemoryOutboxRepository:
    """Messages kept instead of sent, by id."""

    def __init__(self, table: Table[str, OutboxMessage]) -> None:
        self._table = table

    def add(self, message: OutboxMessage) -> None:
        if message.id in self._table:
            raise Conflict(f"outbox message {message.id!r} already exists")
        self._table.put(message.id, message)

    def stream(self) -> Iterator[OutboxMessage]:
        return iter(sorted(self._table.values(), key=lambda m: (m.created_at, m.id)))
