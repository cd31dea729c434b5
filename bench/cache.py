"""The cache and id adapters old vs new, then what the read cache buys per read, on SQLite.

    python bench/cache.py [--products N] [--reads N] [--cache-dir DIR] [--adapters-only]

Old (bench/legacy_cache.py) and new take turns; see docs/adr/0001-cache-and-id-libraries.md.
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from legacy_cache import LegacyFileCache, LegacyMemoryCache, legacy_new_id  # beside this file

from inventory.adapters.cache import FileCache, MemoryCache
from inventory.adapters.clock import utc_now
from inventory.adapters.ids import new_id, new_secret
from inventory.adapters.sqlite.database import SqliteDatabase
from inventory.application.access import authenticate, create_api_key
from inventory.application.caching import ReadThrough
from inventory.application.catalog import add_warehouse
from inventory.application.commands import (
    CreateApiKey,
    CreateProduct,
    CreateWarehouse,
    ReceiveStock,
)
from inventory.application.ports import Cache
from inventory.application.reports import valuation_report
from inventory.application.scopes import LEVELS, PRODUCTS, scopes
from inventory.application.stock import record_movements
from inventory.bootstrap import Services
from inventory.config import Settings
from inventory.domain.catalog import Product
from inventory.domain.keys import Role
from inventory.entrypoints.http.app import wsgi_app
from inventory.entrypoints.http.routes import API_ROUTES

# (what, the route's template, a path to read: product number n)
CANDIDATES = (
    ("GET product", "/api/v1/products/{sku}", "/api/v1/products/SKU-{n:05d}"),
    ("GET product stock", "/api/v1/products/{sku}/stock", "/api/v1/products/SKU-{n:05d}/stock"),
    ("GET 50 products", "/api/v1/products", "/api/v1/products?limit=50"),
    ("GET 50 levels of a warehouse", "/api/v1/warehouses/{code}/stock",
     "/api/v1/warehouses/WH-0/stock?limit=50"),
    ("GET 50 movements", "/api/v1/movements", "/api/v1/movements?limit=50"),
)  # fmt: skip
CACHED_TEMPLATES = {template for _, template, _ in CANDIDATES}
TTL = 300


def build(directory: Path, products: int, warehouses: int) -> tuple[SqliteDatabase, str]:
    """The database, filled; and an admin key's secret."""
    database = SqliteDatabase(directory / "bench.db", synchronous="normal")
    database.migrate()
    uow = database.unit_of_work
    codes = [f"WH-{n}" for n in range(warehouses)]
    for code in codes:
        add_warehouse(CreateWarehouse(code=code, name=f"Warehouse {code}"), uow(), utc_now)
    with uow() as writing:
        writing.products.add_all(
            [
                Product.register(
                    f"SKU-{n:05d}",
                    CreateProduct(sku=f"SKU-{n:05d}", name=f"Product {n}").details(),
                    utc_now(),
                )
                for n in range(products)
            ]
        )
        writing.commit()
    receipts = (
        ReceiveStock(sku=f"SKU-{n:05d}", warehouse=code, quantity=5 + n % 7, unit_cost="1.2500")
        for n in range(products)
        for code in codes
    )
    record_movements(receipts, uow(), utc_now, new_id, "bench")
    _, secret = create_api_key(
        CreateApiKey(name="bench", role=Role.ADMIN), uow(), utc_now, new_id, new_secret
    )
    return database, secret


def per_call(
    actions: list[Callable[[], object]], calls: int, setup: Callable[[], object] | None = None
) -> list[float]:
    """Microseconds per call of each action, the best of 7 runs (``setup`` runs before each
    call, untimed).

    The best rather than the median: other processes on the machine only ever add time.
    The actions take turns run by run, so that such load falls on all of them alike.
    """
    calls = max(calls, 1)
    for action in actions:
        for _ in range(min(calls, 20)):
            if setup:
                setup()
            action()
    best = [float("inf")] * len(actions)
    for _ in range(7):
        for i, action in enumerate(actions):
            spent = 0.0
            for _ in range(calls):
                if setup:
                    setup()
                started = time.perf_counter()
                action()
                spent += time.perf_counter() - started
            best[i] = min(best[i], spent / calls * 1e6)
    return best


def hits_and_misses(hits: list[float], misses: list[float]) -> list[float]:
    """Hit, miss, hit, miss, ... in the table's order of columns."""
    return [figure for pair in zip(hits, misses, strict=True) for figure in pair]


def environ(path: str, secret: str) -> dict[str, Any]:
    target, _, query = path.partition("?")
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": target,
        "QUERY_STRING": query,
        "SERVER_NAME": "bench",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_AUTHORIZATION": f"Bearer {secret}",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
    }


class Variant:
    """The whole application over one cache setting."""

    def __init__(self, database: SqliteDatabase, cache: Cache | None) -> None:
        settings = Settings(database_url="memory://", cache_ttl=TTL)
        services = Services(settings, database, utc_now, new_id, new_secret, cache=cache)
        # Every candidate is a cached route: each keeps the scopes its table names.
        assert all(
            route.cached is not None
            for route in API_ROUTES
            if route.method == "GET" and route.template in CACHED_TEMPLATES
        )
        routes = list(API_ROUTES)
        self.app = wsgi_app(services, routes)

    def get(self, path: str, secret: str) -> bytes:
        status: list[str] = []

        def start_response(line: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
            status.append(line)

        body = b"".join(self.app(environ(path, secret), start_response))
        assert status[0].startswith("200"), (path, status, body[:200])
        return body


def row(name: str, figures: list[float]) -> str:
    cells = [f"{figure:,.1f}" for figure in figures] + [""] * (10 - len(figures))
    return f"| {name} | " + " | ".join(cells) + " |"


ADAPTER_KEYS = 1_000
ADAPTER_VALUE = b"x" * 1_024


def side_by_side(
    actions: list[Callable[[int], object]], calls: int
) -> list[tuple[float, float, float]]:
    """For each action: operations per second (the best of 7 batches), and the median and
    p99 of single calls (us).

    The actions take turns, batch by batch and chunk by chunk, so that other load on the
    machine falls on all of them alike. Each is given the call's number, to pick a key.
    """
    for action in actions:
        for n in range(min(calls, 200)):
            action(n)
    best = [0.0] * len(actions)
    for _ in range(7):
        for i, action in enumerate(actions):
            started = time.perf_counter()
            for n in range(calls):
                action(n)
            best[i] = max(best[i], calls / (time.perf_counter() - started))
    single: list[list[int]] = [[] for _ in actions]
    chunk = max(calls // 10, 1)
    for first in range(0, calls, chunk):
        for i, action in enumerate(actions):
            for n in range(first, min(first + chunk, calls)):
                started_ns = time.perf_counter_ns()
                action(n)
                single[i].append(time.perf_counter_ns() - started_ns)
    figures = []
    for rate, samples in zip(best, single, strict=True):
        samples.sort()
        figures.append(
            (rate, samples[len(samples) // 2] / 1e3, samples[len(samples) * 99 // 100] / 1e3)
        )
    return figures


def compare_adapters(caches: Path, calls: int) -> None:
    """Old and new memory cache, file cache and id generator, in one table."""
    keys = [f"product:SKU-{n:05d}@7" for n in range(ADAPTER_KEYS)]
    absent = [f"absent:{n}" for n in range(ADAPTER_KEYS)]

    def operations(cache: Cache) -> list[tuple[str, Callable[[int], object]]]:
        for key in keys:
            cache.set(key, ADAPTER_VALUE, TTL)
        return [
            ("get, hit", lambda c: cache.get(keys[c % ADAPTER_KEYS])),
            ("get, miss", lambda c: cache.get(absent[c % ADAPTER_KEYS])),
            ("set (replace)", lambda c: cache.set(keys[c % ADAPTER_KEYS], ADAPTER_VALUE, TTL)),
        ]

    def line(name: str, old: Callable[[int], object], new: Callable[[int], object], n: int) -> None:
        (old_rate, old_p50, old_p99), (new_rate, new_p50, new_p99) = side_by_side([old, new], n)
        print(
            f"| {name} | {old_rate:,.0f} | {new_rate:,.0f} | {new_rate / old_rate:.2f}x"
            f" | {old_p50:,.2f} | {new_p50:,.2f} | {old_p99:,.2f} | {new_p99:,.2f} |"
        )

    print(f"Adapters, old (home-made) vs new (library); 1 KiB values under {ADAPTER_KEYS:,} keys")
    print()
    print("| operation | old ops/s | new ops/s | new/old | old p50 us | new p50 us"
          " | old p99 us | new p99 us |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    pairs: list[tuple[str, Cache, Cache, int]] = [
        ("memory", LegacyMemoryCache(), MemoryCache(), calls),
        ("file", LegacyFileCache(caches / "old"), FileCache(caches / "new"), calls // 4),
    ]
    for kind, old, new, n in pairs:
        for (name, old_op), (_, new_op) in zip(operations(old), operations(new), strict=True):
            line(f"{kind} {name}", old_op, new_op, n)
    line("new id", lambda c: legacy_new_id(), lambda c: new_id(), calls)
    print()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=2500)
    parser.add_argument("--warehouses", type=int, default=4)
    parser.add_argument("--reads", type=int, default=2000)
    parser.add_argument(
        "--cache-dir",
        type=Path,
        help="where the file caches go (default: beside the database, in a temporary"
        " directory); e.g. /dev/shm to measure a file cache on tmpfs",
    )
    parser.add_argument(
        "--adapters-only",
        action="store_true",
        help="compare the old and new adapters only, not the reads through the application",
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(dir=args.cache_dir) as scratch:
        compare_adapters(Path(scratch), max(args.reads * 10, 100))
    if args.adapters_only:
        return

    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        database, secret = build(directory, args.products, args.warehouses)
        levels = args.products * args.warehouses
        reads = args.reads
        files = [0]

        caches = Path(tempfile.mkdtemp(dir=args.cache_dir)) if args.cache_dir else directory

        def file_cache() -> Cache:
            files[0] += 1
            return FileCache(caches / f"cache-{files[0]}")

        def old_file_cache() -> Cache:
            files[0] += 1
            return LegacyFileCache(caches / f"cache-{files[0]}")

        kinds: list[tuple[str, Callable[[], Cache]]] = [
            ("memory", MemoryCache),
            ("file", file_cache),
            ("old memory", LegacyMemoryCache),
            ("old file", old_file_cache),
        ]
        off = Variant(database, None)
        variants = [Variant(database, make()) for _, make in kinds]

        print(f"{args.products:,} products, {levels:,} stock levels and movements; us per read")
        print()
        heads = " | ".join(f"{kind} hit | {kind} miss" for kind, _ in kinds)
        print(f"| read | uncached | uncached after a write | {heads} |")
        print("|---|" + "---:|" * (2 + 2 * len(kinds)))

        # A miss is what the first read after a write meets: the generation has moved on.
        writer = database.connect()

        def written() -> None:
            writer.execute("UPDATE cache_versions SET version = version + 1 WHERE scope = '*'")

        def generation() -> int:
            with database.unit_of_work().reading() as uow:
                return uow.versions([scopes()])[0]

        alone = [*per_call([generation], reads), *per_call([generation], reads, setup=written)]
        print(row("generation read alone", alone))

        def auth() -> object:
            return authenticate(secret, Role.VIEWER, database.unit_of_work())

        def auth_cached(cache: Cache) -> object:
            """The key's lookup through the cache, as the HTTP layer makes it."""
            reads_once = ReadThrough(cache, TTL)
            return authenticate(secret, Role.VIEWER, database.unit_of_work(), reads_once)

        auth_caches = [partial(auth_cached, make()) for _, make in kinds]
        figures = [*per_call([auth], reads), *per_call([auth], reads, setup=written)]
        figures += hits_and_misses(
            per_call(auth_caches, reads), per_call(auth_caches, reads // 4, setup=written)
        )
        print(row("authenticate", figures))

        for name, _, pattern in CANDIDATES:
            path = pattern.format(n=min(42, args.products - 1))
            n = reads if "50" not in name else reads // 4
            for variant in (off, *variants):
                variant.get(path, secret)  # warm
            uncached = partial(off.get, path, secret)
            cached = [partial(variant.get, path, secret) for variant in variants]
            figures = [*per_call([uncached], n), *per_call([uncached], n, setup=written)]
            figures += hits_and_misses(per_call(cached, n), per_call(cached, n // 4, setup=written))
            print(row(name, figures))

        def valuation(cache: Cache | None) -> bytes:
            def compute(uow: Any) -> bytes:
                report = valuation_report(uow)
                return json.dumps({"rows": list(report), "total": report.total()}).encode()

            return ReadThrough(cache, TTL).read(
                database.unit_of_work(),
                "valuation",
                scopes(LEVELS, PRODUCTS),
                compute,
                lambda v: v,
                lambda v: v,
            )

        warm = [make() for _, make in kinds]
        for cache in warm:
            valuation(cache)
        valuations = [partial(valuation, cache) for cache in warm]
        uncached_valuation = partial(valuation, None)
        figures = [
            *per_call([uncached_valuation], 5),
            *per_call([uncached_valuation], 5, setup=written),
        ]
        figures += hits_and_misses(
            per_call(valuations, reads // 4), per_call(valuations, 5, setup=written)
        )
        print(row(f"valuation, {levels:,} levels", figures))

        # Ids on their hottest path: one per movement recorded.
        batch = 200
        receipts = [
            ReceiveStock(
                sku=f"SKU-{n % args.products:05d}", warehouse="WH-0", quantity=1, unit_cost="1.2500"
            )
            for n in range(batch)
        ]
        print()
        print(f"| record {batch} receipts, us per movement | with the old ids | with the new ids |")
        print("|---|---:|---:|")

        def recording(ids: Callable[[], str]) -> Callable[[int], object]:
            return lambda _: record_movements(receipts, database.unit_of_work(), utc_now, ids, "b")

        rates = side_by_side([recording(legacy_new_id), recording(new_id)], max(reads // 100, 3))
        old_us, new_us = (1e6 / rate / batch for rate, _, _ in rates)
        print(f"| record_movements | {old_us:,.1f} | {new_us:,.1f} |")
        writer.close()
        database.close()
        if args.cache_dir:
            shutil.rmtree(caches)


if __name__ == "__main__":
    main()
