"""One product's stock: the aggregate every movement, reservation and shipment goes through.

It holds the product, the totals over all its levels and the levels loaded so
far; each operation enforces the rules and returns what it decided, for the
application to save. See docs/adr/0016-product-stock-aggregate.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from inventory.domain.catalog import Product
from inventory.domain.errors import FieldError, ValidationFailed
from inventory.domain.movements import AdjustmentReason, Move, MovementType
from inventory.domain.stock import Place, StockLevel
from inventory.domain.valuation import money


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
    """What one operation decided: the levels it changed, the move for the ledger
    (none for reservations), whether the average cost was refolded, and the
    reorder point it crossed, if any."""

    levels: tuple[StockLevel, ...]
    move: Move | None = None
    revalued: bool = False
    low_stock: LowStock | None = None


@dataclass(slots=True)
class ProductStock:
    """A product's stock: ``on_hand`` and ``available`` are totals over every level of
    the product, loaded or not; ``levels`` are those loaded (:meth:`hold`), and an
    operation may touch only those.

    Invariants: on hand never negative, ``0 <= reserved <= on_hand`` at every level,
    on hand moves only by the effects of the moves it returns, an archived product
    takes no movement or reservation, and every receipt refolds the average cost
    (AVCO) over the units held before it.
    """

    product: Product
    on_hand: int
    available: int
    levels: dict[Place, StockLevel] = field(default_factory=dict)

    @property
    def sku(self) -> str:
        return self.product.sku

    def hold(self, levels: Iterable[StockLevel]) -> None:
        """Take loaded levels of this product in (a place already held keeps its level)."""
        for level in levels:
            self.levels.setdefault(level.place, level)

    def receive(self, place: Place, quantity: int, unit_cost: Decimal, at: datetime) -> StockChange:
        """Units arrive at ``place`` at ``unit_cost`` each; the average cost is refolded."""
        self.product.ensure_active()
        self.levels[place].check_receipt(quantity)
        self.product.revalue(self.on_hand, quantity, unit_cost, at)
        move = Move(MovementType.RECEIPT, place.warehouse, quantity, unit_cost=money(unit_cost))
        return self._moved(move, revalued=True)

    def issue(self, place: Place, quantity: int) -> StockChange:
        """Unreserved units leave from ``place``."""
        self.product.ensure_active()
        self.levels[place].check_issue(quantity)
        return self._moved(Move(MovementType.ISSUE, place.warehouse, quantity))

    def transfer(self, source: Place, destination: Place, quantity: int) -> StockChange:
        """Unreserved units move from ``source`` to a different ``destination``."""
        self.product.ensure_active()
        if source == destination:
            raise ValidationFailed(
                "to_warehouse: must differ from from_warehouse",
                (FieldError("to_warehouse", "must differ from from_warehouse"),),
            )
        self.levels[source].check_issue(quantity)
        self.levels[destination].check_receipt(quantity)
        move = Move(
            MovementType.TRANSFER, source.warehouse, quantity, to_warehouse=destination.warehouse
        )
        return self._moved(move)

    def adjust(self, place: Place, counted: int, reason: AdjustmentReason) -> StockChange:
        """On hand at ``place`` becomes the counted figure; the move carries the difference."""
        self.product.ensure_active()
        level = self.levels[place]
        level.check_count(counted)
        move = Move(
            MovementType.ADJUSTMENT, place.warehouse, counted - level.on_hand, reason=reason
        )
        return self._moved(move)

    def allocate(self, place: Place, quantity: int) -> StockChange:
        """Reserve available units at ``place`` for an order."""
        self.product.ensure_active()
        level = self.levels[place]
        level.reserve(quantity)
        return self._reserved(level, -quantity)

    def release(self, place: Place, quantity: int) -> StockChange:
        """Give reserved units at ``place`` back to available stock."""
        level = self.levels[place]
        level.release(quantity)
        return self._reserved(level, quantity)

    def ship(self, place: Place, quantity: int) -> StockChange:
        """Issue reserved units from ``place``: on hand and reserved fall together, so
        the total available stays as it was."""
        level = self.levels[place]
        level.ship(quantity)
        self.on_hand -= quantity
        return StockChange((level,), Move(MovementType.ISSUE, place.warehouse, quantity))

    def _moved(self, move: Move, revalued: bool = False) -> StockChange:
        # The one place on hand changes for a movement: by the move's own effects,
        # the same rule the ledger is summed by. Reservations are untouched, so
        # available moves with on hand.
        levels = []
        net = 0
        for warehouse, change in move.effects():
            level = self.levels[Place(warehouse)]
            level.on_hand += change
            levels.append(level)
            net += change
        self.on_hand += net
        return StockChange(tuple(levels), move, revalued, self._change_available(net))

    def _reserved(self, level: StockLevel, change: int) -> StockChange:
        return StockChange((level,), low_stock=self._change_available(change))

    def _change_available(self, change: int) -> LowStock | None:
        before = self.available
        self.available = before + change
        return LowStock.crossing(self.product, before, self.available)
