"""Serial numbers from the command line (API.md §12, §16).

``stock receive|issue|transfer|adjust --serial S`` (repeated), ``orders create
--serial``, ``serials show`` and ``check``. Commands run on a SQLite file; their
``--json`` is compared with what the HTTP API answers over the same file.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_cli_conventions import Run, database, inventory
from tests.e2e.test_cli_lots import Api, api

__all__ = ["api", "database", "inventory"]  # the fixtures this module borrows

pytestmark = pytest.mark.e2e

RECEIVE = ("stock", "receive", "--sku", "DRILL", "--warehouse", "MAIN", "--unit-cost", "80")


def document(inventory: Run, *argv: str) -> Any:
    return json.loads(inventory.ok("--json", *argv))


@pytest.fixture
def drills(inventory: Run) -> Run:
    """MAIN and EAST; DRILL is serial-tracked, with D-1, D-2 and D-3 received at MAIN."""
    for code in ("MAIN", "EAST"):
        inventory.ok("warehouses", "add", "--code", code, "--name", code)
    inventory.ok("products", "add", "--sku", "DRILL", "--name", "Drill", "--tracking", "serial")
    inventory.ok(*RECEIVE, "--quantity", "3", "--serial", "D-1", "--serial", "D-2",
                 "--serial", "D-3")  # fmt: skip
    return inventory


def test_a_receipt_names_each_unit_and_shows_them(drills: Run) -> None:
    shown = drills.ok(*RECEIVE, "--quantity", "2", "--serial", "D-8", "--serial", "D-9")

    lines = shown.splitlines()
    assert "serials     D-8, D-9" in lines
    assert lines[-1].split() == ["DEFAULT", "-", "2", "D-8,", "D-9"]


def test_a_receipt_without_a_serial_per_unit_or_of_a_unit_in_stock_is_refused(
    drills: Run,
) -> None:
    status, out, err = drills(*RECEIVE, "--quantity", "2", "--serial", "D-7")
    again = drills(*RECEIVE, "--quantity", "1", "--serial", "D-2")

    assert (status, out) == (2, "")
    assert "--serial" in err
    assert again == (1, "", "inventory: serial(s) already in stock: D-2\n")


def test_issue_transfer_and_count_take_named_units_or_the_oldest(drills: Run) -> None:
    issued = document(drills, "stock", "issue", "--sku", "DRILL", "--warehouse", "MAIN",
                      "--quantity", "1", "--serial", "D-2")  # fmt: skip
    moved = document(drills, "stock", "transfer", "--sku", "DRILL", "--from", "MAIN",
                     "--to", "EAST", "--quantity", "1")  # fmt: skip
    counted = document(drills, "stock", "adjust", "--sku", "DRILL", "--warehouse", "MAIN",
                       "--counted", "2", "--reason", "found", "--serial", "D-4")  # fmt: skip
    missing = drills("stock", "issue", "--sku", "DRILL", "--warehouse", "MAIN",
                     "--quantity", "1", "--serial", "D-1")  # fmt: skip

    assert (issued["serials"], moved["serials"], counted["serials"]) == (["D-2"], ["D-1"], ["D-4"])
    assert missing[0] == 1
    assert "D-1" in missing[2]


def test_an_order_reserves_the_units_it_names_and_shipping_issues_them(
    drills: Run, api: Api
) -> None:
    order = document(drills, "orders", "create", "--reference", "SO-1", "--warehouse", "MAIN",
                     "--line", "DRILL:1", "--serial", "D-3")  # fmt: skip
    two_lines = drills("orders", "create", "--reference", "SO-2", "--warehouse", "MAIN",
                       "--line", "DRILL:1", "--line", "X:1", "--serial", "D-1")  # fmt: skip

    assert order["lines"][0]["allocations"][0]["serials"] == ["D-3"]
    assert two_lines[0] == 2
    assert "--serial" in two_lines[2]
    drills.ok("orders", "ship", "SO-1")
    unit = document(drills, "serials", "show", "DRILL", "D-3")
    assert (unit["status"], unit["order"]) == ("shipped", order["id"])
    assert [m["type"] for m in unit["movements"]] == ["receipt", "issue"]
    assert unit == api.get("/api/v1/products/DRILL/serials/D-3")


def test_serials_show_prints_the_unit_then_its_movements(drills: Run) -> None:
    drills.ok("stock", "transfer", "--sku", "DRILL", "--from", "MAIN", "--to", "EAST",
              "--quantity", "1", "--serial", "D-2")  # fmt: skip

    lines = drills.ok("serials", "show", "DRILL", "D-2").splitlines()

    assert "status       in_stock" in lines
    assert "warehouse    EAST" in lines
    at = lines.index("Movements")
    assert lines[at + 1].split()[:2] == ["CREATED_AT", "TYPE"]
    assert [line.split()[1:3] for line in lines[at + 2 :]] == [
        ["receipt", "MAIN"], ["transfer", "MAIN->EAST"],
    ]  # fmt: skip
    assert drills("serials", "show", "DRILL", "D-404") == (
        1, "", "inventory: serial 'D-404' of product 'DRILL' not found\n",
    )  # fmt: skip


def test_check_finds_a_unit_tampered_with_in_sql(drills: Run, database: Path) -> None:
    assert drills("check")[0] == 0

    with closing(sqlite3.connect(database)) as conn, conn:
        conn.execute("UPDATE serials SET status = 'issued' WHERE serial = 'D-1'")

    status, out, _ = drills("check")
    assert (status, out) == (1, "serials of DRILL in MAIN at DEFAULT: stored 2, expected 3\n")
