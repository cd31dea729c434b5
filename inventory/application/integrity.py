"""The integrity check: every stored figure recomputed from the ledger and the orders."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from inventory.application.ports import SlotKey, StockKey, UnitOfWork
from inventory.application.queries import MovementFilter
from inventory.domain.lots import Tracking
from inventory.domain.movements import MovementType
from inventory.domain.orders import Order, OrderStatus
from inventory.domain.serials import SerialStatus
from inventory.domain.valuation import ZERO, moving_average


@dataclass(frozen=True, slots=True)
class Drift:
    """A stored figure that disagrees with what the ledger or the open orders say."""

    what: str  # "on_hand", "reserved", "average_cost", "serials" (units held) or
    # "reserved_serials" (units reserved, against the slot's reserved and the orders)
    sku: str
    warehouse: str | None
    stored: str
    expected: str

    def __str__(self) -> str:
        where = f" in {self.warehouse}" if self.warehouse else ""
        return f"{self.what} of {self.sku}{where}: stored {self.stored}, expected {self.expected}"


def check_integrity(uow: UnitOfWork) -> list[Drift]:
    """Recompute on hand from the ledger, reserved from open orders and AVCO from
    receipts, per (sku, warehouse) and per (sku, warehouse, location, lot); and the
    serial-numbered units held at each slot of a serial-tracked product, which must
    number its on hand by the ledger."""
    with uow.reading():
        ledger = dict(uow.movements.on_hand_by_ledger())
        reserved = dict(uow.orders.reserved_by_open_orders())
        slots = dict(uow.movements.slots_by_ledger())
        return [
            *_level_drifts(uow, ledger, reserved),
            *_slot_drifts(uow, slots),
            *_serial_drifts(uow, slots),
            *_reserved_serial_drifts(uow),
            *_cost_drifts(uow),
        ]


def _serial_drifts(uow: UnitOfWork, ledger: dict[SlotKey, int]) -> list[Drift]:
    tracked = {p.sku for p in uow.products.stream() if p.details.tracking is Tracking.SERIAL}
    held = dict(uow.serials.held_by_slot())
    wanted = {key for key, on_hand in ledger.items() if key[0] in tracked and on_hand}
    drifts = []
    for key in sorted(held.keys() | wanted, key=_slot_order):
        sku, warehouse, location, lot = key
        expected = ledger.get(key, 0) if sku in tracked else 0
        if held.get(key, 0) != expected:
            where = f"{warehouse} at {location}" + ("" if lot is None else f", lot {lot}")
            drifts.append(Drift("serials", sku, where, str(held.get(key, 0)), str(expected)))
    return drifts


def _reserved_serial_drifts(uow: UnitOfWork) -> list[Drift]:
    # Every unit marked reserved is held by a reserved order's allocation of it, and
    # a serial-tracked slot's reserved figure counts its reserved units.
    tracked = {p.sku for p in uow.products.stream() if p.details.tracking is Tracking.SERIAL}
    counted: dict[SlotKey, int] = {}
    orders: dict[str, Order | None] = {}
    drifts = []
    for unit in uow.serials.stream():
        if unit.status is not SerialStatus.RESERVED:
            continue
        key: SlotKey = (unit.sku, unit.warehouse, unit.location, None)
        counted[key] = counted.get(key, 0) + 1
        if unit.order_id is not None and unit.order_id not in orders:
            orders[unit.order_id] = uow.orders.get(unit.order_id)
        order = None if unit.order_id is None else orders[unit.order_id]
        if order is None or not _allocates(order, unit.sku, unit.serial):
            where = f"{unit.warehouse} at {unit.location}"
            by = f"{unit.serial} reserved by order {unit.order_id}"
            drifts.append(Drift("reserved_serials", unit.sku, where, by, "no such allocation"))
    for level in uow.stock.stream_slots():
        slot: SlotKey = (level.sku, *level.slot)
        if level.sku in tracked and level.reserved != counted.get(slot, 0):
            where = f"{level.warehouse} at {level.location}"
            stored, expected = str(counted.get(slot, 0)), str(level.reserved)
            drifts.append(Drift("reserved_serials", level.sku, where, stored, expected))
    return drifts


def _allocates(order: Order, sku: str, serial: str) -> bool:
    return order.status is OrderStatus.RESERVED and any(
        serial in allocation.serials
        for line in order.lines
        if line.sku == sku
        for allocation in line.allocations
    )


def _slot_drifts(uow: UnitOfWork, ledger: dict[SlotKey, int]) -> list[Drift]:
    reserved = dict(uow.orders.reserved_slots_by_open_orders())
    drifts = []
    stored: dict[SlotKey, tuple[int, int]] = {}
    for level in uow.stock.stream_slots():
        stored[(level.sku, *level.slot)] = (level.on_hand, level.reserved)
    for key in sorted(stored.keys() | ledger.keys() | reserved.keys(), key=_slot_order):
        on_hand, held = stored.get(key, (0, 0))
        sku, warehouse, location, lot = key
        where = f"{warehouse} at {location}" + ("" if lot is None else f", lot {lot}")
        for what, figure, expected in (
            ("on_hand", on_hand, ledger.get(key, 0)),
            ("reserved", held, reserved.get(key, 0)),
        ):
            if figure != expected:
                drifts.append(Drift(what, sku, where, str(figure), str(expected)))
    return drifts


def _slot_order(key: SlotKey) -> tuple[str, str, str, str]:
    return (key[0], key[1], key[2], key[3] or "")


def _level_drifts(
    uow: UnitOfWork, ledger: dict[StockKey, int], reserved: dict[StockKey, int]
) -> list[Drift]:
    drifts = []
    stored_keys = set()
    for level in uow.stock.stream():
        stored_keys.add(level.key)
        for what, stored, expected in (
            ("on_hand", level.on_hand, ledger.get(level.key, 0)),
            ("reserved", level.reserved, reserved.get(level.key, 0)),
        ):
            if stored != expected:
                drifts.append(Drift(what, level.sku, level.warehouse, str(stored), str(expected)))
    for figures, what in ((ledger, "on_hand"), (reserved, "reserved")):
        for (sku, warehouse), expected in figures.items():
            if expected and (sku, warehouse) not in stored_keys:
                drifts.append(Drift(what, sku, warehouse, "0 (no level)", str(expected)))
    return drifts


def _cost_drifts(uow: UnitOfWork) -> list[Drift]:
    # Replay AVCO over the whole ledger: the stored average must be what the
    # receipts, in order, produce.
    held: dict[str, int] = {}
    average: dict[str, Decimal] = {}
    for m in uow.movements.stream(MovementFilter()):
        n = held.get(m.sku, 0)
        if m.type is MovementType.RECEIPT:
            assert m.unit_cost is not None
            average[m.sku] = moving_average(n, average.get(m.sku, ZERO), m.quantity, m.unit_cost)
        held[m.sku] = n + sum(change for _, change in m.effects())
    return [
        Drift("average_cost", p.sku, None, f"{p.average_cost:.4f}", f"{expected:.4f}")
        for p in uow.products.stream()
        if p.average_cost != (expected := average.get(p.sku, ZERO))
    ]
