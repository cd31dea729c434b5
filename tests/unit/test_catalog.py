"""Use cases of the catalog: products and warehouses."""

from __future__ import annotations

from datetime import timedelta

import pytest

from inventory.application.catalog import (
    add_product,
    add_warehouse,
    archive_product,
    export_products,
    get_product,
    get_warehouse,
    list_products,
    list_warehouses,
    patch_product,
    product_stock,
    replace_product,
    warehouse_stock,
)
from inventory.application.commands import (
    CreateProduct,
    CreateWarehouse,
    IssueStock,
    PatchProduct,
    ProductFields,
    ReceiveStock,
)
from inventory.application.listing import LevelList, ProductList, StockLevelList, WarehouseList
from inventory.application.orders import reserve_order
from inventory.application.stock import list_stock_levels, record_movement
from inventory.application.validation import parse
from inventory.domain.errors import Conflict, NotFound, PreconditionFailed, ValidationFailed
from inventory.domain.stock import StockLevel
from tests.factories import T0, ReserveOrderFactory
from tests.unit.stories import (
    Shop,
    given_order,
    given_product,
    given_stock,
    given_warehouse,
    ledger_of,
    product_of,
)

# --- products ---------------------------------------------------------------


def test_a_new_product_takes_the_defaults_for_every_omitted_field(shop: Shop) -> None:
    product = add_product(CreateProduct(sku="BOLT-M6", name="Bolt M6"), shop.uow(), shop.clock)

    stored = get_product("BOLT-M6", shop.uow())
    assert stored == product
    assert (stored.details.unit, stored.details.barcode, stored.details.description) == (
        "each",
        None,
        "",
    )
    assert (stored.details.reorder_point, stored.details.reorder_quantity) == (0, 0)
    assert (str(stored.average_cost), stored.archived, stored.version) == ("0.0000", False, 1)
    assert stored.created_at == stored.updated_at == T0


def test_adding_a_product_with_a_taken_sku_is_a_conflict_and_keeps_the_first(shop: Shop) -> None:
    given_product(shop, "BOLT-M6", "Bolt M6")

    with pytest.raises(Conflict, match="'BOLT-M6' already exists"):
        add_product(CreateProduct(sku="BOLT-M6", name="Other"), shop.uow(), shop.clock)

    assert get_product("BOLT-M6", shop.uow()).details.name == "Bolt M6"


def test_an_unknown_product_is_not_found_by_its_sku(shop: Shop) -> None:
    with pytest.raises(NotFound, match="product 'NOPE' not found"):
        get_product("NOPE", shop.uow())


def test_replacing_a_product_returns_every_omitted_field_to_its_default(shop: Shop) -> None:
    given_product(
        shop, "BOLT-M6", "Bolt", description="zinc", category="fasteners", unit="box",
        barcode="4006381333931", reorder_point=5, reorder_quantity=50,
    )  # fmt: skip
    shop.clock.advance(timedelta(minutes=1))

    product = replace_product("BOLT-M6", ProductFields(name="Bolt M6"), shop.uow(), shop.clock)

    assert product.details == ProductFields(name="Bolt M6").details()
    assert (product.version, product.updated_at, product.created_at) == (
        2,
        T0 + timedelta(minutes=1),
        T0,
    )
    assert get_product("BOLT-M6", shop.uow()) == product


def test_replacing_a_product_with_identical_fields_keeps_its_version(shop: Shop) -> None:
    given_product(shop, "BOLT-M6", "Bolt", category="fasteners")
    shop.clock.advance(timedelta(minutes=1))

    fields = ProductFields(name="Bolt", category="fasteners")
    product = replace_product("BOLT-M6", fields, shop.uow(), shop.clock)

    assert (product.version, product.updated_at) == (1, T0)


def test_replacing_an_unknown_product_is_not_found(shop: Shop) -> None:
    with pytest.raises(NotFound, match="'NOPE'"):
        replace_product("NOPE", ProductFields(name="x"), shop.uow(), shop.clock)


@pytest.mark.parametrize(
    "change",
    [
        lambda shop, v: replace_product(
            "SKU-1", ProductFields(name="New"), shop.uow(), shop.clock, v
        ),
        lambda shop, v: patch_product("SKU-1", PatchProduct(name="New"), shop.uow(), shop.clock, v),
        lambda shop, v: archive_product("SKU-1", shop.uow(), shop.clock, v),
    ],
    ids=["replace", "patch", "archive"],
)
def test_a_change_made_against_a_stale_version_fails_its_precondition(shop: Shop, change) -> None:  # type: ignore[no-untyped-def]
    given_product(shop, "SKU-1", "Old")
    patch_product("SKU-1", PatchProduct(category="moved"), shop.uow(), shop.clock)

    with pytest.raises(PreconditionFailed, match="'SKU-1' is at version 2, not 1"):
        change(shop, 1)

    product = get_product("SKU-1", shop.uow())
    assert (product.details.name, product.archived, product.version) == ("Old", False, 2)


def test_a_change_made_against_the_current_version_succeeds(shop: Shop) -> None:
    given_product(shop, "SKU-1", "Old")

    product = replace_product("SKU-1", ProductFields(name="New"), shop.uow(), shop.clock, 1)

    assert (product.details.name, product.version) == ("New", 2)


def test_a_merge_patch_changes_only_the_fields_it_names(shop: Shop) -> None:
    given_product(shop, "SKU-1", "Bolt", category="fasteners", unit="box", reorder_point=5)

    patch = parse(PatchProduct, {"unit": "pack", "reorder_quantity": 40})
    product = patch_product("SKU-1", patch, shop.uow(), shop.clock)

    assert (product.details.name, product.details.category) == ("Bolt", "fasteners")
    assert (product.details.unit, product.details.reorder_point) == ("pack", 5)
    assert product.details.reorder_quantity == 40


def test_a_merge_patch_null_returns_a_field_to_its_default(shop: Shop) -> None:
    given_product(
        shop, "SKU-1", "Bolt", category="fasteners", unit="box", barcode="123", reorder_point=5
    )

    patch = parse(
        PatchProduct, {"category": None, "unit": None, "barcode": None, "reorder_point": None}
    )
    product = patch_product("SKU-1", patch, shop.uow(), shop.clock)

    assert product.details == ProductFields(name="Bolt").details()


def test_a_merge_patch_cannot_remove_the_name(shop: Shop) -> None:
    with pytest.raises(ValidationFailed, match="name: is required"):
        parse(PatchProduct, {"name": None})


def test_an_empty_merge_patch_changes_nothing(shop: Shop) -> None:
    given_product(shop, "SKU-1", "Bolt")

    product = patch_product("SKU-1", PatchProduct(), shop.uow(), shop.clock)

    assert product.version == 1


def test_a_product_without_stock_can_be_archived(shop: Shop) -> None:
    given_product(shop, "SKU-1")
    shop.clock.advance(timedelta(minutes=1))

    product = archive_product("SKU-1", shop.uow(), shop.clock)

    assert (product.archived, product.version) == (True, 2)
    assert get_product("SKU-1", shop.uow()).archived


def test_a_product_whose_stock_was_all_issued_can_be_archived(shop: Shop) -> None:
    given_stock(shop, "SKU-1", "WH-MAIN", 4)
    record_movement(
        IssueStock(sku="SKU-1", warehouse="WH-MAIN", quantity=4), shop.uow(), shop.clock,
        shop.ids, shop.actor,
    )  # fmt: skip

    assert archive_product("SKU-1", shop.uow(), shop.clock).archived


def test_archiving_is_refused_while_any_warehouse_holds_stock(shop: Shop) -> None:
    given_warehouse(shop, "WH-MAIN")
    given_stock(shop, "SKU-1", "WH-EAST", 1)

    with pytest.raises(Conflict, match=r"'SKU-1' still has stock \(on hand 1, reserved 0\)"):
        archive_product("SKU-1", shop.uow(), shop.clock)

    assert not get_product("SKU-1", shop.uow()).archived


def test_archiving_is_refused_while_stock_is_reserved(shop: Shop) -> None:
    given_stock(shop, "SKU-1", "WH-MAIN", 3)
    given_order(shop, [("SKU-1", 3)])

    with pytest.raises(Conflict, match=r"on hand 3, reserved 3"):
        archive_product("SKU-1", shop.uow(), shop.clock)


def test_an_archived_product_accepts_no_new_movement(shop: Shop) -> None:
    given_product(shop, "SKU-1")
    given_warehouse(shop, "WH-MAIN")
    archive_product("SKU-1", shop.uow(), shop.clock)

    receipt = ReceiveStock(sku="SKU-1", warehouse="WH-MAIN", quantity=1, unit_cost="1")
    with pytest.raises(Conflict, match="'SKU-1' is archived"):
        record_movement(receipt, shop.uow(), shop.clock, shop.ids, shop.actor)

    assert ledger_of(shop.uow) == []
    assert product_stock("SKU-1", shop.uow()) == []


def test_an_archived_product_accepts_no_new_order_line(shop: Shop) -> None:
    given_stock(shop, "SKU-2", "WH-MAIN", 5)
    given_product(shop, "SKU-1")
    archive_product("SKU-1", shop.uow(), shop.clock)

    order = ReserveOrderFactory(reference="SO-1", lines=[("SKU-2", 1), ("SKU-1", 1)])
    with pytest.raises(Conflict, match="'SKU-1' is archived"):
        reserve_order(order, shop.uow(), shop.clock, shop.ids)

    assert product_stock("SKU-2", shop.uow())[0].reserved == 0


def test_a_products_stock_is_listed_per_warehouse_by_code(shop: Shop) -> None:
    given_stock(shop, "SKU-1", "WH-WEST", 2)
    given_stock(shop, "SKU-1", "WH-EAST", 5)
    given_stock(shop, "SKU-2", "WH-EAST", 9)
    given_order(shop, [("SKU-1", 1)], warehouse="WH-EAST")

    levels = product_stock("SKU-1", shop.uow())

    assert levels == [StockLevel("SKU-1", "WH-EAST", 5, 1), StockLevel("SKU-1", "WH-WEST", 2, 0)]


def test_the_stock_of_an_unknown_product_is_not_found(shop: Shop) -> None:
    with pytest.raises(NotFound, match="'NOPE'"):
        product_stock("NOPE", shop.uow())


def test_a_product_that_never_held_stock_has_no_levels(shop: Shop) -> None:
    given_product(shop, "SKU-1")

    assert product_stock("SKU-1", shop.uow()) == []


# --- listing products -------------------------------------------------------


def _skus(params: ProductList, shop: Shop) -> list[str]:
    return [p.sku for p in list_products(params, shop.uow()).items]


def test_products_are_listed_by_sku_and_archived_ones_are_hidden(shop: Shop) -> None:
    for sku in ("C-3", "A-1", "B-2"):
        given_product(shop, sku)
    archive_product("B-2", shop.uow(), shop.clock)

    assert _skus(ProductList(), shop) == ["A-1", "C-3"]
    assert _skus(ProductList(archived=True), shop) == ["B-2"]


def test_q_matches_a_substring_of_sku_or_name_ignoring_case(shop: Shop) -> None:
    given_product(shop, "BOLT-M6", "Hex bolt")
    given_product(shop, "NUT-M6", "Hex NUT")
    given_product(shop, "WASHER", "Flat washer")

    assert _skus(ProductList(q="hex"), shop) == ["BOLT-M6", "NUT-M6"]
    assert _skus(ProductList(q="bolt"), shop) == ["BOLT-M6"]
    assert _skus(ProductList(q="m6"), shop) == ["BOLT-M6", "NUT-M6"]
    assert _skus(ProductList(q="zzz"), shop) == []


def test_category_matches_exactly(shop: Shop) -> None:
    given_product(shop, "A", category="fasteners")
    given_product(shop, "B", category="Fasteners")
    given_product(shop, "C")

    assert _skus(ProductList(category="fasteners"), shop) == ["A"]


def test_below_reorder_lists_products_whose_available_stock_is_at_or_below_the_point(
    shop: Shop,
) -> None:
    given_stock(shop, "AT", "WH-MAIN", 5)
    given_stock(shop, "ABOVE", "WH-MAIN", 6)
    given_stock(shop, "RESERVED", "WH-MAIN", 9)
    given_order(shop, [("RESERVED", 4)])
    for sku in ("AT", "ABOVE", "RESERVED"):
        patch_product(sku, PatchProduct(reorder_point=5), shop.uow(), shop.clock)
    given_product(shop, "NEVER-STOCKED")

    assert _skus(ProductList(below_reorder=True), shop) == ["AT", "NEVER-STOCKED", "RESERVED"]
    assert _skus(ProductList(below_reorder=False), shop) == ["ABOVE"]


def test_products_sort_by_name_with_ties_broken_by_sku(shop: Shop) -> None:
    given_product(shop, "C", "Bolt")
    given_product(shop, "A", "Nut")
    given_product(shop, "B", "Bolt")

    assert _skus(ProductList(sort="name"), shop) == ["B", "C", "A"]
    assert _skus(ProductList(sort="-name"), shop) == ["A", "C", "B"]


def test_products_sort_by_creation_and_update_time(shop: Shop) -> None:
    shop.clock.step = timedelta(seconds=1)
    for sku in ("B", "A", "C"):
        given_product(shop, sku)
    patch_product("B", PatchProduct(unit="box"), shop.uow(), shop.clock)

    assert _skus(ProductList(sort="created_at"), shop) == ["B", "A", "C"]
    assert _skus(ProductList(sort="-updated_at"), shop) == ["B", "C", "A"]


def test_every_product_is_exported_by_sku_archived_ones_too(shop: Shop) -> None:
    for sku in ("B", "A"):
        given_product(shop, sku)
    archive_product("A", shop.uow(), shop.clock)

    assert [p.sku for p in export_products(shop.uow())] == ["A", "B"]


# --- warehouses ---------------------------------------------------------------


def test_a_new_warehouse_is_stored_with_its_creation_time(shop: Shop) -> None:
    warehouse = add_warehouse(CreateWarehouse(code="WH-1", name="North"), shop.uow(), shop.clock)

    stored = get_warehouse("WH-1", shop.uow())
    assert (stored.code, stored.name, stored.created_at) == ("WH-1", "North", T0)
    assert stored == warehouse


def test_adding_a_warehouse_with_a_taken_code_is_a_conflict(shop: Shop) -> None:
    given_warehouse(shop, "WH-1", "North")

    with pytest.raises(Conflict, match="warehouse 'WH-1' already exists"):
        add_warehouse(CreateWarehouse(code="WH-1", name="South"), shop.uow(), shop.clock)

    assert get_warehouse("WH-1", shop.uow()).name == "North"


def test_an_unknown_warehouse_is_not_found_by_its_code(shop: Shop) -> None:
    with pytest.raises(NotFound, match="warehouse 'NOPE' not found"):
        get_warehouse("NOPE", shop.uow())


def test_warehouses_are_listed_by_code(shop: Shop) -> None:
    for code in ("WH-C", "WH-A", "WH-B"):
        given_warehouse(shop, code)

    page = list_warehouses(WarehouseList(), shop.uow())

    assert [w.code for w in page.items] == ["WH-A", "WH-B", "WH-C"]
    assert page.next_cursor is None


def test_a_warehouses_stock_is_listed_by_sku(shop: Shop) -> None:
    given_stock(shop, "SKU-B", "WH-MAIN", 2)
    given_stock(shop, "SKU-A", "WH-MAIN", 1)
    given_stock(shop, "SKU-C", "WH-OTHER", 3)

    page = warehouse_stock("WH-MAIN", LevelList(), shop.uow())

    assert page.items == [StockLevel("SKU-A", "WH-MAIN", 1), StockLevel("SKU-B", "WH-MAIN", 2)]


def test_the_stock_of_an_unknown_warehouse_is_not_found(shop: Shop) -> None:
    with pytest.raises(NotFound, match="'NOPE'"):
        warehouse_stock("NOPE", LevelList(), shop.uow())


def test_every_stock_level_is_listed_by_sku_then_warehouse_a_page_at_a_time(shop: Shop) -> None:
    given_stock(shop, "SKU-B", "WH-MAIN", 2)
    given_stock(shop, "SKU-A", "WH-OTHER", 3)
    given_stock(shop, "SKU-A", "WH-MAIN", 1)

    first = list_stock_levels(StockLevelList(limit=2), shop.uow())
    rest = list_stock_levels(StockLevelList(limit=2, cursor=first.next_cursor), shop.uow())

    assert first.items == [StockLevel("SKU-A", "WH-MAIN", 1), StockLevel("SKU-A", "WH-OTHER", 3)]
    assert (rest.items, rest.next_cursor) == ([StockLevel("SKU-B", "WH-MAIN", 2)], None)


def test_stock_levels_narrow_to_one_sku_one_warehouse_or_both(shop: Shop) -> None:
    given_stock(shop, "SKU-B", "WH-MAIN", 2)
    given_stock(shop, "SKU-A", "WH-OTHER", 3)
    given_stock(shop, "SKU-A", "WH-MAIN", 1)

    def levels(**narrowed: str) -> list[tuple[str, str]]:
        page = list_stock_levels(StockLevelList.model_validate(narrowed), shop.uow())
        return [level.key for level in page.items]

    assert levels(sku="SKU-A") == [("SKU-A", "WH-MAIN"), ("SKU-A", "WH-OTHER")]
    assert levels(warehouse="WH-MAIN") == [("SKU-A", "WH-MAIN"), ("SKU-B", "WH-MAIN")]
    assert levels(sku="SKU-B", warehouse="WH-OTHER") == []


@pytest.mark.parametrize(
    ("narrowed", "says"),
    [({"sku": "NOPE"}, "product 'NOPE' not found"), ({"warehouse": "NOPE"}, "'NOPE' not found")],
)
def test_stock_levels_of_an_unknown_sku_or_warehouse_are_not_found(
    shop: Shop, narrowed: dict[str, str], says: str
) -> None:
    with pytest.raises(NotFound, match=says):
        list_stock_levels(StockLevelList.model_validate(narrowed), shop.uow())


def test_a_failed_use_case_leaves_the_product_as_it_was(shop: Shop) -> None:
    given_product(shop, "SKU-1", "Bolt")

    with pytest.raises(PreconditionFailed):
        patch_product("SKU-1", PatchProduct(name="Nut"), shop.uow(), shop.clock, if_version=7)

    assert product_of(shop.uow, "SKU-1").details.name == "Bolt"
