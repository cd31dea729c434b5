"""The (location, lot) contract: levels per slot, the movement lines and order
allocations that change them, and their sums (API.md §11, §12).

Every test runs once per storage adapter (see ``conftest.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from inventory.application.listing import MOVEMENT_SORTS, ORDER_SORTS
from inventory.application.ports import HeldSlot, SlotFigures, SlotKey, Storage
from inventory.application.queries import MovementFilter, OrderFilter
from inventory.application.scopes import LEVELS, product, scopes, warehouse
from inventory.domain.locations import LocationKind
from inventory.domain.movements import AdjustmentReason, MoveLine, Movement, MovementType
from inventory.domain.orders import Order, OrderLine, OrderStatus
from inventory.domain.picking import Allocation
from inventory.domain.stock import SlotLevel, StockLevel
from tests.factories import (
    T0,
    LocationFactory,
    LotFactory,
    MovementFactory,
    OrderFactory,
    SlotLevelFactory,
)
from tests.integration.contract import SECOND, given, page_through, products, reading, warehouses

LOCATIONS = (
    LocationFactory(warehouse="W1", code="DEFAULT"),
    LocationFactory(warehouse="W1", code="B-1"),
    LocationFactory(warehouse="W1", code="B-2"),
    LocationFactory(warehouse="W1", code="DOCK", kind=LocationKind.STAGING, pickable=False),
    LocationFactory(warehouse="W2", code="DEFAULT"),
    LocationFactory(warehouse="W2", code="B-1"),
)
"""W1 and W2's locations; DEFAULT is each one's default, DOCK is not pickable."""

DATED = LotFactory(
    code="L-10",
    expires_on=date(2027, 1, 31),
    manufactured_on=date(2026, 10, 1),
    received_at=T0 + timedelta(microseconds=7),
)
UNDATED = LotFactory(code="L-9")
"""B's lots: 'L-10' sorts before 'L-9' as text, as every adapter orders codes."""


def slot(
    sku: str, warehouse: str, location: str, lot: str | None, on_hand: int, reserved: int = 0
) -> SlotLevel:
    return SlotLevelFactory(
        sku=sku, warehouse=warehouse, location=location, lot=lot, on_hand=on_hand,
        reserved=reserved,
    )  # fmt: skip


def floor(storage: Storage, *slots: SlotLevel) -> None:
    """Warehouses W1 and W2 with ``LOCATIONS``, products A and B (B's lots ``DATED`` and
    ``UNDATED``), then ``slots`` with the (sku, warehouse) levels they sum to."""
    given(storage, *warehouses("W1", "W2"), *products("A", "B"))
    with storage.unit_of_work() as uow:
        for location in LOCATIONS:
            if location.code != "DEFAULT":  # each warehouse's default came with it
                uow.locations.add(location)
        uow.lots.add_all([("B", DATED), ("B", UNDATED)])
        uow.stock.save_all(summed(slots))
        uow.stock.save_slots(slots)
        uow.commit()


def summed(slots: Iterable[SlotLevel]) -> list[StockLevel]:
    """The (sku, warehouse) levels ``slots`` add up to."""
    levels: dict[tuple[str, str], StockLevel] = {}
    for s in slots:
        level = levels.setdefault(s.key, StockLevel(s.sku, s.warehouse))
        level.on_hand += s.on_hand
        level.reserved += s.reserved
    return list(levels.values())


def in_key_order(held: Iterable[HeldSlot]) -> list[HeldSlot]:
    return sorted(held, key=lambda h: slot_order(h.level))


def slot_order(level: SlotLevel) -> tuple[str, str, str, str]:
    """(sku, warehouse, location, lot): no lot sorts first, as '' does in SQL."""
    return level.sku, level.warehouse, level.location, level.lot or ""


# --- levels per (location, lot) --------------------------------------------------------


def test_saved_slots_come_back_with_their_locations_pickable_flag_and_their_lot(
    storage: Storage,
) -> None:
    a_bin, a_dock, b_dated, b_undated, b_empty, elsewhere = [
        slot("A", "W1", "B-1", None, 5, 2),
        slot("A", "W1", "DOCK", None, 3),
        slot("B", "W1", "B-1", "L-10", 4, 4),
        slot("B", "W1", "B-1", "L-9", 1),
        slot("B", "W2", "DEFAULT", "L-10", 0),
        slot("A", "W2", "DEFAULT", None, 6),
    ]
    floor(storage, a_bin, a_dock, b_dated, b_undated, b_empty, elsewhere)

    with reading(storage) as uow:
        held = uow.stock.slots(iter([("B", "W1"), ("A", "W1"), ("B", "W2"), ("A", "NOPE")]))
        none = uow.stock.slots([])

    assert in_key_order(held) == [
        HeldSlot(a_bin, pickable=True, lot=None),
        HeldSlot(a_dock, pickable=False, lot=None),
        HeldSlot(b_dated, pickable=True, lot=DATED),
        HeldSlot(b_undated, pickable=True, lot=UNDATED),
    ]  # b_empty, stored, holds nothing: a writer needs it no more than a level never made
    assert all(type(h.level) is SlotLevel for h in held)
    dated = next(h.lot for h in held if h.level.lot == "L-10")
    assert dated is not None
    assert dated.received_at == T0 + timedelta(microseconds=7)
    assert (dated.expires_on, dated.manufactured_on) == (date(2027, 1, 31), date(2026, 10, 1))
    assert none == []


def test_saving_slots_inserts_new_ones_and_updates_stored_ones(storage: Storage) -> None:
    floor(storage, slot("A", "W1", "B-1", None, 5), slot("B", "W1", "B-1", "L-9", 2))

    with storage.unit_of_work() as uow:
        uow.stock.save_all([StockLevel("A", "W1", 9, 4), StockLevel("B", "W1", 0)])
        uow.stock.save_slots(
            s
            for s in [
                slot("A", "W1", "B-1", None, 2),
                slot("A", "W1", "B-2", None, 7, 4),
                slot("B", "W1", "B-1", "L-9", 0),
            ]
        )
        uow.stock.save_slots([])
        uow.commit()

    with reading(storage) as uow:
        assert list(uow.stock.stream_slots()) == [
            slot("A", "W1", "B-1", None, 2),
            slot("A", "W1", "B-2", None, 7, 4),
            slot("B", "W1", "B-1", "L-9", 0),
        ]


def b_spread() -> list[SlotLevel]:
    """Product B over two warehouses, its locations and lots, one level emptied."""
    return [
        slot("B", "W2", "DEFAULT", "L-10", 2),
        slot("B", "W1", "B-2", "L-9", 1),
        slot("B", "W1", "B-1", "L-9", 3, 1),
        slot("B", "W1", "B-1", "L-10", 6),
        slot("B", "W1", "B-2", "L-10", 0),  # holds nothing
        slot("B", "W1", "B-1", None, 1),
        slot("B", "W1", "DOCK", "L-10", 2, 2),
    ]


def test_a_products_slots_holding_stock_come_by_warehouse_location_then_lot(
    storage: Storage,
) -> None:
    b = b_spread()
    floor(storage, *b, slot("A", "W1", "B-1", None, 4))

    with reading(storage) as uow:
        held = uow.stock.slots_of_product("B")
        none = uow.stock.slots_of_product("NOPE")

    assert [(h.level.warehouse, h.level.location, h.level.lot) for h in held] == [
        ("W1", "B-1", None),
        ("W1", "B-1", "L-10"),
        ("W1", "B-1", "L-9"),
        ("W1", "B-2", "L-9"),
        ("W1", "DOCK", "L-10"),
        ("W2", "DEFAULT", "L-10"),
    ]
    assert in_key_order(held) == in_key_order(
        HeldSlot(s, s.location != "DOCK", {"L-10": DATED, "L-9": UNDATED}.get(s.lot or ""))
        for s in b
        if s.on_hand
    )
    assert none == []


def test_a_products_slot_figures_are_its_slots_figures_with_their_lots_expiry(
    storage: Storage,
) -> None:
    floor(storage, *b_spread(), slot("A", "W1", "B-1", None, 4))

    with reading(storage) as uow:
        figures = uow.stock.slot_figures_of_product("B")
        held = uow.stock.slots_of_product("B")
        none = uow.stock.slot_figures_of_product("NOPE")

    expiry = DATED.expires_on
    assert figures == [
        SlotFigures("W1", "B-1", None, None, 1, 0),
        SlotFigures("W1", "B-1", "L-10", expiry, 6, 0),
        SlotFigures("W1", "B-1", "L-9", None, 3, 1),
        SlotFigures("W1", "B-2", "L-9", None, 1, 0),
        SlotFigures("W1", "DOCK", "L-10", expiry, 2, 2),
        SlotFigures("W2", "DEFAULT", "L-10", expiry, 2, 0),
    ]
    assert [(f.warehouse, f.location, f.lot) for f in figures] == [
        (h.level.warehouse, h.level.location, h.level.lot) for h in held
    ]
    assert none == []


def test_the_slots_at_some_locations_come_by_location_sku_then_lot(storage: Storage) -> None:
    floor(
        storage,
        slot("B", "W1", "DOCK", "L-9", 1),
        slot("B", "W1", "B-1", "L-9", 2),
        slot("A", "W1", "DOCK", None, 3, 3),
        slot("B", "W1", "B-1", "L-10", 4),
        slot("A", "W1", "B-1", None, 5),
        slot("A", "W1", "B-2", None, 6),  # another location
        slot("B", "W1", "DOCK", "L-10", 0),  # holds nothing
        slot("A", "W2", "B-1", None, 7),  # another warehouse
    )

    with reading(storage) as uow:
        held = uow.stock.slots_at("W1", ["DOCK", "B-1", "NOPE"])
        w2 = uow.stock.slots_at("W2", ["B-1"])
        nowhere = uow.stock.slots_at("W1", [])

    assert [(h.level.location, h.level.sku, h.level.lot, h.level.on_hand) for h in held] == [
        ("B-1", "A", None, 5),
        ("B-1", "B", "L-10", 4),
        ("B-1", "B", "L-9", 2),
        ("DOCK", "A", None, 3),
        ("DOCK", "B", "L-9", 1),
    ]
    assert [(h.pickable, h.lot) for h in held] == [
        (True, None), (True, DATED), (True, UNDATED), (False, None), (False, UNDATED),
    ]  # fmt: skip
    assert held[3].level == slot("A", "W1", "DOCK", None, 3, 3)
    assert [h.level for h in w2] == [slot("A", "W2", "B-1", None, 7)]
    assert nowhere == []


def test_every_stored_slot_streams_by_sku_warehouse_location_then_lot(storage: Storage) -> None:
    slots = [
        slot("B", "W1", "B-1", "L-9", 1),
        slot("A", "W2", "DEFAULT", None, 0),
        slot("B", "W1", "B-1", "L-10", 2, 1),
        slot("A", "W1", "DOCK", None, 3),
        slot("B", "W1", "B-1", None, 0),
        slot("A", "W1", "B-2", None, 4),
    ]
    floor(storage, *slots)

    with reading(storage) as uow:
        streamed = list(uow.stock.stream_slots())

    assert streamed == sorted(slots, key=slot_order)
    assert [s.lot for s in streamed if s.sku == "B"] == [None, "L-10", "L-9"]


def test_slots_are_seen_by_their_own_unit_and_kept_only_once_committed(
    storage: Storage,
) -> None:
    floor(storage)
    a = slot("A", "W1", "B-1", None, 3)

    with storage.unit_of_work() as uow:
        uow.stock.save_all(summed([a]))
        uow.stock.save_slots([a])
        seen = [h.level for h in uow.stock.slots([("A", "W1")])]
        uow.rollback()
        after_rollback = uow.stock.slots([("A", "W1")])

    with reading(storage) as uow:
        stored = list(uow.stock.stream_slots())

    assert seen == [a]
    assert after_rollback == []
    assert stored == []


def test_saving_slots_raises_the_levels_product_and_warehouse_versions(storage: Storage) -> None:
    floor(storage, slot("A", "W1", "B-1", None, 3))
    wanted = [scopes(LEVELS), scopes(product("A")), scopes(warehouse("W1"))]
    others = [scopes(product("B")), scopes(warehouse("W2"))]
    with reading(storage) as uow:
        before = uow.versions(wanted + others)

    with storage.unit_of_work() as uow:
        uow.stock.save_slots([slot("A", "W1", "B-1", None, 2)])
        uow.commit()

    with reading(storage) as uow:
        after = uow.versions(wanted + others)

    assert [a > b for a, b in zip(after, before, strict=True)] == [True] * 3 + [False] * 2


# --- movement lines -----------------------------------------------------------------------


def _ledger() -> list[Movement]:
    """Movements with lines, at W1 and W2's locations, in and out of B's lots."""
    return [
        MovementFactory(
            id="m-3", sku="B", warehouse="W1", quantity=7, created_at=T0,
            lines=(MoveLine("B-2", "L-9", 2), MoveLine("B-1", "L-10", 5)),
        ),
        MovementFactory(
            id="m-1", transfer=True, sku="B", warehouse="W1", to_warehouse="W2", quantity=3,
            created_at=T0 + SECOND,
            lines=(MoveLine("B-1", "L-10", 3, to_location="DEFAULT"),),
        ),
        MovementFactory(
            id="m-2", transfer=True, sku="B", warehouse="W1", to_warehouse="W1", quantity=1,
            created_at=T0 + SECOND,
            lines=(MoveLine("B-2", "L-9", 1, to_location="DOCK"),),
        ),
        MovementFactory(
            id="m-4", adjustment=True, sku="B", warehouse="W1", quantity=-2,
            reason=AdjustmentReason.EXPIRED, created_at=T0 + 2 * SECOND,
            lines=(MoveLine("B-1", "L-10", -2),),
        ),
        MovementFactory(
            id="m-5", sku="A", warehouse="W2", quantity=4, created_at=T0 + 2 * SECOND,
            lines=(MoveLine("B-1", None, 4),),
        ),
        MovementFactory(
            id="m-6", issue=True, sku="A", warehouse="W2", quantity=3, created_at=T0 + 3 * SECOND,
            lines=(MoveLine("DEFAULT", None, 1), MoveLine("B-1", None, 2)),
        ),
        MovementFactory(id="m-7", sku="A", warehouse="W1", quantity=1, created_at=T0 + 3 * SECOND),
    ]  # fmt: skip


def test_movements_come_back_with_their_lines_in_order_however_they_are_read(
    storage: Storage,
) -> None:
    floor(storage)
    ledger = _ledger()
    given(storage, *ledger)

    with reading(storage) as uow:
        got = [uow.movements.get(m.id) for m in ledger]
        streamed = list(uow.movements.stream(MovementFilter()))
        paged = page_through(
            lambda spec: uow.movements.fetch_page(MovementFilter(), spec),
            MOVEMENT_SORTS, "created_at", limit=2,
        )  # fmt: skip
        of_w2 = list(uow.movements.stream(MovementFilter(warehouse="W2")))

    in_order = sorted(ledger, key=lambda m: (m.created_at, m.id))
    assert got == ledger
    assert streamed == paged == in_order
    assert of_w2 == [m for m in in_order if "W2" in (m.warehouse, m.to_warehouse)]
    assert [line.lot for line in streamed[0].lines] == ["L-9", "L-10"]
    adjustment = next(m for m in got if m is not None and m.type is MovementType.ADJUSTMENT)
    assert adjustment.reason is AdjustmentReason.EXPIRED
    assert adjustment.lines == (MoveLine("B-1", "L-10", -2),)


def test_the_ledger_sums_lines_per_sku_warehouse_location_and_lot(storage: Storage) -> None:
    floor(storage)
    given(storage, *_ledger())

    with reading(storage) as uow:
        totals = list(uow.movements.slots_by_ledger())

    assert totals == [
        (("A", "W2", "B-1", None), 2),  # 4 in, 2 issued
        (("A", "W2", "DEFAULT", None), -1),  # issued, never received
        (("B", "W1", "B-1", "L-10"), 0),  # 5 in, 3 out, 2 written off
        (("B", "W1", "B-2", "L-9"), 1),  # 2 in, 1 moved to the dock
        (("B", "W1", "DOCK", "L-9"), 1),
        (("B", "W2", "DEFAULT", "L-10"), 3),
    ]


@pytest.mark.parametrize(
    ("type", "quantity"),
    [*((type, 4) for type in MovementType), (MovementType.ADJUSTMENT, -4)],
)
def test_the_ledgers_slot_sums_follow_the_domains_sign_rule(
    storage: Storage, type: MovementType, quantity: int
) -> None:
    floor(storage)
    transfer = type is MovementType.TRANSFER
    movement = Movement(
        "m-1", type, "B", "W1", quantity, T0, "clerk",
        to_warehouse="W2" if transfer else None,
        unit_cost=Decimal("1.0000") if type is MovementType.RECEIPT else None,
        reason=AdjustmentReason.COUNT if type is MovementType.ADJUSTMENT else None,
        lines=(
            MoveLine("B-1", "L-10", quantity - quantity // 4, "B-1" if transfer else None),
            MoveLine("B-2", None, quantity // 4, "DEFAULT" if transfer else None),
        ),
    )  # fmt: skip
    given(storage, movement)

    with reading(storage) as uow:
        totals = dict(uow.movements.slots_by_ledger())

    expected: dict[SlotKey, int] = {
        ("B", warehouse, location, lot): change
        for warehouse, location, lot, change in movement.slot_effects()
    }
    assert totals == expected


# --- order allocations ------------------------------------------------------------------


def _orders() -> list[Order]:
    return [
        OrderFactory(
            id="o-2", reference="SO-2", warehouse="W1", created_at=T0,
            lines=(
                OrderLine("B", 5, allocations=(
                    Allocation("B-1", "L-10", 3), Allocation("B-2", "L-9", 2),
                )),
                OrderLine("A", 1, allocations=(Allocation("DEFAULT", None, 1),)),
            ),
        ),
        OrderFactory(
            id="o-1", reference="SO-1", warehouse="W1", created_at=T0 + SECOND,
            lines=(OrderLine("B", 2, allocations=(Allocation("B-1", "L-10", 2),)),),
        ),
        OrderFactory(
            id="o-3", reference="SO-3", warehouse="W2", created_at=T0 + SECOND,
            lines=(OrderLine("A", 4, allocations=(
                Allocation("B-1", None, 1), Allocation("DEFAULT", None, 3),
            )),),
        ),
        OrderFactory(
            id="o-4", reference="SO-4", warehouse="W1", created_at=T0 + 2 * SECOND,
            status=OrderStatus.SHIPPED,
            lines=(OrderLine("B", 6, allocations=(Allocation("B-1", "L-10", 6),)),),
        ),
        OrderFactory(
            id="o-5", reference="SO-5", warehouse="W1", created_at=T0 + 2 * SECOND,
            status=OrderStatus.CANCELLED,
            lines=(OrderLine("A", 2, allocations=(Allocation("B-2", None, 2),)),),
        ),
    ]  # fmt: skip


def test_orders_come_back_with_each_lines_allocations_in_order(storage: Storage) -> None:
    floor(storage)
    orders = _orders()
    given(storage, *orders)

    with reading(storage) as uow:
        got = [uow.orders.get(o.id) for o in orders]
        by_reference = uow.orders.get_by_reference("SO-2")
        paged = page_through(
            lambda spec: uow.orders.fetch_page(OrderFilter(), spec), ORDER_SORTS, "created_at"
        )
        reserved = page_through(
            lambda spec: uow.orders.fetch_page(OrderFilter(status=OrderStatus.RESERVED), spec),
            ORDER_SORTS, "created_at", descending=True, limit=1,
        )  # fmt: skip

    assert got == orders
    assert by_reference == orders[0]
    assert paged == sorted(orders, key=lambda o: (o.created_at, o.id))
    assert [o.id for o in reserved] == ["o-3", "o-1", "o-2"]
    assert [a.lot for a in orders[0].lines[0].allocations] == ["L-10", "L-9"]


def test_an_order_line_keeps_the_location_and_lot_it_named(storage: Storage) -> None:
    floor(storage)
    order = OrderFactory(
        id="o-1", warehouse="W1",
        lines=(
            OrderLine("B", 2, lot="L-9", allocations=(Allocation("B-2", "L-9", 2),)),
            OrderLine("A", 1, location="DOCK", allocations=(Allocation("DOCK", None, 1),)),
            OrderLine("B", 1, location="B-1", lot="L-10",
                      allocations=(Allocation("B-1", "L-10", 1),)),
        ),
    )  # fmt: skip
    given(storage, order)

    with reading(storage) as uow:
        assert uow.orders.get("o-1") == order


def test_saving_an_order_keeps_its_allocations(storage: Storage) -> None:
    floor(storage)
    order = _orders()[0]
    given(storage, order)
    shipped = replace(order, status=OrderStatus.SHIPPED, updated_at=T0 + SECOND)

    with storage.unit_of_work() as uow:
        uow.orders.save(shipped)
        uow.commit()

    with reading(storage) as uow:
        assert uow.orders.get(order.id) == shipped


def test_units_held_by_open_orders_are_summed_per_slot(storage: Storage) -> None:
    floor(storage)
    given(storage, *_orders())

    with reading(storage) as uow:
        reserved = list(uow.orders.reserved_slots_by_open_orders())
        per_pair = list(uow.orders.reserved_by_open_orders())

    assert reserved == [
        (("A", "W1", "DEFAULT", None), 1),
        (("A", "W2", "B-1", None), 1),
        (("A", "W2", "DEFAULT", None), 3),
        (("B", "W1", "B-1", "L-10"), 5),  # 3 and 2; the shipped order's 6 no longer
        (("B", "W1", "B-2", "L-9"), 2),
    ]
    assert per_pair == [(("A", "W1"), 1), (("A", "W2"), 4), (("B", "W1"), 7)]
