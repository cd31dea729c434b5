"""Serial-numbered units of serial-tracked products: where each one is, and what it is doing.

A serial is unique within its product while it is held (in stock or reserved);
once it has left (shipped, issued, written off) the same serial may be received
again, as a returned unit is. See docs/adr/0022-serial-numbers.md.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from inventory.domain.locations import Location
from inventory.domain.lots import check_new_serials
from inventory.domain.picking import SerialUnit


class SerialStatus(StrEnum):
    IN_STOCK = "in_stock"
    RESERVED = "reserved"
    SHIPPED = "shipped"
    ISSUED = "issued"
    WRITTEN_OFF = "written_off"


HELD = frozenset({SerialStatus.IN_STOCK, SerialStatus.RESERVED})
"""The statuses of a unit still in a warehouse: it counts in its slot's on hand."""


@dataclass(slots=True)
class SerialState:
    """One serial-numbered unit: its last place (where it is, if held), its status, when
    it was last received, and the order that reserved or shipped it."""

    sku: str
    serial: str
    warehouse: str
    location: str
    status: SerialStatus
    received_at: datetime
    order_id: str | None = None

    @property
    def held(self) -> bool:
        return self.status in HELD

    def reserve(self, order_id: str | None) -> None:
        self.status, self.order_id = SerialStatus.RESERVED, order_id

    def release(self) -> None:
        self.status, self.order_id = SerialStatus.IN_STOCK, None

    def leave(self, status: SerialStatus) -> None:
        """The unit leaves stock: shipped (keeping its order), issued or written off."""
        self.status = status
        if status is not SerialStatus.SHIPPED:
            self.order_id = None

    def move(self, warehouse: str, location: str) -> None:
        self.warehouse, self.location = warehouse, location


def arrivals(
    sku: str,
    warehouse: str,
    location: str,
    quantity: int,
    serials: Sequence[str],
    known: Mapping[str, SerialState],
    at: datetime,
) -> tuple[SerialState, ...]:
    """The units a receipt or a count up brings to (warehouse, location): one serial
    per unit, none named twice (422), none held now among the ``known`` units (409)."""
    held = [serial for serial in serials if serial in known and known[serial].held]
    check_new_serials(serials, quantity, held)
    return tuple(
        SerialState(sku, serial, warehouse, location, SerialStatus.IN_STOCK, at)
        for serial in serials
    )


def free_units(
    states: Iterable[SerialState],
    warehouse: str,
    pickable: Mapping[tuple[str, str], bool],
    leave: str | None = None,
) -> list[SerialUnit]:
    """The units in stock and not reserved in ``warehouse`` (but at ``leave``), as the
    picking rule sees them."""
    return [
        SerialUnit(
            s.serial,
            Location(warehouse, s.location, pickable=pickable[warehouse, s.location]),
            s.received_at,
        )
        for s in states
        if s.status is SerialStatus.IN_STOCK and s.warehouse == warehouse and s.location != leave
    ]


def names(states: Iterable[SerialState]) -> tuple[str, ...]:
    return tuple(state.serial for state in states)


def held_by_slot(states: Iterable[SerialState]) -> Counter[tuple[str, str]]:
    """How many held units each (warehouse, location) has."""
    return Counter((s.warehouse, s.location) for s in states if s.held)


def reserved_by_slot(states: Iterable[SerialState]) -> Counter[tuple[str, str]]:
    """How many reserved units each (warehouse, location) has."""
    return Counter((s.warehouse, s.location) for s in states if s.status is SerialStatus.RESERVED)
