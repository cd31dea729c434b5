"""Use cases of orders: reserve every line or nothing, then ship or cancel."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from inventory.application.ledger import Posting
from inventory.application.listing import OrderList
from inventory.application.orders import (
    cancel_order,
    find_order,
    get_order,
    list_orders,
    reserve_order,
    ship_order,
)
from inventory.domain.errors import (
    Conflict,
    FieldError,
    InsufficientStock,
    InvalidState,
    NotFound,
    ValidationFailed,
)
from inventory.domain.movements import MovementType
from inventory.domain.orders import Order, OrderLine, OrderStatus
from inventory.domain.picking import Allocation
from inventory.domain.stock import StockLevel
from tests.factories import T0, ReserveOrderFactory
from tests.unit.stories import Shop, given_order, given_product, given_stock, ledger_of, level_of


@pytest.fixture
def stocked(shop: Shop) -> Shop:
    """WH-MAIN holds 10 of A and 5 of B."""
    given_stock(shop, "A", "WH-MAIN", 10)
    given_stock(shop, "B", "WH-MAIN", 5)
    return shop


def _levels(shop: Shop) -> list[StockLevel]:
    return [level_of(shop.uow, sku, "WH-MAIN") for sku in ("A", "B")]


def _ship(shop: Shop, order: Order) -> Order:
    return ship_order(order.id, shop.uow(), shop.clock, shop.ids, shop.actor)


def _cancel(shop: Shop, order: Order) -> Order:
    return cancel_order(order.id, shop.uow(), shop.clock)


def test_an_order_reserves_every_line(stocked: Shop) -> None:
    stocked.clock.advance(timedelta(minutes=1))

    order = reserve_order(
        ReserveOrderFactory(reference="SO-1", lines=[("A", 4), ("B", 5)]),
        stocked.uow(), stocked.clock, stocked.ids,
    )  # fmt: skip

    assert (order.reference, order.warehouse, order.status) == ("SO-1", "WH-MAIN", "reserved")
    assert order.lines == (
        OrderLine("A", 4, allocations=(Allocation("DEFAULT", None, 4),)),
        OrderLine("B", 5, allocations=(Allocation("DEFAULT", None, 5),)),
    )
    assert order.created_at == order.updated_at == T0 + timedelta(minutes=1)
    assert get_order(order.id, stocked.uow()) == order
    assert [(lv.on_hand, lv.reserved, lv.available) for lv in _levels(stocked)] == [
        (10, 4, 6),
        (5, 5, 0),
    ]


def test_an_order_with_one_short_line_reserves_nothing(stocked: Shop) -> None:
    with pytest.raises(InsufficientStock) as refused:
        reserve_order(
            ReserveOrderFactory(reference="SO-1", lines=[("A", 4), ("B", 6)]),
            stocked.uow(), stocked.clock, stocked.ids,
        )  # fmt: skip

    assert refused.value.errors == (
        FieldError("lines.1.quantity", "B: wanted 6, only 5 available"),
    )
    assert [lv.reserved for lv in _levels(stocked)] == [0, 0]
    assert list_orders(OrderList(), stocked.uow()).items == []


def test_every_short_line_of_an_order_is_listed(stocked: Shop) -> None:
    given_order(stocked, [("A", 8)], reference="SO-0")
    given_product(stocked, "C")

    with pytest.raises(InsufficientStock) as refused:
        reserve_order(
            ReserveOrderFactory(reference="SO-1", lines=[("B", 1), ("A", 3), ("C", 1)]),
            stocked.uow(), stocked.clock, stocked.ids,
        )  # fmt: skip

    assert [e.field for e in refused.value.errors] == ["lines.1.quantity", "lines.2.quantity"]
    assert "A: wanted 3, only 2 available" in refused.value.errors[0].message


def test_a_refused_order_can_be_placed_again_once_stock_arrives(stocked: Shop) -> None:
    order = ReserveOrderFactory(reference="SO-1", lines=[("A", 12)])
    with pytest.raises(InsufficientStock):
        reserve_order(order, stocked.uow(), stocked.clock, stocked.ids)
    given_stock(stocked, "A", "WH-MAIN", 2)

    placed = reserve_order(order, stocked.uow(), stocked.clock, stocked.ids)

    assert placed.status is OrderStatus.RESERVED


def test_an_order_reference_is_unique(stocked: Shop) -> None:
    given_order(stocked, [("A", 1)], reference="SO-1")

    with pytest.raises(Conflict, match="order 'SO-1' already exists"):
        given_order(stocked, [("B", 1)], reference="SO-1")

    assert level_of(stocked.uow, "B", "WH-MAIN").reserved == 0


def test_an_order_in_an_unknown_warehouse_is_not_found_naming_it(stocked: Shop) -> None:
    with pytest.raises(NotFound, match="warehouse 'WH-NOWHERE' not found"):
        given_order(stocked, [("A", 1)], warehouse="WH-NOWHERE")


def test_an_order_line_for_an_unknown_sku_is_not_found_naming_it(stocked: Shop) -> None:
    with pytest.raises(NotFound, match="product 'NOPE' not found"):
        given_order(stocked, [("A", 1), ("NOPE", 1)])

    assert level_of(stocked.uow, "A", "WH-MAIN").reserved == 0


def test_an_order_may_not_expire_in_the_past(stocked: Shop) -> None:
    past = ReserveOrderFactory(expires_at=T0 - timedelta(seconds=1), lines=[("A", 1)])

    with pytest.raises(ValidationFailed) as refused:
        reserve_order(past, stocked.uow(), stocked.clock, stocked.ids)

    assert refused.value.errors == (FieldError("expires_at", "must be in the future"),)
    assert level_of(stocked.uow, "A", "WH-MAIN").reserved == 0


def test_an_order_may_not_expire_at_the_moment_it_is_placed(stocked: Shop) -> None:
    now = ReserveOrderFactory(expires_at=T0, lines=[("A", 1)])

    with pytest.raises(ValidationFailed):
        reserve_order(now, stocked.uow(), stocked.clock, stocked.ids)


def test_an_order_keeps_its_deadline(stocked: Shop) -> None:
    deadline = T0 + timedelta(hours=2)

    order = reserve_order(
        ReserveOrderFactory(expires_at=deadline, lines=[("A", 1)]),
        stocked.uow(), stocked.clock, stocked.ids,
    )  # fmt: skip

    assert get_order(order.id, stocked.uow()).expires_at == deadline


def test_shipping_issues_one_movement_per_line_with_the_orders_reference(stocked: Shop) -> None:
    order = given_order(stocked, [("A", 4), ("B", 5)], reference="SO-77")
    stocked.clock.advance(timedelta(minutes=3))

    shipped = _ship(stocked, order)

    assert (shipped.status, shipped.updated_at) == (OrderStatus.SHIPPED, T0 + timedelta(minutes=3))
    assert get_order(order.id, stocked.uow()).status is OrderStatus.SHIPPED
    issues = ledger_of(stocked.uow, type=MovementType.ISSUE)
    assert [(m.sku, m.warehouse, m.quantity, m.reference, m.created_by) for m in issues] == [
        ("A", "WH-MAIN", 4, "SO-77", "clerk-anna"),
        ("B", "WH-MAIN", 5, "SO-77", "clerk-anna"),
    ]
    assert [(lv.on_hand, lv.reserved) for lv in _levels(stocked)] == [(6, 0), (0, 0)]


def test_a_shipment_records_its_issues_in_the_order_of_its_lines(stocked: Shop) -> None:
    order = given_order(stocked, [("B", 1), ("A", 2)], reference="SO-78")

    _ship(stocked, order)

    issues = ledger_of(stocked.uow, type=MovementType.ISSUE)
    assert [(m.sku, m.quantity) for m in issues] == [("B", 1), ("A", 2)]


def test_cancelling_releases_the_reservation_and_moves_no_stock(stocked: Shop) -> None:
    order = given_order(stocked, [("A", 4), ("B", 5)])
    before = ledger_of(stocked.uow)

    cancelled = cancel_order(order.id, stocked.uow(), stocked.clock)

    assert cancelled.status is OrderStatus.CANCELLED
    assert get_order(order.id, stocked.uow()).status is OrderStatus.CANCELLED
    assert [(lv.on_hand, lv.reserved) for lv in _levels(stocked)] == [(10, 0), (5, 0)]
    assert ledger_of(stocked.uow) == before


def _expire(shop: Shop, order: Order) -> Order:
    # No use case expires orders yet (the background runner will): drive the domain.
    with shop.uow() as uow:
        stored = uow.orders.get(order.id)
        assert stored is not None
        posting = Posting(uow, shop.clock, shop.ids, shop.actor)
        stocks = posting.stocks(stored.skus, stored.warehouse)
        for line, change in zip(stored.lines, stored.expire(stocks, shop.clock()), strict=True):
            posting.keep(stocks[line.sku], change, shop.clock())
        posting.flush()
        uow.orders.save(stored)
        uow.commit()
    return stored


@pytest.mark.parametrize("first", ["ship", "cancel", "expire"])
@pytest.mark.parametrize("then", ["ship", "cancel"])
def test_an_order_that_left_reserved_cannot_be_shipped_or_cancelled(
    stocked: Shop, first: str, then: str
) -> None:
    order = reserve_order(
        ReserveOrderFactory(lines=[("A", 4)], expires_at=T0 + timedelta(days=1)),
        stocked.uow(), stocked.clock, stocked.ids,
    )  # fmt: skip
    stocked.clock.advance(timedelta(days=2))
    {"ship": _ship, "cancel": _cancel, "expire": _expire}[first](stocked, order)
    status = get_order(order.id, stocked.uow()).status
    before = (ledger_of(stocked.uow), _levels(stocked))

    act = _ship if then == "ship" else _cancel

    with pytest.raises(InvalidState, match=f"is {status.value}; it cannot be"):
        act(stocked, order)

    assert get_order(order.id, stocked.uow()).status is status
    assert (ledger_of(stocked.uow), _levels(stocked)) == before


@pytest.mark.parametrize(
    "act",
    [
        lambda shop: ship_order("ord-404", shop.uow(), shop.clock, shop.ids, shop.actor),
        lambda shop: cancel_order("ord-404", shop.uow(), shop.clock),
        lambda shop: get_order("ord-404", shop.uow()),
    ],
    ids=["ship", "cancel", "get"],
)
def test_an_unknown_order_is_not_found(shop: Shop, act: Callable[[Shop], Order]) -> None:
    with pytest.raises(NotFound, match="order 'ord-404' not found"):
        act(shop)


def test_orders_are_listed_oldest_first_and_filtered(stocked: Shop) -> None:
    stocked.clock.step = timedelta(seconds=1)
    given_stock(stocked, "A", "WH-EAST", 5)
    first = given_order(stocked, [("A", 1)], reference="SO-1")
    second = given_order(stocked, [("A", 1)], reference="SO-2", warehouse="WH-EAST")
    third = given_order(stocked, [("B", 1)], reference="SO-3")
    cancel_order(second.id, stocked.uow(), stocked.clock)

    def ids(params: OrderList) -> list[str]:
        return [o.id for o in list_orders(params, stocked.uow()).items]

    assert ids(OrderList()) == [first.id, second.id, third.id]
    assert ids(OrderList(sort="-created_at")) == [third.id, second.id, first.id]
    assert ids(OrderList(status=OrderStatus.RESERVED)) == [first.id, third.id]
    assert ids(OrderList(warehouse="WH-EAST")) == [second.id]
    assert ids(OrderList(reference="SO-3")) == [third.id]


def test_an_order_is_found_by_its_id_or_its_reference(stocked: Shop) -> None:
    order = given_order(stocked, [("A", 1)], reference="SO-7")

    assert find_order(order.id, stocked.uow()) == order
    assert find_order("SO-7", stocked.uow()) == order
    with pytest.raises(NotFound, match="order 'SO-8' not found"):
        find_order("SO-8", stocked.uow())


def test_an_id_wins_over_another_orders_equal_reference(stocked: Shop) -> None:
    first = given_order(stocked, [("A", 1)], reference="SO-1")
    second = given_order(stocked, [("A", 1)], reference=first.id)

    assert find_order(first.id, stocked.uow()) == first
    assert find_order(second.id, stocked.uow()) == second
