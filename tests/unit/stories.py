"""The arrange steps of unit-test stories: a shop on the memory store, and ``given_*`` steps.

Every step goes through the use cases, exactly as a client would, so a story
never builds a state the service itself could not reach.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from inventory.adapters.memory import MemoryStore
from inventory.application.catalog import add_product, add_warehouse, product_stock
from inventory.application.commands import (
    CreateProduct,
    CreateWarehouse,
    OrderLineIn,
    ReceiveStock,
    ReserveOrder,
)
from inventory.application.orders import reserve_order
from inventory.application.ports import UnitOfWork, UnitOfWorkFactory
from inventory.application.queries import MovementFilter
from inventory.application.stock import export_movements, record_movement
from inventory.domain.catalog import Product, Warehouse
from inventory.domain.movements import Movement
from inventory.domain.orders import Order
from inventory.domain.stock import StockLevel
from tests.factories import FixedClock, SequentialIds, SequentialSecrets


@dataclass
class Shop:
    """One inventory: its store, and the clock, ids and secrets its use cases are given."""

    store: MemoryStore
    clock: FixedClock
    ids: SequentialIds
    secrets: SequentialSecrets
    actor: str = "clerk-anna"

    def uow(self) -> UnitOfWork:
        """A new unit of work, as the composition root hands one to each use-case call."""
        return self.store.unit_of_work()


def given_warehouse(shop: Shop, code: str = "WH-MAIN", name: str | None = None) -> Warehouse:
    return add_warehouse(
        CreateWarehouse(code=code, name=name or f"Warehouse {code}"), shop.uow(), shop.clock
    )


def given_product(
    shop: Shop, sku: str = "SKU-1", name: str | None = None, **fields: object
) -> Product:
    """A product; ``fields`` are the optional product fields (category, reorder_point, ...)."""
    command = CreateProduct.model_validate({"sku": sku, "name": name or f"Product {sku}", **fields})
    return add_product(command, shop.uow(), shop.clock)


def given_stock(
    shop: Shop,
    sku: str = "SKU-1",
    warehouse: str = "WH-MAIN",
    quantity: int = 10,
    unit_cost: str = "1.0000",
) -> Movement:
    """``quantity`` units received (the product and warehouse are created if new)."""
    with shop.uow().reading() as uow:
        has_product = uow.products.get(sku) is not None
        has_warehouse = uow.warehouses.get(warehouse) is not None
    if not has_product:
        given_product(shop, sku)
    if not has_warehouse:
        given_warehouse(shop, warehouse)
    receipt = ReceiveStock(sku=sku, warehouse=warehouse, quantity=quantity, unit_cost=unit_cost)
    return record_movement(receipt, shop.uow(), shop.clock, shop.ids, shop.actor)


def given_order(
    shop: Shop,
    lines: Sequence[tuple[str, int]],
    reference: str = "SO-1",
    warehouse: str = "WH-MAIN",
) -> Order:
    """A reserved order of (sku, quantity) lines."""
    command = ReserveOrder(
        reference=reference,
        warehouse=warehouse,
        lines=[OrderLineIn(sku=sku, quantity=quantity) for sku, quantity in lines],
    )
    return reserve_order(command, shop.uow(), shop.clock, shop.ids)


def level_of(uow_factory: UnitOfWorkFactory, sku: str, warehouse: str) -> StockLevel:
    """What a client sees of one (sku, warehouse): a zero level if it never held stock."""
    levels = product_stock(sku, uow_factory())
    return next((lv for lv in levels if lv.warehouse == warehouse), StockLevel(sku, warehouse))


def ledger_of(uow_factory: UnitOfWorkFactory, **filter: object) -> list[Movement]:
    """The movements a client can list, in ledger order."""
    return list(export_movements(MovementFilter(**filter), uow_factory()))  # type: ignore[arg-type]


def product_of(uow_factory: UnitOfWorkFactory, sku: str) -> Product:
    with uow_factory().reading() as uow:
        product = uow.products.get(sku)
    assert product is not None, f"no product {sku!r}"
    return product
