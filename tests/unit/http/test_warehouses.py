"""Warehouses over HTTP: create, read, list, and the stock each holds (API.md §3)."""

from __future__ import annotations

import pytest

from tests.unit.http.driver import Api


def test_a_new_warehouse_is_created_with_its_location(api: Api) -> None:
    reply = api.post("/api/v1/warehouses", {"code": "MAIN", "name": "Main hall"})

    assert reply.status == 201
    assert reply.header("Location") == "/api/v1/warehouses/MAIN"
    assert set(reply.json) == {"code", "name", "created_at"}
    assert (reply.json["code"], reply.json["name"]) == ("MAIN", "Main hall")
    assert reply.json["created_at"].endswith("Z")
    shown = api.get("/api/v1/warehouses/MAIN", key=api.viewer)
    assert (shown.status, shown.json) == (200, reply.json)
    assert shown.header("ETag")


def test_a_duplicate_warehouse_is_a_conflict(api: Api) -> None:
    api.given_warehouse("MAIN", "First")

    reply = api.post("/api/v1/warehouses", {"code": "MAIN", "name": "Second"})

    assert reply.status == 409
    assert reply.code == "conflict"
    assert api.ok("GET", "/api/v1/warehouses/MAIN")["name"] == "First"


def test_a_code_differing_only_in_case_is_a_conflict_naming_the_existing_one(api: Api) -> None:
    api.given_warehouse("MAIN", "First")

    reply = api.post("/api/v1/warehouses", {"code": "main", "name": "Second"})

    assert (reply.status, reply.code) == (409, "conflict")
    assert reply.json["detail"] == (
        "warehouse 'MAIN' already exists; warehouse codes are unique ignoring case"
    )
    assert api.get("/api/v1/warehouses/main").status == 404
    assert api.ok("GET", "/api/v1/warehouses/MAIN")["name"] == "First"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "has space", "name": "x"}, "code"),
        ({"code": "A" * 65, "name": "x"}, "code"),
        ({"code": "MAIN"}, "name"),
        ({"code": "MAIN", "name": ""}, "name"),
        ({"code": "MAIN", "name": "x", "city": "Leeds"}, "city"),
    ],
)
def test_an_invalid_warehouse_is_refused_naming_the_field(
    api: Api, body: dict[str, str], field: str
) -> None:
    reply = api.post("/api/v1/warehouses", body)

    assert reply.code == "validation_error"
    assert reply.fields == [field]
    assert api.ok("GET", "/api/v1/warehouses")["items"] == []


def test_an_unknown_warehouse_is_not_found_and_named(api: Api) -> None:
    reply = api.get("/api/v1/warehouses/EAST")

    assert reply.code == "not_found"
    assert "EAST" in reply.json["detail"]


def test_warehouses_are_listed_by_code(api: Api) -> None:
    for code in ("WEST", "EAST", "MAIN"):
        api.given_warehouse(code)

    listed = api.ok("GET", "/api/v1/warehouses", key=api.viewer)

    assert [w["code"] for w in listed["items"]] == ["EAST", "MAIN", "WEST"]
    assert listed["next_cursor"] is None
    descending = api.ok("GET", "/api/v1/warehouses?sort=-code")["items"]
    assert [w["code"] for w in descending] == ["WEST", "MAIN", "EAST"]


def test_a_warehouse_lists_its_stock_levels_by_sku_a_page_at_a_time(api: Api) -> None:
    api.given_warehouse("MAIN")
    api.given_warehouse("EAST")
    for sku, quantity in (("C", 3), ("A", 1), ("B", 2)):
        api.given_product(sku)
        api.given_receipt(sku, "MAIN", quantity)
    api.given_receipt("A", "EAST", 9)

    first = api.get("/api/v1/warehouses/MAIN/stock?limit=2", key=api.viewer)

    assert first.status == 200
    assert first.json["items"] == [
        {"sku": "A", "on_hand": 1, "reserved": 0, "available": 1},
        {"sku": "B", "on_hand": 2, "reserved": 0, "available": 2},
    ]
    assert first.json["next_cursor"]
    rest = api.ok("GET", first.next_link or "")
    assert rest == {
        "items": [{"sku": "C", "on_hand": 3, "reserved": 0, "available": 3}],
        "next_cursor": None,
    }


def test_the_stock_of_an_unknown_warehouse_is_not_found(api: Api) -> None:
    assert api.get("/api/v1/warehouses/NOPE/stock").code == "not_found"


def test_a_warehouse_stock_sorts_only_by_sku(stocked: Api) -> None:
    assert stocked.get("/api/v1/warehouses/MAIN/stock?sort=on_hand").code == "bad_request"
    assert [
        lv["sku"] for lv in stocked.ok("GET", "/api/v1/warehouses/MAIN/stock?sort=-sku")["items"]
    ] == ["BOLT"]
