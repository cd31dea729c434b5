"""ProductStock: every movement, allocation and shipment of one product, with its rules."""

from __future__ import annotations

import copy
from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inventory.domain.errors import Conflict, DomainError, InsufficientStock, ValidationFailed
from inventory.domain.movements import AdjustmentReason, Move, MovementType
from inventory.domain.product_stock import LowStock, ProductStock, StockChange
from inventory.domain.stock import MAX_UNITS, Place, StockLevel
from inventory.domain.valuation import ZERO, moving_average
from tests.factories import T0, ProductDetailsFactory, ProductFactory

W1, W2, W3 = Place("W1"), Place("W2"), Place("W3")


def _stock(reorder_point: int = 0, archived: bool = False, **on_hand: int) -> ProductStock:
    """Stock of product A with the given units on hand per warehouse (none reserved)."""
    product = ProductFactory(
        sku="A", details=ProductDetailsFactory(name="Hex bolt", reorder_point=reorder_point),
        archived=archived,
    )  # fmt: skip
    levels = [StockLevel("A", code, on_hand=n) for code, n in on_hand.items()]
    total = sum(level.on_hand for level in levels)
    stock = ProductStock(product, total, total)
    stock.hold(levels)
    return stock


def _figures(stock: ProductStock) -> list[tuple[str, int, int]]:
    return [(p.warehouse, lv.on_hand, lv.reserved) for p, lv in sorted(stock.levels.items())]


def test_a_receipt_raises_on_hand_and_refolds_the_average_over_every_warehouse() -> None:
    stock = _stock(W1=10, W2=0)
    stock.product.average_cost = Decimal("2.0000")

    change = stock.receive(W2, 10, Decimal("4.00005"), T0)

    assert change.move == Move(MovementType.RECEIPT, "W2", 10, unit_cost=Decimal("4.0000"))
    assert change.revalued
    assert stock.product.average_cost == Decimal("3.0000")  # 10 held at 2, 10 more at 4.00005
    assert (stock.on_hand, stock.available) == (20, 20)
    assert _figures(stock) == [("W1", 10, 0), ("W2", 10, 0)]


def test_an_issue_takes_available_units_and_returns_an_issue_move() -> None:
    stock = _stock(W1=10)

    change = stock.issue(W1, 4)

    assert change == StockChange((stock.levels[W1],), Move(MovementType.ISSUE, "W1", 4))
    assert (stock.on_hand, stock.available, _figures(stock)) == (6, 6, [("W1", 6, 0)])


def test_issuing_reserved_units_is_refused_and_changes_nothing() -> None:
    stock = _stock(W1=10)
    stock.allocate(W1, 8)

    with pytest.raises(InsufficientStock, match="wanted 3, only 2 available"):
        stock.issue(W1, 3)

    assert (stock.on_hand, stock.available, _figures(stock)) == (10, 2, [("W1", 10, 8)])


def test_a_transfer_moves_units_between_two_warehouses_and_keeps_the_totals() -> None:
    stock = _stock(W1=10, W2=1)

    change = stock.transfer(W1, W2, 4)

    assert change.move == Move(MovementType.TRANSFER, "W1", 4, to_warehouse="W2")
    assert [lv.warehouse for lv in change.levels] == ["W1", "W2"]
    assert (stock.on_hand, stock.available) == (11, 11)
    assert _figures(stock) == [("W1", 6, 0), ("W2", 5, 0)]


def test_a_transfer_to_where_it_comes_from_is_refused() -> None:
    stock = _stock(W1=10)

    with pytest.raises(ValidationFailed, match="must differ from from_warehouse"):
        stock.transfer(W1, W1, 1)


def test_a_transfer_the_destination_cannot_hold_leaves_the_source_untouched() -> None:
    stock = _stock(W1=10, W2=MAX_UNITS)

    with pytest.raises(Conflict, match="would exceed"):
        stock.transfer(W1, W2, 1)

    assert _figures(stock) == [("W1", 10, 0), ("W2", MAX_UNITS, 0)]


def test_a_count_sets_on_hand_and_the_move_carries_the_signed_difference() -> None:
    stock = _stock(W1=10)

    change = stock.adjust(W1, 7, AdjustmentReason.DAMAGE)

    assert change.move == Move(MovementType.ADJUSTMENT, "W1", -3, reason=AdjustmentReason.DAMAGE)
    assert (stock.on_hand, _figures(stock)) == (7, [("W1", 7, 0)])


def test_a_count_below_the_reserved_units_is_refused() -> None:
    stock = _stock(W1=10)
    stock.allocate(W1, 5)

    with pytest.raises(InsufficientStock, match="counted 4 is below the 5 units reserved"):
        stock.adjust(W1, 4, AdjustmentReason.COUNT)

    assert _figures(stock) == [("W1", 10, 5)]


OPERATIONS: dict[str, Callable[[ProductStock], StockChange]] = {
    "receive": lambda s: s.receive(W1, 1, Decimal("1"), T0),
    "issue": lambda s: s.issue(W1, 1),
    "transfer": lambda s: s.transfer(W1, W2, 1),
    "adjust": lambda s: s.adjust(W1, 1, AdjustmentReason.COUNT),
    "allocate": lambda s: s.allocate(W1, 1),
}


@pytest.mark.parametrize("operation", OPERATIONS)
def test_an_archived_product_takes_no_movement_and_no_reservation(operation: str) -> None:
    stock = _stock(archived=True, W1=0, W2=0)

    with pytest.raises(Conflict, match="'A' is archived"):
        OPERATIONS[operation](stock)

    assert _figures(stock) == [("W1", 0, 0), ("W2", 0, 0)]


def test_an_allocation_lowers_available_and_ships_as_an_issue_of_the_reserved_units() -> None:
    stock = _stock(W1=10)

    allocated = stock.allocate(W1, 6)
    shipped = stock.ship(W1, 6)

    assert allocated == StockChange((stock.levels[W1],))
    assert shipped == StockChange((stock.levels[W1],), Move(MovementType.ISSUE, "W1", 6))
    assert (stock.on_hand, stock.available, _figures(stock)) == (4, 4, [("W1", 4, 0)])


def test_a_release_gives_the_units_back_and_shipping_more_than_reserved_is_refused() -> None:
    stock = _stock(W1=10)
    stock.allocate(W1, 6)

    assert stock.release(W1, 2) == StockChange((stock.levels[W1],))
    with pytest.raises(InsufficientStock, match="5 to release, only 4 reserved"):
        stock.ship(W1, 5)

    assert (stock.available, _figures(stock)) == (6, [("W1", 10, 4)])


@pytest.mark.parametrize(
    ("operation", "crosses"),
    [
        (lambda s: s.issue(W1, 5), True),  # 10 -> 5: onto the point
        (lambda s: s.allocate(W1, 6), True),  # 10 -> 4
        (lambda s: s.adjust(W1, 6, AdjustmentReason.LOSS), False),  # 10 -> 6: still above
        (lambda s: s.transfer(W1, W2, 9), False),  # total unchanged
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
    stock.allocate(W1, 8)

    assert stock.ship(W1, 8).low_stock is None
    assert stock.available == 2


# --- invariants under random sequences ---------------------------------------------------

PLACES = (W1, W2, W3)
operations = st.lists(
    st.tuples(
        st.sampled_from(["receive", "issue", "transfer", "adjust", "allocate", "release", "ship"]),
        st.sampled_from(PLACES),
        st.sampled_from(PLACES),
        st.integers(0, 30),
        st.decimals(Decimal("0.0001"), Decimal("500"), places=4),
    ),
    max_size=40,
)


def _apply(
    stock: ProductStock, op: str, at: Place, to: Place, n: int, cost: Decimal
) -> Move | None:
    match op:
        case "receive":
            return stock.receive(at, n, cost, T0).move
        case "issue":
            return stock.issue(at, n).move
        case "transfer":
            return stock.transfer(at, to, n).move
        case "adjust":
            return stock.adjust(at, n, AdjustmentReason.COUNT).move
        case "allocate":
            return stock.allocate(at, n).move
        case "release":
            return stock.release(at, n).move
        case _:
            return stock.ship(at, n).move


@given(operations)
def test_any_sequence_keeps_every_invariant_and_on_hand_is_the_sum_of_the_ledger(
    steps: list[tuple[str, Place, Place, int, Decimal]],
) -> None:
    stock = _stock(reorder_point=5, W1=0, W2=0, W3=0)
    ledger: list[Move] = []
    for step in steps:
        before = copy.deepcopy(stock)
        try:
            move = _apply(stock, *step)
        except DomainError:
            # A refusal is whole: nothing changed.
            assert (_figures(stock), stock.on_hand, stock.available) == (
                _figures(before), before.on_hand, before.available,
            )  # fmt: skip
            assert stock.product.average_cost == before.product.average_cost
            continue
        if move is not None:
            ledger.append(move)

        levels = stock.levels.values()
        assert all(0 <= lv.reserved <= lv.on_hand for lv in levels)
        by_ledger = dict.fromkeys((p.warehouse for p in PLACES), 0)
        for m in ledger:
            for warehouse, change in m.effects():
                by_ledger[warehouse] += change
        assert by_ledger == {lv.warehouse: lv.on_hand for lv in levels}
        assert stock.on_hand == sum(lv.on_hand for lv in levels)
        assert stock.available == sum(lv.available for lv in levels)

    held, average = 0, ZERO
    for m in ledger:
        if m.type is MovementType.RECEIPT:
            assert m.unit_cost is not None
            average = moving_average(held, average, m.quantity, m.unit_cost)
        held += sum(change for _, change in m.effects())
    assert stock.product.average_cost == average
