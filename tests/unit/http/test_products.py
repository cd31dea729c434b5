"""Products over HTTP: create, read, list, replace, patch, archive, stock (API.md §2)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.unit.http.driver import Api

MERGE_PATCH = "application/merge-patch+json"
RFC3339_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
FULL = {
    "sku": "BOLT-M8",
    "name": "Hex bolt M8",
    "description": "Zinc plated",
    "category": "fasteners",
    "unit": "box",
    "barcode": "4006381333931",
    "reorder_point": 100,
    "reorder_quantity": 500,
}


def test_a_new_product_is_created_with_location_and_etag(api: Api) -> None:
    reply = api.post("/api/v1/products", FULL)

    assert reply.status == 201
    assert reply.header("Location") == "/api/v1/products/BOLT-M8"
    assert reply.header("ETag") == '"v1"'
    created = reply.json
    assert RFC3339_UTC.fullmatch(created["created_at"])
    assert created == FULL | {
        "average_cost": "0.0000",
        "archived": False,
        "created_at": created["created_at"],
        "updated_at": created["created_at"],
        "version": 1,
        "tracking": "none",
        "shelf_life_days": None,
        "packs": [],
    }
    shown = api.get(reply.header("Location") or "")
    assert (shown.status, shown.json) == (200, reply.json)
    assert shown.header("ETag") == '"v1"'


def test_a_product_takes_the_defaults_for_what_it_omits(api: Api) -> None:
    product = api.given_product("NUT", "Nut")

    assert {k: product[k] for k in ("description", "category", "unit", "barcode")} == {
        "description": "",
        "category": "",
        "unit": "each",
        "barcode": None,
    }
    assert (product["reorder_point"], product["reorder_quantity"]) == (0, 0)


def test_a_duplicate_sku_is_a_conflict(api: Api) -> None:
    api.given_product("BOLT", "First")

    reply = api.post("/api/v1/products", {"sku": "BOLT", "name": "Second"})

    assert reply.status == 409
    assert reply.code == "conflict"
    assert api.ok("GET", "/api/v1/products/BOLT")["name"] == "First"


def test_a_sku_differing_only_in_case_is_a_conflict_naming_the_existing_one(api: Api) -> None:
    api.given_product("BOLT-M8", "First")

    reply = api.post("/api/v1/products", {"sku": "bolt-m8", "name": "Second"})

    assert (reply.status, reply.code) == (409, "conflict")
    assert reply.json["detail"] == (
        "product 'BOLT-M8' already exists; skus are unique ignoring case"
    )
    assert api.get("/api/v1/products/bolt-m8").status == 404
    assert api.ok("GET", "/api/v1/products/BOLT-M8")["name"] == "First"


@pytest.mark.parametrize("sku", ["BOLT-M8", "Bolt-M8"])
def test_re_creating_an_archived_sku_says_it_is_archived(api: Api, sku: str) -> None:
    api.given_product("BOLT-M8", "First")
    api.ok("DELETE", "/api/v1/products/BOLT-M8")

    reply = api.post("/api/v1/products", {"sku": sku, "name": "Second"})

    assert (reply.status, reply.code) == (409, "conflict")
    detail = reply.json["detail"]
    assert detail.startswith("product 'BOLT-M8' already exists and is archived; ")
    assert detail.endswith("an archived product cannot be restored, so use another sku")
    assert ("unique ignoring case" in detail) is (sku != "BOLT-M8")
    assert api.ok("GET", "/api/v1/products/BOLT-M8")["name"] == "First"


def test_an_unknown_product_is_not_found_and_named(api: Api) -> None:
    reply = api.get("/api/v1/products/NOPE")

    assert reply.code == "not_found"
    assert "NOPE" in reply.json["detail"]


def _skus(api: Api, query: str) -> list[str]:
    return [p["sku"] for p in api.ok("GET", f"/api/v1/products?{query}")["items"]]


@pytest.fixture
def catalog(api: Api) -> Api:
    """Four products (one archived), one of them below its reorder point."""
    api.given_warehouse("MAIN")
    api.given_product("B-200", "Washer", category="fasteners")
    api.given_product("A-100", "Hex Bolt", category="fasteners", reorder_point=5)
    api.given_product("C-300", "Bolt cutter", category="tools", reorder_point=2)
    api.given_product("D-400", "Old bolt")
    api.given_receipt("C-300", "MAIN", 10)
    api.ok("DELETE", "/api/v1/products/D-400")
    return api


@pytest.mark.parametrize(
    ("query", "skus"),
    [
        ("", ["A-100", "B-200", "C-300"]),
        ("q=bolt", ["A-100", "C-300"]),
        ("q=BOLT", ["A-100", "C-300"]),
        ("q=b-2", ["B-200"]),
        ("category=fasteners", ["A-100", "B-200"]),
        ("category=Fasteners", []),
        ("archived=true", ["D-400"]),
        ("archived=false", ["A-100", "B-200", "C-300"]),
        ("archived=true&q=bolt", ["D-400"]),
        ("below_reorder=true", ["A-100", "B-200"]),
        ("below_reorder=true&category=fasteners&q=hex", ["A-100"]),
    ],
)
def test_products_are_listed_by_filter(catalog: Api, query: str, skus: list[str]) -> None:
    assert _skus(catalog, query) == skus


@pytest.mark.parametrize(
    ("sort", "skus"),
    [
        ("sku", ["A-100", "B-200", "C-300"]),
        ("-sku", ["C-300", "B-200", "A-100"]),
        ("name", ["C-300", "A-100", "B-200"]),
        ("-name", ["B-200", "A-100", "C-300"]),
        ("created_at", ["B-200", "A-100", "C-300"]),
        ("-created_at", ["C-300", "A-100", "B-200"]),
        ("updated_at", ["B-200", "A-100", "C-300"]),
    ],
)
def test_products_are_sorted_as_asked(catalog: Api, sort: str, skus: list[str]) -> None:
    assert _skus(catalog, f"sort={sort}") == skus


def test_updated_at_order_follows_the_last_change(catalog: Api) -> None:
    catalog.ok("PATCH", "/api/v1/products/A-100", {"unit": "pair"})

    assert _skus(catalog, "sort=-updated_at") == ["A-100", "C-300", "B-200"]


def test_put_replaces_every_field_and_resets_the_omitted_ones(api: Api) -> None:
    api.ok("POST", "/api/v1/products", FULL)

    reply = api.put("/api/v1/products/BOLT-M8", {"name": "Hex bolt M8, zinc"})

    assert reply.status == 200
    assert reply.header("ETag") == '"v2"'
    shown = api.ok("GET", "/api/v1/products/BOLT-M8")
    assert shown == reply.json
    assert shown["name"] == "Hex bolt M8, zinc"
    assert (shown["description"], shown["category"], shown["unit"], shown["barcode"]) == (
        "",
        "",
        "each",
        None,
    )
    assert (shown["reorder_point"], shown["reorder_quantity"], shown["version"]) == (0, 0, 2)
    assert shown["created_at"] < shown["updated_at"]


@pytest.mark.parametrize(
    "body", [{"sku": "OTHER", "name": "x"}, {}, {"name": "x", "average_cost": "9.0000"}]
)
def test_put_refuses_what_is_not_a_mutable_field_set(api: Api, body: dict[str, Any]) -> None:
    api.given_product("BOLT", "Bolt")

    reply = api.put("/api/v1/products/BOLT", body)

    assert reply.code == "validation_error"
    assert api.ok("GET", "/api/v1/products/BOLT")["version"] == 1


def test_put_on_an_unknown_product_is_not_found(api: Api) -> None:
    assert api.put("/api/v1/products/NOPE", {"name": "x"}).code == "not_found"


def test_patch_changes_only_the_fields_it_names(api: Api) -> None:
    api.ok("POST", "/api/v1/products", FULL)

    reply = api.patch("/api/v1/products/BOLT-M8", {"reorder_point": 7}, content_type=MERGE_PATCH)

    assert reply.status == 200
    assert reply.json == api.ok("GET", "/api/v1/products/BOLT-M8")
    assert reply.json["reorder_point"] == 7
    unchanged = {k: v for k, v in FULL.items() if k != "reorder_point"}
    assert {k: reply.json[k] for k in unchanged} == unchanged


def test_patch_with_null_returns_a_field_to_its_default(api: Api) -> None:
    api.ok("POST", "/api/v1/products", FULL)

    shown = api.ok(
        "PATCH", "/api/v1/products/BOLT-M8", {"barcode": None, "unit": None, "reorder_point": None}
    )

    assert (shown["barcode"], shown["unit"], shown["reorder_point"]) == (None, "each", 0)
    assert shown["category"] == "fasteners"


def test_patch_cannot_remove_the_name(api: Api) -> None:
    api.ok("POST", "/api/v1/products", FULL)

    reply = api.patch("/api/v1/products/BOLT-M8", {"name": None}, content_type=MERGE_PATCH)

    assert reply.status == 422
    assert reply.code == "validation_error"
    assert [e["field"] for e in reply.json["errors"]] == ["name"]
    assert api.ok("GET", "/api/v1/products/BOLT-M8")["name"] == "Hex bolt M8"


def test_an_empty_patch_changes_nothing(api: Api) -> None:
    api.given_product("BOLT", "Bolt")

    shown = api.ok("PATCH", "/api/v1/products/BOLT", {})

    assert shown["version"] == 1


def test_delete_archives_a_product_without_stock(api: Api) -> None:
    api.given_product("BOLT", "Bolt")

    reply = api.delete("/api/v1/products/BOLT")

    assert reply.status == 204
    assert reply.body == b""
    shown = api.ok("GET", "/api/v1/products/BOLT")
    assert (shown["archived"], shown["version"]) == (True, 2)
    assert _skus(api, "") == []
    assert _skus(api, "archived=true") == ["BOLT"]


def test_delete_of_a_product_holding_stock_is_a_conflict(stocked: Api) -> None:
    reply = stocked.delete("/api/v1/products/BOLT")

    assert reply.status == 409
    assert reply.code == "conflict"
    assert stocked.ok("GET", "/api/v1/products/BOLT")["archived"] is False


def test_an_archived_product_takes_no_movement(api: Api) -> None:
    api.given_warehouse("MAIN")
    api.given_product("BOLT", "Bolt")
    api.ok("DELETE", "/api/v1/products/BOLT")
    body = {"type": "receipt", "sku": "BOLT", "warehouse": "MAIN", "quantity": 1, "unit_cost": "1"}

    reply = api.post("/api/v1/movements", body, key=api.clerk)

    assert reply.code == "conflict"
    assert api.movement_count() == 0


def test_a_products_stock_shows_totals_and_each_warehouse(stocked: Api) -> None:
    stocked.given_warehouse("EAST")
    transfer = {
        "type": "transfer",
        "sku": "BOLT",
        "from_warehouse": "MAIN",
        "to_warehouse": "EAST",
        "quantity": 4,
    }
    stocked.ok("POST", "/api/v1/movements", transfer, key=stocked.clerk)
    order = {"reference": "SO-1", "warehouse": "EAST", "lines": [{"sku": "BOLT", "quantity": 3}]}
    stocked.ok("POST", "/api/v1/orders", order, key=stocked.clerk)

    reply = stocked.get("/api/v1/products/BOLT/stock", key=stocked.viewer)

    assert reply.status == 200
    assert reply.header("ETag")
    assert reply.json["sku"] == "BOLT"
    assert reply.json["totals"] == {"on_hand": 10, "reserved": 3, "available": 7}
    by_warehouse = sorted(reply.json["warehouses"], key=lambda level: level["warehouse"])
    assert by_warehouse == [
        {"warehouse": "EAST", "on_hand": 4, "reserved": 3, "available": 1},
        {"warehouse": "MAIN", "on_hand": 6, "reserved": 0, "available": 6},
    ]


def test_a_product_without_stock_shows_zero_totals(api: Api) -> None:
    api.given_product("BOLT", "Bolt")

    shown = api.ok("GET", "/api/v1/products/BOLT/stock")

    assert shown == {
        "sku": "BOLT",
        "totals": {"on_hand": 0, "reserved": 0, "available": 0},
        "warehouses": [],
    }


def test_the_stock_of_an_unknown_product_is_not_found(api: Api) -> None:
    assert api.get("/api/v1/products/NOPE/stock").code == "not_found"


def test_a_receipt_sets_the_average_cost(stocked: Api) -> None:
    stocked.given_receipt("BOLT", "MAIN", 30, "2.00")

    assert stocked.ok("GET", "/api/v1/products/BOLT")["average_cost"] == "1.7500"
