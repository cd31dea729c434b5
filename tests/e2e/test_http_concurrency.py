"""Many clients at once, 2 workers x 4 threads on one SQLite file: no oversell, nothing doubled."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.http_server import (
    Client,
    Reply,
    Server,
    issue,
    order,
    receipt,
    running_server,
    stocked,
    unique,
)

pytestmark = pytest.mark.e2e

BARRIER_TIMEOUT = 30.0


@pytest.fixture(scope="module")
def clerk(server: Server) -> Client:
    return server.client(server.key("clerk", "clerk-concurrency"))


def all_at_once(count: int, send: Callable[[int], Reply]) -> list[Reply]:
    """``send(0..count-1)`` from ``count`` threads released together; every reply, in order."""
    barrier = threading.Barrier(count, timeout=BARRIER_TIMEOUT)

    def go(n: int) -> Reply:
        barrier.wait()
        return send(n)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(go, range(count), timeout=120))


def statuses(replies: list[Reply]) -> Counter[int]:
    return Counter(reply.status for reply in replies)


def codes(replies: list[Reply], status: int) -> Counter[str]:
    return Counter(reply.json["code"] for reply in replies if reply.status == status)


def totals(client: Client, sku: str) -> dict[str, Any]:
    result: dict[str, Any] = client.ok("GET", f"/api/v1/products/{sku}/stock")["totals"]
    return result


def test_parallel_orders_reserve_exactly_the_stock_there_is(server: Server, clerk: Client) -> None:
    sku, warehouse = stocked(server.client(), 30)
    batch = unique("SO")

    replies = all_at_once(
        60, lambda n: clerk.post("/api/v1/orders", order(warehouse, {sku: 1}, f"{batch}-{n}"))
    )

    assert statuses(replies) == {201: 30, 409: 30}, [r.body for r in replies if r.status >= 500]
    assert codes(replies, 409) == {"insufficient_stock": 30}
    answered = {r.json["reference"] for r in replies if r.status == 201}
    refused = [r.json for r in replies if r.status == 409]
    assert all(p["errors"][0]["field"] == "lines.0.quantity" for p in refused)
    assert all(r.json["status"] == "reserved" for r in replies if r.status == 201)
    assert totals(clerk, sku) == {"on_hand": 30, "reserved": 30, "available": 0}
    kept = clerk.ok("GET", f"/api/v1/orders?warehouse={warehouse}&limit=500")["items"]
    assert len(answered) == 30
    assert sorted(o["reference"] for o in kept) == sorted(answered)
    assert {o["status"] for o in kept} == {"reserved"}
    check = server.cli.run("check")
    assert check.returncode == 0, check.stdout + check.stderr


def test_parallel_issues_never_take_more_than_on_hand(server: Server, clerk: Client) -> None:
    sku, warehouse = stocked(server.client(), 40)
    batch = unique("ISS")

    replies = all_at_once(
        60,
        lambda n: clerk.post(
            "/api/v1/movements", issue(sku, warehouse, 1, reference=f"{batch}-{n}")
        ),
    )

    assert statuses(replies) == {201: 40, 409: 20}, [r.body for r in replies if r.status >= 500]
    assert codes(replies, 409) == {"insufficient_stock": 20}
    assert totals(clerk, sku) == {"on_hand": 0, "reserved": 0, "available": 0}
    ledger = clerk.ok("GET", f"/api/v1/movements?sku={sku}&type=issue&limit=500")["items"]
    assert len(ledger) == 40
    answered = {r.json["id"] for r in replies if r.status == 201}
    assert {m["id"] for m in ledger} == answered
    assert len({m["reference"] for m in ledger}) == 40
    check = server.cli.run("check")
    assert check.returncode == 0, check.stdout + check.stderr


def test_one_idempotency_key_sent_twenty_times_at_once_records_one_movement(
    server: Server, clerk: Client
) -> None:
    sku, warehouse = stocked(server.client(), 5)
    reference = unique("PO")
    body = receipt(sku, warehouse, 3, "2.0000", reference=reference)
    key = {"Idempotency-Key": unique("once")}

    replies = all_at_once(20, lambda _: clerk.post("/api/v1/movements", body, headers=key))

    counted = statuses(replies)
    assert set(counted) <= {201, 409}, [r.body for r in replies if r.status not in (201, 409)]
    assert counted[201] >= 1
    assert set(codes(replies, 409)) <= {"conflict"}  # still in flight: retry later
    created = [r for r in replies if r.status == 201]
    assert len({r.body for r in created}) == 1  # the original and every replay agree
    assert len({r.header("Location") for r in created}) == 1
    assert sum(r.header("Idempotent-Replayed") is None for r in created) == 1  # the original
    recorded = clerk.ok("GET", f"/api/v1/movements?reference={reference}")["items"]
    assert len(recorded) == 1
    assert recorded[0]["id"] == created[0].json["id"]
    assert totals(clerk, sku) == {"on_hand": 8, "reserved": 0, "available": 8}

    after = clerk.post("/api/v1/movements", body, headers=key)  # all settled: a plain replay
    assert (after.status, after.body) == (201, created[0].body)
    assert after.header("Idempotent-Replayed") == "true"
    assert len(clerk.ok("GET", f"/api/v1/movements?reference={reference}")["items"]) == 1


def test_parallel_creates_of_one_sku_or_one_order_reference_make_exactly_one(
    server: Server, clerk: Client
) -> None:
    admin = server.client()
    sku, warehouse = stocked(admin, 10)
    new_sku = unique("SKU")
    products = all_at_once(
        10, lambda n: admin.post("/api/v1/products", {"sku": new_sku, "name": f"take {n}"})
    )
    reserve = order(warehouse, {sku: 1})
    orders = all_at_once(10, lambda _: clerk.post("/api/v1/orders", reserve))

    for replies in (products, orders):
        assert statuses(replies) == {201: 1, 409: 9}, [r.body for r in replies if r.status >= 500]
        assert codes(replies, 409) == {"conflict": 9}
    winner = next(r.json for r in products if r.status == 201)
    assert admin.ok("GET", f"/api/v1/products/{new_sku}") == winner
    kept = admin.ok("GET", f"/api/v1/orders?reference={reserve['reference']}")["items"]
    assert len(kept) == 1
    assert totals(admin, sku) == {"on_hand": 10, "reserved": 1, "available": 9}


def test_the_default_sync_workers_never_oversell_either(tmp_path: Path, backend: str) -> None:
    with running_server(tmp_path, workers=3, threads=1, backend=backend) as sync_server:
        admin = sync_server.client()
        sku, warehouse = stocked(admin, 20)
        batch = unique("SO")

        replies = all_at_once(
            50, lambda n: admin.post("/api/v1/orders", order(warehouse, {sku: 1}, f"{batch}-{n}"))
        )

        assert statuses(replies) == {201: 20, 409: 30}
        assert codes(replies, 409) == {"insufficient_stock": 30}
        assert totals(admin, sku) == {"on_hand": 20, "reserved": 20, "available": 0}
        assert "Using worker: sync" in sync_server.logs()
