"""The real ``inventory`` command, run in subprocesses through a warehouse's working day.

Every figure below can be checked by hand; the comments show the arithmetic.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.shell import Cli, cli_env

pytestmark = pytest.mark.e2e


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path, cli_env(f"sqlite:///{tmp_path / 'inventory.db'}"))


def receive(cli: Cli, sku: str, warehouse: str, quantity: int, unit_cost: str) -> Any:
    return cli.json(
        "stock", "receive", "--sku", sku, "--warehouse", warehouse,
        "--quantity", str(quantity), "--unit-cost", unit_cost,
    )  # fmt: skip


def average_cost(cli: Cli, sku: str) -> str:
    return str(cli.json("products", "show", sku)["average_cost"])


def average_costs(cli: Cli) -> dict[str, str]:
    return {p["sku"]: p["average_cost"] for p in cli.json("products", "list")["items"]}


def levels(cli: Cli, sku: str) -> dict[str, tuple[int, int, int]]:
    """(on hand, reserved, available) of the product in each warehouse."""
    stock = cli.json("stock", "levels", "--sku", sku)
    return {
        level["warehouse"]: (level["on_hand"], level["reserved"], level["available"])
        for level in stock["items"]
    }


def all_levels(cli: Cli) -> dict[str, tuple[int, int, int]]:
    """(on hand, reserved, available) of every "SKU@WAREHOUSE"."""
    return {
        f"{s['sku']}@{s['warehouse']}": (s["on_hand"], s["reserved"], s["available"])
        for s in cli.json("export", "stock")
    }


def ledger_size(cli: Cli) -> int:
    return len(cli.json("stock", "movements", "--limit", "500")["items"])


def test_a_working_day_adds_up_to_the_expected_stock_and_value(cli: Cli) -> None:
    secret = cli.ok("keys", "create", "--name", "ops", "--role", "admin")
    assert re.fullmatch(r"inv_[A-Za-z0-9_-]{20,}\n", secret)
    [key] = cli.json("keys", "list")["items"]
    assert (key["name"], key["role"], key["revoked_at"]) == ("ops", "admin", None)
    assert "key" not in key

    cli.ok("warehouses", "add", "--code", "MAIN", "--name", "Main warehouse")
    cli.ok("warehouses", "add", "--code", "EAST", "--name", "East depot")
    cli.ok("products", "add", "--sku", "WIDGET", "--name", "Widget", "--reorder-point", "30")
    cli.ok("products", "add", "--sku", "GADGET", "--name", "Gadget", "--category", "gizmos")
    cli.ok("products", "add", "--sku", "BOLT", "--name", "Bolt", "--unit", "box")

    # AVCO: 10 @ 2.0000 then 30 @ 4.0000 -> (20 + 120) / 40 = 3.5000.
    first = receive(cli, "WIDGET", "MAIN", 10, "2.0000")
    assert (first["type"], first["quantity"], first["unit_cost"]) == ("receipt", 10, "2.0000")
    assert first["created_by"] == "cli"
    receive(cli, "WIDGET", "MAIN", 30, "4")

    # Half-even to 4 places: (1 x 10.0000 + 1 x 10.0001) / 2 = 10.00005 -> 10.0000
    # (half-up would give 10.0001); then (2 x 10.0000 + 2 x 10.0003) / 4 = 10.00015 -> 10.0002.
    receive(cli, "GADGET", "MAIN", 1, "10.0000")
    receive(cli, "GADGET", "EAST", 1, "10.0001")
    assert average_costs(cli) == {"BOLT": "0.0000", "GADGET": "10.0000", "WIDGET": "3.5000"}
    receive(cli, "GADGET", "MAIN", 2, "10.0003")
    assert average_cost(cli, "GADGET") == "10.0002"

    # Issue 5, transfer 10 to EAST, then EAST counts 8 (2 damaged): MAIN 25, EAST 8.
    cli.ok("stock", "issue", "--sku", "WIDGET", "--warehouse", "MAIN", "--quantity", "5")
    transfer = cli.json(
        "stock", "transfer", "--sku", "WIDGET", "--from", "MAIN", "--to", "EAST", "--quantity", "10"
    )
    assert (transfer["from_warehouse"], transfer["to_warehouse"]) == ("MAIN", "EAST")
    adjustment = cli.json(
        "stock", "adjust", "--sku", "WIDGET", "--warehouse", "EAST",
        "--counted", "8", "--reason", "damage",
    )  # fmt: skip
    assert (adjustment["quantity"], adjustment["reason"]) == (-2, "damage")
    assert levels(cli, "WIDGET") == {"EAST": (8, 0, 8), "MAIN": (25, 0, 25)}

    # An order reserves, then ships: one issue per line, under the order's reference.
    order = cli.json(
        "orders", "create", "--reference", "SO-1", "--warehouse", "MAIN",
        "--line", "WIDGET:4", "--line", "GADGET:1",
    )  # fmt: skip
    assert order["status"] == "reserved"
    assert levels(cli, "WIDGET")["MAIN"] == (25, 4, 21)
    assert cli.json("orders", "ship", order["id"])["status"] == "shipped"
    assert all_levels(cli) == {
        "GADGET@EAST": (1, 0, 1),
        "GADGET@MAIN": (2, 0, 2),
        "WIDGET@EAST": (8, 0, 8),
        "WIDGET@MAIN": (21, 0, 21),
    }
    shipped = cli.json("stock", "movements", "--reference", "SO-1")["items"]
    assert [(m["type"], m["sku"], m["warehouse"], m["quantity"]) for m in shipped] == [
        ("issue", "WIDGET", "MAIN", 4),
        ("issue", "GADGET", "MAIN", 1),
    ]

    # Another order is cancelled: its reservation is released.
    held = cli.json(
        "orders", "create", "--reference", "SO-2", "--warehouse", "MAIN", "--line", "WIDGET:6"
    )
    assert levels(cli, "WIDGET")["MAIN"] == (21, 6, 15)
    assert cli.json("orders", "cancel", held["id"])["status"] == "cancelled"
    assert levels(cli, "WIDGET")["MAIN"] == (21, 0, 21)
    again = cli.run("orders", "ship", held["id"])
    assert again.returncode == 1
    assert again.stderr == "inventory: order 'SO-2' is cancelled; it cannot be shipped\n"

    # Too little stock: refused with the reason on stderr, and nothing changes.
    short = cli.run("stock", "issue", "--sku", "WIDGET", "--warehouse", "MAIN", "--quantity", "22")
    assert (short.returncode, short.stdout) == (1, "")
    assert short.stderr == "inventory: WIDGET in MAIN: wanted 22, only 21 available\n"
    short_order = cli.run(
        "orders", "create", "--reference", "SO-3", "--warehouse", "MAIN",
        "--line", "WIDGET:5", "--line", "GADGET:3",
    )  # fmt: skip
    assert short_order.returncode == 1
    assert short_order.stderr.splitlines() == [
        "inventory: order 'SO-3': 1 line(s) short in MAIN",
        "  --line GADGET:3 (quantity): GADGET: wanted 3, only 2 available",
    ]
    assert all_levels(cli)["WIDGET@MAIN"] == (21, 0, 21)
    assert cli.json("orders", "list", "--reference", "SO-3")["items"] == []
    assert ledger_size(cli) == 10  # 5 receipts, an issue, a transfer, an adjustment, 2 shipped

    # An archived product takes no movement; one holding stock cannot be archived.
    assert cli.json("products", "archive", "BOLT")["archived"] is True
    archived = cli.run(
        "stock", "receive", "--sku", "BOLT", "--warehouse", "MAIN",
        "--quantity", "1", "--unit-cost", "1",
    )  # fmt: skip
    assert (archived.returncode, archived.stderr) == (1, "inventory: product 'BOLT' is archived\n")
    in_use = cli.run("products", "archive", "WIDGET")
    assert in_use.returncode == 1
    assert "still has stock" in in_use.stderr

    # People get aligned tables, numbers to the right; archived products are not listed.
    table = cli.ok("products", "list").splitlines()
    assert [line.split()[0] for line in table] == ["SKU", "GADGET", "WIDGET"]
    assert table[0].split() == [
        "SKU", "NAME", "CATEGORY", "UNIT", "REORDER_POINT", "REORDER_QUANTITY", "AVERAGE_COST",
    ]  # fmt: skip
    assert table[2].split() == ["WIDGET", "Widget", "-", "each", "30", "0", "3.5000"]
    assert len({len(line) for line in table[1:]}) == 1  # right-aligned last column

    checked = cli.run("check")
    assert (checked.returncode, checked.stderr) == (0, "")
    assert checked.stdout.startswith("ok")

    # Value = on hand x average: 1 x 10.0002, 2 x 10.0002, 8 x 3.5, 21 x 3.5.
    valuation = json.loads(cli.ok("report", "valuation", "--format", "json"))
    assert valuation["total"] == {"on_hand": 32, "value": "131.5006"}
    assert [tuple(row.values()) for row in valuation["rows"]] == [
        ("GADGET", "EAST", 1, "10.0002", "10.0002"),
        ("GADGET", "MAIN", 2, "10.0002", "20.0004"),
        ("WIDGET", "EAST", 8, "3.5000", "28.0000"),
        ("WIDGET", "MAIN", 21, "3.5000", "73.5000"),
    ]
    main_only = cli.ok("report", "valuation", "--warehouse", "MAIN").splitlines()
    assert main_only == [
        "sku,warehouse,on_hand,average_cost,value",
        "GADGET,MAIN,2,10.0002,20.0004",
        "WIDGET,MAIN,21,3.5000,73.5000",
        ",TOTAL,23,,93.5004",
    ]
    # WIDGET: 21 + 8 = 29 available, at or below its reorder point of 30.
    assert cli.ok("report", "low-stock").splitlines() == [
        "sku,name,available,reorder_point,reorder_quantity",
        "WIDGET,Widget,29,30,0",
    ]


def test_exported_products_import_back_with_update(cli: Cli, tmp_path: Path) -> None:
    loaded = cli.run(
        "import", "products", "-",
        input="sku,name,category,reorder_point\nNUT,Nut,hardware,50\nBOLT,Bolt,hardware,100\n",
    )  # fmt: skip
    assert (loaded.returncode, loaded.stdout, loaded.stderr) == (0, "imported 2 products\n", "")

    exported = cli.ok("export", "products")
    assert exported.splitlines() == [
        "sku,name,description,category,unit,barcode,reorder_point,reorder_quantity",
        "BOLT,Bolt,,hardware,each,,100,0",
        "NUT,Nut,,hardware,each,,50,0",
    ]
    edited = exported.replace("NUT,Nut,", "NUT,Hex nut,")
    (tmp_path / "products.csv").write_text(edited)

    exists = cli.run("import", "products", "products.csv")
    assert exists.returncode == 1
    assert exists.stderr == "inventory: line 2: product 'BOLT' already exists\n"
    assert cli.ok("import", "products", "products.csv", "--update") == "imported 2 products\n"

    nut = cli.json("products", "show", "NUT")
    assert (nut["name"], nut["version"]) == ("Hex nut", 2)
    assert cli.json("products", "show", "BOLT")["version"] == 1  # unchanged row, same version
    assert cli.ok("export", "products") == edited
    full = json.loads(cli.ok("export", "products", "--format", "json"))
    assert [(p["sku"], p["average_cost"], p["archived"]) for p in full] == [
        ("BOLT", "0.0000", False),
        ("NUT", "0.0000", False),
    ]


LEDGER = """\
type,sku,warehouse,from_warehouse,to_warehouse,quantity,counted_quantity,unit_cost,reason,reference,note
receipt,BOLT,MAIN,,,100,,0.2500,,PO-7,
transfer,BOLT,,MAIN,EAST,40,,,,T-1,
issue,BOLT,EAST,,,15,,,,SO-9,
adjustment,BOLT,MAIN,,,,58,,count,,cycle count
"""


def test_a_ledger_imported_in_bulk_exports_line_by_line(cli: Cli, tmp_path: Path) -> None:
    cli.ok("warehouses", "add", "--code", "MAIN", "--name", "Main")
    cli.ok("warehouses", "add", "--code", "EAST", "--name", "East")
    cli.ok("products", "add", "--sku", "BOLT", "--name", "Bolt")
    (tmp_path / "ledger.csv").write_text(LEDGER)

    assert cli.ok("import", "movements", "ledger.csv") == "imported 4 movements\n"

    # MAIN: 100 - 40 = 60, counted 58 (-2); EAST: 40 - 15 = 25.
    assert levels(cli, "BOLT") == {"EAST": (25, 0, 25), "MAIN": (58, 0, 58)}
    exported = cli.ok("export", "movements")
    rows = list(csv.DictReader(io.StringIO(exported)))
    # v1's columns, in v1's order; where stock sits (API.md §11) comes after them.
    assert list(rows[0])[:13] == [
        "id", "type", "sku", "warehouse", "from_warehouse", "to_warehouse", "quantity",
        "unit_cost", "reason", "reference", "note", "created_at", "created_by",
    ]  # fmt: skip
    assert list(rows[0])[13:] == ["location", "from_location", "to_location", "lot"]
    seen = [
        (r["type"], r["warehouse"], r["from_warehouse"], r["to_warehouse"], r["quantity"],
         r["unit_cost"], r["reason"], r["reference"], r["note"], r["created_by"])
        for r in rows
    ]  # fmt: skip
    assert seen == [
        ("receipt", "MAIN", "", "", "100", "0.2500", "", "PO-7", "", "cli"),
        ("transfer", "", "MAIN", "EAST", "40", "", "", "T-1", "", "cli"),
        ("issue", "EAST", "", "", "15", "", "", "SO-9", "", "cli"),
        ("adjustment", "MAIN", "", "", "-2", "", "count", "", "cycle count", "cli"),
    ]

    assert cli.ok("export", "movements", "-o", "out.csv") == "wrote 4 movements to out.csv\n"
    assert (tmp_path / "out.csv").read_text() == exported
    east = json.loads(cli.ok("export", "movements", "--warehouse", "EAST", "--format", "json"))
    assert [m["type"] for m in east] == ["transfer", "issue"]
    assert cli.run("check").returncode == 0


def test_an_import_with_a_bad_third_line_names_it_and_imports_nothing(
    cli: Cli, tmp_path: Path
) -> None:
    (tmp_path / "products.csv").write_text(
        "sku,name,reorder_point\nGOOD-1,Good one,5\nBAD-2,Bad two,-1\nGOOD-3,Good three,0\n"
    )

    refused = cli.run("import", "products", "products.csv")

    assert (refused.returncode, refused.stdout) == (1, "")
    assert refused.stderr == (
        "inventory: line 3 (sku 'BAD-2'): reorder_point: "
        "Input should be greater than or equal to 0\n"
    )
    assert cli.json("products", "list")["items"] == []


def test_an_import_whose_last_row_leaves_a_quote_open_names_that_line_and_imports_nothing(
    cli: Cli, tmp_path: Path
) -> None:
    (tmp_path / "products.csv").write_text('sku,name\nGOOD-1,Good one\nBAD-2,"Bad two\n')

    refused = cli.run("import", "products", "products.csv")

    assert (refused.returncode, refused.stdout) == (1, "")
    assert refused.stderr == (
        "inventory: line 3: a quoted cell is not closed (its closing quote is missing)\n"
    )
    assert cli.json("products", "list")["items"] == []
