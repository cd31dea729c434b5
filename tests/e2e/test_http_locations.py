"""Locations over a real server, on every storage backend (API.md §11)."""

from __future__ import annotations

import pytest

from tests.e2e.http_server import Client, unique

pytestmark = pytest.mark.e2e


def test_locations_add_list_show_patch_and_archive(admin: Client) -> None:
    code = unique("WH")
    admin.ok(
        "POST", "/api/v1/warehouses", {"code": code, "name": "North", "default_location": "IN"}
    )
    base = f"/api/v1/warehouses/{code}/locations"

    zone = admin.post(base, {"code": "Z", "kind": "zone", "pickable": False})
    assert (zone.status, zone.header("Location")) == (201, f"{base}/Z")
    bin_ = admin.ok("POST", base, {"code": "B-1", "parent": "Z", "barcode": unique("LOC")})
    assert admin.post(base, {"code": "b-1"}).status == 409
    assert admin.post(base, {"code": "C", "parent": "NOPE"}).status == 404
    assert admin.post(base, {"code": "C", "kind": "room"}).status == 422

    assert admin.ok("GET", f"{base}/B-1") == bin_
    listed = admin.ok("GET", f"{base}?limit=2")
    assert [loc["code"] for loc in listed["items"]] == ["B-1", "IN"]
    rest = admin.ok("GET", f"{base}?limit=2&cursor={listed['next_cursor']}")
    assert [loc["code"] for loc in rest["items"]] == ["Z"]
    assert [loc["code"] for loc in admin.ok("GET", f"{base}?parent=Z")["items"]] == ["B-1"]
    assert [loc["code"] for loc in admin.ok("GET", f"{base}?pickable=false")["items"]] == ["Z"]

    cycle = admin.request("PATCH", f"{base}/Z", {"parent": "B-1"})
    assert cycle.status == 409
    patched = admin.ok("PATCH", f"{base}/B-1", {"name": "Bin one", "parent": None})
    assert (patched["name"], patched["parent"]) == ("Bin one", None)

    assert admin.request("DELETE", f"{base}/IN").status == 409
    assert admin.request("DELETE", f"{base}/Z").status == 204
    assert admin.ok("GET", f"{base}/Z")["archived"] is True
