"""``inventory scan CODE``: the scan answer printed like a ``show`` command (API.md §16)."""

from __future__ import annotations

import json

import pytest

from tests.e2e.test_cli_conventions import Run, database, inventory

__all__ = ["database", "inventory"]  # the fixtures this module borrows

pytestmark = pytest.mark.e2e


def test_scan_prints_what_a_code_names_as_fields_or_json(inventory: Run) -> None:
    inventory.ok("products", "add", "--sku", "WATER", "--name", "Water", "--unit", "bottle",
                 "--barcode", "6291041500213")  # fmt: skip
    code = "(01)06291041500213(17)270600(10)NEW-LOT"

    assert inventory.ok("scan", code).splitlines() == [
        "kind        lot",
        "sku         WATER",
        "unit        bottle",
        "quantity    1",
        "lot         NEW-LOT",
        "expires_on  2027-06-30",
    ]
    assert json.loads(inventory.ok("scan", "06291041500213", "--json")) == {
        "kind": "product", "sku": "WATER", "unit": "bottle", "quantity": 1,
    }  # fmt: skip


def test_a_bad_check_digit_exits_2_naming_the_code(inventory: Run) -> None:
    status, out, err = inventory("scan", "(01)06291041500214")

    assert (status, out) == (2, "")
    assert err.splitlines() == [
        "inventory: GTIN '06291041500214': check digit is 4, should be 3",
        "  CODE: GTIN '06291041500214': check digit is 4, should be 3",
    ]


def test_an_unknown_code_exits_1(inventory: Run) -> None:
    assert inventory("scan", "NOPE") == (
        1,
        "",
        "inventory: no product or location has the barcode scanned as 'NOPE'\n",
    )
