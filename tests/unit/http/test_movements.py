"""The ledger over HTTP: receipts, issues, transfers, adjustments, and reading them (API.md §4)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.http.driver import Api

MOVEMENTS = "/api/v1/movements"


@pytest.fixture
def two_warehouses(stocked: Api) -> Api:
    """MAIN holds 10 BOLT; EAST is empty."""
    stocked.given_warehouse("EAST")
    return stocked


def _record(api: Api, body: dict[str, Any]) -> Any:
    reply = api.post(MOVEMENTS, body, key=api.clerk)
    assert reply.status == 201, reply.body
    assert reply.header("Location") == f"{MOVEMENTS}/{reply.json['id']}"
    assert reply.header("ETag")
    return reply.json


def _common(movement: dict[str, Any]) -> dict[str, Any]:
    """The movement without what varies run to run (id, time)."""
    assert movement["id"]
    assert movement["created_at"].endswith("Z")
    return {k: v for k, v in movement.items() if k not in ("id", "created_at")}


def _at_default(quantity: int, transfer: bool = False) -> dict[str, Any]:
    """Where a movement that names no location or lot took or put its units: the
    default location, no lot (API.md §11)."""
    where: dict[str, Any] = (
        {"from_location": "DEFAULT", "to_location": "DEFAULT"}
        if transfer
        else {"location": "DEFAULT"}
    )
    line = {"location": "DEFAULT", "to_location": "DEFAULT" if transfer else None, "lot": None}
    return {**where, "lot": None, "allocations": [{**line, "quantity": quantity}]}


def test_a_receipt_is_recorded_with_its_cost_and_who_made_it(two_warehouses: Api) -> None:
    body = {
        "type": "receipt", "sku": "BOLT", "warehouse": "EAST", "quantity": 5,
        "unit_cost": "2.5", "reference": "PO-7", "note": "pallet 3",
    }  # fmt: skip

    movement = _record(two_warehouses, body)

    assert _common(movement) == {
        "type": "receipt", "sku": "BOLT", "warehouse": "EAST", "quantity": 5,
        "unit_cost": "2.5000", "reference": "PO-7", "note": "pallet 3", "created_by": "clerk-carl",
        **_at_default(5),
    }  # fmt: skip
    assert two_warehouses.stock_of("BOLT")["totals"]["on_hand"] == 15


def test_an_issue_is_recorded_without_cost_or_reason(stocked: Api) -> None:
    body = {"type": "issue", "sku": "BOLT", "warehouse": "MAIN", "quantity": 4}

    movement = _record(stocked, body)

    assert _common(movement) == {
        "type": "issue", "sku": "BOLT", "warehouse": "MAIN", "quantity": 4,
        "reference": None, "note": None, "created_by": "clerk-carl", **_at_default(4),
    }  # fmt: skip
    assert stocked.stock_of("BOLT")["totals"] == {"on_hand": 6, "reserved": 0, "available": 6}


def test_a_transfer_names_both_warehouses_and_no_single_one(two_warehouses: Api) -> None:
    body = {
        "type": "transfer", "sku": "BOLT", "from_warehouse": "MAIN", "to_warehouse": "EAST",
        "quantity": 3, "reference": "T-1",
    }  # fmt: skip

    movement = _record(two_warehouses, body)

    assert _common(movement) == {
        "type": "transfer", "sku": "BOLT", "from_warehouse": "MAIN", "to_warehouse": "EAST",
        "quantity": 3, "reference": "T-1", "note": None, "created_by": "clerk-carl",
        **_at_default(3, transfer=True),
    }  # fmt: skip
    levels = {w["warehouse"]: w["on_hand"] for w in two_warehouses.stock_of("BOLT")["warehouses"]}
    assert levels == {"MAIN": 7, "EAST": 3}


@pytest.mark.parametrize(("counted", "signed"), [(7, -3), (12, 2), (0, -10), (10, 0)])
def test_an_adjustment_records_the_signed_difference(
    stocked: Api, counted: int, signed: int
) -> None:
    body = {
        "type": "adjustment", "sku": "BOLT", "warehouse": "MAIN",
        "counted_quantity": counted, "reason": "count",
    }  # fmt: skip

    movement = _record(stocked, body)

    assert _common(movement) == {
        "type": "adjustment", "sku": "BOLT", "warehouse": "MAIN", "quantity": signed,
        "reason": "count", "reference": None, "note": None, "created_by": "clerk-carl",
        **_at_default(signed),
    }  # fmt: skip
    assert stocked.stock_of("BOLT")["totals"]["on_hand"] == counted


def test_an_adjustment_may_not_take_stock_below_what_is_reserved(stocked: Api) -> None:
    order = {"reference": "SO-1", "warehouse": "MAIN", "lines": [{"sku": "BOLT", "quantity": 6}]}
    stocked.ok("POST", "/api/v1/orders", order, key=stocked.clerk)
    body = {
        "type": "adjustment", "sku": "BOLT", "warehouse": "MAIN",
        "counted_quantity": 5, "reason": "loss",
    }  # fmt: skip

    reply = stocked.post(MOVEMENTS, body, key=stocked.clerk)

    assert reply.code == "insufficient_stock"
    assert stocked.stock_of("BOLT")["totals"] == {"on_hand": 10, "reserved": 6, "available": 4}


@pytest.mark.parametrize(
    "body",
    [
        {"type": "issue", "sku": "BOLT", "warehouse": "MAIN", "quantity": 11},
        {"type": "transfer", "sku": "BOLT", "from_warehouse": "MAIN", "to_warehouse": "EAST",
         "quantity": 11},
        {"type": "issue", "sku": "BOLT", "warehouse": "EAST", "quantity": 1},
    ],
    ids=["issue", "transfer", "empty-warehouse"],
)  # fmt: skip
def test_taking_more_than_is_available_is_refused_whole(
    two_warehouses: Api, body: dict[str, Any]
) -> None:
    reply = two_warehouses.post(MOVEMENTS, body, key=two_warehouses.clerk)

    assert reply.status == 409
    assert reply.code == "insufficient_stock"
    assert two_warehouses.movement_count() == 1
    levels = {w["warehouse"]: w["on_hand"] for w in two_warehouses.stock_of("BOLT")["warehouses"]}
    assert levels.get("MAIN") == 10
    assert levels.get("EAST", 0) == 0


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"type": "issue", "sku": "NUT", "warehouse": "MAIN", "quantity": 1}, "NUT"),
        ({"type": "issue", "sku": "BOLT", "warehouse": "WEST", "quantity": 1}, "WEST"),
        ({"type": "receipt", "sku": "NUT", "warehouse": "MAIN", "quantity": 1,
          "unit_cost": "1"}, "NUT"),
        ({"type": "transfer", "sku": "BOLT", "from_warehouse": "MAIN", "to_warehouse": "WEST",
          "quantity": 1}, "WEST"),
    ],
)  # fmt: skip
def test_a_movement_naming_something_unknown_is_not_found_and_names_it(
    stocked: Api, body: dict[str, Any], named: str
) -> None:
    reply = stocked.post(MOVEMENTS, body, key=stocked.clerk)

    assert reply.status == 404
    assert reply.code == "not_found"
    assert named in reply.json["detail"]
    assert stocked.movement_count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {"type": "gift", "sku": "BOLT", "warehouse": "MAIN", "quantity": 1},
        {"sku": "BOLT", "warehouse": "MAIN", "quantity": 1},
        {"type": "transfer", "sku": "BOLT", "from_warehouse": "MAIN", "to_warehouse": "MAIN",
         "quantity": 1},
        {"type": "adjustment", "sku": "BOLT", "warehouse": "MAIN", "counted_quantity": 1,
         "reason": "theft"},
        {"type": "receipt", "sku": "BOLT", "warehouse": "MAIN", "quantity": 1},
        {"type": "issue", "sku": "BOLT", "warehouse": "MAIN", "quantity": 1, "unit_cost": "1"},
    ],
    ids=["type", "no-type", "same-warehouse", "reason", "no-cost", "cost-on-issue"],
)  # fmt: skip
def test_an_invalid_movement_fails_validation(stocked: Api, body: dict[str, Any]) -> None:
    reply = stocked.post(MOVEMENTS, body, key=stocked.clerk)

    assert reply.status == 422
    assert reply.code == "validation_error"
    assert reply.json["errors"]
    assert stocked.movement_count() == 1


def test_a_movement_is_read_back_as_it_was_recorded(stocked: Api) -> None:
    body = {"type": "issue", "sku": "BOLT", "warehouse": "MAIN", "quantity": 1, "note": "x"}
    recorded = stocked.post(MOVEMENTS, body, key=stocked.clerk)

    shown = stocked.get(recorded.header("Location") or "", key=stocked.viewer)

    assert shown.status == 200
    assert shown.json == recorded.json
    assert shown.header("ETag") == recorded.header("ETag")


def test_an_unknown_movement_is_not_found(api: Api) -> None:
    assert api.get(f"{MOVEMENTS}/01ABCDEF").code == "not_found"


@pytest.fixture
def ledger(two_warehouses: Api) -> Api:
    """MAIN received 10 BOLT (the fixture), then: NUT received, BOLT issued, BOLT transferred."""
    api = two_warehouses
    api.given_product("NUT")
    api.given_receipt("NUT", "EAST", 5)
    _record(api, {"type": "issue", "sku": "BOLT", "warehouse": "MAIN", "quantity": 1,
                  "reference": "SO-9"})  # fmt: skip
    _record(api, {"type": "transfer", "sku": "BOLT", "from_warehouse": "MAIN",
                  "to_warehouse": "EAST", "quantity": 2, "reference": "SO-9"})  # fmt: skip
    return api


def _listed(api: Api, query: str) -> list[tuple[str, str]]:
    items = api.ok("GET", f"{MOVEMENTS}?{query}", key=api.viewer)["items"]
    return [(m["type"], m["sku"]) for m in items]


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ("", [("receipt", "BOLT"), ("receipt", "NUT"), ("issue", "BOLT"), ("transfer", "BOLT")]),
        ("sort=-created_at",
         [("transfer", "BOLT"), ("issue", "BOLT"), ("receipt", "NUT"), ("receipt", "BOLT")]),
        ("sku=NUT", [("receipt", "NUT")]),
        ("type=issue", [("issue", "BOLT")]),
        ("type=receipt&sku=BOLT", [("receipt", "BOLT")]),
        ("warehouse=EAST", [("receipt", "NUT"), ("transfer", "BOLT")]),
        ("warehouse=MAIN", [("receipt", "BOLT"), ("issue", "BOLT"), ("transfer", "BOLT")]),
        ("reference=SO-9", [("issue", "BOLT"), ("transfer", "BOLT")]),
        ("reference=SO-10", []),
    ],
)  # fmt: skip
def test_the_ledger_is_listed_by_filter(
    ledger: Api, query: str, listed: list[tuple[str, str]]
) -> None:
    assert _listed(ledger, query) == listed


def test_the_ledger_is_listed_from_since_up_to_but_not_including_until(ledger: Api) -> None:
    times = [m["created_at"] for m in ledger.ok("GET", MOVEMENTS)["items"]]

    assert _listed(ledger, f"since={times[1]}&until={times[3]}") == [
        ("receipt", "NUT"),
        ("issue", "BOLT"),
    ]
    assert _listed(ledger, f"since={times[3]}") == [("transfer", "BOLT")]
    assert _listed(ledger, "until=2000-01-01T00:00:00Z") == []


def test_a_transfer_to_its_own_warehouse_names_to_warehouse(stocked: Api) -> None:
    body = {"type": "transfer", "sku": "BOLT", "from_warehouse": "MAIN",
            "to_warehouse": "MAIN", "quantity": 1}  # fmt: skip

    reply = stocked.post(MOVEMENTS, body, key=stocked.clerk)

    assert reply.json["errors"] == [
        {"field": "to_warehouse", "message": "must differ from from_warehouse"}
    ]
