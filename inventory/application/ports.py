"""The ports the use cases run through. Adapters satisfy them structurally.

Repositories see their unit of work's transaction; ``fetch_page`` returns at
most ``page.limit + 1`` items; iterators must be consumed inside their unit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import NamedTuple, Protocol, Self

from inventory.application.idempotency_records import IdempotencyRecord
from inventory.application.outbox import OutboxMessage
from inventory.application.queries import (
    ExpiryRow,
    JobFilter,
    LevelFilter,
    LocationFilter,
    LowStockRow,
    MovementFilter,
    OrderFilter,
    PageSpec,
    ProductFilter,
    ValuationRow,
)
from inventory.application.rate_limits import RateDecision
from inventory.application.report_records import ReportResult
from inventory.application.scopes import Scopes
from inventory.domain.catalog import Product, Warehouse
from inventory.domain.jobs import Job
from inventory.domain.keys import ApiKey
from inventory.domain.locations import Location
from inventory.domain.lots import Lot
from inventory.domain.movements import Movement
from inventory.domain.orders import Order
from inventory.domain.serials import SerialState
from inventory.domain.stock import SlotLevel, StockLevel

Clock = Callable[[], datetime]
"""Now, as an aware UTC datetime."""

IdGenerator = Callable[[], str]
"""A new unique, opaque id; ids made later sort after ids made earlier."""

SecretGenerator = Callable[[], str]
"""A new unguessable API key secret."""

StockKey = tuple[str, str]
"""(sku, warehouse code)."""

SlotKey = tuple[str, str, str, str | None]
"""(sku, warehouse code, location code, lot code or None)."""


@dataclass(frozen=True, slots=True)
class ReadAhead:
    """What a write unit is about to read, before it writes anything: a hint.

    An adapter may read it all at once (PostgreSQL: in one round trip, ADR
    0019); a read that follows, with nothing sent or written between, is
    answered from it, and any other goes to the database as usual. Each
    field names the reads of one call, in the order they are taken.
    """

    order_reference: str | None = None
    """``orders.get_by_reference`` of it (placing an order)."""
    warehouse: str | None = None
    """``warehouses.get`` of it."""
    stock: tuple[StockKey, ...] = ()
    """What a posting loads for these levels (:meth:`Posting.prepare`): their
    products, locked, then the levels, locked, with their slots, then the totals."""
    default_locations: tuple[str, ...] = ()
    """``locations.default_location`` of each warehouse."""


@dataclass(frozen=True, slots=True)
class HeldSlot:
    """A (location, lot) level as stored, with what reading it needs: whether its
    location is pickable, and its lot."""

    level: SlotLevel
    pickable: bool = True
    lot: Lot | None = None


class SlotFigures(NamedTuple):
    """A (location, lot) level as a product's stock detail shows it: plain figures,
    read a thousand at a time straight into the answer, with no domain object
    between (ADR 0020, "The detail read")."""

    warehouse: str
    location: str
    lot: str | None
    expires_on: date | None
    on_hand: int
    reserved: int


@dataclass(frozen=True, slots=True)
class LotRow:
    """A lot of a product with its figures in one warehouse (one row per warehouse
    that holds or reserves any of it)."""

    sku: str
    lot: Lot
    warehouse: str | None
    on_hand: int
    reserved: int


class ProductRepository(Protocol):
    """Products by sku."""

    def get(self, sku: str) -> Product | None: ...
    def get_many(self, skus: Iterable[str]) -> dict[str, Product]: ...
    def get_many_ignoring_case(self, skus: Iterable[str]) -> dict[str, Product]:
        """The products whose sku equals one of ``skus`` ignoring case, by that sku in lower case.

        Skus are unique ignoring case (codes are ASCII): ``add`` and ``add_all``
        refuse a sku that differs from a stored one only in case (``Conflict``).
        """
        ...

    def by_barcode(self, barcodes: Iterable[str]) -> list[Product]:
        """The products whose barcode, or one of whose packs' barcode, is exactly one of
        ``barcodes``, archived too, by sku."""
        ...

    def take_barcode_turn(self) -> None:
        """Wait until no other unit of work may be writing barcodes, until this one ends.

        Barcodes are unique across products, packs and locations, which no index
        can hold (docs/adr/0021-units-and-packs.md): their writers check, then
        write, one at a time. A storage whose writers already take turns does nothing.
        """
        ...

    def add(self, product: Product) -> None: ...
    def add_all(self, products: Sequence[Product]) -> None: ...
    def save(self, product: Product) -> None: ...
    def save_all(self, products: Sequence[Product]) -> None: ...
    def save_costs(self, products: Sequence[Product]) -> None:
        """Write only the average cost, ``updated_at`` and version (what a receipt changes)."""
        ...

    def fetch_page(self, filter: ProductFilter, page: PageSpec) -> list[Product]: ...
    def low_stock(self) -> Iterator[LowStockRow]:
        """Products with a reorder point whose total available is at or below it, by sku."""
        ...

    def stream(self) -> Iterator[Product]:
        """Every product, archived too, by sku."""
        ...


class WarehouseRepository(Protocol):
    """Warehouses by code."""

    def get(self, code: str) -> Warehouse | None: ...
    def get_ignoring_case(self, code: str) -> Warehouse | None:
        """The warehouse whose code equals ``code`` ignoring case (``add`` refuses another)."""
        ...

    def add(self, warehouse: Warehouse) -> None: ...
    def fetch_page(self, page: PageSpec) -> list[Warehouse]: ...


class LocationRepository(Protocol):
    """Locations by (warehouse, code); codes are unique in a warehouse ignoring case."""

    def get(self, warehouse: str, code: str) -> Location | None: ...
    def get_ignoring_case(self, warehouse: str, code: str) -> Location | None: ...
    def with_barcode(self, barcode: str) -> Location | None: ...
    def with_barcodes(self, barcodes: Iterable[str]) -> list[Location]:
        """The locations whose barcode is exactly one of ``barcodes``, archived too."""
        ...

    def default_location(self, warehouse: str) -> Location | None:
        """The warehouse's default location, whole (one read where a write needs it)."""
        ...

    def default_of(self, warehouse: str) -> str | None:
        """The code of the warehouse's default location."""
        ...

    def parents(self, warehouse: str) -> dict[str, str | None]:
        """Each location code of the warehouse (archived too) and its parent's."""
        ...

    def add(self, location: Location, *, default: bool = False) -> None:
        """Store a new location; ``Conflict`` if its code (ignoring case) or barcode is taken."""
        ...

    def save(self, location: Location) -> None: ...
    def fetch_page(
        self, warehouse: str, filter: LocationFilter, page: PageSpec
    ) -> list[Location]: ...


class StockRepository(Protocol):
    """Stock levels, one per (sku, warehouse) that ever held stock."""

    def lock(self, keys: Iterable[StockKey]) -> dict[StockKey, StockLevel]:
        """The levels for ``keys``, locked for this unit of work in (sku, warehouse) order.

        A key with no stored level gets a new zero level (stored once saved).
        """
        ...

    def save_all(self, levels: Iterable[StockLevel]) -> None: ...
    def on_hand_totals(self, skus: Iterable[str]) -> dict[str, int]:
        """Units on hand over every warehouse, per sku (0 for a sku with no levels)."""
        ...

    def available_totals(self, skus: Iterable[str]) -> dict[str, int]:
        """Units available (on hand less reserved) over every warehouse, per sku (0 if none)."""
        ...

    def of_product(self, sku: str) -> list[StockLevel]:
        """The product's levels in every warehouse, by warehouse code."""
        ...

    def fetch_page(self, warehouse: str, page: PageSpec) -> list[StockLevel]: ...
    def fetch_levels(self, filter: LevelFilter, page: PageSpec) -> list[StockLevel]:
        """A page of the levels ``filter`` picks, by (sku, warehouse)."""
        ...

    def stream(self) -> Iterator[StockLevel]:
        """Every stored level, by (sku, warehouse)."""
        ...

    def valuation(self, warehouse: str | None) -> Iterator[ValuationRow]:
        """Levels with stock on hand and their product's average cost, by (sku, warehouse)."""
        ...

    def slots(self, keys: Iterable[StockKey]) -> list[HeldSlot]:
        """The (location, lot) levels of the (sku, warehouse) pairs ``keys`` holding or
        reserving any stock (one left empty is as good as none).

        Read after ``lock`` in a write unit: the (sku, warehouse) lock guards them.
        """
        ...

    def save_slots(self, levels: Iterable[SlotLevel]) -> None:
        """Store (location, lot) levels; call after saving their (sku, warehouse) levels."""
        ...

    def slots_of_product(self, sku: str) -> list[HeldSlot]:
        """The product's (location, lot) levels holding or reserving any stock, by
        (warehouse, location, lot)."""
        ...

    def slot_figures_of_product(self, sku: str) -> list[SlotFigures]:
        """What :meth:`slots_of_product` holds, as the detail read shows it: each level's
        figures and its lot's expiry, in the same order."""
        ...

    def slots_at(self, warehouse: str, locations: Sequence[str]) -> list[HeldSlot]:
        """The levels holding or reserving stock at ``locations`` of ``warehouse``, by
        (location, sku, lot)."""
        ...

    def stream_slots(self) -> Iterator[SlotLevel]:
        """Every stored (location, lot) level, by (sku, warehouse, location, lot)."""
        ...


class LotRepository(Protocol):
    """Lots of lot-tracked products: made by their first receipt, never changed."""

    def get_many(self, sku: str, codes: Iterable[str]) -> dict[str, Lot]: ...
    def add_all(self, lots: Sequence[tuple[str, Lot]]) -> None:
        """Store new lots, each with its product's sku."""
        ...

    def stream(self) -> Iterator[tuple[str, Lot]]:
        """Every lot with its sku, by (sku, code)."""
        ...

    def of_product(self, sku: str, page: PageSpec) -> list[Lot]:
        """A page of the product's lots (sort ``expires_on`` or ``code``)."""
        ...

    def figures(self, sku: str, codes: Sequence[str]) -> list[LotRow]:
        """Per lot and warehouse, what is on hand and reserved."""
        ...

    def expiring(
        self, before: date | None, warehouse: str | None, page: PageSpec
    ) -> list[tuple[str, Lot]]:
        """A page of dated lots with units on hand (in ``warehouse`` if given) that
        expire before ``before`` (every dated lot if None), each with its sku; sort
        ``expires_on``, ties by ``sku/code``."""
        ...

    def due_for_warning(self, today: date, warning_days: int) -> list[LotRow]:
        """Lots never warned of whose expiry date is at most ``warning_days`` after
        ``today`` (past ones too) and with units on hand in any warehouse, by (sku, code).

        Each row's ``warehouse`` is None and its figures are totals over every
        warehouse. Call it in a write unit and mark the lots warned in that same
        unit: the lots are locked, so two runners never both take one.
        """
        ...

    def mark_warned(self, lots: Sequence[tuple[str, str]], on: date) -> None:
        """Record that an expiry alert was queued ``on`` that day for each (sku, code)."""
        ...

    def expiring_stock(self, until: date, warehouse: str | None) -> Iterator[ExpiryRow]:
        """Units on hand of each lot expiring on or before ``until`` (past ones too), per
        warehouse (only ``warehouse`` if given), by (expires_on, sku, code, warehouse)."""
        ...


class SerialRepository(Protocol):
    """Where each serial-numbered unit is now; the ledger keeps what moved it."""

    def held(self, keys: Iterable[StockKey]) -> list[SerialState]:
        """Every unit in stock or reserved in each (sku, warehouse) of ``keys``."""
        ...

    def get_many(self, sku: str, serials: Iterable[str]) -> dict[str, SerialState]:
        """The units of ``sku`` among ``serials`` ever received, by serial."""
        ...

    def held_with_serial(self, serial: str) -> list[SerialState]:
        """The units numbered ``serial`` in stock or reserved, of any product, by sku."""
        ...

    def save_all(self, states: Sequence[SerialState]) -> None:
        """Record each unit's state: a unit this unit of work read is updated, any other
        is new. One stored meanwhile by another writer is :class:`Contention` (by the
        commit at the latest): tried again, the unit is found."""
        ...

    def held_by_slot(self) -> Iterator[tuple[SlotKey, int]]:
        """Units in stock or reserved per (sku, warehouse, location, lot), by key."""
        ...

    def stream(self) -> Iterator[SerialState]:
        """Every unit ever received, by sku then serial."""
        ...


class MovementRepository(Protocol):
    """The append-only ledger."""

    def add(self, movement: Movement) -> None: ...
    def add_all(self, movements: Sequence[Movement]) -> None: ...
    def get(self, id: str) -> Movement | None: ...
    def fetch_page(self, filter: MovementFilter, page: PageSpec) -> list[Movement]: ...
    def stream(self, filter: MovementFilter) -> Iterator[Movement]:
        """Matching movements in ledger order (created_at, then id)."""
        ...

    def on_hand_by_ledger(self) -> Iterator[tuple[StockKey, int]]:
        """The sum of every (sku, warehouse) pair's movements, by pair."""
        ...

    def slots_by_ledger(self) -> Iterator[tuple[SlotKey, int]]:
        """The sum of every (sku, warehouse, location, lot)'s movement lines, by key."""
        ...

    def touching_lot(self, sku: str, lot: str) -> list[Movement]:
        """Every movement with a line in ``lot`` of ``sku``, oldest first."""
        ...

    def touching_serial(self, sku: str, serial: str) -> list[Movement]:
        """Every movement that moved the unit ``serial`` of ``sku``, oldest first."""
        ...


class OrderRepository(Protocol):
    """Orders by id and by their unique reference."""

    def get(self, id: str) -> Order | None: ...
    def get_by_reference(self, reference: str) -> Order | None: ...
    def add(self, order: Order) -> None: ...
    def save(self, order: Order) -> None: ...
    def fetch_page(self, filter: OrderFilter, page: PageSpec) -> list[Order]: ...
    def expiring(self, now: datetime, limit: int) -> list[str]:
        """Ids of up to ``limit`` reserved orders whose ``expires_at`` is at or before ``now``."""
        ...

    def reserved_by_open_orders(self) -> Iterator[tuple[StockKey, int]]:
        """Units held by ``reserved`` orders, per (sku, warehouse), by pair."""
        ...

    def reserved_slots_by_open_orders(self) -> Iterator[tuple[SlotKey, int]]:
        """Units held by ``reserved`` orders, per (sku, warehouse, location, lot), by key."""
        ...

    def touching_lot(self, sku: str, lot: str) -> list[Order]:
        """Every order with an allocation in ``lot`` of ``sku``, oldest first."""
        ...


class ApiKeyRepository(Protocol):
    """API keys; secrets are stored only as hashes."""

    def get(self, id: str) -> ApiKey | None: ...
    def get_by_hash(self, secret_hash: str) -> ApiKey | None: ...
    def add(self, key: ApiKey) -> None: ...
    def save(self, key: ApiKey) -> None: ...
    def list_all(self) -> list[ApiKey]:
        """Every key, revoked ones too, oldest first."""
        ...


class IdempotencyRepository(Protocol):
    """What each client's ``Idempotency-Key`` led to, kept with the data it guards."""

    def get(self, owner: str, key: str) -> IdempotencyRecord | None: ...
    def put(self, record: IdempotencyRecord) -> None:
        """Store ``record``, replacing any record of the same (owner, key)."""
        ...

    def delete(self, owner: str, key: str) -> None:
        """Forget the record of (owner, key), if there is one."""
        ...

    def delete_expired(self, now: datetime) -> int:
        """Forget every record whose ``expires_at`` is at or before ``now``; returns how many."""
        ...


class JobRepository(Protocol):
    """The durable job queue, in the same database as the data it works on."""

    def add(self, job: Job) -> None: ...
    def get(self, id: str) -> Job | None: ...
    def save(self, job: Job) -> None: ...
    def next_due(self, now: datetime) -> Job | None:
        """The job a runner should take now, oldest ``run_at`` first, or None.

        Due means queued with ``run_at <= now``, or running on a lease that ended
        at or before ``now``. Call it in a write unit of work and start the job
        in that same unit: the write lock makes the claim atomic between runners.
        """
        ...

    def fetch_page(self, filter: JobFilter, page: PageSpec) -> list[Job]: ...

    # Runner heartbeats are bookkeeping, not data: no cached read holds them, so
    # writing them changes no cache version.

    def beat(self, runner: str, at: datetime) -> None:
        """Record that ``runner`` was alive at ``at`` (one row per runner: its latest beat)."""
        ...

    def forget_runner(self, runner: str) -> None:
        """Remove ``runner``'s heartbeat (it stopped cleanly); no error if it has none."""
        ...

    def forget_silent_runners(self, before: datetime) -> int:
        """Remove every heartbeat older than ``before`` (runners that died); returns how many."""
        ...

    def latest_beat(self) -> datetime | None:
        """The most recent heartbeat of any runner, or None when no runner has one."""
        ...


class OutboxRepository(Protocol):
    """Messages kept instead of sent (no mail server or no address configured)."""

    def add(self, message: OutboxMessage) -> None: ...
    def stream(self) -> Iterator[OutboxMessage]:
        """Every kept message, oldest first (created_at, then id)."""
        ...


class Notifier(Protocol):
    """Delivers a plain-text message to a person; raises when it could not be delivered."""

    def send(self, to: str, subject: str, body: str) -> None: ...


class ReportResultRepository(Protocol):
    """Reports made by report jobs, in numbered chunks, for download from any instance.

    Bookkeeping, not data: no cached read holds them, so writing them changes
    no cache version.
    """

    def add(self, result: ReportResult) -> None:
        """Record a report about to be written (its size and chunk count come with ``complete``)."""
        ...

    def add_chunk(self, result_id: str, seq: int, data: bytes) -> None:
        """Store chunk number ``seq`` (from 0) of the report ``result_id``."""
        ...

    def complete(self, result_id: str, size: int, chunks: int) -> None:
        """Mark the report written: ``size`` bytes in ``chunks`` chunks."""
        ...

    def get(self, result_id: str) -> ReportResult | None: ...
    def chunk(self, result_id: str, seq: int) -> bytes | None:
        """Chunk number ``seq`` of the report, or None if there is no such chunk."""
        ...

    def delete(self, result_id: str) -> None:
        """Remove the report and its chunks; no error if there is none."""
        ...

    def delete_created_before(self, before: datetime) -> int:
        """Remove every report made before ``before``, with its chunks; returns how many."""
        ...


class UnitOfWork(Protocol):
    """One transaction over every repository.

    ``with uow:`` begins a write transaction that takes the write lock up
    front; nothing is kept unless ``commit()`` is called before the block
    ends. ``with uow.reading():`` begins a read-only consistent snapshot.
    """

    products: ProductRepository
    warehouses: WarehouseRepository
    locations: LocationRepository
    stock: StockRepository
    lots: LotRepository
    serials: SerialRepository
    movements: MovementRepository
    orders: OrderRepository
    api_keys: ApiKeyRepository
    idempotency: IdempotencyRepository
    jobs: JobRepository
    outbox: OutboxRepository
    report_results: ReportResultRepository

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def reading(self) -> AbstractContextManager[Self]: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def versions(self, wanted: Sequence[Scopes]) -> list[int]:
        """A version of each scope set in ``wanted`` (inside ``with`` or ``reading()``).

        A version is an opaque token: every committed write to a scope of the
        set (or to :data:`EVERYTHING`) changes it for every later unit, in
        whichever process wrote; nothing else does. In a read unit whose
        snapshot has not begun it is the latest committed one, read without
        beginning the snapshot; afterwards, the one the snapshot sees.
        """
        ...

    def snapshot_version(self, scopes: Scopes) -> tuple[int, bool]:
        """The version of ``scopes`` in this read unit's snapshot, which it begins if need be.

        With it: whether an entry computed in this snapshot may be kept under
        that version. False when a write the snapshot cannot see may still be
        counted in it (PostgreSQL: an older writer still open; see ADR 0017).
        """
        ...

    def read_ahead(self, plan: ReadAhead) -> None:
        """In a write unit: the reads ``plan`` names may be taken now, all at once.

        A hint that never changes an answer: an adapter whose reads cost no
        round trip does nothing.
        """
        ...

    def write_in_bulk(self) -> None:
        """In a write unit: its writes from here to its commit may raise every version
        (:data:`EVERYTHING`) once, instead of each scope they touch, where that is cheaper.

        For long imports, where per-row bookkeeping costs more than the cached
        reads it spares are worth. SQLite takes it (migration 0015, ADR 0017
        "Bulk writes"); the other stores go on raising what each write touched.
        """
        ...

    def prune_versions(self) -> int:
        """In a write unit: drop what no version needs any more; how many records went.

        PostgreSQL keeps one row per scope and writing transaction; all but
        each scope's latest are dead weight. The other stores keep none.
        """
        ...


UnitOfWorkFactory = Callable[[], UnitOfWork]
"""A new unit of work for each use-case call."""


class Storage(Protocol):
    """A configured database: its schema and its units of work."""

    def migrate(self) -> list[str]:
        """Apply pending schema migrations; returns their names. Safe to run twice."""
        ...

    def pending_migrations(self) -> list[str]: ...
    def check_writable(self) -> None:
        """Raise ``ReadOnly``, saying why, if the storage would refuse writes now; cheap."""
        ...

    def unit_of_work(self) -> UnitOfWork: ...
    def close(self) -> None: ...


class RateLimiter(Protocol):
    """Counts requests per key against the configured rate, for every process of a deployment.

    ``hit`` counts one request for ``key`` (an API key's hash, or a client
    address) and says whether it is allowed, with what remains of the budget.
    It never raises: a limiter whose storage fails lets the request through
    (and logs why) rather than refusing traffic it cannot count.
    """

    def hit(self, key: str) -> RateDecision: ...


@dataclass(frozen=True, slots=True)
class CacheStats:
    """How many lookups found a live entry (hits) and how many did not (misses)."""

    hits: int
    misses: int


class Cache(Protocol):
    """Bytes by key, each for at most its ``ttl`` seconds; safe to share between threads.

    An adapter may drop any entry at any time (to stay within its bounds), so
    a miss is always an acceptable answer. Keys are opaque text; values are
    never interpreted. ``stats()`` counts this process's lookups.
    """

    def get(self, key: str) -> bytes | None:
        """The live value under ``key``, or None (absent, expired or dropped)."""
        ...

    def set(self, key: str, value: bytes, ttl: float) -> None:
        """Keep ``value`` under ``key`` for ``ttl`` seconds (none at all when ``ttl <= 0``)."""
        ...

    def stats(self) -> CacheStats: ...


class Metrics(Protocol):
    """What a process counts for the operators: requests, cache lookups, refusals, jobs.

    Calls never raise and cost next to nothing; an adapter may sum the figures
    of every process of a deployment. ``exposition`` gives the figures as the
    body and content type of a ``GET /metrics`` answer.
    """

    def http_request(self, method: str, route: str, status: str, seconds: float) -> None: ...

    def cache_lookup(self, hit: bool) -> None: ...

    def rate_limited(self) -> None: ...

    def job_finished(self, kind: str, status: str) -> None: ...

    def exposition(self) -> tuple[bytes, str]: ...
