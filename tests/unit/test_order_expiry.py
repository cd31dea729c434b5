"""The runner's reservation expiry sweep: lapsed orders expire and free their stock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from inventory.application.orders import (
    cancel_order,
    expire_orders,
    get_order,
    reserve_order,
    ship_order,
)
from inventory.application.ports import UnitOfWork
from inventory.domain.errors import InvalidState
from inventory.domain.orders import Order, OrderStatus
from tests.factories import T0, ReserveOrderFactory
from tests.unit.job_stories import TICK, stock_main
from tests.unit.stories import Shop, ledger_of, level_of


@pytest.fixture
def stocked(shop: Shop) -> Shop:
    return stock_main(shop)


def _reserve(
    shop: Shop,
    lines: list[tuple[str, int]],
    expires_in: timedelta | None = timedelta(minutes=15),
    reference: str | None = None,
) -> Order:
    deadline = None if expires_in is None else shop.clock.now + expires_in
    fields = {} if reference is None else {"reference": reference}
    command = ReserveOrderFactory(lines=lines, expires_at=deadline, **fields)
    return reserve_order(command, shop.uow(), shop.clock, shop.ids)


def _available(shop: Shop, sku: str) -> tuple[int, int]:
    level = level_of(shop.uow, sku, "WH-MAIN")
    return level.on_hand, level.reserved


def _expire(shop: Shop, batch: int = 100) -> int:
    return expire_orders(shop.uow, shop.clock, batch)


def test_an_order_past_its_deadline_expires_and_releases_every_line(stocked: Shop) -> None:
    order = _reserve(stocked, [("A", 4), ("B", 6)], timedelta(minutes=15))
    ledger = ledger_of(stocked.uow)
    stocked.clock.advance(timedelta(minutes=15))

    assert _expire(stocked) == 1

    expired = get_order(order.id, stocked.uow())
    assert expired.status is OrderStatus.EXPIRED
    assert expired.updated_at == T0 + timedelta(minutes=15)
    assert _available(stocked, "A") == (10, 0)
    assert _available(stocked, "B") == (6, 0)
    assert ledger_of(stocked.uow) == ledger  # a release moves no stock


def test_an_order_is_not_expired_a_microsecond_before_its_deadline(stocked: Shop) -> None:
    order = _reserve(stocked, [("A", 4)], timedelta(minutes=15))
    stocked.clock.advance(timedelta(minutes=15) - TICK)

    assert _expire(stocked) == 0

    assert get_order(order.id, stocked.uow()).status is OrderStatus.RESERVED
    assert _available(stocked, "A") == (10, 4)


def test_an_order_without_a_deadline_never_expires(stocked: Shop) -> None:
    order = _reserve(stocked, [("A", 4)], expires_in=None)
    stocked.clock.advance(timedelta(days=400))

    assert _expire(stocked) == 0
    assert get_order(order.id, stocked.uow()).status is OrderStatus.RESERVED


def test_shipped_and_cancelled_orders_are_left_as_they_are(stocked: Shop) -> None:
    shipped = _reserve(stocked, [("A", 3)])
    cancelled = _reserve(stocked, [("B", 2)])
    ship_order(shipped.id, stocked.uow(), stocked.clock, stocked.ids, stocked.actor)
    cancel_order(cancelled.id, stocked.uow(), stocked.clock)
    stocked.clock.advance(timedelta(hours=1))

    assert _expire(stocked) == 0

    assert get_order(shipped.id, stocked.uow()).status is OrderStatus.SHIPPED
    assert get_order(cancelled.id, stocked.uow()).status is OrderStatus.CANCELLED
    assert _available(stocked, "A") == (7, 0)
    assert _available(stocked, "B") == (6, 0)


def test_expiring_again_changes_nothing(stocked: Shop) -> None:
    order = _reserve(stocked, [("A", 4)])
    stocked.clock.advance(timedelta(hours=1))
    assert _expire(stocked) == 1
    stocked.clock.advance(timedelta(seconds=20))

    assert _expire(stocked) == 0

    assert get_order(order.id, stocked.uow()).updated_at == T0 + timedelta(hours=1)
    assert _available(stocked, "A") == (10, 0)


def test_only_the_orders_past_their_deadline_expire(stocked: Shop) -> None:
    early = _reserve(stocked, [("A", 1)], timedelta(minutes=5))
    late = _reserve(stocked, [("A", 2)], timedelta(minutes=30))
    stocked.clock.advance(timedelta(minutes=10))

    assert _expire(stocked) == 1

    assert get_order(early.id, stocked.uow()).status is OrderStatus.EXPIRED
    assert get_order(late.id, stocked.uow()).status is OrderStatus.RESERVED
    assert _available(stocked, "A") == (10, 2)


def test_more_lapsed_orders_than_a_batch_all_expire_in_one_sweep(stocked: Shop) -> None:
    orders = [_reserve(stocked, [("A", 1)]) for _ in range(5)]
    stocked.clock.advance(timedelta(hours=1))

    assert _expire(stocked, batch=2) == 5

    assert {get_order(o.id, stocked.uow()).status for o in orders} == {OrderStatus.EXPIRED}
    assert _available(stocked, "A") == (10, 0)


def test_an_order_shipped_after_the_sweep_listed_it_stays_shipped(stocked: Shop) -> None:
    order = _reserve(stocked, [("A", 4)])
    stocked.clock.advance(timedelta(hours=1))
    units_of_work = 0

    def ship_meanwhile() -> UnitOfWork:
        # The sweep reads the lapsed ids first, then opens one unit of work per order:
        # ship the order just before the sweep's own unit of work for it begins.
        nonlocal units_of_work
        units_of_work += 1
        if units_of_work == 2:
            ship_order(order.id, stocked.uow(), stocked.clock, stocked.ids, stocked.actor)
        return stocked.uow()

    assert expire_orders(ship_meanwhile, stocked.clock) == 0

    assert units_of_work == 2
    assert get_order(order.id, stocked.uow()).status is OrderStatus.SHIPPED
    assert _available(stocked, "A") == (6, 0)


@pytest.mark.parametrize("action", ["ship", "cancel"])
def test_an_expired_order_can_be_neither_shipped_nor_cancelled(stocked: Shop, action: str) -> None:
    order = _reserve(stocked, [("A", 4)])
    stocked.clock.advance(timedelta(hours=1))
    _expire(stocked)

    def act() -> Order:
        if action == "ship":
            return ship_order(order.id, stocked.uow(), stocked.clock, stocked.ids, stocked.actor)
        return cancel_order(order.id, stocked.uow(), stocked.clock)

    with pytest.raises(InvalidState, match="is expired"):
        act()

    assert _available(stocked, "A") == (10, 0)
