"""Orders: reservations of stock that are later shipped, cancelled or expire."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from inventory.domain.errors import FieldError, InsufficientStock, InvalidState
from inventory.domain.packs import Entered
from inventory.domain.picking import Allocation
from inventory.domain.product_stock import ProductStock
from inventory.domain.stock_change import StockChange


class OrderStatus(StrEnum):
    RESERVED = "reserved"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class OrderLine:
    """A line of an order: what it asked for (``location``, ``lot`` or ``serials`` only
    if it named them) and, once reserved, the (location, lot, serials) units it holds."""

    sku: str
    quantity: int
    location: str | None = None
    lot: str | None = None
    allocations: tuple[Allocation, ...] = ()
    serials: tuple[str, ...] | None = None
    """The serial-numbered units the line named, if any."""
    entered: Entered | None = None
    """The quantity as the client entered it, when it named a unit; ``quantity`` is
    always in base units."""


Stocks = Mapping[str, ProductStock]
"""Each line's product stock, by sku, with its level in the order's warehouse loaded."""


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
        stocks: Stocks,
        at: datetime,
        today: date,
        expires_at: datetime | None = None,
    ) -> tuple[Order, list[StockChange]]:
        """Allocate every line by the picking rule (or where it names), or raise naming
        each short line and allocate nothing. ``today`` is the date expiry is judged by."""
        short = []
        for n, line in enumerate(lines):
            try:
                stocks[line.sku].take(
                    warehouse,
                    line.quantity,
                    today,
                    location=line.location,
                    lot=line.lot,
                    serials=line.serials,
                    subject=line.sku,
                )
            except InsufficientStock as exc:
                short.append(FieldError(f"lines.{n}.quantity", exc.detail))
        if short:
            raise InsufficientStock(
                f"order {reference!r}: {len(short)} line(s) short in {warehouse}", tuple(short)
            )
        changes = []
        allocated = []
        for line in lines:
            taken, change = stocks[line.sku].allocate(
                warehouse,
                line.quantity,
                today,
                location=line.location,
                lot=line.lot,
                serials=line.serials,
                order=id,
            )
            changes.append(change)
            # The allocations name the units taken; what the line named is not kept.
            allocated.append(replace(line, allocations=taken, serials=None))
        lines = allocated
        order = cls(id, reference, warehouse, tuple(lines), at, at, expires_at=expires_at)
        return order, changes

    @property
    def stock_keys(self) -> list[tuple[str, str]]:
        return [(line.sku, self.warehouse) for line in self.lines]

    @property
    def skus(self) -> list[str]:
        return [line.sku for line in self.lines]

    def ship(self, stocks: Stocks, at: datetime) -> list[StockChange]:
        """Ship every allocated line: one issue move per line, for the ledger."""
        self._leave_reserved(OrderStatus.SHIPPED, at)
        return [stocks[line.sku].ship(self.warehouse, line.allocations) for line in self.lines]

    def cancel(self, stocks: Stocks, at: datetime) -> list[StockChange]:
        """Release the reservation."""
        self._leave_reserved(OrderStatus.CANCELLED, at)
        return self._release(stocks)

    def expire(self, stocks: Stocks, at: datetime) -> list[StockChange]:
        """Release the reservation of an order past its ``expires_at``."""
        if self.expires_at is None or self.expires_at > at:
            raise InvalidState(f"order {self.reference!r} has not expired")
        self._leave_reserved(OrderStatus.EXPIRED, at)
        return self._release(stocks)

    def _release(self, stocks: Stocks) -> list[StockChange]:
        return [stocks[line.sku].release(self.warehouse, line.allocations) for line in self.lines]

    def _leave_reserved(self, status: OrderStatus, at: datetime) -> None:
        if self.status is not OrderStatus.RESERVED:
            raise InvalidState(
                f"order {self.reference!r} is {self.status.value}; it cannot be {status.value}"
            )
        self.status = status
        self.updated_at = at
