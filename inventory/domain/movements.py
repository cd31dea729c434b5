"""The ledger: immutable stock movements, the only way stock ever changes.

``OUTFLOWS`` is the one sign rule: what each movement type does to on hand.
See docs/adr/0016-product-stock-aggregate.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from inventory.domain.packs import Entered


class MovementType(StrEnum):
    RECEIPT = "receipt"
    ISSUE = "issue"
    TRANSFER = "transfer"
    ADJUSTMENT = "adjustment"


OUTFLOWS = frozenset({MovementType.ISSUE, MovementType.TRANSFER})
"""The types that take ``quantity`` out of ``warehouse``; the others add it (an
adjustment's quantity is already signed). A transfer also adds it to ``to_warehouse``."""


class AdjustmentReason(StrEnum):
    COUNT = "count"
    DAMAGE = "damage"
    LOSS = "loss"
    FOUND = "found"
    CORRECTION = "correction"
    EXPIRED = "expired"


def effects(
    type: MovementType, warehouse: str, quantity: int, to_warehouse: str | None
) -> Iterator[tuple[str, int]]:
    """The signed change to on hand a movement makes, per warehouse."""
    yield warehouse, -quantity if type in OUTFLOWS else quantity
    if type is MovementType.TRANSFER:
        assert to_warehouse is not None
        yield to_warehouse, quantity


@dataclass(frozen=True, slots=True)
class MoveLine:
    """What a movement did at one (location, lot): ``quantity`` follows the movement's
    sign rule (signed for an adjustment); a transfer's line names both locations;
    ``serials`` are the units it moved, for a serial-tracked product."""

    location: str
    lot: str | None
    quantity: int
    to_location: str | None = None
    serials: tuple[str, ...] = ()


def slot_effects(
    type: MovementType, warehouse: str, to_warehouse: str | None, lines: tuple[MoveLine, ...]
) -> Iterator[tuple[str, str, str | None, int]]:
    """The signed change to on hand a movement makes, per (warehouse, location, lot):
    the same rule as :func:`effects`, line by line."""
    for line in lines:
        yield (
            warehouse,
            line.location,
            line.lot,
            (-line.quantity if type in OUTFLOWS else line.quantity),
        )
        if type is MovementType.TRANSFER:
            assert to_warehouse is not None
            assert line.to_location is not None
            yield to_warehouse, line.to_location, line.lot, line.quantity


@dataclass(frozen=True, slots=True)
class Move:
    """What the stock decided a movement does, before the ledger gives it an id,
    a time, an author, a reference and a note (see :class:`Movement`)."""

    type: MovementType
    warehouse: str
    quantity: int
    to_warehouse: str | None = None
    unit_cost: Decimal | None = None
    reason: AdjustmentReason | None = None
    lines: tuple[MoveLine, ...] = ()

    def effects(self) -> Iterator[tuple[str, int]]:
        """The signed change to on hand this move makes, per warehouse."""
        return effects(self.type, self.warehouse, self.quantity, self.to_warehouse)

    def slot_effects(self) -> Iterator[tuple[str, str, str | None, int]]:
        """The signed change to on hand this move makes, per (warehouse, location, lot)."""
        return slot_effects(self.type, self.warehouse, self.to_warehouse, self.lines)

    def recorded(
        self,
        id: str,
        sku: str,
        at: datetime,
        by: str,
        reference: str | None = None,
        note: str | None = None,
        entered: Entered | None = None,
    ) -> Movement:
        """The ledger line of this move."""
        return Movement(
            id, self.type, sku, self.warehouse, self.quantity, at, by, reference, note,
            self.to_warehouse, self.unit_cost, self.reason, self.lines, entered,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Movement:
    """One line of the ledger.

    ``warehouse`` is where the stock moved (the source of a transfer);
    ``to_warehouse`` is set for transfers only. ``quantity`` is positive,
    except for adjustments where it is the signed difference.
    """

    id: str
    type: MovementType
    sku: str
    warehouse: str
    quantity: int
    created_at: datetime
    created_by: str
    reference: str | None = None
    note: str | None = None
    to_warehouse: str | None = None
    unit_cost: Decimal | None = None
    reason: AdjustmentReason | None = None
    lines: tuple[MoveLine, ...] = ()
    """Where it took and put the units, one line per (location, lot)."""
    entered: Entered | None = None
    """The quantity as the client entered it, when it named a unit (for an adjustment,
    the counted figure); ``quantity`` is always in base units."""

    def effects(self) -> Iterator[tuple[str, int]]:
        """The signed change to on hand this movement makes, per warehouse."""
        return effects(self.type, self.warehouse, self.quantity, self.to_warehouse)

    def slot_effects(self) -> Iterator[tuple[str, str, str | None, int]]:
        """The signed change to on hand this movement makes, per (warehouse, location, lot)."""
        return slot_effects(self.type, self.warehouse, self.to_warehouse, self.lines)
