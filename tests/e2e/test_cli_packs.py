"""Packs and units on the command line: ``--pack``, ``--unit``, ``--line SKU:QTY:UNIT`` (§16)."""

from __future__ import annotations

import json

import pytest

from inventory.entrypoints.cli.main import main
from tests.e2e.shell import Cli
from tests.e2e.test_cli_conventions import Run, cli, database, inventory

__all__ = ["cli", "database", "inventory"]  # the fixtures this module borrows

pytestmark = pytest.mark.e2e

WATER = ("products", "add", "--sku", "WATER", "--name", "Water", "--unit", "bottle",
         "--pack", "case:12:96385074", "--pack", "pallet:720")  # fmt: skip


@pytest.fixture
def water(inventory: Run) -> Run:
    inventory.ok(*WATER)
    inventory.ok("warehouses", "add", "--code", "MAIN", "--name", "Main")
    return inventory


def test_products_add_takes_packs_and_show_prints_them_as_typed(water: Run) -> None:
    shown = water.ok("products", "show", "WATER")
    as_json = json.loads(water.ok("products", "show", "WATER", "--json"))

    assert "packs             case:12:96385074 pallet:720" in shown.splitlines()
    assert as_json["packs"] == [
        {"unit": "case", "quantity": 12, "barcode": "96385074"},
        {"unit": "pallet", "quantity": 720, "barcode": None},
    ]


def test_products_update_replaces_the_packs_and_clear_removes_them(water: Run) -> None:
    updated = json.loads(water.ok("products", "update", "WATER", "--pack", "tray:6", "--json"))
    cleared = json.loads(water.ok("products", "update", "WATER", "--clear", "packs", "--json"))

    assert updated["packs"] == [{"unit": "tray", "quantity": 6, "barcode": None}]
    assert cleared["packs"] == []


def test_a_faulty_pack_is_named_by_its_option(
    water: Run, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = water("products", "update", "WATER", "--pack", "single:1")
    with pytest.raises(SystemExit) as bad_shape:
        main(["products", "update", "WATER", "--pack", "case"])

    assert status == 2
    assert "--pack single:1 (quantity)" in err
    assert bad_shape.value.code == 2
    assert "expected UNIT:QUANTITY[:BARCODE]" in capsys.readouterr().err


def test_stock_commands_take_a_unit_and_print_what_was_entered(water: Run) -> None:
    receipt = json.loads(
        water.ok("stock", "receive", "--sku", "WATER", "--warehouse", "MAIN", "--quantity", "2",
                 "--unit", "case", "--unit-cost", "0.5", "--json")
    )  # fmt: skip
    issued = water.ok("stock", "issue", "--sku", "WATER", "--warehouse", "MAIN",
                      "--quantity", "1", "--unit", "case")  # fmt: skip
    counted = json.loads(
        water.ok("stock", "adjust", "--sku", "WATER", "--warehouse", "MAIN", "--counted", "1",
                 "--unit", "case", "--reason", "count", "--json")
    )  # fmt: skip

    assert (receipt["quantity"], receipt["entered"]) == (24, {"unit": "case", "quantity": 2})
    assert "entered     1 case" in issued.splitlines()
    assert "quantity    12" in issued.splitlines()
    assert (counted["quantity"], counted["entered"]) == (0, {"unit": "case", "quantity": 1})


def test_a_movement_without_a_unit_prints_no_entry(water: Run) -> None:
    receipt = json.loads(
        water.ok("stock", "receive", "--sku", "WATER", "--warehouse", "MAIN", "--quantity", "5",
                 "--unit-cost", "0.5", "--json")
    )  # fmt: skip

    assert receipt["quantity"] == 5
    assert "entered" not in receipt


def test_an_unknown_unit_exits_2_naming_the_products_units(water: Run) -> None:
    status, out, err = water("stock", "receive", "--sku", "WATER", "--warehouse", "MAIN",
                             "--quantity", "1", "--unit", "crate", "--unit-cost", "1")  # fmt: skip

    assert (status, out) == (2, "")
    assert "'bottle', 'case', 'pallet'" in err
    assert "--unit" in err


def test_order_lines_take_a_unit_each_or_one_for_all(water: Run) -> None:
    water.ok("stock", "receive", "--sku", "WATER", "--warehouse", "MAIN", "--quantity", "1",
             "--unit", "pallet", "--unit-cost", "0.5")  # fmt: skip

    own = json.loads(
        water.ok("orders", "create", "--reference", "SO-1", "--warehouse", "MAIN",
                 "--line", "WATER:2:case", "--json")
    )  # fmt: skip
    shared = json.loads(
        water.ok("orders", "create", "--reference", "SO-2", "--warehouse", "MAIN",
                 "--line", "WATER:3", "--unit", "case", "--json")
    )  # fmt: skip
    shown = water.ok("orders", "show", "SO-1")

    assert [(line["quantity"], line["entered"]) for line in own["lines"]] == [
        (24, {"unit": "case", "quantity": 2})
    ]
    assert shared["lines"][0]["quantity"] == 36
    assert "lines       WATER:2:case" in shown.splitlines()


def test_a_line_in_an_unknown_unit_is_named_by_its_option(water: Run) -> None:
    status, _, err = water("orders", "create", "--reference", "SO-1", "--warehouse", "MAIN",
                           "--line", "WATER:2:crate")  # fmt: skip

    assert status == 2
    assert "--line WATER:2:crate (unit)" in err


def test_scan_names_a_pack_from_a_real_process(cli: Cli) -> None:
    cli.ok(*WATER)

    assert cli.json("scan", "00000096385074") == {
        "kind": "pack", "sku": "WATER", "unit": "case", "quantity": 12,
    }  # fmt: skip
    clash = cli.run("products", "add", "--sku", "GUM", "--name", "Gum", "--barcode", "96385074")
    assert clash.returncode == 1
    assert "already names pack 'case' of product 'WATER'" in clash.stderr
