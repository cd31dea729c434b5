"""The LotRepository contract, and what the ledger and the orders tell of one lot
(API.md §12): lots, their pages, their figures per warehouse, those expiring, and
every movement and order that touched a lot.

Every test runs once per storage adapter (see ``conftest.py``).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from inventory.application.ports import LotRow, Storage
from inventory.application.queries import PageSpec, SortKey
from inventory.application.scopes import LEVELS, product, scopes
from inventory.domain.lots import Lot, Tracking
from inventory.domain.movements import MoveLine
from inventory.domain.orders import OrderLine, OrderStatus
from inventory.domain.picking import Allocation
from inventory.domain.stock import SlotLevel
from tests.factories import T0, LotFactory, MovementFactory, OrderFactory, ProductFactory
from tests.integration.contract import SECOND, given, products, reading, warehouses
from tests.integration.test_contract_slots import LOCATIONS, slot, summed

UNDATED = "9999-12-31"
"""The ``expires_on`` a lot without an expiry date sorts by, in a page position: after
every dated lot (nulls last)."""


def lots_of(storage: Storage, *lots: tuple[str, Lot], slots: tuple[SlotLevel, ...] = ()) -> None:
    """Warehouses W1 and W2 with ``LOCATIONS``, products A and B, then ``lots`` and
    ``slots`` with the (sku, warehouse) levels they sum to."""
    given(storage, *warehouses("W1", "W2"), *products("A", "B"))
    with storage.unit_of_work() as uow:
        for location in LOCATIONS:
            if location.code != "DEFAULT":  # each warehouse's default came with it
                uow.locations.add(location)
        uow.lots.add_all(lots)
        uow.stock.save_all(summed(slots))
        uow.stock.save_slots(slots)
        uow.commit()


def position(sort: str, lot: Lot) -> SortKey:
    """A lot's place among its product's: (code,), or (expires_on or UNDATED, code)."""
    if sort == "code":
        return (lot.code,)
    return (UNDATED if lot.expires_on is None else lot.expires_on.isoformat(), lot.code)


def expiring_position(row: tuple[str, Lot]) -> SortKey:
    sku, lot = row
    assert lot.expires_on is not None
    return (lot.expires_on.isoformat(), f"{sku}/{lot.code}")


# --- lots -------------------------------------------------------------------------------


def test_lots_come_back_by_product_and_code_with_every_date(storage: Storage) -> None:
    dated = Lot("L-1", date(2027, 2, 28), date(2026, 11, 1), T0 + timedelta(microseconds=999999))
    bare = LotFactory(code="L-2")
    others = LotFactory(code="L-1", expires_on=date(2030, 1, 1))
    lots_of(storage, ("A", dated), ("A", bare), ("B", others))

    with reading(storage) as uow:
        a = uow.lots.get_many("A", iter(["L-2", "L-1", "NOPE", "L-1"]))
        b = uow.lots.get_many("B", ["L-1", "L-2"])
        none = uow.lots.get_many("A", [])
        unknown = uow.lots.get_many("NOPE", ["L-1"])

    assert a == {"L-1": dated, "L-2": bare}
    assert a["L-1"].received_at == T0 + timedelta(microseconds=999999)
    assert (a["L-2"].expires_on, a["L-2"].manufactured_on) == (None, None)
    assert b == {"L-1": others}
    assert none == unknown == {}


def test_lots_are_stored_only_once_committed(storage: Storage) -> None:
    lots_of(storage)

    with storage.unit_of_work() as uow:
        uow.lots.add_all([("A", LotFactory(code="L-1"))])
        seen = uow.lots.get_many("A", ["L-1"])
        uow.rollback()
        after_rollback = uow.lots.get_many("A", ["L-1"])
        uow.lots.add_all([])

    with reading(storage) as uow:
        stored = uow.lots.get_many("A", ["L-1"])

    assert list(seen) == ["L-1"]
    assert after_rollback == stored == {}


def test_adding_lots_raises_the_levels_and_product_versions(storage: Storage) -> None:
    lots_of(storage)
    wanted = [scopes(LEVELS), scopes(product("A")), scopes(product("B"))]
    with reading(storage) as uow:
        before = uow.versions(wanted)

    with storage.unit_of_work() as uow:
        uow.lots.add_all([("A", LotFactory(code="L-1"))])
        uow.commit()

    with reading(storage) as uow:
        after = uow.versions(wanted)

    assert [a > b for a, b in zip(after, before, strict=True)] == [True, True, False]


def test_a_products_tracking_and_shelf_life_come_back(storage: Storage) -> None:
    tracked = ProductFactory(sku="A", details__tracking=Tracking.LOT, details__shelf_life_days=30)
    serials = ProductFactory(sku="B", details__tracking=Tracking.SERIAL)
    given(storage, tracked, serials, ProductFactory(sku="C"))

    with reading(storage) as uow:
        got = uow.products.get_many(["A", "B", "C"])

    assert got["A"] == tracked
    assert got["B"] == serials
    assert got["A"].details.tracking is Tracking.LOT
    assert (got["C"].details.tracking, got["C"].details.shelf_life_days) == (Tracking.NONE, None)


# --- a product's lots, paged ----------------------------------------------------------------


A_LOTS = [
    LotFactory(code="L-3", expires_on=date(2027, 3, 1)),
    LotFactory(code="L-10"),
    LotFactory(code="L-1", expires_on=date(2027, 3, 1)),
    LotFactory(code="L-2", expires_on=date(2026, 12, 31)),
    LotFactory(code="L-9"),
    LotFactory(code="L-4", expires_on=date(9999, 12, 30)),
]
"""Ties in expiry, two lots without one, and codes whose text order is not their numbers'."""


def _page_through(storage: Storage, sort: str, descending: bool, limit: int) -> list[Lot]:
    seen: list[Lot] = []
    after: SortKey | None = None
    with reading(storage) as uow:
        while True:
            rows = uow.lots.of_product("A", PageSpec(sort, descending, limit, after))
            assert len(rows) <= limit + 1
            seen += rows[:limit]
            if len(rows) <= limit:
                return seen
            after = position(sort, rows[limit - 1])


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("limit", [1, 2, 6])
def test_a_products_lots_page_by_code(storage: Storage, descending: bool, limit: int) -> None:
    lots_of(storage, *(("A", lot) for lot in A_LOTS), ("B", LotFactory(code="L-0")))

    seen = _page_through(storage, "code", descending, limit)

    codes = ["L-1", "L-10", "L-2", "L-3", "L-4", "L-9"]
    assert [lot.code for lot in seen] == (codes[::-1] if descending else codes)
    assert sorted(seen, key=lambda lot: lot.code) == sorted(A_LOTS, key=lambda lot: lot.code)


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("limit", [1, 2, 6])
def test_a_products_lots_page_by_expiry_with_undated_ones_last(
    storage: Storage, descending: bool, limit: int
) -> None:
    lots_of(storage, *(("A", lot) for lot in A_LOTS), ("B", LotFactory(code="L-0")))

    seen = _page_through(storage, "expires_on", descending, limit)

    codes = ["L-2", "L-1", "L-3", "L-4", "L-10", "L-9"]
    assert [lot.code for lot in seen] == (codes[::-1] if descending else codes)


def test_a_product_without_lots_has_an_empty_page(storage: Storage) -> None:
    lots_of(storage, ("B", LotFactory(code="L-1")))

    with reading(storage) as uow:
        assert uow.lots.of_product("A", PageSpec("expires_on")) == []
        assert uow.lots.of_product("A", PageSpec("code", after=("L-0",))) == []


# --- figures and expiry -----------------------------------------------------------------------

SOON = LotFactory(code="L-1", expires_on=date(2026, 12, 1))
LATER = LotFactory(code="L-2", expires_on=date(2027, 6, 1))
NEVER = LotFactory(code="L-3")
GONE = LotFactory(code="L-4", expires_on=date(2026, 12, 1))
"""A's lots: L-4 has nothing left anywhere."""
B_SOON = LotFactory(code="L-1", expires_on=date(2026, 12, 1))


def _stocked(storage: Storage) -> None:
    lots_of(
        storage,
        ("A", SOON), ("A", LATER), ("A", NEVER), ("A", GONE), ("B", B_SOON),
        slots=(
            slot("A", "W1", "B-1", "L-1", 3, 1),
            slot("A", "W1", "DOCK", "L-1", 2),
            slot("A", "W2", "DEFAULT", "L-1", 4, 4),
            slot("A", "W2", "B-1", "L-1", 0),
            slot("A", "W1", "B-2", "L-2", 5),
            slot("A", "W1", "B-1", "L-3", 6),
            slot("A", "W1", "B-2", "L-4", 0),
            slot("A", "W1", "B-1", None, 9),
            slot("B", "W2", "B-1", "L-1", 1),
        ),
    )  # fmt: skip


def test_a_lots_figures_are_summed_per_warehouse_where_it_is_held(storage: Storage) -> None:
    _stocked(storage)

    with reading(storage) as uow:
        figures = uow.lots.figures("A", ["L-1", "L-2", "L-4", "NOPE"])
        none = uow.lots.figures("A", [])

    assert sorted(figures, key=lambda row: (row.lot.code, row.warehouse or "")) == [
        LotRow("A", SOON, "W1", 5, 1),
        LotRow("A", SOON, "W2", 4, 4),
        LotRow("A", LATER, "W1", 5, 0),
    ]
    assert none == []


@pytest.mark.parametrize(
    ("before", "warehouse", "expected"),
    [
        (None, None, [("A", "L-1"), ("B", "L-1"), ("A", "L-2")]),
        (date(2027, 6, 1), None, [("A", "L-1"), ("B", "L-1")]),
        (date(2027, 6, 2), "W1", [("A", "L-1"), ("A", "L-2")]),
        (None, "W2", [("A", "L-1"), ("B", "L-1")]),
        (date(2026, 12, 1), None, []),
    ],
    ids=["every-dated-lot", "before-is-exclusive", "one-warehouse", "any-date-one-warehouse",
         "none-yet"],
)  # fmt: skip
@pytest.mark.parametrize("limit", [1, 2, 50])
def test_lots_with_stock_expiring_before_a_day_page_by_expiry_then_sku_and_code(
    storage: Storage,
    before: date | None,
    warehouse: str | None,
    expected: list[tuple[str, str]],
    limit: int,
) -> None:
    _stocked(storage)

    with reading(storage) as uow:
        forwards: list[tuple[str, Lot]] = []
        backwards: list[tuple[str, Lot]] = []
        for descending, seen in ((False, forwards), (True, backwards)):
            after: SortKey | None = None
            while True:
                spec = PageSpec("expires_on", descending, limit, after)
                rows = uow.lots.expiring(before, warehouse, spec)
                seen += rows[:limit]
                if len(rows) <= limit:
                    break
                after = expiring_position(rows[limit - 1])

    assert [(sku, lot.code) for sku, lot in forwards] == expected
    assert backwards == forwards[::-1]
    lots = {(sku, lot.code): lot for sku, lot in forwards}
    if ("A", "L-1") in lots:
        assert lots["A", "L-1"] == SOON


def test_every_lot_streams_with_its_sku(storage: Storage) -> None:
    _stocked(storage)

    with reading(storage) as uow:
        streamed = list(uow.lots.stream())

    assert streamed == sorted(
        [("A", SOON), ("A", LATER), ("A", NEVER), ("A", GONE), ("B", B_SOON)],
        key=lambda pair: (pair[0], pair[1].code),
    )


# --- what touched a lot -----------------------------------------------------------------------


def test_every_movement_with_a_line_in_a_lot_comes_oldest_first(storage: Storage) -> None:
    lots_of(storage, ("A", SOON), ("A", LATER), ("B", B_SOON))
    movements = [
        MovementFactory(id="m-2", sku="A", warehouse="W1", quantity=5, created_at=T0,
                        lines=(MoveLine("B-1", "L-1", 3), MoveLine("B-2", "L-1", 2))),
        MovementFactory(id="m-1", sku="A", warehouse="W1", quantity=2, created_at=T0 + SECOND,
                        lines=(MoveLine("B-1", "L-2", 2),)),
        MovementFactory(id="m-0", transfer=True, sku="A", warehouse="W1", to_warehouse="W2",
                        quantity=3, created_at=T0 + SECOND,
                        lines=(MoveLine("B-2", "L-2", 1, "B-1"), MoveLine("B-1", "L-1", 2, "B-1"))),
        MovementFactory(id="m-3", sku="B", warehouse="W2", quantity=1, created_at=T0,
                        lines=(MoveLine("B-1", "L-1", 1),)),
        MovementFactory(id="m-4", adjustment=True, sku="A", warehouse="W2", quantity=-1,
                        created_at=T0 + 2 * SECOND, lines=(MoveLine("B-1", "L-1", -1),)),
        MovementFactory(id="m-5", sku="A", warehouse="W1", quantity=1, created_at=T0,
                        lines=(MoveLine("B-1", None, 1),)),
    ]  # fmt: skip
    given(storage, *movements)

    with reading(storage) as uow:
        l1 = uow.movements.touching_lot("A", "L-1")
        l2 = uow.movements.touching_lot("A", "L-2")
        none = uow.movements.touching_lot("A", "NOPE")

    by_id = {m.id: m for m in movements}
    assert l1 == [by_id[id] for id in ("m-2", "m-0", "m-4")]
    assert l2 == [by_id[id] for id in ("m-0", "m-1")]
    assert none == []


def test_every_order_with_an_allocation_in_a_lot_comes_oldest_first(storage: Storage) -> None:
    lots_of(storage, ("A", SOON), ("A", LATER), ("B", B_SOON))
    orders = [
        OrderFactory(id="o-2", warehouse="W1", created_at=T0, status=OrderStatus.SHIPPED,
                     lines=(OrderLine("A", 3, allocations=(
                         Allocation("B-1", "L-1", 2), Allocation("B-2", "L-1", 1))),)),
        OrderFactory(id="o-1", warehouse="W1", created_at=T0 + SECOND,
                     lines=(OrderLine("B", 1, allocations=(Allocation("B-1", "L-1", 1),)),
                            OrderLine("A", 1, allocations=(Allocation("B-1", "L-2", 1),)))),
        OrderFactory(id="o-0", warehouse="W2", created_at=T0 + SECOND,
                     status=OrderStatus.CANCELLED,
                     lines=(OrderLine("A", 2, allocations=(
                         Allocation("B-1", "L-2", 1), Allocation("DEFAULT", "L-1", 1))),)),
        OrderFactory(id="o-3", warehouse="W1", created_at=T0,
                     lines=(OrderLine("B", 1, allocations=(Allocation("B-1", "L-1", 1),)),)),
        OrderFactory(id="o-4", warehouse="W1", created_at=T0,
                     lines=(OrderLine("A", 1, allocations=(Allocation("B-1", None, 1),)),)),
    ]  # fmt: skip
    given(storage, *orders)

    with reading(storage) as uow:
        l1 = uow.orders.touching_lot("A", "L-1")
        l2 = uow.orders.touching_lot("A", "L-2")
        b = uow.orders.touching_lot("B", "L-1")
        none = uow.orders.touching_lot("A", "NOPE")

    by_id = {o.id: o for o in orders}
    assert l1 == [by_id[id] for id in ("o-2", "o-0")]
    assert l2 == [by_id[id] for id in ("o-0", "o-1")]
    assert b == [by_id[id] for id in ("o-3", "o-1")]
    assert none == []


def test_no_level_is_needed_for_a_lot(storage: Storage) -> None:
    # A lot is made by its first receipt: it is stored before any level holds it.
    lots_of(storage, ("A", SOON))

    with reading(storage) as uow:
        assert uow.lots.figures("A", ["L-1"]) == []
        assert uow.lots.expiring(None, None, PageSpec("expires_on")) == []
