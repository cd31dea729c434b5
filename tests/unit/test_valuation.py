"""Money and the moving weighted average cost (API.md section 4)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from inventory.domain.valuation import ZERO, money, moving_average, value_of

D = Decimal


@pytest.mark.parametrize(
    ("held", "average", "received", "unit_cost", "expected"),
    [
        (10, "2.0000", 10, "4.0000", "3.0000"),
        (0, "0.0000", 7, "12.5", "12.5000"),
        (0, "9.9999", 3, "1.2500", "1.2500"),  # nothing held: the old average is irrelevant
        (3, "1.0000", 1, "2.0000", "1.2500"),
        (1, "0.0001", 2, "0.0000", "0.0000"),  # 0.0000333... rounds down
        (2, "0.0001", 1, "0.0000", "0.0001"),  # 0.0000666... rounds up
    ],
)
def test_a_receipt_moves_the_average_to_the_weighted_mean(
    held: int, average: str, received: int, unit_cost: str, expected: str
) -> None:
    result = moving_average(held, D(average), received, D(unit_cost))

    assert str(result) == expected


@pytest.mark.parametrize(
    ("held_cost", "received_cost", "expected"),
    [
        ("0.0001", "0.0000", "0.0000"),  # 0.00005 -> the even 0.0000, not 0.0001
        ("0.0003", "0.0000", "0.0002"),  # 0.00015 -> the even 0.0002
        ("0.0005", "0.0000", "0.0002"),  # 0.00025 -> the even 0.0002, not 0.0003
        ("2.0001", "2.0000", "2.0000"),  # 2.00005 -> 2.0000
        ("2.0003", "2.0000", "2.0002"),  # 2.00015 -> 2.0002
    ],
)
def test_a_tie_rounds_half_to_even(held_cost: str, received_cost: str, expected: str) -> None:
    result = moving_average(1, D(held_cost), 1, D(received_cost))

    assert str(result) == expected


def test_with_nothing_held_and_nothing_received_the_average_is_the_unit_cost() -> None:
    assert str(moving_average(0, D("7.0000"), 0, D("3.25"))) == "3.2500"


def test_with_nothing_held_and_nothing_received_the_unit_cost_is_rounded_half_even() -> None:
    assert str(moving_average(0, ZERO, 0, D("1.00005"))) == "1.0000"


def test_the_next_receipt_starts_from_the_rounded_average() -> None:
    # 1 @ 0.0002 then 2 @ 0 gives 0.0000666..., stored as 0.0001. Then 1 @ 0:
    # from the stored 0.0001 that is 0.000075 -> 0.0001; from the exact figure it
    # would be 0.00005 -> 0.0000.
    stored = moving_average(1, D("0.0002"), 2, D("0.0000"))

    after = moving_average(3, stored, 1, D("0.0000"))

    assert (str(stored), str(after)) == ("0.0001", "0.0001")


def test_the_average_is_exact_for_large_quantities_and_costs() -> None:
    # 5881332576 units at 941028932643966.2708 plus as many at 0.0001: the exact
    # average is 470514466321983.13545, a tie that rounds to the even ...1354.
    result = moving_average(5881332576, D("941028932643966.2708"), 5881332576, D("0.0001"))

    assert str(result) == "470514466321983.1354"


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("1.23455", "1.2346"), ("1.23445", "1.2344"), ("0.00005", "0.0000"), ("7", "7.0000")],
)
def test_money_is_rounded_half_even_to_four_places(amount: str, expected: str) -> None:
    assert str(money(D(amount))) == expected


def test_stock_value_is_units_times_average_cost_to_four_places() -> None:
    assert str(value_of(3, D("0.3333"))) == "0.9999"
    assert str(value_of(0, D("12.5000"))) == "0.0000"


def test_money_rounds_exactly_even_past_the_default_decimal_precision() -> None:
    # 31 significant digits: more than the default context's 28.
    assert str(money(D("123456789012345678901234567.12345"))) == "123456789012345678901234567.1234"
    assert str(money(D("123456789012345678901234567.12355"))) == "123456789012345678901234567.1236"
