"""The MovementRepository contract: the ledger, its filters and its keyset paging.

Every test runs once per storage adapter (see ``conftest.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal

import pytest

from inventory.application.listing import MOVEMENT_SORTS
from inventory.application.ports import Storage
from inventory.application.queries import MovementFilter, PageSpec
from inventory.domain.movements import AdjustmentReason, Movement, MovementType
from tests.factories import T0, MovementFactory, ProductFactory
from tests.integration.contract import SECOND, given, page_through, products, reading, warehouses

# --- round trips ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "movement",
    [
        MovementFactory(id="m-r", unit_cost=Decimal("0.0001"), reference="PO-1", note=None),
        MovementFactory(id="m-i", issue=True, quantity=2, reference=None, note=""),
        MovementFactory(id="m-t", transfer=True, quantity=3, note="to the overflow"),
        MovementFactory(
            id="m-a", adjustment=True, quantity=-3, reason=AdjustmentReason.LOSS, note="x"
        ),
        MovementFactory(
            id="m-z",
            unit_cost=Decimal("999999999999999.9999"),
            quantity=1,
            created_at=T0 + timedelta(microseconds=999999),
            created_by="n\u00e9e",
        ),
    ],
    ids=["receipt", "issue", "transfer", "adjustment", "extremes"],
)
def test_a_movement_comes_back_with_every_field(storage: Storage, movement: Movement) -> None:
    given(storage, *warehouses("WH-MAIN", "WH-OTHER"), ProductFactory(sku="SKU-1"), movement)

    with reading(storage) as uow:
        got = uow.movements.get(movement.id)

    assert got == movement
    assert got is not None
    assert type(got.type) is MovementType
    assert str(got.unit_cost) == str(movement.unit_cost)
    assert got.reason is movement.reason


def test_movements_added_in_bulk_are_all_stored(storage: Storage) -> None:
    given(storage, *warehouses("WH-MAIN"), ProductFactory(sku="SKU-1"))
    batch = [MovementFactory(id=f"m-{n}") for n in range(3)]

    with storage.unit_of_work() as uow:
        uow.movements.add_all(batch)
        uow.movements.add_all([])
        uow.commit()

    with reading(storage) as uow:
        assert list(uow.movements.stream(MovementFilter())) == batch


# --- the ledger -----------------------------------------------------------------------


def _ledger(storage: Storage) -> list[Movement]:
    """A ledger over three warehouses, with transfers, ties in time and ids out of time order."""
    given(storage, *warehouses("W1", "W2", "W3"), *products("A", "B"))
    ledger = [
        MovementFactory(id="m-05", sku="A", warehouse="W1", quantity=10, created_at=T0),
        MovementFactory(id="m-02", sku="B", warehouse="W2", quantity=4, created_at=T0,
                              reference="PO-1"),
        MovementFactory(id="m-09", transfer=True, sku="A", warehouse="W1", to_warehouse="W2",
                              quantity=3, created_at=T0 + SECOND),
        MovementFactory(id="m-01", issue=True, sku="A", warehouse="W2", quantity=1,
                              created_at=T0 + SECOND, reference="SO-1"),
        MovementFactory(id="m-07", adjustment=True, sku="B", warehouse="W2", quantity=-4,
                              created_at=T0 + 2 * SECOND),
        MovementFactory(id="m-03", transfer=True, sku="A", warehouse="W2", to_warehouse="W3",
                              quantity=2, created_at=T0 + 2 * SECOND, reference="PO-1"),
        MovementFactory(id="m-08", sku="A", warehouse="W3", quantity=1,
                              created_at=T0 + 3 * SECOND - timedelta(microseconds=1)),
    ]  # fmt: skip
    given(storage, *ledger)
    return ledger


def _in_ledger_order(movements: Sequence[Movement]) -> list[str]:
    return [m.id for m in sorted(movements, key=lambda m: (m.created_at, m.id))]


def test_the_ledger_streams_by_time_then_id(storage: Storage) -> None:
    ledger = _ledger(storage)

    with reading(storage) as uow:
        streamed = [m.id for m in uow.movements.stream(MovementFilter())]

    assert streamed == _in_ledger_order(ledger) == [
        "m-02", "m-05", "m-01", "m-09", "m-03", "m-07", "m-08",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("filter", "expected"),
    [
        (MovementFilter(sku="B"), ["m-02", "m-07"]),
        (MovementFilter(warehouse="W2"), ["m-02", "m-01", "m-09", "m-03", "m-07"]),
        (MovementFilter(warehouse="W3"), ["m-03", "m-08"]),
        (MovementFilter(type=MovementType.TRANSFER), ["m-09", "m-03"]),
        (MovementFilter(reference="PO-1"), ["m-02", "m-03"]),
        (MovementFilter(since=T0 + SECOND), ["m-01", "m-09", "m-03", "m-07", "m-08"]),
        (MovementFilter(until=T0 + SECOND), ["m-02", "m-05"]),
        (MovementFilter(since=T0 + SECOND, until=T0 + 2 * SECOND), ["m-01", "m-09"]),
        (MovementFilter(until=T0 + 3 * SECOND - timedelta(microseconds=1)),
         ["m-02", "m-05", "m-01", "m-09", "m-03", "m-07"]),
        (MovementFilter(sku="A", warehouse="W2", type=MovementType.TRANSFER), ["m-09", "m-03"]),
        (MovementFilter(sku="A", warehouse="W2", since=T0 + 2 * SECOND), ["m-03"]),
        (MovementFilter(reference="NOPE"), []),
    ],
    ids=["sku", "warehouse-either-side", "warehouse-destination", "type", "reference", "since",
         "until", "window", "until-microsecond", "combined", "warehouse-since", "no-match"],
)  # fmt: skip
def test_every_movement_filter_selects_the_same_rows_when_streamed_and_paged(
    storage: Storage, filter: MovementFilter, expected: list[str]
) -> None:
    _ledger(storage)

    with reading(storage) as uow:
        streamed = [m.id for m in uow.movements.stream(filter)]
        paged = page_through(
            lambda spec: uow.movements.fetch_page(filter, spec), MOVEMENT_SORTS, "created_at"
        )
        backwards = page_through(
            lambda spec: uow.movements.fetch_page(filter, spec),
            MOVEMENT_SORTS, "created_at", descending=True, limit=3,
        )  # fmt: skip

    assert streamed == [m.id for m in paged] == expected
    assert [m.id for m in backwards] == expected[::-1]


@pytest.mark.parametrize("limit", [1, 2, 3, 7, 8])
def test_paging_through_the_ledger_visits_every_movement_once(storage: Storage, limit: int) -> None:
    ledger = _ledger(storage)

    with reading(storage) as uow:
        seen = page_through(
            lambda spec: uow.movements.fetch_page(MovementFilter(), spec),
            MOVEMENT_SORTS, "created_at", limit=limit,
        )  # fmt: skip

    assert [m.id for m in seen] == _in_ledger_order(ledger)
    assert seen == sorted(ledger, key=lambda m: (m.created_at, m.id))


def test_a_movement_recorded_while_paging_appears_once_at_its_place(storage: Storage) -> None:
    _ledger(storage)
    with reading(storage) as uow:
        first = uow.movements.fetch_page(MovementFilter(), PageSpec("created_at", limit=3))[:3]
    given(
        storage,
        MovementFactory(id="m-00", sku="A", warehouse="W1", created_at=T0),  # before
        MovementFactory(id="m-99", sku="A", warehouse="W1", created_at=T0 + SECOND),  # after
    )

    with reading(storage) as uow:
        rest = page_through(
            lambda spec: uow.movements.fetch_page(MovementFilter(), spec), MOVEMENT_SORTS,
            "created_at", limit=2, start=MOVEMENT_SORTS.key("created_at", first[-1]),
        )  # fmt: skip

    assert [m.id for m in first] == ["m-02", "m-05", "m-01"]
    assert [m.id for m in rest] == ["m-09", "m-99", "m-03", "m-07", "m-08"]


def test_on_hand_by_ledger_counts_transfers_on_both_sides(storage: Storage) -> None:
    _ledger(storage)

    with reading(storage) as uow:
        totals = list(uow.movements.on_hand_by_ledger())

    assert totals == [
        (("A", "W1"), 7),  # 10 in, 3 out
        (("A", "W2"), 0),  # 3 in, 1 issued, 2 out
        (("A", "W3"), 3),  # 2 in, 1 received
        (("B", "W2"), 0),  # 4 in, counted down by 4
    ]


@pytest.mark.parametrize(
    ("type", "quantity"),
    [*((type, 4) for type in MovementType), (MovementType.ADJUSTMENT, -4)],
)
def test_the_ledger_sums_every_movement_type_by_the_domains_sign_rule(
    storage: Storage, type: MovementType, quantity: int
) -> None:
    # The storage's sum must agree with Movement.effects(), the rule the stock applies.
    given(storage, *warehouses("W1", "W2"), *products("A"))
    movement = Movement(
        "m-1", type, "A", "W1", quantity, T0, "clerk",
        to_warehouse="W2" if type is MovementType.TRANSFER else None,
        unit_cost=Decimal("1.0000") if type is MovementType.RECEIPT else None,
        reason=AdjustmentReason.COUNT if type is MovementType.ADJUSTMENT else None,
    )  # fmt: skip
    with storage.unit_of_work() as uow:
        uow.movements.add(movement)
        uow.commit()

    with reading(storage) as uow:
        totals = dict(uow.movements.on_hand_by_ledger())

    assert totals == {("A", warehouse): change for warehouse, change in movement.effects()}
