"""Packs and entered quantities in storage (API.md §13, docs/adr/0021-units-and-packs.md).

A product's packs, a movement's and an order line's entered unit and quantity
come back as written; a pack's barcode finds its product; a pack change raises
its product's cache scope. Every test runs once per storage adapter (see ``conftest.py``).
"""

from __future__ import annotations

from dataclasses import replace

from inventory.application.ports import Storage
from inventory.application.queries import MovementFilter
from inventory.application.scopes import PRODUCTS, product, scopes
from inventory.domain.catalog import Product, ProductDetails
from inventory.domain.orders import OrderLine
from inventory.domain.packs import Entered, Pack
from tests.factories import (
    MovementFactory,
    OrderFactory,
    PackFactory,
    ProductDetailsFactory,
    ProductFactory,
)
from tests.integration.contract import given, products, reading, warehouses

CASE = PackFactory(unit="case", quantity=12, barcode="96385074")
PALLET = PackFactory(unit="pallet", quantity=720)


def _with_packs(sku: str, *packs: Pack, barcode: str | None = None) -> Product:
    return ProductFactory(
        sku=sku, details=ProductDetailsFactory(unit="bottle", barcode=barcode, packs=packs)
    )


def test_a_product_comes_back_with_its_packs_in_order(storage: Storage) -> None:
    water = _with_packs("WATER", CASE, PALLET)
    given(storage, water)

    with reading(storage) as uow:
        got = uow.products.get("WATER")
        listed = uow.products.get_many(["WATER"])["WATER"]
        streamed = list(uow.products.stream())

    assert got == listed == water
    assert got is not None
    assert got.details.packs == (CASE, PALLET)
    assert [p.details.packs for p in streamed] == [(CASE, PALLET)]


def test_a_product_without_packs_has_none(storage: Storage) -> None:
    given(storage, *products("PLAIN"))

    with reading(storage) as uow:
        got = uow.products.get("PLAIN")

    assert got is not None
    assert got.details.packs == ()


def test_saving_a_product_replaces_its_packs(storage: Storage) -> None:
    water = _with_packs("WATER", CASE, PALLET)
    given(storage, water)
    tray = PackFactory(unit="tray", quantity=6, barcode="TRAY-6")

    with storage.unit_of_work() as uow:
        found = uow.products.get("WATER")
        assert found is not None
        found.details = replace(found.details, packs=(tray,))
        uow.products.save(found)
        uow.commit()

    with reading(storage) as uow:
        got = uow.products.get("WATER")
        by_old = uow.products.by_barcode(["96385074"])
        by_new = uow.products.by_barcode(["TRAY-6"])

    assert got is not None
    assert got.details.packs == (tray,)
    assert by_old == []
    assert [p.sku for p in by_new] == ["WATER"]


def test_a_packs_barcode_finds_its_product_as_its_own_barcode_does(storage: Storage) -> None:
    given(
        storage,
        _with_packs("WATER", CASE, barcode="WATER-1"),
        _with_packs("JUICE", PackFactory(unit="crate", quantity=6, barcode="CRATE-6")),
        *products("OTHER"),
    )

    with reading(storage) as uow:
        by_pack = uow.products.by_barcode(["00000096385074", "96385074"])
        by_both = uow.products.by_barcode(["WATER-1", "CRATE-6", "MISSING"])
        by_prefix = uow.products.by_barcode(["CRATE"])

    assert [p.sku for p in by_pack] == ["WATER"]
    assert [p.sku for p in by_both] == ["JUICE", "WATER"]
    assert by_prefix == []


def test_a_pack_change_raises_its_product_and_the_product_list(storage: Storage) -> None:
    given(storage, _with_packs("WATER", CASE), *products("OTHER"))
    wanted = [scopes(product("WATER")), scopes(product("OTHER")), scopes(PRODUCTS)]
    with reading(storage) as uow:
        before = uow.versions(wanted)

    with storage.unit_of_work() as uow:
        found = uow.products.get("WATER")
        assert found is not None
        found.details = replace(found.details, packs=(CASE, PALLET))
        uow.products.save(found)
        uow.commit()

    with reading(storage) as uow:
        after = uow.versions(wanted)
    assert [a > b for a, b in zip(after, before, strict=True)] == [True, False, True]


def test_a_movement_keeps_what_was_entered_and_one_without_a_unit_none(
    storage: Storage,
) -> None:
    in_cases = MovementFactory(id="mv-1", sku="WATER", quantity=36, entered=Entered("case", 3))
    plain = MovementFactory(id="mv-2", sku="WATER", quantity=5)
    counted = MovementFactory(
        id="mv-3", sku="WATER", adjustment=True, quantity=-41, entered=Entered("case", 0)
    )
    given(
        storage,
        *warehouses("WH-MAIN", "WH-OTHER"),
        _with_packs("WATER", CASE),
        in_cases,
        plain,
        counted,
    )

    with reading(storage) as uow:
        got = [uow.movements.get(id) for id in ("mv-1", "mv-2", "mv-3")]
        streamed = list(uow.movements.stream(MovementFilter()))

    assert [m.entered if m else "missing" for m in got] == [
        Entered("case", 3),
        None,
        Entered("case", 0),
    ]
    assert [m.entered for m in streamed] == [Entered("case", 3), None, Entered("case", 0)]
    assert got[0] == in_cases


def test_an_order_line_keeps_what_was_entered(storage: Storage) -> None:
    order = OrderFactory(
        id="ord-1",
        lines=(
            OrderLine("WATER", 24, entered=Entered("case", 2)),
            OrderLine("OTHER", 3),
        ),
    )
    given(
        storage,
        *warehouses("WH-MAIN"),
        _with_packs("WATER", CASE),
        *products("OTHER"),
        order,
    )

    with reading(storage) as uow:
        got = uow.orders.get("ord-1")

    assert got is not None
    assert [(line.quantity, line.entered) for line in got.lines] == [
        (24, Entered("case", 2)),
        (3, None),
    ]


def test_packs_without_a_barcode_come_back_without_one(storage: Storage) -> None:
    details = ProductDetails(name="Rope", unit="metre", packs=(PackFactory(unit="coil"),))
    given(storage, ProductFactory(sku="ROPE", details=details))

    with reading(storage) as uow:
        got = uow.products.get("ROPE")

    assert got is not None
    assert got.details.packs[0].barcode is None
    assert got.details.packs[0].quantity == 12


def test_products_added_in_bulk_are_found_by_their_packs_barcodes(storage: Storage) -> None:
    with storage.unit_of_work() as uow:
        uow.products.add_all(
            [
                _with_packs("WATER", CASE),
                _with_packs("JUICE", PackFactory(unit="crate", quantity=6, barcode="CRATE-6")),
            ]
        )
        uow.commit()

    with reading(storage) as uow:
        found = uow.products.by_barcode(["96385074", "CRATE-6"])

    assert [p.sku for p in found] == ["JUICE", "WATER"]
