"""The SerialRepository contract, and the serials the ledger and the orders keep (API.md §12):
units saved and read back, those held per (sku, warehouse) and per slot, every movement
that moved a unit, and the units each order allocation reserved.

Every test runs once per storage adapter (see ``conftest.py``).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from inventory.application.catalog import add_product, add_warehouse
from inventory.application.commands import (
    AdjustStock,
    CreateProduct,
    CreateWarehouse,
    IssueStock,
    MovementCommand,
    OrderLineIn,
    ReceiveStock,
    ReserveOrder,
    TransferStock,
)
from inventory.application.errors import Contention
from inventory.application.integrity import Drift, check_integrity
from inventory.application.orders import cancel_order, reserve_order, ship_order
from inventory.application.ports import Storage
from inventory.application.queries import MovementFilter
from inventory.application.scopes import LEVELS, product, scopes
from inventory.application.stock import record_movement
from inventory.domain.lots import Tracking
from inventory.domain.movements import MoveLine, MovementType
from inventory.domain.orders import OrderLine
from inventory.domain.picking import Allocation
from inventory.domain.serials import SerialState, SerialStatus
from tests.factories import (
    T0,
    FixedClock,
    MovementFactory,
    OrderFactory,
    SequentialIds,
    SerialStateFactory,
)
from tests.integration.contract import SECOND, given, reading
from tests.integration.test_contract_slots import floor


def unit(serial: str, sku: str = "A", warehouse: str = "W1", location: str = "DEFAULT",
         status: SerialStatus = SerialStatus.IN_STOCK, order_id: str | None = None,
         ) -> SerialState:  # fmt: skip
    return SerialStateFactory(
        sku=sku, serial=serial, warehouse=warehouse, location=location, status=status,
        order_id=order_id, received_at=T0 + timedelta(microseconds=len(serial)),
    )  # fmt: skip


def units(storage: Storage, *states: SerialState) -> None:
    floor(storage)
    with storage.unit_of_work() as uow:
        uow.serials.save_all(list(states))
        uow.commit()


def test_saved_units_come_back_as_they_were_and_saving_again_updates_them(
    storage: Storage,
) -> None:
    units(storage, unit("S-1"), unit("S-22", location="B-1"), unit("S-1", sku="B"))

    with storage.unit_of_work() as uow:
        uow.serials.get_many("A", ["S-1"])  # a unit is updated by a writer that read it
        uow.serials.save_all([unit("S-1", status=SerialStatus.RESERVED, order_id="o-1")])
        uow.commit()

    with reading(storage) as uow:
        got = uow.serials.get_many("A", ["S-1", "S-22", "S-404"])
        of_b = uow.serials.get_many("B", ["S-1"])
        scanned = uow.serials.held_with_serial("S-1")

    assert got == {
        "S-1": unit("S-1", status=SerialStatus.RESERVED, order_id="o-1"),
        "S-22": unit("S-22", location="B-1"),
    }
    assert of_b == {"S-1": unit("S-1", sku="B")}
    assert [(s.sku, s.status) for s in scanned] == [
        ("A", SerialStatus.RESERVED), ("B", SerialStatus.IN_STOCK),
    ]  # fmt: skip


def test_a_unit_saved_as_new_while_one_is_stored_is_a_lost_race(storage: Storage) -> None:
    # Another writer received it after this one found it new: nothing is kept,
    # and the use case, tried again, finds the unit.
    units(storage, unit("S-1"))

    def save_unread() -> None:
        with storage.unit_of_work() as uow:
            uow.serials.save_all([unit("S-1", location="B-1"), unit("S-2")])
            uow.commit()

    with pytest.raises(Contention, match="received by another writer"):
        save_unread()

    with reading(storage) as uow:
        assert uow.serials.get_many("A", ["S-1", "S-2"]) == {"S-1": unit("S-1")}


def test_held_units_are_those_in_stock_or_reserved_in_the_pairs_asked_for(
    storage: Storage,
) -> None:
    units(
        storage,
        unit("S-1"),
        unit("S-2", status=SerialStatus.RESERVED, order_id="o-1"),
        unit("S-3", status=SerialStatus.SHIPPED, order_id="o-2"),
        unit("S-4", status=SerialStatus.ISSUED),
        unit("S-5", status=SerialStatus.WRITTEN_OFF),
        unit("S-6", warehouse="W2"),
        unit("S-7", sku="B"),
    )

    with reading(storage) as uow:
        held = uow.serials.held([("A", "W1"), ("B", "W2")])
        by_slot = list(uow.serials.held_by_slot())
        streamed = list(uow.serials.stream())
        gone = [uow.serials.held_with_serial(serial) for serial in ("S-3", "S-404")]

    assert [s.serial for s in held] == ["S-1", "S-2"]
    assert gone == [[], []]
    assert by_slot == [
        (("A", "W1", "DEFAULT", None), 2),
        (("A", "W2", "DEFAULT", None), 1),
        (("B", "W1", "DEFAULT", None), 1),
    ]
    assert [(s.sku, s.serial) for s in streamed] == [("A", f"S-{n}") for n in range(1, 7)] + [
        ("B", "S-7")
    ]


def test_units_are_seen_by_their_own_unit_and_kept_only_once_committed(storage: Storage) -> None:
    units(storage)

    with storage.unit_of_work() as uow:
        uow.serials.save_all([unit("S-1")])
        seen = uow.serials.get_many("A", ["S-1"])
    with reading(storage) as uow:
        after_rollback = list(uow.serials.stream())

    assert list(seen) == ["S-1"]
    assert after_rollback == []


def test_saving_units_raises_the_levels_and_product_versions_only(storage: Storage) -> None:
    units(storage, unit("S-1"))
    wanted = [scopes(LEVELS), scopes(product("A"))]
    others = [scopes(product("B"))]
    with reading(storage) as uow:
        before = uow.versions(wanted + others)

    with storage.unit_of_work() as uow:
        uow.serials.held([("A", "W1")])
        uow.serials.save_all([unit("S-1", status=SerialStatus.ISSUED)])
        uow.commit()

    with reading(storage) as uow:
        after = uow.versions(wanted + others)

    assert [a > b for a, b in zip(after, before, strict=True)] == [True, True, False]


def test_movements_keep_the_serials_of_each_line_in_order_and_a_units_history(
    storage: Storage,
) -> None:
    floor(storage)
    receipt = MovementFactory(
        id="m-1", sku="A", warehouse="W1", quantity=3, created_at=T0,
        lines=(MoveLine("B-1", None, 2, serials=("S-9", "S-1")),
               MoveLine("DEFAULT", None, 1, serials=("S-5",))),
    )  # fmt: skip
    transfer = MovementFactory(
        id="m-2", transfer=True, sku="A", warehouse="W1", to_warehouse="W2", quantity=1,
        created_at=T0 + SECOND,
        lines=(MoveLine("B-1", None, 1, to_location="DEFAULT", serials=("S-1",)),),
    )  # fmt: skip
    other = MovementFactory(
        id="m-0", sku="B", warehouse="W1", quantity=1, created_at=T0,
        lines=(MoveLine("DEFAULT", None, 1, serials=("S-1",)),),
    )  # fmt: skip
    plain = MovementFactory(
        id="m-3", sku="A", warehouse="W1", quantity=1, created_at=T0 + 2 * SECOND,
        lines=(MoveLine("DEFAULT", None, 1),),
    )  # fmt: skip
    given(storage, other, transfer, receipt, plain)

    with reading(storage) as uow:
        got = uow.movements.get("m-1")
        streamed = list(uow.movements.stream(MovementFilter(sku="A")))
        history = uow.movements.touching_serial("A", "S-1")
        none = uow.movements.touching_serial("A", "S-404")

    assert got == receipt
    assert streamed == [receipt, transfer, plain]
    assert [m.id for m in history] == ["m-1", "m-2"]
    assert history[1].type is MovementType.TRANSFER
    assert none == []


def test_orders_keep_the_serials_each_allocation_reserved(storage: Storage) -> None:
    floor(storage)
    order = OrderFactory(
        id="o-1", reference="SO-1", warehouse="W1", created_at=T0,
        lines=(
            OrderLine("A", 3, allocations=(
                Allocation("B-1", None, 2, ("S-9", "S-1")),
                Allocation("DEFAULT", None, 1, ("S-5",)),
            )),
            OrderLine("B", 1, allocations=(Allocation("DEFAULT", None, 1),)),
        ),
    )  # fmt: skip
    given(storage, order)

    with reading(storage) as uow:
        got = uow.orders.get("o-1")

    assert got == order


# --- the use cases on every adapter, and the integrity check -------------------------------


def _a_day_of_drills(storage: Storage) -> FixedClock:
    """DRILL received, one unit issued by name, one moved to EAST, one reserved and shipped,
    one reserved and cancelled, and one count down."""
    clock, ids = FixedClock(step=timedelta(seconds=1)), SequentialIds("day")
    for code in ("MAIN", "EAST"):
        add_warehouse(CreateWarehouse(code=code, name=code), storage.unit_of_work(), clock)
    drill = CreateProduct(sku="DRILL", name="Drill", tracking=Tracking.SERIAL)
    add_product(drill, storage.unit_of_work(), clock)

    def move(cmd: MovementCommand) -> list[str]:
        movement = record_movement(cmd, storage.unit_of_work(), clock, ids, "clerk")
        return [serial for line in movement.lines for serial in line.serials]

    serials = [f"D-{n}" for n in range(1, 7)]
    move(ReceiveStock(sku="DRILL", warehouse="MAIN", quantity=6, unit_cost="80", serials=serials))
    assert move(IssueStock(sku="DRILL", warehouse="MAIN", quantity=1, serials=["D-4"])) == ["D-4"]
    moved = move(TransferStock(sku="DRILL", from_warehouse="MAIN", to_warehouse="EAST", quantity=1))
    assert moved == ["D-1"]
    order = ReserveOrder(
        reference="SO-1", warehouse="MAIN", lines=[OrderLineIn(sku="DRILL", quantity=2)]
    )
    shipped = reserve_order(order, storage.unit_of_work(), clock, ids)
    ship_order(shipped.id, storage.unit_of_work(), clock, ids, "picker")
    again = ReserveOrder(
        reference="SO-2", warehouse="MAIN", lines=[OrderLineIn(sku="DRILL", quantity=1)]
    )
    cancel_order(reserve_order(again, storage.unit_of_work(), clock, ids).id,
                 storage.unit_of_work(), clock)  # fmt: skip
    count = AdjustStock(sku="DRILL", warehouse="MAIN", counted_quantity=1, reason="loss")
    assert move(count) == ["D-5"]
    return clock


def test_the_use_cases_keep_every_unit_where_the_ledger_says_on_every_adapter(
    storage: Storage,
) -> None:
    _a_day_of_drills(storage)

    with reading(storage) as uow:
        states = {s.serial: (s.status, s.warehouse) for s in uow.serials.stream()}
        history = [m.type for m in uow.movements.touching_serial("DRILL", "D-2")]
    drifts = check_integrity(storage.unit_of_work())

    assert states == {
        "D-1": (SerialStatus.IN_STOCK, "EAST"),
        "D-2": (SerialStatus.SHIPPED, "MAIN"),
        "D-3": (SerialStatus.SHIPPED, "MAIN"),
        "D-4": (SerialStatus.ISSUED, "MAIN"),
        "D-5": (SerialStatus.WRITTEN_OFF, "MAIN"),
        "D-6": (SerialStatus.IN_STOCK, "MAIN"),
    }
    assert history == [MovementType.RECEIPT, MovementType.ISSUE]
    assert drifts == []


def test_a_unit_the_ledger_does_not_hold_is_reported_by_the_check(storage: Storage) -> None:
    _a_day_of_drills(storage)
    with storage.unit_of_work() as uow:
        stray = uow.serials.get_many("DRILL", ["D-4"])["D-4"]
        stray.status = SerialStatus.IN_STOCK
        uow.serials.save_all([stray])
        uow.commit()

    drifts = check_integrity(storage.unit_of_work())

    assert drifts == [Drift("serials", "DRILL", "MAIN at DEFAULT", "2", "1")]


def _one_drill_reserved(storage: Storage) -> str:
    clock = _a_day_of_drills(storage)
    receipt = ReceiveStock(sku="DRILL", warehouse="MAIN", quantity=1, unit_cost="80",
                           serials=["D-7"])  # fmt: skip
    record_movement(receipt, storage.unit_of_work(), clock, SequentialIds("d7"), "clerk")
    order = ReserveOrder(
        reference="SO-3", warehouse="MAIN", lines=[OrderLineIn(sku="DRILL", quantity=1)]
    )
    reserved = reserve_order(order, storage.unit_of_work(), clock, SequentialIds("so3"))
    [serial] = reserved.lines[0].allocations[0].serials
    assert check_integrity(storage.unit_of_work()) == []
    return serial


def test_a_unit_reserved_by_no_order_is_reported_by_the_check(storage: Storage) -> None:
    serial = _one_drill_reserved(storage)
    with storage.unit_of_work() as uow:
        [other] = [s for s in uow.serials.held([("DRILL", "MAIN")]) if s.serial != serial]
        other.reserve("o-gone")
        uow.serials.save_all([other])
        uow.commit()

    drifts = check_integrity(storage.unit_of_work())

    assert drifts == [
        Drift("reserved_serials", "DRILL", "MAIN at DEFAULT",
              f"{other.serial} reserved by order o-gone", "no such allocation"),
        Drift("reserved_serials", "DRILL", "MAIN at DEFAULT", "2", "1"),
    ]  # fmt: skip


def test_a_reserved_unit_put_back_in_stock_is_reported_by_the_check(storage: Storage) -> None:
    serial = _one_drill_reserved(storage)
    with storage.unit_of_work() as uow:
        unit = uow.serials.get_many("DRILL", [serial])[serial]
        unit.release()
        uow.serials.save_all([unit])
        uow.commit()

    drifts = check_integrity(storage.unit_of_work())

    assert drifts == [Drift("reserved_serials", "DRILL", "MAIN at DEFAULT", "0", "1")]
