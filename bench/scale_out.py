"""Contended orders on one sku through two instances on one PostgreSQL, beside one on SQLite.

    python bench/scale_out.py [--units 2000] [--attempts 3000] [--clients 16] [--workers 2]
        [--postgres-url URL] [--redis-url URL | --no-redis]

Stocks one sku with ``units`` units, then has ``clients`` client threads place
1-unit orders for it (``POST /api/v1/orders``, each with a unique
``reference``), all at once, until ``attempts`` orders were sent: far more
than there is stock, so every order after the first ``units`` must be refused.
Each thread keeps one ``http.client`` connection (reopened when the server
closes it, as gunicorn's sync worker does after each answer) and sends its
next order as soon as the last is answered. Two runs, in this order:

- ``baseline``: ONE ``inventory serve`` on a fresh SQLite file, with as many
  processes as the two instances below together (``2 x workers``): what one
  host serves today.
- ``scale-out``: TWO ``inventory serve`` instances (``workers`` processes
  each) on one fresh PostgreSQL schema (``bench_<hex>`` in ``--postgres-url``,
  default ``$INVENTORY_TEST_POSTGRES_URL``, else the local server; dropped at
  the end, also when the run fails) and, unless ``--no-redis``, one Redis
  (``--redis-url``, default ``$INVENTORY_TEST_REDIS_URL``, else the local
  server) for their cache; the clients are split evenly between them.

Every server runs sync workers (``--threads 1``, the default shape on a small
machine), the rate limit off (the orders, not the limiter's 429s, are
measured) and no job runner (``--no-jobs``: only the request path is measured;
the low-stock alert an order may queue waits in the queue).

Prints for each run: orders attempted, answered 201, answered 409 (exactly
``units`` and ``attempts - units``, every 409 ``insufficient_stock``), any
other status or connection error (none), orders answered per second, the
rate of reservations (``units`` over the time to the last 201), and the
latency p50/p90/p99 of every answer as each client saw it. Then it checks
through the API of every instance that the sku's stock totals are on hand
``units``, reserved ``units``, available 0, that the orders listed are
exactly the ones answered 201, and that ``inventory check`` exits 0 on the
database. The last line compares the two runs' orders per second. Exits 1
if any of that fails (an oversell, a 5xx, a drift). The clients share the
machine with the servers (and, on PostgreSQL, the database server).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Run as a script, this folder is on sys.path: share the HTTP benchmark's helpers
# (importing it puts the repository's root there too, for tests.waiting).
from http_api import add_postgres_url, postgres_schema

from tests.waiting import free_port, wait_ready

BIN = Path(sys.executable).parent
LOCAL_REDIS = "redis://127.0.0.1:6379/0"
START_TIMEOUT = 30.0
REQUEST_TIMEOUT = 30.0


@dataclass
class Instance:
    """One ``inventory serve`` and the admin key that reaches it."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def request(self, method: str, path: str, key: str, body: Any = None) -> tuple[int, Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        try:
            data = None if body is None else json.dumps(body).encode()
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
        finally:
            conn.close()

    def ok(self, method: str, path: str, key: str, body: Any = None) -> Any:
        status, answer = self.request(method, path, key, body)
        if not 200 <= status < 300:
            sys.exit(f"{method} {path}: {status} {answer}")
        return answer


@dataclass
class Outcome:
    """What the clients saw: each answer's status (or error) and latency, in answer order."""

    statuses: Counter[str] = field(default_factory=Counter)
    codes_409: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    reserved: set[str] = field(default_factory=set)
    last_201: float = 0.0
    seconds: float = 0.0
    examples: list[str] = field(default_factory=list)


def server_env(database_url: str, redis_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INVENTORY_")}
    env["INVENTORY_DATABASE_URL"] = database_url
    env["INVENTORY_LOG_LEVEL"] = "WARNING"
    env["INVENTORY_RATE_LIMIT"] = "off"
    if redis_url is not None:
        env["INVENTORY_REDIS_URL"] = redis_url  # the cache is then the one in Redis
    return env


def cli(env: dict[str, str], directory: Path, *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "inventory"), *command],
        env=env, cwd=directory, capture_output=True, text=True, check=False,
    )  # fmt: skip


@contextmanager
def serving(
    env: dict[str, str], directory: Path, workers: int | None, name: str
) -> Iterator[Instance]:
    """``inventory serve`` with ``workers`` sync workers (None: the server's default count),
    ready; SIGTERM at the end."""
    port = free_port()
    log = directory / f"{name}-{port}.log"
    count = [] if workers is None else ["--workers", str(workers)]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(BIN / "inventory"), "serve", "--host", "127.0.0.1", "--port", str(port),
             *count, "--threads", "1", "--no-jobs"],
            env=env, cwd=directory, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    instance = Instance(process, port, log)
    try:
        # /health, not /ready: with --no-jobs and no worker, no runner's heartbeat
        # makes it ready (and serve has migrated before it answers at all).
        wait_ready(f"http://127.0.0.1:{port}/health", process, START_TIMEOUT, log=log)
        yield instance
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def stock_one_sku(instance: Instance, key: str, units: int) -> tuple[str, str]:
    """A new warehouse and product holding ``units`` units: (sku, warehouse)."""
    tag = secrets.token_hex(4).upper()
    sku, warehouse = f"HOT-{tag}", f"WH-{tag}"
    instance.ok("POST", "/api/v1/warehouses", key, {"code": warehouse, "name": "Scale-out"})
    instance.ok("POST", "/api/v1/products", key, {"sku": sku, "name": "The one everyone wants"})
    instance.ok(
        "POST", "/api/v1/movements", key,
        {"type": "receipt", "sku": sku, "warehouse": warehouse, "quantity": units,
         "unit_cost": "1.0000"},
    )  # fmt: skip
    return sku, warehouse


def warm_up(instances: list[Instance], key: str, sku: str, workers: int) -> None:
    """A few reads on each instance, so that every worker has opened its connections."""
    for instance in instances:
        for _ in range(8 * workers):
            instance.ok("GET", f"/api/v1/products/{sku}", key)


def contend(
    instances: list[Instance], key: str, sku: str, warehouse: str, attempts: int, clients: int
) -> Outcome:
    """``attempts`` 1-unit orders from ``clients`` threads released together, round robin."""
    outcome = Outcome()
    batch = f"SO-{secrets.token_hex(4)}"
    lock = threading.Lock()
    sent = iter(range(attempts))
    start_line = threading.Barrier(clients + 1)
    started = 0.0
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    def client(n: int) -> None:
        instance = instances[n % len(instances)]
        conn = http.client.HTTPConnection("127.0.0.1", instance.port, timeout=REQUEST_TIMEOUT)
        start_line.wait()
        try:
            while True:
                with lock:
                    order = next(sent, None)
                if order is None:
                    return
                reference = f"{batch}-{order}"
                body = json.dumps(
                    {"reference": reference, "warehouse": warehouse,
                     "lines": [{"sku": sku, "quantity": 1}]}
                ).encode()  # fmt: skip
                began = time.perf_counter()
                try:
                    conn.request("POST", "/api/v1/orders", body=body, headers=headers)
                    response = conn.getresponse()
                    raw = response.read()
                except (OSError, http.client.HTTPException) as exc:
                    conn.close()  # the next request opens a fresh one
                    answered = time.perf_counter()
                    status, detail = f"error {type(exc).__name__}", str(exc)
                else:
                    answered = time.perf_counter()
                    status, detail = str(response.status), raw.decode(errors="replace")
                with lock:
                    outcome.statuses[status] += 1
                    outcome.latencies.append(answered - began)
                    if status == "201":
                        outcome.reserved.add(reference)
                        outcome.last_201 = max(outcome.last_201, answered - started)
                    elif status == "409":
                        outcome.codes_409[json.loads(raw).get("code", "?")] += 1
                    elif len(outcome.examples) < 5:
                        outcome.examples.append(f"{status}: {detail[:300]}")
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    start_line.wait()
    for thread in threads:
        thread.join()
    outcome.seconds = time.perf_counter() - started
    return outcome


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else 0.0


def verify(
    instances: list[Instance],
    key: str,
    sku: str,
    warehouse: str,
    units: int,
    attempts: int,
    outcome: Outcome,
    env: dict[str, str],
    directory: Path,
) -> list[str]:
    """Every invariant the run must keep; what failed, empty when all held."""
    failed = []
    statuses = outcome.statuses
    others = {status: n for status, n in statuses.items() if status not in ("201", "409")}
    if sum(statuses.values()) != attempts:
        failed.append(f"{sum(statuses.values())} answers for {attempts} attempts")
    if statuses["201"] != units:
        failed.append(f"{statuses['201']} orders reserved, not {units} (oversell if more)")
    if statuses["409"] != attempts - units:
        failed.append(f"{statuses['409']} orders refused, not {attempts - units}")
    if set(outcome.codes_409) - {"insufficient_stock"}:
        failed.append(f"409 codes {dict(outcome.codes_409)}, not all insufficient_stock")
    if others:
        failed.append(f"other answers {others}: {outcome.examples}")
    expected = {"on_hand": units, "reserved": units, "available": 0}
    for n, instance in enumerate(instances):
        totals = instance.ok("GET", f"/api/v1/products/{sku}/stock", key)["totals"]
        if totals != expected:
            failed.append(f"instance {n + 1} reads totals {totals}, not {expected}")
    listed: list[dict[str, Any]] = []
    path = f"/api/v1/orders?warehouse={warehouse}&limit=500"
    while True:
        page = instances[-1].ok("GET", path, key)
        listed += page["items"]
        if page["next_cursor"] is None:
            break
        path = f"/api/v1/orders?warehouse={warehouse}&limit=500&cursor={page['next_cursor']}"
    references = {order["reference"] for order in listed}
    if len(listed) != units or references != outcome.reserved:
        failed.append(
            f"{len(listed)} orders listed ({len(references)} references), the 201s named"
            f" {len(outcome.reserved)}; they differ"
        )
    if {order["status"] for order in listed} - {"reserved"}:
        failed.append("some listed order is not reserved")
    check = cli(env, directory, "check")
    if check.returncode != 0:
        failed.append(f"inventory check exited {check.returncode}: {check.stdout}{check.stderr}")
    return failed


def run(
    label: str,
    store: str,
    env: dict[str, str],
    directory: Path,
    shape: list[int],
    args: argparse.Namespace,
) -> tuple[Outcome, list[str]]:
    """One contended run on the database ``env`` names, with one instance per entry of
    ``shape`` (its worker count): the outcome and the invariants that failed."""
    made = cli(env, directory, "keys", "create", "--name", "bench", "--role", "admin")
    if made.returncode != 0:
        sys.exit(f"cannot make an API key: {made.stderr}")
    key = made.stdout.strip()
    cache = "redis" if "INVENTORY_REDIS_URL" in env else "memory"
    with contextlib.ExitStack() as stack:
        instances = [
            stack.enter_context(serving(env, directory, workers, f"{label}-{n}"))
            for n, workers in enumerate(shape)
        ]
        sku, warehouse = stock_one_sku(instances[0], key, args.units)
        warm_up(instances, key, sku, max(shape))
        outcome = contend(instances, key, sku, warehouse, args.attempts, args.clients)
        failed = verify(
            instances, key, sku, warehouse, args.units, args.attempts, outcome, env, directory
        )
    statuses = outcome.statuses
    others = sum(n for status, n in statuses.items() if status not in ("201", "409"))
    latencies = outcome.latencies
    workers = "+".join(str(n) for n in shape)
    print(
        f"{label:9} {len(shape)} x {store:8} workers {workers:4} cache {cache:6}"
        f" attempted {sum(statuses.values())}  201 {statuses['201']}  409 {statuses['409']}"
        f"  other {others}   {sum(statuses.values()) / outcome.seconds:6.0f} orders/s"
        f"  ({args.units / outcome.last_201 if outcome.last_201 else 0:.0f} reservations/s)"
        f"  p50 {1000 * percentile(latencies, 50):6.2f} ms"
        f"  p90 {1000 * percentile(latencies, 90):6.2f} ms"
        f"  p99 {1000 * percentile(latencies, 99):7.2f} ms",
        flush=True,
    )
    if failed:
        for line in failed:
            print(f"          FAILED: {line}", flush=True)
    else:
        print(
            f"          verified: stock on hand {args.units}, reserved {args.units}, available 0"
            f" through {'each instance' if len(shape) > 1 else 'the instance'};"
            f" {args.units} orders listed, exactly the 201s; inventory check exit 0",
            flush=True,
        )
    return outcome, failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=2000, help="units in stock (default 2000)")
    parser.add_argument(
        "--attempts", type=int, default=None, help="orders sent (default 1.5 x units)"
    )
    parser.add_argument("--clients", type=int, default=16, help="client threads (default 16)")
    parser.add_argument(
        "--workers", type=int, default=2, help="processes per PostgreSQL instance (default 2)"
    )
    add_postgres_url(parser, "the schema")
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("INVENTORY_TEST_REDIS_URL") or LOCAL_REDIS,
        help=f"the instances' shared Redis (default $INVENTORY_TEST_REDIS_URL, else {LOCAL_REDIS})",
    )
    parser.add_argument("--no-redis", action="store_true", help="the instances share no Redis")
    args = parser.parse_args()
    if args.attempts is None:
        args.attempts = args.units * 3 // 2
    if not 0 < args.units < args.attempts:
        parser.error("--attempts must exceed --units, and --units be positive")
    if args.clients < 2:
        parser.error("--clients must be 2 or more (one per instance at least)")
    redis_url = None if args.no_redis else args.redis_url
    print(
        f"{os.cpu_count()} CPUs; {args.attempts} orders of 1 unit of one sku stocked with"
        f" {args.units}; {args.clients} client threads; sync workers, rate limit off, no job runner"
    )
    results = {}
    with tempfile.TemporaryDirectory(prefix="inventory-scale-") as tmp:
        directory = Path(tmp)
        env = server_env(f"sqlite:///{directory}/baseline.db", None)
        results["baseline"] = run("baseline", "sqlite", env, directory, [2 * args.workers], args)
        with postgres_schema(args.postgres_url) as url:
            env = server_env(url, redis_url)
            results["scale-out"] = run(
                "scale-out", "postgres", env, directory, [args.workers, args.workers], args
            )
    (base, base_failed), (scaled, scaled_failed) = results["baseline"], results["scale-out"]
    base_rate = args.attempts / base.seconds
    scaled_rate = args.attempts / scaled.seconds
    p99s = [1000 * percentile(outcome.latencies, 99) for outcome in (scaled, base)]
    print(
        f"scale-out: 2 instances on PostgreSQL answered {scaled_rate:.0f} orders/s ="
        f" {100 * scaled_rate / base_rate:.0f}% of 1 instance on SQLite ({base_rate:.0f}),"
        f" {2 * args.workers} workers each way; p99 {p99s[0]:.2f} ms vs {p99s[1]:.2f} ms"
    )
    ok = not base_failed and not scaled_failed
    print(json.dumps({"ok": ok}))
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
