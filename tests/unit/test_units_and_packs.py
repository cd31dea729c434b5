"""Quantities entered in packs, packs on products, and barcodes unique across kinds (API.md §13).

Use cases on the in-memory store: what a client sees after each request.
"""

from __future__ import annotations

import io

import pytest

from inventory.application.catalog import (
    export_products,
    get_product,
    patch_product,
    replace_product,
)
from inventory.application.commands import (
    AdjustStock,
    CreateLocation,
    IssueStock,
    PatchLocation,
    PatchProduct,
    ProductFields,
    ReceiveStock,
    TransferStock,
)
from inventory.application.importing import import_movements, import_products
from inventory.application.locations import add_location, patch_location
from inventory.application.orders import reserve_order, ship_order
from inventory.application.scanning import scan
from inventory.application.stock import record_movement
from inventory.domain.errors import Conflict, InsufficientStock, ValidationFailed
from inventory.domain.movements import Movement
from inventory.domain.packs import Entered, Pack
from inventory.domain.scanning import ScanAnswer, ScanKind
from tests.factories import ReserveOrderFactory
from tests.unit.stories import Shop, given_product, given_warehouse, ledger_of, level_of

CASE = {"unit": "case", "quantity": 12, "barcode": "96385074"}
PALLET = {"unit": "pallet", "quantity": 720}


@pytest.fixture
def water(shop: Shop) -> Shop:
    """WATER counted in bottles, in cases of 12 and pallets of 720; warehouse MAIN."""
    given_warehouse(shop, "MAIN")
    given_product(shop, "WATER", unit="bottle", packs=[CASE, PALLET])
    return shop


def post(shop: Shop, command: ReceiveStock | IssueStock | TransferStock | AdjustStock) -> Movement:
    return record_movement(command, shop.uow(), shop.clock, shop.ids, shop.actor)


def receive(shop: Shop, quantity: int, unit: str | None = None) -> Movement:
    command = ReceiveStock(
        sku="WATER", warehouse="MAIN", quantity=quantity, unit=unit, unit_cost="0.5000"
    )
    return post(shop, command)


# --- products and their packs ------------------------------------------------------


def test_a_product_keeps_its_packs_and_its_unit_stays_the_base_unit(water: Shop) -> None:
    product = get_product("WATER", water.uow())

    assert product.details.unit == "bottle"
    assert product.details.packs == (Pack("case", 12, "96385074"), Pack("pallet", 720))


def test_a_patch_of_packs_replaces_them_all_and_null_removes_them(water: Shop) -> None:
    patched = patch_product(
        "WATER", PatchProduct(packs=[{"unit": "tray", "quantity": 6}]), water.uow(), water.clock
    )
    assert patched.details.packs == (Pack("tray", 6),)
    assert patched.version == 2

    emptied = patch_product("WATER", PatchProduct(packs=None), water.uow(), water.clock)
    assert emptied.details.packs == ()


def test_a_patch_that_names_no_packs_keeps_them(water: Shop) -> None:
    patched = patch_product("WATER", PatchProduct(name="Still water"), water.uow(), water.clock)

    assert [pack.unit for pack in patched.details.packs] == ["case", "pallet"]


def test_a_pack_named_like_the_base_unit_after_a_patch_of_the_unit_is_refused(
    water: Shop,
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        patch_product("WATER", PatchProduct(unit="Case"), water.uow(), water.clock)

    assert [error.field for error in caught.value.errors] == ["packs.0.unit"]
    assert get_product("WATER", water.uow()).details.unit == "bottle"


def test_a_pack_of_one_unit_is_refused_as_input(water: Shop) -> None:
    with pytest.raises(ValueError, match="greater than 1"):
        PatchProduct(packs=[{"unit": "single", "quantity": 1}])


# --- quantities entered in a unit ----------------------------------------------------


def test_a_receipt_in_cases_books_base_units_and_keeps_what_was_entered(water: Shop) -> None:
    movement = receive(water, 3, "case")

    assert (movement.quantity, movement.entered) == (36, Entered("case", 3))
    assert level_of(water.uow, "WATER", "MAIN").on_hand == 36
    assert [m.entered for m in ledger_of(water.uow)] == [Entered("case", 3)]


def test_a_quantity_in_the_base_unit_named_is_kept_as_entered(water: Shop) -> None:
    movement = receive(water, 5, "bottle")

    assert (movement.quantity, movement.entered) == (5, Entered("bottle", 5))


def test_a_movement_without_a_unit_is_in_base_units_and_has_nothing_entered(water: Shop) -> None:
    movement = receive(water, 5)

    assert (movement.quantity, movement.entered) == (5, None)


def test_issues_and_transfers_take_their_quantity_in_packs(water: Shop) -> None:
    given_warehouse(water, "SPARE")
    receive(water, 1, "pallet")

    issued = post(water, IssueStock(sku="WATER", warehouse="MAIN", quantity=2, unit="case"))
    moved = post(
        water,
        TransferStock(
            sku="WATER", from_warehouse="MAIN", to_warehouse="SPARE", quantity=10, unit="case"
        ),
    )

    assert (issued.quantity, moved.quantity) == (24, 120)
    assert level_of(water.uow, "WATER", "MAIN").on_hand == 720 - 24 - 120
    assert level_of(water.uow, "WATER", "SPARE").on_hand == 120


def test_an_issue_in_packs_is_short_by_base_units(water: Shop) -> None:
    receive(water, 23)

    with pytest.raises(InsufficientStock):
        post(water, IssueStock(sku="WATER", warehouse="MAIN", quantity=2, unit="case"))

    assert level_of(water.uow, "WATER", "MAIN").on_hand == 23


def test_a_count_in_cases_sets_on_hand_in_bottles(water: Shop) -> None:
    receive(water, 50)

    counted = post(
        water,
        AdjustStock(sku="WATER", warehouse="MAIN", counted_quantity=4, unit="case", reason="count"),
    )

    assert (counted.quantity, counted.entered) == (-2, Entered("case", 4))
    assert level_of(water.uow, "WATER", "MAIN").on_hand == 48


def test_an_unknown_unit_is_refused_naming_the_products_units(water: Shop) -> None:
    with pytest.raises(ValidationFailed) as caught:
        receive(water, 1, "crate")

    assert [error.field for error in caught.value.errors] == ["unit"]
    assert "'bottle', 'case', 'pallet'" in caught.value.detail
    assert ledger_of(water.uow) == []


def test_a_unit_of_another_case_is_unknown(water: Shop) -> None:
    with pytest.raises(ValidationFailed, match="unknown unit 'Case'"):
        receive(water, 1, "Case")


def test_a_quantity_whose_base_units_pass_the_limit_is_refused(water: Shop) -> None:
    with pytest.raises(ValidationFailed, match="base units") as caught:
        receive(water, 10**12 // 720 + 1, "pallet")

    assert [error.field for error in caught.value.errors] == ["quantity"]
    assert ledger_of(water.uow) == []


def test_a_count_whose_base_units_pass_the_limit_names_counted_quantity(water: Shop) -> None:
    command = AdjustStock(
        sku="WATER", warehouse="MAIN", counted_quantity=10**12, unit="case", reason="count"
    )

    with pytest.raises(ValidationFailed) as caught:
        post(water, command)

    assert [error.field for error in caught.value.errors] == ["counted_quantity"]


# --- orders ----------------------------------------------------------------------------


def test_an_order_line_in_cases_reserves_base_units_and_its_shipment_keeps_the_entry(
    water: Shop,
) -> None:
    given_product(water, "SODA")
    receive(water, 2, "pallet")
    command = ReserveOrderFactory(warehouse="MAIN", lines=[("WATER", 5, "case"), ("SODA", 1)])
    post(water, ReceiveStock(sku="SODA", warehouse="MAIN", quantity=1, unit_cost="1"))

    order = reserve_order(command, water.uow(), water.clock, water.ids)

    assert [(line.quantity, line.entered) for line in order.lines] == [
        (60, Entered("case", 5)),
        (1, None),
    ]
    assert level_of(water.uow, "WATER", "MAIN").reserved == 60
    shipped = ship_order(order.id, water.uow(), water.clock, water.ids, water.actor)
    issues = ledger_of(water.uow, type="issue")
    assert shipped.lines == order.lines
    assert [(m.sku, m.quantity, m.entered) for m in issues] == [
        ("WATER", 60, Entered("case", 5)),
        ("SODA", 1, None),
    ]


def test_an_order_line_in_an_unknown_unit_names_its_line(water: Shop) -> None:
    given_product(water, "SODA", packs=[{"unit": "crate", "quantity": 24}])
    command = ReserveOrderFactory(
        warehouse="MAIN", lines=[("WATER", 1, "case"), ("SODA", 1, "case")]
    )

    with pytest.raises(ValidationFailed) as caught:
        reserve_order(command, water.uow(), water.clock, water.ids)

    assert [error.field for error in caught.value.errors] == ["lines.1.unit"]
    assert "'each', 'crate'" in caught.value.detail


# --- barcodes unique across products, packs and locations ---------------------------------


def test_a_product_may_not_take_a_packs_barcode_even_as_another_gtin_length(water: Shop) -> None:
    with pytest.raises(Conflict, match="pack 'case' of product 'WATER'"):
        given_product(water, "GUM", barcode="00000096385074")


def test_a_pack_may_not_take_another_products_barcode(water: Shop) -> None:
    given_product(water, "SODA", barcode="SODA-1")

    with pytest.raises(Conflict, match="product 'SODA'"):
        patch_product(
            "WATER",
            PatchProduct(packs=[{"unit": "crate", "quantity": 6, "barcode": "SODA-1"}]),
            water.uow(),
            water.clock,
        )


def test_a_pack_may_not_take_a_locations_barcode_nor_a_location_a_packs(water: Shop) -> None:
    add_location("MAIN", CreateLocation(code="B-1", barcode="LOC-1"), water.uow(), water.clock)

    with pytest.raises(Conflict, match="location 'B-1' in 'MAIN'"):
        given_product(water, "SODA", packs=[{"unit": "crate", "quantity": 6, "barcode": "LOC-1"}])
    with pytest.raises(Conflict, match="pack 'case' of product 'WATER'"):
        add_location(
            "MAIN", CreateLocation(code="B-2", barcode="96385074"), water.uow(), water.clock
        )
    with pytest.raises(Conflict, match="pack 'case' of product 'WATER'"):
        patch_location("MAIN", "B-1", PatchLocation(barcode="96385074"), water.uow())


def test_a_product_keeps_its_own_barcodes_when_it_is_replaced(water: Shop) -> None:
    fields = ProductFields(name="Water", unit="bottle", packs=[CASE, PALLET])

    replaced = replace_product("WATER", fields, water.uow(), water.clock)

    assert replaced.details.packs[0].barcode == "96385074"


def test_a_barcode_freed_by_one_product_may_be_taken_by_another(water: Shop) -> None:
    patch_product("WATER", PatchProduct(packs=[PALLET]), water.uow(), water.clock)

    gum = given_product(water, "GUM", barcode="96385074")

    assert gum.details.barcode == "96385074"


# --- scanning ------------------------------------------------------------------------------


@pytest.mark.parametrize("scanned", ["96385074", "00000096385074", "(01)00000096385074"])
def test_a_packs_barcode_scans_as_the_pack_with_its_base_units(water: Shop, scanned: str) -> None:
    assert scan(scanned, water.uow(), water.clock) == ScanAnswer(ScanKind.PACK, "WATER", "case", 12)


def test_a_count_of_packs_scans_as_their_base_units(water: Shop) -> None:
    answer = scan("(01)00000096385074(30)5", water.uow(), water.clock)

    assert (answer.kind, answer.unit, answer.quantity) == (ScanKind.PACK, "case", 60)


def test_a_lot_of_a_pack_scans_as_a_lot_of_the_pack(water: Shop) -> None:
    answer = scan("(01)00000096385074(10)L-7", water.uow(), water.clock)

    assert answer == ScanAnswer(ScanKind.LOT, "WATER", "case", 12, lot="L-7")


def test_the_products_own_barcode_still_scans_as_the_product(water: Shop) -> None:
    patch_product("WATER", PatchProduct(barcode="6291041500213"), water.uow(), water.clock)

    assert scan("6291041500213", water.uow(), water.clock) == ScanAnswer(
        ScanKind.PRODUCT, "WATER", "bottle", 1
    )


# --- CSV imports -----------------------------------------------------------------------------


def test_imported_movements_may_name_a_unit_per_row(water: Shop) -> None:
    text = "type,sku,warehouse,quantity,unit,unit_cost\nreceipt,WATER,MAIN,2,case,0.5\n" + (
        "receipt,WATER,MAIN,5,,0.5\n"
    )

    import_movements(io.StringIO(text), water.uow(), water.clock, water.ids, water.actor)

    assert [(m.quantity, m.entered) for m in ledger_of(water.uow)] == [
        (24, Entered("case", 2)),
        (5, None),
    ]


def test_an_imported_unknown_unit_names_its_line(water: Shop) -> None:
    text = "type,sku,warehouse,quantity,unit,unit_cost\nreceipt,WATER,MAIN,2,crate,0.5\n"

    with pytest.raises(ValidationFailed, match=r"^line 2: unknown unit 'crate'"):
        import_movements(io.StringIO(text), water.uow(), water.clock, water.ids, water.actor)

    assert ledger_of(water.uow) == []


def test_an_import_may_not_print_a_barcode_a_pack_or_a_location_holds(water: Shop) -> None:
    add_location("MAIN", CreateLocation(code="B-1", barcode="LOC-1"), water.uow(), water.clock)

    def imported(text: str, update: bool = False) -> int:
        return import_products(io.StringIO(text), water.uow(), water.clock, update=update)

    # The case's GTIN-8, written as its 14 digits: the same barcode.
    juice = "line 3: product 'JUICE': barcode"
    with pytest.raises(Conflict, match=f"{juice} '00000096385074' already names pack"):
        imported("sku,name,barcode\nSODA,Soda,SODA-1\nJUICE,Juice,00000096385074\n")
    with pytest.raises(
        Conflict, match="line 2: product 'SODA': barcode 'LOC-1' already names location"
    ):
        imported("sku,name,barcode\nSODA,Soda,LOC-1\n")
    with pytest.raises(Conflict, match=rf"{juice} 'S-1' appears twice in the file \(line 2"):
        imported("sku,name,barcode\nSODA,Soda,S-1\nJUICE,Juice,S-1\n")
    assert [product.sku for product in export_products(water.uow())] == ["WATER"]

    assert imported("sku,name,barcode\nSODA,Soda,S-1\n") == 1
    # Replaced with the barcode it prints already: its own, not taken.
    assert imported("sku,name,barcode\nSODA,Soda pop,S-1\n", update=True) == 1
    assert get_product("SODA", water.uow()).details.name == "Soda pop"


def test_a_product_replaced_by_an_import_keeps_its_packs(water: Shop) -> None:
    import_products(io.StringIO("sku,name,unit\nWATER,Water,bottle\n"), water.uow(), water.clock,
                    update=True)  # fmt: skip

    assert [pack.unit for pack in get_product("WATER", water.uow()).details.packs] == [
        "case",
        "pallet",
    ]
