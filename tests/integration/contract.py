"""What the storage port contract tests share: writing and reading through the ports.

The contract (application/ports.py) is pinned by the ``test_contract_*`` modules, each
test once per adapter (see ``conftest.py``). Objects are written through the ports and
read back through the ports, never through SQL, so a passing test on one adapter and a
failing one on another is a divergence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import TypeVar

from inventory.application.pagination import Sorting
from inventory.application.ports import Storage, UnitOfWork
from inventory.application.queries import PageSpec, SortKey
from inventory.domain.catalog import Product, Warehouse
from inventory.domain.keys import ApiKey
from inventory.domain.locations import DEFAULT_LOCATION, Location
from inventory.domain.movements import Movement
from inventory.domain.orders import Order
from inventory.domain.stock import StockLevel
from tests.factories import ProductFactory, WarehouseFactory

T = TypeVar("T")
SECOND = timedelta(seconds=1)
Stored = Product | Warehouse | StockLevel | Movement | Order | ApiKey


def put(uow: UnitOfWork, obj: Stored) -> None:
    """``obj`` added through the repository for its kind (levels are saved), not committed."""
    match obj:
        case Product():
            uow.products.add(obj)
        case Warehouse():
            uow.warehouses.add(obj)
            # Every warehouse has its default location, as add_warehouse makes it.
            default = Location(obj.code, DEFAULT_LOCATION, created_at=obj.created_at)
            uow.locations.add(default, default=True)
        case StockLevel():
            uow.stock.save_all([obj])
        case Movement():
            uow.movements.add(obj)
        case Order():
            uow.orders.add(obj)
        case ApiKey():
            uow.api_keys.add(obj)


def given(storage: Storage, *objects: Stored) -> None:
    """``objects`` stored and committed, in order, in one unit of work."""
    with storage.unit_of_work() as uow:
        for obj in objects:
            put(uow, obj)
        uow.commit()


@contextmanager
def reading(storage: Storage) -> Iterator[UnitOfWork]:
    with storage.unit_of_work().reading() as uow:
        yield uow


def warehouses(*codes: str) -> list[Warehouse]:
    return [WarehouseFactory(code=code) for code in codes]


def products(*skus: str) -> list[Product]:
    return [ProductFactory(sku=sku) for sku in skus]


def page_through(
    fetch: Callable[[PageSpec], list[T]],
    sorting: Sorting[T],
    sort: str,
    descending: bool = False,
    limit: int = 2,
    start: SortKey | None = None,
) -> list[T]:
    """Every row (after ``start``), a page at a time, each page after the last row's key."""
    seen: list[T] = []
    after = start
    while True:
        rows = fetch(PageSpec(sort, descending, limit, after))
        assert len(rows) <= limit + 1
        seen += rows[:limit]
        if len(rows) <= limit:
            return seen
        after = sorting.key(sort, rows[limit - 1])
