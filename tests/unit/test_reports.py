"""Reports: valuation, movements and low stock, written as CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest

from inventory.application.catalog import archive_product, patch_product
from inventory.application.commands import IssueStock, PatchProduct, TransferStock
from inventory.application.reports import (
    LOW_STOCK_COLUMNS,
    MOVEMENT_COLUMNS,
    VALUATION_COLUMNS,
    ReportFormat,
    low_stock_report,
    movements_report,
    valuation_report,
    write_report,
    write_valuation,
)
from inventory.application.stock import record_movement
from tests.factories import T0
from tests.unit.stories import Shop, given_order, given_product, given_stock


@pytest.fixture
def valued(shop: Shop) -> Shop:
    """A: 3 in WH-EAST and 4 in WH-WEST at 0.3333; B: 2 in WH-EAST at 12.5; C: emptied."""
    given_stock(shop, "A", "WH-EAST", 3, unit_cost="0.3333")
    given_stock(shop, "A", "WH-WEST", 4, unit_cost="0.3333")
    given_stock(shop, "B", "WH-EAST", 2, unit_cost="12.5")
    given_stock(shop, "C", "WH-EAST", 1, unit_cost="7")
    record_movement(
        IssueStock(sku="C", warehouse="WH-EAST", quantity=1), shop.uow(), shop.clock, shop.ids,
        shop.actor,
    )  # fmt: skip
    return shop


def test_valuation_has_a_row_per_stocked_level_and_an_exact_total(valued: Shop) -> None:
    report = valuation_report(valued.uow())

    rows = list(report)

    assert [tuple(row.values()) for row in rows] == [
        ("A", "WH-EAST", 3, "0.3333", "0.9999"),
        ("A", "WH-WEST", 4, "0.3333", "1.3332"),
        ("B", "WH-EAST", 2, "12.5000", "25.0000"),
    ]
    assert all(tuple(row) == VALUATION_COLUMNS for row in rows)
    assert report.total() == {"on_hand": 9, "value": "27.3331"}


def test_valuation_of_one_warehouse(valued: Shop) -> None:
    report = valuation_report(valued.uow(), warehouse="WH-WEST")

    rows = list(report)

    assert [(r["sku"], r["value"]) for r in rows] == [("A", "1.3332")]
    assert report.total() == {"on_hand": 4, "value": "1.3332"}


def test_reserved_stock_is_still_valued(valued: Shop) -> None:
    given_order(valued, [("B", 2)], warehouse="WH-EAST")
    report = valuation_report(valued.uow())

    list(report)

    assert report.total() == {"on_hand": 9, "value": "27.3331"}


def test_valuation_of_an_empty_inventory_is_a_zero_total(shop: Shop) -> None:
    report = valuation_report(shop.uow())

    assert list(report) == []
    assert report.total() == {"on_hand": 0, "value": "0.0000"}


def test_a_product_whose_sku_is_total_is_an_ordinary_row_of_the_valuation(shop: Shop) -> None:
    given_stock(shop, "TOTAL", "WH-EAST", 2, unit_cost="1.5")
    given_stock(shop, "A", "WH-EAST", 1, unit_cost="4")
    csv_out, json_out = io.StringIO(), io.StringIO()

    write_valuation(valuation_report(shop.uow()), ReportFormat.CSV, csv_out)
    write_valuation(valuation_report(shop.uow()), ReportFormat.JSON, json_out)

    assert csv_out.getvalue().splitlines() == [
        "sku,warehouse,on_hand,average_cost,value",
        "A,WH-EAST,1,4.0000,4.0000",
        "TOTAL,WH-EAST,2,1.5000,3.0000",
        ",TOTAL,3,,7.0000",
    ]
    assert json.loads(json_out.getvalue()) == {
        "rows": [
            {"sku": "A", "warehouse": "WH-EAST", "on_hand": 1, "average_cost": "4.0000",
             "value": "4.0000"},
            {"sku": "TOTAL", "warehouse": "WH-EAST", "on_hand": 2, "average_cost": "1.5000",
             "value": "3.0000"},
        ],
        "total": {"on_hand": 3, "value": "7.0000"},
    }  # fmt: skip


def test_a_valuation_written_as_csv_has_a_header_every_row_then_the_total(valued: Shop) -> None:
    out = io.StringIO()

    count = write_valuation(valuation_report(valued.uow()), ReportFormat.CSV, out)

    assert count == 3
    assert out.getvalue().splitlines() == [
        "sku,warehouse,on_hand,average_cost,value",
        "A,WH-EAST,3,0.3333,0.9999",
        "A,WH-WEST,4,0.3333,1.3332",
        "B,WH-EAST,2,12.5000,25.0000",
        ",TOTAL,9,,27.3331",
    ]


def test_a_valuation_written_as_json_is_its_rows_and_its_total(valued: Shop) -> None:
    out = io.StringIO()

    count = write_valuation(valuation_report(valued.uow()), ReportFormat.JSON, out)

    written = json.loads(out.getvalue())
    assert count == len(written["rows"]) == 3
    assert written["rows"][0] == {
        "sku": "A", "warehouse": "WH-EAST", "on_hand": 3, "average_cost": "0.3333",
        "value": "0.9999",
    }  # fmt: skip
    assert written["total"] == {"on_hand": 9, "value": "27.3331"}
    assert list(written) == ["rows", "total"]


def test_an_empty_valuation_written_as_json_has_no_rows_and_a_zero_total(shop: Shop) -> None:
    out = io.StringIO()

    write_valuation(valuation_report(shop.uow()), ReportFormat.JSON, out)

    assert json.loads(out.getvalue()) == {"rows": [], "total": {"on_hand": 0, "value": "0.0000"}}


def test_an_empty_json_report_is_an_empty_array() -> None:
    out = io.StringIO()

    assert write_report([], LOW_STOCK_COLUMNS, ReportFormat.JSON, out) == 0

    assert json.loads(out.getvalue()) == []


def test_json_reports_write_decimals_as_four_place_strings() -> None:
    out = io.StringIO()

    write_report([{"value": Decimal("2.5")}], ("value",), ReportFormat.JSON, out)

    assert json.loads(out.getvalue()) == [{"value": "2.5000"}]


def test_a_csv_report_writes_missing_values_as_empty_cells() -> None:
    out = io.StringIO()

    write_report([{"sku": "A", "reason": None}], ("sku", "reason"), ReportFormat.CSV, out)

    assert out.getvalue() == "sku,reason\nA,\n"


def test_the_movements_report_is_the_ledger_in_order(shop: Shop) -> None:
    shop.clock.step = timedelta(seconds=1)
    given_stock(shop, "A", "WH-EAST", 5, unit_cost="1.5")
    given_stock(shop, "A", "WH-WEST", 1)
    record_movement(
        TransferStock(sku="A", from_warehouse="WH-EAST", to_warehouse="WH-WEST", quantity=2),
        shop.uow(), shop.clock, shop.ids, shop.actor,
    )  # fmt: skip

    rows = list(movements_report(shop.uow()))
    west = list(movements_report(shop.uow(), warehouse="WH-WEST"))

    assert [(r["type"], r["quantity"]) for r in rows] == [
        ("receipt", 5),
        ("receipt", 1),
        ("transfer", 2),
    ]
    assert rows[0]["unit_cost"] == "1.5000"
    assert rows[2]["from_warehouse"] == "WH-EAST"
    assert rows[2]["to_warehouse"] == "WH-WEST"
    assert [r["type"] for r in west] == ["receipt", "transfer"]
    out = io.StringIO()
    write_report(rows, MOVEMENT_COLUMNS, ReportFormat.CSV, out)
    assert list(csv.DictReader(io.StringIO(out.getvalue())))[2]["reason"] == ""


def test_the_movements_report_window_includes_since_and_excludes_until(shop: Shop) -> None:
    shop.clock.step = timedelta(seconds=1)
    given_product(shop, "A")  # T0
    given_stock(shop, "A", "WH-EAST", 1)  # the warehouse at T0+1s, the receipt at T0+2s
    given_stock(shop, "A", "WH-EAST", 2)  # T0+3s
    given_stock(shop, "A", "WH-EAST", 3)  # T0+4s

    rows = list(
        movements_report(
            shop.uow(), since=T0 + timedelta(seconds=3), until=T0 + timedelta(seconds=4)
        )
    )

    assert [r["quantity"] for r in rows] == [2]


def test_the_low_stock_report_lists_active_products_at_or_below_their_reorder_point(
    shop: Shop,
) -> None:
    given_stock(shop, "AT", "WH-EAST", 5)
    given_stock(shop, "BELOW", "WH-EAST", 9)
    given_order(shop, [("BELOW", 6)], warehouse="WH-EAST")
    given_stock(shop, "ABOVE", "WH-EAST", 6)
    given_product(shop, "NO-POINT")
    given_product(shop, "GONE")
    for sku in ("AT", "BELOW", "ABOVE", "GONE"):
        patch_product(
            sku, PatchProduct(reorder_point=5, reorder_quantity=20), shop.uow(), shop.clock
        )
    archive_product("GONE", shop.uow(), shop.clock)

    rows = list(low_stock_report(shop.uow()))

    assert [tuple(row.values()) for row in rows] == [
        ("AT", "Product AT", 5, 5, 20),
        ("BELOW", "Product BELOW", 3, 5, 20),
    ]
    assert all(tuple(row) == LOW_STOCK_COLUMNS for row in rows)
