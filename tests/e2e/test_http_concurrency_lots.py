"""Many orders at once for a lot-tracked product kept in bins: FEFO under contention.

A real server (2 workers x 4 threads) on each backend. One warehouse with two
bins holds three lots of one product, one of them already expired when it was
received (API.md §12: received anyway, never picked). Forty orders of small
random quantities arrive together: what they reserve is exactly what the
unexpired lots hold (or all they asked, when that is enough), no allocation
names the expired lot, every (location, lot) level keeps reserved within on
hand and equal to what the open orders hold there, and ``inventory check``
finds no drift.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest

from tests.e2e.http_server import Client, Reply, Server, receipt, unique
from tests.e2e.test_http_concurrency import all_at_once, codes, statuses

pytestmark = pytest.mark.e2e

ORDERS = 40
BINS = ("B-1", "B-2")
FAR = (date.today() + timedelta(days=400)).isoformat()
NEAR = (date.today() + timedelta(days=40)).isoformat()
PAST = (date.today() - timedelta(days=3)).isoformat()
Slot = tuple[str, str]
"""(location, lot)"""


@pytest.fixture(scope="module")
def clerk(server: Server) -> Client:
    return server.client(server.key("clerk", "clerk-lots-concurrency"))


def binned_lots(admin: Client, received: dict[tuple[str, str, str], int]) -> tuple[str, str]:
    """A new warehouse with bins B-1 and B-2 and a lot-tracked product: (sku, warehouse).

    ``received``: (location, lot, expires_on) -> quantity, each one receipt.
    """
    warehouse, sku = unique("WH"), unique("LOT")
    admin.ok("POST", "/api/v1/warehouses", {"code": warehouse, "name": f"Hall {warehouse}"})
    for code in BINS:
        admin.ok("POST", f"/api/v1/warehouses/{warehouse}/locations", {"code": code, "kind": "bin"})
    admin.ok("POST", "/api/v1/products", {"sku": sku, "name": "Yoghurt", "tracking": "lot"})
    for (location, lot, expires_on), quantity in received.items():
        answer = admin.ok(
            "POST",
            "/api/v1/movements",
            receipt(sku, warehouse, quantity, location=location,
                    lot={"code": lot, "expires_on": expires_on}),
        )  # fmt: skip
        assert answer["allocations"] == [
            {"location": location, "to_location": None, "lot": lot, "quantity": quantity}
        ]
    return sku, warehouse


def stock_detail(client: Client, sku: str) -> dict[str, Any]:
    result: dict[str, Any] = client.ok("GET", f"/api/v1/products/{sku}/stock?detail=true")
    return result


def slots_of(detail: dict[str, Any], warehouse: str) -> dict[Slot, dict[str, int]]:
    (held,) = [w for w in detail["warehouses"] if w["warehouse"] == warehouse]
    return {(level["location"], level["lot"]): level for level in held["levels"]}


def allocated(replies: list[Reply]) -> Counter[Slot]:
    """Units reserved per (location, lot) by the orders that were answered 201."""
    taken: Counter[Slot] = Counter()
    for reply in replies:
        if reply.status == 201:
            for line in reply.json["lines"]:
                assert sum(a["quantity"] for a in line["allocations"]) == line["quantity"]
                for a in line["allocations"]:
                    taken[(a["location"], a["lot"])] += a["quantity"]
    return taken


def assert_slots_agree(
    client: Client, sku: str, warehouse: str, reserved: Counter[Slot], on_hand: dict[Slot, int]
) -> dict[Slot, dict[str, int]]:
    """Every (location, lot) holds ``on_hand`` and exactly what the orders reserved there."""
    detail = stock_detail(client, sku)
    slots = slots_of(detail, warehouse)
    assert {slot: level["on_hand"] for slot, level in slots.items()} == on_hand
    for slot, level in slots.items():
        assert 0 <= level["reserved"] <= level["on_hand"], (slot, level)
        assert level["reserved"] == reserved.get(slot, 0), (slot, level, reserved)
        assert level["available"] == level["on_hand"] - level["reserved"]
    assert detail["totals"]["reserved"] == sum(reserved.values())
    return slots


def assert_checked_clean(server: Server) -> None:
    check = server.cli.run("check")
    assert check.returncode == 0, check.stdout + check.stderr


def burst(clerk: Client, warehouse: str, sku: str, quantities: list[int]) -> list[Reply]:
    batch = unique("SO")

    def send(n: int) -> Reply:
        body = {"reference": f"{batch}-{n}", "warehouse": warehouse,
                "lines": [{"sku": sku, "quantity": quantities[n]}]}  # fmt: skip
        return clerk.post("/api/v1/orders", body)

    replies = all_at_once(len(quantities), send)
    assert set(statuses(replies)) <= {201, 409}, [r.body for r in replies if r.status >= 500]
    assert set(codes(replies, 409)) <= {"insufficient_stock"}
    return replies


def test_parallel_orders_reserve_exactly_the_unexpired_lots_and_never_the_expired_one(
    server: Server, clerk: Client
) -> None:
    expired, near, far = unique("EXP"), unique("NEAR"), unique("FAR")
    received = {
        ("B-1", expired, PAST): 20,
        ("B-1", near, NEAR): 30,
        ("B-2", far, FAR): 25,
        ("B-1", far, FAR): 10,
    }
    on_hand = {(location, lot): n for (location, lot, _), n in received.items()}
    sku, warehouse = binned_lots(server.client(), received)
    pickable = 30 + 25 + 10
    rng = random.Random(20)
    quantities = [rng.randint(1, 4) for _ in range(ORDERS)]
    assert sum(quantities) > pickable  # the burst asks for more than the unexpired lots hold

    replies = burst(clerk, warehouse, sku, quantities)

    taken = allocated(replies)
    assert taken
    assert ("B-1", expired) not in taken, taken
    reserved = sum(taken.values())
    left = pickable - reserved
    refused = [quantities[n] for n, reply in enumerate(replies) if reply.status == 409]
    assert refused, "more was asked than there is: some order must be refused"
    # Availability only falls during the burst: each refusal asked for more than was left.
    assert 0 <= left < min(refused), (left, refused)
    for reply in replies:
        if reply.status == 409:
            (short,) = reply.json["errors"]
            assert short["field"] == "lines.0.quantity"
            assert "are expired" in short["message"], short
    assert_slots_agree(clerk, sku, warehouse, taken, on_hand)
    assert_checked_clean(server)

    # What is left is all unexpired: an order for exactly that takes it; then nothing more.
    if left:
        last = clerk.post("/api/v1/orders",
                          {"reference": unique("SO"), "warehouse": warehouse,
                           "lines": [{"sku": sku, "quantity": left}]})  # fmt: skip
        assert last.status == 201, last.body
        taken += allocated([last])
    assert sum(taken.values()) == pickable
    assert ("B-1", expired) not in taken
    one_more = clerk.post("/api/v1/orders",
                          {"reference": unique("SO"), "warehouse": warehouse,
                           "lines": [{"sku": sku, "quantity": 1}]})  # fmt: skip
    assert one_more.status == 409
    assert one_more.json["errors"] == [{
        "field": "lines.0.quantity",
        "message": f"{sku}: wanted 1, only 0 can be picked; 1 of the 1 short are expired",
    }]  # fmt: skip
    slots = assert_slots_agree(clerk, sku, warehouse, taken, on_hand)
    assert slots[("B-1", expired)]["available"] == 20  # still there, never picked
    assert stock_detail(clerk, sku)["totals"] == {
        "on_hand": pickable + 20, "reserved": pickable, "available": 20,
    }  # fmt: skip
    assert_checked_clean(server)


def test_parallel_orders_all_succeed_when_the_unexpired_lots_suffice_and_ship_as_allocated(
    server: Server, clerk: Client
) -> None:
    expired, near, far = unique("EXP"), unique("NEAR"), unique("FAR")
    received = {
        ("B-2", expired, PAST): 50,
        ("B-1", near, NEAR): 40,
        ("B-2", near, NEAR): 30,
        ("B-1", far, FAR): 60,
    }
    on_hand = {(location, lot): n for (location, lot, _), n in received.items()}
    sku, warehouse = binned_lots(server.client(), received)
    rng = random.Random(40)
    quantities = [rng.randint(1, 3) for _ in range(ORDERS)]
    assert 70 < sum(quantities) <= 130  # more than the nearer lot, less than both good lots

    replies = burst(clerk, warehouse, sku, quantities)

    assert statuses(replies) == {201: ORDERS}, [r.body for r in replies if r.status != 201]
    taken = allocated(replies)
    assert sum(taken.values()) == sum(quantities)
    # FEFO: the nearer lot is used up before any unit of the far one is taken.
    assert taken[("B-1", near)] + taken[("B-2", near)] == 70
    assert taken[("B-1", far)] == sum(quantities) - 70
    assert ("B-2", expired) not in taken
    assert_slots_agree(clerk, sku, warehouse, taken, on_hand)
    assert_checked_clean(server)

    # Shipping, also all at once, issues exactly what each order holds.
    shipped = all_at_once(
        ORDERS, lambda n: clerk.post(f"/api/v1/orders/{replies[n].json['id']}/ship")
    )
    assert statuses(shipped) == {200: ORDERS}, [r.body for r in shipped if r.status != 200]
    after = {slot: n - taken.get(slot, 0) for slot, n in on_hand.items()}
    slots = slots_of(stock_detail(clerk, sku), warehouse)
    assert {slot: level["on_hand"] for slot, level in slots.items() if level["on_hand"]} == {
        slot: n for slot, n in after.items() if n
    }
    assert all(level["reserved"] == 0 for level in slots.values())
    issues = clerk.ok("GET", f"/api/v1/movements?sku={sku}&type=issue&limit=500")["items"]
    assert len(issues) == ORDERS
    issued: Counter[Slot] = Counter()
    for movement in issues:
        for a in movement["allocations"]:
            issued[(a["location"], a["lot"])] += a["quantity"]
    assert issued == taken
    assert_checked_clean(server)
