"""A product's stock per location and lot beside its plain stock read, in the same run.

    python bench/stock_detail.py [--bins 50] [--lots 20] [--requests 2000]
        [--stores sqlite,postgres] [--caches off,memory] [--postgres-url URL]

One lot-tracked product is spread over ``bins`` bin locations of one
warehouse, ``lots`` lots in each (50 x 20 = 1,000 (location, lot) levels), by
receipts through the API; both reads are checked against what was received.
Then, on the same database, ``requests`` requests of each, interleaved, one
at a time, after a warm-up:

- ``plain``: GET /api/v1/products/{sku}/stock (the per-(sku, warehouse) read,
  the baseline: what every v1 client reads);
- ``detail``: GET /api/v1/products/{sku}/stock?detail=true (the same plus
  every (location, lot) level with its lot's expiry: ``bins`` x ``lots`` of
  them).

Requests go through the whole WSGI application in process (routing, API key,
the query, the JSON answer; no socket, no server; its heap settled as a
worker's is once loaded), once for each cache
setting of ``--caches``: ``off`` (every request reads the database: the
cost of the query and of building the answer) and ``memory`` (the server's
default: after the warm-up every answer is a cache hit). For each, prints
requests/s and latency p50/p99 of both reads, and detail's cost (mean time a
request, the inverse of requests/s) as a multiple of plain's, judged against
the goal of at most 2x, with the ratio of their medians beside it (steadier
on a busy machine). The stores (``--stores``): ``sqlite`` (a fresh file) and
``postgres`` (a fresh schema of ``--postgres-url``, default
``$INVENTORY_TEST_POSTGRES_URL``, dropped at the end). Exits 1 if an answer
is not 200 or not what was received (never on the goal).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: for inventory

from http_api import add_postgres_url, postgres_schema

from inventory.application.access import create_api_key
from inventory.application.commands import CreateApiKey
from inventory.bootstrap import Services, bootstrap
from inventory.config import load_settings
from inventory.domain.keys import Role
from inventory.entrypoints.http.app import wsgi_app
from inventory.entrypoints.http.routes import API_ROUTES
from inventory.entrypoints.http.server import settle_heap

STORES = ("sqlite", "postgres")
CACHES = ("off", "memory")
GOAL = 2.0
"""The detail read may cost at most this many times the plain read."""
SKU, WAREHOUSE = "BENCH-LOTS", "MAIN"
PATHS = {
    "plain": f"/api/v1/products/{SKU}/stock",
    "detail": f"/api/v1/products/{SKU}/stock?detail=true",
}

App = Callable[[dict[str, Any], Callable[..., Any]], Any]


class Failed(Exception):
    """An answer that was not the one expected."""


def request(app: App, method: str, path: str, key: str, body: Any = None) -> tuple[int, bytes]:
    """One request straight into the WSGI app: (status, body)."""
    target, _, query = path.partition("?")
    data = b"" if body is None else json.dumps(body).encode()
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method, "PATH_INFO": target, "QUERY_STRING": query,
        "SCRIPT_NAME": "", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
        "HTTP_AUTHORIZATION": f"Bearer {key}", "wsgi.input": io.BytesIO(data),
        "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr, "wsgi.version": (1, 0),
        "wsgi.multithread": False, "wsgi.multiprocess": False, "wsgi.run_once": False,
    }  # fmt: skip
    if data:
        environ["CONTENT_TYPE"] = "application/json"
        environ["CONTENT_LENGTH"] = str(len(data))
    started: list[str] = []

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        started.append(status)
        return lambda chunk: None

    result = app(environ, start_response)
    try:
        answer = b"".join(result)
    finally:
        getattr(result, "close", lambda: None)()
    return int(started[-1].split()[0]), answer


def ok(app: App, method: str, path: str, key: str, body: Any = None) -> Any:
    status, answer = request(app, method, path, key, body)
    if not 200 <= status < 300:
        raise Failed(f"{method} {path}: {status} {answer[:300]!r}")
    return json.loads(answer) if answer else None


def spread(app: App, key: str, bins: int, lots: int) -> dict[tuple[str, str], int]:
    """The product over ``bins`` x ``lots`` levels: what each (location, lot) holds."""
    ok(app, "POST", "/api/v1/warehouses", key, {"code": WAREHOUSE, "name": "Main"})
    ok(app, "POST", "/api/v1/products", key,
       {"sku": SKU, "name": "Yoghurt", "tracking": "lot"})  # fmt: skip
    today = datetime.now(UTC).date()
    held = {}
    for b in range(bins):
        location = f"BIN-{b:03d}"
        ok(app, "POST", f"/api/v1/warehouses/{WAREHOUSE}/locations", key, {"code": location})
        for n in range(lots):
            lot = f"L-{n:03d}"
            expires_on = (today + timedelta(days=30 + n)).isoformat()
            quantity = 1 + (b * lots + n) % 7
            ok(app, "POST", "/api/v1/movements", key,
               {"type": "receipt", "sku": SKU, "warehouse": WAREHOUSE, "quantity": quantity,
                "unit_cost": "1.0000", "location": location,
                "lot": {"code": lot, "expires_on": expires_on}})  # fmt: skip
            held[location, lot] = quantity
    return held


def verify(app: App, key: str, held: dict[tuple[str, str], int]) -> None:
    """Both reads answer what was received, before anything is timed."""
    plain = ok(app, "GET", f"/api/v1/products/{SKU}/stock", key)
    if plain["totals"]["on_hand"] != sum(held.values()):
        raise Failed(f"plain read: totals {plain['totals']}, received {sum(held.values())}")
    detail = ok(app, "GET", f"/api/v1/products/{SKU}/stock?detail=true", key)
    (warehouse,) = detail["warehouses"]
    levels = {(lv["location"], lv["lot"]): lv["on_hand"] for lv in warehouse["levels"]}
    if levels != held:
        raise Failed(f"detail read: {len(levels)} levels, {len(held)} received, or other figures")


def measure(app: App, key: str, paths: dict[str, str], count: int) -> dict[str, list[float]]:
    """``count`` timed requests of each path, interleaved one by one: seconds each."""
    timings: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(max(20, count // 10)):  # warm-up: connections, caches, code paths
        for path in paths.values():
            request(app, "GET", path, key)
    for _ in range(count):
        for name, path in paths.items():
            began = time.perf_counter()
            status, _ = request(app, "GET", path, key)
            timings[name].append(time.perf_counter() - began)
            if status != 200:
                raise Failed(f"GET {path}: {status}")
    return timings


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@contextmanager
def database(store: str, directory: Path, args: argparse.Namespace) -> Iterator[str]:
    if store == "sqlite":
        yield f"sqlite:///{directory / 'bench.db'}"
        return
    with postgres_schema(args.postgres_url) as url:
        yield url


@contextmanager
def served(url: str, cache: str) -> Iterator[tuple[App, str, Services]]:
    settings = load_settings(database_url=url, cache=cache, rate_limit="off")
    services = bootstrap(settings)
    try:
        _, secret = create_api_key(
            CreateApiKey(name="bench", role=Role.ADMIN),
            services.uow(),
            services.clock,
            services.new_id,
            services.new_secret,
        )
        app = wsgi_app(services, API_ROUTES)
        settle_heap()  # as a server's worker does once loaded
        yield app, secret, services
    finally:
        services.close()


def run_store(store: str, args: argparse.Namespace, caches: list[str]) -> None:
    """Set up and verify on one store, then measure with each cache setting."""
    with (
        tempfile.TemporaryDirectory(prefix="inventory-bench-") as tmp,
        database(store, Path(tmp), args) as url,
    ):
        with served(url, "off") as (app, key, _):
            began = time.perf_counter()
            held = spread(app, key, args.bins, args.lots)
            print(f"{store:8} set up {len(held)} levels ({args.bins} bins x {args.lots} lots)"
                  f" in {time.perf_counter() - began:.1f}s", flush=True)  # fmt: skip
            verify(app, key, held)
        for cache in caches:
            with served(url, cache) as (app, key, _):
                timings = measure(app, key, PATHS, args.requests)
            means = {name: statistics.fmean(seconds) for name, seconds in timings.items()}
            for name, seconds in timings.items():
                print(f"{store:8} cache {cache:6} {name:6} {1 / means[name]:8.0f} req/s"
                      f"   p50 {percentile(seconds, 0.50) * 1000:7.3f} ms"
                      f"   p99 {percentile(seconds, 0.99) * 1000:7.3f} ms"
                      f"   ({len(seconds)} requests)", flush=True)  # fmt: skip
            ratio = means["detail"] / means["plain"]
            medians = percentile(timings["detail"], 0.5) / percentile(timings["plain"], 0.5)
            verdict = "MET" if ratio <= GOAL else "NOT MET"
            print(f"{store:8} cache {cache:6} detail costs {ratio:.2f}x the plain read"
                  f" (p50 {medians:.2f}x); goal <= {GOAL:g}x: {verdict}", flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bins", type=int, default=50)
    parser.add_argument("--lots", type=int, default=20)
    parser.add_argument("--requests", type=int, default=2000, help="timed requests of each read")
    parser.add_argument("--stores", default="sqlite",
                        help=f"comma-separated, among {', '.join(STORES)}")  # fmt: skip
    parser.add_argument("--caches", default="off,memory",
                        help="the cache settings to measure with: off, memory")  # fmt: skip
    add_postgres_url(parser, "a schema")
    args = parser.parse_args()
    stores = [store.strip() for store in args.stores.split(",") if store.strip()]
    unknown = sorted(set(stores) - set(STORES))
    if unknown or not stores:
        parser.error(f"--stores: {', '.join(unknown) or 'none given'}; choose among {STORES}")
    caches = [cache.strip() for cache in args.caches.split(",") if cache.strip()]
    if not caches or set(caches) - set(CACHES):
        parser.error(f"--caches: {args.caches!r}; choose among {CACHES}")
    print(f"{os.cpu_count()} CPUs; in process, one request at a time; stores {', '.join(stores)}")
    try:
        for store in stores:
            run_store(store, args, caches)
    except Failed as exc:
        sys.exit(f"failed: {exc}")
    print(json.dumps({"done": True}))


if __name__ == "__main__":
    main()
