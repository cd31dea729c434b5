"""The write path on SQLite and on PostgreSQL side by side, against each one's raw ceiling.

    python bench/write_path.py [--seconds 5] [--smoke] [--clients 16] [--skus 1000]
        [--orders 1500] [--postgres-url URL] [--redis-url URL | --no-redis] [--pg-profile]

One run, the same measures on each backend (SQLite first, then PostgreSQL):

1. ``raw``: the ceiling. ``clients`` threads, each on its own connection and
   its own row, loop over one durable transaction: one INSERT into a ledger
   table and one UPDATE of a level row, then COMMIT (plain psycopg: BEGIN,
   INSERT, UPDATE, COMMIT, ``synchronous_commit`` as the server has it; plain
   ``sqlite3``: WAL, ``synchronous=FULL``, ``BEGIN IMMEDIATE``, the threads
   taking turns on a lock: SQLite's one writer, without busy back-off). Tx/s.
2. ``receipt-distinct``: ``POST /api/v1/movements`` receipts, each client on a
   sku of its own. 3. ``receipt-one-sku``: the same, every client on one sku.
   Requests/s and latency p50/p95/p99 as each client saw it.
4. ``orders``: contended 1-unit orders on one sku, with bench/scale_out.py's
   code (``orders`` attempts on ``2/3 orders`` units; every invariant checked).
5. ``read-only`` then ``mixed``: GETs of a product or its stock over ``skus``
   skus, after a ``warm-up`` of the same reads (shown, not compared); in
   ``mixed`` 5 % of requests are receipts to them. Reads/s, and the cache hit
   ratio from the servers' ``/metrics`` (``inventory_cache_requests_total``).

The servers are ``inventory serve`` as it comes (its default worker count,
sync workers; rate limit off, no job runner): one on a fresh SQLite file in a
temporary directory; two on a fresh PostgreSQL schema (``--postgres-url``,
default ``$INVENTORY_TEST_POSTGRES_URL``), sharing Redis as their cache unless
``--no-redis``, clients split evenly between them. The schemas are dropped at
the end. Only HTTP and ``/metrics`` are used, bar the raw ceiling. The goal
ratios of issue 14 are computed from this run's figures and printed last;
``--pg-profile`` samples ``pg_stat_activity`` and ``pg_locks`` every 100 ms
during the PostgreSQL measures, with ``pg_stat_statements`` when it can be
used. Exits 1 if any request failed or an invariant broke (not on a goal).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import re
import secrets
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Run as a script, this folder is on sys.path; http_api (imported by scale_out) puts the
# repository's root there too.
from http_api import add_postgres_url, postgres_schema
from pg_profile import PgProfile
from raw_ceiling import WAREHOUSE, raw_postgres, raw_sqlite
from scale_out import (
    LOCAL_REDIS,
    REQUEST_TIMEOUT,
    Instance,
    cli,
    contend,
    percentile,
    server_env,
    serving,
    stock_one_sku,
    verify,
    warm_up,
)

Pick = Callable[[random.Random, int], tuple[str, str, str, Any]]
"""What client ``n`` sends next: (kind, method, path, JSON body or None)."""


@dataclass
class Load:
    """What the clients of a timed run saw, by kind of request (read, write)."""

    statuses: Counter[str] = field(default_factory=Counter)
    latencies: dict[str, list[float]] = field(default_factory=dict)
    seconds: float = 0.0
    examples: list[str] = field(default_factory=list)

    def rate(self, kind: str) -> float:
        return len(self.latencies.get(kind, [])) / self.seconds if self.seconds else 0.0

    def failures(self) -> int:
        return sum(n for status, n in self.statuses.items() if status.split()[1][0] != "2")


@dataclass
class Figures:
    """One backend's results, measure by measure."""

    raw: float = 0.0
    receipts: dict[str, Load] = field(default_factory=dict)
    orders: float = 0.0
    orders_p99: float = 0.0
    reads: dict[str, Load] = field(default_factory=dict)
    hit_ratio: dict[str, float | None] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)


# -- load over HTTP ----------------------------------------------------------------------------


def drive(instances: list[Instance], key: str, clients: int, seconds: float, pick: Pick) -> Load:
    """``clients`` threads, released together, each sending ``pick``'s next request as soon
    as the last is answered, until ``seconds`` have passed; round robin over ``instances``."""
    load = Load()
    lock = threading.Lock()
    start_line = threading.Barrier(clients + 1)
    deadline = [0.0]
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    def client(n: int) -> None:
        rng = random.Random(n)
        instance = instances[n % len(instances)]
        conn = http.client.HTTPConnection("127.0.0.1", instance.port, timeout=REQUEST_TIMEOUT)
        start_line.wait()
        try:
            while (began := time.perf_counter()) < deadline[0]:
                kind, method, path, body = pick(rng, n)
                data = None if body is None else json.dumps(body).encode()
                try:
                    conn.request(method, path, body=data, headers=headers)
                    response = conn.getresponse()
                    raw = response.read()
                except (OSError, http.client.HTTPException) as exc:
                    conn.close()  # the next request opens a fresh one
                    status, detail = f"error-{type(exc).__name__}", str(exc)
                else:
                    status, detail = str(response.status), raw.decode(errors="replace")
                answered = time.perf_counter()
                with lock:
                    load.statuses[f"{kind} {status}"] += 1
                    if status.startswith("2"):
                        load.latencies.setdefault(kind, []).append(answered - began)
                    elif len(load.examples) < 5:
                        load.examples.append(f"{kind} {method} {path}: {status} {detail[:300]}")
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    deadline[0] = started + seconds
    start_line.wait()
    for thread in threads:
        thread.join()
    load.seconds = time.perf_counter() - started
    return load


def receipt(sku: str) -> tuple[str, str, str, Any]:
    body = {"type": "receipt", "sku": sku, "warehouse": WAREHOUSE, "quantity": 1,
            "unit_cost": "1.5000"}  # fmt: skip
    return "write", "POST", "/api/v1/movements", body


def reading(skus: list[str], write_share: float) -> Pick:
    """A GET of a random sku's product or stock; with ``write_share``, a receipt instead."""

    def pick(rng: random.Random, n: int) -> tuple[str, str, str, Any]:
        sku = rng.choice(skus)
        if rng.random() < write_share:
            return receipt(sku)
        path = f"/api/v1/products/{sku}" if rng.random() < 0.5 else f"/api/v1/products/{sku}/stock"
        return "read", "GET", path, None

    return pick


CACHE_LINE = re.compile(
    r'^inventory_cache_requests_total\{result="(hit|miss)"\} ([0-9.e+]+)$', re.M
)


def cache_counts(instances: list[Instance]) -> Counter[str]:
    """Cache hits and misses counted so far, summed over every instance's ``/metrics``."""
    counts = Counter[str]()
    for instance in instances:
        conn = http.client.HTTPConnection("127.0.0.1", instance.port, timeout=REQUEST_TIMEOUT)
        try:
            conn.request("GET", "/metrics")
            text = conn.getresponse().read().decode()
        finally:
            conn.close()
        for result, value in CACHE_LINE.findall(text):
            counts[result] += int(float(value))
    return counts


def hit_ratio(before: Counter[str], after: Counter[str]) -> float | None:
    hits, misses = after["hit"] - before["hit"], after["miss"] - before["miss"]
    return hits / (hits + misses) if hits + misses else None


# -- one backend -------------------------------------------------------------------------------


def default_workers(env: dict[str, str], directory: Path) -> str:
    """The server's default worker count, as ``inventory serve --help`` states it."""
    found = re.search(r"processes \(default (\d+)\)", cli(env, directory, "serve", "--help").stdout)
    return found.group(1) if found else "?"


def measure(
    label: str, profile: PgProfile | None, run: Callable[[], Any]
) -> Any:  # the measure's own result
    if profile is not None:
        profile.begin(label)
    try:
        return run()
    finally:
        if profile is not None:
            profile.end()


def show(store: str, label: str, load: Load, extra: str = "") -> None:
    kind = "write" if label.startswith("receipt") else "read"
    latencies = load.latencies.get(kind, [])
    print(
        f"{store:8} {label:16} {load.rate(kind):8.0f} {kind}s/s"
        f"  p50 {1000 * percentile(latencies, 50):7.2f} ms"
        f"  p95 {1000 * percentile(latencies, 95):7.2f} ms"
        f"  p99 {1000 * percentile(latencies, 99):7.2f} ms  failed {load.failures()}{extra}",
        flush=True,
    )


def backend(
    store: str,
    env: dict[str, str],
    directory: Path,
    instances_count: int,
    args: argparse.Namespace,
    profile: PgProfile | None,
) -> Figures:
    """Measures 2-5 on ``instances_count`` servers on the database ``env`` names."""
    figures = Figures()
    made = cli(env, directory, "keys", "create", "--name", "bench", "--role", "admin")
    if made.returncode != 0:
        sys.exit(f"cannot make an API key: {made.stderr}")
    key = made.stdout.strip()
    cli(env, directory, "warehouses", "add", "--code", WAREHOUSE, "--name", "Main")
    skus = [f"WP-{n:05d}" for n in range(args.skus)]
    csv_path = directory / f"{store}-products.csv"
    csv_path.write_text("sku,name\n" + "".join(f"{sku},Write path {sku}\n" for sku in skus))
    imported = cli(env, directory, "import", "products", str(csv_path))
    if imported.returncode != 0:
        sys.exit(f"cannot import the products: {imported.stdout}{imported.stderr}")
    workers = default_workers(env, directory)
    cache = "redis" if "INVENTORY_REDIS_URL" in env else "memory"
    print(
        f"{store}: {instances_count} x inventory serve, {workers} sync workers each (its default"
        f" here), cache {cache}, {args.skus} skus",
        flush=True,
    )
    with contextlib.ExitStack() as stack:
        instances = [
            stack.enter_context(serving(env, directory, None, f"{store}-{n}"))
            for n in range(instances_count)
        ]
        warm_up(instances, key, skus[0], int(workers) if workers.isdigit() else 4)

        def receipts(chosen: Callable[[int], str]) -> Callable[[], Load]:
            pick: Pick = lambda rng, n: receipt(chosen(n))  # noqa: E731
            return lambda: drive(instances, key, args.clients, args.seconds, pick)

        for label, chosen in (("receipt-distinct", lambda n: skus[n % len(skus)]),
                              ("receipt-one-sku", lambda n: skus[0])):  # fmt: skip
            load = measure(f"{store} {label}", profile, receipts(chosen))
            figures.receipts[label] = load
            show(store, label, load)

        units = args.orders * 2 // 3
        sku, warehouse = stock_one_sku(instances[0], key, units)
        outcome = measure(
            f"{store} orders",
            profile,
            lambda: contend(instances, key, sku, warehouse, args.orders, args.clients),
        )
        figures.failed += verify(
            instances, key, sku, warehouse, units, args.orders, outcome, env, directory
        )
        figures.orders = sum(outcome.statuses.values()) / outcome.seconds
        figures.orders_p99 = percentile(outcome.latencies, 99)
        print(
            f"{store:8} {'orders':16} {figures.orders:8.0f} orders/s  p50"
            f" {1000 * percentile(outcome.latencies, 50):7.2f} ms  p95"
            f" {1000 * percentile(outcome.latencies, 95):7.2f} ms  p99"
            f" {1000 * figures.orders_p99:7.2f} ms  201 {outcome.statuses['201']}"
            f"  409 {outcome.statuses['409']}  invariants {'FAILED' if figures.failed else 'kept'}",
            flush=True,
        )

        for label, share in (("warm-up", 0.0), ("read-only", 0.0), ("mixed", args.write_share)):
            before = cache_counts(instances)
            load = measure(
                f"{store} {label}",
                profile,
                lambda share=share: drive(
                    instances, key, args.clients, args.seconds, reading(skus, share)
                ),
            )
            figures.hit_ratio[label] = ratio = hit_ratio(before, cache_counts(instances))
            figures.reads[label] = load
            writes = f"  ({load.rate('write'):.0f} writes/s)" if share else ""
            hits = "n/a" if ratio is None else f"{100 * ratio:.1f} %"
            show(store, label, load, f"  cache hits {hits}{writes}")
    for label, load in [*figures.receipts.items(), *figures.reads.items()]:
        if load.failures():
            figures.failed.append(f"{label}: {load.failures()} failed: {load.examples}")
    return figures


# -- the whole run -----------------------------------------------------------------------------


def goal(text: str, value: float | None, target: float, shown: Callable[[float], str]) -> None:
    verdict = "NOT MET" if value is None or value < target else "MET"
    figure = "n/a" if value is None else shown(value)
    print(f"  {verdict:7}  {text}: {figure}")


def ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b


def summary(results: dict[str, Figures], clients: int) -> None:
    stores = list(results)
    print(f"\n{'measure':44}" + "".join(f"{store:>24}" for store in stores))
    rows: list[tuple[str, Callable[[Figures], str]]] = [
        (f"raw ceiling, {clients} threads (tx/s)", lambda f: f"{f.raw:.0f}"),
        *[
            (f"POST receipt, {name} (req/s, p99 ms)",
             lambda f, label=label: f"{f.receipts[label].rate('write'):.0f}, "
             f"{1000 * percentile(f.receipts[label].latencies.get('write', []), 99):.1f}")
            for name, label in (("distinct skus", "receipt-distinct"),
                                ("one sku", "receipt-one-sku"))
        ],
        ("contended orders, one sku (orders/s, p99 ms)",
         lambda f: f"{f.orders:.0f}, {1000 * f.orders_p99:.1f}"),
        ("read-only: reads/s, cache hits",
         lambda f: f"{f.reads['read-only'].rate('read'):.0f}, {shown(f.hit_ratio['read-only'])}"),
        ("95/5 mix: reads/s, cache hits",
         lambda f: f"{f.reads['mixed'].rate('read'):.0f}, {shown(f.hit_ratio['mixed'])}"),
    ]  # fmt: skip
    for name, cell in rows:
        print(f"{name:44}" + "".join(f"{cell(results[store]):>24}" for store in stores))
    if "postgres" not in results or "sqlite" not in results:
        return
    pg, lite = results["postgres"], results["sqlite"]
    pg_receipts = pg.receipts["receipt-distinct"].rate("write")
    print("\nGoals (issue 14), computed from this run:")
    times = lambda v: f"{v:.2f}x"  # noqa: E731
    goal("PostgreSQL receipts on distinct skus / its raw ceiling >= 0.5",
         ratio(pg_receipts, pg.raw), 0.5, times)  # fmt: skip
    lite_receipts = lite.receipts["receipt-distinct"].rate("write")
    goal("PostgreSQL receipts on distinct skus / SQLite's >= 1",
         ratio(pg_receipts, lite_receipts), 1.0, times)  # fmt: skip
    goal("PostgreSQL contended orders / SQLite's >= 0.8", ratio(pg.orders, lite.orders), 0.8, times)
    for store, figures in results.items():
        goal(f"{store} cache hit ratio in the mix >= 80 %", figures.hit_ratio["mixed"], 0.8, shown)
        goal(
            f"{store} reads/s in the mix / read-only >= 0.8",
            ratio(figures.reads["mixed"].rate("read"), figures.reads["read-only"].rate("read")),
            0.8,
            times,
        )


def shown(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f} %"


def named(url: str, application: str) -> str:
    """``url`` (with a query already) with libpq's ``application_name``: how the profile
    finds the bench's backends."""
    return f"{url}&application_name={application}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per timed measure (default 5)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, about 1 s a measure")
    parser.add_argument("--clients", type=int, default=16, help="client threads (default 16)")
    parser.add_argument("--skus", type=int, default=1000, help="skus in the mix (default 1000)")
    parser.add_argument(
        "--orders", type=int, default=1500, help="contended orders sent (default 1500)"
    )
    parser.add_argument(
        "--write-share", type=float, default=0.05, help="receipts in the mix (default 0.05)"
    )
    add_postgres_url(parser, "the schemas")
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("INVENTORY_TEST_REDIS_URL") or LOCAL_REDIS,
        help=f"the instances' shared cache (default $INVENTORY_TEST_REDIS_URL, else {LOCAL_REDIS})",
    )
    parser.add_argument("--no-redis", action="store_true", help="the instances share no Redis")
    parser.add_argument(
        "--pg-profile", action="store_true", help="sample wait events and locks on PostgreSQL"
    )
    args = parser.parse_args()
    if args.smoke:
        args.seconds, args.skus, args.orders = 1.0, min(args.skus, 50), min(args.orders, 30)
    if args.clients < 2 or args.skus < args.clients or args.orders < 3 or args.seconds <= 0:
        parser.error("need --clients >= 2, --skus >= --clients, --orders >= 3, --seconds > 0")
    redis_url = None if args.no_redis else args.redis_url
    print(
        f"{os.cpu_count()} CPUs; {args.clients} client threads; {args.seconds:g} s per timed"
        f" measure; {args.orders} contended orders; rate limit off, no job runner"
    )
    results: dict[str, Figures] = {}
    with tempfile.TemporaryDirectory(prefix="inventory-write-") as tmp:
        directory = Path(tmp)
        raw = raw_sqlite(directory, args.clients, args.seconds)
        print(f"{'sqlite':8} {'raw':16} {raw:8.0f} tx/s", flush=True)
        env = server_env(f"sqlite:///{directory}/bench.db", None)
        results["sqlite"] = backend("sqlite", env, directory, 1, args, None)
        results["sqlite"].raw = raw

        application = f"inventory-bench-{secrets.token_hex(4)}"
        with (
            postgres_schema(args.postgres_url) as raw_schema,
            postgres_schema(args.postgres_url) as schema,
        ):
            raw_url, url = named(raw_schema, application), named(schema, application)
            profile = PgProfile(raw_schema, application) if args.pg_profile else None
            try:
                raw = measure(
                    "postgres raw",
                    profile,
                    lambda: raw_postgres(raw_url, args.clients, args.seconds),
                )
                print(f"{'postgres':8} {'raw':16} {raw:8.0f} tx/s", flush=True)
                results["postgres"] = backend(
                    "postgres", server_env(url, redis_url), directory, 2, args, profile
                )
                results["postgres"].raw = raw
            finally:
                if profile is not None:
                    profile.close()
            if profile is not None:
                profile.report()
    summary(results, args.clients)
    failed = [f"{store}: {line}" for store, f in results.items() for line in f.failed]
    for line in failed:
        print(f"FAILED: {line}")
    print(json.dumps({"ok": not failed}))
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
