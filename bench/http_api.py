"""The HTTP API under gunicorn on SQLite, beside a bare WSGI baseline, with wrk.

    python bench/http_api.py [--seconds 5] [--connections 16] [--configs sync:2,gthread:2x4]

For each server configuration (worker class, processes x threads) it starts a
real server on a fresh SQLite file and drives it with wrk for each scenario:

- ``bare``: a WSGI app that returns fixed JSON under the same gunicorn settings
  (bench/bare_wsgi.py): the ceiling, what gunicorn alone costs.
- ``get``: GET /api/v1/products/{sku} with an API key (auth + one read).
- ``list``: GET /api/v1/products?limit=50 (auth + a page of 50).
- ``post``: POST /api/v1/movements, a receipt (auth + a write transaction,
  synchronous=FULL, so each answer waits for its commit to reach the disk).

Prints requests/s, latency p50/p90/p99 and errors (non-2xx or socket errors),
and the peak resident memory of the server's processes together. Needs wrk
(`apt-get install wrk`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"{url} did not answer within 30 s")


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


class Sampler:
    """Peak RSS of a process tree, sampled between wrk runs and after each."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0

    def sample(self) -> None:
        self.peak = max(self.peak, tree_rss_kib(self.pid))


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


def run_config(kind: str, workers: int, threads: int, args: argparse.Namespace) -> list[str]:
    lines = []
    with tempfile.TemporaryDirectory(prefix="inventory-bench-") as tmp:
        directory = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith("INVENTORY_")}
        env["INVENTORY_DATABASE_URL"] = f"sqlite:///{directory}/bench.db"
        env["INVENTORY_LOG_LEVEL"] = "WARNING"
        env["INVENTORY_RATE_LIMIT"] = "off"  # measure the API, not the limiter's 429s
        env["INVENTORY_CACHE"] = args.cache
        cli = [str(BIN / "inventory")]

        def run(*command: str) -> str:
            return subprocess.run([*cli, *command], env=env, check=True, capture_output=True,
                                  text=True).stdout.strip()  # fmt: skip

        key = run("keys", "create", "--name", "bench", "--role", "admin")
        run("warehouses", "add", "--code", "MAIN", "--name", "Main")
        for n in range(1, 101):
            run(
                "products", "add", "--sku", f"BENCH-{n}", "--name", f"Bench product {n}"
            ) if n <= 3 else None
        # The rest of the catalog in one import, so the list has a full page to read.
        csv_path = directory / "products.csv"
        csv_path.write_text(
            "sku,name\n" + "".join(f"BENCH-{n},Bench product {n}\n" for n in range(4, 201))
        )
        run("import", "products", str(csv_path))
        lua = scripts(directory, key)
        threads_flag = ["--threads", str(threads)]
        gunicorn = [str(BIN / "python"), "-m", "gunicorn", "--workers", str(workers)]
        scenarios = {
            "bare": ([*gunicorn, *threads_flag, "--worker-class", kind, "--log-level", "warning",
                      "--bind", "127.0.0.1:{port}", "--chdir", str(ROOT / "bench"),
                      "bare_wsgi:app"],
                     ["bare"]),
            "api": ([*cli, "serve", "--port", "{port}", "--workers", str(workers), *threads_flag,
                     "--no-jobs"],
                    ["get", "list", "post"]),
        }  # fmt: skip
        for server, (command, names) in scenarios.items():
            port = free_port()
            argv = [part.replace("{port}", str(port)) for part in command]
            if server == "api" and kind == "sync":
                argv[argv.index("--threads") + 1] = "1"
            process = subprocess.Popen(argv, env=env, cwd=directory, stdout=subprocess.DEVNULL)
            try:
                base = f"http://127.0.0.1:{port}"
                wait_ready(f"{base}/health" if server == "api" else base)
                sampler = Sampler(process.pid)
                for name in names:
                    path = {"get": "/api/v1/products/BENCH-1", "list": "/api/v1/products?limit=50",
                            "post": "/api/v1/movements", "bare": "/"}[name]  # fmt: skip
                    script = lua["get"] if name == "list" else lua[name]
                    got = wrk(base + path, args.seconds, args.connections, script, sampler)
                    lines.append(
                        f"{kind:7} {workers}x{threads:<2} {name:5} {got['rps']:9.0f} req/s   "
                        f"p50 {got['p50']:6.2f} ms  p90 {got['p90']:6.2f} ms  "
                        f"p99 {got['p99']:7.2f} ms  errors {int(got['errors'])}   "
                        f"peak RSS {sampler.peak / 1024:.0f} MiB"
                    )
                    print(lines[-1], flush=True)
            finally:
                process.send_signal(signal.SIGTERM)
                process.wait(30)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--configs", default="sync:2x1,sync:4x1,gthread:2x4,gthread:4x4",
                        help="worker class:processes x threads, comma-separated")  # fmt: skip
    parser.add_argument("--cache", default="memory", help="INVENTORY_CACHE for the server")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("this benchmark needs wrk: apt-get install wrk")
    print(
        f"{os.cpu_count()} CPUs; wrk -t2 -c{args.connections} -d{args.seconds}s per line;"
        f" cache {args.cache}; rate limit off; no job runner"
    )
    for config in args.configs.split(","):
        kind, shape = config.split(":")
        workers, threads = (int(n) for n in shape.split("x"))
        run_config(kind, workers, threads, args)
    print(json.dumps({"done": True}))


if __name__ == "__main__":
    main()
