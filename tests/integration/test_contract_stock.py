"""The StockRepository contract: locking, saving, totals, paging and valuation.

Every test runs once per storage adapter (see ``conftest.py``).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from inventory.application.listing import LEVEL_SORTS, STOCK_LEVEL_SORTS
from inventory.application.ports import Storage
from inventory.application.queries import LevelFilter, ValuationRow
from inventory.domain.stock import StockLevel
from tests.factories import ProductFactory
from tests.integration.contract import given, page_through, products, reading, warehouses


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


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("limit", [1, 2, 7])
@pytest.mark.parametrize(
    ("sku", "warehouse"),
    [(None, None), ("A", None), (None, "W2"), ("A", "W2"), ("C", None)],
    ids=["all", "one-sku", "one-warehouse", "both", "none-match"],
)
def test_every_level_pages_by_sku_then_warehouse_narrowed_by_either(
    storage: Storage, descending: bool, limit: int, sku: str | None, warehouse: str | None
) -> None:
    levels = [
        StockLevel("B", "W1", 1), StockLevel("A", "W3", 2), StockLevel("A", "W1", 3),
        StockLevel("B", "W2", 4), StockLevel("A", "W2", 0), StockLevel("A-1", "W1", 5),
    ]  # fmt: skip
    given(storage, *warehouses("W1", "W2", "W3"), *products("A", "A-1", "B", "C"), *levels)

    with reading(storage) as uow:
        seen = page_through(
            lambda spec: uow.stock.fetch_levels(LevelFilter(sku, warehouse), spec),
            STOCK_LEVEL_SORTS, "sku", descending, limit,
        )  # fmt: skip

    wanted = [
        level
        for level in levels
        if sku in (None, level.sku) and warehouse in (None, level.warehouse)
    ]
    assert seen == sorted(wanted, key=lambda level: level.key, reverse=descending)


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
