"""ProductRepository.by_barcode: the products whose barcode is one of the given ones.

Every test runs once per storage adapter (see ``conftest.py``).
"""

from __future__ import annotations

from dataclasses import replace

from inventory.application.ports import Storage
from inventory.domain.catalog import ProductDetails
from tests.factories import ProductFactory
from tests.integration.contract import given, reading


def test_products_come_back_by_any_of_the_barcodes_in_sku_order(storage: Storage) -> None:
    given(
        storage,
        ProductFactory(sku="C", details=ProductDetails(name="c", barcode="6291041500213")),
        ProductFactory(sku="A", details=ProductDetails(name="a", barcode="06291041500213")),
        ProductFactory(sku="B", details=ProductDetails(name="b", barcode="OTHER")),
        ProductFactory(sku="D", details=ProductDetails(name="d", barcode=None)),
    )

    with reading(storage) as uow:
        found = uow.products.by_barcode(["06291041500213", "6291041500213", "MISSING"])

    assert [product.sku for product in found] == ["A", "C"]
    assert found[0].details.barcode == "06291041500213"


def test_barcodes_match_exactly_and_archived_products_too(storage: Storage) -> None:
    product = ProductFactory(sku="OLD", details=ProductDetails(name="old", barcode="Bin/7(x)"))
    given(storage, replace(product, archived=True))

    with reading(storage) as uow:
        exact = uow.products.by_barcode(["Bin/7(x)"])
        other_case = uow.products.by_barcode(["BIN/7(X)", "Bin/7(x) ", "in/7(x"])

    assert [(p.sku, p.archived) for p in exact] == [("OLD", True)]
    assert other_case == []


def test_no_barcodes_find_nothing(storage: Storage) -> None:
    given(storage, ProductFactory(sku="E", details=ProductDetails(name="e", barcode="")))

    with reading(storage) as uow:
        assert uow.products.by_barcode([]) == []
        assert [p.sku for p in uow.products.by_barcode([""])] == ["E"]
