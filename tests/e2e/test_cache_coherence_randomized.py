"""Client threads write and read at random across workers and instances: no read is stale.

API.md §8 over HTTP only, whatever the invalidation design; the check is tests/coherence.py.
Set-ups: 2 instances on one PostgreSQL schema sharing a Redis cache, 1 SQLite server with 4
workers; cache TTL a day. INVENTORY_TEST_COHERENCE_SEED=<n> replays a printed seed.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.coherence import Read, Write, check
from tests.conftest import SUMMARY
from tests.e2e.http_server import Client, Reply, Server, receipt, running_server, unique
from tests.integration.redis_server import redis_url

THREADS = 8
DURATION = 4.0
"""Seconds the clients run for: until MAX_OPERATIONS, or longer (up to LONGEST) while
fewer than MIN_OPERATIONS are done, so that a slow machine still checks enough."""
MIN_OPERATIONS = 500
MAX_OPERATIONS = 4000
LONGEST = 15.0
HOT_SKUS = 3
COLD_SKUS = 3
WAREHOUSES = 2
FIRST_RECEIPT = 10
CACHE_TTL = "86400"
"""The longest TTL there is: within a run, only invalidation can make a read fresh."""
MIN_CHECKED_READS = 300
MIN_RUN_WRITES = 30
SHOWN_VIOLATIONS = 10
SEED_VARIABLE = "INVENTORY_TEST_COHERENCE_SEED"

PRODUCTS = "/api/v1/products"


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.redis)]
)
def deployment(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[Server]]:
    """SQLite: one server, 4 workers, each caching in memory. PostgreSQL: two instances,
    2 workers each, caching in one Redis (in front of it, each worker's copy in memory)."""
    cache_ttl: dict[str, Any] = {"INVENTORY_CACHE_TTL": CACHE_TTL}
    if request.param == "sqlite":
        directory = tmp_path_factory.mktemp("randomized-sqlite")
        with running_server(
            directory, workers=4, threads=2, INVENTORY_CACHE="memory", **cache_ttl
        ) as server:
            yield [server]
        return
    env: dict[str, Any] = {"INVENTORY_CACHE": redis_url(), **cache_ttl}
    with (
        running_server(
            tmp_path_factory.mktemp("randomized-a"), backend="postgres", workers=2, threads=2, **env
        ) as first,
        running_server(
            tmp_path_factory.mktemp("randomized-b"), shared=first, workers=2, threads=2, **env
        ) as second,
    ):
        yield [first, second]


@dataclass
class Pair:
    """One (sku, warehouse): its receipts are sent one at a time, so each one's on-hand
    figure and place in the ledger are known when it is acknowledged."""

    sku: str
    warehouse: str
    on_hand: int = 0
    receipts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Shown:
    """What one read showed of one item; a movement id is turned into a figure at the end."""

    item: str
    started: float
    what: str
    figure: int | None = None
    movement: str | None = None


class Workload:
    """The skus, warehouses and history of one run; each thread appends to its own lists."""

    def __init__(self, clients: list[Client]) -> None:
        self.clients = clients
        prefix = unique("COH")
        self.prefix = prefix
        self.hot = [f"{prefix}-H{n}" for n in range(HOT_SKUS)]
        self.cold = [f"{prefix}-C{n}" for n in range(COLD_SKUS)]
        self.warehouses = [f"{prefix}-W{n}" for n in range(WAREHOUSES)]
        self.pairs = {(s, w): Pair(s, w) for s in self.hot + self.cold for w in self.warehouses}
        self.movements: dict[str, int] = {}
        """Movement id -> its place in its pair's ledger (1 for the first receipt)."""
        self.writes: list[list[Write]] = [[] for _ in range(THREADS + 1)]
        self.shown: list[list[Shown]] = [[] for _ in range(THREADS + 1)]
        self.operations = [0] * (THREADS + 1)
        self.written = [0] * (THREADS + 1)
        self.failures: list[str] = []
        self.stop = threading.Event()

    def set_up(self) -> None:
        """Warehouses, products and a first receipt of each pair, through the first client."""
        admin = self.clients[0]
        for code in self.warehouses:
            acknowledged(admin, "POST", "/api/v1/warehouses", {"code": code, "name": code})
        for sku in self.hot + self.cold:
            body = {"sku": sku, "name": f"Product {sku}"}
            product, acked = acknowledged(admin, "POST", PRODUCTS, body)
            self.writes[THREADS].append(
                Write(version(sku), product["version"], acked, f"POST {sku}")
            )
        for pair in self.pairs.values():
            self.receive(THREADS, admin, pair, FIRST_RECEIPT)

    def receive(self, me: int, client: Client, pair: Pair, quantity: int) -> None:
        body = receipt(pair.sku, pair.warehouse, quantity)
        with pair.lock:
            movement, acked = acknowledged(client, "POST", "/api/v1/movements", body)
            pair.on_hand += quantity
            pair.receipts += 1
            self.movements[movement["id"]] = pair.receipts
            what = f"receipt {movement['id']} through :{client.port}"
            self.written[me] += 1
            self.writes[me] += [
                Write(on_hand(pair.sku, pair.warehouse), pair.on_hand, acked, what),
                Write(newest(pair.sku, pair.warehouse), pair.receipts, acked, what),
            ]

    def run(self, me: int, rng: random.Random, started: float) -> None:
        operations: list[Callable[[random.Random, Client], None]] = [
            lambda rng, client: self.patch(me, rng, client),
            lambda rng, client: self.receive(
                me, client, self.pairs[rng.choice(self.hot), rng.choice(self.warehouses)],
                rng.randint(1, 5),
            ),
            lambda rng, client: self.read_product(me, rng, client),
            lambda rng, client: self.read_product_stock(me, rng, client),
            lambda rng, client: self.read_product_list(me, client),
            lambda rng, client: self.read_levels(me, rng, client),
            lambda rng, client: self.read_newest_movement(me, rng, client),
        ]  # fmt: skip
        weights = [2, 2, 3, 3, 1, 2, 2]
        try:
            while not self.stop.is_set() and self.operations[me] < MAX_OPERATIONS // THREADS:
                elapsed = time.monotonic() - started
                if elapsed > LONGEST or (
                    elapsed > DURATION and sum(self.operations) >= MIN_OPERATIONS
                ):
                    break
                (operation,) = rng.choices(operations, weights)
                operation(rng, rng.choice(self.clients))
                self.operations[me] += 1
        except Exception as exc:  # reported once every thread has stopped
            self.failures.append(f"thread {me}: {exc!r}")
            self.stop.set()

    def sku(self, rng: random.Random) -> str:
        return rng.choice(self.hot if rng.random() < 0.7 else self.cold)

    def patch(self, me: int, rng: random.Random, client: Client) -> None:
        sku = rng.choice(self.hot)
        body = {"description": f"thread {me}, operation {self.operations[me]}"}
        product, acked = acknowledged(client, "PATCH", f"{PRODUCTS}/{sku}", body)
        what = f"PATCH {sku} through :{client.port}"
        self.written[me] += 1
        self.writes[me].append(Write(version(sku), product["version"], acked, what))

    def read(self, client: Client, path: str) -> tuple[Any, float, str]:
        started = time.monotonic()
        reply = client.get(path)
        assert reply.status == 200, f"GET {path}: {reply.status} {reply.body!r}"
        return reply.json, started, f"GET {path} through :{client.port}"

    def read_product(self, me: int, rng: random.Random, client: Client) -> None:
        sku = self.sku(rng)
        product, started, what = self.read(client, f"{PRODUCTS}/{sku}")
        self.shown[me].append(Shown(version(sku), started, what, product["version"]))

    def read_product_stock(self, me: int, rng: random.Random, client: Client) -> None:
        sku = self.sku(rng)
        stock, started, what = self.read(client, f"{PRODUCTS}/{sku}/stock")
        levels = {level["warehouse"]: level["on_hand"] for level in stock["warehouses"]}
        for code in self.warehouses:
            figure = levels.get(code, -1)
            self.shown[me].append(Shown(on_hand(sku, code), started, what, figure))

    def read_product_list(self, me: int, client: Client) -> None:
        page, started, what = self.read(client, f"{PRODUCTS}?q={self.prefix}&limit=50")
        versions = {product["sku"]: product["version"] for product in page["items"]}
        for sku in self.hot + self.cold:
            self.shown[me].append(Shown(version(sku), started, what, versions.get(sku, -1)))

    def read_levels(self, me: int, rng: random.Random, client: Client) -> None:
        code = rng.choice(self.warehouses)
        page, started, what = self.read(client, f"/api/v1/warehouses/{code}/stock?limit=50")
        levels = {level["sku"]: level["on_hand"] for level in page["items"]}
        for sku in self.hot + self.cold:
            self.shown[me].append(Shown(on_hand(sku, code), started, what, levels.get(sku, -1)))

    def read_newest_movement(self, me: int, rng: random.Random, client: Client) -> None:
        sku, code = self.sku(rng), rng.choice(self.warehouses)
        path = f"/api/v1/movements?sku={sku}&warehouse={code}&sort=-created_at&limit=1"
        page, started, what = self.read(client, path)
        shown = Shown(newest(sku, code), started, what, figure=-1)
        if page["items"]:
            shown.movement = page["items"][0]["id"]
        self.shown[me].append(shown)

    def history(self) -> tuple[list[Write], list[Read]]:
        """Every write, and every read with the movements it showed placed in their ledgers."""
        writes = [write for written in self.writes for write in written]
        reads = []
        for shown in (shown for by_thread in self.shown for shown in by_thread):
            figure = shown.figure
            if shown.movement is not None:
                assert shown.movement in self.movements, f"{shown.what}: nobody wrote it"
                figure = self.movements[shown.movement]
            assert figure is not None
            reads.append(Read(shown.item, figure, shown.started, shown.what))
        return writes, reads


def version(sku: str) -> str:
    return f"version {sku}"


def on_hand(sku: str, warehouse: str) -> str:
    return f"on_hand {sku}@{warehouse}"


def newest(sku: str, warehouse: str) -> str:
    return f"receipts {sku}@{warehouse}"


def acknowledged(client: Client, method: str, path: str, body: Any) -> tuple[Any, float]:
    """The JSON of a 2xx answer and when it arrived (anything else fails the run)."""
    reply: Reply = client.request(method, path, body)
    acked = time.monotonic()
    assert 200 <= reply.status < 300, f"{method} {path}: {reply.status} {reply.body!r}"
    return reply.json, acked


def seed() -> int:
    chosen = os.environ.get(SEED_VARIABLE)
    return int(chosen) if chosen else random.SystemRandom().randrange(2**32)


def test_no_read_is_older_than_an_acknowledged_write(
    deployment: list[Server], record_property: Callable[[str, object], None]
) -> None:
    run_seed = seed()
    setup = f"{len(deployment)} instance(s) on {deployment[0].url.partition(':')[0]}"
    print(f"\nrandomized coherence ({setup}): {SEED_VARIABLE}={run_seed}")
    workload = Workload([server.client() for server in deployment])
    workload.set_up()

    started = time.monotonic()
    threads = [
        threading.Thread(target=workload.run, args=(n, random.Random(f"{run_seed}-{n}"), started))
        for n in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took = time.monotonic() - started

    assert workload.failures == [], f"seed {run_seed}: {workload.failures}"
    writes, reads = workload.history()
    report = check(writes, reads)
    run_writes = sum(workload.written[:THREADS])
    summary = (
        f"seed {run_seed}: {sum(workload.operations)} operations in {took:.1f} s,"
        f" {run_writes} writes; {report.pairs} (write, read) pairs checked over {report.reads}"
        f" readings (one item as one answer showed it), {report.close} of them begun within"
        f" 50 ms of the newest write checked; {len(report.violations)} stale"
    )
    print(f"randomized coherence ({setup}): {summary}")
    record_property("coherence_pairs", report.pairs)
    record_property(SUMMARY, summary)

    assert report.violations == [], "\n".join(
        [f"{summary}; the first ones:", *map(str, report.violations[:SHOWN_VIOLATIONS])]
    )
    assert run_writes >= MIN_RUN_WRITES, summary
    assert report.reads >= MIN_CHECKED_READS, summary
