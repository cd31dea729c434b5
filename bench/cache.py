"""What the read cache buys on each candidate read, on SQLite, in one process.

    python bench/cache.py [--products 2500] [--warehouses 4] [--reads 2000] [--cache-dir DIR]

Builds a database of ``products`` products, each received into every one of
``warehouses`` warehouses (2,500 x 4 = 10,000 stock levels and movements),
then times each candidate read per call, the best of 7 runs:

- ``generation``: reading the data generation alone (one read snapshot, one
  query): what every cached read pays before it may use an entry.
- ``authenticate``: the use case alone (uncached), and through the cache as
  the HTTP layer runs it on a cached route, in a new scope per call (the key
  is a cached read keyed by the generation, so a revocation is seen at once).
- each HTTP read, through the whole WSGI application in process (routing,
  the API key check, the handler, rendering; no sockets): a product, its
  stock, a page of 50 products, a page of 50 levels of a warehouse, a page of
  50 movements. Every candidate route is cached for the measurement.
- ``valuation``: every valuation row and the total over all levels, as JSON.

For each: uncached (``INVENTORY_CACHE=off``), a hit and a miss with the
memory cache, and with the file cache. A hit pays the generation read and
the lookup; a miss (the first read after a write) pays them plus the
uncached work and storing the entry, so it compares with an uncached read
after a write (SQLite then reloads the pages the write changed). Files are
cheap to create on tmpfs and can be dear on a disk: ``--cache-dir`` chooses
where the file caches go.
"""

from __future__ import annotations

import argparse
import dataclasses
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
    action: Callable[[], object], calls: int, setup: Callable[[], object] | None = None
) -> float:
    """Microseconds per call, the best of 7 runs (``setup`` runs before each call, untimed).

    The best rather than the median: other processes on the machine only ever add time.
    """
    calls = max(calls, 1)
    for _ in range(min(calls, 20)):
        if setup:
            setup()
        action()
    runs = []
    for _ in range(7):
        spent = 0.0
        for _ in range(calls):
            if setup:
                setup()
            started = time.perf_counter()
            action()
            spent += time.perf_counter() - started
        runs.append(spent / calls * 1e6)
    return min(runs)


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
        settings = Settings(_env_file=None, database_url="memory://", cache_ttl=TTL)
        services = Services(settings, database, utc_now, new_id, new_secret, cache=cache)
        routes = [
            dataclasses.replace(route, cached=True)
            if route.method == "GET" and route.template in CACHED_TEMPLATES
            else route
            for route in API_ROUTES
        ]
        self.app = wsgi_app(services, routes)

    def get(self, path: str, secret: str) -> bytes:
        status: list[str] = []

        def start_response(line: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
            status.append(line)

        body = b"".join(self.app(environ(path, secret), start_response))
        assert status[0].startswith("200"), (path, status, body[:200])
        return body


def row(name: str, figures: list[float]) -> str:
    cells = [f"{figure:,.1f}" for figure in figures] + [""] * (6 - len(figures))
    return f"| {name} | " + " | ".join(cells) + " |"


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
    args = parser.parse_args(argv)

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

        off = Variant(database, None)
        memory = Variant(database, MemoryCache())
        file = Variant(database, file_cache())

        print(f"{args.products:,} products, {levels:,} stock levels and movements; us per read")
        print()
        print(
            "| read | uncached | uncached after a write | memory hit | memory miss"
            " | file hit | file miss |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|")

        # A miss is what the first read after a write meets: the generation has moved on.
        writer = database.connect()

        def written() -> None:
            writer.execute("UPDATE cache_generation SET generation = generation + 1")

        def generation() -> int:
            with database.unit_of_work().reading() as uow:
                return uow.generation()

        print(
            row(
                "generation read alone",
                [per_call(generation, reads), per_call(generation, reads, setup=written)],
            )
        )

        def auth() -> object:
            return authenticate(secret, Role.VIEWER, database.unit_of_work())

        # The key's lookup through the cache, as the HTTP layer makes it.
        held: list[Cache | None] = [None]

        def auth_cached() -> object:
            reads_once = ReadThrough(held[0], TTL)
            return authenticate(secret, Role.VIEWER, database.unit_of_work(), reads_once)

        figures = [per_call(auth, reads), per_call(auth, reads, setup=written)]
        for make in (MemoryCache, file_cache):
            held[0] = make()
            figures.append(per_call(auth_cached, reads))
            figures.append(per_call(auth_cached, reads // 4, setup=written))
        print(row("authenticate", figures))

        for name, _, pattern in CANDIDATES:
            path = pattern.format(n=min(42, args.products - 1))
            n = reads if "50" not in name else reads // 4
            for variant in (off, memory, file):
                variant.get(path, secret)  # warm
            print(
                row(
                    name,
                    [
                        per_call(partial(off.get, path, secret), n),
                        per_call(partial(off.get, path, secret), n, setup=written),
                        per_call(partial(memory.get, path, secret), n),
                        per_call(partial(memory.get, path, secret), n, setup=written),
                        per_call(partial(file.get, path, secret), n),
                        per_call(partial(file.get, path, secret), n // 4, setup=written),
                    ],
                )
            )

        def valuation(cache: Cache | None) -> bytes:
            def compute(uow: Any) -> bytes:
                report = valuation_report(uow)
                return json.dumps({"rows": list(report), "total": report.total()}).encode()

            return ReadThrough(cache, TTL).read(
                database.unit_of_work(), "valuation", compute, lambda v: v, lambda v: v
            )

        warm_memory, warm_file = MemoryCache(), file_cache()
        valuation(warm_memory)
        valuation(warm_file)
        print(
            row(
                f"valuation, {levels:,} levels",
                [
                    per_call(lambda: valuation(None), 5),
                    per_call(lambda: valuation(None), 5, setup=written),
                    per_call(lambda: valuation(warm_memory), reads),
                    per_call(lambda: valuation(warm_memory), 5, setup=written),
                    per_call(lambda: valuation(warm_file), reads // 4),
                    per_call(lambda: valuation(warm_file), 5, setup=written),
                ],
            )
        )
        writer.close()
        database.close()
        if args.cache_dir:
            shutil.rmtree(caches)


if __name__ == "__main__":
    main()
