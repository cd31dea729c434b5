"""``GET /api/v1/scan/{code}`` over real HTTP: what a scanner read, as it arrives in a path."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from inventory.domain.gs1 import GS
from tests.e2e.http_server import Client, Server

pytestmark = pytest.mark.e2e

WATER = "6291041500213"  # a GTIN-13, stored as printed
DRILL = "09506000134352"  # a GTIN-14


@pytest.fixture(scope="module")
def viewer(server: Server, admin: Client) -> Client:
    for sku, barcode, unit in [("WATER", WATER, "bottle"), ("DRILL", DRILL, "each"),
                               ("BIN-BOX", "BOX/7(A)", "box")]:  # fmt: skip
        admin.ok("POST", "/api/v1/products", {"sku": sku, "name": sku, "unit": unit,
                                              "barcode": barcode})  # fmt: skip
    return server.client(server.key("viewer", "scanner"))


def scanned(code: str) -> str:
    return "/api/v1/scan/" + quote(code, safe="")


def test_a_bracketed_element_string_answers_what_it_carries(viewer: Client) -> None:
    code = f"(01){DRILL}(10)ABC123(17)261231(21)X1"

    for path in (scanned(code), f"/api/v1/scan/{code}"):  # parentheses encoded or not
        reply = viewer.get(path)
        assert reply.status == 200, reply.body
        assert reply.header("Content-Type") == "application/json"
        assert reply.json == {
            "kind": "serial",
            "sku": "DRILL",
            "unit": "each",
            "quantity": 1,
            "lot": "ABC123",
            "expires_on": "2026-12-31",
            "serial": "X1",
        }


def test_raw_data_with_fnc1_percent_encoded_reads_the_same(viewer: Client) -> None:
    code = f"]C101{DRILL}10LOT/2{GS}30012"
    path = scanned(code)
    assert "%1D" in path
    assert "%2F" in path

    assert viewer.ok("GET", path) == {"kind": "lot", "sku": "DRILL", "unit": "each",
                                      "quantity": 12, "lot": "LOT/2"}  # fmt: skip


def test_a_gtin_13_stored_is_found_by_its_gtin_14(viewer: Client) -> None:
    expected = {"kind": "product", "sku": "WATER", "unit": "bottle", "quantity": 1}

    assert viewer.ok("GET", scanned("0" + WATER)) == expected
    assert viewer.ok("GET", scanned(f"(01)0{WATER}")) == expected
    assert viewer.ok("GET", scanned(WATER)) == expected


@pytest.mark.parametrize("path", ["/api/v1/scan/BOX/7(A)", "/api/v1/scan/BOX%2F7%28A%29"])
def test_a_plain_barcode_with_a_slash_and_parentheses(viewer: Client, path: str) -> None:
    assert viewer.ok("GET", path) == {"kind": "product", "sku": "BIN-BOX", "unit": "box",
                                      "quantity": 1}  # fmt: skip


def test_a_wrong_check_digit_is_422_naming_the_code(viewer: Client) -> None:
    reply = viewer.get(scanned("(01)06291041500214(10)A"))

    assert reply.status == 422, reply.body
    assert reply.header("Content-Type") == "application/problem+json"
    assert [error["field"] for error in reply.json["errors"]] == ["code"]
    assert "check digit" in reply.json["errors"][0]["message"]


@pytest.mark.parametrize("code", ["NO-SUCH-CODE", "6291041500214", "(01)00000096385074"])
def test_an_unknown_code_is_404(viewer: Client, code: str) -> None:
    reply = viewer.get(scanned(code))

    assert reply.status == 404, reply.body
    assert reply.json["code"] == "not_found"


def test_scanning_needs_a_key(server: Server) -> None:
    assert server.client().get(scanned(WATER), key="").status == 401


def test_a_location_is_named_by_its_barcode(viewer: Client, admin: Client) -> None:
    admin.ok("POST", "/api/v1/warehouses", {"code": "SCAN-WH", "name": "Scanned"})
    admin.ok("POST", "/api/v1/warehouses/SCAN-WH/locations", {"code": "A-01", "barcode": "L/01"})

    assert viewer.ok("GET", scanned("L/01")) == {
        "kind": "location",
        "warehouse": "SCAN-WH",
        "location": "A-01",
    }


def test_a_packs_gtin_scans_as_the_pack_and_a_clashing_barcode_is_refused(
    admin: Client, viewer: Client
) -> None:
    created = admin.post("/api/v1/products", {
        "sku": "GUM", "name": "Gum", "unit": "stick",
        "packs": [{"unit": "box", "quantity": 20, "barcode": "96385074"}],
    })  # fmt: skip
    clash = admin.post("/api/v1/products", {"sku": "MINT", "name": "Mint",
                                            "barcode": "00000096385074"})  # fmt: skip

    assert created.status == 201, created.body
    assert viewer.ok("GET", scanned("(01)00000096385074(37)2")) == {
        "kind": "pack", "sku": "GUM", "unit": "box", "quantity": 40,
    }  # fmt: skip
    assert (clash.status, clash.json["code"]) == (409, "conflict")
