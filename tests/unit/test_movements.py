"""Use cases of the ledger: receipts, issues, transfers and adjustments."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from inventory.application.commands import (
    AdjustStock,
    IssueStock,
    MovementCommand,
    ReceiveStock,
    TransferStock,
)
from inventory.application.listing import MovementList
from inventory.application.stock import (
    export_stock,
    get_movement,
    list_movements,
    record_movement,
    record_movements,
)
from inventory.domain.errors import InsufficientStock, NotFound
from inventory.domain.movements import AdjustmentReason, MoveLine, Movement, MovementType
from inventory.domain.stock import StockLevel
from tests.factories import T0
from tests.unit.stories import (
    Shop,
    given_order,
    given_product,
    given_stock,
    given_warehouse,
    ledger_of,
    level_of,
    product_of,
)


def _record(shop: Shop, cmd: MovementCommand) -> Movement:
    return record_movement(cmd, shop.uow(), shop.clock, shop.ids, shop.actor)


@pytest.fixture
def stocked(shop: Shop) -> Shop:
    """SKU-1: 10 units in WH-MAIN at 2.0000, and an empty WH-OTHER."""
    given_stock(shop, "SKU-1", "WH-MAIN", 10, unit_cost="2.0000")
    given_warehouse(shop, "WH-OTHER")
    return shop


# --- receipts -----------------------------------------------------------------


def test_receiving_stock_raises_on_hand_and_records_one_movement(shop: Shop) -> None:
    given_product(shop, "SKU-1")
    given_warehouse(shop, "WH-MAIN")
    shop.clock.advance(timedelta(minutes=1))

    movement = _record(
        shop,
        ReceiveStock(
            sku="SKU-1", warehouse="WH-MAIN", quantity=12, unit_cost="2.5",
            reference="PO-9", note="first delivery",
        ),
    )  # fmt: skip

    assert level_of(shop.uow, "SKU-1", "WH-MAIN") == StockLevel("SKU-1", "WH-MAIN", 12, 0)
    assert ledger_of(shop.uow) == [movement]
    assert movement == Movement(
        id="id-000001", type=MovementType.RECEIPT, sku="SKU-1", warehouse="WH-MAIN",
        quantity=12, unit_cost=Decimal("2.5000"), reference="PO-9", note="first delivery",
        created_at=T0 + timedelta(minutes=1), created_by="clerk-anna",
        lines=(MoveLine("DEFAULT", None, 12),),
    )  # fmt: skip
    assert str(movement.unit_cost) == "2.5000"


def test_receipts_move_the_average_cost_across_every_warehouse(stocked: Shop) -> None:
    _record(stocked, ReceiveStock(sku="SKU-1", warehouse="WH-OTHER", quantity=30, unit_cost="4"))

    product = product_of(stocked.uow, "SKU-1")
    assert str(product.average_cost) == "3.5000"  # (10 x 2 + 30 x 4) / 40


def test_a_receipt_at_zero_cost_is_allowed_and_lowers_the_average(stocked: Shop) -> None:
    _record(stocked, ReceiveStock(sku="SKU-1", warehouse="WH-MAIN", quantity=10, unit_cost="0"))

    assert str(product_of(stocked.uow, "SKU-1").average_cost) == "1.0000"


def test_the_average_cost_restarts_from_the_receipt_once_all_stock_is_gone(stocked: Shop) -> None:
    _record(stocked, IssueStock(sku="SKU-1", warehouse="WH-MAIN", quantity=10))

    _record(stocked, ReceiveStock(sku="SKU-1", warehouse="WH-MAIN", quantity=1, unit_cost="9.99"))

    assert str(product_of(stocked.uow, "SKU-1").average_cost) == "9.9900"


# --- issues -------------------------------------------------------------------


def test_issuing_stock_lowers_on_hand(stocked: Shop) -> None:
    movement = _record(
        stocked, IssueStock(sku="SKU-1", warehouse="WH-MAIN", quantity=4, reference="PICK-1")
    )

    assert level_of(stocked.uow, "SKU-1", "WH-MAIN").on_hand == 6
    assert (movement.type, movement.quantity, movement.reference) == (
        MovementType.ISSUE,
        4,
        "PICK-1",
    )
    assert movement.unit_cost is None


def test_issuing_more_than_available_is_refused_and_records_nothing(stocked: Shop) -> None:
    before = ledger_of(stocked.uow)

    with pytest.raises(InsufficientStock, match="SKU-1 in WH-MAIN: wanted 11, only 10 available"):
        _record(stocked, IssueStock(sku="SKU-1", warehouse="WH-MAIN", quantity=11))

    assert level_of(stocked.uow, "SKU-1", "WH-MAIN").on_hand == 10
    assert ledger_of(stocked.uow) == before


def test_reserved_units_cannot_be_issued(stocked: Shop) -> None:
    given_order(stocked, [("SKU-1", 8)])

    with pytest.raises(InsufficientStock, match="only 2 available"):
        _record(stocked, IssueStock(sku="SKU-1", warehouse="WH-MAIN", quantity=3))

    assert level_of(stocked.uow, "SKU-1", "WH-MAIN") == StockLevel("SKU-1", "WH-MAIN", 10, 8)


def test_issues_leave_the_average_cost_unchanged(stocked: Shop) -> None:
    _record(stocked, IssueStock(sku="SKU-1", warehouse="WH-MAIN", quantity=9))

    assert str(product_of(stocked.uow, "SKU-1").average_cost) == "2.0000"


# --- transfers ----------------------------------------------------------------


def test_a_transfer_moves_units_between_warehouses_in_one_movement(stocked: Shop) -> None:
    movement = _record(
        stocked,
        TransferStock(sku="SKU-1", from_warehouse="WH-MAIN", to_warehouse="WH-OTHER", quantity=3),
    )

    assert level_of(stocked.uow, "SKU-1", "WH-MAIN").on_hand == 7
    assert level_of(stocked.uow, "SKU-1", "WH-OTHER").on_hand == 3
    assert (movement.type, movement.warehouse, movement.to_warehouse, movement.quantity) == (
        MovementType.TRANSFER,
        "WH-MAIN",
        "WH-OTHER",
        3,
    )
    assert str(product_of(stocked.uow, "SKU-1").average_cost) == "2.0000"


def test_a_short_transfer_changes_neither_warehouse(stocked: Shop) -> None:
    given_order(stocked, [("SKU-1", 5)])
    before = ledger_of(stocked.uow)

    with pytest.raises(InsufficientStock, match="only 5 available"):
        _record(
            stocked,
            TransferStock(
                sku="SKU-1", from_warehouse="WH-MAIN", to_warehouse="WH-OTHER", quantity=6
            ),
        )

    assert level_of(stocked.uow, "SKU-1", "WH-MAIN") == StockLevel("SKU-1", "WH-MAIN", 10, 5)
    assert level_of(stocked.uow, "SKU-1", "WH-OTHER") == StockLevel("SKU-1", "WH-OTHER", 0, 0)
    assert ledger_of(stocked.uow) == before


def test_a_transfer_to_an_unknown_warehouse_takes_nothing_from_the_source(stocked: Shop) -> None:
    with pytest.raises(NotFound, match="warehouse 'WH-NOWHERE' not found"):
        _record(
            stocked,
            TransferStock(
                sku="SKU-1", from_warehouse="WH-MAIN", to_warehouse="WH-NOWHERE", quantity=1
            ),
        )

    assert level_of(stocked.uow, "SKU-1", "WH-MAIN").on_hand == 10
    assert len(ledger_of(stocked.uow)) == 1


# --- adjustments --------------------------------------------------------------


def test_an_adjustment_sets_on_hand_to_the_count_and_records_the_signed_difference(
    stocked: Shop,
) -> None:
    movement = _record(
        stocked,
        AdjustStock(
            sku="SKU-1", warehouse="WH-MAIN", counted_quantity=7, reason="damage",
            note="forklift",
        ),
    )  # fmt: skip

    assert level_of(stocked.uow, "SKU-1", "WH-MAIN").on_hand == 7
    assert (movement.type, movement.quantity, movement.reason, movement.note) == (
        MovementType.ADJUSTMENT,
        -3,
        AdjustmentReason.DAMAGE,
        "forklift",
    )


def test_an_adjustment_can_find_stock_in_a_warehouse_that_never_held_any(stocked: Shop) -> None:
    movement = _record(
        stocked,
        AdjustStock(sku="SKU-1", warehouse="WH-OTHER", counted_quantity=4, reason="found"),
    )

    assert movement.quantity == 4
    assert level_of(stocked.uow, "SKU-1", "WH-OTHER").on_hand == 4
    assert str(product_of(stocked.uow, "SKU-1").average_cost) == "2.0000"


def test_an_adjustment_below_the_reserved_units_is_refused(stocked: Shop) -> None:
    given_order(stocked, [("SKU-1", 6)])

    with pytest.raises(InsufficientStock, match="counted 5 is below the 6 units reserved"):
        _record(
            stocked,
            AdjustStock(sku="SKU-1", warehouse="WH-MAIN", counted_quantity=5, reason="loss"),
        )

    assert level_of(stocked.uow, "SKU-1", "WH-MAIN") == StockLevel("SKU-1", "WH-MAIN", 10, 6)


# --- references that do not exist ---------------------------------------------


UNKNOWN: dict[str, tuple[MovementCommand, str]] = {
    "receipt-sku": (
        ReceiveStock(sku="NOPE", warehouse="WH-MAIN", quantity=1, unit_cost="1"),
        "product 'NOPE'",
    ),
    "issue-sku": (IssueStock(sku="NOPE", warehouse="WH-MAIN", quantity=1), "product 'NOPE'"),
    "receipt-wh": (
        ReceiveStock(sku="SKU-1", warehouse="NOWHERE", quantity=1, unit_cost="1"),
        "warehouse 'NOWHERE'",
    ),
    "issue-wh": (IssueStock(sku="SKU-1", warehouse="NOWHERE", quantity=1), "warehouse 'NOWHERE'"),
    "transfer-from": (
        TransferStock(sku="SKU-1", from_warehouse="NOWHERE", to_warehouse="WH-MAIN", quantity=1),
        "warehouse 'NOWHERE'",
    ),
    "adjust-wh": (
        AdjustStock(sku="SKU-1", warehouse="NOWHERE", counted_quantity=1, reason="count"),
        "warehouse 'NOWHERE'",
    ),
}


@pytest.mark.parametrize(("cmd", "named"), UNKNOWN.values(), ids=UNKNOWN.keys())
def test_a_movement_naming_an_unknown_sku_or_warehouse_is_not_found_naming_it(
    stocked: Shop, cmd: MovementCommand, named: str
) -> None:
    with pytest.raises(NotFound, match=f"{named} not found"):
        _record(stocked, cmd)

    assert len(ledger_of(stocked.uow)) == 1


# --- many movements at once -----------------------------------------------------


def test_many_movements_are_recorded_in_order(stocked: Shop) -> None:
    stocked.clock.step = timedelta(seconds=1)
    commands: list[MovementCommand] = [
        IssueStock(sku="SKU-1", warehouse="WH-MAIN", quantity=10),
        ReceiveStock(sku="SKU-1", warehouse="WH-OTHER", quantity=2, unit_cost="5"),
        TransferStock(sku="SKU-1", from_warehouse="WH-OTHER", to_warehouse="WH-MAIN", quantity=1),
    ]
    progress: list[int] = []

    count = record_movements(
        commands, stocked.uow(), stocked.clock, stocked.ids, stocked.actor, progress.append
    )

    assert (count, progress) == (3, [3])
    assert level_of(stocked.uow, "SKU-1", "WH-MAIN").on_hand == 1
    assert level_of(stocked.uow, "SKU-1", "WH-OTHER").on_hand == 1
    # The receipt came after the issue emptied the shelves: the average restarts at 5.
    assert str(product_of(stocked.uow, "SKU-1").average_cost) == "5.0000"
    assert [m.type for m in ledger_of(stocked.uow)][1:] == ["issue", "receipt", "transfer"]


def test_many_movements_are_all_or_nothing_and_the_refused_one_is_named(stocked: Shop) -> None:
    commands: list[MovementCommand] = [
        ReceiveStock(sku="SKU-1", warehouse="WH-MAIN", quantity=5, unit_cost="8"),
        IssueStock(sku="SKU-1", warehouse="WH-MAIN", quantity=15),
        IssueStock(sku="SKU-1", warehouse="WH-MAIN", quantity=16),
    ]

    with pytest.raises(InsufficientStock, match=r"^movement 3: SKU-1 in WH-MAIN: wanted 16"):
        record_movements(commands, stocked.uow(), stocked.clock, stocked.ids, stocked.actor)

    assert level_of(stocked.uow, "SKU-1", "WH-MAIN").on_hand == 10
    assert str(product_of(stocked.uow, "SKU-1").average_cost) == "2.0000"
    assert len(ledger_of(stocked.uow)) == 1


def test_no_movements_record_nothing(stocked: Shop) -> None:
    assert record_movements([], stocked.uow(), stocked.clock, stocked.ids, stocked.actor) == 0


# --- reading the ledger ---------------------------------------------------------


def test_a_movement_is_read_back_by_id(stocked: Shop) -> None:
    movement = _record(stocked, IssueStock(sku="SKU-1", warehouse="WH-MAIN", quantity=1))

    assert get_movement(movement.id, stocked.uow()) == movement


def test_an_unknown_movement_is_not_found(shop: Shop) -> None:
    with pytest.raises(NotFound, match="movement 'id-999' not found"):
        get_movement("id-999", shop.uow())


def test_the_ledger_lists_oldest_first_and_filters_by_warehouse_on_either_side(
    stocked: Shop,
) -> None:
    stocked.clock.step = timedelta(seconds=1)
    given_stock(stocked, "SKU-2", "WH-THIRD", 1)
    transfer = _record(
        stocked,
        TransferStock(sku="SKU-1", from_warehouse="WH-MAIN", to_warehouse="WH-OTHER", quantity=2),
    )
    issue = _record(stocked, IssueStock(sku="SKU-1", warehouse="WH-OTHER", quantity=1))

    page = list_movements(MovementList(warehouse="WH-OTHER"), stocked.uow())

    assert page.items == [transfer, issue]
    assert [
        m.id for m in list_movements(MovementList(sort="-created_at"), stocked.uow()).items
    ] == [
        issue.id,
        transfer.id,
        "id-000002",
        "id-000001",
    ]


def test_every_stock_level_is_exported_by_sku_then_warehouse(stocked: Shop) -> None:
    given_stock(stocked, "SKU-0", "WH-OTHER", 3)
    given_stock(stocked, "SKU-1", "WH-OTHER", 4)

    assert list(export_stock(stocked.uow())) == [
        StockLevel("SKU-0", "WH-OTHER", 3),
        StockLevel("SKU-1", "WH-MAIN", 10),
        StockLevel("SKU-1", "WH-OTHER", 4),
    ]
