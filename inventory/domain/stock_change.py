"""What one operation on a product's stock decided, for the application to save and act on.

:class:`~inventory.domain.product_stock.ProductStock` returns a :class:`StockChange`
from every operation; a :class:`LowStock` in it is an alert to queue. See
docs/adr/0016-product-stock-aggregate.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from inventory.domain.catalog import Product
from inventory.domain.movements import Move
from inventory.domain.serials import SerialState
from inventory.domain.stock import SlotLevel, StockLevel


@dataclass(frozen=True, slots=True)
class LowStock:
    """A product whose total available has just fallen to or below its reorder point."""

    sku: str
    name: str
    available: int
    reorder_point: int

    @classmethod
    def crossing(cls, product: Product, before: int, after: int) -> LowStock | None:
        """The alert a change of total available from ``before`` to ``after`` calls for, if any."""
        point = product.details.reorder_point
        if point <= 0 or product.archived or not (before > point >= after):
            return None
        return cls(product.sku, product.details.name, after, point)


@dataclass(frozen=True, slots=True)
class StockChange:
    """What one operation decided: the levels it changed (per warehouse, and per
    location and lot), the move for the ledger (none for reservations), whether the
    average cost was refolded, and the reorder point it crossed, if any."""

    levels: tuple[StockLevel, ...]
    move: Move | None = None
    revalued: bool = False
    low_stock: LowStock | None = None
    slots: tuple[SlotLevel, ...] = ()
    serials: tuple[SerialState, ...] = ()
