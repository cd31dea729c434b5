"""Stock levels: what one warehouse holds of one product."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from inventory.domain.errors import Conflict, InsufficientStock

MAX_UNITS = 10**15
"""The most units one level may hold: far beyond any warehouse, well inside a
64-bit integer column, and small enough that n*a + q*c stays exact."""


class Place(NamedTuple):
    """Where one level of a product's stock is: a warehouse.

    Locations and lots (API.md §11 to §12) join as further fields with defaults,
    so a place named by its warehouse alone keeps meaning what it means today.
    """

    warehouse: str


class Slot(NamedTuple):
    """Where one unit of stock sits: a location of a warehouse, and its lot (None for
    a product not tracked by lot). Stock is kept per (sku, slot); see
    docs/adr/0020-stock-by-location-and-lot.md."""

    warehouse: str
    location: str
    lot: str | None = None


@dataclass(slots=True)
class StockLevel:
    """On hand and reserved units of one sku in one warehouse.

    Invariant, held by every method: ``0 <= reserved <= on_hand``.
    """

    sku: str
    warehouse: str
    on_hand: int = 0
    reserved: int = 0

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @property
    def key(self) -> tuple[str, str]:
        return (self.sku, self.warehouse)

    @property
    def place(self) -> Place:
        return Place(self.warehouse)

    def receive(self, quantity: int) -> None:
        self.check_receipt(quantity)
        self.on_hand += quantity

    def issue(self, quantity: int) -> None:
        """Take unreserved units out of the warehouse."""
        self.check_issue(quantity)
        self.on_hand -= quantity

    def count(self, counted: int) -> int:
        """Set on hand to a counted figure; returns the signed difference."""
        self.check_count(counted)
        difference = counted - self.on_hand
        self.on_hand = counted
        return difference

    def check_receipt(self, quantity: int) -> None:
        """Refuse a receipt that would take on hand past ``MAX_UNITS``."""
        self._require_room(self.on_hand + quantity)

    def check_issue(self, quantity: int) -> None:
        """Refuse taking out more than is available (on hand less reserved)."""
        self._require_available(quantity)

    def check_count(self, counted: int) -> None:
        """Refuse a counted figure past ``MAX_UNITS`` or below the units reserved."""
        self._require_room(counted)
        if counted < self.reserved:
            raise InsufficientStock(
                f"{self.where()}: counted {counted} is below the {self.reserved} units reserved"
            )

    def reserve(self, quantity: int) -> None:
        self._require_available(quantity)
        self.reserved += quantity

    def release(self, quantity: int) -> None:
        """Give reserved units back to available stock."""
        self._require_reserved(quantity)
        self.reserved -= quantity

    def ship(self, quantity: int) -> None:
        """Issue reserved units: on hand and reserved both fall."""
        self._require_reserved(quantity)
        self.reserved -= quantity
        self.on_hand -= quantity

    def where(self) -> str:
        """The level named for a message."""
        return f"{self.sku} in {self.warehouse}"

    def _require_reserved(self, quantity: int) -> None:
        # Only a corrupted level can get here: orders release what they reserved.
        if quantity > self.reserved:
            raise InsufficientStock(
                f"{self.where()}: {quantity} to release, only {self.reserved} reserved"
            )

    def _require_room(self, on_hand: int) -> None:
        if on_hand > MAX_UNITS:
            raise Conflict(
                f"{self.where()}: {on_hand} units would exceed the {MAX_UNITS} one level may hold"
            )

    def _require_available(self, quantity: int) -> None:
        if quantity > self.available:
            raise InsufficientStock(
                f"{self.where()}: wanted {quantity}, only {self.available} available"
            )


@dataclass(slots=True)
class SlotLevel(StockLevel):
    """On hand and reserved units of one sku at one location and lot of a warehouse;
    the same invariant as every level. The (sku, warehouse) level is their sum."""

    location: str = ""
    lot: str | None = None

    @property
    def slot(self) -> Slot:
        return Slot(self.warehouse, self.location, self.lot)

    def where(self) -> str:
        lot = "" if self.lot is None else f", lot {self.lot}"
        return f"{self.sku} in {self.warehouse} at {self.location}{lot}"
