"""The storage port contract: every adapter gives the same answers (application/ports.py).

Each test runs once per adapter (see ``conftest.py``). Objects are written
through the ports and read back through the ports, never through SQL, so a
passing test on one adapter and a failing one on another is a divergence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta, timezone
from decimal import Decimal
from typing import TypeVar

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
from inventory.application.listing import (
    LEVEL_SORTS,
    MOVEMENT_SORTS,
    ORDER_SORTS,
    PRODUCT_SORTS,
    WAREHOUSE_SORTS,
)
from inventory.application.orders import reserve_order, ship_order
from inventory.application.pagination import Sorting
from inventory.application.ports import Storage, UnitOfWork
from inventory.application.queries import (
    LowStockRow,
    MovementFilter,
    OrderFilter,
    PageSpec,
    ProductFilter,
    SortKey,
    ValuationRow,
)
from inventory.application.stock import record_movement
from inventory.domain.catalog import Product, ProductDetails, Warehouse
from inventory.domain.errors import Conflict, DomainError, NotFound
from inventory.domain.keys import ApiKey, Role
from inventory.domain.movements import AdjustmentReason, Movement, MovementType
from inventory.domain.orders import Order, OrderLine, OrderStatus
from inventory.domain.stock import MAX_UNITS, StockLevel
from tests.factories import (
    T0,
    ApiKeyFactory,
    FixedClock,
    MovementFactory,
    OrderFactory,
    ProductFactory,
    ReserveOrderFactory,
    SequentialIds,
    WarehouseFactory,
)

T = TypeVar("T")
SECOND = timedelta(seconds=1)
Stored = Product | Warehouse | StockLevel | Movement | Order | ApiKey


# --- writing and reading through the ports -----------------------------------------


def _put(uow: UnitOfWork, obj: Stored) -> None:
    match obj:
        case Product():
            uow.products.add(obj)
        case Warehouse():
            uow.warehouses.add(obj)
        case StockLevel():
            uow.stock.save_all([obj])
        case Movement():
            uow.movements.add(obj)
        case Order():
            uow.orders.add(obj)
        case ApiKey():
            uow.api_keys.add(obj)


def given(storage: Storage, *objects: Stored) -> None:
    """``objects`` stored and committed, in order, in one unit of work."""
    with storage.unit_of_work() as uow:
        for obj in objects:
            _put(uow, obj)
        uow.commit()


@contextmanager
def reading(storage: Storage) -> Iterator[UnitOfWork]:
    with storage.unit_of_work().reading() as uow:
        yield uow


def warehouses(*codes: str) -> list[Warehouse]:
    return [WarehouseFactory(code=code) for code in codes]


def products(*skus: str) -> list[Product]:
    return [ProductFactory(sku=sku) for sku in skus]


def page_through(
    fetch: Callable[[PageSpec], list[T]],
    sorting: Sorting[T],
    sort: str,
    descending: bool = False,
    limit: int = 2,
    start: SortKey | None = None,
) -> list[T]:
    """Every row (after ``start``), a page at a time, each page after the last row's key."""
    seen: list[T] = []
    after = start
    while True:
        rows = fetch(PageSpec(sort, descending, limit, after))
        assert len(rows) <= limit + 1
        seen += rows[:limit]
        if len(rows) <= limit:
            return seen
        after = sorting.key(sort, rows[limit - 1])


# --- the storage itself ----------------------------------------------------------------


def test_a_migrated_storage_has_nothing_pending_and_migrating_again_changes_nothing(
    storage: Storage,
) -> None:
    assert storage.pending_migrations() == []

    assert storage.migrate() == []

    assert _everything(storage) == []


# --- round trips: every field comes back as it went in -------------------------------


def test_a_product_comes_back_with_every_field(storage: Storage) -> None:
    product = Product(
        sku="BOLT-M6",
        details=ProductDetails(
            name="Bolt M6 \u00fcber-fest",
            description="zinc, 6 mm",
            category="fasteners",
            unit="box",
            barcode="4006381333931",
            reorder_point=5,
            reorder_quantity=50,
        ),
        created_at=T0,
        updated_at=T0 + timedelta(days=3, microseconds=7),
        average_cost=Decimal("12.3457"),
        archived=True,
        version=7,
    )
    given(storage, product)

    with reading(storage) as uow:
        got = uow.products.get("BOLT-M6")

    assert got == product
    assert got is not None
    assert str(got.average_cost) == "12.3457"
    assert got.updated_at.microsecond == 123463
    assert got.created_at.utcoffset() == timedelta(0)


def test_empty_text_and_missing_values_stay_distinct(storage: Storage) -> None:
    given(storage, ProductFactory(sku="A", details=ProductDetails(name="a", barcode=None)))
    given(storage, ProductFactory(sku="B", details=ProductDetails(name="b", barcode="", unit="")))

    with reading(storage) as uow:
        a, b = uow.products.get("A"), uow.products.get("B")

    assert a is not None
    assert b is not None
    assert (a.details.barcode, a.details.description, a.details.category) == (None, "", "")
    assert (b.details.barcode, b.details.unit) == ("", "")
    assert (str(a.average_cost), a.archived, a.version) == ("0.0000", False, 1)


def test_a_time_in_another_zone_comes_back_as_the_same_instant(storage: Storage) -> None:
    east = timezone(timedelta(hours=5, minutes=30))
    product = ProductFactory(sku="A", created_at=T0.astimezone(east), updated_at=T0)
    given(storage, product)

    with reading(storage) as uow:
        got = uow.products.get("A")

    assert got is not None
    assert got.created_at == T0
    assert got.created_at.utcoffset() is not None


def test_an_unknown_key_reads_as_none_from_every_repository(storage: Storage) -> None:
    with reading(storage) as uow:
        assert uow.products.get("NOPE") is None
        assert uow.warehouses.get("NOPE") is None
        assert uow.movements.get("NOPE") is None
        assert uow.orders.get("NOPE") is None
        assert uow.orders.get_by_reference("NOPE") is None
        assert uow.api_keys.get("NOPE") is None
        assert uow.api_keys.get_by_hash("0" * 64) is None


def test_get_many_returns_only_the_products_that_exist(storage: Storage) -> None:
    a, b, c = products("A", "B", "C")
    given(storage, a, b, c)

    with reading(storage) as uow:
        found = uow.products.get_many(["C", "NOPE", "A", "C"])
        none = uow.products.get_many([])

    assert found == {"A": a, "C": c}
    assert none == {}


def test_get_many_reads_more_products_than_one_query_takes(storage: Storage) -> None:
    given(storage, *products(*(f"S{n:04d}" for n in range(1200))))

    with reading(storage) as uow:
        found = uow.products.get_many(f"S{n:04d}" for n in range(-5, 1205))

    assert sorted(found) == [f"S{n:04d}" for n in range(1200)]


def test_saving_a_product_stores_every_changed_field(storage: Storage) -> None:
    product = ProductFactory(sku="A")
    given(storage, product)
    changed = replace(
        product,
        details=ProductDetails(name="New", description="d", barcode="1", reorder_point=3),
        updated_at=T0 + SECOND,
        average_cost=Decimal("0.0001"),
        archived=True,
        version=4,
    )

    with storage.unit_of_work() as uow:
        uow.products.save(changed)
        uow.commit()

    with reading(storage) as uow:
        assert uow.products.get("A") == changed


def test_adding_and_saving_products_in_bulk(storage: Storage) -> None:
    a, b, c = products("A", "B", "C")
    with storage.unit_of_work() as uow:
        uow.products.add_all([a, b, c])
        uow.commit()
    revalued = [replace(p, average_cost=Decimal("2.5000"), version=2) for p in (a, c)]

    with storage.unit_of_work() as uow:
        uow.products.save_all(revalued)
        uow.products.save_all([])
        uow.commit()

    with reading(storage) as uow:
        assert list(uow.products.stream()) == [revalued[0], b, revalued[1]]


def test_saving_costs_writes_only_the_cost_the_update_time_and_the_version(
    storage: Storage,
) -> None:
    a, b = ProductFactory(sku="A", details__name="Alpha"), ProductFactory(sku="B")
    given(storage, a, b)
    revalued = replace(
        a,
        details=ProductDetails(name="not saved"),
        archived=True,
        average_cost=Decimal("7.0001"),
        updated_at=T0 + SECOND,
        version=2,
    )

    with storage.unit_of_work() as uow:
        uow.products.save_costs([revalued])
        uow.products.save_costs([])
        uow.commit()

    with reading(storage) as uow:
        stored = uow.products.get("A")
        untouched = uow.products.get("B")
    assert stored == replace(a, average_cost=Decimal("7.0001"), updated_at=T0 + SECOND, version=2)
    assert stored is not None
    assert str(stored.average_cost) == "7.0001"
    assert untouched == b


def test_saving_the_cost_of_a_product_that_was_never_added_is_not_found(
    storage: Storage,
) -> None:
    with storage.unit_of_work() as uow, pytest.raises(NotFound):
        uow.products.save_costs([ProductFactory(sku="NOPE")])


def test_a_warehouse_comes_back_with_its_creation_time(storage: Storage) -> None:
    given(storage, Warehouse("WH-1", "North hall", T0 + timedelta(microseconds=1)))

    with reading(storage) as uow:
        got = uow.warehouses.get("WH-1")

    assert got is not None
    assert (got.code, got.name, got.created_at) == (
        "WH-1",
        "North hall",
        T0 + timedelta(microseconds=1),
    )


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


def test_an_order_comes_back_with_its_lines_in_order(storage: Storage) -> None:
    order = Order(
        id="ord-1",
        reference="SO-1",
        warehouse="WH-MAIN",
        lines=(OrderLine("C", 3), OrderLine("A", 1), OrderLine("B", 2)),
        created_at=T0,
        updated_at=T0 + SECOND,
        expires_at=T0 + timedelta(hours=1, microseconds=5),
    )
    given(storage, *warehouses("WH-MAIN"), *products("A", "B", "C"), order)

    with reading(storage) as uow:
        by_id, by_reference = uow.orders.get("ord-1"), uow.orders.get_by_reference("SO-1")

    assert by_id == by_reference == order
    assert by_id is not None
    assert by_id.status is OrderStatus.RESERVED


def test_saving_an_order_stores_its_new_status(storage: Storage) -> None:
    order = OrderFactory(id="ord-1", lines=(OrderLine("A", 1),))
    given(storage, *warehouses("WH-MAIN"), *products("A"), order)
    shipped = replace(order, status=OrderStatus.SHIPPED, updated_at=T0 + SECOND)

    with storage.unit_of_work() as uow:
        uow.orders.save(shipped)
        uow.commit()

    with reading(storage) as uow:
        assert uow.orders.get("ord-1") == shipped


def test_an_api_key_comes_back_and_is_found_by_its_hash(storage: Storage) -> None:
    key = ApiKeyFactory(id="key-1", role=Role.ADMIN, secret="s3cret")
    given(storage, key)
    revoked = replace(key, revoked_at=T0 + timedelta(microseconds=42))

    with storage.unit_of_work() as uow:
        uow.api_keys.save(revoked)
        uow.commit()

    with reading(storage) as uow:
        assert uow.api_keys.get("key-1") == revoked
        assert uow.api_keys.get_by_hash(key.secret_hash) == revoked
        assert uow.api_keys.get_by_hash("s3cret") is None


def test_api_keys_are_listed_oldest_first_then_by_id(storage: Storage) -> None:
    keys = [
        ApiKeyFactory(id="key-c", created_at=T0),
        ApiKeyFactory(id="key-a", created_at=T0 + SECOND),
        ApiKeyFactory(id="key-b", created_at=T0),
    ]
    given(storage, *keys)

    with reading(storage) as uow:
        listed = uow.api_keys.list_all()

    assert [k.id for k in listed] == ["key-b", "key-c", "key-a"]


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
        _put(uow, again)

    with reading(storage) as uow:
        kept = _read_back(uow, again)
    assert kept == first
    if isinstance(kept, Warehouse):
        assert kept.name == "Warehouse WH-2"


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


def test_adding_products_in_bulk_with_one_taken_sku_is_a_conflict(storage: Storage) -> None:
    given(storage, *products("B"))

    with storage.unit_of_work() as uow, pytest.raises(Conflict):
        uow.products.add_all(products("A", "B"))


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
            _put(uow, obj)

    assert _everything(storage) == []


def test_an_error_inside_a_unit_of_work_leaves_nothing_and_propagates(storage: Storage) -> None:
    class Boom(Exception):
        pass

    def fail_half_way() -> None:
        with storage.unit_of_work() as uow:
            for obj in _one_of_everything():
                _put(uow, obj)
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


# --- stock levels -----------------------------------------------------------------------


def test_locking_unknown_levels_gives_zero_levels_in_key_order(storage: Storage) -> None:
    given(storage, *warehouses("W1", "W2"), *products("A", "B"), StockLevel("B", "W1", 7, 2))

    with storage.unit_of_work() as uow:
        locked = uow.stock.lock(iter([("B", "W2"), ("B", "W1"), ("A", "W2"), ("B", "W1")]))
        empty = uow.stock.lock([])

    assert list(locked.items()) == [
        (("A", "W2"), StockLevel("A", "W2", 0, 0)),
        (("B", "W1"), StockLevel("B", "W1", 7, 2)),
        (("B", "W2"), StockLevel("B", "W2", 0, 0)),
    ]
    assert empty == {}


def test_a_locked_zero_level_is_stored_only_once_saved(storage: Storage) -> None:
    given(storage, *warehouses("W1"), *products("A"))

    with storage.unit_of_work() as uow:
        uow.stock.lock([("A", "W1")])
        uow.commit()

    with reading(storage) as uow:
        assert list(uow.stock.stream()) == []


def test_saving_levels_inserts_new_ones_and_updates_stored_ones(storage: Storage) -> None:
    given(storage, *warehouses("W1", "W2"), *products("A"), StockLevel("A", "W1", 5, 0))

    with storage.unit_of_work() as uow:
        uow.stock.save_all(lv for lv in [StockLevel("A", "W1", 9, 4), StockLevel("A", "W2", 1, 0)])
        uow.commit()

    with reading(storage) as uow:
        assert uow.stock.of_product("A") == [
            StockLevel("A", "W1", 9, 4),
            StockLevel("A", "W2", 1, 0),
        ]


def test_on_hand_totals_sum_every_warehouse_and_are_zero_without_levels(
    storage: Storage,
) -> None:
    given(
        storage, *warehouses("W1", "W2"), *products("A", "B", "C"),
        StockLevel("A", "W1", 5, 2), StockLevel("A", "W2", 3), StockLevel("B", "W2", 0),
        StockLevel("C", "W1", 4),
    )  # fmt: skip

    with reading(storage) as uow:
        totals = uow.stock.on_hand_totals(iter(["A", "B", "NOPE", "A"]))
        none = uow.stock.on_hand_totals([])

    assert totals == {"A": 8, "B": 0, "NOPE": 0}
    assert none == {}


def test_on_hand_totals_cover_more_skus_than_one_query_takes(storage: Storage) -> None:
    skus = [f"S{n:04d}" for n in range(1200)]
    given(storage, *warehouses("W1"), *products(*skus), *(StockLevel(s, "W1", 1) for s in skus))

    with reading(storage) as uow:
        totals = uow.stock.on_hand_totals(skus)

    assert totals == dict.fromkeys(skus, 1)


def test_a_products_levels_are_listed_by_warehouse(storage: Storage) -> None:
    given(
        storage, *warehouses("W1", "W2", "W3"), *products("A", "B"),
        StockLevel("A", "W3", 1), StockLevel("B", "W2", 2), StockLevel("A", "W1", 3),
    )  # fmt: skip

    with reading(storage) as uow:
        assert uow.stock.of_product("A") == [StockLevel("A", "W1", 3), StockLevel("A", "W3", 1)]
        assert uow.stock.of_product("NOPE") == []


def test_every_level_streams_by_sku_then_warehouse(storage: Storage) -> None:
    levels = [StockLevel("B", "W1", 1), StockLevel("A", "W2", 2), StockLevel("A", "W1", 0, 0)]
    given(storage, *warehouses("W1", "W2"), *products("A", "B"), *levels)

    with reading(storage) as uow:
        assert list(uow.stock.stream()) == sorted(levels, key=lambda lv: lv.key)


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("limit", [1, 2, 5])
def test_a_warehouses_levels_page_by_sku(storage: Storage, descending: bool, limit: int) -> None:
    skus = ["D", "A", "C", "E", "B"]
    given(
        storage, *warehouses("W1", "W2"), *products(*skus),
        *(StockLevel(sku, "W1", n) for n, sku in enumerate(skus)), StockLevel("A", "W2", 9),
    )  # fmt: skip

    with reading(storage) as uow:
        seen = page_through(
            lambda spec: uow.stock.fetch_page("W1", spec), LEVEL_SORTS, "sku", descending, limit
        )

    assert [lv.sku for lv in seen] == sorted(skus, reverse=descending)
    assert all(lv.warehouse == "W1" for lv in seen)


def test_valuation_joins_levels_with_stock_to_their_products_average_cost(
    storage: Storage,
) -> None:
    given(
        storage, *warehouses("W1", "W2"),
        ProductFactory(sku="A", average_cost=Decimal("0.3333")),
        ProductFactory(sku="B", average_cost=Decimal("12.5000")),
        StockLevel("B", "W1", 2), StockLevel("A", "W2", 4, 4), StockLevel("A", "W1", 3),
        StockLevel("B", "W2", 0),
    )  # fmt: skip

    with reading(storage) as uow:
        everywhere = list(uow.stock.valuation(None))
        w2 = list(uow.stock.valuation("W2"))

    assert everywhere == [
        ValuationRow("A", "W1", 3, Decimal("0.3333")),
        ValuationRow("A", "W2", 4, Decimal("0.3333")),
        ValuationRow("B", "W1", 2, Decimal("12.5000")),
    ]
    assert [str(row.average_cost) for row in everywhere] == ["0.3333", "0.3333", "12.5000"]
    assert w2 == [ValuationRow("A", "W2", 4, Decimal("0.3333"))]


# --- the ledger ------------------------------------------------------------------------


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


# --- orders -----------------------------------------------------------------------------


def _orders(storage: Storage) -> list[Order]:
    given(storage, *warehouses("W1", "W2"), *products("A", "B"))
    orders = [
        OrderFactory(id="o-5", reference="SO-5", warehouse="W1", created_at=T0,
                           lines=(OrderLine("A", 2), OrderLine("B", 1))),
        OrderFactory(id="o-2", reference="SO-2", warehouse="W2", created_at=T0,
                           lines=(OrderLine("A", 4),)),
        OrderFactory(id="o-9", reference="SO-9", warehouse="W1", created_at=T0 + SECOND,
                           lines=(OrderLine("A", 3),)),
        OrderFactory(id="o-1", reference="SO-1", warehouse="W1", created_at=T0 + SECOND,
                           lines=(OrderLine("B", 5),), status=OrderStatus.SHIPPED),
        OrderFactory(id="o-7", reference="SO-7", warehouse="W2", created_at=T0 + 2 * SECOND,
                           lines=(OrderLine("A", 1),), status=OrderStatus.CANCELLED),
        OrderFactory(id="o-3", reference="SO-3", warehouse="W2", created_at=T0 + 2 * SECOND,
                           lines=(OrderLine("B", 6),), status=OrderStatus.EXPIRED),
    ]  # fmt: skip
    given(storage, *orders)
    return orders


@pytest.mark.parametrize(
    ("filter", "expected"),
    [
        (OrderFilter(), ["o-2", "o-5", "o-1", "o-9", "o-3", "o-7"]),
        (OrderFilter(status=OrderStatus.RESERVED), ["o-2", "o-5", "o-9"]),
        (OrderFilter(status=OrderStatus.EXPIRED), ["o-3"]),
        (OrderFilter(warehouse="W2"), ["o-2", "o-3", "o-7"]),
        (OrderFilter(reference="SO-9"), ["o-9"]),
        (OrderFilter(status=OrderStatus.RESERVED, warehouse="W1"), ["o-5", "o-9"]),
        (OrderFilter(reference="NOPE"), []),
    ],
    ids=["all", "reserved", "expired", "warehouse", "reference", "combined", "no-match"],
)
@pytest.mark.parametrize("limit", [1, 2, 50])
def test_orders_page_by_creation_time_then_id_with_every_filter(
    storage: Storage, filter: OrderFilter, expected: list[str], limit: int
) -> None:
    orders = {o.id: o for o in _orders(storage)}

    with reading(storage) as uow:
        forwards = page_through(
            lambda spec: uow.orders.fetch_page(filter, spec), ORDER_SORTS, "created_at",
            limit=limit,
        )  # fmt: skip
        backwards = page_through(
            lambda spec: uow.orders.fetch_page(filter, spec), ORDER_SORTS, "created_at",
            descending=True, limit=limit,
        )  # fmt: skip

    assert forwards == [orders[id] for id in expected]
    assert [o.id for o in backwards] == expected[::-1]


def test_reserved_units_are_summed_over_open_orders_only(storage: Storage) -> None:
    _orders(storage)

    with reading(storage) as uow:
        reserved = list(uow.orders.reserved_by_open_orders())

    assert reserved == [(("A", "W1"), 5), (("A", "W2"), 4), (("B", "W1"), 1)]


# --- products: listing, filters, low stock ----------------------------------------------


def _catalog(storage: Storage) -> list[Product]:
    """Nine products with tied names, creation and update times; two archived."""
    names = ["Hex bolt", "hex NUT", "Washer"]
    catalog = [
        ProductFactory(
            sku=sku,
            details=ProductDetails(
                name=names[n % 3],
                category="fasteners" if n % 2 else "tools",
                reorder_point=n,
            ),
            created_at=T0 + (n % 3) * SECOND,
            updated_at=T0 + ((2 * n) % 4) * SECOND,
            archived=sku in ("P3", "P8"),
        )
        for n, sku in enumerate(["P7", "P2", "P5", "P0", "P8", "P1", "P6", "P3", "P4"])
    ]
    given(storage, *warehouses("W1", "W2"), *catalog)
    return catalog


def _position(sort: str) -> Callable[[Product], tuple[object, ...]]:
    value: dict[str, Callable[[Product], object]] = {
        "sku": lambda p: p.sku,
        "name": lambda p: p.details.name,
        "created_at": lambda p: p.created_at,
        "updated_at": lambda p: p.updated_at,
    }
    return lambda p: (value[sort](p), p.sku)


@pytest.mark.parametrize("sort", ["sku", "name", "created_at", "updated_at"])
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("limit", [1, 2, 4, 9])
def test_paging_products_by_any_sort_visits_each_once_in_order(
    storage: Storage, sort: str, descending: bool, limit: int
) -> None:
    catalog = _catalog(storage)
    everything = ProductFilter(archived=None)

    with reading(storage) as uow:
        seen = page_through(
            lambda spec: uow.products.fetch_page(everything, spec), PRODUCT_SORTS, sort,
            descending, limit,
        )  # fmt: skip

    assert seen == sorted(catalog, key=_position(sort), reverse=descending)


@pytest.mark.parametrize("descending", [False, True])
def test_names_beyond_ascii_sort_by_code_point_on_every_adapter(
    storage: Storage, descending: bool
) -> None:
    names = [
        "zeta",
        "Zeta",
        "\u00e9clair",
        "\u00c9clair",
        "apple",
        "\U0001f600 smile",
        "\uff21",
        "a",
    ]
    catalog = [ProductFactory(sku=f"S{n}", details__name=name) for n, name in enumerate(names)]
    given(storage, *catalog)

    with reading(storage) as uow:
        seen = page_through(
            lambda spec: uow.products.fetch_page(ProductFilter(), spec),
            PRODUCT_SORTS, "name", descending, limit=3,
        )  # fmt: skip

    assert seen == sorted(catalog, key=_position("name"), reverse=descending)


@pytest.mark.parametrize("descending", [False, True])
def test_a_product_added_while_paging_never_causes_a_skip_or_a_repeat(
    storage: Storage, descending: bool
) -> None:
    catalog = _catalog(storage)
    everything = ProductFilter(archived=None)
    with reading(storage) as uow:
        first = uow.products.fetch_page(everything, PageSpec("name", descending, limit=4))[:4]
    last = first[-1]
    # Both share the last row's name, so their skus put them either side of the cursor.
    behind, ahead = ("A-EARLY", "Z-LATE") if not descending else ("Z-LATE", "A-EARLY")
    given(
        storage,
        ProductFactory(sku=behind, details__name=last.details.name),
        ProductFactory(sku=ahead, details__name=last.details.name),
    )

    with reading(storage) as uow:
        rest = page_through(
            lambda spec: uow.products.fetch_page(everything, spec), PRODUCT_SORTS, "name",
            descending, limit=2, start=PRODUCT_SORTS.key("name", last),
        )  # fmt: skip

    seen = [p.sku for p in first + rest]
    assert len(seen) == len(set(seen))
    assert set(seen) == {p.sku for p in catalog} | {ahead}


@pytest.mark.parametrize(
    ("filter", "expected"),
    [
        (ProductFilter(), ["P0", "P1", "P2", "P4", "P5", "P6", "P7"]),
        (ProductFilter(archived=True), ["P3", "P8"]),
        (ProductFilter(archived=None), ["P0", "P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8"]),
        (ProductFilter(q="HEX", archived=None), ["P0", "P2", "P3", "P6", "P7", "P8"]),
        (ProductFilter(q="nut"), ["P2"]),
        (ProductFilter(q="p4"), ["P4"]),
        (ProductFilter(q="ex b"), ["P0", "P6", "P7"]),
        (ProductFilter(q="%"), []),
        (ProductFilter(category="fasteners"), ["P0", "P1", "P2"]),
        (ProductFilter(category="Fasteners"), []),
        (ProductFilter(q="hex", category="tools"), ["P6", "P7"]),
    ],
    ids=["active", "archived", "all", "q-sku-or-name-any-case", "q-name", "q-sku", "q-substring",
         "q-wildcard-is-literal", "category", "category-exact", "combined"],
)  # fmt: skip
def test_every_product_filter_selects_the_same_rows_on_every_adapter(
    storage: Storage, filter: ProductFilter, expected: list[str]
) -> None:
    _catalog(storage)

    with reading(storage) as uow:
        paged = page_through(
            lambda spec: uow.products.fetch_page(filter, spec), PRODUCT_SORTS, "sku"
        )

    assert [p.sku for p in paged] == expected


def test_q_ignores_case_beyond_ascii_letters(storage: Storage) -> None:
    given(storage, ProductFactory(sku="ECLAIR", details__name="\u00c9CLAIR AU CAF\u00c9"))

    with reading(storage) as uow:
        found = uow.products.fetch_page(
            ProductFilter(q="\u00e9clair au caf\u00e9"), PageSpec("sku")
        )

    assert [p.sku for p in found] == ["ECLAIR"]


def _stocked_catalog(storage: Storage) -> None:
    """Reorder points 0..8 (P7=0, P2=1, P5=2, P0=3, P8=4, P1=5, P6=6, P3=7, P4=8) and stock."""
    _catalog(storage)
    given(
        storage,
        StockLevel("P0", "W1", 2), StockLevel("P0", "W2", 2),      # 4 available > 3
        StockLevel("P1", "W1", 9, 4),                              # 5 available = 5
        StockLevel("P2", "W2", 1),                                 # 1 available = 1
        StockLevel("P5", "W1", 3, 3), StockLevel("P5", "W2", 3),   # 3 available > 2
        StockLevel("P6", "W1", 6, 1),                              # 5 available < 6
    )  # fmt: skip


@pytest.mark.parametrize(
    ("below", "expected"),
    [(True, ["P1", "P2", "P4", "P6", "P7"]), (False, ["P0", "P5"])],
)
def test_below_reorder_compares_total_available_with_the_reorder_point(
    storage: Storage, below: bool, expected: list[str]
) -> None:
    _stocked_catalog(storage)

    with reading(storage) as uow:
        found = uow.products.fetch_page(ProductFilter(below_reorder=below), PageSpec("sku"))

    assert [p.sku for p in found] == expected


def test_low_stock_lists_active_products_with_a_point_at_or_above_available(
    storage: Storage,
) -> None:
    _stocked_catalog(storage)

    with reading(storage) as uow:
        rows = list(uow.products.low_stock())

    assert rows == [
        LowStockRow("P1", "Washer", 5, 5, 0),
        LowStockRow("P2", "hex NUT", 1, 1, 0),
        LowStockRow("P4", "Washer", 0, 8, 0),
        LowStockRow("P6", "Hex bolt", 5, 6, 0),
    ]


def test_every_product_streams_by_sku_archived_ones_too(storage: Storage) -> None:
    catalog = _catalog(storage)

    with reading(storage) as uow:
        assert list(uow.products.stream()) == sorted(catalog, key=lambda p: p.sku)


@pytest.mark.parametrize("descending", [False, True])
def test_warehouses_page_by_code(storage: Storage, descending: bool) -> None:
    codes = ["W-C", "W-A", "W-E", "W-B", "W-D"]
    given(storage, *warehouses(*codes))

    with reading(storage) as uow:
        seen = page_through(uow.warehouses.fetch_page, WAREHOUSE_SORTS, "code", descending)

    assert [w.code for w in seen] == sorted(codes, reverse=descending)


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
