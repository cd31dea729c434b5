"""The ledger: immutable stock movements, the only way stock ever changes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class MovementType(StrEnum):
    RECEIPT = "receipt"
    ISSUE = "issue"
    TRANSFER = "transfer"
    ADJUSTMENT = "adjustment"


class AdjustmentReason(StrEnum):
    COUNT = "count"
    DAMAGE = "damage"
    LOSS = "loss"
    FOUND = "found"
    CORRECTION = "correction"


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

    def effects(self) -> Iterator[tuple[str, int]]:
        """The signed change to on hand this movement makes, per warehouse."""
        match self.type:
            case MovementType.RECEIPT | MovementType.ADJUSTMENT:
                yield self.warehouse, self.quantity
            case MovementType.ISSUE:
                yield self.warehouse, -self.quantity
            case MovementType.TRANSFER:
                assert self.to_warehouse is not None
                yield self.warehouse, -self.quantity
                yield self.to_warehouse, self.quantity
