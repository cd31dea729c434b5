"""Validated list queries: filters, sort and keyset position, as adapters receive them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from inventory.domain.jobs import JobKind, JobStatus
from inventory.domain.movements import MovementType
from inventory.domain.orders import OrderStatus

SortKey = tuple[str, ...]
"""A row's position in a sort: the sort field's value then the unique tiebreak, as text.

Datetimes appear as fixed-width RFC 3339 text (``2026-11-26T19:25:20.123456Z``),
so text order is time order on every backend.
"""


@dataclass(frozen=True, slots=True)
class PageSpec:
    """Which slice of a sorted list to fetch.

    Adapters return at most ``limit + 1`` rows strictly after ``after`` in
    the order of ``sort`` (ascending unless ``descending``), so the caller
    can tell whether a next page exists.
    """

    sort: str
    descending: bool = False
    limit: int = 50
    after: SortKey | None = None


@dataclass(frozen=True, slots=True)
class ProductFilter:
    """``q``: a substring of the sku or the name, compared case-folded (``str.casefold``)."""

    q: str | None = None
    category: str | None = None
    archived: bool | None = False
    below_reorder: bool | None = None


@dataclass(frozen=True, slots=True)
class LocationFilter:
    """Locations of one warehouse; ``q``: a prefix of the code, ignoring case."""

    parent: str | None = None
    kind: str | None = None
    pickable: bool | None = None
    q: str | None = None


@dataclass(frozen=True, slots=True)
class LevelFilter:
    """Stock levels of one sku, of one warehouse, or both; None: every one."""

    sku: str | None = None
    warehouse: str | None = None


@dataclass(frozen=True, slots=True)
class MovementFilter:
    sku: str | None = None
    warehouse: str | None = None
    type: MovementType | None = None
    reference: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class OrderFilter:
    status: OrderStatus | None = None
    warehouse: str | None = None
    reference: str | None = None


@dataclass(frozen=True, slots=True)
class JobFilter:
    kind: JobKind | None = None
    status: JobStatus | None = None


@dataclass(frozen=True, slots=True)
class ValuationRow:
    sku: str
    warehouse: str
    on_hand: int
    average_cost: Decimal


@dataclass(frozen=True, slots=True)
class ExpiryRow:
    """Units of a dated lot on hand in one warehouse, and its product's average cost."""

    sku: str
    lot: str
    expires_on: date
    warehouse: str
    on_hand: int
    average_cost: Decimal


@dataclass(frozen=True, slots=True)
class LowStockRow:
    sku: str
    name: str
    available: int
    reorder_point: int
    reorder_quantity: int
