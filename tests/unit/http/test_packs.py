"""Units and packs over HTTP: packs on products, quantities with a unit, pack scans (API.md §13)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.http.driver import Api

MOVEMENTS = "/api/v1/movements"
CASE = {"unit": "case", "quantity": 12, "barcode": "96385074"}
PALLET = {"unit": "pallet", "quantity": 720}


@pytest.fixture
def water(api: Api) -> Api:
    """WATER in bottles, cases of 12 and pallets of 720; warehouse MAIN, empty."""
    api.given_warehouse("MAIN")
    api.given_product("WATER", unit="bottle", packs=[CASE, PALLET])
    return api


def _receipt(quantity: int, unit: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "receipt", "sku": "WATER", "warehouse": "MAIN", "quantity": quantity,
        "unit_cost": "0.50",
    }  # fmt: skip
    if unit is not None:
        body["unit"] = unit
    return body


def test_a_product_shows_its_packs_and_a_barcode_only_where_there_is_one(water: Api) -> None:
    product = water.ok("GET", "/api/v1/products/WATER")
    listed = water.ok("GET", "/api/v1/products")["items"]

    assert product["unit"] == "bottle"
    assert product["packs"] == [CASE, PALLET | {"barcode": None}]
    assert listed[0]["packs"] == product["packs"]


def test_a_product_created_without_packs_has_an_empty_list(api: Api) -> None:
    assert api.given_product("BOLT")["packs"] == []


def test_a_patch_replaces_the_packs_and_bumps_the_version_and_etag(water: Api) -> None:
    before = water.get("/api/v1/products/WATER")

    reply = water.patch(
        "/api/v1/products/WATER",
        {"packs": [{"unit": "tray", "quantity": 6}]},
        content_type="application/merge-patch+json",
    )

    assert reply.status == 200, reply.body
    assert reply.json["packs"] == [{"unit": "tray", "quantity": 6, "barcode": None}]
    assert reply.json["version"] == 2
    assert reply.header("ETag") != before.header("ETag")
    assert water.ok("GET", "/api/v1/products/WATER")["packs"] == reply.json["packs"]


@pytest.mark.parametrize(
    ("packs", "fields"),
    [
        ([{"unit": "single", "quantity": 1}], ["packs.0.quantity"]),
        ([{"unit": "case", "quantity": "12"}], ["packs.0.quantity"]),
        ([{"unit": "case", "quantity": 12, "colour": "red"}], ["packs.0.colour"]),
        ([{"unit": "case", "quantity": 6}, {"unit": "CASE", "quantity": 12}], ["packs.1.unit"]),
        ([{"unit": "Bottle", "quantity": 6}], ["packs.0.unit"]),
    ],
)
def test_faulty_packs_are_a_422_naming_each(api: Api, packs: Any, fields: list[str]) -> None:
    reply = api.post(
        "/api/v1/products", {"sku": "W", "name": "W", "unit": "bottle", "packs": packs}
    )

    assert reply.status == 422, reply.body
    assert reply.fields == fields


def test_a_receipt_in_cases_answers_base_units_and_what_was_entered(water: Api) -> None:
    reply = water.post(MOVEMENTS, _receipt(3, "case"), key=water.clerk)

    assert reply.status == 201, reply.body
    assert (reply.json["quantity"], reply.json["entered"]) == (36, {"unit": "case", "quantity": 3})
    assert water.ok("GET", f"{MOVEMENTS}/{reply.json['id']}")["entered"] == reply.json["entered"]
    assert water.stock_of("WATER")["totals"]["on_hand"] == 36


def test_a_movement_without_a_unit_answers_as_v1_did(water: Api) -> None:
    reply = water.post(MOVEMENTS, _receipt(5), key=water.clerk)

    assert reply.status == 201, reply.body
    assert "entered" not in reply.json
    assert "entered" not in water.ok("GET", MOVEMENTS)["items"][0]


def test_an_adjustment_shows_the_count_as_entered(water: Api) -> None:
    water.ok("POST", MOVEMENTS, _receipt(50), key=water.clerk)

    counted = water.ok(
        "POST",
        MOVEMENTS,
        {"type": "adjustment", "sku": "WATER", "warehouse": "MAIN", "counted_quantity": 4,
         "unit": "case", "reason": "count"},
        key=water.clerk,
    )  # fmt: skip

    assert (counted["quantity"], counted["entered"]) == (-2, {"unit": "case", "quantity": 4})


def test_an_unknown_unit_is_a_422_naming_the_products_units(water: Api) -> None:
    reply = water.post(MOVEMENTS, _receipt(1, "crate"), key=water.clerk)

    assert reply.status == 422
    assert reply.code == "validation_error"
    assert reply.fields == ["unit"]
    assert "'bottle', 'case', 'pallet'" in reply.json["detail"]
    assert water.movement_count() == 0


def test_a_quantity_past_the_limit_once_converted_is_a_422(water: Api) -> None:
    reply = water.post(MOVEMENTS, _receipt(10**12, "case"), key=water.clerk)

    assert reply.status == 422
    assert reply.fields == ["quantity"]
    assert water.movement_count() == 0


def test_an_order_line_in_cases_reserves_and_shows_both(water: Api) -> None:
    water.ok("POST", MOVEMENTS, _receipt(1, "pallet"), key=water.clerk)
    water.given_product("SODA")
    water.given_receipt("SODA", "MAIN", 5)

    order = water.ok(
        "POST",
        "/api/v1/orders",
        {"reference": "SO-1", "warehouse": "MAIN",
         "lines": [{"sku": "WATER", "quantity": 2, "unit": "case"},
                   {"sku": "SODA", "quantity": 1}]},
        key=water.clerk,
    )  # fmt: skip

    water_line, soda_line = order["lines"]
    assert (water_line["quantity"], water_line["entered"]) == (24, {"unit": "case", "quantity": 2})
    assert "entered" not in soda_line
    assert water.ok("GET", f"/api/v1/orders/{order['id']}")["lines"] == order["lines"]
    assert water.stock_of("WATER")["totals"]["reserved"] == 24


def test_an_order_line_in_an_unknown_unit_is_a_422_on_that_line(water: Api) -> None:
    reply = water.post(
        "/api/v1/orders",
        {"reference": "SO-1", "warehouse": "MAIN",
         "lines": [{"sku": "WATER", "quantity": 2, "unit": "crate"}]},
        key=water.clerk,
    )  # fmt: skip

    assert reply.status == 422
    assert reply.fields == ["lines.0.unit"]


def test_a_barcode_another_product_or_pack_holds_is_a_409(water: Api) -> None:
    as_product = water.post(
        "/api/v1/products", {"sku": "GUM", "name": "Gum", "barcode": "96385074"}
    )
    as_pack = water.post(
        "/api/v1/products",
        {"sku": "GUM", "name": "Gum", "packs": [{"unit": "box", "quantity": 20,
                                                  "barcode": "00000096385074"}]},
    )  # fmt: skip
    as_location = water.post(
        "/api/v1/warehouses/MAIN/locations", {"code": "B-1", "barcode": "96385074"}
    )

    assert [r.status for r in (as_product, as_pack, as_location)] == [409, 409, 409]
    assert {r.code for r in (as_product, as_pack, as_location)} == {"conflict"}
    assert "pack 'case' of product 'WATER'" in as_product.json["detail"]


def test_a_packs_barcode_scans_as_the_pack(water: Api) -> None:
    by_barcode = water.ok("GET", "/api/v1/scan/96385074", key=water.viewer)
    by_gs1 = water.ok("GET", "/api/v1/scan/(01)00000096385074(37)3", key=water.viewer)

    assert by_barcode == {"kind": "pack", "sku": "WATER", "unit": "case", "quantity": 12}
    assert by_gs1 == {"kind": "pack", "sku": "WATER", "unit": "case", "quantity": 36}


def test_the_openapi_document_describes_packs_and_units(api: Api) -> None:
    schemas = api.ok("GET", "/openapi.json")["components"]["schemas"]

    def properties(name: str) -> set[str]:
        return set(schemas[name]["properties"])

    assert {"unit", "quantity", "barcode"} <= properties("PackIn")
    assert "packs" in properties("CreateProduct")
    assert "packs" in properties("PatchProduct")
    assert "packs" in properties("ProductView")
    assert "unit" in properties("ReceiveStock")
    assert "unit" in properties("OrderLineIn")
    assert "entered" in properties("MovementView")
    assert "entered" in properties("OrderLineView")
