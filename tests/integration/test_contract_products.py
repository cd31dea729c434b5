"""The ProductRepository contract: products written and read back by sku.

Every test runs once per storage adapter (see ``conftest.py``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta, timezone
from decimal import Decimal

import pytest

from inventory.application.ports import Storage
from inventory.domain.catalog import Product, ProductDetails
from inventory.domain.errors import Conflict, NotFound
from tests.factories import T0, ProductFactory
from tests.integration.contract import SECOND, given, products, reading

# --- round trips: every field comes back as it went in --------------------------------


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


# --- saving ---------------------------------------------------------------------------


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
    # Refused by the commit at the latest: PostgreSQL sends the write with it.
    def save_and_commit() -> None:
        with storage.unit_of_work() as uow:
            uow.products.save_costs([ProductFactory(sku="NOPE")])
            uow.commit()

    with pytest.raises(NotFound):
        save_and_commit()


def test_adding_products_in_bulk_with_one_taken_sku_is_a_conflict(storage: Storage) -> None:
    given(storage, *products("B"))

    with storage.unit_of_work() as uow, pytest.raises(Conflict):
        uow.products.add_all(products("A", "B"))


# --- skus are unique ignoring case; look-ups stay exact ------------------------------


def test_a_sku_that_differs_only_in_case_is_a_conflict_naming_the_stored_one(
    storage: Storage,
) -> None:
    given(storage, *products("BOLT-M8"))

    with storage.unit_of_work() as uow, pytest.raises(Conflict, match="'BOLT-M8' already exists"):
        uow.products.add(ProductFactory(sku="bolt-m8"))

    with reading(storage) as uow:
        assert uow.products.get("bolt-m8") is None
        assert list(uow.products.get_many(["bolt-m8", "BOLT-M8"])) == ["BOLT-M8"]
        assert [p.sku for p in uow.products.stream()] == ["BOLT-M8"]


def test_adding_in_bulk_a_sku_that_differs_only_in_case_is_a_conflict(storage: Storage) -> None:
    given(storage, *products("BOLT-M8"))

    with storage.unit_of_work() as uow, pytest.raises(Conflict):
        uow.products.add_all(products("A", "Bolt-m8"))


def test_products_are_found_ignoring_case_by_their_sku_in_lower_case(storage: Storage) -> None:
    given(storage, *products("BOLT-M8", "nut-m8", "Washer"))

    with reading(storage) as uow:
        found = uow.products.get_many_ignoring_case(["bolt-M8", "NUT-M8", "NOPE", "nut-m8"])
        nothing = uow.products.get_many_ignoring_case([])

    assert {folded: p.sku for folded, p in found.items()} == {
        "bolt-m8": "BOLT-M8",
        "nut-m8": "nut-m8",
    }
    assert nothing == {}
