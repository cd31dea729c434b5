"""Order: a multi-line reservation, reserved -> shipped | cancelled | expired."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from inventory.domain.errors import FieldError, InsufficientStock, InvalidState
from inventory.domain.orders import Order, OrderLine, OrderStatus
from inventory.domain.product_stock import ProductStock
from inventory.domain.stock import SlotLevel, StockLevel
from tests.factories import T0, ProductFactory

LATER = T0 + timedelta(minutes=5)


def _levels(**on_hand: int) -> dict[tuple[str, str], StockLevel]:
    return {(sku, "WH-MAIN"): StockLevel(sku, "WH-MAIN", on_hand=n) for sku, n in on_hand.items()}


def _stocks(levels: dict[tuple[str, str], StockLevel]) -> dict[str, ProductStock]:
    # Each product's stock holding the very levels the tests look at.
    stocks = {}
    for (sku, _), level in levels.items():
        stocks[sku] = ProductStock(ProductFactory(sku=sku), level.on_hand, level.available)
        stocks[sku].hold([level])
        stocks[sku].hold_slots(
            [(SlotLevel(sku, "WH-MAIN", level.on_hand, level.reserved, location="DEFAULT"), True)]
        )
    return stocks


def _reserved_order(
    levels: dict[tuple[str, str], StockLevel], expires_at: datetime | None = None
) -> Order:
    lines = [OrderLine("A", 2), OrderLine("B", 3)]
    order, _ = Order.reserve(
        "ord-1", "SO-1", "WH-MAIN", lines, _stocks(levels), T0, T0.date(), expires_at
    )
    return order


def test_reserving_an_order_reserves_every_line() -> None:
    levels = _levels(A=5, B=3)

    order = _reserved_order(levels)

    assert order.status is OrderStatus.RESERVED
    assert (order.created_at, order.updated_at) == (T0, T0)
    assert [(lv.reserved, lv.available) for lv in levels.values()] == [(2, 3), (3, 0)]


def test_an_order_with_one_short_line_reserves_nothing() -> None:
    levels = _levels(A=5, B=2)

    with pytest.raises(InsufficientStock) as refused:
        _reserved_order(levels)

    assert refused.value.errors == (
        FieldError("lines.1.quantity", "B: wanted 3, only 2 available"),
    )
    assert [lv.reserved for lv in levels.values()] == [0, 0]


def test_every_short_line_is_named_by_its_position() -> None:
    levels = _levels(A=1, B=0)

    with pytest.raises(InsufficientStock) as refused:
        _reserved_order(levels)

    assert [e.field for e in refused.value.errors] == ["lines.0.quantity", "lines.1.quantity"]
    assert "2 line(s) short in WH-MAIN" in refused.value.detail


def test_shipping_issues_every_reserved_line() -> None:
    levels = _levels(A=5, B=3)
    order = _reserved_order(levels)

    order.ship(_stocks(levels), LATER)

    assert (order.status, order.updated_at) == (OrderStatus.SHIPPED, LATER)
    assert [(lv.on_hand, lv.reserved) for lv in levels.values()] == [(3, 0), (0, 0)]


def test_cancelling_releases_the_reservation() -> None:
    levels = _levels(A=5, B=3)
    order = _reserved_order(levels)

    order.cancel(_stocks(levels), LATER)

    assert (order.status, order.updated_at) == (OrderStatus.CANCELLED, LATER)
    assert [(lv.on_hand, lv.reserved) for lv in levels.values()] == [(5, 0), (3, 0)]


@pytest.mark.parametrize("at", [T0 + timedelta(minutes=1), T0 + timedelta(days=1)])
def test_an_order_past_its_deadline_expires_and_releases_its_stock(at: object) -> None:
    levels = _levels(A=5, B=3)
    order = _reserved_order(levels, expires_at=T0 + timedelta(minutes=1))

    order.expire(_stocks(levels), at)  # type: ignore[arg-type]

    assert order.status is OrderStatus.EXPIRED
    assert [lv.reserved for lv in levels.values()] == [0, 0]


def test_an_order_before_its_deadline_does_not_expire() -> None:
    levels = _levels(A=5, B=3)
    order = _reserved_order(levels, expires_at=LATER)

    with pytest.raises(InvalidState, match="has not expired"):
        order.expire(_stocks(levels), LATER - timedelta(microseconds=1))

    assert order.status is OrderStatus.RESERVED
    assert [lv.reserved for lv in levels.values()] == [2, 3]


def test_an_order_without_a_deadline_never_expires() -> None:
    levels = _levels(A=5, B=3)
    order = _reserved_order(levels)

    with pytest.raises(InvalidState):
        order.expire(_stocks(levels), T0 + timedelta(days=365))


Transition = Callable[[Order, dict[tuple[str, str], StockLevel]], object]
TRANSITIONS: dict[str, Transition] = {
    "ship": lambda order, levels: order.ship(_stocks(levels), LATER),
    "cancel": lambda order, levels: order.cancel(_stocks(levels), LATER),
    "expire": lambda order, levels: order.expire(_stocks(levels), LATER + timedelta(days=1)),
}


@pytest.mark.parametrize("first", ["ship", "cancel", "expire"])
@pytest.mark.parametrize("then", ["ship", "cancel", "expire"])
def test_an_order_that_left_reserved_refuses_every_further_transition(
    first: str, then: str
) -> None:
    levels = _levels(A=5, B=3)
    order = _reserved_order(levels, expires_at=LATER)
    TRANSITIONS[first](order, levels)
    status, updated_at = order.status, order.updated_at
    figures = [(lv.on_hand, lv.reserved) for lv in levels.values()]

    with pytest.raises(InvalidState, match=f"is {status.value}"):
        TRANSITIONS[then](order, levels)

    assert (order.status, order.updated_at) == (status, updated_at)
    assert [(lv.on_hand, lv.reserved) for lv in levels.values()] == figures


def test_an_order_names_the_stock_it_holds() -> None:
    order = _reserved_order(_levels(A=5, B=3))

    assert order.stock_keys == [("A", "WH-MAIN"), ("B", "WH-MAIN")]
