"""The Storage and UnitOfWork contract: migrations, transactions, isolation, conflicts.

Every test runs once per storage adapter (see ``conftest.py``), including the
use cases at the end, which drive all the repositories together.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from inventory.application.catalog import add_product, add_warehouse
from inventory.application.commands import (
    MAX_QUANTITY,
    CreateProduct,
    CreateWarehouse,
    IssueStock,
    ReceiveStock,
    TransferStock,
)
from inventory.application.integrity import check_integrity
from inventory.application.orders import reserve_order, ship_order
from inventory.application.ports import Storage, UnitOfWork
from inventory.application.queries import MovementFilter, OrderFilter, PageSpec
from inventory.application.stock import record_movement
from inventory.domain.catalog import Product, Warehouse
from inventory.domain.errors import Conflict, DomainError, NotFound
from inventory.domain.keys import ApiKey
from inventory.domain.movements import Movement, MovementType
from inventory.domain.orders import Order, OrderLine
from inventory.domain.stock import MAX_UNITS, StockLevel
from tests.factories import (
    ApiKeyFactory,
    FixedClock,
    MovementFactory,
    OrderFactory,
    ProductFactory,
    ReserveOrderFactory,
    SequentialIds,
    WarehouseFactory,
)
from tests.integration.contract import Stored, given, products, put, reading, warehouses

# --- the storage itself ---------------------------------------------------------------


def test_a_migrated_storage_has_nothing_pending_and_migrating_again_changes_nothing(
    storage: Storage,
) -> None:
    assert storage.pending_migrations() == []

    assert storage.migrate() == []

    assert _everything(storage) == []


def test_an_unknown_key_reads_as_none_from_every_repository(storage: Storage) -> None:
    with reading(storage) as uow:
        assert uow.products.get("NOPE") is None
        assert uow.warehouses.get("NOPE") is None
        assert uow.movements.get("NOPE") is None
        assert uow.orders.get("NOPE") is None
        assert uow.orders.get_by_reference("NOPE") is None
        assert uow.api_keys.get("NOPE") is None
        assert uow.api_keys.get_by_hash("0" * 64) is None


# --- duplicates and missing rows ------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "again"),
    [
        (ProductFactory(sku="A"), ProductFactory(sku="A", details__name="other")),
        (WarehouseFactory(code="WH-2"), WarehouseFactory(code="WH-2", name="other")),
        (MovementFactory(id="m-1"), MovementFactory(id="m-1", quantity=9)),
        (
            OrderFactory(id="o-1", reference="R-1"),
            OrderFactory(id="o-2", reference="R-1"),
        ),
        (
            OrderFactory(id="o-1", reference="R-1"),
            OrderFactory(id="o-1", reference="R-2"),
        ),
        (ApiKeyFactory(id="k-1"), ApiKeyFactory(id="k-1", name="other")),
    ],
    ids=["product", "warehouse", "movement", "order-reference", "order-id", "api-key"],
)  # fmt: skip
def test_adding_a_duplicate_is_a_conflict_and_keeps_the_first(
    request: pytest.FixtureRequest, storage: Storage, first: Stored, again: Stored
) -> None:
    given(storage, *warehouses("WH-MAIN"), *products("SKU-1"), first)

    with storage.unit_of_work() as uow, pytest.raises(Conflict):
        _put_and_commit(uow, again)

    with reading(storage) as uow:
        kept = _read_back(uow, again)
    assert kept == first
    if isinstance(kept, Warehouse):
        assert kept.name == "Warehouse WH-2"


def _put_and_commit(uow: UnitOfWork, obj: Stored) -> None:
    """A duplicate is refused when added or at the latest when its unit commits.

    PostgreSQL sends a new movement with the COMMIT, in one round trip (issue 14).
    """
    put(uow, obj)
    uow.commit()


def _read_back(uow: UnitOfWork, obj: Stored) -> object:
    match obj:
        case Product():
            return uow.products.get(obj.sku)
        case Warehouse():
            return uow.warehouses.get(obj.code)
        case Movement():
            return uow.movements.get(obj.id)
        case Order():
            return uow.orders.get_by_reference(obj.reference) or uow.orders.get(obj.id)
        case ApiKey():
            return uow.api_keys.get(obj.id)
    raise AssertionError(obj)


@pytest.mark.parametrize(
    "save",
    [
        lambda uow: uow.products.save(ProductFactory(sku="NOPE")),
        lambda uow: uow.products.save_all([ProductFactory(sku="NOPE")]),
        lambda uow: uow.orders.save(OrderFactory(id="NOPE")),
        lambda uow: uow.api_keys.save(ApiKeyFactory(id="NOPE")),
    ],
    ids=["product", "products", "order", "api-key"],
)
def test_saving_a_row_that_was_never_added_is_not_found(
    storage: Storage, save: Callable[[UnitOfWork], None]
) -> None:
    with storage.unit_of_work() as uow, pytest.raises(NotFound):
        save(uow)


# --- transactions ---------------------------------------------------------------------


def _one_of_everything() -> list[Stored]:
    return [
        *warehouses("WH-MAIN"),
        *products("SKU-1"),
        StockLevel("SKU-1", "WH-MAIN", 5, 1),
        MovementFactory(id="m-1"),
        OrderFactory(id="o-1", lines=(OrderLine("SKU-1", 1),)),
        ApiKeyFactory(id="k-1"),
    ]


def _everything(storage: Storage) -> list[object]:
    with reading(storage) as uow:
        return [
            *uow.products.stream(),
            *uow.warehouses.fetch_page(PageSpec("code")),
            *uow.stock.stream(),
            *uow.movements.stream(MovementFilter()),
            *uow.orders.fetch_page(OrderFilter(), PageSpec("created_at")),
            *uow.api_keys.list_all(),
        ]


def test_work_that_is_not_committed_leaves_nothing(storage: Storage) -> None:
    with storage.unit_of_work() as uow:
        for obj in _one_of_everything():
            put(uow, obj)

    assert _everything(storage) == []


def test_an_error_inside_a_unit_of_work_leaves_nothing_and_propagates(storage: Storage) -> None:
    class Boom(Exception):
        pass

    def fail_half_way() -> None:
        with storage.unit_of_work() as uow:
            for obj in _one_of_everything():
                put(uow, obj)
            raise Boom

    with pytest.raises(Boom):
        fail_half_way()

    assert _everything(storage) == []


def test_committed_work_is_seen_by_later_readers(storage: Storage) -> None:
    given(storage, *_one_of_everything())

    assert len(_everything(storage)) == 6


def test_a_write_made_after_commit_is_not_kept_unless_committed_again(storage: Storage) -> None:
    with storage.unit_of_work() as uow:
        uow.products.add(ProductFactory(sku="A"))
        uow.commit()
        uow.products.add(ProductFactory(sku="B"))

    with reading(storage) as uow:
        assert [p.sku for p in uow.products.stream()] == ["A"]


def test_rollback_discards_the_work_so_far_and_the_unit_goes_on(storage: Storage) -> None:
    with storage.unit_of_work() as uow:
        uow.products.add(ProductFactory(sku="A"))
        uow.rollback()
        uow.products.add(ProductFactory(sku="B"))
        uow.commit()

    with reading(storage) as uow:
        assert [p.sku for p in uow.products.stream()] == ["B"]


def test_a_unit_of_work_sees_its_own_uncommitted_writes(storage: Storage) -> None:
    with storage.unit_of_work() as uow:
        uow.warehouses.add(WarehouseFactory(code="WH-MAIN"))
        uow.products.add(ProductFactory(sku="A", details__reorder_point=5))
        uow.stock.save_all([StockLevel("A", "WH-MAIN", 3, 1)])

        assert uow.products.get("A") is not None
        assert uow.stock.lock([("A", "WH-MAIN")]) == {
            ("A", "WH-MAIN"): StockLevel("A", "WH-MAIN", 3, 1)
        }
        assert [r.sku for r in uow.products.low_stock()] == ["A"]


def test_a_reader_does_not_see_another_units_uncommitted_writes(storage: Storage) -> None:
    given(storage, ProductFactory(sku="A", details__name="committed"))
    writer = storage.unit_of_work()

    with writer:
        writer.products.add(ProductFactory(sku="B"))
        writer.products.save(ProductFactory(sku="A", details__name="uncommitted"))
        with reading(storage) as uow:
            seen = [(p.sku, p.details.name) for p in uow.products.stream()]

    assert seen == [("A", "committed")]


def test_changing_an_object_read_from_storage_changes_nothing_until_it_is_saved(
    storage: Storage,
) -> None:
    given(storage, *warehouses("W1"), *products("A"), StockLevel("A", "W1", 5, 0))

    with storage.unit_of_work() as uow:
        product = uow.products.get("A")
        assert product is not None
        product.archived = True
        uow.stock.lock([("A", "W1")])["A", "W1"].on_hand = 99
        uow.stock.of_product("A")[0].reserved = 5
        uow.commit()

    with reading(storage) as uow:
        stored = uow.products.get("A")
        assert stored is not None
        assert not stored.archived
        assert uow.stock.of_product("A") == [StockLevel("A", "W1", 5, 0)]


# --- the use cases on each adapter ----------------------------------------------------


def test_a_day_of_work_leaves_every_adapter_consistent(storage: Storage) -> None:
    clock, ids = FixedClock(step=timedelta(milliseconds=1)), SequentialIds()
    for code in ("WH-EAST", "WH-WEST"):
        add_warehouse(CreateWarehouse(code=code, name=code), storage.unit_of_work(), clock)
    add_product(CreateProduct(sku="A", name="Alpha"), storage.unit_of_work(), clock)
    for cmd in (
        ReceiveStock(sku="A", warehouse="WH-EAST", quantity=10, unit_cost="2"),
        ReceiveStock(sku="A", warehouse="WH-WEST", quantity=5, unit_cost="3.3333"),
        TransferStock(sku="A", from_warehouse="WH-EAST", to_warehouse="WH-WEST", quantity=4),
        IssueStock(sku="A", warehouse="WH-WEST", quantity=2),
    ):
        record_movement(cmd, storage.unit_of_work(), clock, ids, "clerk")
    order = reserve_order(
        ReserveOrderFactory(reference="SO-1", warehouse="WH-EAST", lines=[("A", 5)]),
        storage.unit_of_work(), clock, ids,
    )  # fmt: skip
    ship_order(order.id, storage.unit_of_work(), clock, ids, "clerk")
    reserve_order(
        ReserveOrderFactory(reference="SO-2", warehouse="WH-WEST", lines=[("A", 3)]),
        storage.unit_of_work(), clock, ids,
    )  # fmt: skip

    with reading(storage) as uow:
        product, levels = uow.products.get("A"), uow.stock.of_product("A")
        issues = list(uow.movements.stream(MovementFilter(reference="SO-1")))

    assert product is not None
    assert str(product.average_cost) == "2.4444"
    assert levels == [StockLevel("A", "WH-EAST", 1, 0), StockLevel("A", "WH-WEST", 7, 3)]
    assert [(m.type, m.quantity) for m in issues] == [(MovementType.ISSUE, 5)]
    assert check_integrity(storage.unit_of_work()) == []


def test_a_receipt_that_would_overflow_on_hand_is_refused_on_every_adapter(
    storage: Storage,
) -> None:
    clock, ids = FixedClock(), SequentialIds()
    add_warehouse(CreateWarehouse(code="W1", name="W1"), storage.unit_of_work(), clock)
    add_product(CreateProduct(sku="A", name="Alpha"), storage.unit_of_work(), clock)
    given(storage, StockLevel("A", "W1", MAX_UNITS - MAX_QUANTITY + 1))
    receipt = ReceiveStock(sku="A", warehouse="W1", quantity=MAX_QUANTITY, unit_cost="1")

    with pytest.raises(DomainError, match="would exceed"):
        record_movement(receipt, storage.unit_of_work(), clock, ids, "clerk")

    with reading(storage) as uow:
        assert uow.stock.of_product("A") == [StockLevel("A", "W1", MAX_UNITS - MAX_QUANTITY + 1, 0)]
