"""Bulk import from CSV: all or nothing, naming the bad row's line and sku."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from inventory.application.catalog import archive_product, export_products, get_product
from inventory.application.importing import BATCH, import_movements, import_products
from inventory.domain.errors import Conflict, InsufficientStock, NotFound, ValidationFailed
from inventory.domain.movements import AdjustmentReason, MovementType
from tests.unit.stories import (
    Shop,
    given_product,
    given_stock,
    given_warehouse,
    ledger_of,
    level_of,
    product_of,
)


def _import(shop: Shop, text: str, update: bool = False) -> int:
    return import_products(io.StringIO(text), shop.uow(), shop.clock, update=update)


def _skus(shop: Shop) -> list[str]:
    return [p.sku for p in export_products(shop.uow())]


# --- products -----------------------------------------------------------------


def test_every_product_in_the_file_is_added_with_typed_fields(shop: Shop) -> None:
    text = (
        "sku,name,category,unit,barcode,reorder_point,reorder_quantity,description\n"
        'BOLT-M6,Bolt M6,fasteners,box,4006381333931,5,50,"zinc, 6 mm"\n'
        "NUT-M6,Nut M6,,,,,,\n"
    )
    progress: list[int] = []

    count = import_products(io.StringIO(text), shop.uow(), shop.clock, on_progress=progress.append)

    assert (count, progress) == (2, [2])
    bolt, nut = get_product("BOLT-M6", shop.uow()), get_product("NUT-M6", shop.uow())
    assert (bolt.details.category, bolt.details.unit, bolt.details.barcode) == (
        "fasteners",
        "box",
        "4006381333931",
    )
    assert (bolt.details.reorder_point, bolt.details.reorder_quantity) == (5, 50)
    assert bolt.details.description == "zinc, 6 mm"
    # Empty cells take the defaults.
    assert (nut.details.unit, nut.details.barcode, nut.details.reorder_point) == ("each", None, 0)


def test_columns_may_come_in_any_order_with_spaces_around_their_names(shop: Shop) -> None:
    _import(shop, " name , sku \nBolt,B-1\n")

    assert get_product("B-1", shop.uow()).details.name == "Bolt"


def test_blank_lines_are_skipped_but_still_counted_as_lines(shop: Shop) -> None:
    with pytest.raises(ValidationFailed, match=r"^line 5 \(sku 'C'\): reorder_point"):
        _import(shop, "sku,name,reorder_point\nA,a,1\n\n,,\nC,c,-1\n")


def test_a_bad_row_names_its_line_and_sku_and_nothing_is_imported(shop: Shop) -> None:
    text = "sku,name,reorder_point\nA,Alpha,1\nB,Beta,lots\nC,Gamma,3\n"

    with pytest.raises(ValidationFailed) as refused:
        _import(shop, text)

    assert refused.value.detail.startswith("line 3 (sku 'B'): reorder_point: ")
    assert [e.field for e in refused.value.errors] == ["reorder_point"]
    assert _skus(shop) == []


def test_a_bad_row_without_a_sku_names_its_line(shop: Shop) -> None:
    with pytest.raises(ValidationFailed, match=r"^line 2: sku: "):
        _import(shop, "sku,name\n,nameless\n")


def test_a_row_with_the_wrong_number_of_cells_names_its_line(shop: Shop) -> None:
    with pytest.raises(ValidationFailed, match=r"^line 3: 3 cells, header has 2"):
        _import(shop, "sku,name\nA,a\nB,b,extra\n")

    assert _skus(shop) == []


@pytest.mark.parametrize(
    "text",
    ['sku,name\nA,a\nB,"Bolt\n', 'sku,name\nA,a\nB,"Bolt', 'sku,name\nA,a\nB,"Bolt\nC,c\n'],
    ids=["last-line", "no-final-newline", "swallows-the-rest"],
)
def test_a_quote_left_open_to_the_end_of_the_file_names_the_line_it_opens_on(
    shop: Shop, text: str
) -> None:
    with pytest.raises(ValidationFailed, match=r"^line 3: ") as refused:
        _import(shop, text)

    assert "quote" in refused.value.detail
    assert _skus(shop) == []


def test_text_after_a_closing_quote_is_a_bad_row(shop: Shop) -> None:
    with pytest.raises(ValidationFailed, match=r"^line 2: ") as refused:
        _import(shop, 'sku,name\nA,"Bolt" M8\n')

    assert "quote" in refused.value.detail
    assert _skus(shop) == []


def test_a_sku_twice_in_the_file_is_a_bad_row(shop: Shop) -> None:
    with pytest.raises(Conflict, match=r"^line 4: product 'A' appears twice in the file"):
        _import(shop, "sku,name\nA,first\nB,b\nA,second\n")

    assert _skus(shop) == []


def test_a_sku_that_exists_already_is_a_bad_row_without_update(shop: Shop) -> None:
    given_product(shop, "B", "Old")

    with pytest.raises(Conflict, match=r"^line 3: product 'B' already exists"):
        _import(shop, "sku,name\nA,a\nB,New\n")

    assert _skus(shop) == ["B"]
    assert get_product("B", shop.uow()).details.name == "Old"


@pytest.mark.parametrize("update", [False, True], ids=["add", "update"])
def test_a_sku_differing_only_in_case_from_a_stored_one_is_a_bad_row_naming_it(
    shop: Shop, update: bool
) -> None:
    given_product(shop, "BOLT-M8", "Old")

    with pytest.raises(Conflict) as refused:
        _import(shop, "sku,name\nA,a\nbolt-m8,New\n", update=update)

    assert refused.value.detail == (
        "line 3: product 'BOLT-M8' already exists; skus are unique ignoring case"
    )
    assert _skus(shop) == ["BOLT-M8"]
    assert get_product("BOLT-M8", shop.uow()).details.name == "Old"


def test_a_sku_twice_in_the_file_ignoring_case_is_a_bad_row(shop: Shop) -> None:
    with pytest.raises(Conflict, match=r"^line 3: product 'a' appears twice in the file"):
        _import(shop, "sku,name\nA,first\na,second\n")

    assert _skus(shop) == []


def test_an_archived_sku_in_the_file_is_a_bad_row_saying_it_is_archived(shop: Shop) -> None:
    given_product(shop, "B", "Old")
    archive_product("B", shop.uow(), shop.clock)

    with pytest.raises(Conflict, match=r"^line 2: product 'B' already exists and is archived; "):
        _import(shop, "sku,name\nB,New\n")


def test_with_update_an_existing_product_is_replaced_and_new_ones_added(shop: Shop) -> None:
    given_product(shop, "B", "Old", category="tools", unit="box")
    shop.clock.advance(timedelta(minutes=1))

    count = _import(shop, "sku,name,reorder_point\nA,a,1\nB,New,7\n", update=True)

    b = get_product("B", shop.uow())
    assert count == 2
    assert _skus(shop) == ["A", "B"]
    # A replacement, like PUT: columns left empty or absent return to their defaults.
    assert (b.details.name, b.details.category, b.details.unit, b.details.reorder_point) == (
        "New",
        "",
        "each",
        7,
    )
    assert b.version == 2


def test_with_update_a_sku_twice_in_the_file_is_still_a_bad_row(shop: Shop) -> None:
    given_product(shop, "A", "Old")

    with pytest.raises(Conflict, match=r"^line 3: product 'A' appears twice in the file"):
        _import(shop, "sku,name\nA,first\nA,second\n", update=True)

    assert product_of(shop.uow, "A").details.name == "Old"


def test_a_number_cell_with_a_superscript_digit_is_a_bad_row(shop: Shop) -> None:
    with pytest.raises(ValidationFailed, match=r"^line 2 \(sku 'A'\): reorder_point"):
        _import(shop, "sku,name,reorder_point\nA,a,\u00b2\n")


def test_a_file_larger_than_one_batch_is_imported_whole(shop: Shop) -> None:
    rows = "".join(f"S{n:05d},Product {n}\n" for n in range(BATCH + 5))

    assert _import(shop, "sku,name\n" + rows) == BATCH + 5

    assert len(_skus(shop)) == BATCH + 5


def test_a_bad_row_in_a_later_batch_still_imports_nothing(shop: Shop) -> None:
    rows = "".join(f"S{n:05d},Product {n}\n" for n in range(BATCH + 5))
    line = BATCH + 7  # header, the rows, then the bad one

    with pytest.raises(ValidationFailed, match=f"^line {line} \\(sku 'BAD'\\)"):
        _import(shop, "sku,name\n" + rows + "BAD,\n")

    assert _skus(shop) == []


def test_a_sku_repeated_in_a_later_batch_is_a_bad_row(shop: Shop) -> None:
    rows = "".join(f"S{n:05d},Product {n}\n" for n in range(BATCH + 5))

    with pytest.raises(Conflict, match=f"^line {BATCH + 7}: product 'S00000' appears twice"):
        _import(shop, "sku,name\n" + rows + "S00000,again\n")

    assert _skus(shop) == []


def test_with_update_a_new_sku_twice_in_one_batch_is_a_bad_row(shop: Shop) -> None:
    with pytest.raises(Conflict, match=r"^line 3: product 'A'"):
        _import(shop, "sku,name\nA,first\nA,second\n", update=True)

    assert _skus(shop) == []


def test_with_update_a_sku_repeated_in_a_later_batch_is_a_bad_row(shop: Shop) -> None:
    rows = "".join(f"S{n:05d},Product {n}\n" for n in range(BATCH + 5))

    with pytest.raises(Conflict, match=f"^line {BATCH + 7}: product 'S00000'"):
        _import(shop, "sku,name\n" + rows + "S00000,again\n", update=True)

    assert _skus(shop) == []


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "line 1: the file is empty"),
        ("sku,name,colour\nA,a,red\n", "unknown: ['colour']"),
        ("sku,category\nA,x\n", "missing: ['name']"),
        ("name\nx\n", "missing: ['sku']"),
        ("sku,name,name\nA,a,b\n", "line 1: bad header"),
    ],
    ids=["empty", "unknown", "missing-name", "missing-sku", "twice"],
)
def test_a_bad_header_is_refused_as_line_one(shop: Shop, text: str, says: str) -> None:
    with pytest.raises(ValidationFailed, match=r"^line 1: ") as refused:
        _import(shop, text)

    assert says in refused.value.detail
    assert _skus(shop) == []


def test_a_header_alone_imports_nothing(shop: Shop) -> None:
    assert _import(shop, "sku,name\n") == 0


# --- movements ----------------------------------------------------------------


def _import_movements(shop: Shop, text: str) -> int:
    return import_movements(io.StringIO(text), shop.uow(), shop.clock, shop.ids, shop.actor)


@pytest.fixture
def stocked(shop: Shop) -> Shop:
    given_stock(shop, "A", "WH-MAIN", 10, unit_cost="2")
    given_warehouse(shop, "WH-OTHER")
    return shop


def test_every_movement_in_the_file_is_recorded_in_order(stocked: Shop) -> None:
    text = (
        "type,sku,warehouse,from_warehouse,to_warehouse,quantity,counted_quantity,unit_cost,reason,reference,note\n"
        "receipt,A,WH-MAIN,,,10,,4.0000,,PO-1,\n"
        "issue,A,WH-MAIN,,,5,,,,PICK-1,\n"
        "transfer,A,,WH-MAIN,WH-OTHER,3,,,,,\n"
        "adjustment,A,WH-OTHER,,,,1,,damage,,dropped\n"
    )

    assert _import_movements(stocked, text) == 4

    assert level_of(stocked.uow, "A", "WH-MAIN").on_hand == 12
    assert level_of(stocked.uow, "A", "WH-OTHER").on_hand == 1
    assert str(product_of(stocked.uow, "A").average_cost) == "3.0000"
    imported = ledger_of(stocked.uow)[1:]
    assert [(m.type, m.quantity) for m in imported] == [
        (MovementType.RECEIPT, 10),
        (MovementType.ISSUE, 5),
        (MovementType.TRANSFER, 3),
        (MovementType.ADJUSTMENT, -2),
    ]
    assert (imported[0].reference, imported[3].reason, imported[3].note) == (
        "PO-1",
        AdjustmentReason.DAMAGE,
        "dropped",
    )


def test_an_invalid_movement_row_names_its_line_and_sku_and_nothing_is_recorded(
    stocked: Shop,
) -> None:
    text = "type,sku,warehouse,quantity,unit_cost\nreceipt,A,WH-MAIN,1,1\nissue,A,WH-MAIN,0,\n"

    with pytest.raises(ValidationFailed, match=r"^line 3 \(sku 'A'\): quantity"):
        _import_movements(stocked, text)

    assert len(ledger_of(stocked.uow)) == 1


def test_a_refused_movement_names_its_line_and_nothing_is_recorded(stocked: Shop) -> None:
    text = "type,sku,warehouse,quantity,unit_cost\nreceipt,A,WH-MAIN,1,1\nissue,A,WH-MAIN,12,\n"

    with pytest.raises(InsufficientStock, match=r"^line 3: A in WH-MAIN: wanted 12, only 11"):
        _import_movements(stocked, text)

    assert level_of(stocked.uow, "A", "WH-MAIN").on_hand == 10
    assert str(product_of(stocked.uow, "A").average_cost) == "2.0000"
    assert len(ledger_of(stocked.uow)) == 1


def test_a_movement_of_an_unknown_product_names_its_line_and_the_sku(stocked: Shop) -> None:
    with pytest.raises(NotFound, match=r"^line 2: product 'NOPE' not found"):
        _import_movements(stocked, "type,sku,warehouse,quantity\nissue,NOPE,WH-MAIN,1\n")


def test_a_quote_left_open_in_a_movement_file_names_its_line_and_records_nothing(
    stocked: Shop,
) -> None:
    text = 'type,sku,warehouse,quantity,note\nissue,A,WH-MAIN,1,ok\nissue,A,WH-MAIN,2,"open\n'

    with pytest.raises(ValidationFailed, match=r"^line 3: .*quote"):
        _import_movements(stocked, text)

    assert level_of(stocked.uow, "A", "WH-MAIN").on_hand == 10


def test_a_movement_file_with_an_unknown_column_is_refused(stocked: Shop) -> None:
    with pytest.raises(ValidationFailed, match=r"^line 1: bad header \(unknown: \['price'\]"):
        _import_movements(stocked, "type,sku,price\nreceipt,A,1\n")


def test_a_movement_file_larger_than_one_batch_keeps_levels_and_costs_right(shop: Shop) -> None:
    given_product(shop, "Z")
    given_warehouse(shop, "WH-MAIN")
    text = (
        "type,sku,warehouse,quantity,unit_cost\n"
        + "receipt,Z,WH-MAIN,1,1\n" * BATCH
        + "receipt,Z,WH-MAIN,1,3\n"  # in the second batch: (2000 x 1 + 3) / 2001 = 1.00099..
        + "issue,Z,WH-MAIN,5,\n"
    )

    assert _import_movements(shop, text) == BATCH + 2

    assert level_of(shop.uow, "Z", "WH-MAIN").on_hand == BATCH - 4
    assert str(product_of(shop.uow, "Z").average_cost) == "1.0010"


def test_a_movement_refused_in_a_later_batch_records_nothing(shop: Shop) -> None:
    given_product(shop, "Z")
    given_warehouse(shop, "WH-MAIN")
    text = (
        "type,sku,warehouse,quantity,unit_cost\n"
        + "receipt,Z,WH-MAIN,1,1\n" * BATCH
        + f"issue,Z,WH-MAIN,{BATCH + 1},\n"
    )

    with pytest.raises(InsufficientStock, match=f"^line {BATCH + 2}: Z in WH-MAIN"):
        _import_movements(shop, text)

    assert ledger_of(shop.uow) == []
    assert str(product_of(shop.uow, "Z").average_cost) == "0.0000"


def test_a_serial_tracked_products_units_are_a_cell_of_serials_separated_by_spaces(
    shop: Shop,
) -> None:
    given_warehouse(shop, "WH-MAIN")
    given_product(shop, "DRILL", tracking="serial")
    text = (
        "type,sku,warehouse,quantity,unit_cost,serials\n"
        'receipt,DRILL,WH-MAIN,2,80,"SN-1 SN-2"\n'
        "issue,DRILL,WH-MAIN,1,,SN-2\n"
    )

    assert _import_movements(shop, text) == 2

    moved = [[s for line in m.lines for s in line.serials] for m in ledger_of(shop.uow)]
    assert moved == [["SN-1", "SN-2"], ["SN-2"]]
    unnamed = "type,sku,warehouse,quantity,unit_cost\nreceipt,DRILL,WH-MAIN,1,80\n"
    with pytest.raises(ValidationFailed, match=r"^line 2"):
        _import_movements(shop, unnamed)
