"""Products and warehouses: what is stocked, and where.

A product's ``unit`` is its base unit; its packs say how many base units each
other unit holds (docs/adr/0021-units-and-packs.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from inventory.domain.errors import Conflict
from inventory.domain.lots import Tracking
from inventory.domain.packs import Pack, Units
from inventory.domain.valuation import ZERO, moving_average


@dataclass(frozen=True, slots=True)
class ProductDetails:
    """The mutable, client-owned fields of a product (what PUT replaces)."""

    name: str
    description: str = ""
    category: str = ""
    unit: str = "each"
    barcode: str | None = None
    reorder_point: int = 0
    reorder_quantity: int = 0
    tracking: Tracking = Tracking.NONE
    shelf_life_days: int | None = None
    packs: tuple[Pack, ...] = ()

    def units(self) -> Units:
        """The base unit and packs, checked (422 naming each faulty pack)."""
        return Units.of(self.unit, self.packs, self.barcode)


@dataclass(slots=True)
class Product:
    """A stock-keeping unit. ``average_cost`` is maintained by receipts only."""

    sku: str
    details: ProductDetails
    created_at: datetime
    updated_at: datetime
    average_cost: Decimal = ZERO
    archived: bool = False
    version: int = 1

    @classmethod
    def register(cls, sku: str, details: ProductDetails, at: datetime) -> Product:
        """A new, active product with no cost history; its packs are checked."""
        details.units()
        return cls(sku=sku, details=details, created_at=at, updated_at=at)

    @property
    def units(self) -> Units:
        """What a quantity of this product may be entered in: its base unit and packs."""
        return Units(self.details.unit, self.details.packs)

    def ensure_active(self) -> None:
        """Refuse any new movement or order line for an archived product."""
        if self.archived:
            raise Conflict(f"product {self.sku!r} is archived")

    def revise(self, details: ProductDetails, at: datetime, held: int = 0) -> None:
        """Replace the client-owned fields; a no-op revision keeps the version.

        ``tracking`` may change only while the product holds no stock anywhere
        (``held``: units on hand over every warehouse).
        """
        if details.tracking != self.details.tracking and held:
            raise Conflict(
                f"product {self.sku!r} holds {held} units: its tracking can change"
                " only while it has no stock anywhere"
            )
        if details != self.details:
            details.units()
            self.details = details
            self._touch(at)

    def revalue(self, held: int, received: int, unit_cost: Decimal, at: datetime) -> None:
        """Fold a receipt of ``received`` units at ``unit_cost`` into the average cost."""
        average = moving_average(held, self.average_cost, received, unit_cost)
        if average != self.average_cost:
            self.average_cost = average
            self._touch(at)

    def archive(self, on_hand: int, reserved: int, at: datetime) -> None:
        """Retire the product; refused while any stock is on hand or reserved."""
        if on_hand or reserved:
            raise Conflict(
                f"product {self.sku!r} still has stock (on hand {on_hand}, reserved {reserved})"
            )
        if not self.archived:
            self.archived = True
            self._touch(at)

    def _touch(self, at: datetime) -> None:
        self.updated_at = at
        self.version += 1


def patched(details: ProductDetails, changes: Mapping[str, Any]) -> ProductDetails:
    """``details`` with the given fields replaced (the result of a merge patch)."""
    return replace(details, **changes)


@dataclass(frozen=True, slots=True)
class Warehouse:
    """A place that holds stock, identified by its code."""

    code: str
    name: str
    created_at: datetime = field(compare=False)
