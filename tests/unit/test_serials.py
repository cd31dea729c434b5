"""Serial-numbered units in ProductStock: receipts name each unit, picks take named or
oldest units, and a slot's held units always number its on hand (API.md §12)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inventory.domain.errors import Conflict, DomainError, InsufficientStock, ValidationFailed
from inventory.domain.lots import Tracking
from inventory.domain.movements import AdjustmentReason, Move
from inventory.domain.orders import Order, OrderLine
from inventory.domain.picking import Allocation
from inventory.domain.product_stock import ProductStock
from inventory.domain.serials import SerialState, SerialStatus, held_by_slot, reserved_by_slot
from inventory.domain.stock import Slot, StockLevel
from tests.factories import T0, ProductDetailsFactory, ProductFactory

TODAY = date(2026, 12, 7)
W1, W2 = "W1", "W2"
D, B1, Q = "DEFAULT", "B-1", "QUARANTINE"
COST = Decimal("80")
AT_DEFAULT = Slot(W1, D)


def _drills() -> ProductStock:
    """A serial-tracked product with nothing in stock, W1 and W2 loaded; Q is not pickable."""
    details = ProductDetailsFactory(name="Drill", tracking=Tracking.SERIAL)
    stock = ProductStock(ProductFactory(sku="DRILL", details=details), 0, 0)
    stock.hold([StockLevel("DRILL", W1), StockLevel("DRILL", W2)])
    for warehouse in (W1, W2):
        for location in (D, B1, Q):
            stock.pickable[(warehouse, location)] = location != Q
    return stock


def _receive(stock: ProductStock, *serials: str, at: int = 0, where: Slot = AT_DEFAULT) -> Move:
    change = stock.receive(where, len(serials), COST, T0 + timedelta(minutes=at), list(serials))
    assert change.move is not None
    return change.move


def _moved(move: Move | None) -> list[str]:
    assert move is not None
    return [serial for line in move.lines for serial in line.serials]


def _status(stock: ProductStock, serial: str) -> tuple[SerialStatus, str, str]:
    unit = stock.serials[serial]
    return unit.status, unit.warehouse, unit.location


def test_a_receipt_books_each_serial_in_stock_at_its_slot() -> None:
    stock = _drills()

    move = _receive(stock, "S-1", "S-2", where=Slot(W1, B1))

    assert _moved(move) == ["S-1", "S-2"]
    assert _status(stock, "S-2") == (SerialStatus.IN_STOCK, W1, B1)
    assert stock.slots[Slot(W1, B1)].on_hand == 2


def test_a_serial_held_anywhere_cannot_be_received_again_and_nothing_changes() -> None:
    stock = _drills()
    _receive(stock, "S-1", where=Slot(W2, D))

    with pytest.raises(Conflict, match="S-1"):
        _receive(stock, "S-0", "S-1")

    assert "S-0" not in stock.serials
    assert stock.on_hand == 1


def test_a_serial_that_left_may_be_received_again() -> None:
    stock = _drills()
    _receive(stock, "S-1")
    stock.issue(W1, 1, TODAY)

    _receive(stock, "S-1", at=5)

    assert _status(stock, "S-1") == (SerialStatus.IN_STOCK, W1, D)


@pytest.mark.parametrize("serials", [[], ["S-1"], ["S-1", "S-1"]])
def test_a_receipt_needs_one_different_serial_per_unit(serials: list[str]) -> None:
    stock = _drills()

    with pytest.raises(ValidationFailed):
        stock.receive(Slot(W1, D), 2, COST, T0, serials)

    assert stock.serials == {}


def test_a_serial_tracked_product_takes_no_lot() -> None:
    with pytest.raises(ValidationFailed, match="not tracked by lot"):
        _drills().receive(Slot(W1, D, "L-1"), 1, COST, T0, ["S-1"])


def test_an_unnamed_issue_takes_the_oldest_receipts_from_pickable_locations() -> None:
    stock = _drills()
    _receive(stock, "S-9", at=0, where=Slot(W1, Q))
    _receive(stock, "S-5", at=1)
    _receive(stock, "S-1", at=2)

    move = stock.issue(W1, 2, TODAY).move

    assert _moved(move) == ["S-5", "S-1"]
    assert stock.serials["S-9"].status is SerialStatus.IN_STOCK


def test_named_serials_must_be_in_stock_in_the_slot_concerned() -> None:
    stock = _drills()
    _receive(stock, "S-1", where=Slot(W1, B1))
    _receive(stock, "S-2", where=Slot(W2, D))

    with pytest.raises(InsufficientStock, match="S-2"):
        stock.issue(W1, 1, TODAY, serials=["S-2"])
    with pytest.raises(InsufficientStock, match="S-1"):
        stock.issue(W1, 1, TODAY, location=D, serials=["S-1"])

    assert _moved(stock.issue(W1, 1, TODAY, serials=["S-1"]).move) == ["S-1"]


def test_a_transfer_moves_the_units_and_keeps_when_they_were_received() -> None:
    stock = _drills()
    _receive(stock, "S-1", "S-2")

    move = stock.transfer(W1, Slot(W2, B1), 1, TODAY, serials=["S-2"]).move

    assert _moved(move) == ["S-2"]
    assert _status(stock, "S-2") == (SerialStatus.IN_STOCK, W2, B1)
    assert stock.serials["S-2"].received_at == T0


def test_a_count_up_names_the_units_found_and_a_count_down_writes_off_the_oldest() -> None:
    stock = _drills()
    _receive(stock, "S-1", at=0)
    _receive(stock, "S-2", at=1)

    with pytest.raises(ValidationFailed):
        stock.adjust(Slot(W1, D), 3, AdjustmentReason.FOUND, at=T0)
    later = T0 + timedelta(hours=1)
    found = stock.adjust(Slot(W1, D), 3, AdjustmentReason.FOUND, serials=["S-3"], at=later)
    lost = stock.adjust(Slot(W1, D), 1, AdjustmentReason.LOSS)

    assert (_moved(found.move), _moved(lost.move)) == (["S-3"], ["S-1", "S-2"])
    assert stock.serials["S-1"].status is SerialStatus.WRITTEN_OFF


def test_an_allocation_reserves_units_that_issues_leave_and_shipping_takes() -> None:
    stock = _drills()
    _receive(stock, "S-1", "S-2", "S-3")

    taken, _ = stock.allocate(W1, 2, TODAY, serials=["S-3", "S-1"], order="O-1")
    issued = stock.issue(W1, 1, TODAY).move
    shipped = stock.ship(W1, taken).move

    assert taken == (Allocation(D, None, 2, ("S-1", "S-3")),)
    assert _moved(issued) == ["S-2"]
    assert _moved(shipped) == ["S-1", "S-3"]
    assert (stock.serials["S-3"].status, stock.serials["S-3"].order_id) == (
        SerialStatus.SHIPPED, "O-1",
    )  # fmt: skip


def test_a_release_puts_the_units_back_in_stock() -> None:
    stock = _drills()
    _receive(stock, "S-1")
    taken, _ = stock.allocate(W1, 1, TODAY, order="O-1")

    stock.release(W1, taken)

    assert (stock.serials["S-1"].status, stock.serials["S-1"].order_id) == (
        SerialStatus.IN_STOCK, None,
    )  # fmt: skip
    assert stock.slots[Slot(W1, D)].reserved == 0


def test_serials_for_a_product_not_tracked_by_serial_are_refused() -> None:
    details = ProductDetailsFactory(name="Bolt")
    stock = ProductStock(ProductFactory(sku="BOLT", details=details), 0, 0)
    stock.hold([StockLevel("BOLT", W1)])
    stock.pickable[(W1, D)] = True

    with pytest.raises(ValidationFailed, match="not tracked by serial"):
        stock.receive(Slot(W1, D), 1, COST, T0, ["S-1"])


# --- property: held units always match on hand, and a unit is never in two places ----------

_SERIALS = [f"S-{n}" for n in range(12)]
_SLOTS = [Slot(W1, D), Slot(W1, B1), Slot(W1, Q), Slot(W2, D)]
_operation = st.one_of(
    st.tuples(st.just("receive"), st.sampled_from(_SLOTS),
              st.lists(st.sampled_from(_SERIALS), min_size=1, max_size=3)),
    st.tuples(st.just("issue"), st.sampled_from([W1, W2]), st.integers(1, 3),
              st.booleans(), st.lists(st.sampled_from(_SERIALS), min_size=1, max_size=2)),
    st.tuples(st.just("transfer"), st.sampled_from([W1, W2]), st.sampled_from(_SLOTS),
              st.integers(1, 2)),
    st.tuples(st.just("adjust"), st.sampled_from(_SLOTS), st.integers(0, 4),
              st.lists(st.sampled_from(_SERIALS), max_size=2)),
    st.tuples(st.just("allocate"), st.sampled_from([W1, W2]), st.integers(1, 2)),
    st.tuples(st.just("settle"), st.booleans()),
)  # fmt: skip


def _apply(
    stock: ProductStock, op: tuple[object, ...], n: int, orders: list[tuple[str, Allocation]]
) -> Move | None:
    at = T0 + timedelta(minutes=n)
    match op:
        case ("receive", Slot() as slot, list() as serials):
            return stock.receive(slot, len(serials), COST, at, serials).move
        case ("issue", str(warehouse), int(quantity), bool(named), list() as serials):
            chosen = serials[:quantity] if named else None
            return stock.issue(warehouse, quantity, TODAY, serials=chosen).move
        case ("transfer", str(source), Slot() as to, int(quantity)):
            return stock.transfer(source, to, quantity, TODAY).move
        case ("adjust", Slot() as slot, int(counted), list() as serials):
            return stock.adjust(
                slot, counted, AdjustmentReason.COUNT, serials=serials or None, at=at
            ).move
        case ("allocate", str(warehouse), int(quantity)):
            taken, _ = stock.allocate(warehouse, quantity, TODAY, order=f"O-{n}")
            orders.extend((warehouse, a) for a in taken)
            return None
        case ("settle", bool(ship)) if orders:
            warehouse, allocation = orders.pop(0)
            if ship:
                return stock.ship(warehouse, [allocation]).move
            stock.release(warehouse, [allocation])
    return None


def _replay(moves: list[Move], places: dict[str, tuple[str, str]]) -> None:
    # Where each unit is by the ledger's lines alone: in by a receipt or a count up,
    # moved by a transfer, out by an issue or a count down.
    for move in moves:
        for line in move.lines:
            for serial in line.serials:
                if move.type.value == "receipt" or (
                    move.type.value == "adjustment" and line.quantity > 0
                ):
                    assert serial not in places, f"{serial} received while held"
                    places[serial] = (move.warehouse, line.location)
                elif move.type.value == "transfer":
                    assert places.pop(serial) == (move.warehouse, line.location)
                    assert move.to_warehouse is not None
                    assert line.to_location is not None
                    places[serial] = (move.to_warehouse, line.to_location)
                else:
                    assert places.pop(serial) == (move.warehouse, line.location)


@settings(max_examples=150, deadline=None)
@given(st.lists(_operation, max_size=30))
def test_held_units_always_number_each_slots_on_hand_and_none_is_in_two_places(
    operations: list[tuple[object, ...]],
) -> None:
    stock = _drills()
    orders: list[tuple[str, Allocation]] = []
    moves: list[Move] = []
    for n, op in enumerate(operations):
        try:
            move = _apply(stock, op, n, orders)
        except DomainError:
            move = None
        if move is not None:
            moves.append(move)
        held = held_by_slot(stock.serials.values())
        on_hand = Counter({(s.warehouse, s.location): s.on_hand for s in stock.slots.values()})
        reserved = Counter({(s.warehouse, s.location): s.reserved for s in stock.slots.values()})
        assert +held == +on_hand
        assert +reserved_by_slot(stock.serials.values()) == +reserved
        assert all(s.lot is None for s in stock.slots.values())
        places: dict[str, tuple[str, str]] = {}
        _replay(moves, places)
        assert places == {
            s.serial: (s.warehouse, s.location) for s in stock.serials.values() if s.held
        }
    assert sum(stock.slots[slot].on_hand for slot in stock.slots) == stock.on_hand


def test_a_unit_state_carries_its_order_only_while_reserved_or_shipped() -> None:
    unit = SerialState("DRILL", "S-1", W1, D, SerialStatus.IN_STOCK, T0)

    unit.reserve("O-1")
    unit.leave(SerialStatus.ISSUED)

    assert (unit.status, unit.order_id) == (SerialStatus.ISSUED, None)


# --- orders -----------------------------------------------------------------------------


def test_an_order_names_units_per_line_and_an_expired_one_puts_them_back() -> None:
    stock = _drills()
    _receive(stock, "S-1", "S-2", "S-3")
    lines = [OrderLine("DRILL", 2, serials=("S-2", "S-3"))]

    order, _ = Order.reserve("O-1", "SO-1", W1, lines, {"DRILL": stock}, T0, TODAY,
                             expires_at=T0 + timedelta(hours=1))  # fmt: skip
    reserved = {s: stock.serials[s].status for s in ("S-1", "S-2", "S-3")}
    order.expire({"DRILL": stock}, T0 + timedelta(hours=2))

    assert order.lines[0].allocations == (Allocation(D, None, 2, ("S-2", "S-3")),)
    assert order.lines[0].serials is None  # the allocations say which units
    assert reserved == {"S-1": SerialStatus.IN_STOCK, "S-2": SerialStatus.RESERVED,
                        "S-3": SerialStatus.RESERVED}  # fmt: skip
    assert {stock.serials[s].status for s in ("S-2", "S-3")} == {SerialStatus.IN_STOCK}
    assert stock.slots[Slot(W1, D)].reserved == 0


def test_an_order_naming_a_unit_not_in_stock_is_short_on_that_line_and_reserves_nothing() -> None:
    stock = _drills()
    _receive(stock, "S-1")

    with pytest.raises(InsufficientStock) as short:
        Order.reserve("O-1", "SO-1", W1, [OrderLine("DRILL", 1, serials=("S-9",))],
                      {"DRILL": stock}, T0, TODAY)  # fmt: skip

    assert [e.field for e in short.value.errors] == ["lines.0.quantity"]
    assert stock.serials["S-1"].status is SerialStatus.IN_STOCK
