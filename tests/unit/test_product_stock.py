"""ProductStock: every movement, allocation and shipment of one product, with its rules,
per warehouse and per (location, lot)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inventory.domain.errors import Conflict, DomainError, InsufficientStock, ValidationFailed
from inventory.domain.lots import Lot, Tracking
from inventory.domain.movements import AdjustmentReason, Move, MoveLine, MovementType
from inventory.domain.picking import Allocation, Shortfall
from inventory.domain.product_stock import ProductStock
from inventory.domain.stock import MAX_UNITS, Place, Slot, SlotLevel, StockLevel
from inventory.domain.stock_change import LowStock, StockChange
from inventory.domain.valuation import ZERO, moving_average
from tests.factories import T0, ProductDetailsFactory, ProductFactory

TODAY = date(2026, 12, 7)
W1, W2, W3 = "W1", "W2", "W3"
D = "DEFAULT"


def _stock(
    reorder_point: int = 0,
    archived: bool = False,
    tracking: Tracking = Tracking.NONE,
    shelf_life_days: int | None = None,
    lots: tuple[Lot, ...] = (),
    unpickable: tuple[str, ...] = (),
    **on_hand: int,
) -> ProductStock:
    """Stock of product A with the given units on hand per warehouse, at its DEFAULT
    location with no lot (none reserved); every named warehouse is loaded."""
    details = ProductDetailsFactory(
        name="Hex bolt", reorder_point=reorder_point, tracking=tracking,
        shelf_life_days=shelf_life_days,
    )  # fmt: skip
    product = ProductFactory(sku="A", details=details, archived=archived)
    levels = [StockLevel("A", code, on_hand=n) for code, n in on_hand.items()]
    total = sum(level.on_hand for level in levels)
    stock = ProductStock(product, total, total)
    stock.hold(levels)
    stock.hold_slots(
        (SlotLevel("A", code, n, location=D), True) for code, n in on_hand.items() if n
    )
    stock.hold_lots(lots)
    for warehouse in on_hand:
        for location in ("DEFAULT", "B-1", "B-2", "DOCK"):
            stock.pickable[(warehouse, location)] = location not in unpickable
    return stock


def _figures(stock: ProductStock) -> list[tuple[str, int, int]]:
    return [(p.warehouse, lv.on_hand, lv.reserved) for p, lv in sorted(stock.levels.items())]


def _slots(stock: ProductStock) -> list[tuple[str, str, str | None, int, int]]:
    """Every (location, lot) level holding or reserving anything."""
    return sorted(
        (lv.warehouse, lv.location, lv.lot, lv.on_hand, lv.reserved)
        for lv in stock.slots.values()
        if lv.on_hand or lv.reserved
    )


def test_a_receipt_raises_on_hand_and_refolds_the_average_over_every_warehouse() -> None:
    stock = _stock(W1=10, W2=0)
    stock.product.average_cost = Decimal("2.0000")

    change = stock.receive(Slot(W2, "B-1"), 10, Decimal("4.00005"), T0)

    line = MoveLine("B-1", None, 10)
    assert change.move == Move(
        MovementType.RECEIPT, W2, 10, unit_cost=Decimal("4.0000"), lines=(line,)
    )
    assert change.revalued
    assert stock.product.average_cost == Decimal("3.0000")  # 10 held at 2, 10 more at 4.00005
    assert (stock.on_hand, stock.available) == (20, 20)
    assert _figures(stock) == [(W1, 10, 0), (W2, 10, 0)]
    assert _slots(stock) == [(W1, D, None, 10, 0), (W2, "B-1", None, 10, 0)]


def test_an_issue_takes_available_units_and_returns_an_issue_move() -> None:
    stock = _stock(W1=10)

    change = stock.issue(W1, 4, TODAY)

    move = Move(MovementType.ISSUE, W1, 4, lines=(MoveLine(D, None, 4),))
    assert change == StockChange(
        (stock.levels[Place(W1)],), move, slots=(stock.slots[Slot(W1, D)],)
    )
    assert (stock.on_hand, stock.available, _figures(stock)) == (6, 6, [(W1, 6, 0)])


def test_issuing_reserved_units_is_refused_in_the_words_it_always_used() -> None:
    stock = _stock(W1=10)
    stock.allocate(W1, 8, TODAY)

    with pytest.raises(InsufficientStock, match=r"^A in W1: wanted 3, only 2 available$"):
        stock.issue(W1, 3, TODAY)

    assert (stock.on_hand, stock.available, _figures(stock)) == (10, 2, [(W1, 10, 8)])


def test_a_transfer_moves_units_between_two_warehouses_and_keeps_the_totals() -> None:
    stock = _stock(W1=10, W2=1)

    change = stock.transfer(W1, Slot(W2, D), 4, TODAY)

    lines = (MoveLine(D, None, 4, to_location=D),)
    assert change.move == Move(MovementType.TRANSFER, W1, 4, to_warehouse=W2, lines=lines)
    assert [lv.warehouse for lv in change.levels] == [W1, W2]
    assert (stock.on_hand, stock.available) == (11, 11)
    assert _figures(stock) == [(W1, 6, 0), (W2, 5, 0)]


def test_a_put_away_moves_units_between_two_locations_of_one_warehouse() -> None:
    stock = _stock(W1=10)

    change = stock.transfer(W1, Slot(W1, "B-1"), 4, TODAY)

    assert change.move is not None
    assert change.move.lines == (MoveLine(D, None, 4, to_location="B-1"),)
    assert _figures(stock) == [(W1, 10, 0)]
    assert _slots(stock) == [(W1, "B-1", None, 4, 0), (W1, D, None, 6, 0)]


def test_a_put_away_never_takes_from_where_it_puts() -> None:
    stock = _stock(W1=10)
    stock.transfer(W1, Slot(W1, "B-1"), 4, TODAY)

    stock.transfer(W1, Slot(W1, "B-1"), 6, TODAY)  # only DEFAULT's 6 can go there

    with pytest.raises(InsufficientStock, match="wanted 1, only 0 available"):
        stock.transfer(W1, Slot(W1, "B-1"), 1, TODAY)
    with pytest.raises(ValidationFailed, match="must differ from from_location"):
        stock.transfer(W1, Slot(W1, "B-1"), 1, TODAY, from_location="B-1")
    assert _slots(stock) == [(W1, "B-1", None, 10, 0)]


def test_a_transfer_the_destination_cannot_hold_leaves_the_source_untouched() -> None:
    stock = _stock(W1=10, W2=MAX_UNITS)

    with pytest.raises(Conflict, match="would exceed"):
        stock.transfer(W1, Slot(W2, D), 1, TODAY)

    assert _figures(stock) == [(W1, 10, 0), (W2, MAX_UNITS, 0)]


def test_a_count_sets_on_hand_and_the_move_carries_the_signed_difference() -> None:
    stock = _stock(W1=10)

    change = stock.adjust(Slot(W1, D), 7, AdjustmentReason.DAMAGE)

    line = MoveLine(D, None, -3)
    assert change.move == Move(
        MovementType.ADJUSTMENT, W1, -3, reason=AdjustmentReason.DAMAGE, lines=(line,)
    )
    assert (stock.on_hand, _figures(stock)) == (7, [(W1, 7, 0)])


def test_a_count_below_the_reserved_units_is_refused() -> None:
    stock = _stock(W1=10)
    stock.allocate(W1, 5, TODAY)

    with pytest.raises(InsufficientStock, match="counted 4 is below the 5 units reserved"):
        stock.adjust(Slot(W1, D), 4, AdjustmentReason.COUNT)

    assert _figures(stock) == [(W1, 10, 5)]


OPERATIONS: dict[str, Callable[[ProductStock], object]] = {
    "receive": lambda s: s.receive(Slot(W1, D), 1, Decimal("1"), T0),
    "issue": lambda s: s.issue(W1, 1, TODAY),
    "transfer": lambda s: s.transfer(W1, Slot(W2, D), 1, TODAY),
    "adjust": lambda s: s.adjust(Slot(W1, D), 1, AdjustmentReason.COUNT),
    "allocate": lambda s: s.allocate(W1, 1, TODAY),
}


@pytest.mark.parametrize("operation", OPERATIONS)
def test_an_archived_product_takes_no_movement_and_no_reservation(operation: str) -> None:
    stock = _stock(archived=True, W1=0, W2=0)

    with pytest.raises(Conflict, match="'A' is archived"):
        OPERATIONS[operation](stock)

    assert _figures(stock) == [(W1, 0, 0), (W2, 0, 0)]


def test_an_allocation_lowers_available_and_ships_exactly_what_it_took() -> None:
    stock = _stock(W1=10)

    taken, allocated = stock.allocate(W1, 6, TODAY)
    shipped = stock.ship(W1, taken)

    assert taken == (Allocation(D, None, 6),)
    assert allocated.move is None
    assert shipped.move == Move(MovementType.ISSUE, W1, 6, lines=(MoveLine(D, None, 6),))
    assert (stock.on_hand, stock.available, _figures(stock)) == (4, 4, [(W1, 4, 0)])


def test_a_release_gives_the_units_back_and_shipping_more_than_reserved_changes_nothing() -> None:
    stock = _stock(W1=10)
    stock.allocate(W1, 6, TODAY)

    stock.release(W1, [Allocation(D, None, 2)])
    with pytest.raises(InsufficientStock, match="5 to release, only 4 reserved"):
        stock.ship(W1, [Allocation(D, None, 5)])

    assert (stock.available, _figures(stock)) == (6, [(W1, 10, 4)])
    assert _slots(stock) == [(W1, D, None, 10, 4)]


@pytest.mark.parametrize(
    ("operation", "crosses"),
    [
        (lambda s: s.issue(W1, 5, TODAY), True),  # 10 -> 5: onto the point
        (lambda s: s.allocate(W1, 6, TODAY)[1], True),  # 10 -> 4
        (lambda s: s.adjust(Slot(W1, D), 6, AdjustmentReason.LOSS), False),  # 10 -> 6
        (lambda s: s.transfer(W1, Slot(W2, D), 9, TODAY), False),  # total unchanged
    ],
)
def test_a_change_that_takes_total_available_to_the_reorder_point_reports_the_crossing(
    operation: Callable[[ProductStock], StockChange], crosses: bool
) -> None:
    stock = _stock(reorder_point=5, W1=10, W2=0)

    change = operation(stock)

    expected = LowStock("A", "Hex bolt", stock.available, 5) if crosses else None
    assert change.low_stock == expected


def test_shipping_never_crosses_since_available_does_not_change() -> None:
    stock = _stock(reorder_point=5, W1=10)
    taken, _ = stock.allocate(W1, 8, TODAY)

    assert stock.ship(W1, taken).low_stock is None
    assert stock.available == 2


# --- lots ------------------------------------------------------------------------------

SOON = Lot("L-SOON", TODAY + timedelta(days=3), received_at=T0)
LATER = Lot("L-LATER", TODAY + timedelta(days=30), received_at=T0 - timedelta(days=9))
GONE = Lot("L-GONE", TODAY - timedelta(days=1), received_at=T0 - timedelta(days=60))


def _lots() -> ProductStock:
    """Lot-tracked A in W1: LATER in B-1 (5), SOON in B-2 (4), GONE in B-1 (3)."""
    stock = _stock(tracking=Tracking.LOT, lots=(SOON, LATER, GONE), W1=0)
    for slot, n in ((Slot(W1, "B-1", LATER.code), 5), (Slot(W1, "B-2", SOON.code), 4),
                    (Slot(W1, "B-1", GONE.code), 3)):  # fmt: skip
        stock.receive(slot, n, Decimal("1"), T0)
    return stock


def test_an_issue_picks_the_first_to_expire_first_and_never_an_expired_lot() -> None:
    stock = _lots()

    change = stock.issue(W1, 6, TODAY)

    assert change.move is not None
    assert change.move.lines == (MoveLine("B-2", "L-SOON", 4), MoveLine("B-1", "L-LATER", 2))
    assert _slots(stock) == [(W1, "B-1", "L-GONE", 3, 0), (W1, "B-1", "L-LATER", 3, 0)]


def test_short_of_fresh_stock_the_refusal_says_how_much_is_expired() -> None:
    stock = _lots()
    before = _slots(stock)

    with pytest.raises(Shortfall, match="wanted 12, only 9 can be picked; 3 of the 3 short"):
        stock.issue(W1, 12, TODAY)

    assert _slots(stock) == before


def test_an_expired_lot_named_is_refused_but_can_be_written_off() -> None:
    stock = _lots()

    with pytest.raises(Shortfall, match="only 0 can be picked; 1 of the 1 short are expired"):
        stock.issue(W1, 1, TODAY, lot="L-GONE")
    change = stock.adjust(Slot(W1, "B-1", "L-GONE"), 0, AdjustmentReason.EXPIRED)

    assert change.move is not None
    assert change.move.lines == (MoveLine("B-1", "L-GONE", -3),)
    assert (stock.on_hand, _figures(stock)) == (9, [(W1, 9, 0)])


def test_a_named_location_or_lot_limits_the_pick() -> None:
    stock = _lots()

    by_location = stock.issue(W1, 2, TODAY, location="B-1")
    by_lot = stock.issue(W1, 1, TODAY, lot="L-LATER")

    assert by_location.move is not None
    assert by_lot.move is not None
    assert by_location.move.lines == (MoveLine("B-1", "L-LATER", 2),)
    assert by_lot.move.lines == (MoveLine("B-1", "L-LATER", 1),)


def test_a_lot_tracked_product_must_name_its_lot_and_an_untracked_one_none() -> None:
    tracked = _stock(tracking=Tracking.LOT, W1=0)
    plain = _stock(W1=0)

    with pytest.raises(ValidationFailed, match="tracked by lot: name the lot") as no_lot:
        tracked.receive(Slot(W1, D), 1, Decimal("1"), T0)
    with pytest.raises(ValidationFailed, match="not tracked by lot") as a_lot:
        plain.receive(Slot(W1, D, "L-1"), 1, Decimal("1"), T0)
    with pytest.raises(ValidationFailed, match="not tracked by lot"):
        plain.issue(W1, 1, TODAY, lot="L-1")
    with pytest.raises(ValidationFailed, match="was never received"):
        tracked.adjust(Slot(W1, D, "NEW"), 3, AdjustmentReason.FOUND)

    assert [e.field for e in no_lot.value.errors] == ["lot"]
    assert [e.field for e in a_lot.value.errors] == ["lot"]
    assert (tracked.on_hand, plain.on_hand) == (0, 0)


def test_a_serial_tracked_products_receipt_without_its_serials_is_refused() -> None:
    stock = _stock(tracking=Tracking.SERIAL, W1=0)

    with pytest.raises(ValidationFailed, match="0 serial") as refused:
        stock.receive(Slot(W1, D), 1, Decimal("1"), T0)

    assert [e.field for e in refused.value.errors] == ["serials"]


def test_a_lots_first_receipt_makes_it_with_the_shelf_life_and_a_later_one_must_agree() -> None:
    stock = _stock(tracking=Tracking.LOT, shelf_life_days=10, W1=0)

    made, new = stock.receive_lot("L-1", T0, TODAY)
    again, again_new = stock.receive_lot("L-1", T0, TODAY, expires_on=TODAY + timedelta(days=10))

    assert (new, again_new) == (True, False)
    assert made == again == Lot("L-1", TODAY + timedelta(days=10), None, T0)
    with pytest.raises(Conflict, match="expires on 2026-12-17, not 2026-12-18"):
        stock.receive_lot("L-1", T0, TODAY, expires_on=TODAY + timedelta(days=11))


def test_an_allocation_takes_lots_by_the_picking_rule_and_ships_those_even_once_expired() -> None:
    stock = _lots()

    taken, _ = stock.allocate(W1, 5, TODAY)
    later = TODAY + timedelta(days=5)  # SOON has expired since: the allocation stands
    shipped = stock.ship(W1, taken)

    assert taken == (Allocation("B-2", "L-SOON", 4), Allocation("B-1", "L-LATER", 1))
    assert shipped.move is not None
    assert [line.lot for line in shipped.move.lines] == ["L-SOON", "L-LATER"]
    with pytest.raises(Shortfall, match="expired"):
        stock.issue(W1, 5, later)


def test_units_in_a_location_that_is_not_pickable_are_left_unless_named() -> None:
    stock = _stock(unpickable=("DOCK",), W1=0)
    stock.receive(Slot(W1, "DOCK"), 5, Decimal("1"), T0)

    with pytest.raises(Shortfall, match="5 more are in locations that are not pickable"):
        stock.issue(W1, 1, TODAY)
    named = stock.issue(W1, 1, TODAY, location="DOCK")

    assert named.move is not None
    assert named.move.lines == (MoveLine("DOCK", None, 1),)


# --- invariants under random sequences ---------------------------------------------------

WAREHOUSES = (W1, W2)
LOCATIONS = ("DEFAULT", "B-1", "DOCK")
LOTS = (SOON, LATER, GONE)
operations = st.lists(
    st.tuples(
        st.sampled_from(["receive", "issue", "transfer", "adjust", "allocate", "release", "ship"]),
        st.sampled_from(WAREHOUSES),
        st.sampled_from(LOCATIONS),
        st.sampled_from(WAREHOUSES),
        st.sampled_from(LOCATIONS),
        st.sampled_from(LOTS),
        st.integers(0, 12),
        st.decimals(Decimal("0.0001"), Decimal("500"), places=4),
    ),
    max_size=40,
)
Step = tuple[str, str, str, str, str, Lot, int, Decimal]


def _apply(
    stock: ProductStock, held: list[tuple[str, tuple[Allocation, ...]]], step: Step
) -> Move | None:
    op, warehouse, location, to_warehouse, to_location, lot, count, cost = step
    n = max(count, 1)  # a movement moves at least one unit (the commands say so); a count may be 0
    match op:
        case "receive":
            return stock.receive(Slot(warehouse, location, lot.code), n, cost, T0).move
        case "issue":
            return stock.issue(warehouse, n, TODAY).move
        case "transfer":
            return stock.transfer(warehouse, Slot(to_warehouse, to_location), n, TODAY).move
        case "adjust":
            slot = Slot(warehouse, location, lot.code)
            return stock.adjust(slot, count, AdjustmentReason.COUNT).move
        case "allocate":
            taken, change = stock.allocate(warehouse, n, TODAY)
            held.append((warehouse, taken))
            return change.move
        case _ if not held:
            return None
        case "release":
            where, taken = held.pop(n % len(held))
            return stock.release(where, taken).move
        case _:
            where, taken = held.pop(n % len(held))
            return stock.ship(where, taken).move


@given(operations)
def test_any_sequence_keeps_every_invariant_and_every_figure_is_the_sum_of_the_ledger(
    steps: list[Step],
) -> None:
    stock = _stock(tracking=Tracking.LOT, reorder_point=5, lots=LOTS, unpickable=("DOCK",),
                   W1=0, W2=0)  # fmt: skip
    ledger: list[Move] = []
    held: list[tuple[str, tuple[Allocation, ...]]] = []
    for step in steps:
        before = copy.deepcopy(stock)
        held_before = list(held)
        try:
            move = _apply(stock, held, step)
        except DomainError:
            # A refusal is whole: nothing changed.
            assert (_figures(stock), _slots(stock), stock.on_hand, stock.available) == (
                _figures(before), _slots(before), before.on_hand, before.available,
            )  # fmt: skip
            assert stock.product.average_cost == before.product.average_cost
            held[:] = held_before
            continue
        if move is not None:
            ledger.append(move)
            if move.type in (MovementType.ISSUE, MovementType.TRANSFER):
                # A pick (an issue, a transfer, a shipment of an allocation) never takes
                # an expired lot, nor from a location that is not pickable.
                assert all(line.lot != GONE.code for line in move.lines)
                assert all(line.location != "DOCK" for line in move.lines)

        slots = list(stock.slots.values())
        assert all(0 <= lv.reserved <= lv.on_hand for lv in slots)
        for place, level in stock.levels.items():
            mine = [lv for lv in slots if lv.warehouse == place.warehouse]
            assert level.on_hand == sum(lv.on_hand for lv in mine)
            assert level.reserved == sum(lv.reserved for lv in mine)
        by_ledger: dict[tuple[str, str, str | None], int] = {}
        for m in ledger:
            for warehouse, location, lot, change in m.slot_effects():
                key = (warehouse, location, lot)
                by_ledger[key] = by_ledger.get(key, 0) + change
        assert {k: v for k, v in by_ledger.items() if v} == {
            (lv.warehouse, lv.location, lv.lot): lv.on_hand for lv in slots if lv.on_hand
        }
        assert stock.on_hand == sum(lv.on_hand for lv in stock.levels.values())
        assert stock.available == sum(lv.available for lv in stock.levels.values())
        assert sum(a.quantity for _, taken in held for a in taken) == sum(
            lv.reserved for lv in slots
        )

    held_units, average = 0, ZERO
    for m in ledger:
        if m.type is MovementType.RECEIPT:
            assert m.unit_cost is not None
            average = moving_average(held_units, average, m.quantity, m.unit_cost)
        held_units += sum(change for _, change in m.effects())
    assert stock.product.average_cost == average
