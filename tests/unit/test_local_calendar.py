"""Expiry is judged by the calendar of INVENTORY_TIMEZONE: the clock's zone gives the date."""

from __future__ import annotations

from datetime import date, timedelta, timezone

import pytest

from inventory.application.commands import IssueStock, LotIn, ReceiveStock
from inventory.application.ledger import local_today
from inventory.application.stock import record_movement
from inventory.domain.errors import InsufficientStock
from tests.factories import T0
from tests.unit.stories import Shop, given_product, given_warehouse

# No zone database is read in a unit test: a fixed offset stands for a zone ahead of UTC.
AUCKLAND_SUMMER = timezone(timedelta(hours=13))


def test_the_date_is_the_clocks_own_zone_date() -> None:
    # 19:25 UTC on 26 November is already 08:25 on the 27th at UTC+13.
    assert local_today(T0) == date(2026, 11, 26)
    assert local_today(T0.astimezone(AUCKLAND_SUMMER)) == date(2026, 11, 27)


def _lot_expiring_on_t0s_utc_date(shop: Shop) -> None:
    given_warehouse(shop)
    given_product(shop, "MILK", tracking="lot")
    receipt = ReceiveStock(
        sku="MILK", warehouse="WH-MAIN", quantity=5, unit_cost="1.0000",
        lot=LotIn(code="L1", expires_on=date(2026, 11, 26)),
    )  # fmt: skip
    record_movement(receipt, shop.uow(), shop.clock, shop.ids, shop.actor)


def test_a_lot_expiring_today_in_utc_is_still_picked(shop: Shop) -> None:
    _lot_expiring_on_t0s_utc_date(shop)

    issued = record_movement(
        IssueStock(sku="MILK", warehouse="WH-MAIN", quantity=2),
        shop.uow(), shop.clock, shop.ids, shop.actor,
    )  # fmt: skip

    assert [(a.lot, a.quantity) for a in issued.lines] == [("L1", 2)]


def test_the_same_moment_is_tomorrow_where_the_clock_reads_ahead_and_the_lot_has_expired(
    shop: Shop,
) -> None:
    _lot_expiring_on_t0s_utc_date(shop)
    shop.clock.set(T0.astimezone(AUCKLAND_SUMMER))

    with pytest.raises(InsufficientStock, match="2 of the 2 short are expired"):
        record_movement(
            IssueStock(sku="MILK", warehouse="WH-MAIN", quantity=2),
            shop.uow(), shop.clock, shop.ids, shop.actor,
        )  # fmt: skip
