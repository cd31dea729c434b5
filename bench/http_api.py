"""The HTTP API under gunicorn on each store, beside a bare WSGI baseline, with wrk.

    python bench/http_api.py [--seconds 5] [--connections 16] [--rounds 3]
        [--configs sync:2x1,gthread:2x4]
        [--stores sqlite,postgres,postgres+redis] [--cache memory|off|file:DIR|redis://...]
        [--postgres-url URL] [--redis-url URL] [--access-log text|json|off]

For each server configuration (worker class, processes x threads) and each
store it starts a real server on a fresh database, and the bare app beside
it, and drives them with wrk: ``--rounds`` rounds of ``bare`` then ``get``
(the round with the median share is kept), then ``list`` and ``post``. The
stores (``--stores``, comma-separated, default ``sqlite``):

- ``sqlite``: a fresh SQLite file.
- ``postgres``: a fresh schema (``bench_<hex>``) in the PostgreSQL database of
  ``--postgres-url`` (default ``$INVENTORY_TEST_POSTGRES_URL``, else the local
  server), dropped at the end, also when the run fails.
- ``postgres+redis``: the same, plus ``INVENTORY_REDIS_URL`` (``--redis-url``,
  default ``$INVENTORY_TEST_REDIS_URL``, else the local server), which makes
  the cache the one in Redis unless ``--cache`` names another.

The cache is the server's default (memory; Redis when a Redis URL is set)
unless ``--cache`` is given, which then applies to every store. Each line
names its store and the cache in use. The scenarios:

- ``bare``: a WSGI app that returns fixed JSON under the same gunicorn settings
  (bench/bare_wsgi.py): the ceiling, what gunicorn alone costs.
- ``get``: GET /api/v1/products/{sku} with an API key (auth + one read).
- ``list``: GET /api/v1/products?limit=50 (auth + a page of 50).
- ``post``: POST /api/v1/movements, a receipt (auth + a write transaction;
  each answer waits for its commit to reach the disk: SQLite's
  synchronous=FULL, PostgreSQL's synchronous_commit).

The server keeps its own logging defaults (an access line a request, text)
unless ``--access-log`` says ``json`` or ``off`` (WARNING level: no access line).
Prints requests/s (``get`` also as a share of ``bare``), latency p50/p90/p99
and errors (non-2xx or socket errors), the peak resident memory of the
server's processes together, and the largest peak of one worker: resident
(RSS, which counts pages shared with the arbiter) and proportional (PSS, where
a page shared by n processes counts 1/n). When SQLite
and a PostgreSQL store ran in the same configuration, a last line per
configuration gives the PostgreSQL ``get`` rate as a share of SQLite's (the
target is 70% or more). The rate limit is off and no job runner runs. Needs
wrk (`apt-get install wrk`); the PostgreSQL stores need a server whose user
may create schemas.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: for tests/

from tests.waiting import free_port, wait_ready

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
STORES = ("sqlite", "postgres", "postgres+redis")
LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
LOCAL_REDIS = "redis://127.0.0.1:6379/0"
TARGET = 70
"""PostgreSQL's single-product reads per second, as a percentage of SQLite's, to reach."""

POST_LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {key}"
wrk.body = '{{"type":"receipt","sku":"BENCH-1","warehouse":"MAIN",'
  .. '"quantity":1,"unit_cost":"1.5000"}}'
"""

SUMMARY_LUA = """
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("RESULT %d %f %f %f %f %d\\n", summary.requests,
    summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(90) / 1e3,
    latency:percentile(99) / 1e3, errors))
end
"""


def add_postgres_url(parser: argparse.ArgumentParser, what: str) -> None:
    """The ``--postgres-url`` option of every benchmark that runs on PostgreSQL."""
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("INVENTORY_TEST_POSTGRES_URL") or LOCAL_POSTGRES,
        help=f"the PostgreSQL database to make {what} in"
        f" (default $INVENTORY_TEST_POSTGRES_URL, else {LOCAL_POSTGRES})",
    )


def tree_rss_kib(pid: int) -> int:
    """Resident memory of ``pid`` and its children, from /proc."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            status = (entry / "status").read_text()
        except OSError:
            continue
        if int(entry.name) == pid or int(stat[1]) == pid:
            found = re.search(r"VmRSS:\s+(\d+)", status)
            total += int(found.group(1)) if found else 0
    return total


def children_memory_kib(pid: int) -> list[tuple[int, int]]:
    """RSS and PSS of each child of ``pid`` (the server's workers), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(stat[1]) != pid:
                continue
            rollup = (entry / "smaps_rollup").read_text()
        except OSError:
            continue
        rss = re.search(r"^Rss:\s+(\d+)", rollup, re.MULTILINE)
        pss = re.search(r"^Pss:\s+(\d+)", rollup, re.MULTILINE)
        if rss and pss:
            found.append((int(rss.group(1)), int(pss.group(1))))
    return found


class Sampler:
    """Peak RSS of a process tree, and of one worker, sampled between wrk runs and after each."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0
        self.worker_rss = 0
        self.worker_pss = 0

    def sample(self) -> None:
        self.peak = max(self.peak, tree_rss_kib(self.pid))
        for rss, pss in children_memory_kib(self.pid):
            self.worker_rss = max(self.worker_rss, rss)
            self.worker_pss = max(self.worker_pss, pss)


def wrk(
    url: str, seconds: int, connections: int, script: Path, sampler: Sampler
) -> dict[str, float]:
    process = subprocess.Popen(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(script), url],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    while process.poll() is None:
        sampler.sample()
        time.sleep(0.25)
    out = process.stdout.read() if process.stdout else ""
    found = re.search(r"RESULT (\d+) ([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+) (\d+)", out)
    if found is None:
        sys.exit(f"wrk printed no result:\n{out}")
    requests, duration, p50, p90, p99, errors = (float(g) for g in found.groups())
    return {"rps": requests / duration, "p50": p50, "p90": p90, "p99": p99, "errors": errors}


def scripts(directory: Path, key: str) -> dict[str, Path]:
    made = {}
    for name, body in {
        "get": f'wrk.headers["Authorization"] = "Bearer {key}"\n',
        "post": POST_LUA.format(key=key),
        "bare": "",
    }.items():
        path = directory / f"{name}.lua"
        path.write_text(body + SUMMARY_LUA)
        made[name] = path
    return made


@contextmanager
def postgres_schema(base_url: str) -> Iterator[str]:
    """A URL whose every connection works in a new schema ``bench_<hex>``, dropped on exit."""
    import psycopg

    schema = f"bench_{secrets.token_hex(6)}"
    with psycopg.connect(base_url, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    try:
        separator = "&" if "?" in base_url else "?"
        yield f"{base_url}{separator}options={quote(f'-c search_path={schema}')}"
    finally:
        with psycopg.connect(base_url, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


@contextmanager
def store_env(store: str, directory: Path, args: argparse.Namespace) -> Iterator[dict[str, str]]:
    """The server's ``INVENTORY_*`` settings for ``store`` on a fresh database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INVENTORY_")}
    if args.access_log == "off":
        env["INVENTORY_LOG_LEVEL"] = "WARNING"
    elif args.access_log is not None:
        env["INVENTORY_LOG_FORMAT"] = args.access_log
    env["INVENTORY_RATE_LIMIT"] = "off"  # measure the API, not the limiter's 429s
    if args.cache is not None:  # else the server's own default: memory, or Redis when set
        env["INVENTORY_CACHE"] = args.cache
    if store == "sqlite":
        env["INVENTORY_DATABASE_URL"] = f"sqlite:///{directory}/bench.db"
        yield env
        return
    if store == "postgres+redis":
        env["INVENTORY_REDIS_URL"] = args.redis_url
    with postgres_schema(args.postgres_url) as url:
        env["INVENTORY_DATABASE_URL"] = url
        yield env


def cache_in_use(store: str, args: argparse.Namespace) -> str:
    """The cache the server picks (see ``open_cache``), named for the printed lines."""
    if args.cache is not None:
        return "redis" if args.cache.startswith(("redis://", "rediss://")) else args.cache
    return "redis" if store == "postgres+redis" else "memory"


class Served:
    """A server started by :func:`served`: its address and its memory sampler."""

    def __init__(self, base: str, sampler: Sampler) -> None:
        self.base = base
        self.sampler = sampler


@contextmanager
def served(
    command: list[str], env: dict[str, str], directory: Path, name: str, ready_path: str
) -> Iterator[Served]:
    """``command`` serving on a free port (``{port}`` in it), until the block ends."""
    port = free_port()
    argv = [part.replace("{port}", str(port)) for part in command]
    # The server's log lines (an access line a request with --access-log) go to a file.
    log = directory / f"{name}-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(argv, env=env, cwd=directory, stdout=subprocess.DEVNULL,
                                   stderr=out)  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(base + ready_path, process, log=log)
        yield Served(base, Sampler(process.pid))
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)


def run_config(
    kind: str, workers: int, threads: int, store: str, args: argparse.Namespace
) -> dict[str, dict[str, float]]:
    """Every scenario on ``store`` under one server configuration: each one's figures."""
    results: dict[str, dict[str, float]] = {}
    cache = cache_in_use(store, args)
    with (
        tempfile.TemporaryDirectory(prefix="inventory-bench-") as tmp,
        store_env(store, Path(tmp), args) as env,
    ):
        directory = Path(tmp)
        cli = [str(BIN / "inventory")]

        def run(*command: str) -> str:
            return subprocess.run([*cli, *command], env=env, cwd=directory, check=True,
                                  capture_output=True, text=True).stdout.strip()  # fmt: skip

        key = run("keys", "create", "--name", "bench", "--role", "admin")
        run("warehouses", "add", "--code", "MAIN", "--name", "Main")
        for n in range(1, 4):
            run("products", "add", "--sku", f"BENCH-{n}", "--name", f"Bench product {n}")
        # The rest of the catalog in one import, so the list has a full page to read.
        csv_path = directory / "products.csv"
        csv_path.write_text(
            "sku,name\n" + "".join(f"BENCH-{n},Bench product {n}\n" for n in range(4, 201))
        )
        run("import", "products", str(csv_path))
        lua = scripts(directory, key)
        threads_flag = ["--threads", str(threads)]
        gunicorn = [str(BIN / "python"), "-m", "gunicorn", "--workers", str(workers)]
        bare_argv = [
            *gunicorn,
            *threads_flag,
            "--worker-class",
            kind,
            "--log-level",
            "warning",
            "--bind",
            "127.0.0.1:{port}",
            "--chdir",
            str(ROOT / "bench"),
            "bare_wsgi:app",
        ]
        api_argv = [*cli, "serve", "--port", "{port}", "--workers", str(workers),
                    "--threads", "1" if kind == "sync" else str(threads), "--no-jobs"]  # fmt: skip
        paths = {"get": "/api/v1/products/BENCH-1", "list": "/api/v1/products?limit=50",
                 "post": "/api/v1/movements", "bare": "/"}  # fmt: skip

        def measure(name: str, server: Served, share_of: float | None = None) -> dict[str, float]:
            script = lua["get"] if name == "list" else lua[name]
            got = wrk(server.base + paths[name], args.seconds, args.connections, script,
                      server.sampler)  # fmt: skip
            share = "" if share_of is None else f" ({got['rps'] / share_of:.2f}x bare)"
            sampler = server.sampler
            print(
                f"{store:14} {kind:7} {workers}x{threads:<2} cache {cache:6} {name:5}"
                f" {got['rps']:9.0f} req/s{share}   p50 {got['p50']:6.2f} ms"
                f"  p90 {got['p90']:6.2f} ms  p99 {got['p99']:7.2f} ms"
                f"  errors {int(got['errors'])}   peak RSS {sampler.peak / 1024:.0f} MiB"
                f" (one worker: RSS {sampler.worker_rss / 1024:.0f},"
                f" PSS {sampler.worker_pss / 1024:.0f} MiB)",
                flush=True,
            )
            return got

        with (
            served(bare_argv, env, directory, "bare", "") as bare,
            served(api_argv, env, directory, "api", "/health") as api,
        ):
            # Bare and get alternate, round after round, both servers up all along:
            # a change in the machine's load then moves both sides of a round alike.
            rounds: list[tuple[dict[str, float], dict[str, float]]] = []
            for _ in range(args.rounds):
                ceiling = measure("bare", bare)
                rounds.append((ceiling, measure("get", api, ceiling["rps"])))
            shares = [got["rps"] / ceiling["rps"] for ceiling, got in rounds]
            middle = sorted(range(len(rounds)), key=lambda n: shares[n])[len(rounds) // 2]
            results["bare"], results["get"] = rounds[middle]
            print(
                f"{store:14} {kind:7} {workers}x{threads:<2} get / bare over {len(rounds)}"
                f" alternated rounds: {', '.join(f'{share:.2f}x' for share in shares)}"
                f" (median {shares[middle]:.2f}x)",
                flush=True,
            )
            for name in ("list", "post"):
                results[name] = measure(name, api)
    return results


def comparisons(config: str, results: dict[str, dict[str, dict[str, float]]]) -> list[str]:
    """PostgreSQL's ``get`` rate as a share of SQLite's, for each PostgreSQL store that ran."""
    if "sqlite" not in results:
        return []
    baseline = results["sqlite"]["get"]["rps"]
    lines = []
    for store in STORES[1:]:
        if store in results:
            rps = results[store]["get"]["rps"]
            share = 100 * rps / baseline
            verdict = "meets" if share >= TARGET else "BELOW"
            lines.append(
                f"{config}: {store} get {rps:.0f} req/s = {share:.0f}% of sqlite's {baseline:.0f}"
                f" ({verdict} the {TARGET}% target)"
            )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3,
                        help="alternated rounds of bare and get (the median kept)")  # fmt: skip
    parser.add_argument("--configs", default="sync:2x1,sync:4x1,gthread:2x4,gthread:4x4",
                        help="worker class:processes x threads, comma-separated")  # fmt: skip
    parser.add_argument("--stores", default="sqlite",
                        help=f"comma-separated, among {', '.join(STORES)}")  # fmt: skip
    parser.add_argument(
        "--cache",
        default=None,
        help="INVENTORY_CACHE for every store (default: the server's own, memory; Redis on"
        " postgres+redis)",
    )
    parser.add_argument(
        "--access-log",
        choices=["text", "json", "off"],
        default=None,
        help="the access lines' format, or off (WARNING level); default: the server's own"
        " (text, one line a request)",
    )
    add_postgres_url(parser, "schemas")
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("INVENTORY_TEST_REDIS_URL") or LOCAL_REDIS,
        help=f"Redis for postgres+redis (default $INVENTORY_TEST_REDIS_URL, else {LOCAL_REDIS})",
    )
    args = parser.parse_args()
    stores = [store.strip() for store in args.stores.split(",") if store.strip()]
    unknown = sorted(set(stores) - set(STORES))
    if unknown or not stores:
        parser.error(f"--stores: {', '.join(unknown) or 'none given'}; choose among {STORES}")
    if args.rounds < 1:
        parser.error("--rounds: at least 1")
    if shutil.which("wrk") is None:
        sys.exit("this benchmark needs wrk: apt-get install wrk")
    print(
        f"{os.cpu_count()} CPUs; wrk -t2 -c{args.connections} -d{args.seconds}s per line;"
        f" {args.rounds} rounds of bare and get;"
        f" stores {', '.join(stores)}; rate limit off; no job runner;"
        f" access lines {args.access_log or 'text (the default)'}"
    )
    summary = []
    for config in args.configs.split(","):
        kind, shape = config.split(":")
        workers, threads = (int(n) for n in shape.split("x"))
        results = {store: run_config(kind, workers, threads, store, args) for store in stores}
        summary += comparisons(config, results)
    for line in summary:
        print(line)
    print(json.dumps({"done": True}))


if __name__ == "__main__":
    main()
