"""Serial numbers over HTTP: receipts name each unit, issues, transfers, counts and orders
take named or oldest units, and a unit's whereabouts and history (API.md §12)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.http.driver import Api

MOVEMENTS = "/api/v1/movements"
ORDERS = "/api/v1/orders"
DRILL = "/api/v1/products/DRILL/serials"


@pytest.fixture
def shop(api: Api) -> Api:
    """DRILL is serial-tracked; MAIN has a bin B-1 besides its default location."""
    api.given_warehouse("MAIN")
    api.given_warehouse("EAST")
    api.given_product("DRILL", tracking="serial")
    api.ok("POST", "/api/v1/warehouses/MAIN/locations", {"code": "B-1"})
    return api


def _receive(api: Api, *serials: str, **fields: Any) -> Any:
    body = {"type": "receipt", "sku": "DRILL", "warehouse": "MAIN", "quantity": len(serials),
            "unit_cost": "80.00", "serials": list(serials), **fields}  # fmt: skip
    return api.post(MOVEMENTS, body, key=api.clerk)


def _move(api: Api, **body: Any) -> Any:
    return api.post(MOVEMENTS, {"sku": "DRILL", **body}, key=api.clerk)


def _unit(api: Api, serial: str) -> Any:
    return api.ok("GET", f"{DRILL}/{serial}", key=api.viewer)


def test_a_receipt_books_each_serial_and_the_answer_names_them(shop: Api) -> None:
    reply = _receive(shop, "S-1", "S-2")

    assert reply.status == 201, reply.body
    assert reply.json["serials"] == ["S-1", "S-2"]
    assert reply.json["allocations"] == [
        {"location": "DEFAULT", "to_location": None, "lot": None, "quantity": 2,
         "serials": ["S-1", "S-2"]},
    ]  # fmt: skip
    unit = _unit(shop, "S-2")
    assert {k: unit[k] for k in ("sku", "serial", "status", "warehouse", "location", "order")} == {
        "sku": "DRILL", "serial": "S-2", "status": "in_stock", "warehouse": "MAIN",
        "location": "DEFAULT", "order": None,
    }  # fmt: skip
    assert [m["id"] for m in unit["movements"]] == [reply.json["id"]]


@pytest.mark.parametrize(
    ("serials", "quantity"), [([], 1), (["S-1"], 2), (["S-1", "S-1"], 2), (None, 1)]
)
def test_a_receipt_without_one_different_serial_per_unit_is_refused(
    shop: Api, serials: list[str] | None, quantity: int
) -> None:
    body: dict[str, Any] = {"type": "receipt", "warehouse": "MAIN", "quantity": quantity,
                            "unit_cost": "1"}  # fmt: skip
    if serials is not None:
        body["serials"] = serials

    reply = _move(shop, **body)

    assert reply.status == 422, reply.body
    assert shop.movement_count() == 0


def test_a_serial_in_stock_cannot_be_received_again_but_one_gone_can(shop: Api) -> None:
    _receive(shop, "S-1", "S-2")

    again = _receive(shop, "S-2", "S-3")

    assert again.status == 409
    assert again.code == "conflict"
    assert "S-2" in again.json["detail"]
    _move(shop, type="issue", warehouse="MAIN", quantity=1, serials=["S-2"])
    assert _receive(shop, "S-2").status == 201
    assert _unit(shop, "S-2")["status"] == "in_stock"


def test_an_issue_takes_the_oldest_units_unless_it_names_them(shop: Api) -> None:
    _receive(shop, "S-1", "S-2")
    _receive(shop, "S-0")

    oldest = _move(shop, type="issue", warehouse="MAIN", quantity=1)
    named = _move(shop, type="issue", warehouse="MAIN", quantity=1, serials=["S-0"])

    assert (oldest.json["serials"], named.json["serials"]) == (["S-1"], ["S-0"])
    assert [_unit(shop, s)["status"] for s in ("S-0", "S-1", "S-2")] == [
        "issued", "issued", "in_stock",
    ]  # fmt: skip


def test_naming_a_serial_not_in_stock_there_is_refused(shop: Api) -> None:
    _receive(shop, "S-1", location="B-1")

    elsewhere = _move(shop, type="issue", warehouse="MAIN", quantity=1, serials=["S-1"],
                      location="DEFAULT")  # fmt: skip
    unknown = _move(shop, type="issue", warehouse="MAIN", quantity=1, serials=["S-9"])
    miscounted = _move(shop, type="issue", warehouse="MAIN", quantity=2, serials=["S-1"])

    assert (elsewhere.status, unknown.status, miscounted.status) == (409, 409, 422)
    assert shop.movement_count() == 1


def test_serials_for_a_product_not_tracked_by_serial_are_refused(shop: Api) -> None:
    shop.given_product("BOLT")

    reply = shop.post(MOVEMENTS, {"type": "receipt", "sku": "BOLT", "warehouse": "MAIN",
                                  "quantity": 1, "unit_cost": "1", "serials": ["X"]},
                      key=shop.clerk)  # fmt: skip

    assert reply.status == 422
    assert reply.fields == ["serials"]


def test_a_transfer_moves_the_units_it_names(shop: Api) -> None:
    _receive(shop, "S-1", "S-2")

    reply = _move(shop, type="transfer", from_warehouse="MAIN", to_warehouse="EAST", quantity=1,
                  serials=["S-2"])  # fmt: skip

    assert reply.status == 201, reply.body
    assert reply.json["serials"] == ["S-2"]
    unit = _unit(shop, "S-2")
    assert (unit["warehouse"], unit["location"], unit["status"]) == ("EAST", "DEFAULT", "in_stock")
    assert [m["type"] for m in unit["movements"]] == ["receipt", "transfer"]


def test_a_count_names_the_units_found_and_writes_off_the_oldest_missing(shop: Api) -> None:
    _receive(shop, "S-1", "S-2", "S-3")

    found = _move(shop, type="adjustment", warehouse="MAIN", counted_quantity=4, reason="found",
                  serials=["S-4"])  # fmt: skip
    lost = _move(shop, type="adjustment", warehouse="MAIN", counted_quantity=2, reason="loss")
    unnamed = _move(shop, type="adjustment", warehouse="MAIN", counted_quantity=3, reason="found")

    assert (found.status, lost.status, unnamed.status) == (201, 201, 422)
    assert found.json["serials"] == ["S-4"]
    assert lost.json["serials"] == ["S-1", "S-2"]
    assert _unit(shop, "S-1")["status"] == "written_off"


def test_an_order_allocates_serials_and_shipping_issues_exactly_those(shop: Api) -> None:
    _receive(shop, "S-1", "S-2", "S-3")
    body = {"reference": "SO-1", "warehouse": "MAIN",
            "lines": [{"sku": "DRILL", "quantity": 2, "serials": ["S-3", "S-1"]}]}  # fmt: skip

    order = shop.ok("POST", ORDERS, body, key=shop.clerk)

    allocations = order["lines"][0]["allocations"]
    assert allocations == [{"location": "DEFAULT", "lot": None, "quantity": 2,
                            "serials": ["S-1", "S-3"]}]  # fmt: skip
    assert (_unit(shop, "S-1")["status"], _unit(shop, "S-1")["order"]) == ("reserved", order["id"])
    issue = _move(shop, type="issue", warehouse="MAIN", quantity=1)
    assert issue.json["serials"] == ["S-2"]  # reserved units are not taken
    shop.ok("POST", f"{ORDERS}/{order['id']}/ship", key=shop.clerk)
    unit = _unit(shop, "S-3")
    assert (unit["status"], unit["order"]) == ("shipped", order["id"])
    assert unit["movements"][-1]["reference"] == "SO-1"


def test_cancelling_an_order_puts_its_serials_back_in_stock(shop: Api) -> None:
    _receive(shop, "S-1", "S-2")
    body = {"reference": "SO-1", "warehouse": "MAIN", "lines": [{"sku": "DRILL", "quantity": 1}]}
    order = shop.ok("POST", ORDERS, body, key=shop.clerk)
    assert order["lines"][0]["allocations"][0]["serials"] == ["S-1"]

    shop.ok("POST", f"{ORDERS}/{order['id']}/cancel", key=shop.clerk)

    assert (_unit(shop, "S-1")["status"], _unit(shop, "S-1")["order"]) == ("in_stock", None)


def test_an_unknown_serial_or_product_is_not_found(shop: Api) -> None:
    assert shop.get(f"{DRILL}/S-9", key=shop.viewer).status == 404
    assert shop.get("/api/v1/products/NOPE/serials/S-1", key=shop.viewer).status == 404


def test_products_not_tracked_by_serial_show_no_serials_member(shop: Api) -> None:
    shop.given_product("BOLT")

    movement = shop.given_receipt("BOLT", "MAIN", 3)
    body = {"reference": "SO-1", "warehouse": "MAIN", "lines": [{"sku": "BOLT", "quantity": 1}]}
    order = shop.ok("POST", ORDERS, body, key=shop.clerk)

    assert "serials" not in movement
    assert "serials" not in movement["allocations"][0]
    assert "serials" not in order["lines"][0]["allocations"][0]


def test_the_openapi_document_describes_the_route_and_the_serials_fields(api: Api) -> None:
    document = api.ok("GET", "/openapi.json")
    operation = document["paths"]["/api/v1/products/{sku}/serials/{serial}"]["get"]
    schemas = document["components"]["schemas"]

    assert [p["name"] for p in operation["parameters"]] == ["sku", "serial"]
    assert {"200", "404"} <= set(operation["responses"])
    for body in ("ReceiveStock", "IssueStock", "TransferStock", "AdjustStock", "OrderLineIn"):
        assert "serials" in schemas[body]["properties"], body
    assert "serials" in schemas["AllocationView"]["properties"]
    assert "serials" not in schemas["AllocationView"].get("required", [])


def test_reading_a_unit_needs_a_key(shop: Api) -> None:
    _receive(shop, "S-1")

    assert shop.get(f"{DRILL}/S-1", key=None).status == 401


def test_a_plain_code_that_is_the_serial_of_one_unit_in_stock_scans_as_that_unit(
    shop: Api,
) -> None:
    _receive(shop, "SN-77", location="B-1")

    answer = shop.ok("GET", "/api/v1/scan/SN-77", key=shop.viewer)

    assert answer == {"kind": "serial", "sku": "DRILL", "unit": "each", "quantity": 1,
                      "warehouse": "MAIN", "location": "B-1", "serial": "SN-77"}  # fmt: skip


def test_a_serial_held_by_two_products_or_gone_does_not_scan(shop: Api) -> None:
    shop.given_product("SAW", tracking="serial")
    _receive(shop, "SN-1", "SN-2")
    shop.ok("POST", MOVEMENTS, {"type": "receipt", "sku": "SAW", "warehouse": "MAIN",
                                "quantity": 1, "unit_cost": "5", "serials": ["SN-1"]},
            key=shop.clerk)  # fmt: skip
    _move(shop, type="issue", warehouse="MAIN", quantity=1, serials=["SN-2"])

    assert shop.get("/api/v1/scan/SN-1", key=shop.viewer).status == 404
    assert shop.get("/api/v1/scan/SN-2", key=shop.viewer).status == 404
