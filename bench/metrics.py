"""What metrics and access logging cost a request, and what a scrape costs, in one process.

    python bench/metrics.py [--requests 20000] [--workers 9] [--store memory|sqlite]

Runs ``GET /health`` and ``GET /api/v1/products/{sku}`` (a cached read with a
key check) through the whole WSGI application in process (no sockets; memory
storage, or a SQLite file with ``--store sqlite``, where each cached read
checks its versions in the database as a server's does), ``--requests`` times
each, the best of 7 runs (each run times every variant in turn), with:

- ``bare``: the application with metrics that count nothing (the baseline);
- ``in-process``: ``prometheus_client`` values in this process's memory;
- ``multi-process``: the values in memory-mapped files, as a server's workers
  keep them (``PROMETHEUS_MULTIPROC_DIR``); measured last, since the switch to
  file-backed values is for the whole process;
- ``+ access log``: multi-process metrics plus the access line (text, then
  JSON), written to a stream in memory by the server's handler.

Then what one access line costs alone (``log_access``, text and JSON): by the
server's handler, which writes it directly, and through a ``LogRecord`` and the
same formatter (the way any other handler gets it); and the cost of one
``GET /metrics`` exposition summing the files of ``--workers`` processes, each
with a value for every route.
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from wsgiref.util import setup_testing_defaults

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inventory.adapters.cache import MemoryCache
from inventory.adapters.clock import utc_now
from inventory.adapters.ids import new_id, new_secret
from inventory.adapters.memory import MemoryStorage
from inventory.adapters.metrics import NoMetrics, PrometheusMetrics
from inventory.adapters.sqlite import SqliteDatabase
from inventory.application.access import create_api_key
from inventory.application.commands import CreateApiKey
from inventory.application.ports import Metrics, Storage
from inventory.bootstrap import Services
from inventory.config import Settings
from inventory.domain.keys import Role
from inventory.entrypoints.http.routes import create_app
from inventory.entrypoints.logs import LineHandler, formatter, log_access, request_context

RUNS = 7


def application(metrics: Metrics, store: str) -> tuple[Callable[[str], None], str]:
    storage: Storage = MemoryStorage()
    if store != "memory":  # a fresh SQLite file in the directory named
        storage = SqliteDatabase.from_url(f"sqlite:///{Path(store) / f'{new_id()}.db'}")
        storage.migrate()
    settings = Settings(database_url="memory://", rate_limit="off")
    services = Services(
        settings, storage, utc_now, new_id, new_secret, cache=MemoryCache(), metrics=metrics
    )
    _, secret = create_api_key(
        CreateApiKey(name="bench", role=Role.ADMIN), storage.unit_of_work(), utc_now, new_id,
        new_secret,
    )  # fmt: skip
    app = create_app(services)

    def get(path: str) -> None:
        environ: dict[str, object] = {
            "REQUEST_METHOD": "GET", "PATH_INFO": path, "HTTP_AUTHORIZATION": f"Bearer {secret}",
        }  # fmt: skip
        setup_testing_defaults(environ)
        for _ in app(environ, lambda status, headers, exc_info=None: lambda data: None):
            pass

    body = b'{"sku": "BOLT", "name": "Bolt"}'
    environ: dict[str, object] = {
        "REQUEST_METHOD": "POST", "PATH_INFO": "/api/v1/products",
        "HTTP_AUTHORIZATION": f"Bearer {secret}", "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body),
    }  # fmt: skip
    setup_testing_defaults(environ)
    list(app(environ, lambda status, headers, exc_info=None: lambda data: None))
    return get, secret


def per_request(get: Callable[[str], None], path: str, requests: int) -> float:
    """Microseconds per request, over ``requests`` requests."""
    started = time.perf_counter()
    for _ in range(requests):
        get(path)
    return (time.perf_counter() - started) / requests * 1e6


def access_lines(access: logging.Logger, lines: int = 2_000) -> None:
    """Print what one access line costs, by the server's handler and through a record."""
    handlers: dict[str, logging.Handler] = {}
    for log_format in ("text", "json"):
        handlers[f"{log_format}, server's handler (direct)"] = LineHandler(
            log_format, io.StringIO()
        )
        through_record = logging.StreamHandler(io.StringIO())
        through_record.setFormatter(formatter(log_format))
        handlers[f"{log_format}, through a LogRecord"] = through_record
    best = dict.fromkeys(handlers, float("inf"))
    access.setLevel(logging.INFO)
    with request_context("5098bb361f5e415ab6ddc8d62080312d"):
        for _ in range(RUNS * 10):  # short runs, many: the best one is the least disturbed
            for name, handler in handlers.items():
                access.addHandler(handler)
                started = time.perf_counter()
                for _ in range(lines):
                    log_access("GET", "/api/v1/products/{sku}", "200", 0.00123, "scanner-1")
                took = (time.perf_counter() - started) / lines * 1e6
                access.removeHandler(handler)
                handler.stream = io.StringIO()  # type: ignore[attr-defined]
                best[name] = min(best[name], took)
    access.setLevel(logging.WARNING)
    print(f"\none access line, best of {RUNS * 10} runs of {lines:,} (microseconds)")
    for name, took in best.items():
        print(f"  {name:<34}{took:>8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=9)
    parser.add_argument("--store", choices=["memory", "sqlite"], default="memory")
    args = parser.parse_args()
    databases = tempfile.mkdtemp(prefix="bench-metrics-db-")
    store = "memory" if args.store == "memory" else databases
    paths = {"/health": "/health", "product": "/api/v1/products/BOLT"}
    access = logging.getLogger("inventory.access")
    access.setLevel(logging.WARNING)

    # Every application is made, and has served each path once, before the switch
    # to file-backed values: a labelled value is made on its first use, with the
    # value class of that moment.
    apps: dict[str, Callable[[str], None]] = {}
    for name, make in (("bare", NoMetrics), ("in-process", PrometheusMetrics)):
        apps[name], _ = application(make(), store)
        for path in paths.values():
            apps[name](path)
    directory = tempfile.mkdtemp(prefix="bench-metrics-")
    apps["multi-process"], _ = application(PrometheusMetrics(directory), store)
    logged: dict[str, logging.Handler] = {}
    for log_format in ("text", "json"):
        name = f"+ access log ({log_format})"
        apps[name], _ = application(PrometheusMetrics(directory), store)
        logged[name] = LineHandler(log_format, io.StringIO())

    # Round-robin: each run times every variant in turn, so that a slower spell
    # of the machine costs them all alike; the best run of each is kept.
    results: dict[str, dict[str, float]] = {name: {} for name in apps}
    for _ in range(RUNS):
        for name, get in apps.items():
            handler = logged.get(name)
            if handler is not None:
                access.addHandler(handler)
                access.setLevel(logging.INFO)
            for label, path in paths.items():
                took = per_request(get, path, args.requests)
                results[name][label] = min(took, results[name].get(label, float("inf")))
            if handler is not None:
                access.removeHandler(handler)
                access.setLevel(logging.WARNING)
                handler.stream = io.StringIO()  # type: ignore[attr-defined]

    print(
        f"per request, best of {RUNS} runs of {args.requests:,} (microseconds; in process;"
        f" {args.store} storage)"
    )
    print(f"{'variant':<22}{'GET /health':>14}{'GET product':>14}{'vs bare':>16}")
    bare = results["bare"]
    for name, figures in results.items():
        extra = figures["product"] - bare["product"]
        print(
            f"{name:<22}{figures['/health']:>14.1f}{figures['product']:>14.1f}"
            f"{'' if name == 'bare' else f'+{extra:.1f} us':>16}"
        )

    access_lines(access)

    # A scrape: the files of --workers processes, each with a value for every route.
    scrape_dir = tempfile.mkdtemp(prefix="bench-scrape-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = scrape_dir
    routes = [f"/api/v1/route{n}/{{id}}" for n in range(40)]
    for worker in range(args.workers):
        metrics = PrometheusMetrics(scrape_dir, identify=lambda worker=worker: f"bench-{worker}")
        for route in routes:
            for status in ("200", "404"):
                metrics.http_request("GET", route, status, 0.002)
        metrics.cache_lookup(True)
    reader = PrometheusMetrics(scrape_dir)
    best = float("inf")
    for _ in range(RUNS):
        started = time.perf_counter()
        body, _ = reader.exposition()
        best = min(best, time.perf_counter() - started)
    files = len(os.listdir(scrape_dir))
    shutil.rmtree(directory)
    shutil.rmtree(databases)
    shutil.rmtree(scrape_dir)
    print(
        f"\nGET /metrics over {args.workers} processes ({files} files, {len(routes)} routes x 2 "
        f"statuses): {best * 1000:.1f} ms per scrape, {len(body):,} bytes"
    )


if __name__ == "__main__":
    main()
