"""The integrity check: stored figures recomputed from the ledger and the open orders.

Drift cannot happen through the use cases, so these tests corrupt the memory
store's committed dicts directly, as a bug or a hand edit of a database would.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from inventory.application.commands import IssueStock, TransferStock
from inventory.application.integrity import Drift, check_integrity
from inventory.application.orders import cancel_order, ship_order
from inventory.application.stock import record_movement
from inventory.domain.stock import StockLevel
from tests.unit.stories import Shop, given_order, given_product, given_stock


@pytest.fixture
def busy(shop: Shop) -> Shop:
    """A few weeks of work: receipts at two costs, a transfer, an issue, orders."""
    given_stock(shop, "A", "WH-EAST", 10, unit_cost="2")
    given_stock(shop, "A", "WH-WEST", 5, unit_cost="3.3333")
    given_stock(shop, "B", "WH-EAST", 4, unit_cost="1")
    for cmd in (
        TransferStock(sku="A", from_warehouse="WH-EAST", to_warehouse="WH-WEST", quantity=4),
        IssueStock(sku="B", warehouse="WH-EAST", quantity=1),
    ):
        record_movement(cmd, shop.uow(), shop.clock, shop.ids, shop.actor)
    shipped = given_order(shop, [("A", 2), ("B", 1)], reference="SO-1", warehouse="WH-EAST")
    ship_order(shipped.id, shop.uow(), shop.clock, shop.ids, shop.actor)
    cancelled = given_order(shop, [("A", 1)], reference="SO-2", warehouse="WH-EAST")
    cancel_order(cancelled.id, shop.uow(), shop.clock)
    given_order(shop, [("A", 3)], reference="SO-3", warehouse="WH-EAST")
    given_product(shop, "NEVER-STOCKED")
    return shop


def test_stock_kept_by_the_use_cases_shows_no_drift(busy: Shop) -> None:
    assert check_integrity(busy.uow()) == []


def test_an_empty_inventory_shows_no_drift(shop: Shop) -> None:
    assert check_integrity(shop.uow()) == []


def test_a_tampered_on_hand_figure_is_reported(busy: Shop) -> None:
    busy.store.levels["A", "WH-EAST"].on_hand = 99

    drifts = check_integrity(busy.uow())

    assert drifts == [Drift("on_hand", "A", "WH-EAST", "99", "4")]
    assert str(drifts[0]) == "on_hand of A in WH-EAST: stored 99, expected 4"


def test_a_tampered_reservation_is_reported(busy: Shop) -> None:
    busy.store.levels["A", "WH-EAST"].reserved = 0

    assert check_integrity(busy.uow()) == [Drift("reserved", "A", "WH-EAST", "0", "3")]


def test_a_reservation_without_an_open_order_is_reported(busy: Shop) -> None:
    busy.store.levels["B", "WH-EAST"].reserved = 2

    assert check_integrity(busy.uow()) == [Drift("reserved", "B", "WH-EAST", "2", "0")]


def test_a_level_missing_while_the_ledger_holds_stock_is_reported(busy: Shop) -> None:
    del busy.store.levels["B", "WH-EAST"]

    assert check_integrity(busy.uow()) == [Drift("on_hand", "B", "WH-EAST", "0 (no level)", "2")]


def test_a_level_the_ledger_knows_nothing_of_is_reported(busy: Shop) -> None:
    busy.store.levels["NEVER-STOCKED", "WH-EAST"] = StockLevel("NEVER-STOCKED", "WH-EAST", 7)

    assert check_integrity(busy.uow()) == [Drift("on_hand", "NEVER-STOCKED", "WH-EAST", "7", "0")]


def test_a_tampered_average_cost_is_reported_against_the_replayed_receipts(busy: Shop) -> None:
    busy.store.products["A"].average_cost = Decimal("2.0000")

    drifts = check_integrity(busy.uow())

    # (10 x 2 + 5 x 3.3333) / 15 = 2.44443.. -> 2.4444
    assert drifts == [Drift("average_cost", "A", None, "2.0000", "2.4444")]
    assert str(drifts[0]) == "average_cost of A: stored 2.0000, expected 2.4444"


def test_every_drift_is_reported_at_once(busy: Shop) -> None:
    busy.store.levels["A", "WH-WEST"].on_hand += 1
    busy.store.levels["A", "WH-EAST"].reserved -= 1
    busy.store.products["B"].average_cost = Decimal("0.5000")

    assert {(d.what, d.sku, d.warehouse) for d in check_integrity(busy.uow())} == {
        ("on_hand", "A", "WH-WEST"),
        ("reserved", "A", "WH-EAST"),
        ("average_cost", "B", None),
    }
