"""Locations over HTTP: add, read, list, patch and archive (API.md §11)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.http.driver import Api

LOCATIONS = "/api/v1/warehouses/MAIN/locations"


@pytest.fixture
def main(api: Api) -> Api:
    api.given_warehouse("MAIN")
    return api


def test_a_new_warehouse_has_its_default_location(main: Api) -> None:
    shown = main.ok("GET", f"{LOCATIONS}/DEFAULT")

    assert set(shown) == {
        "warehouse", "code", "name", "parent", "kind", "pickable", "barcode", "archived",
        "created_at",
    }  # fmt: skip
    assert (shown["warehouse"], shown["code"], shown["archived"]) == ("MAIN", "DEFAULT", False)
    assert shown["pickable"] is True


def test_a_warehouse_may_name_its_default_location(api: Api) -> None:
    body = {"code": "EAST", "name": "East", "default_location": "RECV"}
    assert api.post("/api/v1/warehouses", body).status == 201

    codes = [loc["code"] for loc in api.all_pages("/api/v1/warehouses/EAST/locations")]
    assert codes == ["RECV"]
    reply = api.delete("/api/v1/warehouses/EAST/locations/RECV")
    assert (reply.status, reply.code) == (409, "conflict")


def test_a_location_is_added_and_shown(main: Api) -> None:
    body = {"code": "A-01", "name": "Aisle 1", "kind": "aisle", "barcode": "LOC-A01"}
    reply = main.post(LOCATIONS, body)

    assert reply.status == 201
    assert reply.header("Location") == f"{LOCATIONS}/A-01"
    assert reply.json["kind"] == "aisle"
    assert reply.json["parent"] is None
    assert main.ok("GET", f"{LOCATIONS}/A-01", key=main.viewer) == reply.json


def test_codes_are_unique_in_a_warehouse_ignoring_case(main: Api) -> None:
    main.ok("POST", LOCATIONS, {"code": "A-01"})

    reply = main.post(LOCATIONS, {"code": "a-01"})

    assert (reply.status, reply.code) == (409, "conflict")
    assert "'A-01'" in reply.json["detail"]
    main.given_warehouse("WEST")
    assert main.post("/api/v1/warehouses/WEST/locations", {"code": "a-01"}).status == 201


def test_a_barcode_names_one_location(main: Api) -> None:
    main.ok("POST", LOCATIONS, {"code": "A", "barcode": "X1"})

    assert main.post(LOCATIONS, {"code": "B", "barcode": "X1"}).status == 409
    main.ok("POST", LOCATIONS, {"code": "B"})
    assert main.patch(f"{LOCATIONS}/B", {"barcode": "X1"}).status == 409
    assert main.ok("PATCH", f"{LOCATIONS}/A", {"barcode": "X1"})["barcode"] == "X1"


def test_unknown_warehouse_or_parent_is_not_found(main: Api) -> None:
    assert main.post("/api/v1/warehouses/NOPE/locations", {"code": "A"}).status == 404
    assert main.get("/api/v1/warehouses/NOPE/locations").status == 404
    assert main.get(f"{LOCATIONS}/NOPE").status == 404
    reply = main.post(LOCATIONS, {"code": "A", "parent": "NOPE"})
    assert (reply.status, reply.code) == (404, "not_found")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "has space"}, "code"),
        ({"code": "A", "kind": "room"}, "kind"),
        ({"code": "A", "pickable": "yes"}, "pickable"),
        ({"code": "A", "parent": "a b"}, "parent"),
        ({"code": "A", "floor": 2}, "floor"),
    ],
)
def test_an_invalid_location_is_refused_naming_the_field(
    main: Api, body: dict[str, Any], field: str
) -> None:
    reply = main.post(LOCATIONS, body)

    assert (reply.status, reply.code) == (422, "validation_error")
    assert field in reply.fields


def test_only_an_admin_adds_a_location(main: Api) -> None:
    assert main.post(LOCATIONS, {"code": "A"}, key=main.clerk).status == 403


def test_a_patch_that_makes_a_cycle_is_a_conflict(main: Api) -> None:
    main.ok("POST", LOCATIONS, {"code": "Z", "kind": "zone"})
    main.ok("POST", LOCATIONS, {"code": "S", "kind": "shelf", "parent": "Z"})
    main.ok("POST", LOCATIONS, {"code": "B", "parent": "S"})

    reply = main.patch(f"{LOCATIONS}/Z", {"parent": "B"})

    assert (reply.status, reply.code) == (409, "conflict")
    assert main.ok("GET", f"{LOCATIONS}/Z")["parent"] is None


def test_a_merge_patch_changes_only_what_it_names(main: Api) -> None:
    main.ok("POST", LOCATIONS, {"code": "Z", "kind": "zone"})
    main.ok("POST", LOCATIONS, {"code": "B", "name": "Bin", "barcode": "B1", "parent": "Z"})

    patched = main.ok(
        "PATCH",
        f"{LOCATIONS}/B",
        {"pickable": False, "barcode": None, "parent": None},
        content_type="application/merge-patch+json",
    )

    assert (patched["name"], patched["pickable"]) == ("Bin", False)
    assert (patched["barcode"], patched["parent"]) == (None, None)
    assert main.ok("GET", f"{LOCATIONS}/B") == patched


def test_the_list_filters_and_pages_by_code(main: Api) -> None:
    main.ok("POST", LOCATIONS, {"code": "Z", "kind": "zone", "pickable": False})
    for code in ("A-2", "A-1", "B-1"):
        main.ok("POST", LOCATIONS, {"code": code, "parent": "Z"})

    def codes(query: str) -> list[str]:
        return [loc["code"] for loc in main.all_pages(f"{LOCATIONS}?limit=1&{query}")]

    assert codes("") == ["A-1", "A-2", "B-1", "DEFAULT", "Z"]
    assert codes("q=a-") == ["A-1", "A-2"]
    assert codes("parent=Z") == ["A-1", "A-2", "B-1"]
    assert codes("kind=zone") == ["Z"]
    assert codes("pickable=false") == ["Z"]
    assert codes("sort=-code&q=a") == ["A-2", "A-1"]


def test_archiving_refuses_the_default_and_a_location_with_open_children(main: Api) -> None:
    main.ok("POST", LOCATIONS, {"code": "Z", "kind": "zone"})
    main.ok("POST", LOCATIONS, {"code": "B", "parent": "Z"})

    assert main.delete(f"{LOCATIONS}/DEFAULT").status == 409
    assert main.delete(f"{LOCATIONS}/Z").status == 409
    assert main.delete(f"{LOCATIONS}/B").status == 204
    assert main.delete(f"{LOCATIONS}/Z").status == 204
    assert main.ok("GET", f"{LOCATIONS}/Z")["archived"] is True
    assert main.delete(f"{LOCATIONS}/Z").status == 204
    reply = main.post(LOCATIONS, {"code": "C", "parent": "Z"})
    assert (reply.status, reply.code) == (409, "conflict")
