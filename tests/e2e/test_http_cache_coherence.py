"""The read cache under 4 gunicorn workers: once a write is answered, no worker serves older data.

Each worker keeps its own memory cache (or shares a file cache), so a write
answered by one worker, or made by the CLI, must still be seen at once by
every other. For every cached read: warm the cache of every worker, write
through one connection, then read 50 times through fresh connections (spread
over the workers by the kernel): every read shows the write (API.md §8).
"""

from __future__ import annotations

import os
import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from redis import Redis

from inventory.adapters.cache import FileCache
from tests.e2e.http_server import Client, Reply, Server, receipt, running_server, stocked, unique

pytestmark = pytest.mark.e2e

WORKERS = 4
READS_AFTER_WRITE = 50
WARM_READS_PER_WORKER = 3
MAX_WARM_READS = 600

_ACCESS_LINE = re.compile(r"^.* inventory\.access \[(\d+)\] .* id=(\S+)$", re.M)


@pytest.fixture(
    scope="module",
    params=["memory", "file", pytest.param("redis", marks=pytest.mark.postgres)],
)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """4 sync workers caching in memory or in one shared directory (over one SQLite file),
    or in Redis (over PostgreSQL, as a scaled-out deployment would)."""
    directory = tmp_path_factory.mktemp(f"coherence-{request.param}")
    if request.param == "redis":
        redis_url = os.environ.get("INVENTORY_TEST_REDIS_URL")
        if not redis_url:
            pytest.skip("INVENTORY_TEST_REDIS_URL is not set: no Redis to cache in")
        settings: dict[str, Any] = {"backend": "postgres", "INVENTORY_CACHE": redis_url}
    else:
        cache = "memory" if request.param == "memory" else f"file:{directory / 'cache' / 'http'}"
        settings = {"INVENTORY_CACHE": cache}
    with running_server(directory, workers=WORKERS, threads=1, **settings) as running:
        yield running


@pytest.fixture(scope="module")
def admin(server: Server) -> Client:
    return server.client()


def workers_that_served(server: Server, request_ids: set[str]) -> Counter[str]:
    """How many of these requests each worker (by pid) answered, from the access log."""
    return Counter(
        pid for pid, request_id in _ACCESS_LINE.findall(server.logs()) if request_id in request_ids
    )


def warm(server: Server, client: Client, path: str) -> Any:
    """Read ``path`` until each worker has answered it a few times; the last answer's JSON."""
    sent: set[str] = set()
    served: Counter[str] = Counter()

    def read(request_id: str) -> Reply:
        return client.get(path, headers={"X-Request-ID": request_id})

    # Reads go out several at once: one at a time, the kernel tends to hand every
    # connection to the same idle worker, and the others would never warm up.
    with ThreadPoolExecutor(max_workers=2 * WORKERS) as pool:
        while len(sent) < MAX_WARM_READS:
            batch = [uuid.uuid4().hex for _ in range(2 * WORKERS)]
            replies = list(pool.map(read, batch))
            assert all(reply.status == 200 for reply in replies), [r.body for r in replies]
            sent.update(batch)
            served = workers_that_served(server, sent)
            if len(served) == WORKERS and min(served.values()) >= WARM_READS_PER_WORKER:
                return replies[-1].json
    pytest.fail(f"{MAX_WARM_READS} reads of {path} did not reach every worker: {served}")


def read_after_write(client: Client, path: str, shows: Callable[[Any], bool]) -> None:
    """50 reads through fresh connections, each of which must show the write."""
    stale = []
    for n in range(READS_AFTER_WRITE):
        reply = client.get(path)
        assert reply.status == 200, reply.body
        if not shows(reply.json):
            stale.append((n, reply.json))
    assert stale == [], f"{len(stale)} of {READS_AFTER_WRITE} reads of {path} were stale"


def named(name: str) -> Callable[[Any], bool]:
    return lambda product: bool(product["name"] == name)


def test_a_renamed_product_is_seen_by_every_worker_at_once(server: Server, admin: Client) -> None:
    sku, _ = stocked(admin, 5)
    path = f"/api/v1/products/{sku}"
    for attempt in range(2):
        name = f"Renamed {attempt}"
        assert warm(server, admin, path)["name"] != name

        admin.ok("PATCH", path, {"name": name})

        read_after_write(admin, path, named(name))


def test_a_receipt_is_seen_in_the_product_stock_by_every_worker(
    server: Server, admin: Client
) -> None:
    sku, warehouse = stocked(admin, 5)
    path = f"/api/v1/products/{sku}/stock"
    assert warm(server, admin, path)["totals"]["on_hand"] == 5

    admin.ok("POST", "/api/v1/movements", receipt(sku, warehouse, 3))

    read_after_write(admin, path, lambda stock: stock["totals"]["on_hand"] == 8)


def test_a_renamed_product_is_seen_in_the_product_list_by_every_worker(
    server: Server, admin: Client
) -> None:
    sku, _ = stocked(admin, 0)
    path = f"/api/v1/products?q={sku}&limit=50"
    assert [p["name"] for p in warm(server, admin, path)["items"]] == [f"Product {sku}"]

    admin.ok("PATCH", f"/api/v1/products/{sku}", {"name": "Listed anew"})

    read_after_write(
        admin, path, lambda page: [p["name"] for p in page["items"]] == ["Listed anew"]
    )


def test_a_receipt_is_seen_in_the_warehouse_stock_list_by_every_worker(
    server: Server, admin: Client
) -> None:
    sku, warehouse = stocked(admin, 5)
    path = f"/api/v1/warehouses/{warehouse}/stock?limit=50"
    assert [level["on_hand"] for level in warm(server, admin, path)["items"]] == [5]

    admin.ok("POST", "/api/v1/movements", receipt(sku, warehouse, 4))

    read_after_write(admin, path, lambda page: [lv["on_hand"] for lv in page["items"]] == [9])


def test_a_receipt_is_seen_in_the_movement_list_by_every_worker(
    server: Server, admin: Client
) -> None:
    sku, warehouse = stocked(admin, 5)
    path = f"/api/v1/movements?sku={sku}&limit=50"
    assert len(warm(server, admin, path)["items"]) == 1

    made = admin.ok("POST", "/api/v1/movements", receipt(sku, warehouse, 2))

    read_after_write(admin, path, lambda page: [m["id"] for m in page["items"]][-1] == made["id"])


def test_a_write_made_by_the_cli_is_seen_by_every_worker_at_once(
    server: Server, admin: Client
) -> None:
    sku, _ = stocked(admin, 5)
    path = f"/api/v1/products/{sku}"
    warm(server, admin, path)

    server.cli.ok("products", "update", sku, "--name", "Renamed from the CLI")

    read_after_write(admin, path, lambda product: product["name"] == "Renamed from the CLI")


def test_a_key_revoked_from_the_cli_is_refused_by_every_worker_at_once(
    server: Server, admin: Client
) -> None:
    sku, _ = stocked(admin, 5)
    name = unique("till")
    viewer = server.client(server.key("viewer", name))
    path = f"/api/v1/products/{sku}"
    warm(server, viewer, path)
    (key_id,) = [
        key["id"] for key in server.cli.json("keys", "list")["items"] if key["name"] == name
    ]

    server.cli.ok("keys", "revoke", key_id)

    refused = [viewer.get(path).status for _ in range(READS_AFTER_WRITE)]
    assert refused == [401] * READS_AFTER_WRITE


def test_the_cache_is_kept_where_the_setting_says(server: Server, admin: Client) -> None:
    setting = server.cli.env["INVENTORY_CACHE"]
    sku, _ = stocked(admin, 1)

    warm(server, admin, f"/api/v1/products/{sku}")

    if setting == "memory":
        assert not (server.cli.cwd / "cache").exists()
    elif setting.startswith("redis://"):
        redis = Redis.from_url(setting)
        try:
            assert any(True for _ in redis.scan_iter(match="inventory:cache:*", count=1000))
        finally:
            redis.close()
        assert not (server.cli.cwd / "cache").exists()
    else:  # file:PATH, whose directory did not exist before the server started
        directory = Path(setting.removeprefix("file:"))
        assert len(FileCache(directory)) > 0  # another opener of the same directory sees them
