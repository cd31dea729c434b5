"""The list queries clients may send, and how each list sorts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Protocol, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from inventory.application.commands import CODE_PATTERN, Code, Reference
from inventory.application.pagination import ListParams, Sorting, a_time, any_text, matching
from inventory.application.queries import (
    JobFilter,
    LevelFilter,
    LocationFilter,
    MovementFilter,
    OrderFilter,
    ProductFilter,
)
from inventory.application.times import rfc3339
from inventory.domain.catalog import Product, Warehouse
from inventory.domain.jobs import Job, JobKind, JobStatus
from inventory.domain.keys import ApiKey
from inventory.domain.locations import Location, LocationKind
from inventory.domain.movements import Movement, MovementType
from inventory.domain.orders import Order, OrderStatus
from inventory.domain.stock import StockLevel

Text = Annotated[str, Field(min_length=1, max_length=200)]


class ProductList(ListParams):
    q: Text | None = None
    category: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    archived: bool = False
    below_reorder: bool | None = None

    def filter(self) -> ProductFilter:
        return ProductFilter(self.q, self.category, self.archived, self.below_reorder)


class LevelList(ListParams):
    pass


class StockQuery(BaseModel):
    """A product's stock; ``detail`` adds each warehouse's levels per location and lot."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    detail: bool = False


class LocationStockQuery(BaseModel):
    """A location's stock; ``descendants`` adds every location below it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    descendants: bool = False


class StockLevelList(ListParams):
    """Every stock level, or those of one sku and/or one warehouse."""

    sku: Code | None = None
    warehouse: Code | None = None

    def filter(self) -> LevelFilter:
        return LevelFilter(self.sku, self.warehouse)


class WarehouseList(ListParams):
    pass


class LocationList(ListParams):
    """A warehouse's locations: those under one parent, of one kind, pickable or not,
    or whose code begins with ``q`` (ignoring case)."""

    parent: Code | None = None
    kind: LocationKind | None = None
    pickable: bool | None = None
    q: Code | None = None

    def filter(self) -> LocationFilter:
        kind = None if self.kind is None else self.kind.value
        return LocationFilter(self.parent, kind, self.pickable, self.q)


class ApiKeyList(ListParams):
    pass


class JobList(ListParams):
    kind: JobKind | None = None
    status: JobStatus | None = None

    def filter(self) -> JobFilter:
        return JobFilter(self.kind, self.status)


class MovementList(ListParams):
    sku: Code | None = None
    warehouse: Code | None = None
    type: MovementType | None = None
    reference: Reference | None = None
    since: AwareDatetime | None = None
    until: AwareDatetime | None = None

    def filter(self) -> MovementFilter:
        return MovementFilter(
            self.sku, self.warehouse, self.type, self.reference, self.since, self.until
        )


class OrderList(ListParams):
    status: OrderStatus | None = None
    warehouse: Code | None = None
    reference: Reference | None = None

    def filter(self) -> OrderFilter:
        return OrderFilter(self.status, self.warehouse, self.reference)


A_CODE = matching(CODE_PATTERN, 64)
"""A sku or a warehouse code in a cursor."""
AN_ID = matching(CODE_PATTERN, 64)
"""An id in a cursor: ids are opaque, but always one token of letters, digits and ``._-``."""

PRODUCT_SORTS: Sorting[Product] = Sorting(
    fields={
        "sku": lambda p: p.sku,
        "name": lambda p: p.details.name,
        "created_at": lambda p: rfc3339(p.created_at),
        "updated_at": lambda p: rfc3339(p.updated_at),
    },
    unique="sku",
    unique_key=lambda p: p.sku,
    default="sku",
    values={"sku": A_CODE, "name": any_text, "created_at": a_time, "updated_at": a_time},
)
WAREHOUSE_SORTS: Sorting[Warehouse] = Sorting(
    fields={"code": lambda w: w.code},
    unique="code",
    unique_key=lambda w: w.code,
    default="code",
    values={"code": A_CODE},
)
LOCATION_SORTS: Sorting[Location] = Sorting(
    fields={"code": lambda loc: loc.code},
    unique="code",
    unique_key=lambda loc: loc.code,
    default="code",
    values={"code": A_CODE},
)
LEVEL_SORTS: Sorting[StockLevel] = Sorting(
    fields={"sku": lambda s: s.sku},
    unique="sku",
    unique_key=lambda s: s.sku,
    default="sku",
    values={"sku": A_CODE},
)

STOCK_LEVEL_SORTS: Sorting[StockLevel] = Sorting(
    fields={"sku": lambda s: s.sku},
    unique="warehouse",  # unique together with the sku
    unique_key=lambda s: s.warehouse,
    default="sku",
    values={"sku": A_CODE, "warehouse": A_CODE},
)
"""Levels of every warehouse: by sku, then warehouse."""


class _Created(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...


C = TypeVar("C", bound=_Created)


def by_creation(kind: type[C]) -> Sorting[C]:
    """The one sort of lists that grow in time (ledger, orders, keys, jobs): oldest first."""
    return Sorting(
        fields={"created_at": lambda row: rfc3339(row.created_at)},
        unique="id",
        unique_key=lambda row: row.id,
        default="created_at",
        values={"created_at": a_time, "id": AN_ID},
    )


MOVEMENT_SORTS = by_creation(Movement)
ORDER_SORTS = by_creation(Order)
API_KEY_SORTS = by_creation(ApiKey)
JOB_SORTS = by_creation(Job)
