"""StockLevel: on hand, reserved and available of one sku in one warehouse."""

from __future__ import annotations

import pytest

from inventory.domain.errors import InsufficientStock
from inventory.domain.stock import StockLevel


def test_available_is_on_hand_less_reserved() -> None:
    level = StockLevel("SKU-1", "WH-MAIN", on_hand=10, reserved=3)

    assert level.available == 7


def test_receiving_raises_on_hand_only() -> None:
    level = StockLevel("SKU-1", "WH-MAIN", on_hand=2, reserved=1)

    level.receive(5)

    assert (level.on_hand, level.reserved) == (7, 1)


def test_issuing_takes_units_out_of_available_stock() -> None:
    level = StockLevel("SKU-1", "WH-MAIN", on_hand=10, reserved=3)

    level.issue(7)

    assert (level.on_hand, level.reserved, level.available) == (3, 3, 0)


def test_issuing_reserved_units_is_refused_and_changes_nothing() -> None:
    level = StockLevel("SKU-1", "WH-MAIN", on_hand=10, reserved=3)

    with pytest.raises(InsufficientStock, match=r"SKU-1 in WH-MAIN: wanted 8, only 7 available"):
        level.issue(8)

    assert (level.on_hand, level.reserved) == (10, 3)


def test_reserving_all_that_is_available_is_allowed() -> None:
    level = StockLevel("SKU-1", "WH-MAIN", on_hand=5, reserved=2)

    level.reserve(3)

    assert (level.on_hand, level.reserved, level.available) == (5, 5, 0)


def test_reserving_more_than_available_is_refused_and_changes_nothing() -> None:
    level = StockLevel("SKU-1", "WH-MAIN", on_hand=5, reserved=2)

    with pytest.raises(InsufficientStock):
        level.reserve(4)

    assert (level.on_hand, level.reserved) == (5, 2)


def test_releasing_gives_reserved_units_back_to_available() -> None:
    level = StockLevel("SKU-1", "WH-MAIN", on_hand=5, reserved=4)

    level.release(3)

    assert (level.on_hand, level.reserved, level.available) == (5, 1, 4)


def test_releasing_more_than_reserved_is_refused() -> None:
    level = StockLevel("SKU-1", "WH-MAIN", on_hand=5, reserved=2)

    with pytest.raises(InsufficientStock, match="only 2 reserved"):
        level.release(3)

    assert level.reserved == 2


def test_shipping_lowers_on_hand_and_reserved_together() -> None:
    level = StockLevel("SKU-1", "WH-MAIN", on_hand=8, reserved=5)

    level.ship(5)

    assert (level.on_hand, level.reserved, level.available) == (3, 0, 3)


def test_shipping_more_than_reserved_is_refused_even_with_stock_available() -> None:
    level = StockLevel("SKU-1", "WH-MAIN", on_hand=8, reserved=2)

    with pytest.raises(InsufficientStock):
        level.ship(3)

    assert (level.on_hand, level.reserved) == (8, 2)


@pytest.mark.parametrize(
    ("on_hand", "counted", "difference"), [(10, 4, -6), (4, 10, 6), (7, 7, 0), (3, 0, -3)]
)
def test_a_count_sets_on_hand_and_returns_the_signed_difference(
    on_hand: int, counted: int, difference: int
) -> None:
    level = StockLevel("SKU-1", "WH-MAIN", on_hand=on_hand)

    assert level.count(counted) == difference

    assert level.on_hand == counted


def test_a_count_may_come_down_to_exactly_the_reserved_units() -> None:
    level = StockLevel("SKU-1", "WH-MAIN", on_hand=10, reserved=4)

    level.count(4)

    assert (level.on_hand, level.reserved, level.available) == (4, 4, 0)


def test_a_count_below_the_reserved_units_is_refused_and_changes_nothing() -> None:
    level = StockLevel("SKU-1", "WH-MAIN", on_hand=10, reserved=4)

    with pytest.raises(InsufficientStock, match="counted 3 is below the 4 units reserved"):
        level.count(3)

    assert (level.on_hand, level.reserved) == (10, 4)


def test_a_level_is_keyed_by_sku_then_warehouse() -> None:
    assert StockLevel("SKU-1", "WH-MAIN").key == ("SKU-1", "WH-MAIN")
