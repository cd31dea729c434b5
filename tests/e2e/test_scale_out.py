"""Two ``inventory serve`` instances, 2 workers each, on one PostgreSQL database and one Redis.

What one deployment promises holds across instances: no oversell, reads as
fresh as the last answered write, revocations at once, one rate limit, and
each queued job run exactly once though each instance runs a job runner.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.http_server import Client, Server, order, running_server, stocked, unique
from tests.e2e.test_http_concurrency import all_at_once, codes, statuses, totals
from tests.waiting import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.redis]

LIMIT = 300
"""Requests per key per hour: far above what the other tests send with one key."""
JOB_TIMEOUT = 60.0


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Server]]:
    redis_url = os.environ.get("INVENTORY_TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("INVENTORY_TEST_REDIS_URL is not set: no Redis to share between instances")
    env: dict[str, Any] = {
        "INVENTORY_REDIS_URL": redis_url,
        "INVENTORY_RATE_LIMIT": f"{LIMIT}/hour",
    }
    with (
        running_server(
            tmp_path_factory.mktemp("instance-a"), backend="postgres", threads=1, **env
        ) as first,
        running_server(
            tmp_path_factory.mktemp("instance-b"), shared=first, threads=1, **env
        ) as second,
    ):
        yield first, second


@pytest.fixture(scope="module")
def clients(pair: tuple[Server, Server]) -> tuple[Client, Client]:
    first, second = pair
    return first.client(), second.client()


def test_both_instances_share_one_database_and_one_redis(pair: tuple[Server, Server]) -> None:
    first, second = pair
    assert first.port != second.port
    assert first.url == second.url
    assert first.url.startswith("postgresql://")
    for server in pair:
        assert server.logs().count("worker ready (pid") == 2
        assert server.cli.env["INVENTORY_REDIS_URL"].startswith("redis://")


def test_orders_through_both_instances_never_oversell(clients: tuple[Client, Client]) -> None:
    a, b = clients
    sku, warehouse = stocked(a, 30)
    batch = unique("SO")

    replies = all_at_once(
        60,
        lambda n: (a if n % 2 else b).post(
            "/api/v1/orders", order(warehouse, {sku: 1}, f"{batch}-{n}")
        ),
    )

    assert statuses(replies) == {201: 30, 409: 30}
    assert codes(replies, 409) == {"insufficient_stock": 30}
    assert totals(a, sku) == totals(b, sku) == {"on_hand": 30, "reserved": 30, "available": 0}


def test_a_product_updated_through_one_is_read_fresh_through_the_other(
    clients: tuple[Client, Client],
) -> None:
    a, b = clients
    sku, _ = stocked(a, 1)
    path = f"/api/v1/products/{sku}"
    for _ in range(10):  # warm every worker's (and the shared) cache on the old name
        assert b.ok("GET", path)["name"] == f"Product {sku}"

    for n in range(5):
        a.ok("PATCH", path, {"name": f"Renamed {n}"})
        seen = {b.ok("GET", path)["name"] for _ in range(10)}
        assert seen == {f"Renamed {n}"}


def test_a_key_revoked_through_one_is_refused_by_the_other_at_once(
    pair: tuple[Server, Server], clients: tuple[Client, Client]
) -> None:
    a = clients[0]
    made = a.ok("POST", "/api/v1/api-keys", {"name": "short-lived", "role": "viewer"})
    viewer_b = Client(pair[1].port, made["key"])
    for _ in range(10):
        assert viewer_b.get("/api/v1/products").status == 200

    a.ok("DELETE", f"/api/v1/api-keys/{made['id']}")

    refused = [viewer_b.get("/api/v1/products").status for _ in range(20)]
    assert refused == [401] * 20


def test_the_rate_limit_counts_requests_to_both_instances(pair: tuple[Server, Server]) -> None:
    first, second = pair
    key = first.key("viewer", "rate-limited")
    a, b = Client(first.port, key), Client(second.port, key)

    answers = [(a if n % 2 else b).get("/api/v1/warehouses") for n in range(LIMIT)]
    assert [reply.status for reply in answers] == [200] * LIMIT
    assert answers[-1].header("RateLimit-Remaining") == "0"

    over = [a.get("/api/v1/warehouses"), b.get("/api/v1/warehouses")]
    assert [reply.status for reply in over] == [429, 429]
    assert all(int(reply.header("Retry-After") or 0) > 0 for reply in over)


def test_each_job_queued_through_either_instance_runs_exactly_once(
    pair: tuple[Server, Server], clients: tuple[Client, Client]
) -> None:
    a, b = clients
    stocked(a, 5)
    ids = []
    for n in range(12):
        reply = (a if n % 2 else b).post("/api/v1/reports", {"kind": "valuation", "format": "csv"})
        assert reply.status == 202, reply.body
        ids.append(reply.json["id"])

    def done() -> list[Any] | None:
        jobs = [a.ok("GET", f"/api/v1/jobs/{id}") for id in ids]
        return None if any(job["status"] in ("queued", "running") for job in jobs) else jobs

    jobs = wait_for(done, "every job done", JOB_TIMEOUT, every=0.2)

    assert {job["status"] for job in jobs} == {"succeeded"}
    assert {job["attempts"] for job in jobs} == {1}
    logs = first_and_second_logs(pair)
    for id in ids:
        assert len(re.findall(rf"job {id} \(\S+\) succeeded", logs)) == 1, id
    for job in jobs:  # either instance serves the file the other's runner wrote
        assert b.get(job["result_url"]).status == 200
        assert a.get(job["result_url"]).status == 200


def first_and_second_logs(pair: tuple[Server, Server]) -> str:
    return "\n".join(server.logs() for server in pair)


def test_every_figure_agrees_after_all_that(pair: tuple[Server, Server]) -> None:
    done = pair[0].cli.run("check")
    assert done.returncode == 0, done.stdout + done.stderr
