"""A real ``inventory serve`` (gunicorn) on a free loopback port, and a small client for it."""

from __future__ import annotations

import contextlib
import http.client
import json
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.e2e.shell import Cli, cli_env, ends_with_this_run
from tests.postgres import fresh_schema
from tests.waiting import free_port, wait_ready

START_TIMEOUT = 30.0


def unique(prefix: str) -> str:
    """A sku, code or reference no other test uses, e.g. ``BOLT-1a2b3c4d5e``."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def raw_exchange(port: int, data: bytes, *, then: str = "wait", timeout: float = 10.0) -> bytes:
    """Send ``data`` as is on a new connection and read what comes back until the server closes.

    ``then`` is what the client does once it has sent: ``wait`` (keep sending
    nothing), ``half-close`` (shut its writing side, as a client that has said
    all it will) or ``leave`` (close the socket and read nothing: the answer is b"").
    """
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        if then == "leave":
            return b""
        if then == "half-close":
            sock.shutdown(socket.SHUT_WR)
        received = bytearray()
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(65536):
                received += chunk
        return bytes(received)


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample in a Prometheus text exposition (0 when absent)."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        sample, _, value = line.rpartition(" ")
        head, _, label_text = sample.partition("{")
        found = ",".join(sorted(label_text.rstrip("}").split(","))) if label_text else ""
        if head == name and found == wanted:
            return float(value)
    return 0.0


@dataclass(frozen=True)
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


@dataclass
class Client:
    """HTTP/1.1 to the server, a fresh connection per request unless told otherwise."""

    port: int
    key: str | None = None
    default_headers: dict[str, str] = field(default_factory=dict)

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        key: str | None = None,
        timeout: float = 30.0,
    ) -> Reply:
        sent = {"Connection": "close", **self.default_headers}
        secret = key if key is not None else self.key
        if secret:
            sent["Authorization"] = f"Bearer {secret}"
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        sent.update(headers or {})
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            # The server may answer (413) and close before it has read a large body;
            # like curl, read that answer rather than fail on the unsent rest.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                conn.request(method, path, body=data, headers=sent)
            response = conn.getresponse()
            return Reply(response.status, response.headers, response.read())
        finally:
            conn.close()

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Reply:
        return self.request("POST", path, body, **kwargs)

    def ok(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        """The JSON of a 2xx answer (None for 204); anything else fails the test."""
        reply = self.request(method, path, body, **kwargs)
        assert 200 <= reply.status < 300, f"{method} {path}: {reply.status} {reply.body!r}"
        return None if reply.status == 204 else reply.json


def receipt(
    sku: str, warehouse: str, quantity: int, unit_cost: str = "1.0000", **extra: Any
) -> dict[str, Any]:
    """The body of a receipt movement."""
    return {"type": "receipt", "sku": sku, "warehouse": warehouse, "quantity": quantity,
            "unit_cost": unit_cost, **extra}  # fmt: skip


def issue(sku: str, warehouse: str, quantity: int, **extra: Any) -> dict[str, Any]:
    """The body of an issue movement."""
    return {"type": "issue", "sku": sku, "warehouse": warehouse, "quantity": quantity, **extra}


def order(warehouse: str, lines: Mapping[str, int], reference: str | None = None) -> dict[str, Any]:
    """The body of an order reserving ``lines`` (sku -> quantity, in order) in ``warehouse``."""
    return {
        "reference": reference or unique("SO"),
        "warehouse": warehouse,
        "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines.items()],
    }


def stocked(client: Client, quantity: int, *, unit_cost: str = "1.0000") -> tuple[str, str]:
    """A new warehouse and product holding ``quantity`` units (none when 0): (sku, warehouse)."""
    warehouse, sku = unique("WH"), unique("SKU")
    client.ok("POST", "/api/v1/warehouses", {"code": warehouse, "name": f"Warehouse {warehouse}"})
    client.ok("POST", "/api/v1/products", {"sku": sku, "name": f"Product {sku}"})
    if quantity:
        client.ok("POST", "/api/v1/movements", receipt(sku, warehouse, quantity, unit_cost))
    return sku, warehouse


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    cli: Cli
    admin_key: str
    log: Path
    url: str
    """The database URL the server (and ``cli``) use."""
    database: Path | None = None
    """The SQLite file the server uses; None on PostgreSQL."""

    def client(self, key: str | None = None) -> Client:
        return Client(self.port, self.admin_key if key is None else key)

    def key(self, role: str, name: str | None = None) -> str:
        """A new API key with ``role``, made with the CLI."""
        return self.cli.ok(
            "keys", "create", "--name", name or f"{role}-key", "--role", role
        ).strip()

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM, then the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
            raise

    def logs(self) -> str:
        return self.log.read_text(errors="replace")

    def worker_of(self, request_id: str) -> str | None:
        """The pid of the worker whose access log line carries ``request_id``, if any yet."""
        line = re.search(
            rf"^.* inventory\.access \[(\d+)\] .* id={re.escape(request_id)}$", self.logs(), re.M
        )
        return None if line is None else line.group(1)


def server_ready(
    port: int, process: subprocess.Popen[bytes], log: Path, workers: int = 1, path: str = "/ready"
) -> None:
    """``path`` answers 200 and every worker has booted (so that each handles SIGTERM)."""

    def booted() -> bool:
        return log.read_text(errors="replace").count("worker ready (pid") >= workers

    wait_ready(f"http://127.0.0.1:{port}{path}", process, START_TIMEOUT, log=log, also=booted)


@contextmanager
def hold_write_lock(database: Path, timeout: float = 10.0) -> Iterator[sqlite3.Connection]:
    """Hold SQLite's write lock on ``database`` (as another writer would) until the block ends."""
    conn = sqlite3.connect(database, isolation_level=None, timeout=timeout)
    try:
        conn.execute("BEGIN IMMEDIATE")
        yield conn
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.close()


BACKENDS = ("sqlite", "postgres")
"""Where a test server may keep its data; ``postgres`` needs INVENTORY_TEST_POSTGRES_URL."""


@contextmanager
def fresh_database(directory: Path, backend: str, query: str = "") -> Iterator[str]:
    """The URL of a new, empty database: a file in ``directory``, or a PostgreSQL schema.

    ``query`` adds options to the URL (``busy_timeout_ms=200``, ``lock_timeout_ms=200``).
    A schema is dropped at the end; a PostgreSQL test skips when no server is configured.
    """
    if backend == "sqlite":
        yield f"sqlite:///{directory / 'inventory.db'}" + (f"?{query}" if query else "")
        return
    if backend != "postgres":
        raise ValueError(f"no such backend {backend!r}; expected one of {BACKENDS}")
    with fresh_schema("e2e") as url:
        yield url + (f"&{query}" if query else "")


@contextmanager
def running_server(
    directory: Path,
    *,
    workers: int = 2,
    threads: int = 4,
    database_query: str = "",
    backend: str = "sqlite",
    shared: Server | None = None,
    password: str | None = None,
    jobs: bool = True,
    **env: str,
) -> Iterator[Server]:
    """``inventory serve`` on a fresh database in ``directory``; stopped (SIGTERM) at the end.

    ``backend`` picks SQLite (a file) or PostgreSQL (a schema of its own).
    ``shared``: serve the database of that running server instead, as a second
    instance of one deployment would (same URL, same admin key).
    ``database_query`` is appended to the database URL, e.g. ``busy_timeout_ms=200``;
    ``env`` adds ``INVENTORY_*`` variables (the rate limit is off unless given).
    ``password``: put it in a PostgreSQL URL (the test server trusts any password).
    ``jobs=False``: ``serve --no-jobs``; it is then waited for on ``/health``, as it is not
    ready until some job runner reports.
    """
    with contextlib.ExitStack() as stack:
        if shared is None:
            url = stack.enter_context(fresh_database(directory, backend, database_query))
            if password is not None and backend == "postgres":
                scheme, _, rest = url.partition("://")
                user, _, place = rest.partition("@")
                url = f"{scheme}://{user.partition(':')[0]}:{password}@{place}"
        else:
            url = shared.url
        # Tests send bursts no client would; only a test of the limit itself sets one.
        cli = Cli(directory, cli_env(url, **{"INVENTORY_RATE_LIMIT": "off", **env}))
        if shared is None:
            admin_key = cli.ok("keys", "create", "--name", "admin", "--role", "admin").strip()
        else:
            admin_key = shared.admin_key
        port = free_port()
        log = directory / f"server-{port}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "inventory", "serve", "--host", "127.0.0.1",
                 "--port", str(port), "--workers", str(workers), "--threads", str(threads),
                 *([] if jobs else ["--no-jobs"])],
                cwd=directory, env=cli.env, stdout=out, stderr=subprocess.STDOUT,
                preexec_fn=ends_with_this_run(),
            )  # fmt: skip
        database = directory / "inventory.db" if url.startswith("sqlite:") else None
        server = Server(process, port, cli, admin_key, log, url, database)
        try:
            server_ready(port, process, log, workers, path="/ready" if jobs else "/health")
            yield server
        finally:
            server.stop()
