"""Orders over HTTP: reserve all lines or none, ship, cancel, list (API.md §5)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.http.driver import Api

ORDERS = "/api/v1/orders"


@pytest.fixture
def shop(api: Api) -> Api:
    """MAIN holds 10 BOLT and 5 NUT; EAST holds 3 BOLT."""
    api.given_stock("BOLT", "MAIN", 10)
    api.given_product("NUT")
    api.given_receipt("NUT", "MAIN", 5)
    api.given_warehouse("EAST")
    api.given_receipt("BOLT", "EAST", 3)
    return api


def _order(reference: str, *lines: tuple[str, int], warehouse: str = "MAIN") -> dict[str, Any]:
    return {
        "reference": reference,
        "warehouse": warehouse,
        "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines],
    }


def _reserve(api: Api, body: dict[str, Any]) -> Any:
    reply = api.post(ORDERS, body, key=api.clerk)
    assert reply.status == 201, reply.body
    return reply.json


def _level(api: Api, sku: str, warehouse: str = "MAIN") -> tuple[int, int, int]:
    for level in api.stock_of(sku)["warehouses"]:
        if level["warehouse"] == warehouse:
            return level["on_hand"], level["reserved"], level["available"]
    return 0, 0, 0


def test_an_order_reserves_every_line(shop: Api) -> None:
    reply = shop.post(ORDERS, _order("SO-1", ("BOLT", 4), ("NUT", 5)), key=shop.clerk)

    assert reply.status == 201
    order = reply.json
    assert reply.header("Location") == f"{ORDERS}/{order['id']}"
    assert reply.header("ETag")
    assert (order["reference"], order["warehouse"], order["status"]) == ("SO-1", "MAIN", "reserved")
    at_default = {"location": None, "lot": None}
    assert order["lines"] == [
        {"sku": "BOLT", "quantity": 4, **at_default,
         "allocations": [{"location": "DEFAULT", "lot": None, "quantity": 4}]},
        {"sku": "NUT", "quantity": 5, **at_default,
         "allocations": [{"location": "DEFAULT", "lot": None, "quantity": 5}]},
    ]  # fmt: skip
    assert order["created_at"] == order["updated_at"]
    assert (_level(shop, "BOLT"), _level(shop, "NUT")) == ((10, 4, 6), (5, 5, 0))
    assert shop.ok("GET", f"{ORDERS}/{order['id']}", key=shop.viewer) == order


def test_an_order_with_short_lines_reserves_nothing_and_lists_each(shop: Api) -> None:
    shop.given_product("BOLT-X")
    body = _order("SO-1", ("NUT", 6), ("BOLT", 4), ("BOLT-X", 1))

    reply = shop.post(ORDERS, body, key=shop.clerk)

    assert reply.status == 409
    assert reply.code == "insufficient_stock"
    assert reply.fields == ["lines.0.quantity", "lines.2.quantity"]
    assert all(error["message"] for error in reply.json["errors"])
    assert (_level(shop, "BOLT"), _level(shop, "NUT")) == ((10, 0, 10), (5, 0, 5))
    assert shop.ok("GET", ORDERS)["items"] == []


def test_a_duplicate_reference_is_a_conflict(shop: Api) -> None:
    _reserve(shop, _order("SO-1", ("BOLT", 1)))

    reply = shop.post(ORDERS, _order("SO-1", ("NUT", 1)), key=shop.clerk)

    assert reply.code == "conflict"
    assert _level(shop, "NUT") == (5, 0, 5)


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (_order("SO-1", ("BOLT", 1), ("WIDGET", 1)), "WIDGET"),
        (_order("SO-1", ("BOLT", 1), warehouse="WEST"), "WEST"),
    ],
)
def test_an_order_naming_something_unknown_is_not_found(
    shop: Api, body: dict[str, Any], named: str
) -> None:
    reply = shop.post(ORDERS, body, key=shop.clerk)

    assert reply.code == "not_found"
    assert named in reply.json["detail"]
    assert _level(shop, "BOLT") == (10, 0, 10)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (_order("SO-1"), "lines"),
        (_order("SO-1", ("BOLT", 0)), "lines.0.quantity"),
        (_order("SO-1", ("BOLT", 1), ("NUT", 1.5)), "lines.1.quantity"),  # type: ignore[arg-type]
        (_order("SO-1", ("BOLT", 1), ("BOLT", 2)), "lines"),
        (_order("", ("BOLT", 1)), "reference"),
        (_order("SO-1", ("BOLT", 1)) | {"expires_at": "2000-01-01T00:00:00Z"}, "expires_at"),
        (_order("SO-1", ("BOLT", 1)) | {"expires_at": "2099-01-01T00:00:00"}, "expires_at"),
    ],
    ids=["no-lines", "zero", "float", "sku-twice", "reference", "past", "naive-time"],
)
def test_an_invalid_order_is_refused_naming_the_field(
    shop: Api, body: dict[str, Any], field: str
) -> None:
    reply = shop.post(ORDERS, body, key=shop.clerk)

    assert reply.status == 422
    assert field in reply.fields
    assert shop.ok("GET", ORDERS)["items"] == []


def test_shipping_issues_every_line_and_releases_the_reservation(shop: Api) -> None:
    order = _reserve(shop, _order("SO-1", ("BOLT", 4), ("NUT", 2)))

    reply = shop.post(f"{ORDERS}/{order['id']}/ship", key=shop.clerk)

    assert reply.status == 200
    assert reply.json["status"] == "shipped"
    assert reply.json["lines"] == order["lines"]
    assert (_level(shop, "BOLT"), _level(shop, "NUT")) == ((6, 0, 6), (3, 0, 3))
    issues = shop.ok("GET", "/api/v1/movements?type=issue&reference=SO-1")["items"]
    assert sorted((m["sku"], m["warehouse"], m["quantity"], m["created_by"]) for m in issues) == [
        ("BOLT", "MAIN", 4, "clerk-carl"),
        ("NUT", "MAIN", 2, "clerk-carl"),
    ]
    assert shop.ok("GET", f"{ORDERS}/{order['id']}")["status"] == "shipped"


def test_cancelling_releases_the_reservation(shop: Api) -> None:
    order = _reserve(shop, _order("SO-1", ("BOLT", 4)))

    reply = shop.post(f"{ORDERS}/{order['id']}/cancel", key=shop.clerk)

    assert reply.status == 200
    assert reply.json["status"] == "cancelled"
    assert _level(shop, "BOLT") == (10, 0, 10)
    assert shop.movement_count() == 3


@pytest.mark.parametrize(
    ("first", "then"),
    [("cancel", "ship"), ("ship", "cancel"), ("ship", "ship"), ("cancel", "cancel")],
)
def test_a_transition_from_a_closed_order_is_an_invalid_state(
    shop: Api, first: str, then: str
) -> None:
    order = _reserve(shop, _order("SO-1", ("BOLT", 4)))
    shop.ok("POST", f"{ORDERS}/{order['id']}/{first}", key=shop.clerk)
    before = _level(shop, "BOLT"), shop.movement_count()

    reply = shop.post(f"{ORDERS}/{order['id']}/{then}", key=shop.clerk)

    assert reply.status == 409
    assert reply.code == "invalid_state"
    assert (_level(shop, "BOLT"), shop.movement_count()) == before


@pytest.mark.parametrize("action", ["ship", "cancel"])
def test_acting_on_an_unknown_order_is_not_found(shop: Api, action: str) -> None:
    assert shop.post(f"{ORDERS}/01NOSUCHORDER/{action}", key=shop.clerk).code == "not_found"


def test_an_unknown_order_is_not_found(api: Api) -> None:
    assert api.get(f"{ORDERS}/01NOSUCHORDER").code == "not_found"


@pytest.fixture
def orders(shop: Api) -> Api:
    """SO-1 shipped, SO-2 cancelled, SO-3 and SO-4 (from EAST) reserved."""
    for reference, warehouse in (("SO-1", "MAIN"), ("SO-2", "MAIN"), ("SO-3", "MAIN"),
                                 ("SO-4", "EAST")):  # fmt: skip
        _reserve(shop, _order(reference, ("BOLT", 1), warehouse=warehouse))
    ids = {o["reference"]: o["id"] for o in shop.ok("GET", ORDERS)["items"]}
    shop.ok("POST", f"{ORDERS}/{ids['SO-1']}/ship", key=shop.clerk)
    shop.ok("POST", f"{ORDERS}/{ids['SO-2']}/cancel", key=shop.clerk)
    return shop


@pytest.mark.parametrize(
    ("query", "references"),
    [
        ("", ["SO-1", "SO-2", "SO-3", "SO-4"]),
        ("sort=-created_at", ["SO-4", "SO-3", "SO-2", "SO-1"]),
        ("status=reserved", ["SO-3", "SO-4"]),
        ("status=shipped", ["SO-1"]),
        ("status=cancelled", ["SO-2"]),
        ("status=expired", []),
        ("warehouse=EAST", ["SO-4"]),
        ("status=reserved&warehouse=MAIN", ["SO-3"]),
        ("reference=SO-2", ["SO-2"]),
    ],
)
def test_orders_are_listed_by_filter(orders: Api, query: str, references: list[str]) -> None:
    items = orders.ok("GET", f"{ORDERS}?{query}", key=orders.viewer)["items"]

    assert [o["reference"] for o in items] == references
