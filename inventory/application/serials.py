"""Use cases of serial numbers: where one unit is now, and its history (API.md §12)."""

from __future__ import annotations

from dataclasses import dataclass

from inventory.application.catalog import require_product
from inventory.application.ports import UnitOfWork
from inventory.domain.errors import NotFound
from inventory.domain.movements import Movement
from inventory.domain.serials import SerialState


@dataclass(frozen=True, slots=True)
class SerialTrace:
    """One serial-numbered unit: its state now and every movement that moved it."""

    unit: SerialState
    movements: list[Movement]


def trace_serial(sku: str, serial: str, uow: UnitOfWork) -> SerialTrace:
    """Where the unit ``serial`` of ``sku`` is now (or the order that shipped it), and
    every movement that moved it, oldest first; ``NotFound`` if it was never received."""
    with uow.reading():
        require_product(uow, sku)
        unit = uow.serials.get_many(sku, [serial]).get(serial)
        if unit is None:
            raise NotFound(f"serial {serial!r} of product {sku!r} not found")
        movements = uow.movements.touching_serial(sku, serial)
    return SerialTrace(unit, movements)
