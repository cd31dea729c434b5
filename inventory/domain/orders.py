"""Orders: reservations of stock that are later shipped, cancelled or expire."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from inventory.domain.errors import FieldError, InsufficientStock, InvalidState
from inventory.domain.stock import StockLevel


class OrderStatus(StrEnum):
    RESERVED = "reserved"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class OrderLine:
    sku: str
    quantity: int


Levels = Mapping[tuple[str, str], StockLevel]


@dataclass(slots=True)
class Order:
    """A multi-line reservation in one warehouse.

    ``reserved -> shipped | cancelled | expired``; every other transition is
    refused. All lines are reserved together or not at all.
    """

    id: str
    reference: str
    warehouse: str
    lines: tuple[OrderLine, ...]
    created_at: datetime
    updated_at: datetime
    status: OrderStatus = OrderStatus.RESERVED
    expires_at: datetime | None = None

    @classmethod
    def reserve(
        cls,
        id: str,
        reference: str,
        warehouse: str,
        lines: Sequence[OrderLine],
        levels: Levels,
        at: datetime,
        expires_at: datetime | None = None,
    ) -> Order:
        """Reserve every line, or raise naming each short line and reserve nothing."""
        short = tuple(
            FieldError(
                f"lines.{n}.quantity",
                f"{line.sku}: wanted {line.quantity}, "
                f"only {levels[line.sku, warehouse].available} available",
            )
            for n, line in enumerate(lines)
            if line.quantity > levels[line.sku, warehouse].available
        )
        if short:
            raise InsufficientStock(
                f"order {reference!r}: {len(short)} line(s) short in {warehouse}", short
            )
        for line in lines:
            levels[line.sku, warehouse].reserve(line.quantity)
        return cls(id, reference, warehouse, tuple(lines), at, at, expires_at=expires_at)

    @property
    def stock_keys(self) -> list[tuple[str, str]]:
        return [(line.sku, self.warehouse) for line in self.lines]

    def ship(self, levels: Levels, at: datetime) -> None:
        """Issue every reserved line; the caller records one issue movement per line."""
        self._leave_reserved(OrderStatus.SHIPPED, at)
        for line in self.lines:
            levels[line.sku, self.warehouse].ship(line.quantity)

    def cancel(self, levels: Levels, at: datetime) -> None:
        """Release the reservation."""
        self._leave_reserved(OrderStatus.CANCELLED, at)
        self._release(levels)

    def expire(self, levels: Levels, at: datetime) -> None:
        """Release the reservation of an order past its ``expires_at``."""
        if self.expires_at is None or self.expires_at > at:
            raise InvalidState(f"order {self.reference!r} has not expired")
        self._leave_reserved(OrderStatus.EXPIRED, at)
        self._release(levels)

    def _release(self, levels: Levels) -> None:
        for line in self.lines:
            levels[line.sku, self.warehouse].release(line.quantity)

    def _leave_reserved(self, status: OrderStatus, at: datetime) -> None:
        if self.status is not OrderStatus.RESERVED:
            raise InvalidState(
                f"order {self.reference!r} is {self.status.value}; it cannot be {status.value}"
            )
        self.status = status
        self.updated_at = at
